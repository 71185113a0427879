#include <sys/mman.h>

#include <algorithm>
#include <functional>
#include <cstring>

#include "engine/interp/code.h"
#include "engine/interp/interpreter.h"
#include "engine/native/native_module.h"
#include "engine/interp/translator.h"
#include "engine/validate/module_validator.h"

namespace skiff::engine::interp {

// --- CompiledModule ------------------------------------------------------------------

CompiledModule::CompiledModule(validate::ValidatedModule vm, CodeOptions code)
    : m_vm(std::move(vm)), m_code_opts(code) {
  validate::ModuleValidator v;
  // The module is valid, so this only rebuilds the environment bodies are walked with.
  Result<void> r = v.check_before_code(m_vm.module());
  SKIFF_ASSERT(r.ok(), "a validated module passes check_before_code");
  m_env = v.env();
  m_env.module = &m_vm.module();
  const uint32_t n = m_vm.module().defined_funcs();
  m_funcs = std::make_unique<std::atomic<const CompiledFunc*>[]>(n);
  for (uint32_t i = 0; i < n; ++i) m_funcs[i].store(nullptr, std::memory_order_relaxed);
}

CompiledModule::~CompiledModule() = default;

std::optional<Tier> parse_tier(std::string_view name) {
  if (name == "interp") return Tier::Interp;
  if (name == "llvm") return Tier::Llvm;
  if (name == "auto") return Tier::Auto;
  return std::nullopt;
}

std::string native_settings(const CompiledModule& module) {
  return std::string("opt=2 interruptible=") + (module.code_options().interruptible ? "1" : "0") +
         " fuel=" + (module.code_options().fuel ? "1" : "0");
}

Result<std::string> native_features(const std::string& cpu) {
  if (cpu.empty() || cpu == "native") return native::host_features();
  if (cpu == "portable") return std::string();
  return Error(ErrorCode::InvalidArgument, kNoOffset,
               "unknown target CPU \"" + cpu + "\" (expected native or portable)");
}

Result<native::CompileReport> compile_native(const CompiledModule& module, const NativeOptions& opts,
                                             native::Artifact* artifact_out) {
  SKIFF_TRY_ASSIGN(std::string features, native_features(opts.cpu));
  const std::string settings = native_settings(module);
  const std::vector<uint8_t>& wasm = module.module().bytes;
  const native::Sha256 hash = native::sha256(wasm);
  const native::ArtifactCache cache(opts.only.empty() ? opts.cache_dir : std::string());
  native::CompileReport report;
  std::optional<native::Artifact> cached = cache.load(hash, features, settings);
  std::shared_ptr<const native::NativeModule> code;
  if (cached) {
    auto loaded = native::NativeModule::load(cached->object, module.module().defined_funcs(), module.native_owner());
    if (loaded) {
      code = std::move(*loaded);
    } else {
      cache.remove(hash, features, settings);  // damaged inside its object: compile again
      cached.reset();
    }
  }
  if (!cached && opts.cached_only) return Error(ErrorCode::CompileFailed, kNoOffset, "not in the compiled-code cache");
  if (!cached) {
    SKIFF_TRY_ASSIGN(std::string compiler, native::find_compiler());
    native::CompileRequest req;
    req.features = features;
    req.partitions = opts.partitions;
    req.interruptible = module.code_options().interruptible;
    req.fuel = module.code_options().fuel;
    req.cancel = opts.cancel;
    req.only = opts.only;
    SKIFF_TRY_ASSIGN(std::vector<uint8_t> object, native::run_compiler(compiler, wasm, req, &report));
    native::Artifact a;
    a.info = native::ArtifactInfo{hash, native::kCodeFormatVersion, std::string(native::skiff_build_id()), features, settings};
    a.wasm = wasm;
    a.object = std::move(object);
    SKIFF_TRY_ASSIGN(code, native::NativeModule::load(a.object, module.module().defined_funcs(), module.native_owner()));
    // Stored only once it loads. A cache that cannot be written (read-only home) only
    // costs the next run a compile.
    (void)cache.store(a);
    cached = std::move(a);
  }
  report.compiled = code->compiled_count();
  report.functions = module.module().defined_funcs();
  module.attach_native(std::move(code));
  if (artifact_out) *artifact_out = std::move(*cached);
  return report;
}

Result<void> attach_artifact(const CompiledModule& module, const native::Artifact& artifact) {
  SKIFF_TRY(native::check_artifact(artifact, native_settings(module)));
  // Code compiled for another module would index its globals, tables and types wrongly
  // (and an artifact whose module was altered is refused here too).
  if (native::sha256(module.module().bytes) != artifact.info.module_hash)
    return Error(ErrorCode::ArtifactMismatch, kNoOffset, "the module does not match the one the code was compiled from");
  SKIFF_TRY_ASSIGN(std::shared_ptr<const native::NativeModule> code,
                   native::NativeModule::load(artifact.object, module.module().defined_funcs(), module.native_owner()));
  module.attach_native(std::move(code));
  return ok();
}

void CompiledModule::attach_native(std::shared_ptr<const native::NativeModule> code) const {
  const ir::Module& m = m_vm.module();
  std::lock_guard lock(m_mutex);
  m_native.store(code.get(), std::memory_order_release);
  for (uint32_t i = 0; i < m.defined_funcs(); ++i) {
    const void* entry = code->slot_entry(i);
    if (!entry) continue;
    const ir::FuncType& t = m.func_type(ir::FuncIdx(m.imported_funcs + i));
    uint32_t params = 0, results = 0;
    for (ir::ValType v : t.params) params += slot_width(v);
    for (ir::ValType v : t.results) results += slot_width(v);
    auto f = std::make_unique<CompiledFunc>();
    const auto bits = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(entry));
    const void* handler = handler_table()[static_cast<size_t>(XOp::EnterNative)];
    uint32_t words[2];
    std::memcpy(words, &handler, sizeof handler);
    f->code = {words[0], words[1], static_cast<uint32_t>(bits), static_cast<uint32_t>(bits >> 32)};
    f->defined_index = i;
    f->param_slots = params;
    f->local_slots = params;
    f->result_slots = results;
    f->frame_slots = std::max(params, results);
    m_funcs[i].store(f.get(), std::memory_order_release);
    m_owned.push_back(std::move(f));
  }
  m_native_owners.push_back(std::move(code));
}

std::shared_ptr<const native::NativeModule> CompiledModule::native_owner() const {
  std::lock_guard lock(m_mutex);
  return m_native_owners.empty() ? nullptr : m_native_owners.back();
}

std::vector<uint32_t> CompiledModule::hot_functions(uint32_t threshold) const {
  std::vector<std::pair<uint32_t, uint32_t>> hot;  // (count, index)
  const uint32_t n = m_vm.module().defined_funcs();
  for (uint32_t i = 0; i < n; ++i) {
    const CompiledFunc* f = m_funcs[i].load(std::memory_order_acquire);
    if (!f) continue;
    const uint32_t count = f->hotness.load(std::memory_order_relaxed);
    if (count >= threshold) hot.emplace_back(count, i);
  }
  std::sort(hot.begin(), hot.end(), std::greater<>());
  std::vector<uint32_t> out;
  for (const auto& h : hot) out.push_back(h.second);
  return out;
}

Result<const CompiledFunc*> CompiledModule::translate(uint32_t defined_index) const {
  std::lock_guard lock(m_mutex);
  if (const CompiledFunc* f = m_funcs[defined_index].load(std::memory_order_acquire)) return f;
  if (!m_translator) m_translator = std::make_unique<Translator>(m_env, m_code_opts);
  SKIFF_TRY_ASSIGN(std::unique_ptr<CompiledFunc> f, m_translator->translate(defined_index));
  const CompiledFunc* p = f.get();
  m_owned.push_back(std::move(f));
  m_funcs[defined_index].store(p, std::memory_order_release);
  return p;
}

Result<void> CompiledModule::translate_all() const {
  std::lock_guard lock(m_mutex);
  if (!m_translator) m_translator = std::make_unique<Translator>(m_env, m_code_opts);
  for (uint32_t i = 0; i < m_vm.module().defined_funcs(); ++i) {
    if (m_funcs[i].load(std::memory_order_acquire)) continue;
    SKIFF_TRY_ASSIGN(std::unique_ptr<CompiledFunc> f, m_translator->translate(i));
    m_funcs[i].store(f.get(), std::memory_order_release);
    m_owned.push_back(std::move(f));
  }
  return ok();
}

Result<std::shared_ptr<const CompiledModule>> compile(std::span<const uint8_t> bytes,
                                                      const validate::ValidateOptions& opts, CodeOptions code) {
  SKIFF_TRY_ASSIGN(validate::ValidatedModule vm, validate::decode_and_validate(bytes, opts));
  return std::shared_ptr<const CompiledModule>(std::make_shared<CompiledModule>(std::move(vm), code));
}

Result<std::shared_ptr<const CompiledModule>> compile(std::vector<uint8_t>&& bytes,
                                                      const validate::ValidateOptions& opts, CodeOptions code) {
  SKIFF_TRY_ASSIGN(validate::ValidatedModule vm, validate::decode_and_validate(std::move(bytes), opts));
  return std::shared_ptr<const CompiledModule>(std::make_shared<CompiledModule>(std::move(vm), code));
}

// --- Machine -------------------------------------------------------------------------

Machine::Machine(const MachineOptions& opts) : m_opts(opts) {}

// The stacks are address space only (pages are backed when first touched), reserved on
// the first call so that a machine that never runs costs nothing and a failure to
// reserve is an error value, not an abort.
Result<void> Machine::reserve_stacks() {
  SKIFF_TRY_ASSIGN(m_stack_mem, platform::Reservation::reserve(m_opts.value_stack_bytes));
  SKIFF_TRY_ASSIGN(m_frames_mem, platform::Reservation::reserve((size_t{m_opts.max_call_frames} + 2) * sizeof(CallFrame)));
  SKIFF_TRY(m_stack_mem.commit(0, m_stack_mem.size()));
  SKIFF_TRY(m_frames_mem.commit(0, m_frames_mem.size()));
  m_stack = reinterpret_cast<uint64_t*>(m_stack_mem.base());
  m_stack_end = m_stack + m_stack_mem.size() / sizeof(uint64_t);
  m_free = m_stack;
  m_frames = reinterpret_cast<CallFrame*>(m_frames_mem.base());
  m_csp = m_frames;
  return ok();
}

Machine::~Machine() = default;

Result<void> Machine::run(runtime::Store& store, const runtime::FuncInstance& f, uint64_t* fp) {
  return execute(this, &store, &f, fp, nullptr);
}

namespace {
uint32_t slots_of(std::span<const ir::ValType> types) {
  uint32_t n = 0;
  for (ir::ValType t : types) n += slot_width(t);
  return n;
}
}  // namespace

Result<void> Machine::call_slots(runtime::Store& store, const runtime::FuncInstance& f, uint64_t* slots) {
  if (m_reentry == 0) m_backtrace.clear();
  if (f.is_host()) {
    runtime::Caller caller{&store, nullptr};
    return f.host.fn(f.host.env, caller, slots);
  }
  if (!m_stack) SKIFF_TRY(reserve_stacks());
  const uint32_t in = slots_of(f.type->params), out = slots_of(f.type->results);
  uint64_t* fp = m_free;
  if (fp + std::max(in, out) > m_stack_end) return Error(ErrorCode::TrapCallStackExhausted);
  std::memcpy(fp, slots, in * sizeof(uint64_t));
  SKIFF_TRY(run(store, f, fp));
  std::memcpy(slots, fp, out * sizeof(uint64_t));
  return ok();
}

Result<void> Machine::call(runtime::Store& store, const runtime::FuncInstance& f,
                           std::span<const runtime::Value> args, std::span<runtime::Value> results) {
  if (m_reentry == 0) m_backtrace.clear();
  const ir::FuncType& ft = *f.type;
  if (args.size() != ft.params.size() || results.size() < ft.results.size())
    return Error(ErrorCode::ArgumentMismatch, kNoOffset,
                 "expected " + std::to_string(ft.params.size()) + " arguments and room for " +
                     std::to_string(ft.results.size()) + " results");
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].type != ft.params[i])
      return Error(ErrorCode::ArgumentMismatch, kNoOffset, "argument " + std::to_string(i) + " has the wrong type");
  if (!m_stack) SKIFF_TRY(reserve_stacks());
  const uint32_t in = slots_of(ft.params), out = slots_of(ft.results);
  uint64_t* fp = m_free;
  if (fp + std::max(in, out) > m_stack_end) return Error(ErrorCode::TrapCallStackExhausted);
  uint64_t* p = fp;
  for (const runtime::Value& v : args) {
    switch (v.type) {
      case ir::ValType::I32: case ir::ValType::F32: *p = v.raw.i32; break;
      case ir::ValType::V128: std::memcpy(p, v.raw.v128.bytes, 16); break;
      case ir::ValType::FuncRef: case ir::ValType::ExternRef:
        *p = reinterpret_cast<uintptr_t>(v.raw.ref.ptr);
        break;
      default: *p = v.raw.i64; break;
    }
    p += slot_width(v.type);
  }
  if (f.is_host()) {
    runtime::Caller caller{&store, nullptr};
    SKIFF_TRY(f.host.fn(f.host.env, caller, fp));
  } else {
    SKIFF_TRY(run(store, f, fp));
  }
  p = fp;
  for (size_t i = 0; i < ft.results.size(); ++i) {
    runtime::Value v = runtime::Value::zero(ft.results[i]);
    switch (v.type) {
      case ir::ValType::I32: case ir::ValType::F32: v.raw.i32 = static_cast<uint32_t>(*p); break;
      case ir::ValType::V128: std::memcpy(v.raw.v128.bytes, p, 16); break;
      case ir::ValType::FuncRef: case ir::ValType::ExternRef:
        v.raw.ref.ptr = reinterpret_cast<const void*>(static_cast<uintptr_t>(*p));
        break;
      default: v.raw.i64 = *p; break;
    }
    results[i] = v;
    p += slot_width(v.type);
  }
  return ok();
}

void Machine::capture_backtrace(const CallFrame* top, const CompiledFunc* cur, runtime::Instance* inst) {
  constexpr size_t kMaxFrames = 64;
  m_backtrace.clear();
  auto add = [&](const CompiledFunc* f, const runtime::Instance* in) {
    if (!f || !in) return;
    const ir::Module& m = in->module->module();
    BacktraceFrame fr;
    fr.instance = in;
    fr.func_index = m.imported_funcs + f->defined_index;
    if (const std::string* name = m.names.function_name(ir::FuncIdx(fr.func_index))) fr.name = *name;
    m_backtrace.push_back(std::move(fr));
  };
  if (!m_native_trace.empty() && inst) {
    // The compiled frames; the outermost is `cur` itself (its stub entered them).
    const ir::Module& m = inst->module->module();
    for (uint32_t defined : m_native_trace) {
      BacktraceFrame fr;
      fr.instance = inst;
      fr.func_index = m.imported_funcs + defined;
      if (const std::string* name = m.names.function_name(ir::FuncIdx(fr.func_index))) fr.name = *name;
      m_backtrace.push_back(std::move(fr));
    }
    if (cur && m_native_trace.back() != cur->defined_index) add(cur, inst);
    m_native_trace.clear();
  } else {
    add(cur, inst);
  }
  for (const CallFrame* cf = top; cf > m_frames && m_backtrace.size() < kMaxFrames; --cf)
    if (cf->ret_ip) add(cf->func, cf->inst);
  m_backtrace_depth = static_cast<size_t>(top - m_frames);
}

std::string Machine::format_backtrace() const {
  std::string out;
  for (size_t i = 0; i < m_backtrace.size(); ++i) {
    const BacktraceFrame& f = m_backtrace[i];
    out += "  " + std::to_string(i) + ": ";
    out += f.name.empty() ? "<unnamed>" : f.name;
    out += " (func " + std::to_string(f.func_index) + ")\n";
  }
  if (m_backtrace_depth + 1 > m_backtrace.size() && m_backtrace.size() >= 64)
    out += "  ... " + std::to_string(m_backtrace_depth + 1 - m_backtrace.size()) + " more frames\n";
  return out;
}

namespace {
// The start function, if any, after Store::instantiate.
Result<runtime::Instance*> run_start(Machine& machine, runtime::Store& store, runtime::Instance* inst) {
  if (inst->start) {
    const runtime::FuncInstance& f = *inst->func(*inst->start);
    SKIFF_TRY(machine.call(store, f, {}, {}));
  }
  return inst;
}
}  // namespace

Result<runtime::Instance*> instantiate(Machine& machine, runtime::Store& store, const CompiledModule& module,
                                       std::span<const runtime::Extern> imports) {
  if (machine.m_reentry == 0) machine.m_backtrace.clear();
  SKIFF_TRY_ASSIGN(runtime::Instance * inst, store.instantiate(module.validated(), imports, &module));
  return run_start(machine, store, inst);
}

Result<std::shared_ptr<const runtime::InstancePre>> prepare(std::shared_ptr<const CompiledModule> module,
                                                            std::vector<runtime::Extern> imports) {
  const CompiledModule& cm = *module;
  return runtime::InstancePre::create(cm.validated(), std::move(imports), &cm, std::move(module));
}

Result<runtime::Instance*> instantiate(Machine& machine, runtime::Store& store, const runtime::InstancePre& pre) {
  if (machine.m_reentry == 0) machine.m_backtrace.clear();
  SKIFF_TRY_ASSIGN(runtime::Instance * inst, store.instantiate(pre));
  return run_start(machine, store, inst);
}

}  // namespace skiff::engine::interp
