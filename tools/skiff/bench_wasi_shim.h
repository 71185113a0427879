#pragma once
// A deliberately minimal, bench-only stand-in for WASI preview1: exactly the seven calls
// that bench/cpu's workloads (C built against wasi-libc) import, so that
// `skiff run --bench-wasi-shim FILE.wasm ARGS...` can be timed on the same binaries node
// and wasm-interp run, before real WASI exists. It is not WASI: no files, no environment,
// no clocks, no rights checks. TODO(wasi): delete it, and the hidden flag, when src/wasi
// lands (issue 4); bench/cpu/run.sh then drops the flag.
//
//   args_get, args_sizes_get   the argv given on the command line
//   fd_write                   fds 1 and 2 only, straight to the process's fds 1 and 2
//   fd_fdstat_get              fds 0-2: file type "unknown", not a tty (so stdio buffers fully)
//   fd_seek                    ESPIPE on fds 0-2; fd_close: success on 0-2; else EBADF
//   proc_exit                  records the code and stops the guest (as a host trap)

#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"

namespace skiff::tools {

class BenchWasiShim {
 public:
  // `argv[0]` is the program name, as WASI passes it.
  explicit BenchWasiShim(std::vector<std::string> argv) : m_argv(std::move(argv)) {}
  BenchWasiShim(const BenchWasiShim&) = delete;
  BenchWasiShim& operator=(const BenchWasiShim&) = delete;

  // Adds the host functions to `store` and names them in `linker` under
  // "wasi_snapshot_preview1". The shim must outlive the store.
  void define(engine::runtime::Store& store, engine::runtime::Linker& linker);

  // The guest's proc_exit code, once it called proc_exit (the call then returns the
  // TrapHost error "proc_exit", which the caller must not report as a trap).
  std::optional<int> exit_code() const { return m_exit_code; }

 private:
  struct Calls;
  std::vector<std::string> m_argv;
  std::optional<int> m_exit_code;
};

}  // namespace skiff::tools
