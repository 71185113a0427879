#include "engine/runtime/table.h"

#include <algorithm>

#include "engine/runtime/store.h"

namespace skiff::engine::runtime {

namespace {
Error oob() { return Error(ErrorCode::TrapOutOfBoundsTable); }
bool in_bounds(uint64_t i, uint64_t n, uint64_t size) { return i + n <= size; }
bool charge(int64_t* fuel, uint32_t n) { return !fuel || Store::charge_bulk(fuel, Store::bulk_table_units(n)); }
}  // namespace

Result<std::unique_ptr<Table>> Table::create(const ir::TableType& type, Ref init, uint32_t element_limit,
                                             uint64_t* budget) {
  uint64_t max = std::min<uint64_t>(type.limits.max.value_or(UINT32_MAX), element_limit);
  if (type.limits.min > max)
    return Error(ErrorCode::TableLimit, kNoOffset,
                 "table minimum of " + std::to_string(type.limits.min) + " elements is above the limit of " +
                     std::to_string(max));
  if (budget && type.limits.min > *budget)
    return Error(ErrorCode::TableLimit, kNoOffset,
                 "table minimum of " + std::to_string(type.limits.min) + " elements is above the " +
                     std::to_string(*budget) + " left of the store's table limit");
  if (budget) *budget -= type.limits.min;
  std::unique_ptr<Table> t(new Table(type, static_cast<uint32_t>(max), budget));
  if (init.is_null()) t->m_elems.resize(static_cast<size_t>(type.limits.min));  // zero-filled
  else t->m_elems.assign(static_cast<size_t>(type.limits.min), init);  // no image yet: stored as is
  t->m_view = {t->m_elems.data(), t->m_elems.size()};
  return t;
}

Ref Table::load_slow(uint32_t i) {
  const Ref r = m_elems[i];
  if (!m_image) return r;  // an eager table stores values as they are (an externref may be 1)
  if (r.ptr != nullptr || i >= m_image->size()) return Ref{};
  const uint32_t f = (*m_image)[i];
  if (f == kNoFunc) {
    m_elems[i] = Ref{reinterpret_cast<const void*>(kExplicitNull)};
    return Ref{};
  }
  const Ref fr{m_owner->func(f)};
  m_elems[i] = fr;
  return fr;
}

Result<Ref> Table::get(uint32_t i) {
  if (i >= m_elems.size()) return oob();
  return at(i);
}

Result<void> Table::set(uint32_t i, Ref r) {
  if (i >= m_elems.size()) return oob();
  store(i, r);
  return ok();
}

int32_t Table::grow(uint32_t delta, Ref init) {
  uint32_t old = size();
  if (delta > m_max - old || (m_budget && delta > *m_budget)) return -1;
  if (m_budget) *m_budget -= delta;
  m_elems.resize(size_t{old} + delta);
  m_view = {m_elems.data(), m_elems.size()};
  for (uint32_t i = old; i < old + delta; ++i) store(i, init);
  return static_cast<int32_t>(old);
}

Result<void> Table::fill(uint32_t i, Ref r, uint32_t n, int64_t* fuel) {
  if (!in_bounds(i, n, m_elems.size())) return oob();
  if (!charge(fuel, n)) return Error(ErrorCode::TrapOutOfFuel);
  for (uint32_t k = 0; k < n; ++k) store(i + k, r);
  return ok();
}

Result<void> Table::copy_from(Table& src, uint32_t dst_i, uint32_t src_i, uint32_t n, int64_t* fuel) {
  if (!in_bounds(src_i, n, src.m_elems.size()) || !in_bounds(dst_i, n, m_elems.size())) return oob();
  if (!charge(fuel, n)) return Error(ErrorCode::TrapOutOfFuel);
  // Element by element through at()/store(), in the direction that makes an overlap
  // within one table behave like memmove.
  if (&src != this || dst_i <= src_i) {
    for (uint32_t k = 0; k < n; ++k) store(dst_i + k, src.at(src_i + k));
  } else {
    for (uint32_t k = n; k-- > 0;) store(dst_i + k, src.at(src_i + k));
  }
  return ok();
}

Result<void> Table::init(uint32_t dst_i, const std::vector<Ref>& segment, uint32_t src_i, uint32_t n,
                         int64_t* fuel) {
  if (!in_bounds(src_i, n, segment.size()) || !in_bounds(dst_i, n, m_elems.size())) return oob();
  if (!charge(fuel, n)) return Error(ErrorCode::TrapOutOfFuel);
  for (uint32_t k = 0; k < n; ++k) store(dst_i + k, segment[src_i + k]);
  return ok();
}

}  // namespace skiff::engine::runtime
