#pragma once
// Runs one request in a fresh instance: a Store from the shared memory pool, the app's
// InstancePre, a WasiCtx of the request's own (CGI environment, body as stdin, stdout
// captured) and the request's context in host slot kRequestSlot for the skiff ABI
// (abi.h). Nothing survives the request: the store, its memory and the WASI context are
// gone when handle() returns, and the next request on the same app starts from the
// module's initial state.
//
// A Sandbox belongs to one worker thread (it owns that thread's interpreter Machine
// and reusable buffers); App and the pool are shared.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/interp/interpreter.h"
#include "engine/runtime/memory_pool.h"
#include "engine/runtime/watchdog.h"
#include "host/app.h"
#include "host/http.h"
#include "host/outbound.h"
#include "platform/beneath.h"
#include "wasi/wasi.h"

namespace skiff::host {

// The Store host slot the skiff ABI reads its RequestContext from (WASI uses slot 0).
inline constexpr size_t kRequestSlot = 1;

// What the skiff ABI's host functions see of the request being served.
struct RequestContext {
  const App* app = nullptr;
  const Request* request = nullptr;
  Response* response = nullptr;  // native handlers build it through the ABI
  size_t body_read = 0;          // bytes of the body skiff_request_body_read has handed out
  uint64_t response_limit = 0;   // bytes of response body a guest may produce
  std::chrono::steady_clock::time_point deadline;  // outbound calls end by then
  OutboundResponse outbound;                        // the last skiff_http_request's
  std::string outbound_error;                       // why it failed, for the log
};

// Bytes of response a guest may produce (body, and for WAGI the CGI headers too).
inline constexpr uint64_t kMaxResponseBytes = 64ull << 20;
// Bytes of a guest's stderr kept for the log per request.
inline constexpr uint64_t kMaxStderrBytes = 64ull << 10;

// How a request ended, for the logs and metrics (the response says it to the client).
// Retry: an inline run passed its budget; `resp` is not an answer and the request must
// run again on a worker.
enum class Outcome : uint8_t { Ok, GuestError, Trap, Timeout, OutOfFuel, Overloaded, HostError, Retry, ClientGone };
std::string_view outcome_name(Outcome o);

struct HandleResult {
  Outcome outcome = Outcome::Ok;
  std::string detail;                    // trap message / why the response is a 5xx
  std::string guest_stderr;              // what the guest wrote to stderr (capped)
  std::string outbound_error;            // why its last failed skiff_http_request failed
  double instantiate_seconds = 0;
};

class Sandbox {
 public:
  Sandbox(engine::runtime::MemoryPool& pool, engine::runtime::Watchdog& watchdog);

  // Runs `req` in `app` (reached through the route `route_prefix`) and fills `resp`
  // (status, headers, body). Never fails: guest failures become 500 (trap, bad CGI
  // output, non-zero exit) and 504 (over time) responses, described in the result.
  // A non-zero `inline_budget` bounds the run to that long, returning Outcome::Retry if
  // it takes longer (for an app that does not wait outside its sandbox).
  HandleResult handle(const App& app, std::string_view route_prefix, const Request& req, const PeerInfo& peer,
                      Response& resp, std::chrono::nanoseconds inline_budget = {});

 private:
  platform::Beneath::Mode m_resolve;  // probed once, not per request
  engine::runtime::MemoryPool& m_pool;
  engine::runtime::Watchdog::Lane m_deadline;  // this sandbox runs one request at a time
  engine::interp::Machine m_machine;
  wasi::MemoryOutput m_stdout;
  wasi::MemoryOutput m_stderr;
  // The guests' environment strings, handed to each request's WASI context and taken
  // back after it, so that writing the next request's variables allocates nothing.
  std::vector<std::string> m_env;
};

}  // namespace skiff::host
