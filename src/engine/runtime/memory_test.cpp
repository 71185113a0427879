#include "engine/runtime/memory.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "engine/runtime/memory_pool.h"
#include "engine/runtime/store.h"

namespace skiff::engine::runtime {
namespace {

ir::MemType mem(uint64_t min, std::optional<uint64_t> max = std::nullopt) {
  return ir::MemType{ir::Limits{min, max}};
}

// Covers: initial pages are committed, zeroed and writable; size in bytes.
// Covers: bulk_copy in slices gives memmove's result for overlapping ranges either way
// round and for unaligned lengths; bulk_fill likewise; a stop word already set returns
// its reason before anything is written.
TEST(BulkSlices, MatchMemmoveAndMemsetAndStopBeforeWriting) {
  const uint32_t n = 3 * kBulkSlice + 12345;
  const uint32_t shift = kBulkSlice / 2 + 7;
  std::vector<uint8_t> pattern(n + shift);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<uint8_t>(i * 131 + (i >> 11));
  const std::atomic<uint32_t> go{0}, halt{static_cast<uint32_t>(StopReason::Deadline)};
  for (bool down : {true, false}) {
    std::vector<uint8_t> got = pattern, want = pattern;
    uint8_t* dst = got.data() + (down ? 0 : shift);
    const uint8_t* src = got.data() + (down ? shift : 0);
    ASSERT_EQ(bulk_copy(dst, src, n, &go), 0u);
    std::memmove(want.data() + (down ? 0 : shift), want.data() + (down ? shift : 0), n);
    EXPECT_TRUE(got == want) << (down ? "down" : "up");
    std::vector<uint8_t> untouched = pattern;
    EXPECT_EQ(bulk_copy(untouched.data(), untouched.data() + shift, n, &halt),
              static_cast<uint32_t>(StopReason::Deadline));
    EXPECT_TRUE(untouched == pattern);
  }
  std::vector<uint8_t> filled = pattern;
  ASSERT_EQ(bulk_fill(filled.data() + 1, 0xab, n, &go), 0u);
  EXPECT_EQ(filled[0], pattern[0]);
  EXPECT_EQ(std::count(filled.begin() + 1, filled.begin() + 1 + n, 0xab), static_cast<long>(n));
  EXPECT_EQ(filled[n + 1], pattern[n + 1]);
  EXPECT_EQ(bulk_fill(filled.data(), 0, n, &halt), static_cast<uint32_t>(StopReason::Deadline));
  EXPECT_EQ(filled[1], 0xab);
}

TEST(Memory, StartsWithMinimumPagesZeroed) {
  auto m = Memory::create(mem(2, 4));
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ((*m)->pages(), 2u);
  EXPECT_EQ((*m)->size_bytes(), 2u * 65536);
  uint8_t* d = (*m)->data();
  EXPECT_EQ(d[0], 0);
  EXPECT_EQ(d[2 * 65536 - 1], 0);
  d[2 * 65536 - 1] = 0xAB;
  EXPECT_EQ(d[2 * 65536 - 1], 0xAB);
}

// Covers: a memory whose initial pages could not be committed (RLIMIT_DATA here; strict
// overcommit in production) goes back to the pool reset, so the next memory of the same
// layout is made accessible instead of handed out as prepared and inaccessible (a
// segfault in the host, or a wrong out-of-bounds trap in compiled code).
TEST(Memory, AFailedSetupDoesNotPoisonThePool) {
  MemoryPool pool;
  constexpr uint64_t kPages = 4096;  // 256 MiB
  rlimit was{};
  ASSERT_EQ(::getrlimit(RLIMIT_DATA, &was), 0);
  // Room for 64 MiB more than the process has now: allocations go on, the commit fails.
  uint64_t data_kb = 0;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmData:", 0) == 0) data_kb = std::stoull(line.substr(7));
  ASSERT_GT(data_kb, 0u);
  rlimit small = was;
  small.rlim_cur = (data_kb << 10) + (64 << 20);
  ASSERT_EQ(::setrlimit(RLIMIT_DATA, &small), 0);
  auto failed = Memory::create(mem(kPages), ir::kMaxPages32, &pool);
  ASSERT_EQ(::setrlimit(RLIMIT_DATA, &was), 0);
  ASSERT_FALSE(failed.ok()) << "the commit was expected to fail under RLIMIT_DATA";
  EXPECT_EQ(pool.idle(), 1u) << "the reservation, reset, is kept";
  auto m = Memory::create(mem(kPages), ir::kMaxPages32, &pool);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  uint8_t* d = (*m)->data();
  EXPECT_EQ(d[0], 0);
  d[kPages * 65536 - 1] = 0xAB;
  EXPECT_EQ(d[kPages * 65536 - 1], 0xAB);
}

// Covers: memory.grow returns the previous size, never moves the base, and new pages
// read as zero.
TEST(Memory, GrowReturnsPreviousSizeAndKeepsBase) {
  auto m = Memory::create(mem(1, 10));
  ASSERT_TRUE(m.ok());
  uint8_t* base = (*m)->data();
  EXPECT_EQ((*m)->grow(3), 1);
  EXPECT_EQ((*m)->pages(), 4u);
  EXPECT_EQ((*m)->data(), base);
  EXPECT_EQ(base[4 * 65536 - 1], 0);
  EXPECT_EQ((*m)->grow(0), 4);
}

// Covers: growing past the type's maximum fails with -1 and changes nothing.
TEST(Memory, GrowPastMaximumFails) {
  auto m = Memory::create(mem(1, 2));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->grow(2), -1);
  EXPECT_EQ((*m)->pages(), 1u);
  EXPECT_EQ((*m)->grow(1), 1);
  EXPECT_EQ((*m)->grow(1), -1);
  EXPECT_EQ((*m)->grow(0xFFFFFFFF), -1);
}

// Covers: a store limit below the type's maximum caps growth; a minimum above the limit
// is an error at creation.
TEST(Memory, StoreLimitCapsGrowth) {
  auto m = Memory::create(mem(1), /*page_limit=*/3);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->grow(2), 1);
  EXPECT_EQ((*m)->grow(1), -1);
  auto too_big = Memory::create(mem(4), /*page_limit=*/3);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::MemoryLimit);
}

// Covers: without a maximum a memory can grow to the full 4 GiB (65536 pages), committed
// lazily, and no further.
TEST(Memory, GrowsToFourGiBWithoutMaximum) {
  auto m = Memory::create(mem(0));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->pages(), 0u);
  EXPECT_EQ((*m)->grow(65536), 0);
  EXPECT_EQ((*m)->size_bytes(), 4ull << 30);
  (*m)->data()[(4ull << 30) - 1] = 1;  // the last byte is writable
  EXPECT_EQ((*m)->grow(1), -1);
}

// Covers: many memories at once (each reserves 8 GiB of address space, not memory).
TEST(Memory, ManyMemoriesCoexist) {
  std::vector<std::unique_ptr<Memory>> all;
  for (int i = 0; i < 64; ++i) {
    auto m = Memory::create(mem(1, 1));
    ASSERT_TRUE(m.ok()) << i << ": " << m.error().to_string();
    (*m)->data()[0] = static_cast<uint8_t>(i);
    all.push_back(std::move(*m));
  }
  for (int i = 0; i < 64; ++i) EXPECT_EQ(all[i]->data()[0], i);
}

}  // namespace
}  // namespace skiff::engine::runtime
