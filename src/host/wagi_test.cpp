#include "host/wagi.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "host/http_syntax.h"

// Covers the CGI translation in isolation (tests/serve runs it end to end): the exact
// variables for a request through a route (SCRIPT_NAME, PATH_INFO decoded and raw,
// QUERY_STRING, headers as HTTP_* joined when repeated, none for a name with '_'),
// indexed-query arguments, and CGI output: Status with and without a reason, Location
// without Status, framing headers dropped, and every malformed form refused (a header
// longer than Beast's fields hold among them).

namespace skiff::host {
namespace {

namespace http = boost::beast::http;

std::vector<std::string> env_of(const Request& req, std::string_view route) {
  std::vector<std::string> env;
  cgi_environment(req, PeerInfo{"10.0.0.7", 40001, "127.0.0.1", 8080}, route, env, 0);
  return env;
}

bool has(const std::vector<std::string>& env, const std::string& kv) {
  return std::find(env.begin(), env.end(), kv) != env.end();
}

// Covers: a header repeated with others between (as a trailer can add it) is still one
// variable with its values in order, each name once, whatever the case of its repeats.
TEST(Wagi, RepeatsOfAHeaderJoinWhereverTheyCame) {
  Request req{http::verb::get, "/", 11};
  req.insert("X-A", "a1");
  req.insert("X-B", "b1");
  req.insert("x-a", "a2");
  req.insert("X-C", "c1");
  req.insert("X-A", "a3");
  req.insert("X-B", "b2");
  const std::vector<std::string> env = env_of(req, "/");
  EXPECT_TRUE(has(env, "HTTP_X_A=a1, a2, a3"));
  EXPECT_TRUE(has(env, "HTTP_X_B=b1, b2"));
  EXPECT_TRUE(has(env, "HTTP_X_C=c1"));
  EXPECT_EQ(std::count_if(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("HTTP_X_"); }), 3);
}

// Covers: a list reused from an earlier request (a server keeps one) holds exactly this
// request's variables after the entries before `from`: no stale string survives, however
// many there were or however long, and a repeated header's joined line leaves no scratch.
TEST(Wagi, EnvironmentRewritesAReusedListWithNothingLeftOver) {
  Request req{http::verb::get, "/p?q=1", 11};
  req.set(http::field::host, "h.test");
  req.insert("X-Twice", "a");
  req.insert("X-Twice", "b");
  const std::vector<std::string> fresh = env_of(req, "/");
  std::vector<std::string> env{"APP=1"};
  for (int i = 0; i < 40; ++i) env.push_back("STALE_" + std::to_string(i) + "=" + std::string(100, 'x'));
  cgi_environment(req, PeerInfo{"10.0.0.7", 40001, "127.0.0.1", 8080}, "/", env, 1);
  ASSERT_EQ(env.size(), fresh.size() + 1);
  EXPECT_EQ(env[0], "APP=1");
  EXPECT_TRUE(std::equal(fresh.begin(), fresh.end(), env.begin() + 1));
  EXPECT_TRUE(has(env, "HTTP_X_TWICE=a, b"));
  for (const std::string& e : env) EXPECT_EQ(e.find("STALE"), std::string::npos) << e;
  // Again into the same list, now shorter than it was: the same result.
  cgi_environment(req, PeerInfo{"10.0.0.7", 40001, "127.0.0.1", 8080}, "/", env, 1);
  ASSERT_EQ(env.size(), fresh.size() + 1);
  EXPECT_TRUE(std::equal(fresh.begin(), fresh.end(), env.begin() + 1));
}

TEST(Wagi, EnvironmentOfARequestThroughARoute) {
  Request req{http::verb::post, "/api/a%20b/c?x=1", 11};
  req.set(http::field::host, "example.test:8080");
  req.set(http::field::content_type, "text/plain");
  req.insert("X-Tag", "one");
  req.insert("X-Tag", "two");
  req.insert("X_User", "forged");
  req.body() = "hello";
  auto env = env_of(req, "/api");
  for (const char* kv : {"REQUEST_METHOD=POST", "SCRIPT_NAME=/api", "PATH_INFO=/a b/c", "X_RAW_PATH_INFO=/a%20b/c",
                         "QUERY_STRING=x=1", "CONTENT_TYPE=text/plain", "CONTENT_LENGTH=5",
                         "SERVER_NAME=example.test", "SERVER_PORT=8080", "SERVER_PROTOCOL=HTTP/1.1",
                         "REMOTE_ADDR=10.0.0.7", "REMOTE_PORT=40001", "HTTP_X_TAG=one, two",
                         "HTTP_HOST=example.test:8080", "X_MATCHED_ROUTE=/api",
                         "X_FULL_URL=http://example.test:8080/api/a%20b/c?x=1"})
    EXPECT_TRUE(has(env, kv)) << kv;
  EXPECT_FALSE(std::any_of(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("HTTP_X_USER="); }));
  EXPECT_FALSE(std::any_of(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("HTTP_CONTENT"); }));
  // The root route: SCRIPT_NAME is empty and PATH_INFO the whole path.
  env = env_of(Request{http::verb::get, "/x", 11}, "/");
  EXPECT_TRUE(has(env, "SCRIPT_NAME="));
  EXPECT_TRUE(has(env, "PATH_INFO=/x"));
}

TEST(Wagi, IndexedQueriesBecomeArguments) {
  EXPECT_EQ(cgi_arguments("app", "/p?a+b%2Bc+"), (std::vector<std::string>{"app", "a", "b+c", ""}));
  EXPECT_EQ(cgi_arguments("app", "/p?k=v+w"), std::vector<std::string>{"app"});
  EXPECT_EQ(cgi_arguments("app", "/p"), std::vector<std::string>{"app"});
}

TEST(Wagi, OutputBecomesTheResponse) {
  Response r;
  ASSERT_TRUE(parse_cgi_output("Status: 404 Gone Fishing\r\nX-A:  b \nContent-Length: 99\n\nbody\n", r).ok());
  EXPECT_EQ(r.result_int(), 404u);
  EXPECT_EQ(r.reason(), "Gone Fishing");
  EXPECT_EQ(r["X-A"], "b");
  EXPECT_EQ(r.count(http::field::content_length), 0u);
  EXPECT_EQ(r.body(), "body\n");
  Response l;
  ASSERT_TRUE(parse_cgi_output("Location: /elsewhere\n\n", l).ok());
  EXPECT_EQ(l.result_int(), 302u);
  Response d;
  ASSERT_TRUE(parse_cgi_output("Content-Type: text/plain\n\n", d).ok());
  EXPECT_EQ(d.result_int(), 200u);
}

TEST(Wagi, MalformedOutputIsRefused) {
  for (const char* bad : {"", "no header block", "Content-Type: a\nno blank line", "Bad Name: x\n\n",
                          "Status: 42\n\n", "Status: 600\n\n", "Status: 20x\n\n", "X: a\rb\n\n"}) {
    Response r;
    EXPECT_FALSE(parse_cgi_output(bad, r).ok()) << bad;
  }
  Response r;
  EXPECT_FALSE(parse_cgi_output(std::string_view("X: a\0b\n\n", 8), r).ok());
  // Longer than Beast's fields hold (it throws): refused, not thrown. The longest fits.
  const std::string longest(kMaxFieldBytes, 'v');
  for (const std::string& bad : {"X: " + longest + "v\n\n", longest + "n: v\n\n"}) {
    Response b;
    EXPECT_FALSE(parse_cgi_output(bad, b).ok());
  }
  Response fits;
  ASSERT_TRUE(parse_cgi_output("X: " + longest + "\n\n", fits).ok());
  EXPECT_EQ(fits["X"].size(), kMaxFieldBytes);
}

}  // namespace
}  // namespace skiff::host
