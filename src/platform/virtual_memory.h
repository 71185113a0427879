#pragma once
// Reservation: a range of address space reserved inaccessible (PROT_NONE, no swap
// reserved) whose pages are made accessible on demand. Linear memories reserve their
// largest possible size plus a guard region this way, so growing never moves them and
// the compiled tier can rely on faults instead of bounds checks. Owns the mapping (RAII).

#include <cstddef>
#include <cstdint>

#include "base/result.h"

namespace skiff::platform {

size_t page_size();

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

 private:
  Reservation(uint8_t* base, size_t size) : m_base(base), m_size(size) {}
  uint8_t* m_base = nullptr;
  size_t m_size = 0;
};

}  // namespace skiff::platform
