#include "platform/file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace skiff::platform {

namespace {
Error io_error(const std::string& path, int err) {
  return Error(ErrorCode::IoError, kNoOffset, path + ": " + std::strerror(err));
}
}  // namespace

Result<std::vector<uint8_t>> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return io_error(path, e);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return io_error(path, EISDIR);
  }
  // Straight into the result: no bounce buffer (whose pages and copy were a measurable
  // share of a short `skiff run`). A file that grows while it is read keeps being read.
  std::vector<uint8_t> out(S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) + 1 : size_t{1} << 16);
  size_t have = 0;
  for (;;) {
    if (have == out.size()) out.resize(out.size() * 2);
    ssize_t n = ::read(fd, out.data() + have, out.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return io_error(path, e);
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  out.resize(have);
  ::close(fd);
  return out;
}

}  // namespace skiff::platform
