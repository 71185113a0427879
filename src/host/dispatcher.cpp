#include "host/dispatcher.h"

#include "host/sandbox.h"
#include "platform/thread.h"

namespace skiff::host {

uint32_t Dispatcher::Gate::active() const {
  std::lock_guard lock(m_mutex);
  return m_active;
}

uint32_t Dispatcher::Gate::queued() const {
  std::lock_guard lock(m_mutex);
  return static_cast<uint32_t>(m_waiting.size());
}

Dispatcher::Dispatcher(unsigned workers, engine::runtime::MemoryPool& pool, engine::runtime::Watchdog& watchdog)
    : m_pool(pool), m_watchdog(watchdog) {
  if (workers == 0) workers = 1;
  m_threads.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) m_threads.emplace_back([this, i] { work(i); });
}

Dispatcher::~Dispatcher() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  for (std::thread& t : m_threads) t.join();
}

Dispatcher::Admit Dispatcher::submit(Gate& gate, Job job) {
  {
    std::lock_guard lock(gate.m_mutex);
    if (gate.m_active >= gate.m_max_concurrent || gate.m_on_workers >= gate.m_max_workers) {
      if (gate.m_waiting.size() >= gate.m_max_queue) return Admit::Rejected;
      gate.m_waiting.push_back(std::move(job));
      return Admit::Queued;
    }
    ++gate.m_active;
    ++gate.m_on_workers;
  }
  enqueue({&gate, std::move(job)});
  return Admit::Running;
}

bool Dispatcher::try_enter(Gate& gate) {
  std::lock_guard lock(gate.m_mutex);
  if (gate.m_active >= gate.m_max_concurrent || !gate.m_waiting.empty()) return false;
  ++gate.m_active;
  return true;
}

void Dispatcher::leave(Gate& gate) { release(gate, false); }

void Dispatcher::release(Gate& gate, bool on_worker) {
  std::deque<Job> dropped;  // destroyed last, outside the lock
  Job next;
  {
    std::lock_guard lock(gate.m_mutex);
    if (on_worker) --gate.m_on_workers;
    if (m_abandon.load(std::memory_order_relaxed)) dropped.swap(gate.m_waiting);
    if (gate.m_waiting.empty() || gate.m_on_workers >= gate.m_max_workers) {
      // Nothing waits, or the app has its share of the workers: a worker run ending
      // later passes its slot on.
      --gate.m_active;
      return;
    }
    next = std::move(gate.m_waiting.front());
    gate.m_waiting.pop_front();
    ++gate.m_on_workers;
  }
  enqueue({&gate, std::move(next)});
}

void Dispatcher::abandon_queued() {
  std::deque<Task> dropped;
  {
    std::lock_guard lock(m_mutex);
    m_abandon.store(true, std::memory_order_relaxed);
    dropped.swap(m_ready);
  }
  for (Task& t : dropped) {
    t.job = nullptr;
    release(*t.gate, true);  // gives the slot back; the gate's queue is dropped too
  }
}

void Dispatcher::enqueue(Task t) {
  {
    std::lock_guard lock(m_mutex);
    m_ready.push_back(std::move(t));
  }
  m_cv.notify_one();
}

void Dispatcher::work(unsigned) {
  platform::set_thread_name("skiff-worker");
  Sandbox sandbox(m_pool, m_watchdog);
  for (;;) {
    Task t;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait(lock, [&] { return m_stop || !m_ready.empty(); });
      if (m_ready.empty()) return;  // stopping, and nothing left
      t = std::move(m_ready.front());
      m_ready.pop_front();
    }
    t.job(sandbox);
    t.job = nullptr;
    release(*t.gate, true);  // the app's slot passes to its next waiting request, if any
  }
}

}  // namespace skiff::host
