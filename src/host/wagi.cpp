#include "host/wagi.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cstring>

#include <boost/beast/http/field.hpp>

#include "host/http_syntax.h"

namespace skiff::host {

namespace http = boost::beast::http;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Appends `s` percent-decoded to `out`.
void percent_decode(std::string_view s, std::string& out) {
  out.reserve(out.size() + s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
}

Error bad_output(const std::string& why) { return Error(ErrorCode::InvalidArgument, kNoOffset, why); }

}  // namespace

void cgi_environment(const Request& req, const PeerInfo& peer, std::string_view route_prefix,
                     std::vector<std::string>& env, size_t from) {
  std::string_view target = req.target();
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  // SCRIPT_NAME is the route ("" for the root route, as CGI wants no trailing '/');
  // PATH_INFO is what follows it.
  std::string_view script = route_prefix == "/" ? std::string_view() : route_prefix;
  std::string_view raw_info = path.substr(std::min(path.size(), script.size()));

  const std::string_view host = req[http::field::host];
  std::string_view server_name = host;
  if (!host.empty() && host.front() != '[') {
    if (size_t colon = host.rfind(':'); colon != std::string_view::npos) server_name = host.substr(0, colon);
  } else if (size_t end = host.find(']'); end != std::string_view::npos) {
    server_name = host.substr(0, end + 1);
  }
  if (server_name.empty()) server_name = peer.local_addr;
  char digits[24];
  auto number = [&](uint64_t v) {
    return std::string_view(digits, static_cast<size_t>(std::to_chars(digits, digits + sizeof digits, v).ptr - digits));
  };

  size_t n = from;
  auto put = [&](std::string_view name, std::string_view value) {
    reuse_string(env, n++).append(name).append(1, '=').append(value);
  };
  put("GATEWAY_INTERFACE", "CGI/1.1");
  put("SERVER_SOFTWARE", "skiff");
  put("SERVER_PROTOCOL", req.version() == 10 ? "HTTP/1.0" : "HTTP/1.1");
  put("SERVER_NAME", server_name);
  put("SERVER_PORT", number(peer.local_port));
  put("REQUEST_METHOD", req.method_string());
  put("SCRIPT_NAME", script);
  put("PATH_INFO", "");
  percent_decode(raw_info, env[n - 1]);
  put("PATH_TRANSLATED", "");  // the same value, decoded once
  env[n - 1].append(env[n - 2], std::string_view("PATH_INFO=").size());
  put("QUERY_STRING", query);
  put("REMOTE_ADDR", peer.remote_addr);
  put("REMOTE_HOST", peer.remote_addr);
  put("REMOTE_PORT", number(peer.remote_port));
  if (auto ct = req.find(http::field::content_type); ct != req.end()) put("CONTENT_TYPE", ct->value());
  put("CONTENT_LENGTH", number(req.body().size()));
  put("X_MATCHED_ROUTE", route_prefix);
  put("X_RAW_PATH_INFO", raw_info);
  std::string& url = reuse_string(env, n++).append("X_FULL_URL=http://");
  if (host.empty()) {
    url.append(peer.local_addr).append(1, ':').append(number(peer.local_port));
  } else {
    url.append(host);
  }
  url.append(target);

  // HTTP_* for every header but the two CGI gives its own variables; repeated ones joined
  // (Beast keeps a name's fields next to each other, so a repeat follows its first).
  // A header whose name has '_' is left out (as nginx and Apache do): "X_User" and
  // "X-User" would both be HTTP_X_USER, and a client could forge what a proxy in front set.
  const size_t first = n;
  std::string_view last_name;  // the header of env[n - 1], when n > first
  for (const auto& f : req) {
    if (f.name() == http::field::content_type || f.name() == http::field::content_length) continue;
    const std::string_view name = f.name_string();
    if (name.find('_') != std::string_view::npos) continue;
    if (n > first && iequals(name, last_name)) {
      env[n - 1].append(", ").append(f.value());
      continue;
    }
    std::string& line = reuse_string(env, n++);
    line.append("HTTP_");
    for (char c : name) line.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    line.append(1, '=').append(f.value());
    last_name = name;
  }
  env.resize(n);
}

std::vector<std::string> cgi_arguments(std::string_view program, std::string_view target) {
  std::vector<std::string> args{std::string(program)};
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return args;
  std::string_view query = target.substr(q + 1);
  if (query.empty() || query.find('=') != std::string_view::npos) return args;
  size_t start = 0;
  while (start <= query.size()) {
    size_t plus = query.find('+', start);
    if (plus == std::string_view::npos) plus = query.size();
    percent_decode(query.substr(start, plus - start), args.emplace_back());
    start = plus + 1;
  }
  return args;
}

Result<void> parse_cgi_output(std::string_view out, Response& resp) {
  bool have_status = false, have_location = false, any = false;
  size_t pos = 0;
  for (;;) {
    const size_t nl = out.find('\n', pos);
    if (nl == std::string_view::npos)
      return bad_output(any ? "the CGI header block does not end (no blank line)"
                            : "the output does not start with a CGI header block");
    std::string_view line = out.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
      return bad_output("malformed CGI header line \"" + std::string(line.substr(0, 80)) + "\"");
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim_ows(line.substr(colon + 1));
    // A CR inside a value would reach the client as a line break to some parsers (a header
    // or response of the guest's own making); the ABI refuses it too.
    if (!is_field_value(value))
      return bad_output("NUL or CR in CGI header " + std::string(name.substr(0, 80)));
    if (!fits_field(name, value))
      return bad_output("CGI header " + std::string(name.substr(0, 80)) + " longer than " +
                        std::to_string(kMaxFieldBytes) + " bytes");
    any = true;
    if (iequals(name, "Status")) {
      unsigned code = 0;
      size_t i = 0;
      while (i < value.size() && i < 3 && std::isdigit(static_cast<unsigned char>(value[i])))
        code = code * 10 + static_cast<unsigned>(value[i++] - '0');
      if (i != 3 || code < 100 || code > 599 || (i < value.size() && value[i] != ' '))
        return bad_output("bad CGI Status \"" + std::string(value.substr(0, 40)) + "\"");
      resp.result(code);
      if (i < value.size()) resp.reason(trim_ows(value.substr(i)));
      have_status = true;
      continue;
    }
    // The server owns framing: a guest cannot set these.
    if (is_framing_field(name)) continue;
    if (iequals(name, "Location")) have_location = true;
    resp.insert(name, value);
  }
  if (!have_status) resp.result(have_location ? http::status::found : http::status::ok);
  resp.body().assign(out.substr(pos));
  return ok();
}

}  // namespace skiff::host
