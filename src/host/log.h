#pragma once
// Structured logs of `skiff serve`: one JSON object per line (access lines, guest
// stderr, errors). Writers append to a buffer under a short lock; a background thread
// writes it out every 50 ms or when it passes 64 KiB, so the request path never waits on
// the log's descriptor. A reader that stops reading (a stuck log collector) costs at
// most kMaxBuffered bytes: lines past it are dropped and counted, and a line saying how
// many comes once the log moves again. No write blocks: each waits in poll for room,
// so shutdown can give up on a descriptor that never takes its last lines. Owned by the
// server; flushes what it can when destroyed.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace skiff::host {

// Appends `s` as a JSON string literal (quotes included) to `out`. Bytes that are not
// well-formed UTF-8 become U+FFFD, so every line stays valid JSON.
void json_quote(std::string& out, std::string_view s);

class Log {
 public:
  explicit Log(int fd);  // borrowed descriptor
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // `fields` is the inside of a JSON object (`"k":v,...`, already escaped); the line gets
  // a leading "ts" (UTC, ISO 8601 with microseconds) and a trailing newline.
  void write(std::string_view fields);
  // Writes out what is buffered now (tests, shutdown), giving up on what the descriptor
  // has not taken within kGiveUpAfter.
  void flush();
  // Lines dropped so far because the buffer was full or the descriptor gave up.
  uint64_t dropped() const { return m_dropped_total.load(std::memory_order_relaxed); }

  static constexpr size_t kMaxBuffered = 8u << 20;
  static constexpr std::chrono::seconds kGiveUpAfter{2};

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  void append_line(std::string_view ts, std::string_view fields);  // under m_mutex
  void write_out(std::string& out);           // under m_write_mutex
  int m_fd;
  std::mutex m_mutex;  // m_buffer, m_dropped, m_stop
  std::condition_variable m_cv;
  std::string m_buffer;
  uint64_t m_dropped = 0;  // since the last line that said so
  std::atomic<uint64_t> m_dropped_total{0};
  bool m_stop = false;
  std::mutex m_write_mutex;  // one writer at a time, so lines keep their order
  // Writes give up (what is left is dropped) once the steady clock passes this.
  std::atomic<int64_t> m_give_up_at{INT64_MAX};
  std::thread m_thread;
};

}  // namespace skiff::host
