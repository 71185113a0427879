#pragma once
// TierUp: background compilation for `--tier auto`. A queued module keeps running in
// the interpreter until the LLVM tier's code for it is attached (attach_native swaps
// it in while it runs). One worker thread, started on the first enqueue, compiles the
// modules in order -- each compile is itself parallel for big modules -- through the
// cache. Destruction drops what has not started and cancels the compile in flight, so
// a short program or a server shutting down never waits for the compiler.
//
// Hot functions first: a module whose whole compile takes long (Policy::min_code_bytes
// of code or more), translated with CodeOptions::profile and not in the cache, runs for
// Policy::window in the interpreter; its hottest functions (entries plus loop
// iterations, at least Policy::hot_count; small ones, up to Policy::hot_code_bytes of
// code) are compiled and attached first, then the whole module replaces them. Big
// modules compile on one thread fewer than the cores, leaving one to the program.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/interp/interpreter.h"

namespace skiff::engine::interp {

struct TierUpPolicy {
  uint64_t min_code_bytes = 128 * 1024;  // smaller modules compile whole at once
  std::chrono::milliseconds window{50};
  uint32_t hot_count = 1000;
  // What goes in the first compile, which must be short to pay: a big function takes
  // superlinear time (SQLite's 53 KB interpreter loop alone: 3.7 s), so it waits for the
  // whole module's compile.
  uint64_t hot_max_function_bytes = 8 * 1024;
  uint64_t hot_code_bytes = 128 * 1024;
  // Below this much code a module compiles in one partition (llvm_tier::kParallelCodeBytes).
  uint64_t parallel_code_bytes = 64 * 1024;
};

class TierUp {
 public:
  using Policy = TierUpPolicy;

  // Called on the worker thread with the outcome of each compile attached or failed (a
  // hot-first module gets two calls, the hot functions' and the whole module's).
  using Done = std::function<void(const Result<native::CompileReport>&)>;

  explicit TierUp(NativeOptions opts, Policy policy = {});
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
  // Compiles job's module (hot functions first where that pays); the lock is held on
  // entry and exit, released while compiling and waiting.
  void compile(Job& job, std::unique_lock<std::mutex>& lock);

  NativeOptions m_opts;
  Policy m_policy;
  native::CompileCancel m_cancel;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<Job> m_queue;
  bool m_busy = false;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace skiff::engine::interp
