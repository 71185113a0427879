#pragma once
// skiff::Error: the one error value of the project. A small, cheap-to-move value that
// carries an ErrorCode (whose phase says which stage failed), the byte offset in the
// module when known, and an optional short context string built up as the error
// travels outwards (with_context). Traps will be Errors of phase Trap.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace skiff {

enum class Phase : uint8_t { Io, Decode, Validate, Link, Instantiate, Trap, Wasi, Host, Registry, Cluster, Compile };

enum class ErrorCode : uint16_t {
#define SKIFF_ERROR(name, phase, msg) name,
#include "base/error_codes.def"
#undef SKIFF_ERROR
};

std::string_view error_code_name(ErrorCode code);
std::string_view error_code_message(ErrorCode code);
Phase error_code_phase(ErrorCode code);
std::string_view phase_name(Phase phase);

inline constexpr uint32_t kNoOffset = UINT32_MAX;

class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, uint32_t offset = kNoOffset) : m_code(code), m_offset(offset) {}
  Error(ErrorCode code, uint32_t offset, std::string context)
      : m_code(code), m_offset(offset), m_context(std::make_unique<std::string>(std::move(context))) {}
  Error(const Error& other)
      : m_code(other.m_code), m_offset(other.m_offset),
        m_context(other.m_context ? std::make_unique<std::string>(*other.m_context) : nullptr) {}
  Error(Error&&) noexcept = default;
  Error& operator=(const Error& other) {
    if (this != &other) *this = Error(other);
    return *this;
  }
  Error& operator=(Error&&) noexcept = default;

  ErrorCode code() const { return m_code; }
  Phase phase() const { return error_code_phase(m_code); }
  uint32_t offset() const { return m_offset; }
  bool has_offset() const { return m_offset != kNoOffset; }
  std::string_view context() const { return m_context ? std::string_view(*m_context) : std::string_view(); }

  // The spec-suite wording for the code ("type mismatch"), without context.
  std::string_view message() const { return error_code_message(m_code); }

  // Prepends context: "while decoding import #3: <previous context>".
  Error&& with_context(std::string_view ctx) &&;
  Error& with_context(std::string_view ctx) &;
  // Sets the offset if none is known yet.
  Error&& at(uint32_t offset) && {
    if (m_offset == kNoOffset) m_offset = offset;
    return std::move(*this);
  }

  // One line: "<message> at offset 0x1a (<context>)".
  std::string to_string() const;

 private:
  ErrorCode m_code;
  uint32_t m_offset;
  std::unique_ptr<std::string> m_context;
};

}  // namespace skiff
