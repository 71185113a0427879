// libFuzzer target: platform::Beneath, the resolver behind WASI preopens, on a fixed tree
// with files, directories, symlinks that stay inside and symlinks that lead out.
//
// Input: the first byte picks the call (open or open_parent), the open flags, `follow`,
// and the directory to resolve beneath (root/ or root/dir/); the rest is the path, any
// bytes (NUL included: the path is the string_view it is), at most kMaxPath of them.
// Each input runs through both resolvers (Openat2 only when the kernel has openat2).
//
// Invariants, each a __builtin_trap() after a line on stderr:
//   - every descriptor returned refers to something beneath the directory resolved
//     beneath (/proc/self/fd/N lies under its real path; a directory's ".." chain
//     reaches it by st_dev/st_ino before "/")
//   - open_parent's name is one component: not empty, no '/', no NUL, not ".."
//   - nothing appears in or next to the sibling outside/ (its entries are checked)
//   - both resolvers agree: success or failure, the errno (one known kernel exception,
//     kernel_counts_links_twice), and on success the same file (and for open_parent the
//     same name and trailing_slash)
//   - no descriptor leaks (the lowest free descriptor is the same before and after)
// Files that O_CREAT made beneath root are removed after each call, so every input
// sees the same tree.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "platform/beneath.h"
#include "support/files.h"

using skiff::platform::Beneath;

namespace {

// A little above PATH_MAX, so paths the kernel refuses as too long are tried too.
constexpr size_t kMaxPath = PATH_MAX + 128;

// The path as a message shows it: printable ASCII kept, the rest as \xNN.
std::string shown(std::string_view path) {
  std::string out;
  for (unsigned char c : path.substr(0, 300)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (path.size() > 300) out += "...(" + std::to_string(path.size()) + " bytes)";
  return out;
}

[[noreturn]] void fail(const std::string& what, std::string_view path) {
  std::fprintf(stderr, "beneath_fuzzer: %s; path \"%s\"\n", what.c_str(), shown(path).c_str());
  std::fflush(stderr);
  __builtin_trap();
}

[[noreturn]] void setup_fail(const std::string& what) {
  std::fprintf(stderr, "beneath_fuzzer: setting up the tree: %s: %s\n", what.c_str(),
               std::strerror(errno));
  std::abort();
}

using skiff::test::entries;

// Every path below `dir` (relative to it, real directories entered, symlinks not).
void list_tree(const std::string& dir, const std::string& rel, std::set<std::string>& out) {
  for (const std::string& name : entries(dir)) {
    const std::string path = dir + "/" + name;
    const std::string r = rel.empty() ? name : rel + "/" + name;
    out.insert(r);
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) list_tree(path, r, out);
  }
}

std::string fd_path(int fd) {
  char buf[PATH_MAX + 1];
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(proc.c_str(), buf, sizeof buf - 1);
  if (n < 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

int lowest_free_fd() {
  int fd = ::fcntl(0, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) fd = ::open("/", O_PATH | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
  return fd;
}

// A directory resolved beneath: its descriptor, real path and identity.
struct Top {
  int fd = -1;
  std::string real;
  dev_t dev = 0;
  ino_t ino = 0;
};

// The fixed tree, made on the first input and removed at exit:
//   <tmp>/root/                         resolved beneath (and root/dir/, by a bit of the input)
//     file, dir/file2, dir/sub/deep
//     dir/up -> ..        dir/upup -> ../..       dot -> .
//     link_file -> file   link_dir -> dir/sub     link_dir_slash -> dir/sub/
//     link_file_slash -> file/                    chain1 -> chain2 -> link_file
//     link_out -> ../outside                      link_out_secret -> ../outside/secret
//     link_abs -> <tmp>/outside (absolute)        link_slash -> /
//     loop_a -> loop_b -> loop_a                  dangling -> missing
//     dangling_out -> ../outside/new              dangling_abs -> <tmp>/outside/new_abs
//     dangling_up -> dir/../../outside/new_up
//   <tmp>/outside/secret
struct Tree {
  std::string base; // real path of the temporary directory
  Top root, dir;
  std::set<std::string> base_entries, outside_entries, root_tree;
  bool has_openat2 = false;
};

void make_tree(Tree& t) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/skiff_beneath_fuzz_XXXXXX";
  if (!::mkdtemp(templ.data())) setup_fail("mkdtemp");
  char real[PATH_MAX];
  if (!::realpath(templ.c_str(), real)) setup_fail("realpath");
  t.base = real;
  auto dir = [&](const std::string& rel) {
    if (::mkdir((t.base + "/" + rel).c_str(), 0755) != 0) setup_fail(rel);
  };
  auto file = [&](const std::string& rel, std::string_view content) {
    int fd = ::open((t.base + "/" + rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, content.data(), content.size()) < 0) setup_fail(rel);
    ::close(fd);
  };
  auto link = [&](const std::string& target, const std::string& rel) {
    if (::symlink(target.c_str(), (t.base + "/" + rel).c_str()) != 0) setup_fail(rel);
  };
  dir("root");
  dir("root/dir");
  dir("root/dir/sub");
  dir("outside");
  file("root/file", "hello");
  file("root/dir/file2", "nested");
  file("root/dir/sub/deep", "deep");
  file("outside/secret", "secret");
  link("..", "root/dir/up");
  link("../..", "root/dir/upup");
  link(".", "root/dot");
  link("file", "root/link_file");
  link("dir/sub", "root/link_dir");
  link("dir/sub/", "root/link_dir_slash");
  link("file/", "root/link_file_slash");
  link("chain2", "root/chain1");
  link("link_file", "root/chain2");
  link("../outside", "root/link_out");
  link("../outside/secret", "root/link_out_secret");
  link(t.base + "/outside", "root/link_abs");
  link("/", "root/link_slash");
  link("loop_b", "root/loop_a");
  link("loop_a", "root/loop_b");
  link("missing", "root/dangling");
  link("../outside/new", "root/dangling_out");
  link(t.base + "/outside/new_abs", "root/dangling_abs");
  link("dir/../../outside/new_up", "root/dangling_up");
  auto top = [&](Top& out, const std::string& rel) {
    out.real = t.base + "/" + rel;
    out.fd = ::open(out.real.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (out.fd < 0 || ::fstat(out.fd, &st) != 0) setup_fail(rel);
    out.dev = st.st_dev;
    out.ino = st.st_ino;
  };
  top(t.root, "root");
  top(t.dir, "root/dir");
  t.base_entries = entries(t.base);
  t.outside_entries = entries(t.base + "/outside");
  list_tree(t.root.real, "", t.root_tree);
  t.has_openat2 = Beneath(Beneath::Mode::Auto).mode() == Beneath::Mode::Openat2;
}

// Made on the first call and never destroyed, so the exit handler can still read it.
const Tree& tree() {
  static const Tree* const t = [] {
    auto* made = new Tree;
    make_tree(*made);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(tree().base, ec);
    });
    return made;
  }();
  return *t;
}

// Whether the directory `fd` has `top` among its ancestors (or is it), by identity.
bool dir_is_beneath(int fd, const Top& top) {
  int cur = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  for (int depth = 0; cur >= 0 && depth < 256; ++depth) {
    struct stat st, up_st;
    if (::fstat(cur, &st) != 0) break;
    if (st.st_dev == top.dev && st.st_ino == top.ino) {
      ::close(cur);
      return true;
    }
    int up = ::openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (up < 0 || ::fstat(up, &up_st) != 0 ||
        (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino)) {
      if (up >= 0) ::close(up);
      break; // "/" is its own parent
    }
    ::close(cur);
    cur = up;
  }
  if (cur >= 0) ::close(cur);
  return false;
}

// Checks a descriptor a resolver returned: beneath `top`. Gives its /proc path.
std::string check_inside(int fd, const Top& top, std::string_view path, const char* mode) {
  const std::string where = fd_path(fd);
  if (where.empty()) fail(std::string(mode) + ": cannot read /proc/self/fd of a returned fd", path);
  if (where != top.real && where.compare(0, top.real.size() + 1, top.real + "/") != 0) {
    fail(std::string(mode) + ": returned fd is outside " + top.real + ": " + where, path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) fail(std::string(mode) + ": fstat of a returned fd failed", path);
  if (S_ISDIR(st.st_mode) && !dir_is_beneath(fd, top)) {
    fail(std::string(mode) + ": returned directory does not lie beneath " + top.real + ": " + where,
         path);
  }
  return where;
}

struct Outcome {
  int err = 0;
  std::string where; // the /proc path of the returned descriptor
  std::string name;  // open_parent
  bool trailing_slash = false;
};

// The flag sets an input picks from (low three bits of the first byte).
constexpr int kFlagSets[8] = {
    O_RDONLY,
    O_RDONLY | O_DIRECTORY,
    O_WRONLY | O_CREAT | O_EXCL,
    O_WRONLY | O_CREAT,
    O_PATH,
    O_PATH | O_DIRECTORY,
    O_RDWR,
    O_RDONLY | O_CREAT,
};

// Removes what O_CREAT made beneath root, and checks nothing changed outside.
void restore(const Tree& t, std::string_view path, const char* mode, bool created) {
  if (entries(t.base) != t.base_entries)
    fail(std::string(mode) + ": an entry appeared next to root/", path);
  if (entries(t.base + "/outside") != t.outside_entries) {
    fail(std::string(mode) + ": outside/ changed", path);
  }
  if (!created) return;
  std::set<std::string> now;
  list_tree(t.root.real, "", now);
  for (const std::string& rel : now) {
    if (t.root_tree.count(rel)) continue;
    if (::unlink((t.root.real + "/" + rel).c_str()) != 0) {
      fail(std::string(mode) + ": cannot remove created " + rel + ": " + std::strerror(errno),
           path);
    }
  }
}

Outcome run(const Beneath& b, const Top& top, bool parent, int flags, bool follow,
            std::string_view path, const char* mode) {
  Outcome o;
  if (parent) {
    Beneath::Parent p;
    o.err = b.open_parent(top.fd, path, p);
    if ((o.err == 0) != (p.fd >= 0))
      fail(std::string(mode) + ": open_parent's fd and result disagree", path);
    if (o.err == 0) {
      o.where = check_inside(p.fd, top, path, mode);
      o.name = p.name;
      o.trailing_slash = p.trailing_slash;
      ::close(p.fd);
      if (p.name.empty() || p.name == ".." || p.name.find('/') != std::string::npos ||
          p.name.find('\0') != std::string::npos) {
        fail(std::string(mode) + ": open_parent gave a name that is not one component: \"" +
                 shown(p.name) + "\"",
             path);
      }
    }
  } else {
    int fd = -1;
    o.err = b.open(top.fd, path, flags, 0600, follow, fd);
    if ((o.err == 0) != (fd >= 0))
      fail(std::string(mode) + ": open's fd and result disagree", path);
    if (o.err == 0) {
      o.where = check_inside(fd, top, path, mode);
      ::close(fd);
    }
  }
  restore(tree(), path, mode, !parent && (flags & O_CREAT));
  return o;
}

// The one errno the resolvers may disagree on. A ".." at the top under RESOLVE_BENEATH
// makes the kernel's RCU walk give up (ECHILD) and redo the lookup in ref-walk mode, and
// the symlinks the first pass followed still count (nameidata's total_link_count is not
// reset): an escape after 21 to 40 symlinks is ELOOP from openat2, EXDEV from the walk,
// which counts each link once. Both refuse it. (Seen on Linux 6.18: "dot/" x 20 then
// "../x" is EXDEV, x 21 is ELOOP; beneath_test.cpp pins it.)
bool kernel_counts_links_twice(int walk_err, int kernel_err) {
  return walk_err == EXDEV && kernel_err == ELOOP;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Tree& t = tree();
  if (size == 0) return 0;
  const uint8_t ctl = data[0];
  const int flags = kFlagSets[ctl & 7];
  const bool follow = ctl & 0x08;
  const bool parent = ctl & 0x10;
  const Top& top = (ctl & 0x20) ? t.dir : t.root;
  std::string_view path(reinterpret_cast<const char*>(data + 1), size - 1);
  if (path.size() > kMaxPath) path = path.substr(0, kMaxPath);

  const int free_before = lowest_free_fd();
  const Outcome walk = run(Beneath(Beneath::Mode::Walk), top, parent, flags, follow, path, "Walk");
  if (t.has_openat2) {
    const Outcome kernel =
        run(Beneath(Beneath::Mode::Openat2), top, parent, flags, follow, path, "Openat2");
    if (walk.err != kernel.err && !kernel_counts_links_twice(walk.err, kernel.err)) {
      fail(std::string("the resolvers disagree: Walk ") + std::strerror(walk.err) + " (" +
               std::to_string(walk.err) + "), Openat2 " + std::strerror(kernel.err) + " (" +
               std::to_string(kernel.err) + ")",
           path);
    }
    if (walk.where != kernel.where || walk.name != kernel.name ||
        walk.trailing_slash != kernel.trailing_slash) {
      fail("the resolvers opened different things: Walk " + walk.where + " \"" + shown(walk.name) +
               "\", Openat2 " + kernel.where + " \"" + shown(kernel.name) + "\"",
           path);
    }
  }
  if (lowest_free_fd() != free_before) fail("a descriptor leaked", path);
  return 0;
}
