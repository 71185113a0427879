#include "engine/runtime/watchdog.h"

#include "engine/runtime/store.h"

namespace skiff::engine::runtime {

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

Watchdog::Ticket Watchdog::arm(Store& store, Clock::time_point deadline) {
  Ticket::Key key;
  bool sooner;
  {
    std::lock_guard lock(m_mutex);
    key = {deadline, m_next_id++};
    m_pending.emplace(key, &store);
    sooner = deadline < m_sleep_until;
    if (!m_thread.joinable()) m_thread = std::thread([this] { run(); });
  }
  if (sooner) m_wake.notify_all();  // the thread is sleeping towards a later time
  return Ticket(this, key);
}

uint64_t Watchdog::fired() const {
  std::lock_guard lock(m_mutex);
  return m_fired;
}

void Watchdog::run() {
  std::unique_lock lock(m_mutex);
  // With nothing pending the thread still looks again after a while rather than sleep
  // until woken: deadlines armed meanwhile further out than that need no wake-up.
  constexpr auto kIdleRecheck = std::chrono::milliseconds(100);
  while (!m_stopping) {
    if (m_pending.empty()) {
      m_sleep_until = Clock::now() + kIdleRecheck;
      m_wake.wait_until(lock, m_sleep_until);
      continue;
    }
    auto first = m_pending.begin();
    // A copy: wait_until reads its deadline again after waking, and a disarm() while
    // the lock is released may have erased the entry (and its key) by then.
    const Clock::time_point deadline = first->first.first;
    if (Clock::now() < deadline) {
      m_sleep_until = deadline;
      m_wake.wait_until(lock, deadline);
      continue;  // woken early: a new earliest deadline, a disarm, or the end
    }
    first->second->interrupt(StopReason::Deadline);
    m_pending.erase(first);
    ++m_fired;
  }
}

Watchdog::Ticket& Watchdog::Ticket::operator=(Ticket&& o) noexcept {
  if (this != &o) {
    disarm();
    m_dog = std::exchange(o.m_dog, nullptr);
    m_key = o.m_key;
  }
  return *this;
}

void Watchdog::Ticket::disarm() {
  if (!m_dog) return;
  std::lock_guard lock(m_dog->m_mutex);
  m_dog->m_pending.erase(m_key);
  m_dog = nullptr;
}

}  // namespace skiff::engine::runtime
