#include "engine/validate/validated_module.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/validate/module_validator.h"
#include "support/wasm_bytes.h"

// Validation tests (https://webassembly.github.io/spec/core/valid/) on hand-assembled
// modules. Helpers only frame sections (id + LEB size) and function bodies (LEB size);
// every instruction and every section's contents are spelled out in the test.
//
// Every check runs both ways: validate(decode(bytes)) and the streaming
// decode_and_validate(bytes), and the two must agree on the outcome.

namespace skiff::engine::validate {
namespace {

using testing::append;
using testing::Bytes;
using testing::cat;
using testing::kHeader;
using testing::leb_u32;
using testing::section;

// The contents of each section (count included); an empty one is left out.
struct Sections {
  Bytes type, import, function, table, memory, global, export_, start, elem, datacount, code, data;

  Bytes build() const {
    Bytes out = kHeader;
    auto add = [&](uint8_t id, const Bytes& payload) {
      if (!payload.empty()) append(out, section(id, payload));
    };
    add(1, type);
    add(2, import);
    add(3, function);
    add(4, table);
    add(5, memory);
    add(6, global);
    add(7, export_);
    add(8, start);
    add(9, elem);
    add(12, datacount);
    add(10, code);
    add(11, data);
    return out;
  }
};

// A code section payload: the count, then each body prefixed with its size. A body is
// its local declarations followed by its instructions (final `end` included).
Bytes code(std::initializer_list<Bytes> bodies) {
  Bytes out = leb_u32(static_cast<uint32_t>(bodies.size()));
  for (const Bytes& b : bodies) {
    append(out, leb_u32(static_cast<uint32_t>(b.size())));
    append(out, b);
  }
  return out;
}

// One function type `type` (e.g. {0x60, 0x00, 0x01, 0x7F}), one function of that type
// with `body` (locals + instructions), plus whatever else is set in `extra`.
Bytes module_with_body(const Bytes& type, const Bytes& body, Sections extra = {}) {
  Bytes types = {0x01};
  append(types, type);
  extra.type = types;
  extra.function = {0x01, 0x00};
  extra.code = code({body});
  return extra.build();
}

// Validates every way there is and checks they agree on the outcome (and on the error
// code and offset): one-shot decode_and_validate, the same with bodies forced onto
// several threads, StreamingValidator, and validate(decode(bytes)).
Result<ValidatedModule> check(const Bytes& bytes) {
  auto one_shot = decode_and_validate(bytes);
  auto agree = [&](const char* how, const auto& other) {
    EXPECT_EQ(other.ok(), one_shot.ok()) << how;
    if (!other.ok() && !one_shot.ok()) {
      EXPECT_EQ(other.error().code(), one_shot.error().code())
          << how << ": " << other.error().to_string() << " vs " << one_shot.error().to_string();
      EXPECT_EQ(other.error().offset(), one_shot.error().offset()) << how;
    }
  };
  ValidateOptions parallel;
  parallel.threads = 4;
  parallel.min_parallel_code_bytes = 0;
  agree("parallel", decode_and_validate(bytes, parallel));
  StreamingValidator sv;
  auto fed = sv.feed(bytes);
  agree("streaming", fed.ok() ? sv.finish() : Result<ValidatedModule>(std::move(fed).error()));
  auto decoded = binary::decode(bytes);
  agree("two-step", decoded.ok() ? validate(std::move(decoded).value())
                                 : Result<ValidatedModule>(std::move(decoded).error()));
  return one_shot;
}

void expect_valid(const Bytes& bytes) {
  auto r = check(bytes);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
}

void expect_invalid(const Bytes& bytes, ErrorCode code) {
  auto r = check(bytes);
  ASSERT_FALSE(r.ok()) << "module was accepted";
  EXPECT_EQ(r.error().code(), code) << r.error().to_string();
}

void expect_invalid_at(const Bytes& bytes, ErrorCode code, uint32_t offset) {
  auto r = check(bytes);
  ASSERT_FALSE(r.ok()) << "module was accepted";
  EXPECT_EQ(r.error().code(), code) << r.error().to_string();
  EXPECT_EQ(r.error().offset(), offset) << r.error().to_string();
}

// Absolute offset of instruction byte `k` of the first body (after its locals).
uint32_t body_instr_offset(const Bytes& bytes, uint32_t k) {
  auto m = binary::decode(bytes);
  EXPECT_TRUE(m.ok());
  if (!m.ok()) return 0;
  return (*m)->codes[0].code_offset + k;
}

// Frequently used types and sections.
const Bytes kVoid = {0x60, 0x00, 0x00};              // [] -> []
const Bytes kToI32 = {0x60, 0x00, 0x01, 0x7F};       // [] -> [i32]
const Bytes kToI64 = {0x60, 0x00, 0x01, 0x7E};       // [] -> [i64]
const Bytes kMemory1 = {0x01, 0x00, 0x01};           // 1 memory, min 1
const Bytes kV128Zero = {0xFD, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};


// ====================== unreachable code and the polymorphic stack ==================

// Covers: select on an empty polymorphic stack (all three operands bottom), select with
// one known operand (the result takes its type), untyped select of references is
// rejected even in unreachable code, too many values left at the end after
// unreachable, operand type mismatch after unreachable.
TEST(ValidatorUnreachable, SelectOfBottomsIsValidForAnyResult) {
  expect_valid(module_with_body(kToI32, {0x00,           // no locals
                                         0x00,           // unreachable
                                         0x1B,           // select (bottom, bottom, bottom)
                                         0x0B}));        // end: bottom is an i32
  expect_valid(module_with_body(kToI64, {0x00, 0x00, 0x1B, 0x0B}));
}

TEST(ValidatorUnreachable, SelectWithOneKnownOperandTakesItsType) {
  // unreachable; i64.const 0; i32.const 0; select -> i64
  Bytes body = {0x00, 0x00, 0x42, 0x00, 0x41, 0x00, 0x1B, 0x0B};
  expect_valid(module_with_body(kToI64, body));
  Bytes bad = module_with_body(kToI32, body);
  expect_invalid_at(bad, ErrorCode::TypeMismatch, body_instr_offset(bad, 6));  // at `end`
}

TEST(ValidatorUnreachable, UntypedSelectOfReferencesIsRejectedEvenWhenUnreachable) {
  Bytes m = module_with_body(kVoid, {0x00,
                                     0x00,              // unreachable
                                     0xD0, 0x70,        // ref.null func
                                     0x41, 0x01,        // i32.const 1
                                     0x1B,              // select @+5
                                     0x1A, 0x0B});      // drop end
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 5));
}

TEST(ValidatorUnreachable, ExtraValuesAfterUnreachableAreRejected) {
  Bytes m = module_with_body(kToI32, {0x00,
                                      0x00,              // unreachable
                                      0x41, 0x00,        // i32.const 0
                                      0x41, 0x00,        // i32.const 0
                                      0x0B});            // end @+5: two values for one
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 5));
}

TEST(ValidatorUnreachable, KnownOperandsAreStillChecked) {
  Bytes m = module_with_body(kToI32, {0x00,
                                      0x00,              // unreachable
                                      0x42, 0x00,        // i64.const 0
                                      0x6A,              // i32.add @+3: i64 operand
                                      0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 3));
  // With only bottoms below, i32.add is fine.
  expect_valid(module_with_body(kToI32, {0x00, 0x00, 0x6A, 0x0B}));
}

TEST(ValidatorUnreachable, BranchMakesTheRestOfTheBlockPolymorphic) {
  expect_valid(module_with_body(kToI32, {0x00,
                                         0x02, 0x7F,     // block (result i32)
                                         0x41, 0x01,     //   i32.const 1
                                         0x0C, 0x00,     //   br 0
                                         0x6A,           //   i32.add of two bottoms
                                         0x0B, 0x0B}));
  Bytes m = module_with_body(kToI32, {0x00,
                                      0x02, 0x7F,        // block (result i32)
                                      0x0C, 0x00,        //   br 0 @+2 without its i32
                                      0x0B, 0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 2));
}

// Covers: br_table to labels of different types after unreachable (the spec's
// "meet-bottom"), the same without unreachable, labels of different arity even after
// unreachable, an unknown label.
TEST(ValidatorBrTable, LabelsOfDifferentTypesMeetOnBottom) {
  expect_valid(module_with_body(kVoid, {
      0x00,
      0x02, 0x7C,                         // block (result f64)
      0x02, 0x7D,                         //   block (result f32)
      0x00,                               //     unreachable
      0x41, 0x01,                         //     i32.const 1
      0x0E, 0x02, 0x00, 0x01, 0x01,       //     br_table 0 1 1
      0x0B,                               //   end
      0x1A,                               //   drop
      0x44, 0, 0, 0, 0, 0, 0, 0, 0,       //   f64.const 0
      0x0B,                               // end
      0x1A,                               // drop
      0x0B}));
}

TEST(ValidatorBrTable, LabelsOfDifferentTypesAreRejectedWithAKnownOperand) {
  Bytes m = module_with_body(kVoid, {
      0x00,
      0x02, 0x7C,                         // block (result f64)
      0x02, 0x7D,                         //   block (result f32)
      0x43, 0, 0, 0, 0,                   //     f32.const 0
      0x41, 0x01,                         //     i32.const 1
      0x0E, 0x02, 0x00, 0x01, 0x01,       //     br_table 0 1 1  @+11
      0x0B, 0x1A,
      0x44, 0, 0, 0, 0, 0, 0, 0, 0,
      0x0B, 0x1A, 0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 11));
}

TEST(ValidatorBrTable, LabelsOfDifferentArityAreRejectedEvenWhenUnreachable) {
  Bytes m = module_with_body(kVoid, {
      0x00,
      0x02, 0x40,                         // block
      0x02, 0x7F,                         //   block (result i32)
      0x00,                               //     unreachable
      0x41, 0x01,                         //     i32.const 1
      0x0E, 0x01, 0x00, 0x01,             //     br_table 0 1  @+7
      0x0B, 0x1A, 0x0B, 0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 7));
}

// Each label is checked once per br_table: a repeated one is skipped, and a label of
// another type after many repeats, or in the next br_table, is still found.
TEST(ValidatorBrTable, RepeatedLabelsAreCheckedOnceAndAMismatchAfterThemIsFound) {
  Bytes m = module_with_body(kVoid, {
      0x00,
      0x02, 0x7C,                                     // block (result f64)
      0x02, 0x7D,                                     //   block (result f32)
      0x43, 0, 0, 0, 0,                               //     f32.const 0
      0x41, 0x01,                                     //     i32.const 1
      0x0E, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,  //     br_table 0 0 0 0 1 0  @+11
      0x0B, 0x1A,
      0x44, 0, 0, 0, 0, 0, 0, 0, 0,
      0x0B, 0x1A, 0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 11));
  Bytes two = module_with_body(kVoid, {
      0x00,
      0x02, 0x7C,                                     // block (result f64)
      0x02, 0x7D,                                     //   block (result f32)
      0x43, 0, 0, 0, 0,                               //     f32.const 0
      0x41, 0x01,                                     //     i32.const 1
      0x0E, 0x02, 0x00, 0x00, 0x00,                   //     br_table 0 0 0: fine
      0x44, 0, 0, 0, 0, 0, 0, 0, 0,                   //     f64.const 0
      0x41, 0x01,                                     //     i32.const 1
      0x0E, 0x02, 0x00, 0x01, 0x01,                   //     br_table 0 1 1  @+27: 0 is f32
      0x0B, 0x1A,
      0x44, 0, 0, 0, 0, 0, 0, 0, 0,
      0x0B, 0x1A, 0x0B});
  expect_invalid_at(two, ErrorCode::TypeMismatch, body_instr_offset(two, 27));
}

TEST(ValidatorBrTable, RejectsUnknownLabel) {
  Bytes m = module_with_body(kVoid, {0x00,
                                     0x41, 0x00,              // i32.const 0
                                     0x0E, 0x01, 0x00, 0x02,  // br_table 0 2 @+2: depth 2
                                     0x0B});
  expect_invalid_at(m, ErrorCode::UnknownLabel, body_instr_offset(m, 2));
}

TEST(ValidatorBrTable, HugeTargetCountFailsAtTheEndOfTheBody) {
  Bytes m = module_with_body(kVoid, {0x00,
                                     0x41, 0x00,                          // i32.const 0
                                     0x0E, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F,  // 2^32-1 targets
                                     0x00});                              // one, body ends
  auto r = check(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::UnexpectedEndOfSection);
  EXPECT_EQ(r.error().offset(), static_cast<uint32_t>(m.size()));
}

// ============================== block types ========================================

// Covers: multi-value block types given by type index, with params taken from the
// stack; missing params; a loop whose branch carries the params; an out-of-range type
// index; a negative s33.
const Bytes kTwoTypes = {0x02,
                         0x60, 0x00, 0x01, 0x7F,                    // 0: [] -> [i32]
                         0x60, 0x02, 0x7F, 0x7F, 0x02, 0x7F, 0x7F};  // 1: [i32 i32] -> [i32 i32]

Bytes with_two_types(const Bytes& body) {
  Sections s;
  s.type = kTwoTypes;
  s.function = {0x01, 0x00};  // the function has type 0
  s.code = code({body});
  return s.build();
}

TEST(ValidatorBlockTypes, MultiValueBlockWithParams) {
  expect_valid(with_two_types({0x00,
                               0x41, 0x01,       // i32.const 1
                               0x41, 0x02,       // i32.const 2
                               0x02, 0x01,       // block (type 1): [i32 i32] -> [i32 i32]
                               0x6A,             //   i32.add
                               0x41, 0x03,       //   i32.const 3
                               0x0B,             // end
                               0x6A,             // i32.add
                               0x0B}));
}

TEST(ValidatorBlockTypes, RejectsMissingBlockParams) {
  Bytes m = with_two_types({0x00,
                            0x41, 0x01,          // i32.const 1: one of two params
                            0x02, 0x01,          // block (type 1) @+2
                            0x0B, 0x6A, 0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 2));
}

TEST(ValidatorBlockTypes, RejectsWrongBlockResults) {
  Bytes m = with_two_types({0x00,
                            0x41, 0x01, 0x41, 0x02,
                            0x02, 0x01,          // block (type 1)
                            0x6A,                //   i32.add: leaves one value
                            0x0B,                // end @+7: needs two
                            0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 7));
}

TEST(ValidatorBlockTypes, LoopBranchTakesTheParams) {
  expect_valid(with_two_types({0x00,
                               0x41, 0x01, 0x41, 0x02,
                               0x03, 0x01,       // loop (type 1)
                               0x41, 0x00,       //   i32.const 0
                               0x0D, 0x00,       //   br_if 0: passes [i32 i32] to the loop
                               0x0B,             // end
                               0x6A, 0x0B}));
  Bytes m = with_two_types({0x00,
                            0x41, 0x01, 0x41, 0x02,
                            0x03, 0x01,          // loop (type 1)
                            0x6A,                //   i32.add: one value left
                            0x0C, 0x00,          //   br 0 @+7: loop label needs [i32 i32]
                            0x0B, 0x6A, 0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 7));
}

TEST(ValidatorBlockTypes, RejectsUnknownTypeIndex) {
  Bytes m = with_two_types({0x00, 0x02, 0x05,    // block (type 5) @+0
                            0x0B, 0x41, 0x00, 0x0B});
  expect_invalid_at(m, ErrorCode::UnknownType, body_instr_offset(m, 0));
}

TEST(ValidatorBlockTypes, RejectsNegativeBlockType) {
  Bytes m = with_two_types({0x00, 0x02, 0x7A,    // s33 -6 is no value type nor index
                            0x0B, 0x41, 0x00, 0x0B});
  expect_invalid_at(m, ErrorCode::MalformedValueType, body_instr_offset(m, 0));
}

// Covers: `if` without `else` must have params == results; with params == results it
// is valid; `else` outside an `if`.
TEST(ValidatorIf, IfWithoutElseNeedsMatchingParamsAndResults) {
  Bytes m = module_with_body(kToI32, {0x00,
                                      0x41, 0x00,        // i32.const 0
                                      0x04, 0x7F,        // if (result i32)
                                      0x41, 0x01,        //   i32.const 1
                                      0x0B,              // end @+6: no else
                                      0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 6));

  // [i32] -> [i32] with no else passes the param through.
  Sections s;
  s.type = {0x02, 0x60, 0x00, 0x01, 0x7F, 0x60, 0x01, 0x7F, 0x01, 0x7F};
  s.function = {0x01, 0x00};
  s.code = code({{0x00,
                  0x41, 0x05,                            // i32.const 5 (the param)
                  0x41, 0x00,                            // i32.const 0 (the condition)
                  0x04, 0x01,                            // if (type 1)
                  0x41, 0x01, 0x6A,                      //   i32.const 1 i32.add
                  0x0B,                                  // end
                  0x0B}});
  expect_valid(s.build());
}

TEST(ValidatorIf, IfElseWithResults) {
  expect_valid(module_with_body(kToI32, {0x00,
                                         0x41, 0x00,     // i32.const 0
                                         0x04, 0x7F,     // if (result i32)
                                         0x41, 0x01,     //   i32.const 1
                                         0x05,           // else
                                         0x41, 0x02,     //   i32.const 2
                                         0x0B, 0x0B}));
}

TEST(ValidatorIf, RejectsElseWithoutIf) {
  Bytes m = module_with_body(kVoid, {0x00, 0x02, 0x40,
                                     0x05,               // else @+2 inside a block
                                     0x0B, 0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 2));
}

// ============================== references ==========================================

// Covers: ref.func of a function not declared anywhere else (undeclared), declared by a
// declarative element segment, by an export, by a global initializer; ref.func of an
// unknown function.
const Bytes kRefFuncBody = {0x00, 0xD2, 0x00, 0x1A, 0x0B};  // ref.func 0; drop

TEST(ValidatorRefFunc, RejectsUndeclaredFunction) {
  Bytes m = module_with_body(kVoid, kRefFuncBody);
  expect_invalid_at(m, ErrorCode::UndeclaredFunctionReference, body_instr_offset(m, 0));
}

TEST(ValidatorRefFunc, AcceptsFunctionDeclaredByElementSegment) {
  Sections s;
  s.elem = {0x01, 0x03, 0x00, 0x01, 0x00};  // declarative func [0]
  expect_valid(module_with_body(kVoid, kRefFuncBody, s));
}

TEST(ValidatorRefFunc, AcceptsFunctionDeclaredByExport) {
  Sections s;
  s.export_ = {0x01, 0x01, 'f', 0x00, 0x00};  // export "f" func 0
  expect_valid(module_with_body(kVoid, kRefFuncBody, s));
}

TEST(ValidatorRefFunc, AcceptsFunctionDeclaredByGlobalInitializer) {
  Sections s;
  s.global = {0x01, 0x70, 0x00, 0xD2, 0x00, 0x0B};  // funcref = ref.func 0
  expect_valid(module_with_body(kVoid, kRefFuncBody, s));
}

TEST(ValidatorRefFunc, RejectsUnknownFunction) {
  Bytes m = module_with_body(kVoid, {0x00, 0xD2, 0x07, 0x1A, 0x0B});  // ref.func 7
  expect_invalid_at(m, ErrorCode::UnknownFunction, body_instr_offset(m, 0));
}

TEST(ValidatorRefs, RefIsNullNeedsAReference) {
  expect_valid(module_with_body(kToI32, {0x00, 0xD0, 0x6F, 0xD1, 0x0B}));  // ref.null extern
  Bytes m = module_with_body(kToI32, {0x00, 0x41, 0x00,
                                      0xD1,               // ref.is_null of i32 @+2
                                      0x0B});
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 2));
}

// ============================== tables and elements ================================

// Covers: table.init with a segment of another element type; matching types; an unknown
// segment; elem.drop of an unknown segment; table.copy between tables of different
// types; call_indirect through an externref table; no table at all.
TEST(ValidatorTables, TableInitRejectsElementTypeMismatch) {
  Sections s;
  s.table = {0x01, 0x6F, 0x00, 0x01};        // table 0: externref
  s.elem = {0x01, 0x01, 0x00, 0x00};         // passive funcref segment, no entries
  const Bytes body = {0x00,
                      0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
                      0xFC, 0x0C, 0x00, 0x00,  // table.init elem 0 table 0 @+6
                      0x0B};
  Bytes m = module_with_body(kVoid, body, s);
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 6));

  s.table = {0x01, 0x70, 0x00, 0x01};        // table 0: funcref
  expect_valid(module_with_body(kVoid, body, s));
}

TEST(ValidatorTables, RejectsUnknownElementSegment) {
  Sections s;
  s.table = {0x01, 0x70, 0x00, 0x01};
  expect_invalid(module_with_body(kVoid, {0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
                                          0xFC, 0x0C, 0x00, 0x00, 0x0B}, s),
                 ErrorCode::UnknownElemSegment);
  expect_invalid(module_with_body(kVoid, {0x00, 0xFC, 0x0D, 0x00, 0x0B}, s),  // elem.drop 0
                 ErrorCode::UnknownElemSegment);
}

TEST(ValidatorTables, TableCopyNeedsEqualElementTypes) {
  Sections s;
  s.table = {0x02, 0x70, 0x00, 0x01, 0x6F, 0x00, 0x01};  // funcref, externref
  Bytes m = module_with_body(kVoid, {0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
                                     0xFC, 0x0E, 0x00, 0x01,  // table.copy 0 1 @+6
                                     0x0B}, s);
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 6));
  expect_valid(module_with_body(kVoid, {0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
                                        0xFC, 0x0E, 0x01, 0x01, 0x0B}, s));
}

TEST(ValidatorTables, CallIndirectNeedsAFuncrefTable) {
  Sections s;
  s.table = {0x01, 0x6F, 0x00, 0x01};  // externref
  Bytes m = module_with_body(kVoid, {0x00, 0x41, 0x00,
                                     0x11, 0x00, 0x00,  // call_indirect type 0 table 0 @+2
                                     0x0B}, s);
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 2));
  expect_invalid(module_with_body(kVoid, {0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0B}),
                 ErrorCode::UnknownTable);
}

TEST(ValidatorTables, ActiveSegmentTypeMustMatchTable) {
  Sections s;
  s.table = {0x01, 0x6F, 0x00, 0x01};              // externref table
  s.elem = {0x01, 0x00, 0x41, 0x00, 0x0B, 0x00};   // active funcref segment, no entries
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::TypeMismatch);
  s.elem = {0x01, 0x06, 0x00, 0x41, 0x00, 0x0B, 0x6F, 0x00};  // table 0, externref, none
  expect_valid(module_with_body(kVoid, {0x00, 0x0B}, s));
}

TEST(ValidatorTables, ElementExpressionsMustHaveTheSegmentType) {
  Sections s;
  s.elem = {0x01, 0x05, 0x70,          // passive funcref exprs
            0x01, 0xD0, 0x6F, 0x0B};   // [ref.null extern]
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::TypeMismatch);
}

// ============================== bulk memory =========================================

// Covers: memory.init and data.drop without a data count section (DataCountRequired),
// with one (valid), a data index beyond the count, memory.init without memory.
TEST(ValidatorBulkMemory, MemoryInitRequiresDataCount) {
  Sections s;
  s.memory = kMemory1;
  s.data = {0x01, 0x01, 0x00};               // 1 passive segment, empty
  const Bytes body = {0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
                      0xFC, 0x08, 0x00, 0x00,  // memory.init 0 @+6
                      0x0B};
  Bytes m = module_with_body(kVoid, body, s);
  expect_invalid_at(m, ErrorCode::DataCountRequired, body_instr_offset(m, 6));

  s.datacount = {0x01};
  expect_valid(module_with_body(kVoid, body, s));
}

TEST(ValidatorBulkMemory, DataDropRequiresDataCount) {
  Sections s;
  s.data = {0x01, 0x01, 0x00};
  const Bytes body = {0x00, 0xFC, 0x09, 0x00, 0x0B};  // data.drop 0
  expect_invalid(module_with_body(kVoid, body, s), ErrorCode::DataCountRequired);
  s.datacount = {0x01};
  expect_valid(module_with_body(kVoid, body, s));
}

TEST(ValidatorBulkMemory, RejectsDataIndexBeyondCount) {
  Sections s;
  s.datacount = {0x01};
  s.data = {0x01, 0x01, 0x00};
  expect_invalid(module_with_body(kVoid, {0x00, 0xFC, 0x09, 0x01, 0x0B}, s),  // data.drop 1
                 ErrorCode::UnknownDataSegment);
}

TEST(ValidatorBulkMemory, MemoryOpsNeedAMemory) {
  expect_invalid(module_with_body(kVoid, {0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
                                          0xFC, 0x0B, 0x00, 0x0B}),  // memory.fill
                 ErrorCode::UnknownMemory);
  expect_invalid(module_with_body(kToI32, {0x00, 0x3F, 0x00, 0x0B}),  // memory.size
                 ErrorCode::UnknownMemory);
  Sections s;
  s.memory = kMemory1;
  expect_valid(module_with_body(kVoid, {0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
                                        0xFC, 0x0A, 0x00, 0x00,  // memory.copy
                                        0x0B}, s));
  expect_invalid(module_with_body(kToI32, {0x00, 0x3F, 0x01, 0x0B}, s),  // memory.size 1
                 ErrorCode::ZeroByteExpected);
}

// ============================== SIMD =================================================

// Covers: lane index bounds for extract/replace lane of each shape, load/store lane,
// shuffle lanes >= 32.
TEST(ValidatorSimd, ExtractLaneIndexBounds) {
  auto extract = [](uint8_t op, uint8_t lane, const Bytes& result_type) {
    return module_with_body(result_type, cat({{0x00}, kV128Zero, {0xFD, op, lane, 0x0B}}));
  };
  const Bytes to_f32 = {0x60, 0x00, 0x01, 0x7D};
  const Bytes to_f64 = {0x60, 0x00, 0x01, 0x7C};
  expect_valid(extract(0x15, 15, kToI32));                            // i8x16.extract_lane_s 15
  Bytes bad = extract(0x15, 16, kToI32);                              // ... 16
  expect_invalid_at(bad, ErrorCode::InvalidLaneIndex, body_instr_offset(bad, 18));
  expect_invalid(extract(0x16, 16, kToI32), ErrorCode::InvalidLaneIndex);  // _u 16
  expect_valid(extract(0x18, 7, kToI32));                             // i16x8.extract_lane_s 7
  expect_invalid(extract(0x18, 8, kToI32), ErrorCode::InvalidLaneIndex);
  expect_valid(extract(0x1B, 3, kToI32));                             // i32x4.extract_lane 3
  expect_invalid(extract(0x1B, 4, kToI32), ErrorCode::InvalidLaneIndex);
  expect_valid(extract(0x1D, 1, kToI64));                             // i64x2.extract_lane 1
  expect_invalid(extract(0x1D, 2, kToI64), ErrorCode::InvalidLaneIndex);
  expect_valid(extract(0x1F, 3, to_f32));                             // f32x4.extract_lane 3
  expect_invalid(extract(0x1F, 4, to_f32), ErrorCode::InvalidLaneIndex);
  expect_valid(extract(0x21, 1, to_f64));                             // f64x2.extract_lane 1
  expect_invalid(extract(0x21, 2, to_f64), ErrorCode::InvalidLaneIndex);
  expect_invalid(extract(0x15, 255, kToI32), ErrorCode::InvalidLaneIndex);
}

TEST(ValidatorSimd, ReplaceLaneIndexBounds) {
  const Bytes to_v128 = {0x60, 0x00, 0x01, 0x7B};
  auto replace = [&](uint8_t lane) {
    return module_with_body(to_v128, cat({{0x00}, kV128Zero,
                                          {0x41, 0x00,            // i32.const 0
                                           0xFD, 0x17, lane,      // i8x16.replace_lane
                                           0x0B}}));
  };
  expect_valid(replace(15));
  expect_invalid(replace(16), ErrorCode::InvalidLaneIndex);
}

TEST(ValidatorSimd, LoadLaneIndexBounds) {
  const Bytes to_v128 = {0x60, 0x00, 0x01, 0x7B};
  Sections s;
  s.memory = kMemory1;
  auto load_lane = [&](uint8_t op, uint8_t align, uint8_t lane) {
    return module_with_body(to_v128, cat({{0x00, 0x41, 0x00}, kV128Zero,
                                          {0xFD, op, align, 0x00, lane, 0x0B}}), s);
  };
  expect_valid(load_lane(0x54, 0, 15));                                  // v128.load8_lane 15
  expect_invalid(load_lane(0x54, 0, 16), ErrorCode::InvalidLaneIndex);
  expect_valid(load_lane(0x57, 3, 1));                                   // v128.load64_lane 1
  expect_invalid(load_lane(0x57, 3, 2), ErrorCode::InvalidLaneIndex);
  expect_invalid(load_lane(0x57, 4, 0), ErrorCode::AlignmentTooLarge);   // align 16 > 8
}

TEST(ValidatorSimd, ShuffleLanesMustBeBelow32) {
  const Bytes to_v128 = {0x60, 0x00, 0x01, 0x7B};
  auto shuffle = [&](uint8_t last_lane) {
    return module_with_body(to_v128, cat({{0x00}, kV128Zero, kV128Zero,
                                          {0xFD, 0x0D,  // i8x16.shuffle
                                           0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                           last_lane, 0x0B}}));
  };
  expect_valid(shuffle(31));
  Bytes bad = shuffle(32);
  expect_invalid_at(bad, ErrorCode::InvalidLaneIndex, body_instr_offset(bad, 36));
  expect_invalid(shuffle(255), ErrorCode::InvalidLaneIndex);
}

TEST(ValidatorSimd, OperandsAreTyped) {
  const Bytes to_v128 = {0x60, 0x00, 0x01, 0x7B};
  Bytes m = module_with_body(to_v128, cat({{0x00}, kV128Zero,
                                           {0x41, 0x00,      // i32.const 0
                                            0xFD, 0x6E,      // i8x16.add @+20: v128 i32
                                            0x0B}}));
  expect_invalid_at(m, ErrorCode::TypeMismatch, body_instr_offset(m, 20));
}

// ============================== memory access =======================================

// Covers: alignment above natural for loads/stores of each width, natural alignment
// accepted, loads without a memory.
TEST(ValidatorMemory, AlignmentMustNotExceedNatural) {
  Sections s;
  s.memory = kMemory1;
  auto load = [&](uint8_t op, uint8_t align, const Bytes& type) {
    return module_with_body(type, {0x00, 0x41, 0x00, op, align, 0x00, 0x0B}, s);
  };
  expect_valid(load(0x28, 2, kToI32));                                  // i32.load align=4
  Bytes bad = load(0x28, 3, kToI32);                                    // align=8
  expect_invalid_at(bad, ErrorCode::AlignmentTooLarge, body_instr_offset(bad, 2));
  expect_valid(load(0x29, 3, kToI64));                                  // i64.load align=8
  expect_invalid(load(0x29, 4, kToI64), ErrorCode::AlignmentTooLarge);
  expect_valid(load(0x2C, 0, kToI32));                                  // i32.load8_s
  expect_invalid(load(0x2C, 1, kToI32), ErrorCode::AlignmentTooLarge);
  expect_invalid(load(0x2E, 2, kToI32), ErrorCode::AlignmentTooLarge);  // i32.load16_s
  expect_invalid(load(0x34, 3, kToI64), ErrorCode::AlignmentTooLarge);  // i64.load32_s

  const Bytes to_v128 = {0x60, 0x00, 0x01, 0x7B};
  expect_valid(module_with_body(to_v128, {0x00, 0x41, 0x00, 0xFD, 0x00, 0x04, 0x00, 0x0B}, s));
  expect_invalid(module_with_body(to_v128, {0x00, 0x41, 0x00, 0xFD, 0x00, 0x05, 0x00, 0x0B}, s),
                 ErrorCode::AlignmentTooLarge);                         // v128.load align=32
}

TEST(ValidatorMemory, StoreAlignment) {
  Sections s;
  s.memory = kMemory1;
  expect_invalid(module_with_body(kVoid, {0x00, 0x41, 0x00, 0x41, 0x00,
                                          0x3A, 0x01, 0x00,    // i32.store8 align=2
                                          0x0B}, s),
                 ErrorCode::AlignmentTooLarge);
  expect_valid(module_with_body(kVoid, {0x00, 0x41, 0x00, 0x42, 0x00,
                                        0x37, 0x03, 0x00,      // i64.store align=8
                                        0x0B}, s));
}

TEST(ValidatorMemory, LoadNeedsAMemory) {
  Bytes m = module_with_body(kToI32, {0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x0B});
  expect_invalid_at(m, ErrorCode::UnknownMemory, body_instr_offset(m, 2));
}

// ============================== constant expressions ================================

// Covers: global.get of a defined global (UnknownGlobal), of a mutable import
// (ConstantExpressionRequired), of an immutable import (valid); a non-constant
// instruction; a result of the wrong type; an empty expression; two values; data and
// element offsets.
const Bytes kImportImmutableI32 = {0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x00};
const Bytes kImportMutableI32 = {0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x01};

TEST(ValidatorConstExpr, GlobalGetOfDefinedGlobalIsUnknown) {
  Sections s;
  s.global = {0x02,
              0x7F, 0x00, 0x41, 0x00, 0x0B,   // global 0 = i32.const 0
              0x7F, 0x00, 0x23, 0x00, 0x0B};  // global 1 = global.get 0
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::UnknownGlobal);
}

TEST(ValidatorConstExpr, GlobalGetOfMutableImportIsNotConstant) {
  Sections s;
  s.import = kImportMutableI32;
  s.global = {0x01, 0x7F, 0x00, 0x23, 0x00, 0x0B};
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::ConstantExpressionRequired);
}

TEST(ValidatorConstExpr, GlobalGetOfImmutableImportIsConstant) {
  Sections s;
  s.import = kImportImmutableI32;
  s.global = {0x01, 0x7F, 0x00, 0x23, 0x00, 0x0B};
  expect_valid(module_with_body(kVoid, {0x00, 0x0B}, s));
}

TEST(ValidatorConstExpr, RejectsNonConstantInstruction) {
  Sections s;
  s.global = {0x01, 0x7F, 0x00,
              0x41, 0x01, 0x41, 0x02, 0x6A,   // i32.const 1 i32.const 2 i32.add
              0x0B};
  auto r = check(module_with_body(kVoid, {0x00, 0x0B}, s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::ConstantExpressionRequired);
  // type section @8..13, function section @14..17, global section: count @20,
  // i32 @21, immutable @22, the expression @23.
  EXPECT_EQ(r.error().offset(), 23u);
  EXPECT_NE(r.error().context().find("global 0"), std::string_view::npos);
}

TEST(ValidatorConstExpr, RejectsWrongTypeEmptyAndTwoValues) {
  Sections s;
  s.global = {0x01, 0x7F, 0x00, 0x42, 0x00, 0x0B};  // i32 global = i64.const 0
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::TypeMismatch);
  s.global = {0x01, 0x7F, 0x00, 0x0B};              // i32 global = (nothing)
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::TypeMismatch);
  s.global = {0x01, 0x7F, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0B};  // two i32s
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::TypeMismatch);
  s.global = {0x01, 0x70, 0x00, 0xD0, 0x6F, 0x0B};  // funcref global = ref.null extern
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::TypeMismatch);
}

TEST(ValidatorConstExpr, DataAndElementOffsetsAreConstantI32) {
  Sections s;
  s.memory = kMemory1;
  s.data = {0x01, 0x00, 0x42, 0x00, 0x0B, 0x00};  // active, offset i64.const 0
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::TypeMismatch);
  s.data = {0x01, 0x00, 0x41, 0x00, 0x41, 0x00, 0x6A, 0x0B, 0x00};  // i32.add
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::ConstantExpressionRequired);
  s.data = {0x01, 0x00, 0x41, 0x00, 0x0B, 0x00};
  expect_valid(module_with_body(kVoid, {0x00, 0x0B}, s));

  Sections t;
  t.table = {0x01, 0x70, 0x00, 0x01};
  t.elem = {0x01, 0x00, 0x23, 0x00, 0x0B, 0x00};  // offset global.get 0: no such import
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, t), ErrorCode::UnknownGlobal);
}

TEST(ValidatorConstExpr, DataSegmentNeedsAMemory) {
  Sections s;
  s.data = {0x01, 0x00, 0x41, 0x00, 0x0B, 0x00};
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::UnknownMemory);
  s.data = {0x01, 0x01, 0x00};  // a passive segment needs none
  expect_valid(module_with_body(kVoid, {0x00, 0x0B}, s));
}

// ============================== module-level rules ==================================

// Covers: start function with params or results, an unknown start function; duplicate
// export names (offset of the second export); exports of unknown items; multiple
// memories (two defined, imported + defined); memory limits above 65536 pages and
// min > max; an unknown function type index.
TEST(ValidatorModule, StartFunctionMustBeVoidToVoid) {
  Sections s;
  s.start = {0x00};
  expect_valid(module_with_body(kVoid, {0x00, 0x0B}, s));
  expect_invalid(module_with_body(kToI32, {0x00, 0x41, 0x00, 0x0B}, s), ErrorCode::StartFunction);
  expect_invalid(module_with_body({0x60, 0x01, 0x7F, 0x00}, {0x00, 0x0B}, s),
                 ErrorCode::StartFunction);
  s.start = {0x01};
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::UnknownFunction);
}

TEST(ValidatorModule, RejectsDuplicateExportNames) {
  Sections s;
  s.memory = kMemory1;
  s.export_ = {0x02,
               0x01, 'x', 0x00, 0x00,    // "x" func 0
               0x01, 'x', 0x02, 0x00};   // "x" memory 0
  Bytes m = module_with_body(kVoid, {0x00, 0x0B}, s);
  auto decoded = binary::decode(m);
  ASSERT_TRUE(decoded.ok());
  uint32_t second = (*decoded)->exports[1].offset;
  expect_invalid_at(m, ErrorCode::DuplicateExportName, second);

  s.export_ = {0x02, 0x01, 'x', 0x00, 0x00, 0x01, 'y', 0x02, 0x00};
  expect_valid(module_with_body(kVoid, {0x00, 0x0B}, s));
}

TEST(ValidatorModule, RejectsExportsOfUnknownItems) {
  Sections s;
  s.export_ = {0x01, 0x01, 'f', 0x00, 0x01};  // func 1
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::UnknownFunction);
  s.export_ = {0x01, 0x01, 't', 0x01, 0x00};  // table 0
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::UnknownTable);
  s.export_ = {0x01, 0x01, 'm', 0x02, 0x00};  // memory 0
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::UnknownMemory);
  s.export_ = {0x01, 0x01, 'g', 0x03, 0x00};  // global 0
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::UnknownGlobal);
}

TEST(ValidatorModule, RejectsMultipleMemories) {
  Sections s;
  s.memory = {0x02, 0x00, 0x01, 0x00, 0x01};  // two memories
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::MultipleMemories);
  Sections t;
  t.import = {0x01, 0x01, 'm', 0x01, 'm', 0x02, 0x00, 0x01};  // imported memory
  t.memory = kMemory1;                                         // and a defined one
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, t), ErrorCode::MultipleMemories);
}

TEST(ValidatorModule, MemoryLimitsAreAtMost65536Pages) {
  Sections s;
  s.memory = {0x01, 0x00, 0x80, 0x80, 0x04};  // min 65536
  expect_valid(module_with_body(kVoid, {0x00, 0x0B}, s));
  s.memory = {0x01, 0x00, 0x81, 0x80, 0x04};  // min 65537
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::MemorySizeTooLarge);
  s.memory = {0x01, 0x01, 0x00, 0x81, 0x80, 0x04};  // max 65537
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s), ErrorCode::MemorySizeTooLarge);
  s.memory = {0x01, 0x01, 0x02, 0x01};  // min 2 > max 1
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s),
                 ErrorCode::SizeMinimumGreaterThanMaximum);
  Sections t;
  t.import = {0x01, 0x01, 'm', 0x01, 'm', 0x02, 0x00, 0x81, 0x80, 0x04};  // import min 65537
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, t), ErrorCode::MemorySizeTooLarge);
}

TEST(ValidatorModule, TableMinMustNotExceedMax) {
  Sections s;
  s.table = {0x01, 0x70, 0x01, 0x03, 0x02};  // min 3 > max 2
  expect_invalid(module_with_body(kVoid, {0x00, 0x0B}, s),
                 ErrorCode::SizeMinimumGreaterThanMaximum);
}

TEST(ValidatorModule, RejectsUnknownFunctionType) {
  Sections s;
  s.type = {0x01, 0x60, 0x00, 0x00};
  s.function = {0x01, 0x01};  // type 1
  s.code = code({{0x00, 0x0B}});
  expect_invalid(s.build(), ErrorCode::UnknownType);
  Sections t;
  t.import = {0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x00};  // imported func of type 0: no types
  expect_invalid(t.build(), ErrorCode::UnknownType);
}

// ============================== instructions ========================================

// Covers: unknown local/global/function, global.set of an immutable global, select with
// a type vector of two, illegal opcodes, a body without `end`, call argument types.
TEST(ValidatorInstructions, RejectsUnknownIndices) {
  expect_invalid(module_with_body(kToI32, {0x00, 0x20, 0x00, 0x0B}), ErrorCode::UnknownLocal);
  expect_valid(module_with_body(kToI32, {0x01, 0x01, 0x7F, 0x20, 0x00, 0x0B}));  // 1 i32 local
  expect_invalid(module_with_body(kToI32, {0x00, 0x23, 0x00, 0x0B}), ErrorCode::UnknownGlobal);
  expect_invalid(module_with_body(kVoid, {0x00, 0x10, 0x01, 0x0B}), ErrorCode::UnknownFunction);
  expect_invalid(module_with_body(kVoid, {0x00, 0x0C, 0x01, 0x0B}), ErrorCode::UnknownLabel);
}

TEST(ValidatorInstructions, RejectsSetOfImmutableGlobal) {
  Sections s;
  s.global = {0x01, 0x7F, 0x00, 0x41, 0x00, 0x0B};
  Bytes m = module_with_body(kVoid, {0x00, 0x41, 0x01,
                                     0x24, 0x00,       // global.set 0 @+2
                                     0x0B}, s);
  expect_invalid_at(m, ErrorCode::GlobalIsImmutable, body_instr_offset(m, 2));
  s.global = {0x01, 0x7F, 0x01, 0x41, 0x00, 0x0B};  // mutable
  expect_valid(module_with_body(kVoid, {0x00, 0x41, 0x01, 0x24, 0x00, 0x0B}, s));
}

TEST(ValidatorInstructions, TypedSelect) {
  expect_valid(module_with_body(kToI64, {0x00, 0x42, 0x01, 0x42, 0x02, 0x41, 0x00,
                                         0x1C, 0x01, 0x7E,   // select (result i64)
                                         0x0B}));
  expect_valid(module_with_body({0x60, 0x00, 0x01, 0x6F},
                                {0x00, 0xD0, 0x6F, 0xD0, 0x6F, 0x41, 0x00,
                                 0x1C, 0x01, 0x6F,            // select (result externref)
                                 0x0B}));
  expect_invalid(module_with_body(kToI64, {0x00, 0x42, 0x01, 0x42, 0x02, 0x41, 0x00,
                                           0x1C, 0x02, 0x7E, 0x7E,  // two result types
                                           0x0B}),
                 ErrorCode::InvalidResultArity);
}

TEST(ValidatorInstructions, RejectsIllegalOpcodes) {
  Bytes m = module_with_body(kVoid, {0x00, 0x01, 0xFF, 0x0B});  // nop, 0xFF @+1
  expect_invalid_at(m, ErrorCode::IllegalOpcode, body_instr_offset(m, 1));
  expect_invalid(module_with_body(kVoid, {0x00, 0xFC, 0x20, 0x0B}), ErrorCode::IllegalOpcode);
  expect_invalid(module_with_body(kVoid, {0x00, 0xFD, 0x80, 0x02, 0x0B}),  // 0xFD 256
                 ErrorCode::IllegalOpcode);
}

TEST(ValidatorInstructions, RejectsBodyWithoutEnd) {
  Bytes m = module_with_body(kVoid, {0x00, 0x01});  // nop, then the body ends
  auto r = check(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::EndOpcodeExpected);
  EXPECT_EQ(r.error().offset(), static_cast<uint32_t>(m.size()));
}

TEST(ValidatorInstructions, CallChecksArgumentTypes) {
  Sections s;
  s.type = {0x02, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D};  // 1: [i32 i64]->[f32]
  s.function = {0x02, 0x00, 0x01};
  s.code = code({{0x00, 0x41, 0x00, 0x42, 0x00, 0x10, 0x01, 0x1A, 0x0B},  // ok
                 {0x00, 0x43, 0, 0, 0, 0, 0x0B}});
  expect_valid(s.build());
  s.code = code({{0x00, 0x42, 0x00, 0x41, 0x00, 0x10, 0x01, 0x1A, 0x0B},  // args swapped
                 {0x00, 0x43, 0, 0, 0, 0, 0x0B}});
  expect_invalid(s.build(), ErrorCode::TypeMismatch);
}

// Covers: the error of a function body carries "in function N (name)" context.
TEST(ValidatorContext, BodyErrorsNameTheFunction) {
  Sections s;
  s.type = {0x01, 0x60, 0x00, 0x00};
  s.import = {0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x00};  // function 0 is imported
  s.function = {0x01, 0x00};
  s.code = code({{0x00, 0x41, 0x00, 0x0B}});           // leaves an i32: type mismatch
  Bytes m = s.build();
  Bytes names = {0x00, 0x0D,                            // custom section, 13 bytes
                 0x04, 'n', 'a', 'm', 'e',
                 0x01, 0x06, 0x01, 0x01, 0x03, 'f', 'o', 'o'};  // func 1 -> "foo"
  m.insert(m.end(), names.begin(), names.end());
  auto r = check(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TypeMismatch);
  EXPECT_EQ(r.error().context(), "in function 1 (foo)");
}

// Covers: a validated module owns the decoded module unchanged.
TEST(ValidatorResult, KeepsTheDecodedModule) {
  Sections s;
  s.type = {0x01, 0x60, 0x00, 0x01, 0x7F};
  s.function = {0x02, 0x00, 0x00};
  s.code = code({{0x00, 0x41, 0x01, 0x41, 0x02, 0x41, 0x03, 0x6A, 0x6A, 0x0B},
                 {0x00, 0x41, 0x01, 0x0B}});
  Bytes bytes = s.build();
  auto r = check(bytes);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->module().bytes, bytes);
  EXPECT_EQ(r->module().codes.size(), 2u);
  EXPECT_EQ(r->module().types.size(), 1u);
}


// ============================== streaming validation ================================

// StreamingValidator must reach the same outcome (ok, or the same error code and
// offset) as one-shot decode_and_validate() however the module is cut: split at every
// byte position into two chunks, and one byte at a time. Run over the fixtures in
// SKIFF_TEST_FIXTURES and over byte-array modules, valid and invalid ones whose first
// error (in module order) is a body error before a later decode error, a decode error
// in a body after a valid one, a module-level error found at the code section, and a
// body error before an invalid data segment.

Result<ValidatedModule> validate_chunked(const Bytes& bytes, const std::vector<size_t>& cuts) {
  StreamingValidator sv;
  size_t from = 0;
  for (size_t cut : cuts) {
    SKIFF_TRY(sv.feed(std::span<const uint8_t>(bytes.data() + from, cut - from)));
    from = cut;
  }
  SKIFF_TRY(sv.feed(std::span<const uint8_t>(bytes.data() + from, bytes.size() - from)));
  return sv.finish();
}

void check_validation_invariance(const Bytes& bytes) {
  auto reference = decode_and_validate(bytes);
  auto same = [&](const Result<ValidatedModule>& r) {
    ASSERT_EQ(r.ok(), reference.ok()) << (r.ok() ? reference.error() : r.error()).to_string();
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), reference.error().code()) << r.error().to_string();
      EXPECT_EQ(r.error().offset(), reference.error().offset()) << r.error().to_string();
    } else {
      EXPECT_EQ(r->module().bytes, bytes);
    }
  };
  for (size_t k = 0; k <= bytes.size(); ++k) {
    SCOPED_TRACE("split at " + std::to_string(k));
    same(validate_chunked(bytes, {k}));
    if (::testing::Test::HasFailure()) return;  // one failing split is enough
  }
  SCOPED_TRACE("byte by byte");
  std::vector<size_t> cuts;
  for (size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);
  same(validate_chunked(bytes, cuts));
}

Bytes all_sections_valid_module() {
  Sections s;
  s.type = {0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x01, 0x7F};
  s.import = {0x02, 0x01, 'm', 0x01, 'f', 0x00, 0x01,        // func m.f: [i32] -> [i32]
              0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x00};       // global m.g: i32
  s.function = {0x02, 0x00, 0x01};
  s.table = {0x01, 0x70, 0x00, 0x02};
  s.memory = kMemory1;
  s.global = {0x01, 0x7F, 0x01, 0x23, 0x00, 0x0B};           // mut i32 = global.get m.g
  s.export_ = {0x01, 0x03, 'r', 'u', 'n', 0x00, 0x01};
  s.start = {0x01};
  s.elem = {0x02, 0x00, 0x41, 0x00, 0x0B, 0x02, 0x00, 0x01,  // active [0 1]
            0x05, 0x70, 0x01, 0xD2, 0x02, 0x0B};             // passive [ref.func 2]
  s.datacount = {0x02};
  s.code = code({{0x01, 0x01, 0x7E, 0x0B},
                 {0x00, 0x20, 0x00, 0x41, 0x01, 0x6A, 0xFC, 0x09, 0x01, 0x0B}});
  s.data = {0x02, 0x00, 0x41, 0x04, 0x0B, 0x03, 'a', 'b', 'c', 0x01, 0x02, 'x', 'y'};
  return s.build();
}

Bytes body_error_then_decode_error_module() {
  Sections s;
  s.type = {0x01, 0x60, 0x00, 0x00};
  s.function = {0x02, 0x00, 0x00};
  s.code = code({{0x00, 0x0B}, {0x00, 0x41, 0x00, 0x0B}});  // body 1 leaves an i32
  s.data = {0x01, 0x07};                                     // data flags 7: malformed
  return s.build();
}

Bytes decode_error_in_body_module() {
  Sections s;
  s.type = {0x01, 0x60, 0x00, 0x00};
  s.function = {0x02, 0x00, 0x00};
  s.code = code({{0x00, 0x0B}, {0x01, 0x01, 0x40, 0x0B}});  // body 1: local type 0x40
  return s.build();
}

Bytes duplicate_export_module() {
  Sections s;
  s.type = {0x01, 0x60, 0x00, 0x00};
  s.function = {0x01, 0x00};
  s.export_ = {0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'a', 0x00, 0x00};
  s.code = code({{0x00, 0x0B}});
  return s.build();
}

Bytes body_error_before_data_error_module() {
  Sections s;
  s.type = {0x01, 0x60, 0x00, 0x01, 0x7F};
  s.function = {0x01, 0x00};
  s.code = code({{0x00, 0x01, 0x0B}});                       // returns nothing
  s.data = {0x01, 0x00, 0x42, 0x00, 0x0B, 0x00};             // i64 offset, no memory
  return s.build();
}

TEST(StreamingValidation, SameOutcomeWhateverTheChunking) {
  const std::pair<const char*, Bytes> modules[] = {
      {"all_sections_valid", all_sections_valid_module()},
      {"body_error_then_decode_error", body_error_then_decode_error_module()},
      {"decode_error_in_body", decode_error_in_body_module()},
      {"duplicate_export", duplicate_export_module()},
      {"body_error_before_data_error", body_error_before_data_error_module()},
  };
  for (const auto& [name, bytes] : modules) {
    SCOPED_TRACE(name);
    check_validation_invariance(bytes);
  }
}

TEST(StreamingValidation, ReportsTheFirstErrorInModuleOrder) {
  expect_valid(all_sections_valid_module());

  auto r1 = decode_and_validate(body_error_then_decode_error_module());
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code(), ErrorCode::TypeMismatch);
  EXPECT_EQ(r1.error().context(), "in function 1");

  expect_invalid(decode_error_in_body_module(), ErrorCode::MalformedValueType);
  expect_invalid(duplicate_export_module(), ErrorCode::DuplicateExportName);
  expect_invalid(body_error_before_data_error_module(), ErrorCode::TypeMismatch);
}

TEST(StreamingValidation, FixturesAreValidWhateverTheChunking) {
  std::error_code ec;
  const std::filesystem::path dir(SKIFF_TEST_FIXTURES);
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(dir, ec))
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".wasm") files.push_back(entry.path());
  if (files.empty())
    GTEST_SKIP() << "no fixture .wasm files in " << SKIFF_TEST_FIXTURES
                 << " (build the skiff_fixtures target)";
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::ifstream in(path, std::ios::binary);
    Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty());
    auto r = check(bytes);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    check_validation_invariance(bytes);
  }
}

}  // namespace
}  // namespace skiff::engine::validate
