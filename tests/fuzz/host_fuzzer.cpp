// libFuzzer target for the parsers of `skiff serve` that see untrusted or hand-written
// input. The first byte picks one; the rest is its input:
//   0: a manifest (host::parse_manifest): never crashes; every error is ManifestInvalid
//      and names the file first ("fuzz.toml:"); a manifest that parses routes "/" sanely
//   1: a guest's CGI output (host::parse_cgi_output): a response that parses has a final
//      or 1xx status in range and no header value with CR, LF or NUL
//   2: raw bytes from a client, through Beast's request parser as the server reads them,
//      then the CGI environment and arguments a WAGI guest would get: every variable is
//      NAME=value with no NUL in NAME
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "host/http_syntax.h"
#include "host/manifest.h"
#include "host/wagi.h"

using namespace skiff;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "host_fuzzer: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void fuzz_manifest(std::string_view text) {
  auto m = host::parse_manifest(text, "fuzz.toml", "/base");
  if (!m) {
    if (m.error().code() != ErrorCode::ManifestInvalid) fail("manifest error code", m.error().to_string());
    if (!m.error().context().starts_with("fuzz.toml:")) fail("manifest error without the path", m.error().context());
    return;
  }
  if (m->apps.empty()) fail("a manifest without apps parsed", "");
  for (const char* method : {"GET", "POST", "x"}) {
    host::RouteMatch r = host::match_route(*m, method, "/");
    if (r.app && r.app->routes.empty()) fail("matched an app without routes", r.app->name);
  }
}

void fuzz_cgi(std::string_view out) {
  host::Response resp;
  if (!host::parse_cgi_output(out, resp)) return;
  if (resp.result_int() < 100 || resp.result_int() > 599) fail("CGI status out of range", std::to_string(resp.result_int()));
  for (const auto& f : resp) {
    if (!host::is_token(f.name_string())) fail("CGI header name", f.name_string());
    if (!host::is_field_value(f.value())) fail("CGI header value", f.value());
  }
}

void fuzz_request(std::string_view raw) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  // The server never holds more unparsed bytes than its read buffer (server.cpp), so a
  // trailer field, parsed only once whole, is never longer than that.
  raw = raw.substr(0, host::kMaxFieldBytes);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
  if (ec || !parser.is_done()) return;
  const host::Request& req = parser.get();
  host::PeerInfo peer{"127.0.0.1", 40000, "127.0.0.1", 8080};
  std::vector<std::string> env;
  host::cgi_environment(req, peer, "/api", env, 0);
  for (const std::string& e : env) {
    size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) fail("CGI variable without a name", e);
    if (e.substr(0, eq).find('\0') != std::string::npos) fail("NUL in a CGI variable name", e);
  }
  auto args = host::cgi_arguments("app", req.target());
  if (args.empty() || args[0] != "app") fail("CGI argv[0]", args.empty() ? "" : args[0]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: fuzz_manifest(in); break;
    case 1: fuzz_cgi(in); break;
    case 2: fuzz_request(in); break;
  }
  return 0;
}
