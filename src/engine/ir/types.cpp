#include "engine/ir/types.h"

namespace skiff::engine::ir {

std::string_view to_string(ValType t) {
  switch (t) {
    case ValType::Bottom: return "unknown";
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "?";
}

std::optional<ValType> valtype_from_byte(uint8_t b) {
  switch (b) {
    case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x7B: case 0x70: case 0x6F:
      return static_cast<ValType>(b);
    default:
      return std::nullopt;
  }
}

std::string_view to_string(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "?";
}

}  // namespace skiff::engine::ir
