#include "host/metrics.h"

#include "base/assert.h"
#include "base/utf8.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <string_view>
#include <type_traits>
#include <variant>

namespace skiff::host {

// Text format 0.0.4: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
//   # HELP name help          (help escapes \ and newline)
//   # TYPE name counter|gauge|histogram
//   name[{label="value",...}] value
enum class Metrics::Type { Counter, Gauge, Histogram };

namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// metric_name ::= [a-zA-Z_:][a-zA-Z0-9_:]*
[[maybe_unused]] bool is_metric_name(std::string_view s) {
  if (s.empty() || !(is_letter(s[0]) || s[0] == ':')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == ':'; });
}

// label_name ::= [a-zA-Z_][a-zA-Z0-9_]*, and names starting with "__" are reserved for
// Prometheus itself.
[[maybe_unused]] bool is_label_name(std::string_view s) {
  if (s.empty() || !is_letter(s[0]) || s.starts_with("__")) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_letter(c) || is_digit(c); });
}

// True when a line of histogram `hist` would carry the name `name`; two families like
// that would make the scrape ambiguous.
[[maybe_unused]] bool is_histogram_line(std::string_view name, std::string_view hist) {
  if (!name.starts_with(hist)) return false;
  std::string_view rest = name.substr(hist.size());
  return rest == "_bucket" || rest == "_sum" || rest == "_count";
}

// Appends `s` with backslash and newline escaped, and the double quote too inside a
// label value. The format is UTF-8 and label values come from config, so a byte that
// does not begin a well-formed sequence becomes U+FFFD rather than breaking the scrape.
void append_escaped(std::string& out, std::string_view s, bool in_quotes) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '"' && in_quotes) out += "\\\"";
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (const size_t len = utf8_char_length(reinterpret_cast<const uint8_t*>(s.data() + i), s.size() - i)) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
}

// Integers as integers; doubles in the shortest form that reads back to the same value,
// with the format's spellings of the non-finite ones.
template <class T>
void append_number(std::string& out, T v) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(v)) return void(out += "NaN");
    if (std::isinf(v)) return void(out += v > 0 ? "+Inf" : "-Inf");
  }
  char buf[32];  // the longest shortest double, "-1.7976931348623157e+308", is 24
  auto result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, result.ptr);
}

// `labels` is the series' rendered `k="v",...` (maybe empty); `extra` one more label
// after them (a bucket's le), also maybe empty.
template <class T>
void append_line(std::string& out, std::string_view name, std::string_view suffix,
                 std::string_view labels, std::string_view extra, T value) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra.empty()) {
    out += '{';
    out += labels;
    if (!labels.empty() && !extra.empty()) out += ',';
    out += extra;
    out += '}';
  }
  out += ' ';
  append_number(out, value);
  out += '\n';
}

void append_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const Histogram& h) {
  const std::vector<double>& bounds = h.bounds();
  uint64_t cumulative = 0;
  std::string le;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += h.bucket(i);
    le = "le=\"";
    append_number(le, i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity());
    le += '"';
    append_line(out, name, "_bucket", labels, le, cumulative);
  }
  append_line(out, name, "_sum", labels, "", h.sum());
  // The total of the buckets just read rather than h.count(): an observe() racing with
  // this render may have bumped one and not yet the other, and a scrape whose +Inf
  // bucket differs from _count is malformed.
  append_line(out, name, "_count", labels, "", cumulative);
}

}  // namespace

struct Metrics::Family {
  struct Series {
    template <class T, class... Args>
    Series(std::string rendered_labels, std::in_place_type_t<T> kind, Args&&... args)
        : labels(std::move(rendered_labels)), metric(kind, std::forward<Args>(args)...) {}
    std::string labels;  // `k="v",...` escaped, in the creating caller's order
    std::variant<Counter, Gauge, Histogram> metric;
  };

  std::string name;
  std::string help;
  Type type;
  std::deque<Series> series;            // creation order; a deque never moves its elements
  std::map<Labels, Series*> by_labels;  // keyed by the labels sorted by name

  const char* type_name() const {
    switch (type) {
      case Type::Counter: return "counter";
      case Type::Gauge: return "gauge";
      case Type::Histogram: return "histogram";
    }
    SKIFF_UNREACHABLE("unknown metric type");
  }

  // The series with these labels, created from `args` if new. The caller holds m_mutex.
  template <class T, class... Args>
  T& get(const Labels& labels, Args&&... args) {
    Labels key = labels;
    std::sort(key.begin(), key.end());
    if (auto it = by_labels.find(key); it != by_labels.end())
      return std::get<T>(it->second->metric);
    std::string rendered;
    for (size_t i = 0; i < labels.size(); ++i) {
      SKIFF_ASSERT(is_label_name(key[i].first), "label names are [a-zA-Z_][a-zA-Z0-9_]*, not __*");
      SKIFF_ASSERT(i == 0 || key[i - 1].first != key[i].first, "a label name appears twice");
      SKIFF_ASSERT(type != Type::Histogram || key[i].first != "le", "le is the bucket label");
      if (i > 0) rendered += ',';
      rendered += labels[i].first;
      rendered += "=\"";
      append_escaped(rendered, labels[i].second, /*in_quotes=*/true);
      rendered += '"';
    }
    Series& s = series.emplace_back(std::move(rendered), std::in_place_type<T>,
                                    std::forward<Args>(args)...);
    by_labels.emplace(std::move(key), &s);
    return std::get<T>(s.metric);
  }
};

Histogram::Histogram(std::vector<double> bounds)
    : m_bounds(std::move(bounds)),
      m_counts(std::make_unique<std::atomic<uint64_t>[]>(m_bounds.size() + 1)) {
  for (size_t i = 0; i < m_bounds.size(); ++i) {
    SKIFF_ASSERT(std::isfinite(m_bounds[i]), "histogram bounds are finite (+Inf is implicit)");
    SKIFF_ASSERT(i == 0 || m_bounds[i - 1] < m_bounds[i], "histogram bounds strictly ascend");
  }
}

void Histogram::observe(double v) {
  // Prometheus buckets are "le": v belongs to the first bucket whose bound is >= v.
  // Written as !(v <= b) so that NaN, which compares false, lands in +Inf.
  auto above = [v](double b) { return !(v <= b); };
  size_t i = std::partition_point(m_bounds.begin(), m_bounds.end(), above) - m_bounds.begin();
  m_counts[i].fetch_add(1, std::memory_order_relaxed);
  m_count.fetch_add(1, std::memory_order_relaxed);
  // The sum is a double kept as bits, which have no atomic add. A failed exchange
  // reloads `old_bits`, so the loop repeats only when another thread added in between
  // (or the weak exchange failed spuriously).
  uint64_t old_bits = m_sum_bits.load(std::memory_order_relaxed);
  while (!m_sum_bits.compare_exchange_weak(
      old_bits, std::bit_cast<uint64_t>(std::bit_cast<double>(old_bits) + v),
      std::memory_order_relaxed)) {
  }
}

double Histogram::sum() const {
  return std::bit_cast<double>(m_sum_bits.load(std::memory_order_relaxed));
}

std::vector<double> Histogram::latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

Metrics::Family& Metrics::family(const std::string& name, const std::string& help, Type type) {
  for (const auto& f : m_families) {
    if (f->name != name) continue;
    SKIFF_ASSERT(f->type == type, "a metric name is reused with another type");
    return *f;
  }
  SKIFF_ASSERT(is_metric_name(name), "metric names are [a-zA-Z_:][a-zA-Z0-9_:]*");
  [[maybe_unused]] auto clashes = [&](const std::unique_ptr<Family>& f) {
    return (f->type == Type::Histogram && is_histogram_line(name, f->name)) ||
           (type == Type::Histogram && is_histogram_line(f->name, name));
  };
  SKIFF_ASSERT(std::none_of(m_families.begin(), m_families.end(), clashes),
               "a name clashes with a histogram's _bucket, _sum or _count lines");
  auto f = std::make_unique<Family>();
  f->name = name;
  f->help = help;
  f->type = type;
  return *m_families.emplace_back(std::move(f));
}

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(m_mutex);
  return family(name, help, Type::Counter).get<Counter>(labels);
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(m_mutex);
  return family(name, help, Type::Gauge).get<Gauge>(labels);
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                              const Labels& labels, std::vector<double> bounds) {
  std::lock_guard lock(m_mutex);
  Histogram& h = family(name, help, Type::Histogram).get<Histogram>(labels, bounds);
  SKIFF_ASSERT(h.bounds() == bounds, "an existing histogram is asked for with other bounds");
  return h;
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(m_mutex);
  for (const auto& f : m_families) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    append_escaped(out, f->help, /*in_quotes=*/false);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += f->type_name();
    out += '\n';
    for (const Family::Series& s : f->series) {
      if (const auto* c = std::get_if<Counter>(&s.metric)) {
        append_line(out, f->name, "", s.labels, "", c->value());
      } else if (const auto* g = std::get_if<Gauge>(&s.metric)) {
        append_line(out, f->name, "", s.labels, "", g->value());
      } else {
        append_histogram(out, f->name, s.labels, std::get<Histogram>(s.metric));
      }
    }
  }
  return out;
}

}  // namespace skiff::host
