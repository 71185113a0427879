#pragma once
/// \file
/// Linker: the names a module's imports are resolved against ("module"."name"), and the
/// way to instantiate a module in a Store.
///
/// Host functions are typed C++ callables; their wasm type is derived from the C++
/// signature at compile time:
///
///     linker.func_wrap("env", "add", [](int32_t a, int32_t b) { return a + b; });
///     linker.func_wrap("env", "log", [](skiff::Caller& c, uint32_t ptr, uint32_t len)
///                                        -> skiff::Result<void> {
///       SKIFF_TRY_ASSIGN(skiff::Memory mem, c.memory());
///       SKIFF_TRY_ASSIGN(std::string_view s, mem.string_view(ptr, len));
///       std::cout << s << '\n';
///       return {};
///     });
///
/// Parameters: int32_t/uint32_t (i32), int64_t/uint64_t (i64), float (f32), double
/// (f64), after an optional leading `skiff::Caller&`. Result: void, one of those, a
/// std::tuple of them (multi-value), or skiff::Result<...> of any of these; an error
/// result traps the calling wasm code with that error (skiff::trap("why") makes one). A
/// C++ exception escaping the callable becomes a TrapHost trap.
///
/// A call reads the arguments from the engine's slot array and writes the results back:
/// no allocation and one indirect call. Host functions are independent of any store (a
/// store gets its own binding when it first instantiates a module that imports one);
/// the Linker and its callables are shared, and each store keeps the callables it uses
/// alive. Items from a store (define(), define_instance()) are bound to that store.

#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "skiff/func.h"
#include "skiff/global.h"
#include "skiff/instance.h"
#include "skiff/memory.h"
#include "skiff/module.h"
#include "skiff/result.h"
#include "skiff/store.h"
#include "skiff/value.h"

namespace skiff {

class Linker {
 public:
  Linker();
  ~Linker();
  Linker(Linker&&) noexcept;
  Linker& operator=(Linker&&) noexcept;
  Linker(const Linker&) = delete;
  Linker& operator=(const Linker&) = delete;

  /// Defines (or redefines) the host function module.name as the callable `f`.
  template <typename F>
  void func_wrap(std::string_view module, std::string_view name, F&& f) {
    using Callable = std::decay_t<F>;
    using Sig = detail::HostSignature<Callable>;
    auto callable = std::make_shared<Callable>(std::forward<F>(f));
    define_host(module, name, Sig::Params::kTypes, Sig::Results::List::kTypes,
                &detail::HostAdapter<Callable>::call, std::move(callable));
  }

  /// Defines (or redefines) module.name as an item of a store; only instances in that
  /// store can then import it.
  void define(std::string_view module, std::string_view name, const Func& f);
  void define(std::string_view module, std::string_view name, const Memory& m);
  void define(std::string_view module, std::string_view name, const Global& g);
  /// Defines every export of `instance` under `module` (its tables included).
  void define_instance(std::string_view module, const Instance& instance);

  /// Resolves `module`'s imports, instantiates it in `store` and runs its start
  /// function. Errors: UnknownImport naming the first unresolved import (at its byte
  /// offset), IncompatibleImportType, InvalidArgument (an item of another store),
  /// resource limits, or a trap from a data/element segment or the start function (the
  /// instance then stays in the store, partly initialized, as the spec says).
  Result<Instance> instantiate(Store& store, const Module& module) const;

 private:
  struct Impl;
  void define_host(std::string_view module, std::string_view name,
                   std::span<const ValType> params, std::span<const ValType> results,
                   detail::RawHostCallback fn, std::shared_ptr<void> callable);

  Impl& impl();
  std::unique_ptr<Impl> m_impl;
};

}  // namespace skiff
