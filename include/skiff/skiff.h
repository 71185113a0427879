#pragma once
/// \file
/// The skiff embedding API (C++20). Compile a module once, instantiate it in a Store per
/// tenant or request, call its exports, give it host functions:
///
///     skiff::Engine engine;
///     SKIFF_TRY_ASSIGN(skiff::Module module, skiff::Module::from_file(engine, "app.wasm"));
///     skiff::Linker linker;
///     linker.func_wrap("env", "add", [](int32_t a, int32_t b) { return a + b; });
///     skiff::Store store(engine);
///     SKIFF_TRY_ASSIGN(skiff::Instance instance, linker.instantiate(store, module));
///     SKIFF_TRY_ASSIGN(auto run, instance.get_typed_func<int32_t(int32_t)>("run"));
///     SKIFF_TRY_ASSIGN(int32_t answer, run(41));
///
/// Every fallible call returns skiff::Result<T>; a trap is an Error of phase Trap with
/// the wasm backtrace in its context. See docs/embedding.md.

#include "skiff/engine.h"    // IWYU pragma: export
#include "skiff/func.h"      // IWYU pragma: export
#include "skiff/global.h"    // IWYU pragma: export
#include "skiff/instance.h"  // IWYU pragma: export
#include "skiff/linker.h"    // IWYU pragma: export
#include "skiff/memory.h"    // IWYU pragma: export
#include "skiff/module.h"    // IWYU pragma: export
#include "skiff/result.h"    // IWYU pragma: export
#include "skiff/store.h"     // IWYU pragma: export
#include "skiff/value.h"     // IWYU pragma: export
