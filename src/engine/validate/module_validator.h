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
  // With `defer_bodies`, on_function_body only records that a body is complete; the
  // bodies are validated by finish() (in parallel per `opts`) or, when decoding fails
  // later, by first_body_error().
  explicit ModuleValidator(bool defer_bodies = false, ValidateOptions opts = {});

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

  // For a module whose decoding failed after some bodies were deferred: the error of
  // the first invalid complete body, which a streaming pass would have reported
  // before reaching the decode error; ok() if there is none.
  Result<void> first_body_error(const ir::Module& m);

 private:
  Result<void> validate_body(FuncWalker<NullInterface>& walker, const ir::Module& m, uint32_t index);
  Result<void> validate_bodies_parallel(const ir::Module& m, uint32_t from);

  Result<void> check_const_expr(const ir::Module& m, const ir::ConstExpr& e, ir::ValType expect);
  Result<void> check_limits(const ir::Limits& l, uint64_t max, ErrorCode too_large, uint32_t at);

  ModuleEnv m_env;
  bool m_checked_before_code = false;
  bool m_defer_bodies;
  ValidateOptions m_opts;
  uint32_t m_bodies_complete = 0;
  NullInterface m_null;
  FuncWalker<NullInterface> m_walker;
  uint32_t m_bodies_done = 0;
};

}  // namespace skiff::engine::validate
