#pragma once
// skiff::Result<T>: a value or an Error, the return type of every fallible function
// (a small in-tree stand-in for C++23 std::expected<T, Error>). Propagate with
// SKIFF_TRY / SKIFF_TRY_ASSIGN only.

#include <new>
#include <type_traits>
#include <utility>

#include "base/assert.h"
#include "base/error.h"

namespace skiff {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(Error error) : m_ok(false) { new (&m_error) Error(std::move(error)); }
  Result(ErrorCode code) : Result(Error(code)) {}
  template <typename U = T,
            typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                        !std::is_same_v<std::decay_t<U>, Error> &&
                                        !std::is_same_v<std::decay_t<U>, ErrorCode> &&
                                        !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : m_ok(true) {
    new (&m_value) T(std::forward<U>(value));
  }
  Result(Result&& other) noexcept(std::is_nothrow_move_constructible_v<T>) : m_ok(other.m_ok) {
    if (m_ok) new (&m_value) T(std::move(other.m_value));
    else new (&m_error) Error(std::move(other.m_error));
  }
  Result(const Result& other) : m_ok(other.m_ok) {
    if (m_ok) new (&m_value) T(other.m_value);
    else new (&m_error) Error(other.m_error);
  }
  Result& operator=(Result other) {
    this->~Result();
    new (this) Result(std::move(other));
    return *this;
  }
  ~Result() {
    if (m_ok) m_value.~T();
    else m_error.~Error();
  }

  bool ok() const { return m_ok; }
  explicit operator bool() const { return m_ok; }

  T& value() & { SKIFF_ASSERT(m_ok, "value() of an error Result"); return m_value; }
  const T& value() const& { SKIFF_ASSERT(m_ok, "value() of an error Result"); return m_value; }
  T&& value() && { SKIFF_ASSERT(m_ok, "value() of an error Result"); return std::move(m_value); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { SKIFF_ASSERT(!m_ok, "error() of an ok Result"); return m_error; }
  const Error& error() const& { SKIFF_ASSERT(!m_ok, "error() of an ok Result"); return m_error; }
  Error&& error() && { SKIFF_ASSERT(!m_ok, "error() of an ok Result"); return std::move(m_error); }

  // Adds context to the error, if any.
  Result&& with_context(std::string_view ctx) && {
    if (!m_ok) m_error.with_context(ctx);
    return std::move(*this);
  }

 private:
  bool m_ok;
  union {
    T m_value;
    Error m_error;
  };
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::make_unique<Error>(std::move(error))) {}
  Result(ErrorCode code) : Result(Error(code)) {}
  bool ok() const { return !m_error; }
  explicit operator bool() const { return ok(); }
  Error& error() & { SKIFF_ASSERT(m_error, "error() of an ok Result"); return *m_error; }
  const Error& error() const& { SKIFF_ASSERT(m_error, "error() of an ok Result"); return *m_error; }
  Error&& error() && { SKIFF_ASSERT(m_error, "error() of an ok Result"); return std::move(*m_error); }

  // Adds context to the error, if any.
  Result&& with_context(std::string_view ctx) && {
    if (m_error) m_error->with_context(ctx);
    return std::move(*this);
  }

 private:
  std::unique_ptr<Error> m_error;
};

inline Result<void> ok() { return {}; }

}  // namespace skiff

#define SKIFF_CONCAT_INNER(a, b) a##b
#define SKIFF_CONCAT(a, b) SKIFF_CONCAT_INNER(a, b)

// Returns the error of `expr` (a Result) from the enclosing function.
#define SKIFF_TRY(expr)                                        \
  do {                                                         \
    auto skiff_try_result_ = (expr);                           \
    if (!skiff_try_result_.ok()) [[unlikely]]                  \
      return std::move(skiff_try_result_).error();             \
  } while (0)

// Declares/assigns `decl` from the value of `expr`, or returns its error.
#define SKIFF_TRY_ASSIGN(decl, expr)                                          \
  auto SKIFF_CONCAT(skiff_try_r_, __LINE__) = (expr);                         \
  if (!SKIFF_CONCAT(skiff_try_r_, __LINE__).ok()) [[unlikely]]                \
    return std::move(SKIFF_CONCAT(skiff_try_r_, __LINE__)).error();           \
  decl = std::move(*SKIFF_CONCAT(skiff_try_r_, __LINE__))
