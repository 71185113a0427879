#include "platform/beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <deque>
#include <vector>

namespace skiff::platform {

namespace {

// Symlinks expanded in one walk before ELOOP (the kernel's limit is 40 too).
constexpr int kMaxLinks = 40;

int sys_openat2(int dirfd, const char* path, const open_how& how) {
#ifdef SYS_openat2
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
#else
  (void)dirfd, (void)path, (void)how;
  errno = ENOSYS;
  return -1;
#endif
}

bool kernel_has_openat2() {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH;
  int fd = sys_openat2(AT_FDCWD, ".", how);
  if (fd >= 0) ::close(fd);
  return fd >= 0 || (errno != ENOSYS && errno != EPERM);  // EPERM: seccomp filters
}

// Splits a relative path into components, dropping empty ones. "." is kept: the walk
// skips it, but a trailing one ("a/.") must leave "a" a non-final component, walked as
// a directory with its symlinks followed, as the kernel walks it.
void push_components(std::string_view path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view c = path.substr(i, j - i);
    if (!c.empty()) parts.emplace_back(c);
    i = j + 1;
  }
  if (front) out.insert(out.begin(), parts.begin(), parts.end());
  else out.insert(out.end(), parts.begin(), parts.end());
}

// The target of the symlink `name` in `dirfd` (name "" with an O_PATH fd of the link).
int read_link(int dirfd, const char* name, std::string& out) {
  char buf[4096];
  ssize_t n = ::readlinkat(dirfd, name, buf, sizeof buf);
  if (n < 0) return errno;
  if (static_cast<size_t>(n) == sizeof buf) return ENAMETOOLONG;
  out.assign(buf, static_cast<size_t>(n));
  return 0;
}

// Owned directory descriptors of a walk; the top is the current directory.
struct FdStack {
  int base;
  std::vector<int> fds;
  ~FdStack() {
    for (int fd : fds) ::close(fd);
  }
  int top() const { return fds.empty() ? base : fds.back(); }
};

// The checks both modes share, before any lookup. The kernel refuses a path of PATH_MAX
// bytes or more (with its NUL) whatever it names; the walk must refuse it too.
int check_path(std::string_view path) {
  if (path.empty()) return ENOENT;
  if (path.find('\0') != std::string_view::npos) return EINVAL;
  if (path.size() >= PATH_MAX) return ENAMETOOLONG;
  if (path.front() == '/') return EXDEV;
  return 0;
}

}  // namespace

Beneath::Beneath(Mode mode) : m_mode(mode) {
  if (m_mode == Mode::Auto) m_mode = kernel_has_openat2() ? Mode::Openat2 : Mode::Walk;
}

int Beneath::open(int dirfd, std::string_view path, int flags, mode_t mode, bool follow, int& fd_out) const {
  fd_out = -1;
  if (int e = check_path(path)) return e;
  flags |= O_CLOEXEC;
  return m_mode == Mode::Openat2 ? open_openat2(dirfd, path, flags, mode, follow, fd_out)
                                 : open_walk(dirfd, path, flags, mode, follow, fd_out);
}

int Beneath::open_openat2(int dirfd, std::string_view path, int flags, mode_t mode, bool follow,
                          int& fd_out) const {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | (follow ? 0 : O_NOFOLLOW));
  // (O_TMPFILE contains O_DIRECTORY's bit, so test it whole.)
  how.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const std::string p(path);
  for (int attempt = 0;; ++attempt) {
    int fd = sys_openat2(dirfd, p.c_str(), how);
    if (fd >= 0) {
      fd_out = fd;
      return 0;
    }
    // EAGAIN: a concurrent rename raced the kernel's check; it asks us to retry.
    if (errno != EAGAIN || attempt == 8) return errno;
  }
}

int Beneath::open_walk(int dirfd, std::string_view path, int flags, mode_t mode, bool follow, int& fd_out) const {
  std::deque<std::string> comps;
  push_components(path, comps, false);
  // A trailing '/' on the final component (of the path, or of a symlink spliced in its
  // place): it must be a directory, and a symlink there is followed even without
  // `follow` (POSIX path resolution; the kernel sets LOOKUP_FOLLOW | LOOKUP_DIRECTORY).
  bool must_be_dir = path.back() == '/';
  // O_CREAT|O_EXCL never follows a final symlink: open(2) fails with EEXIST.
  const bool excl_create = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
  FdStack stack{dirfd, {}};
  int links = 0;
  std::string target;
  auto splice = [&](const std::string& link, bool final) -> int {
    if (++links > kMaxLinks) return ELOOP;
    if (link.empty()) return ENOENT;
    if (link.front() == '/') return EXDEV;
    if (final && link.back() == '/') must_be_dir = true;
    push_components(link, comps, true);
    return 0;
  };
  while (!comps.empty()) {
    const std::string c = std::move(comps.front());
    comps.pop_front();
    if (c == ".") continue;
    if (c == "..") {
      if (stack.fds.empty()) return EXDEV;
      ::close(stack.fds.back());
      stack.fds.pop_back();
      continue;
    }
    if (comps.empty()) {
      // The final component: a symlink is expanded by us (and its target walked like
      // any other path) or, without `follow`, refused by O_NOFOLLOW. Creating through a
      // trailing '/' is EISDIR before the name is even looked at, as in the kernel.
      if (must_be_dir && (flags & O_CREAT)) return EISDIR;
      const bool follow_last = must_be_dir || (follow && !excl_create);
      if (follow_last && read_link(stack.top(), c.c_str(), target) == 0) {
        if (int e = splice(target, true)) return e;
        continue;
      }
      int fd = ::openat(stack.top(), c.c_str(), flags | O_NOFOLLOW | (must_be_dir ? O_DIRECTORY : 0), mode);
      if (fd < 0) {
        // Swapped for a symlink since read_link looked: go round again.
        if (errno == ELOOP && follow_last && read_link(stack.top(), c.c_str(), target) == 0) {
          if (int e = splice(target, true)) return e;
          continue;
        }
        return errno;
      }
      fd_out = fd;
      return 0;
    }
    int fd = ::openat(stack.top(), c.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno;
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return e;
    }
    if (S_ISLNK(st.st_mode)) {
      int e = read_link(fd, "", target);
      ::close(fd);
      if (e) return e;
      if ((e = splice(target, false))) return e;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      ::close(fd);
      return ENOTDIR;
    }
    stack.fds.push_back(fd);
  }
  // The path named a directory we hold ("a/..", "."): open it with the caller's flags.
  int fd = ::openat(stack.top(), ".", flags, mode);
  if (fd < 0) return errno;
  fd_out = fd;
  return 0;
}

int Beneath::open_parent(int dirfd, std::string_view path, Parent& out) const {
  out = Parent{};
  // The whole path, not only the directory part: a NUL in the name would cut it short
  // for the caller's *at() call ("..\0x" becomes ".."), and the kernel would refuse
  // the full path as too long.
  if (int e = check_path(path)) return e;
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
    out.trailing_slash = true;
  }
  const size_t slash = path.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? std::string_view(".") : path.substr(0, slash + 1);
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name == "." || name == "..") {
    dir = path;
    name = ".";
  }
  int fd = -1;
  if (int e = open(dirfd, dir, O_PATH | O_DIRECTORY, 0, true, fd)) return e;
  out.fd = fd;
  out.name = std::string(name);
  return 0;
}

}  // namespace skiff::platform
