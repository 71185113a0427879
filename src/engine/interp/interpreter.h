#pragma once
// The interpreter tier: CompiledModule (a validated module plus its bodies translated to
// register-slot threaded code, lazily and at most once per function) and Machine (the
// execution state of one thread: value stack and call stack) that runs it.
// Design: docs/interpreter.md.
//
// Typical use:
//   SKIFF_TRY_ASSIGN(auto cm, interp::compile(bytes));
//   runtime::Store store;  interp::Machine machine;
//   SKIFF_TRY_ASSIGN(auto* inst, interp::instantiate(machine, store, *cm, imports));
//   SKIFF_TRY(machine.call(store, *inst->find_export("f")->func, args, results));
// A trap is an Error of phase Trap; machine.backtrace() then lists the wasm frames.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/interp/code.h"
#include "engine/native/artifact.h"
#include "engine/native/compiler_process.h"
#include "engine/runtime/instance_pre.h"
#include "engine/runtime/store.h"
#include "platform/virtual_memory.h"
#include "engine/runtime/value.h"
#include "engine/validate/module_env.h"
#include "engine/validate/validated_module.h"

namespace skiff::engine::native {
class NativeModule;
}

namespace skiff::engine::interp {

struct CompiledFunc;
class Translator;

// Immutable once built except for the lazily filled translation cache, which is safe to
// use from many threads (translation of one body happens once, under a lock; readers
// take an acquire load). Shared by every store that instantiates it.
class CompiledModule {
 public:
  explicit CompiledModule(validate::ValidatedModule vm, CodeOptions code = {});
  const validate::ModuleEnv& env() const { return m_env; }
  ~CompiledModule();
  CompiledModule(const CompiledModule&) = delete;
  CompiledModule& operator=(const CompiledModule&) = delete;

  const validate::ValidatedModule& validated() const { return m_vm; }
  const CodeOptions& code_options() const { return m_code_opts; }
  const ir::Module& module() const { return m_vm.module(); }

  // Body `defined_index` as threaded code, translating it on first use.
  Result<const CompiledFunc*> func(uint32_t defined_index) const {
    const CompiledFunc* f = m_funcs[defined_index].load(std::memory_order_acquire);
    if (f) [[likely]] return f;
    return translate(defined_index);
  }
  // The translated body if it is ready (the dispatch loop's fast path), else null.
  const CompiledFunc* func_if_ready(uint32_t defined_index) const {
    return m_funcs[defined_index].load(std::memory_order_acquire);
  }
  // Translates every body now (ahead of time), e.g. before timing or serving.
  Result<void> translate_all() const;

  // Hands the bodies `code` compiled (the LLVM tier) to it: each becomes a stub that
  // enters the compiled code, whoever calls it; the rest are still translated here when
  // first called. Safe while the module runs on other threads (tier-up): calls made
  // after the swap enter compiled code, activations already running finish as they
  // are (their code is kept). Attaching again replaces what the new code compiles
  // (tier-up in steps: hot functions first, then all); every attached object stays
  // loaded as long as the module.
  void attach_native(std::shared_ptr<const native::NativeModule> code) const;
  const native::NativeModule* native_code() const { return m_native.load(std::memory_order_acquire); }
  // The code attached last, or null: a newer object loads with it as its `previous`.
  std::shared_ptr<const native::NativeModule> native_owner() const;
  // Defined functions with a CodeOptions::profile count of at least `threshold`, that
  // run in this tier (not attached compiled code); hottest first.
  std::vector<uint32_t> hot_functions(uint32_t threshold) const;

 private:
  Result<const CompiledFunc*> translate(uint32_t defined_index) const;

  validate::ValidatedModule m_vm;
  CodeOptions m_code_opts;
  validate::ModuleEnv m_env;
  std::unique_ptr<std::atomic<const CompiledFunc*>[]> m_funcs;
  mutable std::mutex m_mutex;
  mutable std::vector<std::unique_ptr<CompiledFunc>> m_owned;
  // One translator for every lazy translation: its buffers are grown once, not per body
  // (fresh heap pages are a large share of a short run's cost).
  mutable std::unique_ptr<Translator> m_translator;
  // Published before any stub, so code that reaches a stub finds it.
  mutable std::atomic<const native::NativeModule*> m_native{nullptr};
  mutable std::vector<std::shared_ptr<const native::NativeModule>> m_native_owners;  // oldest first
};

// Which tier runs a module's functions. Auto: the interpreter at once, while the LLVM
// tier compiles the module on another thread; compiled code is swapped in when ready.
enum class Tier { Interp, Llvm, Auto };
// Parses "interp" / "llvm" / "auto"; nullopt for anything else.
std::optional<Tier> parse_tier(std::string_view name);

struct NativeOptions {
  std::string cpu;        // "" or "native": this CPU's features; "portable": baseline x86-64
  std::string cache_dir;  // the compiled-code cache ("": none); native::ArtifactCache
  unsigned partitions = 0;  // parallel compilation (native::CompileRequest)
  native::CompileCancel* cancel = nullptr;  // optional: stops the compile from another thread
  // The defined functions to compile (the rest stay as they are); empty: all. A partial
  // compile bypasses the cache, whose entries are whole modules.
  std::vector<uint32_t> only;
  // Only from the cache: CompileFailed when it does not hold the module (nothing compiles).
  bool cached_only = false;
};
// The artifact settings string for `module`'s code options (artifacts and the cache).
std::string native_settings(const CompiledModule& module);
// The CPU features `cpu` stands for. Error InvalidArgument for an unknown name.
Result<std::string> native_features(const std::string& cpu);

// Gives `module` the LLVM tier's code: from the cache when it holds it, else compiled
// (in the skiff-llvmc process) and then cached. Functions that tier does not compile
// stay here. `artifact_out` receives the artifact (for `skiff compile`). Errors:
// CompilerUnavailable, CompileFailed, MalformedObject.
Result<native::CompileReport> compile_native(const CompiledModule& module, const NativeOptions& opts = {},
                                             native::Artifact* artifact_out = nullptr);
// Gives `module` (compiled from `artifact.wasm`) the artifact's code, after checking the
// artifact fits this skiff, this CPU and the module's code options (ArtifactMismatch).
Result<void> attach_artifact(const CompiledModule& module, const native::Artifact& artifact);

// Decodes, validates and wraps a module.
Result<std::shared_ptr<const CompiledModule>> compile(std::span<const uint8_t> bytes,
                                                      const validate::ValidateOptions& opts = {},
                                                      CodeOptions code = {});
// The same, keeping `bytes` as the module's copy (no copy of a module just read).
Result<std::shared_ptr<const CompiledModule>> compile(std::vector<uint8_t>&& bytes,
                                                      const validate::ValidateOptions& opts = {},
                                                      CodeOptions code = {});

struct MachineOptions {
  // Address space reserved for the value stack (pages are committed as they are used).
  size_t value_stack_bytes = size_t{256} << 20;
  // Hard cap on nested calls; the store's max_call_depth applies below it.
  uint32_t max_call_frames = 200'000;
  // Host -> wasm -> host -> wasm re-entry bound (each level uses native stack).
  uint32_t max_reentry = 64;
};

// One frame of a trap's backtrace, innermost first.
struct BacktraceFrame {
  const runtime::Instance* instance = nullptr;
  uint32_t func_index = 0;  // in the module's function index space
  std::string name;         // from the name section, or empty
};

class Machine {
 public:
  explicit Machine(const MachineOptions& opts = {});
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Calls `f` (a wasm or host function of `store`). `args` must match its parameter
  // types and `results` have room for its results (else ArgumentMismatch).
  Result<void> call(runtime::Store& store, const runtime::FuncInstance& f,
                    std::span<const runtime::Value> args, std::span<runtime::Value> results);
  // The slot ABI (runtime/host.h): arguments in, results out, no checks, no allocation.
  // `slots` holds max(params, results) slots.
  Result<void> call_slots(runtime::Store& store, const runtime::FuncInstance& f, uint64_t* slots);

  // The wasm frames active when the last trap happened, innermost first. Cleared by
  // every outermost call and by instantiate(), so it never describes an older trap
  // (empty after a trap no wasm code was running for: a host function called directly,
  // a segment out of bounds).
  const std::vector<BacktraceFrame>& backtrace() const { return m_backtrace; }
  // "  0: name (func 3)\n  1: ..." for CLI output.
  std::string format_backtrace() const;

 private:
  // One activation a `return` goes back to; ret_ip == null marks an entry from the host.
  struct CallFrame {
    const uint32_t* ret_ip;
    uint64_t* fp;
    const CompiledFunc* func;
    runtime::Instance* inst;
  };
  Result<void> reserve_stacks();
  // Runs wasm function `f` whose arguments are at `fp` (results are left there).
  Result<void> run(runtime::Store& store, const runtime::FuncInstance& f, uint64_t* fp);
  // The dispatch loop; with `table_out`, only returns its handler addresses.
  static Result<void> execute(Machine* m, runtime::Store* store, const runtime::FuncInstance* f, uint64_t* fp,
                              const void* const** table_out);
  friend const void* const* handler_table();
  friend Result<runtime::Instance*> instantiate(Machine&, runtime::Store&, const CompiledModule&,
                                                std::span<const runtime::Extern>);
  friend Result<runtime::Instance*> instantiate(Machine&, runtime::Store&, const runtime::InstancePre&);
  void capture_backtrace(const CallFrame* top, const CompiledFunc* cur, runtime::Instance* inst);

  MachineOptions m_opts;
  platform::Reservation m_stack_mem;
  platform::Reservation m_frames_mem;
  uint64_t* m_stack = nullptr;      // value stack reservation
  uint64_t* m_stack_end = nullptr;
  uint64_t* m_free = nullptr;       // first free slot (for re-entry from host calls)
  CallFrame* m_frames = nullptr;    // call stack reservation
  CallFrame* m_csp = nullptr;       // top of the call stack
  uint32_t m_reentry = 0;
  bool m_backtrace_fresh = false;
  size_t m_backtrace_depth = 0;  // frames active at the last trap (the backtrace keeps 64)
  std::vector<BacktraceFrame> m_backtrace;
  // Compiled frames of the last trap in compiled code (defined indices, innermost
  // first), put in front of the interpreter's frames by capture_backtrace.
  std::vector<uint32_t> m_native_trace;
};

// Store::instantiate with this module's code, then the start function (if any) on
// `machine`. A trap in the start function leaves the instance in the store, as the
// spec's instantiation does, and returns the trap.
Result<runtime::Instance*> instantiate(Machine& machine, runtime::Store& store, const CompiledModule& module,
                                       std::span<const runtime::Extern> imports);

// `module` with `imports` resolved once, for instantiating many times
// (runtime::InstancePre; it keeps `module` alive).
Result<std::shared_ptr<const runtime::InstancePre>> prepare(std::shared_ptr<const CompiledModule> module,
                                                            std::vector<runtime::Extern> imports);
// Store::instantiate(pre), then the start function, as above.
Result<runtime::Instance*> instantiate(Machine& machine, runtime::Store& store, const runtime::InstancePre& pre);

}  // namespace skiff::engine::interp
