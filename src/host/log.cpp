#include "host/log.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace skiff::host {

namespace {
constexpr size_t kFlushBytes = 64 * 1024;
constexpr auto kFlushEvery = std::chrono::milliseconds(50);

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a log that cannot be written is dropped, never fatal
    off += static_cast<size_t>(n);
  }
}
}  // namespace

void json_quote(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
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
          out.push_back(static_cast<char>(c));  // UTF-8 passes through; invalid bytes too
        }
    }
  }
  out.push_back('"');
}

Log::Log(int fd) : m_fd(fd), m_thread([this] { run(); }) {}

Log::~Log() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_one();
  m_thread.join();
}

void Log::write(std::string_view fields) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto us = duration_cast<microseconds>(now.time_since_epoch()).count() % 1'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[80];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us));
  bool wake = false;
  {
    std::lock_guard lock(m_mutex);
    m_buffer += "{\"ts\":\"";
    m_buffer += ts;
    m_buffer += "\",";
    m_buffer += fields;
    m_buffer += "}\n";
    wake = m_buffer.size() >= kFlushBytes;
  }
  if (wake) m_cv.notify_one();
}

void Log::flush() {
  std::string out;
  {
    std::lock_guard lock(m_mutex);
    out.swap(m_buffer);
  }
  write_all(m_fd, out);
}

void Log::run() {
  std::string out;
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_cv.wait_for(lock, kFlushEvery, [&] { return m_stop || m_buffer.size() >= kFlushBytes; });
    out.clear();
    out.swap(m_buffer);
    const bool stop = m_stop;
    lock.unlock();
    write_all(m_fd, out);
    lock.lock();
    if (stop && m_buffer.empty()) return;
  }
}

}  // namespace skiff::host
