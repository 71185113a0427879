#pragma once
// ValidatedModule: an ir::Module that passed validation. Only the validator can make
// one (private constructor), so instantiating an unvalidated module is a compile
// error, not a runtime check. Immutable once built; later tiers compile from it.

#include <memory>
#include <span>

#include "base/result.h"
#include "engine/ir/module.h"

namespace skiff::engine::validate {

class ModuleValidator;

class ValidatedModule {
 public:
  const ir::Module& module() const { return *m_module; }

 private:
  friend class ModuleValidator;
  explicit ValidatedModule(std::unique_ptr<const ir::Module> m) : m_module(std::move(m)) {}
  std::unique_ptr<const ir::Module> m_module;
};

// Validates a decoded module.
Result<ValidatedModule> validate(std::unique_ptr<ir::Module> module);

// Decodes and validates in one pass over the bytes (bodies are validated as the
// decoder completes them).
Result<ValidatedModule> decode_and_validate(std::span<const uint8_t> bytes);

// Streaming: feed chunks as they arrive (e.g. from a download); each function body is
// validated as soon as its last byte is in.
class StreamingValidator {
 public:
  StreamingValidator();
  ~StreamingValidator();
  Result<void> feed(std::span<const uint8_t> chunk);
  Result<ValidatedModule> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace skiff::engine::validate
