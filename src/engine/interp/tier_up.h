#pragma once
// TierUp: background compilation for `--tier auto`. A queued module keeps running in
// the interpreter until the LLVM tier's code for it is attached (attach_native swaps
// it in while it runs). One worker thread, started on the first enqueue, compiles the
// modules in order -- each compile is itself parallel for big modules -- through the
// cache. Destruction drops what has not started and cancels the compile in flight, so
// a short program or a server shutting down never waits for the compiler.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/interp/interpreter.h"

namespace skiff::engine::interp {

class TierUp {
 public:
  // Called on the worker thread with each compile's outcome (may be empty).
  using Done = std::function<void(const Result<native::CompileReport>&)>;

  explicit TierUp(NativeOptions opts);
  ~TierUp();
  TierUp(const TierUp&) = delete;
  TierUp& operator=(const TierUp&) = delete;

  void enqueue(std::shared_ptr<const CompiledModule> module, Done done = {});
  // Blocks until every queued module is compiled (or failed).
  void wait_idle();

 private:
  struct Job {
    std::shared_ptr<const CompiledModule> module;
    Done done;
  };
  void run();

  NativeOptions m_opts;
  native::CompileCancel m_cancel;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<Job> m_queue;
  bool m_busy = false;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace skiff::engine::interp
