#include "engine/interp/tier_up.h"

namespace skiff::engine::interp {

TierUp::TierUp(NativeOptions opts) : m_opts(std::move(opts)) { m_opts.cancel = &m_cancel; }

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
  if (!m_thread.joinable()) m_thread = std::thread([this] { run(); });
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
    lock.unlock();
    // A failed compile leaves the module in the interpreter, which is always correct.
    Result<native::CompileReport> r = compile_native(*job.module, m_opts);
    if (job.done) job.done(r);
    job = {};
    lock.lock();
    m_busy = false;
    m_cv.notify_all();
  }
}

}  // namespace skiff::engine::interp
