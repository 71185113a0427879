#pragma once
/// \file
/// Functions of a Store: Func (any signature, called with Values), TypedFunc<R(Args...)>
/// (signature checked once, then called with C++ values and no allocation), and Caller
/// (what a host function sees of the instance that called it).
///
/// A trap is an Error of phase Trap: code() says which (TrapUnreachable,
/// TrapIntegerDivideByZero, ... or whatever a host function returned), context() ends
/// with the wasm backtrace, innermost frame first:
///
///     integer divide by zero (wasm backtrace:
///       0: div (func 1)
///       1: run (func 2))

#include <algorithm>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "skiff/detail/signature.h"
#include "skiff/global.h"
#include "skiff/memory.h"
#include "skiff/result.h"
#include "skiff/value.h"

namespace skiff::engine::runtime {
struct FuncInstance;
struct Caller;
}  // namespace skiff::engine::runtime

namespace skiff {

template <typename Sig>
class TypedFunc;

/// A trap raised by a host function: `return skiff::trap("bad handle");` from a host
/// function returning skiff::Result<T>. (Any Error works; this one has code TrapHost.)
Error trap(std::string_view message);

class Func {
 public:
  FuncType type() const;
  size_t param_count() const;
  size_t result_count() const;

  /// Calls the function. Errors: ArgumentMismatch when `args` do not match the
  /// parameter types; a trap (see above).
  Result<std::vector<Value>> call(std::span<const Value> args) const;
  Result<std::vector<Value>> call(std::initializer_list<Value> args) const {
    return call(std::span<const Value>(args.begin(), args.size()));
  }
  /// The same, writing into `results` (exactly result_count() of them) instead of
  /// allocating a vector.
  Result<void> call(std::span<const Value> args, std::span<Value> results) const;

  /// This function with a C++ signature, e.g. `f.typed<int32_t(int32_t, int32_t)>()`.
  /// Error ArgumentMismatch when the wasm type differs.
  template <typename Sig>
  Result<TypedFunc<Sig>> typed() const;

  /// A funcref Value referring to this function.
  Value to_value() const;

  friend bool operator==(const Func& a, const Func& b) { return a.m_raw == b.m_raw; }

  /// For code inside skiff: wraps an engine function of `store`.
  Func(detail::StoreImpl* store, engine::runtime::FuncInstance* raw) : m_store(store), m_raw(raw) {}
  detail::StoreImpl* store() const { return m_store; }
  engine::runtime::FuncInstance* raw() const { return m_raw; }

 private:
  Result<void> check_type(std::span<const ValType> params, std::span<const ValType> results) const;

  detail::StoreImpl* m_store;
  engine::runtime::FuncInstance* m_raw;
};

namespace detail {
// Machine::call_slots on `f`, with the backtrace added to a trap.
Result<void> call_slots(StoreImpl* store, engine::runtime::FuncInstance* f, uint64_t* slots);
}  // namespace detail

/// A function with a checked C++ signature. R is void, a value type or a std::tuple of
/// value types; Args are value types (int32_t, uint32_t, int64_t, uint64_t, float,
/// double). call() moves values through a slot array on the C++ stack: no allocation.
template <typename R, typename... Args>
class TypedFunc<R(Args...)> {
  using ParamList = detail::TypeList<Args...>;
  using Results = detail::ResultsOf<R>;
  static_assert(ParamList::kAllValid,
                "TypedFunc parameters must be int32_t, uint32_t, int64_t, uint64_t, float or "
                "double");
  static_assert(Results::List::kAllValid,
                "TypedFunc results must be void, a value type or a std::tuple of value types");
  static constexpr size_t kSlots = std::max<size_t>({sizeof...(Args), Results::List::kSize, 1});

 public:
  Result<R> call(Args... args) const {
    uint64_t slots[kSlots];
    size_t i = 0;
    ((slots[i++] = detail::WasmType<Args>::store(args)), ...);
    (void)i;
    SKIFF_TRY(detail::call_slots(m_func.store(), m_func.raw(), slots));
    if constexpr (std::is_void_v<R>) return {};
    else return Results::load(slots);
  }
  Result<R> operator()(Args... args) const { return call(args...); }

  const Func& func() const { return m_func; }

  static std::span<const ValType> param_types() { return ParamList::kTypes; }
  static std::span<const ValType> result_types() { return Results::List::kTypes; }

 private:
  friend class Func;
  explicit TypedFunc(const Func& f) : m_func(f) {}
  Func m_func;
};

template <typename Sig>
Result<TypedFunc<Sig>> Func::typed() const {
  SKIFF_TRY(check_type(TypedFunc<Sig>::param_types(), TypedFunc<Sig>::result_types()));
  return TypedFunc<Sig>(*this);
}

namespace detail {
template <typename F>
struct HostAdapter;
}  // namespace detail

/// What a host function sees of its caller; declare it as the first parameter
/// (`[](skiff::Caller& c, int32_t ptr) {...}`). Valid during the call only. When the
/// host function is called directly (Func::call from C++) there is no calling instance
/// and every lookup fails.
class Caller {
 public:
  /// The calling instance's memory `index` (its own or imported). Error TrapHost when
  /// there is none, so a host function can pass it on as its trap:
  /// `SKIFF_TRY_ASSIGN(skiff::Memory mem, caller.memory());`.
  Result<Memory> memory(uint32_t index = 0) const;
  /// The calling instance's exports.
  std::optional<Memory> get_memory(std::string_view export_name) const;
  std::optional<Func> get_func(std::string_view export_name) const;
  std::optional<Global> get_global(std::string_view export_name) const;

 private:
  template <typename F>
  friend struct detail::HostAdapter;
  Caller(engine::runtime::Caller& raw, detail::StoreImpl* store) : m_raw(&raw), m_store(store) {}

  engine::runtime::Caller* m_raw;
  detail::StoreImpl* m_store;
};

namespace detail {

// The engine-facing entry of a host callable F: reads the arguments from the slots,
// calls F, writes its results back. No allocation (an Error only on failure).
template <typename F>
struct HostAdapter {
  using Sig = HostSignature<F>;
  using Traits = typename Sig::Traits;
  using Return = typename Traits::Return;

  static Result<void> call(void* env, engine::runtime::Caller& raw, uint64_t* slots) {
#if defined(__cpp_exceptions)
    try {
      return invoke(env, raw, slots, std::make_index_sequence<Traits::Params::kSize>{});
    } catch (const std::exception& e) {
      return host_exception(e.what());
    } catch (...) {
      return host_exception(nullptr);
    }
#else
    return invoke(env, raw, slots, std::make_index_sequence<Traits::Params::kSize>{});
#endif
  }

 private:
  template <size_t... I>
  static Result<void> invoke(void* env, engine::runtime::Caller& raw, uint64_t* slots,
                             std::index_sequence<I...>) {
    auto* binding = static_cast<HostBinding*>(env);
    F& f = *static_cast<F*>(binding->callable);
    using Params = typename Traits::ParamTuple;
    auto run = [&]() -> Return {
      if constexpr (Traits::kWantsCaller) {
        Caller caller(raw, binding->store);
        return f(caller, WasmType<std::tuple_element_t<I, Params>>::load(slots[I])...);
      } else {
        (void)raw;
        return f(WasmType<std::tuple_element_t<I, Params>>::load(slots[I])...);
      }
    };
    using Produced = typename Sig::Return::Value;
    if constexpr (Sig::Return::kIsResult) {
      Return r = run();
      if (!r.ok()) return std::move(r).error();
      if constexpr (!std::is_void_v<Produced>) Sig::Results::store(slots, *r);
    } else if constexpr (std::is_void_v<Produced>) {
      run();
    } else {
      Sig::Results::store(slots, run());
    }
    return {};
  }
};

}  // namespace detail

}  // namespace skiff
