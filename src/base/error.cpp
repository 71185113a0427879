#include "base/error.h"

#include <cstdio>

namespace skiff {
namespace {

struct CodeInfo {
  std::string_view name;
  Phase phase;
  std::string_view message;
};

constexpr CodeInfo kCodes[] = {
#define SKIFF_ERROR(name, phase, msg) {#name, Phase::phase, msg},
#include "base/error_codes.def"
#undef SKIFF_ERROR
};

}  // namespace

std::string_view error_code_name(ErrorCode code) { return kCodes[static_cast<size_t>(code)].name; }
std::string_view error_code_message(ErrorCode code) {
  return kCodes[static_cast<size_t>(code)].message;
}
Phase error_code_phase(ErrorCode code) { return kCodes[static_cast<size_t>(code)].phase; }

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::Io: return "io";
    case Phase::Decode: return "decode";
    case Phase::Validate: return "validate";
    case Phase::Link: return "link";
    case Phase::Instantiate: return "instantiate";
    case Phase::Trap: return "trap";
    case Phase::Wasi: return "wasi";
    case Phase::Host: return "host";
    case Phase::Registry: return "registry";
    case Phase::Cluster: return "cluster";
    case Phase::Compile: return "compile";
  }
  return "?";
}

Error& Error::with_context(std::string_view ctx) & {
  if (!m_context) {
    m_context = std::make_unique<std::string>(ctx);
  } else {
    std::string joined(ctx);
    joined += ": ";
    joined += *m_context;
    *m_context = std::move(joined);
  }
  return *this;
}

Error&& Error::with_context(std::string_view ctx) && { return std::move(with_context(ctx)); }

std::string Error::to_string() const {
  std::string out(message());
  if (has_offset()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " at offset 0x%x", m_offset);
    out += buf;
  }
  if (m_context) {
    out += " (";
    out += *m_context;
    out += ")";
  }
  return out;
}

}  // namespace skiff
