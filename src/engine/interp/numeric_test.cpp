#include "engine/interp/numeric.h"

#include <gtest/gtest.h>

#include <cfenv>
#include <cstdint>
#include <limits>
#include <type_traits>

// Covers (values from the spec semantics and the spec tests i32/i64/f32/f64/conversions/
// float_exprs/float_misc .wast):
//   - integer add/sub/mul wrap; div/rem traps (zero divisor, INT_MIN / -1) and their
//     neighbours; INT_MIN rem -1 = 0; truncation toward zero and sign of remainders
//   - shifts and rotates take the count modulo the width; clz/ctz/popcnt incl. 0
//   - signed vs unsigned comparisons; extend8/16/32_s, wrap, extend_i32_s/u
//   - float arithmetic: inf results, invalid operations -> positive canonical NaN, NaN
//     operands -> quiet version of the first NaN (bits checked)
//   - min/max with +-0 (both orders) and NaN; comparisons with NaN and +-0
//   - ceil/floor/trunc/nearest: signs of zero results, ties to even, values at 2^23 / 2^52,
//     independence from the current rounding mode
//   - abs/neg/copysign keep NaN payloads (even signalling ones)
//   - trapping float->int: NaN -> invalid conversion, exact boundaries -> overflow
//   - trunc_sat: NaN -> 0, saturation at both ends, boundaries
//   - int->float conversion rounding incl. uint64 -> f32 values that double rounding gets wrong
//   - demote/promote of NaNs, overflow, subnormals; reinterpret keeps signalling NaNs

namespace skiff::engine::interp {
namespace {

uint32_t bits(float x) { return std::bit_cast<uint32_t>(x); }
uint64_t bits(double x) { return std::bit_cast<uint64_t>(x); }
float f32(uint32_t b) { return std::bit_cast<float>(b); }
double f64(uint64_t b) { return std::bit_cast<double>(b); }

constexpr uint32_t kIntMin32 = 0x8000'0000u;
constexpr uint64_t kIntMin64 = 0x8000'0000'0000'0000u;
constexpr uint32_t kMinus1_32 = 0xffff'ffffu;
constexpr uint64_t kMinus1_64 = 0xffff'ffff'ffff'ffffu;

constexpr uint32_t kCanon32 = 0x7fc0'0000u;
constexpr uint64_t kCanon64 = 0x7ff8'0000'0000'0000u;
constexpr float kInf32 = std::numeric_limits<float>::infinity();
constexpr double kInf64 = std::numeric_limits<double>::infinity();

// Canonical NaN: exponent all ones, quiet bit set, rest of the payload zero (either sign).
bool is_canonical_nan(float x) { return (bits(x) & 0x7fff'ffffu) == kCanon32; }
bool is_canonical_nan(double x) { return (bits(x) & 0x7fff'ffff'ffff'ffffu) == kCanon64; }
// Arithmetic NaN: exponent all ones and quiet bit set.
bool is_arithmetic_nan(float x) { return (bits(x) & kCanon32) == kCanon32; }
bool is_arithmetic_nan(double x) { return (bits(x) & kCanon64) == kCanon64; }

template <typename T> void expect_trap(const Result<T>& r, ErrorCode code) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), code);
  EXPECT_EQ(r.error().phase(), Phase::Trap);
}

template <typename T> void expect_value(const Result<T>& r, std::type_identity_t<T> value) {
  ASSERT_TRUE(r.ok()) << error_code_name(r.error().code());
  EXPECT_EQ(*r, value);
}

// Float equality by bits, so that -0 != +0 and NaN payloads are compared.
#define SKIFF_EXPECT_BITS_EQ(actual, expected) EXPECT_EQ(bits(actual), bits(expected))

// ----------------------------------------------------------------------------- i32

TEST(NumericI32, AddSubMulWrap) {
  EXPECT_EQ(i32_add(0x7fff'ffffu, 1), kIntMin32);
  EXPECT_EQ(i32_add(kMinus1_32, 1), 0u);
  EXPECT_EQ(i32_sub(0, 1), kMinus1_32);
  EXPECT_EQ(i32_sub(kIntMin32, 1), 0x7fff'ffffu);
  EXPECT_EQ(i32_mul(0x0123'4567u, 0x7654'3210u), 0x358e'7470u);
  EXPECT_EQ(i32_mul(kIntMin32, kMinus1_32), kIntMin32);
  EXPECT_EQ(i32_mul(0x0100'0000u, 0x100u), 0u);
}

TEST(NumericI32, DivAndRemTrapOnZeroDivisor) {
  expect_trap(i32_div_s(1, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i32_div_s(0, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i32_div_s(kIntMin32, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i32_div_u(1, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i32_div_u(kIntMin32, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i32_rem_s(1, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i32_rem_s(kIntMin32, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i32_rem_u(1, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i32_rem_u(0, 0), ErrorCode::TrapIntegerDivideByZero);
  // Neighbours of a zero divisor divide normally.
  expect_value(i32_div_s(7, 1), 7u);
  expect_value(i32_div_s(7, kMinus1_32), static_cast<uint32_t>(-7));
  expect_value(i32_div_u(7, 1), 7u);
}

TEST(NumericI32, DivSTrapsOnOverflow) {
  expect_trap(i32_div_s(kIntMin32, kMinus1_32), ErrorCode::TrapIntegerOverflow);
  // Neighbours: one off in either operand is fine.
  expect_value(i32_div_s(kIntMin32 + 1, kMinus1_32), 0x7fff'ffffu);
  expect_value(i32_div_s(kIntMin32, 1), kIntMin32);
  expect_value(i32_div_s(kIntMin32, static_cast<uint32_t>(-2)), 0x4000'0000u);
  expect_value(i32_div_s(kIntMin32, 2), 0xc000'0000u);
  // div_u of the same bits is an ordinary unsigned division.
  expect_value(i32_div_u(kIntMin32, kMinus1_32), 0u);
}

TEST(NumericI32, DivTruncatesTowardZero) {
  expect_value(i32_div_s(7, 2), 3u);
  expect_value(i32_div_s(static_cast<uint32_t>(-7), 2), static_cast<uint32_t>(-3));
  expect_value(i32_div_s(7, static_cast<uint32_t>(-2)), static_cast<uint32_t>(-3));
  expect_value(i32_div_s(static_cast<uint32_t>(-7), static_cast<uint32_t>(-2)), 3u);
  expect_value(i32_div_u(static_cast<uint32_t>(-7), 2), 0x7fff'fffcu);
  expect_value(i32_div_u(kIntMin32, 2), 0x4000'0000u);
  expect_value(i32_div_u(0x8ff0'0ff0u, 0x10001u), 0x8fefu);
}

TEST(NumericI32, RemSOfIntMinByMinusOneIsZero) {
  expect_value(i32_rem_s(kIntMin32, kMinus1_32), 0u);
  expect_value(i32_rem_s(0x7fff'ffffu, kMinus1_32), 0u);
  expect_value(i32_rem_s(kIntMin32, 2), 0u);
  expect_value(i32_rem_s(kIntMin32, 3), static_cast<uint32_t>(-2));
}

TEST(NumericI32, RemTakesSignOfDividend) {
  expect_value(i32_rem_s(7, 2), 1u);
  expect_value(i32_rem_s(static_cast<uint32_t>(-7), 2), static_cast<uint32_t>(-1));
  expect_value(i32_rem_s(7, static_cast<uint32_t>(-2)), 1u);
  expect_value(i32_rem_s(static_cast<uint32_t>(-7), static_cast<uint32_t>(-2)),
               static_cast<uint32_t>(-1));
  expect_value(i32_rem_u(static_cast<uint32_t>(-7), 2), 1u);
  expect_value(i32_rem_u(kIntMin32, kMinus1_32), kIntMin32);
  expect_value(i32_rem_u(0x8ff0'0ff0u, 0x10001u), 0x8001u);
}

TEST(NumericI32, Bitwise) {
  EXPECT_EQ(i32_and(0xf0f0'ffffu, 0xfff0'f0f0u), 0xf0f0'f0f0u);
  EXPECT_EQ(i32_or(0xf0f0'ffffu, 0xfff0'f0f0u), 0xfff0'ffffu);
  EXPECT_EQ(i32_xor(0xf0f0'ffffu, 0xfff0'f0f0u), 0x0f00'0f0fu);
}

TEST(NumericI32, ShiftCountIsModuloWidth) {
  EXPECT_EQ(i32_shl(1, 31), kIntMin32);
  EXPECT_EQ(i32_shl(1, 32), 1u);
  EXPECT_EQ(i32_shl(1, 33), 2u);
  EXPECT_EQ(i32_shl(1, kMinus1_32), kIntMin32);
  EXPECT_EQ(i32_shr_s(kIntMin32, 31), kMinus1_32);
  EXPECT_EQ(i32_shr_s(kIntMin32, 32), kIntMin32);
  EXPECT_EQ(i32_shr_s(kIntMin32, 33), 0xc000'0000u);
  EXPECT_EQ(i32_shr_s(0x7fff'ffffu, 30), 1u);
  EXPECT_EQ(i32_shr_u(kIntMin32, 31), 1u);
  EXPECT_EQ(i32_shr_u(kIntMin32, 32), kIntMin32);
  EXPECT_EQ(i32_shr_u(kMinus1_32, kMinus1_32), 1u);
}

TEST(NumericI32, RotateCountIsModuloWidth) {
  EXPECT_EQ(i32_rotl(0xfe00'dc00u, 4), 0xe00d'c00fu);
  EXPECT_EQ(i32_rotl(0xabcd'9876u, 1), 0x579b'30edu);
  EXPECT_EQ(i32_rotl(1, 32), 1u);
  EXPECT_EQ(i32_rotl(0x0000'8000u, 37), 0x0010'0000u);
  EXPECT_EQ(i32_rotr(0xb0c1'd2e3u, 5), 0x1d86'0e97u);
  EXPECT_EQ(i32_rotr(0xb0c1'd2e3u, 0xff05u), 0x1d86'0e97u);
  EXPECT_EQ(i32_rotr(1, 1), kIntMin32);
  EXPECT_EQ(i32_rotr(1, 32), 1u);
}

TEST(NumericI32, CountBitsIncludingZero) {
  EXPECT_EQ(i32_clz(0), 32u);
  EXPECT_EQ(i32_clz(1), 31u);
  EXPECT_EQ(i32_clz(kIntMin32), 0u);
  EXPECT_EQ(i32_clz(0x0000'8000u), 16u);
  EXPECT_EQ(i32_ctz(0), 32u);
  EXPECT_EQ(i32_ctz(kIntMin32), 31u);
  EXPECT_EQ(i32_ctz(0x0001'0000u), 16u);
  EXPECT_EQ(i32_popcnt(0), 0u);
  EXPECT_EQ(i32_popcnt(kMinus1_32), 32u);
  EXPECT_EQ(i32_popcnt(0xaaaa'5555u), 16u);
}

TEST(NumericI32, ComparisonsDistinguishSignedness) {
  EXPECT_EQ(i32_eqz(0), 1u);
  EXPECT_EQ(i32_eqz(kIntMin32), 0u);
  EXPECT_EQ(i32_eq(kIntMin32, kIntMin32), 1u);
  EXPECT_EQ(i32_ne(kIntMin32, kIntMin32), 0u);
  // -1 vs 1: signed -1 < 1, unsigned 0xffffffff > 1.
  EXPECT_EQ(i32_lt_s(kMinus1_32, 1), 1u);
  EXPECT_EQ(i32_lt_u(kMinus1_32, 1), 0u);
  EXPECT_EQ(i32_gt_s(kMinus1_32, 1), 0u);
  EXPECT_EQ(i32_gt_u(kMinus1_32, 1), 1u);
  EXPECT_EQ(i32_le_s(kIntMin32, 0x7fff'ffffu), 1u);
  EXPECT_EQ(i32_le_u(kIntMin32, 0x7fff'ffffu), 0u);
  EXPECT_EQ(i32_ge_s(kIntMin32, 0x7fff'ffffu), 0u);
  EXPECT_EQ(i32_ge_u(kIntMin32, 0x7fff'ffffu), 1u);
  // Equal operands.
  EXPECT_EQ(i32_le_s(5, 5), 1u);
  EXPECT_EQ(i32_ge_u(5, 5), 1u);
  EXPECT_EQ(i32_lt_s(5, 5), 0u);
  EXPECT_EQ(i32_gt_u(5, 5), 0u);
}

TEST(NumericI32, ExtendSignExtendsLowBits) {
  EXPECT_EQ(i32_extend8_s(0x7f), 0x7fu);
  EXPECT_EQ(i32_extend8_s(0x80), 0xffff'ff80u);
  EXPECT_EQ(i32_extend8_s(0x0123'4580u), 0xffff'ff80u);
  EXPECT_EQ(i32_extend8_s(0xfedc'ba7fu), 0x7fu);
  EXPECT_EQ(i32_extend16_s(0x7fff), 0x7fffu);
  EXPECT_EQ(i32_extend16_s(0x8000), 0xffff'8000u);
  EXPECT_EQ(i32_extend16_s(0x0123'8000u), 0xffff'8000u);
  EXPECT_EQ(i32_extend16_s(kMinus1_32), kMinus1_32);
}

TEST(NumericI32, WrapAndExtendI32) {
  EXPECT_EQ(i32_wrap_i64(0xffff'ffff'0000'0001u), 1u);
  EXPECT_EQ(i32_wrap_i64(0x0000'0001'8000'0000u), kIntMin32);
  EXPECT_EQ(i64_extend_i32_s(kIntMin32), 0xffff'ffff'8000'0000u);
  EXPECT_EQ(i64_extend_i32_s(0x7fff'ffffu), 0x7fff'ffffu);
  EXPECT_EQ(i64_extend_i32_u(kIntMin32), 0x8000'0000u);
  EXPECT_EQ(i64_extend_i32_u(kMinus1_32), 0xffff'ffffu);
}

// ----------------------------------------------------------------------------- i64

TEST(NumericI64, AddSubMulWrap) {
  EXPECT_EQ(i64_add(0x7fff'ffff'ffff'ffffu, 1), kIntMin64);
  EXPECT_EQ(i64_sub(0, 1), kMinus1_64);
  EXPECT_EQ(i64_mul(0x0123'4567'89ab'cdefu, 0xfedc'ba98'7654'3210u), 0x2236'd88f'e561'8cf0u);
  EXPECT_EQ(i64_mul(kIntMin64, kMinus1_64), kIntMin64);
}

TEST(NumericI64, DivAndRemTrapOnZeroDivisor) {
  expect_trap(i64_div_s(1, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i64_div_s(kIntMin64, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i64_div_u(1, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i64_rem_s(kIntMin64, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_trap(i64_rem_u(1, 0), ErrorCode::TrapIntegerDivideByZero);
  expect_value(i64_div_u(kMinus1_64, 1), kMinus1_64);
}

TEST(NumericI64, DivSTrapsOnOverflow) {
  expect_trap(i64_div_s(kIntMin64, kMinus1_64), ErrorCode::TrapIntegerOverflow);
  expect_value(i64_div_s(kIntMin64 + 1, kMinus1_64), 0x7fff'ffff'ffff'ffffu);
  expect_value(i64_div_s(kIntMin64, 1), kIntMin64);
  expect_value(i64_div_s(kIntMin64, 2), 0xc000'0000'0000'0000u);
  expect_value(i64_div_u(kIntMin64, kMinus1_64), 0u);
  // The 32-bit overflow pattern is an ordinary 64-bit division.
  expect_value(i64_div_s(0x8000'0000u, kMinus1_64), 0xffff'ffff'8000'0000u);
}

TEST(NumericI64, DivTruncatesTowardZeroAndRemTakesDividendSign) {
  expect_value(i64_div_s(static_cast<uint64_t>(-7), 2), static_cast<uint64_t>(-3));
  expect_value(i64_div_u(static_cast<uint64_t>(-7), 2), 0x7fff'ffff'ffff'fffcu);
  expect_value(i64_rem_s(kIntMin64, kMinus1_64), 0u);
  expect_value(i64_rem_s(static_cast<uint64_t>(-7), 2), static_cast<uint64_t>(-1));
  expect_value(i64_rem_s(7, static_cast<uint64_t>(-2)), 1u);
  expect_value(i64_rem_u(kIntMin64, kMinus1_64), kIntMin64);
  expect_value(i64_rem_u(0x8ff0'0ff0'0000'0000u, 0x1'0000'0001u), 0x700f'f011u);
}

TEST(NumericI64, ShiftsAndRotatesTakeCountModulo64) {
  EXPECT_EQ(i64_shl(1, 63), kIntMin64);
  EXPECT_EQ(i64_shl(1, 64), 1u);
  EXPECT_EQ(i64_shl(1, 32), 0x1'0000'0000u); // not reduced mod 32
  EXPECT_EQ(i64_shr_s(kIntMin64, 63), kMinus1_64);
  EXPECT_EQ(i64_shr_s(kIntMin64, 64), kIntMin64);
  EXPECT_EQ(i64_shr_u(kIntMin64, 63), 1u);
  EXPECT_EQ(i64_shr_u(kIntMin64, 65), 0x4000'0000'0000'0000u);
  EXPECT_EQ(i64_rotl(0xabcd'9876'1234'5678u, 1), 0x579b'30ec'2468'acf1u);
  EXPECT_EQ(i64_rotl(1, 64), 1u);
  EXPECT_EQ(i64_rotr(0xabcd'9876'1234'5678u, 1), 0x55e6'cc3b'091a'2b3cu);
  EXPECT_EQ(i64_rotr(1, 65), kIntMin64);
}

TEST(NumericI64, CountBitsIncludingZero) {
  EXPECT_EQ(i64_clz(0), 64u);
  EXPECT_EQ(i64_clz(1), 63u);
  EXPECT_EQ(i64_clz(0x0000'0000'8000'0000u), 32u);
  EXPECT_EQ(i64_ctz(0), 64u);
  EXPECT_EQ(i64_ctz(kIntMin64), 63u);
  EXPECT_EQ(i64_popcnt(kMinus1_64), 64u);
  EXPECT_EQ(i64_popcnt(0x8000'8000'8000'8000u), 4u);
}

TEST(NumericI64, ComparisonsDistinguishSignedness) {
  EXPECT_EQ(i64_eqz(0), 1u);
  EXPECT_EQ(i64_eqz(0x1'0000'0000u), 0u); // the high half counts
  EXPECT_EQ(i64_eq(1, 0x1'0000'0001u), 0u);
  EXPECT_EQ(i64_ne(1, 0x1'0000'0001u), 1u);
  EXPECT_EQ(i64_lt_s(kMinus1_64, 1), 1u);
  EXPECT_EQ(i64_lt_u(kMinus1_64, 1), 0u);
  EXPECT_EQ(i64_gt_s(kIntMin64, 0), 0u);
  EXPECT_EQ(i64_gt_u(kIntMin64, 0), 1u);
  EXPECT_EQ(i64_le_s(kIntMin64, kIntMin64), 1u);
  EXPECT_EQ(i64_le_u(kIntMin64, 1), 0u);
  EXPECT_EQ(i64_ge_s(1, kIntMin64), 1u);
  EXPECT_EQ(i64_ge_u(1, kIntMin64), 0u);
}

TEST(NumericI64, ExtendSignExtendsLowBits) {
  EXPECT_EQ(i64_extend8_s(0x80), 0xffff'ffff'ffff'ff80u);
  EXPECT_EQ(i64_extend8_s(0x0123'4567'89ab'cd7fu), 0x7fu);
  EXPECT_EQ(i64_extend16_s(0x8000), 0xffff'ffff'ffff'8000u);
  EXPECT_EQ(i64_extend16_s(0x7fff), 0x7fffu);
  EXPECT_EQ(i64_extend32_s(0x8000'0000u), 0xffff'ffff'8000'0000u);
  EXPECT_EQ(i64_extend32_s(0xffff'ffff'7fff'ffffu), 0x7fff'ffffu);
  EXPECT_EQ(i64_extend32_s(0x0123'4567'0000'0000u), 0u);
}

// ----------------------------------------------------------------------------- f32/f64

TEST(NumericF32, ArithmeticFollowsIeee) {
  EXPECT_EQ(f32_add(1.5f, 2.25f), 3.75f);
  EXPECT_EQ(bits(f32_add(0x1p-149f, 0x1p-149f)), 2u); // subnormals are not flushed
  SKIFF_EXPECT_BITS_EQ(f32_add(-0.0f, -0.0f), -0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_add(-0.0f, 0.0f), 0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_sub(0.0f, 0.0f), 0.0f);
  EXPECT_EQ(f32_sub(1.0f, 0x1p-24f), 0x1.fffffep-1f);
  EXPECT_EQ(f32_mul(0x1p127f, 2.0f), kInf32);
  SKIFF_EXPECT_BITS_EQ(f32_mul(-0.0f, 5.0f), -0.0f);
  EXPECT_EQ(f32_div(1.0f, 0.0f), kInf32);
  EXPECT_EQ(f32_div(1.0f, -0.0f), -kInf32);
  EXPECT_EQ(f32_div(1.0f, 3.0f), 0x1.555556p-2f);
  EXPECT_EQ(f32_sqrt(4.0f), 2.0f);
  EXPECT_EQ(bits(f32_sqrt(2.0f)), 0x3fb5'04f3u);
  SKIFF_EXPECT_BITS_EQ(f32_sqrt(-0.0f), -0.0f);
  EXPECT_EQ(f32_sqrt(kInf32), kInf32);
}

TEST(NumericF64, ArithmeticFollowsIeee) {
  EXPECT_EQ(f64_add(0.1, 0.2), 0x1.3333333333334p-2);
  EXPECT_EQ(bits(f64_add(0x0.0000000000001p-1022, 0x0.0000000000001p-1022)), 2u);
  SKIFF_EXPECT_BITS_EQ(f64_add(-0.0, 0.0), 0.0);
  EXPECT_EQ(f64_mul(0x1p1023, 2.0), kInf64);
  EXPECT_EQ(f64_div(-1.0, 0.0), -kInf64);
  EXPECT_EQ(f64_div(1.0, 3.0), 0x1.5555555555555p-2);
  EXPECT_EQ(bits(f64_sqrt(2.0)), 0x3ff6'a09e'667f'3bcdu);
  SKIFF_EXPECT_BITS_EQ(f64_sqrt(-0.0), -0.0);
}

TEST(NumericF32, InvalidOperationsReturnPositiveCanonicalNan) {
  EXPECT_EQ(bits(f32_div(0.0f, 0.0f)), kCanon32);
  EXPECT_EQ(bits(f32_div(-0.0f, 0.0f)), kCanon32);
  EXPECT_EQ(bits(f32_div(kInf32, -kInf32)), kCanon32);
  EXPECT_EQ(bits(f32_sub(kInf32, kInf32)), kCanon32);
  EXPECT_EQ(bits(f32_add(-kInf32, kInf32)), kCanon32);
  EXPECT_EQ(bits(f32_mul(0.0f, -kInf32)), kCanon32);
  EXPECT_EQ(bits(f32_sqrt(-1.0f)), kCanon32);
  EXPECT_EQ(bits(f32_sqrt(-0x1p-149f)), kCanon32);
  EXPECT_EQ(bits(f32_sqrt(-kInf32)), kCanon32);
}

TEST(NumericF64, InvalidOperationsReturnPositiveCanonicalNan) {
  EXPECT_EQ(bits(f64_div(0.0, -0.0)), kCanon64);
  EXPECT_EQ(bits(f64_div(-kInf64, kInf64)), kCanon64);
  EXPECT_EQ(bits(f64_sub(-kInf64, -kInf64)), kCanon64);
  EXPECT_EQ(bits(f64_mul(kInf64, 0.0)), kCanon64);
  EXPECT_EQ(bits(f64_sqrt(-1.0)), kCanon64);
  EXPECT_EQ(bits(f64_sqrt(-kInf64)), kCanon64);
}

TEST(NumericF32, NanOperandIsPropagatedQuieted) {
  const float snan = f32(0x7fa0'0001u);     // signalling, payload 0x200001
  const float neg_qnan = f32(0xffe0'0002u); // quiet, negative
  const float canon = f32(kCanon32);
  const float neg_canon = f32(0xffc0'0000u);
  // Quiet bit set, sign and payload kept.
  EXPECT_EQ(bits(f32_add(snan, 1.0f)), 0x7fe0'0001u);
  EXPECT_EQ(bits(f32_sub(1.0f, snan)), 0x7fe0'0001u);
  EXPECT_EQ(bits(f32_mul(neg_qnan, kInf32)), 0xffe0'0002u);
  EXPECT_EQ(bits(f32_div(0.0f, neg_qnan)), 0xffe0'0002u);
  EXPECT_EQ(bits(f32_sqrt(snan)), 0x7fe0'0001u);
  // Two NaN operands: the first one wins, in either order.
  EXPECT_EQ(bits(f32_add(snan, neg_qnan)), 0x7fe0'0001u);
  EXPECT_EQ(bits(f32_add(neg_qnan, snan)), 0xffe0'0002u);
  EXPECT_EQ(bits(f32_mul(neg_qnan, snan)), 0xffe0'0002u);
  // Canonical NaN operands give canonical NaN results (of the operand's sign).
  EXPECT_TRUE(is_canonical_nan(f32_add(canon, 1.0f)));
  EXPECT_TRUE(is_canonical_nan(f32_div(neg_canon, 0.0f)));
  EXPECT_TRUE(is_canonical_nan(f32_sqrt(neg_canon)));
  EXPECT_TRUE(is_canonical_nan(f32_mul(canon, neg_canon)));
  // A non-canonical operand gives an arithmetic (but not canonical) NaN.
  EXPECT_TRUE(is_arithmetic_nan(f32_add(snan, canon)));
  EXPECT_FALSE(is_canonical_nan(f32_add(snan, canon)));
  // NaN and infinity: NaN wins over the invalid-operation rule.
  EXPECT_EQ(bits(f32_sub(kInf32, snan)), 0x7fe0'0001u);
}

TEST(NumericF64, NanOperandIsPropagatedQuieted) {
  const double snan = f64(0x7ff4'0000'0000'0001u);
  const double neg_qnan = f64(0xfff8'0000'0000'0003u);
  EXPECT_EQ(bits(f64_add(snan, 1.0)), 0x7ffc'0000'0000'0001u);
  EXPECT_EQ(bits(f64_sub(neg_qnan, snan)), 0xfff8'0000'0000'0003u);
  EXPECT_EQ(bits(f64_div(snan, neg_qnan)), 0x7ffc'0000'0000'0001u);
  EXPECT_EQ(bits(f64_mul(2.0, neg_qnan)), 0xfff8'0000'0000'0003u);
  EXPECT_EQ(bits(f64_sqrt(snan)), 0x7ffc'0000'0000'0001u);
  EXPECT_TRUE(is_canonical_nan(f64_add(f64(kCanon64), -kInf64)));
  EXPECT_TRUE(is_canonical_nan(f64_sqrt(f64(0xfff8'0000'0000'0000u))));
  EXPECT_TRUE(is_arithmetic_nan(f64_mul(snan, f64(kCanon64))));
  EXPECT_FALSE(is_canonical_nan(f64_mul(snan, f64(kCanon64))));
}

TEST(NumericF32, MinMaxOrderSignedZeros) {
  SKIFF_EXPECT_BITS_EQ(f32_min(-0.0f, 0.0f), -0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_min(0.0f, -0.0f), -0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_max(-0.0f, 0.0f), 0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_max(0.0f, -0.0f), 0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_min(-0.0f, -0.0f), -0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_max(0.0f, 0.0f), 0.0f);
  EXPECT_EQ(f32_min(1.0f, 2.0f), 1.0f);
  EXPECT_EQ(f32_min(2.0f, 1.0f), 1.0f);
  EXPECT_EQ(f32_max(-1.0f, -2.0f), -1.0f);
  EXPECT_EQ(f32_min(-kInf32, 0x1p-149f), -kInf32);
  EXPECT_EQ(f32_max(kInf32, -0.0f), kInf32);
  EXPECT_EQ(f32_max(-kInf32, -0x1.fffffep127f), -0x1.fffffep127f);
}

TEST(NumericF64, MinMaxOrderSignedZeros) {
  SKIFF_EXPECT_BITS_EQ(f64_min(-0.0, 0.0), -0.0);
  SKIFF_EXPECT_BITS_EQ(f64_min(0.0, -0.0), -0.0);
  SKIFF_EXPECT_BITS_EQ(f64_max(-0.0, 0.0), 0.0);
  SKIFF_EXPECT_BITS_EQ(f64_max(0.0, -0.0), 0.0);
  EXPECT_EQ(f64_min(0x0.0000000000001p-1022, 0.0), 0.0);
  EXPECT_EQ(f64_max(-0x1p-1022, -kInf64), -0x1p-1022);
}

TEST(NumericF32, MinMaxReturnNanIfEitherIsNan) {
  const float snan = f32(0x7fa0'0000u);
  const float canon = f32(kCanon32);
  EXPECT_EQ(bits(f32_min(snan, 1.0f)), 0x7fe0'0000u);
  EXPECT_EQ(bits(f32_min(1.0f, snan)), 0x7fe0'0000u);
  EXPECT_EQ(bits(f32_max(-kInf32, snan)), 0x7fe0'0000u);
  EXPECT_EQ(bits(f32_max(snan, kInf32)), 0x7fe0'0000u);
  EXPECT_TRUE(is_canonical_nan(f32_min(canon, -kInf32)));
  EXPECT_TRUE(is_canonical_nan(f32_max(0.0f, f32(0xffc0'0000u))));
  EXPECT_TRUE(is_arithmetic_nan(f32_max(canon, snan)));
  EXPECT_EQ(bits(f32_min(f32(0xffc0'0001u), snan)), 0xffc0'0001u); // first NaN wins
}

TEST(NumericF64, MinMaxReturnNanIfEitherIsNan) {
  const double snan = f64(0x7ff0'0000'0000'0001u);
  EXPECT_EQ(bits(f64_min(snan, -kInf64)), 0x7ff8'0000'0000'0001u);
  EXPECT_EQ(bits(f64_max(-0.0, snan)), 0x7ff8'0000'0000'0001u);
  EXPECT_TRUE(is_canonical_nan(f64_min(0.0, f64(kCanon64))));
  EXPECT_TRUE(is_canonical_nan(f64_max(f64(0xfff8'0000'0000'0000u), kInf64)));
}

TEST(NumericF32, NearestRoundsTiesToEven) {
  SKIFF_EXPECT_BITS_EQ(f32_nearest(0.5f), 0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_nearest(-0.5f), -0.0f);
  EXPECT_EQ(f32_nearest(1.5f), 2.0f);
  EXPECT_EQ(f32_nearest(2.5f), 2.0f);
  EXPECT_EQ(f32_nearest(3.5f), 4.0f);
  EXPECT_EQ(f32_nearest(-1.5f), -2.0f);
  EXPECT_EQ(f32_nearest(-2.5f), -2.0f);
  EXPECT_EQ(f32_nearest(8388607.5f), 8388608.0f); // 2^23 - 0.5: odd below, so up
  EXPECT_EQ(f32_nearest(-8388607.5f), -8388608.0f);
  EXPECT_EQ(f32_nearest(8388606.5f), 8388606.0f);
  EXPECT_EQ(f32_nearest(0x1.fffffep-2f), 0.0f);   // just below 0.5
  EXPECT_EQ(f32_nearest(0x1.000002p-1f), 1.0f);   // just above 0.5
  EXPECT_EQ(f32_nearest(-0x1.921fb6p+2f), -6.0f); // -2*pi
  EXPECT_EQ(f32_nearest(8388609.0f), 8388609.0f); // >= 2^23: already an integer
  EXPECT_EQ(f32_nearest(0x1.fffffep127f), 0x1.fffffep127f);
  SKIFF_EXPECT_BITS_EQ(f32_nearest(-0x1p-149f), -0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_nearest(-0.0f), -0.0f);
  EXPECT_EQ(f32_nearest(-kInf32), -kInf32);
}

TEST(NumericF64, NearestRoundsTiesToEven) {
  SKIFF_EXPECT_BITS_EQ(f64_nearest(0.5), 0.0);
  SKIFF_EXPECT_BITS_EQ(f64_nearest(-0.5), -0.0);
  EXPECT_EQ(f64_nearest(1.5), 2.0);
  EXPECT_EQ(f64_nearest(2.5), 2.0);
  EXPECT_EQ(f64_nearest(-2.5), -2.0);
  EXPECT_EQ(f64_nearest(4503599627370495.5), 4503599627370496.0); // 2^52 - 0.5
  EXPECT_EQ(f64_nearest(-4503599627370495.5), -4503599627370496.0);
  EXPECT_EQ(f64_nearest(4503599627370494.5), 4503599627370494.0);
  EXPECT_EQ(f64_nearest(0x1.fffffffffffffp-2), 0.0);
  EXPECT_EQ(f64_nearest(4503599627370497.0), 4503599627370497.0); // >= 2^52
  EXPECT_EQ(f64_nearest(9007199254740993.0), 9007199254740993.0);
  EXPECT_EQ(f64_nearest(0x1.fffffffffffffp1023), 0x1.fffffffffffffp1023);
  EXPECT_EQ(f64_nearest(0x1.921fb54442d18p+2), 6.0);
  SKIFF_EXPECT_BITS_EQ(f64_nearest(-0x0.0000000000001p-1022), -0.0);
  EXPECT_EQ(f64_nearest(kInf64), kInf64);
}

TEST(NumericF32, CeilFloorTruncKeepTheSignOfZeroResults) {
  SKIFF_EXPECT_BITS_EQ(f32_ceil(-0.5f), -0.0f);
  EXPECT_EQ(f32_ceil(0.5f), 1.0f);
  EXPECT_EQ(f32_ceil(-1.5f), -1.0f);
  EXPECT_EQ(f32_ceil(0x1p-149f), 1.0f);
  EXPECT_EQ(f32_ceil(8388607.5f), 8388608.0f);
  SKIFF_EXPECT_BITS_EQ(f32_floor(0.5f), 0.0f);
  EXPECT_EQ(f32_floor(-0.5f), -1.0f);
  EXPECT_EQ(f32_floor(1.5f), 1.0f);
  EXPECT_EQ(f32_floor(-0x1p-149f), -1.0f);
  EXPECT_EQ(f32_floor(-8388607.5f), -8388608.0f);
  EXPECT_EQ(f32_floor(8388607.5f), 8388607.0f);
  SKIFF_EXPECT_BITS_EQ(f32_trunc(-0.7f), -0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_trunc(0.7f), 0.0f);
  EXPECT_EQ(f32_trunc(-1.7f), -1.0f);
  EXPECT_EQ(f32_trunc(8388607.5f), 8388607.0f);
  SKIFF_EXPECT_BITS_EQ(f32_ceil(-0.0f), -0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_floor(-0.0f), -0.0f);
  EXPECT_EQ(f32_ceil(kInf32), kInf32);
  EXPECT_EQ(f32_floor(-kInf32), -kInf32);
  EXPECT_EQ(f32_trunc(-0x1.fffffep127f), -0x1.fffffep127f);
  EXPECT_EQ(f32_ceil(16777217.0f * 2), 33554434.0f);
}

TEST(NumericF64, CeilFloorTruncKeepTheSignOfZeroResults) {
  SKIFF_EXPECT_BITS_EQ(f64_ceil(-0.5), -0.0);
  EXPECT_EQ(f64_ceil(4503599627370495.5), 4503599627370496.0);
  EXPECT_EQ(f64_ceil(-4503599627370495.5), -4503599627370495.0);
  SKIFF_EXPECT_BITS_EQ(f64_floor(0.5), 0.0);
  EXPECT_EQ(f64_floor(-0x0.0000000000001p-1022), -1.0);
  EXPECT_EQ(f64_floor(4503599627370495.5), 4503599627370495.0);
  SKIFF_EXPECT_BITS_EQ(f64_trunc(-0.9999999999999999), -0.0);
  EXPECT_EQ(f64_trunc(-4503599627370495.5), -4503599627370495.0);
  EXPECT_EQ(f64_trunc(0x1.fffffffffffffp1023), 0x1.fffffffffffffp1023);
  EXPECT_EQ(f64_ceil(-kInf64), -kInf64);
}

TEST(NumericF32, RoundingOpsQuietNans) {
  const float snan = f32(0xffa0'0000u);
  EXPECT_EQ(bits(f32_ceil(snan)), 0xffe0'0000u);
  EXPECT_EQ(bits(f32_floor(snan)), 0xffe0'0000u);
  EXPECT_EQ(bits(f32_trunc(snan)), 0xffe0'0000u);
  EXPECT_EQ(bits(f32_nearest(snan)), 0xffe0'0000u);
  EXPECT_TRUE(is_canonical_nan(f32_nearest(f32(kCanon32))));
  EXPECT_EQ(bits(f64_nearest(f64(0x7ff4'0000'0000'0000u))), 0x7ffc'0000'0000'0000u);
  EXPECT_TRUE(is_canonical_nan(f64_ceil(f64(0xfff8'0000'0000'0000u))));
}

// nearest/ceil/floor/trunc and the float->int conversions must not follow the current
// rounding mode (std::nearbyint, rint or an add-2^52 trick would).
TEST(NumericF64, RoundingOpsIgnoreTheCurrentRoundingMode) {
  volatile float h32 = 2.5f;
  volatile double h64 = -2.5;
  volatile double t64 = 2147483647.9;
  const int saved = std::fegetround();
  for (int mode : {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO}) {
    ASSERT_EQ(std::fesetround(mode), 0);
    float n32 = f32_nearest(h32);
    double n64 = f64_nearest(h64);
    double c64 = f64_ceil(h64);
    double fl64 = f64_floor(h64);
    float tr32 = f32_trunc(h32);
    Result<uint32_t> conv = i32_trunc_f64_s(t64);
    uint32_t sat = i32_trunc_sat_f64_u(t64);
    std::fesetround(saved);
    EXPECT_EQ(n32, 2.0f) << mode;
    EXPECT_EQ(n64, -2.0) << mode;
    EXPECT_EQ(c64, -2.0) << mode;
    EXPECT_EQ(fl64, -3.0) << mode;
    EXPECT_EQ(tr32, 2.0f) << mode;
    expect_value(conv, 0x7fff'ffffu);
    EXPECT_EQ(sat, 0x7fff'ffffu);
  }
}

TEST(NumericF32, AbsNegCopysignTouchOnlyTheSignBit) {
  const float snan = f32(0x7fa0'0001u);
  const float neg_snan = f32(0xffa0'0001u);
  EXPECT_EQ(bits(f32_abs(neg_snan)), 0x7fa0'0001u); // stays signalling
  EXPECT_EQ(bits(f32_abs(snan)), 0x7fa0'0001u);
  EXPECT_EQ(bits(f32_neg(snan)), 0xffa0'0001u);
  EXPECT_EQ(bits(f32_neg(f32(kCanon32))), 0xffc0'0000u);
  EXPECT_EQ(bits(f32_copysign(snan, -1.0f)), 0xffa0'0001u);
  EXPECT_EQ(bits(f32_copysign(neg_snan, 0.0f)), 0x7fa0'0001u);
  SKIFF_EXPECT_BITS_EQ(f32_copysign(1.0f, f32(0xffc0'0000u)), -1.0f); // the sign of a NaN counts
  SKIFF_EXPECT_BITS_EQ(f32_copysign(1.0f, f32(kCanon32)), 1.0f);
  SKIFF_EXPECT_BITS_EQ(f32_copysign(0.0f, -0.0f), -0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_abs(-0.0f), 0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_neg(0.0f), -0.0f);
  EXPECT_EQ(f32_abs(-kInf32), kInf32);
  EXPECT_EQ(f32_neg(-0x1p-149f), 0x1p-149f);
}

TEST(NumericF64, AbsNegCopysignTouchOnlyTheSignBit) {
  const double snan = f64(0x7ff0'0000'0000'0001u);
  EXPECT_EQ(bits(f64_neg(snan)), 0xfff0'0000'0000'0001u);
  EXPECT_EQ(bits(f64_abs(f64(0xfff0'0000'0000'0001u))), 0x7ff0'0000'0000'0001u);
  EXPECT_EQ(bits(f64_copysign(snan, -0.0)), 0xfff0'0000'0000'0001u);
  SKIFF_EXPECT_BITS_EQ(f64_copysign(-2.0, f64(kCanon64)), 2.0);
  SKIFF_EXPECT_BITS_EQ(f64_neg(-0.0), 0.0);
}

TEST(NumericF32, ComparisonsWithNanAreFalseExceptNe) {
  const float nan = f32(kCanon32);
  EXPECT_EQ(f32_eq(nan, nan), 0u);
  EXPECT_EQ(f32_ne(nan, nan), 1u);
  EXPECT_EQ(f32_lt(nan, 1.0f), 0u);
  EXPECT_EQ(f32_gt(1.0f, nan), 0u);
  EXPECT_EQ(f32_le(nan, kInf32), 0u);
  EXPECT_EQ(f32_ge(-kInf32, nan), 0u);
  EXPECT_EQ(f32_ne(1.0f, f32(0x7fa0'0000u)), 1u);
  // Signed zeros are equal.
  EXPECT_EQ(f32_eq(-0.0f, 0.0f), 1u);
  EXPECT_EQ(f32_lt(-0.0f, 0.0f), 0u);
  EXPECT_EQ(f32_le(0.0f, -0.0f), 1u);
  EXPECT_EQ(f32_lt(1.0f, 2.0f), 1u);
  EXPECT_EQ(f32_gt(1.0f, 2.0f), 0u);
  EXPECT_EQ(f32_ge(2.0f, 2.0f), 1u);
}

TEST(NumericF64, ComparisonsWithNanAreFalseExceptNe) {
  const double nan = f64(0xfff8'0000'0000'0001u);
  EXPECT_EQ(f64_eq(nan, nan), 0u);
  EXPECT_EQ(f64_ne(nan, 0.0), 1u);
  EXPECT_EQ(f64_lt(-kInf64, nan), 0u);
  EXPECT_EQ(f64_gt(nan, -kInf64), 0u);
  EXPECT_EQ(f64_le(nan, nan), 0u);
  EXPECT_EQ(f64_ge(nan, 0.0), 0u);
  EXPECT_EQ(f64_eq(0.0, -0.0), 1u);
  EXPECT_EQ(f64_ge(-0.0, 0.0), 1u);
  EXPECT_EQ(f64_lt(0x1p-1074, 0x1p-1073), 1u);
}

// ----------------------------------------------------------------------------- float -> int

TEST(NumericConvert, TruncOfNanIsInvalidConversion) {
  expect_trap(i32_trunc_f32_s(f32(kCanon32)), ErrorCode::TrapInvalidConversion);
  expect_trap(i32_trunc_f32_u(f32(0xffa0'0000u)), ErrorCode::TrapInvalidConversion);
  expect_trap(i32_trunc_f64_s(f64(kCanon64)), ErrorCode::TrapInvalidConversion);
  expect_trap(i32_trunc_f64_u(f64(0xfff0'0000'0000'0001u)), ErrorCode::TrapInvalidConversion);
  expect_trap(i64_trunc_f32_s(f32(0xffc0'0000u)), ErrorCode::TrapInvalidConversion);
  expect_trap(i64_trunc_f32_u(f32(kCanon32)), ErrorCode::TrapInvalidConversion);
  expect_trap(i64_trunc_f64_s(f64(kCanon64)), ErrorCode::TrapInvalidConversion);
  expect_trap(i64_trunc_f64_u(f64(0x7ff4'0000'0000'0000u)), ErrorCode::TrapInvalidConversion);
}

TEST(NumericConvert, TruncOfInfinityIsOverflow) {
  expect_trap(i32_trunc_f32_s(kInf32), ErrorCode::TrapIntegerOverflow);
  expect_trap(i32_trunc_f32_u(-kInf32), ErrorCode::TrapIntegerOverflow);
  expect_trap(i32_trunc_f64_s(-kInf64), ErrorCode::TrapIntegerOverflow);
  expect_trap(i32_trunc_f64_u(kInf64), ErrorCode::TrapIntegerOverflow);
  expect_trap(i64_trunc_f32_s(-kInf32), ErrorCode::TrapIntegerOverflow);
  expect_trap(i64_trunc_f32_u(kInf32), ErrorCode::TrapIntegerOverflow);
  expect_trap(i64_trunc_f64_s(kInf64), ErrorCode::TrapIntegerOverflow);
  expect_trap(i64_trunc_f64_u(-kInf64), ErrorCode::TrapIntegerOverflow);
}

TEST(NumericConvert, I32TruncF32SBoundaries) {
  expect_value(i32_trunc_f32_s(-2147483648.0f), kIntMin32);
  expect_trap(i32_trunc_f32_s(-2147483904.0f), ErrorCode::TrapIntegerOverflow); // next below
  expect_value(i32_trunc_f32_s(2147483520.0f), 0x7fff'ff80u); // largest float < 2^31
  expect_trap(i32_trunc_f32_s(2147483648.0f), ErrorCode::TrapIntegerOverflow);
  expect_value(i32_trunc_f32_s(-0.0f), 0u);
  expect_value(i32_trunc_f32_s(0x1p-149f), 0u);
  expect_value(i32_trunc_f32_s(-0.9f), 0u);
  expect_value(i32_trunc_f32_s(-1.9f), kMinus1_32);
  expect_value(i32_trunc_f32_s(1.9f), 1u);
}

TEST(NumericConvert, I32TruncF32UBoundaries) {
  expect_value(i32_trunc_f32_u(-0.9f), 0u);
  expect_value(i32_trunc_f32_u(-0x1.fffffep-1f), 0u);
  expect_trap(i32_trunc_f32_u(-1.0f), ErrorCode::TrapIntegerOverflow);
  expect_value(i32_trunc_f32_u(4294967040.0f), 0xffff'ff00u); // largest float < 2^32
  expect_trap(i32_trunc_f32_u(4294967296.0f), ErrorCode::TrapIntegerOverflow);
  expect_value(i32_trunc_f32_u(2147483648.0f), kIntMin32);
  expect_value(i32_trunc_f32_u(1.9f), 1u);
}

TEST(NumericConvert, I32TruncF64SBoundaries) {
  expect_value(i32_trunc_f64_s(-2147483648.9), kIntMin32);
  expect_value(i32_trunc_f64_s(2147483647.9), 0x7fff'ffffu);
  expect_trap(i32_trunc_f64_s(-2147483649.0), ErrorCode::TrapIntegerOverflow);
  expect_trap(i32_trunc_f64_s(2147483648.0), ErrorCode::TrapIntegerOverflow);
  expect_value(i32_trunc_f64_s(-1.9), kMinus1_32);
  expect_value(i32_trunc_f64_s(-0x0.0000000000001p-1022), 0u);
}

TEST(NumericConvert, I32TruncF64UBoundaries) {
  expect_value(i32_trunc_f64_u(-0.9), 0u);
  expect_value(i32_trunc_f64_u(-0x1.fffffffffffffp-1), 0u);
  expect_trap(i32_trunc_f64_u(-1.0), ErrorCode::TrapIntegerOverflow);
  expect_value(i32_trunc_f64_u(4294967295.9), 0xffff'ffffu);
  expect_trap(i32_trunc_f64_u(4294967296.0), ErrorCode::TrapIntegerOverflow);
  expect_value(i32_trunc_f64_u(1e8), 100000000u);
}

TEST(NumericConvert, I64TruncF32Boundaries) {
  expect_value(i64_trunc_f32_s(-9223372036854775808.0f), kIntMin64);
  expect_trap(i64_trunc_f32_s(-0x1.000002p63f), ErrorCode::TrapIntegerOverflow);
  expect_value(i64_trunc_f32_s(0x1.fffffep62f), 0x7fff'ff80'0000'0000u);
  expect_trap(i64_trunc_f32_s(9223372036854775808.0f), ErrorCode::TrapIntegerOverflow);
  expect_value(i64_trunc_f32_s(-1.9f), kMinus1_64);
  expect_value(i64_trunc_f32_u(-0.9f), 0u);
  expect_trap(i64_trunc_f32_u(-1.0f), ErrorCode::TrapIntegerOverflow);
  expect_value(i64_trunc_f32_u(0x1.fffffep63f), 0xffff'ff00'0000'0000u);
  expect_trap(i64_trunc_f32_u(18446744073709551616.0f), ErrorCode::TrapIntegerOverflow);
  expect_value(i64_trunc_f32_u(9223372036854775808.0f), kIntMin64);
}

TEST(NumericConvert, I64TruncF64Boundaries) {
  expect_value(i64_trunc_f64_s(-9223372036854775808.0), kIntMin64);
  expect_trap(i64_trunc_f64_s(-0x1.0000000000001p63), ErrorCode::TrapIntegerOverflow);
  expect_value(i64_trunc_f64_s(0x1.fffffffffffffp62), 0x7fff'ffff'ffff'fc00u);
  expect_trap(i64_trunc_f64_s(9223372036854775808.0), ErrorCode::TrapIntegerOverflow);
  expect_value(i64_trunc_f64_s(-4503599627370495.5), static_cast<uint64_t>(-4503599627370495));
  expect_value(i64_trunc_f64_u(-0.9), 0u);
  expect_trap(i64_trunc_f64_u(-1.0), ErrorCode::TrapIntegerOverflow);
  expect_value(i64_trunc_f64_u(0x1.fffffffffffffp63), 0xffff'ffff'ffff'f800u);
  expect_trap(i64_trunc_f64_u(18446744073709551616.0), ErrorCode::TrapIntegerOverflow);
  expect_value(i64_trunc_f64_u(9223372036854775808.0), kIntMin64);
}

TEST(NumericConvert, TruncSatMapsNanToZeroAndSaturates) {
  EXPECT_EQ(i32_trunc_sat_f32_s(f32(kCanon32)), 0u);
  EXPECT_EQ(i32_trunc_sat_f32_u(f32(0xffa0'0000u)), 0u);
  EXPECT_EQ(i32_trunc_sat_f64_s(f64(0xfff8'0000'0000'0000u)), 0u);
  EXPECT_EQ(i64_trunc_sat_f64_u(f64(kCanon64)), 0u);
  EXPECT_EQ(i64_trunc_sat_f32_s(f32(kCanon32)), 0u);

  EXPECT_EQ(i32_trunc_sat_f32_s(kInf32), 0x7fff'ffffu);
  EXPECT_EQ(i32_trunc_sat_f32_s(-kInf32), kIntMin32);
  EXPECT_EQ(i32_trunc_sat_f32_s(2147483648.0f), 0x7fff'ffffu);
  EXPECT_EQ(i32_trunc_sat_f32_s(2147483520.0f), 0x7fff'ff80u);
  EXPECT_EQ(i32_trunc_sat_f32_s(-2147483904.0f), kIntMin32);
  EXPECT_EQ(i32_trunc_sat_f32_u(-1.0f), 0u);
  EXPECT_EQ(i32_trunc_sat_f32_u(-0.9f), 0u);
  EXPECT_EQ(i32_trunc_sat_f32_u(4294967296.0f), 0xffff'ffffu);
  EXPECT_EQ(i32_trunc_sat_f32_u(4294967040.0f), 0xffff'ff00u);

  EXPECT_EQ(i32_trunc_sat_f64_s(2147483647.9), 0x7fff'ffffu);
  EXPECT_EQ(i32_trunc_sat_f64_s(2147483648.0), 0x7fff'ffffu);
  EXPECT_EQ(i32_trunc_sat_f64_s(-2147483648.9), kIntMin32);
  EXPECT_EQ(i32_trunc_sat_f64_s(-2147483649.0), kIntMin32);
  EXPECT_EQ(i32_trunc_sat_f64_u(4294967295.9), 0xffff'ffffu);
  EXPECT_EQ(i32_trunc_sat_f64_u(1e300), 0xffff'ffffu);
  EXPECT_EQ(i32_trunc_sat_f64_u(-kInf64), 0u);

  EXPECT_EQ(i64_trunc_sat_f32_s(9223372036854775808.0f), 0x7fff'ffff'ffff'ffffu);
  EXPECT_EQ(i64_trunc_sat_f32_s(-kInf32), kIntMin64);
  EXPECT_EQ(i64_trunc_sat_f32_u(18446744073709551616.0f), kMinus1_64);
  EXPECT_EQ(i64_trunc_sat_f32_u(0x1.fffffep63f), 0xffff'ff00'0000'0000u);
  EXPECT_EQ(i64_trunc_sat_f64_s(9223372036854775808.0), 0x7fff'ffff'ffff'ffffu);
  EXPECT_EQ(i64_trunc_sat_f64_s(-9223372036854775808.0), kIntMin64);
  EXPECT_EQ(i64_trunc_sat_f64_s(-0x1.0000000000001p63), kIntMin64);
  EXPECT_EQ(i64_trunc_sat_f64_u(0x1.fffffffffffffp63), 0xffff'ffff'ffff'f800u);
  EXPECT_EQ(i64_trunc_sat_f64_u(kInf64), kMinus1_64);
  EXPECT_EQ(i64_trunc_sat_f64_u(-0.9), 0u);
}

// ----------------------------------------------------------------------------- int -> float

TEST(NumericConvert, I32ToFloatRoundsToNearestEven) {
  EXPECT_EQ(f32_convert_i32_s(kIntMin32), -2147483648.0f);
  EXPECT_EQ(f32_convert_i32_s(kMinus1_32), -1.0f);
  EXPECT_EQ(f32_convert_i32_s(0x7fff'ffffu), 2147483648.0f);
  EXPECT_EQ(f32_convert_i32_s(16777217), 16777216.0f);
  EXPECT_EQ(f32_convert_i32_s(16777219), 16777220.0f);
  EXPECT_EQ(f32_convert_i32_s(static_cast<uint32_t>(-16777217)), -16777216.0f);
  EXPECT_EQ(f32_convert_i32_u(kMinus1_32), 4294967296.0f);
  EXPECT_EQ(f32_convert_i32_u(kIntMin32), 2147483648.0f);
  EXPECT_EQ(f32_convert_i32_u(0xffff'ff7fu), 4294967040.0f); // below the half-way point
  EXPECT_EQ(f32_convert_i32_u(0xffff'ff80u), 4294967296.0f); // tie, rounds to even
  EXPECT_EQ(f64_convert_i32_s(kIntMin32), -2147483648.0);
  EXPECT_EQ(f64_convert_i32_u(kMinus1_32), 4294967295.0);
}

TEST(NumericConvert, I64ToF32RoundsOnce) {
  // Values where rounding to double first and then to float gives a different answer.
  const uint64_t tricky = 0x0020'0000'2000'0001u;
  EXPECT_EQ(f32_convert_i64_u(tricky), 0x1.000002p+53f);
  EXPECT_NE(static_cast<float>(static_cast<double>(tricky)), 0x1.000002p+53f); // naive: wrong
  EXPECT_EQ(f32_convert_i64_u(0x7fff'ffbf'ffff'ffffu), 0x1.fffffep+62f);
  EXPECT_EQ(f32_convert_i64_u(0x8000'0080'0000'0001u), 0x1.000002p+63f);
  EXPECT_EQ(f32_convert_i64_u(0xffff'fe80'0000'0001u), 0x1.fffffep+63f);
  EXPECT_EQ(f32_convert_i64_u(kMinus1_64), 18446744073709551616.0f);
  EXPECT_EQ(f32_convert_i64_u(kIntMin64), 9223372036854775808.0f);
  EXPECT_EQ(f32_convert_i64_u(16777217), 16777216.0f);
  EXPECT_EQ(f32_convert_i64_u(16777219), 16777220.0f);
  EXPECT_EQ(f32_convert_i64_u(0), 0.0f);

  EXPECT_EQ(f32_convert_i64_s(0x7fff'ff40'0000'0001u), 0x1.fffffep+62f);
  EXPECT_EQ(f32_convert_i64_s(0x8000'0040'0000'0001u), -0x1.fffffep+62f);
  EXPECT_EQ(f32_convert_i64_s(tricky), 0x1.000002p+53f);
  EXPECT_EQ(f32_convert_i64_s(0xffdf'ffff'dfff'ffffu), -0x1.000002p+53f);
  EXPECT_EQ(f32_convert_i64_s(kIntMin64), -9223372036854775808.0f);
  EXPECT_EQ(f32_convert_i64_s(314159265358979u), 0x1.1db9e8p+48f);
}

TEST(NumericConvert, I64ToF64RoundsToNearestEven) {
  EXPECT_EQ(f64_convert_i64_u(0x8000'0000'0000'0400u), 0x1.0000000000000p+63);
  EXPECT_EQ(f64_convert_i64_u(0x8000'0000'0000'0401u), 0x1.0000000000001p+63);
  EXPECT_EQ(f64_convert_i64_u(0x8000'0000'0000'0402u), 0x1.0000000000001p+63);
  EXPECT_EQ(f64_convert_i64_u(0xffff'ffff'ffff'f400u), 0x1.ffffffffffffep+63);
  EXPECT_EQ(f64_convert_i64_u(0xffff'ffff'ffff'f401u), 0x1.fffffffffffffp+63);
  EXPECT_EQ(f64_convert_i64_u(kMinus1_64), 18446744073709551616.0);
  EXPECT_EQ(f64_convert_i64_u(9007199254740993u), 9007199254740992.0);
  EXPECT_EQ(f64_convert_i64_u(9007199254740995u), 9007199254740996.0);
  EXPECT_EQ(f64_convert_i64_s(kIntMin64), -9223372036854775808.0);
  EXPECT_EQ(f64_convert_i64_s(static_cast<uint64_t>(-9007199254740993)), -9007199254740992.0);
  EXPECT_EQ(f64_convert_i64_s(0x7fff'ffff'ffff'fc01u), 0x1.fffffffffffffp+62);
}

// ----------------------------------------------------------------------------- float <-> float

TEST(NumericConvert, DemoteRoundsAndOverflowsToInfinity) {
  SKIFF_EXPECT_BITS_EQ(f32_demote_f64(-0.0), -0.0f);
  SKIFF_EXPECT_BITS_EQ(f32_demote_f64(-0x0.0000000000001p-1022), -0.0f);
  EXPECT_EQ(f32_demote_f64(0x1.fffffe0000000p-127), 0x1p-126f);
  EXPECT_EQ(f32_demote_f64(0x1.fffffdfffffffp-127), 0x1.fffffcp-127f);
  EXPECT_EQ(f32_demote_f64(0x1p-149), 0x1p-149f);
  EXPECT_EQ(f32_demote_f64(0x1.fffffd0000000p+127), 0x1.fffffcp+127f);
  EXPECT_EQ(f32_demote_f64(0x1.fffffd0000001p+127), 0x1.fffffep+127f);
  EXPECT_EQ(f32_demote_f64(0x1.fffffefffffffp+127), 0x1.fffffep+127f);
  EXPECT_EQ(f32_demote_f64(0x1.ffffffp+127), kInf32);
  EXPECT_EQ(f32_demote_f64(-0x1.ffffffp+127), -kInf32);
  EXPECT_EQ(f32_demote_f64(0x1.0000010000000p+0), 1.0f); // tie to even
  EXPECT_EQ(f32_demote_f64(0x1.0000010000001p+0), 0x1.000002p+0f);
  EXPECT_EQ(f32_demote_f64(0x1.fffffffffffffp-1), 1.0f);
}

TEST(NumericConvert, DemoteOfNanIsNan) {
  EXPECT_EQ(bits(f32_demote_f64(f64(kCanon64))), kCanon32);
  EXPECT_EQ(bits(f32_demote_f64(f64(0xfff8'0000'0000'0000u))), 0xffc0'0000u);
  // nan:0x4000000000000 (a signalling NaN) keeps its top payload bits and gets quieted.
  EXPECT_EQ(bits(f32_demote_f64(f64(0x7ff4'0000'0000'0000u))), 0x7fe0'0000u);
  // A payload only in the low bits is lost, but the result is still an arithmetic NaN.
  const float low = f32_demote_f64(f64(0x7ff0'0000'0000'0001u));
  EXPECT_TRUE(is_arithmetic_nan(low));
  EXPECT_EQ(bits(low), kCanon32);
}

TEST(NumericConvert, PromoteIsExact) {
  SKIFF_EXPECT_BITS_EQ(f64_promote_f32(-0.0f), -0.0);
  EXPECT_EQ(f64_promote_f32(0x1p-149f), 0x1p-149);
  EXPECT_EQ(f64_promote_f32(0x1.fffffep+127f), 0x1.fffffep+127);
  EXPECT_EQ(f64_promote_f32(0x1.8f867ep+125f), 6.6382536710104395e+37);
  EXPECT_EQ(f64_promote_f32(-kInf32), -kInf64);
}

TEST(NumericConvert, PromoteOfNanIsNan) {
  EXPECT_EQ(bits(f64_promote_f32(f32(kCanon32))), kCanon64);
  EXPECT_EQ(bits(f64_promote_f32(f32(0xffc0'0000u))), 0xfff8'0000'0000'0000u);
  EXPECT_EQ(bits(f64_promote_f32(f32(0x7fa0'0000u))), 0x7ffc'0000'0000'0000u); // nan:0x200000
  EXPECT_EQ(bits(f64_promote_f32(f32(0xff80'0001u))), 0xfff8'0000'2000'0000u);
  EXPECT_TRUE(is_arithmetic_nan(f64_promote_f32(f32(0x7f80'0001u))));
  EXPECT_FALSE(is_canonical_nan(f64_promote_f32(f32(0x7f80'0001u))));
}

TEST(NumericConvert, ReinterpretKeepsBits) {
  EXPECT_EQ(i32_reinterpret_f32(-0.0f), 0x8000'0000u);
  EXPECT_EQ(i32_reinterpret_f32(f32_reinterpret_i32(0x7fa0'0001u)), 0x7fa0'0001u);
  EXPECT_EQ(i64_reinterpret_f64(f64_reinterpret_i64(0xfff0'0000'0000'0001u)),
            0xfff0'0000'0000'0001u);
  EXPECT_EQ(f32_reinterpret_i32(0x3f80'0000u), 1.0f);
  EXPECT_EQ(f64_reinterpret_i64(0x3ff0'0000'0000'0000u), 1.0);
  EXPECT_EQ(i64_reinterpret_f64(-kInf64), 0xfff0'0000'0000'0000u);
}

// The non-trapping operations are usable in constant expressions (constant folding).
TEST(NumericConstexpr, NonTrappingOpsFoldAtCompileTime) {
  static_assert(i32_rotl(0xfe00'dc00u, 4) == 0xe00d'c00fu);
  static_assert(i64_extend32_s(0x8000'0000u) == 0xffff'ffff'8000'0000u);
  static_assert(i32_shr_s(kIntMin32, 33) == 0xc000'0000u);
  static_assert(f64_nearest(4503599627370495.5) == 4503599627370496.0);
  static_assert(std::bit_cast<uint32_t>(f32_nearest(-0.5f)) == 0x8000'0000u);
  static_assert(std::bit_cast<uint32_t>(f32_min(0.0f, -0.0f)) == 0x8000'0000u);
  static_assert(i32_trunc_sat_f32_s(-2147483904.0f) == kIntMin32);
  static_assert(std::bit_cast<uint64_t>(f64_promote_f32(std::bit_cast<float>(0x7fa0'0000u))) ==
                0x7ffc'0000'0000'0000u);
  SUCCEED();
}

} // namespace
} // namespace skiff::engine::interp
