#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

// Covers:
//   - Result<T>: value, ErrorCode and Error construction; copy, move, assignment
//   - Result<void>: default ok, ok(), error construction
//   - SKIFF_TRY: propagates the exact error (code, offset, context) and stops the caller;
//     continues on success; works in Result<T> and Result<void> functions
//   - SKIFF_TRY_ASSIGN: declares or assigns; propagates and stops; several in one scope
//   - move-only T (std::unique_ptr) through Result, SKIFF_TRY_ASSIGN and moves
//   - Error::with_context joins "outer: inner"; Result::with_context only touches errors
//   - Error::at() sets an unknown offset only
//   - Error::to_string format with/without offset and context
//   - Error copies deep-copy the context
//   - the error table: name, message, phase of codes

namespace skiff {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error(ErrorCode::InvalidArgument, static_cast<uint32_t>(c));
  return c - '0';
}

Result<void> check_positive(int v) {
  if (v <= 0) return Error(ErrorCode::IntegerTooLarge, 7, "not positive");
  return ok();
}

TEST(Result, HoldsAValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  *r = 43;
  EXPECT_EQ(r.value(), 43);
}

TEST(Result, ArrowReachesMembersOfTheValue) {
  Result<std::string> r = std::string("skiff");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 5u);
}

TEST(Result, HoldsAnErrorFromError) {
  Result<int> r = Error(ErrorCode::TypeMismatch, 0x1a, "ctx");
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code(), ErrorCode::TypeMismatch);
  EXPECT_EQ(r.error().offset(), 0x1au);
  EXPECT_EQ(r.error().context(), "ctx");
}

TEST(Result, HoldsAnErrorFromErrorCodeWithoutOffset) {
  Result<int> r = ErrorCode::UnexpectedEnd;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::UnexpectedEnd);
  EXPECT_FALSE(r.error().has_offset());
  EXPECT_EQ(r.error().offset(), kNoOffset);
  EXPECT_EQ(r.error().context(), "");
}

TEST(Result, CopyAndMoveKeepValueAndError) {
  Result<std::string> v = std::string("abc");
  Result<std::string> v_copy = v;
  ASSERT_TRUE(v_copy.ok());
  EXPECT_EQ(*v_copy, "abc");
  EXPECT_EQ(*v, "abc");
  Result<std::string> v_moved = std::move(v_copy);
  ASSERT_TRUE(v_moved.ok());
  EXPECT_EQ(*v_moved, "abc");

  Result<std::string> e = Error(ErrorCode::UnknownLabel, 3, "in function 1");
  Result<std::string> e_copy = e;
  ASSERT_FALSE(e_copy.ok());
  EXPECT_EQ(e_copy.error().code(), ErrorCode::UnknownLabel);
  EXPECT_EQ(e_copy.error().offset(), 3u);
  EXPECT_EQ(e_copy.error().context(), "in function 1");
  Result<std::string> e_moved = std::move(e_copy);
  ASSERT_FALSE(e_moved.ok());
  EXPECT_EQ(e_moved.error().context(), "in function 1");
}

TEST(Result, AssignmentSwitchesBetweenValueAndError) {
  Result<std::string> r = std::string("value");
  r = Error(ErrorCode::UnknownType, 9);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::UnknownType);
  EXPECT_EQ(r.error().offset(), 9u);
  r = std::string("again");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "again");
}

TEST(ResultVoid, DefaultAndOkAreSuccess) {
  Result<void> a;
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(static_cast<bool>(a));
  Result<void> b = ok();
  EXPECT_TRUE(b.ok());
}

TEST(ResultVoid, HoldsAnError) {
  Result<void> r = Error(ErrorCode::MalformedUtf8, 12);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::MalformedUtf8);
  EXPECT_EQ(r.error().offset(), 12u);
  Result<void> from_code = ErrorCode::DataCountRequired;
  ASSERT_FALSE(from_code.ok());
  EXPECT_EQ(from_code.error().code(), ErrorCode::DataCountRequired);
}

// --- SKIFF_TRY -------------------------------------------------------------------

Result<void> check_all(const std::vector<int>& vs, int& checked) {
  for (int v : vs) {
    SKIFF_TRY(check_positive(v));
    ++checked;
  }
  return ok();
}

TEST(SkiffTry, ContinuesOnSuccess) {
  int checked = 0;
  Result<void> r = check_all({1, 2, 3}, checked);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(checked, 3);
}

TEST(SkiffTry, PropagatesTheExactErrorAndStops) {
  int checked = 0;
  Result<void> r = check_all({1, -1, 3}, checked);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(checked, 1);  // nothing after the failing call ran
  EXPECT_EQ(r.error().code(), ErrorCode::IntegerTooLarge);
  EXPECT_EQ(r.error().offset(), 7u);
  EXPECT_EQ(r.error().context(), "not positive");
}

Result<int> sum_if_positive(int a, int b) {
  SKIFF_TRY(check_positive(a));
  SKIFF_TRY(check_positive(b));
  return a + b;
}

TEST(SkiffTry, WorksInFunctionsReturningAValue) {
  auto good = sum_if_positive(2, 3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 5);
  auto bad = sum_if_positive(2, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::IntegerTooLarge);
}

TEST(SkiffTry, AcceptsAResultOfValueType) {
  auto f = [](char c) -> Result<void> {
    SKIFF_TRY(parse_digit(c));
    return ok();
  };
  EXPECT_TRUE(f('4').ok());
  auto r = f('x');
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(r.error().offset(), static_cast<uint32_t>('x'));
}

// --- SKIFF_TRY_ASSIGN ------------------------------------------------------------

Result<int> two_digits(const char* s, int& steps) {
  SKIFF_TRY_ASSIGN(int tens, parse_digit(s[0]));
  ++steps;
  SKIFF_TRY_ASSIGN(int ones, parse_digit(s[1]));
  ++steps;
  return tens * 10 + ones;
}

TEST(SkiffTryAssign, DeclaresTheValues) {
  int steps = 0;
  auto r = two_digits("42", steps);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(steps, 2);
}

TEST(SkiffTryAssign, PropagatesTheFirstErrorAndStops) {
  int steps = 0;
  auto r = two_digits("4y", steps);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(steps, 1);
  EXPECT_EQ(r.error().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(r.error().offset(), static_cast<uint32_t>('y'));

  steps = 0;
  auto r2 = two_digits("z4", steps);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(steps, 0);
  EXPECT_EQ(r2.error().offset(), static_cast<uint32_t>('z'));
}

TEST(SkiffTryAssign, AssignsToAnExistingVariable) {
  auto f = [](char c, int& out) -> Result<void> {
    SKIFF_TRY_ASSIGN(out, parse_digit(c));
    return ok();
  };
  int v = -1;
  ASSERT_TRUE(f('7', v).ok());
  EXPECT_EQ(v, 7);
  ASSERT_FALSE(f('?', v).ok());
  EXPECT_EQ(v, 7);  // untouched on error
}

// --- move-only values ------------------------------------------------------------

Result<std::unique_ptr<int>> make_box(int v) {
  if (v < 0) return Error(ErrorCode::InvalidArgument, kNoOffset, "negative");
  return std::make_unique<int>(v);
}

Result<int> unbox_plus_one(int v) {
  SKIFF_TRY_ASSIGN(std::unique_ptr<int> box, make_box(v));
  return *box + 1;
}

TEST(ResultMoveOnly, HoldsAndReleasesAUniquePtr) {
  auto r = make_box(5);
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r.value(), nullptr);
  EXPECT_EQ(*r.value(), 5);
  std::unique_ptr<int> owned = std::move(r).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 5);
}

TEST(ResultMoveOnly, MovesBetweenResults) {
  auto a = make_box(8);
  auto b = std::move(a);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(**b, 8);
  Result<std::unique_ptr<int>> c = make_box(-1);
  ASSERT_FALSE(c.ok());
  c = std::move(b);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(**c, 8);
}

TEST(ResultMoveOnly, WorksWithSkiffTryAssign) {
  auto good = unbox_plus_one(9);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 10);
  auto bad = unbox_plus_one(-3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(bad.error().context(), "negative");
}

// --- context, offsets, formatting --------------------------------------------------

TEST(ErrorContext, FirstContextIsStoredAsIs) {
  Error e(ErrorCode::TypeMismatch, 4);
  e.with_context("in function 3");
  EXPECT_EQ(e.context(), "in function 3");
}

TEST(ErrorContext, LaterContextIsPrependedWithColon) {
  Error e(ErrorCode::TypeMismatch, 4, "at block");
  e.with_context("in function 3");
  e.with_context("while validating");
  EXPECT_EQ(e.context(), "while validating: in function 3: at block");
}

TEST(ErrorContext, RvalueWithContextReturnsTheSameError) {
  Error e = Error(ErrorCode::UnknownGlobal, 2).with_context("global 1");
  EXPECT_EQ(e.code(), ErrorCode::UnknownGlobal);
  EXPECT_EQ(e.offset(), 2u);
  EXPECT_EQ(e.context(), "global 1");
}

TEST(ErrorContext, ResultWithContextAddsToErrorsOnly) {
  Result<int> good = Result<int>(5).with_context("ignored");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 5);

  Result<int> bad = Result<int>(Error(ErrorCode::UnknownLocal, 1, "inner")).with_context("outer");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().context(), "outer: inner");

  Result<void> vgood = Result<void>().with_context("ignored");
  EXPECT_TRUE(vgood.ok());
  Result<void> vbad = check_positive(0).with_context("arg 2");
  ASSERT_FALSE(vbad.ok());
  EXPECT_EQ(vbad.error().context(), "arg 2: not positive");
}

TEST(ErrorContext, ContextSurvivesSkiffTry) {
  auto f = []() -> Result<void> {
    SKIFF_TRY(check_positive(-5).with_context("import #3"));
    return ok();
  };
  auto r = f();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().context(), "import #3: not positive");
  EXPECT_EQ(r.error().offset(), 7u);
}

TEST(ErrorContext, CopiesAreDeep) {
  Error a(ErrorCode::TypeMismatch, 1, "a");
  Error b = a;
  b.with_context("b");
  EXPECT_EQ(a.context(), "a");
  EXPECT_EQ(b.context(), "b: a");
  Error c(ErrorCode::Ok);
  c = a;
  EXPECT_EQ(c.code(), ErrorCode::TypeMismatch);
  EXPECT_EQ(c.context(), "a");
}

TEST(ErrorOffset, AtSetsOnlyAnUnknownOffset) {
  Error unknown = Error(ErrorCode::UnexpectedEnd).at(0x30);
  EXPECT_EQ(unknown.offset(), 0x30u);
  Error known = Error(ErrorCode::UnexpectedEnd, 0x10).at(0x30);
  EXPECT_EQ(known.offset(), 0x10u);
}

TEST(ErrorToString, MessageOnly) {
  EXPECT_EQ(Error(ErrorCode::UnexpectedEnd).to_string(), "unexpected end");
}

TEST(ErrorToString, MessageWithHexOffset) {
  EXPECT_EQ(Error(ErrorCode::TypeMismatch, 0x1a).to_string(), "type mismatch at offset 0x1a");
  EXPECT_EQ(Error(ErrorCode::TypeMismatch, 0).to_string(), "type mismatch at offset 0x0");
}

TEST(ErrorToString, MessageWithOffsetAndContext) {
  Error e(ErrorCode::UnknownLabel, 255, "in function 3 (main)");
  EXPECT_EQ(e.to_string(), "unknown label at offset 0xff (in function 3 (main))");
}

TEST(ErrorToString, MessageWithContextButNoOffset) {
  Error e(ErrorCode::DuplicateExportName, kNoOffset, "export \"f\"");
  EXPECT_EQ(e.to_string(), "duplicate export name (export \"f\")");
}

TEST(ErrorTable, CodesCarryNameMessageAndPhase) {
  EXPECT_EQ(error_code_name(ErrorCode::TypeMismatch), "TypeMismatch");
  EXPECT_EQ(error_code_message(ErrorCode::TypeMismatch), "type mismatch");
  EXPECT_EQ(error_code_phase(ErrorCode::TypeMismatch), Phase::Validate);
  EXPECT_EQ(error_code_phase(ErrorCode::IntegerTooLong), Phase::Decode);
  EXPECT_EQ(error_code_message(ErrorCode::IntegerTooLong), "integer representation too long");
  EXPECT_EQ(error_code_phase(ErrorCode::IoError), Phase::Io);
  Error e(ErrorCode::DataCountRequired);
  EXPECT_EQ(e.phase(), Phase::Decode);
  EXPECT_EQ(e.message(), "data count section required");
  EXPECT_EQ(phase_name(Phase::Validate), "validate");
  EXPECT_EQ(phase_name(Phase::Trap), "trap");
}

}  // namespace
}  // namespace skiff
