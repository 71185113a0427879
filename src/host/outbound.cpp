#include "host/outbound.h"

#include <netdb.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "host/http_syntax.h"
#include "platform/thread.h"

namespace skiff::host {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Url {
  std::string host;  // as written (lower case), brackets kept for IPv6
  uint16_t port = 80;
  std::string target = "/";
};

// http://HOST[:PORT][/PATH]; no userinfo, no fragment.
bool parse_url(std::string_view url, Url& out, std::string& why) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || lower(url.substr(0, kScheme.size())) != kScheme) {
    why = "only http:// URLs are supported";
    return false;
  }
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) {
    out.target = std::string(url.substr(slash));
    if (out.target.front() == '?') out.target.insert(0, "/");
  }
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    why = "bad authority in URL";
    return false;
  }
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    size_t end = authority.find(']');
    if (end == std::string_view::npos) return why = "bad IPv6 host in URL", false;
    host = authority.substr(0, end + 1);
    if (end + 1 < authority.size()) {
      if (authority[end + 1] != ':') return why = "bad port in URL", false;
      port = authority.substr(end + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return why = "no host in URL", false;
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return why = "bad port in URL", false;
    unsigned long p = std::stoul(std::string(port));
    if (p == 0 || p > 65535) return why = "bad port in URL", false;
    out.port = static_cast<uint16_t>(p);
  }
  for (char c : out.target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return why = "bad character in URL path", false;
  out.host = lower(host);
  return true;
}

bool allowed_host(const Url& u, const std::vector<std::string>& allowed) {
  const std::string want = u.host + ":" + std::to_string(u.port);
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) { return lower(a) == want; });
}

// getaddrinfo for TCP, the addresses copied out. `flags`: AI_NUMERICHOST to only parse.
int getaddrinfo_tcp(const std::string& host, const std::string& port, std::vector<Resolver::Address>& out,
                    int flags) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) return rc;
  for (const addrinfo* a = res; a; a = a->ai_next) {
    if (a->ai_addrlen > sizeof(sockaddr_storage)) continue;
    Resolver::Address x{};
    std::memcpy(&x.addr, a->ai_addr, a->ai_addrlen);
    x.len = a->ai_addrlen;
    out.push_back(x);
  }
  ::freeaddrinfo(res);
  return out.empty() ? EAI_NONAME : 0;
}

int system_lookup(const std::string& host, const std::string& port, std::vector<Resolver::Address>& out) {
  return getaddrinfo_tcp(host, port, out, 0);
}

// One lookup, shared by the request waiting for it and the thread doing it.
struct PendingLookup {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  int rc = 0;
  std::vector<Resolver::Address> found;
};

}  // namespace

Resolver::Resolver(unsigned max_running, Lookup lookup)
    : m_running(std::make_shared<std::atomic<unsigned>>(0)), m_max(max_running),
      m_lookup(lookup ? lookup : &system_lookup) {}

bool Resolver::resolve(const std::string& host, uint16_t port, std::chrono::steady_clock::time_point deadline,
                       std::vector<Address>& out, std::string& why) const {
  const std::string service = std::to_string(port);
  out.clear();
  if (getaddrinfo_tcp(host, service, out, AI_NUMERICHOST) == 0) return true;
  out.clear();
  // Counted before the thread exists, so that concurrent requests cannot pass the cap.
  if (m_running->fetch_add(1) >= m_max) {
    m_running->fetch_sub(1);
    why = "cannot resolve " + host + ": " + std::to_string(m_max) + " lookups of this app are still running";
    return false;
  }
  auto pending = std::make_shared<PendingLookup>();
  try {
    std::thread([pending, running = m_running, lookup = m_lookup, host, service] {
      platform::set_thread_name("skiff-resolve");
      std::vector<Address> found;
      const int rc = lookup(host, service, found);
      {
        std::lock_guard lock(pending->mutex);
        pending->rc = rc;
        pending->found = std::move(found);
        pending->done = true;
      }
      pending->done_cv.notify_one();
      running->fetch_sub(1);
    }).detach();
  } catch (const std::system_error& e) {
    m_running->fetch_sub(1);
    why = "cannot resolve " + host + ": no thread for the lookup (" + e.what() + ")";
    return false;
  }
  std::unique_lock lock(pending->mutex);
  if (!pending->done_cv.wait_until(lock, deadline, [&] { return pending->done; })) {
    why = "cannot resolve " + host + ": timed out";
    return false;
  }
  if (pending->rc != 0) {
    why = "cannot resolve " + host + ": " + ::gai_strerror(pending->rc);
    return false;
  }
  out = std::move(pending->found);
  return true;
}

OutboundError http_send(const OutboundRequest& req, const std::vector<std::string>& allowed,
                        const Resolver& resolver, std::chrono::steady_clock::time_point deadline, uint64_t max_response_bytes,
                        OutboundResponse& out, std::string& why) {
  Url url;
  if (!parse_url(req.url, url, why)) return OutboundError::Invalid;
  if (!allowed_host(url, allowed)) {
    why = url.host + ":" + std::to_string(url.port) + " is not in allowed_hosts";
    return OutboundError::Denied;
  }
  if (!is_token(req.method)) {
    why = "bad method";
    return OutboundError::Invalid;
  }
  http::request<http::string_body> r;
  r.method_string(req.method);
  r.target(url.target);
  r.version(11);
  r.set(http::field::host, url.port == 80 ? url.host : url.host + ":" + std::to_string(url.port));
  r.set(http::field::user_agent, "skiff");
  // Guest headers, one "Name: value" per line; framing is the host's.
  std::string_view hs = req.headers;
  while (!hs.empty()) {
    size_t nl = hs.find('\n');
    std::string_view line = hs.substr(0, nl);
    hs = nl == std::string_view::npos ? std::string_view() : hs.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      why = "malformed header line";
      return OutboundError::Invalid;
    }
    std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    if (!is_field_value(value)) {
      why = "malformed header value";
      return OutboundError::Invalid;
    }
    if (!fits_field(name, value)) {
      why = "header " + std::string(name.substr(0, 80)) + " longer than " + std::to_string(kMaxFieldBytes) + " bytes";
      return OutboundError::Invalid;
    }
    if (iequals(name, "Host") || is_framing_field(name)) continue;
    r.insert(name, value);
  }
  r.body().assign(req.body);
  r.keep_alive(false);
  r.prepare_payload();

  const auto now = std::chrono::steady_clock::now();
  if (now >= deadline) {
    why = "no time left before the request's deadline";
    return OutboundError::Failed;
  }
  std::string host = url.host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::vector<Resolver::Address> addresses;
  if (!resolver.resolve(host, url.port, deadline, addresses, why)) return OutboundError::Failed;
  std::vector<tcp::endpoint> results;
  for (const Resolver::Address& a : addresses) {
    tcp::endpoint ep;
    if (a.len > ep.capacity()) continue;
    std::memcpy(ep.data(), &a.addr, a.len);
    ep.resize(a.len);
    results.push_back(ep);
  }
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  // tcp_stream's deadline applies to asynchronous operations only, so the exchange
  // runs as a chain of them on a private io_context, driven to completion right here.
  // The buffer is bounded as the server's is: Beast parses a trailer only once it is
  // whole, and throws on a field longer than kMaxFieldBytes.
  beast::flat_buffer buffer{kMaxFieldBytes};
  std::optional<http::response_parser<http::string_body>> parser;
  const bool head = req.method == "HEAD";
  int interim = 0;
  std::string bad;  // why a response that parsed is refused
  std::function<void()> read_response = [&] {
    parser.emplace();
    parser->body_limit(max_response_bytes);
    parser->header_limit(kMaxFieldBytes);
    parser->skip(head);  // a HEAD response's Content-Length announces no body
    http::async_read_header(stream, buffer, *parser, [&](beast::error_code e3, size_t) {
      if ((ec = e3)) return;
      const unsigned status = parser->get().result_int();
      // Interim responses (100 Continue, 103 Early Hints) come before the final one; a
      // 101 answers an upgrade skiff never asks for.
      if (status / 100 == 1) {
        if (status == 101 || ++interim > 8) {
          bad = status == 101 ? "an unasked-for 101 Switching Protocols" : "more than 8 interim (1xx) responses";
          return;
        }
        return read_response();
      }
      // Boost 1.74's response parser ignores body_limit for a Content-Length body (and the
      // string body reserves that length: a huge one throws bad_alloc), so the header's
      // length is checked here before any body is read.
      if (auto n = parser->content_length(); n && *n > max_response_bytes && !head) {
        ec = http::error::body_limit;
        return;
      }
      http::async_read(stream, buffer, *parser, [&](beast::error_code e4, size_t) { ec = e4; });
    });
  };
  stream.expires_at(deadline);
  stream.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) {
    if ((ec = e)) return;
    http::async_write(stream, r, [&](beast::error_code e2, size_t) {
      if ((ec = e2)) return;
      read_response();
    });
  });
  ioc.run();
  if (ec || !bad.empty()) {
    why = !bad.empty() ? bad : ec == beast::error::timeout ? std::string("timed out") : ec.message();
    if (ec == http::error::body_limit) why = "response larger than " + std::to_string(max_response_bytes) + " bytes";
    if (ec == http::error::buffer_overflow || ec == http::error::header_limit)
      why = "response header or trailer larger than " + std::to_string(kMaxFieldBytes) + " bytes";
    return OutboundError::Failed;
  }
  out.status = parser->get().result_int();
  out.body = std::move(parser->get().body());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return OutboundError::None;
}

}  // namespace skiff::host
