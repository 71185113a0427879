#include "host/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <latch>
#include <limits>
#include <string>
#include <thread>
#include <vector>

// Covers: exact text for counters with and without labels, gauges with negative values
// (down to INT64_MIN), histograms with labels (cumulative buckets, observations on the
// bounds, shortest doubles in le and _sum) and without (empty, and a scientific-notation
// sum); families and series in creation order; `le` meaning less-or-equal, including
// -Inf, +Inf and NaN observations; escaping of help (\ and newline) and label values
// (\, ", newline) and U+FFFD for bytes that are not UTF-8; one object per name + label
// set whatever the label order, first help text kept, references stable while more
// series are added; latency_buckets(); 4 threads x 100000 updates (and series created)
// while another thread renders, with consistent snapshots and exact totals; and, with
// asserts on, the SKIFF_ASSERTs for bad names, label names, type reuse, le, bounds and
// names clashing with histogram lines.

namespace skiff::host {
namespace {

// The value on the line of `series` (name plus its {labels}), or "" when there is none.
std::string value_of(const std::string& text, const std::string& series) {
  std::string key = "\n" + series + " ";
  size_t at = text.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  return text.substr(at, text.find('\n', at) - at);
}

TEST(Metrics, RendersFamiliesAndSeriesInCreationOrder) {
  Metrics m;
  m.counter("skiff_started_total", "Times started").inc(3);
  Counter& zeta = m.counter("skiff_requests_total", "Requests served",
                            {{"app", "zeta"}, {"code", "2xx"}});
  m.counter("skiff_requests_total", "Requests served", {{"app", "alpha"}, {"code", "5xx"}}).inc();
  zeta.inc();
  zeta.inc(41);
  Gauge& drift = m.gauge("skiff_drift", "Signed drift");
  drift.set(7);
  drift.add(-10);
  m.gauge("skiff_drift", "Signed drift", {{"kind", "min"}})
      .set(std::numeric_limits<int64_t>::min());
  Histogram& latency =
      m.histogram("skiff_request_seconds", "Request latency", {{"app", "hello"}}, {0.1, 0.5, 1});
  for (double v : {0.1, 0.0625, 0.5, 1.0, 2.5}) latency.observe(v);  // three on a bound
  Histogram& start = m.histogram("skiff_start_seconds", "Start latency", {}, {0.00005, 0.25});
  EXPECT_EQ(m.render(), R"(# HELP skiff_started_total Times started
# TYPE skiff_started_total counter
skiff_started_total 3
# HELP skiff_requests_total Requests served
# TYPE skiff_requests_total counter
skiff_requests_total{app="zeta",code="2xx"} 42
skiff_requests_total{app="alpha",code="5xx"} 1
# HELP skiff_drift Signed drift
# TYPE skiff_drift gauge
skiff_drift -3
skiff_drift{kind="min"} -9223372036854775808
# HELP skiff_request_seconds Request latency
# TYPE skiff_request_seconds histogram
skiff_request_seconds_bucket{app="hello",le="0.1"} 2
skiff_request_seconds_bucket{app="hello",le="0.5"} 3
skiff_request_seconds_bucket{app="hello",le="1"} 4
skiff_request_seconds_bucket{app="hello",le="+Inf"} 5
skiff_request_seconds_sum{app="hello"} 4.1625
skiff_request_seconds_count{app="hello"} 5
# HELP skiff_start_seconds Start latency
# TYPE skiff_start_seconds histogram
skiff_start_seconds_bucket{le="5e-05"} 0
skiff_start_seconds_bucket{le="0.25"} 0
skiff_start_seconds_bucket{le="+Inf"} 0
skiff_start_seconds_sum 0
skiff_start_seconds_count 0
)");

  start.observe(0.00005);
  std::string text = m.render();
  EXPECT_EQ(value_of(text, R"(skiff_start_seconds_bucket{le="5e-05"})"), "1");
  EXPECT_EQ(value_of(text, "skiff_start_seconds_sum"), "5e-05");
  EXPECT_EQ(value_of(text, "skiff_start_seconds_count"), "1");
}

TEST(Metrics, HistogramBucketsAreLessOrEqual) {
  Histogram h({1, 2, 4});
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {-inf, -1.0, 1.0}) h.observe(v);                   // bucket 0: le 1
  for (double v : {std::nextafter(1.0, 2.0), 2.0}) h.observe(v);     // bucket 1: le 2
  h.observe(4);                                                      // bucket 2: le 4
  for (double v : {4.5, inf, std::nan("")}) h.observe(v);            // bucket 3: +Inf
  EXPECT_EQ(h.bucket(0), 3u);
  EXPECT_EQ(h.bucket(1), 2u);
  EXPECT_EQ(h.bucket(2), 1u);
  EXPECT_EQ(h.bucket(3), 3u);
  EXPECT_EQ(h.count(), 9u);
  EXPECT_TRUE(std::isnan(h.sum()));

  Metrics m;
  m.histogram("skiff_odd_seconds", "Odd values", {}, {1}).observe(inf);
  m.histogram("skiff_nan_seconds", "NaN values", {}, {1}).observe(std::nan(""));
  std::string text = m.render();
  EXPECT_EQ(value_of(text, "skiff_odd_seconds_sum"), "+Inf");
  EXPECT_EQ(value_of(text, "skiff_nan_seconds_sum"), "NaN");
  EXPECT_EQ(value_of(text, R"(skiff_nan_seconds_bucket{le="1"})"), "0");
  EXPECT_EQ(value_of(text, R"(skiff_nan_seconds_bucket{le="+Inf"})"), "1");
}

TEST(Metrics, EscapesHelpAndLabelValues) {
  const std::string bad = "\xEF\xBF\xBD";  // U+FFFD
  Metrics m;
  m.counter("skiff_apps_total", "Back\\slash,\nnewline and \"quotes\"", {{"app", "a\\b\"c\nd"}})
      .inc();
  m.counter("skiff_apps_total", "", {{"app", "caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x90\x9F"}}).inc();
  // A stray byte, a lead byte followed by ASCII, a surrogate, a truncated sequence.
  m.counter("skiff_apps_total", "", {{"app", "x\xFF\xC3(\xED\xA0\x80\xE6\x97"}}).inc();
  EXPECT_EQ(m.render(),
            "# HELP skiff_apps_total Back\\\\slash,\\nnewline and \"quotes\"\n"
            "# TYPE skiff_apps_total counter\n"
            "skiff_apps_total{app=\"a\\\\b\\\"c\\nd\"} 1\n"
            "skiff_apps_total{app=\"caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x90\x9F\"} 1\n"
            "skiff_apps_total{app=\"x" + bad + bad + "(" + bad + bad + bad + bad + bad + "\"} 1\n");
}

TEST(Metrics, SameNameAndLabelsIsTheSameObject) {
  Metrics m;
  Counter& c = m.counter("skiff_hits_total", "Hits", {{"app", "a"}, {"code", "2xx"}});
  EXPECT_EQ(&c, &m.counter("skiff_hits_total", "Other help", {{"code", "2xx"}, {"app", "a"}}));
  EXPECT_NE(&c, &m.counter("skiff_hits_total", "Hits", {{"app", "a"}}));
  EXPECT_NE(&c, &m.counter("skiff_hits_total", "Hits", {{"app", "a"}, {"code", "5xx"}}));
  EXPECT_EQ(&m.gauge("skiff_idle", "Idle"), &m.gauge("skiff_idle", "Idle"));
  Histogram& h = m.histogram("skiff_wait_seconds", "Wait", {{"app", "a"}}, {1, 2});
  EXPECT_EQ(&h, &m.histogram("skiff_wait_seconds", "Wait", {{"app", "a"}}, {1, 2}));

  // References survive many more series being added.
  for (int i = 0; i < 1000; ++i)
    m.counter("skiff_hits_total", "Hits", {{"app", std::to_string(i)}});
  c.inc(5);
  EXPECT_EQ(&c, &m.counter("skiff_hits_total", "Hits", {{"app", "a"}, {"code", "2xx"}}));
  std::string text = m.render();
  EXPECT_NE(text.find("# HELP skiff_hits_total Hits\n"), std::string::npos);
  EXPECT_EQ(text.find("Other help"), std::string::npos);
  EXPECT_EQ(value_of(text, R"(skiff_hits_total{app="a",code="2xx"})"), "5");
  EXPECT_EQ(value_of(text, R"(skiff_hits_total{code="2xx",app="a"})"), "");
}

TEST(Metrics, LatencyBucketsSpan50usTo10sAboutX2Point5Apart) {
  std::vector<double> b = Histogram::latency_buckets();
  ASSERT_EQ(b.size(), 17u);
  EXPECT_EQ(b.front(), 0.00005);
  EXPECT_EQ(b.back(), 10.0);
  for (size_t i = 1; i < b.size(); ++i) {
    EXPECT_GE(b[i] / b[i - 1], 2.0 - 1e-9) << i;
    EXPECT_LE(b[i] / b[i - 1], 2.5 + 1e-9) << i;
  }
}

TEST(Metrics, ConcurrentUpdatesWhileRenderingAreExact) {
  constexpr int kThreads = 4;
  constexpr int kIterations = 100000;
  Metrics m;
  Counter& ops = m.counter("skiff_ops_total", "Operations");
  Gauge& balance = m.gauge("skiff_balance", "Balance");
  Histogram& h = m.histogram("skiff_op_seconds", "Operation time", {}, {0.25, 0.5, 1});

  std::atomic<bool> done{false};
  std::latch start(kThreads);  // all workers contend from their first update
  int renders = 0;
  std::thread renderer([&] {
    uint64_t last_ops = 0;
    do {
      std::string text = m.render();
      ++renders;
      uint64_t now = std::stoull(value_of(text, "skiff_ops_total"));
      EXPECT_GE(now, last_ops);
      last_ops = now;
      EXPECT_EQ(value_of(text, R"(skiff_op_seconds_bucket{le="+Inf"})"),
                value_of(text, "skiff_op_seconds_count"));
    } while (!done.load());
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      // Created while the renderer walks the families.
      Counter& mine =
          m.counter("skiff_worker_ops_total", "Per worker", {{"worker", std::to_string(t)}});
      const double values[] = {0.25, 0.5, 1, 2};  // one per bucket, sums stay exact
      start.arrive_and_wait();
      for (int i = 0; i < kIterations; ++i) {
        ops.inc();
        mine.inc();
        balance.add(t % 2 == 0 ? 3 : -1);
        h.observe(values[i % 4]);
      }
    });
  }
  for (std::thread& w : workers) w.join();
  done.store(true);
  renderer.join();
  EXPECT_GE(renders, 1);

  std::string text = m.render();
  EXPECT_EQ(value_of(text, "skiff_ops_total"), "400000");
  EXPECT_EQ(value_of(text, "skiff_balance"), "400000");  // 2 x 300000 - 2 x 100000
  EXPECT_EQ(value_of(text, R"(skiff_op_seconds_bucket{le="0.25"})"), "100000");
  EXPECT_EQ(value_of(text, R"(skiff_op_seconds_bucket{le="0.5"})"), "200000");
  EXPECT_EQ(value_of(text, R"(skiff_op_seconds_bucket{le="1"})"), "300000");
  EXPECT_EQ(value_of(text, R"(skiff_op_seconds_bucket{le="+Inf"})"), "400000");
  EXPECT_EQ(value_of(text, "skiff_op_seconds_sum"), "375000");
  EXPECT_EQ(value_of(text, "skiff_op_seconds_count"), "400000");
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(value_of(text, "skiff_worker_ops_total{worker=\"" + std::to_string(t) + "\"}"),
              "100000");
  }
  EXPECT_EQ(h.count(), 400000u);
}

#ifdef SKIFF_ENABLE_ASSERTS
TEST(MetricsDeathTest, BugsInNamesTypesAndBoundsAssert) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Metrics m;
  m.counter("skiff_ok_total", "Ok");
  m.histogram("skiff_lat_seconds", "Latency", {}, {1});
  m.gauge("skiff_queue_sum", "Queued");
  EXPECT_DEATH(m.gauge("skiff_ok_total", "Ok"), "reused with another type");
  EXPECT_DEATH(m.counter("1skiff", "Bad"), "metric names");
  EXPECT_DEATH(m.counter("skiff-x", "Bad"), "metric names");
  EXPECT_DEATH(m.counter("skiff_x", "Bad", {{"bad-label", "v"}}), "label names");
  EXPECT_DEATH(m.counter("skiff_x", "Bad", {{"__name__", "v"}}), "label names");
  EXPECT_DEATH(m.counter("skiff_x", "Bad", {{"a", "1"}, {"a", "2"}}), "appears twice");
  EXPECT_DEATH(m.histogram("skiff_y", "Bad", {{"le", "1"}}, {1}), "le is the bucket label");
  EXPECT_DEATH(m.histogram("skiff_lat_seconds", "Latency", {}, {2}), "other bounds");
  EXPECT_DEATH(m.counter("skiff_lat_seconds_count", "Clash"), "clashes with a histogram");
  EXPECT_DEATH(m.histogram("skiff_queue", "Clash", {}, {1}), "clashes with a histogram");
  EXPECT_DEATH(Histogram({2, 1}), "strictly ascend");
  EXPECT_DEATH(Histogram({1, std::numeric_limits<double>::infinity()}), "finite");
}
#endif

}  // namespace
}  // namespace skiff::host
