#pragma once
// The interpreter's code format, shared by the translator and the dispatch loop.
// A translated body is a vector of 32-bit words. Each instruction is the address of its
// handler in the dispatch loop (two words, so dispatch is one load and an indirect jump:
// direct threading) followed by its operand words: frame slot indices (the frame is an
// array of 8-byte slots; a v128 takes two), immediates, and branch offsets relative to
// the offset word itself. Nothing is decoded at run time beyond reading these words.

#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/ir/opcode.h"

namespace skiff::engine::interp {

enum class XOp : uint16_t {
#define XOP(name) name,
#include "engine/interp/xops.def"
#undef XOP
  Count_
};
inline constexpr size_t kXOpCount = static_cast<size_t>(XOp::Count_);

// Handler addresses indexed by XOp; filled by the dispatch loop on first use.
const void* const* handler_table();

struct CompiledFunc {
  std::vector<uint32_t> code;
  uint32_t defined_index = 0;
  uint32_t param_slots = 0;   // arguments arrive in slots [0, param_slots)
  uint32_t local_slots = 0;   // params + declared locals; [param_slots, local_slots) start at zero
  uint32_t result_slots = 0;  // results leave in slots [0, result_slots)
  uint32_t frame_slots = 0;   // everything the frame uses, calls' argument areas included
};

inline uint32_t slot_width(ir::ValType t) { return t == ir::ValType::V128 ? 2 : 1; }

}  // namespace skiff::engine::interp
