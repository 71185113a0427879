#pragma once
// Host functions: C++ code a guest can import and call. Every tier calls one through
// the same slot ABI: `slots` points at the arguments, one 8-byte slot each (two for a
// v128), and the host writes its results back from slot 0 in the same layout (the
// area holds max(params, results) slots). No allocation, no type erasure beyond one
// function pointer and its environment; the embedding API (include/skiff) builds typed
// C++ callables on top of this.

#include <cstdint>

#include "base/result.h"

namespace skiff::engine::runtime {

class Store;
struct Instance;
class Memory;

// What a host function can see of its caller.
struct Caller {
  Store* store = nullptr;
  Instance* instance = nullptr;  // the calling instance; null when the host called it directly
  // The caller's memory `index`, or null.
  Memory* memory(uint32_t index = 0) const;
};

// An error return is a trap (any ErrorCode; hosts usually use TrapHost or their own).
using HostCallback = Result<void> (*)(void* env, Caller& caller, uint64_t* slots);

struct HostFunc {
  HostCallback fn = nullptr;
  void* env = nullptr;
};

}  // namespace skiff::engine::runtime
