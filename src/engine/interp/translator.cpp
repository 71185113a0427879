#include "engine/interp/translator.h"

#include <algorithm>

namespace skiff::engine::interp {

using ir::Opcode;
using ir::ValType;

namespace {

constexpr size_t idx(Opcode op) { return static_cast<size_t>(op); }

// ir::Opcode -> the xop that executes it, its immediate form, and its fused branches.
struct OpMaps {
  XOp simple[ir::kOpcodeCount];
  XOp ri[ir::kOpcodeCount];
  XOp br[ir::kOpcodeCount];
  XOp br_ri[ir::kOpcodeCount];
  XOp mem[ir::kOpcodeCount];          // the form with a memory right operand
  Opcode mem_load[ir::kOpcodeCount];  // the load that form fuses
  Opcode negated[ir::kOpcodeCount];
  bool wide_imm[ir::kOpcodeCount];  // the immediate form takes an i64
};

constexpr OpMaps make_maps() {
  OpMaps m{};
  for (size_t i = 0; i < ir::kOpcodeCount; ++i) {
    m.simple[i] = m.ri[i] = m.br[i] = m.br_ri[i] = m.mem[i] = XOp::Count_;
    m.negated[i] = m.mem_load[i] = Opcode::Invalid;
  }
#define SKIFF_UN(op, fn, A, R, traps) m.simple[idx(Opcode::op)] = XOp::op;
#define SKIFF_BIN(op, fn, A, B, R, traps) m.simple[idx(Opcode::op)] = XOp::op;
#define SKIFF_BIN_RI(op, fn, A, B, R, traps)   \
  m.simple[idx(Opcode::op)] = XOp::op;          \
  m.ri[idx(Opcode::op)] = XOp::op##Ri;          \
  m.wide_imm[idx(Opcode::op)] = std::string_view(#A) == "U64";
#define SKIFF_TERN(op, fn, A, B, C, R) m.simple[idx(Opcode::op)] = XOp::op;
#define SKIFF_EXTRACT(op, fn, R) m.simple[idx(Opcode::op)] = XOp::op;
#define SKIFF_REPLACE(op, fn, B) m.simple[idx(Opcode::op)] = XOp::op;
#define SKIFF_CMP(op, fn, T, neg)             \
  m.br[idx(Opcode::op)] = XOp::Br##op;        \
  m.br_ri[idx(Opcode::op)] = XOp::Br##op##Ri; \
  m.negated[idx(Opcode::op)] = Opcode::neg;
#include "engine/interp/ops.def"
#undef SKIFF_UN
#undef SKIFF_BIN
#undef SKIFF_BIN_RI
#undef SKIFF_TERN
#undef SKIFF_EXTRACT
#undef SKIFF_REPLACE
#undef SKIFF_CMP
#define SKIFF_MEM(op) m.simple[idx(Opcode::op)] = XOp::op;
  SKIFF_MEM(I32Load) SKIFF_MEM(I64Load) SKIFF_MEM(F32Load) SKIFF_MEM(F64Load)
  SKIFF_MEM(I32Load8S) SKIFF_MEM(I32Load8U) SKIFF_MEM(I32Load16S) SKIFF_MEM(I32Load16U)
  SKIFF_MEM(I64Load8S) SKIFF_MEM(I64Load8U) SKIFF_MEM(I64Load16S) SKIFF_MEM(I64Load16U)
  SKIFF_MEM(I64Load32S) SKIFF_MEM(I64Load32U)
  SKIFF_MEM(I32Store) SKIFF_MEM(I64Store) SKIFF_MEM(F32Store) SKIFF_MEM(F64Store)
  SKIFF_MEM(I32Store8) SKIFF_MEM(I32Store16) SKIFF_MEM(I64Store8) SKIFF_MEM(I64Store16)
  SKIFF_MEM(I64Store32)
  SKIFF_MEM(V128Load) SKIFF_MEM(V128Load8x8S) SKIFF_MEM(V128Load8x8U) SKIFF_MEM(V128Load16x4S)
  SKIFF_MEM(V128Load16x4U) SKIFF_MEM(V128Load32x2S) SKIFF_MEM(V128Load32x2U)
  SKIFF_MEM(V128Load8Splat) SKIFF_MEM(V128Load16Splat) SKIFF_MEM(V128Load32Splat)
  SKIFF_MEM(V128Load64Splat) SKIFF_MEM(V128Load32Zero) SKIFF_MEM(V128Load64Zero)
  SKIFF_MEM(V128Store)
  SKIFF_MEM(V128Load8Lane) SKIFF_MEM(V128Load16Lane) SKIFF_MEM(V128Load32Lane) SKIFF_MEM(V128Load64Lane)
  SKIFF_MEM(V128Store8Lane) SKIFF_MEM(V128Store16Lane) SKIFF_MEM(V128Store32Lane) SKIFF_MEM(V128Store64Lane)
#undef SKIFF_MEM
#define SKIFF_BIN_M(op, fn, T, load)  \
  m.mem[idx(Opcode::op)] = XOp::op##M; \
  m.mem_load[idx(Opcode::op)] = Opcode::load;
#include "engine/interp/mem_ops.def"
#undef SKIFF_BIN_M
  return m;
}

constexpr OpMaps kMaps = make_maps();

// Every instruction with a fixed signature must have a handler.
constexpr bool all_simple_ops_mapped() {
  for (size_t i = 0; i < ir::kOpcodeCount; ++i) {
    const ir::OpInfo& info = ir::kOpInfo[i];
    if (!info.typed_by_table || info.imm == ir::Imm::V128 || info.imm == ir::Imm::Shuffle) continue;
    if (info.imm != ir::Imm::None && info.imm != ir::Imm::MemArg && info.imm != ir::Imm::Lane &&
        info.imm != ir::Imm::MemArgLane)
      continue;
    if (info.param_count == 0 && info.result_count == 0) continue;  // nop, drops
    if (info.prefix == 0xFC && info.code >= 8) continue;            // bulk memory: on_other
    if (kMaps.simple[i] == XOp::Count_) return false;
  }
  return true;
}
static_assert(all_simple_ops_mapped(), "an opcode typed by opcodes.def has no interpreter handler");

}  // namespace

Translator::Translator(const validate::ModuleEnv& env, CodeOptions opts)
    : m_module(*env.module), m_opts(opts), m_handlers(handler_table()), m_walker(env, *this) {}

void Translator::emit_checks(bool head) {
  if (m_opts.profile && head) emit_op(XOp::Count);
  if (m_opts.fuel) {
    close_fuel_region();
    emit_op(XOp::Fuel);
    m_fuel_word = pos();
    w(0);
    m_fuel_count = 0;
  } else if (m_opts.interruptible && head) {
    emit_op(XOp::Poll);
  }
}

void Translator::close_fuel_region() {
  // At least 1, so that every loop iteration and call costs something.
  if (m_fuel_word != kNone) m_code[m_fuel_word] = std::max<uint32_t>(m_fuel_count, 1);
  m_fuel_word = kNone;
}

Result<std::unique_ptr<CompiledFunc>> Translator::translate(uint32_t defined_index) {
  // The code is built in the vector the function keeps, sized from the body (about a
  // word per byte of wasm), so it is neither regrown on the way nor copied at the end:
  // for a short-lived process those copies were fresh pages, each a fault.
  const uint32_t body_bytes = m_module.codes[defined_index].body.size;
  m_code.start(body_bytes + body_bytes / 4 + 32);
  m_code_budget = size_t{body_bytes} * kCodeWordsPerByte + 4096;
  m_stack.clear();
  m_ctls.clear();
  SKIFF_TRY(m_walker.walk(defined_index));
  close_fuel_region();
  auto f = std::make_unique<CompiledFunc>();
  f->code = m_code.take();
  f->defined_index = defined_index;
  uint32_t params = 0, results = 0;
  for (ValType t : m_type->params) params += slot_width(t);
  for (ValType t : m_type->results) results += slot_width(t);
  f->param_slots = params;
  f->local_slots = m_locals_end;
  f->result_slots = results;
  f->frame_slots = std::max({m_max_slot, m_locals_end, results});
  return f;
}

// --- emission ----------------------------------------------------------------------

void Translator::emit_op(XOp x) {
  const void* h = m_handlers[static_cast<size_t>(x)];
  uint64_t bits;
  std::memcpy(&bits, &h, sizeof bits);
  w64(bits);
  m_last_end = kNone;
  m_last_cmp = Opcode::Invalid;
  m_last_load = Opcode::Invalid;
}

void Translator::link_fixup(uint32_t& head) {
  uint32_t p = pos();
  w(head);
  head = p;
}

void Translator::bind(uint32_t head) {
  const uint32_t target = pos();
  while (head != kNone) {
    uint32_t next = m_code[head];
    m_code[head] = target - head;
    head = next;
  }
  m_last_end = kNone;  // a label: the last instruction no longer dominates what follows
}

// --- operand stack -----------------------------------------------------------------

uint32_t Translator::next_home() const {
  if (m_stack.empty()) return m_locals_end;
  const Entry& top = m_stack.back();
  return top.home + slot_width(top.type);
}

void Translator::push_entry(Entry e) {
  SKIFF_ASSERT(e.kind != Kind::Local, "references to locals are pushed by push_local");
  track(e.home + slot_width(e.type));
  m_stack.push_back(e);
}

void Translator::push_local(ValType t, uint32_t home, uint32_t local) {
  const uint32_t i = static_cast<uint32_t>(m_stack.size());
  track(home + slot_width(t));
  m_stack.push_back(Entry{Kind::Local, t, home, local, m_local_top[local], 0});
  m_local_top[local] = i;
  m_local_floor = std::min(m_local_floor, i);
}

void Translator::push_temp(ValType t) {
  push_entry(Entry{Kind::Temp, t, next_home(), 0, kNone, 0});
}

Translator::Entry Translator::pop() {
  Entry e = m_stack.back();
  m_stack.pop_back();
  if (e.kind == Kind::Local) {
    SKIFF_ASSERT(m_local_top[e.local] == m_stack.size(), "a popped Local is its chain's top");
    m_local_top[e.local] = e.below;
  }
  return e;
}

void Translator::copy_to(uint32_t dst, const Entry& src) {
  switch (src.kind) {
    case Kind::Const:
      if (src.type == ValType::I32 || src.type == ValType::F32) {
        emit_op(XOp::Const32);
        w(dst);
        w(static_cast<uint32_t>(src.bits));
      } else {
        emit_op(XOp::Const64);
        w(dst);
        w64(src.bits);
      }
      return;
    case Kind::Local:
    case Kind::Temp: {
      uint32_t s = src.kind == Kind::Local ? local_slot(src.local) : src.home;
      if (s == dst) return;
      emit_op(src.type == ValType::V128 ? XOp::Copy128 : XOp::Copy);
      w(dst);
      w(s);
      return;
    }
  }
}

uint32_t Translator::read(const Entry& e) {
  switch (e.kind) {
    case Kind::Temp: return e.home;
    case Kind::Local: return local_slot(e.local);
    case Kind::Const: copy_to(e.home, e); return e.home;
  }
  return e.home;
}

void Translator::to_home(Entry& e) {
  if (e.kind == Kind::Temp) return;
  copy_to(e.home, e);
  e.kind = Kind::Temp;
}

// Every function below emits its copies bottom-up, in stack order.
void Translator::materialize_top(size_t n) {
  const size_t first = m_stack.size() - n;
  for (size_t i = first; i < m_stack.size(); ++i) {
    Entry& e = m_stack[i];
    // Entries among the top n are the top of their locals' chains; a local's lowest
    // one among them (the only one whose `below` is under them) names the new top.
    if (e.kind == Kind::Local && (e.below == kNone || e.below < first))
      m_local_top[e.local] = e.below;
    to_home(e);
  }
}

void Translator::materialize_locals(uint32_t local) {
  m_scratch.clear();
  for (uint32_t i = m_local_top[local]; i != kNone; i = m_stack[i].below) m_scratch.push_back(i);
  m_local_top[local] = kNone;
  m_visits += m_scratch.size();
  for (size_t k = m_scratch.size(); k-- > 0;) to_home(m_stack[m_scratch[k]]);
}

// Visits only entries pushed since the previous call: none below the floor is a Local.
void Translator::materialize_all_locals() {
  for (size_t i = m_local_floor; i < m_stack.size(); ++i) {
    Entry& e = m_stack[i];
    if (e.kind != Kind::Local) continue;
    m_local_top[e.local] = kNone;
    to_home(e);
  }
  if (m_local_floor < m_stack.size()) m_visits += m_stack.size() - m_local_floor;
  m_local_floor = static_cast<uint32_t>(m_stack.size());
}

bool Translator::last_produced_top() const {
  if (m_last_end != pos() || m_stack.empty()) return false;
  const Entry& top = m_stack.back();
  return top.kind == Kind::Temp && m_code[m_last_dst] == top.home;
}

// --- control -----------------------------------------------------------------------

void Translator::begin_function(uint32_t defined_index) {
  m_defined_index = defined_index;
  m_type = &m_module.func_type(ir::FuncIdx(m_module.imported_funcs + defined_index));
  auto locals = m_walker.local_types();
  m_local_types.assign(locals.begin(), locals.end());
  m_local_slots.resize(locals.size());
  uint32_t slot = 0;
  for (size_t i = 0; i < locals.size(); ++i) {
    m_local_slots[i] = slot;
    slot += slot_width(locals[i]);
  }
  m_locals_end = slot;
  m_local_top.assign(locals.size(), kNone);
  m_local_floor = 0;
  m_br_tables = 0;
  m_max_slot = slot;
  m_dead = false;
  m_last_end = kNone;
  m_last_cmp = Opcode::Invalid;
  m_last_load = Opcode::Invalid;
  Ctl fn{Opcode::End, false, 0, m_locals_end, 0, static_cast<uint32_t>(m_type->results.size()),
         nullptr, m_type->results.data()};
  m_ctls.push_back(fn);
  m_fuel_word = kNone;
  emit_checks(true);
}

bool Translator::values_in_place(const Ctl& target) const {
  const uint32_t n = static_cast<uint32_t>(label_types(target).size());
  if (n == 0) return true;
  if (m_stack.size() - n != target.height) return false;
  for (size_t i = m_stack.size() - n; i < m_stack.size(); ++i)
    if (m_stack[i].kind != Kind::Temp) return false;
  return true;
}

void Translator::move_label_values(const Ctl& target) {
  auto types = label_types(target);
  const size_t n = types.size();
  uint32_t dst = target.base;
  // Ascending order is safe: each destination is at or below its source's home.
  for (size_t i = m_stack.size() - n; i < m_stack.size(); ++i) {
    copy_to(dst, m_stack[i]);
    dst += slot_width(m_stack[i].type);
  }
}

void Translator::emit_return() {
  const size_t n = m_type->results.size();
  if (n == 1) {
    copy_to(0, m_stack.back());
  } else if (n > 1) {
    // Locals and constants first go to their homes (all above the locals), so no copy
    // below can overwrite a local that a later result still reads. The entries are not
    // changed: this code may run on one path only (br_if, a br_table stub).
    for (size_t i = m_stack.size() - n; i < m_stack.size(); ++i)
      if (m_stack[i].kind != Kind::Temp) copy_to(m_stack[i].home, m_stack[i]);
    uint32_t dst = 0;
    for (size_t i = m_stack.size() - n; i < m_stack.size(); ++i) {
      Entry in_home = m_stack[i];
      in_home.kind = Kind::Temp;
      copy_to(dst, in_home);
      dst += slot_width(in_home.type);
    }
  }
  emit_op(XOp::Return);
}

void Translator::emit_branch(Ctl& target) {
  if (&target == &m_ctls.front()) {
    emit_return();
    return;
  }
  move_label_values(target);
  emit_op(XOp::Br);
  if (target.kind == Opcode::Loop) emit_offset_to(target.loop_pos);
  else link_fixup(target.fixups);
}

// A branch condition, taken off the stack before the code that precedes the branch
// (block params, copies) is emitted: a constant, a slot, or a fused compare whose
// instruction has been removed again (its operands are still intact: nothing emitted
// in between writes them, since every such write targets a home below the condition).
struct Translator::Cond {
  bool is_const = false;
  bool value = false;
  XOp when_true = XOp::BrIfNez;
  XOp when_false = XOp::BrIfEqz;
  uint32_t words[3] = {};
  uint32_t nwords = 0;
};

Translator::Cond Translator::take_cond() {
  Cond c;
  if (m_stack.back().kind == Kind::Const) {
    c.is_const = true;
    c.value = static_cast<uint32_t>(pop().bits) != 0;
    return c;
  }
  if (m_last_cmp != Opcode::Invalid && last_produced_top()) {
    const uint32_t start = m_last_start;
    const Opcode op = m_last_cmp;
    // [h h dst a b|imm...]
    const uint32_t nops = m_last_end - start - 3;
    for (uint32_t i = 0; i < nops; ++i) c.words[i] = m_code[start + 3 + i];
    c.nwords = nops;
    if (op == Opcode::I32Eqz || op == Opcode::I64Eqz) {
      const bool wide = op == Opcode::I64Eqz;
      c.when_true = wide ? XOp::BrIfEqz64 : XOp::BrIfEqz;
      c.when_false = wide ? XOp::BrIfNez64 : XOp::BrIfNez;
    } else {
      const Opcode neg = kMaps.negated[idx(op)];
      c.when_true = m_last_cmp_ri ? kMaps.br_ri[idx(op)] : kMaps.br[idx(op)];
      c.when_false = m_last_cmp_ri ? kMaps.br_ri[idx(neg)] : kMaps.br[idx(neg)];
    }
    m_code.resize(start);
    m_last_end = kNone;
    m_last_cmp = Opcode::Invalid;
    pop();
    return c;
  }
  Entry e = pop();
  c.words[0] = read(e);
  c.nwords = 1;
  return c;
}

uint32_t Translator::emit_cond(const Cond& c, bool when_true) {
  if (c.is_const) {
    if (c.value != when_true) return kNone;  // never taken
    emit_op(XOp::Br);
  } else {
    emit_op(when_true ? c.when_true : c.when_false);
    for (uint32_t i = 0; i < c.nwords; ++i) w(c.words[i]);
  }
  uint32_t p = pos();
  w(kNone);
  return p;
}

void Translator::point_at(uint32_t word, Ctl& target) {
  if (target.kind == Opcode::Loop) m_code[word] = target.loop_pos - word;
  else {
    m_code[word] = target.fixups;
    target.fixups = word;
  }
}

void Translator::on_block(Opcode kind, const validate::BlockSig& sig) {
  if (m_dead) {
    m_ctls.push_back(Ctl{kind, true, 0, 0, 0, 0, nullptr, nullptr});
    return;
  }
  Cond cond;
  if (kind == Opcode::If) cond = take_cond();
  const uint32_t n = sig.param_count;
  // Params live in their homes (branches to a loop rewrite them there), and no entry
  // below may stay a reference to a local that the block could assign.
  materialize_top(n);
  materialize_all_locals();
  Ctl c{kind, false, static_cast<uint32_t>(m_stack.size() - n), 0, n, sig.result_count, sig.params, sig.results};
  c.base = n ? m_stack[m_stack.size() - n].home : next_home();
  if (kind == Opcode::If) c.else_fixup = emit_cond(cond, false);
  if (kind == Opcode::Loop) {
    c.loop_pos = pos();
    emit_checks(true);
    m_last_end = kNone;
  }
  m_ctls.push_back(c);
}

void Translator::reset_stack(const Ctl& c, std::span<const ValType> types) {
  while (m_stack.size() > c.height) pop();
  for (ValType t : types) push_temp(t);
  m_dead = false;
  m_last_end = kNone;
}

void Translator::on_else() {
  Ctl& c = m_ctls.back();
  if (c.dead_entry) return;
  if (!m_dead) {
    materialize_top(c.n_results);
    emit_op(XOp::Br);
    link_fixup(c.fixups);
  }
  bind(c.else_fixup);
  c.else_fixup = kNone;
  c.kind = Opcode::Else;
  reset_stack(c, {c.params, c.n_params});
}

void Translator::on_end(const validate::CtrlFrame&) {
  Ctl c = m_ctls.back();
  m_ctls.pop_back();
  if (c.dead_entry) return;
  if (m_ctls.empty()) {
    if (!m_dead) emit_return();
    m_dead = true;
    return;
  }
  if (!m_dead) materialize_top(c.n_results);
  bind(c.else_fixup);
  bind(c.fixups);
  if (c.kind == Opcode::Loop) emit_checks(false);  // the code after a loop is a new region
  reset_stack(c, {c.results, c.n_results});
}

void Translator::on_br(uint32_t depth) {
  if (m_dead) return;
  emit_branch(ctl(depth));
  m_dead = true;
}

void Translator::on_br_if(uint32_t depth) {
  if (m_dead) return;
  Ctl& target = ctl(depth);
  Cond cond = take_cond();
  if (&target != &m_ctls.front() && values_in_place(target)) {
    uint32_t word = emit_cond(cond, true);
    if (word != kNone) point_at(word, target);
  } else {
    uint32_t skip = emit_cond(cond, false);
    emit_branch(target);
    if (skip != kNone) bind(skip);
  }
  m_last_end = kNone;
}

void Translator::on_br_table(std::span<const uint32_t> depths) {
  if (m_dead) return;
  Entry e = pop();
  const uint32_t s = read(e);
  const uint32_t n = static_cast<uint32_t>(depths.size() - 1);
  emit_op(XOp::BrTable);
  w(s);
  w(n);
  const uint32_t table = pos();
  m_code.resize(m_code.size + depths.size(), kNone);
  // Targets whose values must be moved get a stub (copies + jump) after the table,
  // one per distinct label, emitted at its first use; each label remembers its stub.
  const uint32_t stamp = ++m_br_tables;
  m_visits += depths.size();
  for (uint32_t i = 0; i < depths.size(); ++i) {
    Ctl& target = ctl(depths[i]);
    if (target.table_stamp != stamp) {
      target.table_stamp = stamp;
      target.table_stub = kNone;
      if (&target == &m_ctls.front() || !values_in_place(target)) {
        target.table_stub = pos();
        emit_branch(target);
      }
    }
    if (target.table_stub == kNone) point_at(table + i, target);
    else m_code[table + i] = target.table_stub - (table + i);
  }
  m_dead = true;
}

void Translator::on_return() {
  if (m_dead) return;
  emit_return();
  m_dead = true;
}

// --- calls -------------------------------------------------------------------------

// The callee's frame starts at the first argument's home: arguments are passed in
// place and results come back there.
void Translator::emit_call(XOp x, uint32_t a, uint32_t b, const ir::FuncType& ft, const Entry* index) {
  const size_t n = ft.params.size();
  materialize_top(n);
  const uint32_t frame = n ? m_stack[m_stack.size() - n].home : next_home();
  uint32_t idx_slot = index ? read(*index) : 0;
  for (size_t i = 0; i < n; ++i) pop();
  emit_op(x);
  w(a);
  if (index) {
    w(b);
    w(idx_slot);
  }
  w(frame);
  uint32_t params = 0, results = 0;
  for (ValType t : ft.params) params += slot_width(t);
  for (ValType t : ft.results) results += slot_width(t);
  track(frame + std::max(params, results));
  for (ValType t : ft.results) push_temp(t);
  m_last_end = kNone;
}

void Translator::on_call(ir::FuncIdx f) {
  if (m_dead) return;
  const ir::FuncType& ft = m_module.func_type(f);
  if (f.value < m_module.imported_funcs) emit_call(XOp::CallImport, f.value, 0, ft, nullptr);
  else emit_call(XOp::Call, f.value - m_module.imported_funcs, 0, ft, nullptr);
}

void Translator::on_call_indirect(ir::TypeIdx t, ir::TableIdx table) {
  if (m_dead) return;
  Entry index = pop();
  emit_call(XOp::CallIndirect, t.value, table.value, m_module.types[t.value], &index);
}

// --- locals, globals, constants ----------------------------------------------------

void Translator::on_local(Opcode op, uint32_t index) {
  if (m_dead) return;
  const ValType t = m_local_types[index];
  if (op == Opcode::LocalGet) {
    push_local(t, next_home(), index);
    return;
  }
  Entry& top = m_stack.back();
  if (top.kind == Kind::Local && top.local == index) {  // x = x
    if (op == Opcode::LocalSet) pop();
    return;
  }
  const bool others = m_local_top[index] != kNone;
  if (!others && last_produced_top()) {
    // Retarget the instruction that produced the value to write the local directly.
    m_code[m_last_dst] = local_slot(index);
    m_last_end = kNone;
  } else {
    if (others) materialize_locals(index);
    copy_to(local_slot(index), top);
  }
  Entry e = pop();
  if (op == Opcode::LocalTee) push_local(t, e.home, index);
}

void Translator::on_global(Opcode op, uint32_t index) {
  if (m_dead) return;
  const ValType t = m_module.globals[index].type;
  const bool wide = t == ValType::V128;
  if (op == Opcode::GlobalGet) {
    const uint32_t dst = next_home();
    emit_op(wide ? XOp::GlobalGet128 : XOp::GlobalGet);
    uint32_t p = pos();
    w(dst);
    w(index);
    push_temp(t);
    produced(p);
    return;
  }
  Entry e = pop();
  const uint32_t s = read(e);
  emit_op(wide ? XOp::GlobalSet128 : XOp::GlobalSet);
  w(index);
  w(s);
}

void Translator::on_select(ValType t) {
  if (m_dead) return;
  Entry c = pop(), b = pop(), a = pop();
  const uint32_t sa = read(a), sb = read(b), sc = read(c);
  emit_op(t == ValType::V128 ? XOp::Select128 : XOp::Select);
  uint32_t p = pos();
  w(a.home);
  w(sa);
  w(sb);
  w(sc);
  push_temp(t);
  produced(p);
}

void Translator::on_const(Opcode op, uint64_t bits) {
  if (m_dead) return;
  ValType t = op == Opcode::I32Const ? ValType::I32
              : op == Opcode::I64Const ? ValType::I64
              : op == Opcode::F32Const ? ValType::F32
                                       : ValType::F64;
  push_entry(Entry{Kind::Const, t, next_home(), 0, kNone, bits});
}

void Translator::on_v128_const(const ir::V128& v) {
  if (m_dead) return;
  const uint32_t dst = next_home();
  emit_op(XOp::Const128);
  uint32_t p = pos();
  w(dst);
  for (int i = 0; i < 4; ++i) {
    uint32_t word;
    std::memcpy(&word, v.bytes + 4 * i, 4);
    w(word);
  }
  push_temp(ValType::V128);
  produced(p);
}

void Translator::on_ref_null(ValType t) {
  if (m_dead) return;
  push_entry(Entry{Kind::Const, t, next_home(), 0, kNone, 0});
}

void Translator::on_ref_func(ir::FuncIdx f) {
  if (m_dead) return;
  const uint32_t dst = next_home();
  emit_op(XOp::RefFunc);
  uint32_t p = pos();
  w(dst);
  w(f.value);
  push_temp(ValType::FuncRef);
  produced(p);
}

// --- operators ---------------------------------------------------------------------

void Translator::on_simple(Opcode op) {
  if (m_dead) return;
  const ir::OpInfo& info = ir::op_info(op);
  const uint32_t n = info.param_count;
  if (n == 2 && kMaps.mem[idx(op)] != XOp::Count_ && m_last_load == kMaps.mem_load[idx(op)] &&
      m_last_dst == m_last_load_pos + 2 && last_produced_top()) {
    // The right operand is the load just emitted: drop it and emit the fused form,
    // which reads the same address slot and offset.
    const uint32_t addr = m_code[m_last_load_pos + 3], offset = m_code[m_last_load_pos + 4];
    m_code.resize(m_last_load_pos);
    pop();
    Entry a = pop();
    const uint32_t sa = read(a);
    emit_op(kMaps.mem[idx(op)]);
    const uint32_t p = pos();
    w(a.home);
    w(sa);
    w(addr);
    w(offset);
    push_temp(info.result);
    produced(p);
    return;
  }
  Entry e[3];
  for (uint32_t i = n; i-- > 0;) e[i] = pop();
  bool ri = false;
  uint32_t p;
  if (n == 2 && kMaps.ri[idx(op)] != XOp::Count_ && e[1].kind == Kind::Const) {
    const uint32_t sa = read(e[0]);
    emit_op(kMaps.ri[idx(op)]);
    p = pos();
    w(e[0].home);
    w(sa);
    if (kMaps.wide_imm[idx(op)]) w64(e[1].bits);
    else w(static_cast<uint32_t>(e[1].bits));
    ri = true;
  } else {
    uint32_t s[3];
    for (uint32_t i = 0; i < n; ++i) s[i] = read(e[i]);
    emit_op(kMaps.simple[idx(op)]);
    p = pos();
    w(e[0].home);
    for (uint32_t i = 0; i < n; ++i) w(s[i]);
  }
  push_temp(info.result);
  produced(p);
  if (kMaps.br[idx(op)] != XOp::Count_ || op == Opcode::I32Eqz || op == Opcode::I64Eqz) {
    // Constants the operands needed were written before `start`; the compare itself
    // begins where its handler word is.
    m_last_start = p - 2;
    m_last_cmp = op;
    m_last_cmp_ri = ri;
  }
}

void Translator::on_memory(Opcode op, const validate::MemArg& ma) {
  if (m_dead) return;
  const ir::OpInfo& info = ir::op_info(op);
  const uint32_t offset = static_cast<uint32_t>(ma.offset);
  if (info.result_count) {
    Entry addr = pop();
    const uint32_t sa = read(addr);
    const uint32_t start = pos();
    emit_op(kMaps.simple[idx(op)]);  // (resets m_last_load)
    uint32_t p = pos();
    w(addr.home);
    w(sa);
    w(offset);
    push_temp(info.result);
    produced(p);
    m_last_load = op;
    m_last_load_pos = start;
    return;
  }
  Entry v = pop(), addr = pop();
  const uint32_t sa = read(addr), sv = read(v);
  emit_op(kMaps.simple[idx(op)]);
  w(sa);
  w(sv);
  w(offset);
}

void Translator::on_memory_lane(Opcode op, const validate::MemArg& ma, uint8_t lane) {
  if (m_dead) return;
  Entry v = pop(), addr = pop();
  const uint32_t sa = read(addr), sv = read(v);
  const bool load = ir::op_info(op).result_count != 0;
  emit_op(kMaps.simple[idx(op)]);
  uint32_t p = pos();
  if (load) w(addr.home);
  w(sa);
  w(sv);
  w(static_cast<uint32_t>(ma.offset));
  w(lane);
  if (load) {
    push_temp(ValType::V128);
    produced(p);
  }
}

void Translator::on_lane(Opcode op, uint8_t lane) {
  if (m_dead) return;
  const ir::OpInfo& info = ir::op_info(op);
  Entry e[2];
  for (uint32_t i = info.param_count; i-- > 0;) e[i] = pop();
  uint32_t s[2];
  for (uint32_t i = 0; i < info.param_count; ++i) s[i] = read(e[i]);
  emit_op(kMaps.simple[idx(op)]);
  uint32_t p = pos();
  w(e[0].home);
  for (uint32_t i = 0; i < info.param_count; ++i) w(s[i]);
  w(lane);
  push_temp(info.result);
  produced(p);
}

void Translator::on_shuffle(const uint8_t* lanes) {
  if (m_dead) return;
  Entry b = pop(), a = pop();
  const uint32_t sa = read(a), sb = read(b);
  emit_op(XOp::I8x16Shuffle);
  uint32_t p = pos();
  w(a.home);
  w(sa);
  w(sb);
  for (int i = 0; i < 4; ++i) {
    uint32_t word;
    std::memcpy(&word, lanes + 4 * i, 4);
    w(word);
  }
  push_temp(ValType::V128);
  produced(p);
}

void Translator::on_other(Opcode op, uint32_t a, uint32_t b) {
  if (m_dead) return;
  auto unary_result = [&](XOp x, ValType result, std::initializer_list<uint32_t> imms, uint32_t nargs) {
    Entry e[3];
    for (uint32_t i = nargs; i-- > 0;) e[i] = pop();
    uint32_t s[3];
    for (uint32_t i = 0; i < nargs; ++i) s[i] = read(e[i]);
    const uint32_t dst = nargs ? e[0].home : next_home();
    emit_op(x);
    uint32_t p = pos();
    w(dst);
    for (uint32_t imm : imms) w(imm);
    for (uint32_t i = 0; i < nargs; ++i) w(s[i]);
    push_temp(result);
    produced(p);
  };
  auto no_result = [&](XOp x, std::initializer_list<uint32_t> imms, uint32_t nargs) {
    Entry e[3];
    for (uint32_t i = nargs; i-- > 0;) e[i] = pop();
    uint32_t s[3];
    for (uint32_t i = 0; i < nargs; ++i) s[i] = read(e[i]);
    emit_op(x);
    for (uint32_t imm : imms) w(imm);
    for (uint32_t i = 0; i < nargs; ++i) w(s[i]);
  };
  switch (op) {
    case Opcode::Unreachable:
      emit_op(XOp::Trap);
      w(static_cast<uint32_t>(ErrorCode::TrapUnreachable));
      m_dead = true;
      return;
    case Opcode::Nop: return;
    case Opcode::Drop: pop(); return;
    case Opcode::RefIsNull: unary_result(XOp::RefIsNull, ValType::I32, {}, 1); return;
    case Opcode::MemorySize: unary_result(XOp::MemorySize, ValType::I32, {}, 0); return;
    case Opcode::MemoryGrow: unary_result(XOp::MemoryGrow, ValType::I32, {}, 1); return;
    case Opcode::MemoryFill: no_result(XOp::MemoryFill, {}, 3); return;
    case Opcode::MemoryCopy: no_result(XOp::MemoryCopy, {}, 3); return;
    case Opcode::MemoryInit: no_result(XOp::MemoryInit, {a}, 3); return;
    case Opcode::DataDrop: no_result(XOp::DataDrop, {a}, 0); return;
    case Opcode::TableGet: unary_result(XOp::TableGet, m_module.tables[a].elem, {a}, 1); return;
    case Opcode::TableSet: no_result(XOp::TableSet, {a}, 2); return;
    case Opcode::TableSize: unary_result(XOp::TableSize, ValType::I32, {a}, 0); return;
    case Opcode::TableGrow: unary_result(XOp::TableGrow, ValType::I32, {a}, 2); return;
    case Opcode::TableFill: no_result(XOp::TableFill, {a}, 3); return;
    case Opcode::TableCopy: no_result(XOp::TableCopy, {a, b}, 3); return;
    case Opcode::TableInit: no_result(XOp::TableInit, {a, b}, 3); return;
    case Opcode::ElemDrop: no_result(XOp::ElemDrop, {a}, 0); return;
    default: SKIFF_UNREACHABLE("on_other: unexpected opcode");
  }
}

}  // namespace skiff::engine::interp
