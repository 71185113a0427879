#pragma once
/// \file
/// Global: a handle to a global of a Store (valid while the store lives).

#include "skiff/result.h"
#include "skiff/value.h"

namespace skiff::engine::runtime {
struct Global;
}

namespace skiff {

namespace detail {
struct StoreImpl;
}

class Global {
 public:
  ValType type() const;
  bool is_mutable() const;
  Value get() const;
  /// Error (InvalidArgument) when the global is immutable or `v` has another type.
  Result<void> set(const Value& v) const;

  friend bool operator==(const Global& a, const Global& b) { return a.m_raw == b.m_raw; }

  /// For code inside skiff: wraps an engine global of `store`.
  Global(detail::StoreImpl* store, engine::runtime::Global* raw) : m_store(store), m_raw(raw) {}
  detail::StoreImpl* store() const { return m_store; }
  engine::runtime::Global* raw() const { return m_raw; }

 private:
  detail::StoreImpl* m_store;
  engine::runtime::Global* m_raw;
};

}  // namespace skiff
