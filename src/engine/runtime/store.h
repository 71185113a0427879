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

#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "base/result.h"
#include "base/stable_list.h"
#include "engine/runtime/global.h"
#include "engine/runtime/host.h"
#include "engine/runtime/memory.h"
#include "engine/runtime/memory_pool.h"
#include "engine/runtime/table.h"
#include "engine/validate/validated_module.h"

namespace skiff::engine::runtime {

struct Instance;
class InstancePre;

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
  // The function index space: imports, then the module's own functions, whose
  // FuncInstances are made on first use (func()), when a reference to one is taken
  // (exports, ref.func, table elements) -- calls between them never need one.
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
  // The compiled tier's per-instance context (native::VmCtx), made on first entry into
  // compiled code; instances that never run compiled code pay nothing.
  std::shared_ptr<void> native_ctx;

  FuncInstance* func(uint32_t index) {
    if (FuncInstance* f = funcs[index]) [[likely]] return f;
    return make_func(index);
  }
  // nullopt when there is no export of that name.
  std::optional<Extern> find_export(std::string_view name);
  // The bytes of data segment `i` (empty once dropped).
  std::span<const uint8_t> data_segment(uint32_t i) const;

 private:
  FuncInstance* make_func(uint32_t index);
};

struct StoreLimits {
  uint32_t max_memory_pages = ir::kMaxPages32;
  // Elements per table, and in all of the store's tables together (they are host memory
  // a guest can ask for: 8 bytes each).
  uint32_t max_table_elements = Table::kDefaultElementLimit;
  uint64_t max_store_table_elements = Table::kDefaultElementLimit;
  uint32_t max_instances = 10'000;
  // Nested wasm calls; deeper recursion traps with "call stack exhausted".
  uint32_t max_call_depth = 100'000;
};

// Why a store was asked to stop (Store::interrupt).
enum class StopReason : uint32_t { None = 0, Interrupted = 1, Deadline = 2 };
// The trap a guest stopped for `why` (a non-zero stop word) ends with.
inline ErrorCode stop_trap(uint32_t why) {
  return why == static_cast<uint32_t>(StopReason::Deadline) ? ErrorCode::TrapDeadline : ErrorCode::TrapInterrupted;
}

class Store {
 public:
  // With a pool, memories take their reservations from it and give them back.
  explicit Store(StoreLimits limits = {}, MemoryPool* pool = nullptr) : m_limits(limits), m_pool(pool) {}
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
  // Bulk operations do work in proportion to their length, so with a budget they cost
  // fuel by it too: one unit per 64 bytes of memory.fill/copy/init, per 8 elements of
  // table.fill/copy/init, charged after the bounds check and before any write. Both
  // tiers call this, so they charge alike. False: out of fuel (TrapOutOfFuel).
  static bool charge_bulk(int64_t* fuel, uint64_t units) {
    if (*fuel == kUnlimitedFuel || units == 0) return true;
    if (*fuel < static_cast<int64_t>(units)) return false;
    *fuel -= static_cast<int64_t>(units);
    return true;
  }
  static constexpr uint64_t bulk_memory_units(uint32_t bytes) { return bytes >> 6; }
  static constexpr uint64_t bulk_table_units(uint32_t elements) { return elements >> 3; }

  // Embedder state reachable from host functions through Caller::store: what lets one
  // set of host functions, linked once (InstancePre), serve many stores, each with its
  // own context. Each host module owns one slot number (WASI: wasi::kWasiSlot, the HTTP
  // host: host::kRequestSlot); the store does not own what they point to.
  static constexpr size_t kHostSlots = 4;
  void* host_slot(size_t i) const { return m_host_slots[i]; }
  void set_host_slot(size_t i, void* p) { m_host_slots[i] = p; }

  // Instantiates `module` (which must outlive the store) with `imports` in the order of
  // the module's import section. Errors: UnknownImport / IncompatibleImportType (link),
  // resource limits, or a trap from a segment (TrapOutOfBoundsTable/Memory), in which
  // case the instance still exists in the store, partly initialized, as the spec says.
  // `code` is the tier's compiled form of `module` (Instance::code).
  Result<Instance*> instantiate(const validate::ValidatedModule& module, std::span<const Extern> imports,
                                const void* code = nullptr);
  // The same from a prepared module: no link checks, memory from the image, tables and
  // function instances made lazily (InstancePre). `pre` must outlive the store.
  Result<Instance*> instantiate(const InstancePre& pre);

  // The link step alone: `imports` matched against `m`'s import section, in order, into
  // `inst`'s index spaces. Errors: UnknownImport / IncompatibleImportType.
  static Result<void> link(const ir::Module& m, std::span<const Extern> imports, Instance& inst);

  // Host-side allocation, for host modules and the spec runner's `spectest`. The store
  // keeps its own copy of `type`; `host.env` must outlive the store.
  FuncInstance* add_host_func(const ir::FuncType& type, HostFunc host);
  // The FuncInstance of `inst`'s own function `defined_index` (Instance::func).
  FuncInstance* add_wasm_func(Instance& inst, uint32_t defined_index);
  // Whether `f` is a function of this store; `f` may be any pointer (it is not read), so
  // a reference from another store, a dead one or a made-up one is told apart.
  bool owns(const FuncInstance* f) const { return m_funcs.contains(f); }
  // Whether `addr` is in the reservation of one of the store's memories. Reads only
  // the store, so compiled code's signal handler may call it on the store's thread.
  bool reserves(uintptr_t addr) const {
    for (const auto& m : m_memories)
      if (m->reserves(addr)) return true;
    return false;
  }
  Result<Table*> add_table(const ir::TableType& type, Ref init = {});
  Result<Memory*> add_memory(const ir::MemType& type);
  Global* add_global(const ir::GlobalType& type, RawValue value);

 private:
  Result<Value> eval_const(const ir::ConstExpr& e, Instance& inst) const;
  // The module's own globals, evaluated in order, into `inst`.
  Result<void> eval_globals(const ir::Module& m, Instance& inst);
  // A segment's references, in order, into `refs`.
  Result<void> eval_segment(const ir::ElemSegment& seg, Instance& inst, std::vector<Ref>& refs) const;

  StoreLimits m_limits;
  uint64_t m_table_budget = m_limits.max_store_table_elements;  // elements the store's tables may still take
  MemoryPool* m_pool;
  std::atomic<uint32_t> m_stop{0};
  int64_t m_fuel = kUnlimitedFuel;
  std::array<void*, kHostSlots> m_host_slots{};
  StableList<FuncInstance> m_funcs;  // addresses stay stable as it grows
  StableList<ir::FuncType> m_host_types;
  // A store made per request holds one instance with a table, a memory and a block of
  // globals: room for one of each inline, so making them allocates only the objects.
  template <typename T>
  using OneInline = boost::container::small_vector<T, 1>;
  OneInline<std::unique_ptr<Table>> m_tables;
  OneInline<std::unique_ptr<Memory>> m_memories;
  StableList<Global> m_globals;
  OneInline<std::unique_ptr<Global[]>> m_global_blocks;  // one per fast instantiation
  OneInline<std::unique_ptr<Instance>> m_instances;
};

}  // namespace skiff::engine::runtime
