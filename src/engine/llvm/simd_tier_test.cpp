// SIMD128 in the LLVM tier, checked instruction by instruction against the interpreter.
// A module with one exported function per 0xFD instruction (two per lane instruction:
// first and last lane) is generated from opcodes.def, so a new instruction is covered
// without editing this file. Every function runs on the same inputs -- edge values of
// each lane shape and random bits -- in both tiers, and the results, traps and memory
// must agree. The LLVM code is built twice: for baseline x86-64 and for this CPU, which
// take different lowerings (i8x16.swizzle with and without SSSE3; rounding with and
// without SSE4.1).
#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "support/call_export.h"
#include "support/wasm_bytes.h"

#include "engine/interp/interpreter.h"
#include "engine/llvm/module_compiler.h"
#include "engine/native/artifact.h"
#include "engine/native/native_module.h"

namespace skiff::engine::llvm_tier {
namespace {

using ir::Opcode;
using ir::ValType;
using runtime::Value;
using testing::Bytes;
using testing::leb_u32;

constexpr uint32_t kDataBytes = 256;  // loads and stores stay in [0, 256 + 16), but for the edges

struct Export {
  std::string name;
  Opcode op;
};

unsigned lane_count(std::string_view text) {
  if (text.starts_with("i8x16") || text.starts_with("v128.load8_") || text.starts_with("v128.store8_")) return 16;
  if (text.starts_with("i16x8") || text.starts_with("v128.load16_") || text.starts_with("v128.store16_")) return 8;
  if (text.starts_with("i32x4") || text.starts_with("f32x4") || text.starts_with("v128.load32_") ||
      text.starts_with("v128.store32_"))
    return 4;
  return 2;
}

// memarg: natural alignment, offset 3 (so accesses are unaligned).
Bytes cat_memarg(uint8_t align) { return testing::cat({leb_u32(align), leb_u32(3)}); }

// The module, and what each export exercises.
Bytes simd_module(std::vector<Export>& exports) {
  Bytes types, funcs, code, names;
  uint32_t count = 0;
  auto add = [&](Opcode op, const ir::OpInfo& info, const Bytes& immediates) {
    types.push_back(0x60);
    types.push_back(static_cast<uint8_t>(info.param_count));
    for (unsigned p = 0; p < info.param_count; ++p) types.push_back(static_cast<uint8_t>(info.params[p]));
    types.push_back(static_cast<uint8_t>(info.result_count));
    if (info.result_count) types.push_back(static_cast<uint8_t>(info.result));
    testing::append(funcs, leb_u32(count));
    Bytes body = {0x00};  // no locals
    for (unsigned p = 0; p < info.param_count; ++p) body.push_back(0x20), body.push_back(static_cast<uint8_t>(p));
    body.push_back(0xFD);
    testing::append(body, leb_u32(info.code));
    testing::append(body, immediates);
    body.push_back(0x0B);
    testing::append(code, leb_u32(static_cast<uint32_t>(body.size())));
    testing::append(code, body);
    std::string name = "f" + std::to_string(count);
    testing::append(names, leb_u32(static_cast<uint32_t>(name.size())));
    names.insert(names.end(), name.begin(), name.end());
    names.push_back(0x00);
    testing::append(names, leb_u32(count));
    exports.push_back({name, op});
    ++count;
  };
  std::mt19937 rng(7);
  for (size_t k = 0; k < ir::kOpcodeCount; ++k) {
    const auto op = static_cast<Opcode>(k);
    const ir::OpInfo& info = ir::op_info(op);
    if (info.prefix != 0xFD) continue;
    const unsigned lanes = lane_count(info.text);
    const Bytes memarg = cat_memarg(info.align);
    switch (info.imm) {
      case ir::Imm::None: add(op, info, {}); break;
      case ir::Imm::MemArg: add(op, info, memarg); break;
      case ir::Imm::Lane:
        add(op, info, {0});
        add(op, info, {static_cast<uint8_t>(lanes - 1)});
        break;
      case ir::Imm::MemArgLane:
        add(op, info, testing::cat({memarg, {0}}));
        add(op, info, testing::cat({memarg, {static_cast<uint8_t>(lanes - 1)}}));
        break;
      case ir::Imm::Shuffle: {
        Bytes lanes_imm;
        for (int i = 0; i < 16; ++i) lanes_imm.push_back(static_cast<uint8_t>(rng() % 32));
        add(op, info, lanes_imm);
        break;
      }
      case ir::Imm::V128: {
        Bytes v;
        for (int i = 0; i < 16; ++i) v.push_back(static_cast<uint8_t>(rng()));
        add(op, info, v);
        break;
      }
      default: ADD_FAILURE() << "unexpected immediate in " << info.text;
    }
  }
  Bytes data = {0x00, 0x41, 0x00, 0x0B};  // active, memory 0, offset i32.const 0
  testing::append(data, leb_u32(kDataBytes));
  for (uint32_t i = 0; i < kDataBytes; ++i) data.push_back(static_cast<uint8_t>(rng()));
  Bytes exports_sec = testing::cat({leb_u32(count + 1), names, {3, 'm', 'e', 'm', 0x02, 0x00}});
  return testing::module({
      testing::section(1, testing::cat({leb_u32(count), types})),
      testing::section(3, testing::cat({leb_u32(count), funcs})),
      testing::section(5, {0x01, 0x00, 0x01}),  // one memory, min 1 page
      testing::section(7, exports_sec),
      testing::section(10, testing::cat({leb_u32(count), code})),
      testing::section(11, testing::cat({{0x01}, data})),
  });
}

// Lane values a generator mixes in: the edges of each shape.
constexpr uint8_t kI8[] = {0, 1, 2, 0x7F, 0x80, 0x81, 0xFE, 0xFF};
constexpr uint16_t kI16[] = {0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x00FF, 0x0100, 0x4000, 0xC000};
constexpr uint32_t kI32[] = {0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x0000FFFF, 0x00008000, 0x4F000000};
constexpr float kF32[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 3.4e38f, -3.4e38f,
                          1e-45f, 2147483648.0f, -2147483904.0f, 4294967296.0f, 16777217.0f,
                          INFINITY, -INFINITY, 1e10f, -1e10f};
constexpr uint32_t kF32Nan[] = {0x7FC00000, 0xFFC00000, 0x7FA00000 /* signaling */, 0x7FC12345};
constexpr double kF64[] = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e308, -1e308, 5e-324,
                           2147483648.0, -2147483649.0, 4294967296.0, 2147483647.5, -2147483648.5,
                           INFINITY, -INFINITY, 4503599627370497.0};
constexpr uint64_t kF64Nan[] = {0x7FF8000000000000, 0xFFF8000000000000, 0x7FF4000000000000, 0x7FF8000000012345};

struct Inputs {
  std::mt19937_64 rng{2026};
  template <typename T, size_t N>
  T pick(const T (&set)[N]) { return set[rng() % N]; }
  ir::V128 v128() {
    ir::V128 v;
    const unsigned kind = rng() % 6;
    for (unsigned i = 0; i < 16; ++i) v.bytes[i] = static_cast<uint8_t>(rng());
    auto put = [&](unsigned lane, auto x) { std::memcpy(v.bytes + lane * sizeof(x), &x, sizeof(x)); };
    for (unsigned lane = 0; lane < 16; ++lane) {
      if (rng() % 3 == 0) continue;  // some random lanes stay
      switch (kind) {
        case 0: put(lane, pick(kI8)); break;
        case 1: if (lane < 8) put(lane, pick(kI16)); break;
        case 2: if (lane < 4) put(lane, pick(kI32)); break;
        case 3: if (lane < 4) rng() % 5 ? put(lane, pick(kF32)) : put(lane, pick(kF32Nan)); break;
        case 4: if (lane < 2) rng() % 5 ? put(lane, pick(kF64)) : put(lane, pick(kF64Nan)); break;
        default: break;  // all random
      }
    }
    return v;
  }
  Value value(ValType t, bool address) {
    switch (t) {
      case ValType::I32:
        if (address) return Value::i32(static_cast<uint32_t>(rng() % (kDataBytes - 16)));
        return Value::i32(rng() % 2 ? pick(kI32) : static_cast<uint32_t>(rng()));
      case ValType::I64: return Value::i64(rng() % 2 ? pick(kI32) * 0x100000001ull : rng());
      case ValType::F32: return Value::f32(rng() % 4 ? pick(kF32) : std::bit_cast<float>(pick(kF32Nan)));
      case ValType::F64: return Value::f64(rng() % 4 ? pick(kF64) : std::bit_cast<double>(pick(kF64Nan)));
      default: return Value::v128(v128());
    }
  }
};

// Float lanes of an arithmetic result may be any NaN the spec allows: where the
// interpreter has a NaN, the LLVM tier must have one too, with the quiet bit set (a
// signaling NaN never leaves arithmetic). Every other result must be bit for bit equal.
bool nan_free(std::string_view text) {
  if (!text.starts_with("f32x4.") && !text.starts_with("f64x2.")) return false;
  for (const char* op : {".add", ".sub", ".mul", ".div", ".sqrt", ".min", ".max", ".ceil", ".floor", ".trunc",
                         ".nearest", ".demote", ".promote"})
    if (text.find(op) != std::string_view::npos && text.find(".pm") == std::string_view::npos) return true;
  return false;
}

::testing::AssertionResult same_v128(std::string_view text, const ir::V128& want, const ir::V128& got) {
  if (std::memcmp(want.bytes, got.bytes, 16) == 0) return ::testing::AssertionSuccess();
  if (nan_free(text)) {
    const bool f32 = text.starts_with("f32x4");
    const unsigned width = f32 ? 4 : 8;
    bool ok = true;
    for (unsigned at = 0; at < 16 && ok; at += width) {
      if (std::memcmp(want.bytes + at, got.bytes + at, width) == 0) continue;
      uint64_t w = 0, g = 0;
      std::memcpy(&w, want.bytes + at, width);
      std::memcpy(&g, got.bytes + at, width);
      const uint64_t exp = f32 ? 0x7F800000 : 0x7FF0000000000000;
      const uint64_t quiet = f32 ? 0x00400000 : 0x0008000000000000;
      auto is_nan = [&](uint64_t x) { return (x & exp) == exp && (x & (quiet * 2 - 1)) != 0; };
      ok = is_nan(w) && is_nan(g) && (g & quiet);
    }
    if (ok) return ::testing::AssertionSuccess();
  }
  auto hex = [](const ir::V128& v) {
    char buf[40];
    for (int i = 0; i < 16; ++i) std::snprintf(buf + 2 * i, 3, "%02x", v.bytes[i]);
    return std::string(buf);
  };
  return ::testing::AssertionFailure() << text << ": interpreter " << hex(want) << ", llvm " << hex(got);
}

// The generated module instantiated in the interpreter, or with LLVM code for `features`.
struct Instance {
  Instance(const Bytes& wasm, const std::string* features) {
    auto cm = interp::compile(wasm);
    EXPECT_TRUE(cm.ok()) << cm.error().to_string();
    if (!cm.ok()) return;
    module = *cm;
    if (features) {
      CompileOptions opts;
      opts.features = *features;
      auto obj = compile_object(module->validated(), opts, &stats);
      EXPECT_TRUE(obj.ok()) << obj.error().to_string();
      if (!obj.ok()) return;
      auto nm = native::NativeModule::load(*obj, module->module().defined_funcs());
      EXPECT_TRUE(nm.ok()) << nm.error().to_string();
      if (!nm.ok()) return;
      module->attach_native(*nm);
    }
    auto i = interp::instantiate(machine, store, *module, {});
    EXPECT_TRUE(i.ok()) << i.error().to_string();
    if (i.ok()) inst = *i;
  }
  const uint8_t* memory() const { return inst->find_export("mem")->memory->data(); }
  std::shared_ptr<const interp::CompiledModule> module;
  CompileStats stats;
  runtime::Store store;
  interp::Machine machine;
  runtime::Instance* inst = nullptr;
};

void compare_tiers(const std::string& features) {
  std::vector<Export> exports;
  const Bytes wasm = simd_module(exports);
  Instance interp(wasm, nullptr), llvm(wasm, &features);
  ASSERT_TRUE(interp.inst && llvm.inst);
  EXPECT_EQ(llvm.stats.compiled, llvm.stats.functions) << "every SIMD function is lowered";
  ASSERT_GT(exports.size(), 240u);  // 236 instructions, two functions per lane instruction
  Inputs in;
  int checked = 0;
  for (const Export& e : exports) {
    const ir::OpInfo& info = ir::op_info(e.op);
    const bool memory_op = info.imm == ir::Imm::MemArg || info.imm == ir::Imm::MemArgLane;
    for (int round = 0; round < 64; ++round) {
      std::vector<Value> args;
      for (unsigned p = 0; p < info.param_count; ++p) args.push_back(in.value(info.params[p], memory_op && p == 0));
      // Per memory instruction, one access past the end (offset 3 takes even a 1-byte
      // access out: both tiers trap) and one in bounds at the very end.
      if (memory_op && round == 0) args[0] = Value::i32(65536 - 2);
      if (memory_op && round == 1) args[0] = Value::i32(65536 - 3 - 16);
      auto a = test::call_export(interp.machine, interp.store, *interp.inst, e.name, args);
      auto b = test::call_export(llvm.machine, llvm.store, *llvm.inst, e.name, args);
      ASSERT_EQ(a.ok(), b.ok()) << info.text << " round " << round << ": "
                                << (a.ok() ? b.error().to_string() : a.error().to_string());
      if (!a.ok()) {
        EXPECT_EQ(a.error().code(), b.error().code()) << info.text;
        continue;
      }
      ASSERT_EQ(a->size(), b->size());
      if (!a->empty()) {
        const Value& x = (*a)[0];
        const Value& y = (*b)[0];
        if (x.type == ValType::V128) EXPECT_TRUE(same_v128(info.text, x.raw.v128, y.raw.v128)) << "round " << round;
        else EXPECT_EQ(x.raw.i64, y.raw.i64) << info.text << " round " << round;
      }
      if (memory_op) {
        ASSERT_EQ(std::memcmp(interp.memory(), llvm.memory(), kDataBytes + 16), 0) << info.text;
        ASSERT_EQ(std::memcmp(interp.memory() + 65536 - 32, llvm.memory() + 65536 - 32, 32), 0) << info.text;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 15000);
}

// Covers: every SIMD instruction compiled for baseline x86-64 (no SSSE3, no SSE4.1)
// agrees with the interpreter on edge and random inputs, including traps of
// out-of-bounds v128 loads and stores and the memory they leave.
TEST(LlvmSimd, BaselineCodeMatchesTheInterpreter) { compare_tiers(""); }

// Covers: the same for code built for this CPU's extensions.
TEST(LlvmSimd, HostCodeMatchesTheInterpreter) { compare_tiers(native::host_features()); }

}  // namespace
}  // namespace skiff::engine::llvm_tier
