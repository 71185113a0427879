#pragma once
// ModuleEnv: what function-body validation needs to know about the rest of the module:
// the decoded module (all sections before the code section are complete when bodies
// are walked) and C.refs, the functions that `ref.func` may name
// (https://webassembly.github.io/spec/core/valid/modules.html#valid-module).

#include <vector>

#include "engine/ir/module.h"

namespace skiff::engine::validate {

struct ModuleEnv {
  const ir::Module* module = nullptr;
  std::vector<bool> declared_funcs;  // indexed by FuncIdx
};

}  // namespace skiff::engine::validate
