#include "platform/virtual_memory.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

namespace skiff::platform {

namespace {
Error os_error(const char* what, int err) {
  return Error(ErrorCode::IoError, kNoOffset, std::string(what) + ": " + std::strerror(err));
}
}  // namespace

size_t page_size() {
  static const size_t size = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

Result<Reservation> Reservation::reserve(size_t bytes) {
  size_t ps = page_size();
  size_t size = (bytes + ps - 1) / ps * ps;
  if (size == 0) size = ps;
  void* p = ::mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return os_error("mmap reserve", errno);
  return Reservation(static_cast<uint8_t*>(p), size);
}

Reservation::Reservation(Reservation&& other) noexcept
    : m_base(std::exchange(other.m_base, nullptr)), m_size(std::exchange(other.m_size, 0)) {}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    if (m_base) ::munmap(m_base, m_size);
    m_base = std::exchange(other.m_base, nullptr);
    m_size = std::exchange(other.m_size, 0);
  }
  return *this;
}

Reservation::~Reservation() {
  if (m_base) ::munmap(m_base, m_size);
}

Result<void> Reservation::commit(size_t offset, size_t len) {
  if (len == 0) return ok();
  if (offset % page_size() || len % page_size() || offset > m_size || len > m_size - offset)
    return Error(ErrorCode::InvalidArgument, kNoOffset, "commit outside the reservation");
  if (::mprotect(m_base + offset, len, PROT_READ | PROT_WRITE) != 0) return os_error("mprotect", errno);
  return ok();
}

Result<void> Reservation::decommit(size_t offset, size_t len) {
  if (len == 0) return ok();
  if (offset % page_size() || len % page_size() || offset > m_size || len > m_size - offset)
    return Error(ErrorCode::InvalidArgument, kNoOffset, "decommit outside the reservation");
  // MADV_DONTNEED drops the pages (they read as zero if committed again).
  if (::madvise(m_base + offset, len, MADV_DONTNEED) != 0) return os_error("madvise", errno);
  if (::mprotect(m_base + offset, len, PROT_NONE) != 0) return os_error("mprotect", errno);
  return ok();
}

}  // namespace skiff::platform
