// Traps from native code, with hand-written x86-64 machine code standing in for
// LLVM output. Covers: out-of-bounds load -> TrapOutOfBoundsMemory (pc, fp, fault
// address), in-bounds load, ud2 -> TrapUnreachable, idiv by zero -> TrapIntegerDivideByZero,
// runaway recursion -> TrapCallStackExhausted (on a thread without an alternate stack),
// raise_trap from C++ and from generated code, nesting, many traps in a loop (no leaked
// frame, no blocked signal), two threads trapping at once, faults that are not wasm traps
// still crashing (outside registered code, outside run_guarded, after unregister_code;
// under ASan the crash is ASan's report), register_code's limits, stack_limit(), and
// run_guarded's overhead (printed).

#include "engine/native/trap_signals.h"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/virtual_memory.h"

namespace skiff::engine::native {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif

#if defined(__x86_64__)
constexpr bool kX86 = true;
#else
constexpr bool kX86 = false;
#endif

#define SKIP_UNLESS_X86() \
  if (!kX86) {            \
    GTEST_SKIP() << "the test's machine code is x86-64"; \
  }

uint32_t code_of(ErrorCode c) { return static_cast<uint32_t>(c); }

// A page of machine code, executable and registered as wasm code while it lives.
class CodePage {
 public:
  explicit CodePage(std::vector<uint8_t> bytes, bool do_register = true) {
    m_size = platform::page_size();
    void* p = mmap(nullptr, m_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(p, MAP_FAILED);
    m_base = static_cast<uint8_t*>(p);
    std::memcpy(m_base, bytes.data(), bytes.size());
    EXPECT_EQ(mprotect(m_base, m_size, PROT_READ | PROT_EXEC), 0);
    if (do_register) reg();
  }
  ~CodePage() {
    if (m_registered) unregister_code(begin());
    munmap(m_base, m_size);
  }
  void reg() {
    ASSERT_TRUE(register_code(begin(), begin() + m_size).ok());
    m_registered = true;
  }
  void unreg() {
    unregister_code(begin());
    m_registered = false;
  }
  uintptr_t begin() const { return reinterpret_cast<uintptr_t>(m_base); }
  template <typename F>
  F as() const {
    return reinterpret_cast<F>(m_base);
  }

 private:
  uint8_t* m_base = nullptr;
  size_t m_size = 0;
  bool m_registered = false;
};

// mov (%rdi),%eax; ret
const std::vector<uint8_t> kLoad = {0x8b, 0x07, 0xc3};
// push %rbp; mov %rsp,%rbp; mov %rbp,(%rsi); mov (%rdi),%eax; pop %rbp; ret
const std::vector<uint8_t> kLoadWithFrame = {0x55, 0x48, 0x89, 0xe5, 0x48, 0x89,
                                             0x2e, 0x8b, 0x07, 0x5d, 0xc3};
// ud2
const std::vector<uint8_t> kUd2 = {0x0f, 0x0b};
// mov %edi,%eax; cltd; idiv %esi; ret
const std::vector<uint8_t> kDivide = {0x89, 0xf8, 0x99, 0xf7, 0xfe, 0xc3};
// call . (recurses until the stack runs out)
const std::vector<uint8_t> kRecurse = {0xe8, 0xfb, 0xff, 0xff, 0xff};

// push %rbp; mov %rsp,%rbp; mov %rbp,(%rdi); mov $code,%edi; movabs $raise_trap,%rax;
// call *%rax; ud2
std::vector<uint8_t> raise_trap_code(uint32_t code) {
  std::vector<uint8_t> b = {0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0x2f, 0xbf};
  for (int i = 0; i < 4; i++) b.push_back(static_cast<uint8_t>(code >> (8 * i)));
  b.insert(b.end(), {0x48, 0xb8});
  auto target = reinterpret_cast<uintptr_t>(&raise_trap);
  for (int i = 0; i < 8; i++) b.push_back(static_cast<uint8_t>(target >> (8 * i)));
  b.insert(b.end(), {0xff, 0xd0, 0x0f, 0x0b});
  return b;
}
constexpr uintptr_t kRaiseTrapReturnOffset = 24;  // just after `call *%rax`

using LoadFn = int (*)(const void* ptr, uintptr_t* fp_out);
struct LoadCall {
  LoadFn code;
  const void* ptr;
  int result;
  uintptr_t fp = 0;  // where kLoadWithFrame stores its frame pointer
  static void run(void* p) {
    auto* c = static_cast<LoadCall*>(p);
    c->result = c->code(c->ptr, &c->fp);
  }
};

// Calls generated code with a place to store its frame pointer.
struct FrameCall {
  void (*code)(uintptr_t* fp_out);
  uintptr_t fp = 0;
  static void run(void* p) {
    auto* c = static_cast<FrameCall*>(p);
    c->code(&c->fp);
  }
};

struct DivideCall {
  int (*code)(int, int);
  int a, b, result;
  static void run(void* p) {
    auto* c = static_cast<DivideCall*>(p);
    c->result = c->code(c->a, c->b);
  }
};

void call_void(void* p) { reinterpret_cast<void (*)()>(p)(); }

// A page that faults on any access.
struct Inaccessible {
  platform::Reservation r =
      std::move(platform::Reservation::reserve(platform::page_size()).value());
  const void* ptr(size_t offset = 0) const { return r.base() + offset; }
};

// In a death test's child: no core file for the crash we expect.
void no_core() {
  rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
}

// Without ASan the process dies of SIGSEGV (the default action, as if we were not
// there); with ASan, its handler (which ours chains to) reports and exits.
bool crashed_with_segv(int status) {
  if (kAsan) return WIFEXITED(status) && WEXITSTATUS(status) != 0;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}
const char* const kSegvOutput = kAsan ? "AddressSanitizer: SEGV" : "";

TEST(TrapSignals, OutOfBoundsLoadTrapsWithPcAndFaultAddress) {
  SKIP_UNLESS_X86();
  CodePage code(kLoad);
  Inaccessible none;
  LoadCall call{code.as<LoadFn>(), none.ptr(12), 0};
  TrapInfo info;
  EXPECT_EQ(run_guarded(LoadCall::run, &call, &info), code_of(ErrorCode::TrapOutOfBoundsMemory));
  EXPECT_EQ(info.code, code_of(ErrorCode::TrapOutOfBoundsMemory));
  EXPECT_EQ(info.pc, code.begin());
  EXPECT_EQ(info.fault_addr, reinterpret_cast<uintptr_t>(none.ptr(12)));
}

TEST(TrapSignals, InBoundsLoadReturnsNormally) {
  SKIP_UNLESS_X86();
  CodePage code(kLoad);
  int value = 1234;
  LoadCall call{code.as<LoadFn>(), &value, 0};
  TrapInfo info;
  EXPECT_EQ(run_guarded(LoadCall::run, &call, &info), 0u);
  EXPECT_EQ(call.result, 1234);
}

TEST(TrapSignals, TrapRecordsFramePointerOfFaultingCode) {
  SKIP_UNLESS_X86();
  CodePage code(kLoadWithFrame);
  Inaccessible none;
  LoadCall call{code.as<LoadFn>(), none.ptr(), 0};
  TrapInfo info;
  ASSERT_EQ(run_guarded(LoadCall::run, &call, &info), code_of(ErrorCode::TrapOutOfBoundsMemory));
  EXPECT_EQ(info.pc, code.begin() + 7);  // the load, after the prologue and the store
  EXPECT_NE(call.fp, 0u);
  EXPECT_EQ(info.fp, call.fp);
}

TEST(TrapSignals, Ud2IsUnreachable) {
  SKIP_UNLESS_X86();
  CodePage code(kUd2);
  TrapInfo info;
  EXPECT_EQ(run_guarded(call_void, code.as<void*>(), &info), code_of(ErrorCode::TrapUnreachable));
  EXPECT_EQ(info.pc, code.begin());
}

// An illegal instruction other than ud2 in registered code is damaged or foreign code,
// not a guest's `unreachable`: it crashes as it would without skiff.
TEST(TrapSignals, AnIllegalInstructionOtherThanUd2IsNotATrap) {
  SKIP_UNLESS_X86();
  install_trap_handlers();
  CodePage code({0x06});  // push %es: invalid in 64-bit mode (#UD, SIGILL)
  EXPECT_EXIT(
      {
        no_core();
        run_guarded(call_void, code.as<void*>(), nullptr);
      },
      [](int status) {  // killed, or (with a sanitizer's handler for SIGILL) reported and exited
        return (WIFSIGNALED(status) && WTERMSIG(status) == SIGILL) || (kAsan && WIFEXITED(status) && WEXITSTATUS(status) != 0);
      },
      "");
}

TEST(TrapSignals, IntegerDivideByZeroTraps) {
  SKIP_UNLESS_X86();
  CodePage code(kDivide);
  DivideCall ok_call{code.as<int (*)(int, int)>(), 42, 5, 0};
  EXPECT_EQ(run_guarded(DivideCall::run, &ok_call, nullptr), 0u);
  EXPECT_EQ(ok_call.result, 8);
  DivideCall zero{code.as<int (*)(int, int)>(), 42, 0, 0};
  TrapInfo info;
  EXPECT_EQ(run_guarded(DivideCall::run, &zero, &info),
            code_of(ErrorCode::TrapIntegerDivideByZero));
  EXPECT_EQ(info.pc, code.begin() + 3);  // the idiv
}

TEST(TrapSignals, RunawayRecursionIsCallStackExhausted) {
  SKIP_UNLESS_X86();
  CodePage code(kRecurse);
  uint32_t result = 0;
  TrapInfo info;
  uintptr_t limit = 0;
  // A fresh thread: without ASan it has no alternate signal stack until run_guarded's.
  std::thread t([&] {
    result = run_guarded(call_void, code.as<void*>(), &info);
    limit = stack_limit();
  });
  t.join();
  EXPECT_EQ(result, code_of(ErrorCode::TrapCallStackExhausted));
  EXPECT_EQ(info.pc, code.begin());
  EXPECT_LT(info.fault_addr, limit);
}

TEST(TrapSignals, RaiseTrapFromCppReturnsItsCode) {
  TrapInfo info;
  uint32_t r = run_guarded(
      [](void*) { raise_trap(code_of(ErrorCode::TrapIndirectCallTypeMismatch)); }, nullptr, &info);
  EXPECT_EQ(r, code_of(ErrorCode::TrapIndirectCallTypeMismatch));
  EXPECT_EQ(info.code, r);
  EXPECT_EQ(info.fault_addr, 0u);
}

TEST(TrapSignals, RaiseTrapFromGeneratedCodeRecordsItsCaller) {
  SKIP_UNLESS_X86();
  CodePage code(raise_trap_code(code_of(ErrorCode::TrapCallStackExhausted)));
  FrameCall call{code.as<void (*)(uintptr_t*)>()};
  TrapInfo info;
  EXPECT_EQ(run_guarded(FrameCall::run, &call, &info),
            code_of(ErrorCode::TrapCallStackExhausted));
  EXPECT_EQ(info.pc, code.begin() + kRaiseTrapReturnOffset);
  EXPECT_NE(call.fp, 0u);
  EXPECT_EQ(info.fp, call.fp);
}

struct Nested {
  void* ud2 = nullptr;
  uint32_t inner = 0;
  bool continued = false;
  static void run(void* p) {
    auto* n = static_cast<Nested*>(p);
    n->inner = run_guarded(call_void, n->ud2, nullptr);  // as a host function would
    n->continued = true;
  }
};

TEST(TrapSignals, NestedTrapReturnsToInnermostAndOuterContinues) {
  SKIP_UNLESS_X86();
  CodePage code(kUd2);
  Nested n{code.as<void*>()};
  EXPECT_EQ(run_guarded(Nested::run, &n, nullptr), 0u);
  EXPECT_EQ(n.inner, code_of(ErrorCode::TrapUnreachable));
  EXPECT_TRUE(n.continued);
  // The outer frame is still the right target after the inner one is gone.
  EXPECT_EQ(run_guarded([](void*) { raise_trap(code_of(ErrorCode::TrapHost)); }, nullptr, nullptr),
            code_of(ErrorCode::TrapHost));
}

TEST(TrapSignals, ManyTrapsLeaveNoFrameAndNoBlockedSignal) {
  SKIP_UNLESS_X86();
  CodePage code(kLoad);
  Inaccessible none;
  int value = 7;
  for (int i = 0; i < 20000; i++) {
    bool trap = i % 2 == 0;
    LoadCall call{code.as<LoadFn>(), trap ? none.ptr() : &value, 0};
    uint32_t r = run_guarded(LoadCall::run, &call, nullptr);
    ASSERT_EQ(r, trap ? code_of(ErrorCode::TrapOutOfBoundsMemory) : 0u) << "iteration " << i;
    if (!trap) {
      ASSERT_EQ(call.result, 7);
    }
  }
  sigset_t mask;
  ASSERT_EQ(sigprocmask(SIG_BLOCK, nullptr, &mask), 0);
  EXPECT_FALSE(sigismember(&mask, SIGSEGV));
  EXPECT_FALSE(sigismember(&mask, SIGILL));
  // No frame left behind: with one, raise_trap would jump into it instead of aborting.
  // (The fork-based death test keeps this thread's state.)
  EXPECT_DEATH(raise_trap(code_of(ErrorCode::TrapHost)),
               "raise_trap\\(TrapHost\\) outside run_guarded");
}

TEST(TrapSignals, ThreadsTrapIndependently) {
  SKIP_UNLESS_X86();
  CodePage load(kLoad);
  CodePage divide(kDivide);
  std::atomic<bool> go{false};
  std::atomic<int> wrong{0};
  constexpr int kIterations = 5000;
  std::thread a([&] {
    Inaccessible none;
    while (!go) {}
    for (int i = 0; i < kIterations; i++) {
      LoadCall call{load.as<LoadFn>(), none.ptr(static_cast<size_t>(i % 64) * 4), 0};
      TrapInfo info;
      if (run_guarded(LoadCall::run, &call, &info) != code_of(ErrorCode::TrapOutOfBoundsMemory) ||
          info.fault_addr != reinterpret_cast<uintptr_t>(call.ptr))
        wrong++;
    }
  });
  std::thread b([&] {
    while (!go) {}
    for (int i = 0; i < kIterations; i++) {
      DivideCall call{divide.as<int (*)(int, int)>(), 100, i % 2, 0};
      uint32_t r = run_guarded(DivideCall::run, &call, nullptr);
      if (i % 2 == 0 ? r != code_of(ErrorCode::TrapIntegerDivideByZero)
                     : (r != 0 || call.result != 100))
        wrong++;
    }
  });
  go = true;
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(TrapSignals, FaultOutsideRegisteredCodeStillCrashes) {
  install_trap_handlers();
  Inaccessible none;
  EXPECT_EXIT(
      {
        no_core();
        run_guarded([](void* p) { (void)*static_cast<volatile const int*>(p); },
                    const_cast<void*>(none.ptr()), nullptr);
      },
      crashed_with_segv, kSegvOutput);
}

// With a FaultRegion (compiled code passes its store's memory reservations), a fault
// there is a trap and anywhere else a crash: a wild access is a bug, not a guest's.
struct Range {
  uintptr_t begin, end;
  static bool contains(const void* self, uintptr_t addr) {
    const auto* r = static_cast<const Range*>(self);
    return addr >= r->begin && addr < r->end;
  }
};

TEST(TrapSignals, AFaultInsideTheMemoryRegionIsATrap) {
  SKIP_UNLESS_X86();
  CodePage code(kLoad);
  Inaccessible memory;
  const auto base = reinterpret_cast<uintptr_t>(memory.ptr());
  Range range{base, base + platform::page_size()};
  const FaultRegion region{&Range::contains, &range};
  LoadCall call{code.as<LoadFn>(), memory.ptr(8), 0};
  TrapInfo info;
  EXPECT_EQ(run_guarded(LoadCall::run, &call, &info, &region), code_of(ErrorCode::TrapOutOfBoundsMemory));
  EXPECT_EQ(info.fault_addr, base + 8);
}

TEST(TrapSignals, AFaultOutsideTheMemoryRegionCrashes) {
  SKIP_UNLESS_X86();
  CodePage code(kLoad);
  Inaccessible memory, elsewhere;
  const auto base = reinterpret_cast<uintptr_t>(memory.ptr());
  Range range{base, base + platform::page_size()};
  const FaultRegion region{&Range::contains, &range};
  LoadCall call{code.as<LoadFn>(), elsewhere.ptr(), 0};
  EXPECT_EXIT(
      {
        no_core();
        run_guarded(LoadCall::run, &call, nullptr, &region);
      },
      crashed_with_segv, kSegvOutput);
}

TEST(TrapSignals, StackExhaustionIsATrapWhateverTheMemoryRegion) {
  SKIP_UNLESS_X86();
  CodePage code(kRecurse);
  Range nothing{0, 0};
  const FaultRegion region{&Range::contains, &nothing};
  uint32_t result = 0;
  std::thread t([&] { result = run_guarded(call_void, code.as<void*>(), nullptr, &region); });
  t.join();
  EXPECT_EQ(result, code_of(ErrorCode::TrapCallStackExhausted));
}

// Death tests that install handlers of their own run in a fresh process (threadsafe
// style), where ours go in after them, as they would in an embedder.
uintptr_t g_expected_fault = 0;

TEST(TrapSignals, FaultsThatAreNotTrapsGoToThePreviousHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Inaccessible none;
  g_expected_fault = reinterpret_cast<uintptr_t>(none.ptr());
  EXPECT_EXIT(
      {
        struct sigaction sa = {};
        sa.sa_sigaction = [](int, siginfo_t* si, void*) {
          const char msg[] = "previous handler ran\n";
          (void)!write(2, msg, sizeof msg - 1);
          _exit(reinterpret_cast<uintptr_t>(si->si_addr) == g_expected_fault ? 3 : 4);
        };
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, nullptr);
        install_trap_handlers();
        run_guarded([](void* p) { (void)*static_cast<volatile const int*>(p); },
                    const_cast<void*>(none.ptr()), nullptr);
      },
      testing::ExitedWithCode(3), "previous handler ran");
}

TEST(TrapSignals, IgnoredSegvStillKillsInsteadOfLooping) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Inaccessible none;
  EXPECT_EXIT(
      {
        no_core();
        signal(SIGSEGV, SIG_IGN);
        install_trap_handlers();
        run_guarded([](void* p) { (void)*static_cast<volatile const int*>(p); },
                    const_cast<void*>(none.ptr()), nullptr);
      },
      testing::KilledBySignal(SIGSEGV), "");
}

TEST(TrapSignals, FaultInWasmCodeOutsideRunGuardedStillCrashes) {
  SKIP_UNLESS_X86();
  install_trap_handlers();
  CodePage code(kLoad);
  Inaccessible none;
  EXPECT_EXIT(
      {
        no_core();
        code.as<LoadFn>()(none.ptr(), nullptr);
      },
      crashed_with_segv, kSegvOutput);
}

TEST(TrapSignals, UnregisteredCodeCrashesAgain) {
  SKIP_UNLESS_X86();
  CodePage code(kLoad);
  Inaccessible none;
  LoadCall call{code.as<LoadFn>(), none.ptr(), 0};
  ASSERT_EQ(run_guarded(LoadCall::run, &call, nullptr), code_of(ErrorCode::TrapOutOfBoundsMemory));
  code.unreg();
  EXPECT_EXIT(
      {
        no_core();
        (void)run_guarded(LoadCall::run, &call, nullptr);
      },
      crashed_with_segv, kSegvOutput);
}

TEST(TrapSignals, RegisterCodeRejectsEmptyRangesAndStopsWhenFull) {
  EXPECT_EQ(register_code(0x2000, 0x2000).error().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(register_code(0x3000, 0x2000).error().code(), ErrorCode::InvalidArgument);
  // Fake ranges (never executed) until the table is full.
  std::vector<uintptr_t> taken;
  for (uintptr_t b = 0x10000;; b += 0x100) {
    Result<void> r = register_code(b, b + 0x100);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::ImplementationLimit);
      break;
    }
    taken.push_back(b);
    ASSERT_LE(taken.size(), kMaxCodeRanges);
  }
  EXPECT_GT(taken.size(), kMaxCodeRanges - 16);  // other tests hold none of them now
  for (uintptr_t b : taken) unregister_code(b);
  // Free slots are reused.
  EXPECT_TRUE(register_code(0x10000, 0x10100).ok());
  unregister_code(0x10000);
}

TEST(TrapSignals, StackLimitIsBelowTheCallerAndPerThread) {
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  uintptr_t limit = stack_limit();
  EXPECT_LT(limit, here);
  EXPECT_EQ(stack_limit(), limit);
  uintptr_t other = 0;
  uintptr_t other_here = 0;
  std::thread t([&] {
    other_here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    other = stack_limit();
  });
  t.join();
  EXPECT_LT(other, other_here);
  EXPECT_GT(other + 16 * 1024 * 1024, other_here);  // within the thread's own stack
  EXPECT_NE(other, limit);
}

TEST(TrapSignals, RaiseTrapOutsideRunGuardedAborts) {
  EXPECT_DEATH(raise_trap(code_of(ErrorCode::TrapUnreachable)),
               "raise_trap\\(TrapUnreachable\\) outside run_guarded");
}

void empty(void*) {}

// CPU time of this thread, so time spent descheduled on a busy machine does not count.
double thread_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

TEST(TrapSignals, RunGuardedOverhead) {
  constexpr int kCalls = 2'000'000;
  void (*volatile fn)(void*) = empty;
  (void)run_guarded(fn, nullptr, nullptr);  // the thread's one-time setup
  double direct = 1e9;
  double guarded = 1e9;
  for (int round = 0; round < 5; round++) {  // best of 5
    double t0 = thread_ns();
    for (int i = 0; i < kCalls; i++) fn(nullptr);
    double t1 = thread_ns();
    for (int i = 0; i < kCalls; i++) (void)run_guarded(fn, nullptr, nullptr);
    double t2 = thread_ns();
    direct = std::min(direct, (t1 - t0) / kCalls);
    guarded = std::min(guarded, (t2 - t1) / kCalls);
  }
  std::printf("run_guarded(empty): %.1f ns/call; direct call: %.1f ns/call; overhead %.1f ns\n",
              guarded, direct, guarded - direct);

  constexpr int kTraps = 20'000;
  double t0 = thread_ns();
  for (int i = 0; i < kTraps; i++)
    (void)run_guarded([](void*) { raise_trap(code_of(ErrorCode::TrapHost)); }, nullptr, nullptr);
  double t1 = thread_ns();
  std::printf("trap by raise_trap: %.0f ns\n", (t1 - t0) / kTraps);
  if (!kX86) return;
  CodePage code(kLoad);
  Inaccessible none;
  LoadCall call{code.as<LoadFn>(), none.ptr(), 0};
  t0 = thread_ns();
  for (int i = 0; i < kTraps; i++) (void)run_guarded(LoadCall::run, &call, nullptr);
  t1 = thread_ns();
  std::printf("trap by SIGSEGV: %.0f ns (thread CPU time; the kernel's part included)\n",
              (t1 - t0) / kTraps);
}

}  // namespace
}  // namespace skiff::engine::native
