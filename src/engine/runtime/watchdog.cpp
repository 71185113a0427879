#include "engine/runtime/watchdog.h"

#include <algorithm>

#include "engine/runtime/store.h"
#include "platform/thread.h"

namespace skiff::engine::runtime {

namespace {

// With nothing pending the thread still looks again after a while rather than sleep
// until woken: deadlines armed meanwhile further out than that need no wake-up.
constexpr auto kIdleRecheck = std::chrono::milliseconds(100);
constexpr Watchdog::Clock::rep kLooking = Watchdog::Clock::time_point::max().time_since_epoch().count();

}  // namespace

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void Watchdog::start_locked() {
  if (m_thread.joinable()) return;
  m_thread = std::thread([this] {
    platform::set_thread_name("skiff-watchdog");
    if (m_thread_start) m_thread_start();
    run();
  });
  m_started.store(true, std::memory_order_release);
}

void Watchdog::wake() {
  {
    std::lock_guard lock(m_mutex);
    m_look_again = true;
  }
  m_wake.notify_one();
}

Watchdog::Ticket Watchdog::arm(Store& store, Clock::time_point deadline) {
  Ticket::Key key;
  bool sooner;
  {
    std::lock_guard lock(m_mutex);
    key = {deadline, m_next_id++};
    m_pending.emplace(key, &store);
    start_locked();
    // The thread holds the lock while it looks, so it is asleep now, until this.
    sooner = deadline.time_since_epoch().count() < m_sleep_until.load(std::memory_order_relaxed);
    if (sooner) m_look_again = true;
  }
  if (sooner) m_wake.notify_one();
  return Ticket(this, key);
}

uint64_t Watchdog::fired() const {
  std::lock_guard lock(m_mutex);
  return m_fired;
}

uint64_t Watchdog::wakeups() const {
  std::lock_guard lock(m_mutex);
  return m_wakeups;
}

Watchdog::Clock::time_point Watchdog::fire_due(Clock::time_point now) {
  Clock::time_point next = Clock::time_point::max();
  while (!m_pending.empty()) {
    auto first = m_pending.begin();
    if (first->first.first > now) {
      next = first->first.first;
      break;
    }
    first->second->interrupt(StopReason::Deadline);
    m_pending.erase(first);
    ++m_fired;
  }
  uint64_t arms = 0;
  Clock::duration shortest = Clock::duration::max();
  for (Lane* lane : m_lanes) {
    std::lock_guard lock(lane->m_mutex);
    arms += lane->m_arms;
    if (lane->m_arms) shortest = std::min(shortest, lane->m_span);
    if (!lane->m_store) continue;
    if (lane->m_deadline <= now) {
      lane->m_store->interrupt(StopReason::Deadline);  // under the lane's lock: the store is alive
      lane->m_store = nullptr;
      ++m_fired;
    } else {
      next = std::min(next, lane->m_deadline);
    }
  }
  // Lanes armed since the last look will likely be armed again, for about as long: a
  // look within that span means their next arms land after it and wake nobody. Once
  // they stop, so does this.
  // (No lane armed since it was made, or spans past the idle recheck: nothing to add,
  // and no time_point arithmetic near its limits.)
  if (arms != m_lane_arms) {
    m_lane_arms = arms;
    if (shortest < kIdleRecheck)
      next = std::min(next, now + std::max<Clock::duration>(shortest, std::chrono::microseconds(100)));
  }
  return next == Clock::time_point::max() ? now + kIdleRecheck : next;
}

bool Watchdog::lane_due_before(Clock::time_point t) {
  for (Lane* lane : m_lanes) {
    std::lock_guard lock(lane->m_mutex);
    if (lane->m_store && lane->m_deadline < t) return true;
  }
  return false;
}

void Watchdog::run() {
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    m_look_again = false;
    Clock::time_point next;
    do {
      // A lane arm that reads kLooking does not wake the thread: the look below, or the
      // second pass after `next` is published, sees that lane's new deadline (each pass
      // takes the lane's lock after the store, and the arm reads after its own unlock).
      m_sleep_until.store(kLooking, std::memory_order_relaxed);
      next = fire_due(Clock::now());
      m_sleep_until.store(next.time_since_epoch().count(), std::memory_order_relaxed);
    } while (lane_due_before(next));
    m_wake.wait_until(lock, next, [this] { return m_look_again || m_stopping; });
    ++m_wakeups;
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

Watchdog::Lane::Lane(Watchdog& dog) : m_dog(dog) {
  std::lock_guard lock(dog.m_mutex);
  dog.m_lanes.push_back(this);
}

Watchdog::Lane::~Lane() {
  disarm();
  std::lock_guard lock(m_dog.m_mutex);  // not while the thread looks at this lane
  std::erase(m_dog.m_lanes, this);
}

void Watchdog::Lane::arm(Store& store, Clock::time_point deadline) {
  const Clock::time_point now = Clock::now();
  {
    std::lock_guard lock(m_mutex);
    m_store = &store;
    m_deadline = deadline;
    m_span = deadline > now ? deadline - now : Clock::duration::zero();  // no overflow at min()
    ++m_arms;
  }
  if (!m_dog.m_started.load(std::memory_order_acquire)) {
    std::lock_guard lock(m_dog.m_mutex);
    m_dog.start_locked();
  }
  // Wakes the thread only if it sleeps past this deadline; while it looks, it sees this
  // arm by itself (run()).
  const Clock::rep sleep_until = m_dog.m_sleep_until.load(std::memory_order_relaxed);
  if (sleep_until != kLooking && deadline.time_since_epoch().count() < sleep_until) m_dog.wake();
}

void Watchdog::Lane::disarm() {
  std::lock_guard lock(m_mutex);
  m_store = nullptr;
}

}  // namespace skiff::engine::runtime
