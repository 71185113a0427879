#include "engine/interp/tier_up.h"

#include <algorithm>

#include "platform/thread.h"

namespace skiff::engine::interp {

TierUp::TierUp(NativeOptions opts, Policy policy) : m_opts(std::move(opts)), m_policy(policy) {
  m_opts.cancel = &m_cancel;
}

TierUp::~TierUp() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
    m_queue.clear();
  }
  m_cancel.cancel();
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void TierUp::enqueue(std::shared_ptr<const CompiledModule> module, Done done) {
  std::lock_guard lock(m_mutex);
  if (m_stop) return;
  m_queue.push_back(Job{std::move(module), std::move(done)});
  if (!m_thread.joinable()) m_thread = std::thread([this] {
    platform::set_thread_name("skiff-tier-up");
    run();
  });
  m_cv.notify_all();
}

void TierUp::wait_idle() {
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [&] { return m_stop || (m_queue.empty() && !m_busy); });
}

void TierUp::run() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_cv.wait(lock, [&] { return m_stop || !m_queue.empty(); });
    if (m_stop) return;
    Job job = std::move(m_queue.front());
    m_queue.pop_front();
    m_busy = true;
    compile(job, lock);
    lock.unlock();
    job = {};
    lock.lock();
    m_busy = false;
    m_cv.notify_all();
  }
}

void TierUp::compile(Job& job, std::unique_lock<std::mutex>& lock) {
  const CompiledModule& m = *job.module;
  const ir::Module& wm = m.module();
  uint64_t code_bytes = 0;
  for (const ir::FuncBody& b : wm.codes) code_bytes += b.body.size;
  lock.unlock();
  // The program runs meanwhile: leave it a core. Small modules stay in one partition,
  // as the compiler itself decides (parallel_code_bytes).
  NativeOptions opts = m_opts;
  if (opts.partitions == 0) {
    const unsigned cores = std::thread::hardware_concurrency();
    opts.partitions = code_bytes >= m_policy.parallel_code_bytes && cores > 2 ? std::min(cores - 1, 8u) : 1;
  }
  // Outcomes after destruction began are not news.
  auto report = [&](const Result<native::CompileReport>& r) {
    if (job.done && !m_cancel.cancelled()) job.done(r);
  };
  if (m.code_options().profile && code_bytes >= m_policy.min_code_bytes) {
    NativeOptions probe = opts;
    probe.cached_only = true;
    if (Result<native::CompileReport> r = compile_native(m, probe)) {
      report(r);
      lock.lock();
      return;
    }
    lock.lock();
    if (m_cv.wait_for(lock, m_policy.window, [&] { return m_stop; })) return;
    lock.unlock();
    NativeOptions hot = opts;
    hot.partitions = 1;
    uint64_t hot_bytes = 0;
    for (uint32_t i : m.hot_functions(m_policy.hot_count)) {
      const uint64_t size = wm.codes[i].body.size;
      if (size > m_policy.hot_max_function_bytes || hot_bytes + size > m_policy.hot_code_bytes) continue;
      hot_bytes += size;
      hot.only.push_back(i);
    }
    if (!hot.only.empty()) {
      Result<native::CompileReport> r = compile_native(m, hot);
      report(r);
      if (!r) {  // no compiler, or cancelled: the whole module would fare no better
        lock.lock();
        return;
      }
    }
  }
  // A failed compile leaves the module in the interpreter, which is always correct.
  report(compile_native(m, opts));
  lock.lock();
}

}  // namespace skiff::engine::interp
