#pragma once
// Server metrics in the Prometheus text exposition format (version 0.0.4), owned by the
// server (no global registry). Families are created at startup; updating a counter,
// gauge or histogram on the request path is lock-free (relaxed atomics), and render()
// may run concurrently with updates.
//
//   Metrics m;
//   Counter& c = m.counter("skiff_requests_total", "Requests served", {{"app", "hello"}, {"code", "2xx"}});
//   c.inc();
//   Histogram& h = m.histogram("skiff_request_seconds", "Request latency", {{"app", "hello"}},
//                              Histogram::latency_buckets());
//   h.observe(0.00042);
//   std::string text = m.render();

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace skiff::host {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(uint64_t n = 1) { m_value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return m_value.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> m_value{0};
};

class Gauge {
 public:
  void set(int64_t v) { m_value.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { m_value.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return m_value.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> m_value{0};
};

class Histogram {
 public:
  // `bounds`: strictly ascending, finite upper bounds (the +Inf bucket is implicit);
  // anything else is a bug (SKIFF_ASSERT).
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  // 50 us .. 10 s, roughly x2.5 apart: request and instantiation latencies.
  static std::vector<double> latency_buckets();

  const std::vector<double>& bounds() const { return m_bounds; }
  uint64_t bucket(size_t i) const { return m_counts[i].load(std::memory_order_relaxed); }  // not cumulative
  uint64_t count() const { return m_count.load(std::memory_order_relaxed); }
  double sum() const;

 private:
  std::vector<double> m_bounds;
  std::unique_ptr<std::atomic<uint64_t>[]> m_counts;  // bounds.size() + 1
  std::atomic<uint64_t> m_count{0};
  std::atomic<uint64_t> m_sum_bits{0};  // a double, updated with compare-exchange
};

class Metrics {
 public:
  // Out of line: Family is only complete in metrics.cpp.
  Metrics();
  ~Metrics();

  // The same name + labels returns the same object; a name keeps the help text and type
  // it was first created with (asking for it as another type, or for an existing
  // histogram with other bounds, is a bug: SKIFF_ASSERT).
  // References stay valid for the life of the Metrics. Labels are a set: their order
  // does not change which series is meant (lines print them in first-creation order).
  // Names and label names come from our code and are checked with SKIFF_ASSERT.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels,
                       std::vector<double> bounds);

  // Every family, in creation order: "# HELP", "# TYPE", then one line per series
  // (histograms: cumulative _bucket{le=...} lines, _sum, _count). Label values are
  // escaped (\\, \", \n), and bytes that are not UTF-8 become U+FFFD.
  std::string render() const;

 private:
  enum class Type;  // counter, gauge or histogram; defined in metrics.cpp
  struct Family;
  // Finds or creates the family `name`; the caller holds m_mutex.
  Family& family(const std::string& name, const std::string& help, Type type);
  mutable std::mutex m_mutex;  // creation and render only, never an update
  std::vector<std::unique_ptr<Family>> m_families;
};

}  // namespace skiff::host
