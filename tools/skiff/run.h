#pragma once
// `skiff run [OPTIONS] FILE [ARGS...]`: compiles a module, instantiates it (which runs
// its start function) with WASI preview 1 as its host (src/wasi), and either calls the
// exported function NAME with ARGS (--invoke) or runs the `_start` export with ARGS as
// the program's argv (nothing more when there is none, as wasmtime does). The guest's
// proc_exit code is the exit code when it is 0..125 (above, an error, as in Wasmtime).
// --invoke results go to stdout, one `TYPE:VALUE` line each, in the format of
// tests/differential/README.md ("The contract"); skiff's own messages go to stderr.
//
// Deny by default: the guest gets argv, stdio, and only the directories (--dir,
// --dir-ro), variables (--env, --inherit-env) and listening sockets (--listen) given.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/ir/types.h"
#include "engine/runtime/value.h"

namespace skiff::engine::runtime {
struct Instance;
}

namespace skiff::tools {

// Exit codes of `skiff run`.
inline constexpr int kRunExitError = 1;   // unreadable/invalid module, link error, no such export,
                                          // proc_exit past 125, stdout not written
inline constexpr int kRunExitUsage = 2;   // bad arguments (like CLI11's own usage errors), found
                                          // before the module is read
inline constexpr int kRunExitTrap = 134;  // a trap, as wasmtime: 128 + SIGABRT

struct RunOptions {
  std::string path;
  std::optional<std::string> invoke;  // nullopt: run `_start`
  std::vector<std::string> args;      // --invoke: one per parameter; else the program's argv[1..]
  std::vector<std::string> dirs;      // --dir HOST[::GUEST]
  std::vector<std::string> dirs_ro;   // --dir-ro HOST[::GUEST]
  std::vector<std::string> env;       // --env KEY=VALUE
  bool inherit_env = false;           // --inherit-env: the host's environment first, --env on top
  std::vector<std::string> listen;    // --listen HOST:PORT
  std::string timeout;                // --timeout DURATION ("2s", "500ms"): wall-clock deadline
  std::optional<uint64_t> fuel;       // --fuel N: budget of wasm instructions
  std::string max_memory;             // --max-memory SIZE ("64M", "1GiB"): linear memory cap
  std::string tier;                   // --tier interp|llvm|auto; "" = interp, or an artifact's own code
  std::string target_cpu;             // --target-cpu: LLVM tier's CPU ("" this machine, "portable")
  // Set by the CLI: once the run's outcome is known and the streams are flushed, end the
  // process (_exit) instead of returning, skipping the teardown the kernel does anyway.
  bool exit_process = false;
};

// Runs the command; returns the process exit code (above, or the guest's proc_exit code).
// Results are written to `out`, errors and traps to `err`.
int run_module(const RunOptions& opts, std::ostream& out, std::ostream& err);

// Parses one command-line argument as a value of type `t`:
//   i32/i64   decimal, signed or unsigned ("-1", "4294967295"), or 0x hex bits
//   f32/f64   a decimal float ("1.5", "-0", "1e-10", "inf", "nan"), or 0x hex bits
//   v128      0x and up to 32 hex digits, or an unsigned decimal: the 128-bit
//             little-endian integer (lane 0 = lowest bits)
//   funcref/externref   "null" only
// Error: InvalidArgument with a one-line reason as context.
Result<engine::runtime::Value> parse_value(std::string_view text, engine::ir::ValType t);

// One result line without the newline: "i32:42", "f64:0x3ff0000000000000",
// "v128:0x00000001 0x00000002 0x00000003 0x00000004", "funcref:null". A non-null funcref
// prints its index in `inst`'s function space when it is one of its functions.
std::string format_value(const engine::runtime::Value& v, const engine::runtime::Instance* inst);

}  // namespace skiff::tools
