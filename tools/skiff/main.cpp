// The `skiff` command: one binary, one subcommand per job. Errors are logged once,
// here, as one line on stderr with a non-zero exit code.

#include <sys/resource.h>

#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "engine/binary/decoder.h"
#include "engine/interp/interpreter.h"
#include "engine/validate/validated_module.h"
#include "platform/file.h"
#include "skiff/compile.h"
#include "skiff/inspect.h"
#include "skiff/run.h"
#include "skiff/serve.h"
#include "skiff/wast.h"

namespace {

using namespace skiff;

constexpr int kExitError = 1;

int cmd_validate(const std::string& path) {
  auto bytes = platform::read_file(path);
  if (!bytes) {
    std::cerr << "skiff: " << bytes.error().context() << "\n";
    return kExitError;
  }
  auto vm = engine::validate::decode_and_validate(*bytes);
  if (!vm) {
    std::cerr << path << ": " << phase_name(vm.error().phase()) << " error: " << vm.error().to_string() << "\n";
    return kExitError;
  }
  return 0;
}

int cmd_inspect(const std::string& path, bool as_json) {
  auto bytes = platform::read_file(path);
  if (!bytes) {
    std::cerr << "skiff: " << bytes.error().context() << "\n";
    return kExitError;
  }
  auto decoded = engine::binary::decode(*bytes);
  if (!decoded) {
    std::cerr << path << ": decode error: " << decoded.error().to_string() << "\n";
    return kExitError;
  }
  // Validate a copy so the structure can be shown even for an invalid module.
  auto copy = std::make_unique<engine::ir::Module>(**decoded);
  auto vm = engine::validate::validate(std::move(copy));
  std::string verr = vm ? "" : vm.error().to_string();
  if (as_json) tools::inspect_json(**decoded, path, verr, std::cout);
  else tools::inspect_text(**decoded, path, verr, std::cout);
  return verr.empty() ? 0 : kExitError;
}

int cmd_wast(const std::vector<std::string>& paths, const tools::WastOptions& opts) {
  tools::WastSummary total;
  bool script_error = false;
  for (const std::string& p : paths) {
    auto r = tools::run_wast(p, opts, std::cout);
    if (!r) {
      std::cerr << "skiff: " << r.error().to_string() << "\n";
      script_error = true;
      continue;
    }
    total.passed += r->passed;
    total.failed += r->failed;
    total.skipped += r->skipped;
    total.skipped_text += r->skipped_text;
    total.message_mismatches += r->message_mismatches;
  }
  if (total.message_mismatches)
    std::cout << "note: " << total.message_mismatches
              << " rejections with a message other than the suite's (--strict-messages to fail them)\n";
  std::cout << "skipped: " << total.skipped_text << " text-format assert_malformed, "
            << total.skipped - total.skipped_text << " needing execution\n";
  std::cout << total.passed << " passed, " << total.failed << " failed, " << total.skipped << " skipped\n";
  return (total.failed || script_error) ? kExitError : 0;
}

// The soft RLIMIT_NOFILE raised to the hard one, as Go's runtime and nginx's
// worker_rlimit_nofile do: a server's connections and its guests' files (up to 1,024 a
// guest) share it, and the usual soft default, 1,024, is below what one server needs.
void raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);  // a failure leaves the soft limit as it was
}

int run(int argc, char** argv) {
  raise_descriptor_limit();
  CLI::App app{"skiff: run WebAssembly where you run containers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "skiff 0.1.0");

  std::string path;
  bool as_json = false;
  auto* inspect = app.add_subcommand("inspect", "Show a module's sections, imports, exports, memories, tables, start");
  inspect->add_option("FILE", path, "WebAssembly binary")->required();
  inspect->add_flag("--json", as_json, "Machine-readable output");

  auto* validate = app.add_subcommand("validate", "Decode and validate a module: exit 0, or one line with the error and offset");
  validate->add_option("FILE", path, "WebAssembly binary")->required();

  std::vector<std::string> scripts;
  tools::WastOptions wopts;
  auto* wast = app.add_subcommand("wast", "Run spec scripts converted by wast2json");
  wast->add_option("SCRIPT", scripts, "wast2json .json files")->required();
  wast->add_flag("--strict-messages", wopts.strict_messages, "Fail rejections whose message differs from the suite's");
  wast->add_flag("-v,--verbose", wopts.verbose, "Print message mismatches and skipped commands");
  std::string wast_tier = "interp";
  wast->add_option("--tier", wast_tier,
                   "Which tier runs the modules' functions: interp, llvm (each module compiled before it runs) "
                   "or auto (interpreted while compiled in the background, swapped in when ready)")
      ->check(CLI::IsMember({"interp", "llvm", "auto"}));
  wast->add_option("--target-cpu", wopts.target_cpu,
                   "LLVM tier: native (this CPU's extensions, the default) or portable (any x86-64)");

  tools::RunOptions ropts;
  std::string invoke;
  auto* run_cmd = app.add_subcommand(
      "run", "Run a module: call an export with --invoke, else its _start export (exit 134 on a trap)");
  run_cmd->add_option("FILE", ropts.path, "WebAssembly binary")->required();
  auto* invoke_opt = run_cmd->add_option(
      "--invoke", invoke, "Call this exported function with ARGS and print its results, one TYPE:VALUE line each");
  run_cmd->add_option("ARGS", ropts.args,
                      "The program's arguments (everything after FILE); with --invoke, one per parameter: "
                      "integers in decimal or 0x hex, floats in decimal or as 0x bits, v128 as one 0x number, "
                      "null for references");
  run_cmd->add_option("--dir", ropts.dirs, "Preopen a host directory, as GUEST (default: HOST): HOST[::GUEST]");
  run_cmd->add_option("--dir-ro", ropts.dirs_ro, "Preopen a host directory read-only: HOST[::GUEST]");
  run_cmd->add_option("--env", ropts.env, "Set a guest environment variable: KEY=VALUE");
  run_cmd->add_flag("--inherit-env", ropts.inherit_env, "Give the guest skiff's whole environment (before --env)");
  run_cmd->add_option("--listen", ropts.listen,
                      "Preopen a listening TCP socket for the guest (sock_accept): HOST:PORT or [V6]:PORT");
  run_cmd->add_option("--timeout", ropts.timeout,
                      "Stop the guest (trap \"deadline exceeded\") after this wall-clock time: 2s, 500ms, 1m");
  run_cmd->add_option("--fuel", ropts.fuel,
                      "Stop the guest (trap \"all fuel consumed\") after about N wasm instructions, deterministically");
  run_cmd->add_option("--max-memory", ropts.max_memory,
                      "Cap each linear memory at SIZE (64K pages): 64M, 1G; memory.grow past it returns -1");
  run_cmd->add_option("--tier", ropts.tier,
                      "Which tier runs the module: interp (translate on first call; the default for a .wasm), "
                      "llvm (compile first, with skiff-llvmc, through the cache) or auto (interpret at once, "
                      "compile in the background and switch when ready). An artifact runs its own code "
                      "unless --tier interp is given");
  run_cmd->add_option("--target-cpu", ropts.target_cpu,
                      "LLVM tier: the CPU to compile for: native (this machine, the default), portable (any "
                      "x86-64)");

  tools::CompileCliOptions copts;
  auto* compile_cmd = app.add_subcommand(
      "compile", "Compile a module ahead of time with the LLVM tier into an artifact that `skiff run` loads");
  compile_cmd->add_option("FILE", copts.path, "WebAssembly binary")->required();
  compile_cmd->add_option("-o,--output", copts.output, "The artifact to write (default: FILE with .skf)");
  compile_cmd->add_option("--target-cpu", copts.target_cpu,
                          "native (this CPU's extensions, the default) or portable (any x86-64)");
  compile_cmd->add_flag("--interruptible", copts.interruptible, "Code that `skiff run --timeout` can stop");
  compile_cmd->add_flag("--fuel-metering", copts.fuel, "Code that `skiff run --fuel` can meter");
  compile_cmd->add_option("--compile-threads", copts.threads,
                          "Compile in this many partitions in parallel (default: one per core for modules "
                          "over 64 KiB of code; 1: one partition, inlining across the whole module)")
      ->check(CLI::Range(1, 64));

  tools::ServeCliOptions sopts;
  auto* serve_cmd = app.add_subcommand(
      "serve", "Serve HTTP: the apps of a manifest (skiff.toml), or one module as a WAGI app at /");
  serve_cmd->add_option("TARGET", sopts.target, "skiff.toml, or a .wasm module")->required();
  serve_cmd->add_option("--listen", sopts.listen, "Address to listen on, HOST:PORT (default: the manifest's, else 127.0.0.1:8080)");
  serve_cmd->add_option("--threads", sopts.threads, "I/O threads (default: one per core)")->check(CLI::Range(1, 1024));
  serve_cmd->add_option("--workers", sopts.workers, "Threads that run guests (default: one per core)")
      ->check(CLI::Range(1, 1024));
  serve_cmd->add_flag("--no-access-log", sopts.no_access_log, "Do not log one line per request");
  serve_cmd->add_option("--tier", sopts.tier,
                        "Which tier runs the apps: interp, llvm (compiled before serving, through the cache) "
                        "or auto (serve at once from the interpreter; compiled code takes over when ready)")
      ->check(CLI::IsMember({"interp", "llvm", "auto"}));

  // `skiff run [OPTIONS] FILE ARGS...`: everything after FILE is the guest's, even when
  // it looks like an option, so FILE ends what CLI11 parses -- unless --invoke follows
  // FILE (`skiff run FILE --invoke NAME ARGS`, the form tests/differential relies on).
  std::vector<std::string> guest_args;
  if (argc > 1 && std::string_view(argv[1]) == "run") {
    for (int i = 2; i < argc; ++i) {
      std::string_view a = argv[i];
      if (a == "--") {
        if (i + 1 < argc) {
          for (int j = i + 2; j < argc; ++j) guest_args.emplace_back(argv[j]);
          argc = i + 2;
        }
        break;
      }
      if (!a.empty() && a[0] == '-') {
        // An option of `run` that takes a value consumes the next argument too.
        const CLI::Option* o = run_cmd->get_option_no_throw(std::string(a));
        if (o && o->get_type_size() > 0) ++i;
        continue;
      }
      if (i + 1 < argc && std::string_view(argv[i + 1]) == "--invoke") break;
      for (int j = i + 1; j < argc; ++j) guest_args.emplace_back(argv[j]);
      argc = i + 1;
      break;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*inspect) return cmd_inspect(path, as_json);
  if (*validate) return cmd_validate(path);
  if (*compile_cmd) return tools::compile_module(copts, std::cout, std::cerr);
  if (*wast) {
    wopts.tier = wast_tier;
    if (auto f = engine::interp::native_features(wopts.target_cpu); !f) {
      std::cerr << "skiff wast: --target-cpu: " << f.error().context() << "\n";
      return 2;
    }
    return cmd_wast(scripts, wopts);
  }
  if (*serve_cmd) return tools::serve(sopts);
  if (*run_cmd) {
    if (*invoke_opt) ropts.invoke = invoke;
    ropts.args.insert(ropts.args.end(), guest_args.begin(), guest_args.end());
    ropts.exit_process = true;
    return tools::run_module(ropts, std::cout, std::cerr);
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "skiff: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "skiff: internal error\n";
  }
  return 70;
}
