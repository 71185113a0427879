#include "engine/runtime/table.h"

#include <gtest/gtest.h>

#include <bit>

#include "engine/runtime/global.h"

namespace skiff::engine::runtime {
namespace {

ir::TableType funcref_table(uint64_t min, std::optional<uint64_t> max = std::nullopt) {
  return ir::TableType{ir::ValType::FuncRef, ir::Limits{min, max}};
}

const int kA = 1, kB = 2, kC = 3;
const Ref a{&kA}, b{&kB}, c{&kC};

void expect_oob(const Result<void>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapOutOfBoundsTable);
  EXPECT_EQ(r.error().message(), "out of bounds table access");
}

// Covers: creation with an initial value, get/set in and out of bounds.
TEST(Table, GetAndSetTrapOutOfBounds) {
  auto t = Table::create(funcref_table(2), a);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->size(), 2u);
  EXPECT_EQ(*(*t)->get(1), a);
  ASSERT_TRUE((*t)->set(1, b).ok());
  EXPECT_EQ(*(*t)->get(1), b);
  auto g = (*t)->get(2);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code(), ErrorCode::TrapOutOfBoundsTable);
  expect_oob((*t)->set(2, a));
}

// Covers: table.grow returns the old size, fills new slots, fails with -1 past the
// maximum or the element limit and leaves the table unchanged.
TEST(Table, GrowRespectsMaximumAndLimit) {
  auto t = Table::create(funcref_table(1, 3));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->grow(2, c), 1);
  EXPECT_EQ((*t)->size(), 3u);
  EXPECT_EQ(*(*t)->get(2), c);
  EXPECT_TRUE((*(*t)->get(0)).is_null());
  EXPECT_EQ((*t)->grow(1, c), -1);
  EXPECT_EQ((*t)->size(), 3u);
  EXPECT_EQ((*t)->grow(0, c), 3);

  auto limited = Table::create(funcref_table(0), {}, /*element_limit=*/5);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ((*limited)->grow(6, a), -1);
  EXPECT_EQ((*limited)->grow(5, a), 0);
  EXPECT_EQ((*limited)->grow(0xFFFFFFFF, a), -1);
}

// Covers: a minimum above the element limit is refused at creation.
TEST(Table, MinimumAboveLimitIsAnError) {
  auto t = Table::create(funcref_table(11), {}, 10);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::TableLimit);
}

// Covers: table.fill in bounds, at the exact end with n = 0, and past the end (trap,
// nothing written).
TEST(Table, FillChecksTheWholeRangeFirst) {
  auto t = Table::create(funcref_table(4));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->fill(1, a, 2).ok());
  EXPECT_TRUE((*(*t)->get(0)).is_null());
  EXPECT_EQ(*(*t)->get(2), a);
  EXPECT_TRUE((*t)->fill(4, b, 0).ok());
  expect_oob((*t)->fill(3, b, 2));
  EXPECT_TRUE((*(*t)->get(3)).is_null());
  expect_oob((*t)->fill(5, b, 0));
}

// Covers: table.copy within one table in both overlap directions, and between tables.
TEST(Table, CopyHandlesOverlapBothWays) {
  auto t = Table::create(funcref_table(5));
  ASSERT_TRUE(t.ok());
  Table& tb = **t;
  ASSERT_TRUE(tb.set(0, a).ok());
  ASSERT_TRUE(tb.set(1, b).ok());
  ASSERT_TRUE(tb.set(2, c).ok());
  ASSERT_TRUE(tb.copy_from(tb, 1, 0, 3).ok());  // forward overlap: [a a b c .]
  EXPECT_EQ(*tb.get(1), a);
  EXPECT_EQ(*tb.get(2), b);
  EXPECT_EQ(*tb.get(3), c);
  ASSERT_TRUE(tb.copy_from(tb, 0, 1, 3).ok());  // backward overlap: [a b c c .]
  EXPECT_EQ(*tb.get(0), a);
  EXPECT_EQ(*tb.get(1), b);
  EXPECT_EQ(*tb.get(2), c);
  expect_oob(tb.copy_from(tb, 3, 0, 3));
  auto other = Table::create(funcref_table(2), c);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(tb.copy_from(**other, 3, 0, 2).ok());
  EXPECT_EQ(*tb.get(4), c);
  expect_oob(tb.copy_from(**other, 0, 1, 2));
}

// Covers: table.init bounds on the segment and on the table.
TEST(Table, InitChecksSegmentAndTableBounds) {
  auto t = Table::create(funcref_table(3));
  ASSERT_TRUE(t.ok());
  std::vector<Ref> seg = {a, b};
  ASSERT_TRUE((*t)->init(1, seg, 0, 2).ok());
  EXPECT_EQ(*(*t)->get(2), b);
  expect_oob((*t)->init(0, seg, 1, 2));
  expect_oob((*t)->init(2, seg, 0, 2));
  EXPECT_TRUE((*t)->init(3, seg, 2, 0).ok());
}

// Covers: Value equality is by type and bits (NaN payloads distinguish), zero values,
// and a Global's typed view.
TEST(Value, EqualityIsByTypeAndBits) {
  EXPECT_EQ(Value::i32(7), Value::i32(7));
  EXPECT_FALSE(Value::i32(7) == Value::i64(7));
  EXPECT_EQ(Value::f32(std::bit_cast<float>(0x7fc00000u)), Value::f32(std::bit_cast<float>(0x7fc00000u)));
  EXPECT_FALSE(Value::f32(std::bit_cast<float>(0x7fc00000u)) == Value::f32(std::bit_cast<float>(0x7fc00001u)));
  EXPECT_TRUE(Value::zero(ir::ValType::ExternRef).raw.ref.is_null());
  EXPECT_EQ(Value::zero(ir::ValType::F64), Value::f64(0.0));
  EXPECT_FALSE(Value::f64(-0.0) == Value::f64(0.0));
  Global g{ir::GlobalType{ir::ValType::I64, true}, {}};
  g.value.i64 = 42;
  EXPECT_EQ(g.get(), Value::i64(42));
}

}  // namespace
}  // namespace skiff::engine::runtime
