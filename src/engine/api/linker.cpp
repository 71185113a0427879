#include "skiff/linker.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/api/store_impl.h"
#include "engine/interp/interpreter.h"

namespace skiff {

namespace rt = engine::runtime;
namespace ir = engine::ir;

// One definition: a host function (bound to a store on use) or an item of one store.
struct Linker::Impl {
  struct Item {
    std::shared_ptr<const detail::HostDefinition> host;
    uint64_t store_id = 0;  // StoreImpl::id: a store's address may be reused once it is gone
    rt::Extern item;
  };
  std::map<std::pair<std::string, std::string>, Item> items;

  void define(std::string_view module, std::string_view name, Item item) {
    items[{std::string(module), std::string(name)}] = std::move(item);
  }
};

Linker::Linker() : m_impl(std::make_unique<Impl>()) {}
Linker::~Linker() = default;
Linker::Linker(Linker&&) noexcept = default;
Linker& Linker::operator=(Linker&&) noexcept = default;

void Linker::define_host(std::string_view module, std::string_view name, std::span<const ValType> params,
                         std::span<const ValType> results, detail::RawHostCallback fn,
                         std::shared_ptr<void> callable) {
  auto def = std::make_shared<detail::HostDefinition>();
  for (ValType t : params) def->type.params.push_back(detail::to_engine(t));
  for (ValType t : results) def->type.results.push_back(detail::to_engine(t));
  def->fn = fn;
  def->callable = std::move(callable);
  impl().define(module, name, Impl::Item{std::move(def), 0, {}});
}

void Linker::define(std::string_view module, std::string_view name, const Func& f) {
  rt::Extern x;
  x.kind = ir::ExternKind::Func;
  x.func = f.raw();
  impl().define(module, name, Impl::Item{nullptr, f.store()->id, x});
}

void Linker::define(std::string_view module, std::string_view name, const Memory& m) {
  rt::Extern x;
  x.kind = ir::ExternKind::Memory;
  x.memory = m.raw();
  impl().define(module, name, Impl::Item{nullptr, m.store()->id, x});
}

void Linker::define(std::string_view module, std::string_view name, const Global& g) {
  rt::Extern x;
  x.kind = ir::ExternKind::Global;
  x.global = g.raw();
  impl().define(module, name, Impl::Item{nullptr, g.store()->id, x});
}

void Linker::define_instance(std::string_view module, const Instance& instance) {
  rt::Instance& inst = *instance.raw();
  for (const ir::Export& e : inst.module->module().exports)
    if (auto x = inst.find_export(e.name)) impl().define(module, e.name, Impl::Item{nullptr, instance.store()->id, *x});
}

// A moved-from linker gets a new, empty set of definitions.
Linker::Impl& Linker::impl() {
  if (!m_impl) m_impl = std::make_unique<Impl>();
  return *m_impl;
}

Result<Instance> Linker::instantiate(Store& store, const Module& module) const {
  if (!store.impl()) return Error(ErrorCode::InvalidArgument, kNoOffset, "a moved-from Store");
  detail::StoreImpl& s = *store.impl();
  const engine::interp::CompiledModule& code = *module.compiled();
  const ir::Module& m = code.module();
  std::vector<rt::Extern> imports;
  imports.reserve(m.imports.size());
  for (const ir::Import& imp : m.imports) {
    auto it = m_impl ? m_impl->items.find({imp.module, imp.name}) : decltype(m_impl->items)::const_iterator();
    if (!m_impl || it == m_impl->items.end())
      return Error(ErrorCode::UnknownImport, imp.offset, "\"" + imp.module + "\" \"" + imp.name + "\"");
    const Impl::Item& item = it->second;
    if (item.host) {
      rt::Extern x;
      x.kind = ir::ExternKind::Func;
      x.func = s.bind(item.host);
      imports.push_back(x);
    } else if (item.store_id != s.id) {
      return Error(ErrorCode::InvalidArgument, imp.offset,
                   "\"" + imp.module + "\" \"" + imp.name + "\" is defined by another store (or one that is gone)");
    } else {
      imports.push_back(item.item);
    }
  }
  s.keep(module.compiled());
  // The machine's backtrace is empty unless the start function trapped.
  auto inst = engine::interp::instantiate(s.machine, s.store, code, imports);
  if (!inst.ok()) return s.depth == 0 ? s.with_backtrace(std::move(inst).error()) : std::move(inst).error();
  return Instance(&s, *inst);
}

}  // namespace skiff
