#include "platform/virtual_memory.h"

#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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

Result<void> Reservation::map_image(const ImageFile& image, size_t len) {
  if (len == 0) return ok();
  if (len % page_size() || len > m_size || len > image.size())
    return Error(ErrorCode::InvalidArgument, kNoOffset, "image mapping outside the reservation or the image");
  void* p = ::mmap(m_base, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, image.fd(), 0);
  if (p == MAP_FAILED) return os_error("mmap image", errno);
  return ok();
}

Result<void> Reservation::reset_range(size_t offset, size_t len) {
  if (len == 0) return ok();
  if (offset % page_size() || len % page_size() || offset > m_size || len > m_size - offset)
    return Error(ErrorCode::InvalidArgument, kNoOffset, "reset outside the reservation");
  void* p = ::mmap(m_base + offset, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return os_error("mmap reset", errno);
  return ok();
}

namespace {
// Debian 12's headers predate these (linux/userfaultfd.h, Linux 6.7).
constexpr uint64_t kUffdFeatureWpAsync = 1ull << 15;
constexpr int kUffdUserModeOnly = 1;
}  // namespace

FaultAroundSwitch FaultAroundSwitch::open() {
  // User-mode-only descriptors are allowed without privileges (vm.unprivileged_userfaultfd
  // is about kernel-mode faults); we never need kernel faults reported.
  const int fd = static_cast<int>(::syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | kUffdUserModeOnly));
  if (fd < 0) return FaultAroundSwitch();
  uffdio_api api{};
  api.api = UFFD_API;
  api.features = kUffdFeatureWpAsync;
  // Kernels without WP_ASYNC refuse the unknown bit; check the grant all the same.
  if (::ioctl(fd, UFFDIO_API, &api) != 0 || !(api.features & kUffdFeatureWpAsync)) {
    ::close(fd);
    return FaultAroundSwitch();
  }
  return FaultAroundSwitch(fd, ::getpid());
}

FaultAroundSwitch::FaultAroundSwitch(FaultAroundSwitch&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_owner(other.m_owner) {}

FaultAroundSwitch& FaultAroundSwitch::operator=(FaultAroundSwitch&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
    m_owner = other.m_owner;
  }
  return *this;
}

FaultAroundSwitch::~FaultAroundSwitch() {
  if (m_fd >= 0) ::close(m_fd);
}

bool FaultAroundSwitch::turn_off(uint8_t* base, size_t len) const {
  // A userfaultfd acts on the address space of the process that opened it: after a
  // fork, the child would register the parent's mappings.
  if (m_fd < 0 || len == 0 || ::getpid() != m_owner) return false;
  uffdio_register reg{};
  reg.range.start = reinterpret_cast<uintptr_t>(base);
  reg.range.len = len;
  reg.mode = UFFDIO_REGISTER_MODE_WP;
  return ::ioctl(m_fd, UFFDIO_REGISTER, &reg) == 0;
}

Result<ImageFile> ImageFile::create(const uint8_t* bytes, size_t len) {
  const size_t ps = page_size();
  const size_t size = (len + ps - 1) / ps * ps;
  int fd = ::memfd_create("skiff-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return os_error("memfd_create", errno);
  ImageFile image(fd, size);
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) return os_error("ftruncate image", errno);
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pwrite(fd, bytes + done, len - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return os_error("write image", n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  // Sealed: no one, this process included, can change what instances map.
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    return os_error("seal image", errno);
  if (size) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) image.m_data = static_cast<const uint8_t*>(p);
  }
  return image;
}

ImageFile::ImageFile(int fd, size_t size) : m_fd(fd), m_size(size) {
  static std::atomic<uint64_t> next_id{1};
  m_id = next_id.fetch_add(1, std::memory_order_relaxed);
}

ImageFile::ImageFile(ImageFile&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_size(std::exchange(other.m_size, 0)),
      m_id(std::exchange(other.m_id, 0)), m_data(std::exchange(other.m_data, nullptr)) {}

ImageFile& ImageFile::operator=(ImageFile&& other) noexcept {
  if (this != &other) {
    unmap();
    m_fd = std::exchange(other.m_fd, -1);
    m_size = std::exchange(other.m_size, 0);
    m_id = std::exchange(other.m_id, 0);
    m_data = std::exchange(other.m_data, nullptr);
  }
  return *this;
}

void ImageFile::unmap() {
  if (m_data) ::munmap(const_cast<uint8_t*>(m_data), m_size);
  m_data = nullptr;
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
}

ImageFile::~ImageFile() { unmap(); }

}  // namespace skiff::platform
