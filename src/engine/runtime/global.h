#pragma once
// Global: one global instance (https://webassembly.github.io/spec/core/exec/runtime.html#global-instances):
// its type and current value. Mutability is enforced by validation (global.set only on
// mutable globals) and by the linker (imports must match), so the value is plain data.

#include "engine/ir/types.h"
#include "engine/runtime/value.h"

namespace skiff::engine::runtime {

struct Global {
  ir::GlobalType type;
  RawValue value;

  Value get() const {
    Value v;
    v.type = type.type;
    v.raw = value;
    return v;
  }
};

}  // namespace skiff::engine::runtime
