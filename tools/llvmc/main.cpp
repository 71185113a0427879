// skiff-llvmc: the LLVM tier's compiler as a program of its own (native/compiler_process
// runs it). Reads a wasm module on stdin, writes the ELF object on stdout, and ends its
// stderr with "stats: functions=N compiled=M seconds=S". Exit 1 with a message for an
// invalid module or a failed compile, 2 for bad arguments.
//
//   skiff-llvmc [--parent=PID] [--features=+sse4.2,+avx2,...] [--opt=0..3] [--partitions=N] [--interruptible] [--fuel]
//               [--only=I,J,...] < in.wasm > out.o
//   --only: compile these defined functions (indices); the others stay interpreted
//   --parent: the runtime's pid; the compiler exits at once if its parent is not that

#include <sys/prctl.h>
#include <unistd.h>

#include <charconv>
#include <csignal>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/llvm/module_compiler.h"
#include "engine/validate/module_validator.h"

namespace {

int usage(const std::string& why) {
  std::fprintf(stderr, "skiff-llvmc: %s\nusage: skiff-llvmc [--parent=PID] [--features=LIST] [--opt=0..3] [--partitions=N] [--interruptible] [--fuel] [--only=I,J,...] < in.wasm > out.o\n",
               why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace skiff::engine;
  // A compile nobody waits for any more (its runtime exited) stops.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  llvm_tier::CompileOptions opts;
  std::optional<std::string_view> only;  // defined functions to compile, "i,j,...": the rest stay interpreted
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.starts_with("--parent=")) {
      // The parent may have gone before PR_SET_PDEATHSIG took hold: then this compile
      // has no one to wait for it.
      if (std::to_string(::getppid()) != a.substr(9)) return 1;
    } else if (a.starts_with("--features=")) {
      opts.features = a.substr(11);
    } else if (a.starts_with("--opt=") && a.size() == 7 && a[6] >= '0' && a[6] <= '3') {
      opts.opt_level = static_cast<unsigned>(a[6] - '0');
    } else if (a.starts_with("--partitions=")) {
      opts.partitions = static_cast<unsigned>(std::atoi(std::string(a.substr(13)).c_str()));
      if (opts.partitions == 0 || opts.partitions > 64) return usage("--partitions must be 1..64");
    } else if (a == "--interruptible") {
      opts.codegen.interruptible = true;
    } else if (a == "--fuel") {
      opts.codegen.fuel = true;
    } else if (a.starts_with("--only=")) {
      only = a.substr(7);
    } else {
      return usage("unknown argument " + std::string(a));
    }
  }
  std::vector<uint8_t> wasm;
  uint8_t buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0) return usage("cannot read the module from stdin");
    if (n == 0) break;
    wasm.insert(wasm.end(), buf, buf + n);
  }
  auto vm = validate::decode_and_validate(std::move(wasm));
  if (!vm) {
    std::fprintf(stderr, "skiff-llvmc: invalid module: %s\n", vm.error().to_string().c_str());
    return 1;
  }
  if (only) {
    opts.interpreted.assign(vm->module().defined_funcs(), true);
    size_t at = 0;
    while (at < only->size()) {
      size_t end = only->find(',', at);
      if (end == std::string_view::npos) end = only->size();
      uint32_t index = 0;
      const auto [p, ec] = std::from_chars(only->data() + at, only->data() + end, index);
      if (ec != std::errc() || p != only->data() + end || index >= opts.interpreted.size())
        return usage("--only: \"" + std::string(only->substr(at, end - at)) + "\" is not a defined function's index");
      opts.interpreted[index] = false;
      at = end + 1;
    }
  }
  llvm_tier::CompileStats stats;
  auto obj = llvm_tier::compile_object(*vm, opts, &stats);
  if (!obj) {
    std::fprintf(stderr, "skiff-llvmc: %s\n", obj.error().to_string().c_str());
    return 1;
  }
  size_t done = 0;
  while (done < obj->size()) {
    const ssize_t n = ::write(1, obj->data() + done, obj->size() - done);
    if (n <= 0) {
      std::fprintf(stderr, "skiff-llvmc: cannot write the object to stdout\n");
      return 1;
    }
    done += static_cast<size_t>(n);
  }
  std::fprintf(stderr, "stats: functions=%u compiled=%u seconds=%.6f partitions=%u\n", stats.functions, stats.compiled,
               stats.seconds, stats.partitions);
  return 0;
}
