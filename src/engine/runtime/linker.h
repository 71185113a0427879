#pragma once
// Linker: names things a module can import ("module"."name" -> Extern) and resolves a
// module's imports against them, in import order, ready for Store::instantiate. Host
// modules (WASI, spectest, an embedder's functions) are defined one item at a time;
// an instance is registered under a module name with all of its exports. Resolution is
// by name only; types are checked by Store::instantiate (the spec's link step), which
// reports IncompatibleImportType.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/runtime/store.h"

namespace skiff::engine::runtime {

class Linker {
 public:
  // Defines (or redefines) one item.
  void define(std::string_view module, std::string_view name, const Extern& item);
  // Defines every export of `instance` under `module`.
  void define_instance(std::string_view module, Instance& instance);

  // nullptr when nothing of that name is defined.
  const Extern* find(std::string_view module, std::string_view name) const;

  // The externs for `m`'s imports, in order. Error: UnknownImport naming the first
  // import with no definition, at its byte offset.
  Result<std::vector<Extern>> resolve(const ir::Module& m) const;

 private:
  std::map<std::pair<std::string, std::string>, Extern, std::less<>> m_items;
};

}  // namespace skiff::engine::runtime
