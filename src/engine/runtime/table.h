#pragma once
// Table: one table instance (https://webassembly.github.io/spec/core/exec/runtime.html#table-instances),
// a growable vector of references of one reference type. Out-of-range accesses are
// traps with the spec's wording; growth is bounded by the type's maximum and by the
// store's element limit. Owned by a Store; used by one thread at a time.

#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.h"
#include "engine/ir/types.h"
#include "engine/runtime/value.h"

namespace skiff::engine::runtime {

class Table {
 public:
  static constexpr uint32_t kDefaultElementLimit = 10'000'000;

  // A table of `type` with every element set to `init`. Errors: a minimum above the
  // element limit.
  static Result<std::unique_ptr<Table>> create(const ir::TableType& type, Ref init = {},
                                               uint32_t element_limit = kDefaultElementLimit);

  const ir::TableType& type() const { return m_type; }
  uint32_t size() const { return static_cast<uint32_t>(m_elems.size()); }
  // Unchecked element access for the tiers' fast paths (i < size()).
  Ref at(uint32_t i) const { return m_elems[i]; }

  // table.get / table.set: TrapOutOfBoundsTable for i >= size.
  Result<Ref> get(uint32_t i) const;
  Result<void> set(uint32_t i, Ref r);
  // table.grow: the previous size, or -1 past the maximum or the limit (unchanged).
  int32_t grow(uint32_t delta, Ref init);
  // table.fill: [i, i+n) := r; TrapOutOfBoundsTable if i+n > size (nothing written).
  Result<void> fill(uint32_t i, Ref r, uint32_t n);
  // table.copy (src may be this table; overlapping ranges behave like memmove).
  Result<void> copy_from(const Table& src, uint32_t dst_i, uint32_t src_i, uint32_t n);
  // table.init from a segment's references (already evaluated): bounds on both sides.
  Result<void> init(uint32_t dst_i, const std::vector<Ref>& segment, uint32_t src_i, uint32_t n);

 private:
  Table(const ir::TableType& type, uint32_t max) : m_type(type), m_max(max) {}
  ir::TableType m_type;
  uint32_t m_max;
  std::vector<Ref> m_elems;
};

}  // namespace skiff::engine::runtime
