#pragma once
// NativeModule: a module's functions compiled by the LLVM tier, loaded into executable
// memory (CodeObject) and indexed by defined-function index. Immutable once loaded and
// shared by every instance; each instance gets a VmCtx of its own (context()).
//
// Entering compiled code (call()) goes through run_guarded, so a trap anywhere inside --
// a guard-page fault or an explicit check -- comes back as an Error value.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "engine/native/code_object.h"
#include "engine/native/vmctx.h"
#include "engine/runtime/store.h"

namespace skiff::engine::native {

class NativeModule {
 public:
  // Loads `object` (an ELF object from the LLVM tier) for a module with `defined_funcs`
  // functions of its own. Functions the object does not define stay with the caller's
  // other tier.
  // `previous`: code of the same module attached before this (tier-up replaces code in
  // steps); it stays loaded as long as this does, since activations may still run it,
  // and function_at() finds its functions too.
  static Result<std::shared_ptr<const NativeModule>> load(std::span<const uint8_t> object, uint32_t defined_funcs,
                                                          std::shared_ptr<const NativeModule> previous = nullptr);
  ~NativeModule();

  // The slot-ABI entry of defined function `i` (void(VmCtx*, uint64_t*)), or null.
  const void* slot_entry(uint32_t i) const { return m_slot[i]; }
  // Typed entries by defined index (null: not compiled, or never reached indirectly).
  const void* const* typed_entries() const { return m_typed.data(); }
  uint32_t compiled_count() const { return m_compiled; }
  // The defined function whose code (here or in a previous object) holds `pc`, if any;
  // `entry` when `pc` is in its slot-ABI entry rather than its body.
  struct CodeAt {
    uint32_t index;
    bool entry;
  };
  std::optional<CodeAt> function_at(uintptr_t pc) const;
  const CodeObject& code() const { return *m_code; }

 private:
  NativeModule() = default;
  std::unique_ptr<CodeObject> m_code;
  std::vector<const void*> m_slot;
  std::vector<const void*> m_typed;
  uint32_t m_compiled = 0;
  std::shared_ptr<const NativeModule> m_previous;
};

// The VmCtx of `inst` running `code`, made on first use (Instance::native_ctx keeps it)
// and pointed at `code` when newer code was attached since.
VmCtx* context(runtime::Instance& inst, const NativeModule& code, SlotCaller caller);

// Runs the slot-ABI entry `entry` for `ctx`'s instance with arguments in `slots`
// (results come back there), on behalf of `machine`. On a trap in compiled code, `trace`
// (if given) gets the defined indices of the compiled frames, innermost first (frames
// LLVM inlined do not appear).
Result<void> call(VmCtx& ctx, const void* entry, uint64_t* slots, void* machine,
                  std::vector<uint32_t>* trace = nullptr);

}  // namespace skiff::engine::native
