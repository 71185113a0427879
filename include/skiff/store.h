#pragma once
/// \file
/// Store: owns every instance, function, memory and global created in it, plus the
/// execution state (value and call stacks) that runs their code. One store per tenant,
/// request or run. A store and everything in it belong to one thread at a time; the
/// handles (Instance, Func, TypedFunc, Memory, Global) are plain pointers into it and
/// stay valid exactly as long as the store does.

#include <cstdint>
#include <memory>

#include "skiff/engine.h"

namespace skiff {

namespace detail {
struct StoreImpl;
}

/// Per-store resource limits. Breaking one is an error (instantiation) or a trap
/// ("call stack exhausted"), or memory.grow returning -1.
struct StoreLimits {
  uint32_t max_memory_pages = 65536;      ///< per memory, 64 KiB pages (65536 = 4 GiB)
  uint32_t max_table_elements = 10'000'000;         ///< per table
  uint64_t max_store_table_elements = 10'000'000;   ///< in all of the store's tables together
  uint32_t max_instances = 10'000;
  uint32_t max_call_depth = 100'000;      ///< nested wasm calls
};

class Store {
 public:
  explicit Store(const Engine& engine, const StoreLimits& limits = {});
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const StoreLimits& limits() const;

  /// For code inside skiff.
  detail::StoreImpl* impl() const { return m_impl.get(); }

 private:
  std::unique_ptr<detail::StoreImpl> m_impl;
};

}  // namespace skiff
