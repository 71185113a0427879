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

struct ValidateOptions {
  // Threads for function bodies when the whole module is at hand: 0 = one per core
  // (at most 8), 1 = the calling thread only. Small modules always use one thread.
  uint32_t threads = 0;
  // Below this many bytes of function bodies, one thread is faster than starting more.
  uint64_t min_parallel_code_bytes = 32 * 1024;
};

// Validates a decoded module.
Result<ValidatedModule> validate(std::unique_ptr<ir::Module> module, const ValidateOptions& opts = {});

// Decodes and validates a complete module. Function bodies are validated in parallel
// for large modules; the error reported is always the one a sequential pass would
// report first (the same as StreamingValidator's, whatever the chunking).
Result<ValidatedModule> decode_and_validate(std::span<const uint8_t> bytes,
                                            const ValidateOptions& opts = {});
// The same, keeping `bytes` as the module's own copy instead of copying it.
Result<ValidatedModule> decode_and_validate(std::vector<uint8_t>&& bytes, const ValidateOptions& opts = {});

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
