#include "skiff/wast.h"

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <ostream>

#include <nlohmann/json.hpp>

#include "engine/runtime/store.h"
#include "engine/validate/validated_module.h"
#include "platform/file.h"

namespace skiff::tools {

namespace {

using nlohmann::json;
using engine::runtime::Extern;
using engine::runtime::Instance;
using engine::validate::ValidatedModule;

Result<std::unique_ptr<ValidatedModule>> load(const std::filesystem::path& dir, const std::string& file) {
  SKIFF_TRY_ASSIGN(std::vector<uint8_t> bytes, platform::read_file((dir / file).string()));
  SKIFF_TRY_ASSIGN(ValidatedModule vm, engine::validate::decode_and_validate(bytes));
  return std::make_unique<ValidatedModule>(std::move(vm));
}

// The state of one script: its store, the standard `spectest` host module, and the
// instances that `register` made importable by name.
class ScriptState {
 public:
  ScriptState() { add_spectest(); }

  // Until the interpreter exists, actions are skipped; once one was, the store may differ
  // from the script's (e.g. a memory the script grew), so later link failures cannot be
  // judged. Modules whose instantiation could not be judged are "unknown", and so is
  // anything registered from them or importing from them.
  void note_skipped_action() { m_diverged = true; }
  bool diverged() const { return m_diverged; }
  void mark_unknown(const std::string& name) {
    m_current = nullptr;
    m_current_unknown = true;
    if (!name.empty()) m_unknown.insert(name);
  }
  bool is_unknown(const std::string& name) const {
    return name.empty() ? m_current_unknown : m_unknown.count(name) > 0;
  }
  bool imports_from_unknown(const ValidatedModule& m) const {
    for (const auto& imp : m.module().imports)
      if (m_unknown_registered.count(imp.module)) return true;
    return false;
  }
  void register_unknown(const std::string& as) { m_unknown_registered.insert(as); }

  // Decodes, validates and instantiates `file` (the start function is not run yet: that
  // needs the interpreter). On success the instance becomes the current one.
  // `*unjudgeable` tells a failure that depends on skipped execution.
  Result<Instance*> instantiate(const std::filesystem::path& dir, const std::string& file,
                                const std::string& name, bool* unjudgeable) {
    *unjudgeable = false;
    SKIFF_TRY_ASSIGN(std::unique_ptr<ValidatedModule> vm, load(dir, file));
    const ValidatedModule& m = *m_modules.emplace_back(std::move(vm));
    *unjudgeable = m_diverged || imports_from_unknown(m);
    // Resolve imports in order; an unresolvable one ends the list, and the store then
    // reports it as "unknown import".
    std::vector<Extern> imports;
    for (const auto& imp : m.module().imports) {
      auto x = resolve(imp.module, imp.name);
      if (!x) break;
      imports.push_back(*x);
    }
    SKIFF_TRY_ASSIGN(Instance * inst, m_store.instantiate(m, imports));
    m_current = inst;
    m_current_unknown = false;
    if (!name.empty()) m_named[name] = inst;
    return inst;
  }

  // `register`: exports of the named (or current) instance become importable as `as`.
  bool register_as(const std::string& name, const std::string& as) {
    Instance* inst = name.empty() ? m_current : lookup(name);
    if (!inst) return false;
    m_registered[as] = inst;
    return true;
  }

 private:
  Instance* lookup(const std::string& name) {
    auto it = m_named.find(name);
    return it == m_named.end() ? nullptr : it->second;
  }

  std::optional<Extern> resolve(const std::string& module, const std::string& name) {
    if (module == "spectest") {
      auto it = m_spectest.find(name);
      if (it == m_spectest.end()) return std::nullopt;
      return it->second;
    }
    auto it = m_registered.find(module);
    if (it == m_registered.end()) return std::nullopt;
    return it->second->find_export(name);
  }

  // https://github.com/WebAssembly/spec/blob/main/interpreter/README.md#spectest-host-module
  void add_spectest() {
    using engine::ir::ValType;
    auto func = [&](const std::string& name, std::vector<ValType> params) {
      auto& type = m_spectest_types.emplace_back(engine::ir::FuncType{std::move(params), {}});
      Extern x;
      x.kind = engine::ir::ExternKind::Func;
      x.func = m_store.add_host_func(type, {});
      m_spectest[name] = x;
    };
    func("print", {});
    func("print_i32", {ValType::I32});
    func("print_i64", {ValType::I64});
    func("print_f32", {ValType::F32});
    func("print_f64", {ValType::F64});
    func("print_i32_f32", {ValType::I32, ValType::F32});
    func("print_f64_f64", {ValType::F64, ValType::F64});
    auto global = [&](const std::string& name, engine::runtime::Value v) {
      Extern x;
      x.kind = engine::ir::ExternKind::Global;
      x.global = m_store.add_global(engine::ir::GlobalType{v.type, false}, v.raw);
      m_spectest[name] = x;
    };
    global("global_i32", engine::runtime::Value::i32(666));
    global("global_i64", engine::runtime::Value::i64(666));
    global("global_f32", engine::runtime::Value::f32(666.6f));
    global("global_f64", engine::runtime::Value::f64(666.6));
    Extern table;
    table.kind = engine::ir::ExternKind::Table;
    table.table = *m_store.add_table(engine::ir::TableType{ValType::FuncRef, engine::ir::Limits{10, 20}});
    m_spectest["table"] = table;
    Extern memory;
    memory.kind = engine::ir::ExternKind::Memory;
    memory.memory = *m_store.add_memory(engine::ir::MemType{engine::ir::Limits{1, 2}});
    m_spectest["memory"] = memory;
  }

  // Declared before the store: instances point into these modules.
  std::vector<std::unique_ptr<ValidatedModule>> m_modules;
  std::deque<engine::ir::FuncType> m_spectest_types;
  engine::runtime::Store m_store;
  std::map<std::string, Extern> m_spectest;
  std::map<std::string, Instance*> m_named;
  std::map<std::string, Instance*> m_registered;
  Instance* m_current = nullptr;
  bool m_diverged = false;
  bool m_current_unknown = false;
  std::set<std::string> m_unknown;             // named modules of unknown state
  std::set<std::string> m_unknown_registered;  // registered names of unknown state
};

}  // namespace

bool wast_message_matches(std::string_view expected, std::string_view actual) {
  if (expected.empty() || actual.empty()) return expected == actual;
  return expected.starts_with(actual) || actual.starts_with(expected);
}

Result<WastSummary> run_wast(const std::string& json_path, const WastOptions& opts, std::ostream& out) {
  SKIFF_TRY_ASSIGN(std::vector<uint8_t> text, platform::read_file(json_path));
  json script = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (script.is_discarded() || !script.is_object() || !script.contains("commands") ||
      !script["commands"].is_array())
    return Error(ErrorCode::InvalidArgument, kNoOffset, json_path + ": not a wast2json script");

  const std::filesystem::path dir = std::filesystem::path(json_path).parent_path();
  const std::string name = std::filesystem::path(json_path).filename().string();
  WastSummary sum;

  ScriptState state;
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

  for (const json& cmd : script["commands"]) {
    if (!cmd.is_object()) continue;
    const std::string type = cmd.value("type", "");
    const int line = cmd.value("line", 0);
    const std::string file = cmd.value("filename", "");
    const std::string expected = cmd.value("text", "");
    const std::string where = name + ":" + std::to_string(line) + ": " + type;

    auto skip = [&](const char* why) {
      ++sum.skipped;
      if (opts.verbose) out << where << ": skipped (" << why << ")\n";
    };
    if (type == "module") {
      bool unjudgeable = false;
      auto r = state.instantiate(dir, file, cmd.value("name", ""), &unjudgeable);
      if (r.ok()) {
        ++sum.passed;
      } else if (unjudgeable && r.error().phase() == Phase::Link) {
        state.mark_unknown(cmd.value("name", ""));
        skip("link result depends on skipped execution");
      } else {
        fail(where, file + ": " + r.error().to_string());
      }
    } else if (type == "register") {
      const std::string mod = cmd.value("name", ""), as = cmd.value("as", "");
      if (state.is_unknown(mod)) {
        state.register_unknown(as);
        skip("module of unknown state");
      } else if (state.register_as(mod, as)) {
        ++sum.passed;
      } else {
        fail(where, "no such module to register");
      }
    } else if (type == "assert_malformed" || type == "assert_invalid") {
      if (cmd.value("module_type", "binary") != "binary") {
        ++sum.skipped;
        ++sum.skipped_text;
        continue;
      }
      auto r = load(dir, file);
      if (r.ok()) fail(where, file + ": expected \"" + expected + "\", module was accepted");
      else if (r.error().code() == ErrorCode::IoError) fail(where, r.error().to_string());
      else check_message(where, file, expected, r.error());
    } else if (type == "assert_unlinkable" || type == "assert_uninstantiable") {
      bool unjudgeable = false;
      auto r = state.instantiate(dir, file, "", &unjudgeable);
      const Phase want = type == "assert_unlinkable" ? Phase::Link : Phase::Trap;
      const bool failed_as_expected = !r.ok() && r.error().phase() == want;
      if (unjudgeable && !failed_as_expected) {
        skip("result depends on skipped execution");
      } else if (!r.ok()) {
        if (failed_as_expected) check_message(where, file, expected, r.error());
        else fail(where, file + ": expected \"" + expected + "\", got " + r.error().to_string());
      } else if (type == "assert_uninstantiable" && (*r)->start) {
        ++sum.skipped;  // the trap must come from the start function: needs execution
        if (opts.verbose) out << where << ": skipped (start function needs execution)\n";
      } else {
        fail(where, file + ": expected \"" + expected + "\", module was instantiated");
      }
    } else {
      // action, assert_return, assert_trap, assert_exhaustion: need execution.
      state.note_skipped_action();
      skip("needs execution");
    }
  }
  return sum;
}

}  // namespace skiff::tools
