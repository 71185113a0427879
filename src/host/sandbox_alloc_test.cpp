// What a WAGI request costs in allocations: Sandbox::handle with a fresh instance, the
// CGI variables, WASI stdio and the response, after warm-up requests (which fill the
// memory pool and the sandbox's reused buffers). Counted with
// support/count_allocations.h; a regression guard for the request path (docs/serve.md).
#include <boost/beast/http.hpp>

#include <gtest/gtest.h>

#include "host/sandbox.h"
#include "support/count_allocations.h"

namespace skiff::host {
namespace {

namespace http = boost::beast::http;

TEST(SandboxAllocations, AWagiRequestStaysWithinItsBudget) {
  AppConfig ac;
  ac.name = "hello";
  ac.module = std::string(SKIFF_TEST_FIXTURES) + "/wagi_hello.wasm";
  auto app = App::load(ac, nullptr);
  ASSERT_TRUE(app.ok()) << app.error().to_string();
  engine::runtime::MemoryPool pool;
  engine::runtime::Watchdog watchdog;
  Sandbox sandbox(pool, watchdog);
  Request req{http::verb::get, "/hello/there?x=1", 11};
  req.set(http::field::host, "example.test:8080");
  req.set(http::field::user_agent, "alloc-test");
  req.set(http::field::accept, "*/*");
  const PeerInfo peer{"127.0.0.1", 40000, "127.0.0.1", 8080};
  for (int i = 0; i < 3; ++i) {
    Response resp;
    HandleResult r = sandbox.handle(**app, "/hello", req, peer, resp);
    ASSERT_EQ(r.outcome, Outcome::Ok) << r.detail;
    ASSERT_EQ(resp.result_int(), 200);
    ASSERT_EQ(resp.body(), "hello\n");
  }
  Response resp;
  size_t allocations = 0;
  {
    test::AllocationCounter counter;
    HandleResult r = sandbox.handle(**app, "/hello", req, peer, resp);
    allocations = counter.count();
    EXPECT_EQ(r.outcome, Outcome::Ok) << r.detail;
  }
  EXPECT_EQ(resp.body(), "hello\n");
  // 12 now (16 when this was written; the watchdog's lanes and the descriptor table's
  // inline part took 4; counted through operator new, while the server's whole request
  // path, parser and response included, made 31 calls to malloc). The budget leaves a
  // little room, so that only a real regression fails.
  constexpr size_t kBudget = 15;
  EXPECT_LE(allocations, kBudget) << "a WAGI request allocated " << allocations << " times";
  EXPECT_GT(allocations, 0u) << "the counter sees the request's allocations";
}

}  // namespace
}  // namespace skiff::host
