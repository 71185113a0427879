#pragma once
// Runtime values (https://webassembly.github.io/spec/core/exec/runtime.html#values).
// RawValue is the untyped 16-byte cell every tier agrees on (globals, table entries,
// host-call arguments); Value adds the type for the embedding API and the spec runner.
// A reference is a pointer: null, a function instance, or an opaque host pointer
// (externref). References are not owned: the store that made them keeps them alive.

#include <cstdint>
#include <cstring>

#include "engine/ir/module.h"
#include "engine/ir/types.h"

namespace skiff::engine::runtime {

struct Ref {
  const void* ptr = nullptr;
  bool is_null() const { return ptr == nullptr; }
  friend bool operator==(Ref, Ref) = default;
};

union RawValue {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
  ir::V128 v128;
  Ref ref;
  RawValue() : v128{} {}
};
static_assert(sizeof(RawValue) == 16);

struct Value {
  ir::ValType type = ir::ValType::I32;
  RawValue raw;

  static Value i32(uint32_t v) { Value x; x.type = ir::ValType::I32; x.raw.i32 = v; return x; }
  static Value i64(uint64_t v) { Value x; x.type = ir::ValType::I64; x.raw.i64 = v; return x; }
  static Value f32(float v) { Value x; x.type = ir::ValType::F32; x.raw.f32 = v; return x; }
  static Value f64(double v) { Value x; x.type = ir::ValType::F64; x.raw.f64 = v; return x; }
  static Value v128(const ir::V128& v) { Value x; x.type = ir::ValType::V128; x.raw.v128 = v; return x; }
  static Value ref(ir::ValType t, Ref r) { Value x; x.type = t; x.raw.ref = r; return x; }
  // The default value of a type (zero, or null for references).
  static Value zero(ir::ValType t) { Value x; x.type = t; return x; }

  // Exact equality: same type and same bits (so NaNs compare by payload).
  friend bool operator==(const Value& a, const Value& b) {
    if (a.type != b.type) return false;
    switch (a.type) {
      case ir::ValType::I32: case ir::ValType::F32: return a.raw.i32 == b.raw.i32;
      case ir::ValType::I64: case ir::ValType::F64: return a.raw.i64 == b.raw.i64;
      case ir::ValType::V128: return a.raw.v128 == b.raw.v128;
      default: return a.raw.ref == b.raw.ref;
    }
  }
};

}  // namespace skiff::engine::runtime
