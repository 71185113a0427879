#pragma once
// The scalar numeric instructions of WebAssembly 2.0 (i32/i64/f32/f64 arithmetic,
// comparisons, bit operations and conversions) as small header-only functions with
// exactly the spec's semantics. The interpreter's dispatch loop calls one function per
// opcode (their names follow the opcode text: `i32.div_s` -> i32_div_s); the LLVM tier
// and constant folding can reuse them as the reference. Nothing here allocates or
// touches state: every function is a pure function of its operands.
//
// Spec: https://webassembly.github.io/spec/core/exec/numerics.html
//
// Representation: i32 is uint32_t and i64 is uint64_t (signedness belongs to the
// instruction, not the value); f32 is float and f64 is double (IEEE 754 binary32/64).
// Passing floats by value keeps signalling-NaN payloads intact on x86-64 and AArch64
// (SSE/NEON moves never quiet a NaN); a 32-bit x87 build would not.
//
// Floating-point environment: the basic operations (+ - * / sqrt, int->float and
// f64->f32 conversions) use the hardware's current rounding mode, which Wasm code cannot
// change and the runtime leaves at the default round-to-nearest-even. The rounding
// instructions (ceil, floor, trunc, nearest) and the float->int conversions do not
// depend on it at all: they are built from truncating casts and exact subtractions.
// The exception flags the hardware sets are never read.
//
// NaN results (https://webassembly.github.io/spec/core/exec/numerics.html#nan-propagation):
// the spec lets an operation with a NaN operand return any arithmetic NaN (quiet bit set)
// — a canonical NaN if every NaN operand was canonical — and lets an operation that
// creates a NaN from non-NaN operands (0/0, inf-inf, sqrt(-1)) return a canonical NaN of
// either sign. To be deterministic across compilers and CPUs (the compiler may commute
// the operands of a+b, and x86 produces the *negative* "default NaN" 0xffc00000) we fix:
//   - a NaN operand: return the quiet version of the first NaN operand (its sign and
//     payload, quiet bit set) — what x86 and AArch64 hardware do without default-NaN mode;
//   - no NaN operand but a NaN result: return the positive canonical NaN
//     (0x7fc00000 / 0x7ff8000000000000).
// abs, neg and copysign are bit operations and never quiet or otherwise touch a payload.
//
// Traps: the trapping instructions (div/rem, trapping float->int conversions) return
// Result<T> whose error is a Trap-phase ErrorCode without offset or context; the
// interpreter adds the location. Result<T> is not a literal type, so these are `inline`
// rather than `constexpr`. Measured (g++ 12 -O2, i32_div_s in a loop): once inlined, the
// Result disappears — the loop is the two trap compares, idiv and the add, with no Error
// construction or destructor on the success path — so there is no separate
// {value, ErrorCode} struct for the hot loop.

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "base/error.h"
#include "base/result.h"

namespace skiff::engine::interp {

// ---------------------------------------------------------------------------------------
// Float bit layout helpers.

template <typename F> struct FloatTraits;

template <> struct FloatTraits<float> {
  using Bits = uint32_t;
  static constexpr Bits kSignMask = 0x8000'0000u;
  static constexpr Bits kExpMask = 0x7f80'0000u;
  static constexpr Bits kQuietBit = 0x0040'0000u;
  static constexpr Bits kCanonicalNan = 0x7fc0'0000u;
  static constexpr int kMantissaBits = 23;
};

template <> struct FloatTraits<double> {
  using Bits = uint64_t;
  static constexpr Bits kSignMask = 0x8000'0000'0000'0000u;
  static constexpr Bits kExpMask = 0x7ff0'0000'0000'0000u;
  static constexpr Bits kQuietBit = 0x0008'0000'0000'0000u;
  static constexpr Bits kCanonicalNan = 0x7ff8'0000'0000'0000u;
  static constexpr int kMantissaBits = 52;
};

template <typename F> using FloatBits = typename FloatTraits<F>::Bits;

template <typename F> constexpr FloatBits<F> float_bits(F x) {
  return std::bit_cast<FloatBits<F>>(x);
}

template <typename F> constexpr F float_from_bits(FloatBits<F> b) { return std::bit_cast<F>(b); }

// By bits, so it also holds under -ffinite-math-only and in constant evaluation.
template <typename F> constexpr bool is_nan(F x) {
  using T = FloatTraits<F>;
  return (float_bits(x) & ~T::kSignMask) > T::kExpMask;
}

template <typename F> constexpr F canonical_nan() {
  return float_from_bits<F>(FloatTraits<F>::kCanonicalNan);
}

// x with the quiet bit set: keeps sign and payload. Only meaningful for a NaN x.
template <typename F> constexpr F quiet_nan(F x) {
  return float_from_bits<F>(float_bits(x) | FloatTraits<F>::kQuietBit);
}

// The NaN result of a unary operation whose result r is NaN (see the header comment).
template <typename F> constexpr F nan_result(F a) {
  return is_nan(a) ? quiet_nan(a) : canonical_nan<F>();
}

// The NaN result of a binary operation whose result is NaN: first NaN operand wins.
template <typename F> constexpr F nan_result(F a, F b) {
  if (is_nan(a)) return quiet_nan(a);
  if (is_nan(b)) return quiet_nan(b);
  return canonical_nan<F>();
}

// ---------------------------------------------------------------------------------------
// Integer operations, generic over I = uint32_t (i32) or uint64_t (i64).
// https://webassembly.github.io/spec/core/exec/numerics.html#integer-operations

namespace detail {

template <typename I> using Signed = std::make_signed_t<I>;

template <typename I> constexpr int kBits = std::numeric_limits<I>::digits;

template <typename I> constexpr I kSignedMin = I{1} << (kBits<I> - 1);

template <typename I> constexpr Signed<I> as_signed(I x) {
  return static_cast<Signed<I>>(x); // modular since C++20
}

// Unsigned arithmetic wraps; uint32_t * uint32_t would promote to (signed) int only for
// types narrower than int, which I never is.
template <typename I> constexpr I add(I a, I b) { return a + b; }
template <typename I> constexpr I sub(I a, I b) { return a - b; }
template <typename I> constexpr I mul(I a, I b) { return a * b; }

// idiv_s: traps on a zero divisor, and on INT_MIN / -1 whose quotient 2^(N-1) is not
// representable. The zero check comes first: INT_MIN / 0 is a divide-by-zero trap.
template <typename I> inline Result<I> div_s(I a, I b) {
  if (b == 0) [[unlikely]]
    return ErrorCode::TrapIntegerDivideByZero;
  if (a == kSignedMin<I> && b == static_cast<I>(-1)) [[unlikely]]
    return ErrorCode::TrapIntegerOverflow;
  return static_cast<I>(as_signed(a) / as_signed(b));
}

template <typename I> inline Result<I> div_u(I a, I b) {
  if (b == 0) [[unlikely]]
    return ErrorCode::TrapIntegerDivideByZero;
  return static_cast<I>(a / b);
}

// irem_s: the result takes the sign of the dividend; INT_MIN % -1 is 0, not a trap
// (the C++ expression would be undefined, so -1 is answered without dividing).
template <typename I> inline Result<I> rem_s(I a, I b) {
  if (b == 0) [[unlikely]]
    return ErrorCode::TrapIntegerDivideByZero;
  if (b == static_cast<I>(-1)) return I{0};
  return static_cast<I>(as_signed(a) % as_signed(b));
}

template <typename I> inline Result<I> rem_u(I a, I b) {
  if (b == 0) [[unlikely]]
    return ErrorCode::TrapIntegerDivideByZero;
  return static_cast<I>(a % b);
}

// Shift and rotate counts are taken modulo the bit width.
template <typename I> constexpr I shl(I a, I b) { return a << (b & (kBits<I> - 1)); }
template <typename I> constexpr I shr_s(I a, I b) {
  return static_cast<I>(as_signed(a) >> (b & (kBits<I> - 1))); // arithmetic since C++20
}
template <typename I> constexpr I shr_u(I a, I b) { return a >> (b & (kBits<I> - 1)); }
template <typename I> constexpr I rotl(I a, I b) {
  return std::rotl(a, static_cast<int>(b & (kBits<I> - 1)));
}
template <typename I> constexpr I rotr(I a, I b) {
  return std::rotr(a, static_cast<int>(b & (kBits<I> - 1)));
}

template <typename I> constexpr bool lt_s(I a, I b) { return as_signed(a) < as_signed(b); }
template <typename I> constexpr bool gt_s(I a, I b) { return as_signed(a) > as_signed(b); }
template <typename I> constexpr bool le_s(I a, I b) { return as_signed(a) <= as_signed(b); }
template <typename I> constexpr bool ge_s(I a, I b) { return as_signed(a) >= as_signed(b); }

// Sign-extends the low M bits of x to the full width of I.
template <typename I, typename Narrow> constexpr I extend_s(I x) {
  return static_cast<I>(static_cast<Signed<I>>(static_cast<Narrow>(x)));
}

} // namespace detail

// i32: I = uint32_t.
constexpr uint32_t i32_add(uint32_t a, uint32_t b) { return detail::add(a, b); }
constexpr uint32_t i32_sub(uint32_t a, uint32_t b) { return detail::sub(a, b); }
constexpr uint32_t i32_mul(uint32_t a, uint32_t b) { return detail::mul(a, b); }
inline Result<uint32_t> i32_div_s(uint32_t a, uint32_t b) { return detail::div_s(a, b); }
inline Result<uint32_t> i32_div_u(uint32_t a, uint32_t b) { return detail::div_u(a, b); }
inline Result<uint32_t> i32_rem_s(uint32_t a, uint32_t b) { return detail::rem_s(a, b); }
inline Result<uint32_t> i32_rem_u(uint32_t a, uint32_t b) { return detail::rem_u(a, b); }
constexpr uint32_t i32_and(uint32_t a, uint32_t b) { return a & b; }
constexpr uint32_t i32_or(uint32_t a, uint32_t b) { return a | b; }
constexpr uint32_t i32_xor(uint32_t a, uint32_t b) { return a ^ b; }
constexpr uint32_t i32_shl(uint32_t a, uint32_t b) { return detail::shl(a, b); }
constexpr uint32_t i32_shr_s(uint32_t a, uint32_t b) { return detail::shr_s(a, b); }
constexpr uint32_t i32_shr_u(uint32_t a, uint32_t b) { return detail::shr_u(a, b); }
constexpr uint32_t i32_rotl(uint32_t a, uint32_t b) { return detail::rotl(a, b); }
constexpr uint32_t i32_rotr(uint32_t a, uint32_t b) { return detail::rotr(a, b); }
constexpr uint32_t i32_clz(uint32_t a) { return static_cast<uint32_t>(std::countl_zero(a)); }
constexpr uint32_t i32_ctz(uint32_t a) { return static_cast<uint32_t>(std::countr_zero(a)); }
constexpr uint32_t i32_popcnt(uint32_t a) { return static_cast<uint32_t>(std::popcount(a)); }
constexpr uint32_t i32_eqz(uint32_t a) { return a == 0; }
constexpr uint32_t i32_eq(uint32_t a, uint32_t b) { return a == b; }
constexpr uint32_t i32_ne(uint32_t a, uint32_t b) { return a != b; }
constexpr uint32_t i32_lt_s(uint32_t a, uint32_t b) { return detail::lt_s(a, b); }
constexpr uint32_t i32_lt_u(uint32_t a, uint32_t b) { return a < b; }
constexpr uint32_t i32_gt_s(uint32_t a, uint32_t b) { return detail::gt_s(a, b); }
constexpr uint32_t i32_gt_u(uint32_t a, uint32_t b) { return a > b; }
constexpr uint32_t i32_le_s(uint32_t a, uint32_t b) { return detail::le_s(a, b); }
constexpr uint32_t i32_le_u(uint32_t a, uint32_t b) { return a <= b; }
constexpr uint32_t i32_ge_s(uint32_t a, uint32_t b) { return detail::ge_s(a, b); }
constexpr uint32_t i32_ge_u(uint32_t a, uint32_t b) { return a >= b; }
constexpr uint32_t i32_extend8_s(uint32_t a) { return detail::extend_s<uint32_t, int8_t>(a); }
constexpr uint32_t i32_extend16_s(uint32_t a) { return detail::extend_s<uint32_t, int16_t>(a); }

// i64: I = uint64_t.
constexpr uint64_t i64_add(uint64_t a, uint64_t b) { return detail::add(a, b); }
constexpr uint64_t i64_sub(uint64_t a, uint64_t b) { return detail::sub(a, b); }
constexpr uint64_t i64_mul(uint64_t a, uint64_t b) { return detail::mul(a, b); }
inline Result<uint64_t> i64_div_s(uint64_t a, uint64_t b) { return detail::div_s(a, b); }
inline Result<uint64_t> i64_div_u(uint64_t a, uint64_t b) { return detail::div_u(a, b); }
inline Result<uint64_t> i64_rem_s(uint64_t a, uint64_t b) { return detail::rem_s(a, b); }
inline Result<uint64_t> i64_rem_u(uint64_t a, uint64_t b) { return detail::rem_u(a, b); }
constexpr uint64_t i64_and(uint64_t a, uint64_t b) { return a & b; }
constexpr uint64_t i64_or(uint64_t a, uint64_t b) { return a | b; }
constexpr uint64_t i64_xor(uint64_t a, uint64_t b) { return a ^ b; }
constexpr uint64_t i64_shl(uint64_t a, uint64_t b) { return detail::shl(a, b); }
constexpr uint64_t i64_shr_s(uint64_t a, uint64_t b) { return detail::shr_s(a, b); }
constexpr uint64_t i64_shr_u(uint64_t a, uint64_t b) { return detail::shr_u(a, b); }
constexpr uint64_t i64_rotl(uint64_t a, uint64_t b) { return detail::rotl(a, b); }
constexpr uint64_t i64_rotr(uint64_t a, uint64_t b) { return detail::rotr(a, b); }
constexpr uint64_t i64_clz(uint64_t a) { return static_cast<uint64_t>(std::countl_zero(a)); }
constexpr uint64_t i64_ctz(uint64_t a) { return static_cast<uint64_t>(std::countr_zero(a)); }
constexpr uint64_t i64_popcnt(uint64_t a) { return static_cast<uint64_t>(std::popcount(a)); }
constexpr uint32_t i64_eqz(uint64_t a) { return a == 0; }
constexpr uint32_t i64_eq(uint64_t a, uint64_t b) { return a == b; }
constexpr uint32_t i64_ne(uint64_t a, uint64_t b) { return a != b; }
constexpr uint32_t i64_lt_s(uint64_t a, uint64_t b) { return detail::lt_s(a, b); }
constexpr uint32_t i64_lt_u(uint64_t a, uint64_t b) { return a < b; }
constexpr uint32_t i64_gt_s(uint64_t a, uint64_t b) { return detail::gt_s(a, b); }
constexpr uint32_t i64_gt_u(uint64_t a, uint64_t b) { return a > b; }
constexpr uint32_t i64_le_s(uint64_t a, uint64_t b) { return detail::le_s(a, b); }
constexpr uint32_t i64_le_u(uint64_t a, uint64_t b) { return a <= b; }
constexpr uint32_t i64_ge_s(uint64_t a, uint64_t b) { return detail::ge_s(a, b); }
constexpr uint32_t i64_ge_u(uint64_t a, uint64_t b) { return a >= b; }
constexpr uint64_t i64_extend8_s(uint64_t a) { return detail::extend_s<uint64_t, int8_t>(a); }
constexpr uint64_t i64_extend16_s(uint64_t a) { return detail::extend_s<uint64_t, int16_t>(a); }
constexpr uint64_t i64_extend32_s(uint64_t a) { return detail::extend_s<uint64_t, int32_t>(a); }

// https://webassembly.github.io/spec/core/exec/numerics.html#op-wrap
// wrap_64_32(i) = i mod 2^32
constexpr uint32_t i32_wrap_i64(uint64_t a) { return static_cast<uint32_t>(a); }
constexpr uint64_t i64_extend_i32_s(uint32_t a) {
  return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a)));
}
constexpr uint64_t i64_extend_i32_u(uint32_t a) { return a; }

// ---------------------------------------------------------------------------------------
// Float operations, generic over F = float (f32) or double (f64).
// https://webassembly.github.io/spec/core/exec/numerics.html#floating-point-operations

namespace detail {

// IEEE 754 add/sub/mul/div in the default rounding mode; the NaN choice is ours (see top).
template <typename F> constexpr F fadd(F a, F b) {
  F r = a + b;
  return is_nan(r) ? nan_result(a, b) : r;
}
template <typename F> constexpr F fsub(F a, F b) {
  F r = a - b;
  return is_nan(r) ? nan_result(a, b) : r;
}
template <typename F> constexpr F fmul(F a, F b) {
  F r = a * b;
  return is_nan(r) ? nan_result(a, b) : r;
}
template <typename F> constexpr F fdiv(F a, F b) {
  F r = a / b; // x/0 is +-inf (or NaN for 0/0), never a trap
  return is_nan(r) ? nan_result(a, b) : r;
}

// fmin: NaN if either operand is NaN; otherwise the smaller, with -0 < +0.
// https://webassembly.github.io/spec/core/exec/numerics.html#op-fmin
template <typename F> constexpr F fmin(F a, F b) {
  if (is_nan(a) || is_nan(b)) return nan_result(a, b);
  // Equal operands differ at most in the sign of zero: OR-ing the bits picks -0.
  if (a == b) return float_from_bits<F>(float_bits(a) | float_bits(b));
  return a < b ? a : b;
}

// fmax: NaN if either operand is NaN; otherwise the larger, with -0 < +0.
// https://webassembly.github.io/spec/core/exec/numerics.html#op-fmax
template <typename F> constexpr F fmax(F a, F b) {
  if (is_nan(a) || is_nan(b)) return nan_result(a, b);
  if (a == b) return float_from_bits<F>(float_bits(a) & float_bits(b)); // picks +0
  return a > b ? a : b;
}

// fabs / fneg / fcopysign act on the sign bit only, NaN or not.
template <typename F> constexpr F fabs(F a) {
  return float_from_bits<F>(float_bits(a) & ~FloatTraits<F>::kSignMask);
}
template <typename F> constexpr F fneg(F a) {
  return float_from_bits<F>(float_bits(a) ^ FloatTraits<F>::kSignMask);
}
template <typename F> constexpr F fcopysign(F a, F b) {
  constexpr auto kSign = FloatTraits<F>::kSignMask;
  return float_from_bits<F>((float_bits(a) & ~kSign) | (float_bits(b) & kSign));
}

// 2^mantissa_bits: every float at least this large in magnitude is an integer, and every
// integer below it fits in the signed integer of the same width as F.
template <typename F>
constexpr F kIntegralThreshold = static_cast<F>(FloatBits<F>{1} << FloatTraits<F>::kMantissaBits);

template <typename F> using SameWidthInt = Signed<FloatBits<F>>;

// Rounding to an integer never changes the sign, including that of a zero result
// (ceil(-0.5) = -0, trunc(-0.7) = -0), so every rounding op ends with copysign(r, a).
// For |a| < 2^mantissa the truncating cast is exact and mode-independent, and so is
// a - trunc(a) (the fractional part has fewer significant bits than a).
template <typename F> constexpr bool is_already_integral(F a) {
  // NaN, infinities and |a| >= 2^mantissa_bits (hence integers); NaN handled by callers.
  return !(fabs(a) < kIntegralThreshold<F>);
}

template <typename F> constexpr F trunc_small(F a) {
  return static_cast<F>(static_cast<SameWidthInt<F>>(a));
}

// https://webassembly.github.io/spec/core/exec/numerics.html#op-ftrunc
template <typename F> constexpr F ftrunc(F a) {
  if (is_nan(a)) return quiet_nan(a);
  if (is_already_integral(a)) return a;
  return fcopysign(trunc_small(a), a);
}

// https://webassembly.github.io/spec/core/exec/numerics.html#op-fceil
template <typename F> constexpr F fceil(F a) {
  if (is_nan(a)) return quiet_nan(a);
  if (is_already_integral(a)) return a;
  F t = trunc_small(a);
  if (t < a) t += 1; // exact: |t| < 2^mantissa
  return fcopysign(t, a);
}

// https://webassembly.github.io/spec/core/exec/numerics.html#op-ffloor
template <typename F> constexpr F ffloor(F a) {
  if (is_nan(a)) return quiet_nan(a);
  if (is_already_integral(a)) return a;
  F t = trunc_small(a);
  if (t > a) t -= 1;
  return fcopysign(t, a);
}

// fnearest: round to the nearest integer, ties to even; nearest(-0.5) = -0.
// https://webassembly.github.io/spec/core/exec/numerics.html#op-fnearest
// Done by hand (not std::nearbyint/rint) so that it does not depend on the rounding mode.
template <typename F> constexpr F fnearest(F a) {
  if (is_nan(a)) return quiet_nan(a);
  if (is_already_integral(a)) return a;
  SameWidthInt<F> i = static_cast<SameWidthInt<F>>(a); // truncated toward zero
  F frac = fabs(a - static_cast<F>(i));                // exact, in [0, 1)
  bool away = frac > F(0.5) || (frac == F(0.5) && (i & 1) != 0);
  if (away) i += a < 0 ? -1 : 1; // |i| + 1 <= 2^mantissa: no overflow, exactly representable
  return fcopysign(static_cast<F>(i), a);
}

// fsqrt: IEEE square root (correctly rounded); sqrt(-0) = -0, sqrt(x<0) = canonical NaN.
template <typename F> inline F fsqrt(F a) {
  if (is_nan(a)) return quiet_nan(a);
  if (a < 0) return canonical_nan<F>(); // -0 is not < 0 and falls through to sqrt(-0) = -0
  return std::sqrt(a);
}

} // namespace detail

// f32: F = float.
constexpr float f32_add(float a, float b) { return detail::fadd(a, b); }
constexpr float f32_sub(float a, float b) { return detail::fsub(a, b); }
constexpr float f32_mul(float a, float b) { return detail::fmul(a, b); }
constexpr float f32_div(float a, float b) { return detail::fdiv(a, b); }
constexpr float f32_min(float a, float b) { return detail::fmin(a, b); }
constexpr float f32_max(float a, float b) { return detail::fmax(a, b); }
constexpr float f32_copysign(float a, float b) { return detail::fcopysign(a, b); }
constexpr float f32_abs(float a) { return detail::fabs(a); }
constexpr float f32_neg(float a) { return detail::fneg(a); }
inline float f32_sqrt(float a) { return detail::fsqrt(a); }
constexpr float f32_ceil(float a) { return detail::fceil(a); }
constexpr float f32_floor(float a) { return detail::ffloor(a); }
constexpr float f32_trunc(float a) { return detail::ftrunc(a); }
constexpr float f32_nearest(float a) { return detail::fnearest(a); }
// IEEE comparisons: any NaN operand gives 0, except for ne, which gives 1.
constexpr uint32_t f32_eq(float a, float b) { return a == b; }
constexpr uint32_t f32_ne(float a, float b) { return a != b; }
constexpr uint32_t f32_lt(float a, float b) { return a < b; }
constexpr uint32_t f32_gt(float a, float b) { return a > b; }
constexpr uint32_t f32_le(float a, float b) { return a <= b; }
constexpr uint32_t f32_ge(float a, float b) { return a >= b; }

// f64: F = double.
constexpr double f64_add(double a, double b) { return detail::fadd(a, b); }
constexpr double f64_sub(double a, double b) { return detail::fsub(a, b); }
constexpr double f64_mul(double a, double b) { return detail::fmul(a, b); }
constexpr double f64_div(double a, double b) { return detail::fdiv(a, b); }
constexpr double f64_min(double a, double b) { return detail::fmin(a, b); }
constexpr double f64_max(double a, double b) { return detail::fmax(a, b); }
constexpr double f64_copysign(double a, double b) { return detail::fcopysign(a, b); }
constexpr double f64_abs(double a) { return detail::fabs(a); }
constexpr double f64_neg(double a) { return detail::fneg(a); }
inline double f64_sqrt(double a) { return detail::fsqrt(a); }
constexpr double f64_ceil(double a) { return detail::fceil(a); }
constexpr double f64_floor(double a) { return detail::ffloor(a); }
constexpr double f64_trunc(double a) { return detail::ftrunc(a); }
constexpr double f64_nearest(double a) { return detail::fnearest(a); }
// IEEE comparisons: any NaN operand gives 0, except for ne, which gives 1.
constexpr uint32_t f64_eq(double a, double b) { return a == b; }
constexpr uint32_t f64_ne(double a, double b) { return a != b; }
constexpr uint32_t f64_lt(double a, double b) { return a < b; }
constexpr uint32_t f64_gt(double a, double b) { return a > b; }
constexpr uint32_t f64_le(double a, double b) { return a <= b; }
constexpr uint32_t f64_ge(double a, double b) { return a >= b; }

// ---------------------------------------------------------------------------------------
// Float -> integer conversions.
// https://webassembly.github.io/spec/core/exec/numerics.html#op-trunc-s
// trunc: NaN traps (invalid conversion); a value whose truncation is outside the target
// range traps (integer overflow). The range is the open interval (lo, hi) where lo is
// the largest float <= MIN - 1 and hi = MAX + 1 (a power of two, always exact): e.g.
// i32.trunc_f64_s accepts -2147483648.9 and 2147483647.9, i32.trunc_f32_s accepts
// -2147483648.0f (the next float below is -2147483904.0f), the u variants accept -0.9.

namespace detail {

// Exclusive bounds (kLo, kHi) of the floats F whose truncation fits in the integer I.
// digits is N for an N-bit unsigned I and N-1 for a signed one, so kHi = 2^digits is
// MAX + 1 either way (built as 2^(digits-1) * 2 so that 2^64 does not overflow).
template <typename I, typename F> struct TruncBounds {
  static constexpr int kDigits = std::numeric_limits<I>::digits;
  static constexpr F kHi = static_cast<F>(uint64_t{1} << (kDigits - 1)) * F(2);
  static constexpr F lo() {
    if constexpr (std::is_unsigned_v<I>) {
      return F(-1);
    } else {
      F min = -static_cast<F>(uint64_t{1} << kDigits); // MIN = -2^(N-1), exact
      // MIN - 1 when F can represent it (i32 from f64); otherwise MIN - 1 rounds back to
      // MIN, the floats between do not exist, and the bound is the float just below MIN.
      F min_minus_one = min - F(1);
      if (min_minus_one != min) return min_minus_one;
      return float_from_bits<F>(float_bits(min) + 1); // negative: +1 ulp moves away from 0
    }
  }
  static constexpr F kLo = lo();
};

template <typename I, typename F> inline Result<std::make_unsigned_t<I>> trunc(F a) {
  using B = TruncBounds<I, F>;
  if (is_nan(a)) [[unlikely]]
    return ErrorCode::TrapInvalidConversion;
  if (!(a > B::kLo && a < B::kHi)) [[unlikely]]
    return ErrorCode::TrapIntegerOverflow;
  return static_cast<std::make_unsigned_t<I>>(static_cast<I>(a));
}

// trunc_sat: NaN -> 0; below the range -> MIN; above -> MAX.
// https://webassembly.github.io/spec/core/exec/numerics.html#op-trunc-sat-s
template <typename I, typename F> constexpr std::make_unsigned_t<I> trunc_sat(F a) {
  using B = TruncBounds<I, F>;
  using U = std::make_unsigned_t<I>;
  if (is_nan(a)) return 0;
  if (!(a > B::kLo)) return static_cast<U>(std::numeric_limits<I>::min());
  if (!(a < B::kHi)) return static_cast<U>(std::numeric_limits<I>::max());
  return static_cast<U>(static_cast<I>(a));
}

} // namespace detail

inline Result<uint32_t> i32_trunc_f32_s(float a) { return detail::trunc<int32_t>(a); }
inline Result<uint32_t> i32_trunc_f32_u(float a) { return detail::trunc<uint32_t>(a); }
inline Result<uint32_t> i32_trunc_f64_s(double a) { return detail::trunc<int32_t>(a); }
inline Result<uint32_t> i32_trunc_f64_u(double a) { return detail::trunc<uint32_t>(a); }
inline Result<uint64_t> i64_trunc_f32_s(float a) { return detail::trunc<int64_t>(a); }
inline Result<uint64_t> i64_trunc_f32_u(float a) { return detail::trunc<uint64_t>(a); }
inline Result<uint64_t> i64_trunc_f64_s(double a) { return detail::trunc<int64_t>(a); }
inline Result<uint64_t> i64_trunc_f64_u(double a) { return detail::trunc<uint64_t>(a); }

constexpr uint32_t i32_trunc_sat_f32_s(float a) { return detail::trunc_sat<int32_t>(a); }
constexpr uint32_t i32_trunc_sat_f32_u(float a) { return detail::trunc_sat<uint32_t>(a); }
constexpr uint32_t i32_trunc_sat_f64_s(double a) { return detail::trunc_sat<int32_t>(a); }
constexpr uint32_t i32_trunc_sat_f64_u(double a) { return detail::trunc_sat<uint32_t>(a); }
constexpr uint64_t i64_trunc_sat_f32_s(float a) { return detail::trunc_sat<int64_t>(a); }
constexpr uint64_t i64_trunc_sat_f32_u(float a) { return detail::trunc_sat<uint64_t>(a); }
constexpr uint64_t i64_trunc_sat_f64_s(double a) { return detail::trunc_sat<int64_t>(a); }
constexpr uint64_t i64_trunc_sat_f64_u(double a) { return detail::trunc_sat<uint64_t>(a); }

// ---------------------------------------------------------------------------------------
// Integer -> float conversions: round to nearest, ties to even.
// https://webassembly.github.io/spec/core/exec/numerics.html#op-convert-u
// Each is a single C++ conversion (one correctly rounded hardware instruction, or GCC's
// halve-with-sticky-bit sequence for uint64_t), never via an intermediate type: e.g.
// (float)(double)x rounds twice and gets 0x0020000020000001 -> 2^53 wrong.

constexpr float f32_convert_i32_s(uint32_t a) {
  return static_cast<float>(static_cast<int32_t>(a));
}
constexpr float f32_convert_i32_u(uint32_t a) { return static_cast<float>(a); }
constexpr float f32_convert_i64_s(uint64_t a) {
  return static_cast<float>(static_cast<int64_t>(a));
}
constexpr float f32_convert_i64_u(uint64_t a) { return static_cast<float>(a); }
constexpr double f64_convert_i32_s(uint32_t a) {
  return static_cast<double>(static_cast<int32_t>(a));
}
constexpr double f64_convert_i32_u(uint32_t a) { return static_cast<double>(a); }
constexpr double f64_convert_i64_s(uint64_t a) {
  return static_cast<double>(static_cast<int64_t>(a));
}
constexpr double f64_convert_i64_u(uint64_t a) { return static_cast<double>(a); }

// ---------------------------------------------------------------------------------------
// Float <-> float.
// https://webassembly.github.io/spec/core/exec/numerics.html#op-demote
// demote: correctly rounded (overflow -> inf). A NaN keeps its sign and the top 22
// payload bits and gets the quiet bit (as x86 cvtsd2ss and AArch64 fcvt do), so a
// canonical NaN stays canonical and any other NaN becomes an arithmetic NaN.
constexpr float f32_demote_f64(double a) {
  if (is_nan(a)) {
    uint64_t b = float_bits(a);
    uint32_t sign = static_cast<uint32_t>(b >> 32) & FloatTraits<float>::kSignMask;
    uint32_t payload = static_cast<uint32_t>((b & 0x000f'ffff'ffff'ffffu) >> 29);
    return float_from_bits<float>(sign | FloatTraits<float>::kCanonicalNan | payload);
  }
  return static_cast<float>(a);
}

// promote: exact. A NaN keeps sign and payload (shifted to the top) and gets the quiet bit.
// https://webassembly.github.io/spec/core/exec/numerics.html#op-promote
constexpr double f64_promote_f32(float a) {
  if (is_nan(a)) {
    uint32_t b = float_bits(a);
    uint64_t sign = static_cast<uint64_t>(b & FloatTraits<float>::kSignMask) << 32;
    uint64_t payload = static_cast<uint64_t>(b & 0x007f'ffffu) << 29;
    return float_from_bits<double>(sign | FloatTraits<double>::kCanonicalNan | payload);
  }
  return static_cast<double>(a);
}

// reinterpret: the bits unchanged (a signalling NaN stays signalling).
constexpr uint32_t i32_reinterpret_f32(float a) { return std::bit_cast<uint32_t>(a); }
constexpr uint64_t i64_reinterpret_f64(double a) { return std::bit_cast<uint64_t>(a); }
constexpr float f32_reinterpret_i32(uint32_t a) { return std::bit_cast<float>(a); }
constexpr double f64_reinterpret_i64(uint64_t a) { return std::bit_cast<double>(a); }

} // namespace skiff::engine::interp
