#include "skiff/store.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <type_traits>

#include "engine/api/store_impl.h"

namespace skiff {

namespace rt = engine::runtime;
namespace ir = engine::ir;

namespace {

// The public defaults are the engine's (include/skiff/store.h cannot include it);
// a changed engine default fails here until the public header follows.
constexpr bool same_defaults(const rt::StoreLimits& e, const StoreLimits& p) {
  return e.max_memory_pages == p.max_memory_pages && e.max_table_elements == p.max_table_elements &&
         e.max_store_table_elements == p.max_store_table_elements &&
         e.max_instances == p.max_instances && e.max_call_depth == p.max_call_depth;
}
static_assert(same_defaults(rt::StoreLimits{}, StoreLimits{}),
              "StoreLimits defaults differ from the engine's: update include/skiff/store.h");
static_assert(std::is_same_v<detail::RawHostCallback, rt::HostCallback>);

rt::StoreLimits to_engine_limits(const StoreLimits& l) {
  rt::StoreLimits r;
  r.max_memory_pages = l.max_memory_pages;
  r.max_table_elements = l.max_table_elements;
  r.max_store_table_elements = l.max_store_table_elements;
  r.max_instances = l.max_instances;
  r.max_call_depth = l.max_call_depth;
  return r;
}

engine::interp::MachineOptions machine_options(const EngineOptions& e) {
  engine::interp::MachineOptions m;
  m.value_stack_bytes = e.value_stack_bytes;
  m.max_call_frames = e.max_call_frames;
  m.max_reentry = e.max_reentry;
  return m;
}

}  // namespace

namespace detail {

namespace {
std::atomic<uint64_t> g_next_store_id{1};
}  // namespace

StoreImpl::StoreImpl(const EngineOptions& engine, const StoreLimits& l)
    : id(g_next_store_id.fetch_add(1, std::memory_order_relaxed)),
      limits(l),
      fuel_metered(engine.consume_fuel),
      stop_cell(std::make_shared<StopCell>()),
      store(to_engine_limits(l)),
      machine(machine_options(engine)) {
  stop_cell->store = &store;
}

StoreImpl::~StoreImpl() {
  std::lock_guard lock(stop_cell->mutex);  // an interrupt() in flight finishes first
  stop_cell->store = nullptr;
}

rt::FuncInstance* StoreImpl::bind(const std::shared_ptr<const HostDefinition>& def) {
  auto it = host_funcs.find(def.get());
  if (it != host_funcs.end()) return it->second;
  HostBinding& b = bindings.emplace_back(HostBinding{this, def->callable.get()});
  rt::FuncInstance* f = store.add_host_func(def->type, rt::HostFunc{def->fn, &b});
  host_defs.emplace(def.get(), def);
  host_funcs.emplace(def.get(), f);
  return f;
}

void StoreImpl::keep(std::shared_ptr<const engine::interp::CompiledModule> module) {
  if (std::find(modules.begin(), modules.end(), module) == modules.end()) modules.push_back(std::move(module));
}

Result<void> StoreImpl::call_slots(const rt::FuncInstance& f, uint64_t* slots) {
  ++depth;
  Result<void> r = machine.call_slots(store, f, slots);
  --depth;
  if (!r.ok() && depth == 0) [[unlikely]] return with_backtrace(std::move(r).error());
  return r;
}

Result<void> StoreImpl::call(const rt::FuncInstance& f, std::span<const rt::Value> args,
                             std::span<rt::Value> results) {
  ++depth;
  Result<void> r = machine.call(store, f, args, results);
  --depth;
  if (!r.ok() && depth == 0) [[unlikely]] return with_backtrace(std::move(r).error());
  return r;
}

Error StoreImpl::with_backtrace(Error e) const {
  if (e.phase() != Phase::Trap || machine.backtrace().empty()) return e;
  std::string bt = machine.format_backtrace();
  while (!bt.empty() && bt.back() == '\n') bt.pop_back();
  std::string context(e.context());
  if (!context.empty()) context += "; ";
  context += "wasm backtrace:\n";
  context += bt;
  return Error(e.code(), e.offset(), std::move(context));
}

ir::ValType to_engine(ValType t) {
  switch (t) {
    case ValType::I32: return ir::ValType::I32;
    case ValType::I64: return ir::ValType::I64;
    case ValType::F32: return ir::ValType::F32;
    case ValType::F64: return ir::ValType::F64;
    case ValType::V128: return ir::ValType::V128;
    case ValType::FuncRef: return ir::ValType::FuncRef;
    case ValType::ExternRef: return ir::ValType::ExternRef;
  }
  SKIFF_UNREACHABLE("bad ValType");
}

ValType from_engine(ir::ValType t) {
  switch (t) {
    case ir::ValType::I32: return ValType::I32;
    case ir::ValType::I64: return ValType::I64;
    case ir::ValType::F32: return ValType::F32;
    case ir::ValType::F64: return ValType::F64;
    case ir::ValType::V128: return ValType::V128;
    case ir::ValType::FuncRef: return ValType::FuncRef;
    case ir::ValType::ExternRef: return ValType::ExternRef;
    case ir::ValType::Bottom: break;
  }
  SKIFF_UNREACHABLE("no public type for the validator's bottom type");
}

rt::Value to_engine(const Value& v) {
  switch (v.type()) {
    case ValType::I32: return rt::Value::i32(v.u32());
    case ValType::I64: return rt::Value::i64(v.u64());
    case ValType::F32: return rt::Value::f32(v.f32());
    case ValType::F64: return rt::Value::f64(v.f64());
    case ValType::V128: {
      ir::V128 x;
      std::copy(std::begin(v.v128().bytes), std::end(v.v128().bytes), x.bytes);
      return rt::Value::v128(x);
    }
    case ValType::FuncRef:
    case ValType::ExternRef: return rt::Value::ref(to_engine(v.type()), rt::Ref{v.ref()});
  }
  SKIFF_UNREACHABLE("bad ValType");
}

Value from_engine(const rt::Value& v) {
  switch (v.type) {
    case ir::ValType::I32: return Value(v.raw.i32);
    case ir::ValType::I64: return Value(v.raw.i64);
    case ir::ValType::F32: return Value(v.raw.f32);
    case ir::ValType::F64: return Value(v.raw.f64);
    case ir::ValType::V128: {
      V128 x;
      std::copy(std::begin(v.raw.v128.bytes), std::end(v.raw.v128.bytes), x.bytes);
      return Value(x);
    }
    case ir::ValType::FuncRef:
    case ir::ValType::ExternRef: return Value::ref(from_engine(v.type), v.raw.ref.ptr);
    case ir::ValType::Bottom: break;
  }
  SKIFF_UNREACHABLE("no public value of the validator's bottom type");
}

Result<rt::Value> to_engine_for(const StoreImpl& store, const Value& v) {
  if (v.type() == ValType::FuncRef && !v.is_null() &&
      !store.store.owns(static_cast<const rt::FuncInstance*>(v.ref())))
    return Error(ErrorCode::InvalidArgument, kNoOffset, "a funcref that is not a function of this store");
  return to_engine(v);
}

FuncType from_engine(const ir::FuncType& t) {
  FuncType r;
  r.params.reserve(t.params.size());
  r.results.reserve(t.results.size());
  for (ir::ValType p : t.params) r.params.push_back(from_engine(p));
  for (ir::ValType p : t.results) r.results.push_back(from_engine(p));
  return r;
}

}  // namespace detail

Store::Store(const Engine& engine, const StoreLimits& limits)
    : m_impl(std::make_unique<detail::StoreImpl>(engine.options(), limits)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

void InterruptHandle::interrupt() const {
  if (!m_cell) return;
  std::lock_guard lock(m_cell->mutex);
  if (m_cell->store) m_cell->store->interrupt();
}

InterruptHandle Store::interrupt_handle() const { return InterruptHandle(m_impl ? m_impl->stop_cell : nullptr); }

void Store::clear_interrupt() {
  if (m_impl) m_impl->store.clear_interrupt();
}

namespace {
// The runtime store of `impl` if it meters fuel.
Result<rt::Store*> metered(detail::StoreImpl* impl) {
  if (!impl) return Error(ErrorCode::InvalidArgument, kNoOffset, "a moved-from Store");
  if (!impl->fuel_metered)
    return Error(ErrorCode::InvalidArgument, kNoOffset, "fuel is not metered (EngineOptions::consume_fuel)");
  return &impl->store;
}
}  // namespace

Result<void> Store::set_fuel(uint64_t fuel) {
  SKIFF_TRY_ASSIGN(rt::Store * s, metered(m_impl.get()));
  s->set_fuel(fuel);
  return {};
}

Result<uint64_t> Store::get_fuel() const {
  SKIFF_TRY_ASSIGN(rt::Store * s, metered(m_impl.get()));
  return s->fuel_remaining();
}

const StoreLimits& Store::limits() const {
  static const StoreLimits kMovedFrom{};
  return m_impl ? m_impl->limits : kMovedFrom;
}

}  // namespace skiff
