#include "engine/runtime/memory.h"

#include <algorithm>

#include "engine/runtime/memory_pool.h"

namespace skiff::engine::runtime {

Result<std::unique_ptr<Memory>> Memory::create(const ir::MemType& type, uint32_t page_limit, MemoryPool* pool,
                                                const platform::ImageFile* image) {
  uint64_t max = std::min<uint64_t>({type.limits.max.value_or(ir::kMaxPages32), ir::kMaxPages32, page_limit});
  if (type.limits.min > max)
    return Error(ErrorCode::MemoryLimit, kNoOffset,
                 "memory minimum of " + std::to_string(type.limits.min) + " pages is above the limit of " +
                     std::to_string(max));
  const uint64_t initial = type.limits.min * ir::kPageSize;
  if (image && image->size() > initial)
    return Error(ErrorCode::InvalidArgument, kNoOffset, "memory image larger than the initial memory");
  const MemoryPool::Layout layout{image ? image->id() : 0, image ? image->size() : 0, static_cast<size_t>(initial),
                                  image ? image->data() : nullptr};
  MemoryPool::Slot slot;
  if (pool) {
    SKIFF_TRY_ASSIGN(slot, pool->acquire(kReservationBytes, layout));
  } else {
    SKIFF_TRY_ASSIGN(slot.reservation, platform::Reservation::reserve(kReservationBytes));
  }
  std::unique_ptr<Memory> m(new Memory(std::move(slot.reservation), type, static_cast<uint32_t>(max), pool));
  // Counted from the start, so that a failure below still resets all of it on release.
  m->m_pages = static_cast<uint32_t>(type.limits.min);
  if (slot.prepared) {  // a pooled reservation already in this layout
    m->m_layout = layout;
    return m;
  }
  // The image covers [0, image size) copy-on-write; the rest of the initial pages start
  // as zeros (both in host pages: the image may end inside a wasm page). Until both
  // are in place the layout stays clean, so a failure (no memory to commit) releases the
  // reservation reset: the pool must never hand it out as prepared.
  if (image) {
    SKIFF_TRY(m->m_reservation.map_image(*image, image->size()));
    if (pool) pool->image_mapped(m->m_reservation, image->size());
  }
  const uint64_t mapped = image ? image->size() : 0;
  if (mapped < initial) SKIFF_TRY(m->m_reservation.commit(mapped, initial - mapped));
  m->m_layout = layout;
  return m;
}

Memory::~Memory() {
  if (m_pool) m_pool->release(std::move(m_reservation), m_layout, size_bytes());
}

int32_t Memory::grow(uint32_t delta) {
  uint32_t old = m_pages;
  if (delta > m_max_pages - old) return -1;
  if (delta == 0) return static_cast<int32_t>(old);
  uint64_t from = uint64_t{old} * ir::kPageSize;
  uint64_t len = uint64_t{delta} * ir::kPageSize;
  if (!m_reservation.commit(from, len).ok()) return -1;
  m_pages = old + delta;
  return static_cast<int32_t>(old);
}

uint32_t bulk_fill_slices(uint8_t* dst, uint8_t value, uint32_t n, const std::atomic<uint32_t>* stop) {
  for (uint32_t done = 0; done < n;) {
    if (const uint32_t why = stop->load(std::memory_order_relaxed); why != 0) return why;
    const uint32_t k = std::min(n - done, kBulkSlice);
    std::memset(dst + done, value, k);
    done += k;
  }
  return 0;
}

uint32_t bulk_copy_slices(uint8_t* dst, const uint8_t* src, uint32_t n, const std::atomic<uint32_t>* stop) {
  // Front to back when the destination is below the source, else back to front: either
  // way a slice never overwrites source bytes a later slice still has to read.
  const bool forward = dst <= src;
  for (uint32_t done = 0; done < n;) {
    if (const uint32_t why = stop->load(std::memory_order_relaxed); why != 0) return why;
    const uint32_t k = std::min(n - done, kBulkSlice);
    const uint32_t at = forward ? done : n - done - k;
    std::memmove(dst + at, src + at, k);
    done += k;
  }
  return 0;
}

}  // namespace skiff::engine::runtime
