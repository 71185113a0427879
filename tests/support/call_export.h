#pragma once
// Calling a module's export by name from a test, through the interpreter's Machine (the
// one driver of calls, whatever tier runs the function).

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/interp/interpreter.h"

namespace skiff::test {

// Export `name` of `inst`, called with `args`; its results, or the trap. A missing export
// fails the test and returns InvalidArgument.
inline Result<std::vector<engine::runtime::Value>> call_export(engine::interp::Machine& machine,
                                                               engine::runtime::Store& store,
                                                               engine::runtime::Instance& inst,
                                                               const std::string& name,
                                                               const std::vector<engine::runtime::Value>& args) {
  auto x = inst.find_export(name);
  EXPECT_TRUE(x && x->func) << "no exported function " << name;
  if (!x || !x->func) return Error(ErrorCode::InvalidArgument, kNoOffset, "no exported function " + name);
  std::vector<engine::runtime::Value> results(x->func->type->results.size());
  SKIFF_TRY(machine.call(store, *x->func, args, results));
  return results;
}

}  // namespace skiff::test
