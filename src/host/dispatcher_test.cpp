// Covers: Dispatcher admission -- an app's worker share (a gate with max_workers 1 on two
// workers runs one job, queues the next, and another app's job still runs at once; the
// queued one runs when the first ends); abandon_queued drops what waits (in a gate's queue
// and for a worker) without running it, while what runs finishes. Jobs here block on a
// latch the test opens, so nothing depends on timing.

#include "host/dispatcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace skiff::host {
namespace {

struct Latch {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = false;
  void release() {
    {
      std::lock_guard lock(mutex);
      open = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return open; });
  }
};

// Counts how many jobs started and finished, and lets the test wait for a count.
struct Tally {
  std::mutex mutex;
  std::condition_variable cv;
  int started = 0, finished = 0;
  void bump(int& n) {
    {
      std::lock_guard lock(mutex);
      ++n;
    }
    cv.notify_all();
  }
  bool wait_for(int& n, int want) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return n >= want; });
  }
};

Dispatcher::Job blocking(Latch& latch, Tally& tally) {
  return [&latch, &tally](Sandbox&) {
    tally.bump(tally.started);
    latch.wait();
    tally.bump(tally.finished);
  };
}

struct Fixture {
  engine::runtime::MemoryPool pool;
  engine::runtime::Watchdog watchdog;
};

TEST(Dispatcher, AnAppHoldsAtMostItsShareOfTheWorkers) {
  Fixture f;
  Latch slow, other;
  Tally a, b;
  Dispatcher::Gate gate_a(16, 16, /*max_workers=*/1), gate_b(16, 16, 1);  // outlive the workers
  Dispatcher d(2, f.pool, f.watchdog);
  EXPECT_EQ(d.submit(gate_a, blocking(slow, a)), Dispatcher::Admit::Running);
  EXPECT_EQ(d.submit(gate_a, blocking(slow, a)), Dispatcher::Admit::Queued);  // its share is taken
  EXPECT_EQ(gate_a.queued(), 1u);
  ASSERT_TRUE(a.wait_for(a.started, 1));
  EXPECT_EQ(d.submit(gate_b, blocking(other, b)), Dispatcher::Admit::Running);
  ASSERT_TRUE(b.wait_for(b.started, 1)) << "the other app found the second worker";
  other.release();
  ASSERT_TRUE(b.wait_for(b.finished, 1));
  slow.release();  // the first of A ends; its slot passes to A's queued one
  ASSERT_TRUE(a.wait_for(a.finished, 2));
  // A slot is given back just after its job returns.
  for (int i = 0; i < 3000 && gate_a.active() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(gate_a.active(), 0u);
  EXPECT_EQ(gate_a.queued(), 0u);
}

TEST(Dispatcher, AbandonQueuedDropsWhatWaitsAndFinishesWhatRuns) {
  Fixture f;
  Latch latch;
  Tally t;
  auto destroyed = std::make_shared<std::atomic<int>>(0);
  struct Guard {
    std::shared_ptr<std::atomic<int>> n;
    ~Guard() {
      if (n) n->fetch_add(1);
    }
  };
  {
    Dispatcher::Gate gate(1, 8);  // outlives the worker
    Dispatcher d(1, f.pool, f.watchdog);
    EXPECT_EQ(d.submit(gate, blocking(latch, t)), Dispatcher::Admit::Running);
    ASSERT_TRUE(t.wait_for(t.started, 1));
    for (int i = 0; i < 3; ++i) {
      auto guard = std::make_shared<Guard>();
      guard->n = destroyed;
      EXPECT_EQ(d.submit(gate, [guard, &t](Sandbox&) { t.bump(t.started); }), Dispatcher::Admit::Queued);
    }
    d.abandon_queued();
    latch.release();
    ASSERT_TRUE(t.wait_for(t.finished, 1));
  }  // ~Dispatcher joins the worker
  EXPECT_EQ(t.started, 1) << "the queued jobs never ran";
  EXPECT_EQ(destroyed->load(), 3) << "and were destroyed";
}

}  // namespace
}  // namespace skiff::host
