#include "skiff/compile.h"

#include <chrono>
#include <cstdio>

#include "engine/binary/module_file.h"
#include "engine/interp/interpreter.h"
#include "platform/file.h"

namespace skiff::tools {

int compile_module(const CompileCliOptions& opts, std::ostream& out, std::ostream& err) {
  namespace interp = engine::interp;
  std::string output = opts.output;
  if (output.empty()) {
    output = opts.path;
    if (output.size() > 5 && output.ends_with(".wasm")) output.resize(output.size() - 5);
    output += ".skf";
  }
  if (auto f = interp::native_features(opts.target_cpu); !f) {
    err << "skiff compile: --target-cpu: " << f.error().context() << "\n";
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto bytes = engine::binary::read_module_file(opts.path);
  if (!bytes) {
    err << "skiff compile: " << bytes.error().context() << "\n";
    return 1;
  }
  interp::CodeOptions code;
  code.interruptible = opts.interruptible;
  code.fuel = opts.fuel;
  auto cm = interp::compile(std::move(*bytes), {}, code);
  if (!cm) {
    err << opts.path << ": " << cm.error().to_string() << "\n";
    return 1;
  }
  interp::NativeOptions nopts;
  nopts.cpu = opts.target_cpu;  // no cache: an explicit compile always compiles
  nopts.partitions = opts.threads;
  engine::native::Artifact artifact;
  auto report = interp::compile_native(**cm, nopts, &artifact);
  if (!report) {
    err << opts.path << ": " << report.error().to_string() << "\n";
    return 1;
  }
  const std::vector<uint8_t> file =
      engine::native::write_artifact(artifact.info, artifact.wasm, artifact.object);
  if (auto w = platform::replace_file(output, file); !w) {
    err << "skiff compile: " << w.error().context() << "\n";
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char line[256];
  std::snprintf(line, sizeof line, "%s: %u of %u functions compiled (%.2f s in LLVM, %.2f s in all, %.1f KB of wasm at %.2f MB/s), %.1f KB artifact\n",
                output.c_str(), report->compiled, report->functions, report->seconds, secs,
                static_cast<double>(artifact.wasm.size()) / 1024.0,
                report->seconds > 0 ? static_cast<double>(artifact.wasm.size()) / 1e6 / report->seconds : 0.0,
                static_cast<double>(file.size()) / 1024.0);
  out << line;
  return 0;
}

}  // namespace skiff::tools
