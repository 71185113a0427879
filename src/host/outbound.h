#pragma once
// Outbound HTTP for guests (skiff_http_request): plain http:// only, to hosts in the
// app's allowlist, bounded in time (the request's deadline) and in response size.
// Blocking: it runs on the worker thread serving the request, until its deadline at
// the latest (a name lookup included).

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
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

// Host name lookups for one app's outbound requests. getaddrinfo has no timeout and
// cannot be cancelled, so a lookup of a name runs on a thread of its own and the request
// waits for it only until its deadline; a lookup still running then finishes by itself
// later (a resolver that does not answer holds one for resolv.conf's timeout times its
// attempts, 10 s by default). At most `max_running` run at once, so a dead resolver
// costs an app that many threads, not one per request: past it, a lookup fails at once.
// A numeric address needs no lookup and no thread. Thread-safe.
class Resolver {
 public:
  struct Address {
    sockaddr_storage addr;
    socklen_t len;
  };
  // Does the lookup, as getaddrinfo would (TCP): 0 or a getaddrinfo error code. Tests
  // stand in for getaddrinfo with one that takes its time.
  using Lookup = int (*)(const std::string& host, const std::string& port, std::vector<Address>& out);
  explicit Resolver(unsigned max_running = 16, Lookup lookup = nullptr);

  // The addresses of host:port (host without IPv6 brackets), found by `deadline`; else
  // false with the reason in `why`.
  bool resolve(const std::string& host, uint16_t port, std::chrono::steady_clock::time_point deadline,
               std::vector<Address>& out, std::string& why) const;
  // Lookups on their threads now, including ones whose requests gave up on them.
  unsigned running() const { return m_running->load(); }

 private:
  std::shared_ptr<std::atomic<unsigned>> m_running;  // shared with the threads
  unsigned m_max;
  Lookup m_lookup;
};

// `allowed`: "host:port" entries (the manifest's allowed_hosts). On failure returns the
// kind in `error` (Denied: not allowlisted; Invalid: bad URL/method/header; Failed:
// connect, timeout, malformed or oversized response) and says why in `why`.
OutboundError http_send(const OutboundRequest& req, const std::vector<std::string>& allowed,
                        const Resolver& resolver, std::chrono::steady_clock::time_point deadline, uint64_t max_response_bytes,
                        OutboundResponse& out, std::string& why);

}  // namespace skiff::host
