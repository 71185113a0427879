#pragma once
// Traps from native (LLVM-compiled) wasm code. Compiled code does not bounds-check
// linear memory: an access outside it lands in the reservation's guard region and faults
// (SIGSEGV/SIGBUS); a divide by zero or a ud2 faults too (SIGFPE/SIGILL). The signal
// handler installed here turns such a fault into a trap returned from the innermost
// run_guarded on the faulting thread -- but only when the faulting PC is inside code
// registered with register_code. Every other fault goes to the handler that was
// installed before ours (ASan's, or the default action: the process dies with the usual
// signal and core), so crashes in host code stay crashes. Explicit traps (call stack
// exhausted, indirect call type mismatch, ...) call raise_trap, which returns to the
// same place without a signal.
//
// The handlers and the code-range table are process-wide because signal dispositions
// are; the chain of run_guarded frames is per thread. Linux only; faults become traps on
// x86-64 and AArch64 (the registers read from the signal context are per architecture),
// elsewhere only raise_trap does.
//
// A trap leaves run_guarded with siglongjmp: destructors of the frames in between do
// not run. Only generated code (and thunks that hold no C++ state) may be on the stack
// between run_guarded's fn and the point of a trap.

#include <cstddef>
#include <cstdint>

#include "base/result.h"

namespace skiff::engine::native {

// Installs the SIGSEGV, SIGBUS, SIGFPE and SIGILL handlers (SA_SIGINFO | SA_NODEFER |
// SA_ONSTACK) and keeps the previous actions to chain to. Once per process: later calls,
// from any thread, do nothing. run_guarded calls it too, so embedders need it only to
// choose when ours goes in relative to other handlers. A handler installed after ours
// must chain to it for wasm traps to keep working (ASan's goes in before main, so ours
// comes after it and chains to it).
void install_trap_handlers();

// Marks [begin, end) as wasm code: faults with the PC there become traps. The range stays
// registered until unregister_code(begin), which must happen before its memory is
// unmapped or reused. Error: InvalidArgument for an empty range; ImplementationLimit when
// kMaxCodeRanges ranges are registered already.
inline constexpr size_t kMaxCodeRanges = 4096;
Result<void> register_code(uintptr_t begin, uintptr_t end);
// Forgets the range registered with `begin` (nothing if there is none). No thread may be
// running in it.
void unregister_code(uintptr_t begin);

// Where a trap left native code, for backtraces: generated code keeps frame pointers, so
// the chain from `fp` (each frame: saved fp, then return address) walks the wasm frames.
inline constexpr uint32_t kMaxTrapFrames = 32;
struct TrapInfo {
  uint32_t code = 0;         // an ErrorCode value (phase Trap)
  uintptr_t pc = 0;          // faulting instruction, or the return address of raise_trap
  uintptr_t fp = 0;          // frame pointer of the function at `pc`
  uintptr_t fault_addr = 0;  // si_addr: the address accessed for memory faults; 0 for raise_trap
  // The registered-code frames active at the trap, innermost first, walked along the
  // frame-pointer chain before the stack is left: addresses inside each function (the
  // faulting instruction, else a call's return address minus one).
  uint32_t frame_count = 0;
  uintptr_t frames[kMaxTrapFrames] = {};
};

// Which addresses a memory fault may touch and still be a wasm trap: the reservations
// (memory plus guard region) of the linear memories the guarded code can reach. A fault
// in registered code at any other address is a bug in the code or in skiff, not a guest's
// out-of-bounds access, and chains like a fault outside wasm code (the process crashes
// rather than reporting a trap and carrying on). `contains` is called from the signal
// handler on the faulting thread, so it may only read memory that thread owns.
struct FaultRegion {
  bool (*contains)(const void* ctx, uintptr_t addr) = nullptr;
  const void* ctx = nullptr;
};

// Runs fn(arg) so that a trap inside it returns here. Returns 0 when fn returned normally,
// else the trap's ErrorCode value, with *info (if not null) filled in. Nests (host ->
// wasm -> host -> wasm): a trap returns from the innermost call on its thread. No
// allocation and no system call, except the first call on a thread, which installs the
// handlers, a 64 KiB alternate signal stack if the thread has none (so a stack overflow
// can still be handled; kept until the thread exits) and computes stack_limit().
// With `memory`, a memory fault is a trap only at an address it contains (or in the
// thread's stack guard); without, at any address.
uint32_t run_guarded(void (*fn)(void*), void* arg, TrapInfo* info, const FaultRegion* memory = nullptr);

// Ends the innermost run_guarded on this thread with `code` (an ErrorCode value); for the
// explicit traps of generated code. info->pc and fp describe raise_trap's caller. Called
// outside run_guarded it aborts: that is a bug in skiff, not something a guest can do.
[[noreturn]] void raise_trap(uint32_t code);

// The lowest address native wasm code on this thread may grow its stack to: the thread's
// stack bottom plus kStackMargin, which leaves room for host functions called from wasm
// and for the signal handler. Generated code compares the stack pointer with it and raises
// TrapCallStackExhausted. Computed on the first call on a thread, then cached.
inline constexpr uintptr_t kStackMargin = 256 * 1024;
uintptr_t stack_limit();
// The lowest usable address of this thread's stack (stack_limit() without the margin).
inline uintptr_t stack_bottom() { return stack_limit() - kStackMargin; }

}  // namespace skiff::engine::native
