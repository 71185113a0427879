#pragma once
// Watchdog: turns wall-clock deadlines into Store::interrupt(StopReason::Deadline), so a
// guest that runs too long traps with "deadline exceeded" at its next loop head or
// function entry (code compiled interruptible, interp::CodeOptions). One thread serves
// every deadline; it starts with the first arm and ends with the watchdog. Nothing is
// done per instruction.
//
// Two ways to arm:
//   - a Ticket, for any number of stores from any thread: a map insert and erase under
//     the watchdog's lock;
//     auto ticket = dog.arm(store, Watchdog::Clock::now() + 2s);
//     machine.call(...);   // traps TrapDeadline if still running after 2 s
//     // ~ticket disarms; store.clear_interrupt() before reusing a store that was stopped
//   - a Lane, for a thread that runs one store at a time (a server's loop or worker):
//     arming and disarming allocate nothing and take only the lane's own lock, which the
//     watchdog's thread shares only while it looks, so requests on other threads never
//     wait on each other, and a stream of short requests wakes the thread about once
//     per deadline's length rather than once per request.
//     Watchdog::Lane lane(dog);   // once per thread
//     lane.arm(store, deadline); machine.call(...); lane.disarm();

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace skiff::engine::runtime {

class Store;

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  Watchdog() = default;
  // `thread_start` runs first on the watchdog's thread: a server whose io threads run in
  // real time raises this thread above them there, or a guest they run inline could
  // keep it from firing the deadline that stops that guest.
  explicit Watchdog(std::function<void()> thread_start) : m_thread_start(std::move(thread_start)) {}
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // A pending deadline; destroying (or disarm()ing) it cancels the deadline if it has
  // not fired. Must not outlive its watchdog.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& o) noexcept : m_dog(std::exchange(o.m_dog, nullptr)), m_key(o.m_key) {}
    Ticket& operator=(Ticket&& o) noexcept;
    ~Ticket() { disarm(); }
    void disarm();

   private:
    friend class Watchdog;
    using Key = std::pair<Clock::time_point, uint64_t>;
    Ticket(Watchdog* dog, Key key) : m_dog(dog), m_key(key) {}
    Watchdog* m_dog = nullptr;
    Key m_key{};
  };

  // One deadline at a time for one thread's stores. Must not outlive its watchdog.
  class Lane {
   public:
    explicit Lane(Watchdog& dog);
    ~Lane();
    Lane(const Lane&) = delete;
    Lane& operator=(const Lane&) = delete;

    // Interrupts `store` at `deadline` unless disarmed (or armed again) first; replaces
    // any deadline armed before. The store must stay alive until disarm().
    void arm(Store& store, Clock::time_point deadline);
    void disarm();

   private:
    friend class Watchdog;
    Watchdog& m_dog;
    std::mutex m_mutex;  // the owner's thread and the watchdog's, never another lane's
    Store* m_store = nullptr;  // armed while set
    Clock::time_point m_deadline{};
    Clock::duration m_span{};  // the last deadline's distance from its arming
    uint64_t m_arms = 0;
  };

  // Interrupts `store` with StopReason::Deadline at `deadline` unless the ticket is
  // gone by then. The store must outlive the ticket.
  Ticket arm(Store& store, Clock::time_point deadline);

  // Deadlines fired so far (for tests and metrics).
  uint64_t fired() const;
  // Times the thread has woken, for whatever reason (for tests: how often short
  // deadlines that never fire cost a wake-up).
  uint64_t wakeups() const;

 private:
  // Fires what is due and returns when the thread should look again.
  Clock::time_point fire_due(Clock::time_point now);
  bool lane_due_before(Clock::time_point t);  // a lane is armed for before `t`
  void start_locked();
  void wake();  // the thread looks again now
  void run();

  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::map<Ticket::Key, Store*> m_pending;  // by deadline, then arming order
  std::vector<Lane*> m_lanes;
  uint64_t m_next_id = 0;
  uint64_t m_fired = 0;
  uint64_t m_wakeups = 0;
  uint64_t m_lane_arms = 0;  // the lanes' arms counted at the last look
  bool m_look_again = false;
  bool m_stopping = false;
  std::atomic<bool> m_started{false};
  // When the thread looks next by itself, in Clock ticks; the maximum while it is
  // looking. A lane arm wakes it only for a deadline before that.
  std::atomic<Clock::rep> m_sleep_until{Clock::time_point::max().time_since_epoch().count()};
  std::function<void()> m_thread_start;
  std::thread m_thread;
};

}  // namespace skiff::engine::runtime
