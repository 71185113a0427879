#include "engine/binary/sections.h"

#include <algorithm>

namespace skiff::engine::binary {

using namespace ir;

namespace {

Result<ValType> read_valtype(Reader& r) {
  uint32_t at = r.offset();
  SKIFF_TRY_ASSIGN(uint8_t b, r.read_u8());
  auto t = valtype_from_byte(b);
  if (!t) return r.error_at(ErrorCode::MalformedValueType, at);
  return *t;
}

Result<ValType> read_reftype(Reader& r) {
  uint32_t at = r.offset();
  SKIFF_TRY_ASSIGN(uint8_t b, r.read_u8());
  if (b != 0x70 && b != 0x6F) return r.error_at(ErrorCode::MalformedReferenceType, at);
  return static_cast<ValType>(b);
}

// A one-byte flag field read as the reference interpreter does (a 7-bit LEB):
// a continuation bit is "integer representation too long", a value above `max`
// "integer too large".
Result<uint8_t> read_flag_byte(Reader& r, uint8_t max) {
  uint32_t at = r.offset();
  SKIFF_TRY_ASSIGN(uint8_t b, r.read_u8());
  if (b & 0x80) return r.error_at(ErrorCode::IntegerTooLong, at);
  if (b > max) return r.error_at(ErrorCode::IntegerTooLarge, at);
  return b;
}

// limits ::= 0x00 min:u32 | 0x01 min:u32 max:u32
Result<Limits> read_limits(Reader& r) {
  SKIFF_TRY_ASSIGN(uint8_t flags, read_flag_byte(r, 1));
  Limits l;
  SKIFF_TRY_ASSIGN(l.min, r.read_u32());
  if (flags & 1) {
    SKIFF_TRY_ASSIGN(uint32_t max, r.read_u32());
    l.max = max;
  }
  return l;
}

Result<TableType> read_tabletype(Reader& r) {
  TableType t;
  SKIFF_TRY_ASSIGN(t.elem, read_reftype(r));
  SKIFF_TRY_ASSIGN(t.limits, read_limits(r));
  return t;
}

Result<GlobalType> read_globaltype(Reader& r) {
  GlobalType g;
  SKIFF_TRY_ASSIGN(g.type, read_valtype(r));
  uint32_t at = r.offset();
  SKIFF_TRY_ASSIGN(uint8_t mut, r.read_u8());
  if (mut > 1) return r.error_at(ErrorCode::MalformedMutability, at);
  g.is_mutable = mut == 1;
  return g;
}

// A vector count within an implementation limit.
Result<uint32_t> read_bounded_count(Reader& r, uint32_t limit) {
  uint32_t at = r.offset();
  SKIFF_TRY_ASSIGN(uint32_t n, r.read_count());
  if (n > limit) return Error(ErrorCode::ImplementationLimit, at, "count " + std::to_string(n));
  return n;
}

// Reserves for `n` elements, but never more than the bytes left could encode.
template <typename Vec>
void reserve_bounded(Vec& v, uint32_t n, const Reader& r, size_t min_elem_size) {
  v.reserve(v.size() + std::min<size_t>(n, r.max_elems(min_elem_size)));
}

Result<void> decode_types(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t n, read_bounded_count(r, kMaxTypes));
  reserve_bounded(m.types, n, r, 3);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t at = r.offset();
    SKIFF_TRY_ASSIGN(uint8_t form, read_flag_byte(r, 0x7F));
    if (form != 0x60) return r.error_at(ErrorCode::MalformedFunctionType, at);
    FuncType ft;
    SKIFF_TRY_ASSIGN(uint32_t np, read_bounded_count(r, kMaxParamsOrResults));
    reserve_bounded(ft.params, np, r, 1);
    for (uint32_t j = 0; j < np; ++j) {
      SKIFF_TRY_ASSIGN(ValType t, read_valtype(r));
      ft.params.push_back(t);
    }
    SKIFF_TRY_ASSIGN(uint32_t nr, read_bounded_count(r, kMaxParamsOrResults));
    reserve_bounded(ft.results, nr, r, 1);
    for (uint32_t j = 0; j < nr; ++j) {
      SKIFF_TRY_ASSIGN(ValType t, read_valtype(r));
      ft.results.push_back(t);
    }
    m.types.push_back(std::move(ft));
  }
  return ok();
}

Result<void> decode_imports(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t n, read_bounded_count(r, kMaxImports));
  reserve_bounded(m.imports, n, r, 4);
  for (uint32_t i = 0; i < n; ++i) {
    Import imp;
    imp.offset = r.offset();
    SKIFF_TRY_ASSIGN(imp.module, r.read_name());
    SKIFF_TRY_ASSIGN(imp.name, r.read_name());
    uint32_t at = r.offset();
    SKIFF_TRY_ASSIGN(uint8_t kind, r.read_u8());
    switch (kind) {
      case 0: {
        SKIFF_TRY_ASSIGN(uint32_t t, r.read_u32());
        imp.func_type = TypeIdx(t);
        if (m.funcs.size() >= kMaxFunctions) return r.error(ErrorCode::ImplementationLimit);
        m.funcs.push_back(imp.func_type);
        ++m.imported_funcs;
        break;
      }
      case 1: {
        SKIFF_TRY_ASSIGN(imp.table, read_tabletype(r));
        m.tables.push_back(imp.table);
        ++m.imported_tables;
        break;
      }
      case 2: {
        SKIFF_TRY_ASSIGN(imp.memory.limits, read_limits(r));
        m.memories.push_back(imp.memory);
        ++m.imported_memories;
        break;
      }
      case 3: {
        SKIFF_TRY_ASSIGN(imp.global, read_globaltype(r));
        m.globals.push_back(imp.global);
        ++m.imported_globals;
        break;
      }
      default:
        return r.error_at(ErrorCode::MalformedImportKind, at);
    }
    imp.kind = static_cast<ExternKind>(kind);
    m.imports.push_back(std::move(imp));
  }
  return ok();
}

Result<void> decode_functions(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t n, read_bounded_count(r, kMaxFunctions));
  if (m.funcs.size() + n > kMaxFunctions) return r.error(ErrorCode::ImplementationLimit);
  reserve_bounded(m.funcs, n, r, 1);
  for (uint32_t i = 0; i < n; ++i) {
    SKIFF_TRY_ASSIGN(uint32_t t, r.read_u32());
    m.funcs.push_back(TypeIdx(t));
  }
  return ok();
}

Result<void> decode_tables(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t n, read_bounded_count(r, kMaxSegments));
  for (uint32_t i = 0; i < n; ++i) {
    SKIFF_TRY_ASSIGN(TableType t, read_tabletype(r));
    m.tables.push_back(t);
  }
  return ok();
}

Result<void> decode_memories(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t n, read_bounded_count(r, kMaxSegments));
  for (uint32_t i = 0; i < n; ++i) {
    SKIFF_TRY_ASSIGN(Limits l, read_limits(r));
    m.memories.push_back(MemType{l});
  }
  return ok();
}

Result<void> decode_globals(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t n, read_bounded_count(r, kMaxGlobals));
  reserve_bounded(m.globals, n, r, 4);
  reserve_bounded(m.global_inits, n, r, 4);
  for (uint32_t i = 0; i < n; ++i) {
    SKIFF_TRY_ASSIGN(GlobalType g, read_globaltype(r));
    SKIFF_TRY_ASSIGN(ConstExpr init, decode_const_expr(r));
    m.globals.push_back(g);
    m.global_inits.push_back(std::move(init));
  }
  return ok();
}

Result<void> decode_exports(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t n, read_bounded_count(r, kMaxExports));
  reserve_bounded(m.exports, n, r, 3);
  for (uint32_t i = 0; i < n; ++i) {
    Export e;
    e.offset = r.offset();
    SKIFF_TRY_ASSIGN(e.name, r.read_name());
    uint32_t at = r.offset();
    SKIFF_TRY_ASSIGN(uint8_t kind, r.read_u8());
    if (kind > 3) return r.error_at(ErrorCode::MalformedExportKind, at);
    e.kind = static_cast<ExternKind>(kind);
    SKIFF_TRY_ASSIGN(e.index, r.read_u32());
    m.exports.push_back(std::move(e));
  }
  return ok();
}

Result<void> decode_start(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t f, r.read_u32());
  m.start = FuncIdx(f);
  return ok();
}

// elem ::= flags:u32 followed by one of 8 layouts
// (https://webassembly.github.io/spec/core/binary/modules.html#element-section):
// bit 0: passive/declarative (vs active), bit 1: explicit table (active) or declarative
// (non-active), bit 2: expressions instead of function indices.
Result<void> decode_elems(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t n, read_bounded_count(r, kMaxSegments));
  reserve_bounded(m.elems, n, r, 2);
  for (uint32_t i = 0; i < n; ++i) {
    ElemSegment seg;
    seg.offset = r.offset();
    SKIFF_TRY_ASSIGN(uint32_t flags, r.read_u32());
    if (flags > 7) return r.error_at(ErrorCode::MalformedElementFlags, seg.offset);
    bool passive_or_declarative = flags & 1;
    bool explicit_or_declarative = flags & 2;
    seg.uses_exprs = flags & 4;
    if (!passive_or_declarative) {
      seg.mode = SegmentMode::Active;
      if (explicit_or_declarative) {
        SKIFF_TRY_ASSIGN(uint32_t t, r.read_u32());
        seg.table = TableIdx(t);
      }
      SKIFF_TRY_ASSIGN(seg.offset_expr, decode_const_expr(r));
    } else {
      seg.mode = explicit_or_declarative ? SegmentMode::Declarative : SegmentMode::Passive;
    }
    // Flags 0 and 4 have an implicit funcref type; all others spell elemkind/reftype.
    if (flags != 0 && flags != 4) {
      if (seg.uses_exprs) {
        SKIFF_TRY_ASSIGN(seg.type, read_reftype(r));
      } else {
        uint32_t at = r.offset();
        SKIFF_TRY_ASSIGN(uint8_t kind, r.read_u8());
        if (kind != 0x00) return r.error_at(ErrorCode::MalformedElementKind, at);
        seg.type = ValType::FuncRef;
      }
    }
    SKIFF_TRY_ASSIGN(uint32_t count, read_bounded_count(r, kMaxTableInitEntries));
    if (seg.uses_exprs) {
      reserve_bounded(seg.exprs, count, r, 2);
      for (uint32_t j = 0; j < count; ++j) {
        SKIFF_TRY_ASSIGN(ConstExpr e, decode_const_expr(r));
        seg.exprs.push_back(std::move(e));
      }
    } else {
      reserve_bounded(seg.func_indices, count, r, 1);
      for (uint32_t j = 0; j < count; ++j) {
        SKIFF_TRY_ASSIGN(uint32_t f, r.read_u32());
        seg.func_indices.push_back(FuncIdx(f));
      }
    }
    m.elems.push_back(std::move(seg));
  }
  return ok();
}

Result<void> decode_data_count(Reader& r, Module& m) {
  SKIFF_TRY_ASSIGN(uint32_t n, r.read_u32());
  m.data_count = n;
  return ok();
}

// data ::= 0 expr vec(byte) | 1 vec(byte) | 2 memidx expr vec(byte)
Result<void> decode_datas(Reader& r, Module& m) {
  uint32_t at = r.offset();
  SKIFF_TRY_ASSIGN(uint32_t n, read_bounded_count(r, kMaxSegments));
  if (m.data_count && *m.data_count != n) return r.error_at(ErrorCode::DataCountMismatch, at);
  reserve_bounded(m.datas, n, r, 2);
  for (uint32_t i = 0; i < n; ++i) {
    DataSegment seg;
    seg.offset = r.offset();
    SKIFF_TRY_ASSIGN(uint32_t flags, r.read_u32());
    switch (flags) {
      case 0: {
        seg.mode = SegmentMode::Active;
        SKIFF_TRY_ASSIGN(seg.offset_expr, decode_const_expr(r));
        break;
      }
      case 1:
        seg.mode = SegmentMode::Passive;
        break;
      case 2: {
        seg.mode = SegmentMode::Active;
        SKIFF_TRY_ASSIGN(uint32_t mem, r.read_u32());
        seg.memory = MemIdx(mem);
        SKIFF_TRY_ASSIGN(seg.offset_expr, decode_const_expr(r));
        break;
      }
      default:
        return r.error_at(ErrorCode::MalformedDataFlags, seg.offset);
    }
    SKIFF_TRY_ASSIGN(uint32_t len, r.read_u32());
    if (len > r.remaining()) return r.error(ErrorCode::UnexpectedEndOfSection);
    seg.init = ByteRange{r.offset(), len};
    SKIFF_TRY(r.skip(len));
    m.datas.push_back(std::move(seg));
  }
  return ok();
}

// The `name` custom section (https://webassembly.github.io/spec/core/appendix/custom.html).
// Malformed contents make skiff ignore the names, never reject the module.
Result<void> decode_name_section(Reader& r, Names& names) {
  auto read_name_map = [&](Reader& sub, std::vector<IndexedName>& out) -> Result<void> {
    SKIFF_TRY_ASSIGN(uint32_t n, sub.read_count());
    reserve_bounded(out, n, sub, 2);
    for (uint32_t i = 0; i < n; ++i) {
      IndexedName in;
      SKIFF_TRY_ASSIGN(in.index, sub.read_u32());
      SKIFF_TRY_ASSIGN(in.name, sub.read_name());
      out.push_back(std::move(in));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const IndexedName& a, const IndexedName& b) { return a.index < b.index; });
    return ok();
  };
  while (!r.at_end()) {
    SKIFF_TRY_ASSIGN(uint8_t id, r.read_u8());
    SKIFF_TRY_ASSIGN(uint32_t size, r.read_u32());
    SKIFF_TRY_ASSIGN(const uint8_t* p, r.read_bytes(size));
    Reader sub(r.base(), p, p + size);
    switch (id) {
      case 0: {
        SKIFF_TRY_ASSIGN(names.module, sub.read_name());
        break;
      }
      case 1: SKIFF_TRY(read_name_map(sub, names.functions)); break;
      case 2: {
        SKIFF_TRY_ASSIGN(uint32_t n, sub.read_count());
        for (uint32_t i = 0; i < n; ++i) {
          Names::LocalNames ln;
          SKIFF_TRY_ASSIGN(ln.func, sub.read_u32());
          SKIFF_TRY(read_name_map(sub, ln.locals));
          names.locals.push_back(std::move(ln));
        }
        std::stable_sort(names.locals.begin(), names.locals.end(),
                         [](const auto& a, const auto& b) { return a.func < b.func; });
        break;
      }
      default: break;  // other subsections (labels, types, ...) are not used yet
    }
  }
  return ok();
}

}  // namespace

Result<void> decode_section(SectionId id, Reader& r, Module& m) {
  switch (id) {
    case SectionId::Type: return decode_types(r, m);
    case SectionId::Import: return decode_imports(r, m);
    case SectionId::Function: return decode_functions(r, m);
    case SectionId::Table: return decode_tables(r, m);
    case SectionId::Memory: return decode_memories(r, m);
    case SectionId::Global: return decode_globals(r, m);
    case SectionId::Export: return decode_exports(r, m);
    case SectionId::Start: return decode_start(r, m);
    case SectionId::Element: return decode_elems(r, m);
    case SectionId::DataCount: return decode_data_count(r, m);
    case SectionId::Data: return decode_datas(r, m);
    case SectionId::Custom:
    case SectionId::Code: break;
  }
  SKIFF_UNREACHABLE("custom and code sections are decoded by the Decoder itself");
}

Result<void> decode_custom_section(Reader& r, Module& m, SectionInfo& info) {
  SKIFF_TRY_ASSIGN(info.name, r.read_name());
  if (info.name == "name") {
    Names names;
    if (decode_name_section(r, names).ok()) m.names = std::move(names);
  }
  return ok();
}

Result<void> decode_locals(Reader& r, FuncBody& body) {
  SKIFF_TRY_ASSIGN(uint32_t groups, r.read_count());
  reserve_bounded(body.locals, groups, r, 2);
  uint64_t total = 0;
  for (uint32_t i = 0; i < groups; ++i) {
    uint32_t at = r.offset();
    SKIFF_TRY_ASSIGN(uint32_t count, r.read_u32());
    total += count;
    if (total > kMaxLocals) return r.error_at(ErrorCode::TooManyLocals, at);
    SKIFF_TRY_ASSIGN(ValType t, read_valtype(r));
    if (count > 0) body.locals.push_back(LocalRun{count, t});
  }
  body.local_count = static_cast<uint32_t>(total);
  body.code_offset = r.offset();
  return ok();
}

Result<Opcode> read_opcode(Reader& r) {
  SKIFF_TRY_ASSIGN(uint8_t b, r.read_u8());
  if (b == 0xFC || b == 0xFD) {
    SKIFF_TRY_ASSIGN(uint32_t code, r.read_u32());
    if (b == 0xFC) return code < kDecodeTables.prefix_fc.size() ? kDecodeTables.prefix_fc[code] : Opcode::Invalid;
    return code < kDecodeTables.prefix_fd.size() ? kDecodeTables.prefix_fd[code] : Opcode::Invalid;
  }
  return kDecodeTables.one_byte[b];
}

Result<void> skip_immediates(Reader& r, Opcode op) {
  switch (op_info(op).imm) {
    case Imm::None: return ok();
    case Imm::BlockType: SKIFF_TRY(r.read_s33()); return ok();
    case Imm::Label: case Imm::Func: case Imm::Local: case Imm::Global:
    case Imm::Table: case Imm::Elem: case Imm::Data:
      SKIFF_TRY(r.read_u32());
      return ok();
    case Imm::Memory:
      SKIFF_TRY(r.read_u8());
      return ok();
    case Imm::BrTable: {
      SKIFF_TRY_ASSIGN(uint32_t n, r.read_count());
      for (uint64_t i = 0; i <= n; ++i) SKIFF_TRY(r.read_u32());
      return ok();
    }
    case Imm::CallIndirect: case Imm::MemArg: case Imm::TableInit: case Imm::TableCopy:
      SKIFF_TRY(r.read_u32());
      SKIFF_TRY(r.read_u32());
      return ok();
    case Imm::MemoryInit:
      SKIFF_TRY(r.read_u32());
      SKIFF_TRY(r.read_u8());
      return ok();
    case Imm::MemoryCopy: return r.skip(2);
    case Imm::I32: SKIFF_TRY(r.read_s32()); return ok();
    case Imm::I64: SKIFF_TRY(r.read_s64()); return ok();
    case Imm::F32: return r.skip(4);
    case Imm::F64: return r.skip(8);
    case Imm::V128: case Imm::Shuffle: return r.skip(16);
    case Imm::SelectT: {
      SKIFF_TRY_ASSIGN(uint32_t n, r.read_count());
      return r.skip(n);
    }
    case Imm::RefType: case Imm::Lane: return r.skip(1);
    case Imm::MemArgLane:
      SKIFF_TRY(r.read_u32());
      SKIFF_TRY(r.read_u32());
      return r.skip(1);
  }
  return ok();
}

// expr ::= instr* 0x0B. Constant instructions are decoded with their immediates; any
// other instruction is recorded by opcode (and skipped) so validation can reject it.
Result<ConstExpr> decode_const_expr(Reader& r) {
  ConstExpr e;
  e.offset = r.offset();
  for (;;) {
    uint32_t at = r.offset();
    SKIFF_TRY_ASSIGN(Opcode op, read_opcode(r));
    if (op == Opcode::End) return e;
    if (op == Opcode::Invalid) return r.error_at(ErrorCode::IllegalOpcode, at);
    ConstInstr ci;
    ci.op = op;
    switch (op) {
      case Opcode::I32Const: {
        SKIFF_TRY_ASSIGN(int32_t v, r.read_s32());
        ci.bits = static_cast<uint32_t>(v);
        break;
      }
      case Opcode::I64Const: {
        SKIFF_TRY_ASSIGN(int64_t v, r.read_s64());
        ci.bits = static_cast<uint64_t>(v);
        break;
      }
      case Opcode::F32Const: {
        SKIFF_TRY_ASSIGN(ci.bits, r.read_fixed_u32());
        break;
      }
      case Opcode::F64Const: {
        SKIFF_TRY_ASSIGN(ci.bits, r.read_fixed_u64());
        break;
      }
      case Opcode::V128Const: {
        SKIFF_TRY_ASSIGN(const uint8_t* p, r.read_bytes(16));
        std::memcpy(ci.v128.bytes, p, 16);
        break;
      }
      case Opcode::RefNull: {
        SKIFF_TRY_ASSIGN(ci.ref_type, read_reftype(r));
        break;
      }
      case Opcode::RefFunc:
      case Opcode::GlobalGet: {
        SKIFF_TRY_ASSIGN(ci.index, r.read_u32());
        break;
      }
      default: SKIFF_TRY(skip_immediates(r, op)); break;
    }
    if (e.instrs.size() >= 64) return r.error_at(ErrorCode::ImplementationLimit, at);
    e.instrs.push_back(ci);
  }
}

}  // namespace skiff::engine::binary
