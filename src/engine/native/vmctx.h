#pragma once
// VmCtx: what compiled (LLVM tier) code of one instance reads at run time, passed as the
// first argument of every compiled function. Generated code addresses the fields by
// the offsets below (VmField), so the layout is part of the code format: a change here
// bumps kCodeFormatVersion and with it every cached artifact.
//
// The runtime functions compiled code calls (memory.grow, table ops, calls into host
// functions or the interpreter, traps) are extern "C" symbols named in kRuntimeSymbols;
// the object loader resolves them by name.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"
#include "engine/runtime/host.h"

namespace skiff::engine::runtime {
struct Instance;
class Store;
struct FuncInstance;
struct Global;
}  // namespace skiff::engine::runtime

namespace skiff::engine::native {

class NativeModule;

// Bumped whenever generated code's contract with the runtime changes (this layout, a
// runtime function's signature, the naming of symbols).
inline constexpr uint32_t kCodeFormatVersion = 2;

// Calls a function of any kind through the slot ABI (runtime/host.h) on behalf of
// compiled code; the interpreter supplies it, so calls reach functions it runs.
using SlotCaller = Result<void> (*)(void* machine, runtime::Store& store, const runtime::FuncInstance& f,
                                    uint64_t* slots);

struct VmCtx {
  uint8_t* mem_base = nullptr;             // memory 0 (its base never moves: guard-page reservation)
  const uint32_t* mem_pages = nullptr;     // memory 0's current size in 64 KiB pages
  runtime::Global* const* globals = nullptr;
  const std::atomic<uint32_t>* stop = nullptr;  // Store::stop_word()
  int64_t* fuel = nullptr;                 // Store::fuel_word()
  uintptr_t stack_limit = 0;               // lowest native stack address compiled code may use
  // Typed entry of each defined function that may be called through a table (null:
  // not compiled), so call_indirect within an instance is a direct native call.
  const void* const* typed = nullptr;
  // call_indirect's inline path: each table's elements, and the module's types (an
  // element whose FuncInstance::type is &types[t] has type t).
  const void* const* tables = nullptr;     // runtime::Table::View* per table
  const void* types = nullptr;             // ir::FuncType array (module().types.data())
  runtime::Instance* instance = nullptr;
  runtime::Store* store = nullptr;
  void* machine = nullptr;                 // for `call`, valid while compiled code runs
  SlotCaller call = nullptr;
  // A host function's error, kept whole (WASI's exit, messages) while the trap unwinds.
  std::optional<Error> pending;
  const NativeModule* module = nullptr;    // for mapping trap frames back to functions
  std::vector<const void*> table_views;    // what `tables` points at
};

// Field offsets as generated code sees them (8-byte words from the start).
enum class VmField : uint32_t { MemBase = 0, MemPages, Globals, Stop, Fuel, StackLimit, Typed, Tables, Types, Instance };
static_assert(offsetof(VmCtx, mem_base) == 0);
static_assert(offsetof(VmCtx, mem_pages) == 8 * static_cast<size_t>(VmField::MemPages));
static_assert(offsetof(VmCtx, globals) == 8 * static_cast<size_t>(VmField::Globals));
static_assert(offsetof(VmCtx, stop) == 8 * static_cast<size_t>(VmField::Stop));
static_assert(offsetof(VmCtx, fuel) == 8 * static_cast<size_t>(VmField::Fuel));
static_assert(offsetof(VmCtx, stack_limit) == 8 * static_cast<size_t>(VmField::StackLimit));
static_assert(offsetof(VmCtx, typed) == 8 * static_cast<size_t>(VmField::Typed));
static_assert(offsetof(VmCtx, tables) == 8 * static_cast<size_t>(VmField::Tables));
static_assert(offsetof(VmCtx, types) == 8 * static_cast<size_t>(VmField::Types));
static_assert(offsetof(VmCtx, instance) == 8 * static_cast<size_t>(VmField::Instance));

// The trap code compiled code raises for a host function's error (kept in
// VmCtx::pending); real trap codes are ErrorCode values.
inline constexpr uint32_t kTrapPending = 0xFFFF'FFFF;

// Symbol names in the object. Function `defined_index` of the module is "f<index>"
// (typed, C calling convention: ret f(VmCtx*, params...)) when a table or reference may
// reach it, else the local "l<index>" (only called directly; LLVM may change its
// convention); its slot-ABI entry is "s<index>" (void s(VmCtx*, uint64_t* slots)).
inline constexpr char kTypedPrefix = 'f';
inline constexpr char kLocalPrefix = 'l';
inline constexpr char kSlotPrefix = 's';

}  // namespace skiff::engine::native

// The runtime functions generated code calls. Each returns 0 or a trap code for the
// caller to raise (skiff_rt_trap), so no C++ frame is ever unwound by a trap.
extern "C" {
[[noreturn]] void skiff_rt_trap(uint32_t code);
uint32_t skiff_rt_stop_code(skiff::engine::native::VmCtx* ctx);
int32_t skiff_rt_memory_grow(skiff::engine::native::VmCtx* ctx, uint32_t delta);
uint32_t skiff_rt_memory_fill(skiff::engine::native::VmCtx* ctx, uint32_t d, uint32_t val, uint32_t n);
uint32_t skiff_rt_memory_copy(skiff::engine::native::VmCtx* ctx, uint32_t d, uint32_t s, uint32_t n);
uint32_t skiff_rt_memory_init(skiff::engine::native::VmCtx* ctx, uint32_t seg, uint32_t d, uint32_t s, uint32_t n);
void skiff_rt_data_drop(skiff::engine::native::VmCtx* ctx, uint32_t seg);
uint32_t skiff_rt_table_get(skiff::engine::native::VmCtx* ctx, uint32_t table, uint32_t i, const void** out);
uint32_t skiff_rt_table_set(skiff::engine::native::VmCtx* ctx, uint32_t table, uint32_t i, const void* ref);
uint32_t skiff_rt_table_size(skiff::engine::native::VmCtx* ctx, uint32_t table);
int32_t skiff_rt_table_grow(skiff::engine::native::VmCtx* ctx, uint32_t table, const void* ref, uint32_t n);
uint32_t skiff_rt_table_fill(skiff::engine::native::VmCtx* ctx, uint32_t table, uint32_t i, const void* ref,
                             uint32_t n);
uint32_t skiff_rt_table_copy(skiff::engine::native::VmCtx* ctx, uint32_t dst, uint32_t src, uint32_t d, uint32_t s,
                             uint32_t n);
uint32_t skiff_rt_table_init(skiff::engine::native::VmCtx* ctx, uint32_t elem, uint32_t table, uint32_t d,
                             uint32_t s, uint32_t n);
void skiff_rt_elem_drop(skiff::engine::native::VmCtx* ctx, uint32_t seg);
const void* skiff_rt_ref_func(skiff::engine::native::VmCtx* ctx, uint32_t func);
// Calls function `func` (an import, or one this object does not compile) with its
// arguments in `slots`; results come back there.
uint32_t skiff_rt_call(skiff::engine::native::VmCtx* ctx, uint32_t func, uint64_t* slots);
// call_indirect's fast path: checks the element and its type, then returns the callee's
// typed entry when it is a compiled function of this instance. Null otherwise, with
// *status 0 (take the slot path) or the trap code.
const void* skiff_rt_indirect(skiff::engine::native::VmCtx* ctx, uint32_t type, uint32_t table, uint32_t i,
                              uint32_t* status);
// call_indirect through the slot ABI: checks the element and its type.
uint32_t skiff_rt_call_indirect(skiff::engine::native::VmCtx* ctx, uint32_t type, uint32_t table, uint32_t i,
                                uint64_t* slots);
}
