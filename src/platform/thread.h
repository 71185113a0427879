#pragma once
// Per-thread settings a server asks of the kernel: a name that shows in `top -H`, `ps -L`
// and /proc/PID/task/TID/comm, and real-time scheduling for the threads that must answer
// first (`skiff serve --realtime`, docs/serve.md).
//
// Real time here is SCHED_FIFO with SCHED_RESET_ON_FORK: the thread runs whenever it is
// ready, ahead of every normal thread, until it blocks; threads it creates start as
// normal ones. The kernel keeps a share of each second for normal threads whatever real-
// time threads do (RT throttling, or the fair server on 6.12+), so a thread that never
// blocks slows the machine but does not lock it up.

#include <string_view>

#include "base/result.h"

namespace skiff::platform {

// Names the calling thread (at most 15 bytes are kept; longer names are cut). Best
// effort: a name is for people, nothing depends on it.
void set_thread_name(std::string_view name);

// Makes the calling thread SCHED_FIFO at `priority` (1-99). Errors: InvalidArgument for
// a priority out of range; IoError naming the cause when the kernel refuses (EPERM:
// neither CAP_SYS_NICE nor an RLIMIT_RTPRIO that high).
Result<void> enter_realtime(int priority);

// Whether a thread of this process may enter_realtime(priority), tried on a thread of
// its own so the caller's scheduling is untouched. The same errors.
Result<void> check_realtime(int priority);

// The calling thread in real time while this lives, then back to what it was.
class RealtimeScope {
 public:
  // Check first (check_realtime); a refusal here leaves the thread as it was.
  explicit RealtimeScope(int priority);
  ~RealtimeScope();
  RealtimeScope(const RealtimeScope&) = delete;
  RealtimeScope& operator=(const RealtimeScope&) = delete;
  bool entered() const { return m_entered; }

 private:
  int m_policy = 0;
  int m_priority = 0;
  bool m_entered = false;
};

}  // namespace skiff::platform
