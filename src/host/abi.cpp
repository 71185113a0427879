#include "host/abi.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/runtime/host.h"
#include "engine/runtime/memory.h"
#include "host/http_syntax.h"
#include "host/kv_store.h"
#include "host/outbound.h"
#include "host/sandbox.h"

namespace skiff::host {

namespace {

using engine::ir::FuncType;
using engine::ir::ValType;
using engine::runtime::Caller;

// Result codes of sdk/c/skiff.h.
constexpr int32_t kNotFound = -1, kTooLarge = -2, kDenied = -3, kHostFailed = -4, kInvalid = -5;

// The calling request's view: its context and memory 0. A pointer argument outside the
// memory traps (the guest handed us garbage; there is no errno channel to report it).
struct Call {
  RequestContext* ctx = nullptr;
  uint8_t* base = nullptr;
  uint64_t size = 0;
  const char* fn = "";

  Result<std::string_view> in(uint64_t ptr, uint64_t len) const {
    if (ptr + len > size) return oob();
    return std::string_view(reinterpret_cast<const char*>(base + ptr), len);
  }
  Result<uint8_t*> out(uint64_t ptr, uint64_t len) const {
    if (ptr + len > size) return oob();
    return base + ptr;
  }
  // Copies min(len, cap) of `data` to [ptr, ptr + cap) and returns the full length (the
  // "call again with a larger buffer" convention), capped to int32.
  Result<int32_t> give(std::string_view data, uint64_t ptr, uint64_t cap) const {
    SKIFF_TRY_ASSIGN(uint8_t * dst, out(ptr, cap));
    std::memcpy(dst, data.data(), std::min<uint64_t>(data.size(), cap));
    return static_cast<int32_t>(std::min<uint64_t>(data.size(), INT32_MAX));
  }
  Error oob() const {
    return Error(ErrorCode::TrapOutOfBoundsMemory, kNoOffset, std::string("argument of skiff ") + fn + " outside memory");
  }
};

Result<Call> begin(Caller& caller, const char* fn) {
  Call c;
  c.fn = fn;
  c.ctx = static_cast<RequestContext*>(caller.store ? caller.store->host_slot(kRequestSlot) : nullptr);
  if (!c.ctx) return Error(ErrorCode::TrapHost, kNoOffset, std::string("skiff ") + fn + " called outside a request");
  if (engine::runtime::Memory* m = caller.memory(0)) {
    c.base = m->data();
    c.size = m->size_bytes();
  }
  return c;
}

uint64_t u32(uint64_t slot) { return static_cast<uint32_t>(slot); }

// The response calls are a native handler's: a WAGI handler's response is its stdout,
// and a header set here would have joined it while a status or body were lost.
bool wagi(const Call& c) { return c.ctx->app->handler() != HandlerKind::Native; }
void ret(uint64_t* slots, int32_t v) { slots[0] = static_cast<uint32_t>(v); }

// --- request ----------------------------------------------------------------------------

Result<void> request_method(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "request_method"));
  std::string_view m = c.ctx->request->method_string();
  SKIFF_TRY_ASSIGN(int32_t n, c.give(m, u32(s[0]), u32(s[1])));
  ret(s, n);
  return ok();
}

Result<void> request_uri(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "request_uri"));
  std::string_view t = c.ctx->request->target();
  SKIFF_TRY_ASSIGN(int32_t n, c.give(t, u32(s[0]), u32(s[1])));
  ret(s, n);
  return ok();
}

Result<void> request_header(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "request_header"));
  SKIFF_TRY_ASSIGN(std::string_view name, c.in(u32(s[0]), u32(s[1])));
  std::string joined;
  bool found = false;
  for (const auto& f : *c.ctx->request) {
    std::string_view fname = f.name_string();
    if (!iequals(fname, name)) continue;
    if (found) joined += ", ";
    joined += f.value();
    found = true;
  }
  if (!found) {
    SKIFF_TRY(c.out(u32(s[2]), u32(s[3])));
    ret(s, kNotFound);
    return ok();
  }
  SKIFF_TRY_ASSIGN(int32_t n, c.give(joined, u32(s[2]), u32(s[3])));
  ret(s, n);
  return ok();
}

Result<void> request_body_read(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "request_body_read"));
  const std::string& body = c.ctx->request->body();
  SKIFF_TRY_ASSIGN(uint8_t * dst, c.out(u32(s[0]), u32(s[1])));
  const size_t n = std::min<size_t>(u32(s[1]), body.size() - c.ctx->body_read);
  std::memcpy(dst, body.data() + c.ctx->body_read, n);
  c.ctx->body_read += n;
  ret(s, static_cast<int32_t>(n));
  return ok();
}

// --- response ---------------------------------------------------------------------------

Result<void> response_status(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "response_status"));
  if (wagi(c)) return ret(s, kDenied), ok();
  const uint64_t status = u32(s[0]);
  // A 1xx is never a final response (RFC 9110 §15.2): refused here, where the guest can
  // see it, rather than turned into a 500 after the handler returns.
  if (status < 200 || status > 599) {
    ret(s, kInvalid);
    return ok();
  }
  c.ctx->response->result(static_cast<unsigned>(status));
  ret(s, 0);
  return ok();
}

Result<void> response_header(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "response_header"));
  SKIFF_TRY_ASSIGN(std::string_view name, c.in(u32(s[0]), u32(s[1])));
  SKIFF_TRY_ASSIGN(std::string_view value, c.in(u32(s[2]), u32(s[3])));
  if (wagi(c)) return ret(s, kDenied), ok();
  if (!is_token(name) || !is_field_value(value)) {
    ret(s, kInvalid);
    return ok();
  }
  if (!fits_field(name, value)) {
    ret(s, kTooLarge);
    return ok();
  }
  // Framing is the server's (as for WAGI): Content-Length and Connection would be
  // replaced anyway, but a Transfer-Encoding other than a last "chunked" would reach the
  // client beside the server's Content-Length.
  if (is_framing_field(name)) {
    ret(s, 0);
    return ok();
  }
  // Headers count against the response limit as the body does ("Name: value\r\n" each):
  // otherwise a guest could pile up any amount of them in the host's memory.
  const uint64_t size = name.size() + value.size() + 4;
  const uint64_t room =
      c.ctx->response_limit - std::min<uint64_t>(c.ctx->response->body().size(), c.ctx->response_limit);
  if (size > room) {
    ret(s, kTooLarge);
    return ok();
  }
  c.ctx->response_limit -= size;
  c.ctx->response->insert(name, value);
  ret(s, 0);
  return ok();
}

Result<void> response_write(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "response_write"));
  SKIFF_TRY_ASSIGN(std::string_view data, c.in(u32(s[0]), u32(s[1])));
  if (wagi(c)) return ret(s, kDenied), ok();
  std::string& body = c.ctx->response->body();
  if (data.size() > c.ctx->response_limit - std::min<uint64_t>(body.size(), c.ctx->response_limit)) {
    ret(s, kTooLarge);
    return ok();
  }
  body.append(data);
  ret(s, 0);
  return ok();
}

// --- config -----------------------------------------------------------------------------

Result<void> config_get(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "config_get"));
  SKIFF_TRY_ASSIGN(std::string_view key, c.in(u32(s[0]), u32(s[1])));
  SKIFF_TRY(c.out(u32(s[2]), u32(s[3])));
  const auto& config = c.ctx->app->config().config;
  auto it = config.find(key);
  if (it == config.end()) {
    ret(s, kNotFound);
    return ok();
  }
  SKIFF_TRY_ASSIGN(int32_t n, c.give(it->second, u32(s[2]), u32(s[3])));
  ret(s, n);
  return ok();
}

// --- key-value --------------------------------------------------------------------------

// The app's store and namespace, or kDenied in `code`.
KvStore* kv_of(const Call& c, int32_t& code) {
  KvStore* kv = c.ctx->app->config().kv ? c.ctx->app->kv() : nullptr;
  code = kv ? 0 : kDenied;
  return kv;
}

// When a host call that waits (a KV call on SQLite's locks, outbound HTTP) must return: a
// little before the request does (a tenth of its timeout, at most 100 ms), so that the
// guest gets SKIFF_EHOST with time left to answer its own client, instead of being
// stopped by the deadline as the call returns.
std::chrono::steady_clock::time_point wait_deadline(const RequestContext& rc) {
  const auto timeout = std::chrono::nanoseconds(rc.app->config().limits.timeout_ns);
  return rc.deadline - std::min<std::chrono::nanoseconds>(timeout / 10, std::chrono::milliseconds(100));
}

int32_t kv_failure(const Error& e) { return e.code() == ErrorCode::KvLimit ? kTooLarge : kHostFailed; }

Result<void> kv_get(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "kv_get"));
  SKIFF_TRY_ASSIGN(std::string_view key, c.in(u32(s[0]), u32(s[1])));
  SKIFF_TRY(c.out(u32(s[2]), u32(s[3])));
  int32_t code;
  KvStore* kv = kv_of(c, code);
  if (!kv) return ret(s, code), ok();
  auto v = kv->get(c.ctx->app->name(), key, wait_deadline(*c.ctx));
  if (!v) return ret(s, kv_failure(v.error())), ok();
  if (!*v) return ret(s, kNotFound), ok();
  SKIFF_TRY_ASSIGN(int32_t n, c.give(**v, u32(s[2]), u32(s[3])));
  ret(s, n);
  return ok();
}

Result<void> kv_set(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "kv_set"));
  SKIFF_TRY_ASSIGN(std::string_view key, c.in(u32(s[0]), u32(s[1])));
  SKIFF_TRY_ASSIGN(std::string_view value, c.in(u32(s[2]), u32(s[3])));
  int32_t code;
  KvStore* kv = kv_of(c, code);
  if (!kv) return ret(s, code), ok();
  auto r = kv->set(c.ctx->app->name(), key, value, wait_deadline(*c.ctx));
  ret(s, r ? 0 : kv_failure(r.error()));
  return ok();
}

Result<void> kv_delete(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "kv_delete"));
  SKIFF_TRY_ASSIGN(std::string_view key, c.in(u32(s[0]), u32(s[1])));
  int32_t code;
  KvStore* kv = kv_of(c, code);
  if (!kv) return ret(s, code), ok();
  auto r = kv->remove(c.ctx->app->name(), key, wait_deadline(*c.ctx));
  ret(s, r ? (*r ? 1 : 0) : kv_failure(r.error()));
  return ok();
}

Result<void> kv_list(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "kv_list"));
  SKIFF_TRY_ASSIGN(std::string_view prefix, c.in(u32(s[0]), u32(s[1])));
  SKIFF_TRY(c.out(u32(s[2]), u32(s[3])));
  int32_t code;
  KvStore* kv = kv_of(c, code);
  if (!kv) return ret(s, code), ok();
  auto keys = kv->list(c.ctx->app->name(), prefix, 0, wait_deadline(*c.ctx));
  if (!keys) return ret(s, kv_failure(keys.error())), ok();
  std::string packed;
  for (const std::string& k : *keys) packed.append(k).push_back('\0');
  SKIFF_TRY_ASSIGN(int32_t n, c.give(packed, u32(s[2]), u32(s[3])));
  ret(s, n);
  return ok();
}

// --- outbound HTTP ----------------------------------------------------------------------

Result<void> http_request(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "http_request"));
  OutboundRequest req;
  SKIFF_TRY_ASSIGN(req.method, c.in(u32(s[0]), u32(s[1])));
  SKIFF_TRY_ASSIGN(req.url, c.in(u32(s[2]), u32(s[3])));
  SKIFF_TRY_ASSIGN(req.headers, c.in(u32(s[4]), u32(s[5])));
  SKIFF_TRY_ASSIGN(req.body, c.in(u32(s[6]), u32(s[7])));
  std::string why;
  c.ctx->outbound = {};
  const OutboundError e = http_send(req, c.ctx->app->config().allowed_hosts, c.ctx->app->resolver(), wait_deadline(*c.ctx),
                                    c.ctx->app->config().limits.max_body_bytes, c.ctx->outbound, why);
  switch (e) {
    case OutboundError::None: ret(s, static_cast<int32_t>(c.ctx->outbound.status)); break;
    case OutboundError::Denied: ret(s, kDenied); break;
    case OutboundError::Invalid: ret(s, kInvalid); break;
    case OutboundError::Failed: ret(s, kHostFailed); break;
  }
  if (e != OutboundError::None) c.ctx->outbound_error = why;
  return ok();
}

Result<void> http_response_body(void*, Caller& caller, uint64_t* s) {
  SKIFF_TRY_ASSIGN(Call c, begin(caller, "http_response_body"));
  SKIFF_TRY_ASSIGN(int32_t n, c.give(c.ctx->outbound.body, u32(s[0]), u32(s[1])));
  ret(s, n);
  return ok();
}

}  // namespace

void define_abi(engine::runtime::Store& store, engine::runtime::Linker& linker) {
  struct Def {
    const char* name;
    unsigned params;
    engine::runtime::HostCallback fn;
  };
  // Every parameter and result is an i32.
  const Def defs[] = {
      {"request_method", 2, request_method},   {"request_uri", 2, request_uri},
      {"request_header", 4, request_header},   {"request_body_read", 2, request_body_read},
      {"response_status", 1, response_status}, {"response_header", 4, response_header},
      {"response_write", 2, response_write},   {"config_get", 4, config_get},
      {"kv_get", 4, kv_get},                   {"kv_set", 4, kv_set},
      {"kv_delete", 2, kv_delete},             {"kv_list", 4, kv_list},
      {"http_request", 8, http_request},       {"http_response_body", 2, http_response_body},
  };
  for (const Def& d : defs) {
    engine::runtime::Extern x;
    x.kind = engine::ir::ExternKind::Func;
    x.func = store.add_host_func(FuncType{std::vector<ValType>(d.params, ValType::I32), {ValType::I32}},
                                 engine::runtime::HostFunc{d.fn, nullptr});
    linker.define("skiff", d.name, x);
  }
}

bool waits_outside(const engine::ir::Module& m, const AppConfig& app) {
  return std::any_of(m.imports.begin(), m.imports.end(), [&](const engine::ir::Import& i) {
    if (i.module != "skiff" || i.kind != engine::ir::ExternKind::Func) return false;
    if (app.kv && i.name.starts_with("kv_")) return true;
    return !app.allowed_hosts.empty() && i.name == "http_request";
  });
}

}  // namespace skiff::host
