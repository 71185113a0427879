#pragma once
// Table: one table instance (https://webassembly.github.io/spec/core/exec/runtime.html#table-instances),
// a growable vector of references of one reference type. Out-of-range accesses are
// traps with the spec's wording; growth is bounded by the type's maximum and by the
// store's element limit. Owned by a Store; used by one thread at a time.
//
// A table instantiated from an InstancePre is filled lazily: its element segments were
// resolved once into an image of function indices, and element i becomes a reference to
// the owner's function image[i] the first time it is read. Instantiation then costs the
// same for 4 entries or 40,000.

#include <cstdint>
#include <memory>
#include <vector>

#include "base/assert.h"
#include "base/result.h"
#include "engine/ir/types.h"
#include "engine/runtime/value.h"

namespace skiff::engine::runtime {

struct Instance;

class Table {
 public:
  static constexpr uint32_t kDefaultElementLimit = 10'000'000;

  // A table of `type` with every element set to `init`. Errors: a minimum above the
  // element limit, or above what is left of `budget`: the elements all of a store's
  // tables may still take, shared by them and charged on create and grow (it must
  // outlive the table; nullptr: no such limit).
  static Result<std::unique_ptr<Table>> create(const ir::TableType& type, Ref init = {},
                                               uint32_t element_limit = kDefaultElementLimit,
                                               uint64_t* budget = nullptr);

  const ir::TableType& type() const { return m_type; }
  uint32_t size() const { return static_cast<uint32_t>(m_elems.size()); }
  // Where compiled code finds the elements: kept equal to the vector's data and size
  // (they move when the table grows). Elements are stored as at() describes.
  struct View {
    const Ref* data = nullptr;
    uint64_t size = 0;
  };
  const View* view() const { return &m_view; }

  // Unchecked element access for the tiers' fast paths (i < size()). One compare covers
  // both null encodings, so an eager table pays nothing for lazy ones.
  Ref at(uint32_t i) {
    const Ref r = m_elems[i];
    if (reinterpret_cast<uintptr_t>(r.ptr) <= kExplicitNull) [[unlikely]] return load_slow(i);
    return r;
  }

  // Makes elements [0, image.size()) lazy: image[i] is a function index of `owner`
  // (kNoFunc: null). Both must outlive the table; every element must still be unset.
  static constexpr uint32_t kNoFunc = UINT32_MAX;
  void set_lazy_image(const std::vector<uint32_t>* image, Instance* owner) {
    SKIFF_ASSERT(m_type.elem == ir::ValType::FuncRef, "only funcref tables are filled lazily");
    m_image = image;
    m_owner = owner;
  }

  // table.get / table.set: TrapOutOfBoundsTable for i >= size.
  Result<Ref> get(uint32_t i);
  Result<void> set(uint32_t i, Ref r);
  // table.grow: the previous size, or -1 past the maximum, the limit or the budget
  // (unchanged).
  int32_t grow(uint32_t delta, Ref init);
  // table.fill: [i, i+n) := r; TrapOutOfBoundsTable if i+n > size (nothing written).
  // With `fuel` (Store::fuel_word), the length is charged (Store::charge_bulk) after the
  // bounds check: TrapOutOfFuel, nothing written, when it runs out. So for the next two.
  Result<void> fill(uint32_t i, Ref r, uint32_t n, int64_t* fuel = nullptr);
  // table.copy (src may be this table; overlapping ranges behave like memmove).
  Result<void> copy_from(Table& src, uint32_t dst_i, uint32_t src_i, uint32_t n, int64_t* fuel = nullptr);
  // table.init from a segment's references (already evaluated): bounds on both sides.
  Result<void> init(uint32_t dst_i, const std::vector<Ref>& segment, uint32_t src_i, uint32_t n,
                    int64_t* fuel = nullptr);

 private:
  Table(const ir::TableType& type, uint32_t max, uint64_t* budget) : m_type(type), m_max(max), m_budget(budget) {}
  // Stored encoding of a lazy table (funcref only, so 1 is never a real reference):
  // nullptr is "unset" (an image entry, or null past the image) and kExplicitNull a null
  // written over an image entry. Eager tables store references as they are.
  static constexpr uintptr_t kExplicitNull = 1;
  Ref load_slow(uint32_t i);
  void store(uint32_t i, Ref r) {
    m_elems[i] = r.is_null() && m_image && i < m_image->size()
                     ? Ref{reinterpret_cast<const void*>(kExplicitNull)}
                     : r;
  }

  ir::TableType m_type;
  uint32_t m_max;
  uint64_t* m_budget;
  std::vector<Ref> m_elems;
  View m_view;
  const std::vector<uint32_t>* m_image = nullptr;
  Instance* m_owner = nullptr;
};

}  // namespace skiff::engine::runtime
