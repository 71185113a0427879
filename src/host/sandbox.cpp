#include "host/sandbox.h"

#include "host/wagi.h"

namespace skiff::host {

namespace http = boost::beast::http;
using namespace skiff::engine;
using Clock = std::chrono::steady_clock;

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Ok: return "ok";
    case Outcome::GuestError: return "guest_error";
    case Outcome::Trap: return "trap";
    case Outcome::Timeout: return "timeout";
    case Outcome::OutOfFuel: return "out_of_fuel";
    case Outcome::Overloaded: return "overloaded";
    case Outcome::HostError: return "host_error";
    case Outcome::Retry: return "retry";
    case Outcome::ClientGone: return "client_gone";
  }
  return "?";
}

namespace {

// A 5xx the client sees; the detail goes to the log, not to the client.
void fail(Response& resp, http::status status, std::string_view text) {
  resp.clear();
  resp.result(status);
  resp.reason({});  // not a phrase the guest set ("500 Switching Protocols")
  resp.set(http::field::content_type, "text/plain; charset=utf-8");
  resp.body().assign(text);
  resp.body().push_back('\n');
}

}  // namespace

Sandbox::Sandbox(runtime::MemoryPool& pool, runtime::Watchdog& watchdog)
    : m_resolve(platform::Beneath().mode()),
      m_pool(pool),
      m_deadline(watchdog),
      m_stdout(kMaxResponseBytes),
      m_stderr(kMaxStderrBytes) {}

HandleResult Sandbox::handle(const App& app, std::string_view route_prefix, const Request& req, const PeerInfo& peer,
                             Response& resp, std::chrono::nanoseconds inline_budget) {
  HandleResult hr;
  const AppConfig& cfg = app.config();
  const AppLimits& lim = cfg.limits;
  const bool native = app.handler() == HandlerKind::Native;
  resp.result(http::status::ok);
  resp.version(req.version());
  if (app.builtin()) {
    resp.set(http::field::content_type, "text/plain; charset=utf-8");
    resp.body().assign(App::kBuiltinHelloBody);
    return hr;
  }

  RequestContext rc;
  rc.app = &app;
  rc.request = &req;
  rc.response = &resp;
  rc.response_limit = kMaxResponseBytes;
  rc.deadline = Clock::now() + std::chrono::nanoseconds(lim.timeout_ns);

  // The guest's WASI view: the manifest's environment, for WAGI the CGI variables and
  // arguments, the body as stdin, stdout and stderr captured, the files read-only at "/".
  m_stdout.clear();
  m_stderr.clear();
  wasi::MemoryInput in({reinterpret_cast<const uint8_t*>(req.body().data()), req.body().size()});
  wasi::WasiConfig wc;
  wc.env = std::move(m_env);
  size_t vars = 0;
  for (const std::string& e : app.env()) reuse_string(wc.env, vars++).append(e);
  if (native) {
    wc.env.resize(vars);
    wc.args = {cfg.name};
  } else {
    wc.args = cgi_arguments(cfg.name, req.target());
    cgi_environment(req, peer, route_prefix, wc.env, vars);
  }
  wc.stdin_stream = &in;
  wc.stdout_stream = &m_stdout;
  wc.stderr_stream = &m_stderr;
  if (app.files_fd() >= 0) wc.borrowed_dirs.push_back({app.files_fd(), "/", true});
  wc.resolve = m_resolve;
  auto ctx = wasi::WasiCtx::create(std::move(wc));
  if (!ctx) {
    hr.outcome = Outcome::HostError;
    hr.detail = ctx.error().to_string();
    fail(resp, http::status::internal_server_error, "internal error");
    return hr;
  }
  // Declared before the store, so it runs after the store is gone, whichever way out.
  struct TakeBackEnv {
    wasi::WasiCtx& ctx;
    std::vector<std::string>& to;
    ~TakeBackEnv() { to = ctx.take_env(); }
  } take_back{**ctx, m_env};

  runtime::StoreLimits sl;
  sl.max_memory_pages = static_cast<uint32_t>(std::min<uint64_t>(lim.memory_bytes / ir::kPageSize, ir::kMaxPages32));
  // Table elements are host memory too (8 bytes each): the app's memory limit covers them.
  sl.max_store_table_elements = std::min<uint64_t>(sl.max_store_table_elements, lim.memory_bytes / sizeof(runtime::Ref));
  runtime::Store store(sl, &m_pool);
  store.set_host_slot(wasi::kWasiSlot, ctx->get());
  store.set_host_slot(kRequestSlot, &rc);
  if (lim.fuel) store.set_fuel(lim.fuel);
  const auto budget_end = Clock::now() + inline_budget;
  // A run on an io thread gets the inline budget as its deadline; past it, the run is
  // abandoned and the request runs again on a worker. That is safe because only apps
  // that cannot act outside their sandbox run there (waits_outside, abi.h).
  const bool cut_short = inline_budget.count() > 0 && budget_end < rc.deadline;
  m_deadline.arm(store, cut_short ? budget_end : rc.deadline);
  struct Disarm {  // once, before the store goes, whichever way out (a late fire is moot)
    runtime::Watchdog::Lane& lane;
    ~Disarm() { lane.disarm(); }
  } disarm{m_deadline};

  const auto t0 = Clock::now();
  auto inst = interp::instantiate(m_machine, store, app.pre());
  hr.instantiate_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  Result<void> ran = ok();
  if (!inst) {
    ran = std::move(inst).error();
  } else {
    std::optional<runtime::Extern> entry = (*inst)->find_export(native ? App::kNativeExport : "_start");
    // App::load checked the export; a missing one here is a bug, not a guest error.
    SKIFF_ASSERT(entry && entry->func, "the app's entry point was checked at load");
    // A WASI reactor (clang -mexec-model=reactor) sets up its libc in _initialize.
    if (native && app.has_initialize()) {
      std::optional<runtime::Extern> init = (*inst)->find_export("_initialize");
      ran = m_machine.call(store, *init->func, {}, {});
    }
    if (ran) ran = m_machine.call(store, *entry->func, {}, {});
  }
  // A guest stopped inside a host call gets EINTR there and may end some other way (an
  // exit, an abort) before its next check would trap: the deadline is still the cause.
  if (!ran && ran.error().code() != ErrorCode::TrapDeadline && store.stop_reason() == runtime::StopReason::Deadline &&
      !(ran.error().code() == ErrorCode::WasiExit && (*ctx)->exit_code() == 0))
    ran = Error(ErrorCode::TrapDeadline, kNoOffset, "then " + ran.error().to_string());
  if (!ran && ran.error().code() == ErrorCode::TrapDeadline && cut_short) {
    hr.outcome = Outcome::Retry;  // nothing of this run is kept: the worker starts afresh
    return hr;
  }
  hr.guest_stderr = std::move(m_stderr.data());
  m_stderr.data().clear();
  hr.outbound_error = std::move(rc.outbound_error);

  if (!ran) {
    const Error& e = ran.error();
    if (e.code() == ErrorCode::WasiExit && (*ctx)->exit_code() == 0) {
      // proc_exit(0): a normal end (what a C main returning 0 does).
    } else if (e.code() == ErrorCode::WasiExit) {
      hr.outcome = Outcome::GuestError;
      hr.detail = "exit code " + std::to_string(*(*ctx)->exit_code());
      fail(resp, http::status::internal_server_error, "internal error: the handler failed");
      return hr;
    } else {
      hr.detail = e.to_string();
      if (e.phase() == Phase::Trap) {
        std::string bt = m_machine.format_backtrace();
        if (!bt.empty()) hr.detail += "\n" + bt;
      }
      if (e.code() == ErrorCode::TrapDeadline) {
        hr.outcome = Outcome::Timeout;
        fail(resp, http::status::gateway_timeout, "gateway timeout: the handler ran out of time");
      } else if (e.code() == ErrorCode::TrapOutOfFuel) {
        hr.outcome = Outcome::OutOfFuel;
        fail(resp, http::status::internal_server_error, "internal error: the handler ran out of fuel");
      } else {
        hr.outcome = e.phase() == Phase::Trap ? Outcome::Trap : Outcome::GuestError;
        fail(resp, http::status::internal_server_error, "internal error: the handler failed");
      }
      return hr;
    }
  }
  if (!native) {
    auto parsed = parse_cgi_output(m_stdout.data(), resp);
    if (!parsed) {
      hr.outcome = Outcome::GuestError;
      hr.detail = "bad CGI response: " + std::string(parsed.error().context());
      fail(resp, http::status::internal_server_error, "internal error: the handler's response is malformed");
      return hr;
    }
  }
  // A 1xx is never a final response (RFC 9110 §15.2): the client would wait for another.
  if (resp.result_int() < 200) {
    hr.outcome = Outcome::GuestError;
    hr.detail = "status " + std::to_string(resp.result_int()) + " is not a final response";
    fail(resp, http::status::internal_server_error, "internal error: the handler's response is malformed");
  }
  return hr;
}

}  // namespace skiff::host
