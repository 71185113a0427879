#include "platform/file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <utility>

namespace skiff::platform {

namespace {
Error io_error(const std::string& path, int err) {
  return Error(ErrorCode::IoError, kNoOffset, path + ": " + std::strerror(err));
}
}  // namespace

Result<std::vector<uint8_t>> read_file(const std::string& path) {
  SKIFF_TRY_ASSIGN(ReadableFile file, ReadableFile::open(path));
  return file.read_all();
}

Result<void> write_all(int fd, std::span<const uint8_t> bytes, const std::string& name) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error(name, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  return ok();
}

Result<void> write_file(const std::string& path, std::span<const uint8_t> bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, errno);
  Result<void> w = write_all(fd, bytes, path);
  if (::close(fd) != 0 && w) return io_error(path, errno);
  return w;
}

Result<void> replace_file(const std::string& path, std::span<const uint8_t> bytes) {
  // Unique per process and call: concurrent writers of one path never share a temporary.
  static std::atomic<uint64_t> counter{0};
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 16; ++attempt) {
    tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) return io_error(path, errno);
  }
  if (fd < 0) return io_error(path, EEXIST);
  Result<void> w = write_all(fd, bytes, path);
  if (::close(fd) != 0 && w) w = io_error(path, errno);
  if (w && ::rename(tmp.c_str(), path.c_str()) != 0) w = io_error(path, errno);
  if (!w) ::unlink(tmp.c_str());
  return w;
}

Result<ReadableFile> ReadableFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, errno);
  struct stat st;
  const int e = ::fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
  if (e != 0) {
    ::close(fd);
    return io_error(path, e);
  }
  std::optional<uint64_t> size;
  if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  return ReadableFile(fd, path, size);
}

ReadableFile::ReadableFile(ReadableFile&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_path(std::move(other.m_path)), m_size(other.m_size) {}

ReadableFile& ReadableFile::operator=(ReadableFile&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
    m_path = std::move(other.m_path);
    m_size = other.m_size;
  }
  return *this;
}

ReadableFile::~ReadableFile() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<std::vector<uint8_t>> ReadableFile::read_all(uint64_t max) const {
  // Straight into the result: no bounce buffer (whose pages and copy were a measurable
  // share of a short `skiff run`). Read to the end whatever the size said: a file that
  // grows while it is read keeps being read, and /proc files report size 0. Sequential
  // reads from where the descriptor stands, so a pipe works too.
  const size_t cap = max >= SIZE_MAX - 1 ? SIZE_MAX : static_cast<size_t>(max) + 1;
  std::vector<uint8_t> out(std::min(m_size ? static_cast<size_t>(*m_size) + 1 : size_t{1} << 16, cap));
  size_t have = 0;
  for (;;) {
    if (have == cap) break;
    if (have == out.size()) out.resize(std::min(out.size() * 2, cap));
    ssize_t n = ::read(m_fd, out.data() + have, out.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(m_path, errno);
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  out.resize(have);
  return out;
}

Result<size_t> ReadableFile::read_at(uint64_t offset, uint8_t* out, size_t n) const {
  size_t have = 0;
  while (have < n) {
    ssize_t got = ::pread(m_fd, out + have, n - have, static_cast<off_t>(offset + have));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return io_error(m_path, errno);
    if (got == 0) break;
    have += static_cast<size_t>(got);
  }
  return have;
}

}  // namespace skiff::platform
