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
#include "skiff/result.h"

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

namespace detail {
struct StopCell;
}

/// Stops the code running in one store, from any thread (a timer, a supervisor). Cheap to
/// copy; may outlive its store (then interrupt() does nothing). Takes effect only for
/// modules compiled with EngineOptions::interruptible (or consume_fuel).
class InterruptHandle {
 public:
  /// The store's code traps with "interrupted" at its next function entry or loop head,
  /// and so do later calls until Store::clear_interrupt().
  void interrupt() const;

 private:
  friend class Store;
  explicit InterruptHandle(std::shared_ptr<detail::StopCell> cell) : m_cell(std::move(cell)) {}
  std::shared_ptr<detail::StopCell> m_cell;
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

  /// A handle that interrupts this store's code from another thread (see InterruptHandle).
  InterruptHandle interrupt_handle() const;
  /// Lets calls run again after an interrupt.
  void clear_interrupt();
  /// The fuel code in this store may still use (EngineOptions::consume_fuel); running
  /// out traps with "all fuel consumed". InvalidArgument when the engine meters no fuel.
  Result<void> set_fuel(uint64_t fuel);
  Result<uint64_t> get_fuel() const;

  /// For code inside skiff.
  detail::StoreImpl* impl() const { return m_impl.get(); }

 private:
  std::unique_ptr<detail::StoreImpl> m_impl;
};

}  // namespace skiff
