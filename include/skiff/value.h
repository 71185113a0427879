#pragma once
/// \file
/// Values crossing the embedding boundary: ValType, Value (a typed wasm value) and
/// FuncType. TypedFunc and Linker::func_wrap map C++ types to these at compile time:
/// int32_t/uint32_t -> i32, int64_t/uint64_t -> i64, float -> f32, double -> f64.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/result.h"

namespace skiff {

/// A WebAssembly value type.
enum class ValType : uint8_t { I32, I64, F32, F64, V128, FuncRef, ExternRef };

/// "i32", "i64", "f32", "f64", "v128", "funcref", "externref".
std::string_view to_string(ValType t);

/// A 128-bit SIMD value, lanes in little-endian byte order.
struct V128 {
  uint8_t bytes[16] = {};
  friend bool operator==(const V128&, const V128&) = default;
};

/// A typed wasm value. Integers are stored as their bits: i32() and u32() read the
/// same value signed and unsigned. A reference is an opaque pointer (null, a function
/// of the store, or the host pointer given to externref()).
class Value {
 public:
  Value() : Value(int32_t{0}) {}
  Value(int32_t v) : m_type(ValType::I32) { m_bits.u64 = static_cast<uint32_t>(v); }
  Value(uint32_t v) : m_type(ValType::I32) { m_bits.u64 = v; }
  Value(int64_t v) : m_type(ValType::I64) { m_bits.u64 = static_cast<uint64_t>(v); }
  Value(uint64_t v) : m_type(ValType::I64) { m_bits.u64 = v; }
  Value(float v) : m_type(ValType::F32) { m_bits.f32 = v; }
  Value(double v) : m_type(ValType::F64) { m_bits.f64 = v; }
  Value(const V128& v) : m_type(ValType::V128) { m_bits.v128 = v; }

  /// An externref holding `ptr` (null gives the null externref).
  static Value externref(const void* ptr) { return Value(ValType::ExternRef, ptr); }
  /// The null reference of `ref_type` (FuncRef or ExternRef).
  static Value null(ValType ref_type) { return Value(ref_type, nullptr); }
  /// A reference of `ref_type` with the engine's raw pointer (as returned by ref()).
  static Value ref(ValType ref_type, const void* ptr) { return Value(ref_type, ptr); }

  ValType type() const { return m_type; }
  int32_t i32() const { check(ValType::I32); return static_cast<int32_t>(m_bits.u64); }
  uint32_t u32() const { check(ValType::I32); return static_cast<uint32_t>(m_bits.u64); }
  int64_t i64() const { check(ValType::I64); return static_cast<int64_t>(m_bits.u64); }
  uint64_t u64() const { check(ValType::I64); return m_bits.u64; }
  float f32() const { check(ValType::F32); return m_bits.f32; }
  double f64() const { check(ValType::F64); return m_bits.f64; }
  const V128& v128() const { check(ValType::V128); return m_bits.v128; }
  const void* ref() const {
    SKIFF_ASSERT(is_ref(), "Value::ref() of a number");
    return m_bits.ref;
  }
  bool is_ref() const { return m_type == ValType::FuncRef || m_type == ValType::ExternRef; }
  bool is_null() const { return is_ref() && m_bits.ref == nullptr; }

  /// Same type and same bits (NaNs compare by payload).
  friend bool operator==(const Value& a, const Value& b) {
    if (a.m_type != b.m_type) return false;
    switch (a.m_type) {
      case ValType::I32: case ValType::F32: return a.bits32() == b.bits32();
      case ValType::I64: case ValType::F64: return a.m_bits.u64 == b.m_bits.u64;
      case ValType::V128: return a.m_bits.v128 == b.m_bits.v128;
      default: return a.m_bits.ref == b.m_bits.ref;
    }
  }

  /// "i32:7", "f64:1.5", "externref:null", for messages and examples.
  std::string to_string() const;

 private:
  Value(ValType t, const void* ptr) : m_type(t) { m_bits.ref = ptr; }
  void check([[maybe_unused]] ValType t) const {
    SKIFF_ASSERT(m_type == t, "Value accessor of another type");
  }
  uint32_t bits32() const {
    uint32_t b;
    std::memcpy(&b, &m_bits, 4);
    return b;
  }

  ValType m_type;
  union Bits {
    uint64_t u64;
    float f32;
    double f64;
    V128 v128;
    const void* ref;
    Bits() : v128{} {}
  } m_bits;
};

/// A function signature: `(i32, i32) -> i64`.
struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  friend bool operator==(const FuncType&, const FuncType&) = default;
  /// "(i32, i32) -> (i64)".
  std::string to_string() const;
};

}  // namespace skiff
