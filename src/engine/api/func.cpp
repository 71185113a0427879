#include "skiff/func.h"

#include <array>
#include <string>

#include "engine/api/store_impl.h"

namespace skiff {

namespace rt = engine::runtime;
namespace ir = engine::ir;

Error trap(std::string_view message) { return Error(ErrorCode::TrapHost, kNoOffset, std::string(message)); }

namespace detail {

Error host_exception(const char* what) {
  return Error(ErrorCode::TrapHost, kNoOffset,
               what ? "host function threw: " + std::string(what) : std::string("host function threw an exception"));
}

Result<void> call_slots(StoreImpl* store, rt::FuncInstance* f, uint64_t* slots) {
  return store->call_slots(*f, slots);
}

}  // namespace detail

FuncType Func::type() const { return detail::from_engine(*m_raw->type); }
size_t Func::param_count() const { return m_raw->type->params.size(); }
size_t Func::result_count() const { return m_raw->type->results.size(); }

Value Func::to_value() const { return Value::ref(ValType::FuncRef, m_raw); }

Result<void> Func::check_type(std::span<const ValType> params, std::span<const ValType> results) const {
  const ir::FuncType& t = *m_raw->type;
  auto same = [](std::span<const ValType> want, const std::vector<ir::ValType>& have) {
    if (want.size() != have.size()) return false;
    for (size_t i = 0; i < want.size(); ++i)
      if (detail::to_engine(want[i]) != have[i]) return false;
    return true;
  };
  if (same(params, t.params) && same(results, t.results)) return {};
  FuncType wanted{{params.begin(), params.end()}, {results.begin(), results.end()}};
  return Error(ErrorCode::ArgumentMismatch, kNoOffset,
               "typed function " + wanted.to_string() + " for a function of type " + type().to_string());
}

Result<void> Func::call(std::span<const Value> args, std::span<Value> results) const {
  const ir::FuncType& t = *m_raw->type;
  if (results.size() != t.results.size())
    return Error(ErrorCode::ArgumentMismatch, kNoOffset,
                 std::to_string(results.size()) + " result slots for a function of type " + type().to_string());
  // Small calls convert on the stack; the engine checks the argument types.
  constexpr size_t kInline = 16;
  std::array<rt::Value, kInline> in_small;
  std::array<rt::Value, kInline> out_small;
  std::vector<rt::Value> in_big;
  std::vector<rt::Value> out_big;
  std::span<rt::Value> in(in_small.data(), args.size());
  std::span<rt::Value> out(out_small.data(), results.size());
  if (args.size() > kInline) {
    in_big.resize(args.size());
    in = in_big;
  }
  if (results.size() > kInline) {
    out_big.resize(results.size());
    out = out_big;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    SKIFF_TRY_ASSIGN(in[i], detail::to_engine_for(*m_store, args[i]));
  }
  SKIFF_TRY(m_store->call(*m_raw, in, out));
  for (size_t i = 0; i < results.size(); ++i) results[i] = detail::from_engine(out[i]);
  return {};
}

Result<std::vector<Value>> Func::call(std::span<const Value> args) const {
  std::vector<Value> results(result_count());
  SKIFF_TRY(call(args, results));
  return results;
}

Result<Memory> Caller::memory(uint32_t index) const {
  if (rt::Memory* m = m_raw->memory(index)) return Memory(m_store, m);
  return Error(ErrorCode::TrapHost, kNoOffset,
               m_raw->instance ? "the calling instance has no memory " + std::to_string(index)
                               : std::string("no calling instance (host function called from the host)"));
}

namespace {

std::optional<rt::Extern> caller_export(const rt::Caller& c, std::string_view name, ir::ExternKind kind) {
  if (!c.instance) return std::nullopt;
  std::optional<rt::Extern> x = c.instance->find_export(name);
  if (!x || x->kind != kind) return std::nullopt;
  return x;
}

}  // namespace

std::optional<Memory> Caller::get_memory(std::string_view export_name) const {
  if (auto x = caller_export(*m_raw, export_name, ir::ExternKind::Memory)) return Memory(m_store, x->memory);
  return std::nullopt;
}

std::optional<Func> Caller::get_func(std::string_view export_name) const {
  if (auto x = caller_export(*m_raw, export_name, ir::ExternKind::Func)) return Func(m_store, x->func);
  return std::nullopt;
}

std::optional<Global> Caller::get_global(std::string_view export_name) const {
  if (auto x = caller_export(*m_raw, export_name, ir::ExternKind::Global)) return Global(m_store, x->global);
  return std::nullopt;
}

}  // namespace skiff
