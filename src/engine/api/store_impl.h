#pragma once
// StoreImpl: what a skiff::Store owns behind its pimpl — the runtime store (instances,
// functions, memories, globals), the interpreter Machine that runs their code, the
// per-store bindings of Linker host functions, and keep-alives for everything the
// runtime store points into (compiled modules, host callables). The public handles
// (Func, Memory, ...) point at it and into its runtime store. Plus the conversions
// between the public value types (include/skiff/value.h) and the engine's.

#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/interp/interpreter.h"
#include "engine/ir/types.h"
#include "engine/runtime/store.h"
#include "engine/runtime/value.h"
#include "skiff/detail/signature.h"
#include "skiff/engine.h"
#include "skiff/store.h"
#include "skiff/value.h"

namespace skiff::detail {

// A Linker host function, independent of any store; shared by the linker and by every
// store that bound it.
struct HostDefinition {
  engine::ir::FuncType type;
  RawHostCallback fn = nullptr;
  std::shared_ptr<void> callable;
};

// What an InterruptHandle reaches: the store while it lives. The lock is taken only by
// interrupt() and by the store's destruction, never on a call.
struct StopCell {
  std::mutex mutex;
  engine::runtime::Store* store = nullptr;
};

struct StoreImpl {
  StoreImpl(const EngineOptions& engine, const StoreLimits& limits);
  ~StoreImpl();

  // The store's function for `def`, created on first use (one per definition per store).
  engine::runtime::FuncInstance* bind(const std::shared_ptr<const HostDefinition>& def);
  // Keeps `module` alive as long as the store (instances point into it).
  void keep(std::shared_ptr<const engine::interp::CompiledModule> module);
  // Runs `f` on the machine (slot ABI or Values). Errors come back from the outermost
  // call with the wasm backtrace appended to a trap's context (see with_backtrace).
  Result<void> call_slots(const engine::runtime::FuncInstance& f, uint64_t* slots);
  Result<void> call(const engine::runtime::FuncInstance& f, std::span<const engine::runtime::Value> args,
                    std::span<engine::runtime::Value> results);
  // A trap that wasm code raised or passed on, with the machine's backtrace appended to
  // its context; other errors as is.
  Error with_backtrace(Error e) const;

  // Unique in the process, never reused: what a Linker records of a store, so that a
  // dead store's items are refused even when a new store gets its address.
  const uint64_t id;
  StoreLimits limits;
  bool fuel_metered = false;  // EngineOptions::consume_fuel
  std::shared_ptr<StopCell> stop_cell;
  // Declared before `store`, so destroyed after it: the runtime store points into these.
  std::vector<std::shared_ptr<const engine::interp::CompiledModule>> modules;
  std::unordered_map<const HostDefinition*, std::shared_ptr<const HostDefinition>> host_defs;
  std::unordered_map<const HostDefinition*, engine::runtime::FuncInstance*> host_funcs;
  std::deque<HostBinding> bindings;  // deque: addresses stay stable (they are `env`s)
  engine::runtime::Store store;
  engine::interp::Machine machine;
  // Calls through the API now active (host -> wasm re-entry nests them). Only the
  // outermost adds the backtrace: the machine's record covers every frame.
  uint32_t depth = 0;
};

engine::ir::ValType to_engine(ValType t);
ValType from_engine(engine::ir::ValType t);
engine::runtime::Value to_engine(const Value& v);
// A value from the embedder, for `store`: InvalidArgument for a non-null funcref that is
// not one of the store's functions (another store's, a dead one's, or made up).
Result<engine::runtime::Value> to_engine_for(const StoreImpl& store, const Value& v);
Value from_engine(const engine::runtime::Value& v);
FuncType from_engine(const engine::ir::FuncType& t);

}  // namespace skiff::detail
