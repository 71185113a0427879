#include "engine/runtime/instance_pre.h"

#include <algorithm>
#include <cstring>

namespace skiff::engine::runtime {

namespace {

// The value of a segment offset, when it is known before instantiation: a constant, or
// an imported global (immutable, as constant expressions require).
std::optional<uint32_t> known_offset(const ir::ConstExpr& e, const Instance& linked) {
  if (e.instrs.size() != 1) return std::nullopt;
  const ir::ConstInstr& ci = e.instrs.front();
  if (ci.op == ir::Opcode::I32Const) return static_cast<uint32_t>(ci.bits);
  if (ci.op != ir::Opcode::GlobalGet || ci.index >= linked.globals.size()) return std::nullopt;
  return linked.globals[ci.index]->get().raw.i32;
}

}  // namespace

Result<std::shared_ptr<const InstancePre>> InstancePre::create(const validate::ValidatedModule& module,
                                                               std::vector<Extern> imports, const void* code,
                                                               std::shared_ptr<const void> owner) {
  std::shared_ptr<InstancePre> pre(new InstancePre(module, std::move(imports), code));
  SKIFF_TRY(Store::link(module.module(), pre->m_imports, pre->m_linked));
  pre->m_owner = std::move(owner);
  SKIFF_TRY(pre->build_images());
  return std::shared_ptr<const InstancePre>(std::move(pre));
}

Result<void> InstancePre::build_images() {
  const ir::Module& m = m_module->module();
  m_globals_known = true;
  for (const ir::ConstExpr& e : m.global_inits) {
    const ir::ConstInstr& ci = e.instrs.front();
    RawValue v{};
    switch (ci.op) {
      case ir::Opcode::I32Const: v.i32 = static_cast<uint32_t>(ci.bits); break;
      case ir::Opcode::I64Const: v.i64 = ci.bits; break;
      case ir::Opcode::F32Const: v.i32 = static_cast<uint32_t>(ci.bits); break;
      case ir::Opcode::F64Const: v.i64 = ci.bits; break;
      case ir::Opcode::V128Const: v.v128 = ci.v128; break;
      case ir::Opcode::RefNull: break;
      case ir::Opcode::GlobalGet: v = m_linked.globals[ci.index]->value; break;
      default: m_globals_known = false; break;
    }
    m_global_values.push_back(v);
  }
  if (!m_globals_known) m_global_values.clear();
  m_table_images.resize(m.tables.size() - m.imported_tables);

  // Images are built before any store's limits apply, and live as long as the module:
  // one far past its segments' bytes (a single byte at 1 GiB, one element at 250M) would
  // cost the host that much for a module of a few bytes. Such sparse ones are left to
  // the general path, which copies only the segments, into memories and tables the
  // store's limits have let through.
  auto too_sparse = [](uint64_t extent, uint64_t filled, uint64_t dense_limit) {
    return extent > dense_limit && filled < extent / 2;
  };
  std::vector<uint64_t> table_extent(m_table_images.size()), table_filled(m_table_images.size());
  uint64_t data_extent = 0, data_filled = 0;
  for (const ir::ElemSegment& seg : m.elems) {
    if (seg.mode != ir::SegmentMode::Active || seg.table.value < m.imported_tables) continue;
    auto offset = known_offset(seg.offset_expr, m_linked);
    if (!offset) continue;
    const size_t t = seg.table.value - m.imported_tables;
    table_extent[t] = std::max(table_extent[t], uint64_t{*offset} + seg.size());
    table_filled[t] += seg.size();
  }
  for (size_t t = 0; t < table_extent.size(); ++t)
    if (too_sparse(table_extent[t], table_filled[t], kDenseTableImage)) return ok();
  for (const ir::DataSegment& seg : m.datas) {
    if (seg.mode != ir::SegmentMode::Active || seg.memory.value < m.imported_memories) continue;
    auto offset = known_offset(seg.offset_expr, m_linked);
    if (!offset || seg.init.size == 0) continue;
    data_extent = std::max(data_extent, uint64_t{*offset} + seg.init.size);
    data_filled += seg.init.size;
  }
  if (too_sparse(data_extent, data_filled, kDenseMemoryImage)) return ok();

  // Element segments -> per-table function indices (later segments overwrite earlier
  // ones, as applying them in order would).
  for (const ir::ElemSegment& seg : m.elems) {
    if (seg.mode != ir::SegmentMode::Active) continue;
    if (seg.table.value < m.imported_tables) return ok();  // into an imported table: general path
    auto offset = known_offset(seg.offset_expr, m_linked);
    const ir::TableType& tt = m.tables[seg.table.value];
    if (!offset || uint64_t{*offset} + seg.size() > tt.limits.min) return ok();  // traps part-way
    std::vector<uint32_t>& image = m_table_images[seg.table.value - m.imported_tables];
    const size_t end = size_t{*offset} + seg.size();
    if (image.size() < end) image.resize(end, Table::kNoFunc);
    for (uint32_t k = 0; k < seg.size(); ++k) {
      uint32_t f = Table::kNoFunc;
      if (!seg.uses_exprs) {
        f = seg.func_indices[k].value;
      } else {
        const ir::ConstExpr& e = seg.exprs[k];
        if (e.instrs.size() != 1) return ok();
        if (e.instrs.front().op == ir::Opcode::RefFunc) f = e.instrs.front().index;
        else if (e.instrs.front().op != ir::Opcode::RefNull) return ok();  // e.g. global.get
      }
      image[size_t{*offset} + k] = f;
    }
    // An externref table's segments can only hold nulls (the rest went to the general
    // path above), which is how the table starts anyway.
    if (tt.elem != ir::ValType::FuncRef) image.clear();
  }

  // Data segments -> the initial bytes of memory 0. In 64 bits: a segment may end at
  // exactly 4 GiB.
  std::vector<uint8_t> bytes;
  for (const ir::DataSegment& seg : m.datas) {
    if (seg.mode != ir::SegmentMode::Active) continue;
    if (seg.memory.value < m.imported_memories) return ok();  // into an imported memory: general path
    auto offset = known_offset(seg.offset_expr, m_linked);
    const uint64_t initial = m.memories[seg.memory.value].limits.min * ir::kPageSize;
    if (!offset || uint64_t{*offset} + seg.init.size > initial) return ok();
    if (seg.init.size == 0) continue;
    const size_t end = size_t{*offset} + seg.init.size;
    if (bytes.size() < end) bytes.resize(end, 0);
    std::memcpy(bytes.data() + *offset, m.bytes.data() + seg.init.offset, seg.init.size);
  }
  if (!bytes.empty()) {
    // Without memory files (memfd_create refused, e.g. by a seccomp policy) the general
    // path still instantiates correctly, only slower. (Rounding the image up to host
    // pages cannot pass the initial memory: wasm pages are 64 KiB.)
    auto image = platform::ImageFile::create(bytes.data(), bytes.size());
    if (!image) return ok();
    m_memory_image = std::move(*image);
  }
  m_fast = true;
  return ok();
}

}  // namespace skiff::engine::runtime
