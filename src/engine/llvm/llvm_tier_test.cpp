// The LLVM tier end to end in one process: a fixture compiled by compile_object, loaded
// by NativeModule and attached to an interpreter module, then called through the
// interpreter's Machine as every embedder does. Checked against the interpreter running
// the same module. Fixtures: tests/fixtures/llvm_tier.wat, llvm_vector_select.wat,
// interrupt.wat.
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "support/call_export.h"
#include "support/fixtures.h"

#include "engine/interp/interpreter.h"
#include "engine/interp/tier_up.h"
#include "engine/llvm/module_compiler.h"
#include "engine/native/native_module.h"

namespace skiff::engine::llvm_tier {
namespace {

using namespace std::chrono_literals;
using runtime::Value;
using skiff::test::fixture_bytes;

Result<void> host_add(void*, runtime::Caller&, uint64_t* slots) {
  slots[0] = static_cast<uint32_t>(static_cast<uint32_t>(slots[0]) + static_cast<uint32_t>(slots[1]));
  return ok();
}
Result<void> host_fail(void*, runtime::Caller&, uint64_t*) {
  return Error(ErrorCode::TrapHost, kNoOffset, "the host says no");
}

// One instance of a fixture in the interpreter, or with the LLVM tier's code attached.
struct Guest {
  // `interpreted`: the function of this name stays in the interpreter.
  Guest(const char* fixture, bool llvm, interp::CodeOptions code = {}, unsigned partitions = 1,
        std::string_view interpreted = "simd_sum") {
    auto cm = interp::compile(fixture_bytes(fixture), {}, code);
    EXPECT_TRUE(cm.ok()) << cm.error().to_string();
    module = *cm;
    if (llvm) {
      CompileOptions opts;
      opts.codegen.interruptible = code.interruptible;
      opts.codegen.fuel = code.fuel;
      opts.partitions = partitions;
      const ir::Module& wm = module->module();
      for (uint32_t i = 0; i < wm.defined_funcs(); ++i) {
        const std::string* name = wm.names.function_name(ir::FuncIdx(wm.imported_funcs + i));
        opts.interpreted.push_back(name && *name == interpreted);
      }
      auto obj = compile_object(module->validated(), opts, &stats);
      EXPECT_TRUE(obj.ok()) << obj.error().to_string();
      auto nm = native::NativeModule::load(*obj, module->module().defined_funcs());
      EXPECT_TRUE(nm.ok()) << nm.error().to_string();
      module->attach_native(*nm);
    }
    std::vector<runtime::Extern> imports;
    for (const ir::Import& imp : module->module().imports) {
      const bool add = imp.name == "add";
      ir::FuncType t;
      if (add) t = ir::FuncType{{ir::ValType::I32, ir::ValType::I32}, {ir::ValType::I32}};
      runtime::Extern e;
      e.func = store.add_host_func(t, runtime::HostFunc{add ? &host_add : &host_fail, nullptr});
      imports.push_back(e);
    }
    auto i = interp::instantiate(machine, store, *module, imports);
    EXPECT_TRUE(i.ok()) << i.error().to_string();
    inst = *i;
  }
  Result<std::vector<Value>> call(const std::string& name, std::vector<Value> args = {}) {
    return test::call_export(machine, store, *inst, name, args);
  }
  std::shared_ptr<const interp::CompiledModule> module;
  CompileStats stats;
  runtime::Store store;
  interp::Machine machine;
  runtime::Instance* inst = nullptr;
};

// Covers: every function but the one kept interpreted is compiled; results of recursion,
// loops with memory and floats, table calls, host calls and calls between tiers equal
// the interpreter's.
TEST(LlvmTier, ResultsMatchTheInterpreter) {
  Guest interp("llvm_tier", false), llvm("llvm_tier", true);
  EXPECT_EQ(llvm.stats.functions, 29u);
  EXPECT_EQ(llvm.stats.compiled, 28u) << "all but $simd_sum";
  struct Case {
    const char* name;
    std::vector<Value> args;
  };
  const Case cases[] = {{"fib", {Value::i32(20)}},
                        {"mix", {Value::i32(1000)}},
                        {"indirect", {Value::i32(0), Value::i32(21)}},
                        {"indirect", {Value::i32(1), Value::i32(21)}},
                        {"host", {Value::i32(40), Value::i32(2)}},
                        {"mixed", {Value::i32(5)}},
                        {"div", {Value::i32(-7), Value::i32(2)}},
                        {"trunc", {Value::f64(-3.9)}},
                        {"size", {}}};
  for (const Case& c : cases) {
    auto a = interp.call(c.name, c.args);
    auto b = llvm.call(c.name, c.args);
    ASSERT_TRUE(a.ok()) << c.name << ": " << a.error().to_string();
    ASSERT_TRUE(b.ok()) << c.name << ": " << b.error().to_string();
    ASSERT_EQ(a->size(), b->size());
    for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].raw.i64, (*b)[i].raw.i64) << c.name;
  }
  EXPECT_EQ((*llvm.call("fib", {Value::i32(20)}))[0].raw.i32, 6765u);
  // Both calls reach $simd_sum (2x+1), kept interpreted: directly and as element 2.
  EXPECT_EQ((*llvm.call("mixed", {Value::i32(5)}))[0].raw.i32, 11u + 11u);
}

// Covers: tier-up in steps, as `--tier auto` does it (TierUp, skiff-llvmc): a profiled
// module runs in the interpreter; its hot function, by the counts, is compiled and
// attached first, then the whole module replaces it. Results stay right, and a trap in
// the newest code still has its backtrace.
TEST(LlvmTier, TierUpCompilesHotFunctionsFirst) {
  ::setenv("SKIFF_LLVMC", SKIFF_LLVMC_PATH, 1);
  interp::CodeOptions code;
  code.profile = true;
  Guest g("llvm_tier", false, code);
  auto fib = g.call("fib", {Value::i32(15)});
  ASSERT_TRUE(fib.ok()) << fib.error().to_string();
  const std::vector<uint32_t> hot = g.module->hot_functions(1000);
  ASSERT_EQ(hot.size(), 1u) << "fib(15) makes 1973 calls; nothing else ran";
  EXPECT_EQ(*g.module->module().names.function_name(ir::FuncIdx(g.module->module().imported_funcs + hot[0])), "fib");

  interp::TierUp::Policy policy;
  policy.min_code_bytes = 0;
  policy.window = std::chrono::milliseconds(1);
  std::mutex mutex;
  std::vector<std::string> steps;
  {
    interp::TierUp tier_up({}, policy);
    tier_up.enqueue(g.module, [&](const Result<native::CompileReport>& r) {
      std::lock_guard lock(mutex);
      steps.push_back(r ? std::to_string(r->compiled) + "/" + std::to_string(r->functions) : r.error().to_string());
    });
    tier_up.wait_idle();
  }
  const std::string all = std::to_string(g.module->module().defined_funcs());
  ASSERT_EQ(steps, (std::vector<std::string>{"1/" + all, all + "/" + all}));
  EXPECT_EQ(g.module->native_code()->compiled_count(), g.module->module().defined_funcs());
  auto again = g.call("fib", {Value::i32(15)});
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ((*again)[0].raw.i32, (*fib)[0].raw.i32);
  auto r = g.call("deep", {Value::i32(3), Value::i32(0)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapUnreachable);
  EXPECT_EQ(g.machine.backtrace().front().name, "down") << g.machine.format_backtrace();
}

// Covers: out-of-bounds loads whose values end up unused -- masked away, stored to a
// local never read, dropped, masked by a condition known on the path, in an inlined
// callee whose result is dropped, passed down two inlined calls that ignore it, passed
// to a big callee inlined because it is called once -- still trap in compiled code
// (LLVM deletes unused loads; wasm_guards.cpp keeps them), and the same functions in bounds
// return what the interpreter does.
TEST(LlvmTier, LoadsWhoseValuesAreUnusedStillTrap) {
  Guest interp("llvm_tier", false), llvm("llvm_tier", true);
  for (uint32_t mode = 0; mode < 7; ++mode) {
    auto r = llvm.call("dead_loads", {Value::i32(70000), Value::i32(mode)});
    ASSERT_FALSE(r.ok()) << "mode " << mode << " returned " << (*r)[0].raw.i32;
    EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfBoundsMemory) << "mode " << mode;
    auto a = interp.call("dead_loads", {Value::i32(16), Value::i32(mode)});
    auto b = llvm.call("dead_loads", {Value::i32(16), Value::i32(mode)});
    ASSERT_TRUE(a.ok() && b.ok()) << "mode " << mode;
    EXPECT_EQ((*a)[0].raw.i32, (*b)[0].raw.i32) << "mode " << mode;
  }
}

// Covers: a load whose value is used only under a condition -- stored, passed to a
// call, or tested after a branch on another load (codegen splits `x && y` into two
// branches) -- traps where wasm put it when the condition is false, though LLVM would
// move it into the block of its use (the differential fuzzer's seed 6001, module 807,
// found the last); in bounds, the same calls return what the interpreter does.
TEST(LlvmTier, LoadsUsedOnSomePathsStillTrapOnTheOthers) {
  Guest interp("llvm_tier", false), llvm("llvm_tier", true);
  for (uint32_t mode = 0; mode < 3; ++mode) {
    auto r = llvm.call("partly_used_loads", {Value::i32(70000), Value::i32(0), Value::i32(mode)});
    ASSERT_FALSE(r.ok()) << "mode " << mode << " returned " << (*r)[0].raw.i32;
    EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfBoundsMemory) << "mode " << mode;
    for (uint32_t c = 0; c < 2; ++c) {
      auto a = interp.call("partly_used_loads", {Value::i32(16), Value::i32(c), Value::i32(mode)});
      auto b = llvm.call("partly_used_loads", {Value::i32(16), Value::i32(c), Value::i32(mode)});
      ASSERT_TRUE(a.ok() && b.ok()) << "mode " << mode << " c " << c;
      EXPECT_EQ((*a)[0].raw.i32, (*b)[0].raw.i32) << "mode " << mode << " c " << c;
    }
  }
}

// Covers: loads whose values only feed a loop's phi, which only feeds the next load (a
// pointer chase nobody reads): a phi holds a load only while the phi is needed, so an
// out-of-bounds chase still traps. In bounds (zeroed memory) both tiers return 13.
TEST(LlvmTier, AChaseOfUnusedLoadsStillTraps) {
  Guest interp("llvm_tier", false), llvm("llvm_tier", true);
  auto r = llvm.call("chased_loads", {Value::i32(70000), Value::i32(3)});
  ASSERT_FALSE(r.ok()) << "returned " << (*r)[0].raw.i32;
  EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfBoundsMemory);
  for (uint32_t n = 0; n < 3; ++n) {
    auto a = interp.call("chased_loads", {Value::i32(16), Value::i32(n)});
    auto b = llvm.call("chased_loads", {Value::i32(16), Value::i32(n)});
    ASSERT_TRUE(a.ok() && b.ok()) << "n " << n;
    EXPECT_EQ((*a)[0].raw.i32, (*b)[0].raw.i32) << "n " << n;
  }
}

// Covers: a load whose value only picks between two v128s that agree on the lane read
// from the result, returned or branched on: codegen folds the lane to a constant and
// would drop the load, which must still trap out of bounds (seed 7331, module 102 of the
// differential fuzzer, reduced); in bounds both tiers return the same.
TEST(LlvmTier, LoadsThatOnlyPickBetweenVectorsStillTrap) {
  Guest interp("llvm_vector_select", false), llvm("llvm_vector_select", true);
  for (const char* name : {"lane", "branch"}) {
    auto r = llvm.call(name, {Value::i32(70000)});
    ASSERT_FALSE(r.ok()) << name << " returned " << (*r)[0].raw.i32;
    EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfBoundsMemory) << name;
    auto a = interp.call(name, {Value::i32(16)});
    auto b = llvm.call(name, {Value::i32(16)});
    ASSERT_TRUE(a.ok() && b.ok()) << name;
    EXPECT_EQ((*a)[0].raw.i32, (*b)[0].raw.i32) << name;
  }
}

// Covers: a signaling NaN through operations LLVM folds to an operand once the other
// operand is known (through a local or an inlined argument, too late for the lowering
// to see) comes back quiet from compiled code, as wasm requires; a number comes back as
// the interpreter returns it.
TEST(LlvmTier, SignalingNaNsComeBackQuiet) {
  Guest interp("llvm_tier", false), llvm("llvm_tier", true);
  constexpr uint32_t kSignaling = 0x7fa00001, kQuiet = 0x7fc00000;
  for (uint32_t op = 0; op < 7; ++op) {
    auto r = llvm.call("nan_ops", {Value::i32(kSignaling), Value::i32(op)});
    ASSERT_TRUE(r.ok()) << "op " << op << ": " << r.error().to_string();
    EXPECT_EQ((*r)[0].raw.i32 & kQuiet, kQuiet) << "op " << op << std::hex << " returned 0x" << (*r)[0].raw.i32;
    auto q = interp.call("nan_ops", {Value::i32(kSignaling), Value::i32(op)});
    ASSERT_TRUE(q.ok());
    EXPECT_EQ((*q)[0].raw.i32 & kQuiet, kQuiet) << "op " << op << " (interpreter)";
    for (uint32_t bits : {0x40200000u, 0x80000000u, 0xff800000u}) {  // 2.5, -0, -inf
      auto a = interp.call("nan_ops", {Value::i32(bits), Value::i32(op)});
      auto b = llvm.call("nan_ops", {Value::i32(bits), Value::i32(op)});
      ASSERT_TRUE(a.ok() && b.ok()) << "op " << op;
      EXPECT_EQ((*a)[0].raw.i32, (*b)[0].raw.i32) << "op " << op << std::hex << " bits 0x" << bits;
    }
  }
}

uint32_t defined_index(const ir::Module& m, std::string_view name) {
  for (uint32_t i = 0; i < m.defined_funcs(); ++i)
    if (const std::string* n = m.names.function_name(ir::FuncIdx(m.imported_funcs + i)); n && *n == name) return i;
  ADD_FAILURE() << "no function " << name;
  return 0;
}

// Covers: code attached in steps (fib alone, then everything) with calls in between: an
// instance's VmCtx follows the newest code, traps come back right at each step, and the
// newest code's function_at still finds functions of the older object it chains to.
TEST(LlvmTier, CodeAttachedInStepsStaysCallable) {
  Guest g("llvm_tier", false);
  const ir::Module& m = g.module->module();
  const uint32_t fib = defined_index(m, "fib");
  CompileOptions first;
  first.interpreted.assign(m.defined_funcs(), true);
  first.interpreted[fib] = false;
  auto obj1 = compile_object(g.module->validated(), first);
  ASSERT_TRUE(obj1.ok()) << obj1.error().to_string();
  auto nm1 = native::NativeModule::load(*obj1, m.defined_funcs());
  ASSERT_TRUE(nm1.ok()) << nm1.error().to_string();
  EXPECT_EQ((*nm1)->compiled_count(), 1u);
  g.module->attach_native(*nm1);
  for (int step = 1; step <= 2; ++step) {
    auto r = g.call("fib", {Value::i32(20)});
    ASSERT_TRUE(r.ok()) << "step " << step << ": " << r.error().to_string();
    EXPECT_EQ((*r)[0].raw.i32, 6765u) << "step " << step;
    auto t = g.call("deep", {Value::i32(3), Value::i32(1)});
    ASSERT_FALSE(t.ok()) << "step " << step;
    EXPECT_EQ(t.error().code(), ErrorCode::TrapOutOfBoundsMemory) << "step " << step;
    EXPECT_EQ(g.machine.backtrace().front().name, "down") << "step " << step << "\n" << g.machine.format_backtrace();
    if (step == 2) break;
    auto obj2 = compile_object(g.module->validated(), {});
    ASSERT_TRUE(obj2.ok()) << obj2.error().to_string();
    auto nm2 = native::NativeModule::load(*obj2, m.defined_funcs(), g.module->native_owner());
    ASSERT_TRUE(nm2.ok()) << nm2.error().to_string();
    g.module->attach_native(*nm2);
    EXPECT_EQ(g.module->native_code(), nm2->get());
    auto at = (*nm2)->function_at(reinterpret_cast<uintptr_t>((*nm1)->slot_entry(fib)));
    ASSERT_TRUE(at.has_value()) << "the older object's code is found through the chain";
    EXPECT_EQ(at->index, fib);
    EXPECT_TRUE(at->entry);
  }
}

// Covers: a module compiled in three partitions on three threads and joined by
// `ld.lld -r` (what big modules get) runs as the one-object build does: calls across
// partitions, through the table, and traps with backtraces.
TEST(LlvmTier, PartitionedCompileRunsTheSame) {
  Guest one("llvm_tier", true), three("llvm_tier", true, {}, 3);
  EXPECT_EQ(three.stats.partitions, 3u);
  EXPECT_EQ(three.stats.compiled, one.stats.compiled);
  for (const char* name : {"fib", "mixed"}) {
    auto a = one.call(name, {Value::i32(12)});
    auto b = three.call(name, {Value::i32(12)});
    ASSERT_TRUE(a.ok() && b.ok()) << name;
    EXPECT_EQ((*a)[0].raw.i32, (*b)[0].raw.i32) << name;
  }
  auto ind = three.call("indirect", {Value::i32(1), Value::i32(7)});
  ASSERT_TRUE(ind.ok()) << ind.error().to_string();
  EXPECT_EQ((*ind)[0].raw.i32, 21u);
  auto r = three.call("deep", {Value::i32(3), Value::i32(1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_EQ(three.machine.backtrace().front().name, "down") << three.machine.format_backtrace();
}

// Covers: tier-up -- compiled code attached while another thread runs the module in the
// interpreter: every call returns the right result before, during and after the swap,
// and calls made after it enter compiled code.
TEST(LlvmTier, TierUpWhileRunning) {
  Guest g("llvm_tier", false);
  std::atomic<bool> swapped{false};
  std::atomic<int> wrong{0}, calls_after{0};
  std::thread runner([&] {
    // Until 20 calls after the swap (bounded, should the swap never come).
    for (int i = 0; i < 1'000'000 && calls_after.load() < 20; ++i) {
      const bool after = swapped.load();
      auto r = g.call("fib", {Value::i32(15)});
      if (!r.ok() || (*r)[0].raw.i32 != 610u) ++wrong;
      if (after) ++calls_after;
    }
  });
  auto obj = compile_object(g.module->validated(), CompileOptions{});
  ASSERT_TRUE(obj.ok()) << obj.error().to_string();
  auto nm = native::NativeModule::load(*obj, g.module->module().defined_funcs());
  ASSERT_TRUE(nm.ok()) << nm.error().to_string();
  g.module->attach_native(*nm);
  swapped = true;
  runner.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(calls_after.load(), 20);
  const uint32_t fib = g.inst->find_export("fib")->func->defined_index;
  auto f = g.module->func(fib);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(interp::xops_of(**f).front(), interp::XOp::EnterNative);
}

// Covers: each trap of compiled code (guard-page fault, explicit checks, the native
// stack bound, a call_indirect whose element is wrong) comes back as its ErrorCode; a
// host function's error keeps its message; the instance keeps working afterwards.
TEST(LlvmTier, TrapsComeBackAsValues) {
  Guest g("llvm_tier", true);
  struct Case {
    const char* name;
    std::vector<Value> args;
    ErrorCode code;
  };
  const Case cases[] = {{"oob", {Value::i32(65533)}, ErrorCode::TrapOutOfBoundsMemory},
                        {"oob", {Value::i32(0xFFFFFFFF)}, ErrorCode::TrapOutOfBoundsMemory},
                        {"oob_store", {Value::i32(65528)}, ErrorCode::TrapOutOfBoundsMemory},
                        {"div", {Value::i32(1), Value::i32(0)}, ErrorCode::TrapIntegerDivideByZero},
                        {"div", {Value::i32(INT32_MIN), Value::i32(-1)}, ErrorCode::TrapIntegerOverflow},
                        {"trunc", {Value::f64(3e9)}, ErrorCode::TrapIntegerOverflow},
                        {"unreachable", {}, ErrorCode::TrapUnreachable},
                        {"runaway", {}, ErrorCode::TrapCallStackExhausted},
                        {"indirect", {Value::i32(3), Value::i32(1)}, ErrorCode::TrapUninitializedElement},
                        {"indirect", {Value::i32(9), Value::i32(1)}, ErrorCode::TrapUndefinedElement},
                        {"host_fail", {}, ErrorCode::TrapHost}};
  for (const Case& c : cases) {
    auto r = g.call(c.name, c.args);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().to_string();
    auto again = g.call("fib", {Value::i32(10)});
    ASSERT_TRUE(again.ok()) << "after " << c.name << ": " << again.error().to_string();
    EXPECT_EQ((*again)[0].raw.i32, 55u);
  }
  auto r = g.call("host_fail");
  EXPECT_NE(r.error().to_string().find("the host says no"), std::string::npos) << r.error().to_string();
  // The store of a trapped oob_store did not happen; an in-bounds one did.
  ASSERT_TRUE(g.call("oob_store", {Value::i32(0)}).ok());
  EXPECT_EQ((*g.call("oob", {Value::i32(8)}))[0].raw.i32, 7u);
}

// Covers: a trap deep in compiled recursion, raised explicitly or by a guard-page fault,
// has a backtrace of the compiled frames (walked along frame pointers, mapped back to
// functions), innermost first, ending with the exported caller.
TEST(LlvmTier, TrapsCarryBacktracesOfCompiledFrames) {
  Guest g("llvm_tier", true);
  for (uint32_t mode : {0u, 1u}) {
    auto r = g.call("deep", {Value::i32(4), Value::i32(mode)});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), mode ? ErrorCode::TrapOutOfBoundsMemory : ErrorCode::TrapUnreachable);
    const auto& bt = g.machine.backtrace();
    ASSERT_GE(bt.size(), 4u) << g.machine.format_backtrace();
    EXPECT_EQ(bt.front().name, "down") << g.machine.format_backtrace();
    size_t downs = 0;
    for (const auto& f : bt) downs += f.name == "down";
    // Five activations of $down; LLVM may inline one into $deep.
    EXPECT_GE(downs, 4u) << g.machine.format_backtrace();
    EXPECT_LE(downs, 5u) << g.machine.format_backtrace();
    EXPECT_EQ(bt.size(), downs + 1) << g.machine.format_backtrace();
    EXPECT_EQ(bt.back().name, "deep") << g.machine.format_backtrace();
  }
}

// Covers: fill and copy loops that run past the end of memory trap (the optimizer may
// not turn them into libc calls, where the fault would kill the process), and the
// instance works afterwards. (Which bytes before the end were stored is not checked:
// vectorized stores that cross the end fault whole -- docs/llvm-tier.md.)
TEST(LlvmTier, StoreLoopsPastTheEndTrap) {
  Guest g("llvm_fill", true);
  ASSERT_EQ(g.stats.compiled, g.stats.functions);
  auto r = g.call("fill", {Value::i32(65000), Value::i32(70000)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfBoundsMemory);
  auto c = g.call("copy", {Value::i32(60000), Value::i32(0), Value::i32(100000)});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::TrapOutOfBoundsMemory);
  auto ok = g.call("fill", {Value::i32(0), Value::i32(16)});
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ((*g.call("peek", {Value::i32(15)}))[0].raw.i32, 7u);
}

// Covers: memory.grow from compiled code moves the bound its loads see (the guard
// region becomes accessible), and memory.size follows.
TEST(LlvmTier, GrowMakesMoreMemoryReachable) {
  Guest g("llvm_tier", true);
  EXPECT_FALSE(g.call("oob", {Value::i32(65536)}).ok());
  EXPECT_EQ((*g.call("grow", {Value::i32(1)}))[0].raw.i32, 1u);
  EXPECT_EQ((*g.call("size"))[0].raw.i32, 2u);
  auto r = g.call("oob", {Value::i32(65536)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].raw.i32, 0u);
}

// Covers: another thread's interrupt() stops a compiled loop with no exit (the check at
// the loop head) and a compiled call chain with no loop (the function-entry check).
TEST(LlvmTier, InterruptStopsCompiledLoops) {
  interp::CodeOptions code;
  code.interruptible = true;
  for (const char* name : {"spin", "nested", "forever"}) {
    Guest g("interrupt", true, code);
    ASSERT_EQ(g.stats.compiled, g.stats.functions);
    std::thread stopper([&] {
      std::this_thread::sleep_for(20ms);
      g.store.interrupt();
    });
    auto r = g.call(name);
    stopper.join();
    ASSERT_FALSE(r.ok()) << name;
    // `forever` may exhaust the stack before the interrupt arrives; both stop it.
    if (std::string(name) != "forever" || r.error().code() != ErrorCode::TrapCallStackExhausted) {
      EXPECT_EQ(r.error().code(), ErrorCode::TrapInterrupted) << name << ": " << r.error().to_string();
    }
  }
}

// Covers: fuel is charged by the interpreter's regions, so a compiled loop uses exactly
// what the interpreter uses, and running out traps at the same point; also for a loop
// whose end is unreachable with code after it (that code was charged at the compiled
// loop's head, once per iteration: 23 times the interpreter's fuel in a review).
TEST(LlvmTier, FuelMatchesTheInterpreterExactly) {
  interp::CodeOptions code;
  code.fuel = true;
  Guest a("interrupt", false, code), b("interrupt", true, code);
  for (Guest* g : {&a, &b}) {
    g->store.set_fuel(1'000'000);
    auto r = g->call("count", {Value::i32(1000)});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }
  EXPECT_EQ(a.store.fuel_remaining(), b.store.fuel_remaining());
  EXPECT_EQ(1'000'000 - b.store.fuel_remaining(), 1u + 9u * 1000u + 2u);
  uint64_t used[2];
  for (Guest* g : {&a, &b}) {
    g->store.set_fuel(1'000'000);
    auto r = g->call("while_tail", {Value::i32(1000)});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ((*r)[0].raw.i32, 21u);
    used[g == &b] = 1'000'000 - g->store.fuel_remaining();
  }
  EXPECT_EQ(used[0], used[1]);
  EXPECT_LT(used[1], 12u * 1001u) << "the loop's iterations, not the tail, set the cost";
  for (Guest* g : {&a, &b}) {
    g->store.set_fuel(500);
    auto r = g->call("count", {Value::i32(1000)});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfFuel);
  }
  EXPECT_EQ(a.store.fuel_remaining(), b.store.fuel_remaining());
}

// Covers: the same exactness over control-flow shapes with dead code (tests/fixtures/
// fuel_shapes.wat): blocks, ifs and br_tables that end unreachable with loops after them,
// returns and unreachables in arms, dead blocks inside loops, calls, bulk memory. The
// interpreter's translator treats code after any `end` as live, so a loop there opens
// a region (never charged) that ends the one before; the compiled code must end it too
// (the random-module check that found it: 20 of 4,163 functions differed, up to 3x).
// Calls that trap or run out of fuel must stop with the same fuel left.
TEST(LlvmTier, FuelMatchesTheInterpreterOnEveryShape) {
  interp::CodeOptions code;
  code.fuel = true;
  Guest a("fuel_shapes", false, code), b("fuel_shapes", true, code);
  size_t compared = 0;
  for (const ir::Export& e : a.module->module().exports) {
    if (e.kind != ir::ExternKind::Func) continue;
    for (uint32_t arg : {0u, 1u, 7u, 150u}) {
      std::string outcome[2];
      uint64_t left[2];
      for (Guest* g : {&a, &b}) {
        g->store.set_fuel(2'000'000);
        auto r = g->call(e.name, {Value::i32(arg)});
        outcome[g == &b] = r.ok() ? "= " + std::to_string((*r)[0].raw.i32) : std::string(error_code_name(r.error().code()));
        left[g == &b] = g->store.fuel_remaining();
      }
      EXPECT_EQ(outcome[0], outcome[1]) << e.name << "(" << arg << ")";
      EXPECT_EQ(left[0], left[1]) << e.name << "(" << arg << "): fuel left, interpreter vs compiled";
      ++compared;
    }
  }
  EXPECT_EQ(compared, 27u * 4u);
}

// Covers: functions LLVM would take minutes over stay in the interpreter: 5,000 locals
// (an alloca each), 100 parameters (a value per phi and call); an ordinary one is
// compiled. A 3 KB module of 300 functions with 50,000 locals each took 45 s and 4.3 GB.
TEST(LlvmTier, CostlyFunctionsStayInTheInterpreter) {
  std::vector<uint8_t> m;
  m.reserve(512);
  for (uint8_t b : {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}) m.push_back(b);
  std::vector<uint8_t> types;  // [i32] -> [i32]; [i32 x 100] -> [i32]
  for (uint8_t b : {0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x64}) types.push_back(b);
  for (int k = 0; k < 100; ++k) types.push_back(0x7f);
  types.push_back(0x01);
  types.push_back(0x7f);
  auto section = [&](uint8_t id, const std::vector<uint8_t>& payload) {
    m.push_back(id);
    m.push_back(static_cast<uint8_t>(payload.size() & 0x7f) | 0x80);
    m.push_back(static_cast<uint8_t>(payload.size() >> 7));
    for (uint8_t b : payload) m.push_back(b);
  };
  section(1, types);
  section(3, {0x03, 0x00, 0x01, 0x00});
  section(10, {0x03,
               0x07, 0x01, 0x88, 0x27, 0x7f, 0x20, 0x00, 0x0b,   // 5,000 locals; local.get 0
               0x04, 0x00, 0x20, 0x00, 0x0b,                     // 100 params; local.get 0
               0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b}); // local.get 0; i32.const 1; i32.add
  auto cm = interp::compile(m);
  ASSERT_TRUE(cm.ok()) << cm.error().to_string();
  CompileStats stats;
  auto obj = compile_object((*cm)->validated(), {}, &stats);
  ASSERT_TRUE(obj.ok()) << obj.error().to_string();
  EXPECT_EQ(stats.functions, 3u);
  EXPECT_EQ(stats.compiled, 1u) << "only the ordinary function";
}

// Covers: bulk operations cost fuel by their length in both tiers alike (a loop of
// 64 KiB fills under a small budget used to run on at a flat cost per fill), and a fill
// the budget cannot pay for traps before writing.
TEST(LlvmTier, BulkOperationsCostFuelByLength) {
  interp::CodeOptions code;
  code.fuel = true;
  Guest a("interrupt", false, code), b("interrupt", true, code);
  uint64_t used[2];
  for (Guest* g : {&a, &b}) {
    g->store.set_fuel(1'000'000);
    auto r = g->call("fill", {Value::i32(10)});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    used[g == &b] = 1'000'000 - g->store.fuel_remaining();
  }
  EXPECT_EQ(used[0], used[1]);
  // 10 fills of 1,024 units, a copy of 10, an init of 1 and a table.fill of 10.
  EXPECT_GE(used[1], 10u * 1024u + 10u + 1u + 10u);
  EXPECT_LT(used[1], 10u * 1024u + 10u + 1u + 10u + 200u);
  for (Guest* g : {&a, &b}) {
    g->store.set_fuel(5'000);
    auto r = g->call("fill", {Value::i32(1000)});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfFuel);
  }
  EXPECT_EQ(a.store.fuel_remaining(), b.store.fuel_remaining());
  EXPECT_LT(a.store.fuel_remaining(), 1024u) << "the trap comes at the fill the budget cannot pay for";
}

// Covers: a bulk operation of 2 MiB looks for a stop between its 1 MiB slices in both
// tiers (before, one memory.fill or memory.copy of up to 4 GiB ran to its end however
// long ago the deadline passed), even in code compiled without checks, where nothing
// else would see the request; without a request the same calls complete.
TEST(LlvmTier, LongBulkOperationsStopBetweenSlices) {
  for (bool llvm : {false, true}) {
    for (int op = 0; op < 3; ++op) {
      Guest g("interrupt", llvm);
      auto done = g.call("bulk_2mib", {Value::i32(op)});
      ASSERT_TRUE(done.ok()) << done.error().to_string();
      EXPECT_EQ((*done)[0].raw.i32, op == 0 ? 9u : 0u);
      g.store.interrupt(runtime::StopReason::Deadline);
      auto stopped = g.call("bulk_2mib", {Value::i32(op)});
      ASSERT_FALSE(stopped.ok()) << "llvm " << llvm << ", op " << op;
      EXPECT_EQ(stopped.error().code(), ErrorCode::TrapDeadline) << stopped.error().to_string();
    }
  }
}

}  // namespace
}  // namespace skiff::engine::llvm_tier
