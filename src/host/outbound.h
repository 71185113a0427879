#pragma once
// Outbound HTTP for guests (skiff_http_request): plain http:// only, to hosts in the
// app's allowlist, bounded in time (the request's deadline) and in response size.
// Blocking: it runs on the worker thread serving the request.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace skiff::host {

struct OutboundResponse {
  unsigned status = 0;
  std::string body;
};

enum class OutboundError : uint8_t { None, Denied, Invalid, Failed };

struct OutboundRequest {
  std::string_view method;
  std::string_view url;      // http://HOST[:PORT][/PATH[?QUERY]]
  std::string_view headers;  // "Name: value" lines separated by '\n'
  std::string_view body;
};

// `allowed`: "host:port" entries (the manifest's allowed_hosts). On failure returns the
// kind in `error` (Denied: not allowlisted; Invalid: bad URL/method/header; Failed:
// connect, timeout, malformed or oversized response) and says why in `why`.
OutboundError http_send(const OutboundRequest& req, const std::vector<std::string>& allowed,
                        std::chrono::steady_clock::time_point deadline, uint64_t max_response_bytes,
                        OutboundResponse& out, std::string& why);

}  // namespace skiff::host
