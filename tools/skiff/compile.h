#pragma once
// `skiff compile`: a module compiled ahead of time by the LLVM tier into an artifact
// (.skf, engine/native/artifact.h) that `skiff run` loads without compiling.

#include <ostream>
#include <string>

namespace skiff::tools {

struct CompileCliOptions {
  std::string path;            // the .wasm
  std::string output;          // -o; default: the input with .skf for .wasm
  std::string target_cpu;      // native (default) or portable
  bool interruptible = false;  // --interruptible: for runs with --timeout
  bool fuel = false;           // --fuel-metering: for runs with --fuel
  unsigned threads = 0;        // --compile-threads: partitions compiled in parallel (0: automatic)
};

// Returns the exit code: 0, 1 (bad module, compile failed, cannot write), 2 (usage).
int compile_module(const CompileCliOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace skiff::tools
