#include "engine/runtime/memory_pool.h"

#include <gtest/gtest.h>

#include "support/mappings.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/memory.h"
#include "platform/virtual_memory.h"

namespace skiff::engine::runtime {
namespace {

constexpr uint32_t kPage = 65536;

using skiff::test::mapped_pages;
using skiff::test::protection_at;
using skiff::test::resident_pages;

// Covers: MemoryPool::acquire/release: a new reservation is unprepared; a memory with an
// image that was written and grew goes back prepared for its layout -- the image pristine,
// the zero part zero, the grown pages PROT_NONE and not resident -- and comes back for
// the same layout as is; another layout gets it reset (all inaccessible); a clean one is
// not reset; max_idle bounds what is kept.
TEST(MemoryPool, ReleasedReservationIsBackInItsLayout) {
  const size_t ps = platform::page_size();
  std::vector<uint8_t> bytes(ps + 10, 0);
  std::memcpy(bytes.data(), "pool image", 10);
  std::memcpy(bytes.data() + ps, "tail", 4);
  auto image = platform::ImageFile::create(bytes.data(), bytes.size());
  ASSERT_TRUE(image.ok()) << image.error().to_string();
  ASSERT_EQ(image->size(), 2 * ps);
  const ir::MemType type{ir::Limits{1, 8}};
  const MemoryPool::Layout layout{image->id(), image->size(), kPage};

  MemoryPool pool;
  uint8_t* base = nullptr;
  {
    auto m = Memory::create(type, ir::kMaxPages32, &pool, &*image);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    base = (*m)->data();
    EXPECT_EQ(std::memcmp(base, "pool image", 10), 0);
    EXPECT_EQ(std::memcmp(base + ps, "tail", 4), 0);
    EXPECT_EQ(base[kPage - 1], 0);
    base[0] = 'X';
    base[ps + 1] = 'X';
    base[3 * ps] = 'Z';
    base[kPage - 1] = 'Z';
    EXPECT_EQ((*m)->grow(2), 1);
    base[kPage] = 'G';
    base[3 * kPage - 1] = 'G';
  }
  EXPECT_EQ(pool.idle(), 1u);
  EXPECT_EQ(protection_at(base + kPage), "---p");
  EXPECT_EQ(protection_at(base + 3 * kPage - 1), "---p");
  EXPECT_EQ(resident_pages(base + kPage, 2 * kPage), 0u);

  auto slot = pool.acquire(Memory::kReservationBytes, layout);
  ASSERT_TRUE(slot.ok());
  EXPECT_TRUE(slot->prepared);
  EXPECT_EQ(slot->reservation.base(), base);
  EXPECT_EQ(pool.idle(), 0u);
  EXPECT_EQ(protection_at(base), "rw-p");
  EXPECT_EQ(protection_at(base + kPage - 1), "rw-p");
  EXPECT_EQ(protection_at(base + kPage), "---p");
  EXPECT_EQ(std::memcmp(base, "pool image", 10), 0);
  EXPECT_EQ(std::memcmp(base + ps, "tail", 4), 0);
  EXPECT_EQ(base[3 * ps], 0);
  EXPECT_EQ(base[kPage - 1], 0);
  pool.release(std::move(slot->reservation), layout, kPage);
  EXPECT_EQ(pool.idle(), 1u);

  // Same again through Memory::create: prepared, so nothing is mapped anew.
  {
    auto m = Memory::create(type, ir::kMaxPages32, &pool, &*image);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ((*m)->data(), base);
    EXPECT_EQ(std::memcmp(base, "pool image", 10), 0);
    EXPECT_EQ((*m)->grow(1), 1);
    EXPECT_EQ(base[kPage], 0);
    EXPECT_EQ(base[2 * kPage - 1], 0);
  }

  // Another layout: reset, every page inaccessible and gone.
  const MemoryPool::Layout other{0, 0, 2 * kPage};
  auto reset = pool.acquire(Memory::kReservationBytes, other);
  ASSERT_TRUE(reset.ok());
  EXPECT_FALSE(reset->prepared);
  EXPECT_EQ(reset->reservation.base(), base);
  EXPECT_EQ(protection_at(base), "---p");
  EXPECT_EQ(resident_pages(base, 2 * kPage), 0u);
  pool.release(std::move(reset->reservation), MemoryPool::Layout{}, 0); // still clean
  EXPECT_EQ(pool.idle(), 1u);
  auto clean = pool.acquire(Memory::kReservationBytes, other);
  ASSERT_TRUE(clean.ok());
  EXPECT_FALSE(clean->prepared);
  EXPECT_EQ(clean->reservation.base(), base);

  // A new reservation when none waits.
  auto fresh = pool.acquire(Memory::kReservationBytes, layout);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->prepared);
  EXPECT_NE(fresh->reservation.base(), base);
  EXPECT_EQ(protection_at(fresh->reservation.base()), "---p");

  MemoryPool one(1);
  one.release(std::move(clean->reservation), MemoryPool::Layout{}, 0);
  one.release(std::move(fresh->reservation), MemoryPool::Layout{}, 0);
  EXPECT_EQ(one.idle(), 1u);
}

// Covers: a page of the zero part that was only read (the kernel maps the shared zero
// page) is left as it is on release, while a written one is restored; both read zero in
// the next instance. Restoring the read one would fault in a page of its own to write
// zeros over zeros. Needs PAGEMAP_SCAN (Linux 6.7; skips without); the zero page shows in
// /proc/self/pagemap as a present page that is not exclusively mapped (bit 56).
TEST(MemoryPool, PagesOnlyReadInTheZeroPartAreLeftAlone) {
  const size_t ps = platform::page_size();
  // (pread: pagemap takes reads of whole 8-byte entries only, which a stream's buffer is not.)
  auto exclusive = [&](const uint8_t* p) {
    const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    uint64_t e = 0;
    if (fd >= 0 && ::pread(fd, &e, 8, static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / ps * 8)) != 8) e = 0;
    if (fd >= 0) ::close(fd);
    return std::make_pair((e >> 63) & 1, (e >> 56) & 1);  // present, exclusively mapped
  };
  const ir::MemType type{ir::Limits{1, 1}};
  MemoryPool pool;
  uint8_t* base = nullptr;
  {
    auto m = Memory::create(type, ir::kMaxPages32, &pool);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    base = (*m)->data();
    EXPECT_EQ(*static_cast<volatile uint8_t*>(base + 5 * ps), 0);  // read only
    base[7 * ps] = 'W';
    ASSERT_EQ(exclusive(base + 5 * ps), std::make_pair(uint64_t{1}, uint64_t{0})) << "not the zero page here";
  }
  if (!pool.scans_pages()) {
    struct utsname u;
    uname(&u);
    GTEST_SKIP() << "no PAGEMAP_SCAN here (Linux " << u.release << "; it needs 6.7): every present page is restored";
  }
  auto m = Memory::create(type, ir::kMaxPages32, &pool);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ((*m)->data(), base);
  EXPECT_EQ(exclusive(base + 5 * ps), std::make_pair(uint64_t{1}, uint64_t{0})) << "still the zero page";
  EXPECT_EQ(base[5 * ps], 0);
  EXPECT_EQ(base[7 * ps], 0);
}

// Covers: a memory without an image (the general path's layout) released after writes
// and growth comes back zeroed and at its initial size; a memory of the same initial
// size with an image then gets the image, not the old zeros' layout.
TEST(MemoryPool, ZeroLayoutAndImageLayoutDoNotMix) {
  MemoryPool pool;
  const ir::MemType type{ir::Limits{1, 4}};
  uint8_t* base = nullptr;
  {
    auto m = Memory::create(type, ir::kMaxPages32, &pool);
    ASSERT_TRUE(m.ok());
    base = (*m)->data();
    std::memset(base, 0xAB, kPage);
    EXPECT_EQ((*m)->grow(1), 1);
    base[kPage] = 1;
  }
  {
    auto m = Memory::create(type, ir::kMaxPages32, &pool);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ((*m)->data(), base);
    std::vector<uint8_t> zeros(kPage, 0);
    EXPECT_EQ(std::memcmp(base, zeros.data(), kPage), 0);
    EXPECT_EQ(protection_at(base + kPage), "---p");
    std::memset(base, 0xCD, kPage);
  }
  const uint8_t hello[] = "hello";
  auto image = platform::ImageFile::create(hello, 5);
  ASSERT_TRUE(image.ok());
  {
    auto m = Memory::create(type, ir::kMaxPages32, &pool, &*image);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ((*m)->data(), base);
    EXPECT_EQ(std::memcmp(base, "hello", 5), 0);
    EXPECT_EQ(base[5], 0);
    EXPECT_EQ(base[kPage - 1], 0);
    EXPECT_EQ(protection_at(base + kPage), "---p");
  }
  EXPECT_EQ(pool.idle(), 1u);
}

// Covers: MemoryPool::image_mapped (platform::FaultAroundSwitch): in a pooled memory, a
// read of an image page maps that page only, not its neighbours, and the pages read stay
// mapped across release and reuse while a written one is restored. Skipped where the
// kernel has no userfaultfd with WP_ASYNC (before 6.7, or refused by seccomp).
TEST(MemoryPool, ReadingAnImagePageMapsOnlyThatPage) {
  const size_t ps = platform::page_size();
  std::vector<uint8_t> bytes(64 * ps);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + 1);
  auto image = platform::ImageFile::create(bytes.data(), bytes.size());
  ASSERT_TRUE(image.ok()) << image.error().to_string();
  {  // Whether this kernel lets a private mapping of the image be registered at all.
    auto scratch = platform::Reservation::reserve(bytes.size());
    ASSERT_TRUE(scratch.ok());
    ASSERT_TRUE(scratch->map_image(*image, bytes.size()).ok());
    if (!platform::FaultAroundSwitch::open().turn_off(scratch->base(), bytes.size()))
      GTEST_SKIP() << "no userfaultfd write-protect with WP_ASYNC here (Linux 6.7+, not refused by seccomp): "
                      "fault-around stays on";
  }
  const ir::MemType type{ir::Limits{8, 8}};  // 8 wasm pages: the image, then zeros
  MemoryPool pool;
  uint8_t* base = nullptr;
  {
    auto m = Memory::create(type, ir::kMaxPages32, &pool, &*image);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    base = (*m)->data();
    EXPECT_EQ(mapped_pages(base, bytes.size()), 0u);
    EXPECT_EQ(base[5], bytes[5]);
    EXPECT_EQ(base[40 * ps + 9], bytes[40 * ps + 9]);
    EXPECT_EQ(mapped_pages(base, bytes.size()), 2u);  // with fault-around: 16 or more
    base[20 * ps] = 0xEE;  // a private copy of a page never read
    EXPECT_EQ(base[20 * ps], 0xEE);
    EXPECT_EQ(base[20 * ps + 1], bytes[20 * ps + 1]);
    EXPECT_EQ(mapped_pages(base, bytes.size()), 3u);
  }
  auto m = Memory::create(type, ir::kMaxPages32, &pool, &*image);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  ASSERT_EQ((*m)->data(), base);
  EXPECT_EQ(std::memcmp(base, bytes.data(), bytes.size()), 0);
}

// Covers: a FaultAroundSwitch used in a forked child does nothing (a userfaultfd acts on
// the address space of the process that opened it: the child would register the
// parent's mappings) and says so.
TEST(MemoryPool, FaultAroundSwitchDoesNothingAfterFork) {
  const size_t ps = platform::page_size();
  std::vector<uint8_t> bytes(4 * ps, 1);
  auto image = platform::ImageFile::create(bytes.data(), bytes.size());
  ASSERT_TRUE(image.ok());
  auto r = platform::Reservation::reserve(bytes.size());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->map_image(*image, bytes.size()).ok());
  const platform::FaultAroundSwitch sw = platform::FaultAroundSwitch::open();
  if (!sw.works()) GTEST_SKIP() << "no userfaultfd with WP_ASYNC here (Linux 6.7+)";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(sw.turn_off(r->base(), bytes.size()) ? 1 : 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "turn_off claimed success in the child";
  EXPECT_TRUE(sw.turn_off(r->base(), bytes.size()));  // and works in the parent
}

} // namespace
} // namespace skiff::engine::runtime
