#pragma once
// Runs the LLVM tier's compiler, `skiff-llvmc`, as a process of its own: the runtime
// never links LLVM, so a run that loads compiled code pays nothing for it, and a
// compiler crash or a compile that eats memory cannot take the runtime down.
//
// The module goes in on the child's stdin and the object comes back on its stdout
// (both memory files, so no pipe can fill and deadlock); stderr carries its errors and
// a last "stats:" line.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace skiff::engine::native {

class CompileCancel;

struct CompileRequest {
  std::string features;     // "+sse4.2,+avx2,...": what the code may use (artifact.h); "": baseline
  unsigned opt_level = 2;
  unsigned partitions = 0;  // 0: the compiler's choice (parallel for big modules)
  bool interruptible = false;
  bool fuel = false;
  // The defined functions to compile (the others stay interpreted); empty: all.
  std::vector<uint32_t> only;
  CompileCancel* cancel = nullptr;  // optional
};

struct CompileReport {
  uint32_t functions = 0;  // defined functions
  uint32_t compiled = 0;   // compiled (the rest stay in the interpreter)
  double seconds = 0;      // inside the compiler
};

// The compiler's path: $SKIFF_LLVMC, else `skiff-llvmc` beside the running executable.
// CompilerUnavailable when neither exists.
Result<std::string> find_compiler();

// How long a compile may take: $SKIFF_COMPILE_TIMEOUT seconds, else 600. A compiler
// past it (hung, or thrashing) is killed and the compile fails with CompileFailed.
std::chrono::seconds compile_time_limit();

// Compiles `wasm` (a valid module) with the compiler at `path`; the ELF object.
Result<std::vector<uint8_t>> run_compiler(const std::string& path, std::span<const uint8_t> wasm,
                                          const CompileRequest& req, CompileReport* report = nullptr);

// Stops compiles from another thread (a background tier-up at shutdown): cancel() ends
// the compiler process in flight, if any (with the linker it started: they share a
// process group), and makes later compiles through it fail at once with CompileFailed.
// The child is reaped only by run_compiler, so its pid cannot be reused while cancel()
// may signal it -- unless the embedder reaps children it did not start (SIGCHLD set to
// SIG_IGN, or waitpid(-1)), which breaks this as it breaks posix_spawn users generally.
class CompileCancel {
 public:
  void cancel();
  bool cancelled() const;

 private:
  friend Result<std::vector<uint8_t>> run_compiler(const std::string&, std::span<const uint8_t>,
                                                   const CompileRequest&, CompileReport*);
  mutable std::mutex m_mutex;
  pid_t m_child = 0;  // running and not yet reaped: safe to signal
  bool m_cancelled = false;
};

}  // namespace skiff::engine::native
