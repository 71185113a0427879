#include "engine/interp/simd.h"

#include <gtest/gtest.h>

#include <array>
#include <cfenv>
#include <limits>
#include <map>
#include <string>
#include <string_view>

// SIMD128 numerics (https://webassembly.github.io/spec/core/exec/numerics.html), one
// test per behaviour, with lane values taken from or modelled on the spec suite's
// simd_*.wast files. Float lanes are compared bit for bit (V128 ==), so NaN sign and
// payload and the sign of zero are checked too. (No PrintTo for ir::V128 here: other test
// files compare V128 too, and a second printer would be an ODR violation; gtest's raw
// byte dump is readable enough.)
//
// Covers: coverage of every non-memory 0xFD opcode with the opcodes.def signature;
// lanes/splat/extract/replace; shuffle from both inputs, swizzle out of range;
// bitwise ops; integer wrap, saturation bounds, avgr_u rounding, shifts by >= lane
// width, min/max s vs u, comparisons, abs/neg of MIN, popcnt, bitmask, all_true,
// narrow saturation, extend, extadd_pairwise, extmul, q15mulr_sat, dot; float NaN
// rule, min/max with ±0 and NaN, pmin/pmax as selects, ceil/floor/trunc/nearest (ties,
// signed zero, large values, rounding mode), comparisons with NaN; conversions and
// trunc_sat bounds, NaN -> 0, demote/promote rounding and NaN bits.

namespace skiff::engine::interp {
namespace {

// A v128 from its lanes, lane 0 first: vec<int16_t>(1, 2, 3, 4, 5, 6, 7, 8).
template <typename T, typename... Xs> V128 vec(Xs... xs) {
  static_assert(sizeof...(xs) == kLanes<T>, "one value per lane");
  V128 v;
  size_t i = 0;
  (set_lane<T>(v, i++, static_cast<T>(xs)), ...);
  return v;
}

float f32(uint32_t bits) { return std::bit_cast<float>(bits); }
double f64(uint64_t bits) { return std::bit_cast<double>(bits); }

constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr double kInf = std::numeric_limits<double>::infinity();
const float kCanonF = f32(0x7FC0'0000);
const double kCanon = f64(0x7FF8'0000'0000'0000);

constexpr int8_t kTrue8 = -1;
constexpr int16_t kTrue16 = -1;
constexpr int32_t kTrue32 = -1;
constexpr int64_t kTrue64 = -1;

// ---------------------------------------------------------------------------------
// Coverage: every 0xFD instruction except loads, stores and v128.const has a
// function whose C++ signature matches its opcodes.def signature.
// ---------------------------------------------------------------------------------

template <typename T> constexpr char sig_char() {
  if constexpr (std::is_same_v<T, V128>)
    return 'v';
  else if constexpr (std::is_same_v<T, int32_t>)
    return 'i';
  else if constexpr (std::is_same_v<T, int64_t>)
    return 'l';
  else if constexpr (std::is_same_v<T, float>)
    return 'f';
  else if constexpr (std::is_same_v<T, double>)
    return 'd';
  else
    return 0; // an immediate (lane index, shuffle lanes): not an operand
}

template <typename R, typename... Args> std::string sig_of(R (*)(Args...)) {
  std::string s;
  for (char c : {sig_char<std::remove_cvref_t<Args>>()...}) {
    if (c) s += c;
  }
  s += '_';
  if constexpr (!std::is_void_v<R>) s += sig_char<R>();
  return s;
}

struct OpRow {
  std::string_view text;
  uint8_t prefix;
  ir::Imm imm;
  std::string_view sig;
};

constexpr OpRow kAllOps[] = {
#define SKIFF_OP(name, text, prefix, code, imm, sig, align) {text, prefix, ir::Imm::imm, sig},
#include "engine/ir/opcodes.def"
#undef SKIFF_OP
};

TEST(SimdCoverage, EveryNonMemoryInstructionHasAFunctionWithItsSignature) {
#define SKIFF_SIMD_FN(fn)                                                                          \
  { #fn, sig_of(&fn) }
  const std::map<std::string, std::string> functions = {
      SKIFF_SIMD_FN(i8x16_shuffle),
      SKIFF_SIMD_FN(i8x16_swizzle),
      SKIFF_SIMD_FN(i8x16_splat),
      SKIFF_SIMD_FN(i16x8_splat),
      SKIFF_SIMD_FN(i32x4_splat),
      SKIFF_SIMD_FN(i64x2_splat),
      SKIFF_SIMD_FN(f32x4_splat),
      SKIFF_SIMD_FN(f64x2_splat),
      SKIFF_SIMD_FN(i8x16_extract_lane_s),
      SKIFF_SIMD_FN(i8x16_extract_lane_u),
      SKIFF_SIMD_FN(i8x16_replace_lane),
      SKIFF_SIMD_FN(i16x8_extract_lane_s),
      SKIFF_SIMD_FN(i16x8_extract_lane_u),
      SKIFF_SIMD_FN(i16x8_replace_lane),
      SKIFF_SIMD_FN(i32x4_extract_lane),
      SKIFF_SIMD_FN(i32x4_replace_lane),
      SKIFF_SIMD_FN(i64x2_extract_lane),
      SKIFF_SIMD_FN(i64x2_replace_lane),
      SKIFF_SIMD_FN(f32x4_extract_lane),
      SKIFF_SIMD_FN(f32x4_replace_lane),
      SKIFF_SIMD_FN(f64x2_extract_lane),
      SKIFF_SIMD_FN(f64x2_replace_lane),
      SKIFF_SIMD_FN(i8x16_eq),
      SKIFF_SIMD_FN(i8x16_ne),
      SKIFF_SIMD_FN(i8x16_lt_s),
      SKIFF_SIMD_FN(i8x16_lt_u),
      SKIFF_SIMD_FN(i8x16_gt_s),
      SKIFF_SIMD_FN(i8x16_gt_u),
      SKIFF_SIMD_FN(i8x16_le_s),
      SKIFF_SIMD_FN(i8x16_le_u),
      SKIFF_SIMD_FN(i8x16_ge_s),
      SKIFF_SIMD_FN(i8x16_ge_u),
      SKIFF_SIMD_FN(i16x8_eq),
      SKIFF_SIMD_FN(i16x8_ne),
      SKIFF_SIMD_FN(i16x8_lt_s),
      SKIFF_SIMD_FN(i16x8_lt_u),
      SKIFF_SIMD_FN(i16x8_gt_s),
      SKIFF_SIMD_FN(i16x8_gt_u),
      SKIFF_SIMD_FN(i16x8_le_s),
      SKIFF_SIMD_FN(i16x8_le_u),
      SKIFF_SIMD_FN(i16x8_ge_s),
      SKIFF_SIMD_FN(i16x8_ge_u),
      SKIFF_SIMD_FN(i32x4_eq),
      SKIFF_SIMD_FN(i32x4_ne),
      SKIFF_SIMD_FN(i32x4_lt_s),
      SKIFF_SIMD_FN(i32x4_lt_u),
      SKIFF_SIMD_FN(i32x4_gt_s),
      SKIFF_SIMD_FN(i32x4_gt_u),
      SKIFF_SIMD_FN(i32x4_le_s),
      SKIFF_SIMD_FN(i32x4_le_u),
      SKIFF_SIMD_FN(i32x4_ge_s),
      SKIFF_SIMD_FN(i32x4_ge_u),
      SKIFF_SIMD_FN(f32x4_eq),
      SKIFF_SIMD_FN(f32x4_ne),
      SKIFF_SIMD_FN(f32x4_lt),
      SKIFF_SIMD_FN(f32x4_gt),
      SKIFF_SIMD_FN(f32x4_le),
      SKIFF_SIMD_FN(f32x4_ge),
      SKIFF_SIMD_FN(f64x2_eq),
      SKIFF_SIMD_FN(f64x2_ne),
      SKIFF_SIMD_FN(f64x2_lt),
      SKIFF_SIMD_FN(f64x2_gt),
      SKIFF_SIMD_FN(f64x2_le),
      SKIFF_SIMD_FN(f64x2_ge),
      SKIFF_SIMD_FN(v128_not),
      SKIFF_SIMD_FN(v128_and),
      SKIFF_SIMD_FN(v128_andnot),
      SKIFF_SIMD_FN(v128_or),
      SKIFF_SIMD_FN(v128_xor),
      SKIFF_SIMD_FN(v128_bitselect),
      SKIFF_SIMD_FN(v128_any_true),
      SKIFF_SIMD_FN(f32x4_demote_f64x2_zero),
      SKIFF_SIMD_FN(f64x2_promote_low_f32x4),
      SKIFF_SIMD_FN(i8x16_abs),
      SKIFF_SIMD_FN(i8x16_neg),
      SKIFF_SIMD_FN(i8x16_popcnt),
      SKIFF_SIMD_FN(i8x16_all_true),
      SKIFF_SIMD_FN(i8x16_bitmask),
      SKIFF_SIMD_FN(i8x16_narrow_i16x8_s),
      SKIFF_SIMD_FN(i8x16_narrow_i16x8_u),
      SKIFF_SIMD_FN(f32x4_ceil),
      SKIFF_SIMD_FN(f32x4_floor),
      SKIFF_SIMD_FN(f32x4_trunc),
      SKIFF_SIMD_FN(f32x4_nearest),
      SKIFF_SIMD_FN(i8x16_shl),
      SKIFF_SIMD_FN(i8x16_shr_s),
      SKIFF_SIMD_FN(i8x16_shr_u),
      SKIFF_SIMD_FN(i8x16_add),
      SKIFF_SIMD_FN(i8x16_add_sat_s),
      SKIFF_SIMD_FN(i8x16_add_sat_u),
      SKIFF_SIMD_FN(i8x16_sub),
      SKIFF_SIMD_FN(i8x16_sub_sat_s),
      SKIFF_SIMD_FN(i8x16_sub_sat_u),
      SKIFF_SIMD_FN(f64x2_ceil),
      SKIFF_SIMD_FN(f64x2_floor),
      SKIFF_SIMD_FN(i8x16_min_s),
      SKIFF_SIMD_FN(i8x16_min_u),
      SKIFF_SIMD_FN(i8x16_max_s),
      SKIFF_SIMD_FN(i8x16_max_u),
      SKIFF_SIMD_FN(f64x2_trunc),
      SKIFF_SIMD_FN(i8x16_avgr_u),
      SKIFF_SIMD_FN(i16x8_extadd_pairwise_i8x16_s),
      SKIFF_SIMD_FN(i16x8_extadd_pairwise_i8x16_u),
      SKIFF_SIMD_FN(i32x4_extadd_pairwise_i16x8_s),
      SKIFF_SIMD_FN(i32x4_extadd_pairwise_i16x8_u),
      SKIFF_SIMD_FN(i16x8_abs),
      SKIFF_SIMD_FN(i16x8_neg),
      SKIFF_SIMD_FN(i16x8_q15mulr_sat_s),
      SKIFF_SIMD_FN(i16x8_all_true),
      SKIFF_SIMD_FN(i16x8_bitmask),
      SKIFF_SIMD_FN(i16x8_narrow_i32x4_s),
      SKIFF_SIMD_FN(i16x8_narrow_i32x4_u),
      SKIFF_SIMD_FN(i16x8_extend_low_i8x16_s),
      SKIFF_SIMD_FN(i16x8_extend_high_i8x16_s),
      SKIFF_SIMD_FN(i16x8_extend_low_i8x16_u),
      SKIFF_SIMD_FN(i16x8_extend_high_i8x16_u),
      SKIFF_SIMD_FN(i16x8_shl),
      SKIFF_SIMD_FN(i16x8_shr_s),
      SKIFF_SIMD_FN(i16x8_shr_u),
      SKIFF_SIMD_FN(i16x8_add),
      SKIFF_SIMD_FN(i16x8_add_sat_s),
      SKIFF_SIMD_FN(i16x8_add_sat_u),
      SKIFF_SIMD_FN(i16x8_sub),
      SKIFF_SIMD_FN(i16x8_sub_sat_s),
      SKIFF_SIMD_FN(i16x8_sub_sat_u),
      SKIFF_SIMD_FN(f64x2_nearest),
      SKIFF_SIMD_FN(i16x8_mul),
      SKIFF_SIMD_FN(i16x8_min_s),
      SKIFF_SIMD_FN(i16x8_min_u),
      SKIFF_SIMD_FN(i16x8_max_s),
      SKIFF_SIMD_FN(i16x8_max_u),
      SKIFF_SIMD_FN(i16x8_avgr_u),
      SKIFF_SIMD_FN(i16x8_extmul_low_i8x16_s),
      SKIFF_SIMD_FN(i16x8_extmul_high_i8x16_s),
      SKIFF_SIMD_FN(i16x8_extmul_low_i8x16_u),
      SKIFF_SIMD_FN(i16x8_extmul_high_i8x16_u),
      SKIFF_SIMD_FN(i32x4_abs),
      SKIFF_SIMD_FN(i32x4_neg),
      SKIFF_SIMD_FN(i32x4_all_true),
      SKIFF_SIMD_FN(i32x4_bitmask),
      SKIFF_SIMD_FN(i32x4_extend_low_i16x8_s),
      SKIFF_SIMD_FN(i32x4_extend_high_i16x8_s),
      SKIFF_SIMD_FN(i32x4_extend_low_i16x8_u),
      SKIFF_SIMD_FN(i32x4_extend_high_i16x8_u),
      SKIFF_SIMD_FN(i32x4_shl),
      SKIFF_SIMD_FN(i32x4_shr_s),
      SKIFF_SIMD_FN(i32x4_shr_u),
      SKIFF_SIMD_FN(i32x4_add),
      SKIFF_SIMD_FN(i32x4_sub),
      SKIFF_SIMD_FN(i32x4_mul),
      SKIFF_SIMD_FN(i32x4_min_s),
      SKIFF_SIMD_FN(i32x4_min_u),
      SKIFF_SIMD_FN(i32x4_max_s),
      SKIFF_SIMD_FN(i32x4_max_u),
      SKIFF_SIMD_FN(i32x4_dot_i16x8_s),
      SKIFF_SIMD_FN(i32x4_extmul_low_i16x8_s),
      SKIFF_SIMD_FN(i32x4_extmul_high_i16x8_s),
      SKIFF_SIMD_FN(i32x4_extmul_low_i16x8_u),
      SKIFF_SIMD_FN(i32x4_extmul_high_i16x8_u),
      SKIFF_SIMD_FN(i64x2_abs),
      SKIFF_SIMD_FN(i64x2_neg),
      SKIFF_SIMD_FN(i64x2_all_true),
      SKIFF_SIMD_FN(i64x2_bitmask),
      SKIFF_SIMD_FN(i64x2_extend_low_i32x4_s),
      SKIFF_SIMD_FN(i64x2_extend_high_i32x4_s),
      SKIFF_SIMD_FN(i64x2_extend_low_i32x4_u),
      SKIFF_SIMD_FN(i64x2_extend_high_i32x4_u),
      SKIFF_SIMD_FN(i64x2_shl),
      SKIFF_SIMD_FN(i64x2_shr_s),
      SKIFF_SIMD_FN(i64x2_shr_u),
      SKIFF_SIMD_FN(i64x2_add),
      SKIFF_SIMD_FN(i64x2_sub),
      SKIFF_SIMD_FN(i64x2_mul),
      SKIFF_SIMD_FN(i64x2_eq),
      SKIFF_SIMD_FN(i64x2_ne),
      SKIFF_SIMD_FN(i64x2_lt_s),
      SKIFF_SIMD_FN(i64x2_gt_s),
      SKIFF_SIMD_FN(i64x2_le_s),
      SKIFF_SIMD_FN(i64x2_ge_s),
      SKIFF_SIMD_FN(i64x2_extmul_low_i32x4_s),
      SKIFF_SIMD_FN(i64x2_extmul_high_i32x4_s),
      SKIFF_SIMD_FN(i64x2_extmul_low_i32x4_u),
      SKIFF_SIMD_FN(i64x2_extmul_high_i32x4_u),
      SKIFF_SIMD_FN(f32x4_abs),
      SKIFF_SIMD_FN(f32x4_neg),
      SKIFF_SIMD_FN(f32x4_sqrt),
      SKIFF_SIMD_FN(f32x4_add),
      SKIFF_SIMD_FN(f32x4_sub),
      SKIFF_SIMD_FN(f32x4_mul),
      SKIFF_SIMD_FN(f32x4_div),
      SKIFF_SIMD_FN(f32x4_min),
      SKIFF_SIMD_FN(f32x4_max),
      SKIFF_SIMD_FN(f32x4_pmin),
      SKIFF_SIMD_FN(f32x4_pmax),
      SKIFF_SIMD_FN(f64x2_abs),
      SKIFF_SIMD_FN(f64x2_neg),
      SKIFF_SIMD_FN(f64x2_sqrt),
      SKIFF_SIMD_FN(f64x2_add),
      SKIFF_SIMD_FN(f64x2_sub),
      SKIFF_SIMD_FN(f64x2_mul),
      SKIFF_SIMD_FN(f64x2_div),
      SKIFF_SIMD_FN(f64x2_min),
      SKIFF_SIMD_FN(f64x2_max),
      SKIFF_SIMD_FN(f64x2_pmin),
      SKIFF_SIMD_FN(f64x2_pmax),
      SKIFF_SIMD_FN(i32x4_trunc_sat_f32x4_s),
      SKIFF_SIMD_FN(i32x4_trunc_sat_f32x4_u),
      SKIFF_SIMD_FN(f32x4_convert_i32x4_s),
      SKIFF_SIMD_FN(f32x4_convert_i32x4_u),
      SKIFF_SIMD_FN(i32x4_trunc_sat_f64x2_s_zero),
      SKIFF_SIMD_FN(i32x4_trunc_sat_f64x2_u_zero),
      SKIFF_SIMD_FN(f64x2_convert_low_i32x4_s),
      SKIFF_SIMD_FN(f64x2_convert_low_i32x4_u)};
#undef SKIFF_SIMD_FN
  size_t expected = 0;
  for (const OpRow& op : kAllOps) {
    if (op.prefix != 0xFD || op.imm == ir::Imm::MemArg || op.imm == ir::Imm::MemArgLane ||
        op.imm == ir::Imm::V128) {
      continue;
    }
    ++expected;
    std::string name(op.text);
    for (char& c : name) {
      if (c == '.') c = '_';
    }
    auto it = functions.find(name);
    ASSERT_NE(it, functions.end()) << op.text << " has no function";
    EXPECT_EQ(it->second, op.sig) << op.text;
  }
  EXPECT_EQ(expected, 213u);
  EXPECT_EQ(functions.size(), expected);
}

// ---------------------------------------------------------------------------------
// Lanes, splat, extract_lane, replace_lane
// ---------------------------------------------------------------------------------

TEST(SimdLanes, AreLittleEndian) {
  V128 v = vec<int32_t>(0x04030201, 0x08070605, 0x0C0B0A09, 0x100F0E0D);
  for (uint8_t i = 0; i < 16; ++i)
    EXPECT_EQ(v.bytes[i], i + 1);
  EXPECT_EQ(i16x8_extract_lane_u(v, 1), 0x0403);
  EXPECT_EQ(i64x2_extract_lane(v, 1), 0x100F0E0D0C0B0A09);
}

TEST(SimdLanes, SplatTruncatesI32ToLaneWidth) {
  EXPECT_EQ(i8x16_splat(0x1FF),
            vec<int8_t>(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
  EXPECT_EQ(i16x8_splat(0x12345),
            vec<int16_t>(0x2345, 0x2345, 0x2345, 0x2345, 0x2345, 0x2345, 0x2345, 0x2345));
  EXPECT_EQ(i64x2_splat(-2), vec<int64_t>(-2, -2));
  EXPECT_EQ(f32x4_splat(-0.0f), vec<uint32_t>(0x8000'0000, 0x8000'0000, 0x8000'0000, 0x8000'0000));
  EXPECT_EQ(f64x2_splat(f64(0x7FF0'0000'0000'0001)), // a signalling NaN is kept as is
            vec<uint64_t>(0x7FF0'0000'0000'0001, 0x7FF0'0000'0000'0001));
}

TEST(SimdLanes, ExtractLaneSignOrZeroExtends) {
  V128 v = vec<uint8_t>(0, 0x7F, 0x80, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x80);
  EXPECT_EQ(i8x16_extract_lane_s(v, 1), 127);
  EXPECT_EQ(i8x16_extract_lane_s(v, 2), -128);
  EXPECT_EQ(i8x16_extract_lane_u(v, 2), 128);
  EXPECT_EQ(i8x16_extract_lane_u(v, 3), 255);
  EXPECT_EQ(i16x8_extract_lane_s(v, 7), -32768);
  EXPECT_EQ(i16x8_extract_lane_u(v, 7), 32768);
  EXPECT_EQ(i16x8_extract_lane_s(v, 1), -128); // bytes 0x80 0xFF
  EXPECT_EQ(i32x4_extract_lane(v, 0), static_cast<int32_t>(0xFF807F00));
}

TEST(SimdLanes, ExtractFloatLaneKeepsNanBits) {
  V128 v = vec<uint32_t>(0, 0x7F80'0001, 0xFFC0'0000, 0x3F80'0000);
  EXPECT_EQ(std::bit_cast<uint32_t>(f32x4_extract_lane(v, 1)), 0x7F80'0001u);
  EXPECT_EQ(f32x4_extract_lane(v, 3), 1.0f);
  EXPECT_EQ(f64x2_extract_lane(vec<double>(1.5, -kInf), 1), -kInf);
}

TEST(SimdLanes, ReplaceLaneChangesOnlyThatLane) {
  V128 zero;
  EXPECT_EQ(i8x16_replace_lane(zero, 15, 0x1FF),
            vec<int8_t>(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1));
  EXPECT_EQ(i16x8_replace_lane(zero, 0, 0x18000), vec<int16_t>(-32768, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i32x4_replace_lane(zero, 2, -7), vec<int32_t>(0, 0, -7, 0));
  EXPECT_EQ(i64x2_replace_lane(zero, 1, INT64_MIN), vec<int64_t>(0, INT64_MIN));
  EXPECT_EQ(f32x4_replace_lane(vec<float>(1, 2, 3, 4), 3, -0.0f), vec<float>(1, 2, 3, -0.0f));
  EXPECT_EQ(f64x2_replace_lane(vec<double>(1, 2), 0, kInf), vec<double>(kInf, 2));
}

// ---------------------------------------------------------------------------------
// shuffle, swizzle
// ---------------------------------------------------------------------------------

TEST(SimdShuffle, PicksFromBothInputs) {
  V128 a = vec<uint8_t>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  V128 b = vec<uint8_t>(16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
  const std::array<uint8_t, 16> lanes = {31, 0, 30, 1, 16, 15, 17, 14, 5, 5, 21, 21, 8, 24, 0, 16};
  EXPECT_EQ(
      i8x16_shuffle(vec<uint8_t>(100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112,
                                 113, 114, 115),
                    vec<uint8_t>(200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212,
                                 213, 214, 215),
                    lanes),
      vec<uint8_t>(215, 100, 214, 101, 200, 115, 201, 114, 105, 105, 205, 205, 108, 208, 100, 200));
  EXPECT_EQ(i8x16_shuffle(a, b, lanes),
            vec<uint8_t>(31, 0, 30, 1, 16, 15, 17, 14, 5, 5, 21, 21, 8, 24, 0, 16));
}

TEST(SimdShuffle, SwizzleOutOfRangeIndexGivesZero) {
  V128 a = vec<uint8_t>(0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB,
                        0xFC, 0xFD, 0xFE, 0xFF);
  V128 idx = vec<uint8_t>(15, 0, 16, 255, 7, 7, 128, 17, 1, 2, 3, 32, 14, 15, 0x7F, 0x80);
  EXPECT_EQ(i8x16_swizzle(a, idx), vec<uint8_t>(0xFF, 0xF0, 0, 0, 0xF7, 0xF7, 0, 0, 0xF1, 0xF2,
                                                0xF3, 0, 0xFE, 0xFF, 0, 0));
}

// ---------------------------------------------------------------------------------
// v128 bitwise
// ---------------------------------------------------------------------------------

TEST(SimdBitwise, NotAndOrXorAndnotWorkOnAllBits) {
  V128 a = vec<uint64_t>(0xFF00'FF00'F0F0'0000, 0x0123'4567'89AB'CDEF);
  V128 b = vec<uint64_t>(0x0FF0'0FF0'FFFF'0000, 0xFFFF'0000'FFFF'0000);
  EXPECT_EQ(v128_not(a), vec<uint64_t>(0x00FF'00FF'0F0F'FFFF, 0xFEDC'BA98'7654'3210));
  EXPECT_EQ(v128_and(a, b), vec<uint64_t>(0x0F00'0F00'F0F0'0000, 0x0123'0000'89AB'0000));
  EXPECT_EQ(v128_or(a, b), vec<uint64_t>(0xFFF0'FFF0'FFFF'0000, 0xFFFF'4567'FFFF'CDEF));
  EXPECT_EQ(v128_xor(a, b), vec<uint64_t>(0xF0F0'F0F0'0F0F'0000, 0xFEDC'4567'7654'CDEF));
  EXPECT_EQ(v128_andnot(a, b), vec<uint64_t>(0xF000'F000'0000'0000, 0x0000'4567'0000'CDEF));
}

TEST(SimdBitwise, BitselectTakesFirstWhereMaskIsOne) {
  V128 a = vec<uint32_t>(0xAAAA'AAAA, 0xAAAA'AAAA, 0xAAAA'AAAA, 0xAAAA'AAAA);
  V128 b = vec<uint32_t>(0x5555'5555, 0x5555'5555, 0x5555'5555, 0x5555'5555);
  V128 c = vec<uint32_t>(0, 0xFFFF'FFFF, 0x0000'FFFF, 0x0F0F'0F0F);
  EXPECT_EQ(v128_bitselect(a, b, c),
            vec<uint32_t>(0x5555'5555, 0xAAAA'AAAA, 0x5555'AAAA, 0x5A5A'5A5A));
}

TEST(SimdBitwise, AnyTrueSeesASingleBit) {
  EXPECT_EQ(v128_any_true(V128{}), 0);
  EXPECT_EQ(v128_any_true(vec<uint8_t>(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80)), 1);
  EXPECT_EQ(v128_any_true(vec<uint8_t>(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), 1);
}

// ---------------------------------------------------------------------------------
// i8x16
// ---------------------------------------------------------------------------------

TEST(SimdI8x16, AddAndSubWrap) {
  V128 a = vec<int8_t>(127, -128, -1, 0, 1, 100, -100, 5, 0, 0, 0, 0, 0, 0, 0, 0);
  V128 b = vec<int8_t>(1, -1, 1, -1, 127, 100, -100, -5, 0, 0, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(i8x16_add(a, b),
            vec<int8_t>(-128, 127, 0, -1, -128, -56, 56, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_sub(a, b), vec<int8_t>(126, -127, -2, 1, -126, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(SimdI8x16, AddSatSClampsAt127AndMinus128) {
  V128 a = vec<int8_t>(127, -128, 100, -100, 64, -64, 126, -127, 1, -1, 0, 0, 0, 0, 0, 0);
  V128 b = vec<int8_t>(1, -1, 100, -100, 64, -65, 1, -1, -1, 1, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(i8x16_add_sat_s(a, b),
            vec<int8_t>(127, -128, 127, -128, 127, -128, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(SimdI8x16, AddSatUClampsAt255) {
  V128 a = vec<uint8_t>(255, 128, 254, 0, 200, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  V128 b = vec<uint8_t>(1, 128, 1, 255, 100, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(i8x16_add_sat_u(a, b),
            vec<uint8_t>(255, 255, 255, 255, 255, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(SimdI8x16, SubSatClampsAtBounds) {
  V128 a = vec<int8_t>(-128, 127, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  V128 b = vec<int8_t>(1, -1, 127, -128, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(i8x16_sub_sat_s(a, b),
            vec<int8_t>(-128, 127, -128, 127, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  // Unsigned: the same bytes are 128-1, 127-255, 255-127, 0-128, 1-2.
  EXPECT_EQ(i8x16_sub_sat_u(a, b),
            vec<uint8_t>(127, 0, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(SimdI8x16, AvgrURoundsHalfUp) {
  V128 a = vec<uint8_t>(0, 0, 1, 255, 255, 254, 128, 3, 0, 0, 0, 0, 0, 0, 0, 0);
  V128 b = vec<uint8_t>(0, 1, 2, 255, 0, 255, 127, 6, 0, 0, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(i8x16_avgr_u(a, b),
            vec<uint8_t>(0, 1, 2, 255, 128, 255, 128, 5, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(SimdI8x16, AbsAndNegOfMinus128WrapToMinus128) {
  V128 a = vec<int8_t>(-128, -127, -1, 0, 1, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(i8x16_abs(a), vec<int8_t>(-128, 127, 1, 0, 1, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_neg(a), vec<int8_t>(-128, 127, 1, 0, -1, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(SimdI8x16, PopcntCountsBitsPerLane) {
  V128 a =
      vec<uint8_t>(0, 1, 3, 0x80, 0xFF, 0x55, 0xAA, 0x0F, 0xF0, 0x7F, 2, 6, 0x11, 0x81, 0xFE, 0x3C);
  EXPECT_EQ(i8x16_popcnt(a), vec<uint8_t>(0, 1, 2, 1, 8, 4, 4, 4, 4, 7, 1, 2, 2, 2, 7, 4));
}

TEST(SimdI8x16, ShiftCountIsTakenModulo8) {
  V128 a = vec<uint8_t>(0x81, 0x7F, 0xFF, 0x01, 0x80, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(i8x16_shl(a, 1),
            vec<uint8_t>(0x02, 0xFE, 0xFE, 0x02, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_shl(a, 9), i8x16_shl(a, 1));
  EXPECT_EQ(i8x16_shl(a, 8), a);
  EXPECT_EQ(i8x16_shr_u(a, -1), i8x16_shr_u(a, 7)); // count 0xFFFFFFFF & 7 == 7
  EXPECT_EQ(i8x16_shr_u(a, 7), vec<uint8_t>(1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(SimdI8x16, ShrSIsArithmeticAndShrUIsLogical) {
  V128 a = vec<uint8_t>(0x80, 0xFF, 0x7F, 0xC0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(i8x16_shr_s(a, 1),
            vec<uint8_t>(0xC0, 0xFF, 0x3F, 0xE0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_shr_s(a, 15),
            vec<uint8_t>(0xFF, 0xFF, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_shr_u(a, 1),
            vec<uint8_t>(0x40, 0x7F, 0x3F, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(SimdI8x16, MinMaxDependOnSignedness) {
  V128 a = vec<int8_t>(-1, 127, -128, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  V128 b = vec<int8_t>(1, -128, 127, -1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  EXPECT_EQ(i8x16_min_s(a, b), vec<int8_t>(-1, -128, -128, -1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_max_s(a, b), vec<int8_t>(1, 127, 127, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_min_u(a, b), vec<int8_t>(1, 127, 127, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_max_u(a, b), vec<int8_t>(-1, -128, -128, -1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(SimdI8x16, ComparisonsGiveAllOnesOrZeroLanes) {
  V128 a = vec<int8_t>(-1, 1, 0, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  V128 b = vec<int8_t>(1, -1, 0, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  constexpr int8_t T = kTrue8;
  EXPECT_EQ(i8x16_eq(a, b), vec<int8_t>(0, 0, T, 0, 0, T, T, T, T, T, T, T, T, T, T, T));
  EXPECT_EQ(i8x16_ne(a, b), vec<int8_t>(T, T, 0, T, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_lt_s(a, b), vec<int8_t>(T, 0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_lt_u(a, b), vec<int8_t>(0, T, 0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_gt_s(a, b), vec<int8_t>(0, T, 0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_gt_u(a, b), vec<int8_t>(T, 0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i8x16_le_s(a, b), vec<int8_t>(T, 0, T, T, 0, T, T, T, T, T, T, T, T, T, T, T));
  EXPECT_EQ(i8x16_le_u(a, b), vec<int8_t>(0, T, T, 0, T, T, T, T, T, T, T, T, T, T, T, T));
  EXPECT_EQ(i8x16_ge_s(a, b), vec<int8_t>(0, T, T, 0, T, T, T, T, T, T, T, T, T, T, T, T));
  EXPECT_EQ(i8x16_ge_u(a, b), vec<int8_t>(T, 0, T, T, 0, T, T, T, T, T, T, T, T, T, T, T));
}

TEST(SimdI8x16, NarrowSaturatesSignedInput) {
  V128 a = vec<int16_t>(0, 127, 128, -128, -129, 32767, -32768, 255);
  V128 b = vec<int16_t>(1, -1, 256, 0x7F, 0x80, 0xFF, 0x100, -300);
  EXPECT_EQ(i8x16_narrow_i16x8_s(a, b), vec<int8_t>(0, 127, 127, -128, -128, 127, -128, 127, 1, -1,
                                                    127, 127, 127, 127, 127, -128));
  EXPECT_EQ(i8x16_narrow_i16x8_u(a, b),
            vec<uint8_t>(0, 127, 128, 0, 0, 255, 0, 255, 1, 0, 255, 127, 128, 255, 255, 0));
}

TEST(SimdI8x16, BitmaskTakesTheTopBitOfEachLane) {
  EXPECT_EQ(i8x16_bitmask(V128{}), 0);
  EXPECT_EQ(i8x16_bitmask(vec<uint8_t>(0x80, 0x7F, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80)),
            0x8005);
  EXPECT_EQ(i8x16_bitmask(i8x16_splat(-1)), 0xFFFF);
}

TEST(SimdI8x16, AllTrueIsZeroWithOneZeroLane) {
  EXPECT_EQ(i8x16_all_true(i8x16_splat(1)), 1);
  EXPECT_EQ(i8x16_all_true(i8x16_replace_lane(i8x16_splat(0x80), 9, 0)), 0);
  EXPECT_EQ(i8x16_all_true(V128{}), 0);
}

// ---------------------------------------------------------------------------------
// i16x8
// ---------------------------------------------------------------------------------

TEST(SimdI16x8, Q15mulrSatSaturatesMinTimesMin) {
  V128 a = vec<int16_t>(-32768, -32768, 32767, 16384, 16383, 1, -1, 0);
  V128 b = vec<int16_t>(-32768, 32767, 32767, 16384, 16384, 1, 16384, 0);
  // (a*b + 0x4000) >> 15: 2^30 -> 32768 saturates; -32767.0 rounds to -32767; a half
  // rounds up: 16384*16384 -> 8192, 16383*16384 -> 8191.5 -> 8192, 1*1 -> 0, -1*16384 -> 0.
  EXPECT_EQ(i16x8_q15mulr_sat_s(a, b), vec<int16_t>(32767, -32767, 32766, 8192, 8192, 0, 0, 0));
}

TEST(SimdI16x8, Q15mulrSatRoundsHalfTowardPlusInfinity) {
  // a*b = -16384 is -0.5 in Q15 and rounds up to 0: (-16384 + 0x4000) >> 15; -16385 -> -1.
  V128 a = vec<int16_t>(-16384, -16385, 16384, 16385, -1, -1, 3, -3);
  V128 b = vec<int16_t>(1, 1, 1, 1, -1, 1, 16384, 16384);
  EXPECT_EQ(i16x8_q15mulr_sat_s(a, b), vec<int16_t>(0, -1, 1, 1, 0, 0, 2, -1));
}

TEST(SimdI16x8, MulWrapsWithoutOverflowingInt) {
  V128 a = vec<int16_t>(-1, 32767, -32768, 256, 300, 0, 0, 0);
  V128 b = vec<int16_t>(-1, 32767, -32768, 256, -300, 0, 0, 0);
  EXPECT_EQ(i16x8_mul(a, b),
            vec<int16_t>(1, 1, 0, 0, static_cast<int16_t>(-90000 & 0xFFFF), 0, 0, 0));
}

TEST(SimdI16x8, SaturatingArithmeticClampsAt16BitBounds) {
  V128 a = vec<int16_t>(32767, -32768, -1, 0, 1000, 0, 0, 0);
  V128 b = vec<int16_t>(1, -1, 1, -1, 1000, 0, 0, 0);
  EXPECT_EQ(i16x8_add_sat_s(a, b), vec<int16_t>(32767, -32768, 0, -1, 2000, 0, 0, 0));
  EXPECT_EQ(i16x8_sub_sat_s(a, b), vec<int16_t>(32766, -32767, -2, 1, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_add_sat_u(a, b), vec<uint16_t>(32768, 0xFFFF, 0xFFFF, 0xFFFF, 2000, 0, 0, 0));
  EXPECT_EQ(i16x8_sub_sat_u(a, b), vec<uint16_t>(32766, 0, 0xFFFE, 0, 0, 0, 0, 0));
}

TEST(SimdI16x8, ShiftsTakeCountModulo16) {
  V128 a = vec<int16_t>(-32768, 1, -1, 0x4000, 0, 0, 0, 0);
  EXPECT_EQ(i16x8_shl(a, 17), vec<int16_t>(0, 2, -2, -32768, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_shl(a, 16), a);
  EXPECT_EQ(i16x8_shr_s(a, 31), vec<int16_t>(-1, 0, -1, 0, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_shr_u(a, 15), vec<int16_t>(1, 0, 1, 0, 0, 0, 0, 0));
}

TEST(SimdI16x8, MinMaxAvgrAndCompare) {
  V128 a = vec<int16_t>(-1, 32767, 0, 5, 0, 0, 0, 0);
  V128 b = vec<int16_t>(0, -32768, 0, 6, 0, 0, 0, 0);
  EXPECT_EQ(i16x8_min_s(a, b), vec<int16_t>(-1, -32768, 0, 5, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_min_u(a, b), vec<int16_t>(0, 32767, 0, 5, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_max_s(a, b), vec<int16_t>(0, 32767, 0, 6, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_max_u(a, b), vec<int16_t>(-1, -32768, 0, 6, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_avgr_u(a, b), vec<uint16_t>(0x8000, 0x8000, 0, 6, 0, 0, 0, 0));
  constexpr int16_t T = kTrue16;
  EXPECT_EQ(i16x8_lt_u(a, b), vec<int16_t>(0, T, 0, T, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_ge_s(a, b), vec<int16_t>(0, T, T, 0, T, T, T, T));
  EXPECT_EQ(i16x8_eq(a, b), vec<int16_t>(0, 0, T, 0, T, T, T, T));
  EXPECT_EQ(i16x8_ne(a, b), vec<int16_t>(T, T, 0, T, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_lt_s(a, b), vec<int16_t>(T, 0, 0, T, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_gt_s(a, b), vec<int16_t>(0, T, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_gt_u(a, b), vec<int16_t>(T, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_le_s(a, b), vec<int16_t>(T, 0, T, T, T, T, T, T));
  EXPECT_EQ(i16x8_le_u(a, b), vec<int16_t>(0, T, T, T, T, T, T, T));
  EXPECT_EQ(i16x8_ge_u(a, b), vec<int16_t>(T, 0, T, 0, T, T, T, T));
}

TEST(SimdI16x8, AbsNegBitmaskAllTrue) {
  V128 a = vec<int16_t>(-32768, -5, 5, 0, 1, -1, 32767, -32767);
  EXPECT_EQ(i16x8_abs(a), vec<int16_t>(-32768, 5, 5, 0, 1, 1, 32767, 32767));
  EXPECT_EQ(i16x8_neg(a), vec<int16_t>(-32768, 5, -5, 0, -1, 1, -32767, 32767));
  EXPECT_EQ(i16x8_bitmask(a), 0b10100011);
  EXPECT_EQ(i16x8_all_true(a), 0);
  EXPECT_EQ(i16x8_all_true(i16x8_splat(0x100)), 1); // nonzero lane with a zero low byte
}

TEST(SimdI16x8, NarrowI32x4Saturates) {
  V128 a = vec<int32_t>(65535, -1, 32768, -32769);
  V128 b = vec<int32_t>(32767, -32768, 65536, INT32_MIN);
  EXPECT_EQ(i16x8_narrow_i32x4_s(a, b),
            vec<int16_t>(32767, -1, 32767, -32768, 32767, -32768, 32767, -32768));
  EXPECT_EQ(i16x8_narrow_i32x4_u(a, b), vec<uint16_t>(65535, 0, 32768, 0, 32767, 0, 65535, 0));
}

TEST(SimdI16x8, ExtendLowAndHighSignOrZeroExtend) {
  V128 a = vec<int8_t>(-128, -1, 0, 127, 1, 2, 3, 4, -2, -3, 5, 6, 7, 8, 9, 10);
  EXPECT_EQ(i16x8_extend_low_i8x16_s(a), vec<int16_t>(-128, -1, 0, 127, 1, 2, 3, 4));
  EXPECT_EQ(i16x8_extend_high_i8x16_s(a), vec<int16_t>(-2, -3, 5, 6, 7, 8, 9, 10));
  EXPECT_EQ(i16x8_extend_low_i8x16_u(a), vec<int16_t>(128, 255, 0, 127, 1, 2, 3, 4));
  EXPECT_EQ(i16x8_extend_high_i8x16_u(a), vec<int16_t>(254, 253, 5, 6, 7, 8, 9, 10));
}

TEST(SimdI16x8, ExtaddPairwiseWidensBeforeAdding) {
  V128 a = vec<int8_t>(-128, -128, 127, 127, -1, 1, 0, 0, -1, -1, 1, 2, 0, 0, 0, 0);
  EXPECT_EQ(i16x8_extadd_pairwise_i8x16_s(a), vec<int16_t>(-256, 254, 0, 0, -2, 3, 0, 0));
  EXPECT_EQ(i16x8_extadd_pairwise_i8x16_u(a), vec<int16_t>(256, 254, 256, 0, 510, 3, 0, 0));
}

TEST(SimdI16x8, ExtmulLowAndHigh) {
  V128 a = vec<int8_t>(-128, -128, 127, -1, 2, 0, 0, 0, -128, 127, -1, 3, 0, 0, 0, 0);
  V128 b = vec<int8_t>(-128, 127, 127, -1, -3, 0, 0, 0, -1, -1, -1, 3, 0, 0, 0, 0);
  EXPECT_EQ(i16x8_extmul_low_i8x16_s(a, b), vec<int16_t>(16384, -16256, 16129, 1, -6, 0, 0, 0));
  EXPECT_EQ(i16x8_extmul_high_i8x16_s(a, b), vec<int16_t>(128, -127, 1, 9, 0, 0, 0, 0));
  EXPECT_EQ(i16x8_extmul_low_i8x16_u(a, b),
            vec<uint16_t>(16384, 16256, 16129, 65025, 506, 0, 0, 0));
  EXPECT_EQ(i16x8_extmul_high_i8x16_u(a, b), vec<uint16_t>(32640, 32385, 65025, 9, 0, 0, 0, 0));
}

// ---------------------------------------------------------------------------------
// i32x4
// ---------------------------------------------------------------------------------

TEST(SimdI32x4, ArithmeticWraps) {
  V128 a = vec<int32_t>(INT32_MAX, INT32_MIN, 0x10000, -1);
  V128 b = vec<int32_t>(1, 1, 0x10000, -1);
  EXPECT_EQ(i32x4_add(a, b), vec<int32_t>(INT32_MIN, INT32_MIN + 1, 0x20000, -2));
  EXPECT_EQ(i32x4_sub(a, b), vec<int32_t>(INT32_MAX - 1, INT32_MAX, 0, 0));
  EXPECT_EQ(i32x4_mul(a, b), vec<int32_t>(INT32_MAX, INT32_MIN, 0, 1));
  EXPECT_EQ(i32x4_abs(a), vec<int32_t>(INT32_MAX, INT32_MIN, 0x10000, 1));
  EXPECT_EQ(i32x4_neg(a), vec<int32_t>(-INT32_MAX, INT32_MIN, -0x10000, 1));
}

TEST(SimdI32x4, ShiftsTakeCountModulo32) {
  V128 a = vec<int32_t>(INT32_MIN, 1, -1, 0x40000000);
  EXPECT_EQ(i32x4_shl(a, 32), a);
  EXPECT_EQ(i32x4_shl(a, 33), vec<int32_t>(0, 2, -2, INT32_MIN));
  EXPECT_EQ(i32x4_shr_s(a, 63), vec<int32_t>(-1, 0, -1, 0));
  EXPECT_EQ(i32x4_shr_u(a, 31), vec<int32_t>(1, 0, 1, 0));
}

TEST(SimdI32x4, MinMaxAndComparisonsBySignedness) {
  V128 a = vec<int32_t>(-1, 0, INT32_MIN, 7);
  V128 b = vec<int32_t>(0, -1, INT32_MAX, 7);
  EXPECT_EQ(i32x4_min_s(a, b), vec<int32_t>(-1, -1, INT32_MIN, 7));
  EXPECT_EQ(i32x4_min_u(a, b), vec<int32_t>(0, 0, INT32_MAX, 7));
  EXPECT_EQ(i32x4_max_s(a, b), vec<int32_t>(0, 0, INT32_MAX, 7));
  EXPECT_EQ(i32x4_max_u(a, b), vec<int32_t>(-1, -1, INT32_MIN, 7));
  constexpr int32_t T = kTrue32;
  EXPECT_EQ(i32x4_eq(a, b), vec<int32_t>(0, 0, 0, T));
  EXPECT_EQ(i32x4_ne(a, b), vec<int32_t>(T, T, T, 0));
  EXPECT_EQ(i32x4_lt_s(a, b), vec<int32_t>(T, 0, T, 0));
  EXPECT_EQ(i32x4_lt_u(a, b), vec<int32_t>(0, T, 0, 0));
  EXPECT_EQ(i32x4_gt_s(a, b), vec<int32_t>(0, T, 0, 0));
  EXPECT_EQ(i32x4_gt_u(a, b), vec<int32_t>(T, 0, T, 0));
  EXPECT_EQ(i32x4_le_s(a, b), vec<int32_t>(T, 0, T, T));
  EXPECT_EQ(i32x4_le_u(a, b), vec<int32_t>(0, T, 0, T));
  EXPECT_EQ(i32x4_ge_s(a, b), vec<int32_t>(0, T, 0, T));
  EXPECT_EQ(i32x4_ge_u(a, b), vec<int32_t>(T, 0, T, T));
}

TEST(SimdI32x4, BitmaskAndAllTrue) {
  EXPECT_EQ(i32x4_bitmask(vec<int32_t>(-1, 1, INT32_MIN, INT32_MAX)), 0b0101);
  EXPECT_EQ(i32x4_all_true(vec<int32_t>(1, 1, 1, 0)), 0);
  EXPECT_EQ(i32x4_all_true(vec<int32_t>(1, INT32_MIN, -1, 0x100)), 1);
}

TEST(SimdI32x4, DotWrapsOnlyForMinSquaredTwice) {
  V128 a = vec<int16_t>(-32768, -32768, 32767, 32767, 1, 2, -3, 4);
  V128 b = vec<int16_t>(-32768, -32768, 32767, 32767, 5, 6, 7, -8);
  EXPECT_EQ(i32x4_dot_i16x8_s(a, b), vec<int32_t>(INT32_MIN, 2147352578, 17, -53));
}

TEST(SimdI32x4, ExtendExtaddAndExtmul) {
  V128 a = vec<int16_t>(-32768, -1, 32767, 2, -2, 3, 65535 - 65536, 0);
  EXPECT_EQ(i32x4_extend_low_i16x8_s(a), vec<int32_t>(-32768, -1, 32767, 2));
  EXPECT_EQ(i32x4_extend_high_i16x8_s(a), vec<int32_t>(-2, 3, -1, 0));
  EXPECT_EQ(i32x4_extend_low_i16x8_u(a), vec<int32_t>(32768, 65535, 32767, 2));
  EXPECT_EQ(i32x4_extend_high_i16x8_u(a), vec<int32_t>(65534, 3, 65535, 0));
  EXPECT_EQ(i32x4_extadd_pairwise_i16x8_s(a), vec<int32_t>(-32769, 32769, 1, -1));
  EXPECT_EQ(i32x4_extadd_pairwise_i16x8_u(a), vec<int32_t>(98303, 32769, 65537, 65535));
  V128 b = vec<int16_t>(-32768, -1, -1, 2, 0, 0, -1, -1);
  EXPECT_EQ(i32x4_extmul_low_i16x8_s(a, b), vec<int32_t>(1073741824, 1, -32767, 4));
  EXPECT_EQ(i32x4_extmul_high_i16x8_s(a, b), vec<int32_t>(0, 0, 1, 0));
  // 65535 * 65535 = 0xFFFE0001 does not fit an int: must not overflow.
  EXPECT_EQ(i32x4_extmul_low_i16x8_u(a, b), vec<uint32_t>(1073741824, 0xFFFE'0001, 2147385345, 4));
  EXPECT_EQ(i32x4_extmul_high_i16x8_u(a, b), vec<uint32_t>(0, 0, 0xFFFE'0001, 0));
}

TEST(SimdI32x4, TruncSatF32x4SClampsAndMapsNanToZero) {
  EXPECT_EQ(i32x4_trunc_sat_f32x4_s(
                vec<float>(2147483648.0f, -2147483648.0f, -2147483904.0f, 2147483520.0f)),
            vec<int32_t>(INT32_MAX, INT32_MIN, INT32_MIN, 2147483520));
  EXPECT_EQ(i32x4_trunc_sat_f32x4_s(vec<float>(kCanonF, f32(0xFFA0'0000), kInfF, -kInfF)),
            vec<int32_t>(0, 0, INT32_MAX, INT32_MIN));
  EXPECT_EQ(i32x4_trunc_sat_f32x4_s(vec<float>(-1.9f, 1.9f, -0.0f, f32(1))),
            vec<int32_t>(-1, 1, 0, 0));
}

TEST(SimdI32x4, TruncSatF32x4UClampsAtZeroAndU32Max) {
  EXPECT_EQ(i32x4_trunc_sat_f32x4_u(vec<float>(-1.0f, -0.9f, 4294967296.0f, 4294967040.0f)),
            vec<uint32_t>(0, 0, 0xFFFF'FFFF, 4294967040u));
  EXPECT_EQ(i32x4_trunc_sat_f32x4_u(vec<float>(kCanonF, kInfF, -kInfF, 2147483648.0f)),
            vec<uint32_t>(0, 0xFFFF'FFFF, 0, 2147483648u));
}

TEST(SimdI32x4, TruncSatF64x2ZeroFillsHighLanes) {
  EXPECT_EQ(i32x4_trunc_sat_f64x2_s_zero(vec<double>(2147483647.9, -2147483648.9)),
            vec<int32_t>(INT32_MAX, INT32_MIN, 0, 0));
  EXPECT_EQ(i32x4_trunc_sat_f64x2_s_zero(vec<double>(2147483648.0, -2147483649.0)),
            vec<int32_t>(INT32_MAX, INT32_MIN, 0, 0));
  EXPECT_EQ(i32x4_trunc_sat_f64x2_s_zero(vec<double>(kCanon, -1.5)), vec<int32_t>(0, -1, 0, 0));
  EXPECT_EQ(i32x4_trunc_sat_f64x2_u_zero(vec<double>(4294967295.9, 4294967296.0)),
            vec<uint32_t>(0xFFFF'FFFF, 0xFFFF'FFFF, 0, 0));
  EXPECT_EQ(i32x4_trunc_sat_f64x2_u_zero(vec<double>(-0.9, -kInf)), vec<uint32_t>(0, 0, 0, 0));
  EXPECT_EQ(i32x4_trunc_sat_f64x2_u_zero(vec<double>(f64(0x7FF0'0000'0000'0001), 1e300)),
            vec<uint32_t>(0, 0xFFFF'FFFF, 0, 0));
}

// ---------------------------------------------------------------------------------
// i64x2
// ---------------------------------------------------------------------------------

TEST(SimdI64x2, ArithmeticWraps) {
  V128 a = vec<int64_t>(INT64_MAX, INT64_MIN);
  V128 b = vec<int64_t>(1, -1);
  EXPECT_EQ(i64x2_add(a, b), vec<int64_t>(INT64_MIN, INT64_MAX));
  EXPECT_EQ(i64x2_sub(a, b), vec<int64_t>(INT64_MAX - 1, INT64_MIN + 1));
  EXPECT_EQ(i64x2_mul(a, vec<int64_t>(2, -1)), vec<int64_t>(-2, INT64_MIN));
  EXPECT_EQ(i64x2_abs(a), vec<int64_t>(INT64_MAX, INT64_MIN));
  EXPECT_EQ(i64x2_neg(a), vec<int64_t>(-INT64_MAX, INT64_MIN));
}

TEST(SimdI64x2, ShiftsTakeCountModulo64) {
  V128 a = vec<int64_t>(INT64_MIN, 3);
  EXPECT_EQ(i64x2_shl(a, 64), a);
  EXPECT_EQ(i64x2_shl(a, 65), vec<int64_t>(0, 6));
  EXPECT_EQ(i64x2_shr_s(a, 63), vec<int64_t>(-1, 0));
  EXPECT_EQ(i64x2_shr_s(a, 65), vec<int64_t>(INT64_MIN / 2, 1));
  EXPECT_EQ(i64x2_shr_u(a, 63), vec<int64_t>(1, 0));
  EXPECT_EQ(i64x2_shr_u(a, 127), vec<int64_t>(1, 0));
}

TEST(SimdI64x2, ComparisonsAreSigned) {
  V128 a = vec<int64_t>(-1, 5);
  V128 b = vec<int64_t>(1, 5);
  constexpr int64_t T = kTrue64;
  EXPECT_EQ(i64x2_eq(a, b), vec<int64_t>(0, T));
  EXPECT_EQ(i64x2_ne(a, b), vec<int64_t>(T, 0));
  EXPECT_EQ(i64x2_lt_s(a, b), vec<int64_t>(T, 0));
  EXPECT_EQ(i64x2_gt_s(a, b), vec<int64_t>(0, 0));
  EXPECT_EQ(i64x2_le_s(a, b), vec<int64_t>(T, T));
  EXPECT_EQ(i64x2_ge_s(a, b), vec<int64_t>(0, T));
}

TEST(SimdI64x2, BitmaskAllTrueExtendAndExtmul) {
  EXPECT_EQ(i64x2_bitmask(vec<int64_t>(1, -1)), 0b10);
  EXPECT_EQ(i64x2_all_true(vec<int64_t>(1, 0)), 0);
  EXPECT_EQ(i64x2_all_true(vec<int64_t>(INT64_MIN, 1LL << 40)), 1);
  V128 a = vec<int32_t>(-1, INT32_MIN, INT32_MAX, -2);
  EXPECT_EQ(i64x2_extend_low_i32x4_s(a), vec<int64_t>(-1, INT32_MIN));
  EXPECT_EQ(i64x2_extend_high_i32x4_s(a), vec<int64_t>(INT32_MAX, -2));
  EXPECT_EQ(i64x2_extend_low_i32x4_u(a), vec<int64_t>(0xFFFF'FFFF, 0x8000'0000));
  EXPECT_EQ(i64x2_extend_high_i32x4_u(a), vec<int64_t>(INT32_MAX, 0xFFFF'FFFE));
  EXPECT_EQ(i64x2_extmul_low_i32x4_s(a, a), vec<int64_t>(1, 1LL << 62));
  EXPECT_EQ(i64x2_extmul_high_i32x4_s(a, a), vec<int64_t>(0x3FFF'FFFF'0000'0001, 4));
  EXPECT_EQ(i64x2_extmul_low_i32x4_u(a, a), vec<uint64_t>(0xFFFF'FFFE'0000'0001, 1ULL << 62));
  EXPECT_EQ(i64x2_extmul_high_i32x4_u(a, a),
            vec<uint64_t>(0x3FFF'FFFF'0000'0001, 0xFFFF'FFFC'0000'0004));
}

// ---------------------------------------------------------------------------------
// f32x4
// ---------------------------------------------------------------------------------

TEST(SimdF32x4, ArithmeticIsIeeeRoundToNearest) {
  V128 a = vec<float>(1.0f, 0x1p-149f, 3.0f, 1.0f);
  V128 b = vec<float>(0x1p-24f, 0x1p-149f, 0.1f, 3.0f);
  EXPECT_EQ(f32x4_add(a, b), vec<float>(1.0f, 0x1p-148f, 3.1f, 4.0f)); // 1 + 2^-24 ties to 1
  EXPECT_EQ(f32x4_sub(a, b), vec<float>(0x1.fffffep-1f, 0.0f, 2.9f, -2.0f));
  EXPECT_EQ(f32x4_mul(a, b), vec<float>(0x1p-24f, 0.0f, 0.3f, 3.0f));
  EXPECT_EQ(f32x4_div(a, b), vec<float>(0x1p24f, 1.0f, 30.0f, 1.0f / 3.0f));
  EXPECT_EQ(f32x4_div(vec<float>(1, -1, 0, -0.0f), vec<float>(0.0f, 0.0f, kInfF, 2)),
            vec<float>(kInfF, -kInfF, 0.0f, -0.0f));
}

TEST(SimdF32x4, InvalidOperationGivesCanonicalNan) {
  V128 a = vec<float>(kInfF, 0.0f, kInfF, 0.0f);
  V128 b = vec<float>(-kInfF, kInfF, kInfF, 0.0f);
  V128 canon = f32x4_splat(kCanonF);
  EXPECT_EQ(f32x4_add(a, b).bytes[3], 0x7F); // positive, unlike x86's default 0xFFC00000
  EXPECT_EQ(f32x4_add(a, b), vec<float>(kCanonF, kInfF, kInfF, 0.0f));
  EXPECT_EQ(f32x4_mul(a, b), vec<float>(-kInfF, kCanonF, kInfF, 0.0f));
  EXPECT_EQ(f32x4_sub(a, vec<float>(kInfF, 0, kInfF, 0)), vec<float>(kCanonF, 0, kCanonF, 0));
  EXPECT_EQ(f32x4_div(a, vec<float>(kInfF, 0, -kInfF, 0)), canon);
  EXPECT_EQ(f32x4_sqrt(vec<float>(-1.0f, -kInfF, -0x1p-149f, -0.0f)),
            vec<float>(kCanonF, kCanonF, kCanonF, -0.0f));
}

TEST(SimdF32x4, NanOperandPropagatesQuietedFirstNan) {
  const float snan = f32(0xFF80'0001); // negative signalling NaN, payload 1
  const float qnan = f32(0x7FC0'1234);
  V128 a = vec<float>(snan, 1.0f, qnan, 1.0f);
  V128 b = vec<float>(qnan, snan, snan, 2.0f);
  const float snan_quieted = f32(0xFFC0'0001);
  EXPECT_EQ(f32x4_add(a, b), vec<float>(snan_quieted, snan_quieted, qnan, 3.0f));
  EXPECT_EQ(f32x4_mul(a, b), vec<float>(snan_quieted, snan_quieted, qnan, 2.0f));
  EXPECT_EQ(f32x4_min(a, b), vec<float>(snan_quieted, snan_quieted, qnan, 1.0f));
  EXPECT_EQ(f32x4_max(a, b), vec<float>(snan_quieted, snan_quieted, qnan, 2.0f));
  EXPECT_EQ(f32x4_sqrt(a), vec<float>(snan_quieted, 1.0f, qnan, 1.0f));
}

TEST(SimdF32x4, MinMaxOrderMinusZeroBelowPlusZero) {
  V128 a = vec<float>(-0.0f, 0.0f, -kInfF, 1.0f);
  V128 b = vec<float>(0.0f, -0.0f, 5.0f, kInfF);
  EXPECT_EQ(f32x4_min(a, b), vec<float>(-0.0f, -0.0f, -kInfF, 1.0f));
  EXPECT_EQ(f32x4_max(a, b), vec<float>(0.0f, 0.0f, 5.0f, kInfF));
  EXPECT_EQ(f32x4_min(a, vec<float>(kCanonF, 0, 0, 0)), vec<float>(kCanonF, 0.0f, -kInfF, 0.0f));
}

TEST(SimdF32x4, PminPmaxAreSelectsThatKeepOperandBits) {
  const float snan = f32(0x7FA0'0000);
  V128 a = vec<float>(-0.0f, 0.0f, snan, 1.0f);
  V128 b = vec<float>(0.0f, -0.0f, 1.0f, snan);
  // pmin = b < a ? b : a; every comparison with NaN is false, so a is returned.
  EXPECT_EQ(f32x4_pmin(a, b), vec<float>(-0.0f, 0.0f, snan, 1.0f));
  EXPECT_EQ(f32x4_pmax(a, b), vec<float>(-0.0f, 0.0f, snan, 1.0f));
  EXPECT_EQ(f32x4_pmin(vec<float>(2, 1, -kInfF, kInfF), vec<float>(1, 2, kInfF, -kInfF)),
            vec<float>(1, 1, -kInfF, -kInfF));
  EXPECT_EQ(f32x4_pmax(vec<float>(2, 1, -kInfF, kInfF), vec<float>(1, 2, kInfF, -kInfF)),
            vec<float>(2, 2, kInfF, kInfF));
}

TEST(SimdF32x4, AbsAndNegOnlyTouchTheSignBit) {
  V128 a = vec<uint32_t>(0xFF80'0001, 0x7FC0'0000, 0x8000'0000, 0x3F80'0000);
  EXPECT_EQ(f32x4_abs(a), vec<uint32_t>(0x7F80'0001, 0x7FC0'0000, 0, 0x3F80'0000));
  EXPECT_EQ(f32x4_neg(a), vec<uint32_t>(0x7F80'0001, 0xFFC0'0000, 0, 0xBF80'0000));
}

TEST(SimdF32x4, ComparisonsWithNanAreFalseExceptNe) {
  V128 a = vec<float>(kCanonF, -0.0f, 1.0f, -kInfF);
  V128 b = vec<float>(kCanonF, 0.0f, 2.0f, -kInfF);
  constexpr int32_t T = kTrue32;
  EXPECT_EQ(f32x4_eq(a, b), vec<int32_t>(0, T, 0, T));
  EXPECT_EQ(f32x4_ne(a, b), vec<int32_t>(T, 0, T, 0));
  EXPECT_EQ(f32x4_lt(a, b), vec<int32_t>(0, 0, T, 0));
  EXPECT_EQ(f32x4_gt(a, b), vec<int32_t>(0, 0, 0, 0));
  EXPECT_EQ(f32x4_le(a, b), vec<int32_t>(0, T, T, T));
  EXPECT_EQ(f32x4_ge(a, b), vec<int32_t>(0, T, 0, T));
}

TEST(SimdF32x4, NearestRoundsTiesToEven) {
  EXPECT_EQ(f32x4_nearest(vec<float>(0.5f, 1.5f, 2.5f, -3.5f)), vec<float>(0, 2, 2, -4));
  EXPECT_EQ(f32x4_nearest(vec<float>(-0.5f, 0.49999997f, -0x1p-149f, 8388609.0f)),
            vec<float>(-0.0f, 0.0f, -0.0f, 8388609.0f));
  EXPECT_EQ(f32x4_nearest(vec<float>(0x1.fffffep22f, 4194303.5f, -kInfF, 2.5000002f)),
            vec<float>(0x1p23f, 4194304.0f, -kInfF, 3.0f));
}

TEST(SimdF32x4, NearestDoesNotDependOnTheRoundingMode) {
  V128 v = vec<float>(0.5f, 1.5f, -2.5f, 2.4f);
  ASSERT_EQ(std::fesetround(FE_UPWARD), 0);
  V128 up = f32x4_nearest(v);
  ASSERT_EQ(std::fesetround(FE_TONEAREST), 0);
  EXPECT_EQ(up, vec<float>(0, 2, -2, 2));
}

TEST(SimdF32x4, CeilFloorTruncKeepTheSignOfZero) {
  V128 a = vec<float>(-0.5f, 0.5f, -1.5f, 1.5f);
  EXPECT_EQ(f32x4_ceil(a), vec<float>(-0.0f, 1.0f, -1.0f, 2.0f));
  EXPECT_EQ(f32x4_floor(a), vec<float>(-1.0f, 0.0f, -2.0f, 1.0f));
  EXPECT_EQ(f32x4_trunc(a), vec<float>(-0.0f, 0.0f, -1.0f, 1.0f));
  V128 b = vec<float>(f32(0x7F80'0001), 0x1.fffffep22f, -kInfF, 0x1p-149f);
  EXPECT_EQ(f32x4_ceil(b), vec<float>(f32(0x7FC0'0001), 0x1p23f, -kInfF, 1.0f));
  EXPECT_EQ(f32x4_floor(b), vec<float>(f32(0x7FC0'0001), 0x1.fffffcp22f, -kInfF, 0.0f));
  EXPECT_EQ(f32x4_trunc(b), vec<float>(f32(0x7FC0'0001), 0x1.fffffcp22f, -kInfF, 0.0f));
  EXPECT_EQ(f32x4_nearest(b), vec<float>(f32(0x7FC0'0001), 0x1p23f, -kInfF, 0.0f));
}

TEST(SimdF32x4, ConvertI32x4RoundsToNearestEven) {
  EXPECT_EQ(f32x4_convert_i32x4_s(vec<int32_t>(INT32_MIN, -1, 16777217, INT32_MAX)),
            vec<float>(-0x1p31f, -1.0f, 16777216.0f, 0x1p31f));
  EXPECT_EQ(f32x4_convert_i32x4_u(vec<uint32_t>(0xFFFF'FFFF, 0x8000'0000, 16777219, 0)),
            vec<float>(0x1p32f, 0x1p31f, 16777220.0f, 0.0f));
}

TEST(SimdF32x4, DemoteRoundsAndZeroFillsHighLanes) {
  EXPECT_EQ(f32x4_demote_f64x2_zero(vec<double>(1.0 + 0x1p-24, 0x1.fffffefffffffp127)),
            vec<float>(1.0f, 0x1.fffffep127f, 0, 0));
  EXPECT_EQ(f32x4_demote_f64x2_zero(vec<double>(0x1.ffffffp127, -0x1p-150)),
            vec<float>(kInfF, -0.0f, 0, 0));
  EXPECT_EQ(f32x4_demote_f64x2_zero(vec<double>(0x1.8p-150, 1.0 + 0x1.8p-24)),
            vec<float>(0x1p-149f, 1.0f + 0x1p-23f, 0, 0));
}

TEST(SimdF32x4, DemoteQuietsNanAndKeepsSignAndTopPayload) {
  EXPECT_EQ(f32x4_demote_f64x2_zero(vec<double>(kCanon, f64(0xFFF0'0000'2000'0000))),
            vec<uint32_t>(0x7FC0'0000, 0xFFC0'0001, 0, 0));
  EXPECT_EQ(f32x4_demote_f64x2_zero(vec<double>(f64(0x7FF0'0000'0000'0001), -kInf)),
            vec<float>(kCanonF, -kInfF, 0, 0));
}

// ---------------------------------------------------------------------------------
// f64x2
// ---------------------------------------------------------------------------------

TEST(SimdF64x2, ArithmeticIsIeeeRoundToNearest) {
  V128 a = vec<double>(0.1, 1.0);
  V128 b = vec<double>(0.2, 0x1p-53);
  EXPECT_EQ(f64x2_add(a, b), vec<double>(0.30000000000000004, 1.0));
  EXPECT_EQ(f64x2_sub(a, b), vec<double>(-0.1, 0x1.fffffffffffffp-1));
  EXPECT_EQ(f64x2_mul(a, b), vec<double>(0.020000000000000004, 0x1p-53));
  EXPECT_EQ(f64x2_div(a, b), vec<double>(0.5, 0x1p53));
  EXPECT_EQ(f64x2_sqrt(vec<double>(2.0, -0.0)), vec<double>(1.4142135623730951, -0.0));
}

TEST(SimdF64x2, NanRuleMatchesF32x4) {
  const double snan = f64(0x7FF0'0000'0000'0001);
  EXPECT_EQ(f64x2_add(vec<double>(kInf, 1.0), vec<double>(-kInf, snan)),
            vec<double>(kCanon, f64(0x7FF8'0000'0000'0001)));
  EXPECT_EQ(f64x2_div(vec<double>(0.0, f64(0xFFF8'0000'0000'00AB)), vec<double>(-0.0, kCanon)),
            vec<double>(kCanon, f64(0xFFF8'0000'0000'00AB)));
  EXPECT_EQ(f64x2_sqrt(vec<double>(-kInf, snan)), vec<double>(kCanon, f64(0x7FF8'0000'0000'0001)));
}

TEST(SimdF64x2, MinMaxAndPseudoMinMax) {
  V128 a = vec<double>(-0.0, kCanon);
  V128 b = vec<double>(0.0, -1.0);
  EXPECT_EQ(f64x2_min(a, b), vec<double>(-0.0, kCanon));
  EXPECT_EQ(f64x2_max(a, b), vec<double>(0.0, kCanon));
  EXPECT_EQ(f64x2_min(b, a), vec<double>(-0.0, kCanon));
  EXPECT_EQ(f64x2_max(b, a), vec<double>(0.0, kCanon));
  EXPECT_EQ(f64x2_pmin(a, b), vec<double>(-0.0, kCanon));
  EXPECT_EQ(f64x2_pmax(a, b), vec<double>(-0.0, kCanon));
  EXPECT_EQ(f64x2_pmin(b, a), vec<double>(0.0, -1.0));
  EXPECT_EQ(f64x2_pmax(b, a), vec<double>(0.0, -1.0));
  EXPECT_EQ(f64x2_pmin(vec<double>(3, -kInf), vec<double>(2, 0)), vec<double>(2, -kInf));
  EXPECT_EQ(f64x2_pmax(vec<double>(3, -kInf), vec<double>(2, 0)), vec<double>(3, 0));
}

TEST(SimdF64x2, AbsNegAndComparisons) {
  V128 a = vec<uint64_t>(0xFFF0'0000'0000'0001, 0);
  EXPECT_EQ(f64x2_abs(a), vec<uint64_t>(0x7FF0'0000'0000'0001, 0));
  EXPECT_EQ(f64x2_neg(a), vec<uint64_t>(0x7FF0'0000'0000'0001, 0x8000'0000'0000'0000));
  V128 x = vec<double>(kCanon, -0.0);
  V128 y = vec<double>(1.0, 0.0);
  constexpr int64_t T = kTrue64;
  EXPECT_EQ(f64x2_eq(x, y), vec<int64_t>(0, T));
  EXPECT_EQ(f64x2_ne(x, y), vec<int64_t>(T, 0));
  EXPECT_EQ(f64x2_lt(x, y), vec<int64_t>(0, 0));
  EXPECT_EQ(f64x2_gt(x, y), vec<int64_t>(0, 0));
  EXPECT_EQ(f64x2_le(x, y), vec<int64_t>(0, T));
  EXPECT_EQ(f64x2_ge(x, y), vec<int64_t>(0, T));
  EXPECT_EQ(f64x2_lt(vec<double>(-kInf, 1), vec<double>(kInf, 1)), vec<int64_t>(T, 0));
}

TEST(SimdF64x2, NearestRoundsTiesToEvenWithoutTheAddHalfBug) {
  EXPECT_EQ(f64x2_nearest(vec<double>(4.5, -0.5)), vec<double>(4.0, -0.0));
  EXPECT_EQ(f64x2_nearest(vec<double>(0.49999999999999994, -1.5)), vec<double>(0.0, -2.0));
  EXPECT_EQ(f64x2_nearest(vec<double>(0x1.fffffffffffffp51, 0x1.0000000000001p52)),
            vec<double>(0x1p52, 0x1.0000000000001p52));
  EXPECT_EQ(f64x2_nearest(vec<double>(4503599627370495.5, -4503599627370494.5)),
            vec<double>(4503599627370496.0, -4503599627370494.0));
}

TEST(SimdF64x2, CeilFloorTrunc) {
  V128 a = vec<double>(-0.1, 1e300);
  EXPECT_EQ(f64x2_ceil(a), vec<double>(-0.0, 1e300));
  EXPECT_EQ(f64x2_floor(a), vec<double>(-1.0, 1e300));
  EXPECT_EQ(f64x2_trunc(a), vec<double>(-0.0, 1e300));
  V128 b = vec<double>(f64(0xFFF0'0000'0000'0002), 2.5);
  EXPECT_EQ(f64x2_ceil(b), vec<double>(f64(0xFFF8'0000'0000'0002), 3.0));
  EXPECT_EQ(f64x2_floor(b), vec<double>(f64(0xFFF8'0000'0000'0002), 2.0));
  EXPECT_EQ(f64x2_trunc(b), vec<double>(f64(0xFFF8'0000'0000'0002), 2.0));
}

TEST(SimdF64x2, ConvertLowI32x4IsExactAndIgnoresHighLanes) {
  V128 a = vec<int32_t>(-1, INT32_MIN, 7, 8);
  EXPECT_EQ(f64x2_convert_low_i32x4_s(a), vec<double>(-1.0, -2147483648.0));
  EXPECT_EQ(f64x2_convert_low_i32x4_u(a), vec<double>(4294967295.0, 2147483648.0));
}

TEST(SimdF64x2, PromoteIsExactAndQuietsNan) {
  EXPECT_EQ(f64x2_promote_low_f32x4(vec<float>(0x1p-149f, -0.0f, 9, 9)),
            vec<double>(0x1p-149, -0.0));
  EXPECT_EQ(f64x2_promote_low_f32x4(vec<uint32_t>(0x7F80'0001, 0xFFC0'0000, 0, 0)),
            vec<uint64_t>(0x7FF8'0000'2000'0000, 0xFFF8'0000'0000'0000));
  EXPECT_EQ(f64x2_promote_low_f32x4(vec<float>(kCanonF, kInfF, 0, 0)), vec<double>(kCanon, kInf));
}

}  // namespace
}  // namespace skiff::engine::interp
