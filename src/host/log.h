#pragma once
// Structured logs of `skiff serve`: one JSON object per line (access lines, guest
// stderr, errors). Writers append to a buffer under a short lock; a background thread
// writes it out every 50 ms or when it passes 64 KiB, so the request path never waits on
// the log's descriptor. Owned by the server; flushes everything when destroyed.

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace skiff::host {

// Appends `s` as a JSON string literal (quotes included) to `out`.
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
  // Writes out what is buffered now (tests, shutdown).
  void flush();

 private:
  void run();
  int m_fd;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::string m_buffer;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace skiff::host
