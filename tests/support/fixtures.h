#pragma once
// The built test modules (tests/fixtures/*.wat -> .wasm): the unit test binaries find
// them through SKIFF_TEST_FIXTURES (src/CMakeLists.txt).

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace skiff::test {

// The bytes of fixture NAME.wasm; empty if it cannot be read.
inline std::vector<uint8_t> fixture_bytes(const std::string& name) {
  std::ifstream in(std::filesystem::path(SKIFF_TEST_FIXTURES) / (name + ".wasm"), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace skiff::test
