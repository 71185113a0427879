#pragma once
// Whole-file reads and writes for the CLI and tests (the OS boundary lives in platform/).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace skiff::platform {

// Reads a regular file. Errors: IoError with "<path>: <strerror>" as context.
Result<std::vector<uint8_t>> read_file(const std::string& path);

// Creates or truncates `path` (mode 0644) and writes `bytes`. Errors: IoError as above.
Result<void> write_file(const std::string& path, std::span<const uint8_t> bytes);
// Writes `bytes` to a new file beside `path` (created exclusively, never through a
// symlink) and renames it over `path`: readers see the old file or the whole new one,
// and a failed write (a full disk) leaves the old file and no temporary behind.
Result<void> replace_file(const std::string& path, std::span<const uint8_t> bytes);
// Writes all of `bytes` to the descriptor `fd`; `name` says what it is in errors.
Result<void> write_all(int fd, std::span<const uint8_t> bytes, const std::string& name);

// A file opened for reading parts of it at offsets (pread), for readers that can skip
// what they do not need. Owns the descriptor.
class ReadableFile {
 public:
  // Errors: IoError with "<path>: <strerror>" (a directory is EISDIR).
  static Result<ReadableFile> open(const std::string& path);
  // Takes ownership of an open descriptor (a memory file, a pipe); `name` is for errors.
  static ReadableFile adopt(int fd, std::string name) { return ReadableFile(fd, std::move(name), std::nullopt); }

  ReadableFile(ReadableFile&& other) noexcept;
  ReadableFile& operator=(ReadableFile&& other) noexcept;
  ReadableFile(const ReadableFile&) = delete;
  ReadableFile& operator=(const ReadableFile&) = delete;
  ~ReadableFile();

  // The size when opened; nullopt for what has none (a pipe, a device).
  std::optional<uint64_t> size() const { return m_size; }
  // Reads up to `n` bytes at `offset` into `out`; fewer only at the end of the file.
  Result<size_t> read_at(uint64_t offset, uint8_t* out, size_t n) const;
  // Reads from the current position (the start, unless read_all ran before) to the end,
  // whatever size() said; works on pipes. What read_file returns. At most `max` bytes
  // and one more: a result longer than `max` says the input was (an endless pipe stops
  // there instead of filling memory).
  Result<std::vector<uint8_t>> read_all(uint64_t max = UINT64_MAX) const;

 private:
  ReadableFile(int fd, std::string path, std::optional<uint64_t> size)
      : m_fd(fd), m_path(std::move(path)), m_size(size) {}
  int m_fd = -1;
  std::string m_path;
  std::optional<uint64_t> m_size;
};

}  // namespace skiff::platform
