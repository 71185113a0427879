#pragma once
/// \file
/// Memory: a handle to a linear memory of a Store (valid while the store lives). The
/// memory's base address never moves, not even on grow, so data() stays valid; size()
/// only grows. The read/write helpers check bounds and fail with
/// TrapOutOfBoundsMemory, which a host function can return as is to trap its caller.

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "skiff/result.h"

namespace skiff::engine::runtime {
class Memory;
}

namespace skiff {

namespace detail {
struct StoreImpl;
}

class Memory {
 public:
  /// The first byte of the memory.
  uint8_t* data() const;
  /// The current size in bytes (a multiple of 64 KiB).
  uint64_t size() const;
  /// The current size in 64 KiB pages.
  uint32_t pages() const;
  /// Grows by `delta_pages` and returns the previous size in pages. Error
  /// (InvalidArgument) when the memory's maximum or the store's limit would be passed,
  /// or the OS cannot commit the pages; the memory is then unchanged.
  Result<uint32_t> grow(uint32_t delta_pages) const;

  /// The `len` bytes at `offset`, or TrapOutOfBoundsMemory. The span stays valid while
  /// the store lives.
  Result<std::span<uint8_t>> span(uint64_t offset, uint64_t len) const {
    SKIFF_TRY(check(offset, len));
    return std::span<uint8_t>(data() + offset, static_cast<size_t>(len));
  }
  /// The bytes at `offset` as text (no UTF-8 check), or TrapOutOfBoundsMemory.
  Result<std::string_view> string_view(uint64_t offset, uint64_t len) const {
    SKIFF_TRY(check(offset, len));
    return std::string_view(reinterpret_cast<const char*>(data() + offset),
                            static_cast<size_t>(len));
  }
  /// Copies `out.size()` bytes from `offset` into `out`, or TrapOutOfBoundsMemory.
  Result<void> read(uint64_t offset, std::span<uint8_t> out) const {
    SKIFF_TRY(check(offset, out.size()));
    if (!out.empty()) std::memcpy(out.data(), data() + offset, out.size());
    return {};
  }
  /// Copies `in` to `offset`, or TrapOutOfBoundsMemory.
  Result<void> write(uint64_t offset, std::span<const uint8_t> in) const {
    SKIFF_TRY(check(offset, in.size()));
    if (!in.empty()) std::memcpy(data() + offset, in.data(), in.size());
    return {};
  }
  /// A trivially copyable value at `offset` (little-endian, as wasm stores it).
  template <typename T>
    requires std::is_trivially_copyable_v<T>
  Result<T> read(uint64_t offset) const {
    SKIFF_TRY(check(offset, sizeof(T)));
    T v;
    std::memcpy(&v, data() + offset, sizeof(T));
    return v;
  }
  template <typename T>
    requires std::is_trivially_copyable_v<T>
  Result<void> write(uint64_t offset, const T& v) const {
    SKIFF_TRY(check(offset, sizeof(T)));
    std::memcpy(data() + offset, &v, sizeof(T));
    return {};
  }

  friend bool operator==(const Memory& a, const Memory& b) { return a.m_raw == b.m_raw; }

  /// For code inside skiff: wraps an engine memory of `store`.
  Memory(detail::StoreImpl* store, engine::runtime::Memory* raw) : m_store(store), m_raw(raw) {}
  detail::StoreImpl* store() const { return m_store; }
  engine::runtime::Memory* raw() const { return m_raw; }

 private:
  Result<void> check(uint64_t offset, uint64_t len) const {
    uint64_t size_now = size();
    if (offset <= size_now && len <= size_now - offset) [[likely]] return {};
    return out_of_bounds(offset, len);
  }
  Error out_of_bounds(uint64_t offset, uint64_t len) const;

  detail::StoreImpl* m_store;
  engine::runtime::Memory* m_raw;
};

}  // namespace skiff
