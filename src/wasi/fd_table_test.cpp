#include "wasi/fd_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

// Covers the descriptor table on both sides of its inline part (fds 0-7 in the table,
// the rest in a map): lowest-free numbering, reuse after close, renumbering across the
// boundary, entries keeping their addresses while others come and go, and which host
// descriptors it closes (owned ones, when closed, replaced or with the table; never
// borrowed ones or entries moved away).

namespace skiff::wasi {
namespace {

// A host descriptor the table may own: one end of a pipe.
int host_fd() {
  int p[2];
  EXPECT_EQ(::pipe(p), 0);
  ::close(p[1]);
  return p[0];
}

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

FdEntry entry(int host, std::string name = "") {
  FdEntry e;
  e.host = host;
  e.preopen_name = std::move(name);
  return e;
}

uint32_t insert(FdTable& t, FdEntry e) {
  uint32_t fd = 0;
  EXPECT_EQ(t.insert(std::move(e), fd), Errno::Success);
  return fd;
}

TEST(FdTable, NumbersFromThreeUpAndReusesTheLowestFree) {
  FdTable t;
  std::vector<uint32_t> fds;
  for (int i = 0; i < 12; ++i) fds.push_back(insert(t, entry(-1, std::to_string(i))));
  for (uint32_t i = 0; i < 12; ++i) EXPECT_EQ(fds[i], 3 + i);
  EXPECT_EQ(t.get(0), nullptr) << "0-2 are never handed out by insert";
  EXPECT_EQ(t.close(5), Errno::Success);
  EXPECT_EQ(t.close(9), Errno::Success);
  EXPECT_EQ(t.close(9), Errno::Badf);
  EXPECT_EQ(t.get(5), nullptr);
  EXPECT_EQ(insert(t, entry(-1, "a")), 5u);
  EXPECT_EQ(insert(t, entry(-1, "b")), 9u);
  EXPECT_EQ(insert(t, entry(-1, "c")), 15u);
  EXPECT_EQ(t.get(9)->preopen_name, "b");
  EXPECT_EQ(t.get(14)->preopen_name, "11");
}

TEST(FdTable, EntriesKeepTheirAddresses) {
  FdTable t;
  FdEntry* low = t.get(insert(t, entry(-1, "dir")));
  for (int i = 0; i < 20; ++i) insert(t, entry(-1));
  FdEntry* high = t.get(20);
  ASSERT_NE(high, nullptr);
  for (uint32_t fd = 6; fd < 20; ++fd) ASSERT_EQ(t.close(fd), Errno::Success);
  for (int i = 0; i < 40; ++i) insert(t, entry(-1));
  EXPECT_EQ(t.get(3), low);
  EXPECT_EQ(low->preopen_name, "dir");
  EXPECT_EQ(t.get(20), high);
}

TEST(FdTable, RenumberMovesAcrossTheInlinePartAndClosesWhatItReplaces) {
  FdTable t;
  const int a = host_fd(), b = host_fd(), c = host_fd();
  insert(t, entry(a, "a"));  // 3
  for (int i = 0; i < 6; ++i) insert(t, entry(-1));  // 4-9
  t.insert_at(10, entry(b, "b"));
  t.insert_at(4, entry(c, "c"));  // replaces 4's entry, which owned no descriptor
  EXPECT_EQ(t.renumber(3, 11), Errno::Badf) << "the target must be open";
  EXPECT_EQ(t.renumber(3, 10), Errno::Success);
  EXPECT_EQ(t.get(3), nullptr);
  EXPECT_EQ(t.get(10)->preopen_name, "a");
  EXPECT_TRUE(is_open(a)) << "the moved entry's descriptor stays open";
  EXPECT_FALSE(is_open(b)) << "the replaced entry's descriptor is closed";
  EXPECT_EQ(t.renumber(10, 4), Errno::Success);
  EXPECT_EQ(t.get(4)->host, a);
  EXPECT_EQ(t.get(10), nullptr);
  EXPECT_FALSE(is_open(c));
  EXPECT_EQ(t.renumber(4, 4), Errno::Success);
  EXPECT_EQ(insert(t, entry(-1)), 3u);
  EXPECT_EQ(insert(t, entry(-1)), 10u);
  EXPECT_TRUE(is_open(a));
}

TEST(FdTable, ClosesOwnedDescriptorsOnlyAndAllOfThemWithTheTable) {
  const int borrowed = host_fd(), low = host_fd(), high = host_fd(), closed = host_fd();
  {
    FdTable t;
    FdEntry stdio = entry(borrowed);
    stdio.owned = false;
    t.insert_at(1, std::move(stdio));
    insert(t, entry(low));
    for (int i = 0; i < 8; ++i) insert(t, entry(-1));
    t.insert_at(40, entry(high));
    uint32_t fd = insert(t, entry(closed));
    EXPECT_EQ(t.close(fd), Errno::Success);
    EXPECT_FALSE(is_open(closed));
    EXPECT_EQ(t.close(1), Errno::Success);
    EXPECT_TRUE(is_open(borrowed));
    EXPECT_TRUE(is_open(low));
    EXPECT_TRUE(is_open(high));
  }
  EXPECT_FALSE(is_open(low));
  EXPECT_FALSE(is_open(high));
  EXPECT_TRUE(is_open(borrowed));
  ::close(borrowed);
}

TEST(FdTable, RightsAreChecked) {
  FdTable t;
  FdEntry e = entry(-1);
  e.rights_base = 0b0110;
  const uint32_t fd = insert(t, std::move(e));
  Errno err = Errno::Success;
  EXPECT_NE(t.get(fd, 0b0100, err), nullptr);
  EXPECT_EQ(err, Errno::Success);
  EXPECT_EQ(t.get(fd, 0b0101, err), nullptr);
  EXPECT_EQ(err, Errno::NotCapable);
  EXPECT_EQ(t.get(fd + 1, 0, err), nullptr);
  EXPECT_EQ(err, Errno::Badf);
}

}  // namespace
}  // namespace skiff::wasi
