#pragma once
// Reservation: a range of address space reserved inaccessible (PROT_NONE, no swap
// reserved) whose pages are made accessible on demand. Linear memories reserve their
// largest possible size plus a guard region this way, so growing never moves them and
// the compiled tier can rely on faults instead of bounds checks. Owns the mapping (RAII).

#include <cstddef>
#include <cstdint>

#include <sys/types.h>

#include "base/result.h"

namespace skiff::platform {

size_t page_size();

class ImageFile;

class Reservation {
 public:
  // Reserves `bytes` (rounded up to whole pages). Error: IoError with the reason.
  static Result<Reservation> reserve(size_t bytes);

  Reservation() = default;
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation();

  uint8_t* base() const { return m_base; }
  size_t size() const { return m_size; }

  // Makes [offset, offset+len) readable and writable; both must be page-aligned.
  Result<void> commit(size_t offset, size_t len);
  // Returns [offset, offset+len) to zero-filled, inaccessible pages (frees the memory).
  Result<void> decommit(size_t offset, size_t len);
  // Maps the first `len` bytes of `image` at the start, readable, writable and private:
  // pages are shared with the image until written (copy-on-write), so this costs the
  // same whatever `len` is. `len` must be page-aligned and within the reservation.
  Result<void> map_image(const ImageFile& image, size_t len);
  // Returns [0, len) to the reserved state (inaccessible, no pages, no image) in one
  // call, so a pooled reservation can be reused.
  Result<void> reset(size_t len) { return reset_range(0, len); }
  Result<void> reset_range(size_t offset, size_t len);

 private:
  Reservation(uint8_t* base, size_t size) : m_base(base), m_size(size) {}
  uint8_t* m_base = nullptr;
  size_t m_size = 0;
};

// FaultAroundSwitch: turns off the kernel's fault-around for chosen mappings. A read fault
// on a file mapping also maps up to 15 neighbouring pages; for a pooled memory, whose read
// image pages stay mapped from one instance to the next, those extra entries buy nothing
// and make every release's page-table scan longer (each present page costs the scan a
// lookup of its struct page). Linux's only per-mapping switch is a userfaultfd
// registration: write-protect mode with WP_ASYNC (Linux 6.7+), in which the kernel
// resolves every fault itself, so nothing ever reads the descriptor, and pages are
// never write-protected, so writes cost what they did. Where userfaultfd is missing or
// refused (older kernel, seccomp), the switch does nothing. Owns the descriptor; the
// registrations end with the mappings (or when the switch is destroyed).
class FaultAroundSwitch {
 public:
  // A switch; check works() to know whether it does anything here.
  static FaultAroundSwitch open();

  FaultAroundSwitch() = default;
  FaultAroundSwitch(FaultAroundSwitch&& other) noexcept;
  FaultAroundSwitch& operator=(FaultAroundSwitch&& other) noexcept;
  FaultAroundSwitch(const FaultAroundSwitch&) = delete;
  FaultAroundSwitch& operator=(const FaultAroundSwitch&) = delete;
  ~FaultAroundSwitch();

  bool works() const { return m_fd >= 0; }  // (in the process that opened it)
  // Turns fault-around off for the pages [base, base+len) (page-aligned, mapped). Returns
  // false if it could not (the mapping then behaves as before).
  bool turn_off(uint8_t* base, size_t len) const;

 private:
  FaultAroundSwitch(int fd, pid_t owner) : m_fd(fd), m_owner(owner) {}
  int m_fd = -1;
  pid_t m_owner = 0;  // the process whose address space the descriptor acts on
};

// ImageFile: bytes in an anonymous, sealed memory file (memfd), for mapping copy-on-write
// into many reservations (a module's initial linear memory). Owns the descriptor.
class ImageFile {
 public:
  // A file holding `bytes`, zero-padded to whole pages.
  static Result<ImageFile> create(const uint8_t* bytes, size_t len);

  ImageFile() = default;
  ImageFile(ImageFile&& other) noexcept;
  ImageFile& operator=(ImageFile&& other) noexcept;
  ImageFile(const ImageFile&) = delete;
  ImageFile& operator=(const ImageFile&) = delete;
  ~ImageFile();

  int fd() const { return m_fd; }
  // Unique for the life of the process (unlike descriptors or addresses): names the
  // image in a pooled reservation's layout.
  uint64_t id() const { return m_id; }
  size_t size() const { return m_size; }  // page-aligned
  // The image's bytes, read-only (a shared mapping of the sealed file: no copy), or
  // null if it could not be mapped. Restoring a page an instance changed copies from
  // here (MemoryPool).
  const uint8_t* data() const { return m_data; }

 private:
  ImageFile(int fd, size_t size);
  void unmap();
  int m_fd = -1;
  size_t m_size = 0;
  uint64_t m_id = 0;
  const uint8_t* m_data = nullptr;
};

}  // namespace skiff::platform
