#pragma once
// Whole-file reads and writes for the CLI and tests (the OS boundary lives in platform/).

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace skiff::platform {

// Reads a regular file. Errors: IoError with "<path>: <strerror>" as context.
Result<std::vector<uint8_t>> read_file(const std::string& path);

}  // namespace skiff::platform
