#include "engine/binary/reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

// Covers (https://webassembly.github.io/spec/core/binary/values.html#integers):
//   u32, s32, s33, s64, u64 LEB128:
//     - minimal encodings, overlong-but-legal encodings (padding up to the max length)
//     - maximum and minimum values
//     - too long: continuation bit set in the last allowed byte -> IntegerTooLong
//     - too large: unused bits of the last byte set (unsigned), or not equal to the
//       sign bit (signed) -> IntegerTooLarge
//     - unterminated at the end -> the reader's end error (UnexpectedEnd by default,
//       UnexpectedEndOfSection when configured), at the end offset
//     - error offsets are absolute (relative to `base`), pointing at the offending byte
//   fixed-width reads (little endian), read_bytes/skip bounds
//   read_name: valid names, empty, invalid UTF-8 -> MalformedUtf8 at the first name
//   byte, length past the end -> LengthOutOfBounds

namespace skiff::engine::binary {
namespace {

using Bytes = std::vector<uint8_t>;

Reader reader_over(const Bytes& b, ErrorCode end_error = ErrorCode::UnexpectedEnd) {
  return Reader(b.data(), b.data(), b.data() + b.size(), end_error);
}

// Reads with `read` and checks the value and that every byte was consumed.
template <typename T, typename F>
void expect_value(const Bytes& b, F read, T expected) {
  Reader r = reader_over(b);
  auto v = read(r);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(*v, expected);
  EXPECT_EQ(r.offset(), b.size());
  EXPECT_TRUE(r.at_end());
}

template <typename F>
void expect_error(const Bytes& b, F read, ErrorCode code, uint32_t offset,
                  ErrorCode end_error = ErrorCode::UnexpectedEnd) {
  Reader r = reader_over(b, end_error);
  auto v = read(r);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), code) << v.error().to_string();
  EXPECT_EQ(v.error().offset(), offset);
}

auto u32 = [](Reader& r) { return r.read_u32(); };
auto s32 = [](Reader& r) { return r.read_s32(); };
auto s33 = [](Reader& r) { return r.read_s33(); };
auto s64 = [](Reader& r) { return r.read_s64(); };
auto u64 = [](Reader& r) { return r.read_u64(); };

// --- u32 ------------------------------------------------------------------------

TEST(ReaderU32, DecodesMinimalEncodings) {
  expect_value<uint32_t>({0x00}, u32, 0);
  expect_value<uint32_t>({0x7F}, u32, 127);
  expect_value<uint32_t>({0x80, 0x01}, u32, 128);
  expect_value<uint32_t>({0xE5, 0x8E, 0x26}, u32, 624485);
}

TEST(ReaderU32, AcceptsOverlongEncodingsWithinFiveBytes) {
  expect_value<uint32_t>({0x80, 0x00}, u32, 0);
  expect_value<uint32_t>({0xFF, 0x80, 0x00}, u32, 127);
  expect_value<uint32_t>({0x80, 0x80, 0x80, 0x80, 0x00}, u32, 0);
  expect_value<uint32_t>({0x81, 0x80, 0x80, 0x80, 0x00}, u32, 1);
}

TEST(ReaderU32, DecodesMaxValue) {
  expect_value<uint32_t>({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, u32, 0xFFFFFFFFu);
  expect_value<uint32_t>({0x80, 0x80, 0x80, 0x80, 0x08}, u32, 0x80000000u);
}

TEST(ReaderU32, RejectsContinuationInFifthByteAsTooLong) {
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, u32, ErrorCode::IntegerTooLong, 4);
  expect_error({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, u32, ErrorCode::IntegerTooLong, 4);
}

TEST(ReaderU32, RejectsUnusedBitsAsTooLarge) {
  expect_error({0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, u32, ErrorCode::IntegerTooLarge, 4);  // 2^33-1
  expect_error({0x80, 0x80, 0x80, 0x80, 0x10}, u32, ErrorCode::IntegerTooLarge, 4);  // 2^32
  expect_error({0x80, 0x80, 0x80, 0x80, 0x70}, u32, ErrorCode::IntegerTooLarge, 4);
}

TEST(ReaderU32, UnterminatedIsTheReadersEndError) {
  expect_error({}, u32, ErrorCode::UnexpectedEnd, 0);
  expect_error({0x80}, u32, ErrorCode::UnexpectedEnd, 1);
  expect_error({0xFF, 0xFF, 0xFF, 0xFF}, u32, ErrorCode::UnexpectedEnd, 4);
  expect_error({0x80, 0x80}, u32, ErrorCode::UnexpectedEndOfSection, 2,
               ErrorCode::UnexpectedEndOfSection);
}

TEST(ReaderU32, ErrorOffsetsAreRelativeToBase) {
  // Three bytes before the reader's start; the bad byte is at absolute offset 3 + 4.
  Bytes b = {0xAA, 0xAA, 0xAA, 0x80, 0x80, 0x80, 0x80, 0x80};
  Reader r(b.data(), b.data() + 3, b.data() + b.size());
  EXPECT_EQ(r.offset(), 3u);
  auto v = r.read_u32();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::IntegerTooLong);
  EXPECT_EQ(v.error().offset(), 7u);
}

TEST(ReaderU32, ReadsConsecutiveValues) {
  Bytes b = {0x01, 0x80, 0x01, 0x80, 0x00, 0x7F};
  Reader r = reader_over(b);
  EXPECT_EQ(*r.read_u32(), 1u);
  EXPECT_EQ(*r.read_u32(), 128u);
  EXPECT_EQ(r.offset(), 3u);
  EXPECT_EQ(*r.read_u32(), 0u);
  EXPECT_EQ(*r.read_u32(), 127u);
  EXPECT_TRUE(r.at_end());
}

// --- s32 ------------------------------------------------------------------------

TEST(ReaderS32, DecodesMinimalEncodings) {
  expect_value<int32_t>({0x00}, s32, 0);
  expect_value<int32_t>({0x3F}, s32, 63);
  expect_value<int32_t>({0x40}, s32, -64);
  expect_value<int32_t>({0x7F}, s32, -1);
  expect_value<int32_t>({0xC0, 0x00}, s32, 64);
  expect_value<int32_t>({0xFF, 0x00}, s32, 127);
  expect_value<int32_t>({0x80, 0x7F}, s32, -128);
  expect_value<int32_t>({0xC0, 0xBB, 0x78}, s32, -123456);
}

TEST(ReaderS32, DecodesExtremes) {
  expect_value<int32_t>({0xFF, 0xFF, 0xFF, 0xFF, 0x07}, s32, std::numeric_limits<int32_t>::max());
  expect_value<int32_t>({0x80, 0x80, 0x80, 0x80, 0x78}, s32, std::numeric_limits<int32_t>::min());
}

TEST(ReaderS32, AcceptsOverlongSignExtendedEncodings) {
  expect_value<int32_t>({0x80, 0x00}, s32, 0);
  expect_value<int32_t>({0xFF, 0x7F}, s32, -1);
  expect_value<int32_t>({0x80, 0x80, 0x80, 0x80, 0x00}, s32, 0);
  expect_value<int32_t>({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, s32, -1);
}

TEST(ReaderS32, RejectsContinuationInFifthByteAsTooLong) {
  expect_error({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, s32, ErrorCode::IntegerTooLong, 4);
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, s32, ErrorCode::IntegerTooLong, 4);
}

TEST(ReaderS32, RejectsUnusedBitsNotEqualToSignAsTooLarge) {
  // sign bit 0 (bit 3 of the last byte), unused bits 4..6 not all 0
  expect_error({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, s32, ErrorCode::IntegerTooLarge, 4);  // 0xFFFFFFFF
  expect_error({0x80, 0x80, 0x80, 0x80, 0x10}, s32, ErrorCode::IntegerTooLarge, 4);
  // sign bit 1, unused bits not all 1
  expect_error({0x80, 0x80, 0x80, 0x80, 0x70}, s32, ErrorCode::IntegerTooLarge, 4);
  expect_error({0xFF, 0xFF, 0xFF, 0xFF, 0x4F}, s32, ErrorCode::IntegerTooLarge, 4);
}

TEST(ReaderS32, UnterminatedIsTheReadersEndError) {
  expect_error({}, s32, ErrorCode::UnexpectedEnd, 0);
  expect_error({0xC0}, s32, ErrorCode::UnexpectedEnd, 1);
  expect_error({0xFF, 0xFF, 0xFF}, s32, ErrorCode::UnexpectedEndOfSection, 3,
               ErrorCode::UnexpectedEndOfSection);
}

// --- s33 (block types) ------------------------------------------------------------

TEST(ReaderS33, DecodesSmallValues) {
  expect_value<int64_t>({0x00}, s33, 0);
  expect_value<int64_t>({0x3F}, s33, 63);
  expect_value<int64_t>({0x40}, s33, -64);  // 0x40: the empty block type's byte
  expect_value<int64_t>({0x7F}, s33, -1);
  expect_value<int64_t>({0x80, 0x01}, s33, 128);
}

TEST(ReaderS33, DecodesExtremes) {
  expect_value<int64_t>({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, s33, (int64_t{1} << 32) - 1);
  expect_value<int64_t>({0x80, 0x80, 0x80, 0x80, 0x70}, s33, -(int64_t{1} << 32));
}

TEST(ReaderS33, AcceptsOverlongEncodings) {
  expect_value<int64_t>({0x80, 0x80, 0x80, 0x80, 0x00}, s33, 0);
  expect_value<int64_t>({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, s33, -1);
}

TEST(ReaderS33, RejectsTooLongAndTooLarge) {
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, s33, ErrorCode::IntegerTooLong, 4);
  // sign bit (bit 4 of the last byte) 0 but bits 5..6 set
  expect_error({0x80, 0x80, 0x80, 0x80, 0x20}, s33, ErrorCode::IntegerTooLarge, 4);
  // sign bit 1 but bits 5..6 clear: 2^32 is out of s33 range
  expect_error({0x80, 0x80, 0x80, 0x80, 0x10}, s33, ErrorCode::IntegerTooLarge, 4);
  expect_error({0x80}, s33, ErrorCode::UnexpectedEnd, 1);
}

// --- s64 ------------------------------------------------------------------------

TEST(ReaderS64, DecodesSmallValues) {
  expect_value<int64_t>({0x00}, s64, 0);
  expect_value<int64_t>({0x3F}, s64, 63);
  expect_value<int64_t>({0x40}, s64, -64);
  expect_value<int64_t>({0x7F}, s64, -1);
  expect_value<int64_t>({0x80, 0x80, 0x80, 0x80, 0x10}, s64, int64_t{1} << 32);
}

TEST(ReaderS64, DecodesExtremes) {
  expect_value<int64_t>({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}, s64,
                        std::numeric_limits<int64_t>::max());
  expect_value<int64_t>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F}, s64,
                        std::numeric_limits<int64_t>::min());
}

TEST(ReaderS64, AcceptsOverlongEncodings) {
  expect_value<int64_t>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, s64, 0);
  expect_value<int64_t>({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, s64, -1);
}

TEST(ReaderS64, RejectsContinuationInTenthByteAsTooLong) {
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, s64,
               ErrorCode::IntegerTooLong, 9);
}

TEST(ReaderS64, RejectsUnusedBitsNotEqualToSignAsTooLarge) {
  // 2^63: sign bit (bit 0 of the 10th byte) is 1 but the unused bits are 0
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, s64,
               ErrorCode::IntegerTooLarge, 9);
  // sign bit 0 but unused bits set
  expect_error({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7E}, s64,
               ErrorCode::IntegerTooLarge, 9);
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}, s64,
               ErrorCode::IntegerTooLarge, 9);
}

TEST(ReaderS64, UnterminatedIsTheReadersEndError) {
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}, s64,
               ErrorCode::UnexpectedEnd, 9);
}

// --- u64 ------------------------------------------------------------------------

TEST(ReaderU64, DecodesValues) {
  expect_value<uint64_t>({0x00}, u64, 0);
  expect_value<uint64_t>({0x80, 0x80, 0x80, 0x80, 0x10}, u64, uint64_t{1} << 32);
  expect_value<uint64_t>({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, u64,
                         std::numeric_limits<uint64_t>::max());
  expect_value<uint64_t>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, u64, 0);
}

TEST(ReaderU64, RejectsTooLongAndTooLarge) {
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, u64,
               ErrorCode::IntegerTooLong, 9);
  expect_error({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}, u64,
               ErrorCode::IntegerTooLarge, 9);
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F}, u64,
               ErrorCode::IntegerTooLarge, 9);
  expect_error({0xFF, 0xFF}, u64, ErrorCode::UnexpectedEnd, 2);
}

// --- fixed-width and raw bytes ------------------------------------------------------

TEST(Reader, ReadsFixedWidthLittleEndian) {
  Bytes b = {0x78, 0x56, 0x34, 0x12, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  Reader r = reader_over(b);
  EXPECT_EQ(*r.read_fixed_u32(), 0x12345678u);
  EXPECT_EQ(*r.read_fixed_u64(), 0x0102030405060708ull);
  EXPECT_TRUE(r.at_end());
}

TEST(Reader, ShortFixedReadFailsWithoutConsuming) {
  Bytes b = {0x01, 0x02, 0x03};
  Reader r = reader_over(b, ErrorCode::UnexpectedEndOfSection);
  auto v = r.read_fixed_u32();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::UnexpectedEndOfSection);
  EXPECT_EQ(v.error().offset(), 0u);
  EXPECT_EQ(r.offset(), 0u);
  EXPECT_EQ(*r.read_u8(), 0x01);
}

TEST(Reader, BytesSkipAndU8AreBoundsChecked) {
  Bytes b = {0x0A, 0x0B, 0x0C};
  Reader r = reader_over(b);
  EXPECT_EQ(r.remaining(), 3u);
  auto p = r.read_bytes(2);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[0], 0x0A);
  EXPECT_EQ(r.remaining(), 1u);
  EXPECT_FALSE(r.skip(2).ok());
  EXPECT_FALSE(r.read_bytes(2).ok());
  EXPECT_TRUE(r.skip(1).ok());
  auto u = r.read_u8();
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code(), ErrorCode::UnexpectedEnd);
  EXPECT_EQ(u.error().offset(), 3u);
}

TEST(Reader, SetEndErrorChangesTheEndCode) {
  Bytes b = {};
  Reader r = reader_over(b);
  r.set_end_error(ErrorCode::UnexpectedEndOfSection);
  auto u = r.read_u8();
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code(), ErrorCode::UnexpectedEndOfSection);
}

TEST(Reader, MaxElemsBoundsHostileCounts) {
  Bytes b(10, 0);
  Reader r = reader_over(b);
  EXPECT_EQ(r.max_elems(1), 10u);
  EXPECT_EQ(r.max_elems(3), 3u);
  EXPECT_EQ(r.max_elems(11), 0u);
}

// --- names ------------------------------------------------------------------------

TEST(ReaderName, ReadsAsciiAndUtf8Names) {
  Bytes b = {0x03, 'a', 'b', 'c',   // "abc"
             0x00,                  // ""
             0x02, 0xC3, 0xA9};     // "é"
  Reader r = reader_over(b);
  auto a = r.read_name();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "abc");
  EXPECT_EQ(r.offset(), 4u);
  auto e = r.read_name();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, "");
  auto u = r.read_name();
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(*u, "\xC3\xA9");
  EXPECT_TRUE(r.at_end());
}

TEST(ReaderName, RejectsInvalidUtf8AtFirstNameByte) {
  expect_error({0x02, 0xC0, 0x80}, [](Reader& r) { return r.read_name(); },
               ErrorCode::MalformedUtf8, 1);  // overlong NUL
  expect_error({0x03, 0xED, 0xA0, 0x80}, [](Reader& r) { return r.read_name(); },
               ErrorCode::MalformedUtf8, 1);  // surrogate
  expect_error({0x01, 0x80}, [](Reader& r) { return r.read_name(); },
               ErrorCode::MalformedUtf8, 1);  // lone continuation
  // Truncated sequence inside the declared length (more bytes follow it).
  expect_error({0x01, 0xC3, 0xA9}, [](Reader& r) { return r.read_name(); },
               ErrorCode::MalformedUtf8, 1);
}

TEST(ReaderName, MalformedUtf8OffsetIsAbsolute) {
  Bytes b = {0xAA, 0xAA, 0x01, 0xFF};
  Reader r(b.data(), b.data() + 2, b.data() + b.size());
  auto n = r.read_name();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code(), ErrorCode::MalformedUtf8);
  EXPECT_EQ(n.error().offset(), 3u);
}

TEST(ReaderName, RejectsLengthPastEnd) {
  expect_error({0x05, 'a', 'b'}, [](Reader& r) { return r.read_name(); },
               ErrorCode::LengthOutOfBounds, 1);
  expect_error({0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 'a'}, [](Reader& r) { return r.read_name(); },
               ErrorCode::LengthOutOfBounds, 5);
}

TEST(ReaderName, TruncatedOrBadLengthIsAnIntegerError) {
  expect_error({}, [](Reader& r) { return r.read_name(); }, ErrorCode::UnexpectedEndOfSection, 0,
               ErrorCode::UnexpectedEndOfSection);
  expect_error({0x80}, [](Reader& r) { return r.read_name(); }, ErrorCode::UnexpectedEnd, 1);
  expect_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, [](Reader& r) { return r.read_name(); },
               ErrorCode::IntegerTooLong, 4);
}

}  // namespace
}  // namespace skiff::engine::binary
