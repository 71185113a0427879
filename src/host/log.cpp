#include "host/log.h"

#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "base/utf8.h"

namespace skiff::host {

namespace {
constexpr size_t kFlushBytes = 64 * 1024;
constexpr auto kFlushEvery = std::chrono::milliseconds(50);
// One write at most a pipe's atomic size: with poll saying there is room, it never
// blocks (a pipe with a free slot takes up to PIPE_BUF bytes at once).
constexpr size_t kWriteChunk = PIPE_BUF;
constexpr int kPollSliceMs = 100;

// "2026-11-24T05:58:15.566310Z", made outside the log's lock and without allocating.
struct Timestamp {
  char text[80];  // room for any year snprintf may be asked to print
};
Timestamp timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto us = duration_cast<microseconds>(now.time_since_epoch()).count() % 1'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  Timestamp ts;
  std::snprintf(ts.text, sizeof ts.text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us));
  return ts;
}
}  // namespace

void json_quote(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (const size_t n = utf8_char_length(reinterpret_cast<const uint8_t*>(s.data() + i), s.size() - i)) {
        out.append(s, i, n);
        i += n;
      } else {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

Log::Log(int fd) : m_fd(fd), m_thread([this] { run(); }) {}

Log::~Log() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  const auto until = Clock::now() + kGiveUpAfter;
  m_give_up_at.store(until.time_since_epoch().count(), std::memory_order_relaxed);
  m_cv.notify_one();
  m_thread.join();
}

void Log::append_line(std::string_view ts, std::string_view fields) {
  const size_t line = ts.size() + fields.size() + 11;
  if (m_buffer.size() + line > kMaxBuffered) {
    ++m_dropped;
    m_dropped_total.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  m_buffer += "{\"ts\":\"";
  m_buffer += ts;
  m_buffer += "\",";
  m_buffer += fields;
  m_buffer += "}\n";
}

void Log::write(std::string_view fields) {
  const Timestamp ts = timestamp();
  bool wake = false;
  {
    std::lock_guard lock(m_mutex);
    append_line(ts.text, fields);
    wake = m_buffer.size() >= kFlushBytes;
  }
  if (wake) m_cv.notify_one();
}

void Log::write_out(std::string& out) {
  size_t off = 0;
  while (off < out.size()) {
    const int64_t give_up = m_give_up_at.load(std::memory_order_relaxed);
    if (Clock::now().time_since_epoch().count() >= give_up) break;
    pollfd p{m_fd, POLLOUT, 0};
    const int r = ::poll(&p, 1, kPollSliceMs);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    if (p.revents & (POLLERR | POLLNVAL)) break;  // a log that cannot be written is dropped, never fatal
    const ssize_t n = ::write(m_fd, out.data() + off, std::min(out.size() - off, kWriteChunk));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  if (off < out.size()) {
    // Lines not written, the one cut short included, count as dropped (only at shutdown).
    size_t lines = 0;
    for (size_t i = off; i < out.size(); ++i) lines += out[i] == '\n';
    m_dropped_total.fetch_add(lines, std::memory_order_relaxed);
    std::lock_guard lock(m_mutex);
    m_dropped += lines;
  }
  out.clear();
}

void Log::flush() {
  const int64_t before = m_give_up_at.load(std::memory_order_relaxed);
  const int64_t until = (Clock::now() + kGiveUpAfter).time_since_epoch().count();
  m_give_up_at.store(std::min(before, until), std::memory_order_relaxed);
  {
    std::lock_guard write_lock(m_write_mutex);
    std::string out;
    {
      std::lock_guard lock(m_mutex);
      out.swap(m_buffer);
    }
    write_out(out);
  }
  m_give_up_at.store(before, std::memory_order_relaxed);
}

void Log::run() {
  std::string out;
  for (;;) {
    bool stop;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait_for(lock, kFlushEvery, [&] { return m_stop || m_buffer.size() >= kFlushBytes; });
      if (m_dropped > 0 && m_buffer.size() < kMaxBuffered / 2) {
        const uint64_t n = m_dropped;
        m_dropped = 0;
        append_line(timestamp().text, "\"level\":\"warn\",\"msg\":\"log lines dropped: the log's reader fell behind\",\"dropped\":" +
                    std::to_string(n));
      }
      out.swap(m_buffer);
      stop = m_stop;
    }
    {
      std::lock_guard write_lock(m_write_mutex);
      write_out(out);
    }
    if (stop) {
      std::lock_guard lock(m_mutex);
      if (m_buffer.empty()) return;
      if (Clock::now().time_since_epoch().count() >= m_give_up_at.load(std::memory_order_relaxed)) return;
    }
  }
}

}  // namespace skiff::host
