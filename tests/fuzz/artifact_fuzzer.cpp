// libFuzzer target: engine::native::parse_artifact and check_artifact, what `skiff run
// FILE.skf` and the compiled-code cache do with bytes from disk, on arbitrary input
// (seed: tests/fuzz/corpus_artifact). Any crash, hang, sanitizer report or leak is a bug.
// Invariant: a parsed artifact written back gives the same bytes (__builtin_trap()).

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <span>

#include "engine/native/artifact.h"

namespace native = skiff::engine::native;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto a = native::parse_artifact(bytes);
  if (!a) return 0;
  (void)native::check_artifact(*a, "opt=2 interruptible=0 fuel=0");
  const std::vector<uint8_t> again = native::write_artifact(a->info, a->wasm, a->object);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
    std::fprintf(stderr, "artifact_fuzzer: a parsed artifact does not write back to its bytes\n");
    __builtin_trap();
  }
  return 0;
}
