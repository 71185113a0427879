#include "engine/interp/interpreter.h"

#include <algorithm>

#include "engine/interp/code.h"

#include <gtest/gtest.h>

#include "support/call_export.h"
#include "support/fixtures.h"


namespace skiff::engine::interp {
namespace {

using runtime::Value;

using skiff::test::fixture_bytes;

class InterpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cm = compile(fixture_bytes("interp_basics"));
    ASSERT_TRUE(cm.ok()) << cm.error().to_string();
    m_module = *cm;
    auto inst = instantiate(m_machine, m_store, *m_module, {});
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    m_inst = *inst;
  }
  Result<std::vector<Value>> call(const std::string& name, std::vector<Value> args) {
    return test::call_export(m_machine, m_store, *m_inst, name, args);
  }
  uint32_t call_i32(const std::string& name, std::vector<Value> args) {
    auto r = call(name, std::move(args));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? (*r)[0].raw.i32 : 0xdeadbeef;
  }
  ErrorCode trap(const std::string& name, std::vector<Value> args) {
    auto r = call(name, std::move(args));
    EXPECT_FALSE(r.ok());
    return r.ok() ? ErrorCode::TrapHost : r.error().code();
  }

  std::shared_ptr<const CompiledModule> m_module;
  runtime::Store m_store;
  Machine m_machine;
  runtime::Instance* m_inst = nullptr;
};

TEST_F(InterpTest, RecursionAndArithmetic) {
  EXPECT_EQ(call_i32("fib", {Value::i32(0)}), 0u);
  EXPECT_EQ(call_i32("fib", {Value::i32(1)}), 1u);
  EXPECT_EQ(call_i32("fib", {Value::i32(20)}), 6765u);
}

TEST_F(InterpTest, LoopsAndLocals) {
  auto r = call("sum", {Value::i32(1000)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].raw.i64, 499500u);
  EXPECT_EQ(call_i32("tee_shadow", {Value::i32(5)}), 1005u);
  EXPECT_EQ(call_i32("loop_params", {Value::i32(4)}), 10u);
}

TEST_F(InterpTest, MultiValueAndBranches) {
  auto r = call("swap", {Value::i32(1), Value::i32(2)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].raw.i32, 2u);
  EXPECT_EQ((*r)[1].raw.i32, 1u);
  EXPECT_EQ(call_i32("multi_block", {Value::i32(3)}), 30u);
  EXPECT_EQ(call_i32("br_table", {Value::i32(0)}), 100u);
  EXPECT_EQ(call_i32("br_table", {Value::i32(1)}), 200u);
  EXPECT_EQ(call_i32("br_table", {Value::i32(2)}), 300u);
  EXPECT_EQ(call_i32("br_table", {Value::i32(99)}), 300u);
  EXPECT_EQ(call_i32("br_value", {Value::i32(1)}), 5u);
  EXPECT_EQ(call_i32("br_value", {Value::i32(0)}), 6u);
  EXPECT_EQ(call_i32("select", {Value::i32(1)}), 11u);
  EXPECT_EQ(call_i32("select", {Value::i32(0)}), 22u);
  EXPECT_EQ(call_i32("if_fused", {Value::i32(1), Value::i32(2)}), 1u);
  EXPECT_EQ(call_i32("if_fused", {Value::i32(2), Value::i32(2)}), 0u);
}

TEST_F(InterpTest, MemoryGlobalsTables) {
  EXPECT_EQ(call_i32("mem", {Value::i32(40)}), 42u);
  EXPECT_EQ(call_i32("globals", {}), 8u);
  EXPECT_EQ(call_i32("globals", {}), 9u);
  EXPECT_EQ(call_i32("indirect", {Value::i32(0), Value::i32(7), Value::i32(2)}), 9u);
  EXPECT_EQ(call_i32("indirect", {Value::i32(1), Value::i32(7), Value::i32(2)}), 5u);
  EXPECT_EQ(call_i32("grow", {Value::i32(1)}), 1u);
  EXPECT_EQ(call_i32("load", {Value::i32(2 * 65536 - 4)}), 0u);  // in bounds after growing
  EXPECT_EQ(call_i32("grow", {Value::i32(5)}), 0xffffffffu);     // past the maximum
  EXPECT_EQ(call_i32("simd", {Value::i32(10)}), 13u);
}

TEST_F(InterpTest, Traps) {
  EXPECT_EQ(trap("div", {Value::i32(1), Value::i32(0)}), ErrorCode::TrapIntegerDivideByZero);
  EXPECT_EQ(trap("div", {Value::i32(0x80000000u), Value::i32(-1)}), ErrorCode::TrapIntegerOverflow);
  EXPECT_EQ(trap("unreachable", {}), ErrorCode::TrapUnreachable);
  EXPECT_EQ(trap("load", {Value::i32(65536 - 3)}), ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_EQ(trap("indirect", {Value::i32(2), Value::i32(0), Value::i32(0)}), ErrorCode::TrapUninitializedElement);
  EXPECT_EQ(trap("indirect", {Value::i32(4), Value::i32(0), Value::i32(0)}), ErrorCode::TrapUndefinedElement);
  EXPECT_EQ(trap("recurse", {Value::i32(0)}), ErrorCode::TrapCallStackExhausted);
  ASSERT_FALSE(m_machine.backtrace().empty());
  EXPECT_EQ(m_machine.backtrace()[0].name, "inf");
  // The machine is usable after a trap, and the next call's backtrace is its own.
  EXPECT_EQ(call_i32("fib", {Value::i32(10)}), 55u);
  EXPECT_TRUE(m_machine.backtrace().empty());
}

TEST_F(InterpTest, LoadsFusedWithArithmetic) {
  // Bytes 16..19 hold 01 02 03 04 (data segment); 12..15 are zero.
  EXPECT_EQ(call_i32("load_add", {Value::i32(12), Value::i32(5)}), 0x04030201u + 5);
  EXPECT_EQ(call_i32("load_add", {Value::i32(16), Value::i32(5)}), 0x04030201u + 5);
  // The fused load keeps its bounds check: only the offset=4 load is out of bounds.
  EXPECT_EQ(trap("load_add", {Value::i32(65536 - 6), Value::i32(0)}), ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_EQ(call_i32("load_after_label", {Value::i32(0)}), 0x04030201u);
  EXPECT_EQ(call_i32("load_after_label", {Value::i32(3)}), 10u);
  auto r = call("dot", {Value::i32(10)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].raw.f64, 112.5);  // 2.5 * (0 + 1 + ... + 9)
}

TEST_F(InterpTest, ArgumentMismatch) {
  auto r = call("fib", {Value::i64(1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::ArgumentMismatch);
}

}  // namespace
}  // namespace skiff::engine::interp

namespace skiff::engine::interp {
namespace {

// The translator's promises, checked on the code it emits: local.get and constants cost
// nothing, results land in locals, and a compare feeding br_if is one instruction.
TEST(TranslatorTest, CountingLoopIsFused) {
  auto cm = compile(fixture_bytes("interp_basics"));
  ASSERT_TRUE(cm.ok());
  // "sum" is the fourth function (after $add, $sub, $fib).
  auto f = (*cm)->func(3);
  ASSERT_TRUE(f.ok());
  std::vector<XOp> ops = xops_of(**f);
  SCOPED_TRACE(disassemble(**f));
  EXPECT_EQ(std::count(ops.begin(), ops.end(), XOp::BrI32GeU), 1);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), XOp::Copy), 1);  // the final local.get $acc
  EXPECT_EQ(std::count(ops.begin(), ops.end(), XOp::I32AddRi), 1);
  EXPECT_LE(ops.size(), 7u);
}

// A load feeding an operation's right operand becomes one xop; a load that a branch
// may jump past (it ends a block) or that is a left operand stays a load.
TEST(TranslatorTest, LoadsFuseIntoTheirConsumer) {
  auto cm = compile(fixture_bytes("interp_basics"));
  ASSERT_TRUE(cm.ok());
  auto count = [&](const std::string& name, XOp x) {
    const ir::Module& m = (*cm)->module();
    for (const auto& e : m.exports) {
      if (e.name != name) continue;
      auto f = (*cm)->func(e.index - m.imported_funcs);
      EXPECT_TRUE(f.ok());
      std::vector<XOp> ops = xops_of(**f);
      return std::count(ops.begin(), ops.end(), x);
    }
    ADD_FAILURE() << name;
    return std::ptrdiff_t{-1};
  };
  EXPECT_EQ(count("load_add", XOp::I32AddM), 1);
  EXPECT_EQ(count("load_add", XOp::I32Load), 1);
  EXPECT_EQ(count("load_after_label", XOp::I32AddM), 0);
  EXPECT_EQ(count("dot", XOp::F64MulM), 1);
  EXPECT_EQ(count("dot", XOp::F64Load), 0);
}

}  // namespace
}  // namespace skiff::engine::interp
