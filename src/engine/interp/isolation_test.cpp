// Fault isolation between tenants of one process: many stores on several threads, good
// and bad guests side by side, sharing one CompiledModule and InstancePre per module,
// one MemoryPool and one Watchdog. A bad guest must fail with exactly its own trap, a
// good guest must compute exactly the right result, and a good guest must find pristine
// initial memory even on a pooled reservation a bad guest dirtied and grew just before.
// Fixture: tests/fixtures/tenants.wat.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/fixtures.h"

#include "engine/interp/interpreter.h"
#include "engine/runtime/memory_pool.h"
#include "engine/runtime/watchdog.h"

namespace skiff::engine::interp {
namespace {

using namespace std::chrono_literals;
using runtime::Value;
using Clock = runtime::Watchdog::Clock;

using skiff::test::fixture_bytes;

// What tenants.wat's memory holds initially.
constexpr uint32_t kInitialPages = 2;
constexpr size_t kInitialBytes = kInitialPages * 65536;
constexpr char kData0[] = "TENANT-IMAGE-v1!";
constexpr size_t kData1At = 0x11000;
constexpr char kData1[] = "second-page-data";
constexpr uint64_t kAccInitial = 0x5eed;
// Every store's limits: the memory bomb stops at kMaxPages, the recursion at kMaxDepth.
constexpr uint32_t kMaxPages = 24;
constexpr uint32_t kMaxDepth = 1000;

// --- the good guest's results, computed independently -------------------------------

uint32_t fnv(const uint8_t* p, size_t n) {
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < n; ++i)
    h = (h ^ p[i]) * 0x01000193u;
  return h;
}

// tenants.wat `work(seed, len, depth)` on pristine memory.
uint64_t expected_work(uint32_t seed, uint32_t len, uint32_t depth) {
  std::vector<uint8_t> scratch(len);
  uint32_t s = seed;
  for (uint32_t i = 0; i < len; ++i) {
    s = s * 1103515245u + 12345u;
    scratch[i] = static_cast<uint8_t>(s >> 16);
  }
  uint32_t h = fnv(reinterpret_cast<const uint8_t*>(kData0), 16) ^ fnv(scratch.data(), len);
  h += fnv(reinterpret_cast<const uint8_t*>(kData1), 16);
  switch (seed & 3) {
  case 0: h += seed; break;
  case 1: h -= seed; break;
  case 2: h *= seed; break;
  default: h ^= seed; break;
  }
  const uint64_t tri = uint64_t{depth} * (depth + 1) / 2;
  return kAccInitial + ((uint64_t{h} << 32) | tri);
}

// tenants.wat `grow(pages, seed)` on pristine memory: new pages all zero.
uint32_t expected_grow(uint32_t pages) { return (kInitialPages << 8) | (kInitialPages + pages); }

// --- guest kinds ----------------------------------------------------------------------

enum class Kind {
  Good,
  Spin,
  Bomb,
  BombSpin,
  Recurse,
  OutOfBounds,
  DivideByZero,
  BadIndirect,
  Interrupted,
  Count_
};
constexpr size_t kKinds = static_cast<size_t>(Kind::Count_);

struct KindInfo {
  const char* name;
  const char* export_name; // the bad guest's entry point
  ErrorCode trap;          // what a bad guest must fail with
  bool needs_checks;       // only stops in code compiled interruptible
  bool deadline;           // stopped by a watchdog deadline
};

const KindInfo& info(Kind k) {
  static const std::array<KindInfo, kKinds> kInfo = {{
      {"good", "work", ErrorCode::Ok, false, false},
      {"spin", "spin", ErrorCode::TrapDeadline, true, true},
      {"bomb", "bomb", ErrorCode::TrapUnreachable, false, false},
      {"bomb_spin", "bomb_spin", ErrorCode::TrapDeadline, true, true},
      {"recurse", "recurse", ErrorCode::TrapCallStackExhausted, false, false},
      {"oob", "oob", ErrorCode::TrapOutOfBoundsMemory, false, false},
      {"div", "div", ErrorCode::TrapIntegerDivideByZero, false, false},
      {"bad_indirect", "bad_indirect", ErrorCode::TrapUndefinedElement, false, false},
      {"interrupted", "spin", ErrorCode::TrapInterrupted, true, false},
  }};
  return kInfo[static_cast<size_t>(k)];
}

// splitmix64: a portable, seeded stream (the same kinds on every platform).
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// Everything the tenants share: the module compiled twice (with and without the stop
// checks: two InstancePres, so two memory images and pool layouts), one pool, one
// watchdog.
struct Shared {
  Shared() {
    const std::vector<uint8_t> bytes = fixture_bytes("tenants");
    for (bool checks : {true, false}) {
      CodeOptions code;
      code.interruptible = checks;
      auto cm = compile(bytes, {}, code);
      EXPECT_TRUE(cm.ok()) << cm.error().to_string();
      if (!cm.ok()) return;
      auto pre = prepare(*cm, {});
      EXPECT_TRUE(pre.ok()) << pre.error().to_string();
      if (!pre.ok()) return;
      EXPECT_TRUE((*pre)->fast()) << "tenants.wat should take the image path";
      (checks ? checked : plain) = *pre;
    }
  }
  bool ok() const { return checked && plain; }
  const runtime::InstancePre& pre(bool checks) const { return checks ? *checked : *plain; }

  std::shared_ptr<const runtime::InstancePre> checked, plain;
  runtime::MemoryPool pool;
  runtime::Watchdog dog;
};

runtime::StoreLimits tenant_limits() {
  runtime::StoreLimits l;
  l.max_memory_pages = kMaxPages;
  l.max_call_depth = kMaxDepth;
  return l;
}

// Calls export `name`; the error, or results.
Result<std::vector<Value>> call(Machine& m, runtime::Store& store, runtime::Instance& inst,
                                const char* name, std::vector<Value> args) {
  auto x = inst.find_export(name);
  if (!x || !x->func)
    return Error(ErrorCode::InvalidArgument, kNoOffset, std::string("no export ") + name);
  std::vector<Value> results(x->func->type->results.size());
  SKIFF_TRY(m.call(store, *x->func, args, results));
  return results;
}

std::string describe(const Result<std::vector<Value>>& r) {
  return r.ok() ? std::string("success") : r.error().to_string();
}

// Checks that a fresh instance sees exactly the module's initial state: 2 pages, the two
// data segments, zeros everywhere else, no access past the initial pages (the pages a
// previous tenant grew into are inaccessible again), the global at its initial value.
// Returns what is wrong, or "".
std::string check_pristine(Machine& m, runtime::Store& store, runtime::Instance& inst) {
  static const std::vector<uint8_t> kZeros(kInitialBytes, 0);
  const runtime::Memory& mem = *inst.memories.at(0);
  if (mem.pages() != kInitialPages) return "memory has " + std::to_string(mem.pages()) + " pages";
  const uint8_t* d = mem.data();
  if (std::memcmp(d, kData0, 16) != 0) return "data segment at 0 damaged";
  if (std::memcmp(d + kData1At, kData1, 16) != 0) return "data segment at 0x11000 damaged";
  auto zero = [&](size_t from, size_t to) {
    return std::memcmp(d + from, kZeros.data(), to - from) == 0;
  };
  if (!zero(16, kData1At) || !zero(kData1At + 16, kInitialBytes)) {
    size_t at = 16;
    while (at < kInitialBytes && (d[at] == 0 || (at >= kData1At && at < kData1At + 16)))
      ++at;
    return "nonzero byte " + std::to_string(d[at]) + " at " + std::to_string(at);
  }
  const uint64_t acc = inst.find_export("acc")->global->value.i64;
  if (acc != kAccInitial) return "global acc is " + std::to_string(acc);
  for (uint32_t addr : {uint32_t{kInitialBytes}, uint32_t{kInitialBytes} + 0x8000,
                        uint32_t{kMaxPages} * 65536 - 4}) {
    auto r = call(m, store, inst, "peek", {Value::i32(addr)});
    if (r.ok() || r.error().code() != ErrorCode::TrapOutOfBoundsMemory)
      return "peek(" + std::to_string(addr) + ") past the initial memory: " + describe(r);
  }
  return "";
}

// What one run found, for the statistics and the cross-tenant bookkeeping.
struct RunReport {
  std::string failure;           // "" when everything was as expected
  const uint8_t* base = nullptr; // the memory reservation the instance used
  bool dirtied = false;          // a bad guest overwrote the data segment at 0
};

// One tenant: a fresh store on the shared pool, an instance from the shared InstancePre
// (with or without checks), one guest of `kind` with inputs from `seed`, every check.
// `before_release`, if given, runs with the reservation's base while the store (so the
// reservation) is still held, however the run ends.
RunReport run_tenant(Shared& sh, Machine& machine, Kind kind, bool checks, uint32_t seed,
                     const std::function<void(const uint8_t*)>& before_release = {}) {
  RunReport rep;
  const KindInfo& k = info(kind);
  auto fail = [&](const std::string& what) {
    rep.failure = std::string(k.name) + (checks ? " (checked)" : " (plain)") + " seed " +
                  std::to_string(seed) + ": " + what;
    return rep;
  };
  runtime::Store store(tenant_limits(), &sh.pool);
  auto inst_r = instantiate(machine, store, sh.pre(checks));
  if (!inst_r.ok()) return fail("instantiate: " + inst_r.error().to_string());
  runtime::Instance& inst = **inst_r;
  rep.base = inst.memories.at(0)->data();
  struct AtExit {
    const std::function<void(const uint8_t*)>& hook;
    const uint8_t* base;
    ~AtExit() {
      if (hook) hook(base);
    }
  } at_exit{before_release, rep.base}; // destroyed before `store`

  if (kind == Kind::Good) {
    // A generous bound so that a stuck guest fails instead of hanging the test.
    runtime::Watchdog::Ticket safety = sh.dog.arm(store, Clock::now() + 60s);
    if (std::string bad = check_pristine(machine, store, inst); !bad.empty())
      return fail("not pristine: " + bad);
    const uint32_t len = 256 + seed % 16128; // within the scratch area 0x1000..0x5000
    const uint32_t depth = (seed >> 8) % 300;
    auto r =
        call(machine, store, inst, "work", {Value::i32(seed), Value::i32(len), Value::i32(depth)});
    if (!r.ok()) return fail("work: " + r.error().to_string());
    const uint64_t want = expected_work(seed, len, depth);
    if ((*r)[0].raw.i64 != want)
      return fail("work returned " + std::to_string((*r)[0].raw.i64) + ", expected " +
                  std::to_string(want));
    if (inst.find_export("acc")->global->value.i64 != want) return fail("global acc not written");
    const uint32_t pages = 1 + (seed >> 4) % 4;
    auto g = call(machine, store, inst, "grow", {Value::i32(pages), Value::i32(seed)});
    if (!g.ok()) return fail("grow: " + g.error().to_string());
    if ((*g)[0].raw.i32 != expected_grow(pages))
      return fail("grow returned " + std::to_string((*g)[0].raw.i32) + ", expected " +
                  std::to_string(expected_grow(pages)) + " (bit 31: grown pages not zero)");
    return rep;
  }

  const Clock::time_point start = Clock::now();
  runtime::Watchdog::Ticket ticket;
  const auto budget = std::chrono::milliseconds(20 + seed % 31);
  if (k.deadline)
    ticket = sh.dog.arm(store, start + budget);
  else if (checks)
    ticket = sh.dog.arm(store, start + 60s); // safety only
  std::thread stopper;
  if (kind == Kind::Interrupted) {
    stopper = std::thread([&store, seed] {
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + seed % 8));
      store.interrupt();
    });
  }
  std::vector<Value> args = {Value::i32(kind == Kind::Recurse ? seed % 64 : seed)};
  auto r = call(machine, store, inst, k.export_name, args);
  const auto took = Clock::now() - start;
  if (stopper.joinable()) stopper.join();
  ticket.disarm();
  if (r.ok() || r.error().code() != k.trap)
    return fail(std::string("expected trap \"") + std::string(error_code_name(k.trap)) +
                "\", got " + describe(r));
  if (machine.backtrace().empty()) return fail("no backtrace");
  if (took > 10s) return fail("took " + std::to_string(took / 1ms) + " ms to stop");
  // How far a guest stopped from outside got depends on the scheduler (a descheduled
  // thread may not start before a 20 ms deadline), so only the others must have got there.
  const bool timed = k.deadline || kind == Kind::Interrupted;
  const uint32_t pages = inst.memories[0]->pages();
  rep.dirtied = inst.memories[0]->data()[0] != kData0[0];
  if (pages > kMaxPages || (kind == Kind::Bomb && pages != kMaxPages))
    return fail("bomb stopped at " + std::to_string(pages) + " pages, not the limit");
  if (!timed && !rep.dirtied) return fail("the bad guest did not dirty memory before failing");
  return rep;
}

// Covers: for every kind of bad guest, on a module with and without stop checks, the
// next tenant on the same thread gets the very reservation the bad guest dirtied (and
// grew), in the same layout (same InstancePre: the pool's prepared fast path) and in the
// other one (the pool's reset path), and finds it pristine: data segments intact, zeros
// elsewhere, the grown pages inaccessible again and zero when grown into, the global
// reset; its results are exact.
TEST(IsolationTest, NextTenantOnADirtiedReservationSeesPristineMemory) {
  Machine machine;
  uint32_t seed = 12345;
  for (size_t ki = 1; ki < kKinds; ++ki) {
    const Kind kind = static_cast<Kind>(ki);
    for (bool bad_checks : {true, false}) {
      if (info(kind).needs_checks && !bad_checks) continue;
      for (bool good_checks : {true, false}) {
        Shared sh; // a pool of its own: the bad guest's reservation is the only one
        ASSERT_TRUE(sh.ok());
        seed = seed * 2654435761u + 1;
        RunReport bad = run_tenant(sh, machine, kind, bad_checks, seed);
        EXPECT_EQ(bad.failure, "");
        ASSERT_EQ(sh.pool.idle(), 1u) << info(kind).name;
        RunReport good = run_tenant(sh, machine, Kind::Good, good_checks, seed ^ 0x5a5a5a5a);
        EXPECT_EQ(good.failure, "") << "after " << info(kind).name;
        EXPECT_EQ(good.base, bad.base) << "the pool did not hand the reservation on";
        // And once more, after a good guest dirtied it.
        RunReport again = run_tenant(sh, machine, Kind::Good, !good_checks, seed + 7);
        EXPECT_EQ(again.failure, "") << "after good after " << info(kind).name;
        EXPECT_EQ(again.base, bad.base);
      }
    }
  }
}

// Covers: 4 threads x 300 tenants each, concurrently, every kind of guest chosen by a
// seeded stream, all sharing two InstancePres, one MemoryPool and one Watchdog: every
// good result is exact and starts from pristine memory, every bad guest fails with its
// own trap (deadline, interrupt, call stack, unreachable after a memory bomb, out of
// bounds, divide by zero, undefined element), every deadline fires exactly once, and
// good guests regularly land on reservations a bad guest dirtied just before.
TEST(IsolationTest, ConcurrentGoodAndBadTenantsStayIsolated) {
  constexpr int kThreads = 4;
  constexpr int kIterations = 300;
  Shared sh;
  ASSERT_TRUE(sh.ok());

  // Which kind last used each reservation (written while the reservation is still held,
  // so the next holder reads it after the pool handed it on).
  std::mutex last_mutex;
  std::map<const uint8_t*, Kind> last_user;

  struct PerThread {
    std::vector<std::string> failures;
    std::array<uint32_t, kKinds> runs{};
    std::array<uint32_t, kKinds> good_after{}; // good guests on a reservation this kind dirtied
    uint32_t deadlines = 0;
    uint32_t timed = 0, timed_dirtied = 0; // stopped from outside; of those, got to write
  };
  std::vector<PerThread> results(kThreads);
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      PerThread& out = results[t];
      Machine machine; // one per thread
      Rng rng{0xC0FFEEull * (t + 1)};
      for (int i = 0; i < kIterations; ++i) {
        const uint64_t x = rng.next();
        // About half good guests, the rest spread over the bad kinds.
        const Kind kind = (x & 1) ? Kind::Good : static_cast<Kind>(1 + (x >> 1) % (kKinds - 1));
        const bool checks = info(kind).needs_checks || ((x >> 8) & 1);
        const auto seed = static_cast<uint32_t>(x >> 32);
        auto bookkeeping = [&](const uint8_t* base) {
          std::lock_guard lock(last_mutex);
          auto it = last_user.find(base);
          if (kind == Kind::Good && it != last_user.end() && it->second != Kind::Good)
            ++out.good_after[static_cast<size_t>(it->second)];
          last_user[base] = kind;
        };
        RunReport rep = run_tenant(sh, machine, kind, checks, seed, bookkeeping);
        ++out.runs[static_cast<size_t>(kind)];
        if (info(kind).deadline) ++out.deadlines;
        if (info(kind).deadline || kind == Kind::Interrupted) {
          ++out.timed;
          out.timed_dirtied += rep.dirtied;
        }
        if (!rep.failure.empty()) out.failures.push_back(rep.failure);
      }
    });
  }
  for (auto& th : threads)
    th.join();
  const auto took = Clock::now() - start;

  std::array<uint32_t, kKinds> runs{}, good_after{};
  uint32_t deadlines = 0, timed = 0, timed_dirtied = 0;
  size_t failures = 0;
  for (const PerThread& r : results) {
    for (const std::string& f : r.failures)
      ADD_FAILURE() << f;
    failures += r.failures.size();
    for (size_t k = 0; k < kKinds; ++k) {
      runs[k] += r.runs[k];
      good_after[k] += r.good_after[k];
    }
    deadlines += r.deadlines;
    timed += r.timed;
    timed_dirtied += r.timed_dirtied;
  }
  std::cout << "[ tenants  ] " << kThreads * kIterations << " runs in " << took / 1ms << " ms, "
            << failures << " failures; pool idle " << sh.pool.idle() << "; " << timed_dirtied
            << " of " << timed << " guests stopped from outside had dirtied memory\n";
  for (size_t k = 0; k < kKinds; ++k)
    std::cout << "[ tenants  ]   " << info(static_cast<Kind>(k)).name << ": " << runs[k]
              << " runs, " << good_after[k] << " good tenants after it on its reservation\n";
  for (size_t k = 0; k < kKinds; ++k)
    EXPECT_GT(runs[k], 0u) << info(static_cast<Kind>(k)).name;
  uint32_t good_after_bad = 0;
  for (size_t k = 1; k < kKinds; ++k)
    good_after_bad += good_after[k];
  EXPECT_GT(good_after_bad, 0u) << "no good tenant ever reused a reservation a bad one dirtied";
  EXPECT_EQ(sh.dog.fired(), deadlines) << "every deadline fires once, no safety deadline fires";
  EXPECT_LT(took, 120s);
}

} // namespace
} // namespace skiff::engine::interp
