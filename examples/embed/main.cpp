// A minimal embedding of skiff (docs/embedding.md): compile a module, give it two host
// functions, call its exports, read its memory, and catch a trap.
//
//   skiff_embed_example embed.wasm
#include <cstdio>
#include <string>

#include "skiff/skiff.h"

namespace {

skiff::Error missing_export(const char* name) {
  return skiff::Error(skiff::ErrorCode::InvalidArgument, skiff::kNoOffset,
                      std::string("no export ") + name);
}

skiff::Result<void> run(const std::string& path) {
  skiff::Engine engine;
  SKIFF_TRY_ASSIGN(skiff::Module module, skiff::Module::from_file(engine, path));

  // Host functions: the wasm signature comes from the C++ one.
  skiff::Linker linker;
  linker.func_wrap("env", "print",
                   [](skiff::Caller& caller, uint32_t ptr, uint32_t len) -> skiff::Result<void> {
                     SKIFF_TRY_ASSIGN(skiff::Memory memory, caller.memory());
                     SKIFF_TRY_ASSIGN(std::string_view text, memory.string_view(ptr, len));
                     std::printf("guest says: %.*s\n", static_cast<int>(text.size()), text.data());
                     return {};
                   });
  linker.func_wrap("env", "square", [](double x) { return x * x; });

  skiff::Store store(engine);
  SKIFF_TRY_ASSIGN(skiff::Instance instance, linker.instantiate(store, module));

  // A typed export: the signature is checked here, once; calls then allocate nothing.
  SKIFF_TRY_ASSIGN(auto fill_fib, instance.get_typed_func<int32_t(int32_t)>("run"));
  SKIFF_TRY_ASSIGN(int32_t f20, fill_fib(20));
  std::printf("fib(20) = %d\n", f20);

  // The guest left fib(0..19) in its memory at address 64.
  std::optional<skiff::Memory> memory = instance.get_memory("memory");
  if (!memory) return missing_export("memory");
  std::printf("guest memory:");
  for (uint32_t i = 0; i < 10; ++i) {
    SKIFF_TRY_ASSIGN(int32_t v, memory->read<int32_t>(64 + 4 * i));
    std::printf(" %d", v);
  }
  std::printf(" (%u pages)\n", memory->pages());

  // An untyped call with Values.
  std::optional<skiff::Func> hypot2 = instance.get_func("hypot2");
  if (!hypot2) return missing_export("hypot2");
  SKIFF_TRY_ASSIGN(std::vector<skiff::Value> results, hypot2->call({3.0, 4.0}));
  std::printf("hypot2(3, 4) = %s\n", results[0].to_string().c_str());

  // A trap is an error value; the store stays usable.
  SKIFF_TRY_ASSIGN(auto average, instance.get_typed_func<uint32_t(uint32_t, uint32_t)>("average"));
  skiff::Result<uint32_t> bad = average(10, 0);
  if (!bad.ok()) {
    std::string_view why = bad.error().message();
    std::printf("average(10, 0) trapped: %.*s\n", static_cast<int>(why.size()), why.data());
  }
  SKIFF_TRY_ASSIGN(uint32_t good, average(10, 4));
  std::printf("average(10, 4) = %u\n", good);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODULE.wasm\n", argv[0]);
    return 2;
  }
  skiff::Result<void> r = run(argv[1]);
  if (!r.ok()) {
    std::fprintf(stderr, "error: %s\n", r.error().to_string().c_str());
    return 1;
  }
  return 0;
}
