#pragma once
// Store and Instance (https://webassembly.github.io/spec/core/exec/runtime.html#store).
// A Store owns every function, table, memory and global instance created in it and the
// module instances that refer to them; addresses (raw pointers) stay valid for the
// store's lifetime. One store per tenant, request or run; a store and everything in it
// belong to one thread at a time.
//
// instantiate() implements the 2.0 algorithm up to (not including) running the start
// function, which needs a tier: imports are matched by type, globals evaluated, element
// segments then data segments applied in order. A trap part-way leaves the effects of
// earlier segments in place (they may be visible through imported tables/memories).

#include <atomic>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/runtime/global.h"
#include "engine/runtime/host.h"
#include "engine/runtime/memory.h"
#include "engine/runtime/table.h"
#include "engine/validate/validated_module.h"

namespace skiff::engine::runtime {

struct Instance;

// A function address. Wasm functions point at their defining instance and index;
// host functions carry their callback.
struct FuncInstance {
  const ir::FuncType* type = nullptr;
  Instance* instance = nullptr;  // null for host functions
  uint32_t defined_index = 0;    // among the module's defined functions
  HostFunc host;                 // host functions only
  bool is_host() const { return instance == nullptr; }
};

// Something that can satisfy an import, or be exported.
struct Extern {
  ir::ExternKind kind = ir::ExternKind::Func;
  FuncInstance* func = nullptr;
  Table* table = nullptr;
  Memory* memory = nullptr;
  Global* global = nullptr;
};

struct Instance {
  const validate::ValidatedModule* module = nullptr;
  std::vector<FuncInstance*> funcs;
  std::vector<Table*> tables;
  std::vector<Memory*> memories;
  std::vector<Global*> globals;
  std::vector<std::vector<Ref>> elem_segments;  // evaluated; dropped = empty
  std::vector<bool> data_dropped;
  std::optional<uint32_t> start;  // function index to run after instantiate()
  // The executing tier's code for this module (interp::CompiledModule), set before any
  // function of the instance can be reached; the runtime never looks inside.
  const void* code = nullptr;
  Store* store = nullptr;

  // nullopt when there is no export of that name.
  std::optional<Extern> find_export(std::string_view name) const;
  // The bytes of data segment `i` (empty once dropped).
  std::span<const uint8_t> data_segment(uint32_t i) const;
};

struct StoreLimits {
  uint32_t max_memory_pages = ir::kMaxPages32;
  uint32_t max_table_elements = Table::kDefaultElementLimit;
  uint32_t max_instances = 10'000;
  // Nested wasm calls; deeper recursion traps with "call stack exhausted".
  uint32_t max_call_depth = 100'000;
};

// Why a store was asked to stop (Store::interrupt).
enum class StopReason : uint32_t { None = 0, Interrupted = 1, Deadline = 2 };

class Store {
 public:
  explicit Store(StoreLimits limits = {}) : m_limits(limits) {}
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const StoreLimits& limits() const { return m_limits; }

  // Asks the code running in this store to stop: it traps (TrapInterrupted, or
  // TrapDeadline for StopReason::Deadline) at its next function entry or loop head.
  // Safe from any thread. Only code compiled to check (interp::CodeOptions) stops. The
  // request stays until clear_interrupt(), so later calls stop at once too.
  void interrupt(StopReason why = StopReason::Interrupted) {
    m_stop.store(static_cast<uint32_t>(why), std::memory_order_relaxed);
  }
  void clear_interrupt() { m_stop.store(0, std::memory_order_relaxed); }
  StopReason stop_reason() const { return static_cast<StopReason>(m_stop.load(std::memory_order_relaxed)); }
  const std::atomic<uint32_t>* stop_word() const { return &m_stop; }

  // Fuel: the budget of wasm instructions that code compiled with fuel metering may
  // run in this store; running out traps (TrapOutOfFuel). Unlimited until set.
  void set_fuel(uint64_t fuel) {
    m_fuel = fuel > uint64_t{kUnlimitedFuel} ? kUnlimitedFuel : static_cast<int64_t>(fuel);
  }
  uint64_t fuel_remaining() const { return static_cast<uint64_t>(m_fuel); }
  int64_t* fuel_word() { return &m_fuel; }
  static constexpr int64_t kUnlimitedFuel = std::numeric_limits<int64_t>::max();

  // Instantiates `module` (which must outlive the store) with `imports` in the order of
  // the module's import section. Errors: UnknownImport / IncompatibleImportType (link),
  // resource limits, or a trap from a segment (TrapOutOfBoundsTable/Memory), in which
  // case the instance still exists in the store, partly initialized, as the spec says.
  // `code` is the tier's compiled form of `module` (Instance::code).
  Result<Instance*> instantiate(const validate::ValidatedModule& module, std::span<const Extern> imports,
                                const void* code = nullptr);

  // Host-side allocation, for host modules and the spec runner's `spectest`. The store
  // keeps its own copy of `type`; `host.env` must outlive the store.
  FuncInstance* add_host_func(const ir::FuncType& type, HostFunc host);
  Result<Table*> add_table(const ir::TableType& type, Ref init = {});
  Result<Memory*> add_memory(const ir::MemType& type);
  Global* add_global(const ir::GlobalType& type, RawValue value);

 private:
  Result<void> link(const ir::Module& m, std::span<const Extern> imports, Instance& inst);
  Result<Value> eval_const(const ir::ConstExpr& e, const Instance& inst) const;

  StoreLimits m_limits;
  std::atomic<uint32_t> m_stop{0};
  int64_t m_fuel = kUnlimitedFuel;
  std::deque<FuncInstance> m_funcs;  // deque: addresses stay stable as it grows
  std::deque<ir::FuncType> m_host_types;
  std::vector<std::unique_ptr<Table>> m_tables;
  std::vector<std::unique_ptr<Memory>> m_memories;
  std::deque<Global> m_globals;
  std::vector<std::unique_ptr<Instance>> m_instances;
};

}  // namespace skiff::engine::runtime
