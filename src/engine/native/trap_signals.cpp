#include "engine/native/trap_signals.h"

#include <atomic>
#include <cstddef>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <string_view>

#include <pthread.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

namespace skiff::engine::native {
namespace {

struct GuardFrame {
  sigjmp_buf buf;
  GuardFrame* prev;
  const FaultRegion* memory;
  TrapInfo trap;
};

// The signal handler reads only async-signal-safe state: initial-exec TLS (a dynamic TLS
// access can call __tls_get_addr, which allocates on a thread's first access; the engine
// is a static library, so the executable's static TLS block holds these) and lock-free
// atomics.
// The innermost run_guarded on this thread.
[[gnu::tls_model("initial-exec")]] constinit thread_local GuardFrame* t_top = nullptr;
// run_guarded's once-per-thread setup is done.
[[gnu::tls_model("initial-exec")]] constinit thread_local bool t_thread_ready = false;
// 0 until stack_limit() computed it.
[[gnu::tls_model("initial-exec")]] constinit thread_local uintptr_t t_stack_limit = 0;
// [low, t_stack_limit): a fault address in here means the stack ran out (0: unknown).
[[gnu::tls_model("initial-exec")]] constinit thread_local uintptr_t t_stack_overflow_low = 0;

// --- registered code ranges ----------------------------------------------------------
// Process-wide because the signal handler, which is, has no other way to find them.
// A slot is free while begin == 0. Writers (under g_code_mutex) publish end before begin;
// the handler reads begin (acquire) then end, so a published begin comes with its end.
struct CodeRange {
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
};
CodeRange g_code[kMaxCodeRanges];
std::atomic<size_t> g_code_used{0};  // slots from here on are all free
std::mutex g_code_mutex;
static_assert(std::atomic<uintptr_t>::is_always_lock_free);

bool is_wasm_code(uintptr_t pc) {
  size_t used = g_code_used.load(std::memory_order_acquire);
  for (size_t i = 0; i < used; i++) {
    uintptr_t begin = g_code[i].begin.load(std::memory_order_acquire);
    if (begin != 0 && pc >= begin && pc < g_code[i].end.load(std::memory_order_relaxed))
      return true;
  }
  return false;
}

// Walks the frame-pointer chain from the trap's frame while the return addresses stay in
// registered code (compiled frames; the entry thunk that called them is not). Only
// addresses in [bottom, top) are read: `bottom` is the stack pointer at the trap, `top`
// the run_guarded frame. Code without a frame of its own at the trap (hand-written, or a
// leaf) leaves the caller's frame pointer, which in code built without frame pointers
// is any value; outside those bounds it ends the walk instead of faulting in the
// handler. Async-signal-safe.
void capture_frames(TrapInfo& t, uintptr_t first_pc, uintptr_t bottom, uintptr_t top) {
  t.frame_count = 0;
  if (!is_wasm_code(first_pc)) return;
  t.frames[t.frame_count++] = first_pc;
  uintptr_t fp = t.fp;
  while (t.frame_count < kMaxTrapFrames) {
    if ((fp & 7) != 0 || fp < bottom || fp >= top) break;
    const auto* f = reinterpret_cast<const uintptr_t*>(fp);
    const uintptr_t ret = f[1];
    if (!is_wasm_code(ret)) break;
    t.frames[t.frame_count++] = ret - 1;
    if (f[0] <= fp) break;
    fp = f[0];
  }
}

// --- signal handling ----------------------------------------------------------------
constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
struct sigaction g_previous[std::size(kSignals)];  // written once, before ours goes in

struct FaultRegs {
  uintptr_t pc;
  uintptr_t fp;
  uintptr_t sp;
};

FaultRegs fault_regs(const ucontext_t* uc) {
#if defined(__x86_64__)
  return {static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]),
          static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]),
          static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP])};
#elif defined(__aarch64__)
  return {static_cast<uintptr_t>(uc->uc_mcontext.pc),
          static_cast<uintptr_t>(uc->uc_mcontext.regs[29]),
          static_cast<uintptr_t>(uc->uc_mcontext.sp)};
#else
  (void)uc;
  return {0, 0, 0};  // no PC is wasm code: every fault chains (explicit traps still work)
#endif
}

// The trap a fault in wasm code stands for; Ok for a memory fault outside the frame's
// memories, which is no trap at all.
ErrorCode trap_code(int sig, const siginfo_t* si, const FaultRegion* memory) {
  switch (sig) {
    case SIGFPE:
      // x86-64 raises #DE (FPE_INTDIV) for INT_MIN / -1 as well; generated code checks
      // that case itself, so INTDIV is reported as what it usually is.
      return si->si_code == FPE_INTOVF ? ErrorCode::TrapIntegerOverflow
                                       : ErrorCode::TrapIntegerDivideByZero;
    case SIGILL:
      return ErrorCode::TrapUnreachable;
    default: {
      auto addr = reinterpret_cast<uintptr_t>(si->si_addr);
      if (t_stack_overflow_low != 0 && addr >= t_stack_overflow_low && addr < t_stack_limit)
        return ErrorCode::TrapCallStackExhausted;
      if (memory != nullptr && !memory->contains(memory->ctx, addr)) return ErrorCode::Ok;
      return ErrorCode::TrapOutOfBoundsMemory;
    }
  }
}

// Whether the instruction at `pc` (in registered code, so mapped and readable) is the
// one generated code traps with (llvm.trap). Any other illegal instruction is damaged or
// foreign code, not a guest's `unreachable`, and is not reported as one.
bool is_trap_instruction(uintptr_t pc) {
#if defined(__x86_64__)
  const auto* p = reinterpret_cast<const uint8_t*>(pc);
  return p[0] == 0x0f && p[1] == 0x0b;  // ud2
#else
  (void)pc;
  return true;
#endif
}

// Hands a fault that is not a wasm trap to whatever would have handled it without us.
void chain(size_t slot, int sig, siginfo_t* si, void* ctx) {
  const struct sigaction& prev = g_previous[slot];
  if (prev.sa_flags & SA_SIGINFO) {
    prev.sa_sigaction(sig, si, ctx);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  bool sent = si->si_code <= 0;  // kill/tgkill/sigqueue: returning will not re-raise it
  if (prev.sa_handler == SIG_IGN && sent) return;
  // SIG_DFL, or SIG_IGN for a real fault (ignoring it would re-fault forever): the default
  // action, so the process dies with this signal (and a core) as it would have without us.
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  if (sent) raise(sig);  // a fault instead re-executes the instruction on return
}

void handle_signal(int sig, siginfo_t* si, void* ctx) {
  size_t slot = 0;
  while (kSignals[slot] != sig) slot++;
  GuardFrame* frame = t_top;
  FaultRegs regs = fault_regs(static_cast<const ucontext_t*>(ctx));
  if (frame == nullptr || si->si_code <= 0 || !is_wasm_code(regs.pc) || (sig == SIGILL && !is_trap_instruction(regs.pc))) {
    chain(slot, sig, si, ctx);
    return;
  }
  const ErrorCode code = trap_code(sig, si, frame->memory);
  if (code == ErrorCode::Ok) {
    chain(slot, sig, si, ctx);
    return;
  }
  frame->trap.code = static_cast<uint32_t>(code);
  frame->trap.pc = regs.pc;
  frame->trap.fp = regs.fp;
  frame->trap.fault_addr = reinterpret_cast<uintptr_t>(si->si_addr);
  capture_frames(frame->trap, regs.pc, regs.sp, reinterpret_cast<uintptr_t>(frame));
  // The handler runs with its signal unblocked (SA_NODEFER) and an empty sa_mask, so the
  // thread's mask is already what it was at sigsetjmp: no need to restore it. Under ASan,
  // the siglongjmp interceptor unpoisons the stacks being left (from the alternate stack:
  // the whole thread stack), so the skipped frames' redzones cause no false reports; it
  // costs about 0.25 ms per trap there, and nothing in other builds.
  siglongjmp(frame->buf, 1);
}

// --- per-thread state -----------------------------------------------------------------
constexpr size_t kAltStackSize = 64 * 1024;

// An alternate signal stack this thread did not have before run_guarded: without one, a
// fault from stack exhaustion could not push the handler's frame and would kill the
// process. Lives as long as the thread, since run_guarded may be called again any time.
class AltStack {
 public:
  void install() {
    stack_t current;
    if (sigaltstack(nullptr, &current) != 0 || !(current.ss_flags & SS_DISABLE)) return;
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    // One inaccessible page below the stack turns a handler overflow into a crash instead
    // of a silent overwrite.
    void* p = mmap(nullptr, kAltStackSize + page, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return;  // no alternate stack: only stack overflows are affected
    auto* stack = static_cast<uint8_t*>(p) + page;
    stack_t ss = {};
    ss.ss_sp = stack;
    ss.ss_size = kAltStackSize;
    if (mprotect(stack, kAltStackSize, PROT_READ | PROT_WRITE) != 0 ||
        sigaltstack(&ss, nullptr) != 0) {
      munmap(p, kAltStackSize + page);
      return;
    }
    m_mapping = p;
    m_stack = stack;
    m_page = page;
  }
  ~AltStack() {
    if (m_mapping == nullptr) return;
    stack_t current;
    if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == m_stack) {
      stack_t off = {};
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
    munmap(m_mapping, kAltStackSize + m_page);
  }

 private:
  void* m_mapping = nullptr;
  void* m_stack = nullptr;
  size_t m_page = 0;
};

thread_local AltStack t_alt_stack;  // never touched by the handler

[[gnu::noinline, gnu::cold]] void prepare_thread() {
  install_trap_handlers();
  t_alt_stack.install();
  (void)stack_limit();
  t_thread_ready = true;
}

constexpr uint32_t kErrorCodeCount = 0
#define SKIFF_ERROR(name, phase, msg) +1
#include "base/error_codes.def"
#undef SKIFF_ERROR
    ;

[[noreturn, gnu::noinline]] void trap_outside_guard(uint32_t code) {
  std::string_view name = code < kErrorCodeCount ? error_code_name(static_cast<ErrorCode>(code))
                                                 : std::string_view("unknown code");
  std::fprintf(stderr, "skiff: internal error: raise_trap(%.*s) outside run_guarded\n",
               static_cast<int>(name.size()), name.data());
  std::abort();
}

}  // namespace

void install_trap_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (size_t i = 0; i < std::size(kSignals); i++) {
      struct sigaction sa = {};
      sa.sa_sigaction = handle_signal;
      sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
      sigemptyset(&sa.sa_mask);
      int rc = sigaction(kSignals[i], &sa, &g_previous[i]);
      SKIFF_ASSERT(rc == 0, "sigaction rejected a valid action");
      (void)rc;
    }
  });
}

Result<void> register_code(uintptr_t begin, uintptr_t end) {
  if (begin == 0 || end <= begin)
    return Error(ErrorCode::InvalidArgument, kNoOffset, "empty code range");
  std::lock_guard lock(g_code_mutex);
  size_t used = g_code_used.load(std::memory_order_relaxed);
  size_t slot = 0;
  while (slot < used && g_code[slot].begin.load(std::memory_order_relaxed) != 0) slot++;
  if (slot == kMaxCodeRanges)
    return Error(ErrorCode::ImplementationLimit, kNoOffset,
                 "too many native code ranges registered");
  g_code[slot].end.store(end, std::memory_order_relaxed);
  g_code[slot].begin.store(begin, std::memory_order_release);
  if (slot == used) g_code_used.store(used + 1, std::memory_order_release);
  return ok();
}

void unregister_code(uintptr_t begin) {
  std::lock_guard lock(g_code_mutex);
  size_t used = g_code_used.load(std::memory_order_relaxed);
  for (size_t i = 0; i < used; i++) {
    if (g_code[i].begin.load(std::memory_order_relaxed) == begin) {
      g_code[i].begin.store(0, std::memory_order_release);
      g_code[i].end.store(0, std::memory_order_relaxed);
      break;
    }
  }
  // Keep the handler's scan short once ranges at the end are gone.
  while (used > 0 && g_code[used - 1].begin.load(std::memory_order_relaxed) == 0) used--;
  g_code_used.store(used, std::memory_order_release);
}

uint32_t run_guarded(void (*fn)(void*), void* arg, TrapInfo* info, const FaultRegion* memory) {
  if (!t_thread_ready) [[unlikely]] prepare_thread();
  GuardFrame frame;
  frame.prev = t_top;
  frame.memory = memory;
  // savemask 0: saving the mask costs a system call, and the handler leaves it unchanged.
  if (sigsetjmp(frame.buf, 0) == 0) {
    t_top = &frame;
    fn(arg);
    t_top = frame.prev;
    return 0;
  }
  t_top = frame.prev;
  if (info != nullptr) *info = frame.trap;
  return frame.trap.code;
}

void raise_trap(uint32_t code) {
  GuardFrame* frame = t_top;
  if (frame == nullptr) [[unlikely]] trap_outside_guard(code);
  SKIFF_ASSERT(code != 0, "raise_trap(0) would look like a normal return");
  // Using the frame address gives raise_trap a frame, whose saved fp is the caller's.
  auto* own_frame = static_cast<uintptr_t*>(__builtin_frame_address(0));
  const auto ret = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  frame->trap.code = code;
  frame->trap.pc = ret;
  frame->trap.fp = own_frame[0];
  frame->trap.fault_addr = 0;
  capture_frames(frame->trap, ret - 1, reinterpret_cast<uintptr_t>(own_frame), reinterpret_cast<uintptr_t>(frame));
  siglongjmp(frame->buf, 1);
}

uintptr_t stack_limit() {
  if (t_stack_limit != 0) [[likely]] return t_stack_limit;
  uintptr_t bottom = 0;
  uintptr_t guard = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  pthread_attr_t attr;
  // For the main thread glibc reports the stack as the RLIMIT_STACK-sized region below
  // its top (bounded by the next mapping), which is how far the kernel will grow it.
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    size_t size = 0;
    size_t guard_size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) bottom = reinterpret_cast<uintptr_t>(addr);
    if (pthread_attr_getguardsize(&attr, &guard_size) == 0 && guard_size > guard)
      guard = guard_size;
    pthread_attr_destroy(&attr);
  }
  if (bottom == 0) {
    // Unknown (e.g. no /proc for the main thread): assume 1 MiB below the first caller,
    // and report overflow faults as out-of-bounds accesses (t_stack_overflow_low = 0).
    t_stack_limit =
        reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) - 1024 * 1024 + kStackMargin;
    return t_stack_limit;
  }
  t_stack_overflow_low = bottom - guard;
  t_stack_limit = bottom + kStackMargin;
  return t_stack_limit;
}

}  // namespace skiff::engine::native
