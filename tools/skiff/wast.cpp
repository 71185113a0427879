#include "skiff/wast.h"

#include <filesystem>
#include <fstream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "engine/validate/validated_module.h"
#include "platform/file.h"

namespace skiff::tools {

namespace {

using nlohmann::json;

// Decodes and validates a module file of the script.
Result<void> load(const std::filesystem::path& dir, const std::string& file) {
  SKIFF_TRY_ASSIGN(std::vector<uint8_t> bytes, platform::read_file((dir / file).string()));
  SKIFF_TRY(engine::validate::decode_and_validate(bytes));
  return ok();
}

}  // namespace

bool wast_message_matches(std::string_view expected, std::string_view actual) {
  if (expected.empty() || actual.empty()) return expected == actual;
  return expected.starts_with(actual) || actual.starts_with(expected);
}

Result<WastSummary> run_wast(const std::string& json_path, const WastOptions& opts, std::ostream& out) {
  SKIFF_TRY_ASSIGN(std::vector<uint8_t> text, platform::read_file(json_path));
  json script = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (script.is_discarded() || !script.is_object() || !script.contains("commands") ||
      !script["commands"].is_array())
    return Error(ErrorCode::InvalidArgument, kNoOffset, json_path + ": not a wast2json script");

  const std::filesystem::path dir = std::filesystem::path(json_path).parent_path();
  const std::string name = std::filesystem::path(json_path).filename().string();
  WastSummary sum;

  for (const json& cmd : script["commands"]) {
    if (!cmd.is_object()) continue;
    const std::string type = cmd.value("type", "");
    const int line = cmd.value("line", 0);
    const std::string file = cmd.value("filename", "");
    const std::string where = name + ":" + std::to_string(line) + ": " + type;

    if (type == "module") {
      auto r = load(dir, file);
      if (r.ok()) {
        ++sum.passed;
      } else {
        ++sum.failed;
        out << where << ": " << file << ": " << r.error().to_string() << "\n";
      }
    } else if (type == "assert_malformed" || type == "assert_invalid") {
      const std::string expected = cmd.value("text", "");
      if (cmd.value("module_type", "binary") != "binary") {
        ++sum.skipped;
        ++sum.skipped_text;
        continue;
      }
      auto r = load(dir, file);
      if (r.ok()) {
        ++sum.failed;
        out << where << ": " << file << ": expected \"" << expected << "\", module was accepted\n";
        continue;
      }
      if (r.error().code() == ErrorCode::IoError) {
        ++sum.failed;
        out << where << ": " << r.error().to_string() << "\n";
        continue;
      }
      if (!wast_message_matches(expected, r.error().message())) {
        ++sum.message_mismatches;
        if (opts.strict_messages) {
          ++sum.failed;
          out << where << ": " << file << ": expected \"" << expected << "\", got \""
              << r.error().to_string() << "\"\n";
          continue;
        }
        if (opts.verbose)
          out << where << ": note: " << file << ": expected \"" << expected << "\", got \""
              << r.error().to_string() << "\"\n";
      }
      ++sum.passed;
    } else {
      // register, action, assert_return, assert_trap, assert_exhaustion,
      // assert_unlinkable, assert_uninstantiable: need execution (runtime issue).
      ++sum.skipped;
      if (opts.verbose) out << where << ": skipped (needs execution)\n";
    }
  }
  return sum;
}

}  // namespace skiff::tools
