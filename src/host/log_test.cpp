// Covers: json_quote keeps every line valid JSON (escapes, and U+FFFD for bytes that are
// not well-formed UTF-8); a reader that stops reading costs at most twice kMaxBuffered
// bytes (lines past it are dropped and counted), a line says how many once the log moves
// again, and destroying the log gives up on such a reader instead of waiting for good.

#include "host/log.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace skiff::host {
namespace {

std::string quoted(std::string_view s) {
  std::string out;
  json_quote(out, s);
  return out;
}

TEST(JsonQuote, EscapesAndReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(quoted("a\"b\\c\nd\re\tf\x01g\x7f"), "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007f\"");
  EXPECT_EQ(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\"");
  // A lone continuation byte, an overlong '/', a truncated sequence, a surrogate, 0xff.
  EXPECT_EQ(quoted("\x80|\xc0\xaf|\xe2\x82|\xed\xa0\x80|\xff"),
            "\"\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|"
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\"");
}

// Reads everything in the pipe now and returns it.
std::string drain(int fd) {
  std::string got;
  char buf[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) return got;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return got;
    got.append(buf, static_cast<size_t>(n));
  }
}

TEST(Log, AStuckReaderCostsABoundedBufferAndDoesNotHoldShutdown) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const std::string fields = "\"level\":\"info\",\"msg\":\"" + std::string(1000, 'x') + "\"";
  const size_t lines = 2 * Log::kMaxBuffered / fields.size();
  auto log = std::make_unique<Log>(fds[1]);
  for (size_t i = 0; i < lines; ++i) log->write(fields);
  // Nobody reads: the pipe holds 64 KiB, the buffer at most kMaxBuffered; the rest is
  // dropped, not kept.
  EXPECT_GT(log->dropped(), lines / 4);
  // The reader comes back: what was kept arrives, then a line with the count.
  std::string got;
  for (int i = 0; i < 100 && got.find("log lines dropped") == std::string::npos; ++i) got += drain(fds[0]);
  EXPECT_NE(got.find("\"msg\":\"log lines dropped: the log's reader fell behind\",\"dropped\":"), std::string::npos);
  // At most what was being written when the reader stopped and a full buffer behind it.
  EXPECT_LT(got.size(), 2 * Log::kMaxBuffered + (1u << 20));

  // Stuck again at shutdown: the log gives up within kGiveUpAfter (plus a poll slice).
  for (size_t i = 0; i < lines / 2; ++i) log->write(fields);
  const auto t0 = std::chrono::steady_clock::now();
  log.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, Log::kGiveUpAfter + std::chrono::seconds(3));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(Log, LinesArriveWholeAndInOrder) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  std::string got;
  std::thread reader([&] {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) return;
      got.append(buf, static_cast<size_t>(n));
    }
  });
  {
    Log log(fds[1]);
    for (int i = 0; i < 20000; ++i) log.write("\"n\":" + std::to_string(i));
    log.flush();
    EXPECT_EQ(log.dropped(), 0u);
  }
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  size_t at = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string want = "\"n\":" + std::to_string(i) + "}\n";
    const size_t found = got.find(want, at);
    ASSERT_NE(found, std::string::npos) << "line " << i;
    at = found + want.size();
  }
}

}  // namespace
}  // namespace skiff::host
