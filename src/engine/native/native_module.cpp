#include "engine/native/native_module.h"

#include <math.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <cstring>
#include <string>
#include <string_view>

#include "engine/native/trap_signals.h"

namespace skiff::engine::native {

namespace {

// Runtime symbols generated code may reference, by name.
const void* resolve_symbol(void* /*ctx*/, std::string_view name) {
  struct Entry {
    std::string_view name;
    const void* addr;
  };
#define SKIFF_RT(fn) Entry{#fn, reinterpret_cast<const void*>(&fn)}
  static const Entry kSymbols[] = {
      // Straight to raise_trap, so the trap's return address and frame are the
      // compiled caller's (the backtrace walk starts there).
      Entry{"skiff_rt_trap", reinterpret_cast<const void*>(&raise_trap)},
      SKIFF_RT(skiff_rt_stop_code),     SKIFF_RT(skiff_rt_memory_grow),
      SKIFF_RT(skiff_rt_memory_fill),  SKIFF_RT(skiff_rt_memory_copy),   SKIFF_RT(skiff_rt_memory_init),
      SKIFF_RT(skiff_rt_data_drop),    SKIFF_RT(skiff_rt_table_get),     SKIFF_RT(skiff_rt_table_set),
      SKIFF_RT(skiff_rt_table_size),   SKIFF_RT(skiff_rt_table_grow),    SKIFF_RT(skiff_rt_table_fill),
      SKIFF_RT(skiff_rt_table_copy),   SKIFF_RT(skiff_rt_table_init),    SKIFF_RT(skiff_rt_elem_drop),
      SKIFF_RT(skiff_rt_ref_func),     SKIFF_RT(skiff_rt_call),          SKIFF_RT(skiff_rt_call_indirect),
      SKIFF_RT(skiff_rt_indirect),
      // What LLVM lowers some operations to when the target CPU lacks an instruction.
      // Never memcpy/memset: compiled code is built with "no-builtins" so it calls no
      // libc function on linear memory (a fault there would not be a trap), and an object
      // that does anyway fails to load here instead.
      Entry{"ceilf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::ceilf))},
      Entry{"ceil", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::ceil))},
      Entry{"floorf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::floorf))},
      Entry{"floor", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::floor))},
      Entry{"truncf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::truncf))},
      Entry{"trunc", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::trunc))},
      Entry{"roundevenf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::roundevenf))},
      Entry{"roundeven", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::roundeven))},
      Entry{"nearbyintf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::nearbyintf))},
      Entry{"nearbyint", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::nearbyint))},
  };
#undef SKIFF_RT
  for (const Entry& e : kSymbols)
    if (e.name == name) return e.addr;
  return nullptr;
}

// Parses "<prefix><decimal index>"; false for any other name.
bool parse_index(std::string_view name, char prefix, uint32_t& out) {
  if (name.size() < 2 || name.size() > 11 || name[0] != prefix) return false;
  uint64_t v = 0;
  for (char c : name.substr(1)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

// With SKIFF_PERF_MAP=1, compiled functions are listed in /tmp/perf-<pid>.map, where
// Linux perf finds names for code it cannot see in any file. Best effort: a failed
// write only costs the names.
void write_perf_map(const CodeObject& code) {
  const std::string path = "/tmp/perf-" + std::to_string(::getpid()) + ".map";
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return;
  for (const CodeSymbol& s : code.functions())
    std::fprintf(f, "%lx %lx wasm:%.*s\n", reinterpret_cast<unsigned long>(s.addr), static_cast<unsigned long>(s.size),
                 static_cast<int>(s.name.size()), s.name.data());
  std::fclose(f);
}

uint32_t trap_of(const Result<void>& r, VmCtx* ctx) {
  if (r) return 0;
  ctx->pending = r.error();
  return kTrapPending;
}

constexpr uint32_t code_of(ErrorCode c) { return static_cast<uint32_t>(c); }

}  // namespace

Result<std::shared_ptr<const NativeModule>> NativeModule::load(std::span<const uint8_t> object,
                                                               uint32_t defined_funcs,
                                                               std::shared_ptr<const NativeModule> previous) {
  std::shared_ptr<NativeModule> m(new NativeModule());
  m->m_previous = std::move(previous);
  SKIFF_TRY_ASSIGN(m->m_code, CodeObject::load(object, &resolve_symbol, nullptr));
  m->m_slot.assign(defined_funcs, nullptr);
  m->m_typed.assign(defined_funcs, nullptr);
  for (const CodeSymbol& s : m->m_code->functions()) {
    uint32_t i = 0;
    if (parse_index(s.name, kTypedPrefix, i)) {
      if (i < defined_funcs) m->m_typed[i] = s.addr;
      continue;
    }
    if (!parse_index(s.name, kSlotPrefix, i)) continue;
    if (i >= defined_funcs)
      return Error(ErrorCode::MalformedObject, kNoOffset,
                   "compiled code names function " + std::to_string(i) + " of a module with " +
                       std::to_string(defined_funcs));
    if (!m->m_slot[i]) ++m->m_compiled;
    m->m_slot[i] = s.addr;
  }
  const auto [begin, end] = m->m_code->code_range();
  if (begin != end) SKIFF_TRY(register_code(begin, end));
  if (const char* v = std::getenv("SKIFF_PERF_MAP"); v && *v == '1') write_perf_map(*m->m_code);
  return std::shared_ptr<const NativeModule>(std::move(m));
}

NativeModule::~NativeModule() {
  if (m_code && m_code->code_range().first != m_code->code_range().second)
    unregister_code(m_code->code_range().first);
}

std::optional<NativeModule::CodeAt> NativeModule::function_at(uintptr_t pc) const {
  const CodeSymbol* s = m_code->function_at(pc);
  if (!s) return m_previous ? m_previous->function_at(pc) : std::nullopt;
  uint32_t i = 0;
  for (char prefix : {kTypedPrefix, kLocalPrefix, kSlotPrefix})
    if (parse_index(s->name, prefix, i) && i < m_slot.size()) return CodeAt{i, prefix == kSlotPrefix};
  return std::nullopt;
}

VmCtx* context(runtime::Instance& inst, const NativeModule& code, SlotCaller caller) {
  if (inst.native_ctx) [[likely]] {
    auto* ctx = static_cast<VmCtx*>(inst.native_ctx.get());
    if (ctx->module != &code) [[unlikely]] {
      // Tier-up attached newer code. Frames of the older code may still be running with
      // this context: its typed entries stay valid (older code is kept loaded), and
      // function_at() of the newer code finds the older code's functions.
      ctx->typed = code.typed_entries();
      ctx->module = &code;
    }
    return ctx;
  }
  auto ctx = std::make_shared<VmCtx>();
  if (!inst.memories.empty()) {
    ctx->mem_base = inst.memories[0]->data();
    ctx->mem_pages = inst.memories[0]->pages_word();
  }
  ctx->globals = inst.globals.data();
  ctx->stop = inst.store->stop_word();
  ctx->fuel = inst.store->fuel_word();
  ctx->typed = code.typed_entries();
  ctx->module = &code;
  for (const runtime::Table* t : inst.tables) ctx->table_views.push_back(t->view());
  ctx->tables = ctx->table_views.data();
  ctx->types = inst.module->module().types.data();
  ctx->instance = &inst;
  ctx->store = inst.store;
  ctx->call = caller;
  VmCtx* raw = ctx.get();
  inst.native_ctx = std::move(ctx);
  return raw;
}

namespace {
struct Entry {
  const void* entry;
  VmCtx* ctx;
  uint64_t* slots;
};
void run_entry(void* p) {
  auto* e = static_cast<Entry*>(p);
  reinterpret_cast<void (*)(VmCtx*, uint64_t*)>(const_cast<void*>(e->entry))(e->ctx, e->slots);
}
// Compiled code reaches the memories of its store only (through its own instance or
// the ones it imports from), so a fault anywhere else is not a guest's.
bool in_store_memory(const void* store, uintptr_t addr) {
  return static_cast<const runtime::Store*>(store)->reserves(addr);
}
}  // namespace

Result<void> call(VmCtx& ctx, const void* entry, uint64_t* slots, void* machine, std::vector<uint32_t>* trace) {
  // Nested entries (compiled -> host -> compiled) keep the outer call's machine and bound.
  void* const outer_machine = ctx.machine;
  const uintptr_t outer_limit = ctx.stack_limit;
  ctx.machine = machine;
  ctx.stack_limit = stack_limit();
  Entry e{entry, &ctx, slots};
  TrapInfo info{};
  const FaultRegion memory{&in_store_memory, ctx.store};
  const uint32_t code = run_guarded(&run_entry, &e, &info, ctx.store ? &memory : nullptr);
  ctx.machine = outer_machine;
  ctx.stack_limit = outer_limit;
  if (code == 0) [[likely]] return ok();
  if (trace) {
    trace->clear();
    bool last_was_body = false;
    for (uint32_t k = 0; k < info.frame_count; ++k) {
      const auto f = ctx.module->function_at(info.frames[k]);
      if (!f) continue;
      // A slot entry calling its own body is one wasm frame, not two.
      if (!(f->entry && last_was_body && trace->back() == f->index)) trace->push_back(f->index);
      last_was_body = !f->entry;
    }
  }
  if (code == kTrapPending && ctx.pending) {
    Error err = std::move(*ctx.pending);
    ctx.pending.reset();
    return err;
  }
  return Error(static_cast<ErrorCode>(code));
}

}  // namespace skiff::engine::native

// --- runtime functions called by generated code ------------------------------------------

using skiff::ErrorCode;
using skiff::engine::native::VmCtx;
namespace rt = skiff::engine::runtime;
namespace native = skiff::engine::native;

extern "C" {

void skiff_rt_trap(uint32_t code) { native::raise_trap(code); }

uint32_t skiff_rt_stop_code(VmCtx* ctx) {
  return ctx->store->stop_reason() == rt::StopReason::Deadline ? native::code_of(ErrorCode::TrapDeadline)
                                                               : native::code_of(ErrorCode::TrapInterrupted);
}

int32_t skiff_rt_memory_grow(VmCtx* ctx, uint32_t delta) { return ctx->instance->memories[0]->grow(delta); }

uint32_t skiff_rt_memory_fill(VmCtx* ctx, uint32_t d, uint32_t val, uint32_t n) {
  const uint64_t size = uint64_t{*ctx->mem_pages} * skiff::engine::ir::kPageSize;
  if (uint64_t{d} + n > size) return native::code_of(ErrorCode::TrapOutOfBoundsMemory);
  if (!rt::Store::charge_bulk(ctx->fuel, rt::Store::bulk_memory_units(n))) return native::code_of(ErrorCode::TrapOutOfFuel);
  const uint32_t why = rt::bulk_fill(ctx->mem_base + d, static_cast<uint8_t>(val), n, ctx->stop);
  return why ? native::code_of(rt::stop_trap(why)) : 0;
}

uint32_t skiff_rt_memory_copy(VmCtx* ctx, uint32_t d, uint32_t s, uint32_t n) {
  const uint64_t size = uint64_t{*ctx->mem_pages} * skiff::engine::ir::kPageSize;
  if (uint64_t{d} + n > size || uint64_t{s} + n > size) return native::code_of(ErrorCode::TrapOutOfBoundsMemory);
  if (!rt::Store::charge_bulk(ctx->fuel, rt::Store::bulk_memory_units(n))) return native::code_of(ErrorCode::TrapOutOfFuel);
  const uint32_t why = rt::bulk_copy(ctx->mem_base + d, ctx->mem_base + s, n, ctx->stop);
  return why ? native::code_of(rt::stop_trap(why)) : 0;
}

uint32_t skiff_rt_memory_init(VmCtx* ctx, uint32_t seg, uint32_t d, uint32_t s, uint32_t n) {
  const std::span<const uint8_t> bytes = ctx->instance->data_segment(seg);
  const uint64_t size = uint64_t{*ctx->mem_pages} * skiff::engine::ir::kPageSize;
  if (uint64_t{s} + n > bytes.size() || uint64_t{d} + n > size)
    return native::code_of(ErrorCode::TrapOutOfBoundsMemory);
  if (!rt::Store::charge_bulk(ctx->fuel, rt::Store::bulk_memory_units(n))) return native::code_of(ErrorCode::TrapOutOfFuel);
  const uint32_t why = rt::bulk_copy(ctx->mem_base + d, bytes.data() + s, n, ctx->stop);
  return why ? native::code_of(rt::stop_trap(why)) : 0;
}

void skiff_rt_data_drop(VmCtx* ctx, uint32_t seg) { ctx->instance->data_dropped[seg] = true; }

uint32_t skiff_rt_table_get(VmCtx* ctx, uint32_t table, uint32_t i, const void** out) {
  rt::Table* t = ctx->instance->tables[table];
  if (i >= t->size()) return native::code_of(ErrorCode::TrapOutOfBoundsTable);
  *out = t->at(i).ptr;
  return 0;
}

uint32_t skiff_rt_table_set(VmCtx* ctx, uint32_t table, uint32_t i, const void* ref) {
  return ctx->instance->tables[table]->set(i, rt::Ref{ref}).ok() ? 0
                                                                  : native::code_of(ErrorCode::TrapOutOfBoundsTable);
}

uint32_t skiff_rt_table_size(VmCtx* ctx, uint32_t table) { return ctx->instance->tables[table]->size(); }

int32_t skiff_rt_table_grow(VmCtx* ctx, uint32_t table, const void* ref, uint32_t n) {
  return ctx->instance->tables[table]->grow(n, rt::Ref{ref});
}

uint32_t skiff_rt_table_fill(VmCtx* ctx, uint32_t table, uint32_t i, const void* ref, uint32_t n) {
  const skiff::Result<void> r = ctx->instance->tables[table]->fill(i, rt::Ref{ref}, n, ctx->fuel);
  return r.ok() ? 0 : native::code_of(r.error().code());
}

uint32_t skiff_rt_table_copy(VmCtx* ctx, uint32_t dst, uint32_t src, uint32_t d, uint32_t s, uint32_t n) {
  rt::Instance& inst = *ctx->instance;
  const skiff::Result<void> r = inst.tables[dst]->copy_from(*inst.tables[src], d, s, n, ctx->fuel);
  return r.ok() ? 0 : native::code_of(r.error().code());
}

uint32_t skiff_rt_table_init(VmCtx* ctx, uint32_t elem, uint32_t table, uint32_t d, uint32_t s, uint32_t n) {
  rt::Instance& inst = *ctx->instance;
  const skiff::Result<void> r = inst.tables[table]->init(d, inst.elem_segments[elem], s, n, ctx->fuel);
  return r.ok() ? 0 : native::code_of(r.error().code());
}

void skiff_rt_elem_drop(VmCtx* ctx, uint32_t seg) { ctx->instance->elem_segments[seg].clear(); }

const void* skiff_rt_ref_func(VmCtx* ctx, uint32_t func) { return ctx->instance->func(func); }

namespace {
// Calls `f` through the slot ABI: a host function directly, wasm through the interpreter.
uint32_t call_func(VmCtx* ctx, const rt::FuncInstance* f, uint64_t* slots) {
  if (f->is_host()) {
    rt::Caller caller{ctx->store, ctx->instance};
    return native::trap_of(f->host.fn(f->host.env, caller, slots), ctx);
  }
  return native::trap_of(ctx->call(ctx->machine, *ctx->store, *f, slots), ctx);
}

// call_indirect's checks: the element's function, or null with *status the trap.
const rt::FuncInstance* checked_element(VmCtx* ctx, uint32_t type, uint32_t table, uint32_t i, uint32_t* status) {
  rt::Instance& inst = *ctx->instance;
  rt::Table* t = inst.tables[table];
  *status = 0;
  if (i >= t->size()) {
    *status = native::code_of(ErrorCode::TrapUndefinedElement);
    return nullptr;
  }
  const rt::Ref r = t->at(i);
  if (r.is_null()) {
    *status = native::code_of(ErrorCode::TrapUninitializedElement);
    return nullptr;
  }
  const auto* f = static_cast<const rt::FuncInstance*>(r.ptr);
  const skiff::engine::ir::FuncType& expected = inst.module->module().types[type];
  if (f->type != &expected && *f->type != expected) {
    *status = native::code_of(ErrorCode::TrapIndirectCallTypeMismatch);
    return nullptr;
  }
  return f;
}
}  // namespace

uint32_t skiff_rt_call(VmCtx* ctx, uint32_t func, uint64_t* slots) {
  return call_func(ctx, ctx->instance->func(func), slots);
}

const void* skiff_rt_indirect(VmCtx* ctx, uint32_t type, uint32_t table, uint32_t i, uint32_t* status) {
  const rt::FuncInstance* f = checked_element(ctx, type, table, i, status);
  return f && f->instance == ctx->instance ? ctx->typed[f->defined_index] : nullptr;
}

uint32_t skiff_rt_call_indirect(VmCtx* ctx, uint32_t type, uint32_t table, uint32_t i, uint64_t* slots) {
  uint32_t status = 0;
  const rt::FuncInstance* f = checked_element(ctx, type, table, i, &status);
  return f ? call_func(ctx, f, slots) : status;
}

}  // extern "C"
