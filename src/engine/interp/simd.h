#pragma once
// SIMD128 numerics: the WebAssembly 2.0 v128 instructions as pure functions on a
// 16-byte value, for the interpreter's dispatch loop. Every 0xFD instruction in
// opcodes.def that does not touch memory has one inline function here, named after the
// instruction with '.' replaced by '_' (i8x16.add_sat_s -> i8x16_add_sat_s); loads,
// stores, load/store_lane, load_zero, load_splat and v128.const belong to the
// interpreter, which owns memory and immediates. Nothing here can fail or trap.
//
// https://webassembly.github.io/spec/core/exec/numerics.html
// Values: v128 is ir::V128 (16 bytes, lane i of a shape with N-byte lanes is bytes
// [N*i, N*i+N), little-endian). i32/i64 operands and results are int32_t/int64_t bit
// patterns; f32/f64 are float/double (on x86-64 they travel in SSE registers, which
// keep NaN bits). Lane indices are the instruction's immediate and must be in range
// (the validator guarantees it; checked by SKIFF_ASSERT).
//
// NaN rule for float lanes (the spec allows any NaN of a set; we pick one, so results
// are deterministic across hosts):
//   - an operand is NaN: the result is the first NaN operand with its quiet bit set
//     (sign and payload kept);
//   - no operand is NaN but the result is (inf - inf, 0 * inf, 0 / 0, sqrt(-1)):
//     the canonical NaN, positive with only the quiet bit (0x7FC00000 / 0x7FF8...0).
//   - abs/neg (sign-bit operations) and pmin/pmax (defined by the spec as a select of
//     an operand) return their operand's bits unchanged, even a signalling NaN.
//   - promote/demote keep a NaN's sign and the top payload bits, and set the quiet bit.
// All float results are those of IEEE 754 round-to-nearest-even; nearest does not use
// the host's rounding mode.

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <span>
#include <type_traits>

#include "base/assert.h"
#include "engine/interp/numeric.h"
#include "engine/ir/module.h"

namespace skiff::engine::interp {

using V128 = ir::V128;

// Number of lanes of type T in a v128.
template <typename T> inline constexpr size_t kLanes = 16 / sizeof(T);

// Lane i of v read as T (any of int8..int64, uint8..uint64, float, double).
template <typename T> inline T get_lane(const V128& v, size_t i) {
  SKIFF_ASSERT(i < kLanes<T>, "lane index out of range");
  T x;
  std::memcpy(&x, v.bytes + i * sizeof(T), sizeof(T));
  return x;
}

template <typename T> inline void set_lane(V128& v, size_t i, T x) {
  SKIFF_ASSERT(i < kLanes<T>, "lane index out of range");
  std::memcpy(v.bytes + i * sizeof(T), &x, sizeof(T));
}

namespace detail {

// Lane arithmetic on types narrower than int would promote to (signed) int and can
// overflow; wrapping operations run in this unsigned type instead.
template <typename T>
using Wide = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;

// The unsigned integer type of a lane of size sizeof(T) (its bits: masks, sign bits).
template <typename T>
using Mask =
    std::conditional_t<sizeof(T) == 1, uint8_t,
                       std::conditional_t<sizeof(T) == 2, uint16_t,
                                          std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;

// Host vectors: GCC/clang vector types, on which add/sub/mul, bit operations, compares,
// shifts and int->float conversion are one SSE2/NEON instruction (or a short sequence)
// instead of a loop over lanes. Vector arithmetic on unsigned lanes wraps and never
// promotes, and a compare yields all-ones/zero lanes, as wasm wants. The lane loops
// below stay the definition of everything else.
template <typename T> struct HostVec;
#define SKIFF_HOST_VEC(T) \
  template <> struct HostVec<T> { typedef T type __attribute__((vector_size(16))); };
SKIFF_HOST_VEC(int8_t)
SKIFF_HOST_VEC(uint8_t)
SKIFF_HOST_VEC(int16_t)
SKIFF_HOST_VEC(uint16_t)
SKIFF_HOST_VEC(int32_t)
SKIFF_HOST_VEC(uint32_t)
SKIFF_HOST_VEC(int64_t)
SKIFF_HOST_VEC(uint64_t)
SKIFF_HOST_VEC(float)
SKIFF_HOST_VEC(double)
#undef SKIFF_HOST_VEC
template <typename T> using Vec = typename HostVec<T>::type;

template <typename T> inline Vec<T> vec(const V128& v) {
  Vec<T> x;
  std::memcpy(&x, v.bytes, 16);
  return x;
}
template <typename X> inline V128 unvec(const X& x) {
  static_assert(sizeof x == 16);
  V128 r;
  std::memcpy(r.bytes, &x, 16);
  return r;
}
template <typename T, typename Op> inline V128 vmap1(V128 a, Op op) { return unvec(op(vec<T>(a))); }
template <typename T, typename Op> inline V128 vmap2(V128 a, V128 b, Op op) {
  return unvec(op(vec<T>(a), vec<T>(b)));
}

template <typename T, typename Op> inline V128 map1(V128 a, Op op) {
  V128 r;
  for (size_t i = 0; i < kLanes<T>; ++i)
    set_lane<T>(r, i, static_cast<T>(op(get_lane<T>(a, i))));
  return r;
}

template <typename T, typename Op> inline V128 map2(V128 a, V128 b, Op op) {
  V128 r;
  for (size_t i = 0; i < kLanes<T>; ++i) {
    set_lane<T>(r, i, static_cast<T>(op(get_lane<T>(a, i), get_lane<T>(b, i))));
  }
  return r;
}

// Lane i is all ones when pred(a[i], b[i]), else zero.
// (pred is a transparent comparator such as std::less<>, applied to whole vectors.)
template <typename T, typename Pred> inline V128 compare(V128 a, V128 b, Pred pred) {
  return unvec(pred(vec<T>(a), vec<T>(b)));
}

// Splatted as bits: a float add would turn -0 into +0 and quiet a signalling NaN.
template <typename T> inline V128 splat(T x) { return unvec(Vec<Mask<T>>{} + std::bit_cast<Mask<T>>(x)); }

template <typename T> inline V128 replace_lane(V128 a, uint8_t lane, T x) {
  set_lane<T>(a, lane, x);
  return a;
}

// --- integers ---------------------------------------------------------------------

template <typename T> inline T add_wrap(T a, T b) {
  return static_cast<T>(Wide<T>(a) + Wide<T>(b));
}
template <typename T> inline T mul_wrap(T a, T b) {
  return static_cast<T>(Wide<T>(a) * Wide<T>(b));
}
template <typename T> inline T neg_wrap(T a) { return static_cast<T>(Wide<T>(0) - Wide<T>(a)); }

// https://webassembly.github.io/spec/core/exec/numerics.html#saturation
// sat_N(i) clamps i to the range of T.
template <typename T> inline T saturate(int64_t x) {
  if (x < static_cast<int64_t>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (x > static_cast<int64_t>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(x);
}

// https://webassembly.github.io/spec/core/exec/numerics.html#op-iadd-sat-s
// The exact sum or difference, clamped to the range of T (signed or unsigned).
template <typename T> inline T add_sat(T a, T b) { return saturate<T>(int64_t{a} + int64_t{b}); }
template <typename T> inline T sub_sat(T a, T b) { return saturate<T>(int64_t{a} - int64_t{b}); }

template <typename T> inline T min_of(T a, T b) { return a < b ? a : b; }
template <typename T> inline T max_of(T a, T b) { return a > b ? a : b; }

// Shift counts are taken modulo the lane width.
template <typename T> inline unsigned shift_count(int32_t count) {
  return static_cast<uint32_t>(count) & (sizeof(T) * 8 - 1);
}

template <typename T> inline V128 shl(V128 a, int32_t count) {
  return unvec(vec<std::make_unsigned_t<T>>(a) << shift_count<T>(count));
}

// T signed: arithmetic shift (defined in C++20); T unsigned: logical shift.
template <typename T> inline V128 shr(V128 a, int32_t count) {
  return unvec(vec<T>(a) >> shift_count<T>(count));
}

template <typename T> inline V128 abs(V128 a) {
  return map1<T>(a, [](T x) { return x < 0 ? neg_wrap(x) : x; });
}

// https://webassembly.github.io/spec/core/exec/numerics.html#op-iavgr-u
// (a + b + 1) / 2 without overflow.
template <typename T> inline V128 avgr_u(V128 a, V128 b) {
  return map2<T>(a, b, [](T x, T y) { return (Wide<T>(x) + Wide<T>(y) + 1) >> 1; });
}

// Lane i is 1 when lane i of a is nonzero; the result is 1 when all are.
template <typename T> inline int32_t all_true(V128 a) {
  for (size_t i = 0; i < kLanes<T>; ++i) {
    if (get_lane<T>(a, i) == 0) return 0;
  }
  return 1;
}

// Bit i of the result is the top (sign) bit of lane i. T is the signed lane type.
template <typename T> inline int32_t bitmask(V128 a) {
  uint32_t r = 0;
  for (size_t i = 0; i < kLanes<T>; ++i)
    r |= static_cast<uint32_t>(get_lane<T>(a, i) < 0) << i;
  return static_cast<int32_t>(r);
}

// https://webassembly.github.io/spec/core/exec/numerics.html#op-narrow-s
// Lanes of a, then lanes of b, each read as signed From and saturated into To.
template <typename From, typename To> inline V128 narrow(V128 a, V128 b) {
  V128 r;
  constexpr size_t n = kLanes<From>;
  for (size_t i = 0; i < n; ++i) {
    set_lane<To>(r, i, saturate<To>(get_lane<From>(a, i)));
    set_lane<To>(r, i + n, saturate<To>(get_lane<From>(b, i)));
  }
  return r;
}

// Lanes [first, first + kLanes<To>) of a, widened (sign- or zero-extended by From).
template <typename From, typename To> inline V128 extend(V128 a, size_t first) {
  V128 r;
  for (size_t i = 0; i < kLanes<To>; ++i)
    set_lane<To>(r, i, static_cast<To>(get_lane<From>(a, first + i)));
  return r;
}

template <typename From, typename To> inline V128 extend_low(V128 a) {
  return extend<From, To>(a, 0);
}
template <typename From, typename To> inline V128 extend_high(V128 a) {
  return extend<From, To>(a, kLanes<To>);
}

template <typename From, typename To> inline V128 extadd_pairwise(V128 a) {
  V128 r;
  for (size_t i = 0; i < kLanes<To>; ++i) {
    To lo = static_cast<To>(get_lane<From>(a, 2 * i));
    To hi = static_cast<To>(get_lane<From>(a, 2 * i + 1));
    set_lane<To>(r, i, add_wrap(lo, hi));
  }
  return r;
}

// The product of two widened lanes always fits the wider lane (mul_wrap only avoids
// the int promotion of 8/16-bit types).
template <typename From, typename To> inline V128 extmul(V128 a, V128 b, size_t first) {
  V128 r;
  for (size_t i = 0; i < kLanes<To>; ++i) {
    To x = static_cast<To>(get_lane<From>(a, first + i));
    To y = static_cast<To>(get_lane<From>(b, first + i));
    set_lane<To>(r, i, mul_wrap(x, y));
  }
  return r;
}

template <typename From, typename To> inline V128 extmul_low(V128 a, V128 b) {
  return extmul<From, To>(a, b, 0);
}
template <typename From, typename To> inline V128 extmul_high(V128 a, V128 b) {
  return extmul<From, To>(a, b, kLanes<To>);
}

// --- floats -----------------------------------------------------------------------
// Each lane follows the scalar semantics of numeric.h (detail::fadd, fmin, fnearest,
// ...), NaN rules included, so there is one definition of every float rule.

// https://webassembly.github.io/spec/core/exec/numerics.html#op-fpmin
// A select, not arithmetic: b < a ? b : a (pmax: a < b ? b : a), operand bits
// returned unchanged, so pmin(NaN, x) is that NaN and pmin(x, NaN) is x.
template <typename F> inline F pmin(F a, F b) { return b < a ? b : a; }

// abs clears and neg flips the sign bit only, so NaNs keep their bits.
template <typename F> inline constexpr Mask<F> kSignBit = Mask<F>{1} << (sizeof(F) * 8 - 1);
template <typename F> inline V128 fabs_bits(V128 a) {
  return vmap1<Mask<F>>(a, [](auto x) { return x & Mask<F>(~kSignBit<F>); });
}
template <typename F> inline V128 fneg_bits(V128 a) {
  return vmap1<Mask<F>>(a, [](auto x) { return x ^ kSignBit<F>; });
}

// add/sub/mul/div: the host's lane results (IEEE, round to nearest) when no lane is
// NaN; otherwise the lane loop, which applies the NaN rule at the top of this file.
template <typename F, typename VOp, typename SOp> inline V128 farith(V128 a, V128 b, VOp vop, SOp sop) {
  const Vec<F> r = vop(vec<F>(a), vec<F>(b));
  const auto nan = r != r;
  uint64_t any[2];
  std::memcpy(any, &nan, 16);
  if ((any[0] | any[1]) == 0) [[likely]] return unvec(r);
  return map2<F>(a, b, sop);
}
template <typename F> inline F pmax(F a, F b) { return a < b ? b : a; }

}  // namespace detail

// ---------------------------------------------------------------------------------
// splat, extract_lane, replace_lane
// https://webassembly.github.io/spec/core/exec/instructions.html#vector-instructions
// ---------------------------------------------------------------------------------

inline V128 i8x16_splat(int32_t x) { return detail::splat(static_cast<int8_t>(x)); }
inline V128 i16x8_splat(int32_t x) { return detail::splat(static_cast<int16_t>(x)); }
inline V128 i32x4_splat(int32_t x) { return detail::splat(x); }
inline V128 i64x2_splat(int64_t x) { return detail::splat(x); }
inline V128 f32x4_splat(float x) { return detail::splat(x); }
inline V128 f64x2_splat(double x) { return detail::splat(x); }

inline int32_t i8x16_extract_lane_s(const V128& a, uint8_t lane) { return get_lane<int8_t>(a, lane); }
inline int32_t i8x16_extract_lane_u(const V128& a, uint8_t lane) { return get_lane<uint8_t>(a, lane); }
inline int32_t i16x8_extract_lane_s(const V128& a, uint8_t lane) { return get_lane<int16_t>(a, lane); }
inline int32_t i16x8_extract_lane_u(const V128& a, uint8_t lane) { return get_lane<uint16_t>(a, lane); }
inline int32_t i32x4_extract_lane(const V128& a, uint8_t lane) { return get_lane<int32_t>(a, lane); }
inline int64_t i64x2_extract_lane(const V128& a, uint8_t lane) { return get_lane<int64_t>(a, lane); }
inline float f32x4_extract_lane(const V128& a, uint8_t lane) { return get_lane<float>(a, lane); }
inline double f64x2_extract_lane(const V128& a, uint8_t lane) { return get_lane<double>(a, lane); }

inline V128 i8x16_replace_lane(V128 a, uint8_t lane, int32_t x) {
  return detail::replace_lane(a, lane, static_cast<int8_t>(x));
}
inline V128 i16x8_replace_lane(V128 a, uint8_t lane, int32_t x) {
  return detail::replace_lane(a, lane, static_cast<int16_t>(x));
}
inline V128 i32x4_replace_lane(V128 a, uint8_t lane, int32_t x) {
  return detail::replace_lane(a, lane, x);
}
inline V128 i64x2_replace_lane(V128 a, uint8_t lane, int64_t x) {
  return detail::replace_lane(a, lane, x);
}
inline V128 f32x4_replace_lane(V128 a, uint8_t lane, float x) {
  return detail::replace_lane(a, lane, x);
}
inline V128 f64x2_replace_lane(V128 a, uint8_t lane, double x) {
  return detail::replace_lane(a, lane, x);
}

// ---------------------------------------------------------------------------------
// shuffle, swizzle
// ---------------------------------------------------------------------------------

// Byte i is byte lanes[i] of the 32-byte concatenation a ++ b. The validator checks
// lanes[i] < 32; beyond that the index wraps rather than reading out of bounds.
inline V128 i8x16_shuffle(V128 a, V128 b, std::span<const uint8_t, 16> lanes) {
  V128 r;
  for (size_t i = 0; i < 16; ++i) {
    uint8_t s = lanes[i];
    SKIFF_ASSERT(s < 32, "shuffle lane index not validated");
    r.bytes[i] = s < 16 ? a.bytes[s & 15] : b.bytes[s & 15];
  }
  return r;
}

// Byte i is byte b[i] of a, or 0 when b[i] >= 16.
inline V128 i8x16_swizzle(V128 a, V128 b) {
  V128 r;
  for (size_t i = 0; i < 16; ++i) {
    uint8_t s = b.bytes[i];
    r.bytes[i] = s < 16 ? a.bytes[s] : 0;
  }
  return r;
}

// ---------------------------------------------------------------------------------
// v128 bitwise
// ---------------------------------------------------------------------------------

inline V128 v128_not(V128 a) {
  return detail::vmap1<uint64_t>(a, [](auto x) { return ~x; });
}
inline V128 v128_and(V128 a, V128 b) { return detail::vmap2<uint64_t>(a, b, std::bit_and<>{}); }
inline V128 v128_andnot(V128 a, V128 b) {
  return detail::vmap2<uint64_t>(a, b, [](auto x, auto y) { return x & ~y; });
}
inline V128 v128_or(V128 a, V128 b) { return detail::vmap2<uint64_t>(a, b, std::bit_or<>{}); }
inline V128 v128_xor(V128 a, V128 b) { return detail::vmap2<uint64_t>(a, b, std::bit_xor<>{}); }
// Bits of a where c is 1, bits of b where c is 0.
inline V128 v128_bitselect(V128 a, V128 b, V128 c) {
  return v128_or(v128_and(a, c), v128_andnot(b, c));
}
inline int32_t v128_any_true(V128 a) {
  return (get_lane<uint64_t>(a, 0) | get_lane<uint64_t>(a, 1)) != 0;
}

// ---------------------------------------------------------------------------------
// integer comparisons: each lane becomes all ones (true) or zero (false)
// ---------------------------------------------------------------------------------

// i64x2 has no unsigned comparisons.
inline V128 i8x16_eq(V128 a, V128 b) { return detail::compare<int8_t>(a, b, std::equal_to<>{}); }
inline V128 i8x16_ne(V128 a, V128 b) {
  return detail::compare<int8_t>(a, b, std::not_equal_to<>{});
}
inline V128 i8x16_lt_s(V128 a, V128 b) { return detail::compare<int8_t>(a, b, std::less<>{}); }
inline V128 i8x16_lt_u(V128 a, V128 b) { return detail::compare<uint8_t>(a, b, std::less<>{}); }
inline V128 i8x16_gt_s(V128 a, V128 b) { return detail::compare<int8_t>(a, b, std::greater<>{}); }
inline V128 i8x16_gt_u(V128 a, V128 b) { return detail::compare<uint8_t>(a, b, std::greater<>{}); }
inline V128 i8x16_le_s(V128 a, V128 b) {
  return detail::compare<int8_t>(a, b, std::less_equal<>{});
}
inline V128 i8x16_le_u(V128 a, V128 b) {
  return detail::compare<uint8_t>(a, b, std::less_equal<>{});
}
inline V128 i8x16_ge_s(V128 a, V128 b) {
  return detail::compare<int8_t>(a, b, std::greater_equal<>{});
}
inline V128 i8x16_ge_u(V128 a, V128 b) {
  return detail::compare<uint8_t>(a, b, std::greater_equal<>{});
}

inline V128 i16x8_eq(V128 a, V128 b) { return detail::compare<int16_t>(a, b, std::equal_to<>{}); }
inline V128 i16x8_ne(V128 a, V128 b) {
  return detail::compare<int16_t>(a, b, std::not_equal_to<>{});
}
inline V128 i16x8_lt_s(V128 a, V128 b) { return detail::compare<int16_t>(a, b, std::less<>{}); }
inline V128 i16x8_lt_u(V128 a, V128 b) { return detail::compare<uint16_t>(a, b, std::less<>{}); }
inline V128 i16x8_gt_s(V128 a, V128 b) { return detail::compare<int16_t>(a, b, std::greater<>{}); }
inline V128 i16x8_gt_u(V128 a, V128 b) { return detail::compare<uint16_t>(a, b, std::greater<>{}); }
inline V128 i16x8_le_s(V128 a, V128 b) {
  return detail::compare<int16_t>(a, b, std::less_equal<>{});
}
inline V128 i16x8_le_u(V128 a, V128 b) {
  return detail::compare<uint16_t>(a, b, std::less_equal<>{});
}
inline V128 i16x8_ge_s(V128 a, V128 b) {
  return detail::compare<int16_t>(a, b, std::greater_equal<>{});
}
inline V128 i16x8_ge_u(V128 a, V128 b) {
  return detail::compare<uint16_t>(a, b, std::greater_equal<>{});
}

inline V128 i32x4_eq(V128 a, V128 b) { return detail::compare<int32_t>(a, b, std::equal_to<>{}); }
inline V128 i32x4_ne(V128 a, V128 b) {
  return detail::compare<int32_t>(a, b, std::not_equal_to<>{});
}
inline V128 i32x4_lt_s(V128 a, V128 b) { return detail::compare<int32_t>(a, b, std::less<>{}); }
inline V128 i32x4_lt_u(V128 a, V128 b) { return detail::compare<uint32_t>(a, b, std::less<>{}); }
inline V128 i32x4_gt_s(V128 a, V128 b) { return detail::compare<int32_t>(a, b, std::greater<>{}); }
inline V128 i32x4_gt_u(V128 a, V128 b) { return detail::compare<uint32_t>(a, b, std::greater<>{}); }
inline V128 i32x4_le_s(V128 a, V128 b) {
  return detail::compare<int32_t>(a, b, std::less_equal<>{});
}
inline V128 i32x4_le_u(V128 a, V128 b) {
  return detail::compare<uint32_t>(a, b, std::less_equal<>{});
}
inline V128 i32x4_ge_s(V128 a, V128 b) {
  return detail::compare<int32_t>(a, b, std::greater_equal<>{});
}
inline V128 i32x4_ge_u(V128 a, V128 b) {
  return detail::compare<uint32_t>(a, b, std::greater_equal<>{});
}

inline V128 i64x2_eq(V128 a, V128 b) { return detail::compare<int64_t>(a, b, std::equal_to<>{}); }
inline V128 i64x2_ne(V128 a, V128 b) {
  return detail::compare<int64_t>(a, b, std::not_equal_to<>{});
}
inline V128 i64x2_lt_s(V128 a, V128 b) { return detail::compare<int64_t>(a, b, std::less<>{}); }
inline V128 i64x2_gt_s(V128 a, V128 b) { return detail::compare<int64_t>(a, b, std::greater<>{}); }
inline V128 i64x2_le_s(V128 a, V128 b) {
  return detail::compare<int64_t>(a, b, std::less_equal<>{});
}
inline V128 i64x2_ge_s(V128 a, V128 b) {
  return detail::compare<int64_t>(a, b, std::greater_equal<>{});
}

// ---------------------------------------------------------------------------------
// integer arithmetic
// ---------------------------------------------------------------------------------

// abs and neg wrap: abs(-128) == -128.
inline V128 i8x16_abs(V128 a) { return detail::abs<int8_t>(a); }
inline V128 i16x8_abs(V128 a) { return detail::abs<int16_t>(a); }
inline V128 i32x4_abs(V128 a) { return detail::abs<int32_t>(a); }
inline V128 i64x2_abs(V128 a) { return detail::abs<int64_t>(a); }
inline V128 i8x16_neg(V128 a) { return detail::map1<int8_t>(a, detail::neg_wrap<int8_t>); }
inline V128 i16x8_neg(V128 a) { return detail::map1<int16_t>(a, detail::neg_wrap<int16_t>); }
inline V128 i32x4_neg(V128 a) { return detail::map1<int32_t>(a, detail::neg_wrap<int32_t>); }
inline V128 i64x2_neg(V128 a) { return detail::map1<int64_t>(a, detail::neg_wrap<int64_t>); }

inline V128 i8x16_popcnt(V128 a) {
  return detail::map1<uint8_t>(a, [](uint8_t x) { return std::popcount(x); });
}

inline V128 i8x16_add(V128 a, V128 b) { return detail::vmap2<uint8_t>(a, b, std::plus<>{}); }
inline V128 i16x8_add(V128 a, V128 b) { return detail::vmap2<uint16_t>(a, b, std::plus<>{}); }
inline V128 i32x4_add(V128 a, V128 b) { return detail::vmap2<uint32_t>(a, b, std::plus<>{}); }
inline V128 i64x2_add(V128 a, V128 b) { return detail::vmap2<uint64_t>(a, b, std::plus<>{}); }
inline V128 i8x16_sub(V128 a, V128 b) { return detail::vmap2<uint8_t>(a, b, std::minus<>{}); }
inline V128 i16x8_sub(V128 a, V128 b) { return detail::vmap2<uint16_t>(a, b, std::minus<>{}); }
inline V128 i32x4_sub(V128 a, V128 b) { return detail::vmap2<uint32_t>(a, b, std::minus<>{}); }
inline V128 i64x2_sub(V128 a, V128 b) { return detail::vmap2<uint64_t>(a, b, std::minus<>{}); }
inline V128 i16x8_mul(V128 a, V128 b) { return detail::vmap2<uint16_t>(a, b, std::multiplies<>{}); }
inline V128 i32x4_mul(V128 a, V128 b) { return detail::vmap2<uint32_t>(a, b, std::multiplies<>{}); }
inline V128 i64x2_mul(V128 a, V128 b) { return detail::vmap2<uint64_t>(a, b, std::multiplies<>{}); }

// https://webassembly.github.io/spec/core/exec/numerics.html#op-iadd-sat-s
// The exact sum or difference, clamped to the lane's signed or unsigned range.
inline V128 i8x16_add_sat_s(V128 a, V128 b) {
  return detail::map2<int8_t>(a, b, detail::add_sat<int8_t>);
}
inline V128 i8x16_add_sat_u(V128 a, V128 b) {
  return detail::map2<uint8_t>(a, b, detail::add_sat<uint8_t>);
}
inline V128 i8x16_sub_sat_s(V128 a, V128 b) {
  return detail::map2<int8_t>(a, b, detail::sub_sat<int8_t>);
}
inline V128 i8x16_sub_sat_u(V128 a, V128 b) {
  return detail::map2<uint8_t>(a, b, detail::sub_sat<uint8_t>);
}
inline V128 i16x8_add_sat_s(V128 a, V128 b) {
  return detail::map2<int16_t>(a, b, detail::add_sat<int16_t>);
}
inline V128 i16x8_add_sat_u(V128 a, V128 b) {
  return detail::map2<uint16_t>(a, b, detail::add_sat<uint16_t>);
}
inline V128 i16x8_sub_sat_s(V128 a, V128 b) {
  return detail::map2<int16_t>(a, b, detail::sub_sat<int16_t>);
}
inline V128 i16x8_sub_sat_u(V128 a, V128 b) {
  return detail::map2<uint16_t>(a, b, detail::sub_sat<uint16_t>);
}

inline V128 i8x16_min_s(V128 a, V128 b) {
  return detail::map2<int8_t>(a, b, detail::min_of<int8_t>);
}
inline V128 i8x16_min_u(V128 a, V128 b) {
  return detail::map2<uint8_t>(a, b, detail::min_of<uint8_t>);
}
inline V128 i8x16_max_s(V128 a, V128 b) {
  return detail::map2<int8_t>(a, b, detail::max_of<int8_t>);
}
inline V128 i8x16_max_u(V128 a, V128 b) {
  return detail::map2<uint8_t>(a, b, detail::max_of<uint8_t>);
}
inline V128 i16x8_min_s(V128 a, V128 b) {
  return detail::map2<int16_t>(a, b, detail::min_of<int16_t>);
}
inline V128 i16x8_min_u(V128 a, V128 b) {
  return detail::map2<uint16_t>(a, b, detail::min_of<uint16_t>);
}
inline V128 i16x8_max_s(V128 a, V128 b) {
  return detail::map2<int16_t>(a, b, detail::max_of<int16_t>);
}
inline V128 i16x8_max_u(V128 a, V128 b) {
  return detail::map2<uint16_t>(a, b, detail::max_of<uint16_t>);
}
inline V128 i32x4_min_s(V128 a, V128 b) {
  return detail::map2<int32_t>(a, b, detail::min_of<int32_t>);
}
inline V128 i32x4_min_u(V128 a, V128 b) {
  return detail::map2<uint32_t>(a, b, detail::min_of<uint32_t>);
}
inline V128 i32x4_max_s(V128 a, V128 b) {
  return detail::map2<int32_t>(a, b, detail::max_of<int32_t>);
}
inline V128 i32x4_max_u(V128 a, V128 b) {
  return detail::map2<uint32_t>(a, b, detail::max_of<uint32_t>);
}

inline V128 i8x16_avgr_u(V128 a, V128 b) { return detail::avgr_u<uint8_t>(a, b); }
inline V128 i16x8_avgr_u(V128 a, V128 b) { return detail::avgr_u<uint16_t>(a, b); }

// https://webassembly.github.io/spec/core/exec/numerics.html#op-iq15mulr-sat-s
// sat_s((a * b + 2^14) >> 15): the rounded Q15 product; only -1.0 * -1.0 saturates.
inline V128 i16x8_q15mulr_sat_s(V128 a, V128 b) {
  return detail::map2<int16_t>(a, b, [](int16_t x, int16_t y) {
    return detail::saturate<int16_t>((int32_t{x} * y + 0x4000) >> 15);
  });
}

// Lane i is a[2i]*b[2i] + a[2i+1]*b[2i+1] over signed 16-bit lanes, wrapping to 32
// bits (only (-32768)^2 * 2 = 2^31 wraps, to INT32_MIN).
inline V128 i32x4_dot_i16x8_s(V128 a, V128 b) {
  V128 r;
  for (size_t i = 0; i < 4; ++i) {
    int64_t lo = int64_t{get_lane<int16_t>(a, 2 * i)} * get_lane<int16_t>(b, 2 * i);
    int64_t hi = int64_t{get_lane<int16_t>(a, 2 * i + 1)} * get_lane<int16_t>(b, 2 * i + 1);
    set_lane<int32_t>(r, i, static_cast<int32_t>(lo + hi));
  }
  return r;
}

// Shifts take the count modulo the lane width in bits.
inline V128 i8x16_shl(V128 a, int32_t n) { return detail::shl<int8_t>(a, n); }
inline V128 i8x16_shr_s(V128 a, int32_t n) { return detail::shr<int8_t>(a, n); }
inline V128 i8x16_shr_u(V128 a, int32_t n) { return detail::shr<uint8_t>(a, n); }
inline V128 i16x8_shl(V128 a, int32_t n) { return detail::shl<int16_t>(a, n); }
inline V128 i16x8_shr_s(V128 a, int32_t n) { return detail::shr<int16_t>(a, n); }
inline V128 i16x8_shr_u(V128 a, int32_t n) { return detail::shr<uint16_t>(a, n); }
inline V128 i32x4_shl(V128 a, int32_t n) { return detail::shl<int32_t>(a, n); }
inline V128 i32x4_shr_s(V128 a, int32_t n) { return detail::shr<int32_t>(a, n); }
inline V128 i32x4_shr_u(V128 a, int32_t n) { return detail::shr<uint32_t>(a, n); }
inline V128 i64x2_shl(V128 a, int32_t n) { return detail::shl<int64_t>(a, n); }
inline V128 i64x2_shr_s(V128 a, int32_t n) { return detail::shr<int64_t>(a, n); }
inline V128 i64x2_shr_u(V128 a, int32_t n) { return detail::shr<uint64_t>(a, n); }

inline int32_t i8x16_all_true(V128 a) { return detail::all_true<int8_t>(a); }
inline int32_t i16x8_all_true(V128 a) { return detail::all_true<int16_t>(a); }
inline int32_t i32x4_all_true(V128 a) { return detail::all_true<int32_t>(a); }
inline int32_t i64x2_all_true(V128 a) { return detail::all_true<int64_t>(a); }
inline int32_t i8x16_bitmask(V128 a) { return detail::bitmask<int8_t>(a); }
inline int32_t i16x8_bitmask(V128 a) { return detail::bitmask<int16_t>(a); }
inline int32_t i32x4_bitmask(V128 a) { return detail::bitmask<int32_t>(a); }
inline int32_t i64x2_bitmask(V128 a) { return detail::bitmask<int64_t>(a); }

// ---------------------------------------------------------------------------------
// narrow, extend, extadd_pairwise, extmul
// ---------------------------------------------------------------------------------

// Inputs are signed in both forms; _u saturates into [0, 2^N - 1].
inline V128 i8x16_narrow_i16x8_s(V128 a, V128 b) { return detail::narrow<int16_t, int8_t>(a, b); }
inline V128 i8x16_narrow_i16x8_u(V128 a, V128 b) { return detail::narrow<int16_t, uint8_t>(a, b); }
inline V128 i16x8_narrow_i32x4_s(V128 a, V128 b) { return detail::narrow<int32_t, int16_t>(a, b); }
inline V128 i16x8_narrow_i32x4_u(V128 a, V128 b) { return detail::narrow<int32_t, uint16_t>(a, b); }

inline V128 i16x8_extend_low_i8x16_s(V128 a) { return detail::extend_low<int8_t, int16_t>(a); }
inline V128 i16x8_extend_high_i8x16_s(V128 a) { return detail::extend_high<int8_t, int16_t>(a); }
inline V128 i16x8_extend_low_i8x16_u(V128 a) { return detail::extend_low<uint8_t, uint16_t>(a); }
inline V128 i16x8_extend_high_i8x16_u(V128 a) { return detail::extend_high<uint8_t, uint16_t>(a); }
inline V128 i32x4_extend_low_i16x8_s(V128 a) { return detail::extend_low<int16_t, int32_t>(a); }
inline V128 i32x4_extend_high_i16x8_s(V128 a) { return detail::extend_high<int16_t, int32_t>(a); }
inline V128 i32x4_extend_low_i16x8_u(V128 a) { return detail::extend_low<uint16_t, uint32_t>(a); }
inline V128 i32x4_extend_high_i16x8_u(V128 a) { return detail::extend_high<uint16_t, uint32_t>(a); }
inline V128 i64x2_extend_low_i32x4_s(V128 a) { return detail::extend_low<int32_t, int64_t>(a); }
inline V128 i64x2_extend_high_i32x4_s(V128 a) { return detail::extend_high<int32_t, int64_t>(a); }
inline V128 i64x2_extend_low_i32x4_u(V128 a) { return detail::extend_low<uint32_t, uint64_t>(a); }
inline V128 i64x2_extend_high_i32x4_u(V128 a) { return detail::extend_high<uint32_t, uint64_t>(a); }

inline V128 i16x8_extadd_pairwise_i8x16_s(V128 a) {
  return detail::extadd_pairwise<int8_t, int16_t>(a);
}
inline V128 i16x8_extadd_pairwise_i8x16_u(V128 a) {
  return detail::extadd_pairwise<uint8_t, uint16_t>(a);
}
inline V128 i32x4_extadd_pairwise_i16x8_s(V128 a) {
  return detail::extadd_pairwise<int16_t, int32_t>(a);
}
inline V128 i32x4_extadd_pairwise_i16x8_u(V128 a) {
  return detail::extadd_pairwise<uint16_t, uint32_t>(a);
}

inline V128 i16x8_extmul_low_i8x16_s(V128 a, V128 b) {
  return detail::extmul_low<int8_t, int16_t>(a, b);
}
inline V128 i16x8_extmul_high_i8x16_s(V128 a, V128 b) {
  return detail::extmul_high<int8_t, int16_t>(a, b);
}
inline V128 i16x8_extmul_low_i8x16_u(V128 a, V128 b) {
  return detail::extmul_low<uint8_t, uint16_t>(a, b);
}
inline V128 i16x8_extmul_high_i8x16_u(V128 a, V128 b) {
  return detail::extmul_high<uint8_t, uint16_t>(a, b);
}
inline V128 i32x4_extmul_low_i16x8_s(V128 a, V128 b) {
  return detail::extmul_low<int16_t, int32_t>(a, b);
}
inline V128 i32x4_extmul_high_i16x8_s(V128 a, V128 b) {
  return detail::extmul_high<int16_t, int32_t>(a, b);
}
inline V128 i32x4_extmul_low_i16x8_u(V128 a, V128 b) {
  return detail::extmul_low<uint16_t, uint32_t>(a, b);
}
inline V128 i32x4_extmul_high_i16x8_u(V128 a, V128 b) {
  return detail::extmul_high<uint16_t, uint32_t>(a, b);
}
inline V128 i64x2_extmul_low_i32x4_s(V128 a, V128 b) {
  return detail::extmul_low<int32_t, int64_t>(a, b);
}
inline V128 i64x2_extmul_high_i32x4_s(V128 a, V128 b) {
  return detail::extmul_high<int32_t, int64_t>(a, b);
}
inline V128 i64x2_extmul_low_i32x4_u(V128 a, V128 b) {
  return detail::extmul_low<uint32_t, uint64_t>(a, b);
}
inline V128 i64x2_extmul_high_i32x4_u(V128 a, V128 b) {
  return detail::extmul_high<uint32_t, uint64_t>(a, b);
}

// ---------------------------------------------------------------------------------
// float comparisons (IEEE: every comparison with a NaN is false, except ne)
// ---------------------------------------------------------------------------------

inline V128 f32x4_eq(V128 a, V128 b) { return detail::compare<float>(a, b, std::equal_to<>{}); }
inline V128 f32x4_ne(V128 a, V128 b) { return detail::compare<float>(a, b, std::not_equal_to<>{}); }
inline V128 f32x4_lt(V128 a, V128 b) { return detail::compare<float>(a, b, std::less<>{}); }
inline V128 f32x4_gt(V128 a, V128 b) { return detail::compare<float>(a, b, std::greater<>{}); }
inline V128 f32x4_le(V128 a, V128 b) { return detail::compare<float>(a, b, std::less_equal<>{}); }
inline V128 f32x4_ge(V128 a, V128 b) {
  return detail::compare<float>(a, b, std::greater_equal<>{});
}

inline V128 f64x2_eq(V128 a, V128 b) { return detail::compare<double>(a, b, std::equal_to<>{}); }
inline V128 f64x2_ne(V128 a, V128 b) {
  return detail::compare<double>(a, b, std::not_equal_to<>{});
}
inline V128 f64x2_lt(V128 a, V128 b) { return detail::compare<double>(a, b, std::less<>{}); }
inline V128 f64x2_gt(V128 a, V128 b) { return detail::compare<double>(a, b, std::greater<>{}); }
inline V128 f64x2_le(V128 a, V128 b) { return detail::compare<double>(a, b, std::less_equal<>{}); }
inline V128 f64x2_ge(V128 a, V128 b) {
  return detail::compare<double>(a, b, std::greater_equal<>{});
}

// ---------------------------------------------------------------------------------
// float arithmetic (NaN rule at the top of this file)
// ---------------------------------------------------------------------------------

inline V128 f32x4_abs(V128 a) { return detail::fabs_bits<float>(a); }
inline V128 f32x4_neg(V128 a) { return detail::fneg_bits<float>(a); }
inline V128 f32x4_sqrt(V128 a) { return detail::map1<float>(a, detail::fsqrt<float>); }
inline V128 f32x4_add(V128 a, V128 b) { return detail::farith<float>(a, b, std::plus<>{}, detail::fadd<float>); }
inline V128 f32x4_sub(V128 a, V128 b) { return detail::farith<float>(a, b, std::minus<>{}, detail::fsub<float>); }
inline V128 f32x4_mul(V128 a, V128 b) { return detail::farith<float>(a, b, std::multiplies<>{}, detail::fmul<float>); }
inline V128 f32x4_div(V128 a, V128 b) { return detail::farith<float>(a, b, std::divides<>{}, detail::fdiv<float>); }
inline V128 f32x4_min(V128 a, V128 b) { return detail::map2<float>(a, b, detail::fmin<float>); }
inline V128 f32x4_max(V128 a, V128 b) { return detail::map2<float>(a, b, detail::fmax<float>); }
inline V128 f32x4_pmin(V128 a, V128 b) { return detail::map2<float>(a, b, detail::pmin<float>); }
inline V128 f32x4_pmax(V128 a, V128 b) { return detail::map2<float>(a, b, detail::pmax<float>); }
inline V128 f32x4_ceil(V128 a) { return detail::map1<float>(a, detail::fceil<float>); }
inline V128 f32x4_floor(V128 a) { return detail::map1<float>(a, detail::ffloor<float>); }
inline V128 f32x4_trunc(V128 a) { return detail::map1<float>(a, detail::ftrunc<float>); }
inline V128 f32x4_nearest(V128 a) { return detail::map1<float>(a, detail::fnearest<float>); }

inline V128 f64x2_abs(V128 a) { return detail::fabs_bits<double>(a); }
inline V128 f64x2_neg(V128 a) { return detail::fneg_bits<double>(a); }
inline V128 f64x2_sqrt(V128 a) { return detail::map1<double>(a, detail::fsqrt<double>); }
inline V128 f64x2_add(V128 a, V128 b) { return detail::farith<double>(a, b, std::plus<>{}, detail::fadd<double>); }
inline V128 f64x2_sub(V128 a, V128 b) { return detail::farith<double>(a, b, std::minus<>{}, detail::fsub<double>); }
inline V128 f64x2_mul(V128 a, V128 b) { return detail::farith<double>(a, b, std::multiplies<>{}, detail::fmul<double>); }
inline V128 f64x2_div(V128 a, V128 b) { return detail::farith<double>(a, b, std::divides<>{}, detail::fdiv<double>); }
inline V128 f64x2_min(V128 a, V128 b) { return detail::map2<double>(a, b, detail::fmin<double>); }
inline V128 f64x2_max(V128 a, V128 b) { return detail::map2<double>(a, b, detail::fmax<double>); }
inline V128 f64x2_pmin(V128 a, V128 b) { return detail::map2<double>(a, b, detail::pmin<double>); }
inline V128 f64x2_pmax(V128 a, V128 b) { return detail::map2<double>(a, b, detail::pmax<double>); }
inline V128 f64x2_ceil(V128 a) { return detail::map1<double>(a, detail::fceil<double>); }
inline V128 f64x2_floor(V128 a) { return detail::map1<double>(a, detail::ffloor<double>); }
inline V128 f64x2_trunc(V128 a) { return detail::map1<double>(a, detail::ftrunc<double>); }
inline V128 f64x2_nearest(V128 a) { return detail::map1<double>(a, detail::fnearest<double>); }

// ---------------------------------------------------------------------------------
// conversions
// ---------------------------------------------------------------------------------

// Round to nearest, ties to even (exact conversions need no rounding).
inline V128 f32x4_convert_i32x4_s(V128 a) {
  return detail::unvec(__builtin_convertvector(detail::vec<int32_t>(a), detail::Vec<float>));
}
inline V128 f32x4_convert_i32x4_u(V128 a) {
  V128 r;
  for (size_t i = 0; i < 4; ++i)
    set_lane<float>(r, i, static_cast<float>(get_lane<uint32_t>(a, i)));
  return r;
}
inline V128 f64x2_convert_low_i32x4_s(V128 a) {
  V128 r;
  for (size_t i = 0; i < 2; ++i)
    set_lane<double>(r, i, get_lane<int32_t>(a, i));
  return r;
}
inline V128 f64x2_convert_low_i32x4_u(V128 a) {
  V128 r;
  for (size_t i = 0; i < 2; ++i)
    set_lane<double>(r, i, get_lane<uint32_t>(a, i));
  return r;
}

// Truncate toward zero; NaN -> 0, out of range -> INT32_MIN/MAX (or 0/UINT32_MAX).
inline V128 i32x4_trunc_sat_f32x4_s(V128 a) {
  V128 r;
  for (size_t i = 0; i < 4; ++i)
    set_lane<uint32_t>(r, i, detail::trunc_sat<int32_t>(get_lane<float>(a, i)));
  return r;
}
inline V128 i32x4_trunc_sat_f32x4_u(V128 a) {
  V128 r;
  for (size_t i = 0; i < 4; ++i)
    set_lane<uint32_t>(r, i, detail::trunc_sat<uint32_t>(get_lane<float>(a, i)));
  return r;
}
// The two results go in lanes 0 and 1; lanes 2 and 3 are zero.
inline V128 i32x4_trunc_sat_f64x2_s_zero(V128 a) {
  V128 r;
  for (size_t i = 0; i < 2; ++i)
    set_lane<uint32_t>(r, i, detail::trunc_sat<int32_t>(get_lane<double>(a, i)));
  return r;
}
inline V128 i32x4_trunc_sat_f64x2_u_zero(V128 a) {
  V128 r;
  for (size_t i = 0; i < 2; ++i)
    set_lane<uint32_t>(r, i, detail::trunc_sat<uint32_t>(get_lane<double>(a, i)));
  return r;
}

// Lanes 0 and 1 demoted as f32.demote_f64 does (numeric.h); lanes 2 and 3 are zero.
inline V128 f32x4_demote_f64x2_zero(V128 a) {
  V128 r;
  for (size_t i = 0; i < 2; ++i) set_lane<float>(r, i, f32_demote_f64(get_lane<double>(a, i)));
  return r;
}

// The low two lanes promoted as f64.promote_f32 does (numeric.h).
inline V128 f64x2_promote_low_f32x4(V128 a) {
  V128 r;
  for (size_t i = 0; i < 2; ++i) set_lane<double>(r, i, f64_promote_f32(get_lane<float>(a, i)));
  return r;
}

}  // namespace skiff::engine::interp
