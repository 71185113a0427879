// The hot paths of the embedding API allocate nothing: a TypedFunc call into wasm, a
// wasm -> host call through a func_wrap'ed callable (with and without Caller), and a
// host function's memory access. Counted with support/count_allocations.h.
#include "skiff/skiff.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <utility>

#include "support/count_allocations.h"

namespace skiff {
namespace {

using test::AllocationCounter;

Module load(const Engine& engine, const std::string& name) {
  Result<Module> m = Module::from_file(engine, (std::filesystem::path(SKIFF_TEST_FIXTURES) / (name + ".wasm")).string());
  EXPECT_TRUE(m.ok()) << m.error().to_string();
  return std::move(*m);
}

TEST(EmbedNoAlloc, CounterSeesAllocations) {
  AllocationCounter counter;
  void* volatile p = ::operator new(16);  // volatile: not elided
  ::operator delete(p);
  EXPECT_EQ(counter.count(), 1u);
}

// Covers: 1000 TypedFunc calls of a recursive wasm function after a warm-up call (which
// translates the body) allocate nothing.
TEST(EmbedNoAlloc, TypedFuncCallLoop) {
  Engine engine;
  Module m = load(engine, "api_pure");
  Store store(engine);
  Linker l;
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto fib = inst->get_typed_func<int32_t(int32_t)>("fib");
  ASSERT_TRUE(fib.ok());
  ASSERT_TRUE(fib->call(10).ok());  // warm up: lazy translation allocates once

  int64_t sum = 0;
  size_t allocations;
  {
    AllocationCounter counter;
    for (int i = 0; i < 1000; ++i) {
      Result<int32_t> r = fib->call(i % 15);
      if (!r.ok()) break;
      sum += *r;
    }
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u);
  int64_t expected = 0;
  for (int i = 0; i < 1000; ++i) {
    int32_t a = 0, b = 1;
    for (int k = 0; k < i % 15; ++k) b = std::exchange(a, b) + b;
    expected += a;
  }
  EXPECT_EQ(sum, expected);
}

// Covers: wasm -> host calls (typed lambdas, one taking Caller& and touching memory)
// driven from a TypedFunc loop allocate nothing.
TEST(EmbedNoAlloc, HostCallLoop) {
  Engine engine;
  Module m = load(engine, "api_host");
  Linker l;
  int64_t host_sum = 0;
  l.func_wrap("host", "all_types", [](int32_t a, int64_t b, float c, double d) {
    return std::tuple<int32_t, int64_t, float, double>(a, b, c, d);
  });
  l.func_wrap("host", "unsigned", [](uint32_t a, uint64_t b) { return uint64_t{a} + b; });
  l.func_wrap("host", "add", [&host_sum](int32_t a, int32_t b) {
    host_sum += a;
    return a + b;
  });
  l.func_wrap("host", "log", [](uint32_t, uint32_t) {});
  l.func_wrap("host", "fill", [](Caller& c, uint32_t ptr, uint32_t len, uint32_t byte) -> Result<void> {
    SKIFF_TRY_ASSIGN(Memory mem, c.memory());
    SKIFF_TRY_ASSIGN(std::span<uint8_t> bytes, mem.span(ptr, len));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(byte);
    return {};
  });
  l.func_wrap("host", "check", [](int32_t x) -> Result<int32_t> { return x; });
  l.func_wrap("host", "reenter", [](int32_t x) { return x; });
  Store store(engine);
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto add = inst->get_typed_func<int32_t(int32_t, int32_t)>("call_add");
  auto fill = inst->get_typed_func<int32_t(int32_t, int32_t)>("fill_and_sum");
  auto roundtrip =
      inst->get_typed_func<std::tuple<int32_t, int64_t, float, double>(int32_t, int64_t, float, double)>("roundtrip");
  ASSERT_TRUE(add.ok() && fill.ok() && roundtrip.ok());
  ASSERT_TRUE(add->call(1, 2).ok() && fill->call(0, 4).ok() && roundtrip->call(1, 2, 3, 4).ok());  // warm up

  int64_t sum = 0;
  size_t allocations;
  {
    AllocationCounter counter;
    for (int i = 0; i < 1000; ++i) {
      Result<int32_t> a = add->call(i, 1);
      Result<int32_t> f = fill->call(64, 8);
      auto r = roundtrip->call(i, 2, 3.0f, 4.0);
      if (!a.ok() || !f.ok() || !r.ok()) break;
      sum += *a + *f + std::get<0>(*r);
    }
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(sum, 2 * (999 * 1000 / 2) + 1000 + 1000 * 8 * 7);
  EXPECT_EQ(host_sum, 1 + 999 * 1000 / 2);
}

}  // namespace
}  // namespace skiff
