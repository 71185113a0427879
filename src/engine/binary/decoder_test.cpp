#include "engine/binary/decoder.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <initializer_list>
#include <new>
#include <vector>

#include "engine/binary/sections.h"
#include "support/wasm_bytes.h"

// Byte-level tests of binary::Decoder (https://webassembly.github.io/spec/core/binary/).
// Every module is spelled out byte by byte; `section(id, payload)` only prepends the id
// and the LEB size of the payload, and `module(...)` the 8-byte header, so offsets in
// the assertions are: header 0..7, first section id at 8, its size at 9, payload at 10
// (payloads here are < 128 bytes, so every size field is one byte).
//
// Each test lists what it covers at its top.

// Largest single allocation made while `g_track_allocations` is set: hostile-count
// tests check the decoder never sizes a buffer from an unchecked count. Replacing the
// global operator new is the only portable way to observe that.
namespace {
thread_local bool g_track_allocations = false;
thread_local size_t g_largest_allocation = 0;
}  // namespace

[[gnu::noinline]] void* operator new(size_t n) {
  if (g_track_allocations && n > g_largest_allocation) g_largest_allocation = n;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { std::free(p); }
// The nothrow forms too (std::stable_sort uses them), so every allocation pairs with
// the matching release.
[[gnu::noinline]] void* operator new(size_t n, const std::nothrow_t&) noexcept {
  if (g_track_allocations && n > g_largest_allocation) g_largest_allocation = n;
  return std::malloc(n ? n : 1);
}
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace skiff::engine::binary {
namespace {

using ir::ExternKind;
using ir::Opcode;
using ir::SectionId;
using ir::SegmentMode;
using ir::ValType;
using testing::Bytes;
using testing::kHeader;
using testing::leb_u32;
using testing::module;
using testing::section;

std::unique_ptr<ir::Module> decode_ok(const Bytes& b) {
  auto r = decode(b);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  if (!r.ok()) return nullptr;
  return std::move(r).value();
}

void expect_decode_error(const Bytes& b, ErrorCode code, uint32_t offset) {
  auto r = decode(b);
  ASSERT_FALSE(r.ok()) << "module was accepted";
  EXPECT_EQ(r.error().code(), code) << r.error().to_string();
  EXPECT_EQ(r.error().offset(), offset) << r.error().to_string();
}

// Decoding `b` fails with `code` at `offset`, and no single allocation on the way was
// sized from the hostile count (all stay under 64 KiB).
void expect_error_without_big_allocation(const Bytes& b, ErrorCode code, uint32_t offset) {
  g_largest_allocation = 0;
  g_track_allocations = true;
  auto r = decode(b);
  g_track_allocations = false;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), code);
  EXPECT_EQ(r.error().offset(), offset);
  EXPECT_LT(g_largest_allocation, 64u * 1024);
}

// Sections shared by several tests.
const Bytes kTypeVoid = section(0x01, {0x01,               // 1 type
                                       0x60, 0x00, 0x00});  // [] -> []
const Bytes kOneFunc = section(0x03, {0x01, 0x00});         // 1 function of type 0
const Bytes kOneEmptyBody = section(0x0A, {0x01,            // 1 body
                                           0x02, 0x00, 0x0B});  // size 2, no locals, end

// The hostile-count tests below are only meaningful if the tracker sees allocations.
TEST(DecoderAllocationTracker, SeesLargeAllocations) {
  g_largest_allocation = 0;
  g_track_allocations = true;
  std::vector<uint8_t> big;
  big.reserve(1 << 20);
  g_track_allocations = false;
  EXPECT_GE(g_largest_allocation, size_t{1} << 20);
}

// ================================ header ==========================================

// Covers: empty input, truncated magic, wrong magic, wrong version (full and partial),
// truncated version, a header-only module.
TEST(DecoderHeader, RejectsEmptyInput) { expect_decode_error({}, ErrorCode::UnexpectedEnd, 0); }

TEST(DecoderHeader, RejectsTruncatedMagic) {
  expect_decode_error({0x00, 0x61, 0x73}, ErrorCode::UnexpectedEnd, 3);
}

TEST(DecoderHeader, RejectsWrongMagic) {
  expect_decode_error({0x61, 0x73, 0x6D, 0x00, 0x01, 0x00, 0x00, 0x00},  // "asm\0"
                      ErrorCode::MagicHeaderNotDetected, 0);
  expect_decode_error({0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00},  // "\0asn"
                      ErrorCode::MagicHeaderNotDetected, 0);
}

TEST(DecoderHeader, RejectsWrongVersion) {
  expect_decode_error({0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00},  // version 2
                      ErrorCode::UnknownBinaryVersion, 4);
  expect_decode_error({0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x01},  // 0x01000001
                      ErrorCode::UnknownBinaryVersion, 4);
  // The wrong byte is seen before the version is complete.
  expect_decode_error({0x00, 0x61, 0x73, 0x6D, 0x0D}, ErrorCode::UnknownBinaryVersion, 4);
}

TEST(DecoderHeader, RejectsTruncatedVersion) {
  expect_decode_error({0x00, 0x61, 0x73, 0x6D}, ErrorCode::UnexpectedEnd, 4);
  expect_decode_error({0x00, 0x61, 0x73, 0x6D, 0x01, 0x00}, ErrorCode::UnexpectedEnd, 6);
}

TEST(DecoderHeader, AcceptsHeaderOnlyModule) {
  auto m = decode_ok(kHeader);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->sections.empty());
  EXPECT_TRUE(m->types.empty());
  EXPECT_TRUE(m->funcs.empty());
  EXPECT_FALSE(m->start.has_value());
  EXPECT_FALSE(m->data_count.has_value());
  EXPECT_EQ(m->bytes, kHeader);
}

// ================================ type section ====================================

// Covers: several function types with params/results of every value type, the
// section's recorded payload range.
TEST(DecoderTypes, DecodesFunctionTypes) {
  auto m = decode_ok(module({section(0x01, {
      0x02,                                    // 2 types
      0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D,      // (i32 i64) -> (f32)
      0x60, 0x00, 0x04, 0x7C, 0x7B, 0x70, 0x6F,  // () -> (f64 v128 funcref externref)
  })}));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->types.size(), 2u);
  EXPECT_EQ(m->types[0].params, (std::vector<ValType>{ValType::I32, ValType::I64}));
  EXPECT_EQ(m->types[0].results, (std::vector<ValType>{ValType::F32}));
  EXPECT_TRUE(m->types[1].params.empty());
  EXPECT_EQ(m->types[1].results, (std::vector<ValType>{ValType::F64, ValType::V128,
                                                       ValType::FuncRef, ValType::ExternRef}));
  ASSERT_EQ(m->sections.size(), 1u);
  EXPECT_EQ(m->sections[0].id, SectionId::Type);
  EXPECT_EQ(m->sections[0].payload.offset, 10u);
  EXPECT_EQ(m->sections[0].payload.size, 14u);
}

// Covers: a form byte other than 0x60, an unknown value type.
TEST(DecoderTypes, RejectsMalformedFunctionTypeForm) {
  expect_decode_error(module({section(0x01, {0x01,                // 1 type
                                             0x61, 0x00, 0x00})}),  // form 0x61 @11
                      ErrorCode::MalformedFunctionType, 11);
}

TEST(DecoderTypes, RejectsUnknownValueType) {
  expect_decode_error(module({section(0x01, {0x01,                      // 1 type
                                             0x60, 0x01, 0x7A, 0x00})}),  // param 0x7A @13
                      ErrorCode::MalformedValueType, 13);
}

// Covers: hostile counts. A type count of 0xFFFFFFFF in a 20-byte module fails at once
// with an implementation limit; a count just under the limit fails at the real end of
// the section; neither allocates more than the bytes could encode.
TEST(DecoderTypes, HugeTypeCountFailsFastWithoutHugeAllocation) {
  Bytes b = module({{0x01, 0x0A,                    // type section, 10 bytes
                     0xFF, 0xFF, 0xFF, 0xFF, 0x0F,  // 0xFFFFFFFF types @10
                     0x60, 0x00, 0x00, 0x60, 0x00}});
  ASSERT_EQ(b.size(), 20u);
  expect_error_without_big_allocation(b, ErrorCode::ImplementationLimit, 10u);
}

TEST(DecoderTypes, LargeTypeCountUnderLimitReservesOnlyWhatBytesAllow) {
  Bytes b = module({section(0x01, {0xBF, 0x84, 0x3D,    // 999'999 types
                                   0x60, 0x00, 0x00})});  // only one follows, ends @16
  expect_error_without_big_allocation(b, ErrorCode::UnexpectedEndOfSection, 16u);
}

TEST(DecoderTypes, HugeParamCountIsAnImplementationLimit) {
  expect_decode_error(module({section(0x01, {0x01, 0x60,                           // 1 type
                                             0xFF, 0xFF, 0xFF, 0xFF, 0x0F})}),  // params @12
                      ErrorCode::ImplementationLimit, 12);
}

// ================================ import section ==================================

// Covers: one import of each kind, the index spaces they open, per-import offsets.
TEST(DecoderImports, DecodesEveryKind) {
  auto m = decode_ok(module({
      kTypeVoid,                                              // @8..13
      section(0x02, {0x04,                                    // 4 imports @16
                     0x01, 'm', 0x01, 'f', 0x00, 0x00,        // func m.f: type 0 @17
                     0x01, 'm', 0x01, 't', 0x01, 0x70, 0x01, 0x01, 0x0A,  // table funcref 1..10
                     0x01, 'm', 0x03, 'm', 'e', 'm', 0x02, 0x00, 0x01,    // memory 1..
                     0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x01}),           // global (mut i32)
  }));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->imports.size(), 4u);
  EXPECT_EQ(m->imports[0].module, "m");
  EXPECT_EQ(m->imports[0].name, "f");
  EXPECT_EQ(m->imports[0].kind, ExternKind::Func);
  EXPECT_EQ(m->imports[0].func_type, ir::TypeIdx(0));
  EXPECT_EQ(m->imports[0].offset, 17u);
  EXPECT_EQ(m->imports[1].kind, ExternKind::Table);
  EXPECT_EQ(m->imports[1].table.elem, ValType::FuncRef);
  EXPECT_EQ(m->imports[1].table.limits, (ir::Limits{1, 10}));
  EXPECT_EQ(m->imports[1].offset, 23u);
  EXPECT_EQ(m->imports[2].name, "mem");
  EXPECT_EQ(m->imports[2].kind, ExternKind::Memory);
  EXPECT_EQ(m->imports[2].memory.limits, (ir::Limits{1, std::nullopt}));
  EXPECT_EQ(m->imports[3].kind, ExternKind::Global);
  EXPECT_EQ(m->imports[3].global.type, ValType::I32);
  EXPECT_TRUE(m->imports[3].global.is_mutable);

  EXPECT_EQ(m->imported_funcs, 1u);
  EXPECT_EQ(m->imported_tables, 1u);
  EXPECT_EQ(m->imported_memories, 1u);
  EXPECT_EQ(m->imported_globals, 1u);
  ASSERT_EQ(m->funcs.size(), 1u);
  EXPECT_EQ(m->funcs[0], ir::TypeIdx(0));
  ASSERT_EQ(m->tables.size(), 1u);
  ASSERT_EQ(m->memories.size(), 1u);
  ASSERT_EQ(m->globals.size(), 1u);
  EXPECT_EQ(m->defined_funcs(), 0u);
}

// Covers: import kind 4, mutability 2, limits flags 2 and 0x80, a table import with a
// non-reference element type, a module name that is not UTF-8, a name longer than the
// section.
TEST(DecoderImports, RejectsUnknownImportKind) {
  expect_decode_error(module({section(0x02, {0x01,            // 1 import
                                             0x01, 'm',       // "m"
                                             0x01, 'x',       // "x"
                                             0x04})}),        // kind 4 @15
                      ErrorCode::MalformedImportKind, 15);
}

TEST(DecoderImports, RejectsBadMutability) {
  expect_decode_error(module({section(0x02, {0x01, 0x01, 'm', 0x01, 'g',  // "m" "g"
                                             0x03, 0x7F,                // global i32
                                             0x02})}),                  // mut 2 @17
                      ErrorCode::MalformedMutability, 17);
}

TEST(DecoderImports, RejectsBadLimitsFlags) {
  expect_decode_error(module({section(0x02, {0x01, 0x01, 'm', 0x01, 'n',  // "m" "n"
                                             0x02,                      // memory
                                             0x02, 0x00})}),            // flags 2 @16
                      ErrorCode::IntegerTooLarge, 16);
  expect_decode_error(module({section(0x02, {0x01, 0x01, 'm', 0x01, 'n',  // "m" "n"
                                             0x02,                      // memory
                                             0x80, 0x00})}),            // flags 0x80 @16
                      ErrorCode::IntegerTooLong, 16);
}

TEST(DecoderImports, RejectsNonReferenceTableElementType) {
  expect_decode_error(module({section(0x02, {0x01, 0x01, 'm', 0x01, 't',  // "m" "t"
                                             0x01,                      // table
                                             0x7F,                      // i32 @16
                                             0x00, 0x01})}),
                      ErrorCode::MalformedReferenceType, 16);
}

TEST(DecoderImports, RejectsNonUtf8Name) {
  expect_decode_error(module({section(0x02, {0x01,
                                             0x01, 0xFF,               // module name @11..12
                                             0x01, 'f', 0x00, 0x00})}),
                      ErrorCode::MalformedUtf8, 12);
}

TEST(DecoderImports, RejectsNameLongerThanSection) {
  expect_decode_error(module({section(0x02, {0x01,
                                             0x10, 'm'})}),  // 16-byte name, 1 byte left
                      ErrorCode::LengthOutOfBounds, 12);
}

// ============================ function / table / memory ===========================

// Covers: function section type indices (not yet checked against the type section),
// the defined function count.
TEST(DecoderFunctions, DecodesTypeIndices) {
  auto m = decode_ok(module({
      section(0x01, {0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x00}),  // 2 types
      section(0x03, {0x03, 0x01, 0x00, 0x01}),                          // funcs: 1 0 1
      section(0x0A, {0x03, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B}),
  }));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->funcs.size(), 3u);
  EXPECT_EQ(m->funcs[0], ir::TypeIdx(1));
  EXPECT_EQ(m->funcs[1], ir::TypeIdx(0));
  EXPECT_EQ(m->funcs[2], ir::TypeIdx(1));
  EXPECT_EQ(m->defined_funcs(), 3u);
  EXPECT_EQ(m->codes.size(), 3u);
}

// Covers: funcref and externref tables, limits with and without max.
TEST(DecoderTables, DecodesTables) {
  auto m = decode_ok(module({section(0x04, {0x02,                     // 2 tables
                                            0x70, 0x00, 0x01,         // funcref 1..
                                            0x6F, 0x01, 0x00, 0x05})})); // externref 0..5
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->tables.size(), 2u);
  EXPECT_EQ(m->tables[0].elem, ValType::FuncRef);
  EXPECT_EQ(m->tables[0].limits, (ir::Limits{1, std::nullopt}));
  EXPECT_EQ(m->tables[1].elem, ValType::ExternRef);
  EXPECT_EQ(m->tables[1].limits, (ir::Limits{0, 5}));
  EXPECT_EQ(m->imported_tables, 0u);
}

// Covers: memory limits with max, and an out-of-range size that decodes (validation
// rejects it, not the decoder).
TEST(DecoderMemories, DecodesLimits) {
  auto m = decode_ok(module({section(0x05, {0x01, 0x01, 0x01, 0x02})}));  // 1..2
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->memories.size(), 1u);
  EXPECT_EQ(m->memories[0].limits, (ir::Limits{1, 2}));

  auto big = decode_ok(module({section(0x05, {0x01, 0x00,                          // min only
                                              0xFF, 0xFF, 0xFF, 0xFF, 0x0F})}));  // 2^32-1
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->memories[0].limits.min, 0xFFFFFFFFu);
  EXPECT_FALSE(big->memories[0].limits.max.has_value());
}

// ================================ global section ==================================

// Covers: globals of every value type, each constant instruction with its decoded
// immediate (s32/s64 sign, raw float bits, v128 bytes, ref.null type, ref.func and
// global.get indices), the expression offsets.
TEST(DecoderGlobals, DecodesEveryConstantInstruction) {
  auto m = decode_ok(module({section(0x06, {
      0x08,                                                  // 8 globals
      0x7F, 0x00, 0x41, 0x2A, 0x0B,                          // i32 = i32.const 42 (init @13)
      0x7E, 0x01, 0x42, 0x7F, 0x0B,                          // mut i64 = i64.const -1
      0x7D, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3F, 0x0B,        // f32 = 1.0
      0x7C, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x0B,  // f64 = 1.0
      0x7B, 0x00, 0xFD, 0x0C,                                // v128 = v128.const
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x0B,
      0x6F, 0x00, 0xD0, 0x6F, 0x0B,                          // externref = ref.null extern
      0x70, 0x00, 0xD2, 0x03, 0x0B,                          // funcref = ref.func 3
      0x7F, 0x00, 0x23, 0x00, 0x0B,                          // i32 = global.get 0
  })}));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->globals.size(), 8u);
  ASSERT_EQ(m->global_inits.size(), 8u);
  EXPECT_EQ(m->globals[0].type, ValType::I32);
  EXPECT_FALSE(m->globals[0].is_mutable);
  EXPECT_EQ(m->globals[1].type, ValType::I64);
  EXPECT_TRUE(m->globals[1].is_mutable);
  for (const auto& init : m->global_inits) ASSERT_EQ(init.instrs.size(), 1u);

  EXPECT_EQ(m->global_inits[0].offset, 13u);
  EXPECT_EQ(m->global_inits[0].instrs[0].op, Opcode::I32Const);
  EXPECT_EQ(m->global_inits[0].instrs[0].bits, 42u);
  EXPECT_EQ(m->global_inits[1].instrs[0].op, Opcode::I64Const);
  EXPECT_EQ(m->global_inits[1].instrs[0].bits, ~uint64_t{0});
  EXPECT_EQ(m->global_inits[2].instrs[0].op, Opcode::F32Const);
  EXPECT_EQ(m->global_inits[2].instrs[0].bits, 0x3F800000u);
  EXPECT_EQ(m->global_inits[3].instrs[0].op, Opcode::F64Const);
  EXPECT_EQ(m->global_inits[3].instrs[0].bits, 0x3FF0000000000000ull);
  EXPECT_EQ(m->global_inits[4].instrs[0].op, Opcode::V128Const);
  ir::V128 expected_v128;
  for (uint8_t i = 0; i < 16; ++i) expected_v128.bytes[i] = i;
  EXPECT_EQ(m->global_inits[4].instrs[0].v128, expected_v128);
  EXPECT_EQ(m->global_inits[5].instrs[0].op, Opcode::RefNull);
  EXPECT_EQ(m->global_inits[5].instrs[0].ref_type, ValType::ExternRef);
  EXPECT_EQ(m->global_inits[6].instrs[0].op, Opcode::RefFunc);
  EXPECT_EQ(m->global_inits[6].instrs[0].index, 3u);
  EXPECT_EQ(m->global_inits[7].instrs[0].op, Opcode::GlobalGet);
  EXPECT_EQ(m->global_inits[7].instrs[0].index, 0u);
  EXPECT_EQ(m->globals[7].type, ValType::I32);
}

// Covers: a non-constant instruction in an initializer is decoded (and left for the
// validator to reject), with all its instructions in order.
TEST(DecoderGlobals, KeepsNonConstantInstructionsForTheValidator) {
  auto m = decode_ok(module({section(0x06, {0x01,              // 1 global
                                            0x7F, 0x00,        // i32
                                            0x41, 0x01,        // i32.const 1
                                            0x41, 0x02,        // i32.const 2
                                            0x6A,              // i32.add
                                            0x0B})}));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->global_inits[0].instrs.size(), 3u);
  EXPECT_EQ(m->global_inits[0].instrs[2].op, Opcode::I32Add);
}

// Covers: an illegal opcode, a missing `end`, a bad ref.null type, a 65-instruction
// expression (implementation limit).
TEST(DecoderGlobals, RejectsIllegalOpcodeInInitializer) {
  expect_decode_error(module({section(0x06, {0x01, 0x7F, 0x00,
                                             0xFF,          // illegal @13
                                             0x0B})}),
                      ErrorCode::IllegalOpcode, 13);
}

TEST(DecoderGlobals, RejectsInitializerWithoutEnd) {
  expect_decode_error(module({section(0x06, {0x01, 0x7F, 0x00,
                                             0x41, 0x00})}),  // i32.const 0, section ends @15
                      ErrorCode::UnexpectedEndOfSection, 15);
}

TEST(DecoderGlobals, RejectsBadRefNullType) {
  expect_decode_error(module({section(0x06, {0x01, 0x70, 0x00,
                                             0xD0, 0x7F,     // ref.null i32 (type @14)
                                             0x0B})}),
                      ErrorCode::MalformedReferenceType, 14);
}

TEST(DecoderGlobals, RejectsOverlongInitializer) {
  Bytes payload = {0x01, 0x7F, 0x00};             // 1 global, i32
  for (int i = 0; i < 65; ++i) payload.push_back(0x01);  // 65 x nop (nop is @13 + i)
  payload.push_back(0x0B);
  expect_decode_error(module({section(0x06, payload)}), ErrorCode::ImplementationLimit, 13 + 64);
}

// ================================ export section ==================================

// Covers: exports of every kind with names, indices and per-export offsets; kind 4.
TEST(DecoderExports, DecodesEveryKind) {
  auto m = decode_ok(module({section(0x07, {0x04,                      // 4 exports
                                            0x01, 'f', 0x00, 0x00,     // func 0 @11
                                            0x02, 't', 't', 0x01, 0x01,  // table 1 @15
                                            0x01, 'm', 0x02, 0x00,     // memory 0
                                            0x01, 'g', 0x03, 0x05})}));  // global 5
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->exports.size(), 4u);
  EXPECT_EQ(m->exports[0].name, "f");
  EXPECT_EQ(m->exports[0].kind, ExternKind::Func);
  EXPECT_EQ(m->exports[0].index, 0u);
  EXPECT_EQ(m->exports[0].offset, 11u);
  EXPECT_EQ(m->exports[1].name, "tt");
  EXPECT_EQ(m->exports[1].kind, ExternKind::Table);
  EXPECT_EQ(m->exports[1].index, 1u);
  EXPECT_EQ(m->exports[1].offset, 15u);
  EXPECT_EQ(m->exports[2].kind, ExternKind::Memory);
  EXPECT_EQ(m->exports[3].kind, ExternKind::Global);
  EXPECT_EQ(m->exports[3].index, 5u);
}

TEST(DecoderExports, RejectsUnknownExportKind) {
  expect_decode_error(module({section(0x07, {0x01, 0x01, 'f',
                                             0x04,           // kind 4 @13
                                             0x00})}),
                      ErrorCode::MalformedExportKind, 13);
}

// ================================ start section ===================================

// Covers: the start index; trailing bytes inside the start section.
TEST(DecoderStart, DecodesStartIndex) {
  auto m = decode_ok(module({section(0x08, {0x81, 0x01})}));  // start 129 (2-byte LEB)
  ASSERT_NE(m, nullptr);
  ASSERT_TRUE(m->start.has_value());
  EXPECT_EQ(*m->start, ir::FuncIdx(129));
}

TEST(DecoderStart, RejectsTrailingBytes) {
  expect_decode_error(module({section(0x08, {0x00,          // start 0
                                             0x00})}),      // extra byte @11
                      ErrorCode::SectionSizeMismatch, 11);
}

// ================================ element section =================================

// Covers: all 8 element segment encodings
// (https://webassembly.github.io/spec/core/binary/modules.html#element-section): mode,
// table, element type, index vs expression form, offsets and contents.
TEST(DecoderElements, DecodesAllEightEncodings) {
  auto m = decode_ok(module({section(0x09, {
      0x08,                                      // 8 segments
      0x00, 0x41, 0x00, 0x0B, 0x01, 0x00,        // 0: active t0 @i32.const 0, funcs [0]  (@11)
      0x01, 0x00, 0x02, 0x00, 0x01,              // 1: passive, elemkind, funcs [0 1]
      0x02, 0x01, 0x41, 0x02, 0x0B, 0x00, 0x01, 0x01,  // 2: active t1 @2, elemkind, [1]
      0x03, 0x00, 0x01, 0x00,                    // 3: declarative, elemkind, [0]
      0x04, 0x41, 0x03, 0x0B,                    // 4: active t0 @3,
      0x02, 0xD2, 0x00, 0x0B, 0xD0, 0x70, 0x0B,  //    exprs [ref.func 0, ref.null func]
      0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B,        // 5: passive externref [ref.null extern]
      0x06, 0x01, 0x41, 0x04, 0x0B, 0x70,        // 6: active t1 @4 funcref
      0x01, 0xD2, 0x01, 0x0B,                    //    exprs [ref.func 1]
      0x07, 0x70, 0x01, 0xD2, 0x00, 0x0B,        // 7: declarative funcref [ref.func 0]
  })}));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->elems.size(), 8u);
  const auto& e = m->elems;

  EXPECT_EQ(e[0].offset, 11u);
  EXPECT_EQ(e[0].mode, SegmentMode::Active);
  EXPECT_EQ(e[0].table, ir::TableIdx(0));
  EXPECT_EQ(e[0].type, ValType::FuncRef);
  EXPECT_FALSE(e[0].uses_exprs);
  ASSERT_EQ(e[0].offset_expr.instrs.size(), 1u);
  EXPECT_EQ(e[0].offset_expr.instrs[0].bits, 0u);
  EXPECT_EQ(e[0].func_indices, (std::vector<ir::FuncIdx>{ir::FuncIdx(0)}));

  EXPECT_EQ(e[1].mode, SegmentMode::Passive);
  EXPECT_EQ(e[1].type, ValType::FuncRef);
  EXPECT_EQ(e[1].func_indices, (std::vector<ir::FuncIdx>{ir::FuncIdx(0), ir::FuncIdx(1)}));
  EXPECT_EQ(e[1].size(), 2u);

  EXPECT_EQ(e[2].mode, SegmentMode::Active);
  EXPECT_EQ(e[2].table, ir::TableIdx(1));
  EXPECT_EQ(e[2].offset_expr.instrs[0].bits, 2u);
  EXPECT_EQ(e[2].func_indices, (std::vector<ir::FuncIdx>{ir::FuncIdx(1)}));

  EXPECT_EQ(e[3].mode, SegmentMode::Declarative);
  EXPECT_FALSE(e[3].uses_exprs);
  EXPECT_EQ(e[3].size(), 1u);

  EXPECT_EQ(e[4].mode, SegmentMode::Active);
  EXPECT_EQ(e[4].table, ir::TableIdx(0));
  EXPECT_EQ(e[4].type, ValType::FuncRef);
  EXPECT_TRUE(e[4].uses_exprs);
  EXPECT_EQ(e[4].offset_expr.instrs[0].bits, 3u);
  ASSERT_EQ(e[4].exprs.size(), 2u);
  EXPECT_EQ(e[4].exprs[0].instrs[0].op, Opcode::RefFunc);
  EXPECT_EQ(e[4].exprs[1].instrs[0].op, Opcode::RefNull);
  EXPECT_EQ(e[4].exprs[1].instrs[0].ref_type, ValType::FuncRef);

  EXPECT_EQ(e[5].mode, SegmentMode::Passive);
  EXPECT_EQ(e[5].type, ValType::ExternRef);
  EXPECT_TRUE(e[5].uses_exprs);
  ASSERT_EQ(e[5].exprs.size(), 1u);
  EXPECT_EQ(e[5].exprs[0].instrs[0].ref_type, ValType::ExternRef);

  EXPECT_EQ(e[6].mode, SegmentMode::Active);
  EXPECT_EQ(e[6].table, ir::TableIdx(1));
  EXPECT_EQ(e[6].type, ValType::FuncRef);
  EXPECT_EQ(e[6].offset_expr.instrs[0].bits, 4u);
  ASSERT_EQ(e[6].exprs.size(), 1u);
  EXPECT_EQ(e[6].exprs[0].instrs[0].index, 1u);

  EXPECT_EQ(e[7].mode, SegmentMode::Declarative);
  EXPECT_EQ(e[7].type, ValType::FuncRef);
  EXPECT_TRUE(e[7].uses_exprs);
  EXPECT_EQ(e[7].size(), 1u);
}

// Covers: flags 8, an elemkind other than 0x00, a bad reftype in an expression segment.
TEST(DecoderElements, RejectsUnknownFlags) {
  expect_decode_error(module({section(0x09, {0x01, 0x08})}),  // flags 8 @11
                      ErrorCode::MalformedElementFlags, 11);
}

TEST(DecoderElements, RejectsUnknownElemKind) {
  expect_decode_error(module({section(0x09, {0x01, 0x01,     // passive
                                             0x01,           // elemkind 1 @12
                                             0x00})}),
                      ErrorCode::MalformedElementKind, 12);
}

TEST(DecoderElements, RejectsNonReferenceTypeInExpressionSegment) {
  expect_decode_error(module({section(0x09, {0x01, 0x05,     // passive, exprs
                                             0x7F,           // i32 @12
                                             0x00})}),
                      ErrorCode::MalformedReferenceType, 12);
}

// Covers: a huge element count is bounded by the bytes left before allocating.
TEST(DecoderElements, HugeFunctionIndexCountDoesNotAllocateForIt) {
  Bytes b = module({section(0x09, {0x01, 0x01, 0x00,            // passive funcref
                                   0xFF, 0xFF, 0xFF, 0x03,      // 8'388'607 indices
                                   0x00})});                    // one index, ends @18
  expect_error_without_big_allocation(b, ErrorCode::UnexpectedEndOfSection, 18u);
}

// ================================ data section ====================================

// Covers: the 3 data segment encodings, payload ranges pointing into the module bytes.
TEST(DecoderData, DecodesAllThreeEncodings) {
  auto m = decode_ok(module({section(0x0B, {
      0x03,                                       // 3 segments
      0x00, 0x41, 0x08, 0x0B, 0x02, 'h', 'i',     // 0: active mem 0 @8 "hi"  (@11)
      0x01, 0x03, 'a', 'b', 'c',                  // 1: passive "abc"
      0x02, 0x00, 0x41, 0x10, 0x0B, 0x01, 'z',    // 2: active explicit mem 0 @16 "z"
  })}));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->datas.size(), 3u);
  const auto& d = m->datas;
  auto text = [&](const ir::DataSegment& s) {
    auto r = m->range(s.init);
    return std::string(r.begin(), r.end());
  };
  EXPECT_EQ(d[0].offset, 11u);
  EXPECT_EQ(d[0].mode, SegmentMode::Active);
  EXPECT_EQ(d[0].memory, ir::MemIdx(0));
  EXPECT_EQ(d[0].offset_expr.instrs[0].bits, 8u);
  EXPECT_EQ(d[0].init.offset, 16u);
  EXPECT_EQ(d[0].init.size, 2u);
  EXPECT_EQ(text(d[0]), "hi");
  EXPECT_EQ(d[1].mode, SegmentMode::Passive);
  EXPECT_EQ(text(d[1]), "abc");
  EXPECT_EQ(d[2].mode, SegmentMode::Active);
  EXPECT_EQ(d[2].offset_expr.instrs[0].bits, 16u);
  EXPECT_EQ(text(d[2]), "z");
  EXPECT_FALSE(m->data_count.has_value());
}

// Covers: data flags 3; a payload length past the section end.
TEST(DecoderData, RejectsUnknownFlags) {
  expect_decode_error(module({section(0x0B, {0x01, 0x03, 0x00})}),  // flags 3 @11
                      ErrorCode::MalformedDataFlags, 11);
}

TEST(DecoderData, RejectsPayloadLongerThanSection) {
  expect_decode_error(module({section(0x0B, {0x01, 0x01,        // passive
                                             0x05, 'a', 'b'})}),  // 5 bytes declared @12
                      ErrorCode::UnexpectedEndOfSection, 13);
}

// ================================ data count ======================================

// Covers: a data count matching the data section; mismatching it (count at the data
// section's count); a data count without a data section; a zero count without one.
TEST(DecoderDataCount, DecodesMatchingCount) {
  auto m = decode_ok(module({section(0x0C, {0x02}),                       // datacount 2
                             section(0x0B, {0x02, 0x01, 0x00, 0x01, 0x01, 'x'})}));
  ASSERT_NE(m, nullptr);
  ASSERT_TRUE(m->data_count.has_value());
  EXPECT_EQ(*m->data_count, 2u);
  EXPECT_EQ(m->datas.size(), 2u);
}

TEST(DecoderDataCount, RejectsDataSectionWithOtherCount) {
  expect_decode_error(module({section(0x0C, {0x02}),                    // @8..10
                              section(0x0B, {0x01, 0x01, 0x00})}),       // 1 segment @13
                      ErrorCode::DataCountMismatch, 13);
}

TEST(DecoderDataCount, RejectsCountWithoutDataSection) {
  Bytes b = module({section(0x0C, {0x01})});
  expect_decode_error(b, ErrorCode::DataCountMismatch, static_cast<uint32_t>(b.size()));
}

TEST(DecoderDataCount, AcceptsZeroCountWithoutDataSection) {
  auto m = decode_ok(module({section(0x0C, {0x00})}));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->data_count, std::optional<uint32_t>(0));
}

// ================================ code section ====================================

// Covers: local declarations (runs, a zero-count run dropped, total count), body byte
// range, offset of the first instruction.
TEST(DecoderCode, DecodesLocalsAndBodyRanges) {
  auto m = decode_ok(module({
      kTypeVoid,                                     // @8..13
      section(0x03, {0x02, 0x00, 0x00}),             // 2 functions @14..18
      section(0x0A, {0x02,                           // 2 bodies @21
                     0x08,                           // body 0: 8 bytes @22
                     0x03,                           //   3 local groups @23
                     0x01, 0x7F,                     //   1 i32
                     0x00, 0x7E,                     //   0 i64
                     0x02, 0x7C,                     //   2 f64
                     0x0B,                           //   end @30
                     0x04, 0x00, 0x01, 0x01, 0x0B}),  // body 1: no locals, nop nop end @32
  }));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->codes.size(), 2u);
  const auto& c0 = m->codes[0];
  EXPECT_EQ(c0.body.offset, 23u);
  EXPECT_EQ(c0.body.size, 8u);
  EXPECT_EQ(c0.code_offset, 30u);
  EXPECT_EQ(c0.local_count, 3u);
  ASSERT_EQ(c0.locals.size(), 2u);
  EXPECT_EQ(c0.locals[0].count, 1u);
  EXPECT_EQ(c0.locals[0].type, ValType::I32);
  EXPECT_EQ(c0.locals[1].count, 2u);
  EXPECT_EQ(c0.locals[1].type, ValType::F64);
  const auto& c1 = m->codes[1];
  EXPECT_EQ(c1.body.offset, 32u);
  EXPECT_EQ(c1.body.size, 4u);
  EXPECT_EQ(c1.code_offset, 33u);
  EXPECT_EQ(c1.local_count, 0u);
  EXPECT_TRUE(c1.locals.empty());
}

// Covers: more than 50'000 locals in one run, across two runs, 0xFFFFFFFF, exactly
// the limit; a hostile local-group count.
TEST(DecoderCode, RejectsTooManyLocalsInOneRun) {
  expect_decode_error(module({kTypeVoid, kOneFunc,            // @8..17
                              section(0x0A, {0x01, 0x06,      // 1 body of 6 bytes @20,21
                                             0x01,            // 1 group @22
                                             0xD1, 0x86, 0x03,  // 50'001 @23
                                             0x7F, 0x0B})}),
                      ErrorCode::TooManyLocals, 23);
  expect_decode_error(module({kTypeVoid, kOneFunc,
                              section(0x0A, {0x01, 0x08, 0x01,
                                             0xFF, 0xFF, 0xFF, 0xFF, 0x0F,  // 2^32-1 @23
                                             0x7F, 0x0B})}),
                      ErrorCode::TooManyLocals, 23);
}

TEST(DecoderCode, RejectsTooManyLocalsAcrossRuns) {
  expect_decode_error(module({kTypeVoid, kOneFunc,
                              section(0x0A, {0x01, 0x08,
                                             0x02,                    // 2 groups @22
                                             0xD0, 0x86, 0x03, 0x7F,  // 50'000 i32 @23
                                             0x01, 0x7E,              // 1 i64 @27
                                             0x0B})}),
                      ErrorCode::TooManyLocals, 27);
}

TEST(DecoderCode, AcceptsExactlyTheLocalLimit) {
  auto m = decode_ok(module({kTypeVoid, kOneFunc,
                             section(0x0A, {0x01, 0x06, 0x01,
                                            0xD0, 0x86, 0x03, 0x7F,  // 50'000 i32
                                            0x0B})}));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->codes[0].local_count, kMaxLocals);
}

TEST(DecoderCode, HugeLocalGroupCountDoesNotAllocateForIt) {
  Bytes b = module({kTypeVoid, kOneFunc,
                    section(0x0A, {0x01, 0x06,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0x0F,  // 2^32-1 groups @22
                                   0x0B})});                    // group 1: count 11, no type
  expect_error_without_big_allocation(b, ErrorCode::UnexpectedEndOfSection, 28u);
}

TEST(DecoderCode, RejectsBadLocalType) {
  expect_decode_error(module({kTypeVoid, kOneFunc,
                              section(0x0A, {0x01, 0x04, 0x01, 0x01,
                                             0x40,            // not a value type @24
                                             0x0B})}),
                      ErrorCode::MalformedValueType, 24);
}

// Covers: function/code count mismatch (code count at its offset; functions without a
// code section at the end; a code section without functions).
TEST(DecoderCode, RejectsCodeCountOtherThanFunctionCount) {
  expect_decode_error(module({kTypeVoid,
                              section(0x03, {0x02, 0x00, 0x00}),      // 2 functions
                              section(0x0A, {0x01, 0x02, 0x00, 0x0B})}),  // 1 body, count @21
                      ErrorCode::FunctionCodeMismatch, 21);
}

TEST(DecoderCode, RejectsFunctionsWithoutCodeSection) {
  Bytes b = module({kTypeVoid, kOneFunc});
  expect_decode_error(b, ErrorCode::FunctionCodeMismatch, static_cast<uint32_t>(b.size()));
}

TEST(DecoderCode, RejectsCodeSectionWithoutFunctions) {
  expect_decode_error(module({kTypeVoid, kOneEmptyBody}),  // code count @16
                      ErrorCode::FunctionCodeMismatch, 16);
}

TEST(DecoderCode, AcceptsEmptyCodeSectionWithoutFunctions) {
  auto m = decode_ok(module({section(0x0A, {0x00})}));
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->codes.empty());
  ASSERT_EQ(m->sections.size(), 1u);
  EXPECT_EQ(m->sections[0].id, SectionId::Code);
}

// Covers: a body running past its section; bytes left in the code section after the
// last body; a body above the implementation size limit.
TEST(DecoderCode, RejectsBodyLongerThanSection) {
  expect_decode_error(module({kTypeVoid, kOneFunc,
                              {0x0A, 0x04,               // code section, 4 bytes @18
                               0x01,                     // 1 body
                               0x05,                     // size 5 @21, body @22
                               0x00, 0x0B},              // only 2 bytes in the section
                              {0x00, 0x00, 0x00}}),       // (module bytes after it)
                      ErrorCode::UnexpectedEndOfSection, 22);
}

TEST(DecoderCode, RejectsBytesAfterLastBody) {
  expect_decode_error(module({kTypeVoid, kOneFunc,
                              section(0x0A, {0x01, 0x02, 0x00, 0x0B,
                                             0x00})}),  // extra byte @24
                      ErrorCode::SectionSizeMismatch, 24);
}

TEST(DecoderCode, RejectsBodyAboveSizeLimit) {
  expect_decode_error(module({kTypeVoid, kOneFunc,
                              section(0x0A, {0x01,
                                             0xB2, 0x97, 0xD3, 0x03,  // 7'654'322 @21
                                             0x00, 0x0B})}),
                      ErrorCode::ImplementationLimit, 21);
}

// ================================ custom sections =================================

// Covers: custom sections before, between and after known sections (they do not take
// part in the ordering), their names and payload ranges; an empty custom payload.
TEST(DecoderCustom, AcceptsCustomSectionsAnywhere) {
  auto m = decode_ok(module({
      section(0x00, {0x01, 'a', 0x01, 0x02, 0x03}),  // custom "a" @8, payload @10
      kTypeVoid,
      section(0x00, {0x01, 'b'}),                    // custom "b", nothing after the name
      kOneFunc,
      kOneEmptyBody,
      section(0x00, {0x01, 'c', 0xFF}),              // custom "c" after the code section
  }));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->sections.size(), 6u);
  EXPECT_EQ(m->sections[0].id, SectionId::Custom);
  EXPECT_EQ(m->sections[0].name, "a");
  EXPECT_EQ(m->sections[0].payload.offset, 10u);
  EXPECT_EQ(m->sections[0].payload.size, 5u);
  EXPECT_EQ(m->sections[1].id, SectionId::Type);
  EXPECT_EQ(m->sections[2].name, "b");
  EXPECT_EQ(m->sections[2].payload.size, 2u);
  EXPECT_EQ(m->sections[3].id, SectionId::Function);
  EXPECT_EQ(m->sections[4].id, SectionId::Code);
  EXPECT_EQ(m->sections[5].name, "c");
  EXPECT_EQ(m->codes.size(), 1u);
}

// Covers: a custom section name that is not UTF-8, an empty custom section (no name),
// a name longer than the section.
TEST(DecoderCustom, RejectsNonUtf8Name) {
  expect_decode_error(module({section(0x00, {0x02, 0xC0, 0x80})}),  // overlong NUL @11
                      ErrorCode::MalformedUtf8, 11);
}

TEST(DecoderCustom, RejectsSectionWithoutName) {
  expect_decode_error(module({section(0x00, {})}), ErrorCode::UnexpectedEndOfSection, 10);
}

TEST(DecoderCustom, RejectsNameLongerThanSection) {
  expect_decode_error(module({section(0x00, {0x05, 'a', 'b'}),  // 5 declared @10
                              kTypeVoid}),
                      ErrorCode::LengthOutOfBounds, 11);
}

// ================================ name section ====================================

// The `name` custom section: module name, function names (out of order in the input,
// sorted after decoding), local names, an unknown subsection that is skipped.
const Bytes kNameSection = section(0x00, {
    0x04, 'n', 'a', 'm', 'e',                 // section name "name"
    0x00, 0x04, 0x03, 'm', 'o', 'd',          // module name "mod"
    0x01, 0x09,                               // function names, 9 bytes
    0x02,                                     //   2 entries
    0x01, 0x02, 'f', '1',                     //   1 -> "f1"
    0x00, 0x02, 'f', '0',                     //   0 -> "f0"
    0x02, 0x09,                               // local names, 9 bytes
    0x01,                                     //   1 function
    0x00, 0x02,                               //   func 0, 2 locals
    0x01, 0x01, 'b',                          //   1 -> "b"
    0x00, 0x01, 'a',                          //   0 -> "a"
    0x03, 0x02, 0xAA, 0xBB,                   // subsection 3 (labels): skipped
});

TEST(DecoderNames, DecodesModuleFunctionAndLocalNames) {
  auto m = decode_ok(module({kTypeVoid,
                             section(0x03, {0x02, 0x00, 0x00}),
                             section(0x0A, {0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B}),
                             kNameSection}));
  ASSERT_NE(m, nullptr);
  ASSERT_TRUE(m->names.module.has_value());
  EXPECT_EQ(*m->names.module, "mod");
  ASSERT_EQ(m->names.functions.size(), 2u);
  EXPECT_EQ(m->names.functions[0].index, 0u);
  EXPECT_EQ(m->names.functions[0].name, "f0");
  EXPECT_EQ(m->names.functions[1].index, 1u);
  EXPECT_EQ(m->names.functions[1].name, "f1");
  ASSERT_NE(m->names.function_name(ir::FuncIdx(1)), nullptr);
  EXPECT_EQ(*m->names.function_name(ir::FuncIdx(1)), "f1");
  EXPECT_EQ(m->names.function_name(ir::FuncIdx(2)), nullptr);
  ASSERT_EQ(m->names.locals.size(), 1u);
  EXPECT_EQ(m->names.locals[0].func, 0u);
  ASSERT_EQ(m->names.locals[0].locals.size(), 2u);
  EXPECT_EQ(m->names.locals[0].locals[0].name, "a");
  EXPECT_EQ(m->names.locals[0].locals[1].name, "b");
  EXPECT_EQ(m->sections.back().name, "name");
}

// Covers: a malformed name section (subsection past its end, invalid UTF-8, truncated
// map) is ignored as a whole, and the module still decodes.
TEST(DecoderNames, IgnoresSubsectionLongerThanSection) {
  auto m = decode_ok(module({section(0x00, {0x04, 'n', 'a', 'm', 'e',
                                            0x00, 0x04, 0x03, 'm', 'o', 'd',  // module name ok
                                            0x01, 0x20, 0x01})}));         // 32 bytes claimed
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->names.module.has_value());  // the whole section is dropped
  EXPECT_TRUE(m->names.functions.empty());
  ASSERT_EQ(m->sections.size(), 1u);
  EXPECT_EQ(m->sections[0].name, "name");
}

TEST(DecoderNames, IgnoresInvalidUtf8FunctionName) {
  auto m = decode_ok(module({section(0x00, {0x04, 'n', 'a', 'm', 'e',
                                            0x01, 0x05,                  // function names
                                            0x01, 0x00, 0x02, 0xED, 0xA0}  // surrogate half
                                  )}));
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->names.functions.empty());
}

TEST(DecoderNames, IgnoresTruncatedNameMapWithHugeCount) {
  Bytes b = module({section(0x00, {0x04, 'n', 'a', 'm', 'e',
                                   0x01, 0x08,                          // function names
                                   0xFF, 0xFF, 0xFF, 0xFF, 0x0F,        // 2^32-1 entries
                                   0x00, 0x01, 'x',                     // just one
                                   0x00, 0x04, 0x03, 'm', 'o', 'd'})});
  g_largest_allocation = 0;
  g_track_allocations = true;
  auto m = decode_ok(b);
  g_track_allocations = false;
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->names.functions.empty());
  EXPECT_FALSE(m->names.module.has_value());
  EXPECT_LT(g_largest_allocation, 64u * 1024);
}

// ================================ section framing =================================

// Covers: section order violations (known sections out of order, a duplicate, data
// count after code, element after data count), an unknown section id.
TEST(DecoderSections, RejectsOutOfOrderSections) {
  expect_decode_error(module({section(0x02, {0x00}),   // import @8
                              kTypeVoid}),             // type @11
                      ErrorCode::UnexpectedContentAfterLastSection, 11);
}

TEST(DecoderSections, RejectsDuplicateSection) {
  expect_decode_error(module({kTypeVoid,              // @8..13
                              kTypeVoid}),            // again @14
                      ErrorCode::UnexpectedContentAfterLastSection, 14);
  expect_decode_error(module({section(0x08, {0x00}), section(0x08, {0x00})}),
                      ErrorCode::UnexpectedContentAfterLastSection, 11);
}

TEST(DecoderSections, RejectsDataCountAfterCode) {
  expect_decode_error(module({section(0x0A, {0x00}),   // code @8
                              section(0x0C, {0x00})}), // datacount @11
                      ErrorCode::UnexpectedContentAfterLastSection, 11);
}

TEST(DecoderSections, RejectsElementAfterDataCount) {
  expect_decode_error(module({section(0x0C, {0x00}),   // datacount @8
                              section(0x09, {0x00})}), // element @11
                      ErrorCode::UnexpectedContentAfterLastSection, 11);
}

TEST(DecoderSections, AcceptsEveryKnownSectionInOrder) {
  auto m = decode_ok(module({
      kTypeVoid,                                                   // 1 type
      section(0x02, {0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x00}),  // 2 import global
      kOneFunc,                                                    // 3 function
      section(0x04, {0x01, 0x70, 0x00, 0x01}),                     // 4 table
      section(0x05, {0x01, 0x00, 0x01}),                           // 5 memory
      section(0x06, {0x01, 0x7F, 0x00, 0x41, 0x00, 0x0B}),         // 6 global
      section(0x07, {0x01, 0x01, 'f', 0x00, 0x00}),                // 7 export
      section(0x08, {0x00}),                                       // 8 start
      section(0x09, {0x01, 0x00, 0x41, 0x00, 0x0B, 0x01, 0x00}),   // 9 element
      section(0x0C, {0x01}),                                       // 12 datacount
      kOneEmptyBody,                                               // 10 code
      section(0x0B, {0x01, 0x01, 0x00}),                           // 11 data
  }));
  ASSERT_NE(m, nullptr);
  std::vector<SectionId> ids;
  for (const auto& s : m->sections) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<SectionId>{SectionId::Type, SectionId::Import, SectionId::Function,
                                         SectionId::Table, SectionId::Memory, SectionId::Global,
                                         SectionId::Export, SectionId::Start, SectionId::Element,
                                         SectionId::DataCount, SectionId::Code, SectionId::Data}));
}

TEST(DecoderSections, RejectsUnknownSectionId) {
  expect_decode_error(module({section(0x0D, {0x00})}), ErrorCode::MalformedSectionId, 8);
  expect_decode_error(module({kTypeVoid, section(0x7F, {})}), ErrorCode::MalformedSectionId, 14);
}

// Covers: section size mismatch in both directions, a size past the end of the module,
// a size beyond any module.
TEST(DecoderSections, RejectsSectionLongerThanItsContents) {
  expect_decode_error(module({{0x01, 0x05,                // type section, 5 bytes
                               0x01, 0x60, 0x00, 0x00,    // one type: 4 bytes
                               0x00}}),                   // left over @14
                      ErrorCode::SectionSizeMismatch, 14);
}

TEST(DecoderSections, RejectsSectionShorterThanItsContents) {
  expect_decode_error(module({{0x01, 0x03,                // type section, 3 bytes (ends @13)
                               0x01, 0x60, 0x00,          // results count would be @13
                               0x00}}),
                      ErrorCode::UnexpectedEndOfSection, 13);
}

TEST(DecoderSections, RejectsSectionLongerThanModule) {
  expect_decode_error(module({{0x01, 0x10,                // type section, 16 bytes
                               0x01, 0x60, 0x00, 0x00}}),  // but the module ends @14
                      ErrorCode::LengthOutOfBounds, 14);
}

TEST(DecoderSections, RejectsHugeSectionSizeAtOnce) {
  expect_decode_error(module({{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F,  // 4 GiB section @8
                               0x01, 0x60, 0x00, 0x00}}),
                      ErrorCode::LengthOutOfBounds, 8);
}

TEST(DecoderSections, RejectsOverlongSectionSize) {
  expect_decode_error(module({{0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}),  // 6-byte LEB
                      ErrorCode::IntegerTooLong, 13);
}

TEST(DecoderSections, AcceptsPaddedSectionSize) {
  auto m = decode_ok(module({{0x01, 0x84, 0x80, 0x80, 0x80, 0x00,  // size 4, 5-byte LEB
                              0x01, 0x60, 0x00, 0x00}}));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->types.size(), 1u);
  EXPECT_EQ(m->sections[0].payload.offset, 14u);
}

// Covers: truncation at various points: after a section id, inside a section size,
// inside a payload, inside the code count, inside a body, between bodies.
TEST(DecoderTruncated, AfterSectionId) {
  expect_decode_error(module({{0x01}}), ErrorCode::UnexpectedEnd, 9);
}

TEST(DecoderTruncated, InsideSectionSize) {
  expect_decode_error(module({{0x01, 0x80}}), ErrorCode::UnexpectedEnd, 10);
}

TEST(DecoderTruncated, InsidePayload) {
  expect_decode_error(module({{0x01, 0x04, 0x01, 0x60}}), ErrorCode::LengthOutOfBounds, 12);
}

TEST(DecoderTruncated, InsideCodeCount) {
  expect_decode_error(module({kTypeVoid, kOneFunc,
                              {0x0A, 0x04,      // code section, 4 bytes @18
                               0x81}}),         // count LEB cut @20
                      ErrorCode::LengthOutOfBounds, 21);
}

TEST(DecoderTruncated, InsideBody) {
  expect_decode_error(module({kTypeVoid, kOneFunc,
                              {0x0A, 0x04, 0x01,
                               0x02, 0x00}}),   // body of 2 bytes, 1 present (ends @23)
                      ErrorCode::LengthOutOfBounds, 23);
}

TEST(DecoderTruncated, BetweenBodies) {
  expect_decode_error(module({kTypeVoid, section(0x03, {0x02, 0x00, 0x00}),
                              {0x0A, 0x07, 0x02,
                               0x02, 0x00, 0x0B}}),  // second body missing (ends @25)
                      ErrorCode::LengthOutOfBounds, 25);
}

// A code section whose declared size runs past the end of the module is "length out of
// bounds", as for every other section, even when all its declared bodies are present.
TEST(DecoderSections, CodeSectionLongerThanModuleIsLengthOutOfBounds) {
  expect_decode_error(module({kTypeVoid, kOneFunc,
                              {0x0A, 0x0A,                // code section, 10 bytes @18
                               0x01, 0x02, 0x00, 0x0B}}),  // but the module ends @24
                      ErrorCode::LengthOutOfBounds, 24);
}

// ================================ decoder object ==================================

// Covers: decoded_bytes() after a complete module; a failed decoder stays failed
// (feed and finish report InvalidArgument); feed after finish.
TEST(DecoderObject, DecodedBytesCoversTheWholeModule) {
  Bytes b = module({kTypeVoid, kOneFunc, kOneEmptyBody});
  Decoder d;
  ASSERT_TRUE(d.feed(b).ok());
  EXPECT_EQ(d.decoded_bytes(), b.size());
  auto m = d.finish();
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ((*m)->bytes, b);
}

TEST(DecoderObject, StaysFailedAfterAnError) {
  Decoder d;
  auto r = d.feed(Bytes{0x00, 0x61, 0x73, 0x6E});  // bad magic
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::MagicHeaderNotDetected);
  auto again = d.feed(Bytes{0x01, 0x00, 0x00, 0x00});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::InvalidArgument);
  auto fin = d.finish();
  ASSERT_FALSE(fin.ok());
  EXPECT_EQ(fin.error().code(), ErrorCode::InvalidArgument);
}

TEST(DecoderObject, RejectsFeedAfterFinish) {
  Decoder d;
  ASSERT_TRUE(d.feed(kHeader).ok());
  ASSERT_TRUE(d.finish().ok());
  auto r = d.feed(Bytes{0x00});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::InvalidArgument);
}

// A sink error stops decoding and is returned as is.
class FailingSink : public DecoderSink {
 public:
  Result<void> on_section(const ir::Module&, ir::SectionId id) override {
    if (id == SectionId::Function) return Error(ErrorCode::IoError, 99, "sink");
    return ok();
  }
};

TEST(DecoderObject, SinkErrorStopsDecoding) {
  FailingSink sink;
  auto r = decode(module({kTypeVoid, kOneFunc, kOneEmptyBody}), &sink);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::IoError);
  EXPECT_EQ(r.error().offset(), 99u);
  EXPECT_EQ(r.error().context(), "sink");
}

}  // namespace
}  // namespace skiff::engine::binary
