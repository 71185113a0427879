#pragma once
// `skiff wast`: runs a spec script converted by wabt's wast2json (a .json command list
// plus .wasm files beside it) on the interpreter. One store and one machine per script;
// imports resolve against the standard `spectest` host module and registered instances.
// Every command is executed: module (start function included), register, action,
// assert_return (with nan:canonical / nan:arithmetic, per lane for v128, and `either`),
// assert_trap, assert_exhaustion, assert_malformed (binary), assert_invalid,
// assert_unlinkable and assert_uninstantiable. Only text-format modules are skipped.
// A trap must be the expected one; a rejection (decode, validate, link) with another
// message than the suite's is only noted unless strict_messages is set.

#include <cstdint>
#include <iosfwd>
#include <string>

#include "base/result.h"

namespace skiff::tools {

struct WastOptions {
  bool strict_messages = false;  // a rejection with a different message is a failure
  bool verbose = false;          // print message mismatches, spectest prints, trap backtraces
  // --tier: interp; llvm (each module compiled by the LLVM tier before it runs); or auto
  // (modules run in the interpreter while they compile in the background, in order).
  std::string tier = "interp";
  std::string target_cpu;        // llvm/auto: native (default) or portable (interp::NativeOptions)
};

struct WastSummary {
  uint32_t passed = 0;
  uint32_t failed = 0;
  uint32_t skipped = 0;
  uint32_t skipped_text = 0;     // of skipped: text-format assert_malformed
  uint32_t message_mismatches = 0;
};

// Runs the script at `json_path`, printing one line per failure to `out`. Errors only
// for an unreadable or malformed script.
Result<WastSummary> run_wast(const std::string& json_path, const WastOptions& opts, std::ostream& out);

// Whether a rejection message matches the suite's expected text: equal, or one is a
// prefix of the other ("unknown memory" vs "unknown memory 0").
bool wast_message_matches(std::string_view expected, std::string_view actual);

}  // namespace skiff::tools
