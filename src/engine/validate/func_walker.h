#pragma once
// FuncWalker<Iface>: the one pass over a function body that validates it and drives code
// generation (V8's WasmFullDecoder pattern). It decodes each instruction straight from
// the bytes, types it with the spec's validation algorithm
// (https://webassembly.github.io/spec/core/appendix/algorithm.html), and then calls the
// matching hook of `Iface` with decoded immediates. NullInterface (pure validation) has
// empty inline hooks; the interpreter translator and the LLVM builder are other
// interfaces of this same walker, so each body is decoded and validated exactly once.
//
// Hooks are called after the instruction's operands have been type-checked and popped
// and before its results are pushed; `control_depth()` and `control()` give a
// translator the positions it needs. A walker is reused across bodies (its stacks keep
// their capacity: no allocation per instruction, and none per function once warm).

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/binary/reader.h"
#include "engine/binary/sections.h"
#include "engine/ir/module.h"
#include "engine/validate/module_env.h"

namespace skiff::engine::validate {

// A block's type: parameters and results.
struct BlockSig {
  const ir::ValType* params = nullptr;
  uint32_t param_count = 0;
  const ir::ValType* results = nullptr;
  uint32_t result_count = 0;
  std::span<const ir::ValType> param_span() const { return {params, param_count}; }
  std::span<const ir::ValType> result_span() const { return {results, result_count}; }
};

struct MemArg {
  uint32_t align = 0;  // log2
  uint64_t offset = 0;
};

struct CtrlFrame {
  ir::Opcode kind;     // Block, Loop, If, Else (after `else`), or End for the function
  BlockSig sig;
  uint32_t height;     // operand stack height at entry (after popping params)
  bool unreachable;
  // Types a branch to this label expects: params for loops, results otherwise.
  std::span<const ir::ValType> label_types() const {
    return kind == ir::Opcode::Loop ? sig.param_span() : sig.result_span();
  }
};

// The validation-only interface: every hook does nothing.
struct NullInterface {
  void begin_function(uint32_t /*defined_index*/) {}
  void end_function() {}
  void on_block(ir::Opcode /*kind: Block, Loop or If*/, const BlockSig&) {}
  void on_else() {}
  void on_end(const CtrlFrame&) {}
  void on_br(uint32_t /*depth*/) {}
  void on_br_if(uint32_t /*depth*/) {}
  void on_br_table(std::span<const uint32_t> /*depths, default last*/) {}
  void on_return() {}
  void on_call(ir::FuncIdx) {}
  void on_call_indirect(ir::TypeIdx, ir::TableIdx) {}
  void on_local(ir::Opcode, uint32_t /*index*/) {}
  void on_global(ir::Opcode, uint32_t /*index*/) {}
  void on_select(ir::ValType) {}
  void on_const(ir::Opcode, uint64_t /*bits*/) {}
  void on_v128_const(const ir::V128&) {}
  void on_simple(ir::Opcode) {}            // typed by opcodes.def, no immediates
  void on_memory(ir::Opcode, const MemArg&) {}
  void on_lane(ir::Opcode, uint8_t /*lane*/) {}
  void on_memory_lane(ir::Opcode, const MemArg&, uint8_t /*lane*/) {}
  void on_shuffle(const uint8_t* /*lanes[16]*/) {}
  void on_ref_null(ir::ValType) {}
  void on_ref_func(ir::FuncIdx) {}
  // Index-carrying misc ops: memory.size/grow/fill/copy, memory.init (a=data),
  // data.drop, table.get/set/size/grow/fill, table.init (a=elem, b=table),
  // table.copy (a=dst, b=src), elem.drop, ref.is_null, drop, unreachable, nop.
  void on_other(ir::Opcode, uint32_t /*a*/ = 0, uint32_t /*b*/ = 0) {}
};

template <typename Iface>
class FuncWalker {
 public:
  // `env` and `iface` must outlive the walker.
  FuncWalker(const ModuleEnv& env, Iface& iface) : m_env(env), m_iface(iface) {}

  // Validates body number `defined_index` (0 = first defined function) and drives the
  // interface. Errors carry the absolute byte offset of the offending instruction.
  Result<void> walk(uint32_t defined_index);

  uint32_t control_depth() const { return static_cast<uint32_t>(m_ctrls.size()); }
  const CtrlFrame& control(uint32_t depth) const { return m_ctrls[m_ctrls.size() - 1 - depth]; }
  std::span<const ir::ValType> local_types() const { return m_locals; }

 private:
  using ValType = ir::ValType;
  using Opcode = ir::Opcode;

  Error err(ErrorCode code) const { return Error(code, static_cast<uint32_t>(m_op_pos - m_base)); }
  // Values on the operand stack at once; deeper bodies are an implementation limit.
  static constexpr size_t kMaxOperandStack = 1 << 20;

  // The operand stack is a raw array (m_stack .. o.sp) grown on demand; the current
  // frame's base and unreachable flag are cached so a pop is one compare in the
  // common case. The three live in an Ops local to walk(), passed by reference only
  // to inlined helpers (and as copies to the rest), so they stay in registers.
  struct Ops {
    ValType* sp;
    ValType* base;
    bool unreachable;
  };
  uint32_t height(const Ops& o) const { return static_cast<uint32_t>(o.sp - m_stack); }
  [[gnu::always_inline]] void push(Ops& o, ValType t) {
    if (o.sp == m_stack_end) [[unlikely]] o = grow_stack(o);
    *o.sp++ = t;
  }
  // Out of line and by value, so the caller's Ops never escapes.
  [[gnu::noinline]] Ops grow_stack(Ops o) {
    size_t h = static_cast<size_t>(o.sp - m_stack), base = static_cast<size_t>(o.base - m_stack);
    size_t cap = std::max<size_t>(64, m_storage.size() * 2);
    m_storage.resize(cap);
    m_stack = m_storage.data();
    m_stack_end = m_stack + cap;
    return Ops{m_stack + h, m_stack + base, o.unreachable};
  }
  [[gnu::always_inline]] void push_span(Ops& o, std::span<const ValType> ts) {
    for (ValType t : ts) push(o, t);
  }
  // Pops any value; Bottom when the polymorphic stack of unreachable code is empty.
  [[gnu::always_inline]] Result<ValType> pop_any(Ops& o) {
    if (o.sp == o.base) {
      if (o.unreachable) return ValType::Bottom;
      return err(ErrorCode::TypeMismatch);
    }
    return *--o.sp;
  }
  [[gnu::always_inline]] Result<void> pop(Ops& o, ValType expect) {
    if (o.sp == o.base) [[unlikely]] {
      if (o.unreachable) return ok();
      return err(ErrorCode::TypeMismatch);
    }
    ValType t = o.sp[-1];
    if (t != expect && t != ValType::Bottom) [[unlikely]] return err(ErrorCode::TypeMismatch);
    --o.sp;
    return ok();
  }
  [[gnu::always_inline]] Result<void> pop_span(Ops& o, std::span<const ValType> ts) {
    for (size_t i = ts.size(); i-- > 0;) SKIFF_TRY(pop(o, ts[i]));
    return ok();
  }
  // Pops an instruction's operands as listed in opcodes.def.
  [[gnu::always_inline]] Result<void> pop_params(Ops& o, const ir::OpInfo& info) {
    // Fast path: enough values in this frame and all of the exact types.
    const uint32_t n = info.param_count;
    if (static_cast<uint32_t>(o.sp - o.base) >= n) [[likely]] {
      bool match = true;
      for (uint32_t i = 0; i < n; ++i) match &= o.sp[static_cast<ptrdiff_t>(i) - n] == info.params[i];
      if (match) [[likely]] {
        o.sp -= n;
        return ok();
      }
    }
    for (uint32_t i = n; i-- > 0;) SKIFF_TRY(pop(o, info.params[i]));
    return ok();
  }
  [[gnu::always_inline]] void sync_frame(Ops& o) {
    const CtrlFrame& f = m_ctrls.back();
    o.base = m_stack + f.height;
    o.unreachable = f.unreachable;
  }
  [[gnu::always_inline]] void push_ctrl(Ops& o, Opcode kind, const BlockSig& sig) {
    m_ctrls.push_back(CtrlFrame{kind, sig, height(o), false});
    sync_frame(o);
    push_span(o, sig.param_span());
  }
  [[gnu::always_inline]] Result<CtrlFrame> pop_ctrl(Ops& o) {
    const CtrlFrame& f = m_ctrls.back();
    SKIFF_TRY(pop_span(o, f.sig.result_span()));
    if (o.sp != o.base) return err(ErrorCode::TypeMismatch);
    CtrlFrame out = f;
    m_ctrls.pop_back();
    if (!m_ctrls.empty()) sync_frame(o);
    return out;
  }
  [[gnu::always_inline]] void set_unreachable(Ops& o) {
    CtrlFrame& f = m_ctrls.back();
    o.sp = m_stack + f.height;
    f.unreachable = true;
    o.unreachable = true;
  }
  // br_table: pops values of types `ts` and pushes back what was actually popped
  // (Bottom stays Bottom), so labels of equal arity but other types can still meet in
  // unreachable code: push_vals(pop_vals(ts)) of the spec algorithm.
  Result<void> repush_label_values(Ops& o, std::span<const ValType> ts) {
    m_scratch.clear();
    for (size_t i = ts.size(); i-- > 0;) {
      if (o.sp == o.base) {
        if (!o.unreachable) return err(ErrorCode::TypeMismatch);
        m_scratch.push_back(ValType::Bottom);
        continue;
      }
      ValType t = o.sp[-1];
      if (t != ts[i] && t != ValType::Bottom) return err(ErrorCode::TypeMismatch);
      --o.sp;
      m_scratch.push_back(t);
    }
    for (size_t i = m_scratch.size(); i-- > 0;) push(o, m_scratch[i]);
    return ok();
  }
  // Pops then re-pushes `ts` (br_if keeps the label's values, typed as the label's).
  [[gnu::always_inline]] Result<void> check_label_values(Ops& o, std::span<const ValType> ts) {
    SKIFF_TRY(pop_span(o, ts));
    push_span(o, ts);
    return ok();
  }

  [[gnu::always_inline]] inline Result<BlockSig> read_block_type(binary::Reader& r);
  [[gnu::always_inline]] Result<uint32_t> read_label(binary::Reader& r) {
    SKIFF_TRY_ASSIGN(uint32_t depth, r.read_u32());
    if (depth >= m_ctrls.size()) return err(ErrorCode::UnknownLabel);
    return depth;
  }
  [[gnu::always_inline]] inline Result<MemArg> read_memarg(binary::Reader& r, uint32_t natural_align);
  Result<void> require_memory(uint32_t idx = 0) {
    if (idx >= m_env.module->memories.size()) return err(ErrorCode::UnknownMemory);
    return ok();
  }
  [[gnu::always_inline]] Result<void> read_zero_byte(binary::Reader& r) {
    SKIFF_TRY_ASSIGN(uint8_t b, r.read_u8());
    if (b != 0) return err(ErrorCode::ZeroByteExpected);
    return ok();
  }
  [[gnu::always_inline]] Result<const ir::TableType*> read_table(binary::Reader& r, uint32_t* idx_out) {
    SKIFF_TRY_ASSIGN(uint32_t idx, r.read_u32());
    if (idx >= m_env.module->tables.size()) return err(ErrorCode::UnknownTable);
    *idx_out = idx;
    return &m_env.module->tables[idx];
  }
  [[gnu::always_inline]] Result<uint8_t> read_lane(binary::Reader& r, uint32_t lanes) {
    SKIFF_TRY_ASSIGN(uint8_t lane, r.read_u8());
    if (lane >= lanes) return err(ErrorCode::InvalidLaneIndex);
    return lane;
  }
  Result<void> walk_prefixed(Ops& o, binary::Reader& r, Opcode op);
  Result<void> walk_simd(Ops& o, binary::Reader& r, Opcode op);

  const ModuleEnv& m_env;
  Iface& m_iface;
  std::vector<ValType> m_storage;  // backing store of the operand stack
  ValType* m_stack = nullptr;
  ValType* m_stack_end = nullptr;
  std::vector<CtrlFrame> m_ctrls;
  std::vector<ValType> m_locals;
  std::vector<uint32_t> m_br_targets;
  // br_table: m_label_checked[depth] == m_br_table_count once that label is checked.
  std::vector<uint32_t> m_label_checked;
  uint32_t m_br_table_count = 0;
  std::vector<ValType> m_scratch;
  const uint8_t* m_base = nullptr;    // the module's first byte
  const uint8_t* m_op_pos = nullptr;  // the current instruction
};

namespace detail {
// Static one-element type lists for single-result block types, indexed by type byte.
struct SingleTypes {
  ir::ValType types[256];
  constexpr SingleTypes() : types() {
    for (int i = 0; i < 256; ++i) types[i] = static_cast<ir::ValType>(i);
  }
};
inline constexpr SingleTypes kSingleTypes{};

// The typing of one-byte opcodes whose signature is fixed, packed into 8 bytes and
// indexed by the encoding byte, so the common path needs one small table load.
struct ByteSig {
  enum Kind : uint8_t { Special, Simple, Memory };
  Kind kind = Special;
  uint8_t param_count = 0;
  uint8_t has_result = 0;
  uint8_t align = 0;
  ir::ValType params[3] = {};
  ir::ValType result = ir::ValType::Bottom;
};
struct ByteSigs {
  ByteSig sigs[256];
  constexpr ByteSigs() : sigs() {
    for (size_t i = 0; i < ir::kOpcodeCount; ++i) {
      const ir::OpInfo& info = ir::kOpInfo[i];
      if (info.prefix != 0 || !info.typed_by_table) continue;
      if (info.imm != ir::Imm::None && info.imm != ir::Imm::MemArg) continue;
      ByteSig& b = sigs[info.code];
      b.kind = info.imm == ir::Imm::MemArg ? ByteSig::Memory : ByteSig::Simple;
      b.param_count = info.param_count;
      b.has_result = info.result_count;
      b.align = info.align;
      for (int j = 0; j < 3; ++j) b.params[j] = info.params[j];
      b.result = info.result;
    }
  }
};
inline constexpr ByteSigs kByteSigs{};

// The one-byte encoding of an unprefixed opcode, for case labels.
constexpr uint8_t enc(ir::Opcode op) { return static_cast<uint8_t>(ir::kOpInfo[static_cast<size_t>(op)].code); }

inline uint32_t lane_count(ir::Opcode op) {
  using ir::Opcode;
  switch (op) {
    case Opcode::I8x16ExtractLaneS: case Opcode::I8x16ExtractLaneU: case Opcode::I8x16ReplaceLane:
    case Opcode::V128Load8Lane: case Opcode::V128Store8Lane:
      return 16;
    case Opcode::I16x8ExtractLaneS: case Opcode::I16x8ExtractLaneU: case Opcode::I16x8ReplaceLane:
    case Opcode::V128Load16Lane: case Opcode::V128Store16Lane:
      return 8;
    case Opcode::I32x4ExtractLane: case Opcode::I32x4ReplaceLane: case Opcode::F32x4ExtractLane:
    case Opcode::F32x4ReplaceLane: case Opcode::V128Load32Lane: case Opcode::V128Store32Lane:
      return 4;
    default:
      return 2;
  }
}
}  // namespace detail

template <typename Iface>
Result<BlockSig> FuncWalker<Iface>::read_block_type(binary::Reader& r) {
  // blocktype ::= 0x40 | valtype | s33 (a type index, >= 0)
  if (r.at_end()) return r.error(ErrorCode::UnexpectedEndOfSection);
  uint8_t b = r.peek_u8();
  if (b == 0x40) {
    (void)r.read_u8();
    return BlockSig{};
  }
  if (ir::valtype_from_byte(b)) {
    (void)r.read_u8();
    return BlockSig{nullptr, 0, &detail::kSingleTypes.types[b], 1};
  }
  SKIFF_TRY_ASSIGN(int64_t idx, r.read_s33());
  if (idx < 0) return err(ErrorCode::MalformedValueType);
  const auto& types = m_env.module->types;
  if (static_cast<uint64_t>(idx) >= types.size()) return err(ErrorCode::UnknownType);
  const ir::FuncType& ft = types[static_cast<size_t>(idx)];
  return BlockSig{ft.params.data(), static_cast<uint32_t>(ft.params.size()), ft.results.data(),
                  static_cast<uint32_t>(ft.results.size())};
}

template <typename Iface>
Result<MemArg> FuncWalker<Iface>::read_memarg(binary::Reader& r, uint32_t natural_align) {
  MemArg ma;
  SKIFF_TRY_ASSIGN(ma.align, r.read_u32());
  SKIFF_TRY_ASSIGN(uint32_t offset, r.read_u32());
  ma.offset = offset;
  if (m_env.module->memories.empty()) [[unlikely]] return err(ErrorCode::UnknownMemory);
  if (ma.align > natural_align) [[unlikely]] return err(ErrorCode::AlignmentTooLarge);
  return ma;
}

template <typename Iface>
Result<void> FuncWalker<Iface>::walk(uint32_t defined_index) {
  using detail::enc;
  const ir::Module& m = *m_env.module;
  const ir::FuncBody& fb = m.codes[defined_index];
  const ir::FuncType& ft = m.func_type(ir::FuncIdx(m.imported_funcs + defined_index));

  m_locals.assign(ft.params.begin(), ft.params.end());
  for (const ir::LocalRun& run : fb.locals) m_locals.insert(m_locals.end(), run.count, run.type);
  if (m_storage.empty()) (void)grow_stack(Ops{m_stack, m_stack, false});
  Ops o{m_stack, m_stack, false};
  m_ctrls.clear();
  // The function's own frame: a block with the function's results and no params.
  m_ctrls.push_back(CtrlFrame{Opcode::End,
                              BlockSig{nullptr, 0, ft.results.data(),
                                       static_cast<uint32_t>(ft.results.size())},
                              0, false});
  sync_frame(o);
  m_iface.begin_function(defined_index);

  const uint8_t* base = m.bytes.data();
  m_base = base;
  binary::Reader r(base, base + fb.code_offset, base + fb.body.offset + fb.body.size,
                   ErrorCode::UnexpectedEndOfSection);
  const uint32_t func_count = static_cast<uint32_t>(m.funcs.size());
  const uint32_t global_count = static_cast<uint32_t>(m.globals.size());

  for (;;) {
    if (r.at_end()) [[unlikely]] return r.error(ErrorCode::EndOpcodeExpected);
    m_op_pos = r.pos();
    // A few bytes can push a thousand values (a call returning 1000 results), so a 1 MB
    // body could need hundreds of millions of stack entries here and in the interface:
    // past kMaxOperandStack (one instruction's pushes can overshoot it) the body is
    // refused. An interface may have a budget of its own (the translator's code size).
    if (static_cast<size_t>(o.sp - m_stack) > kMaxOperandStack) [[unlikely]]
      return Error(ErrorCode::ImplementationLimit, static_cast<uint32_t>(m_op_pos - m_base),
                   "operand stack deeper than " + std::to_string(kMaxOperandStack) + " values");
    if constexpr (requires(Iface& i) { i.over_budget(); })
      if (m_iface.over_budget()) [[unlikely]]
        return Error(ErrorCode::ImplementationLimit, static_cast<uint32_t>(m_op_pos - m_base),
                     "the function's translated code is too large");
    // An interface may count instructions (the interpreter's fuel metering).
    if constexpr (requires(Iface& i) { i.on_instruction(); }) m_iface.on_instruction();
    const uint8_t byte = *r.pos();
    (void)r.read_u8();
    // Switching on the encoding byte itself saves a table load before the jump.
    Opcode op = ir::kDecodeTables.one_byte[byte];
    switch (byte) {
      case 0xFC:
      case 0xFD: {
        SKIFF_TRY_ASSIGN(uint32_t code, r.read_u32());
        op = byte == 0xFC ? (code < 32 ? ir::kDecodeTables.prefix_fc[code] : Opcode::Invalid)
                          : (code < 256 ? ir::kDecodeTables.prefix_fd[code] : Opcode::Invalid);
        if (op == Opcode::Invalid) return err(ErrorCode::IllegalOpcode);
        // A copy goes to the out-of-line handlers so `r` itself never escapes.
        binary::Reader sub = r;
        Ops sub_ops = o;
        if (byte == 0xFC) SKIFF_TRY(walk_prefixed(sub_ops, sub, op));
        else SKIFF_TRY(walk_simd(sub_ops, sub, op));
        r = sub;
        o = sub_ops;
        break;
      }

      case enc(Opcode::Unreachable):
        m_iface.on_other(op);
        set_unreachable(o);
        break;
      case enc(Opcode::Nop):
        m_iface.on_other(op);
        break;
      case enc(Opcode::Block):
      case enc(Opcode::Loop):
      case enc(Opcode::If): {
        SKIFF_TRY_ASSIGN(BlockSig sig, read_block_type(r));
        if (op == Opcode::If) SKIFF_TRY(pop(o, ValType::I32));
        SKIFF_TRY(pop_span(o, sig.param_span()));
        m_iface.on_block(op, sig);
        push_ctrl(o, op, sig);
        break;
      }
      case enc(Opcode::Else): {
        if (m_ctrls.back().kind != Opcode::If) return err(ErrorCode::TypeMismatch);
        SKIFF_TRY_ASSIGN(CtrlFrame f, pop_ctrl(o));
        m_iface.on_else();
        push_ctrl(o, Opcode::Else, f.sig);
        break;
      }
      case enc(Opcode::End): {
        const CtrlFrame& top = m_ctrls.back();
        // An `if` without `else` behaves as if the else branch passed its params on.
        if (top.kind == Opcode::If &&
            !std::equal(top.sig.param_span().begin(), top.sig.param_span().end(),
                        top.sig.result_span().begin(), top.sig.result_span().end()))
          return err(ErrorCode::TypeMismatch);
        SKIFF_TRY_ASSIGN(CtrlFrame f, pop_ctrl(o));
        m_iface.on_end(f);
        if (m_ctrls.empty()) {
          if (!r.at_end()) return r.error(ErrorCode::SectionSizeMismatch);
          m_iface.end_function();
          return ok();
        }
        push_span(o, f.sig.result_span());
        break;
      }
      case enc(Opcode::Br): {
        SKIFF_TRY_ASSIGN(uint32_t depth, read_label(r));
        SKIFF_TRY(pop_span(o, control(depth).label_types()));
        m_iface.on_br(depth);
        set_unreachable(o);
        break;
      }
      case enc(Opcode::BrIf): {
        SKIFF_TRY_ASSIGN(uint32_t depth, read_label(r));
        SKIFF_TRY(pop(o, ValType::I32));
        SKIFF_TRY(check_label_values(o, control(depth).label_types()));
        m_iface.on_br_if(depth);
        break;
      }
      case enc(Opcode::BrTable): {
        SKIFF_TRY_ASSIGN(uint32_t n, r.read_count());
        m_br_targets.clear();
        m_br_targets.reserve(std::min<size_t>(size_t{n} + 1, r.remaining()));
        for (uint64_t i = 0; i <= n; ++i) {
          SKIFF_TRY_ASSIGN(uint32_t depth, read_label(r));
          m_br_targets.push_back(depth);
        }
        SKIFF_TRY(pop(o, ValType::I32));
        size_t arity = control(m_br_targets.back()).label_types().size();
        // Each label once: checking one again changes nothing, and a body of repeated
        // targets of a label with many values would cost entries x arity.
        if (m_label_checked.size() < m_ctrls.size()) m_label_checked.resize(m_ctrls.size(), 0);
        ++m_br_table_count;
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t& checked = m_label_checked[m_br_targets[i]];
          if (checked == m_br_table_count) continue;
          checked = m_br_table_count;
          auto types = control(m_br_targets[i]).label_types();
          if (types.size() != arity) return err(ErrorCode::TypeMismatch);
          SKIFF_TRY(repush_label_values(o, types));
        }
        SKIFF_TRY(pop_span(o, control(m_br_targets.back()).label_types()));
        m_iface.on_br_table(m_br_targets);
        set_unreachable(o);
        break;
      }
      case enc(Opcode::Return):
        SKIFF_TRY(pop_span(o, m_ctrls.front().sig.result_span()));
        m_iface.on_return();
        set_unreachable(o);
        break;
      case enc(Opcode::Call): {
        SKIFF_TRY_ASSIGN(uint32_t f, r.read_u32());
        if (f >= func_count) return err(ErrorCode::UnknownFunction);
        const ir::FuncType& callee = m.func_type(ir::FuncIdx(f));
        SKIFF_TRY(pop_span(o, callee.params));
        m_iface.on_call(ir::FuncIdx(f));
        push_span(o, callee.results);
        break;
      }
      case enc(Opcode::CallIndirect): {
        SKIFF_TRY_ASSIGN(uint32_t t, r.read_u32());
        uint32_t table = 0;
        SKIFF_TRY_ASSIGN(const ir::TableType* tt, read_table(r, &table));
        if (t >= m.types.size()) return err(ErrorCode::UnknownType);
        if (tt->elem != ValType::FuncRef) return err(ErrorCode::TypeMismatch);
        SKIFF_TRY(pop(o, ValType::I32));
        const ir::FuncType& callee = m.types[t];
        SKIFF_TRY(pop_span(o, callee.params));
        m_iface.on_call_indirect(ir::TypeIdx(t), ir::TableIdx(table));
        push_span(o, callee.results);
        break;
      }
      case enc(Opcode::Drop):
        SKIFF_TRY(pop_any(o));
        m_iface.on_other(op);
        break;
      case enc(Opcode::Select): {
        SKIFF_TRY(pop(o, ValType::I32));
        SKIFF_TRY_ASSIGN(ValType t1, pop_any(o));
        SKIFF_TRY_ASSIGN(ValType t2, pop_any(o));
        if (ir::is_ref(t1) || ir::is_ref(t2)) return err(ErrorCode::TypeMismatch);
        if (t1 != t2 && t1 != ValType::Bottom && t2 != ValType::Bottom)
          return err(ErrorCode::TypeMismatch);
        ValType t = t1 == ValType::Bottom ? t2 : t1;
        m_iface.on_select(t);
        push(o, t);
        break;
      }
      case enc(Opcode::SelectT): {
        SKIFF_TRY_ASSIGN(uint32_t n, r.read_u32());
        if (n != 1) return err(ErrorCode::InvalidResultArity);
        SKIFF_TRY_ASSIGN(uint8_t tb, r.read_u8());
        auto t = ir::valtype_from_byte(tb);
        if (!t) return err(ErrorCode::MalformedValueType);
        SKIFF_TRY(pop(o, ValType::I32));
        SKIFF_TRY(pop(o, *t));
        SKIFF_TRY(pop(o, *t));
        m_iface.on_select(*t);
        push(o, *t);
        break;
      }
      case enc(Opcode::LocalGet):
      case enc(Opcode::LocalSet):
      case enc(Opcode::LocalTee): {
        SKIFF_TRY_ASSIGN(uint32_t idx, r.read_u32());
        if (idx >= m_locals.size()) return err(ErrorCode::UnknownLocal);
        ValType t = m_locals[idx];
        if (op != Opcode::LocalGet) SKIFF_TRY(pop(o, t));
        m_iface.on_local(op, idx);
        if (op != Opcode::LocalSet) push(o, t);
        break;
      }
      case enc(Opcode::GlobalGet):
      case enc(Opcode::GlobalSet): {
        SKIFF_TRY_ASSIGN(uint32_t idx, r.read_u32());
        if (idx >= global_count) return err(ErrorCode::UnknownGlobal);
        const ir::GlobalType& g = m.globals[idx];
        if (op == Opcode::GlobalSet) {
          if (!g.is_mutable) return err(ErrorCode::GlobalIsImmutable);
          SKIFF_TRY(pop(o, g.type));
        }
        m_iface.on_global(op, idx);
        if (op == Opcode::GlobalGet) push(o, g.type);
        break;
      }
      case enc(Opcode::TableGet):
      case enc(Opcode::TableSet): {
        uint32_t table = 0;
        SKIFF_TRY_ASSIGN(const ir::TableType* tt, read_table(r, &table));
        if (op == Opcode::TableSet) SKIFF_TRY(pop(o, tt->elem));
        SKIFF_TRY(pop(o, ValType::I32));
        m_iface.on_other(op, table);
        if (op == Opcode::TableGet) push(o, tt->elem);
        break;
      }
      case enc(Opcode::MemorySize):
      case enc(Opcode::MemoryGrow):
        SKIFF_TRY(read_zero_byte(r));
        SKIFF_TRY(require_memory());
        if (op == Opcode::MemoryGrow) SKIFF_TRY(pop(o, ValType::I32));
        m_iface.on_other(op, 0);
        push(o, ValType::I32);
        break;
      case enc(Opcode::I32Const): {
        SKIFF_TRY_ASSIGN(int32_t v, r.read_s32());
        m_iface.on_const(op, static_cast<uint32_t>(v));
        push(o, ValType::I32);
        break;
      }
      case enc(Opcode::I64Const): {
        SKIFF_TRY_ASSIGN(int64_t v, r.read_s64());
        m_iface.on_const(op, static_cast<uint64_t>(v));
        push(o, ValType::I64);
        break;
      }
      case enc(Opcode::F32Const): {
        SKIFF_TRY_ASSIGN(uint32_t v, r.read_fixed_u32());
        m_iface.on_const(op, v);
        push(o, ValType::F32);
        break;
      }
      case enc(Opcode::F64Const): {
        SKIFF_TRY_ASSIGN(uint64_t v, r.read_fixed_u64());
        m_iface.on_const(op, v);
        push(o, ValType::F64);
        break;
      }
      case enc(Opcode::RefNull): {
        SKIFF_TRY_ASSIGN(uint8_t tb, r.read_u8());
        if (tb != 0x70 && tb != 0x6F) return err(ErrorCode::MalformedReferenceType);
        auto t = static_cast<ValType>(tb);
        m_iface.on_ref_null(t);
        push(o, t);
        break;
      }
      case enc(Opcode::RefIsNull): {
        SKIFF_TRY_ASSIGN(ValType t, pop_any(o));
        if (t != ValType::Bottom && !ir::is_ref(t)) return err(ErrorCode::TypeMismatch);
        m_iface.on_other(op);
        push(o, ValType::I32);
        break;
      }
      case enc(Opcode::RefFunc): {
        SKIFF_TRY_ASSIGN(uint32_t f, r.read_u32());
        if (f >= func_count) return err(ErrorCode::UnknownFunction);
        if (!m_env.declared_funcs[f]) return err(ErrorCode::UndeclaredFunctionReference);
        m_iface.on_ref_func(ir::FuncIdx(f));
        push(o, ValType::FuncRef);
        break;
      }
      default: {
        // Instructions with a fixed signature: numeric ops, loads and stores. The top
        // of the stack is checked in place; the slow path handles unreachable code
        // and reports mismatches.
        const detail::ByteSig& sig = detail::kByteSigs.sigs[byte];
        if (sig.kind == detail::ByteSig::Special) [[unlikely]] return err(ErrorCode::IllegalOpcode);
        MemArg ma;
        if (sig.kind == detail::ByteSig::Memory) {
          SKIFF_TRY_ASSIGN(ma, read_memarg(r, sig.align));
        }
        const ptrdiff_t avail = o.sp - o.base;
        bool fast;
        switch (sig.param_count) {
          case 0: fast = true; break;
          case 1: fast = avail >= 1 && o.sp[-1] == sig.params[0]; break;
          case 2: fast = avail >= 2 && o.sp[-1] == sig.params[1] && o.sp[-2] == sig.params[0]; break;
          default: fast = false; break;
        }
        if (fast) [[likely]] {
          o.sp -= sig.param_count;
        } else {
          for (uint32_t i = sig.param_count; i-- > 0;) SKIFF_TRY(pop(o, sig.params[i]));
        }
        if (sig.kind == detail::ByteSig::Memory) m_iface.on_memory(op, ma);
        else m_iface.on_simple(op);
        if (sig.has_result) push(o, sig.result);
        break;
      }
    }
  }
}

template <typename Iface>
Result<void> FuncWalker<Iface>::walk_prefixed(Ops& o, binary::Reader& r, Opcode op) {
  const ir::Module& m = *m_env.module;
  switch (op) {
    case Opcode::MemoryInit:
    case Opcode::DataDrop: {
      SKIFF_TRY_ASSIGN(uint32_t data, r.read_u32());
      if (op == Opcode::MemoryInit) {
        SKIFF_TRY(read_zero_byte(r));
        SKIFF_TRY(require_memory());
      }
      if (!m.data_count) return err(ErrorCode::DataCountRequired);
      if (data >= *m.data_count) return err(ErrorCode::UnknownDataSegment);
      if (op == Opcode::MemoryInit) {
        SKIFF_TRY(pop(o, ValType::I32));
        SKIFF_TRY(pop(o, ValType::I32));
        SKIFF_TRY(pop(o, ValType::I32));
      }
      m_iface.on_other(op, data);
      return ok();
    }
    case Opcode::MemoryCopy:
      SKIFF_TRY(read_zero_byte(r));
      SKIFF_TRY(read_zero_byte(r));
      [[fallthrough]];
    case Opcode::MemoryFill:
      if (op == Opcode::MemoryFill) SKIFF_TRY(read_zero_byte(r));
      SKIFF_TRY(require_memory());
      SKIFF_TRY(pop(o, ValType::I32));
      SKIFF_TRY(pop(o, ValType::I32));
      SKIFF_TRY(pop(o, ValType::I32));
      m_iface.on_other(op);
      return ok();
    case Opcode::TableInit: {
      SKIFF_TRY_ASSIGN(uint32_t elem, r.read_u32());
      uint32_t table = 0;
      SKIFF_TRY_ASSIGN(const ir::TableType* tt, read_table(r, &table));
      if (elem >= m.elems.size()) return err(ErrorCode::UnknownElemSegment);
      if (m.elems[elem].type != tt->elem) return err(ErrorCode::TypeMismatch);
      SKIFF_TRY(pop(o, ValType::I32));
      SKIFF_TRY(pop(o, ValType::I32));
      SKIFF_TRY(pop(o, ValType::I32));
      m_iface.on_other(op, elem, table);
      return ok();
    }
    case Opcode::ElemDrop: {
      SKIFF_TRY_ASSIGN(uint32_t elem, r.read_u32());
      if (elem >= m.elems.size()) return err(ErrorCode::UnknownElemSegment);
      m_iface.on_other(op, elem);
      return ok();
    }
    case Opcode::TableCopy: {
      uint32_t dst = 0, src = 0;
      SKIFF_TRY_ASSIGN(const ir::TableType* tdst, read_table(r, &dst));
      SKIFF_TRY_ASSIGN(const ir::TableType* tsrc, read_table(r, &src));
      if (tdst->elem != tsrc->elem) return err(ErrorCode::TypeMismatch);
      SKIFF_TRY(pop(o, ValType::I32));
      SKIFF_TRY(pop(o, ValType::I32));
      SKIFF_TRY(pop(o, ValType::I32));
      m_iface.on_other(op, dst, src);
      return ok();
    }
    case Opcode::TableGrow:
    case Opcode::TableSize:
    case Opcode::TableFill: {
      uint32_t table = 0;
      SKIFF_TRY_ASSIGN(const ir::TableType* tt, read_table(r, &table));
      if (op == Opcode::TableGrow) {
        SKIFF_TRY(pop(o, ValType::I32));
        SKIFF_TRY(pop(o, tt->elem));
      } else if (op == Opcode::TableFill) {
        SKIFF_TRY(pop(o, ValType::I32));
        SKIFF_TRY(pop(o, tt->elem));
        SKIFF_TRY(pop(o, ValType::I32));
      }
      m_iface.on_other(op, table);
      if (op != Opcode::TableFill) push(o, ValType::I32);
      return ok();
    }
    default: {
      // Saturating truncations: typed by the table.
      const ir::OpInfo& info = ir::op_info(op);
      SKIFF_TRY(pop(o, info.params[0]));
      m_iface.on_simple(op);
      push(o, info.result);
      return ok();
    }
  }
}

template <typename Iface>
Result<void> FuncWalker<Iface>::walk_simd(Ops& o, binary::Reader& r, Opcode op) {
  const ir::OpInfo& info = ir::op_info(op);
  switch (info.imm) {
    case ir::Imm::MemArg: {
      SKIFF_TRY_ASSIGN(MemArg ma, read_memarg(r, ir::op_info(op).align));
      SKIFF_TRY(pop_params(o, info));
      m_iface.on_memory(op, ma);
      break;
    }
    case ir::Imm::MemArgLane: {
      SKIFF_TRY_ASSIGN(MemArg ma, read_memarg(r, ir::op_info(op).align));
      SKIFF_TRY_ASSIGN(uint8_t lane, read_lane(r, detail::lane_count(op)));
      SKIFF_TRY(pop_params(o, info));
      m_iface.on_memory_lane(op, ma, lane);
      break;
    }
    case ir::Imm::Lane: {
      SKIFF_TRY_ASSIGN(uint8_t lane, read_lane(r, detail::lane_count(op)));
      SKIFF_TRY(pop_params(o, info));
      m_iface.on_lane(op, lane);
      break;
    }
    case ir::Imm::V128: {
      SKIFF_TRY_ASSIGN(const uint8_t* p, r.read_bytes(16));
      ir::V128 v;
      std::memcpy(v.bytes, p, 16);
      m_iface.on_v128_const(v);
      break;
    }
    case ir::Imm::Shuffle: {
      SKIFF_TRY_ASSIGN(const uint8_t* p, r.read_bytes(16));
      for (int i = 0; i < 16; ++i)
        if (p[i] >= 32) return err(ErrorCode::InvalidLaneIndex);
      SKIFF_TRY(pop(o, ValType::V128));
      SKIFF_TRY(pop(o, ValType::V128));
      m_iface.on_shuffle(p);
      break;
    }
    default:
      SKIFF_TRY(pop_params(o, info));
      m_iface.on_simple(op);
      break;
  }
  if (info.result_count) push(o, info.result);
  return ok();
}

}  // namespace skiff::engine::validate
