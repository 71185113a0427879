#pragma once
// The interpreter's code format, shared by the translator and the dispatch loop.
// A translated body is a vector of 32-bit words. Each instruction is the address of its
// handler in the dispatch loop (two words, so dispatch is one load and an indirect jump:
// direct threading) followed by its operand words: frame slot indices (the frame is an
// array of 8-byte slots; a v128 takes two), immediates, and branch offsets relative to
// the offset word itself. Nothing is decoded at run time beyond reading these words.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/module.h"

#include "engine/ir/opcode.h"

namespace skiff::engine::interp {

// What translated code checks besides the wasm semantics; both cost nothing when off.
struct CodeOptions {
  // A check of the store's stop request (Store::interrupt, deadlines) at every function
  // entry and loop head: one load and a branch per loop iteration.
  bool interruptible = false;
  // Fuel metering: each region -- from a function entry, a loop head or a loop's end to
  // the next of these -- charges the count of wasm instructions written in it (at least
  // 1) when it is entered, both arms of an `if` included, so a budget stops a guest
  // deterministically at one check per loop iteration or call. Implies the
  // interruption checks.
  bool fuel = false;
  // Hotness counts for tier-up (Tier::Auto): every function entry and loop head adds one
  // to the function's CompiledFunc::hotness (relaxed, saturating at kHotnessCap). Not a
  // setting of compiled code: the LLVM tier ignores it.
  bool profile = false;
};

enum class XOp : uint16_t {
#define XOP(name, words) name,
#include "engine/interp/xops.def"
#undef XOP
  Count_
};
inline constexpr size_t kXOpCount = static_cast<size_t>(XOp::Count_);

namespace xop_detail {
using U32 = uint32_t;
using U64 = uint64_t;
using S32 = int32_t;
using S64 = int64_t;
using F32 = float;
using F64 = double;
using V128 = ir::V128;
// Operand words after the two handler words (BrTable adds n+1 offsets to its 2).
inline constexpr uint8_t kOperandWords[] = {
#define XOP(name, words) static_cast<uint8_t>(words),
#include "engine/interp/xops.def"
#undef XOP
};
inline constexpr std::string_view kNames[] = {
#define XOP(name, words) #name,
#include "engine/interp/xops.def"
#undef XOP
};
}  // namespace xop_detail

inline std::string_view xop_name(XOp x) { return xop_detail::kNames[static_cast<size_t>(x)]; }

struct CompiledFunc;
// The instructions of a translated body, in order (for tests and `--dump`).
std::vector<XOp> xops_of(const CompiledFunc& f);
// One line per instruction: position, name, operand words.
std::string disassemble(const CompiledFunc& f);

// Handler addresses indexed by XOp; filled by the dispatch loop on first use.
const void* const* handler_table();

inline constexpr uint32_t kHotnessCap = 1u << 16;

struct CompiledFunc {
  std::vector<uint32_t> code;
  uint32_t defined_index = 0;
  uint32_t param_slots = 0;   // arguments arrive in slots [0, param_slots)
  uint32_t local_slots = 0;   // params + declared locals; [param_slots, local_slots) start at zero
  uint32_t result_slots = 0;  // results leave in slots [0, result_slots)
  uint32_t frame_slots = 0;   // everything the frame uses, calls' argument areas included
  // Entries plus loop iterations so far, up to kHotnessCap, with CodeOptions::profile.
  // Threads sharing the module may lose each other's increments: a hint, not a count.
  mutable std::atomic<uint32_t> hotness{0};
};

inline uint32_t slot_width(ir::ValType t) { return t == ir::ValType::V128 ? 2 : 1; }

}  // namespace skiff::engine::interp
