#pragma once
// Memory: one linear memory instance (https://webassembly.github.io/spec/core/exec/runtime.html#memory-instances).
// A 32-bit memory reserves 4 GiB plus a 4 GiB guard region up front (DESIGN.md: any
// i32 address + u32 offset lands inside the reservation) and commits pages as it grows,
// so its base never moves. Owned by a Store; used by one thread at a time.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "base/result.h"
#include "engine/ir/types.h"
#include "engine/runtime/memory_pool.h"
#include "platform/virtual_memory.h"

namespace skiff::engine::runtime {

class Memory {
 public:
  // 4 GiB of addressable memory + 4 GiB guard.
  static constexpr uint64_t kReservationBytes = 8ull << 30;

  // Creates a memory of `type`. `page_limit` (from the store's limits) caps growth below
  // the type's own maximum. Errors: the type's minimum above the limit, or the OS
  // refusing the reservation.
  // With `pool`, the reservation comes from it and goes back to it when the memory is
  // destroyed. With `image` (at most the initial size), the memory starts as a
  // copy-on-write mapping of it, then zeros: the cost does not depend on its size.
  static Result<std::unique_ptr<Memory>> create(const ir::MemType& type, uint32_t page_limit = ir::kMaxPages32,
                                                MemoryPool* pool = nullptr,
                                                const platform::ImageFile* image = nullptr);
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  uint8_t* data() const { return m_reservation.base(); }
  uint64_t size_bytes() const { return uint64_t{m_pages} * ir::kPageSize; }
  uint32_t pages() const { return m_pages; }
  // Where the size lives, for compiled code that reads it without a call.
  const uint32_t* pages_word() const { return &m_pages; }
  const ir::MemType& type() const { return m_type; }
  // Whether `addr` is in the reservation (the memory, its room to grow and its guard
  // region): where an out-of-bounds access of compiled code can fault.
  bool reserves(uintptr_t addr) const {
    const auto base = reinterpret_cast<uintptr_t>(m_reservation.base());
    return addr >= base && addr - base < m_reservation.size();
  }

  // memory.grow (https://webassembly.github.io/spec/core/exec/instructions.html#xref-syntax-instructions-syntax-instr-memory-mathsf-memory-grow):
  // the previous size in pages, or -1 when the new size would pass the maximum or the
  // limit (or the OS cannot commit the pages); the memory is then unchanged.
  int32_t grow(uint32_t delta_pages);

 private:
  Memory(platform::Reservation r, const ir::MemType& type, uint32_t max_pages, MemoryPool* pool)
      : m_reservation(std::move(r)), m_pool(pool), m_type(type), m_max_pages(max_pages) {}

  platform::Reservation m_reservation;
  MemoryPool* m_pool;
  MemoryPool::Layout m_layout;  // what the pooled reservation goes back as
  ir::MemType m_type;
  uint32_t m_max_pages;
  uint32_t m_pages = 0;
};

// memory.fill, memory.copy and memory.init of both tiers, after their bounds checks: up
// to 4 GiB in one instruction, which the stop checks at function entries and loop heads
// never see. Past kBulkSlice bytes they go in slices with `stop` (Store::stop_word) read
// between them, so a guest asked to stop (a deadline, an interrupt, serve's inline
// budget) stops within a slice, not after the whole operation. Return 0, or the stop
// reason's value with the operation part-done (the guest then traps; see stop_trap).
inline constexpr uint32_t kBulkSlice = 1u << 20;
uint32_t bulk_fill_slices(uint8_t* dst, uint8_t value, uint32_t n, const std::atomic<uint32_t>* stop);
uint32_t bulk_copy_slices(uint8_t* dst, const uint8_t* src, uint32_t n, const std::atomic<uint32_t>* stop);
inline uint32_t bulk_fill(uint8_t* dst, uint8_t value, uint32_t n, const std::atomic<uint32_t>* stop) {
  if (n <= kBulkSlice) [[likely]] {
    std::memset(dst, value, n);
    return 0;
  }
  return bulk_fill_slices(dst, value, n, stop);
}
// Overlapping ranges behave like memmove.
inline uint32_t bulk_copy(uint8_t* dst, const uint8_t* src, uint32_t n, const std::atomic<uint32_t>* stop) {
  if (n <= kBulkSlice) [[likely]] {
    if (n) std::memmove(dst, src, n);
    return 0;
  }
  return bulk_copy_slices(dst, src, n, stop);
}

}  // namespace skiff::engine::runtime
