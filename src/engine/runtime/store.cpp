#include "engine/runtime/store.h"

#include <cstring>

#include "engine/runtime/instance_pre.h"

namespace skiff::engine::runtime {

using ir::ExternKind;

FuncInstance* Instance::make_func(uint32_t index) {
  const ir::Module& m = module->module();
  SKIFF_ASSERT(index >= m.imported_funcs && index < funcs.size(), "imports are linked, not made");
  funcs[index] = store->add_wasm_func(*this, index - m.imported_funcs);
  return funcs[index];
}

std::optional<Extern> Instance::find_export(std::string_view name) {
  for (const ir::Export& e : module->module().exports) {
    if (e.name != name) continue;
    Extern x;
    x.kind = e.kind;
    switch (e.kind) {
      case ExternKind::Func: x.func = func(e.index); break;
      case ExternKind::Table: x.table = tables[e.index]; break;
      case ExternKind::Memory: x.memory = memories[e.index]; break;
      case ExternKind::Global: x.global = globals[e.index]; break;
    }
    return x;
  }
  return std::nullopt;
}

std::span<const uint8_t> Instance::data_segment(uint32_t i) const {
  if (data_dropped[i]) return {};
  return module->module().range(module->module().datas[i].init);
}

namespace {

// https://webassembly.github.io/spec/core/valid/types.html#limits (import subtyping):
// the provided limits must fit inside the expected ones.
bool limits_match(uint64_t actual_min, std::optional<uint64_t> actual_max, const ir::Limits& expected) {
  if (actual_min < expected.min) return false;
  if (expected.max && (!actual_max || *actual_max > *expected.max)) return false;
  return true;
}

Error incompatible(const ir::Import& imp, const char* why) {
  return Error(ErrorCode::IncompatibleImportType, imp.offset,
               imp.module + "." + imp.name + ": " + why);
}

}  // namespace

Result<void> Store::link(const ir::Module& m, std::span<const Extern> imports, Instance& inst) {
  for (size_t i = 0; i < m.imports.size(); ++i) {
    const ir::Import& imp = m.imports[i];
    if (i >= imports.size())
      return Error(ErrorCode::UnknownImport, imp.offset, imp.module + "." + imp.name);
    const Extern& x = imports[i];
    if (x.kind != imp.kind) return incompatible(imp, "wrong kind");
    switch (imp.kind) {
      case ExternKind::Func:
        if (!x.func || *x.func->type != m.types[imp.func_type.value]) return incompatible(imp, "function type differs");
        inst.funcs.push_back(x.func);
        break;
      case ExternKind::Table:
        if (!x.table || x.table->type().elem != imp.table.elem ||
            !limits_match(x.table->size(), x.table->type().limits.max, imp.table.limits))
          return incompatible(imp, "table type differs");
        inst.tables.push_back(x.table);
        break;
      case ExternKind::Memory:
        if (!x.memory || !limits_match(x.memory->pages(), x.memory->type().limits.max, imp.memory.limits))
          return incompatible(imp, "memory limits differ");
        inst.memories.push_back(x.memory);
        break;
      case ExternKind::Global:
        if (!x.global || x.global->type.type != imp.global.type ||
            x.global->type.is_mutable != imp.global.is_mutable)
          return incompatible(imp, "global type differs");
        inst.globals.push_back(x.global);
        break;
    }
  }
  return ok();
}

// A validated 2.0 constant expression is exactly one instruction of the right type.
Result<Value> Store::eval_const(const ir::ConstExpr& e, Instance& inst) const {
  SKIFF_ASSERT(e.instrs.size() == 1, "validated constant expressions have one instruction");
  const ir::ConstInstr& ci = e.instrs.front();
  switch (ci.op) {
    case ir::Opcode::I32Const: return Value::i32(static_cast<uint32_t>(ci.bits));
    case ir::Opcode::I64Const: return Value::i64(ci.bits);
    case ir::Opcode::F32Const: { Value v = Value::zero(ir::ValType::F32); v.raw.i32 = static_cast<uint32_t>(ci.bits); return v; }
    case ir::Opcode::F64Const: { Value v = Value::zero(ir::ValType::F64); v.raw.i64 = ci.bits; return v; }
    case ir::Opcode::V128Const: return Value::v128(ci.v128);
    case ir::Opcode::RefNull: return Value::zero(ci.ref_type);
    case ir::Opcode::RefFunc: return Value::ref(ir::ValType::FuncRef, Ref{inst.func(ci.index)});
    case ir::Opcode::GlobalGet: return inst.globals[ci.index]->get();
    default: break;
  }
  SKIFF_UNREACHABLE("non-constant instruction in a validated constant expression");
}

FuncInstance* Store::add_wasm_func(Instance& inst, uint32_t defined_index) {
  const ir::Module& m = inst.module->module();
  return &m_funcs.emplace_back(
      FuncInstance{&m.func_type(ir::FuncIdx(m.imported_funcs + defined_index)), &inst, defined_index, {}});
}

FuncInstance* Store::add_host_func(const ir::FuncType& type, HostFunc host) {
  const ir::FuncType* t = &m_host_types.emplace_back(type);
  return &m_funcs.emplace_back(FuncInstance{t, nullptr, 0, host});
}

Memory* Caller::memory(uint32_t index) const {
  if (!instance || index >= instance->memories.size()) return nullptr;
  return instance->memories[index];
}

Result<Table*> Store::add_table(const ir::TableType& type, Ref init) {
  SKIFF_TRY_ASSIGN(std::unique_ptr<Table> t, Table::create(type, init, m_limits.max_table_elements, &m_table_budget));
  m_tables.push_back(std::move(t));
  return m_tables.back().get();
}

Result<Memory*> Store::add_memory(const ir::MemType& type) {
  SKIFF_TRY_ASSIGN(std::unique_ptr<Memory> mem, Memory::create(type, m_limits.max_memory_pages, m_pool));
  m_memories.push_back(std::move(mem));
  return m_memories.back().get();
}

Result<void> Store::eval_globals(const ir::Module& m, Instance& inst) {
  for (size_t i = 0; i < m.global_inits.size(); ++i) {
    SKIFF_TRY_ASSIGN(Value v, eval_const(m.global_inits[i], inst));
    inst.globals.push_back(add_global(m.globals[m.imported_globals + i], v.raw));
  }
  return ok();
}

Result<void> Store::eval_segment(const ir::ElemSegment& seg, Instance& inst, std::vector<Ref>& refs) const {
  refs.reserve(seg.size());
  for (ir::FuncIdx f : seg.func_indices) refs.push_back(Ref{inst.func(f.value)});
  for (const ir::ConstExpr& e : seg.exprs) {
    SKIFF_TRY_ASSIGN(Value v, eval_const(e, inst));
    refs.push_back(v.raw.ref);
  }
  return ok();
}

Global* Store::add_global(const ir::GlobalType& type, RawValue value) {
  return &m_globals.emplace_back(Global{type, value});
}

// https://webassembly.github.io/spec/core/exec/modules.html#instantiation
Result<Instance*> Store::instantiate(const validate::ValidatedModule& vm, std::span<const Extern> imports,
                                     const void* code) {
  if (m_instances.size() >= m_limits.max_instances) return Error(ErrorCode::InstanceLimit);
  const ir::Module& m = vm.module();
  auto owned = std::make_unique<Instance>();
  Instance& inst = *owned;
  inst.module = &vm;
  inst.code = code;
  inst.store = this;
  SKIFF_TRY(link(m, imports, inst));
  // The store owns the instance from here on, so every address handed out below stays
  // valid even if a later step fails (a partly initialized instance is what the spec
  // leaves behind after a trap).
  m_instances.push_back(std::move(owned));

  inst.funcs.resize(m.funcs.size(), nullptr);  // own functions: made on first use
  for (size_t i = m.imported_tables; i < m.tables.size(); ++i) {
    SKIFF_TRY_ASSIGN(Table * t, add_table(m.tables[i]));
    inst.tables.push_back(t);
  }
  for (size_t i = m.imported_memories; i < m.memories.size(); ++i) {
    SKIFF_TRY_ASSIGN(Memory * mem, add_memory(m.memories[i]));
    inst.memories.push_back(mem);
  }
  SKIFF_TRY(eval_globals(m, inst));

  inst.elem_segments.resize(m.elems.size());
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ir::ElemSegment& seg = m.elems[i];
    SKIFF_TRY(eval_segment(seg, inst, inst.elem_segments[i]));
  }
  inst.data_dropped.assign(m.datas.size(), false);
  inst.start = m.start ? std::optional<uint32_t>(m.start->value) : std::nullopt;

  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ir::ElemSegment& seg = m.elems[i];
    if (seg.mode == ir::SegmentMode::Active) {
      SKIFF_TRY_ASSIGN(Value offset, eval_const(seg.offset_expr, inst));
      std::vector<Ref>& refs = inst.elem_segments[i];
      SKIFF_TRY(inst.tables[seg.table.value]->init(offset.raw.i32, refs, 0, static_cast<uint32_t>(refs.size())));
    }
    if (seg.mode != ir::SegmentMode::Passive) inst.elem_segments[i].clear();  // elem.drop
  }
  for (size_t i = 0; i < m.datas.size(); ++i) {
    const ir::DataSegment& seg = m.datas[i];
    if (seg.mode != ir::SegmentMode::Active) continue;
    SKIFF_TRY_ASSIGN(Value offset, eval_const(seg.offset_expr, inst));
    Memory* mem = inst.memories[seg.memory.value];
    if (uint64_t{offset.raw.i32} + seg.init.size > mem->size_bytes()) return Error(ErrorCode::TrapOutOfBoundsMemory);
    if (seg.init.size) std::memcpy(mem->data() + offset.raw.i32, m.bytes.data() + seg.init.offset, seg.init.size);
    inst.data_dropped[i] = true;  // data.drop
  }
  return &inst;
}

// The fast path (InstancePre::fast): the same observable result as the general
// algorithm for modules whose segments all fit, with nothing proportional to the
// module's functions, elements or data done here.
Result<Instance*> Store::instantiate(const InstancePre& pre) {
  if (!pre.fast()) return instantiate(pre.module(), pre.imports(), pre.code());
  if (m_instances.size() >= m_limits.max_instances) return Error(ErrorCode::InstanceLimit);
  const ir::Module& m = pre.module().module();
  auto owned = std::make_unique<Instance>();
  Instance& inst = *owned;
  inst.module = &pre.module();
  inst.code = pre.code();
  inst.store = this;
  // Linked once, when the InstancePre was made.
  inst.funcs = pre.m_linked.funcs;
  inst.tables = pre.m_linked.tables;
  inst.memories = pre.m_linked.memories;
  inst.globals = pre.m_linked.globals;
  inst.funcs.resize(m.funcs.size(), nullptr);
  m_instances.push_back(std::move(owned));

  for (size_t i = m.imported_tables; i < m.tables.size(); ++i) {
    SKIFF_TRY_ASSIGN(Table * t, add_table(m.tables[i]));
    const std::vector<uint32_t>& image = pre.m_table_images[i - m.imported_tables];
    if (!image.empty()) t->set_lazy_image(&image, &inst);
    inst.tables.push_back(t);
  }
  for (size_t i = m.imported_memories; i < m.memories.size(); ++i) {
    const platform::ImageFile* image = i == 0 && pre.m_memory_image ? &*pre.m_memory_image : nullptr;
    SKIFF_TRY_ASSIGN(std::unique_ptr<Memory> mem,
                     Memory::create(m.memories[i], m_limits.max_memory_pages, m_pool, image));
    m_memories.push_back(std::move(mem));
    inst.memories.push_back(m_memories.back().get());
  }
  if (pre.m_globals_known && !pre.m_global_values.empty()) {
    const size_t n = pre.m_global_values.size();
    std::unique_ptr<Global[]> block(new Global[n]);
    inst.globals.reserve(inst.globals.size() + n);
    for (size_t i = 0; i < n; ++i) {
      block[i] = Global{m.globals[m.imported_globals + i], pre.m_global_values[i]};
      inst.globals.push_back(&block[i]);
    }
    m_global_blocks.push_back(std::move(block));
  } else {
    SKIFF_TRY(eval_globals(m, inst));
  }
  // Active and declarative segments are dropped once applied; only passive ones keep
  // their references (for table.init).
  inst.elem_segments.resize(m.elems.size());
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ir::ElemSegment& seg = m.elems[i];
    if (seg.mode != ir::SegmentMode::Passive) continue;
    SKIFF_TRY(eval_segment(seg, inst, inst.elem_segments[i]));
  }
  inst.data_dropped.resize(m.datas.size());
  for (size_t i = 0; i < m.datas.size(); ++i) inst.data_dropped[i] = m.datas[i].mode == ir::SegmentMode::Active;
  inst.start = m.start ? std::optional<uint32_t>(m.start->value) : std::nullopt;
  return &inst;
}

}  // namespace skiff::engine::runtime
