// toml++ is used header-only and without exceptions (host code does not throw); these
// must precede every toml++ include, and only this file includes it.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
// See the TOML_ASSERT_ASSUME override below.
#define TOML_ASSERT(expr) static_cast<void>(0)

#include "host/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <span>
#include <system_error>
#include <utility>

// toml++ 3.3.0 checks its parser's preconditions with TOML_ASSERT_ASSUME, and malformed
// input reaches some of them ("[,x]", "x = [}"; marzer/tomlplusplus#301 fixes one):
// assert() aborts debug builds and __builtin_assume makes clang release builds undefined.
// With the checks compiled out, as in GCC release builds, the parser reports those inputs
// as errors, and a manifest typo must be an error. preprocessor.h defines the macro
// unconditionally, so the override goes between it and the parser.
#include <toml++/impl/preprocessor.h>
#undef TOML_ASSERT_ASSUME
#define TOML_ASSERT_ASSUME(expr) static_cast<void>(0)
#include <toml++/toml.h>

#include "base/units.h"
#include "host/http_syntax.h"

namespace skiff::host {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;

// A manifest larger than this is a mistake (or not a manifest); refuse before reading it all.
constexpr size_t kMaxManifestBytes = 16 * kMiB;

// Every key each table may hold; anything else is an error, so a typo cannot pass as a default.
using Keys = std::span<const std::string_view>;
constexpr std::string_view kTopKeys[] = {"server", "app"};
constexpr std::string_view kServerKeys[] = {"listen",           "threads",        "workers",
                                            "max_header_bytes", "header_timeout", "idle_timeout",
                                            "drain_timeout",    "state_dir",      "realtime"};
constexpr std::string_view kAppKeys[] = {"name",          "module", "handler", "routes", "files",
                                         "allowed_hosts", "kv",     "limits",  "env",    "config"};
constexpr std::string_view kLimitKeys[] = {"memory",         "timeout",   "fuel",
                                           "max_concurrent", "max_queue", "max_body"};
constexpr std::string_view kRouteKeys[] = {"prefix", "methods"};

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "a value";
}

// Levenshtein distance, for "did you mean"; keys are short, so O(n*m) is nothing.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

// [A-Za-z0-9_-]: TOML's bare-key characters, and the ones app names may use.
bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// A string from the manifest as a TOML basic string, so that a message stays one line
// whatever the text holds and can be pasted back into the file.
std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A key as TOML would need it written in a dotted path: bare when it can be.
std::string key_text(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), is_name_char);
  return bare ? std::string(key) : quote(key);
}

std::string dotted(std::string_view parent, std::string_view key) {
  return std::string(parent) + "." + key_text(key);
}
std::string indexed(std::string_view parent, size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

// Sizes in messages read like the manifest's own syntax.
std::string size_text(uint64_t bytes) {
  if (bytes != 0 && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + "GiB";
  if (bytes != 0 && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + "MiB";
  if (bytes != 0 && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + "KiB";
  return std::to_string(bytes) + " bytes";
}

bool is_control_or_space(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

bool is_app_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), is_name_char);
}

// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':'.
bool has_scheme(std::string_view s) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  return std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '-' || c == '.';
  });
}

char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// Checks "HOST:PORT" / "[V6]:PORT" with min_port <= PORT <= 65535. Returns why not, or
// an empty string when it is fine.
std::string host_port_problem(std::string_view s, uint32_t min_port) {
  if (std::any_of(s.begin(), s.end(), is_control_or_space))
    return "contains whitespace or control characters";
  size_t colon;
  if (s.starts_with('[')) {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) return "has no closing ']'";
    if (close == 1) return "has an empty IPv6 address";
    if (close + 1 >= s.size() || s[close + 1] != ':')
      return "needs a port after ']' (\"[::1]:8080\")";
    colon = close + 1;
  } else {
    colon = s.rfind(':');
    if (colon == std::string_view::npos) return "needs a port (\"HOST:PORT\")";
    if (colon == 0) return "needs a host before ':'";
    if (s.substr(0, colon).find(':') != std::string_view::npos)
      return "has an IPv6 address without brackets (write \"[::1]:8080\")";
  }
  const std::string_view host = s.starts_with('[') ? s.substr(1, colon - 2) : s.substr(0, colon);
  if (host.find_first_of("/?#@[]") != std::string_view::npos)
    return "has a host with '/', '?', '#', '@' or brackets in it";
  const std::string_view port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "has a port that is not a number";
  uint32_t value = 0;
  for (char c : port)
    value = value * 10 + static_cast<uint32_t>(c - '0');
  if (value < min_port || value > 65535)
    return "has port " + std::to_string(value) + " outside " + std::to_string(min_port) + "-65535";
  return "";
}

// Reads one manifest's TOML tree into a Manifest, failing at the first problem. Every
// message carries "PATH:LINE:COL: " and the dotted path of the key it is about.
class ManifestReader {
 public:
  ManifestReader(const std::string& path, const std::string& base_dir)
      : m_path(path), m_shown_path(path.empty() ? std::string("<manifest>") : path),
        m_base_dir(base_dir) {}

  Result<Manifest> read(std::string_view text) {
    SKIFF_TRY_ASSIGN(std::string ascii, to_ascii(text));
    // Messages are built here with m_shown_path, so toml++ gets no source path (it would
    // keep a reference to it in every node).
    toml::parse_result parsed = toml::parse(ascii, std::string_view());
    if (!parsed) {
      const toml::parse_error& e = parsed.error();
      return error_at(e.source(), std::string(e.description()));
    }
    const toml::table& root = parsed.table();
    SKIFF_TRY(check_keys(root, kTopKeys, "at the top level"));

    Manifest m;
    m.path = m_path;
    const toml::table* server = nullptr;
    if (const toml::node* n = root.get("server")) {
      SKIFF_TRY_ASSIGN(server, table_of(*n, "server"));
      SKIFF_TRY(read_server(*server, m.server));
    }
    // The default state_dir is a relative path like any other: it lands next to the manifest.
    if (!server || !server->contains("state_dir")) m.server.state_dir = resolve(m.server.state_dir);

    const toml::node* apps = root.get("app");
    if (!apps) return error_at(root.source(), "no apps: add at least one [[app]] table");
    const toml::array* list = apps->as_array();
    if (!list) {
      return error_at(apps->source(), std::string("app: expected [[app]] tables, got ") +
                                          std::string(type_name(apps->type())));
    }
    if (list->empty())
      return error_at(apps->source(), "app: no apps: add at least one [[app]] table");
    m.apps.reserve(list->size());
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string where = indexed("app", i);
      SKIFF_TRY_ASSIGN(const toml::table* t, table_of(*list->get(i), where));
      SKIFF_TRY_ASSIGN(AppConfig app, read_app(*t, where));
      SKIFF_TRY(check_unique(m.apps, app, *t, where));
      m.apps.push_back(std::move(app));
    }
    return m;
  }

 private:
  // toml++ 3.3.0's whitespace test for non-ASCII characters reaches its "unreachable"
  // for most code points (U+00A1-U+0499, U+FB26-U+FEFE, ...): undefined behaviour, found
  // by tests/fuzz/host_fuzzer, wherever its parser asks (not only where TOML allows such
  // characters). So toml++ is only ever given ASCII: non-ASCII characters in basic
  // strings become \uXXXX escapes (the same value), in comments '?', and anywhere else
  // -- outside strings, where TOML allows none, or in 'literal strings', which have no
  // escapes -- they are refused here with their position. Invalid UTF-8 is refused too.
  Result<std::string> to_ascii(std::string_view t) const {
    enum class In { Code, Comment, Basic, Literal, MultiBasic, MultiLiteral } in = In::Code;
    uint32_t line = 1, col = 1;
    auto fail = [&](const std::string& what) {
      return Error(ErrorCode::ManifestInvalid, kNoOffset,
                   m_shown_path + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
    };
    auto at = [&](size_t i, std::string_view s) { return t.substr(i, s.size()) == s; };
    std::string out;
    out.reserve(t.size());
    for (size_t i = 0; i < t.size();) {
      const unsigned char c = static_cast<unsigned char>(t[i]);
      if (c >= 0x80) {
        // One UTF-8 sequence: its length, then well-formedness (no overlong forms, no
        // surrogates, nothing past U+10FFFF).
        const size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        uint32_t cp = n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        bool good = n != 0 && i + n <= t.size();
        for (size_t k = 1; good && k < n; ++k) {
          const unsigned char cc = static_cast<unsigned char>(t[i + k]);
          good = (cc & 0xC0) == 0x80;
          cp = cp << 6 | (cc & 0x3F);
        }
        good = good && cp >= (n == 2 ? 0x80u : n == 3 ? 0x800u : 0x10000u) && cp <= 0x10FFFF &&
               !(cp >= 0xD800 && cp <= 0xDFFF);
        if (!good) return fail("invalid UTF-8");
        switch (in) {
          case In::Comment: out += '?'; break;
          case In::Basic:
          case In::MultiBasic: {
            char esc[12];
            std::snprintf(esc, sizeof esc, cp > 0xFFFF ? "\\U%08X" : "\\u%04X", static_cast<unsigned>(cp));
            out += esc;
            break;
          }
          case In::Code: return fail("a non-ASCII character outside a string or comment");
          case In::Literal:
          case In::MultiLiteral:
            return fail("a non-ASCII character in a 'literal string' (not supported: use a \"basic string\")");
        }
        i += n;
        col++;
        continue;
      }
      size_t len = 1;  // bytes copied as they are
      switch (in) {
        case In::Code:
          if (c == '#') in = In::Comment;
          else if (at(i, "\"\"\"")) in = In::MultiBasic, len = 3;
          else if (at(i, "'''")) in = In::MultiLiteral, len = 3;
          else if (c == '"') in = In::Basic;
          else if (c == '\'') in = In::Literal;
          break;
        case In::Comment:
          if (c == '\n') in = In::Code;
          break;
        case In::Basic:
        case In::MultiBasic:
          if (c == '\\' && i + 1 < t.size()) {
            if (static_cast<unsigned char>(t[i + 1]) >= 0x80) {
              col++;
              return fail("an escape sequence that is not one");
            }
            len = 2;  // the escaped character is not a quote that ends the string
          } else if (in == In::Basic && (c == '"' || c == '\n')) {
            in = In::Code;
          } else if (in == In::MultiBasic && at(i, "\"\"\"")) {
            in = In::Code;
            len = 3;
          }
          break;
        case In::Literal:
          if (c == '\'' || c == '\n') in = In::Code;
          break;
        case In::MultiLiteral:
          if (at(i, "'''")) in = In::Code, len = 3;
          break;
      }
      for (size_t k = 0; k < len; ++k) {
        if (t[i + k] == '\n') line++, col = 1;
        else col++;
      }
      out.append(t.substr(i, len));
      i += len;
    }
    return out;
  }

  Error error_at(const toml::source_region& where, std::string_view message) const {
    std::string text = m_shown_path + ":" + std::to_string(where.begin.line) + ":" +
                       std::to_string(where.begin.column) + ": ";
    text += message;
    return Error(ErrorCode::ManifestInvalid, kNoOffset, std::move(text));
  }
  Error error_at(const toml::node& node, std::string_view key, std::string_view message) const {
    return error_at(node.source(), std::string(key) + ": " + std::string(message));
  }

  // Typos must not be silently ignored: every key a table may hold is listed.
  Result<void> check_keys(const toml::table& t, Keys allowed, std::string_view where) const {
    for (auto&& [key, value] : t) {
      (void)value;
      const std::string_view k = key.str();
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      std::string message = "unknown key " + quote(k) + " " + std::string(where);
      std::string_view best;
      size_t best_distance = 3;
      for (std::string_view candidate : allowed) {
        const size_t d = edit_distance(k, candidate);
        // A distance as long as the key itself would "suggest" anything short.
        if (d < best_distance && d < k.size()) best = candidate, best_distance = d;
      }
      if (!best.empty()) message += " (did you mean \"" + std::string(best) + "\"?)";
      return error_at(key.source(), message);
    }
    return ok();
  }

  Result<const toml::table*> table_of(const toml::node& node, std::string_view key) const {
    if (const toml::table* t = node.as_table()) return t;
    return error_at(node, key, "expected a table, got " + std::string(type_name(node.type())));
  }

  Result<std::string> string_of(const toml::node& node, std::string_view key) const {
    if (const auto* s = node.as_string()) return s->get();
    return error_at(node, key, "expected a string, got " + std::string(type_name(node.type())));
  }

  Result<bool> bool_of(const toml::node& node, std::string_view key) const {
    if (const auto* b = node.as_boolean()) return b->get();
    return error_at(node, key,
                    "expected true or false, got " + std::string(type_name(node.type())));
  }

  Result<uint64_t> uint_of(const toml::node& node, std::string_view key, uint64_t min,
                           uint64_t max) const {
    const auto* i = node.as_integer();
    if (!i)
      return error_at(node, key, "expected an integer, got " + std::string(type_name(node.type())));
    const int64_t v = i->get();
    if (v < 0 || static_cast<uint64_t>(v) < min)
      return error_at(node, key,
                      "must be at least " + std::to_string(min) + ", got " + std::to_string(v));
    if (static_cast<uint64_t>(v) > max)
      return error_at(node, key,
                      "must be at most " + std::to_string(max) + ", got " + std::to_string(v));
    return static_cast<uint64_t>(v);
  }

  // A size is a string in base/units.h syntax ("64MiB") or an integer number of bytes.
  Result<uint64_t> size_of(const toml::node& node, std::string_view key, uint64_t min,
                           uint64_t max) const {
    uint64_t bytes;
    if (const auto* i = node.as_integer()) {
      if (i->get() < 0)
        return error_at(node, key, "must not be negative, got " + std::to_string(i->get()));
      bytes = static_cast<uint64_t>(i->get());
    } else if (const auto* s = node.as_string()) {
      Result<uint64_t> parsed = parse_size(s->get());
      if (!parsed) return error_at(node, key, parsed.error().context());
      bytes = *parsed;
    } else {
      return error_at(node, key,
                      "expected a size (\"64MiB\" or a number of bytes), got " +
                          std::string(type_name(node.type())));
    }
    if (bytes < min)
      return error_at(node, key,
                      "must be at least " + size_text(min) + ", got " + size_text(bytes));
    if (bytes > max)
      return error_at(node, key, "must be at most " + size_text(max) + ", got " + size_text(bytes));
    return bytes;
  }

  // Durations are strings only: a bare 5 could be seconds or milliseconds to a reader.
  Result<uint64_t> duration_of(const toml::node& node, std::string_view key) const {
    const auto* s = node.as_string();
    if (!s) {
      return error_at(node, key,
                      "expected a duration string such as \"5s\" or \"500ms\", got " +
                          std::string(type_name(node.type())));
    }
    Result<uint64_t> ns = parse_duration(s->get());
    if (!ns) return error_at(node, key, ns.error().context());
    return *ns;
  }

  // Relative paths are joined to the manifest's directory as strings; existence is the
  // loader's business.
  Result<std::string> path_of(const toml::node& node, std::string_view key) const {
    SKIFF_TRY_ASSIGN(std::string p, string_of(node, key));
    if (p.empty()) return error_at(node, key, "must not be empty");
    if (p.find('\0') != std::string::npos) return error_at(node, key, "must not contain NUL");
    return resolve(std::move(p));
  }

  std::string resolve(std::string p) const {
    if (p.front() == '/' || m_base_dir.empty()) return p;
    return m_base_dir + (m_base_dir.back() == '/' ? "" : "/") + p;
  }

  Result<void> read_server(const toml::table& t, ServerConfig& s) const {
    SKIFF_TRY(check_keys(t, kServerKeys, "in [server]"));
    if (const toml::node* n = t.get("listen")) {
      SKIFF_TRY_ASSIGN(s.listen, string_of(*n, "server.listen"));
      const std::string problem = host_port_problem(s.listen, 0);
      if (!problem.empty()) return error_at(*n, "server.listen", quote(s.listen) + " " + problem);
    }
    if (const toml::node* n = t.get("threads")) {
      SKIFF_TRY_ASSIGN(uint64_t v, uint_of(*n, "server.threads", 0, 1024));
      s.threads = static_cast<uint32_t>(v);
    }
    if (const toml::node* n = t.get("workers")) {
      SKIFF_TRY_ASSIGN(uint64_t v, uint_of(*n, "server.workers", 0, 1024));
      s.workers = static_cast<uint32_t>(v);
    }
    if (const toml::node* n = t.get("max_header_bytes")) {
      // At most what the server's read buffer holds (kMaxFieldBytes, server.cpp).
      SKIFF_TRY_ASSIGN(s.max_header_bytes, size_of(*n, "server.max_header_bytes", kKiB, 64 * kKiB));
    }
    if (const toml::node* n = t.get("header_timeout")) {
      SKIFF_TRY_ASSIGN(s.header_timeout_ns, duration_of(*n, "server.header_timeout"));
    }
    if (const toml::node* n = t.get("idle_timeout")) {
      SKIFF_TRY_ASSIGN(s.idle_timeout_ns, duration_of(*n, "server.idle_timeout"));
    }
    if (const toml::node* n = t.get("drain_timeout")) {
      SKIFF_TRY_ASSIGN(s.drain_timeout_ns, duration_of(*n, "server.drain_timeout"));
    }
    if (const toml::node* n = t.get("state_dir")) {
      SKIFF_TRY_ASSIGN(s.state_dir, path_of(*n, "server.state_dir"));
    }
    if (const toml::node* n = t.get("realtime")) {
      SKIFF_TRY_ASSIGN(s.realtime, bool_of(*n, "server.realtime"));
    }
    return ok();
  }

  Result<AppConfig> read_app(const toml::table& t, const std::string& where) const {
    SKIFF_TRY(check_keys(t, kAppKeys, "in [[app]]"));
    AppConfig app;
    app.line = t.source().begin.line;
    for (std::string_view required : {"name", "module", "routes"}) {
      if (!t.contains(required))
        return error_at(t.source(), where + ": missing required key " + quote(required));
    }

    const toml::node& name = *t.get("name");
    SKIFF_TRY_ASSIGN(app.name, string_of(name, where + ".name"));
    if (!is_app_name(app.name))
      return error_at(name, where + ".name",
                      quote(app.name) + " is not a valid app name ([A-Za-z0-9_-]{1,64})");

    const toml::node& module = *t.get("module");
    SKIFF_TRY_ASSIGN(std::string module_text, string_of(module, where + ".module"));
    if (module_text.starts_with("builtin:")) {
      // "builtin:hello" names a module without being a path: App::load reads it as written.
      app.module = std::move(module_text);
    } else if (has_scheme(module_text)) {
      return error_at(module, where + ".module",
                      quote(module_text) + " has a scheme skiff does not read (a file path, or builtin:hello; " +
                          "write \"./" + module_text + "\" for a file of that name)");
    } else {
      SKIFF_TRY_ASSIGN(app.module, path_of(module, where + ".module"));
    }

    if (const toml::node* n = t.get("handler")) {
      SKIFF_TRY_ASSIGN(std::string h, string_of(*n, where + ".handler"));
      if (h == "wagi")
        app.handler = HandlerKind::Wagi;
      else if (h == "native")
        app.handler = HandlerKind::Native;
      else
        return error_at(*n, where + ".handler",
                        quote(h) + " is not a handler (expected \"wagi\" or \"native\")");
    }

    SKIFF_TRY(read_routes(*t.get("routes"), where + ".routes", app.routes));

    if (const toml::node* n = t.get("files")) {
      SKIFF_TRY_ASSIGN(app.files, path_of(*n, where + ".files"));
    }

    if (const toml::node* n = t.get("allowed_hosts")) {
      const std::string key = where + ".allowed_hosts";
      const toml::array* list = n->as_array();
      if (!list)
        return error_at(*n, key,
                        "expected an array of \"host:port\" strings, got " +
                            std::string(type_name(n->type())));
      for (size_t i = 0; i < list->size(); ++i) {
        SKIFF_TRY_ASSIGN(std::string host, allowed_host_of(*list->get(i), indexed(key, i)));
        app.allowed_hosts.push_back(std::move(host));
      }
    }

    if (const toml::node* n = t.get("kv")) {
      SKIFF_TRY_ASSIGN(app.kv, bool_of(*n, where + ".kv"));
    }

    if (const toml::node* n = t.get("limits")) {
      SKIFF_TRY_ASSIGN(const toml::table* limits, table_of(*n, where + ".limits"));
      SKIFF_TRY(read_limits(*limits, where + ".limits", app.limits));
    }

    if (const toml::node* n = t.get("env")) {
      SKIFF_TRY_ASSIGN(const toml::table* env, table_of(*n, where + ".env"));
      SKIFF_TRY(read_env(*env, where + ".env", app.env));
    }

    if (const toml::node* n = t.get("config")) {
      SKIFF_TRY_ASSIGN(const toml::table* config, table_of(*n, where + ".config"));
      for (auto&& [key, value] : *config) {
        SKIFF_TRY_ASSIGN(std::string v, string_of(value, dotted(where + ".config", key.str())));
        app.config.emplace(std::string(key.str()), std::move(v));
      }
    }
    return app;
  }

  Result<void> read_routes(const toml::node& node, const std::string& key,
                           std::vector<Route>& routes) const {
    const toml::array* list = node.as_array();
    if (!list)
      return error_at(node, key,
                      "expected an array of routes, got " + std::string(type_name(node.type())));
    if (list->empty()) return error_at(node, key, "at least one route is required");
    for (size_t i = 0; i < list->size(); ++i) {
      const toml::node& entry = *list->get(i);
      const std::string where = indexed(key, i);
      Route route;
      const toml::node* prefix = &entry;
      if (const toml::table* t = entry.as_table()) {
        SKIFF_TRY(check_keys(*t, kRouteKeys, "in " + where));
        prefix = t->get("prefix");
        if (!prefix) return error_at(t->source(), where + ": missing required key \"prefix\"");
        if (const toml::node* methods = t->get("methods"))
          SKIFF_TRY(read_methods(*methods, where + ".methods", route.methods));
        SKIFF_TRY_ASSIGN(route.prefix, prefix_of(*prefix, where + ".prefix"));
      } else if (entry.is_string()) {
        SKIFF_TRY_ASSIGN(route.prefix, prefix_of(entry, where));
      } else {
        return error_at(entry, where,
                        "expected a prefix string or { prefix = ..., methods = [...] }, got " +
                            std::string(type_name(entry.type())));
      }
      // Two routes of one app with one prefix would leave match_route to pick either.
      for (size_t j = 0; j < routes.size(); ++j) {
        if (routes[j].prefix == route.prefix)
          return error_at(*prefix, where,
                          "prefix " + quote(route.prefix) + " repeats " + indexed(key, j));
      }
      routes.push_back(std::move(route));
    }
    return ok();
  }

  Result<std::string> prefix_of(const toml::node& node, const std::string& key) const {
    SKIFF_TRY_ASSIGN(std::string p, string_of(node, key));
    auto bad = [&](std::string_view why) {
      return error_at(node, key, quote(p) + " " + std::string(why));
    };
    if (!p.starts_with('/')) return bad("does not start with '/'");
    if (p.find("..") != std::string::npos) return bad("contains \"..\"");
    if (p.find_first_of("?#") != std::string::npos)
      return bad("contains '?' or '#' (a prefix is a path only)");
    if (std::any_of(p.begin(), p.end(), is_control_or_space))
      return bad("contains whitespace or control characters");
    // "/api/" and "/api" are one route: matching is by whole segments anyway.
    while (p.size() > 1 && p.back() == '/')
      p.pop_back();
    return p;
  }

  Result<void> read_methods(const toml::node& node, const std::string& key,
                            std::vector<std::string>& out) const {
    const toml::array* list = node.as_array();
    if (!list)
      return error_at(node, key,
                      "expected an array of method names, got " +
                          std::string(type_name(node.type())));
    // An empty list reads as "no method allowed"; an absent key is what allows every one.
    if (list->empty())
      return error_at(node, key,
                      "an empty list allows no method (leave the key out to allow every method)");
    for (size_t i = 0; i < list->size(); ++i) {
      const toml::node& entry = *list->get(i);
      SKIFF_TRY_ASSIGN(std::string method, string_of(entry, indexed(key, i)));
      if (method.empty() || !std::all_of(method.begin(), method.end(), is_tchar))
        return error_at(entry, indexed(key, i),
                        quote(method) + " is not an HTTP method name (RFC 7230 token)");
      std::transform(method.begin(), method.end(), method.begin(), ascii_upper);
      if (std::find(out.begin(), out.end(), method) == out.end()) out.push_back(std::move(method));
    }
    return ok();
  }

  Result<std::string> allowed_host_of(const toml::node& node, const std::string& key) const {
    SKIFF_TRY_ASSIGN(std::string text, string_of(node, key));
    std::string_view s = text;
    // The allowlist is by host and port; http:// may be written. https:// may not: outbound
    // requests are plain HTTP, so the entry would let the guest's requests to that port
    // go out unencrypted where the operator asked for TLS.
    if (s.starts_with("https://"))
      return error_at(node, key, quote(text) + " asks for TLS, which outbound HTTP does not have yet (requests "
                                                "are plain http://; write \"host:port\" to allow that)");
    const bool had_scheme = s.starts_with("http://");
    if (had_scheme) s.remove_prefix(7);
    if (!had_scheme && s.find("://") != std::string_view::npos)
      return error_at(node, key, quote(text) + " has a scheme other than http://");
    if (had_scheme && s.ends_with('/')) s.remove_suffix(1);
    if (s.find('/') != std::string_view::npos)
      return error_at(node, key, quote(text) + " has a path; allowed_hosts are \"host:port\"");
    const std::string problem = host_port_problem(s, 1);
    if (!problem.empty()) return error_at(node, key, quote(text) + " " + problem);
    // The port as outbound requests spell it ("host:080" would never match port 80).
    const size_t colon = s.rfind(':');
    const std::string_view port = s.substr(colon + 1);
    const size_t digit = std::min(port.find_first_not_of('0'), port.size() - 1);
    return std::string(s.substr(0, colon + 1)) + std::string(port.substr(digit));
  }

  Result<void> read_limits(const toml::table& t, const std::string& where, AppLimits& l) const {
    SKIFF_TRY(check_keys(t, kLimitKeys, "in [app.limits]"));
    if (const toml::node* n = t.get("memory")) {
      SKIFF_TRY_ASSIGN(l.memory_bytes, size_of(*n, where + ".memory", 64 * kKiB, 4 * kGiB));
    }
    if (const toml::node* n = t.get("timeout")) {
      SKIFF_TRY_ASSIGN(l.timeout_ns, duration_of(*n, where + ".timeout"));
    }
    if (const toml::node* n = t.get("fuel")) {
      SKIFF_TRY_ASSIGN(l.fuel, uint_of(*n, where + ".fuel", 0, UINT64_MAX));
    }
    if (const toml::node* n = t.get("max_concurrent")) {
      SKIFF_TRY_ASSIGN(uint64_t v, uint_of(*n, where + ".max_concurrent", 1, 100'000));
      l.max_concurrent = static_cast<uint32_t>(v);
    }
    if (const toml::node* n = t.get("max_queue")) {
      SKIFF_TRY_ASSIGN(uint64_t v, uint_of(*n, where + ".max_queue", 0, 1'000'000));
      l.max_queue = static_cast<uint32_t>(v);
    }
    if (const toml::node* n = t.get("max_body")) {
      SKIFF_TRY_ASSIGN(l.max_body_bytes, size_of(*n, where + ".max_body", 0, kGiB));
    }
    return ok();
  }

  Result<void> read_env(const toml::table& t, const std::string& where,
                        std::vector<std::pair<std::string, std::string>>& env) const {
    // toml::table is sorted by key; the guest sees its environment in manifest order.
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (auto&& [key, value] : t)
      entries.emplace_back(&key, &value);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      const toml::source_position& pa = a.first->source().begin;
      const toml::source_position& pb = b.first->source().begin;
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    for (const auto& [key, value] : entries) {
      const std::string_view k = key->str();
      const std::string key_path = dotted(where, k);
      if (k.empty())
        return error_at(key->source(), key_path + ": an environment variable needs a name");
      if (k.find_first_of(std::string_view("=\0", 2)) != std::string_view::npos)
        return error_at(key->source(),
                        key_path + ": an environment variable name cannot contain '=' or NUL");
      SKIFF_TRY_ASSIGN(std::string v, string_of(*value, key_path));
      // The guest gets "KEY=value\0": a NUL would cut the value short without a word.
      if (v.find('\0') != std::string::npos)
        return error_at(*value, key_path, "an environment variable value cannot contain NUL");
      env.emplace_back(std::string(k), std::move(v));
    }
    return ok();
  }

  Result<void> check_unique(const std::vector<AppConfig>& earlier, const AppConfig& app,
                            const toml::table& t, const std::string& where) const {
    for (size_t i = 0; i < earlier.size(); ++i) {
      const AppConfig& other = earlier[i];
      if (other.name == app.name) {
        return error_at(*t.get("name"), where + ".name",
                        quote(app.name) + " is already the name of app[" + std::to_string(i) +
                            "] (line " + std::to_string(other.line) + ")");
      }
      for (size_t r = 0; r < app.routes.size(); ++r) {
        for (const Route& theirs : other.routes) {
          if (theirs.prefix != app.routes[r].prefix) continue;
          // Point at the route as written; a string entry and a table entry differ.
          const toml::node& entry = *t.get("routes")->as_array()->get(r);
          const toml::node& at = entry.is_table() ? *entry.as_table()->get("prefix") : entry;
          return error_at(at, indexed(where + ".routes", r),
                          "prefix " + quote(theirs.prefix) + " of app " + quote(app.name) +
                              " is already routed to app " + quote(other.name) + " (line " +
                              std::to_string(other.line) + ")");
        }
      }
    }
    return ok();
  }

  std::string m_path;
  std::string m_shown_path;
  std::string m_base_dir;
};

}  // namespace

Result<Manifest> parse_manifest(std::string_view text, const std::string& path,
                                const std::string& base_dir) {
  return ManifestReader(path, base_dir).read(text);
}

Result<Manifest> load_manifest(const std::string& path) {
  auto cannot_read = [&](int err) {
    return Error(ErrorCode::ManifestInvalid, kNoOffset,
                 path +
                     ": cannot read: " + std::error_code(err, std::generic_category()).message());
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cannot_read(errno);
  std::string text;
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return cannot_read(err);
    }
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > kMaxManifestBytes) {
      ::close(fd);
      return Error(ErrorCode::ManifestInvalid, kNoOffset,
                   path + ": cannot read: larger than " + size_text(kMaxManifestBytes));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t slash = path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "."
                               : slash == 0               ? "/"
                                                          : path.substr(0, slash);
  return parse_manifest(text, path, base_dir);
}

RouteMatch match_route(const Manifest& m, std::string_view method, std::string_view path) {
  // A caller that left a query or fragment on the target still routes by the path.
  path = path.substr(0, std::min(path.find_first_of("?#"), path.size()));
  const Route* best = nullptr;
  const AppConfig* best_app = nullptr;
  for (const AppConfig& app : m.apps) {
    for (const Route& route : app.routes) {
      const std::string_view prefix = route.prefix;
      if (best && prefix.size() <= best->prefix.size()) continue;
      if (!path.starts_with(prefix)) continue;
      // Whole segments only: "/api" takes "/api" and "/api/x", never "/apix".
      if (prefix != "/" && path.size() != prefix.size() && path[prefix.size()] != '/') continue;
      best = &route;
      best_app = &app;
    }
  }
  RouteMatch match;
  if (!best) return match;
  match.app = best_app;
  match.route = best;
  // The longest prefix decides alone: a shorter route that allows the method must not
  // take a path the longer one claims (405, not a surprise handler).
  match.method_allowed =
      best->methods.empty() ||
      std::any_of(best->methods.begin(), best->methods.end(), [&](const std::string& allowed) {
        // A request's method is case-sensitive (RFC 9110 §9.1: "get" is not GET); the
        // manifest's are upper-cased when read. HEAD is GET without the body (§9.3.2): a
        // route that allows GET allows it.
        return allowed == method || (allowed == "GET" && method == "HEAD");
      });
  return match;
}

}  // namespace skiff::host
