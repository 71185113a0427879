#pragma once
// compile_object: a validated module's functions lowered to LLVM IR (FuncCompiler),
// optimized (the O2 pipeline) and emitted as one x86-64 ELF relocatable object, which
// native::NativeModule loads without LLVM. Symbols and the runtime contract:
// native/vmctx.h.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/llvm/func_compiler.h"
#include "engine/validate/validated_module.h"

namespace skiff::engine::llvm_tier {

struct CompileOptions {
  CodegenOptions codegen;
  // The x86-64 extensions the code may use, as LLVM names them ("+sse4.2,+avx2"; see
  // native/artifact.h): on top of baseline x86-64, nothing else. Scheduling is tuned for
  // this machine's CPU either way.
  std::string features;
  unsigned opt_level = 2;  // 0..3
  // Functions compiled in this many partitions on as many threads, joined by `ld.lld -r`
  // (0: one per core, at most 8, once the code passes kParallelCodeBytes; else 1).
  unsigned partitions = 0;
  // Defined functions (by defined index) left to the interpreter: their bodies call it
  // through the slot ABI. Functions past the end are compiled.
  std::vector<bool> interpreted;
};
inline constexpr uint64_t kParallelCodeBytes = 64 * 1024;
// Functions past any of these stay in the interpreter (module_compiler.cpp, too_costly):
// LLVM's cost grows faster than their size. SQLite's largest function, 53 KB, is under.
inline constexpr uint32_t kMaxCompiledBodyBytes = 64 * 1024;
inline constexpr uint64_t kMaxCompiledLocals = 4096;
inline constexpr size_t kMaxCompiledArity = 64;  // params + results

struct CompileStats {
  uint32_t functions = 0;  // defined functions
  uint32_t compiled = 0;   // lowered by this tier (the rest stay in the interpreter)
  uint32_t partitions = 0;
  double seconds = 0;
};

Result<std::vector<uint8_t>> compile_object(const validate::ValidatedModule& vm, const CompileOptions& opts,
                                            CompileStats* stats = nullptr);

}  // namespace skiff::engine::llvm_tier
