#include "platform/beneath.h"
#include "support/files.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

// Covers, for both resolvers (Openat2 and Walk: one contract), each test on a fresh tree:
//   - plain relative paths, "." and empty components, ".." that stays beneath the root
//   - ".." at or below the top, absolute paths, symlinks that lead out (relative, absolute,
//     "/", chains, a "../.." inside a subdirectory): EXDEV, and nothing appears outside
//   - symlinks inside followed (chains, "..", "."), also with follow=false when they are
//     not the final component; a final symlink without follow: ELOOP (O_PATH: the link)
//   - loops and the 40-link limit: ELOOP
//   - an escape after 21 or more symlinks: the one errno the modes may differ on (the walk
//     says EXDEV, openat2 EXDEV or ELOOP; see EscapeAfterManySymlinksIsRefused)
//   - ENOENT and ENOTDIR (missing components, dangling links, files used as directories)
//   - O_CREAT: creates beneath the root only; O_CREAT|O_EXCL never follows a final symlink
//   - a trailing '/': the final component must be a directory and a symlink there is
//     followed even without follow; O_CREAT through it is EISDIR
//   - the empty path, NUL bytes, overlong components and paths (ENAMETOOLONG)
//   - open_parent: directory fd + single-component name, "." for the directory itself,
//     trailing_slash, escapes and lookup errors
//   - returned descriptors are O_CLOEXEC, and fd_out is -1 on every failure
//
// The tree, rebuilt in a temporary directory for every test:
//   root/                           the directory everything is resolved beneath
//     file                          "hello"
//     dir/file2                     "nested"
//     dir/sub/deep                  "deep"
//     dir/up -> ..                  back to root: inside
//     dir/upup -> ../..             out of root from a subdirectory
//     link_file -> file
//     link_dir -> dir/sub
//     link_dir_slash -> dir/sub/
//     link_file_slash -> file/      names a file with a trailing '/'
//     chain1 -> chain2 -> chain3 -> link_file
//     dot -> .
//     link_out -> ../outside
//     link_out_secret -> ../outside/secret
//     chain_out1 -> chain_out2 -> link_out_secret
//     link_abs_inside -> <absolute path of root/file>   absolute: refused even so
//     link_slash -> /
//     link_etc -> /etc
//     loop_a -> loop_b -> loop_a
//     self_loop -> self_loop
//     dangling -> missing_target
//     dangling_out -> ../outside/created_by_escape
//   outside/secret                  "secret": the sibling that must stay out of reach

namespace skiff::platform {
namespace {

using Mode = Beneath::Mode;

constexpr int kRead = O_RDONLY;
constexpr int kCreate = O_WRONLY | O_CREAT;
constexpr int kCreateExcl = O_WRONLY | O_CREAT | O_EXCL;

// Owns one descriptor.
struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

using skiff::test::entries;

std::string read_all(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

// A path as a trace shows it: NULs visible, long ones shortened.
std::string shown(std::string_view path) {
  std::string out;
  for (char c : path.substr(0, 80))
    out += c == '\0' ? std::string("\\0") : std::string(1, c);
  if (path.size() > 80) out += "...(" + std::to_string(path.size()) + " bytes)";
  return out;
}

mode_t umask_now() {
  const mode_t m = ::umask(0);
  ::umask(m);
  return m;
}

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

class BeneathTest : public ::testing::TestWithParam<Mode> {
protected:
  void SetUp() override {
    if (GetParam() == Mode::Openat2 && Beneath(Mode::Auto).mode() != Mode::Openat2) {
      GTEST_SKIP() << "the kernel lacks openat2(2) (Linux 5.6+): Openat2 mode not testable";
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/skiff_beneath_test_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr) << std::strerror(errno);
    m_base = templ;
    make_dir("root");
    make_dir("root/dir");
    make_dir("root/dir/sub");
    make_dir("outside");
    make_file("root/file", "hello");
    make_file("root/dir/file2", "nested");
    make_file("root/dir/sub/deep", "deep");
    make_file("outside/secret", "secret");
    make_link("..", "root/dir/up");
    make_link("../..", "root/dir/upup");
    make_link("file", "root/link_file");
    make_link("dir/sub", "root/link_dir");
    make_link("dir/sub/", "root/link_dir_slash");
    make_link("file/", "root/link_file_slash");
    make_link("chain2", "root/chain1");
    make_link("chain3", "root/chain2");
    make_link("link_file", "root/chain3");
    make_link(".", "root/dot");
    make_link("../outside", "root/link_out");
    make_link("../outside/secret", "root/link_out_secret");
    make_link("chain_out2", "root/chain_out1");
    make_link("link_out_secret", "root/chain_out2");
    make_link(m_base + "/root/file", "root/link_abs_inside");
    make_link("/", "root/link_slash");
    make_link("/etc", "root/link_etc");
    make_link("loop_b", "root/loop_a");
    make_link("loop_a", "root/loop_b");
    make_link("self_loop", "root/self_loop");
    make_link("missing_target", "root/dangling");
    make_link("../outside/created_by_escape", "root/dangling_out");
    ASSERT_FALSE(HasFatalFailure());
    m_root = ::open((m_base + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(m_root, 0) << std::strerror(errno);
    m_base_entries = entries(m_base);
    m_outside_entries = entries(m_base + "/outside");
    ASSERT_EQ(m_base_entries, (std::set<std::string>{"outside", "root"}));
    ASSERT_EQ(m_outside_entries, (std::set<std::string>{"secret"}));
  }

  void TearDown() override {
    if (m_root >= 0) ::close(m_root);
    if (!m_base.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(m_base, ec); // does not follow the symlinks
      EXPECT_FALSE(ec) << ec.message();
    }
  }

  void make_dir(const std::string& rel) {
    ASSERT_EQ(::mkdir((m_base + "/" + rel).c_str(), 0755), 0)
        << rel << ": " << std::strerror(errno);
  }
  void make_file(const std::string& rel, std::string_view content) {
    int fd = ::open((m_base + "/" + rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << rel << ": " << std::strerror(errno);
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::close(fd);
  }
  void make_link(const std::string& target, const std::string& rel) {
    ASSERT_EQ(::symlink(target.c_str(), (m_base + "/" + rel).c_str()), 0)
        << rel << ": " << std::strerror(errno);
  }

  int open(std::string_view path, int flags, bool follow, Fd& fd) {
    fd.reset();
    return m_beneath.open(m_root, path, flags, 0600, follow, fd.fd);
  }

  // Whether `rel` (below the temporary directory, not followed if a symlink) exists.
  bool exists(const std::string& rel) const {
    struct stat st;
    return ::lstat((m_base + "/" + rel).c_str(), &st) == 0;
  }

  // Whether `fd` is the file `rel` names (below the temporary directory, not followed).
  ::testing::AssertionResult is_file(int fd, const std::string& rel) const {
    struct stat a, b;
    if (::fstat(fd, &a) != 0)
      return ::testing::AssertionFailure() << "fstat: " << std::strerror(errno);
    if (::lstat((m_base + "/" + rel).c_str(), &b) != 0) {
      return ::testing::AssertionFailure() << rel << ": " << std::strerror(errno);
    }
    if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
      return ::testing::AssertionFailure() << "the descriptor is not " << rel;
    }
    return ::testing::AssertionSuccess();
  }

  // Nothing was created (or removed) next to root or in outside/.
  ::testing::AssertionResult outside_unchanged() const {
    if (entries(m_base) != m_base_entries) {
      return ::testing::AssertionFailure() << "entries next to root changed";
    }
    if (entries(m_base + "/outside") != m_outside_entries) {
      return ::testing::AssertionFailure() << "entries in outside/ changed";
    }
    return ::testing::AssertionSuccess();
  }

  // open() succeeds and gives the file `rel` (relative to the temporary directory).
  void expect_opens(std::string_view path, int flags, bool follow, const std::string& rel) {
    SCOPED_TRACE(::testing::Message() << "path \"" << shown(path) << "\" follow=" << follow);
    Fd fd;
    ASSERT_EQ(open(path, flags, follow, fd), 0);
    ASSERT_GE(fd.fd, 0);
    EXPECT_TRUE(is_file(fd.fd, rel));
  }

  // open() fails with exactly `err`, leaves fd_out at -1 and creates nothing outside.
  void expect_fails(std::string_view path, int flags, bool follow, int err) {
    SCOPED_TRACE(::testing::Message() << "path \"" << shown(path) << "\" follow=" << follow);
    Fd fd;
    fd.fd = 12345; // must be overwritten with -1
    EXPECT_EQ(m_beneath.open(m_root, path, flags, 0600, follow, fd.fd), err)
        << "expected " << std::strerror(err);
    EXPECT_EQ(fd.fd, -1);
    if (fd.fd == 12345) fd.fd = -1;
    EXPECT_TRUE(outside_unchanged());
  }

  // open() fails with one of `errs` (where the resolvers legitimately differ).
  void expect_fails_one_of(std::string_view path, int flags, bool follow, std::set<int> errs) {
    SCOPED_TRACE(::testing::Message() << "path \"" << shown(path) << "\" follow=" << follow);
    Fd fd;
    const int err = m_beneath.open(m_root, path, flags, 0600, follow, fd.fd);
    EXPECT_EQ(errs.count(err), 1u) << "got " << err << " " << std::strerror(err);
    EXPECT_EQ(fd.fd, -1);
    EXPECT_TRUE(outside_unchanged());
  }

  // open_parent() succeeds with the directory `dir_rel` and `name`.
  void expect_parent(std::string_view path, const std::string& dir_rel, const std::string& name,
                     bool trailing_slash) {
    SCOPED_TRACE(::testing::Message() << "open_parent \"" << shown(path) << "\"");
    Beneath::Parent p;
    ASSERT_EQ(m_beneath.open_parent(m_root, path, p), 0);
    Fd owner;
    owner.fd = p.fd;
    ASSERT_GE(p.fd, 0);
    EXPECT_TRUE(is_file(p.fd, dir_rel));
    EXPECT_EQ(p.name, name);
    EXPECT_EQ(p.trailing_slash, trailing_slash);
    EXPECT_EQ(p.name.find('/'), std::string::npos);
  }

  void expect_parent_fails(std::string_view path, int err) {
    SCOPED_TRACE(::testing::Message() << "open_parent \"" << shown(path) << "\"");
    Beneath::Parent p;
    p.fd = 12345;
    EXPECT_EQ(m_beneath.open_parent(m_root, path, p), err) << "expected " << std::strerror(err);
    EXPECT_EQ(p.fd, -1);
    if (p.fd >= 0 && p.fd != 12345) ::close(p.fd);
    EXPECT_TRUE(outside_unchanged());
  }

  Beneath m_beneath{GetParam()};
  std::string m_base; // the temporary directory holding root/ and outside/
  int m_root = -1;
  std::set<std::string> m_base_entries, m_outside_entries;
};

// --- paths that stay beneath the root ---------------------------------------------------

TEST_P(BeneathTest, OpensPlainRelativePaths) {
  for (bool follow : {true, false}) {
    expect_opens("file", kRead, follow, "root/file");
    expect_opens("dir/file2", kRead, follow, "root/dir/file2");
    expect_opens("dir/sub/deep", kRead, follow, "root/dir/sub/deep");
    expect_opens("dir", kRead | O_DIRECTORY, follow, "root/dir");
  }
  Fd fd;
  ASSERT_EQ(open("dir/sub/deep", kRead, true, fd), 0);
  EXPECT_EQ(read_all(fd.fd), "deep");
}

TEST_P(BeneathTest, SkipsDotAndEmptyComponents) {
  expect_opens("./file", kRead, true, "root/file");
  expect_opens("dir/./file2", kRead, true, "root/dir/file2");
  expect_opens("dir//file2", kRead, true, "root/dir/file2");
  expect_opens(".//dir///sub/./deep", kRead, true, "root/dir/sub/deep");
  expect_opens("./././file", kRead, false, "root/file");
}

TEST_P(BeneathTest, ResolvesDotDotThatStaysInside) {
  expect_opens("dir/../file", kRead, true, "root/file");
  expect_opens("dir/sub/../../file", kRead, true, "root/file");
  expect_opens("dir/sub/../file2", kRead, true, "root/dir/file2");
  expect_opens("dir/sub/../../dir/sub/deep", kRead, false, "root/dir/sub/deep");
}

TEST_P(BeneathTest, DotAndDotDotBackAtTheTopOpenTheRootItself) {
  expect_opens(".", kRead | O_DIRECTORY, false, "root");
  expect_opens("./", kRead | O_DIRECTORY, false, "root");
  expect_opens("dir/..", kRead | O_DIRECTORY, false, "root");
  expect_opens("dir/sub/../..", kRead, true, "root");
}

// --- escapes: EXDEV, and nothing created outside ----------------------------------------

TEST_P(BeneathTest, DotDotAtTheTopIsExdev) {
  expect_fails("..", kRead, true, EXDEV);
  expect_fails("../", kRead, true, EXDEV);
  expect_fails("./..", kRead, true, EXDEV);
  expect_fails("../outside/secret", kRead, true, EXDEV);
  expect_fails("../root/file", kRead, true, EXDEV); // back inside, but it left first
  expect_fails("../created", kCreate, true, EXDEV);
  expect_fails("../outside/created", kCreateExcl, false, EXDEV);
}

TEST_P(BeneathTest, DotDotBelowTheTopIsExdev) {
  expect_fails("dir/../..", kRead, true, EXDEV);
  expect_fails("dir/../../x", kRead, true, EXDEV);
  expect_fails("dir/sub/../../../root/file", kRead, true, EXDEV);
  expect_fails("dir/../../outside/secret", kRead, false, EXDEV);
  expect_fails("dir/../../created", kCreate, true, EXDEV);
  expect_fails("dir/../../outside/created", kCreateExcl, true, EXDEV);
}

TEST_P(BeneathTest, AbsolutePathsAreExdev) {
  expect_fails("/", kRead, true, EXDEV);
  expect_fails("//", kRead, true, EXDEV);
  expect_fails("/etc/passwd", kRead, true, EXDEV);
  expect_fails(m_base + "/root/file", kRead, true, EXDEV); // absolute even though inside
  expect_fails(m_base + "/outside/secret", kRead, false, EXDEV);
  expect_fails(m_base + "/outside/created", kCreate, true, EXDEV);
  expect_fails(m_base + "/created", kCreateExcl, false, EXDEV);
}

TEST_P(BeneathTest, SymlinksLeadingOutAreExdev) {
  for (bool follow : {true, false}) {
    // Not the final component: followed whatever `follow` says, so refused.
    expect_fails("link_out/secret", kRead, follow, EXDEV);
    expect_fails("link_etc/passwd", kRead, follow, EXDEV);
    expect_fails("link_slash/etc", kRead, follow, EXDEV);
    expect_fails("dir/upup/outside/secret", kRead, follow, EXDEV);
    expect_fails("dir/up/..", kRead, follow, EXDEV); // dir/up is the root itself
    expect_fails("link_out/created", kCreate, follow, EXDEV);
    expect_fails("link_out/created", kCreateExcl, follow, EXDEV);
    // A trailing '/' follows the final symlink even without `follow`.
    expect_fails("link_out/", kRead, follow, EXDEV);
    expect_fails("dir/upup/", kRead, follow, EXDEV);
    expect_fails("link_slash/.", kRead, follow, EXDEV);
  }
  expect_fails("link_out", kRead, true, EXDEV);
  expect_fails("link_out_secret", kRead, true, EXDEV);
  expect_fails("chain_out1", kRead, true, EXDEV);
  expect_fails("link_abs_inside", kRead, true, EXDEV); // absolute even though inside
  expect_fails("link_slash", kRead, true, EXDEV);
  expect_fails("link_etc", kRead, true, EXDEV);
  expect_fails("dir/upup", kRead, true, EXDEV);
  // O_CREAT follows a dangling final symlink (without O_EXCL): here it would create
  // outside/created_by_escape.
  expect_fails("dangling_out", kCreate, true, EXDEV);
  EXPECT_FALSE(exists("outside/created_by_escape"));
}

// --- symlinks inside --------------------------------------------------------------------

TEST_P(BeneathTest, FollowsSymlinksThatStayInside) {
  expect_opens("link_file", kRead, true, "root/file");
  expect_opens("chain1", kRead, true, "root/file");
  expect_opens("link_dir", kRead | O_DIRECTORY, true, "root/dir/sub");
  expect_opens("link_dir_slash", kRead | O_DIRECTORY, true, "root/dir/sub");
  expect_opens("dir/up/file", kRead, true, "root/file");
  expect_opens("dir/up", kRead, true, "root");
  expect_opens("dot/dot/dir/file2", kRead, true, "root/dir/file2");
  // ".." after a symlink is the parent of where the link led (dir/sub/.. is dir).
  expect_opens("link_dir/../file2", kRead, true, "root/dir/file2");
  // Symlinks before the final component are followed even without `follow`.
  for (bool follow : {true, false}) {
    expect_opens("link_dir/deep", kRead, follow, "root/dir/sub/deep");
    expect_opens("link_dir_slash/deep", kRead, follow, "root/dir/sub/deep");
    expect_opens("dir/up/dir/up/file", kRead, follow, "root/file");
  }
  Fd fd;
  ASSERT_EQ(open("chain1", kRead, true, fd), 0);
  EXPECT_EQ(read_all(fd.fd), "hello");
}

TEST_P(BeneathTest, FinalSymlinkWithoutFollowIsEloop) {
  expect_fails("link_file", kRead, false, ELOOP);
  expect_fails("chain1", kRead, false, ELOOP);
  expect_fails("link_dir", kRead, false, ELOOP);
  expect_fails("dir/up", kRead, false, ELOOP);
  expect_fails("dangling", kRead, false, ELOOP);
  expect_fails("loop_a", kRead, false, ELOOP);
  // Not followed, so not an escape either: the refusal is ELOOP, not EXDEV.
  expect_fails("link_out", kRead, false, ELOOP);
  expect_fails("link_abs_inside", kRead, false, ELOOP);
  expect_fails("link_slash", kRead, false, ELOOP);
  expect_fails("dangling_out", kCreate, false, ELOOP);
  EXPECT_FALSE(exists("outside/created_by_escape"));
  EXPECT_FALSE(exists("root/missing_target"));
}

TEST_P(BeneathTest, NoFollowWithOPathOpensTheLinkItself) {
  expect_opens("link_out", O_PATH, false, "root/link_out");
  expect_opens("dir/upup", O_PATH, false, "root/dir/upup");
  expect_opens("link_dir/../up", O_PATH, false, "root/dir/up");
  expect_fails("link_out", O_PATH, true, EXDEV);
}

TEST_P(BeneathTest, SymlinkLoopsAreEloop) {
  for (bool follow : {true, false}) {
    expect_fails("loop_a/x", kRead, follow, ELOOP);
    expect_fails("self_loop/", kRead, follow, ELOOP);
    expect_fails("loop_b/.", kRead, follow, ELOOP);
    expect_fails("self_loop/x", kCreate, follow, ELOOP);
  }
  expect_fails("loop_a", kRead, true, ELOOP);
  expect_fails("self_loop", kRead, true, ELOOP);
  expect_fails("loop_a", kCreate, true, ELOOP);
}

TEST_P(BeneathTest, FollowsAtMostFortySymlinks) {
  // Linux's MAXSYMLINKS: 40 links in one resolution are fine, the 41st is ELOOP.
  expect_opens(repeat("dot/", 39) + "link_file", kRead, true, "root/file");
  expect_opens(repeat("dot/", 40) + "file", kRead, false, "root/file");
  expect_fails(repeat("dot/", 40) + "link_file", kRead, true, ELOOP);
  expect_fails(repeat("dot/", 41) + "file", kRead, false, ELOOP);
}

TEST_P(BeneathTest, EscapeAfterManySymlinksIsRefused) {
  // 20 symlinks, then ".." at the top: EXDEV from both.
  expect_fails(repeat("dot/", 20) + "../x", kRead, true, EXDEV);
  expect_fails(repeat("dot/", 19) + "link_out/secret", kRead, true, EXDEV);
  // 21 or more: the walk says EXDEV; openat2 may say ELOOP, and both values are right.
  // The kernel's RCU walk gives up on a ".." at the top under RESOLVE_BENEATH (ECHILD)
  // and redoes the lookup in ref-walk mode without resetting its symlink count, so the
  // links before the ".." count twice (2 x 21 > 40). Linux 6.18 does this; a kernel that
  // resets the count would say EXDEV.
  if (GetParam() == Mode::Walk) {
    expect_fails(repeat("dot/", 21) + "../x", kRead, true, EXDEV);
    expect_fails(repeat("dot/", 20) + "link_out/secret", kRead, true, EXDEV);
    expect_fails(repeat("dot/", 30) + "dir/upup/x", kCreate, true, EXDEV);
  } else {
    expect_fails_one_of(repeat("dot/", 21) + "../x", kRead, true, {EXDEV, ELOOP});
    expect_fails_one_of(repeat("dot/", 20) + "link_out/secret", kRead, true, {EXDEV, ELOOP});
    expect_fails_one_of(repeat("dot/", 30) + "dir/upup/x", kCreate, true, {EXDEV, ELOOP});
  }
  // Past 40 links both say ELOOP before reaching the "..".
  expect_fails(repeat("dot/", 41) + "../x", kRead, true, ELOOP);
}

// --- lookup errors ----------------------------------------------------------------------

TEST_P(BeneathTest, MissingComponentsAreEnoent) {
  expect_fails("missing", kRead, true, ENOENT);
  expect_fails("missing/x", kRead, true, ENOENT);
  expect_fails("dir/missing/x", kRead, true, ENOENT);
  expect_fails("missing/..", kRead, true, ENOENT);
  expect_fails("missing/.", kRead, true, ENOENT);
  expect_fails("missing/", kRead, false, ENOENT);
  expect_fails("dangling", kRead, true, ENOENT);
  expect_fails("dangling/", kRead, false, ENOENT);
  expect_fails("dangling/x", kRead, false, ENOENT);
  expect_fails("missing/new", kCreate, true, ENOENT);
  expect_fails("missing/../../x", kRead, true, ENOENT); // the lookup fails before ".."
}

TEST_P(BeneathTest, NonDirectoriesUsedAsDirectoriesAreEnotdir) {
  for (bool follow : {true, false}) {
    expect_fails("file/x", kRead, follow, ENOTDIR);
    expect_fails("file/", kRead, follow, ENOTDIR);
    expect_fails("file/.", kRead, follow, ENOTDIR);
    expect_fails("file/..", kRead, follow, ENOTDIR);
    expect_fails("link_file/x", kRead, follow, ENOTDIR);
    expect_fails("link_file/", kRead, follow, ENOTDIR);
    expect_fails("file", kRead | O_DIRECTORY, follow, ENOTDIR);
    expect_fails("file/new", kCreate, follow, ENOTDIR);
    expect_fails("file/../../x", kRead, follow, ENOTDIR);
  }
  expect_fails("link_file", kRead | O_DIRECTORY, true, ENOTDIR);
  expect_fails("link_file_slash", kRead, true, ENOTDIR); // the link's own trailing '/'
  expect_fails("chain1/", kRead, false, ENOTDIR);
}

// --- creating files ---------------------------------------------------------------------

TEST_P(BeneathTest, CreatesFilesBeneathTheRoot) {
  expect_opens("new", kCreateExcl, false, "root/new");
  expect_opens("dir/sub/new2", kCreateExcl, true, "root/dir/sub/new2");
  expect_opens("link_dir/new3", kCreateExcl, false, "root/dir/sub/new3");
  expect_opens("dir/up/new4", kCreate, true, "root/new4");
  expect_opens("dir/../new5", kCreate, false, "root/new5");
  // O_CREAT without O_EXCL follows a dangling final symlink and creates its target.
  expect_opens("dangling", kCreate, true, "root/missing_target");
  // An existing file is opened, not replaced.
  expect_opens("new", kCreate, true, "root/new");
  struct stat st;
  ASSERT_EQ(::lstat((m_base + "/root/new").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u & ~static_cast<unsigned>(umask_now()));
  EXPECT_TRUE(outside_unchanged());
}

TEST_P(BeneathTest, ExclusiveCreateNeverFollowsAFinalSymlink) {
  for (bool follow : {true, false}) {
    expect_fails("file", kCreateExcl, follow, EEXIST);
    expect_fails("link_file", kCreateExcl, follow, EEXIST);
    expect_fails("dangling", kCreateExcl, follow, EEXIST);
    expect_fails("dangling_out", kCreateExcl, follow, EEXIST);
    expect_fails("link_out", kCreateExcl, follow, EEXIST);
    expect_fails("loop_a", kCreateExcl, follow, EEXIST);
  }
  EXPECT_FALSE(exists("root/missing_target"));
  EXPECT_FALSE(exists("outside/created_by_escape"));
}

TEST_P(BeneathTest, CreatingADirectoryOrThroughATrailingSlashIsEisdir) {
  for (bool follow : {true, false}) {
    expect_fails("new/", kCreate, follow, EISDIR);
    expect_fails("new/", kCreateExcl, follow, EISDIR);
    expect_fails("dir/", kCreate, follow, EISDIR);
    expect_fails("link_dir/", kCreate, follow, EISDIR);
    expect_fails("dangling/", kCreate, follow, EISDIR);
    expect_fails("dir", kCreate, follow, EISDIR);
    expect_fails(".", kCreate, follow, EISDIR);
    expect_fails("dir/.", kCreate, follow, EISDIR);
    expect_fails("dir/sub/..", kCreate, follow, EISDIR);
  }
  // The link's own trailing '/' counts the same way.
  expect_fails("link_dir_slash", kCreate, true, EISDIR);
  // O_EXCL on an existing directory (named by "." or "..") is EEXIST.
  expect_fails(".", kCreateExcl, false, EEXIST);
  expect_fails("dir/..", kCreateExcl, false, EEXIST);
  EXPECT_FALSE(exists("root/new"));
  EXPECT_FALSE(exists("root/missing_target"));
}

// --- trailing slashes -------------------------------------------------------------------

TEST_P(BeneathTest, TrailingSlashNeedsADirectoryAndFollowsTheLink) {
  for (bool follow : {true, false}) {
    expect_opens("dir/", kRead, follow, "root/dir");
    expect_opens("dir//", kRead, follow, "root/dir");
    expect_opens("dir/sub/", kRead | O_DIRECTORY, follow, "root/dir/sub");
    expect_opens("link_dir/", kRead, follow, "root/dir/sub");
    expect_opens("link_dir/.", kRead, follow, "root/dir/sub");
    expect_opens("link_dir_slash/", kRead, follow, "root/dir/sub");
    expect_opens("dir/up/", kRead, follow, "root");
    expect_opens("dot/", kRead, follow, "root");
  }
}

// --- malformed paths --------------------------------------------------------------------

TEST_P(BeneathTest, EmptyPathIsEnoent) {
  expect_fails("", kRead, true, ENOENT);
  expect_fails("", kCreate, false, ENOENT);
  expect_fails(std::string_view(), kRead | O_DIRECTORY, true, ENOENT);
}

TEST_P(BeneathTest, NulInThePathIsEinval) {
  using namespace std::string_literals;
  expect_fails("file\0x"s, kRead, true, EINVAL);
  expect_fails("\0"s, kRead, true, EINVAL);
  expect_fails("..\0/x"s, kRead, true, EINVAL);
  expect_fails("new\0"s, kCreate, true, EINVAL);
  EXPECT_FALSE(exists("root/new"));
}

TEST_P(BeneathTest, OverlongNamesAndPathsAreEnametoolong) {
  const std::string name255(255, 'n'), name256(256, 'n');
  expect_fails(name255, kRead, true, ENOENT);
  expect_fails(name256, kRead, true, ENAMETOOLONG);
  expect_fails("dir/" + name256 + "/x", kRead, true, ENAMETOOLONG);
  expect_fails(name256, kCreate, true, ENAMETOOLONG);
  // PATH_MAX (4096) counts the terminating NUL: 4095 bytes resolve, 4096 do not.
  const std::string p4095 = repeat("./", 2045) + "/file";
  const std::string p4096 = repeat("./", 2046) + "file";
  ASSERT_EQ(p4095.size(), 4095u);
  ASSERT_EQ(p4096.size(), 4096u);
  expect_opens(p4095, kRead, true, "root/file");
  expect_fails(p4096, kRead, true, ENAMETOOLONG);
  expect_fails(repeat("dir/../", 1000) + "new", kCreate, true, ENAMETOOLONG);
  EXPECT_FALSE(exists("root/new"));
}

TEST_P(BeneathTest, ReturnsCloseOnExecDescriptors) {
  Fd fd;
  ASSERT_EQ(open("file", kRead, true, fd), 0);
  EXPECT_EQ(::fcntl(fd.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ASSERT_EQ(open("link_dir/", kRead, true, fd), 0);
  EXPECT_EQ(::fcntl(fd.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  Beneath::Parent p;
  ASSERT_EQ(m_beneath.open_parent(m_root, "dir/sub/deep", p), 0);
  fd.reset();
  fd.fd = p.fd;
  EXPECT_EQ(::fcntl(fd.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  EXPECT_EQ(::fcntl(fd.fd, F_GETFL) & O_PATH, O_PATH);
}

// --- open_parent ------------------------------------------------------------------------

TEST_P(BeneathTest, OpenParentSplitsOffTheLastComponent) {
  expect_parent("file", "root", "file", false);
  expect_parent("new", "root", "new", false);
  expect_parent("dir/sub/deep", "root/dir/sub", "deep", false);
  expect_parent("dir//sub//new", "root/dir/sub", "new", false);
  expect_parent("./dir/./file2", "root/dir", "file2", false);
  expect_parent("link_dir/x", "root/dir/sub", "x", false);
  expect_parent("dir/up/file", "root", "file", false);
  expect_parent("dir/sub/../file2", "root/dir", "file2", false);
  // The last component is not resolved: a symlink there is the caller's to handle.
  expect_parent("link_out", "root", "link_out", false);
  expect_parent("dangling_out", "root", "dangling_out", false);
  expect_parent("dir/upup", "root/dir", "upup", false);
  expect_parent("loop_a", "root", "loop_a", false);
}

TEST_P(BeneathTest, OpenParentOfDotOrDotDotIsTheDirectoryItself) {
  expect_parent(".", "root", ".", false);
  expect_parent("dir/.", "root/dir", ".", false);
  expect_parent("dir/..", "root", ".", false);
  expect_parent("dir/sub/..", "root/dir", ".", false);
  expect_parent("link_dir/..", "root/dir", ".", false);
  expect_parent("link_dir/.", "root/dir/sub", ".", false);
  expect_parent("dir/up/.", "root", ".", false);
}

TEST_P(BeneathTest, OpenParentReportsATrailingSlash) {
  expect_parent("dir/sub/", "root/dir", "sub", true);
  expect_parent("dir/sub//", "root/dir", "sub", true);
  expect_parent("new/", "root", "new", true);
  expect_parent("file/", "root", "file", true); // the caller's *at() decides: ENOTDIR
  expect_parent("./", "root", ".", true);
  expect_parent("dir/../", "root", ".", true);
  expect_parent("link_out/", "root", "link_out", true);
}

TEST_P(BeneathTest, OpenParentRefusesEscapes) {
  expect_parent_fails("..", EXDEV);
  expect_parent_fails("../", EXDEV);
  expect_parent_fails("./..", EXDEV);
  expect_parent_fails("../x", EXDEV);
  expect_parent_fails("../outside/secret", EXDEV);
  expect_parent_fails("dir/../..", EXDEV);
  expect_parent_fails("dir/../../x", EXDEV);
  expect_parent_fails("dir/up/..", EXDEV);
  expect_parent_fails("/", EXDEV);
  expect_parent_fails("/x", EXDEV);
  expect_parent_fails(m_base + "/outside/x", EXDEV);
  expect_parent_fails("link_out/x", EXDEV);
  expect_parent_fails("link_out/secret", EXDEV);
  expect_parent_fails("link_out/.", EXDEV);
  expect_parent_fails("link_out/..", EXDEV);
  expect_parent_fails("link_etc/passwd", EXDEV);
  expect_parent_fails("link_slash/x", EXDEV);
  expect_parent_fails("link_abs_inside/x", EXDEV);
  expect_parent_fails("dir/upup/x", EXDEV);
  expect_parent_fails("chain_out1/x", EXDEV);
}

TEST_P(BeneathTest, OpenParentReportsLookupErrors) {
  using namespace std::string_literals;
  expect_parent_fails("", ENOENT);
  expect_parent_fails("missing/x", ENOENT);
  expect_parent_fails("dangling/x", ENOENT);
  expect_parent_fails("missing/..", ENOENT);
  expect_parent_fails("file/x", ENOTDIR);
  expect_parent_fails("file/.", ENOTDIR);
  expect_parent_fails("link_file/x", ENOTDIR);
  expect_parent_fails("loop_a/x", ELOOP);
  expect_parent_fails("self_loop/.", ELOOP);
  expect_parent_fails(std::string(256, 'n') + "/x", ENAMETOOLONG);
  expect_parent_fails(repeat("./", 2046) + "file", ENAMETOOLONG);
  // A NUL would cut the name short in the caller's *at() call ("..\0x" is "..").
  expect_parent_fails("..\0x"s, EINVAL);
  expect_parent_fails("dir/..\0"s, EINVAL);
  expect_parent_fails("file\0/x"s, EINVAL);
}

std::string mode_name(const ::testing::TestParamInfo<Mode>& info) {
  return info.param == Mode::Openat2 ? "Openat2" : "Walk";
}

INSTANTIATE_TEST_SUITE_P(Modes, BeneathTest, ::testing::Values(Mode::Openat2, Mode::Walk),
                         mode_name);

TEST(Beneath, AutoPicksAConcreteMode) {
  EXPECT_NE(Beneath(Mode::Auto).mode(), Mode::Auto);
  EXPECT_EQ(Beneath(Mode::Walk).mode(), Mode::Walk);
  EXPECT_EQ(Beneath(Mode::Openat2).mode(), Mode::Openat2);
}

} // namespace
} // namespace skiff::platform
