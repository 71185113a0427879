#pragma once
// Translator: the FuncWalker interface that turns one validated body into the
// interpreter's register-slot threaded code (code.h). It mirrors the operand stack with
// compile-time entries that say where each value lives — a temporary slot ("home"), a
// local's own slot, or a constant — so local.get and constants cost no instruction,
// results go straight to their consumer's slot (local.set retargets the producer), and
// integer compares fuse with the branch that consumes them. Block results are moved by
// copies the translator emits; branch targets are resolved by back-patching.
// Design and invariants: docs/interpreter.md.

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <vector>

#include "base/assert.h"
#include "base/result.h"
#include "engine/interp/code.h"
#include "engine/validate/func_walker.h"

namespace skiff::engine::interp {

class Translator {
 public:
  explicit Translator(const validate::ModuleEnv& env, CodeOptions opts = {});

  // Translates body `defined_index` (already validated, so errors are only
  // implementation limits).
  Result<std::unique_ptr<CompiledFunc>> translate(uint32_t defined_index);

  // FuncWalker hooks (see validate::NullInterface).
  void begin_function(uint32_t defined_index);
  void on_instruction() { ++m_fuel_count; }
  // Past kCodeWordsPerByte words per byte of the body (normal code takes about 1.25), the
  // walker stops: a branch that moves a thousand values is 4 bytes of wasm and 4,000
  // words here, and a 1 MB body of them took gigabytes.
  static constexpr size_t kCodeWordsPerByte = 32;
  bool over_budget() const { return m_code.size > m_code_budget; }
  void end_function() {}
  void on_block(ir::Opcode kind, const validate::BlockSig& sig);
  void on_else();
  void on_end(const validate::CtrlFrame& frame);
  void on_br(uint32_t depth);
  void on_br_if(uint32_t depth);
  void on_br_table(std::span<const uint32_t> depths);
  void on_return();
  void on_call(ir::FuncIdx f);
  void on_call_indirect(ir::TypeIdx t, ir::TableIdx table);
  void on_local(ir::Opcode op, uint32_t index);
  void on_global(ir::Opcode op, uint32_t index);
  void on_select(ir::ValType t);
  void on_const(ir::Opcode op, uint64_t bits);
  void on_v128_const(const ir::V128& v);
  void on_simple(ir::Opcode op);
  void on_memory(ir::Opcode op, const validate::MemArg& ma);
  void on_lane(ir::Opcode op, uint8_t lane);
  void on_memory_lane(ir::Opcode op, const validate::MemArg& ma, uint8_t lane);
  void on_shuffle(const uint8_t* lanes);
  void on_ref_null(ir::ValType t);
  void on_ref_func(ir::FuncIdx f);
  void on_other(ir::Opcode op, uint32_t a = 0, uint32_t b = 0);

  // Stack entries and br_table targets visited by the bookkeeping that keeps references
  // to locals valid and shares br_table stubs, summed over every body translated so far:
  // at most one per entry pushed plus one per br_table target, so tests can check that
  // no body makes translation quadratic without timing it.
  uint64_t bookkeeping_visits() const { return m_visits; }

 private:
  using ValType = ir::ValType;
  static constexpr uint32_t kNone = UINT32_MAX;

  // Where a value on the operand stack lives. Every entry has a home slot (its place
  // in the frame's stack area); a Temp is in it, a Local is still in its local's slot
  // (local.get emitted nothing), a Const has not been written anywhere yet.
  enum class Kind : uint8_t { Temp, Local, Const };
  struct Entry {
    Kind kind;
    ValType type;
    uint32_t home;
    uint32_t local;  // Kind::Local: the local's index
    uint32_t below;  // Kind::Local: stack index of the next entry down referring to it, or kNone
    uint64_t bits;   // Kind::Const
  };
  struct Ctl {
    ir::Opcode kind;
    bool dead_entry;         // entered in unreachable code: nothing inside is emitted
    uint32_t height;         // stack entries below the block's params
    uint32_t base;           // home slot of the first param/result
    uint32_t n_params, n_results;
    const ValType* params;
    const ValType* results;
    uint32_t fixups = kNone;  // chain of forward branch words to patch at `end`
    uint32_t loop_pos = 0;    // loops: the label's code position
    uint32_t else_fixup = kNone;
    // br_table: the stub for this label in table number `table_stamp` (kNone: the
    // label needs no copies and the table jumps straight to it).
    uint32_t table_stamp = 0;
    uint32_t table_stub = kNone;
  };

  // The code under construction. Words are stored through an inline fast path:
  // std::vector::push_back was not inlined here and its calls were a seventh of the
  // translation time. The vector is kept at its capacity; `size` counts the words.
  struct CodeBuffer {
    std::vector<uint32_t> words;
    size_t size = 0;
    void start(size_t expected) {
      words = {};
      words.resize(std::max<size_t>(expected, 16));
      size = 0;
    }
    [[gnu::always_inline]] void push_back(uint32_t v) {
      if (size == words.size()) [[unlikely]] grow();
      words[size++] = v;
    }
    void resize(size_t n, uint32_t fill = 0) {
      while (n > words.size()) grow();
      if (n > size) std::fill(words.begin() + static_cast<ptrdiff_t>(size), words.begin() + static_cast<ptrdiff_t>(n), fill);
      size = n;
    }
    uint32_t& operator[](size_t i) {
      SKIFF_ASSERT(i < size, "code word past the end");
      return words[i];
    }
    uint32_t operator[](size_t i) const {
      SKIFF_ASSERT(i < size, "code word past the end");
      return words[i];
    }
    // The finished code, its capacity trimmed when much is unused.
    std::vector<uint32_t> take() {
      words.resize(size);
      if (words.capacity() - size > size / 2 + 64) words.shrink_to_fit();
      size = 0;
      return std::move(words);
    }
    [[gnu::noinline]] void grow() { words.resize(std::max<size_t>(16, words.size() * 2)); }
  };

  // Emission.
  void emit_op(XOp x);
  [[gnu::always_inline]] void w(uint32_t v) { m_code.push_back(v); }
  void w64(uint64_t v) {
    w(static_cast<uint32_t>(v));
    w(static_cast<uint32_t>(v >> 32));
  }
  uint32_t pos() const { return static_cast<uint32_t>(m_code.size); }
  void link_fixup(uint32_t& head);           // emits a forward-branch word in the chain
  void bind(uint32_t head);                  // patches a chain to the current position
  void emit_offset_to(uint32_t target) { w(target - pos()); }

  // Stack.
  uint32_t next_home() const;
  void push_temp(ValType t);
  void push_entry(Entry e);  // a Temp or a Const
  void push_local(ValType t, uint32_t home, uint32_t local);
  Entry pop();
  void track(uint32_t slot_end) { m_max_slot = std::max(m_max_slot, slot_end); }
  uint32_t local_slot(uint32_t local) const { return m_local_slots[local]; }
  // The slot holding `e` now, writing a constant to its home first if needed.
  uint32_t read(const Entry& e);
  void copy_to(uint32_t dst, const Entry& src);
  // References to locals and constants become Temps, copied to their homes: the top `n`
  // entries, every entry referring to `local`, or every reference to a local. The last
  // two visit only the entries they change (materialize_all_locals: the entries pushed
  // since its previous call), so their total over a body is linear in its size.
  void materialize_top(size_t n);
  void materialize_locals(uint32_t local);
  void materialize_all_locals();
  void to_home(Entry& e);  // no bookkeeping: callers unlink Local entries first
  // A "result" instruction just emitted: remember its destination word for retargeting.
  void produced(uint32_t dst_word_pos) {
    m_last_dst = dst_word_pos;
    m_last_end = pos();
  }
  bool last_produced_top() const;

  // Control.
  Ctl& ctl(uint32_t depth) { return m_ctls[m_ctls.size() - 1 - depth]; }
  std::span<const ValType> label_types(const Ctl& c) const {
    return c.kind == ir::Opcode::Loop ? std::span<const ValType>(c.params, c.n_params)
                                      : std::span<const ValType>(c.results, c.n_results);
  }
  bool values_in_place(const Ctl& target) const;
  void move_label_values(const Ctl& target);
  void emit_branch(Ctl& target);  // copies + jump (or the return sequence)
  void emit_return();
  void reset_stack(const Ctl& c, std::span<const ValType> types);
  // Branch conditions: take_cond() pops the condition (undoing a just-emitted integer
  // compare so the branch can fuse it); emit_cond() emits the branch taken when the
  // condition is `when_true` and returns its offset word, or kNone if it is a constant
  // that never branches that way.
  struct Cond;
  Cond take_cond();
  uint32_t emit_cond(const Cond& c, bool when_true);
  void point_at(uint32_t word, Ctl& target);  // a branch word to `target`'s label
  void emit_call(XOp x, uint32_t a, uint32_t b, const ir::FuncType& ft, const Entry* index);
  // CodeOptions checks: at a function entry or loop head (`head`) a Poll or a new fuel
  // region; after a loop's end a new fuel region. The open region's cost word is
  // patched when the next one starts or the function ends.
  void emit_checks(bool head);
  void close_fuel_region();

  const ir::Module& m_module;
  CodeOptions m_opts;
  const void* const* m_handlers;
  validate::FuncWalker<Translator> m_walker;

  CodeBuffer m_code;
  size_t m_code_budget = 0;  // words; see over_budget()
  std::vector<Entry> m_stack;
  std::vector<Ctl> m_ctls;
  std::vector<uint32_t> m_local_slots;
  std::vector<ValType> m_local_types;
  // References to locals on the stack: per local, the stack index of the topmost entry
  // referring to it (kNone if none), the rest chained downward through Entry::below;
  // and a floor: no entry below it is a Local.
  std::vector<uint32_t> m_local_top;
  uint32_t m_local_floor = 0;
  std::vector<uint32_t> m_scratch;
  uint32_t m_br_tables = 0;  // br_tables in this body so far (Ctl::table_stamp)
  uint64_t m_visits = 0;
  uint32_t m_locals_end = 0;  // first slot after the locals
  uint32_t m_max_slot = 0;
  bool m_dead = false;
  uint32_t m_last_dst = kNone;   // dst word of the last instruction, if it produced the top
  uint32_t m_last_end = kNone;   // code size right after that instruction
  uint32_t m_last_start = kNone;
  ir::Opcode m_last_cmp = ir::Opcode::Invalid;  // that instruction, if a fusable compare
  bool m_last_cmp_ri = false;
  ir::Opcode m_last_load = ir::Opcode::Invalid;  // the last load emitted, at m_last_load_pos
  uint32_t m_last_load_pos = kNone;
  uint32_t m_fuel_word = kNone;  // cost word of the open fuel region
  uint32_t m_fuel_count = 0;     // wasm instructions since it opened
  uint32_t m_defined_index = 0;
  const ir::FuncType* m_type = nullptr;
};

}  // namespace skiff::engine::interp
