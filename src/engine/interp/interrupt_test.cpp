// Stopping guests from outside: Store::interrupt from another thread, wall-clock
// deadlines through the Watchdog, and fuel metering (CodeOptions). Fixture:
// tests/fixtures/interrupt.wat.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "support/call_export.h"
#include "support/fixtures.h"

#include "engine/interp/interpreter.h"
#include "engine/runtime/watchdog.h"

namespace skiff::engine::interp {
namespace {

using namespace std::chrono_literals;
using runtime::Value;

using skiff::test::fixture_bytes;

struct Guest {
  explicit Guest(CodeOptions code, runtime::StoreLimits limits = {}) : store(limits) {
    auto cm = compile(fixture_bytes("interrupt"), {}, code);
    EXPECT_TRUE(cm.ok()) << cm.error().to_string();
    module = *cm;
    auto i = instantiate(machine, store, *module, {});
    EXPECT_TRUE(i.ok()) << i.error().to_string();
    inst = *i;
  }
  Result<std::vector<Value>> call(const std::string& name, std::vector<Value> args = {}) {
    return test::call_export(machine, store, *inst, name, args);
  }
  std::shared_ptr<const CompiledModule> module;
  runtime::Store store;
  Machine machine;
  runtime::Instance* inst = nullptr;
};

CodeOptions interruptible() {
  CodeOptions c;
  c.interruptible = true;
  return c;
}
CodeOptions metered() {
  CodeOptions c;
  c.fuel = true;
  return c;
}

// Covers: another thread's interrupt() stops a loop with no exit and an outer loop
// around a terminating inner one; the trap is TrapInterrupted with the guest's frame in
// the backtrace, and the request persists until cleared, after which the store runs
// normally again.
TEST(InterruptTest, AnotherThreadStopsEndlessLoops) {
  for (const char* name : {"spin", "nested"}) {
    Guest g(interruptible());
    std::thread stopper([&] {
      std::this_thread::sleep_for(20ms);
      g.store.interrupt();
    });
    auto r = g.call(name);
    stopper.join();
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code(), ErrorCode::TrapInterrupted) << name << ": " << r.error().to_string();
    ASSERT_FALSE(g.machine.backtrace().empty());
    EXPECT_FALSE(g.call("count", {Value::i32(3)}).ok()) << "the request persists";
    g.store.clear_interrupt();
    auto again = g.call("count", {Value::i32(3)});
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ((*again)[0].raw.i32, 3u);
  }
}

// Covers: a call chain with no loop is stopped by the function-entry check (the
// recursion would otherwise end in TrapCallStackExhausted).
TEST(InterruptTest, FunctionEntryCheckStopsCallChains) {
  Guest g(interruptible());
  g.store.interrupt();
  auto r = g.call("forever");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapInterrupted) << r.error().to_string();
}

// Covers: code compiled without checks never looks at the request (the default costs
// nothing), so a terminating function still completes after interrupt().
TEST(InterruptTest, CodeWithoutChecksIgnoresRequests) {
  Guest g(CodeOptions{});
  g.store.interrupt();
  auto r = g.call("count", {Value::i32(1000)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].raw.i32, 1000u);
}

// Covers: the watchdog turns a deadline into TrapDeadline, not before it, and a disarmed
// (destroyed) ticket never fires.
TEST(InterruptTest, WatchdogDeadlineStopsTheGuest) {
  runtime::Watchdog dog;
  Guest g(interruptible());
  const auto start = runtime::Watchdog::Clock::now();
  {
    auto ticket = dog.arm(g.store, start + 50ms);
    auto r = g.call("spin");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::TrapDeadline);
    EXPECT_GE(runtime::Watchdog::Clock::now() - start, 50ms);
  }
  EXPECT_EQ(dog.fired(), 1u);
  g.store.clear_interrupt();
  {
    auto ticket = dog.arm(g.store, runtime::Watchdog::Clock::now() + 200ms);
    auto r = g.call("count", {Value::i32(10)});
    ASSERT_TRUE(r.ok());
  }  // disarmed before it fires
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(dog.fired(), 1u);
  EXPECT_EQ(g.store.stop_reason(), runtime::StopReason::None);
}

// Covers: deadlines for several stores fire in deadline order, each stopping only its
// own store, whatever order they were armed in.
TEST(InterruptTest, WatchdogServesManyStores) {
  runtime::Watchdog dog;
  runtime::Store a, b, c;
  const auto now = runtime::Watchdog::Clock::now();
  auto tc = dog.arm(c, now + 1s);
  auto ta = dog.arm(a, now + 10ms);
  auto tb = dog.arm(b, now + 1h);
  auto wait_for = [](const runtime::Store& s) {
    for (int i = 0; i < 500 && s.stop_reason() == runtime::StopReason::None; ++i) std::this_thread::sleep_for(10ms);
  };
  wait_for(a);
  EXPECT_EQ(a.stop_reason(), runtime::StopReason::Deadline);
  EXPECT_EQ(c.stop_reason(), runtime::StopReason::None);
  EXPECT_LT(runtime::Watchdog::Clock::now() - now, 1s);
  wait_for(c);
  EXPECT_EQ(c.stop_reason(), runtime::StopReason::Deadline);
  EXPECT_GE(runtime::Watchdog::Clock::now() - now, 1s);
  EXPECT_EQ(b.stop_reason(), runtime::StopReason::None);
  EXPECT_EQ(dog.fired(), 2u);
}

// Covers: a lane's deadline stops its store, not before it; arming again replaces the
// deadline (an hour, then 30 ms: the 30 ms one fires); a disarmed lane never fires.
TEST(InterruptTest, LaneDeadlineStopsTheGuest) {
  runtime::Watchdog dog;
  runtime::Watchdog::Lane lane(dog);
  Guest g(interruptible());
  const auto start = runtime::Watchdog::Clock::now();
  lane.arm(g.store, start + 1h);
  lane.arm(g.store, start + 30ms);
  auto r = g.call("spin");
  lane.disarm();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapDeadline);
  EXPECT_GE(runtime::Watchdog::Clock::now() - start, 30ms);
  EXPECT_EQ(dog.fired(), 1u);
  g.store.clear_interrupt();
  lane.arm(g.store, runtime::Watchdog::Clock::now() + 100ms);
  auto ok = g.call("count", {Value::i32(10)});
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  lane.disarm();
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(dog.fired(), 1u);
  EXPECT_EQ(g.store.stop_reason(), runtime::StopReason::None);
}

// Covers: lanes on two threads arm short deadlines over and over, each on its own
// store, and every one of them that a spinning guest outlives fires -- right after the
// watchdog went idle, too (no wake-up is lost between a look and an arm); a lane only
// ever stops its own store.
TEST(InterruptTest, LanesOnSeveralThreadsEachStopTheirOwnStore) {
  runtime::Watchdog dog;
  auto worker = [&dog](int rounds, std::chrono::milliseconds pause) {
    runtime::Watchdog::Lane lane(dog);
    Guest g(interruptible());
    int stopped = 0;
    for (int i = 0; i < rounds; ++i) {
      const auto start = runtime::Watchdog::Clock::now();
      lane.arm(g.store, start + 2ms);
      auto r = g.call("spin");
      lane.disarm();
      if (!r.ok() && r.error().code() == ErrorCode::TrapDeadline &&
          runtime::Watchdog::Clock::now() - start < 5s)
        ++stopped;
      g.store.clear_interrupt();
      std::this_thread::sleep_for(pause);  // sometimes long enough for the watchdog to idle
    }
    return stopped;
  };
  int a = 0, b = 0;
  std::thread other([&] { b = worker(20, 150ms); });
  a = worker(100, 1ms);
  other.join();
  EXPECT_EQ(a, 100);
  EXPECT_EQ(b, 20);
  EXPECT_EQ(dog.fired(), 120u);
}

// Covers: a stream of short runs on a lane, each disarmed long before its deadline,
// wakes the watchdog's thread about once per deadline's length, not once per run.
TEST(InterruptTest, ShortRunsOnALaneRarelyWakeTheWatchdog) {
  runtime::Watchdog dog;
  runtime::Watchdog::Lane lane(dog);
  runtime::Store store;
  const auto start = runtime::Watchdog::Clock::now();
  uint64_t runs = 0;
  while (runtime::Watchdog::Clock::now() - start < 300ms) {
    lane.arm(store, runtime::Watchdog::Clock::now() + 20ms);
    ++runs;
    lane.disarm();
    if (runs % 64 == 0) std::this_thread::yield();
  }
  EXPECT_GT(runs, 1000u);
  // About 300 / 20 = 15 looks; a loaded machine may add some.
  EXPECT_LT(dog.wakeups(), 60u) << runs << " runs";
  EXPECT_EQ(dog.fired(), 0u);
  EXPECT_EQ(store.stop_reason(), runtime::StopReason::None);
}

// Covers: the watchdog looks (for a ticket) right after the only lane that was ever
// armed has gone, while a lane that never was remains, and after a lane armed for
// time_point::min(): no arithmetic at the clock's limits (UBSan in the asan build
// caught now + duration::max() here), and both deadlines still fire.
TEST(InterruptTest, LanesAtTheClocksLimits) {
  runtime::Watchdog dog;
  runtime::Store store, other;
  runtime::Watchdog::Lane idle(dog);
  {
    runtime::Watchdog::Lane used(dog);
    used.arm(store, runtime::Watchdog::Clock::now() + 1h);
    used.disarm();
  }
  auto ticket = dog.arm(store, runtime::Watchdog::Clock::now() + 10ms);
  for (int i = 0; i < 500 && store.stop_reason() == runtime::StopReason::None; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(store.stop_reason(), runtime::StopReason::Deadline);
  idle.arm(other, runtime::Watchdog::Clock::time_point::min());
  for (int i = 0; i < 500 && other.stop_reason() == runtime::StopReason::None; ++i) std::this_thread::sleep_for(10ms);
  idle.disarm();
  EXPECT_EQ(other.stop_reason(), runtime::StopReason::Deadline);
  EXPECT_EQ(dog.fired(), 2u);
}

// Covers: fuel is charged per region (entry, loop head, after a loop), the same amount on every run (the
// counts are the rule in interrupt.wat's comment: 1 + 9n + 2), and running out traps
// TrapOutOfFuel without charging the region that did not fit.
TEST(InterruptTest, FuelIsDeterministic) {
  for (uint32_t n : {1u, 10u, 1000u}) {
    Guest g(metered());
    g.store.set_fuel(1'000'000);
    auto r = g.call("count", {Value::i32(n)});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(1'000'000 - g.store.fuel_remaining(), 1 + 9 * uint64_t{n} + 2) << n;
  }
  Guest g(metered());
  g.store.set_fuel(1 + 9 * 5 + 1);  // five iterations and not the sixth
  auto r = g.call("count", {Value::i32(100)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfFuel);
  EXPECT_EQ(g.store.fuel_remaining(), 1u);
}

// Covers: fuel stops loops and call chains alike, and metered code also honours
// interrupt() (fuel implies the checks).
TEST(InterruptTest, FuelStopsEndlessGuests) {
  for (const char* name : {"spin", "forever", "nested"}) {
    Guest g(metered(), runtime::StoreLimits{.max_call_depth = 1u << 31});
    g.store.set_fuel(100'000);
    auto r = g.call(name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfFuel) << name << ": " << r.error().to_string();
  }
  Guest g(metered());
  g.store.interrupt();
  auto r = g.call("count", {Value::i32(5)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapInterrupted);
}

// Covers: a store's memory limit makes memory.grow return -1 at the limit (the guest
// sees a normal failure, not a trap), and the pages granted are exactly the limit.
TEST(InterruptTest, MemoryLimitStopsGrowth) {
  Guest g(CodeOptions{}, runtime::StoreLimits{.max_memory_pages = 40});
  auto r = g.call("grow_all");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].raw.i32, 40u);
}

}  // namespace
}  // namespace skiff::engine::interp
