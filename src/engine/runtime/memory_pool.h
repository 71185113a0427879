#pragma once
// MemoryPool: linear-memory reservations (4 GiB + guard each) kept for reuse, so that
// creating and destroying an instance does not map and unmap 8 GiB of address space each
// time (unmapping walks the page tables of the whole range: most of an instance's cost
// without a pool).
//
// A reservation comes back "prepared" for the layout it had: its initial memory mapped
// from the same image (copy-on-write) and zero-filled after it. Releasing it discards
// only what the instance changed -- the pages /proc/self/pagemap shows as private copies
// of image pages, or as present in the zero part (but for the shared zero page, which a
// read maps there) -- so image pages that were only read
// stay mapped for the next instance (no fault, no unmap), and re-protects pages the
// memory grew into. The next instance of the same module finds it ready: no mmap, no
// mprotect, often no syscall at all. A reservation asked for by another layout is reset
// first. Without pagemap the whole initial memory is discarded (one madvise). Shared by any number of stores on any threads; the lock is held
// for a vector push or pop only.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "platform/virtual_memory.h"

namespace skiff::engine::runtime {

class MemoryPool {
 public:
  // What a reservation holds: the first `initial` bytes accessible, the first
  // `image_bytes` of them mapped from the image `image_id` (0: none), zeros after.
  struct Layout {
    uint64_t image_id = 0;
    size_t image_bytes = 0;
    size_t initial = 0;
    const uint8_t* image = nullptr;  // the image's bytes (ImageFile::data), if readable
    friend bool operator==(const Layout& a, const Layout& b) {
      return a.image_id == b.image_id && a.image_bytes == b.image_bytes && a.initial == b.initial;
    }
  };

  // How a released reservation finds what its instance changed. Best picks the first
  // the kernel supports: Scan (PAGEMAP_SCAN, Linux 6.7+: only the changed ranges come
  // back), PerPage (one /proc/self/pagemap entry per page), Whole (discard the whole
  // initial memory; image pages that were only read are faulted in again).
  enum class Cleanup { Best, PerPage, Whole };

  // Keeps at most `max_idle` reservations waiting (address space, plus the page tables
  // of their initial memory). Up to `keep_resident` bytes of changed pages per release
  // are restored in place (copied back from the image, or zeroed) instead of discarded:
  // no page faults for the next instance and, above all, no TLB shootdown -- a discard
  // in a process running on several cores interrupts every one of them, which costs more
  // than copying a few pages back. Beyond the budget, pages are discarded.
  explicit MemoryPool(size_t max_idle = 4096, Cleanup cleanup = Cleanup::Best, size_t keep_resident = 1 << 20);
  ~MemoryPool();
  MemoryPool(const MemoryPool&) = delete;
  MemoryPool& operator=(const MemoryPool&) = delete;

  struct Slot {
    platform::Reservation reservation;
    bool prepared = false;  // already in `layout` (else: all inaccessible and zero)
  };
  // A reservation of `bytes`, prepared for `layout` when one is waiting.
  Result<Slot> acquire(size_t bytes, const Layout& layout);
  // Takes back a reservation in `layout` whose memory grew to `used` bytes (>= initial).
  void release(platform::Reservation r, const Layout& layout, size_t used);

  // Called when a fresh reservation from acquire() has had the layout's image mapped:
  // turns off fault-around there (platform::FaultAroundSwitch), since pages an instance
  // reads stay mapped for the next one and neighbours mapped with them only lengthen each
  // release's scan. Not with Cleanup::Whole, where every release unmaps them.
  void image_mapped(const platform::Reservation& r, size_t image_bytes) const {
    m_fault_around.turn_off(r.base(), image_bytes);
  }

  size_t idle() const;
  // Whether releases find changed pages with PAGEMAP_SCAN (so far: a kernel without it,
  // or one that refuses it, shows on the first release).
  bool scans_pages() const { return m_pagemap >= 0 && m_has_scan.load(std::memory_order_relaxed); }

 private:
  struct Idle {
    platform::Reservation reservation;
    Layout layout;  // initial == 0: clean
  };
  // Brings the pages of [0, layout.initial) the instance changed back to the layout's
  // content: restored in place within the keep_resident budget, discarded beyond it.
  bool discard_changes(const platform::Reservation& r, const Layout& layout);

  size_t m_max_idle;
  size_t m_keep_resident;
  int m_pagemap = -1;  // /proc/self/pagemap, or -1
  platform::FaultAroundSwitch m_fault_around;
  std::atomic<bool> m_has_scan{true};  // the kernel answers PAGEMAP_SCAN
  mutable std::mutex m_mutex;
  std::vector<Idle> m_idle;
};

}  // namespace skiff::engine::runtime
