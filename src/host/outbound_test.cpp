// Covers: Resolver -- a numeric host needs no lookup; a lookup still running at the
// request's deadline is left behind (the request fails "timed out" while it runs on);
// at most max_running lookups at once, the next one failing at once; the count comes
// back down as abandoned lookups finish; lookup errors and results reach the caller.
// The lookups here stand in for getaddrinfo and block until the test releases them,
// so no assertion depends on how fast the machine is.

#include "host/outbound.h"

#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace skiff::host {
namespace {

using Clock = std::chrono::steady_clock;

// A lookup that waits until the test opens the gate, then answers 10.0.0.1.
// Static, since a lookup's thread outlives the resolve() that gave up on it.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = false;
  int calls = 0;
  int active = 0;  // lookups inside gated_lookup
};
Gate g_gate;

int gated_lookup(const std::string&, const std::string& port, std::vector<Resolver::Address>& out) {
  {
    std::unique_lock lock(g_gate.mutex);
    ++g_gate.calls;
    ++g_gate.active;
    g_gate.cv.wait(lock, [] { return g_gate.open; });
    --g_gate.active;
  }
  g_gate.cv.notify_all();
  Resolver::Address a{};
  auto* sin = reinterpret_cast<sockaddr_in*>(&a.addr);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
  sin->sin_addr.s_addr = htonl(0x0a000001);
  a.len = sizeof(sockaddr_in);
  out.push_back(a);
  return 0;
}

int failing_lookup(const std::string&, const std::string&, std::vector<Resolver::Address>&) { return EAI_NONAME; }

int unexpected_lookup(const std::string&, const std::string&, std::vector<Resolver::Address>&) {
  ADD_FAILURE() << "a numeric address was looked up";
  return EAI_FAIL;
}

class ResolverTest : public testing::Test {
 protected:
  void SetUp() override {
    std::lock_guard lock(gate.mutex);
    gate.open = false;
    gate.calls = 0;
  }
  void TearDown() override {
    release();
    std::unique_lock lock(gate.mutex);
    gate.cv.wait(lock, [&] { return gate.active == 0; });
  }
  void release() {
    {
      std::lock_guard lock(gate.mutex);
      gate.open = true;
    }
    gate.cv.notify_all();
  }
  // Waits (bounded) for the resolver's running lookups to come down to `n`.
  static bool settles_at(const Resolver& r, unsigned n) {
    for (int i = 0; i < 1000 && r.running() != n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return r.running() == n;
  }
  Gate& gate = g_gate;
};

TEST_F(ResolverTest, NumericAddressesNeedNoLookup) {
  Resolver r(4, &unexpected_lookup);
  std::vector<Resolver::Address> out;
  std::string why;
  ASSERT_TRUE(r.resolve("127.0.0.1", 8080, Clock::now() + std::chrono::seconds(5), out, why)) << why;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].addr.ss_family, AF_INET);
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(&out[0].addr)->sin_port), 8080);
  ASSERT_TRUE(r.resolve("::1", 80, Clock::now() + std::chrono::seconds(5), out, why)) << why;
  EXPECT_EQ(out[0].addr.ss_family, AF_INET6);
  EXPECT_EQ(r.running(), 0u);
}

TEST_F(ResolverTest, ALookupPastTheDeadlineIsLeftBehind) {
  Resolver r(4, &gated_lookup);
  std::vector<Resolver::Address> out;
  std::string why;
  EXPECT_FALSE(r.resolve("slow.example", 80, Clock::now() + std::chrono::milliseconds(50), out, why));
  EXPECT_EQ(why, "cannot resolve slow.example: timed out");
  EXPECT_EQ(r.running(), 1u);  // still blocked in the lookup: the request did not wait for it
  release();
  EXPECT_TRUE(settles_at(r, 0));
  // Once lookups answer, the same name resolves.
  ASSERT_TRUE(r.resolve("slow.example", 81, Clock::now() + std::chrono::seconds(30), out, why)) << why;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(&out[0].addr)->sin_port), 81);
}

TEST_F(ResolverTest, AtMostMaxRunningLookupsThenFailAtOnce) {
  Resolver r(2, &gated_lookup);
  std::vector<Resolver::Address> out;
  std::string why;
  for (int i = 0; i < 2; ++i)
    EXPECT_FALSE(r.resolve("hung.example", 80, Clock::now() + std::chrono::milliseconds(20), out, why));
  EXPECT_EQ(r.running(), 2u);
  // The third fails without starting a thread, even with all the time in the world.
  EXPECT_FALSE(r.resolve("hung.example", 80, Clock::now() + std::chrono::hours(1), out, why));
  EXPECT_EQ(why, "cannot resolve hung.example: 2 lookups of this app are still running");
  EXPECT_EQ(r.running(), 2u);
  {
    std::lock_guard lock(gate.mutex);
    EXPECT_EQ(gate.calls, 2);
  }
  // Another app's resolver has a budget of its own.
  Resolver other(2, &gated_lookup);
  EXPECT_FALSE(other.resolve("hung.example", 80, Clock::now() + std::chrono::milliseconds(20), out, why));
  EXPECT_EQ(why, "cannot resolve hung.example: timed out");
  release();
  EXPECT_TRUE(settles_at(r, 0));
  EXPECT_TRUE(settles_at(other, 0));
  EXPECT_TRUE(r.resolve("hung.example", 80, Clock::now() + std::chrono::seconds(30), out, why)) << why;
}

TEST_F(ResolverTest, LookupErrorsAreReported) {
  Resolver r(4, &failing_lookup);
  std::vector<Resolver::Address> out;
  std::string why;
  EXPECT_FALSE(r.resolve("no.such.name", 80, Clock::now() + std::chrono::seconds(30), out, why));
  EXPECT_EQ(why, std::string("cannot resolve no.such.name: ") + gai_strerror(EAI_NONAME));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(settles_at(r, 0));
}

TEST_F(ResolverTest, TheSystemResolverFindsLocalhost) {
  Resolver r;
  std::vector<Resolver::Address> out;
  std::string why;
  ASSERT_TRUE(r.resolve("localhost", 80, Clock::now() + std::chrono::seconds(30), out, why)) << why;
  EXPECT_FALSE(out.empty());
}

}  // namespace
}  // namespace skiff::host
