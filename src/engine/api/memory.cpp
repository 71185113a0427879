#include "skiff/memory.h"

#include <string>

#include "engine/api/store_impl.h"
#include "engine/runtime/global.h"
#include "engine/runtime/memory.h"
#include "skiff/global.h"

namespace skiff {

uint8_t* Memory::data() const { return m_raw->data(); }
uint64_t Memory::size() const { return m_raw->size_bytes(); }
uint32_t Memory::pages() const { return m_raw->pages(); }

Result<uint32_t> Memory::grow(uint32_t delta_pages) const {
  uint32_t before = m_raw->pages();
  int32_t r = m_raw->grow(delta_pages);
  if (r >= 0) return static_cast<uint32_t>(r);
  return Error(ErrorCode::InvalidArgument, kNoOffset,
               "memory.grow by " + std::to_string(delta_pages) + " pages from " + std::to_string(before) +
                   " passes the memory's maximum or the store's limit");
}

Error Memory::out_of_bounds(uint64_t offset, uint64_t len) const {
  return Error(ErrorCode::TrapOutOfBoundsMemory, kNoOffset,
               "host access of " + std::to_string(len) + " bytes at " + std::to_string(offset) +
                   " in a memory of " + std::to_string(size()) + " bytes");
}

ValType Global::type() const { return detail::from_engine(m_raw->type.type); }
bool Global::is_mutable() const { return m_raw->type.is_mutable; }
Value Global::get() const { return detail::from_engine(m_raw->get()); }

Result<void> Global::set(const Value& v) const {
  if (!m_raw->type.is_mutable) return Error(ErrorCode::InvalidArgument, kNoOffset, "global is immutable");
  if (v.type() != type())
    return Error(ErrorCode::InvalidArgument, kNoOffset,
                 "a " + std::string(to_string(v.type())) + " for a global of type " + std::string(to_string(type())));
  SKIFF_TRY_ASSIGN(const engine::runtime::Value value, detail::to_engine_for(*m_store, v));
  m_raw->value = value.raw;
  return {};
}

}  // namespace skiff
