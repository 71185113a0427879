#include "skiff/instance.h"

#include <string>

#include "engine/api/store_impl.h"

namespace skiff {

namespace rt = engine::runtime;
namespace ir = engine::ir;

namespace {

std::optional<rt::Extern> find(rt::Instance& inst, std::string_view name, ir::ExternKind kind) {
  std::optional<rt::Extern> x = inst.find_export(name);
  if (!x || x->kind != kind) return std::nullopt;
  return x;
}

}  // namespace

std::optional<Func> Instance::get_func(std::string_view name) const {
  if (auto x = find(*m_raw, name, ir::ExternKind::Func)) return Func(m_store, x->func);
  return std::nullopt;
}

std::optional<Memory> Instance::get_memory(std::string_view name) const {
  if (auto x = find(*m_raw, name, ir::ExternKind::Memory)) return Memory(m_store, x->memory);
  return std::nullopt;
}

std::optional<Global> Instance::get_global(std::string_view name) const {
  if (auto x = find(*m_raw, name, ir::ExternKind::Global)) return Global(m_store, x->global);
  return std::nullopt;
}

Result<Func> Instance::get_func_or_error(std::string_view name) const {
  if (auto f = get_func(name)) return *f;
  return Error(ErrorCode::InvalidArgument, kNoOffset, "no exported function \"" + std::string(name) + "\"");
}

}  // namespace skiff
