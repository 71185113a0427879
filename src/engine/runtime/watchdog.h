#pragma once
// Watchdog: turns wall-clock deadlines into Store::interrupt(StopReason::Deadline), so a
// guest that runs too long traps with "deadline exceeded" at its next loop head or
// function entry (code compiled interruptible, interp::CodeOptions). One thread serves
// every deadline; it starts with the first arm() and ends with the watchdog. Arming and
// disarming are a map insert/erase under a mutex, once per run or request, never per
// instruction.
//
//   runtime::Watchdog dog;
//   auto ticket = dog.arm(store, Watchdog::Clock::now() + 2s);
//   machine.call(...);   // traps TrapDeadline if still running after 2 s
//   // ~ticket disarms; store.clear_interrupt() before reusing a store that was stopped

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace skiff::engine::runtime {

class Store;

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  Watchdog() = default;
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

  // Interrupts `store` with StopReason::Deadline at `deadline` unless the ticket is
  // gone by then. The store must outlive the ticket.
  Ticket arm(Store& store, Clock::time_point deadline);

  // Deadlines fired so far (for tests and metrics).
  uint64_t fired() const;

 private:
  void run();

  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::map<Ticket::Key, Store*> m_pending;  // by deadline, then arming order
  uint64_t m_next_id = 0;
  uint64_t m_fired = 0;
  // When the thread wakes next by itself. arm() wakes it only for a deadline before
  // that, so a stream of requests with the same timeout costs no wake-ups.
  Clock::time_point m_sleep_until = Clock::time_point::min();
  bool m_stopping = false;
  std::thread m_thread;
};

}  // namespace skiff::engine::runtime
