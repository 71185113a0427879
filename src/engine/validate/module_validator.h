#pragma once
// ModuleValidator: the module-level half of validation
// (https://webassembly.github.io/spec/core/valid/modules.html) — index spaces, limits,
// constant expressions, exports, start, segments — plus a DecoderSink that validates
// each function body with FuncWalker<NullInterface> as the decoder completes it.
// Tiers reuse check_before_code()/check_after_code() and the ModuleEnv, and run their
// own FuncWalker<Interface> on bodies.

#include "engine/binary/decoder.h"
#include "engine/validate/func_walker.h"
#include "engine/validate/module_env.h"
#include "engine/validate/validated_module.h"

namespace skiff::engine::validate {

class ModuleValidator : public binary::DecoderSink {
 public:
  ModuleValidator();

  // Everything a body may refer to: types, imports, functions, tables, memories,
  // globals, exports, start, elements. Fills env(). Idempotent.
  Result<void> check_before_code(const ir::Module& m);
  // Data segments (the data section follows the code section).
  Result<void> check_after_code(const ir::Module& m);

  const ModuleEnv& env() const { return m_env; }

  // DecoderSink: validate bodies as they arrive.
  Result<void> on_code_start(const ir::Module& m) override;
  Result<void> on_function_body(const ir::Module& m, uint32_t index) override;

  // Completes validation of a fully decoded module (runs whatever the streaming
  // callbacks did not) and seals it.
  Result<ValidatedModule> finish(std::unique_ptr<ir::Module> m);

 private:
  Result<void> check_const_expr(const ir::Module& m, const ir::ConstExpr& e, ir::ValType expect);
  Result<void> check_limits(const ir::Limits& l, uint64_t max, ErrorCode too_large, uint32_t at);

  ModuleEnv m_env;
  bool m_checked_before_code = false;
  NullInterface m_null;
  FuncWalker<NullInterface> m_walker;
  uint32_t m_bodies_done = 0;
};

}  // namespace skiff::engine::validate
