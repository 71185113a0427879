#include "skiff/wast.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <ostream>

#include <nlohmann/json.hpp>

#include "engine/binary/module_file.h"
#include "engine/interp/interpreter.h"
#include "engine/interp/tier_up.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "skiff/output.h"

namespace skiff::tools {

namespace {

using nlohmann::json;
namespace interp = engine::interp;
namespace ir = engine::ir;
namespace rt = engine::runtime;

// A problem with the script itself (a bad value, an unknown export), as opposed to an
// outcome of running it.
Error script_error(std::string what) {
  return Error(ErrorCode::InvalidArgument, kNoOffset, std::move(what));
}

std::string describe(const Error& e) {
  return e.code() == ErrorCode::InvalidArgument ? std::string(e.context()) : e.to_string();
}

// Fields of a command; "" or `def` when absent or of another JSON type (a malformed
// script must not throw).
std::string field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t int_field(const json& j, const char* key, int64_t def = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : def;
}

// wabt 1.0.32's wast2json writes the "expected" types of assert_trap / action commands
// on functions with several results without commas ([{"type": "i32"}{"type": "i64"}]);
// puts them back (outside strings only).
std::string repair_wabt_json(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false, escaped = false, after_close = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      if (c == '{' && after_close) out += ',';
      after_close = c == '}';
      in_string = c == '"';
    }
    out += c;
  }
  return out;
}

// --- values ---------------------------------------------------------------------------
// https://github.com/WebAssembly/spec/blob/main/interpreter/README.md#scripts
// wast2json writes integers as unsigned decimal strings, floats as the decimal string of
// their bit pattern, a v128 as a list of such lanes with its "lane_type", references as
// "null" or a number.

// How a v128 is split into lanes; a scalar is one lane of its own type.
enum class LaneType : uint8_t { I8, I16, I32, I64, F32, F64 };

uint32_t lane_bytes(LaneType t) {
  switch (t) {
    case LaneType::I8: return 1;
    case LaneType::I16: return 2;
    case LaneType::I32: case LaneType::F32: return 4;
    case LaneType::I64: case LaneType::F64: return 8;
  }
  return 4;
}

const char* lane_name(LaneType t) {
  static constexpr const char* kNames[] = {"i8", "i16", "i32", "i64", "f32", "f64"};
  return kNames[static_cast<int>(t)];
}

std::optional<LaneType> lane_from_name(std::string_view s) {
  for (LaneType t :
       {LaneType::I8, LaneType::I16, LaneType::I32, LaneType::I64, LaneType::F32, LaneType::F64})
    if (s == lane_name(t)) return t;
  return std::nullopt;
}

// result ::= ... | (f32.const nan:canonical) | (f32.const nan:arithmetic), also per lane.
enum class NanPattern : uint8_t { None, Canonical, Arithmetic };

struct Lane {
  uint64_t bits = 0;
  NanPattern nan = NanPattern::None;
};

// One value of a command: an argument, or an expected result (which may be a pattern).
struct WastValue {
  ir::ValType type = ir::ValType::I32;
  LaneType lane_type = LaneType::I32;  // scalars: their own type; v128: the JSON's lane type
  std::vector<Lane> lanes;             // numbers (one lane) and v128
  bool is_null = false;                // references
  uint64_t ref_id = 0;                 // externref N; a non-null funcref means "any"
};

// An externref made by the script: (ref.extern N) is the non-null pointer value N + 1,
// for arguments and results alike, so N round-trips through the guest.
rt::Ref extern_ref(uint64_t n) {
  return rt::Ref{reinterpret_cast<const void*>(static_cast<uintptr_t>(n + 1))};
}

Result<uint64_t> parse_u64(const json& j, uint32_t bytes) {
  if (!j.is_string()) return script_error("a value is not a string");
  const std::string& s = j.get_ref<const std::string&>();
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || (bytes < 8 && (v >> (bytes * 8)) != 0))
    return script_error("bad " + std::to_string(bytes * 8) + "-bit value \"" + s + "\"");
  return v;
}

Result<Lane> parse_lane(const json& j, LaneType t) {
  if ((t == LaneType::F32 || t == LaneType::F64) && j.is_string()) {
    if (j == "nan:canonical") return Lane{0, NanPattern::Canonical};
    if (j == "nan:arithmetic") return Lane{0, NanPattern::Arithmetic};
  }
  SKIFF_TRY_ASSIGN(uint64_t bits, parse_u64(j, lane_bytes(t)));
  return Lane{bits, NanPattern::None};
}

Result<WastValue> parse_value(const json& j) {
  if (!j.is_object()) return script_error("a value is not an object");
  const std::string type = field(j, "type");
  const json& value = j.contains("value") ? j["value"] : json();
  WastValue v;
  auto scalar = [&](ir::ValType vt, LaneType lt) -> Result<WastValue> {
    v.type = vt;
    v.lane_type = lt;
    SKIFF_TRY_ASSIGN(Lane lane, parse_lane(value, lt));
    v.lanes.push_back(lane);
    return v;
  };
  if (type == "i32") return scalar(ir::ValType::I32, LaneType::I32);
  if (type == "i64") return scalar(ir::ValType::I64, LaneType::I64);
  if (type == "f32") return scalar(ir::ValType::F32, LaneType::F32);
  if (type == "f64") return scalar(ir::ValType::F64, LaneType::F64);
  if (type == "v128") {
    auto lt = lane_from_name(field(j, "lane_type"));
    if (!lt) return script_error("v128 with lane type \"" + field(j, "lane_type") + "\"");
    const uint32_t count = 16 / lane_bytes(*lt);
    if (!value.is_array() || value.size() != count)
      return script_error(std::string("v128 needs ") + std::to_string(count) + " " +
                          lane_name(*lt) + " lanes");
    v.type = ir::ValType::V128;
    v.lane_type = *lt;
    for (const json& x : value) {
      SKIFF_TRY_ASSIGN(Lane lane, parse_lane(x, *lt));
      v.lanes.push_back(lane);
    }
    return v;
  }
  if (type == "funcref" || type == "externref") {
    v.type = type == "funcref" ? ir::ValType::FuncRef : ir::ValType::ExternRef;
    if (value == "null") {
      v.is_null = true;
    } else {
      SKIFF_TRY_ASSIGN(v.ref_id, parse_u64(value, 8));
      if (v.ref_id == UINT64_MAX) return script_error("externref out of range");
    }
    return v;
  }
  return script_error("unsupported value type \"" + type + "\"");
}

uint64_t lane_bits(const ir::V128& v, LaneType t, uint32_t i) {
  uint64_t bits = 0;
  std::memcpy(&bits, v.bytes + i * lane_bytes(t), lane_bytes(t));  // little-endian lanes
  return bits;
}

// The value of an argument; patterns and non-null funcrefs (the script cannot name a
// function) are script errors.
Result<rt::Value> to_arg(const WastValue& w) {
  for (const Lane& l : w.lanes)
    if (l.nan != NanPattern::None) return script_error("a NaN pattern is not an argument");
  rt::Value v = rt::Value::zero(w.type);
  switch (w.type) {
    case ir::ValType::I32:
    case ir::ValType::F32: v.raw.i32 = static_cast<uint32_t>(w.lanes[0].bits); break;
    case ir::ValType::I64:
    case ir::ValType::F64: v.raw.i64 = w.lanes[0].bits; break;
    case ir::ValType::V128:
      for (uint32_t i = 0; i < w.lanes.size(); ++i)
        std::memcpy(v.raw.v128.bytes + i * lane_bytes(w.lane_type), &w.lanes[i].bits,
                    lane_bytes(w.lane_type));
      break;
    case ir::ValType::FuncRef:
      if (!w.is_null) return script_error("a non-null funcref cannot be an argument");
      break;
    case ir::ValType::ExternRef:
      if (!w.is_null) v.raw.ref = extern_ref(w.ref_id);
      break;
    default: return script_error("unsupported argument type");
  }
  return v;
}

bool lane_matches(const Lane& want, LaneType t, uint64_t bits) {
  // https://webassembly.github.io/spec/core/exec/numerics.html#nan-propagation
  // canonical: only the quiet bit of the payload set (either sign); arithmetic: quiet bit set.
  if (t == LaneType::F32 && want.nan != NanPattern::None) {
    const uint32_t b = static_cast<uint32_t>(bits);
    return want.nan == NanPattern::Canonical ? (b & 0x7fffffffu) == 0x7fc00000u
                                              : (b & 0x7fc00000u) == 0x7fc00000u;
  }
  if (t == LaneType::F64 && want.nan != NanPattern::None) {
    constexpr uint64_t kQuiet = 0x7ff8000000000000ull;
    return want.nan == NanPattern::Canonical ? (bits & 0x7fffffffffffffffull) == kQuiet
                                              : (bits & kQuiet) == kQuiet;
  }
  return want.nan == NanPattern::None && bits == want.bits;
}

bool matches(const WastValue& want, const rt::Value& got) {
  if (want.type != got.type) return false;
  switch (got.type) {
    case ir::ValType::I32:
    case ir::ValType::F32: return lane_matches(want.lanes[0], want.lane_type, got.raw.i32);
    case ir::ValType::I64:
    case ir::ValType::F64: return lane_matches(want.lanes[0], want.lane_type, got.raw.i64);
    case ir::ValType::V128:
      for (uint32_t i = 0; i < want.lanes.size(); ++i) {
        const uint64_t bits = lane_bits(got.raw.v128, want.lane_type, i);
        if (!lane_matches(want.lanes[i], want.lane_type, bits)) return false;
      }
      return true;
    case ir::ValType::FuncRef: return want.is_null == got.raw.ref.is_null();
    case ir::ValType::ExternRef:
      return want.is_null ? got.raw.ref.is_null() : got.raw.ref == extern_ref(want.ref_id);
    default: return false;
  }
}

// --- formatting, in the text format so a failure reads like the script ----------------

template <typename Float>
std::string format_float(Float f, uint64_t bits) {
  if (std::isnan(f)) {
    constexpr int kMantissa = sizeof(Float) == 4 ? 23 : 52;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%snan:0x%llx", std::signbit(f) ? "-" : "",
                  static_cast<unsigned long long>(bits & ((uint64_t{1} << kMantissa) - 1)));
    return buf;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);  // shortest round-trip form
  return ec == std::errc() ? std::string(buf, end) : "?";
}

std::string format_lane(LaneType t, uint64_t bits) {
  switch (t) {
    case LaneType::I8: return std::to_string(static_cast<int8_t>(bits));
    case LaneType::I16: return std::to_string(static_cast<int16_t>(bits));
    case LaneType::I32: return std::to_string(static_cast<int32_t>(bits));
    case LaneType::I64: return std::to_string(static_cast<int64_t>(bits));
    case LaneType::F32:
      return format_float(std::bit_cast<float>(static_cast<uint32_t>(bits)), bits);
    case LaneType::F64: return format_float(std::bit_cast<double>(bits), bits);
  }
  return "?";
}

std::string format_lane(const Lane& l, LaneType t) {
  if (l.nan == NanPattern::Canonical) return "nan:canonical";
  if (l.nan == NanPattern::Arithmetic) return "nan:arithmetic";
  return format_lane(t, l.bits);
}

std::string format_v128(LaneType t, const std::vector<std::string>& lanes) {
  std::string s =
      std::string("(v128.const ") + lane_name(t) + "x" + std::to_string(16 / lane_bytes(t));
  for (const std::string& l : lanes) s += " " + l;
  return s + ")";
}

std::string format(const WastValue& w) {
  switch (w.type) {
    case ir::ValType::V128: {
      std::vector<std::string> lanes;
      for (const Lane& l : w.lanes) lanes.push_back(format_lane(l, w.lane_type));
      return format_v128(w.lane_type, lanes);
    }
    case ir::ValType::FuncRef: return w.is_null ? "(ref.null func)" : "(ref.func)";
    case ir::ValType::ExternRef:
      return w.is_null ? "(ref.null extern)" : "(ref.extern " + std::to_string(w.ref_id) + ")";
    default:
      return "(" + std::string(ir::to_string(w.type)) + ".const " +
             format_lane(w.lanes[0], w.lane_type) + ")";
  }
}

// `lanes` says how to show a v128 (the expected value's lane type, if any).
std::string format(const rt::Value& v, LaneType lanes = LaneType::I32) {
  switch (v.type) {
    case ir::ValType::I32: return "(i32.const " + format_lane(LaneType::I32, v.raw.i32) + ")";
    case ir::ValType::I64: return "(i64.const " + format_lane(LaneType::I64, v.raw.i64) + ")";
    case ir::ValType::F32: return "(f32.const " + format_lane(LaneType::F32, v.raw.i32) + ")";
    case ir::ValType::F64: return "(f64.const " + format_lane(LaneType::F64, v.raw.i64) + ")";
    case ir::ValType::V128: {
      std::vector<std::string> out;
      for (uint32_t i = 0; i < 16 / lane_bytes(lanes); ++i)
        out.push_back(format_lane(lanes, lane_bits(v.raw.v128, lanes, i)));
      return format_v128(lanes, out);
    }
    case ir::ValType::FuncRef: return v.raw.ref.is_null() ? "(ref.null func)" : "(ref.func)";
    case ir::ValType::ExternRef:
      if (v.raw.ref.is_null()) return "(ref.null extern)";
      return "(ref.extern " + std::to_string(reinterpret_cast<uintptr_t>(v.raw.ref.ptr) - 1) + ")";
    default: return "(?)";
  }
}

std::string format_results(const std::vector<rt::Value>& got, const std::vector<WastValue>& want) {
  if (got.empty()) return "()";
  std::string s;
  for (size_t i = 0; i < got.size(); ++i) {
    LaneType lanes =
        i < want.size() && want[i].type == ir::ValType::V128 ? want[i].lane_type : LaneType::I32;
    s += (i ? " " : "") + format(got[i], lanes);
  }
  return s;
}

std::string format_list(const std::vector<WastValue>& values, const char* sep = " ") {
  if (values.empty()) return "()";
  std::string s;
  for (size_t i = 0; i < values.size(); ++i) s += (i ? sep : "") + format(values[i]);
  return s;
}

// --- actions --------------------------------------------------------------------------

// action ::= (invoke $module? "name" const*) | (get $module? "name")
struct Action {
  bool is_get = false;
  std::string module;  // "" = the current module
  std::string field;
  std::vector<WastValue> args;

  std::string describe() const {
    std::string s = is_get ? "get " : "invoke ";
    if (!module.empty()) s += module + " ";
    s += quote(field);
    for (const WastValue& a : args) s += " " + format(a);
    return s;
  }
};

Result<Action> parse_action(const json& cmd) {
  auto it = cmd.find("action");
  if (it == cmd.end() || !it->is_object()) return script_error("command without an action");
  const json& j = *it;
  Action a;
  const std::string type = field(j, "type");
  if (type != "invoke" && type != "get") return script_error("unknown action \"" + type + "\"");
  a.is_get = type == "get";
  a.module = field(j, "module");
  a.field = field(j, "field");
  if (auto args = j.find("args"); args != j.end() && args->is_array()) {
    for (const json& x : *args) {
      SKIFF_TRY_ASSIGN(WastValue v, parse_value(x));
      a.args.push_back(std::move(v));
    }
  }
  return a;
}

// The expected results of an assertion: "expected" (one value per result) or "either"
// (alternatives for a single result).
struct Expectation {
  std::vector<WastValue> values;
  bool either = false;
};

Result<Expectation> parse_expectation(const json& cmd) {
  Expectation e;
  auto it = cmd.find("either");
  e.either = it != cmd.end();
  if (!e.either) it = cmd.find("expected");
  if (it == cmd.end()) return e;
  if (!it->is_array()) return script_error("expected values are not a list");
  for (const json& x : *it) {
    SKIFF_TRY_ASSIGN(WastValue v, parse_value(x));
    e.values.push_back(std::move(v));
  }
  return e;
}

bool expectation_met(const Expectation& e, const std::vector<rt::Value>& got) {
  if (e.either) {
    if (got.size() != 1) return false;
    for (const WastValue& alt : e.values)
      if (matches(alt, got[0])) return true;
    return false;
  }
  if (got.size() != e.values.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!matches(e.values[i], got[i])) return false;
  return true;
}

// --- spectest ------------------------------------------------------------------------

// The environment of one spectest print function: it shows its arguments ("print_i32(42)")
// on the runner's stream, in verbose mode only, so scripts stay quiet otherwise.
struct PrintFunc {
  std::string name;
  std::vector<ir::ValType> params;
  std::ostream* out = nullptr;
  bool verbose = false;
};

Result<void> spectest_print(void* env, rt::Caller&, uint64_t* slots) {
  const PrintFunc& p = *static_cast<const PrintFunc*>(env);
  if (!p.verbose) return ok();
  std::string line = p.name + "(";
  for (size_t i = 0; i < p.params.size(); ++i) {
    // Slot ABI (runtime/host.h): a 32-bit value in the first 4 bytes of its slot.
    const bool wide = p.params[i] == ir::ValType::I64 || p.params[i] == ir::ValType::F64;
    uint64_t bits = 0;
    std::memcpy(&bits, &slots[i], wide ? 8 : 4);
    LaneType t = p.params[i] == ir::ValType::I32   ? LaneType::I32
                 : p.params[i] == ir::ValType::I64 ? LaneType::I64
                 : p.params[i] == ir::ValType::F32 ? LaneType::F32
                                                   : LaneType::F64;
    line += (i ? ", " : "") + format_lane(t, bits);
  }
  *p.out << line << ")\n";
  return ok();
}

// The state of one script: one store and one machine for all its modules, the linker
// that holds `spectest` and the registered instances, and the named and current modules.
class ScriptState {
 public:
  ScriptState(const std::filesystem::path& dir, const WastOptions& opts, std::ostream& out)
      : m_dir(dir), m_opts(opts), m_out(out) {
    if (opts.tier == "auto") {
      interp::NativeOptions nopts;
      nopts.cpu = opts.target_cpu;
      m_tier_up.emplace(nopts);
    }
  }

  // https://github.com/WebAssembly/spec/blob/main/interpreter/README.md#spectest-host-module
  Result<void> add_spectest() {
    using ir::ValType;
    auto func = [&](const std::string& name, std::vector<ValType> params) {
      PrintFunc& env = m_print_funcs.emplace_back(PrintFunc{name, params, &m_out, m_opts.verbose});
      rt::Extern x;
      x.kind = ir::ExternKind::Func;
      x.func = m_store.add_host_func(ir::FuncType{std::move(params), {}},
                                     rt::HostFunc{&spectest_print, &env});
      m_linker.define("spectest", name, x);
    };
    func("print", {});
    func("print_i32", {ValType::I32});
    func("print_i64", {ValType::I64});
    func("print_f32", {ValType::F32});
    func("print_f64", {ValType::F64});
    func("print_i32_f32", {ValType::I32, ValType::F32});
    func("print_f64_f64", {ValType::F64, ValType::F64});
    auto global = [&](const std::string& name, rt::Value v) {
      rt::Extern x;
      x.kind = ir::ExternKind::Global;
      x.global = m_store.add_global(ir::GlobalType{v.type, false}, v.raw);
      m_linker.define("spectest", name, x);
    };
    global("global_i32", rt::Value::i32(666));
    global("global_i64", rt::Value::i64(666));
    global("global_f32", rt::Value::f32(666.6f));
    global("global_f64", rt::Value::f64(666.6));
    rt::Extern table;
    table.kind = ir::ExternKind::Table;
    SKIFF_TRY_ASSIGN(table.table,
                     m_store.add_table(ir::TableType{ValType::FuncRef, ir::Limits{10, 20}}));
    m_linker.define("spectest", "table", table);
    rt::Extern memory;
    memory.kind = ir::ExternKind::Memory;
    SKIFF_TRY_ASSIGN(memory.memory, m_store.add_memory(ir::MemType{ir::Limits{1, 2}}));
    m_linker.define("spectest", "memory", memory);
    return ok();
  }

  // Decodes and validates `file` (beside the script).
  Result<std::shared_ptr<const interp::CompiledModule>> compile(const std::string& file) const {
    SKIFF_TRY_ASSIGN(std::vector<uint8_t> bytes,
                     engine::binary::read_whole_module_file((m_dir / file).string()));
    interp::CodeOptions code;
    code.profile = m_tier_up.has_value();
    SKIFF_TRY_ASSIGN(std::shared_ptr<const interp::CompiledModule> cm, interp::compile(bytes, {}, code));
    if (m_opts.tier == "llvm") {
      interp::NativeOptions nopts;
      nopts.cpu = m_opts.target_cpu;
      SKIFF_TRY(interp::compile_native(*cm, nopts));
    } else if (m_tier_up) {
      m_tier_up->enqueue(cm);
    }
    return cm;
  }

  // Compiles `file`, resolves its imports and instantiates it, running its start
  // function. A trap (in a segment or the start function) leaves the instance in the
  // store, as the spec does, but it is not returned.
  Result<rt::Instance*> instantiate(const std::string& file) {
    SKIFF_TRY_ASSIGN(std::shared_ptr<const interp::CompiledModule> cm, compile(file));
    SKIFF_TRY_ASSIGN(std::vector<rt::Extern> imports, m_linker.resolve(cm->module()));
    // Through an InstancePre, as a server instantiates: images and lazy tables where the
    // module allows them, the general algorithm where it does not.
    SKIFF_TRY_ASSIGN(std::shared_ptr<const rt::InstancePre> pre, interp::prepare(cm, std::move(imports)));
    m_pres.push_back(pre);
    return interp::instantiate(m_machine, m_store, *pre);
  }

  // The outcome of a `module` command: `inst` (null when it failed) becomes the current
  // module, and the one named `name` if given.
  void set_current(rt::Instance* inst, const std::string& name) {
    m_current = inst;
    if (name.empty()) return;
    if (inst) m_named[name] = inst;
    else m_named.erase(name);
  }

  // `register`: exports of the named (or current) instance become importable as `as`.
  Result<void> register_as(const std::string& name, const std::string& as) {
    SKIFF_TRY_ASSIGN(rt::Instance * inst, find(name));
    m_linker.define_instance(as, *inst);
    return ok();
  }

  // Runs an action. Errors: a script error (unknown module or export, bad arguments) or
  // whatever the call returned, typically a trap.
  Result<std::vector<rt::Value>> run(const Action& a) {
    SKIFF_TRY_ASSIGN(rt::Instance * inst, find(a.module));
    std::optional<rt::Extern> x = inst->find_export(a.field);
    const ir::ExternKind want = a.is_get ? ir::ExternKind::Global : ir::ExternKind::Func;
    if (!x || x->kind != want)
      return script_error(std::string("no exported ") + (a.is_get ? "global" : "function") + " " +
                          quote(a.field));
    if (a.is_get) return std::vector<rt::Value>{x->global->get()};

    const ir::FuncType& type = *x->func->type;
    std::vector<rt::Value> args;
    for (const WastValue& w : a.args) {
      SKIFF_TRY_ASSIGN(rt::Value v, to_arg(w));
      args.push_back(v);
    }
    bool types_match = args.size() == type.params.size();
    for (size_t i = 0; types_match && i < args.size(); ++i)
      types_match = args[i].type == type.params[i];
    if (!types_match) return script_error("arguments do not match the type of " + quote(a.field));
    std::vector<rt::Value> results;
    for (ir::ValType t : type.results) results.push_back(rt::Value::zero(t));
    SKIFF_TRY(m_machine.call(m_store, *x->func, args, results));
    // The tier writes the bits; the types are the function's.
    for (size_t i = 0; i < results.size(); ++i) results[i].type = type.results[i];
    return results;
  }

  std::string backtrace() const { return m_machine.format_backtrace(); }

 private:
  Result<rt::Instance*> find(const std::string& name) const {
    if (name.empty()) {
      if (!m_current) return script_error("no current module (the last module failed)");
      return m_current;
    }
    auto it = m_named.find(name);
    if (it == m_named.end()) return script_error("no module named " + name);
    return it->second;
  }

  std::filesystem::path m_dir;
  const WastOptions& m_opts;
  std::ostream& m_out;
  // Declared before the store, which refers to them: compiled modules (instances point
  // into them) and the environments of the spectest host functions.
  std::vector<std::shared_ptr<const rt::InstancePre>> m_pres;  // keep their modules alive
  std::deque<PrintFunc> m_print_funcs;
  rt::Store m_store;
  interp::Machine m_machine;
  rt::Linker m_linker;
  std::map<std::string, rt::Instance*> m_named;
  rt::Instance* m_current = nullptr;
  // --tier auto: the background compiler; the script's end cancels what is left.
  mutable std::optional<interp::TierUp> m_tier_up;
};

}  // namespace

bool wast_message_matches(std::string_view expected, std::string_view actual) {
  if (expected.empty() || actual.empty()) return expected == actual;
  return expected.starts_with(actual) || actual.starts_with(expected);
}

Result<WastSummary> run_wast(const std::string& json_path, const WastOptions& opts,
                             std::ostream& out) {
  // Capped as a module is: a script naming /dev/zero is refused, not read forever.
  SKIFF_TRY_ASSIGN(std::vector<uint8_t> bytes, engine::binary::read_whole_module_file(json_path));
  const std::string text =
      repair_wabt_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  json script = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (script.is_discarded() || !script.is_object() || !script.contains("commands") ||
      !script["commands"].is_array())
    return Error(ErrorCode::InvalidArgument, kNoOffset, json_path + ": not a wast2json script");

  const std::filesystem::path dir = std::filesystem::path(json_path).parent_path();
  const std::string name = std::filesystem::path(json_path).filename().string();
  WastSummary sum;

  ScriptState state(dir, opts, out);
  SKIFF_TRY(state.add_spectest());
  auto fail = [&](const std::string& where, const std::string& what) {
    ++sum.failed;
    out << where << ": " << what << "\n";
  };
  // A rejection passes; a message other than the suite's is noted (or fails, strict).
  auto check_message = [&](const std::string& where, const std::string& file,
                           const std::string& expected, const Error& e) {
    if (wast_message_matches(expected, e.message())) {
      ++sum.passed;
      return;
    }
    ++sum.message_mismatches;
    std::string note = file + ": expected \"" + expected + "\", got \"" + e.to_string() + "\"";
    if (opts.strict_messages) return fail(where, note);
    if (opts.verbose) out << where << ": note: " << note << "\n";
    ++sum.passed;
  };
  // A trap must be the expected one: which trap happens is semantics, not wording.
  auto check_trap = [&](const std::string& where, const std::string& what,
                        const std::string& expected, const Error& e) {
    if (e.phase() == Phase::Trap && wast_message_matches(expected, e.message())) {
      ++sum.passed;
      return;
    }
    fail(where, what + ": expected trap \"" + expected + "\", got " +
                    (e.phase() == Phase::Trap ? "trap \"" + e.to_string() + "\"" : describe(e)));
  };
  auto unexpected_error = [&](const std::string& where, const std::string& what, const Error& e) {
    fail(where, what + ": " + (e.phase() == Phase::Trap ? "trapped: " : "") + describe(e));
    if (opts.verbose && e.phase() == Phase::Trap) out << state.backtrace();
  };

  for (const json& cmd : script["commands"]) {
    if (!cmd.is_object()) continue;
    const std::string type = field(cmd, "type");
    const int64_t line = int_field(cmd, "line");
    const std::string file = field(cmd, "filename");
    const std::string expected = field(cmd, "text");
    const std::string where = name + ":" + std::to_string(line) + ": " + type;

    if (type == "module") {
      auto r = state.instantiate(file);
      state.set_current(r.ok() ? *r : nullptr, field(cmd, "name"));
      if (r.ok()) ++sum.passed;
      else unexpected_error(where, file, r.error());
    } else if (type == "register") {
      auto r = state.register_as(field(cmd, "name"), field(cmd, "as"));
      if (r.ok()) ++sum.passed;
      else fail(where, describe(r.error()));
    } else if (type == "assert_malformed" || type == "assert_invalid") {
      if (field(cmd, "module_type") == "text") {
        ++sum.skipped;
        ++sum.skipped_text;
        continue;
      }
      auto r = state.compile(file);
      if (r.ok()) fail(where, file + ": expected \"" + expected + "\", module was accepted");
      else if (r.error().code() == ErrorCode::IoError) fail(where, r.error().to_string());
      else check_message(where, file, expected, r.error());
    } else if (type == "assert_unlinkable") {
      auto r = state.instantiate(file);
      if (r.ok()) fail(where, file + ": expected \"" + expected + "\", module was instantiated");
      else if (r.error().phase() == Phase::Link) check_message(where, file, expected, r.error());
      else fail(where, file + ": expected \"" + expected + "\", got " + describe(r.error()));
    } else if (type == "assert_uninstantiable") {
      // A trap in a segment or the start function (the text format's module assert_trap).
      auto r = state.instantiate(file);
      if (r.ok())
        fail(where, file + ": expected trap \"" + expected + "\", module was instantiated");
      else check_trap(where, file, expected, r.error());
    } else if (type == "action" || type == "assert_return" || type == "assert_trap" ||
               type == "assert_exhaustion") {
      auto action = parse_action(cmd);
      if (!action.ok()) {
        fail(where, describe(action.error()));
        continue;
      }
      const std::string what = action->describe();
      auto expectation =
          type == "assert_return" ? parse_expectation(cmd) : Result<Expectation>(Expectation{});
      if (!expectation.ok()) {
        fail(where, what + ": " + describe(expectation.error()));
        continue;
      }
      auto r = state.run(*action);
      if (type == "assert_trap" || type == "assert_exhaustion") {
        if (r.ok())
          fail(where, what + ": expected trap \"" + expected + "\", got " + format_results(*r, {}));
        else check_trap(where, what, expected, r.error());
      } else if (!r.ok()) {
        unexpected_error(where, what, r.error());
      } else if (type == "action" || expectation_met(*expectation, *r)) {
        ++sum.passed;
      } else {
        fail(where, what + ": expected " +
                        (expectation->either ? "either " + format_list(expectation->values, " or ")
                                             : format_list(expectation->values)) +
                        ", got " + format_results(*r, expectation->values));
      }
    } else {
      fail(where, "unknown command");
    }
  }
  return sum;
}

}  // namespace skiff::tools
