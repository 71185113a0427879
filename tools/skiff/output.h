#pragma once
// What the `skiff` subcommands share for their output: names from a module shown
// safely, and skiff's own stdout checked once its results are written.

#include <cstdint>
#include <cstdio>
#include <ostream>
#include <span>
#include <streambuf>
#include <string>
#include <string_view>

#include "platform/file.h"

namespace skiff::tools {

// A name from a module (an export, an import) with quotes, backslashes and control bytes
// as text-format \hh escapes, so it stays on one line and cannot drive the terminal.
inline std::string escape_name(std::string_view name) {
  std::string s;
  for (unsigned char c : name) {
    if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "\\%02x", c);
      s += buf;
    } else {
      s += static_cast<char>(c);
    }
  }
  return s;
}

// escape_name in double quotes: a text-format string.
inline std::string quote(std::string_view name) { return "\"" + escape_name(name) + "\""; }

// skiff's own stdout (std::cout's buffer, installed by main): buffered writes to
// descriptor 1 that keep the reason of the first failed one. A stream only says that it
// failed, and by then errno says nothing; "skiff: stdout: REASON" needs the reason.
class StdoutBuf : public std::streambuf {
 public:
  StdoutBuf() { setp(m_buf, m_buf + sizeof m_buf); }
  // "" while every write has succeeded, else "stdout: <strerror>".
  const std::string& error() const { return m_error; }

 protected:
  int_type overflow(int_type c) override {
    if (sync() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override {
    if (m_error.empty() && pptr() != pbase()) {
      const std::span<const uint8_t> pending(reinterpret_cast<const uint8_t*>(pbase()),
                                             static_cast<size_t>(pptr() - pbase()));
      if (auto w = platform::write_all(1, pending, "stdout"); !w) m_error = w.error().context();
    }
    setp(m_buf, m_buf + sizeof m_buf);
    return m_error.empty() ? 0 : -1;
  }

 private:
  char m_buf[16 * 1024];
  std::string m_error;
};

// Flushes `out`, skiff's stdout. What skiff writes there is its result, so a lost write
// (a full disk, a closed pipe) is a failure: false, after "skiff: stdout: REASON" on `err`.
inline bool flush_stdout(std::ostream& out, std::ostream& err) {
  out.flush();
  if (out) return true;
  const auto* buf = dynamic_cast<const StdoutBuf*>(out.rdbuf());
  err << "skiff: "
      << (buf && !buf->error().empty() ? buf->error() : std::string("stdout: write failed"))
      << "\n";
  return false;
}

}  // namespace skiff::tools
