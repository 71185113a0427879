#pragma once
// Durations and sizes as people write them in flags and manifests.

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace skiff {

// "2s", "1.5s", "500ms", "250us", "2m", "1h", or plain seconds -> nanoseconds, > 0.
// Errors: InvalidArgument, context "\"TEXT\" is not a duration (...)".
Result<uint64_t> parse_duration(std::string_view text);
// "65536", "64K", "64KiB", "16M", "1G" (binary units) -> bytes.
// Errors: InvalidArgument, context "\"TEXT\" is not a size (...)".
Result<uint64_t> parse_size(std::string_view text);

}  // namespace skiff
