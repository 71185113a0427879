#pragma once
// WAGI: serving a plain WASI command as a CGI program (RFC 3875, as WAGI and Spin apply
// it to WebAssembly). The request becomes environment variables and arguments, the body
// is stdin, and stdout is a CGI response: header lines, a blank line, then the body.

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "host/http.h"

namespace skiff::host {

// The CGI meta-variables ("NAME=value"): REQUEST_METHOD, SCRIPT_NAME (the route
// prefix), PATH_INFO (the rest of the path), QUERY_STRING, CONTENT_TYPE/LENGTH,
// SERVER_*, REMOTE_ADDR/HOST, one HTTP_* per request header (repeated headers joined
// with ", "), and WAGI's X_MATCHED_ROUTE, X_FULL_URL, X_RAW_PATH_INFO. Written to `env`
// from index `from` on, into the strings already there (a server reuses one list, so
// their buffers serve request after request); `env` then ends after the last one.
void cgi_environment(const Request& req, const PeerInfo& peer, std::string_view route_prefix,
                     std::vector<std::string>& env, size_t from);

// env[i] emptied for rewriting (its buffer kept), or a new last string if i is the end.
inline std::string& reuse_string(std::vector<std::string>& env, size_t i) {
  if (i == env.size()) return env.emplace_back();
  env[i].clear();
  return env[i];
}

// argv: `program`, then for an "indexed" query (one without '='), its '+'-separated
// words percent-decoded (RFC 3875 4.4).
std::vector<std::string> cgi_arguments(std::string_view program, std::string_view target);

// Turns the guest's stdout into `resp`: the header block (lines ending in "\n" or
// "\r\n"; "Status: 404 Not Found" sets the status, a Location without Status means 302),
// then the body. Errors (InvalidArgument, context says why) for output without a header
// block, a malformed header line or status, or a header that is not allowed to pass.
Result<void> parse_cgi_output(std::string_view out, Response& resp);

}  // namespace skiff::host
