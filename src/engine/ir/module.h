#pragma once
// ir::Module: the decoded form of one WebAssembly 2.0 module. Produced by
// binary::Decoder, not yet trusted: only validate::validate() turns it into a
// ValidatedModule. The module owns a copy of its bytes; function bodies, data segment
// payloads and custom sections refer to byte ranges in it, so decoding never copies
// code and a streaming download can hand each finished body on.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/ir/opcode.h"
#include "engine/ir/types.h"

namespace skiff::engine::ir {

// https://webassembly.github.io/spec/core/binary/modules.html#sections
enum class SectionId : uint8_t {
  Custom = 0, Type = 1, Import = 2, Function = 3, Table = 4, Memory = 5, Global = 6,
  Export = 7, Start = 8, Element = 9, Code = 10, Data = 11, DataCount = 12,
};
std::string_view to_string(SectionId id);

struct ByteRange {
  uint32_t offset = 0;
  uint32_t size = 0;
};

struct SectionInfo {
  SectionId id;
  ByteRange payload;     // the section's contents, after its size field
  std::string name;      // custom sections only
};

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  TypeIdx func_type;     // kind == Func
  TableType table;       // kind == Table
  MemType memory;        // kind == Memory
  GlobalType global;     // kind == Global
  uint32_t offset = 0;
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
  uint32_t offset = 0;
};

struct V128 {
  uint8_t bytes[16] = {};
  friend bool operator==(const V128&, const V128&) = default;
};

// One instruction of a constant expression, decoded. Immediates: `bits` for numeric
// consts (raw IEEE bits for floats), `v128` for v128.const, `index` for global.get /
// ref.func, `ref_type` for ref.null. Any other opcode is kept so the validator can
// report "constant expression required".
struct ConstInstr {
  Opcode op = Opcode::Invalid;
  ValType ref_type = ValType::FuncRef;
  uint32_t index = 0;
  uint64_t bits = 0;
  V128 v128;
};

struct ConstExpr {
  std::vector<ConstInstr> instrs;  // without the final `end`
  uint32_t offset = 0;
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Active;
  ValType type = ValType::FuncRef;
  TableIdx table;
  ConstExpr offset_expr;               // Active only
  bool uses_exprs = false;             // encodings 4..7
  std::vector<FuncIdx> func_indices;   // encodings 0..3
  std::vector<ConstExpr> exprs;        // encodings 4..7
  uint32_t offset = 0;
  uint32_t size() const {
    return static_cast<uint32_t>(uses_exprs ? exprs.size() : func_indices.size());
  }
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Active;
  MemIdx memory;
  ConstExpr offset_expr;  // Active only
  ByteRange init;         // the payload, in Module::bytes
  uint32_t offset = 0;
};

struct LocalRun {
  uint32_t count;
  ValType type;
};

struct FuncBody {
  ByteRange body;                 // from the local declarations to the final `end`
  uint32_t code_offset = 0;       // first instruction
  std::vector<LocalRun> locals;   // declared locals (params not included)
  uint32_t local_count = 0;       // sum of locals[].count
};

struct IndexedName {
  uint32_t index;
  std::string name;
};

// The `name` custom section, kept for backtraces. Vectors are sorted by index.
struct Names {
  std::optional<std::string> module;
  std::vector<IndexedName> functions;
  struct LocalNames {
    uint32_t func;
    std::vector<IndexedName> locals;
  };
  std::vector<LocalNames> locals;

  // nullptr when the function has no name.
  const std::string* function_name(FuncIdx f) const;
};

struct Module {
  std::vector<uint8_t> bytes;  // the whole binary
  std::vector<SectionInfo> sections;

  std::vector<FuncType> types;
  std::vector<Import> imports;
  // Index spaces: imports first, then definitions.
  std::vector<TypeIdx> funcs;
  std::vector<TableType> tables;
  std::vector<MemType> memories;
  std::vector<GlobalType> globals;
  uint32_t imported_funcs = 0;
  uint32_t imported_tables = 0;
  uint32_t imported_memories = 0;
  uint32_t imported_globals = 0;

  std::vector<ConstExpr> global_inits;  // one per defined global
  std::vector<Export> exports;
  std::optional<FuncIdx> start;
  std::vector<ElemSegment> elems;
  std::optional<uint32_t> data_count;
  std::vector<FuncBody> codes;          // one per defined function
  std::vector<DataSegment> datas;
  Names names;

  const FuncType& func_type(FuncIdx f) const { return types[funcs[f.value].value]; }
  uint32_t defined_funcs() const { return static_cast<uint32_t>(funcs.size()) - imported_funcs; }
  std::span<const uint8_t> range(ByteRange r) const {
    return {bytes.data() + r.offset, r.size};
  }
};

}  // namespace skiff::engine::ir
