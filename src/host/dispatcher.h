#pragma once
// Where requests run: a fixed set of worker threads, each with a Sandbox of its own, and
// per-app admission in front of them. An app runs at most `max_concurrent` requests at
// once; past that up to `max_queue` wait in the app's own queue (FIFO), and past that
// submit() says Rejected so the server answers 503 instead of piling up work. One app
// at its cap never takes workers from the others beyond its `max_concurrent`, and with
// a worker cap (the server sets workers - 1 when it serves several apps) never holds
// every worker: a slow app's extra requests wait in its own queue while the other apps
// still find a worker.
//
// The server runs short requests on its io threads (try_enter/leave: no hand-off, no
// context switch) and everything else on the workers, so a slow guest never stalls the
// connections of other apps for long (server.cpp decides which is which).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/runtime/memory_pool.h"
#include "engine/runtime/watchdog.h"

namespace skiff::host {

class Sandbox;

class Dispatcher {
 public:
  using Job = std::function<void(Sandbox&)>;

  // One app's admission state. Created by the server per app.
  class Gate {
   public:
    // `max_workers`: at most this many of its requests on workers at once.
    Gate(uint32_t max_concurrent, uint32_t max_queue, uint32_t max_workers = UINT32_MAX)
        : m_max_concurrent(max_concurrent), m_max_queue(max_queue), m_max_workers(max_workers) {}
    uint32_t active() const;
    uint32_t queued() const;

   private:
    friend class Dispatcher;
    mutable std::mutex m_mutex;
    uint32_t m_max_concurrent, m_max_queue, m_max_workers;
    uint32_t m_active = 0;      // running, on workers or inline
    uint32_t m_on_workers = 0;  // of those, on workers
    std::deque<Job> m_waiting;
  };

  enum class Admit : uint8_t { Running, Queued, Rejected };

  Dispatcher(unsigned workers, engine::runtime::MemoryPool& pool, engine::runtime::Watchdog& watchdog);
  // Runs what is queued or running to the end (what abandon_queued left), then joins the
  // workers.
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Rejected: `job` was not taken (it is not run and is destroyed).
  Admit submit(Gate& gate, Job job);
  // For running a request on the calling thread (an io thread, for an app whose
  // requests are short): takes one of the gate's slots if one is free and nobody is
  // waiting. After the run, leave() gives the slot back, or passes it to the gate's next
  // waiting request, which then runs on a worker.
  bool try_enter(Gate& gate);
  void leave(Gate& gate);
  unsigned workers() const { return static_cast<unsigned>(m_threads.size()); }
  // Shutdown after a drain that timed out: requests still waiting (in an app's queue or
  // for a worker) are dropped, never run; those running finish. Their jobs are
  // destroyed on the calling thread.
  void abandon_queued();

 private:
  struct Task {
    Gate* gate;
    Job job;
  };
  void work(unsigned index);
  void enqueue(Task t);
  // A run ends (on a worker or inline): the slot passes to the gate's next waiting
  // request if it may run on a worker now, else it is given back.
  void release(Gate& gate, bool on_worker);

  engine::runtime::MemoryPool& m_pool;
  engine::runtime::Watchdog& m_watchdog;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<Task> m_ready;
  bool m_stop = false;
  std::atomic<bool> m_abandon{false};
  std::vector<std::thread> m_threads;
};

}  // namespace skiff::host
