// libFuzzer target: engine::native::CodeObject::load, the ELF relocatable-object loader of
// the LLVM tier, on arbitrary bytes (seeds: tests/fuzz/corpus_code_object, objects from
// clang and LLVM 19's llc). It parses, maps, relocates and protects; loaded code is never
// run. Any crash, hang, sanitizer report or leak is a bug.
//
// Undefined symbols resolve to a dummy address when their name has an even length and
// are unknown otherwise, so both the relocation paths and the unresolved-symbol error are
// reached. Invariants on success, each a __builtin_trap() after a line on stderr:
//   - functions() is sorted by address; each lies in code_range() and contains_pc()
//   - find(name) finds every listed function's name; function_at() maps each function's
//     first byte back to a function containing it
//   - the code range is readable (its first MiB is read)

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string_view>

#include "engine/native/code_object.h"

using skiff::engine::native::CodeObject;
using skiff::engine::native::CodeSymbol;

namespace {

const unsigned char kDummy[64] = {};

const void* resolve(void*, std::string_view name) {
  return name.size() % 2 == 0 ? kDummy : nullptr;
}

[[noreturn]] void fail(const char* what, std::string_view name) {
  std::fprintf(stderr, "code_object_fuzzer: %s (function \"%.*s\")\n", what,
               static_cast<int>(name.size()), name.data());
  std::fflush(stderr);
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto loaded = CodeObject::load(std::span<const uint8_t>(data, size), &resolve, nullptr);
  if (!loaded.ok()) return 0;
  const CodeObject& obj = **loaded;
  const auto [begin, end] = obj.code_range();
  if (begin > end) fail("code range reversed", {});
  const CodeSymbol* prev = nullptr;
  for (const CodeSymbol& f : obj.functions()) {
    const auto a = reinterpret_cast<uintptr_t>(f.addr);
    if (prev && prev->addr > f.addr) fail("functions() not sorted", f.name);
    if (a < begin || a > end || f.size > end - a) fail("function outside the code range", f.name);
    if (f.size != 0 && !obj.contains_pc(a)) fail("contains_pc() misses a function", f.name);
    if (!obj.find(f.name)) fail("find() misses a listed function", f.name);
    const CodeSymbol* at = obj.function_at(a);
    if (f.size != 0 && (!at || a < reinterpret_cast<uintptr_t>(at->addr) ||
                        a - reinterpret_cast<uintptr_t>(at->addr) >= at->size))
      fail("function_at() misses a function's first byte", f.name);
    prev = &f;
  }
  volatile uint8_t sum = 0;
  for (uintptr_t p = begin; p < end && p - begin < (1u << 20); ++p)
    sum = sum + *reinterpret_cast<const uint8_t*>(p);
  return 0;
}
