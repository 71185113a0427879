#pragma once
// Spec-shaped types of the WebAssembly 2.0 module model
// (https://webassembly.github.io/spec/core/syntax/types.html) and one strong index type
// per index space, so that mixing a FuncIdx with a TypeIdx is a compile error.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace skiff::engine::ir {

// valtype ::= numtype | vectype | reftype. Enumerators carry their binary encoding.
// Bottom is the validator's "unknown" type of polymorphic (unreachable) stacks.
enum class ValType : uint8_t {
  Bottom = 0x00,
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  V128 = 0x7B,
  FuncRef = 0x70,
  ExternRef = 0x6F,
};

inline bool is_ref(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }
inline bool is_num(ValType t) {
  return t == ValType::I32 || t == ValType::I64 || t == ValType::F32 || t == ValType::F64;
}
std::string_view to_string(ValType t);
// Decodes a value type byte; nullopt for anything else.
std::optional<ValType> valtype_from_byte(uint8_t b);

template <typename Tag>
struct Index {
  uint32_t value = 0;
  constexpr Index() = default;
  constexpr explicit Index(uint32_t v) : value(v) {}
  friend constexpr bool operator==(Index a, Index b) { return a.value == b.value; }
  friend constexpr auto operator<=>(Index a, Index b) { return a.value <=> b.value; }
};
using TypeIdx = Index<struct TypeIdxTag>;
using FuncIdx = Index<struct FuncIdxTag>;
using TableIdx = Index<struct TableIdxTag>;
using MemIdx = Index<struct MemIdxTag>;
using GlobalIdx = Index<struct GlobalIdxTag>;
using ElemIdx = Index<struct ElemIdxTag>;
using DataIdx = Index<struct DataIdxTag>;
using LocalIdx = Index<struct LocalIdxTag>;
using LabelIdx = Index<struct LabelIdxTag>;

// functype ::= [vec(valtype)] -> [vec(valtype)]
struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  friend bool operator==(const FuncType&, const FuncType&) = default;
};

// limits ::= {min u32, max u32?}  (u64 for memory64 later)
struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  friend bool operator==(const Limits&, const Limits&) = default;
};

// tabletype ::= limits reftype
struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
};

// memtype ::= limits
struct MemType {
  Limits limits;
};

// globaltype ::= mut valtype
struct GlobalType {
  ValType type = ValType::I32;
  bool is_mutable = false;
};

// externtype kinds, with their binary encoding in import/export descriptors.
enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };
std::string_view to_string(ExternKind k);

inline constexpr uint32_t kPageSize = 65536;
inline constexpr uint32_t kMaxPages32 = 65536;

}  // namespace skiff::engine::ir
