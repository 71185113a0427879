#include "engine/runtime/linker.h"

namespace skiff::engine::runtime {

void Linker::define(std::string_view module, std::string_view name, const Extern& item) {
  m_items[{std::string(module), std::string(name)}] = item;
}

void Linker::define_instance(std::string_view module, Instance& instance) {
  for (const ir::Export& e : instance.module->module().exports)
    if (auto x = instance.find_export(e.name)) define(module, e.name, *x);
}

const Extern* Linker::find(std::string_view module, std::string_view name) const {
  auto it = m_items.find(std::pair<std::string, std::string>(module, name));
  return it == m_items.end() ? nullptr : &it->second;
}

Result<std::vector<Extern>> Linker::resolve(const ir::Module& m) const {
  std::vector<Extern> out;
  out.reserve(m.imports.size());
  for (const ir::Import& imp : m.imports) {
    const Extern* x = find(imp.module, imp.name);
    if (!x) return Error(ErrorCode::UnknownImport, imp.offset, "\"" + imp.module + "\" \"" + imp.name + "\"");
    out.push_back(*x);
  }
  return out;
}

}  // namespace skiff::engine::runtime
