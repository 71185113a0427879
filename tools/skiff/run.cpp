#include "skiff/run.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <ostream>

#include "base/units.h"
#include "engine/binary/module_file.h"
#include "engine/interp/interpreter.h"
#include "engine/interp/tier_up.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/runtime/watchdog.h"
#include "skiff/output.h"
#include "wasi/wasi.h"

namespace skiff::tools {

namespace {

using engine::ir::ValType;
using engine::runtime::Value;
namespace interp = engine::interp;
namespace ir = engine::ir;
namespace runtime = engine::runtime;

Error bad_arg(std::string why) { return Error(ErrorCode::InvalidArgument, kNoOffset, std::move(why)); }

bool starts_with_hex_prefix(std::string_view s) {
  return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `digits` (no prefix, no sign) as a `bits`-wide unsigned number, little-endian into
// `out` (bits / 8 bytes). False on an empty string, a bad digit or overflow.
bool parse_unsigned_bytes(std::string_view digits, int base, uint8_t* out, unsigned bits) {
  if (digits.empty()) return false;
  unsigned nbytes = bits / 8;
  std::memset(out, 0, nbytes);
  for (char c : digits) {
    int d = hex_digit(c);
    if (d < 0 || d >= base) return false;
    // out = out * base + d, byte by byte; a carry out of the top byte is overflow.
    unsigned carry = static_cast<unsigned>(d);
    for (unsigned i = 0; i < nbytes; ++i) {
      unsigned v = out[i] * static_cast<unsigned>(base) + carry;
      out[i] = static_cast<uint8_t>(v);
      carry = v >> 8;
    }
    if (carry) return false;
  }
  return true;
}

// i32/i64: decimal in [-2^(bits-1), 2^bits - 1], or 0x hex of at most `bits` bits.
Result<uint64_t> parse_int(std::string_view text, unsigned bits) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (starts_with_hex_prefix(s)) {
    base = 16;
    s.remove_prefix(2);
  }
  uint8_t bytes[8];
  if (!parse_unsigned_bytes(s, base, bytes, 64)) return bad_arg("not an integer");
  uint64_t magnitude;
  std::memcpy(&magnitude, bytes, 8);
  uint64_t max_unsigned = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  uint64_t max_negative = uint64_t{1} << (bits - 1);
  if (negative ? magnitude > max_negative : magnitude > max_unsigned) return bad_arg("out of range");
  uint64_t value = negative ? uint64_t{0} - magnitude : magnitude;
  return value & max_unsigned;
}

// f32/f64: 0x bits, or a decimal float that strtof/strtod accept whole (no hex floats).
template <typename Float, typename Bits>
Result<Bits> parse_float(std::string_view text) {
  if (starts_with_hex_prefix(text)) {
    uint8_t bytes[8];
    if (!parse_unsigned_bytes(text.substr(2), 16, bytes, sizeof(Bits) * 8))
      return bad_arg("not a " + std::to_string(sizeof(Bits) * 8) + "-bit 0x pattern");
    Bits bits;
    std::memcpy(&bits, bytes, sizeof bits);
    return bits;
  }
  std::string s(text);
  std::string_view unsigned_part = text.substr(!text.empty() && (text[0] == '-' || text[0] == '+'));
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0])) || starts_with_hex_prefix(unsigned_part))
    return bad_arg("not a decimal float or 0x bit pattern");
  char* end = nullptr;
  errno = 0;
  Float f;
  if constexpr (sizeof(Float) == 4) f = std::strtof(s.c_str(), &end);
  else f = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return bad_arg("not a decimal float or 0x bit pattern");
  if (errno == ERANGE && std::isinf(f)) return bad_arg("out of range");
  Bits bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

std::string hex(uint64_t v, int digits) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

std::string type_list(const std::vector<ValType>& types) {
  std::string s;
  for (ValType t : types) {
    if (!s.empty()) s += ' ';
    s += ir::to_string(t);
  }
  return s;
}

std::string_view kind_noun(ir::ExternKind k) {
  switch (k) {
    case ir::ExternKind::Func: return "a function";
    case ir::ExternKind::Table: return "a table";
    case ir::ExternKind::Memory: return "a memory";
    case ir::ExternKind::Global: return "a global";
  }
  return "something else";
}

// "path: <phase> error: <message> at offset 0x.. (<context>)", as `skiff validate` prints.
void report_error(std::ostream& err, const std::string& path, const Error& e) {
  err << path << ": " << phase_name(e.phase()) << " error: " << e.to_string() << "\n";
}

// proc_exit's code (a u32) as skiff's exit status. As in Wasmtime, a code outside
// [0, 126) is an error (exit 1) instead: the host keeps only 8 bits (256 would read as
// success), and to a shell 126 and up mean "not executable", "not found" and "killed by
// a signal" (134: a trap).
int guest_exit_status(std::ostream& err, int code) {
  const uint32_t c = static_cast<uint32_t>(code);
  if (c < 126) return static_cast<int>(c);
  err << "skiff: the guest exited with " << c << ", outside 0..125\n";
  return kRunExitError;
}

// A trap (phase Trap) stops the run: `trap: MESSAGE` (the spec's wording first, then
// any detail) and the wasm frames, innermost first. proc_exit also arrives as an error
// and is the program's exit instead.
int finish_failed_run(std::ostream& err, const RunOptions& opts, const Error& e, const interp::Machine& machine,
                      const wasi::WasiCtx& ctx) {
  const std::string& path = opts.path;
  if (e.code() == ErrorCode::WasiExit && ctx.exit_code())
    return guest_exit_status(err, *ctx.exit_code());
  if (e.phase() != Phase::Trap) {
    report_error(err, path, e);
    return kRunExitError;
  }
  err << "trap: " << e.to_string();
  if (e.code() == ErrorCode::TrapDeadline) err << " (--timeout " << opts.timeout << ")";
  if (e.code() == ErrorCode::TrapOutOfFuel) err << " (--fuel " << *opts.fuel << ")";
  err << "\n";
  std::string bt = machine.format_backtrace();
  if (!bt.empty()) {
    err << "wasm backtrace:\n" << bt;
    if (bt.back() != '\n') err << "\n";
  }
  return kRunExitTrap;
}

// "HOST[::GUEST]" (GUEST defaults to HOST, as wasmtime's --dir).
wasi::Preopen parse_dir(const std::string& spec, bool read_only) {
  const size_t sep = spec.find("::");
  wasi::Preopen p;
  p.host = sep == std::string::npos ? spec : spec.substr(0, sep);
  p.guest = sep == std::string::npos ? spec : spec.substr(sep + 2);
  p.read_only = read_only;
  return p;
}

Result<wasi::WasiConfig> wasi_config(const RunOptions& opts) {
  wasi::WasiConfig c;
  c.args.push_back(opts.path);
  if (!opts.invoke) c.args.insert(c.args.end(), opts.args.begin(), opts.args.end());
  if (opts.inherit_env) {
    for (char** e = environ; e && *e; ++e) c.env.emplace_back(*e);
  }
  for (const std::string& kv : opts.env) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return bad_arg("--env wants KEY=VALUE, got \"" + kv + "\"");
    // A later definition of a key replaces an earlier (inherited) one.
    const std::string key = kv.substr(0, eq + 1);
    std::erase_if(c.env, [&](const std::string& x) { return x.compare(0, key.size(), key) == 0; });
    c.env.push_back(kv);
  }
  for (const std::string& d : opts.dirs) c.dirs.push_back(parse_dir(d, false));
  for (const std::string& d : opts.dirs_ro) c.dirs.push_back(parse_dir(d, true));
  for (const wasi::Preopen& p : c.dirs) {
    if (p.host.empty() || p.guest.empty()) return bad_arg("--dir wants HOST[::GUEST] with both non-empty");
  }
  c.listen = opts.listen;
  // Tests force the resolver without openat2 with SKIFF_WASI_RESOLVE=walk.
  if (const char* r = std::getenv("SKIFF_WASI_RESOLVE"); r && std::string_view(r) == "walk")
    c.resolve = platform::Beneath::Mode::Walk;
  return c;
}

// What the flags ask for, checked before the module is read: a bad value is a usage
// error (exit 2) whatever the module, a missing one included. The WASI context is made
// here too, so a --dir that cannot be opened or a --listen that cannot be bound is one.
struct RunSetup {
  std::optional<uint64_t> timeout_ns;
  runtime::StoreLimits limits;
  interp::Tier tier = interp::Tier::Interp;
  std::unique_ptr<wasi::WasiCtx> ctx;
};

Error flag_error(std::string_view flag, const Error& e) {
  return bad_arg(std::string(flag) + ": " + std::string(e.context()));
}

Result<void> check_max_memory(const std::string& text, runtime::StoreLimits& limits) {
  auto bytes = parse_size(text);
  if (!bytes) return flag_error("--max-memory", bytes.error());
  // The cap is in whole pages: less than one would silently become no memory at all.
  if (*bytes < ir::kPageSize)
    return bad_arg("--max-memory: \"" + text + "\" is less than one 64 KiB page");
  limits.max_memory_pages =
      static_cast<uint32_t>(std::min<uint64_t>(*bytes / ir::kPageSize, ir::kMaxPages32));
  // Table elements are host memory too (8 bytes each): --max-memory covers them.
  limits.max_store_table_elements = std::min<uint64_t>(limits.max_store_table_elements, *bytes / 8);
  return ok();
}

Result<RunSetup> check_flags(const RunOptions& opts) {
  RunSetup s;
  if (!opts.timeout.empty()) {
    auto d = parse_duration(opts.timeout);
    if (!d) return flag_error("--timeout", d.error());
    s.timeout_ns = *d;
  }
  if (!opts.max_memory.empty()) SKIFF_TRY(check_max_memory(opts.max_memory, s.limits));
  const std::optional<interp::Tier> tier =
      interp::parse_tier(opts.tier.empty() ? "interp" : opts.tier);
  if (!tier) return bad_arg("--tier: expected interp, llvm or auto, got \"" + opts.tier + "\"");
  s.tier = *tier;
  // For every tier: a name that means nothing is a mistake even where nothing compiles.
  if (auto f = interp::native_features(opts.target_cpu); !f)
    return flag_error("--target-cpu", f.error());
  SKIFF_TRY_ASSIGN(wasi::WasiConfig config, wasi_config(opts));
  auto ctx = wasi::WasiCtx::create(std::move(config));
  if (!ctx) return bad_arg(std::string(ctx.error().context()));
  s.ctx = std::move(*ctx);
  return s;
}

// The --invoke arguments as values of `type`'s parameters; InvalidArgument saying which
// one is wrong, or that their number is.
Result<std::vector<Value>> invoke_args(const std::vector<std::string>& texts,
                                       const ir::FuncType& type, const std::string& name) {
  const size_t n = type.params.size();
  if (texts.size() != n)
    return bad_arg(quote(name) + " takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") +
                   (n == 0 ? "" : " (" + type_list(type.params) + ")") + ", got " +
                   std::to_string(texts.size()));
  std::vector<Value> args;
  for (size_t i = 0; i < n; ++i) {
    auto v = parse_value(texts[i], type.params[i]);
    if (!v)
      return bad_arg("argument " + std::to_string(i + 1) + " of " + quote(name) + " (" +
                     quote(texts[i]) + ") is not a valid " +
                     std::string(ir::to_string(type.params[i])) + ": " +
                     std::string(v.error().context()));
    args.push_back(*v);
  }
  return args;
}

// "path: unknown export "NAME" (exported functions: ...)", names escaped.
void report_unknown_export(std::ostream& err, const std::string& path, const ir::Module& m,
                           const std::string& name) {
  err << path << ": unknown export " << quote(name);
  std::string funcs;
  int listed = 0;
  for (const ir::Export& e : m.exports) {
    if (e.kind != ir::ExternKind::Func) continue;
    if (listed++ == 10) {
      funcs += ", ...";
      break;
    }
    funcs += (funcs.empty() ? "" : ", ") + escape_name(e.name);
  }
  err << (funcs.empty() ? " (the module exports no functions)"
                        : " (exported functions: " + funcs + ")")
      << "\n";
}

}  // namespace

Result<Value> parse_value(std::string_view text, ValType t) {
  Value v = Value::zero(t);
  switch (t) {
    case ValType::I32: {
      SKIFF_TRY_ASSIGN(uint64_t bits, parse_int(text, 32));
      v.raw.i32 = static_cast<uint32_t>(bits);
      return v;
    }
    case ValType::I64: {
      SKIFF_TRY_ASSIGN(v.raw.i64, parse_int(text, 64));
      return v;
    }
    case ValType::F32: {
      // Through the bits, so that a signalling NaN pattern arrives unchanged.
      SKIFF_TRY_ASSIGN(v.raw.i32, (parse_float<float, uint32_t>(text)));
      return v;
    }
    case ValType::F64: {
      SKIFF_TRY_ASSIGN(v.raw.i64, (parse_float<double, uint64_t>(text)));
      return v;
    }
    case ValType::V128: {
      std::string_view s = text;
      int base = 10;
      if (starts_with_hex_prefix(s)) {
        base = 16;
        s.remove_prefix(2);
      }
      if (!parse_unsigned_bytes(s, base, v.raw.v128.bytes, 128))
        return bad_arg("not a 128-bit unsigned integer (decimal or 0x hex)");
      return v;
    }
    case ValType::FuncRef:
    case ValType::ExternRef:
      if (text != "null") return bad_arg("only null references can be passed");
      return v;
    case ValType::Bottom: break;
  }
  return bad_arg("unsupported parameter type");
}

std::string format_value(const Value& v, const runtime::Instance* inst) {
  std::string out(ir::to_string(v.type));
  out += ':';
  switch (v.type) {
    case ValType::I32: out += std::to_string(v.raw.i32); break;
    case ValType::I64: out += std::to_string(v.raw.i64); break;
    case ValType::F32: out += hex(v.raw.i32, 8); break;
    case ValType::F64: out += hex(v.raw.i64, 16); break;
    case ValType::V128:
      for (int lane = 0; lane < 4; ++lane) {
        uint32_t x;
        std::memcpy(&x, v.raw.v128.bytes + 4 * lane, 4);
        if (lane) out += ' ';
        out += hex(x, 8);
      }
      break;
    case ValType::FuncRef:
    case ValType::ExternRef: {
      if (v.raw.ref.is_null()) {
        out += "null";
        break;
      }
      if (v.type == ValType::FuncRef && inst) {
        for (size_t i = 0; i < inst->funcs.size(); ++i) {
          if (inst->funcs[i] == v.raw.ref.ptr) {
            out += std::to_string(i);
            return out;
          }
        }
      }
      out += "nonnull";
      break;
    }
    case ValType::Bottom: out += "?"; break;
  }
  return out;
}

int run_module(const RunOptions& opts, std::ostream& out, std::ostream& err) {
  const std::string& path = opts.path;
  auto setup = check_flags(opts);
  if (!setup) {
    err << "skiff run: " << setup.error().context() << "\n";
    return kRunExitUsage;
  }
  const interp::Tier tier = setup->tier;
  auto bytes = engine::binary::read_module_file(path);
  if (!bytes) {
    err << "skiff: " << bytes.error().context() << "\n";
    return kRunExitError;
  }
  interp::CodeOptions code;
  code.interruptible = setup->timeout_ns.has_value();
  code.fuel = opts.fuel.has_value();
  code.profile = tier == interp::Tier::Auto;  // hot functions compile first
  // The background compile of --tier auto; a run that returns (rather than ending the
  // process) cancels it if it is still going, so nothing outlives the module and a short
  // program never waits for the compiler.
  std::optional<interp::TierUp> tier_up;
  // An artifact from `skiff compile` carries the module and its compiled code.
  std::optional<engine::native::Artifact> artifact;
  if (engine::native::is_artifact(*bytes)) {
    auto a = engine::native::parse_artifact(*bytes);
    if (!a) {
      report_error(err, path, a.error());
      return kRunExitError;
    }
    artifact = std::move(*a);
    *bytes = artifact->wasm;
  }
  auto compiled = interp::compile(std::move(*bytes), {}, code);
  if (!compiled) {
    report_error(err, path, compiled.error());
    return kRunExitError;
  }
  const interp::CompiledModule& cm = **compiled;
  const ir::Module& m = cm.module();
  // An explicit --tier interp runs the artifact's module in the interpreter, its code unused.
  if (artifact && opts.tier != "interp") {
    if (auto r = interp::attach_artifact(cm, *artifact); !r) {
      report_error(err, path, r.error());
      return kRunExitError;
    }
  } else if (!artifact && tier != interp::Tier::Interp) {
    interp::NativeOptions nopts;
    nopts.cpu = opts.target_cpu;
    nopts.cache_dir = engine::native::ArtifactCache::default_dir();
    if (tier == interp::Tier::Auto) {
      // Tier-up: the interpreter starts now; compiled code replaces it when it is ready
      // (from the cache, at once). A failed compile leaves the interpreter running.
      tier_up.emplace(nopts).enqueue(*compiled);
    } else if (auto r = interp::compile_native(cm, nopts); !r) {
      report_error(err, path, r.error());
      return kRunExitError;
    }
  }

  // The function to call, checked before anything runs (the start function included).
  std::string name = opts.invoke.value_or("_start");
  const ir::Export* target = nullptr;
  for (const ir::Export& e : m.exports)
    if (e.name == name) target = &e;
  if (!target && opts.invoke) {
    report_unknown_export(err, path, m, name);
    return kRunExitError;
  }
  if (target && target->kind != ir::ExternKind::Func) {
    err << path << ": export " << quote(name) << " is " << kind_noun(target->kind)
        << ", not a function\n";
    return kRunExitError;
  }
  std::vector<Value> args;
  if (target) {
    const ir::FuncType& type = m.func_type(ir::FuncIdx(target->index));
    if (!opts.invoke && !type.params.empty()) {
      err << path << ": \"_start\" takes parameters (" << type_list(type.params)
          << "); call it with --invoke _start ARGS...\n";
      return kRunExitUsage;
    }
    if (opts.invoke) {
      auto parsed = invoke_args(opts.args, type, name);
      if (!parsed) {
        err << "skiff run: " << parsed.error().context() << "\n";
        return kRunExitUsage;
      }
      args = std::move(*parsed);
    }
  }

  wasi::WasiCtx& ctx = *setup->ctx;
  runtime::Store store(setup->limits);
  if (opts.fuel) store.set_fuel(*opts.fuel);
  runtime::Watchdog watchdog;
  runtime::Watchdog::Ticket deadline;
  if (setup->timeout_ns)
    deadline = watchdog.arm(store, runtime::Watchdog::Clock::now() +
                                       std::chrono::nanoseconds(*setup->timeout_ns));
  runtime::Linker linker;
  ctx.define(store, linker);
  auto imports = linker.resolve(m);
  if (!imports) {
    const Error& e = imports.error();
    err << path << ": link error: " << e.message() << " " << e.context();
    if (e.has_offset()) err << " at offset " << hex(e.offset(), 0);
    err << " (skiff run provides wasi_snapshot_preview1)\n";
    return kRunExitError;
  }

  // From here on the process holds a store, a machine and the module: when it is about
  // to exit anyway, leave them to the kernel (tearing them down first was ~5% of a
  // short run: reservations unmapped, every allocation freed).
  auto done = [&](int status) {
    if (!flush_stdout(out, err) && status == 0) status = kRunExitError;
    if (opts.exit_process) {
      tier_up.reset();  // stops a compile still running: _exit skips destructors
      err.flush();
      std::fflush(nullptr);
      ::_exit(status);
    }
    return status;
  };
  interp::Machine machine;
  auto inst = interp::instantiate(machine, store, cm, *imports);
  if (!inst) return done(finish_failed_run(err, opts, inst.error(), machine, ctx));
  if (!target) return done(0);  // no _start: instantiating (and the start function) was the run

  std::optional<runtime::Extern> x = (*inst)->find_export(name);
  if (!x || !x->func) {
    err << path << ": export \"" << name << "\" is not a function\n";
    return kRunExitError;
  }
  std::vector<Value> results;
  for (ValType t : x->func->type->results) results.push_back(Value::zero(t));
  auto called = machine.call(store, *x->func, args, results);
  if (!called) return done(finish_failed_run(err, opts, called.error(), machine, ctx));
  for (const Value& v : results) out << format_value(v, *inst) << "\n";
  return done(0);
}

}  // namespace skiff::tools
