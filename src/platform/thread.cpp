#include "platform/thread.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>
#include <string>
#include <thread>

namespace skiff::platform {

namespace {

Result<void> set_policy(int policy, int priority) {
  sched_param p{};
  p.sched_priority = priority;
  // pthread_setschedparam, not sched_setscheduler(0): the latter means the process's
  // main thread in POSIX terms; glibc's pthread call sets exactly the calling thread.
  if (int e = pthread_setschedparam(pthread_self(), policy, &p); e != 0) {
    std::string why = "real-time scheduling (SCHED_FIFO, priority " + std::to_string(priority) + "): " + std::strerror(e);
    if (e == EPERM) why += " (it needs CAP_SYS_NICE, or an RLIMIT_RTPRIO of at least " + std::to_string(priority) + ")";
    return Error(ErrorCode::IoError, kNoOffset, std::move(why));
  }
  return ok();
}

}  // namespace

void set_thread_name(std::string_view name) {
  char buf[16] = {};  // the kernel keeps 15 bytes and a NUL
  std::memcpy(buf, name.data(), std::min(name.size(), sizeof buf - 1));
  pthread_setname_np(pthread_self(), buf);
}

Result<void> enter_realtime(int priority) {
  if (priority < sched_get_priority_min(SCHED_FIFO) || priority > sched_get_priority_max(SCHED_FIFO))
    return Error(ErrorCode::InvalidArgument, kNoOffset,
                 "real-time priority " + std::to_string(priority) + " is outside 1-99");
  return set_policy(SCHED_FIFO | SCHED_RESET_ON_FORK, priority);
}

Result<void> check_realtime(int priority) {
  Result<void> r = ok();
  std::thread([&] { r = enter_realtime(priority); }).join();
  return r;
}

RealtimeScope::RealtimeScope(int priority) {
  sched_param p{};
  if (pthread_getschedparam(pthread_self(), &m_policy, &p) != 0) return;
  m_priority = p.sched_priority;
  m_entered = static_cast<bool>(enter_realtime(priority));
}

RealtimeScope::~RealtimeScope() {
  if (!m_entered) return;
  sched_param p{};
  p.sched_priority = m_priority;
  pthread_setschedparam(pthread_self(), m_policy, &p);  // giving up priority is always allowed
}

}  // namespace skiff::platform
