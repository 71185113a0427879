#pragma once
// Opcodes and their static properties, generated from opcodes.def. Opcode is a dense
// enumeration (0..kOpcodeCount-1) so tiers can index dispatch tables by it; the binary
// encoding (prefix byte + code) maps to it through decode tables built at compile time.

#include <array>
#include <cstdint>
#include <string_view>

#include "engine/ir/types.h"

namespace skiff::engine::ir {

// Immediate kinds: tells the validator what to read and a decoder how to skip it.
enum class Imm : uint8_t {
  None,
  BlockType,     // blocktype (empty, valtype or s33 type index)
  Label,      // u32
  BrTable,       // vec(u32) u32
  Func,       // u32
  CallIndirect,  // typeidx tableidx
  Local,
  Global,
  Table,
  MemArg,        // align u32, offset u32
  Memory,        // memory index (a zero byte in 2.0)
  I32,           // s32
  I64,           // s64
  F32,           // 4 bytes
  F64,           // 8 bytes
  V128,          // 16 bytes
  SelectT,       // vec(valtype)
  RefType,       // reftype byte
  Elem,
  Data,
  MemoryInit,    // dataidx memidx
  MemoryCopy,    // memidx memidx
  TableInit,     // elemidx tableidx
  TableCopy,     // tableidx tableidx
  Lane,          // one byte lane index
  MemArgLane,    // memarg + lane byte
  Shuffle,       // 16 lane bytes
};

enum class Opcode : uint16_t {
#define SKIFF_OP(name, text, prefix, code, imm, sig, align) name,
#include "engine/ir/opcodes.def"
#undef SKIFF_OP
  Count_,
  Invalid = 0xFFFF,
};
inline constexpr size_t kOpcodeCount = static_cast<size_t>(Opcode::Count_);

struct OpInfo {
  std::string_view text;
  uint8_t prefix;
  uint32_t code;
  Imm imm;
  uint8_t align;          // natural alignment, log2 bytes
  bool typed_by_table;    // sig != "*": the validator pops params, pushes results
  uint8_t param_count;
  uint8_t result_count;
  ValType params[3];
  ValType result;
};

namespace detail {
constexpr ValType sig_char(char c) {
  switch (c) {
    case 'i': return ValType::I32;
    case 'l': return ValType::I64;
    case 'f': return ValType::F32;
    case 'd': return ValType::F64;
    case 'v': return ValType::V128;
    default: return ValType::Bottom;
  }
}
constexpr OpInfo make_info(std::string_view text, uint8_t prefix, uint32_t code, Imm imm,
                           std::string_view sig, uint8_t align) {
  OpInfo info{text, prefix, code, imm, align, sig != "*", 0, 0, {}, ValType::Bottom};
  if (!info.typed_by_table) return info;
  size_t i = 0;
  for (; i < sig.size() && sig[i] != '_'; ++i) info.params[info.param_count++] = sig_char(sig[i]);
  for (++i; i < sig.size(); ++i) {
    info.result = sig_char(sig[i]);
    ++info.result_count;
  }
  return info;
}
}  // namespace detail

inline constexpr OpInfo kOpInfo[kOpcodeCount] = {
#define SKIFF_OP(name, text, prefix, code, imm, sig, align) \
  detail::make_info(text, prefix, code, Imm::imm, sig, align),
#include "engine/ir/opcodes.def"
#undef SKIFF_OP
};

inline const OpInfo& op_info(Opcode op) { return kOpInfo[static_cast<size_t>(op)]; }
inline std::string_view op_name(Opcode op) { return op_info(op).text; }

// Binary encoding -> Opcode. Prefixed tables are indexed by the (already range-checked)
// LEB code; 0xFC codes are < 32 in 2.0 and 0xFD codes < 256.
struct DecodeTables {
  std::array<Opcode, 256> one_byte;
  std::array<Opcode, 32> prefix_fc;
  std::array<Opcode, 256> prefix_fd;
};

constexpr DecodeTables make_decode_tables() {
  DecodeTables t{};
  t.one_byte.fill(Opcode::Invalid);
  t.prefix_fc.fill(Opcode::Invalid);
  t.prefix_fd.fill(Opcode::Invalid);
  for (size_t i = 0; i < kOpcodeCount; ++i) {
    const OpInfo& info = kOpInfo[i];
    auto op = static_cast<Opcode>(i);
    if (info.prefix == 0) t.one_byte[info.code] = op;
    else if (info.prefix == 0xFC) t.prefix_fc[info.code] = op;
    else t.prefix_fd[info.code] = op;
  }
  return t;
}
inline constexpr DecodeTables kDecodeTables = make_decode_tables();

}  // namespace skiff::engine::ir
