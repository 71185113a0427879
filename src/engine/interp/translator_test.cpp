#include "engine/interp/translator.h"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/interp/code.h"
#include "engine/interp/interpreter.h"

#include <gtest/gtest.h>

#include "support/call_export.h"

// Translator bookkeeping, on bodies built inline:
// - hostile shapes stay linear: values on the stack under many blocks, local.set of a
//   local still referenced on the stack, br_table with many targets and labels
//   (counted with Translator::bookkeeping_visits, not timed);
// - references to a local survive its assignment (below a block, below a call's
//   arguments, after a local.tee);
// - br_table stubs are shared per label within one table and never across tables.

namespace skiff::engine::interp {
namespace {

using runtime::Value;

void leb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    const auto b = static_cast<uint8_t>(v & 0x7f);
    v >>= 7;
    out.push_back(v ? static_cast<uint8_t>(b | 0x80) : b);
  } while (v);
}

void section(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& payload) {
  out.push_back(id);
  leb(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

struct Func {
  std::string name;            // exported as this
  std::vector<uint8_t> type;   // 0x60 params results
  std::vector<uint8_t> body;   // local declarations and code, `end` included
};

// A module of `funcs`, one type each; function i is index i.
std::vector<uint8_t> module_of(const std::vector<Func>& funcs) {
  std::vector<uint8_t> m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};  // magic, version
  std::vector<uint8_t> types, fsec, exports, code;
  leb(types, funcs.size());
  leb(fsec, funcs.size());
  leb(exports, funcs.size());
  leb(code, funcs.size());
  for (size_t i = 0; i < funcs.size(); ++i) {
    types.insert(types.end(), funcs[i].type.begin(), funcs[i].type.end());
    leb(fsec, i);  // type i
    leb(exports, funcs[i].name.size());
    exports.insert(exports.end(), funcs[i].name.begin(), funcs[i].name.end());
    exports.push_back(0x00);  // a function
    leb(exports, i);
    leb(code, funcs[i].body.size());
    code.insert(code.end(), funcs[i].body.begin(), funcs[i].body.end());
  }
  section(m, 1, types);
  section(m, 3, fsec);
  section(m, 7, exports);
  section(m, 10, code);
  return m;
}

const std::vector<uint8_t> kI32ToI32 = {0x60, 0x01, 0x7f, 0x01, 0x7f};

void repeat(std::vector<uint8_t>& out, std::initializer_list<uint8_t> bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) out.insert(out.end(), bytes);
}

// Translates function 0 of `bytes` on its own translator: its bookkeeping visits.
uint64_t visits_translating(const std::vector<uint8_t>& bytes) {
  auto cm = compile(bytes);
  EXPECT_TRUE(cm.ok()) << cm.error().to_string();
  if (!cm.ok()) return UINT64_MAX;
  Translator t((*cm)->env());
  auto f = t.translate(0);
  EXPECT_TRUE(f.ok()) << f.error().to_string();
  return t.bookkeeping_visits();
}

// Runs export "f" of `bytes` on `arg`.
uint32_t run_f(const std::vector<uint8_t>& bytes, uint32_t arg) {
  auto cm = compile(bytes);
  EXPECT_TRUE(cm.ok()) << cm.error().to_string();
  if (!cm.ok()) return 0xdeadbeef;
  runtime::Store store;
  Machine machine;
  auto inst = instantiate(machine, store, **cm, {});
  EXPECT_TRUE(inst.ok()) << inst.error().to_string();
  if (!inst.ok()) return 0xdeadbeef;
  auto r = test::call_export(machine, store, **inst, "f", {Value::i32(arg)});
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? (*r)[0].raw.i32 : 0xdeadbeef;
}

constexpr size_t kN = 3000;  // a scan of the whole stack per step would visit ~kN * kN entries

TEST(TranslatorBookkeeping, BlocksUnderManyLocalReferencesAreLinear) {
  std::vector<uint8_t> body = {0x00};  // no locals
  repeat(body, {0x20, 0x00}, kN);      // local.get 0, kN times
  repeat(body, {0x02, 0x40}, kN);      // block, kN deep
  repeat(body, {0x0b}, kN);            // end
  repeat(body, {0x1a}, kN);            // drop
  body.insert(body.end(), {0x41, 0x07, 0x0b});  // i32.const 7, end
  const auto bytes = module_of({{"f", kI32ToI32, body}});
  EXPECT_LE(visits_translating(bytes), 2 * kN);
  EXPECT_EQ(run_f(bytes, 3), 7u);
}

TEST(TranslatorBookkeeping, LocalSetUnderManyOtherReferencesIsLinear) {
  std::vector<uint8_t> body = {0x01, 0x01, 0x7f};  // one i32 local (local 1)
  repeat(body, {0x20, 0x01}, kN);                  // local.get 1, kN times
  repeat(body, {0x20, 0x00, 0x41, 0x01, 0x21, 0x00}, kN);  // local.get 0; i32.const 1; local.set 0
  repeat(body, {0x1a}, 2 * kN);                            // drop
  body.insert(body.end(), {0x41, 0x07, 0x0b});             // i32.const 7, end
  const auto bytes = module_of({{"f", kI32ToI32, body}});
  EXPECT_LE(visits_translating(bytes), 2 * kN);
  EXPECT_EQ(run_f(bytes, 3), 7u);
}

TEST(TranslatorBookkeeping, BrTableWithManyLabelsIsLinear) {
  constexpr uint32_t kDepth = 1000, kTargets = 20000;
  std::vector<uint8_t> body = {0x00};
  repeat(body, {0x02, 0x7f}, kDepth);  // block (result i32), kDepth deep
  body.insert(body.end(), {0x41, 0x00, 0x20, 0x00, 0x0e});  // i32.const 0; local.get 0; br_table
  leb(body, kTargets);
  for (uint32_t i = 0; i < kTargets; ++i) leb(body, i % kDepth);
  body.push_back(0x00);                                      // default: depth 0
  repeat(body, {0x0b}, kDepth + 1);                          // end (blocks, function)
  const auto bytes = module_of({{"f", kI32ToI32, body}});
  EXPECT_LE(visits_translating(bytes), kTargets + 1);

  // One stub (the constant, then a jump) per label, however many targets use it.
  auto cm = compile(bytes);
  ASSERT_TRUE(cm.ok());
  auto f = (*cm)->func(0);
  ASSERT_TRUE(f.ok());
  std::vector<XOp> ops = xops_of(**f);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), XOp::Const32), std::ptrdiff_t{kDepth});
  EXPECT_EQ(std::count(ops.begin(), ops.end(), XOp::Br), std::ptrdiff_t{kDepth});
  EXPECT_EQ(run_f(bytes, 5), 0u);
}

TEST(TranslatorBookkeeping, ReferencesToALocalSurviveItsAssignment) {
  // Below a block that assigns the local: 2x + 6.
  const std::vector<uint8_t> below_block = {
      0x00,                    // no locals
      0x20, 0x00, 0x20, 0x00,  // local.get 0; local.get 0
      0x41, 0x05, 0x21, 0x00,  // i32.const 5; local.set 0
      0x02, 0x40,              // block
      0x20, 0x00, 0x41, 0x01,  //   local.get 0; i32.const 1
      0x6a, 0x22, 0x00, 0x1a,  //   i32.add; local.tee 0; drop
      0x0b,                    // end
      0x20, 0x00,              // local.get 0 (6)
      0x6a, 0x6a, 0x0b,        // i32.add; i32.add; end
  };
  EXPECT_EQ(run_f(module_of({{"f", kI32ToI32, below_block}}), 10), 26u);

  // Below a call whose arguments were references to the same local: 9 - x.
  const std::vector<uint8_t> below_call = {
      0x00,                                // no locals
      0x20, 0x00, 0x20, 0x00, 0x20, 0x00,  // local.get 0, three times
      0x10, 0x01,                          // call add2 (2x)
      0x41, 0x09, 0x21, 0x00,              // i32.const 9; local.set 0
      0x6b,                                // i32.sub (x - 2x)
      0x20, 0x00, 0x6a, 0x0b,              // local.get 0; i32.add; end
  };
  const std::vector<uint8_t> add2 = {0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b};
  const std::vector<uint8_t> i32i32_to_i32 = {0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f};
  EXPECT_EQ(run_f(module_of({{"f", kI32ToI32, below_call}, {"add2", i32i32_to_i32, add2}}), 5), 4u);

  // A local.tee's own reference, then the local assigned again: x + 1 + 3.
  const std::vector<uint8_t> after_tee = {
      0x00,
      0x20, 0x00, 0x41, 0x01, 0x6a,  // local.get 0; i32.const 1; i32.add
      0x22, 0x00,                    // local.tee 0 (x + 1, a reference)
      0x41, 0x03, 0x21, 0x00,        // i32.const 3; local.set 0
      0x20, 0x00, 0x6a, 0x0b,        // local.get 0; i32.add; end
  };
  EXPECT_EQ(run_f(module_of({{"f", kI32ToI32, after_tee}}), 10), 14u);
}

TEST(TranslatorBookkeeping, BrTableStubsAreSharedPerLabelAndPerTable) {
  // Three labels, targets 0 1 2 0 1 (default 2), each adding its own amount on the way out.
  const std::vector<uint8_t> three = {
      0x00,
      0x02, 0x7f, 0x02, 0x7f, 0x02, 0x7f,  // block (result i32), three deep
      0x41, 0xe4, 0x00, 0x20, 0x00,        // i32.const 100; local.get 0
      0x0e, 0x05, 0x00, 0x01, 0x02, 0x00, 0x01, 0x02,  // br_table 0 1 2 0 1 (2)
      0x0b, 0x41, 0x01, 0x6a,              // end; i32.const 1; i32.add
      0x0b, 0x41, 0x0a, 0x6a,              // end; i32.const 10; i32.add
      0x0b, 0x0b,                          // end; end
  };
  const auto bytes = module_of({{"f", kI32ToI32, three}});
  const uint32_t expected[] = {111, 110, 100, 111, 110, 100, 100};
  for (uint32_t i = 0; i < 7; ++i) EXPECT_EQ(run_f(bytes, i), expected[i]) << i;

  // Two tables targeting the same label with different values: the second must not
  // jump to the first's stub. f(0) = 27, f(1) = 7.
  const std::vector<uint8_t> two_tables = {
      0x00,
      0x02, 0x7f, 0x02, 0x7f,              // block $out (result i32); block $a (result i32)
      0x41, 0x07, 0x20, 0x00,              // i32.const 7; local.get 0
      0x0e, 0x01, 0x00, 0x01,              // br_table $a ($out)
      0x0b, 0x41, 0x14, 0x6a,              // end $a; i32.const 20; i32.add
      0x20, 0x00, 0x0e, 0x01, 0x00, 0x00,  // local.get 0; br_table $out ($out)
      0x0b, 0x0b,                          // end $out; end
  };
  const auto bytes2 = module_of({{"f", kI32ToI32, two_tables}});
  EXPECT_EQ(run_f(bytes2, 0), 27u);
  EXPECT_EQ(run_f(bytes2, 1), 7u);
}

// [i32] -> [i32 x 1000]: a signature whose branches move a thousand values.
std::vector<uint8_t> thousand_results() {
  std::vector<uint8_t> t = {0x60, 0x01, 0x7f};
  leb(t, 1000);
  t.insert(t.end(), 1000, 0x7f);
  return t;
}

// Covers: a body whose translation would be far larger than the body (each `br_if` of a
// label with 1,000 values is 4 bytes of wasm and 4,000 code words) is refused once its
// code passes kCodeWordsPerByte words per byte, before it takes more memory: a 1 MB body
// of them took gigabytes.
TEST(TranslatorLimits, CodeFarLargerThanTheBodyIsRefused) {
  std::vector<uint8_t> body = {0x00};
  repeat(body, {0x20, 0x00}, 1000);              // the label's 1,000 values
  repeat(body, {0x20, 0x00, 0x0d, 0x00}, 2000);  // local.get 0; br_if 0
  body.push_back(0x0b);
  auto cm = compile(module_of({{"f", thousand_results(), body}}));
  ASSERT_TRUE(cm.ok()) << cm.error().to_string();
  Translator t((*cm)->env());
  auto f = t.translate(0);
  ASSERT_FALSE(f.ok()) << "translated to " << (*f)->code.size() << " words";
  EXPECT_EQ(f.error().code(), ErrorCode::ImplementationLimit);
  EXPECT_NE(f.error().to_string().find("translated code is too large"), std::string::npos) << f.error().to_string();
}

// Covers: an operand stack deeper than FuncWalker::kMaxOperandStack values is refused at
// validation (1,100 calls of a function with 1,000 results: 1.1M values from 3 KB).
TEST(TranslatorLimits, OperandStacksPastTheLimitAreRefused) {
  std::vector<uint8_t> body = {0x00};
  repeat(body, {0x20, 0x00, 0x10, 0x01}, 1100);  // local.get 0; call 1 (1,000 results each)
  body.push_back(0x00);                          // unreachable
  body.push_back(0x0b);
  std::vector<uint8_t> callee = {0x00};
  repeat(callee, {0x20, 0x00}, 1000);
  callee.push_back(0x0b);
  auto cm = compile(module_of({{"f", kI32ToI32, body}, {"g", thousand_results(), callee}}));
  ASSERT_FALSE(cm.ok());
  EXPECT_EQ(cm.error().code(), ErrorCode::ImplementationLimit);
  EXPECT_NE(cm.error().to_string().find("operand stack deeper than"), std::string::npos) << cm.error().to_string();
}

}  // namespace
}  // namespace skiff::engine::interp
