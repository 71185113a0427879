// The `skiff` command: one binary, one subcommand per job. Errors are logged once,
// here, as one line on stderr with a non-zero exit code.

#include <sys/resource.h>

#include <charconv>
#include <csignal>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "engine/binary/decoder.h"
#include "engine/binary/module_file.h"
#include "engine/interp/interpreter.h"
#include "engine/validate/validated_module.h"
#include "skiff/compile.h"
#include "skiff/inspect.h"
#include "skiff/output.h"
#include "skiff/run.h"
#include "skiff/serve.h"
#include "skiff/wast.h"

namespace {

using namespace skiff;
using tools::flush_stdout;
using tools::quote;

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int cmd_validate(const std::string& path) {
  auto bytes = engine::binary::read_whole_module_file(path);
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
  auto bytes = engine::binary::read_whole_module_file(path);
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

// A count in plain decimal within [min, max]. CLI11's own integer conversion (strtoull,
// base 0) would wrap "-1", saturate on overflow and read "010" as octal 8.
Result<uint64_t> parse_count(std::string_view text, uint64_t min, uint64_t max) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || at != end || v < min || v > max)
    return Error(ErrorCode::InvalidArgument, kNoOffset,
                 quote(text) + " is not a decimal number from " + std::to_string(min) + " to " +
                     std::to_string(max));
  return v;
}

// An option taking one count (parse_count); a bad one is CLI11's usage error (exit 2).
CLI::Option* add_count_option(CLI::App* cmd, const std::string& name, uint64_t min, uint64_t max,
                              std::function<void(uint64_t)> set, const std::string& help) {
  return cmd->add_option_function<std::string>(
      name,
      [name, min, max, set = std::move(set)](const std::string& text) {
        auto v = parse_count(text, min, max);
        if (!v) throw CLI::ValidationError(name, std::string(v.error().context()));
        set(*v);
      },
      help);
}

// `skiff run [OPTIONS] FILE ARGS...`: everything after FILE is the guest's, even when it
// looks like an option, so FILE ends what CLI11 parses. The exception is `FILE --invoke
// NAME ARGS` (or --invoke=NAME; the form tests/differential relies on): ARGS are the
// function's, taken here as well, so "-inf" or "-.5" is an argument, not a flag.
struct RunTail {
  int argc;                           // what CLI11 parses: argv[0, argc)
  std::optional<std::string> invoke;  // from --invoke after FILE
  std::vector<std::string> args;      // after FILE (or after its --invoke NAME)
  std::string error;                  // a usage error
};

RunTail split_run_args(int argc, char** argv, const CLI::App& run_cmd) {
  RunTail t{argc, std::nullopt, {}, {}};
  if (argc < 2 || std::string_view(argv[1]) != "run") return t;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") {  // FILE follows; everything after it is the guest's
      if (i + 1 < argc) {
        t.args.assign(argv + std::min(i + 2, argc), argv + argc);
        t.argc = i + 2;
      }
      return t;
    }
    if (a.starts_with('-')) {
      // An option of `run` that takes a value consumes the next argument too.
      const CLI::Option* o = run_cmd.get_option_no_throw(std::string(a));
      if (o && o->get_type_size() > 0) ++i;
      continue;
    }
    t.argc = i + 1;  // FILE
    int rest = i + 1;
    const std::string_view next = rest < argc ? argv[rest] : "";
    if (next == "--invoke") {
      if (rest + 1 == argc)
        t.error = "--invoke needs the NAME of an exported function";
      else
        t.invoke = argv[rest + 1];
      rest += 2;
    } else if (next.starts_with("--invoke=")) {
      t.invoke = std::string(next.substr(9));
      rest += 1;
    }
    // `--invoke f -- -inf`, the form that was needed before and still works.
    if (t.invoke && rest < argc && std::string_view(argv[rest]) == "--") ++rest;
    if (rest < argc) t.args.assign(argv + rest, argv + argc);
    return t;
  }
  return t;
}

// `skiff bogus` is an unknown subcommand, not a missing one (CLI11's "A subcommand is
// required"). Empty when argv[1] is a subcommand or an option.
std::string unknown_subcommand(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return "";
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == argv[1]) return "";
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  return "skiff: unknown subcommand " + quote(argv[1]) + " (expected one of: " + names + ")";
}

CLI::App* add_run_command(CLI::App& app, tools::RunOptions& ropts, std::string& invoke) {
  auto* run_cmd = app.add_subcommand(
      "run", "Run a module: call an export with --invoke, else its _start export (exit 134 on a trap)");
  run_cmd->add_option("FILE", ropts.path, "WebAssembly binary")->required();
  run_cmd->add_option(
      "--invoke", invoke,
      "Call this exported function with ARGS and print its results, one TYPE:VALUE line each");
  run_cmd->add_option("ARGS", ropts.args,
                      "The program's arguments (everything after FILE); with --invoke, one per parameter: "
                      "integers in decimal or 0x hex, floats in decimal or as 0x bits, v128 as one 0x number, "
                      "null for references");
  // One value per occurrence (repeat the flag for more): a list would swallow FILE.
  run_cmd
      ->add_option("--dir", ropts.dirs,
                   "Preopen a host directory, as GUEST (default: HOST): HOST[::GUEST]")
      ->allow_extra_args(false);
  run_cmd
      ->add_option("--dir-ro", ropts.dirs_ro, "Preopen a host directory read-only: HOST[::GUEST]")
      ->allow_extra_args(false);
  run_cmd->add_option("--env", ropts.env, "Set a guest environment variable: KEY=VALUE")
      ->allow_extra_args(false);
  run_cmd->add_flag("--inherit-env", ropts.inherit_env, "Give the guest skiff's whole environment (before --env)");
  run_cmd
      ->add_option(
          "--listen", ropts.listen,
          "Preopen a listening TCP socket for the guest (sock_accept): HOST:PORT or [V6]:PORT")
      ->allow_extra_args(false);
  run_cmd->add_option("--timeout", ropts.timeout,
                      "Stop the guest (trap \"deadline exceeded\") after this wall-clock time: 2s, 500ms, 1m");
  add_count_option(
      run_cmd, "--fuel", 0, UINT64_MAX, [&ropts](uint64_t v) { ropts.fuel = v; },
      "Stop the guest (trap \"all fuel consumed\") after about N wasm instructions, "
      "deterministically");
  run_cmd->add_option(
      "--max-memory", ropts.max_memory,
      "Cap each linear memory at SIZE (64K pages, at least one): 64M, 1G; memory.grow past it "
      "returns -1");
  run_cmd->add_option("--tier", ropts.tier,
                      "Which tier runs the module: interp (translate on first call; the default for a .wasm), "
                      "llvm (compile first, with skiff-llvmc, through the cache) or auto (interpret at once, "
                      "compile in the background and switch when ready). An artifact runs its own code "
                      "unless --tier interp is given");
  run_cmd->add_option("--target-cpu", ropts.target_cpu,
                      "LLVM tier: the CPU to compile for: native (this machine, the default), portable (any "
                      "x86-64)");
  return run_cmd;
}

CLI::App* add_compile_command(CLI::App& app, tools::CompileCliOptions& copts) {
  auto* compile_cmd = app.add_subcommand(
      "compile", "Compile a module ahead of time with the LLVM tier into an artifact that `skiff run` loads");
  compile_cmd->add_option("FILE", copts.path, "WebAssembly binary")->required();
  compile_cmd->add_option("-o,--output", copts.output, "The artifact to write (default: FILE with .skf)");
  compile_cmd->add_option("--target-cpu", copts.target_cpu,
                          "native (this CPU's extensions, the default) or portable (any x86-64)");
  compile_cmd->add_flag("--interruptible", copts.interruptible, "Code that `skiff run --timeout` can stop");
  compile_cmd->add_flag("--fuel-metering", copts.fuel, "Code that `skiff run --fuel` can meter");
  add_count_option(
      compile_cmd, "--compile-threads", 1, 64,
      [&copts](uint64_t v) { copts.threads = static_cast<unsigned>(v); },
      "Compile in this many partitions in parallel (default: one per core for modules "
      "over 64 KiB of code; 1: one partition, inlining across the whole module)");
  return compile_cmd;
}

CLI::App* add_serve_command(CLI::App& app, tools::ServeCliOptions& sopts) {
  auto* serve_cmd = app.add_subcommand(
      "serve", "Serve HTTP: the apps of a manifest (skiff.toml), or one module at / (WAGI or native)");
  serve_cmd->add_option("TARGET", sopts.target, "skiff.toml, or a .wasm module")->required();
  serve_cmd->add_option("--listen", sopts.listen, "Address to listen on, HOST:PORT (default: the manifest's, else 127.0.0.1:8080)");
  add_count_option(
      serve_cmd, "--threads", 1, 1024,
      [&sopts](uint64_t v) { sopts.threads = static_cast<unsigned>(v); },
      "I/O threads (default: one per core)");
  add_count_option(
      serve_cmd, "--workers", 1, 1024,
      [&sopts](uint64_t v) { sopts.workers = static_cast<unsigned>(v); },
      "Threads that run guests (default: one per core)");
  serve_cmd->add_flag("--no-access-log", sopts.no_access_log, "Do not log one line per request");
  serve_cmd->add_flag("--realtime", sopts.realtime,
                      "Run the I/O threads in real time (SCHED_FIFO): shorter latency tails on a busy machine; "
                      "needs CAP_SYS_NICE (docs/serve.md)");
  serve_cmd->add_option("--tier", sopts.tier,
                        "Which tier runs the apps: interp, llvm (compiled before serving, through the cache) "
                        "or auto (serve at once from the interpreter; compiled code takes over when ready)")
      ->check(CLI::IsMember({"interp", "llvm", "auto"}));
  return serve_cmd;
}

// The exit code once skiff's stdout is flushed: a failed write there fails a command
// that would have succeeded.
int finish(int status) {
  return flush_stdout(std::cout, std::cerr) || status != 0 ? status : kExitError;
}

int run(int argc, char** argv) {
  raise_descriptor_limit();
  CLI::App app{"skiff: run WebAssembly where you run containers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "skiff 0.1.0");

  std::string path;
  bool as_json = false;
  auto* inspect = app.add_subcommand(
      "inspect", "Show a module's sections, imports, exports, memories, tables, start");
  inspect->add_option("FILE", path, "WebAssembly binary")->required();
  inspect->add_flag("--json", as_json, "Machine-readable output");

  auto* validate = app.add_subcommand(
      "validate", "Decode and validate a module: exit 0, or one line with the error and offset");
  validate->add_option("FILE", path, "WebAssembly binary")->required();

  std::vector<std::string> scripts;
  tools::WastOptions wopts;
  auto* wast = app.add_subcommand("wast", "Run spec scripts converted by wast2json");
  wast->add_option("SCRIPT", scripts, "wast2json .json files")->required();
  wast->add_flag("--strict-messages", wopts.strict_messages,
                 "Fail rejections whose message differs from the suite's");
  wast->add_flag("-v,--verbose", wopts.verbose, "Print message mismatches and skipped commands");
  std::string wast_tier = "interp";
  wast->add_option("--tier", wast_tier,
                   "Which tier runs the modules' functions: interp, llvm (each module compiled "
                   "before it runs) "
                   "or auto (interpreted while compiled in the background, swapped in when ready)")
      ->check(CLI::IsMember({"interp", "llvm", "auto"}));
  wast->add_option(
      "--target-cpu", wopts.target_cpu,
      "LLVM tier: native (this CPU's extensions, the default) or portable (any x86-64)");

  tools::RunOptions ropts;
  std::string invoke;
  CLI::App* run_cmd = add_run_command(app, ropts, invoke);
  tools::CompileCliOptions copts;
  CLI::App* compile_cmd = add_compile_command(app, copts);
  tools::ServeCliOptions sopts;
  CLI::App* serve_cmd = add_serve_command(app, sopts);

  if (std::string unknown = unknown_subcommand(app, argc, argv); !unknown.empty()) {
    std::cerr << unknown << "\nRun with --help for more information.\n";
    return kExitUsage;
  }
  RunTail tail = split_run_args(argc, argv, *run_cmd);
  try {
    app.parse(tail.argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // --help and --version are code 0
    return code == 0 ? finish(0) : kExitUsage;
  }
  if (*inspect) return finish(cmd_inspect(path, as_json));
  if (*validate) return finish(cmd_validate(path));
  if (*compile_cmd) return finish(tools::compile_module(copts, std::cout, std::cerr));
  if (*wast) {
    wopts.tier = wast_tier;
    if (auto f = engine::interp::native_features(wopts.target_cpu); !f) {
      std::cerr << "skiff wast: --target-cpu: " << f.error().context() << "\n";
      return kExitUsage;
    }
    return finish(cmd_wast(scripts, wopts));
  }
  if (*serve_cmd) return tools::serve(sopts);
  if (*run_cmd) {
    if (!tail.error.empty() || (tail.invoke && run_cmd->count("--invoke"))) {
      std::cerr << "skiff run: " << (tail.error.empty() ? "--invoke is given twice" : tail.error)
                << "\n";
      return kExitUsage;
    }
    if (tail.invoke)
      ropts.invoke = tail.invoke;
    else if (run_cmd->count("--invoke"))
      ropts.invoke = invoke;
    ropts.args.insert(ropts.args.end(), tail.args.begin(), tail.args.end());
    ropts.exit_process = true;
    return tools::run_module(ropts, std::cout, std::cerr);
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout pipe is EPIPE (to a guest's fd_write, and to skiff's own output,
  // reported as such), not death by SIGPIPE. Children get the default back
  // (POSIX_SPAWN_SETSIGDEF in engine/native/compiler_process.cpp): exec keeps SIG_IGN.
  std::signal(SIGPIPE, SIG_IGN);
  tools::StdoutBuf stdout_buf;
  std::streambuf* const previous = std::cout.rdbuf(&stdout_buf);
  int status = 70;
  try {
    status = run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "skiff: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "skiff: internal error\n";
  }
  std::cout.flush();  // what is left (--help); std::cout outlives stdout_buf
  std::cout.rdbuf(previous);
  return status;
}
