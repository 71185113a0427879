#include "host/server.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "engine/interp/tier_up.h"
#include "engine/runtime/memory_pool.h"
#include "engine/runtime/watchdog.h"
#include "host/app.h"
#include "host/dispatcher.h"
#include "host/http_syntax.h"
#include "host/kv_store.h"
#include "host/log.h"
#include "host/metrics.h"
#include "host/sandbox.h"
#include "platform/thread.h"

namespace skiff::host {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
// Sockets bound to a concrete executor: the type-erased any_io_executor costs a copy and
// a destroy of the executor on every operation.
using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;

namespace {

Error serve_error(const std::string& why) { return Error(ErrorCode::ServeError, kNoOffset, why); }

Result<tcp::endpoint> parse_listen(const std::string& text) {
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    size_t end = text.find("]:");
    if (end == std::string::npos) return serve_error("bad listen address \"" + text + "\" (want HOST:PORT or [V6]:PORT)");
    host = text.substr(1, end - 1);
    port = text.substr(end + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return serve_error("bad listen address \"" + text + "\" (want HOST:PORT)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  net::ip::address addr = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  char* end = nullptr;
  unsigned long p = std::strtoul(port.c_str(), &end, 10);
  if (ec || port.empty() || *end || p > 65535)
    return serve_error("bad listen address \"" + text + "\" (want an IP address and a port 0-65535)");
  return tcp::endpoint(addr, static_cast<uint16_t>(p));
}

// RFC 7231 IMF-fixdate, recomputed at most once a second per thread.
const std::string& http_date() {
  thread_local std::string cached;
  thread_local std::time_t cached_at = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_at) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_at = now;
  }
  return cached;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

// One app as served: the app, its admission gate and its metric series.
struct AppSlot {
  std::unique_ptr<App> app;
  std::unique_ptr<Dispatcher::Gate> gate;
  Counter* by_class[5] = {};  // responses by status class 1xx..5xx
  Counter* rejected = nullptr;
  Counter* traps = nullptr;
  Counter* timeouts = nullptr;
  Counter* client_gone = nullptr;
  Histogram* latency = nullptr;
  Histogram* instantiate = nullptr;
  Gauge* active = nullptr;
  Gauge* queued = nullptr;

  // Requests of an app run inline on the io thread that read them (no hand-off to a
  // worker, no context switch) once the app has shown it is quick: after kLearn
  // requests, while its recent run time -- a maximum decaying by 1/8 per request --
  // stays under kInlineMax. An app that loops or blocks is therefore served by the
  // workers, where it cannot stall the io thread's other connections for long.
  // An inline run that passes kInlineBudget is abandoned and run again on a worker: a
  // quick app that turns slow holds its io thread's other connections up that long, not
  // for its timeout. An app that can wait outside its sandbox never runs inline.
  static constexpr uint32_t kLearn = 8;
  static constexpr uint64_t kInlineMax = 1'000'000;  // ns
  static constexpr std::chrono::nanoseconds kInlineBudget = std::chrono::milliseconds(5);
  std::atomic<uint64_t> recent_ns{0};
  std::atomic<uint32_t> completed{0};
  bool runs_inline() const {
    return !app->waits_outside() && completed.load(std::memory_order_relaxed) >= kLearn && recent_ns.load(std::memory_order_relaxed) < kInlineMax;
  }
  void record(uint64_t ns) {
    // Racy read-modify-write on purpose: an estimate, not a count.
    const uint64_t decayed = recent_ns.load(std::memory_order_relaxed);
    recent_ns.store(std::max(ns, decayed - decayed / 8), std::memory_order_relaxed);
    if (completed.load(std::memory_order_relaxed) < kLearn) completed.fetch_add(1, std::memory_order_relaxed);
  }
};

class Session;

// One io thread: its own io_context (no strands, no locks between connections), its own
// listening socket on the shared port (SO_REUSEPORT: the kernel spreads connections),
// and a sandbox for the requests it runs inline.
struct Loop {
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  // The connections' deadlines are checked by one periodic sweep per loop (Impl::sweep)
  // rather than a timer per socket operation: arming and cancelling a timer for every
  // read and write, and the timerfd updates that came with them, were about a tenth of
  // a small request's cost.
  net::steady_timer sweep{ioc};
  std::vector<std::weak_ptr<Session>> sessions;  // this loop's connections, for the sweep
  std::optional<Sandbox> sandbox;
  // Responses finished by the handlers of one pass over the ready connections, written
  // together by one posted flush (Session::queue_write); two vectors so that neither
  // allocates once grown.
  std::vector<std::shared_ptr<Session>> to_write, writing;

  // --realtime: a real-time io thread that looks for work the moment it has answered
  // preempts the client on the client's very next request, so each request costs a
  // context switch each way. When many connections are busy it pauses kBatchPause after
  // a pass that did work, and the requests that arrive meanwhile are taken together in
  // one pass. Busy: kBusyConnections distinct connections answered within one window of
  // kBusyWindow (the current or the last), counted without scanning the connections --
  // each counts itself once per window. With few busy connections there is little to
  // batch, and each pause would only add to their latency.
  static constexpr auto kBatchPause = std::chrono::microseconds(100);
  static constexpr auto kBusyWindow = std::chrono::milliseconds(1);
  static constexpr uint32_t kBusyConnections = 8;
  uint64_t window = 0;         // the current window's number (steady clock / kBusyWindow)
  uint32_t answered_now = 0;   // distinct connections answered in it
  uint32_t answered_last = 0;  // in the window before it (0 if that was not the last one)
  void roll_window(uint64_t w) {
    if (w == window) return;
    answered_last = w == window + 1 ? answered_now : 0;
    answered_now = 0;
    window = w;
  }
  // A connection answered now; `seen` is its own note of the last window it counted in.
  void count_answer(uint64_t& seen) {
    roll_window(static_cast<uint64_t>(Clock::now().time_since_epoch() / kBusyWindow));
    if (seen == window) return;
    seen = window;
    ++answered_now;
  }
  bool busy() {
    roll_window(static_cast<uint64_t>(Clock::now().time_since_epoch() / kBusyWindow));
    return std::max(answered_now, answered_last) >= kBusyConnections;
  }
  // ioc.run(), with the pause above when the thread is real-time (counted in `pauses`).
  void run(bool realtime, Counter& pauses) {
    if (!realtime) return (void)ioc.run();
    while (!ioc.stopped()) {
      size_t done = 0;
      while (size_t n = ioc.poll()) done += n;
      if (ioc.stopped()) break;
      if (done > 0 && busy()) {
        pauses.inc();
        std::this_thread::sleep_for(kBatchPause);
      } else {
        ioc.run_one();
      }
    }
  }
};

struct Server::Impl {
  Manifest manifest;
  ServeOptions opts;
  const bool realtime;  // --realtime or server.realtime
  Log log;
  // --tier auto: compiles the apps after the server starts serving them interpreted.
  std::optional<engine::interp::TierUp> tier_up;
  Metrics metrics;
  std::unique_ptr<KvStore> kv;
  std::vector<std::unique_ptr<AppSlot>> apps;
  std::unordered_map<const AppConfig*, AppSlot*> slot_of;
  engine::runtime::MemoryPool pool;
  engine::runtime::Watchdog watchdog;
  std::optional<Dispatcher> dispatcher;

  // Before the io_context: sessions still queued in it unregister here when it goes.
  std::atomic<bool> draining{false};
  std::mutex sessions_mutex;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;

  std::vector<std::unique_ptr<Loop>> loops;  // [0] also handles signals, stop() and the drain
  tcp::endpoint bound;
  std::optional<net::signal_set> signals;  // on loops[0]; goes before the loops do
  std::weak_ptr<std::function<void()>> drain_check;  // wait_for_drain's, while it runs

  Counter* connections_total = nullptr;
  Gauge* connections_open = nullptr;
  Gauge* pool_idle = nullptr;  // linear-memory reservations waiting in the MemoryPool
  Counter* io_pauses = nullptr;  // Loop::run's, with --realtime
  Counter* host_responses[5] = {};  // the server's own: 400/404/405/413/431/503...

  // --realtime: the io threads at kIoPriority; the watchdog above them, so a guest one
  // runs inline cannot keep it from firing the deadline that stops that guest.
  static constexpr int kIoPriority = 1;
  static constexpr int kWatchdogPriority = 2;

  Impl(Manifest m, const ServeOptions& o)
      : manifest(std::move(m)),
        opts(o),
        realtime(o.realtime || manifest.server.realtime),
        log(o.log_fd),
        watchdog(realtime ? std::function<void()>([] {
          // create() checked that this priority is allowed; a refusal now leaves the
          // watchdog a normal thread, as it is without --realtime.
          (void)platform::enter_realtime(kWatchdogPriority);
        })
                          : std::function<void()>()) {}

  void accept(Loop& loop);
  // Every sweep_period: connections past their deadline have their operation cancelled.
  void sweep(Loop& loop);
  std::chrono::nanoseconds sweep_period{};
  void stop_loops() {
    for (auto& l : loops) l->ioc.stop();
  }
  void begin_drain();
  void wait_for_drain();
  void count_host_response(unsigned status) {
    if (status >= 100 && status < 600) host_responses[status / 100 - 1]->inc();
  }
  std::string render_metrics() {
    for (auto& s : apps) {
      s->active->set(s->gate->active());
      s->queued->set(s->gate->queued());
    }
    pool_idle->set(static_cast<int64_t>(pool.idle()));
    return metrics.render();
  }
};

// One connection: read a request, route it, hand it to the dispatcher, write the
// response, repeat while keep-alive. Everything runs on the connection's loop; the
// worker that ran the guest posts the result back to it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, Server::Impl& srv, Loop& loop) : m_socket(std::move(socket)), m_srv(srv), m_loop(loop) {
    boost::system::error_code ec;
    auto remote = m_socket.remote_endpoint(ec);
    if (!ec) {
      m_peer.remote_addr = remote.address().to_string();
      m_peer.remote_port = remote.port();
    }
    auto local = m_socket.local_endpoint(ec);
    if (!ec) {
      m_peer.local_addr = local.address().to_string();
      m_peer.local_port = local.port();
    }
  }

  ~Session() {
    std::lock_guard lock(m_srv.sessions_mutex);
    m_srv.sessions.erase(this);
    m_srv.connections_open->add(-1);
  }

  void start() {
    {
      std::lock_guard lock(m_srv.sessions_mutex);
      m_srv.sessions.emplace(this, weak_from_this());
    }
    m_loop.sessions.push_back(weak_from_this());
    m_srv.connections_total->inc();
    m_srv.connections_open->add(1);
    wait_for_request();
  }

  // From the loop's sweep: past its deadline, the pending read or write is cancelled and
  // its handler sees operation_aborted with m_timed_out set.
  void expire_if_due(Clock::time_point now) {
    if (now < m_deadline) return;
    m_deadline = Clock::time_point::max();
    m_timed_out = true;
    beast::error_code ec;
    m_socket.cancel(ec);
  }

  // From the drain: an idle connection closes now; a busy one after its response.
  void close_if_idle() {
    net::post(m_loop.ioc, [self = shared_from_this()] {
      if (!self->m_busy) self->close();
    });
  }

 private:
  const ServerConfig& cfg() const { return m_srv.manifest.server; }

  // The operations that follow must finish within `ns` (at most 10^18, manifest.cpp:
  // no overflow), or the sweep cancels them.
  void expire_in(uint64_t ns) {
    m_timed_out = false;
    m_deadline = Clock::now() + std::chrono::nanoseconds(ns);
  }
  void expire_never() { m_deadline = Clock::time_point::max(); }
  bool timed_out(const beast::error_code& ec) const { return ec == net::error::operation_aborted && m_timed_out; }

  // Phase 1: the first byte of the next request (idle time), unless some is buffered.
  void wait_for_request() {
    m_busy = false;
    if (m_srv.draining.load()) return close();
    if (m_buffer.size() > 0) return read_header();
    expire_in(m_served ? cfg().idle_timeout_ns : cfg().header_timeout_ns);
    m_socket.async_read_some(m_buffer.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return self->close();  // idle timeout, EOF or reset: nothing to answer
      self->m_buffer.commit(n);
      self->read_header();
    });
  }

  // Phase 2: the whole header within header_timeout of its first byte.
  void read_header() {
    m_busy = true;
    m_header.emplace();
    m_header->header_limit(static_cast<uint32_t>(cfg().max_header_bytes));
    // The app's max_body is checked once the route is known (413); Beast's default limit
    // (1 MiB) would refuse a larger Content-Length here first, as a 400. (Not boost::none:
    // Boost 1.74 compares the length with the optional, and any length > none.)
    m_header->body_limit(std::numeric_limits<uint64_t>::max());
    expire_in(cfg().header_timeout_ns);
    http::async_read_header(m_socket, m_buffer, *m_header,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return reply_error(http::status::request_header_fields_too_large, true);
    if (timed_out(ec)) return reply_error(http::status::request_timeout, true);
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted)
      return close();
    if (ec) return reply_error(http::status::bad_request, true);
    m_started = Clock::now();
    const auto& req = m_header->get();
    std::string_view target = req.target();
    if (target.empty() || target.front() != '/') return reply_error(http::status::bad_request, true);
    std::string_view path = path_of(target);

    if (path == "/healthz" || path == "/metrics") return host_endpoint(path);

    RouteMatch match = match_route(m_srv.manifest, req.method_string(), path);
    if (!match.app) return reply_error(http::status::not_found, false);
    if (!match.method_allowed) return reply_error(http::status::method_not_allowed, false);
    m_slot = m_srv.slot_of.at(match.app);
    m_route = match.route->prefix;

    const uint64_t max_body = match.app->limits.max_body_bytes;
    if (auto len = m_header->content_length(); len && *len > max_body)
      return reply_error(http::status::payload_too_large, true);
    m_parser.emplace(std::move(*m_header));
    m_header.reset();
    m_parser->body_limit(max_body);
    // HTTP/1.0 has no 100 (RFC 9110 §10.1.1: the expectation is ignored).
    if (m_parser->get().version() >= 11 && beast::iequals(m_parser->get()[http::field::expect], "100-continue"))
      return send_continue();
    read_body();
  }

  void send_continue() {
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(m_socket, net::buffer(kContinue), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->read_body();
    });
  }

  void read_body() {
    expire_in(cfg().header_timeout_ns);
    // Beast adds a chunked body's trailer fields to the header; a recipient must not merge
    // them (RFC 9110 §6.5.1: a trailer "Host" or "Content-Type" is not the request's), and
    // CGI has no place for them. The header as it came is kept and put back.
    if (m_parser->chunked()) m_head.emplace(m_parser->get().base());
    http::async_read(m_socket, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec == http::error::body_limit) return self->reply_error(http::status::payload_too_large, true);
      if (self->timed_out(ec)) return self->reply_error(http::status::request_timeout, true);
      if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset) return self->close();
      if (ec) return self->reply_error(http::status::bad_request, true);
      self->m_req = self->m_parser->release();
      self->m_parser.reset();
      if (self->m_head) {
        self->m_req.base() = std::move(*self->m_head);
        self->m_head.reset();
      }
      self->dispatch();
    });
  }

  void dispatch() {
    expire_never();  // the guest's own deadline bounds the wait
    if (m_srv.draining.load()) return reply_error(http::status::service_unavailable, true);
    m_resp = {};
    Dispatcher& d = *m_srv.dispatcher;
    if (m_slot->runs_inline() && d.try_enter(*m_slot->gate)) {
      HandleResult hr = run_guest(*m_loop.sandbox, AppSlot::kInlineBudget);
      d.leave(*m_slot->gate);
      if (hr.outcome != Outcome::Retry) return finish(std::move(hr));
      // Over the budget with nothing done outside its sandbox: the io thread lets go and
      // a worker runs the request afresh (the app now counts as slow).
      m_resp = {};
    }
    Dispatcher::Admit admit = d.submit(*m_slot->gate, [self = shared_from_this()](Sandbox& sb) {
      // A request that waited in the app's queue may have outlived its client (one that
      // timed out and closed): running it would only take a worker from the requests
      // behind it.
      HandleResult hr;
      if (self->client_gone())
        hr.outcome = Outcome::ClientGone;
      else
        hr = self->run_guest(sb);
      net::post(self->m_loop.ioc, [self, hr = std::move(hr)]() mutable { self->finish(std::move(hr)); });
    });
    if (admit == Dispatcher::Admit::Rejected) {
      m_slot->rejected->inc();
      HandleResult hr;
      hr.outcome = Outcome::Overloaded;
      m_resp = {};
      m_resp.result(http::status::service_unavailable);
      m_resp.set(http::field::retry_after, "1");
      m_resp.set(http::field::content_type, "text/plain; charset=utf-8");
      m_resp.body() = "service unavailable: the app is at its concurrency and queue limits\n";
      finish(std::move(hr));
    }
  }

  HandleResult run_guest(Sandbox& sb, std::chrono::nanoseconds inline_budget = {}) {
    const auto t0 = Clock::now();
    HandleResult hr = sb.handle(*m_slot->app, m_route, m_req, m_peer, m_resp, inline_budget);
    m_slot->record(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
    return hr;
  }

  // Whether the client has closed its end (EOF, as nginx takes it too) or reset the
  // connection. From a worker, while the connection's io thread does not touch the
  // socket (the request is out of its hands until finish()); bytes of a next request
  // pipelined behind this one say the client is there.
  bool client_gone() {
    char c;
    const ssize_t n = ::recv(m_socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }

  // A guest's (or the overload) response is ready: account for it and write it.
  void finish(HandleResult hr) {
    const AppSlot& s = *m_slot;
    if (hr.outcome == Outcome::ClientGone) {
      s.client_gone->inc();
      const double waited = std::chrono::duration<double>(Clock::now() - m_started).count();
      if (m_srv.opts.access_log) access_log(s.app->name(), 499, waited, hr.outcome);
      return close();  // nothing to answer, nobody to answer to
    }
    const unsigned status = m_resp.result_int();
    if (status >= 100 && status < 600) s.by_class[status / 100 - 1]->inc();
    if (hr.outcome == Outcome::Trap) s.traps->inc();
    if (hr.outcome == Outcome::Timeout) s.timeouts->inc();
    if (hr.outcome != Outcome::Overloaded) s.instantiate->observe(hr.instantiate_seconds);
    const double seconds = std::chrono::duration<double>(Clock::now() - m_started).count();
    s.latency->observe(seconds);
    const std::string& app = s.app->name();
    if (!hr.guest_stderr.empty()) {
      std::string f = "\"level\":\"info\",\"app\":";
      json_quote(f, app);
      f += ",\"stderr\":";
      json_quote(f, hr.guest_stderr);
      m_srv.log.write(f);
    }
    if (!hr.outbound_error.empty()) {  // the guest got SKIFF_EHOST etc.; the operator wants why
      std::string f = "\"level\":\"warn\",\"app\":";
      json_quote(f, app);
      f += ",\"event\":\"outbound_failed\",\"detail\":";
      json_quote(f, hr.outbound_error);
      m_srv.log.write(f);
    }
    if (hr.outcome != Outcome::Ok) {
      std::string f = "\"level\":\"error\",\"app\":";
      json_quote(f, app);
      f += ",\"outcome\":\"";
      f += outcome_name(hr.outcome);
      f += "\",\"detail\":";
      json_quote(f, hr.detail);
      m_srv.log.write(f);
    }
    if (m_srv.opts.access_log) access_log(app, status, seconds, hr.outcome);
    write_response(m_req.keep_alive());
  }

  void access_log(std::string_view app, unsigned status, double seconds, Outcome outcome) {
    std::string f = "\"level\":\"info\",\"app\":";
    json_quote(f, app);
    f += ",\"method\":";
    json_quote(f, m_req.method_string());
    f += ",\"target\":";
    json_quote(f, m_req.target());
    f += ",\"status\":" + std::to_string(status);
    f += ",\"bytes\":" + std::to_string(m_resp.body().size());
    char dur[32];
    std::snprintf(dur, sizeof dur, "%.3f", seconds * 1e3);
    f += ",\"ms\":";
    f += dur;
    f += ",\"outcome\":\"";
    f += outcome_name(outcome);
    f += "\",\"remote\":";
    json_quote(f, m_peer.remote_addr);
    m_srv.log.write(f);
  }

  void host_endpoint(std::string_view path) {
    const auto& req = m_header->get();
    m_req = {};
    m_req.version(req.version());
    m_req.keep_alive(req.keep_alive());
    if (req.method() == http::verb::head) m_req.method(http::verb::head);  // no body in the answer
    m_resp = {};
    // A body on these is not expected; the connection closes rather than parse it.
    const bool has_body = m_header->content_length().value_or(0) > 0 || m_header->chunked();
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      m_resp.result(http::status::method_not_allowed);
      m_resp.set(http::field::allow, "GET, HEAD");
    } else if (path == "/healthz") {
      const bool draining = m_srv.draining.load();
      m_resp.result(draining ? http::status::service_unavailable : http::status::ok);
      m_resp.set(http::field::content_type, "text/plain; charset=utf-8");
      m_resp.body() = draining ? "draining\n" : "ok\n";
    } else {
      m_resp.result(http::status::ok);
      m_resp.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      m_resp.body() = m_srv.render_metrics();
    }
    m_srv.count_host_response(m_resp.result_int());
    m_header.reset();
    write_response(m_req.keep_alive() && !has_body);
  }

  // The server's own answer to a request it does not pass on (or cannot read).
  void reply_error(http::status status, bool close_after) {
    const unsigned version = m_header ? m_header->get().version() : m_parser ? m_parser->get().version() : 11;
    const bool keep = !close_after && (m_header ? m_header->get().keep_alive() : false);
    // A request whose body is not read leaves the connection unusable. (A header that
    // did not parse has no length to ask for: Beast asserts is_header_done().)
    const bool body_pending = m_header && m_header->is_header_done() &&
                              (m_header->content_length().value_or(0) > 0 || m_header->chunked());
    const bool head = m_header ? m_header->get().method() == http::verb::head
                               : m_parser && m_parser->get().method() == http::verb::head;
    m_req = {};
    m_req.version(version);
    if (head) m_req.method(http::verb::head);  // no body in the answer
    m_resp = {};
    m_resp.result(status);
    m_resp.set(http::field::content_type, "text/plain; charset=utf-8");
    m_resp.body() = std::to_string(static_cast<unsigned>(status)) + " " + std::string(http::obsolete_reason(status)) + "\n";
    if (status == http::status::service_unavailable) m_resp.set(http::field::retry_after, "1");
    if (status == http::status::method_not_allowed) m_resp.set(http::field::allow, allowed_methods());
    m_srv.count_host_response(static_cast<unsigned>(status));
    if (m_srv.opts.access_log) {
      std::string f = "\"level\":\"info\",\"app\":null,\"status\":" + std::to_string(static_cast<unsigned>(status));
      f += ",\"target\":";
      json_quote(f, m_header ? std::string_view(m_header->get().target()) : std::string_view());
      f += ",\"remote\":";
      json_quote(f, m_peer.remote_addr);
      m_srv.log.write(f);
    }
    m_header.reset();
    m_parser.reset();
    write_response(keep && !body_pending);
  }

  // Allow (RFC 9110 §10.2.1): the methods of the route the path matched, not of the app's others.
  std::string allowed_methods() const {
    if (!m_header) return "";
    RouteMatch m = match_route(m_srv.manifest, m_header->get().method_string(), path_of(m_header->get().target()));
    if (!m.route) return "";
    std::string out;
    for (const std::string& meth : m.route->methods) out += (out.empty() ? "" : ", ") + meth;
    return out;
  }

  void write_response(bool keep_alive) {
    m_busy = true;
    keep_alive = keep_alive && !m_srv.draining.load();
    m_resp.version(m_req.version() == 10 ? 10 : 11);
    m_resp.set(http::field::server, "skiff");
    m_resp.set(http::field::date, http_date());
    m_resp.keep_alive(keep_alive);
    // 1xx, 204 and 304 have no body and no Content-Length (RFC 9110 §8.6, §15.3.5, §15.4.5),
    // whatever a guest wrote; Beast's prepare_payload throws on a body there.
    const unsigned status = m_resp.result_int();
    const bool bodiless = status < 200 || status == 204 || status == 304;
    if (bodiless) m_resp.body().clear();
    m_resp.prepare_payload();
    if (bodiless) m_resp.content_length(boost::none);
    ++m_served;
    serialize(m_req.method() == http::verb::head);
    m_keep_alive = keep_alive;
    queue_write();
  }

  // The responses of the connections that were ready together go out together, after
  // all of them are handled: a client waiting on several connections then wakes once for
  // several responses rather than once per response (and, on a shared core, preempts
  // the server once rather than at every write).
  void queue_write() {
    if (m_srv.realtime) m_loop.count_answer(m_answer_window);  // only Loop::run(true) asks
    if (m_loop.to_write.empty()) net::post(m_loop.ioc, [&loop = m_loop] { flush_writes(loop); });
    m_loop.to_write.push_back(shared_from_this());
  }

  static void flush_writes(Loop& loop) {
    loop.writing.swap(loop.to_write);
    for (auto& s : loop.writing) s->start_write();
    loop.writing.clear();
  }

  void start_write() {
    expire_in(cfg().header_timeout_ns);  // a client that stops reading
    net::async_write(m_socket, net::buffer(m_out), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->m_keep_alive) return self->close();
      self->m_req = {};
      self->m_resp = {};
      // An idle connection does not keep a large response's buffer (up to 64 MiB).
      if (self->m_out.capacity() > kKeptOutput) std::string().swap(self->m_out);
      self->wait_for_request();
    });
  }

  // The response as one buffer (status line, headers, body), in a string the session
  // keeps: one write, no per-response serializer state (a measurable share of a small
  // response's cost with Beast's generic serializer).
  void serialize(bool head) {
    m_out.clear();
    m_out += m_resp.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    m_out += std::to_string(m_resp.result_int());
    m_out += ' ';
    // Beast has no phrase for codes it does not know (a guest's 299, say).
    std::string_view reason = m_resp.reason();
    m_out += reason.empty() || reason == "<unknown-status>" ? std::string_view("Unknown") : reason;
    m_out += "\r\n";
    for (const auto& f : m_resp) {
      m_out += f.name_string();
      m_out += ": ";
      m_out += f.value();
      m_out += "\r\n";
    }
    m_out += "\r\n";
    if (!head) m_out += m_resp.body();
  }

  void close() {
    m_busy = false;
    beast::error_code ec;
    m_socket.shutdown(tcp::socket::shutdown_send, ec);
    m_socket.close(ec);
  }

  Socket m_socket;
  Server::Impl& m_srv;
  Loop& m_loop;
  // Bytes read but not yet parsed. Beast parses a header block, a chunk's size line
  // (with any extensions) and a chunked body's trailer only once all of it is here, and
  // nothing else bounds the last two: the limit keeps a client from growing them without
  // end, and keeps every trailer field within what Beast's fields can hold (kMaxFieldBytes).
  // A header block may take all of it (max_header_bytes is at most 64 KiB).
  beast::flat_buffer m_buffer{kMaxFieldBytes};
  std::optional<http::request_parser<http::empty_body>> m_header;
  std::optional<http::request_parser<http::string_body>> m_parser;
  std::optional<http::request_header<>> m_head;  // a chunked request's, without its trailer
  Request m_req;
  Response m_resp;
  std::string m_out;  // the serialized response being written
  static constexpr size_t kKeptOutput = 64 * 1024;
  PeerInfo m_peer;
  AppSlot* m_slot = nullptr;
  std::string m_route;
  Clock::time_point m_started;
  uint64_t m_served = 0;
  uint64_t m_answer_window = UINT64_MAX;  // Loop::count_answer
  bool m_busy = false;
  bool m_keep_alive = false;  // of the response being written
  Clock::time_point m_deadline = Clock::time_point::max();  // of the operation pending (expire_in)
  bool m_timed_out = false;  // the sweep cancelled it
};

void Server::Impl::sweep(Loop& loop) {
  const auto now = Clock::now();
  auto& all = loop.sessions;
  for (size_t i = 0; i < all.size();) {
    if (std::shared_ptr<Session> s = all[i].lock()) {
      s->expire_if_due(now);
      ++i;
    } else {
      all[i] = std::move(all.back());
      all.pop_back();
    }
  }
  loop.sweep.expires_after(sweep_period);
  loop.sweep.async_wait([this, &loop](beast::error_code ec) {
    if (!ec) sweep(loop);
  });
}

void Server::Impl::accept(Loop& loop) {
  auto socket = std::make_shared<Socket>(loop.ioc.get_executor());
  loop.acceptor.async_accept(*socket, [this, &loop, socket](beast::error_code ec) {
    if (ec == net::error::operation_aborted || !loop.acceptor.is_open()) return;
    if (!ec) {
      socket->set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(*socket), *this, loop)->start();
    } else if (ec != net::error::connection_aborted && ec != net::error::try_again) {
      // Out of descriptors (or memory, or refused by a security module): back off
      // briefly instead of spinning on accept. A connection reset before it was
      // accepted is the client's and costs nothing.
      auto t = std::make_shared<net::steady_timer>(loop.ioc, std::chrono::milliseconds(50));
      t->async_wait([this, &loop, t](beast::error_code) { accept(loop); });
      return;
    }
    accept(loop);
  });
}

void Server::Impl::begin_drain() {
  if (draining.exchange(true)) return;
  {
    std::string f = "\"level\":\"info\",\"event\":\"draining\"";
    log.write(f);
  }
  for (auto& l : loops) {
    Loop* lp = l.get();
    net::post(lp->ioc, [lp] {
      beast::error_code ec;
      lp->acceptor.close(ec);
    });
  }
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& [p, w] : sessions)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->close_if_idle();
}

// Polls until every connection is gone or the drain timeout passes, then stops the io.
void Server::Impl::wait_for_drain() {
  const auto give_up = Clock::now() + std::chrono::nanoseconds(manifest.server.drain_timeout_ns);
  auto timer = std::make_shared<net::steady_timer>(loops[0]->ioc);
  auto check = std::make_shared<std::function<void()>>();
  drain_check = check;
  *check = [this, timer, give_up, check] {
    size_t open;
    {
      std::lock_guard lock(sessions_mutex);
      open = sessions.size();
    }
    if (open == 0 || Clock::now() >= give_up) {
      if (open) {
        std::string f = "\"level\":\"error\",\"event\":\"drain timeout\",\"connections\":" + std::to_string(open);
        log.write(f);
      }
      stop_loops();
      *check = nullptr;  // breaks the cycle
      return;
    }
    timer->expires_after(std::chrono::milliseconds(10));
    timer->async_wait([check](beast::error_code) {
      if (*check) (*check)();
    });
  };
  (*check)();
}

Server::Server(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Server::~Server() {
  if (!m_impl) return;
  m_impl->stop_loops();
  // A drain that timed out leaves requests in the apps' queues: they are dropped, not
  // run one after another to their timeouts while the process should be exiting.
  if (m_impl->dispatcher) m_impl->dispatcher->abandon_queued();
  m_impl->dispatcher.reset();  // finishes what is running; its posts go nowhere
}

Result<std::unique_ptr<Server>> Server::create(Manifest manifest, const ServeOptions& opts) {
  auto impl = std::make_unique<Impl>(std::move(manifest), opts);
  Impl& s = *impl;
  if (s.realtime) {
    if (auto r = platform::check_realtime(Impl::kWatchdogPriority); !r)
      return serve_error("real-time io threads (--realtime, server.realtime): " + std::string(r.error().context()));
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned io_threads = opts.threads ? opts.threads : s.manifest.server.threads ? s.manifest.server.threads : cores;
  const unsigned workers = opts.workers ? opts.workers : s.manifest.server.workers ? s.manifest.server.workers : cores;

  if (std::any_of(s.manifest.apps.begin(), s.manifest.apps.end(), [](const AppConfig& a) { return a.kv; })) {
    const std::string& dir = s.manifest.server.state_dir;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return serve_error("cannot create state_dir " + dir + ": " + std::strerror(errno));
    auto kv = KvStore::open(dir + "/kv.sqlite3");
    if (!kv) return serve_error("key-value store: " + std::string(kv.error().context()));
    s.kv = std::move(*kv);
  }

  s.connections_total = &s.metrics.counter("skiff_connections_total", "Connections accepted");
  s.connections_open = &s.metrics.gauge("skiff_connections_open", "Connections open now");
  s.io_pauses = &s.metrics.counter("skiff_io_pauses_total",
                                   "Pauses of real-time io threads that take busy connections' requests together");
  s.pool_idle = &s.metrics.gauge("skiff_memory_pool_idle",
                                 "Sandbox memories kept ready for reuse (reservations in the pool)");
  for (unsigned c = 1; c <= 5; ++c)
    s.host_responses[c - 1] = &s.metrics.counter("skiff_host_responses_total",
                                                 "Responses the server gave itself (errors, /healthz, /metrics)",
                                                 {{"code", std::to_string(c) + "xx"}});
  s.apps.reserve(s.manifest.apps.size());
  // With several apps, none may hold every worker: one whose guests are all slow would
  // make every other app's worker runs wait for it (Dispatcher).
  const uint32_t worker_share = s.manifest.apps.size() > 1 && workers > 1 ? workers - 1 : UINT32_MAX;
  for (const AppConfig& ac : s.manifest.apps) {
    SKIFF_TRY_ASSIGN(std::unique_ptr<App> app, App::load(ac, s.kv.get()));
    if (ac.tier == "auto" && app->shared_code()) {
      if (!s.tier_up) {
        engine::interp::NativeOptions nopts;
        nopts.cache_dir = engine::native::ArtifactCache::default_dir();
        s.tier_up.emplace(nopts);
      }
      Log* log = &s.log;
      s.tier_up->enqueue(app->shared_code(), [log, name = ac.name](const Result<engine::native::CompileReport>& r) {
        std::string f = r ? "\"level\":\"info\",\"app\":" : "\"level\":\"error\",\"app\":";
        json_quote(f, name);
        f += ",\"event\":\"tier_up\"";
        if (r) {
          f += ",\"compiled\":" + std::to_string(r->compiled) + ",\"functions\":" + std::to_string(r->functions);
        } else {
          f += ",\"detail\":";
          json_quote(f, r.error().to_string() + " (the app stays in the interpreter)");
        }
        log->write(f);
      });
    }
    auto slot = std::make_unique<AppSlot>();
    slot->app = std::move(app);
    slot->gate = std::make_unique<Dispatcher::Gate>(ac.limits.max_concurrent, ac.limits.max_queue, worker_share);
    const Labels l{{"app", ac.name}};
    for (unsigned c = 1; c <= 5; ++c)
      slot->by_class[c - 1] = &s.metrics.counter("skiff_requests_total", "Requests answered by an app, by status class",
                                                {{"app", ac.name}, {"code", std::to_string(c) + "xx"}});
    slot->rejected = &s.metrics.counter("skiff_rejected_total", "Requests refused with 503 at the app's limits", l);
    slot->traps = &s.metrics.counter("skiff_traps_total", "Requests whose guest trapped", l);
    slot->timeouts = &s.metrics.counter("skiff_timeouts_total", "Requests whose guest ran out of time (504)", l);
    slot->client_gone = &s.metrics.counter(
        "skiff_client_gone_total", "Queued requests dropped unrun: their client had closed its connection", l);
    slot->latency = &s.metrics.histogram("skiff_request_seconds", "Time from a request's headers to its response", l,
                                        Histogram::latency_buckets());
    slot->instantiate = &s.metrics.histogram("skiff_instantiate_seconds", "Time to instantiate a fresh sandbox", l,
                                            Histogram::latency_buckets());
    slot->active = &s.metrics.gauge("skiff_instances_active", "Sandboxes running now", l);
    slot->queued = &s.metrics.gauge("skiff_requests_queued", "Requests waiting for a sandbox", l);
    s.apps.push_back(std::move(slot));
  }
  // match_route returns pointers into the manifest: point them at the same objects.
  for (auto& slot : s.apps)
    for (const AppConfig& ac : s.manifest.apps)
      if (ac.name == slot->app->name()) s.slot_of[&ac] = slot.get();

  SKIFF_TRY_ASSIGN(tcp::endpoint ep, parse_listen(opts.listen.empty() ? s.manifest.server.listen : opts.listen));
  using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
  // With SO_REUSEPORT the bind below would also succeed on a port that another process
  // (a second skiff serve) listens on, and the two would split its connections: a plain
  // bind first says whether the port is free.
  if (ep.port() != 0) {
    net::io_context probe_ioc;
    tcp::acceptor probe(probe_ioc);
    beast::error_code ec;
    probe.open(ep.protocol(), ec);
    if (!ec) probe.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(ep, ec);
    if (ec)
      return serve_error("cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) + ": " +
                         ec.message());
  }
  for (unsigned i = 0; i < io_threads; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->sandbox.emplace(s.pool, s.watchdog);
    beast::error_code ec;
    // Every loop listens on the port the first one got (port 0: the kernel's choice).
    const tcp::endpoint at = i == 0 ? ep : s.bound;
    loop->acceptor.open(at.protocol(), ec);
    if (!ec) loop->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) loop->acceptor.set_option(reuse_port(true), ec);
    if (!ec) loop->acceptor.bind(at, ec);
    if (!ec) loop->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return serve_error("cannot listen on " + at.address().to_string() + ":" + std::to_string(at.port()) + ": " +
                         ec.message());
    if (i == 0) s.bound = loop->acceptor.local_endpoint(ec);
    s.loops.push_back(std::move(loop));
  }
  s.dispatcher.emplace(workers, s.pool, s.watchdog);
  if (opts.handle_signals) {
    // Now, before anyone is told where the server listens: a SIGTERM from then on
    // drains, even one that comes before run() (it waits in the signal set).
    s.signals.emplace(s.loops[0]->ioc, SIGTERM, SIGINT);
    s.signals->async_wait([&s](beast::error_code ec, int) {
      if (ec) return;
      s.begin_drain();
      s.wait_for_drain();
      // A second signal (an impatient operator, a second Ctrl-C): stop waiting for the
      // drain. Queued requests are dropped; guests running end by their deadlines.
      s.signals->async_wait([&s](beast::error_code ec2, int) {
        if (ec2) return;
        s.log.write("\"level\":\"warn\",\"event\":\"second signal: not waiting for the drain\"");
        if (auto check = s.drain_check.lock()) *check = nullptr;  // the check holds itself: let it go
        s.stop_loops();
      });
    });
  }
  // Deadlines are kept to within an eighth of the shortest timeout (10 ms to 250 ms).
  const uint64_t shortest = std::min(s.manifest.server.header_timeout_ns, s.manifest.server.idle_timeout_ns);
  s.sweep_period = std::chrono::nanoseconds(std::clamp<uint64_t>(shortest / 8, 10'000'000, 250'000'000));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::string Server::address() const {
  const auto& ep = m_impl->bound;
  return ep.address().is_v6() ? "[" + ep.address().to_string() + "]:" + std::to_string(ep.port())
                              : ep.address().to_string() + ":" + std::to_string(ep.port());
}

uint16_t Server::port() const { return m_impl->bound.port(); }
const Manifest& Server::manifest() const { return m_impl->manifest; }
Metrics& Server::metrics() { return m_impl->metrics; }

void Server::stop() {
  Impl* s = m_impl.get();
  net::post(s->loops[0]->ioc, [s] {
    s->begin_drain();
    s->wait_for_drain();
  });
}

void Server::run() {
  Impl& s = *m_impl;
  for (auto& l : s.loops) {
    s.accept(*l);
    s.sweep(*l);
  }
  // Once the drain has closed the acceptors, a loop whose only connection waits for a
  // worker has nothing pending and its run() would return: the worker's answer, posted
  // to it later, would never be written. The loops run until stop_loops().
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  for (auto& l : s.loops) keep_running.push_back(net::make_work_guard(l->ioc));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < s.loops.size(); ++i)
    threads.emplace_back([l = s.loops[i].get(), rt = s.realtime, pauses = s.io_pauses] {
      platform::set_thread_name("skiff-io");
      if (rt) (void)platform::enter_realtime(Impl::kIoPriority);  // checked in create()
      l->run(rt, *pauses);
    });
  {
    // Loop 0 runs on the caller's thread, which gets its own scheduling back after.
    std::optional<platform::RealtimeScope> rt;
    if (s.realtime) rt.emplace(Impl::kIoPriority);
    s.loops[0]->run(s.realtime, *s.io_pauses);
  }
  for (std::thread& t : threads) t.join();
  // The drain's posted closes may not have run before the loops stopped: nothing may
  // be accepted (and then dropped) while the process winds down.
  for (auto& l : s.loops) {
    beast::error_code ec;
    l->acceptor.close(ec);
  }
  s.log.write("\"level\":\"info\",\"event\":\"drained\"");
  s.log.flush();
}

}  // namespace skiff::host
