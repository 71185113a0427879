#pragma once
/// \file
/// Compile-time plumbing of the typed API (not for direct use): which C++ types are wasm
/// values, how they sit in the engine's 8-byte call slots, and how a C++ callable's
/// signature becomes a wasm function type. Host calls and TypedFunc calls move values
/// through a slot array with these helpers, so a call allocates nothing.
///
/// Slot ABI (src/engine/runtime/host.h): one 8-byte slot per value, arguments from slot
/// 0, results written back from slot 0; an i32/f32 lives in the low 4 bytes
/// (little-endian) and is written zero-extended.

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <tuple>
#include <type_traits>

#include "skiff/result.h"
#include "skiff/value.h"

namespace skiff {
class Caller;
}

namespace skiff::detail {

template <typename T>
struct WasmType {
  static constexpr bool kValid = false;
  static constexpr ValType kType = ValType::I32;  // unused; lets static_asserts speak first
};
template <>
struct WasmType<int32_t> {
  static constexpr bool kValid = true;
  static constexpr ValType kType = ValType::I32;
  static int32_t load(uint64_t s) { return static_cast<int32_t>(static_cast<uint32_t>(s)); }
  static uint64_t store(int32_t v) { return static_cast<uint32_t>(v); }
};
template <>
struct WasmType<uint32_t> {
  static constexpr bool kValid = true;
  static constexpr ValType kType = ValType::I32;
  static uint32_t load(uint64_t s) { return static_cast<uint32_t>(s); }
  static uint64_t store(uint32_t v) { return v; }
};
template <>
struct WasmType<int64_t> {
  static constexpr bool kValid = true;
  static constexpr ValType kType = ValType::I64;
  static int64_t load(uint64_t s) { return static_cast<int64_t>(s); }
  static uint64_t store(int64_t v) { return static_cast<uint64_t>(v); }
};
template <>
struct WasmType<uint64_t> {
  static constexpr bool kValid = true;
  static constexpr ValType kType = ValType::I64;
  static uint64_t load(uint64_t s) { return s; }
  static uint64_t store(uint64_t v) { return v; }
};
template <>
struct WasmType<float> {
  static constexpr bool kValid = true;
  static constexpr ValType kType = ValType::F32;
  static float load(uint64_t s) {
    uint32_t bits = static_cast<uint32_t>(s);
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  static uint64_t store(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return bits;
  }
};
template <>
struct WasmType<double> {
  static constexpr bool kValid = true;
  static constexpr ValType kType = ValType::F64;
  static double load(uint64_t s) {
    double v;
    std::memcpy(&v, &s, 8);
    return v;
  }
  static uint64_t store(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    return bits;
  }
};

template <typename T>
inline constexpr bool kIsWasmType = WasmType<std::remove_cvref_t<T>>::kValid;

template <typename... Ts>
struct TypeList {
  static constexpr size_t kSize = sizeof...(Ts);
  static constexpr std::array<ValType, sizeof...(Ts)> kTypes{
      WasmType<std::remove_cvref_t<Ts>>::kType...};
  static constexpr bool kAllValid = (kIsWasmType<Ts> && ...);
};

template <typename T>
struct IsResult : std::false_type {};
template <typename T>
struct IsResult<Result<T>> : std::true_type {};

template <typename T>
struct IsTuple : std::false_type {};
template <typename... Ts>
struct IsTuple<std::tuple<Ts...>> : std::true_type {};

// The wasm results of a C++ return type: void -> [], T -> [T], tuple<Ts...> -> [Ts...].
template <typename R>
struct ResultsOf {
  using List = TypeList<R>;
  static void store(uint64_t* slots, const R& v) { slots[0] = WasmType<R>::store(v); }
  static R load(const uint64_t* slots) { return WasmType<R>::load(slots[0]); }
};
template <>
struct ResultsOf<void> {
  using List = TypeList<>;
};
template <typename... Ts>
struct ResultsOf<std::tuple<Ts...>> {
  using List = TypeList<Ts...>;
  static void store(uint64_t* slots, const std::tuple<Ts...>& v) {
    store_each(slots, v, std::index_sequence_for<Ts...>{});
  }
  static std::tuple<Ts...> load(const uint64_t* slots) {
    return load_each(slots, std::index_sequence_for<Ts...>{});
  }

 private:
  template <size_t... I>
  static void store_each(uint64_t* slots, const std::tuple<Ts...>& v, std::index_sequence<I...>) {
    ((slots[I] = WasmType<Ts>::store(std::get<I>(v))), ...);
  }
  template <size_t... I>
  static std::tuple<Ts...> load_each(const uint64_t* slots, std::index_sequence<I...>) {
    return std::tuple<Ts...>(WasmType<Ts>::load(slots[I])...);
  }
};

// A host callable's return type R: void, a value, a tuple, or Result<> of one of them.
template <typename R>
struct HostReturn {
  static constexpr bool kIsResult = false;
  using Value = R;
};
template <typename T>
struct HostReturn<Result<T>> {
  static constexpr bool kIsResult = true;
  using Value = T;
};

// The signature of a free function, function pointer or functor with one operator().
// Parameters after an optional leading `Caller&` are the wasm parameters.
template <typename R, typename... A>
struct FnTraits {
  using Return = R;
  using Params = TypeList<A...>;
  using ParamTuple = std::tuple<std::remove_cvref_t<A>...>;
  static constexpr bool kWantsCaller = false;
};
template <typename R, typename... A>
struct FnTraits<R, Caller&, A...> {
  using Return = R;
  using Params = TypeList<A...>;
  using ParamTuple = std::tuple<std::remove_cvref_t<A>...>;
  static constexpr bool kWantsCaller = true;
};

template <typename F>
struct CallableTraits : CallableTraits<decltype(&F::operator())> {};
template <typename R, typename... A>
struct CallableTraits<R (*)(A...)> : FnTraits<R, A...> {};
template <typename R, typename... A>
struct CallableTraits<R (*)(A...) noexcept> : FnTraits<R, A...> {};
template <typename C, typename R, typename... A>
struct CallableTraits<R (C::*)(A...)> : FnTraits<R, A...> {};
template <typename C, typename R, typename... A>
struct CallableTraits<R (C::*)(A...) const> : FnTraits<R, A...> {};
template <typename C, typename R, typename... A>
struct CallableTraits<R (C::*)(A...) noexcept> : FnTraits<R, A...> {};
template <typename C, typename R, typename... A>
struct CallableTraits<R (C::*)(A...) const noexcept> : FnTraits<R, A...> {};

// Checks a host callable's signature at compile time, with readable messages.
template <typename F>
struct HostSignature {
  using Traits = CallableTraits<F>;
  using Return = HostReturn<typename Traits::Return>;
  using Results = ResultsOf<typename Return::Value>;
  using Params = typename Traits::Params;
  static_assert(Params::kAllValid,
                "host function parameters must be int32_t, uint32_t, int64_t, uint64_t, float "
                "or double (after an optional leading skiff::Caller&)");
  static_assert(Results::List::kAllValid,
                "host function must return void, int32_t, uint32_t, int64_t, uint64_t, float, "
                "double, a std::tuple of those, or skiff::Result of one of these");
};

}  // namespace skiff::detail

namespace skiff::engine::runtime {
struct Caller;
}

namespace skiff::detail {

// A host callback as the engine calls it (engine::runtime::HostCallback).
using RawHostCallback = Result<void> (*)(void* env, engine::runtime::Caller& caller,
                                        uint64_t* slots);

struct StoreImpl;

// What a host function's `env` points at: one per (store, definition), owned by the store.
struct HostBinding {
  StoreImpl* store = nullptr;
  void* callable = nullptr;
};

// A host callable threw: the trap it becomes.
Error host_exception(const char* what);

}  // namespace skiff::detail
