#include "platform/thread.h"

#include <gtest/gtest.h>

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

// Thread names show in /proc; real-time scheduling is SCHED_FIFO that threads created
// from a real-time thread do not inherit, and RealtimeScope gives the old policy back.
// Where the kernel refuses real time (no CAP_SYS_NICE, RLIMIT_RTPRIO 0), the refusal is
// what is checked, and the tests that need real time skip saying so.

namespace skiff::platform {
namespace {

std::string own_comm() {
  std::ifstream f("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
  std::string s;
  std::getline(f, s);
  return s;
}

// The calling thread's policy as the kernel reports it, RESET_ON_FORK included.
int own_policy() { return ::sched_getscheduler(static_cast<pid_t>(::syscall(SYS_gettid))); }

TEST(ThreadName, IsWhatProcShowsAndLongNamesAreCut) {
  std::string a, b;
  std::thread([&] {
    set_thread_name("skiff-test");
    a = own_comm();
    set_thread_name("a-name-longer-than-fifteen-bytes");
    b = own_comm();
  }).join();
  EXPECT_EQ(a, "skiff-test");
  EXPECT_EQ(b, "a-name-longer-t");
}

TEST(Realtime, PrioritiesOutsideTheRangeAreRefusedBeforeTheKernelSeesThem) {
  for (int p : {0, -1, 100}) {
    Result<void> r = ok();
    std::thread([&] { r = enter_realtime(p); }).join();
    ASSERT_FALSE(r) << p;
    EXPECT_EQ(r.error().code(), ErrorCode::InvalidArgument) << p;
    EXPECT_NE(std::string(r.error().context()).find("outside 1-99"), std::string::npos) << r.error().to_string();
  }
}

TEST(Realtime, CheckAgreesWithTheKernelAndLeavesTheCallerAlone) {
  const int before = own_policy();
  Result<void> checked = check_realtime(2);
  EXPECT_EQ(own_policy(), before);
  // The kernel's own answer, on a thread of its own.
  int kernel_rc = 0;
  std::thread([&] {
    sched_param p{};
    p.sched_priority = 2;
    kernel_rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &p);
  }).join();
  EXPECT_EQ(static_cast<bool>(checked), kernel_rc == 0) << (checked ? "" : checked.error().to_string());
  if (!checked) {
    EXPECT_EQ(checked.error().code(), ErrorCode::IoError);
    if (kernel_rc == EPERM) {
      EXPECT_NE(std::string(checked.error().context()).find("CAP_SYS_NICE"), std::string::npos)
          << checked.error().to_string();
    }
  }
}

TEST(Realtime, ThreadsCreatedFromARealtimeThreadAreNormal) {
  if (Result<void> r = check_realtime(1); !r) GTEST_SKIP() << "real-time scheduling is refused here: " << r.error().to_string();
  int mine = -1, child = -1;
  std::thread([&] {
    ASSERT_TRUE(enter_realtime(1));
    mine = own_policy();
    std::thread([&] { child = own_policy(); }).join();
  }).join();
  EXPECT_EQ(mine, SCHED_FIFO | SCHED_RESET_ON_FORK);
  EXPECT_EQ(child, SCHED_OTHER);
}

TEST(Realtime, ScopeRestoresThePolicyItFound) {
  if (Result<void> r = check_realtime(3); !r) GTEST_SKIP() << "real-time scheduling is refused here: " << r.error().to_string();
  int inside = -1, inside_prio = -1, after = -1;
  std::thread([&] {
    {
      RealtimeScope rt(3);
      EXPECT_TRUE(rt.entered());
      inside = own_policy() & ~SCHED_RESET_ON_FORK;
      sched_param p{};
      int pol = 0;
      pthread_getschedparam(pthread_self(), &pol, &p);
      inside_prio = p.sched_priority;
    }
    after = own_policy();
  }).join();
  EXPECT_EQ(inside, SCHED_FIFO);
  EXPECT_EQ(inside_prio, 3);
  EXPECT_EQ(after, SCHED_OTHER);
}

TEST(Realtime, ARefusedScopeLeavesTheThreadAsItWas) {
  int after = -1;
  bool entered = true;
  std::thread([&] {
    RealtimeScope rt(100);  // out of range: refused whatever the privileges
    entered = rt.entered();
    after = own_policy();
  }).join();
  EXPECT_FALSE(entered);
  EXPECT_EQ(after, SCHED_OTHER);
}

}  // namespace
}  // namespace skiff::platform
