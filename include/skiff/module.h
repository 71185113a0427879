#pragma once
/// \file
/// Module: a decoded, validated and compiled WebAssembly module. Immutable and cheap to
/// copy (copies share the code); instantiate it in any number of Stores, on any thread,
/// through Linker::instantiate. Function bodies are translated lazily on first call
/// (or all at compile time with EngineOptions::eager_compile).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "skiff/engine.h"
#include "skiff/result.h"
#include "skiff/value.h"

namespace skiff::engine::interp {
class CompiledModule;
}

namespace skiff {

enum class ExternKind : uint8_t { Func, Table, Memory, Global };

/// "func", "table", "memory", "global".
std::string_view to_string(ExternKind k);

struct ImportType {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  FuncType func_type;  ///< for kind == Func
};

struct ExportType {
  std::string name;
  ExternKind kind = ExternKind::Func;
  FuncType func_type;  ///< for kind == Func
};

class Module {
 public:
  /// Decodes, validates and compiles `bytes` (copied; the span need not outlive the
  /// call). Errors have phase Decode or Validate, the spec suite's wording and the byte
  /// offset of the problem: "type mismatch at offset 0x2f (in function 3)".
  static Result<Module> compile(const Engine& engine, std::span<const uint8_t> bytes);
  /// Reads and compiles a .wasm file; Io errors name the path.
  static Result<Module> from_file(const Engine& engine, const std::string& path);

  std::vector<ImportType> imports() const;
  std::vector<ExportType> exports() const;

  /// The engine's compiled form (for code inside skiff).
  const std::shared_ptr<const engine::interp::CompiledModule>& compiled() const { return m_code; }

 private:
  explicit Module(std::shared_ptr<const engine::interp::CompiledModule> code)
      : m_code(std::move(code)) {}
  std::shared_ptr<const engine::interp::CompiledModule> m_code;
};

}  // namespace skiff
