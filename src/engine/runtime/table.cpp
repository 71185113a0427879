#include "engine/runtime/table.h"

#include <algorithm>

namespace skiff::engine::runtime {

namespace {
Error oob() { return Error(ErrorCode::TrapOutOfBoundsTable); }
bool in_bounds(uint64_t i, uint64_t n, uint64_t size) { return i + n <= size; }
}  // namespace

Result<std::unique_ptr<Table>> Table::create(const ir::TableType& type, Ref init, uint32_t element_limit) {
  uint64_t max = std::min<uint64_t>(type.limits.max.value_or(UINT32_MAX), element_limit);
  if (type.limits.min > max)
    return Error(ErrorCode::TableLimit, kNoOffset,
                 "table minimum of " + std::to_string(type.limits.min) + " elements is above the limit of " +
                     std::to_string(max));
  std::unique_ptr<Table> t(new Table(type, static_cast<uint32_t>(max)));
  t->m_elems.assign(static_cast<size_t>(type.limits.min), init);
  return t;
}

Result<Ref> Table::get(uint32_t i) const {
  if (i >= m_elems.size()) return oob();
  return m_elems[i];
}

Result<void> Table::set(uint32_t i, Ref r) {
  if (i >= m_elems.size()) return oob();
  m_elems[i] = r;
  return ok();
}

int32_t Table::grow(uint32_t delta, Ref init) {
  uint32_t old = size();
  if (delta > m_max - old) return -1;
  m_elems.resize(size_t{old} + delta, init);
  return static_cast<int32_t>(old);
}

Result<void> Table::fill(uint32_t i, Ref r, uint32_t n) {
  if (!in_bounds(i, n, m_elems.size())) return oob();
  std::fill_n(m_elems.begin() + i, n, r);
  return ok();
}

Result<void> Table::copy_from(const Table& src, uint32_t dst_i, uint32_t src_i, uint32_t n) {
  if (!in_bounds(src_i, n, src.m_elems.size()) || !in_bounds(dst_i, n, m_elems.size())) return oob();
  if (n == 0) return ok();
  // std::copy / copy_backward pick the direction, so overlap within one table is safe.
  auto from = src.m_elems.begin() + src_i;
  auto to = m_elems.begin() + dst_i;
  if (&src != this || dst_i <= src_i) std::copy(from, from + n, to);
  else std::copy_backward(from, from + n, to + n);
  return ok();
}

Result<void> Table::init(uint32_t dst_i, const std::vector<Ref>& segment, uint32_t src_i, uint32_t n) {
  if (!in_bounds(src_i, n, segment.size()) || !in_bounds(dst_i, n, m_elems.size())) return oob();
  std::copy_n(segment.begin() + src_i, n, m_elems.begin() + dst_i);
  return ok();
}

}  // namespace skiff::engine::runtime
