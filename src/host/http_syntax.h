#pragma once
// HTTP/1.1 syntax checks shared by the manifest, the ABI, WAGI and outbound HTTP (one
// definition of each rule, RFC 7230 §3.2).

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string_view>

namespace skiff::host {

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|"
//         / "~" / DIGIT / ALPHA
inline bool is_tchar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// token = 1*tchar (header names, methods)
inline bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

// A header value we pass on: no CR, LF or NUL (no header injection, no truncation).
inline bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// The longest header name or value Beast's fields can hold: it keeps each size (plus 2,
// for ": " and the line end) in 16 bits and throws std::length_error past that. Every
// header a guest sets is checked against it first; the server's read buffer bounds the
// ones a client sends (server.cpp).
inline constexpr size_t kMaxFieldBytes = 65533;

inline bool fits_field(std::string_view name, std::string_view value) {
  return name.size() <= kMaxFieldBytes && value.size() <= kMaxFieldBytes;
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Headers that frame a message: the server's to set on a response, and the host's on an
// outbound request, never a guest's.
inline bool is_framing_field(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection");
}

// Without leading and trailing spaces and tabs (optional whitespace around a field value).
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace skiff::host
