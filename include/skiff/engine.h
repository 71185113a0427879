#pragma once
/// \file
/// Engine: the configuration shared by every Module compiled and every Store created
/// with it. Cheap to copy; holds no state of its own yet (a shared code cache and the
/// optimizing tier's settings will live here).

#include <cstddef>
#include <cstdint>

namespace skiff {

struct EngineOptions {
  /// Threads that validate function bodies when a whole module is compiled: 0 = one per
  /// core (at most 8), 1 = the calling thread only. Small modules always use one.
  uint32_t compile_threads = 0;
  /// Translate every function body at Module::compile instead of on its first call.
  bool eager_compile = false;
  /// Per store: address space reserved for the interpreter's value stack (committed as
  /// used), the cap on nested calls, and the host -> wasm -> host re-entry bound.
  size_t value_stack_bytes = size_t{256} << 20;
  uint32_t max_call_frames = 200'000;
  uint32_t max_reentry = 64;
  /// Compile a check at every function entry and loop head, so that
  /// Store::interrupt_handle() can stop running code (one load and a branch per loop
  /// iteration; 1-5% on loop-heavy code). Without it, interrupts have no effect.
  bool interruptible = false;
  /// Meter fuel (Store::set_fuel): about one unit per wasm instruction, charged at
  /// function entries, loop heads and by the length of bulk memory and table operations;
  /// running out traps. Implies `interruptible`.
  bool consume_fuel = false;
};

class Engine {
 public:
  explicit Engine(const EngineOptions& options = {}) : m_options(options) {}
  const EngineOptions& options() const { return m_options; }

 private:
  EngineOptions m_options;
};

}  // namespace skiff
