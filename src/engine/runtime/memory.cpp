#include "engine/runtime/memory.h"

#include <algorithm>

namespace skiff::engine::runtime {

Result<std::unique_ptr<Memory>> Memory::create(const ir::MemType& type, uint32_t page_limit) {
  uint64_t max = std::min<uint64_t>({type.limits.max.value_or(ir::kMaxPages32), ir::kMaxPages32, page_limit});
  if (type.limits.min > max)
    return Error(ErrorCode::MemoryLimit, kNoOffset,
                 "memory minimum of " + std::to_string(type.limits.min) + " pages is above the limit of " +
                     std::to_string(max));
  SKIFF_TRY_ASSIGN(platform::Reservation r, platform::Reservation::reserve(kReservationBytes));
  std::unique_ptr<Memory> m(new Memory(std::move(r), type, static_cast<uint32_t>(max)));
  if (m->grow(static_cast<uint32_t>(type.limits.min)) < 0)
    return Error(ErrorCode::IoError, kNoOffset, "cannot commit the memory's initial pages");
  return m;
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

}  // namespace skiff::engine::runtime
