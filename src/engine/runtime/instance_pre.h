#pragma once
// InstancePre: a module with its imports resolved and type-checked once, plus what its
// initial state looks like whatever instance it becomes: the initial memory (active data
// segments applied) as a sealed memory file, and each table's initial elements (active
// element segments) as function indices. Store::instantiate(pre) then maps the image
// copy-on-write, points tables at their images (filled lazily) and makes function
// instances on first use, so its cost does not grow with the module's data, elements or
// functions. Immutable once built; shared by every store and thread that instantiates it.
//
// Modules whose segments need the general algorithm (data into an imported memory,
// elements into an imported table, a segment out of bounds, which must trap part-way)
// still instantiate from an InstancePre, through Store's general path.

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "engine/runtime/store.h"
#include "platform/virtual_memory.h"

namespace skiff::engine::runtime {

class InstancePre {
 public:
  // `module` must outlive the InstancePre; `imports` are in import order (Linker::resolve)
  // and must outlive it too (host functions, imported memories...). `code` is the tier's
  // compiled module (Instance::code). Errors: the link errors of Store::instantiate.
  // `owner`, if given, is kept alive as long as the InstancePre (e.g. the compiled
  // module that holds `module` and `code`).
  static Result<std::shared_ptr<const InstancePre>> create(const validate::ValidatedModule& module,
                                                          std::vector<Extern> imports, const void* code = nullptr,
                                                          std::shared_ptr<const void> owner = nullptr);

  const validate::ValidatedModule& module() const { return *m_module; }
  std::span<const Extern> imports() const { return m_imports; }
  const void* code() const { return m_code; }
  // Whether instantiation takes the fast path (images); false means the general one.
  bool fast() const { return m_fast; }
  // Images up to these sizes are always built; past them, only when their segments
  // fill at least half (sparse ones take the general path: instance_pre.cpp).
  static constexpr uint64_t kDenseMemoryImage = 16 << 20;  // bytes
  static constexpr uint64_t kDenseTableImage = 1 << 20;    // elements
  // Bytes of the initial-memory image (0: none).
  size_t memory_image_bytes() const { return m_memory_image ? m_memory_image->size() : 0; }

 private:
  friend class Store;
  InstancePre(const validate::ValidatedModule& module, std::vector<Extern> imports, const void* code)
      : m_module(&module), m_imports(std::move(imports)), m_code(code) {}
  Result<void> build_images();

  std::shared_ptr<const void> m_owner;
  const validate::ValidatedModule* m_module;
  std::vector<Extern> m_imports;
  Instance m_linked;  // Store::link's result: the imports in their index spaces
  const void* m_code;
  bool m_fast = false;
  std::optional<platform::ImageFile> m_memory_image;  // for the module's own memory 0
  std::vector<std::vector<uint32_t>> m_table_images;  // per own table: function indices
  // The initial values of the module's own globals, when none needs the instance
  // (ref.func does); else empty and instantiation evaluates them.
  std::vector<RawValue> m_global_values;
  bool m_globals_known = false;
};

}  // namespace skiff::engine::runtime
