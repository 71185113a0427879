#pragma once
// `skiff serve`: HTTP/1.1 on Boost.Asio + Boost.Beast in front of the apps of a
// manifest. Wiring only (STYLE.md §8): connections and HTTP framing here; routing in
// manifest.h, admission and workers in dispatcher.h, the per-request sandbox in
// sandbox.h, logs in log.h, metrics in metrics.h.
//
// Per connection: keep-alive; the first byte of a request within idle_timeout (for a
// new connection header_timeout), its headers within header_timeout of that (slowloris),
// headers at most max_header_bytes (431), a body at most the app's max_body (413, also
// read within header_timeout), malformed requests 400. Host endpoints: GET /healthz and
// GET /metrics (Prometheus). SIGTERM/SIGINT or stop(): the listener closes, idle
// connections close, requests in flight finish (their responses say Connection: close)
// and run() returns once they have or drain_timeout has passed.

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "host/manifest.h"

namespace skiff::host {

class Metrics;

struct ServeOptions {
  std::string listen;        // "" = the manifest's
  unsigned threads = 0;      // io threads; 0 = the manifest's, then one per core
  unsigned workers = 0;      // sandbox threads; the same
  // The io threads in real time (SCHED_FIFO; the manifest's server.realtime too):
  // docs/serve.md. create() fails if the kernel refuses it.
  bool realtime = false;
  bool access_log = true;    // one line per request (errors and guest stderr always)
  int log_fd = 2;            // borrowed
  // SIGTERM/SIGINT start the drain; handled from create() on, so a signal that comes
  // before run() (just after the address is printed) still drains.
  bool handle_signals = false;
};

class Server {
 public:
  // Loads every app (compile, link, prepare), opens the key-value store if an app uses
  // one, and binds the listener. Errors: ServeError or ManifestInvalid naming the cause.
  static Result<std::unique_ptr<Server>> create(Manifest manifest, const ServeOptions& opts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Where it listens, port resolved ("127.0.0.1:41234").
  std::string address() const;
  uint16_t port() const;
  const Manifest& manifest() const;
  Metrics& metrics();

  // Serves until stop() or (with handle_signals) SIGTERM/SIGINT, then drains; returns
  // when every connection has closed or the drain timeout passed.
  void run();
  // Starts the drain. Safe from any thread, before or during run().
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace skiff::host
