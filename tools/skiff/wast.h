#pragma once
// `skiff wast`: runs a spec script converted by wabt's wast2json (a .json command list
// plus .wasm files beside it). This stage decodes, validates and instantiates modules
// (against the standard `spectest` host module and registered instances) and checks
// register, assert_malformed (binary), assert_invalid, assert_unlinkable and
// assert_uninstantiable (segment traps). Text-format assert_malformed modules and
// every command that needs execution are counted as skipped, as are link results that
// depend on skipped execution.

#include <cstdint>
#include <iosfwd>
#include <string>

#include "base/result.h"

namespace skiff::tools {

struct WastOptions {
  bool strict_messages = false;  // a rejection with a different message is a failure
  bool verbose = false;          // print message mismatches and skips
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
