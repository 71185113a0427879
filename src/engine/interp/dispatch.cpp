// The dispatch loop: one function, one label per xop, direct threading (each handler
// ends by loading the next handler's address from the code and jumping to it). The
// loop keeps the instruction pointer, frame pointer and the current instance's memory
// in locals so they live in registers; calls between wasm functions never recurse on
// the native stack (a CallFrame records where to return), so guest recursion is bounded
// by the call-frame limit and cannot overflow the host's stack.
// Design: docs/interpreter.md. Built with -Wno-pedantic: computed goto is a GNU extension.

#include <algorithm>
#include <bit>
#include <cstring>

#include "engine/interp/code.h"
#include "engine/interp/interpreter.h"
#include "engine/interp/numeric.h"
#include "engine/interp/simd.h"
#include "engine/native/native_module.h"
#include "engine/native/trap_signals.h"

namespace skiff::engine::interp {

namespace {

using namespace xop_detail;  // U32 ... V128: the operand types ops.def names

// How compiled code calls a function the interpreter runs (native::SlotCaller).
Result<void> slot_call(void* machine, runtime::Store& store, const runtime::FuncInstance& f, uint64_t* slots) {
  return static_cast<Machine*>(machine)->call_slots(store, f, slots);
}

// Slot reads and writes. Scalars are written as whole 8-byte slots (i32/f32 zero-
// extended), so a later 8-byte copy of the slot never stalls on a partial store.
template <typename T> inline T rd(const uint64_t* p);
template <> inline U32 rd<U32>(const uint64_t* p) { return static_cast<U32>(*p); }
template <> inline U64 rd<U64>(const uint64_t* p) { return *p; }
template <> inline S32 rd<S32>(const uint64_t* p) { return static_cast<S32>(static_cast<U32>(*p)); }
template <> inline S64 rd<S64>(const uint64_t* p) { return static_cast<S64>(*p); }
template <> inline F32 rd<F32>(const uint64_t* p) { return std::bit_cast<F32>(static_cast<U32>(*p)); }
template <> inline F64 rd<F64>(const uint64_t* p) { return std::bit_cast<F64>(*p); }
template <> inline V128 rd<V128>(const uint64_t* p) {
  V128 v;
  std::memcpy(v.bytes, p, 16);
  return v;
}
// A v128 slot viewed in place (the lane accessors read it with memcpy), so that reading
// one lane does not first copy all 16 bytes to the native stack.
inline const V128& as_v128(const uint64_t* p) { return *reinterpret_cast<const V128*>(p); }
inline void wr(uint64_t* p, U32 v) { *p = v; }
inline void wr(uint64_t* p, U64 v) { *p = v; }
inline void wr(uint64_t* p, S32 v) { *p = static_cast<U32>(v); }
inline void wr(uint64_t* p, S64 v) { *p = static_cast<U64>(v); }
inline void wr(uint64_t* p, F32 v) { *p = std::bit_cast<U32>(v); }
inline void wr(uint64_t* p, F64 v) { *p = std::bit_cast<U64>(v); }
inline void wr(uint64_t* p, const V128& v) { std::memcpy(p, v.bytes, 16); }

template <typename T> inline T imm(const uint32_t* p);
template <> inline U32 imm<U32>(const uint32_t* p) { return p[0]; }
template <> inline U64 imm<U64>(const uint32_t* p) { return p[0] | (uint64_t{p[1]} << 32); }
template <typename T> inline constexpr uint32_t kImmWords = sizeof(T) / 4;

template <typename T> inline T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T> inline void store_le(uint8_t* p, T v) { std::memcpy(p, &v, sizeof v); }

template <typename From, typename To> inline V128 load_extend(const uint8_t* p) {
  V128 v;
  for (size_t i = 0; i < 8 / sizeof(From); ++i) set_lane<To>(v, i, static_cast<To>(load<From>(p + i * sizeof(From))));
  return v;
}
template <typename T> inline V128 load_splat(const uint8_t* p) {
  V128 v;
  T x = load<T>(p);
  for (size_t i = 0; i < kLanes<T>; ++i) set_lane<T>(v, i, x);
  return v;
}
template <typename T> inline V128 load_zero(const uint8_t* p) {
  V128 v;
  set_lane<T>(v, 0, load<T>(p));
  return v;
}

inline uint64_t ref_bits(runtime::Ref r) { return reinterpret_cast<uintptr_t>(r.ptr); }
// A runtime call's error as the dispatch loop's trap code. The Result dies inside the
// call's full expression: a local of it would be in scope across the loop's computed
// gotos, which clang refuses (a jump past a non-trivial destructor).
inline bool failed(Result<void>&& r, ErrorCode& code) {
  if (r.ok()) [[likely]] return false;
  code = r.error().code();
  return true;
}
inline runtime::Ref to_ref(uint64_t bits) { return runtime::Ref{reinterpret_cast<const void*>(static_cast<uintptr_t>(bits))}; }

}  // namespace

const void* const* handler_table() {
  static const void* const* table = [] {
    const void* const* t = nullptr;
    (void)Machine::execute(nullptr, nullptr, nullptr, nullptr, &t);
    return t;
  }();
  return table;
}

Result<void> Machine::execute(Machine* m, runtime::Store* store, const runtime::FuncInstance* entry, uint64_t* fp,
                              const void* const** table_out) {
  static const void* const kLabels[] = {
#define XOP(name, words) &&L_##name,
#include "engine/interp/xops.def"
#undef XOP
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == kXOpCount);
  if (table_out) {
    *table_out = kLabels;
    return ok();
  }

  const uint32_t* ip = nullptr;
  const CompiledFunc* func = nullptr;
  runtime::Instance* inst = nullptr;
  const CompiledModule* cm = nullptr;
  runtime::Global* const* globals = nullptr;
  runtime::Memory* mem0 = nullptr;
  uint8_t* mem = nullptr;
  uint64_t mem_size = 0;
  CallFrame* csp = m->m_csp;
  CallFrame* const entry_csp = csp;
  uint64_t* const entry_free = m->m_free;
  const uint32_t depth_limit = std::min(store->limits().max_call_depth, m->m_opts.max_call_frames);
  CallFrame* const frames_limit = m->m_frames + depth_limit;
  uint64_t* const stack_end = m->m_stack_end;
  ErrorCode trap_code = ErrorCode::TrapUnreachable;
  Result<void> trap_error = ok();
  const runtime::FuncInstance* callee_inst = nullptr;
  uint64_t* nfp = nullptr;
  const uint32_t* next_ip = nullptr;
  const CompiledFunc* callee = nullptr;
  const std::atomic<uint32_t>* const stop = store->stop_word();
  int64_t* const fuel = store->fuel_word();

#define NEXT()                              \
  do {                                      \
    const void* h_;                         \
    std::memcpy(&h_, ip, sizeof h_);        \
    goto* h_;                               \
  } while (0)
#define S(i) (fp + ip[i])
#define TRAP(code)     \
  do {                 \
    trap_code = (code); \
    goto trap;         \
  } while (0)
#define LOAD_INSTANCE()                                               \
  do {                                                                \
    cm = static_cast<const CompiledModule*>(inst->code);              \
    globals = inst->globals.data();                                   \
    mem0 = inst->memories.empty() ? nullptr : inst->memories[0];      \
    mem = mem0 ? mem0->data() : nullptr;                              \
    mem_size = mem0 ? mem0->size_bytes() : 0;                         \
  } while (0)
#define RELOAD_MEMORY_SIZE()                     \
  do {                                           \
    if (mem0) mem_size = mem0->size_bytes();     \
  } while (0)
// Declared locals start at zero. Most functions have a few, so an inline loop beats a
// call to memset (GCC is told not to turn it back into one).
#define ZERO_LOCALS(frame, f)                                                   \
  do {                                                                          \
    for (uint64_t *z_ = (frame) + (f)->param_slots, *e_ = (frame) + (f)->local_slots; z_ < e_; ++z_) *z_ = 0; \
  } while (0)
// Effective address of a memory access of `n` bytes: address slot ip[a], offset word ip[o].
#define EA(a, o, n)                                                     \
  const uint64_t ea = uint64_t{rd<U32>(S(a))} + ip[o];                  \
  if (ea + (n) > mem_size) [[unlikely]] TRAP(ErrorCode::TrapOutOfBoundsMemory)

  // Entry: a sentinel frame, then the function. Each entry from the host (host -> wasm ->
  // host nests them) costs a few KiB of this thread's stack, which may be small (a pool
  // thread of 128 KiB): the entry needs kEntryStackBytes left, or it traps instead of
  // overflowing. The next entry's frame is allocated before its own check runs, so the
  // margin must hold one whole entry: under AddressSanitizer this function's frame alone
  // is about 57 KiB (redzones around its locals), and 32 KiB let a nested entry overflow
  // whenever the last check landed within that much of the bottom (1 run in 20).
#if defined(__SANITIZE_ADDRESS__)
  constexpr uintptr_t kEntryStackBytes = 128 * 1024;
#else
  constexpr uintptr_t kEntryStackBytes = 32 * 1024;
#endif
  if (csp + 1 >= frames_limit || m->m_reentry >= m->m_opts.max_reentry ||
      reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) < native::stack_bottom() + kEntryStackBytes)
    return Error(ErrorCode::TrapCallStackExhausted);
  ++m->m_reentry;
  ++csp;
  *csp = CallFrame{nullptr, nullptr, nullptr, nullptr};
  inst = entry->instance;
  LOAD_INSTANCE();
  callee_inst = entry;
  nfp = fp;
  next_ip = nullptr;
  goto enter_wasm;

  // --- control -----------------------------------------------------------------------
L_Trap:
  TRAP(static_cast<ErrorCode>(ip[2]));
L_Br:
  ip = ip + 2 + static_cast<int32_t>(ip[2]);
  NEXT();
L_BrIfNez:
  if (rd<U32>(S(2)) != 0) ip = ip + 3 + static_cast<int32_t>(ip[3]);
  else ip += 4;
  NEXT();
L_BrIfEqz:
  if (rd<U32>(S(2)) == 0) ip = ip + 3 + static_cast<int32_t>(ip[3]);
  else ip += 4;
  NEXT();
L_BrIfNez64:
  if (rd<U64>(S(2)) != 0) ip = ip + 3 + static_cast<int32_t>(ip[3]);
  else ip += 4;
  NEXT();
L_BrIfEqz64:
  if (rd<U64>(S(2)) == 0) ip = ip + 3 + static_cast<int32_t>(ip[3]);
  else ip += 4;
  NEXT();
L_BrTable: {
  uint32_t i = rd<U32>(S(2));
  const uint32_t n = ip[3];
  if (i > n) i = n;
  const uint32_t* p = ip + 4 + i;
  ip = p + static_cast<int32_t>(*p);
  NEXT();
}
  // --- interruption and fuel (CodeOptions) ----------------------------------------------
#define CHECK_STOP()                                                                           \
  do {                                                                                         \
    if (const uint32_t why_ = stop->load(std::memory_order_relaxed); why_ != 0) [[unlikely]]  \
      TRAP(runtime::stop_trap(why_));                                                          \
  } while (0)
L_Count: {
  // Saturates: a hot function's count stops being written (no cache line bouncing
  // between threads that run it).
  const uint32_t h = func->hotness.load(std::memory_order_relaxed);
  if (h < kHotnessCap) func->hotness.store(h + 1, std::memory_order_relaxed);
  ip += 2;
  NEXT();
}
L_Poll:
  CHECK_STOP();
  ip += 2;
  NEXT();
L_Fuel: {
  const int64_t cost = ip[2];
  if (*fuel < cost) [[unlikely]] TRAP(ErrorCode::TrapOutOfFuel);
  *fuel -= cost;
  CHECK_STOP();
  ip += 3;
  NEXT();
}
#undef CHECK_STOP
L_Return: {
  CallFrame* cf = csp--;
  if (!cf->ret_ip) goto done;
  ip = cf->ret_ip;
  fp = cf->fp;
  func = cf->func;
  if (cf->inst != inst) {
    inst = cf->inst;
    LOAD_INSTANCE();
  } else {
    RELOAD_MEMORY_SIZE();
  }
  NEXT();
}
L_Call: {
  const uint32_t index = ip[2];
  callee = cm->func_if_ready(index);
  if (!callee) [[unlikely]] {
    auto r = cm->func(index);
    if (!r) {
      trap_error = std::move(r).error();
      goto trap_with_error;
    }
    callee = *r;
  }
  nfp = fp + ip[3];
  if (csp + 1 >= frames_limit || nfp + callee->frame_slots > stack_end) [[unlikely]]
    TRAP(ErrorCode::TrapCallStackExhausted);
  ++csp;
  *csp = CallFrame{ip + 4, fp, func, inst};
  fp = nfp;
  func = callee;
  ZERO_LOCALS(fp, callee);
  ip = callee->code.data();
  NEXT();
}
L_CallImport:
  callee_inst = inst->funcs[ip[2]];
  nfp = fp + ip[3];
  next_ip = ip + 4;
  goto call_instance;
L_CallIndirect: {
  const ir::FuncType& expected = cm->module().types[ip[2]];
  runtime::Table* table = inst->tables[ip[3]];
  const uint32_t i = rd<U32>(S(4));
  if (i >= table->size()) [[unlikely]] TRAP(ErrorCode::TrapUndefinedElement);
  const runtime::Ref r = table->at(i);
  if (r.is_null()) [[unlikely]] TRAP(ErrorCode::TrapUninitializedElement);
  callee_inst = static_cast<const runtime::FuncInstance*>(r.ptr);
  if (callee_inst->type != &expected && *callee_inst->type != expected) [[unlikely]]
    TRAP(ErrorCode::TrapIndirectCallTypeMismatch);
  nfp = fp + ip[5];
  next_ip = ip + 6;
  goto call_instance;
}

  // A body the LLVM tier compiled: its stub runs it through the slot ABI on this frame.
L_EnterNative: {
  m->m_csp = csp;
  m->m_free = fp + func->frame_slots;
  m->m_backtrace_fresh = false;
  native::VmCtx* ctx = native::context(*inst, *cm->native_code(), &slot_call);
  const void* code = reinterpret_cast<const void*>(static_cast<uintptr_t>(imm<U64>(ip + 2)));
  {
    Result<void> r = native::call(*ctx, code, fp, m, &m->m_native_trace);
    if (!r) [[unlikely]] {
      trap_error = std::move(r);
      goto host_failed;
    }
  }
  RELOAD_MEMORY_SIZE();
  goto L_Return;
}

  // A call through a FuncInstance: host, or wasm in this or another instance.
call_instance:
  if (csp + 1 >= frames_limit) [[unlikely]] TRAP(ErrorCode::TrapCallStackExhausted);
  ++csp;
  *csp = CallFrame{next_ip, fp, func, inst};
  if (callee_inst->is_host()) {
    m->m_csp = csp;
    m->m_free = fp + func->frame_slots;
    m->m_backtrace_fresh = false;
    {
      runtime::Caller caller{store, inst};
      Result<void> r = callee_inst->host.fn(callee_inst->host.env, caller, nfp);
      --csp;
      if (!r) [[unlikely]] {
        trap_error = std::move(r);
        goto host_failed;
      }
    }
    RELOAD_MEMORY_SIZE();
    ip = next_ip;
    NEXT();
  }
  if (callee_inst->instance != inst) {
    inst = callee_inst->instance;
    LOAD_INSTANCE();
  }
enter_wasm:
  callee = cm->func_if_ready(callee_inst->defined_index);
  if (!callee) [[unlikely]] {
    auto r = cm->func(callee_inst->defined_index);
    if (!r) {
      trap_error = std::move(r).error();
      goto trap_with_error;
    }
    callee = *r;
  }
  if (nfp + callee->frame_slots > stack_end) [[unlikely]] TRAP(ErrorCode::TrapCallStackExhausted);
  fp = nfp;
  func = callee;
  ZERO_LOCALS(fp, callee);
  ip = callee->code.data();
  NEXT();

  // --- data movement -----------------------------------------------------------------
L_Copy:
  *S(2) = *S(3);
  ip += 4;
  NEXT();
L_Copy128:
  std::memcpy(S(2), S(3), 16);
  ip += 4;
  NEXT();
L_Const32:
  *S(2) = ip[3];
  ip += 4;
  NEXT();
L_Const64:
  *S(2) = imm<U64>(ip + 3);
  ip += 5;
  NEXT();
L_Const128:
  std::memcpy(S(2), ip + 3, 16);
  ip += 7;
  NEXT();
L_Select:
  *S(2) = rd<U32>(S(5)) ? *S(3) : *S(4);
  ip += 6;
  NEXT();
L_Select128: {
  const V128 v = rd<U32>(S(5)) ? rd<V128>(S(3)) : rd<V128>(S(4));
  wr(S(2), v);
  ip += 6;
  NEXT();
}
L_GlobalGet:
  std::memcpy(S(2), static_cast<const void*>(&globals[ip[3]]->value), 8);
  ip += 4;
  NEXT();
L_GlobalGet128:
  std::memcpy(S(2), static_cast<const void*>(&globals[ip[3]]->value), 16);
  ip += 4;
  NEXT();
L_GlobalSet:
  std::memcpy(static_cast<void*>(&globals[ip[2]]->value), S(3), 8);
  ip += 4;
  NEXT();
L_GlobalSet128:
  std::memcpy(static_cast<void*>(&globals[ip[2]]->value), S(3), 16);
  ip += 4;
  NEXT();
L_RefIsNull:
  *S(2) = *S(3) == 0;
  ip += 4;
  NEXT();
L_RefFunc:
  *S(2) = ref_bits(runtime::Ref{inst->func(ip[3])});
  ip += 4;
  NEXT();

  // --- memory ------------------------------------------------------------------------
#define SKIFF_LOAD(name, T, To)                         \
  L_##name: {                                           \
    EA(3, 4, sizeof(T));                                \
    wr(S(2), static_cast<To>(load<T>(mem + ea)));       \
    ip += 5;                                            \
    NEXT();                                             \
  }
  SKIFF_LOAD(I32Load, U32, U32)
  SKIFF_LOAD(I64Load, U64, U64)
  SKIFF_LOAD(F32Load, U32, U32)
  SKIFF_LOAD(F64Load, U64, U64)
  SKIFF_LOAD(I32Load8S, int8_t, S32)
  SKIFF_LOAD(I32Load8U, uint8_t, U32)
  SKIFF_LOAD(I32Load16S, int16_t, S32)
  SKIFF_LOAD(I32Load16U, uint16_t, U32)
  SKIFF_LOAD(I64Load8S, int8_t, S64)
  SKIFF_LOAD(I64Load8U, uint8_t, U64)
  SKIFF_LOAD(I64Load16S, int16_t, S64)
  SKIFF_LOAD(I64Load16U, uint16_t, U64)
  SKIFF_LOAD(I64Load32S, int32_t, S64)
  SKIFF_LOAD(I64Load32U, uint32_t, U64)
#undef SKIFF_LOAD
#define SKIFF_STORE(name, T)                                       \
  L_##name: {                                                      \
    EA(2, 4, sizeof(T));                                           \
    store_le<T>(mem + ea, static_cast<T>(rd<U64>(S(3))));             \
    ip += 5;                                                       \
    NEXT();                                                        \
  }
  SKIFF_STORE(I32Store, uint32_t)
  SKIFF_STORE(I64Store, uint64_t)
  SKIFF_STORE(F32Store, uint32_t)
  SKIFF_STORE(F64Store, uint64_t)
  SKIFF_STORE(I32Store8, uint8_t)
  SKIFF_STORE(I32Store16, uint16_t)
  SKIFF_STORE(I64Store8, uint8_t)
  SKIFF_STORE(I64Store16, uint16_t)
  SKIFF_STORE(I64Store32, uint32_t)
#undef SKIFF_STORE
#define SKIFF_VLOAD(name, n, expr)  \
  L_##name: {                       \
    EA(3, 4, n);                    \
    const uint8_t* p = mem + ea;    \
    wr(S(2), expr);                 \
    ip += 5;                        \
    NEXT();                         \
  }
  SKIFF_VLOAD(V128Load, 16, load<V128>(p))
  SKIFF_VLOAD(V128Load8x8S, 8, (load_extend<int8_t, int16_t>(p)))
  SKIFF_VLOAD(V128Load8x8U, 8, (load_extend<uint8_t, uint16_t>(p)))
  SKIFF_VLOAD(V128Load16x4S, 8, (load_extend<int16_t, int32_t>(p)))
  SKIFF_VLOAD(V128Load16x4U, 8, (load_extend<uint16_t, uint32_t>(p)))
  SKIFF_VLOAD(V128Load32x2S, 8, (load_extend<int32_t, int64_t>(p)))
  SKIFF_VLOAD(V128Load32x2U, 8, (load_extend<uint32_t, uint64_t>(p)))
  SKIFF_VLOAD(V128Load8Splat, 1, load_splat<uint8_t>(p))
  SKIFF_VLOAD(V128Load16Splat, 2, load_splat<uint16_t>(p))
  SKIFF_VLOAD(V128Load32Splat, 4, load_splat<uint32_t>(p))
  SKIFF_VLOAD(V128Load64Splat, 8, load_splat<uint64_t>(p))
  SKIFF_VLOAD(V128Load32Zero, 4, load_zero<uint32_t>(p))
  SKIFF_VLOAD(V128Load64Zero, 8, load_zero<uint64_t>(p))
#undef SKIFF_VLOAD
L_V128Store: {
  EA(2, 4, 16);
  std::memcpy(mem + ea, S(3), 16);
  ip += 5;
  NEXT();
}
  // [dst addr vec offset lane]
#define SKIFF_LOAD_LANE(name, T)                          \
  L_##name: {                                             \
    EA(3, 5, sizeof(T));                                  \
    V128 v = rd<V128>(S(4));                              \
    set_lane<T>(v, ip[6], load<T>(mem + ea));             \
    wr(S(2), v);                                          \
    ip += 7;                                              \
    NEXT();                                               \
  }
  SKIFF_LOAD_LANE(V128Load8Lane, uint8_t)
  SKIFF_LOAD_LANE(V128Load16Lane, uint16_t)
  SKIFF_LOAD_LANE(V128Load32Lane, uint32_t)
  SKIFF_LOAD_LANE(V128Load64Lane, uint64_t)
#undef SKIFF_LOAD_LANE
  // [addr vec offset lane]
#define SKIFF_STORE_LANE(name, T)                                  \
  L_##name: {                                                      \
    EA(2, 4, sizeof(T));                                           \
    store_le<T>(mem + ea, get_lane<T>(rd<V128>(S(3)), ip[5]));        \
    ip += 6;                                                       \
    NEXT();                                                        \
  }
  SKIFF_STORE_LANE(V128Store8Lane, uint8_t)
  SKIFF_STORE_LANE(V128Store16Lane, uint16_t)
  SKIFF_STORE_LANE(V128Store32Lane, uint32_t)
  SKIFF_STORE_LANE(V128Store64Lane, uint64_t)
#undef SKIFF_STORE_LANE

L_MemorySize:
  *S(2) = mem0->pages();
  ip += 3;
  NEXT();
L_MemoryGrow:
  wr(S(2), static_cast<S32>(mem0->grow(rd<U32>(S(3)))));
  mem_size = mem0->size_bytes();
  ip += 4;
  NEXT();
L_MemoryFill: {
  const uint32_t d = rd<U32>(S(2)), n = rd<U32>(S(4));
  if (uint64_t{d} + n > mem_size) [[unlikely]] TRAP(ErrorCode::TrapOutOfBoundsMemory);
  if (!runtime::Store::charge_bulk(fuel, runtime::Store::bulk_memory_units(n))) [[unlikely]] TRAP(ErrorCode::TrapOutOfFuel);
  if (const uint32_t why = runtime::bulk_fill(mem + d, static_cast<uint8_t>(rd<U32>(S(3))), n, stop)) [[unlikely]]
    TRAP(runtime::stop_trap(why));
  ip += 5;
  NEXT();
}
L_MemoryCopy: {
  const uint32_t d = rd<U32>(S(2)), s = rd<U32>(S(3)), n = rd<U32>(S(4));
  if (uint64_t{d} + n > mem_size || uint64_t{s} + n > mem_size) [[unlikely]]
    TRAP(ErrorCode::TrapOutOfBoundsMemory);
  if (!runtime::Store::charge_bulk(fuel, runtime::Store::bulk_memory_units(n))) [[unlikely]] TRAP(ErrorCode::TrapOutOfFuel);
  if (const uint32_t why = runtime::bulk_copy(mem + d, mem + s, n, stop)) [[unlikely]] TRAP(runtime::stop_trap(why));
  ip += 5;
  NEXT();
}
L_MemoryInit: {
  const std::span<const uint8_t> seg = inst->data_segment(ip[2]);
  const uint32_t d = rd<U32>(S(3)), s = rd<U32>(S(4)), n = rd<U32>(S(5));
  if (uint64_t{s} + n > seg.size() || uint64_t{d} + n > mem_size) [[unlikely]]
    TRAP(ErrorCode::TrapOutOfBoundsMemory);
  if (!runtime::Store::charge_bulk(fuel, runtime::Store::bulk_memory_units(n))) [[unlikely]] TRAP(ErrorCode::TrapOutOfFuel);
  if (const uint32_t why = runtime::bulk_copy(mem + d, seg.data() + s, n, stop)) [[unlikely]]
    TRAP(runtime::stop_trap(why));
  ip += 6;
  NEXT();
}
L_DataDrop:
  inst->data_dropped[ip[2]] = true;
  ip += 3;
  NEXT();

  // --- tables ------------------------------------------------------------------------
L_TableGet: {
  runtime::Table* t = inst->tables[ip[3]];
  const uint32_t i = rd<U32>(S(4));
  if (i >= t->size()) [[unlikely]] TRAP(ErrorCode::TrapOutOfBoundsTable);
  *S(2) = ref_bits(t->at(i));
  ip += 5;
  NEXT();
}
L_TableSet: {
  // No Result stays in scope across the indirect jump (clang rejects that).
  if (!inst->tables[ip[2]]->set(rd<U32>(S(3)), to_ref(*S(4))).ok()) [[unlikely]] TRAP(ErrorCode::TrapOutOfBoundsTable);
  ip += 5;
  NEXT();
}
L_TableSize:
  *S(2) = inst->tables[ip[3]]->size();
  ip += 4;
  NEXT();
L_TableGrow:
  wr(S(2), static_cast<S32>(inst->tables[ip[3]]->grow(rd<U32>(S(5)), to_ref(*S(4)))));
  ip += 6;
  NEXT();
L_TableFill:
  if (failed(inst->tables[ip[2]]->fill(rd<U32>(S(3)), to_ref(*S(4)), rd<U32>(S(5)), fuel), trap_code)) [[unlikely]]
    goto trap;
  ip += 6;
  NEXT();
L_TableCopy:
  if (failed(inst->tables[ip[2]]->copy_from(*inst->tables[ip[3]], rd<U32>(S(4)), rd<U32>(S(5)), rd<U32>(S(6)), fuel),
             trap_code)) [[unlikely]]
    goto trap;
  ip += 7;
  NEXT();
L_TableInit:
  if (failed(inst->tables[ip[3]]->init(rd<U32>(S(4)), inst->elem_segments[ip[2]], rd<U32>(S(5)), rd<U32>(S(6)), fuel),
             trap_code)) [[unlikely]]
    goto trap;
  ip += 7;
  NEXT();
L_ElemDrop:
  inst->elem_segments[ip[2]].clear();
  ip += 3;
  NEXT();

L_I8x16Shuffle: {
  uint8_t lanes[16];
  std::memcpy(lanes, ip + 5, 16);
  wr(S(2), i8x16_shuffle(rd<V128>(S(3)), rd<V128>(S(4)), std::span<const uint8_t, 16>(lanes, 16)));
  ip += 9;
  NEXT();
}

  // --- everything in ops.def -----------------------------------------------------------
#define SKIFF_APPLY_0(dst, expr) wr(dst, expr)
#define SKIFF_APPLY_1(dst, expr)                                     \
  do {                                                               \
    auto r_ = (expr);                                                \
    if (!r_) [[unlikely]] TRAP(r_.error().code());                   \
    wr(dst, *r_);                                                    \
  } while (0)
#define SKIFF_UN(op, fn, A, R, traps)                  \
  L_##op:                                              \
  SKIFF_APPLY_##traps(S(2), fn(rd<A>(S(3))));          \
  ip += 4;                                             \
  NEXT();
#define SKIFF_BIN(op, fn, A, B, R, traps)                      \
  L_##op:                                                      \
  SKIFF_APPLY_##traps(S(2), fn(rd<A>(S(3)), rd<B>(S(4))));     \
  ip += 5;                                                     \
  NEXT();
#define SKIFF_BIN_RI(op, fn, A, B, R, traps)                         \
  SKIFF_BIN(op, fn, A, B, R, traps)                                  \
  L_##op##Ri:                                                        \
  SKIFF_APPLY_##traps(S(2), fn(rd<A>(S(3)), imm<B>(ip + 4)));        \
  ip += 4 + kImmWords<B>;                                            \
  NEXT();
#define SKIFF_TERN(op, fn, A, B, C, R)                                 \
  L_##op:                                                              \
  wr(S(2), fn(rd<A>(S(3)), rd<B>(S(4)), rd<C>(S(5))));                 \
  ip += 6;                                                             \
  NEXT();
#define SKIFF_EXTRACT(op, fn, R)                                       \
  L_##op:                                                              \
  wr(S(2), fn(as_v128(S(3)), static_cast<uint8_t>(ip[4])));            \
  ip += 5;                                                             \
  NEXT();
#define SKIFF_REPLACE(op, fn, B)                                                   \
  L_##op:                                                                          \
  wr(S(2), fn(rd<V128>(S(3)), static_cast<uint8_t>(ip[5]), rd<B>(S(4))));         \
  ip += 6;                                                                         \
  NEXT();
  // Fused compare + branch: [a b off] and [a imm off].
#define SKIFF_CMP(op, fn, T, neg)                                                   \
  L_Br##op:                                                                         \
  if (fn(rd<T>(S(2)), rd<T>(S(3)))) ip = ip + 4 + static_cast<int32_t>(ip[4]);      \
  else ip += 5;                                                                     \
  NEXT();                                                                           \
  L_Br##op##Ri: {                                                                   \
    const uint32_t* o = ip + 3 + kImmWords<T>;                                      \
    if (fn(rd<T>(S(2)), imm<T>(ip + 3))) ip = o + static_cast<int32_t>(*o);         \
    else ip = o + 1;                                                                \
    NEXT();                                                                         \
  }
#include "engine/interp/ops.def"
#undef SKIFF_UN
#undef SKIFF_BIN
#undef SKIFF_BIN_RI
#undef SKIFF_TERN
#undef SKIFF_EXTRACT
#undef SKIFF_REPLACE
#undef SKIFF_CMP
#undef SKIFF_APPLY_0
#undef SKIFF_APPLY_1
#define SKIFF_BIN_M(op, fn, T, load_op)                         \
  L_##op##M: {                                                  \
    EA(4, 5, sizeof(T));                                        \
    wr(S(2), fn(rd<T>(S(3)), load<T>(mem + ea)));               \
    ip += 6;                                                    \
    NEXT();                                                     \
  }
#include "engine/interp/mem_ops.def"
#undef SKIFF_BIN_M

host_failed:
  // A nested run (host -> wasm) that trapped has recorded the deeper frames.
  if (m->m_backtrace_fresh) {
    m->m_native_trace.clear();
    goto unwind;
  }
  goto trap_with_error;
trap:
  trap_error = Error(trap_code);
trap_with_error:
  m->capture_backtrace(csp, func, inst);  // innermost first: `func` is executing
unwind:
  m->m_backtrace_fresh = true;
  m->m_csp = entry_csp;
  m->m_free = entry_free;
  --m->m_reentry;
  return trap_error;

done:
  m->m_csp = entry_csp;
  m->m_free = entry_free;
  --m->m_reentry;
  return ok();

#undef NEXT
#undef S
#undef TRAP
#undef LOAD_INSTANCE
#undef RELOAD_MEMORY_SIZE
#undef EA
#undef ZERO_LOCALS
}

}  // namespace skiff::engine::interp
