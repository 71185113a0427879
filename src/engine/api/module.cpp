#include "skiff/module.h"

#include "engine/api/store_impl.h"
#include "engine/binary/module_file.h"
#include "engine/interp/interpreter.h"
#include "platform/file.h"

namespace skiff {

namespace ir = engine::ir;

std::string_view to_string(ExternKind k) {
  // The public enum mirrors the engine's, value for value.
  static_assert(static_cast<int>(ExternKind::Func) == static_cast<int>(ir::ExternKind::Func) &&
                static_cast<int>(ExternKind::Table) == static_cast<int>(ir::ExternKind::Table) &&
                static_cast<int>(ExternKind::Memory) == static_cast<int>(ir::ExternKind::Memory) &&
                static_cast<int>(ExternKind::Global) == static_cast<int>(ir::ExternKind::Global));
  return ir::to_string(static_cast<ir::ExternKind>(k));
}

namespace {

ExternKind from_engine(ir::ExternKind k) {
  switch (k) {
    case ir::ExternKind::Func: return ExternKind::Func;
    case ir::ExternKind::Table: return ExternKind::Table;
    case ir::ExternKind::Memory: return ExternKind::Memory;
    case ir::ExternKind::Global: return ExternKind::Global;
  }
  SKIFF_UNREACHABLE("bad ExternKind");
}

}  // namespace

Result<Module> Module::compile(const Engine& engine, std::span<const uint8_t> bytes) {
  engine::validate::ValidateOptions opts;
  opts.threads = engine.options().compile_threads;
  engine::interp::CodeOptions code_opts;
  code_opts.interruptible = engine.options().interruptible || engine.options().consume_fuel;
  code_opts.fuel = engine.options().consume_fuel;
  SKIFF_TRY_ASSIGN(std::shared_ptr<const engine::interp::CompiledModule> code,
                   engine::interp::compile(bytes, opts, code_opts));
  if (engine.options().eager_compile) SKIFF_TRY(code->translate_all());
  return Module(std::move(code));
}

Result<Module> Module::from_file(const Engine& engine, const std::string& path) {
  // Capped at the largest module: /dev/zero or a sparse 50 GB file is an error, not an
  // exhausted host.
  SKIFF_TRY_ASSIGN(std::vector<uint8_t> bytes, engine::binary::read_whole_module_file(path));
  return compile(engine, bytes).with_context(path);
}

std::vector<ImportType> Module::imports() const {
  const ir::Module& m = m_code->module();
  std::vector<ImportType> out;
  out.reserve(m.imports.size());
  for (const ir::Import& imp : m.imports) {
    ImportType t{imp.module, imp.name, from_engine(imp.kind), {}};
    if (imp.kind == ir::ExternKind::Func) t.func_type = detail::from_engine(m.types[imp.func_type.value]);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<ExportType> Module::exports() const {
  const ir::Module& m = m_code->module();
  std::vector<ExportType> out;
  out.reserve(m.exports.size());
  for (const ir::Export& e : m.exports) {
    ExportType t{e.name, from_engine(e.kind), {}};
    if (e.kind == ir::ExternKind::Func) t.func_type = detail::from_engine(m.func_type(ir::FuncIdx(e.index)));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace skiff
