#pragma once
// Paths resolved strictly beneath a directory: the sandbox primitive behind WASI
// preopens. No component of a path, and no symlink met on the way (absolute or relative,
// including ones swapped in while we resolve), can take the walk out of the directory
// it started from; such a walk fails with EXDEV (callers report it as "not capable").
//
// Two implementations with the same contract: openat2(2) with RESOLVE_BENEATH |
// RESOLVE_NO_MAGICLINKS (Linux 5.6+), where the kernel checks atomically, and a
// component-by-component walk for kernels without it. The walk never lets the kernel
// see a ".." or follow a symlink: each component is opened with O_NOFOLLOW relative to a
// descriptor we hold, symlinks are read and spliced into the remaining path by us, and
// ".." pops our own stack of directory descriptors, so a directory renamed or a symlink
// swapped mid-walk cannot move it outside.
//
// Errors are returned as positive errno values (0 = success), as the callers translate
// them to WASI errnos one to one.

#include <sys/types.h>

#include <string>
#include <string_view>

namespace skiff::platform {

class Beneath {
 public:
  enum class Mode { Auto, Openat2, Walk };
  // Auto uses openat2 when the kernel has it (probed once here), else the walk.
  explicit Beneath(Mode mode = Mode::Auto);

  Mode mode() const { return m_mode; }

  // openat(dirfd, path, flags, mode), beneath dirfd. The final component is followed
  // if it is a symlink only when `follow` (otherwise O_NOFOLLOW semantics: ELOOP).
  // `path` must be relative; an absolute path is an escape (EXDEV). Returns the new fd
  // in `fd_out`, or an errno.
  int open(int dirfd, std::string_view path, int flags, mode_t mode, bool follow, int& fd_out) const;

  // For operations on a path's last component (mkdirat, unlinkat, renameat, ...):
  // opens the directory that contains it (beneath dirfd) and gives its name, a single
  // component without '/'. "." and ".." as last components are resolved away: the
  // result is then the directory itself with name ".". A trailing '/' sets
  // `trailing_slash` (the caller decides what it means for its operation).
  struct Parent {
    int fd = -1;
    std::string name;
    bool trailing_slash = false;
  };
  int open_parent(int dirfd, std::string_view path, Parent& out) const;

 private:
  int open_openat2(int dirfd, std::string_view path, int flags, mode_t mode, bool follow, int& fd_out) const;
  int open_walk(int dirfd, std::string_view path, int flags, mode_t mode, bool follow, int& fd_out) const;

  Mode m_mode;
};

}  // namespace skiff::platform
