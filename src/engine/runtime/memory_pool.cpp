#include "engine/runtime/memory_pool.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace skiff::engine::runtime {

MemoryPool::MemoryPool(size_t max_idle, Cleanup cleanup, size_t keep_resident)
    : m_max_idle(max_idle), m_keep_resident(keep_resident) {
  if (cleanup != Cleanup::Whole) {
    m_pagemap = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (m_pagemap >= 0) m_fault_around = platform::FaultAroundSwitch::open();
  }
  if (cleanup == Cleanup::PerPage) m_has_scan.store(false, std::memory_order_relaxed);
}

MemoryPool::~MemoryPool() {
  if (m_pagemap >= 0) ::close(m_pagemap);
}

namespace {

// PAGEMAP_SCAN (Linux 6.7): the kernel returns only the page ranges that match, instead
// of one entry per page. Declared here because Debian 12's kernel headers predate it.
struct PageRegion {
  uint64_t start, end, categories;
};
struct PmScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
  uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
constexpr uint64_t kPageIsFile = 1 << 2, kPageIsPresent = 1 << 3, kPageIsSwapped = 1 << 4, kPageIsPfnZero = 1 << 5;
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);

// Puts changed ranges of a memory back to the layout's content: copied from the image
// or zeroed in place while the budget lasts (the pages stay resident: no fault for the
// next instance, no TLB shootdown), discarded after that.
struct Restorer {
  uint8_t* base;
  const MemoryPool::Layout& layout;
  size_t budget;
  bool ok = true;

  void operator()(size_t off, size_t len) {
    if (len <= budget && (off >= layout.image_bytes || layout.image)) {
      budget -= len;
      const size_t end = off + len;
      const size_t image_end = std::min(end, layout.image_bytes);
      if (off < image_end) std::memcpy(base + off, layout.image + off, image_end - off);
      const size_t zero_from = std::max(off, image_end);
      if (zero_from < end) std::memset(base + zero_from, 0, end - zero_from);
      return;
    }
    if (::madvise(base + off, len, MADV_DONTNEED) != 0) ok = false;
  }
};

// Finds the pages of [base, base+len) that are present or swapped, and neither the
// image file's own nor the shared zero page -- everything an instance changed -- and
// hands each range to `restore`. The zero page is what a read of a page never written
// maps; it reads as the layout does (zeros, or an image's hole, which reads zero too),
// and restoring it would fault in a page of its own to write zeros over zeros. Returns
// false if the kernel has no PAGEMAP_SCAN (or refuses it), leaving the memory untouched.
bool scan_changes(int pagemap, uint8_t* base, size_t len, Restorer& restore) {
  PageRegion regions[32];
  PmScanArg arg{};
  arg.size = sizeof arg;
  arg.start = reinterpret_cast<uintptr_t>(base);
  arg.end = arg.start + len;
  arg.vec = reinterpret_cast<uintptr_t>(regions);
  arg.vec_len = std::size(regions);
  arg.category_inverted = kPageIsFile | kPageIsPfnZero;
  arg.category_mask = kPageIsFile | kPageIsPfnZero;  // not a file page nor the zero page...
  arg.category_anyof_mask = kPageIsPresent | kPageIsSwapped;  // ...that exists
  arg.return_mask = kPageIsPresent | kPageIsSwapped;
  for (;;) {
    const int n = ::ioctl(pagemap, kPagemapScan, &arg);
    if (n < 0) return false;
    for (int i = 0; i < n; ++i)
      restore(regions[i].start - reinterpret_cast<uintptr_t>(base), regions[i].end - regions[i].start);
    if (arg.walk_end >= arg.end) return true;
    arg.start = arg.walk_end;
  }
}

}  // namespace

bool MemoryPool::discard_changes(const platform::Reservation& r, const Layout& layout) {
  const size_t ps = platform::page_size();
  const size_t pages = layout.initial / ps;
  if (m_pagemap < 0) return ::madvise(r.base(), layout.initial, MADV_DONTNEED) == 0;
  Restorer restore{r.base(), layout, m_keep_resident};
  if (m_has_scan.load(std::memory_order_relaxed)) {
    if (scan_changes(m_pagemap, r.base(), layout.initial, restore)) return restore.ok;
    m_has_scan.store(false, std::memory_order_relaxed);  // an older kernel: per-page entries
  }
  // One 64-bit entry per page: bit 63 present, 62 swapped, 61 file page (a private
  // mapping's page that was never written is still the image file's).
  thread_local std::vector<uint64_t> entries;
  entries.resize(pages);
  const off_t at = static_cast<off_t>(reinterpret_cast<uintptr_t>(r.base()) / ps * sizeof(uint64_t));
  size_t got = 0;
  while (got < pages * sizeof(uint64_t)) {
    ssize_t n = ::pread(m_pagemap, reinterpret_cast<char*>(entries.data()) + got, pages * sizeof(uint64_t) - got,
                        at + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ::madvise(r.base(), layout.initial, MADV_DONTNEED) == 0;
    got += static_cast<size_t>(n);
  }
  const size_t image_pages = layout.image_bytes / ps;
  // Top three bits: 0 = no page (unchanged); 0b101 = the image file's own page (unchanged
  // inside the image); anything else is a page the instance made.
  auto changed = [&](size_t i) {
    const uint64_t top = entries[i] >> 61;
    return top != 0 && !(top == 0b101 && i < image_pages);
  };
  for (size_t i = 0; i < pages;) {
    if (!changed(i)) {
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end < pages && changed(end)) ++end;
    restore(i * ps, (end - i) * ps);
    i = end;
  }
  return restore.ok;
}

Result<MemoryPool::Slot> MemoryPool::acquire(size_t bytes, const Layout& layout) {
  Idle found;
  bool have = false;
  {
    std::lock_guard lock(m_mutex);
    // Newest first: the same layout if one waits, else any large enough.
    size_t pick = m_idle.size();
    for (size_t i = m_idle.size(); i-- > 0;) {
      if (m_idle[i].reservation.size() < bytes) continue;
      if (m_idle[i].layout == layout) {
        pick = i;
        break;
      }
      if (pick == m_idle.size()) pick = i;
    }
    if (pick < m_idle.size()) {
      found = std::move(m_idle[pick]);
      m_idle[pick] = std::move(m_idle.back());
      m_idle.pop_back();
      have = true;
    }
  }
  if (!have) {
    SKIFF_TRY_ASSIGN(platform::Reservation r, platform::Reservation::reserve(bytes));
    return Slot{std::move(r), false};
  }
  if (found.layout == layout && layout.initial != 0) return Slot{std::move(found.reservation), true};
  if (found.layout.initial != 0) SKIFF_TRY(found.reservation.reset(found.layout.initial));
  return Slot{std::move(found.reservation), false};
}

void MemoryPool::release(platform::Reservation r, const Layout& layout, size_t used) {
  const size_t ps = platform::page_size();
  used = std::min((used + ps - 1) / ps * ps, r.size());
  // Back to `layout`: pages the memory grew into become inaccessible again, and one
  // madvise drops every page written (private copies revert to the image, the rest to
  // zeros). A reservation that cannot be brought back is unmapped, never reused dirty.
  if (used > layout.initial && !r.reset_range(layout.initial, used - layout.initial).ok()) return;
  if (layout.initial != 0 && !discard_changes(r, layout)) return;
  std::lock_guard lock(m_mutex);
  if (m_idle.size() < m_max_idle) m_idle.push_back(Idle{std::move(r), layout});
}

size_t MemoryPool::idle() const {
  std::lock_guard lock(m_mutex);
  return m_idle.size();
}

}  // namespace skiff::engine::runtime
