#pragma once
/// \file
/// Instance: a handle to an instantiated module inside a Store (valid while the store
/// lives). Made by Linker::instantiate; gives access to the instance's exports.

#include <optional>
#include <string_view>

#include "skiff/func.h"
#include "skiff/global.h"
#include "skiff/memory.h"
#include "skiff/result.h"

namespace skiff::engine::runtime {
struct Instance;
}

namespace skiff {

class Instance {
 public:
  /// The export `name` of that kind, or nullopt (no such export, or another kind).
  std::optional<Func> get_func(std::string_view name) const;
  std::optional<Memory> get_memory(std::string_view name) const;
  std::optional<Global> get_global(std::string_view name) const;

  /// The exported function `name` with C++ signature Sig, checked once here:
  /// `auto fib = instance.get_typed_func<int32_t(int32_t)>("fib");`. Errors:
  /// InvalidArgument (no exported function of that name), ArgumentMismatch (its wasm
  /// type is not Sig's).
  template <typename Sig>
  Result<TypedFunc<Sig>> get_typed_func(std::string_view name) const {
    SKIFF_TRY_ASSIGN(Func f, get_func_or_error(name));
    return f.typed<Sig>();
  }

  friend bool operator==(const Instance& a, const Instance& b) { return a.m_raw == b.m_raw; }

  /// For code inside skiff: wraps an engine instance of `store`.
  Instance(detail::StoreImpl* store, engine::runtime::Instance* raw) : m_store(store), m_raw(raw) {}
  detail::StoreImpl* store() const { return m_store; }
  engine::runtime::Instance* raw() const { return m_raw; }

 private:
  Result<Func> get_func_or_error(std::string_view name) const;

  detail::StoreImpl* m_store;
  engine::runtime::Instance* m_raw;
};

}  // namespace skiff
