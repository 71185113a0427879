// WASI descriptors and paths: fd_* and path_*. Every path is resolved beneath the
// directory descriptor it is relative to (platform/beneath.h); operations on a last
// component (mkdir, unlink, rename, link, symlink, readlink, stat without following)
// run as *at() calls on the resolved parent with a single-component name, so the kernel
// never walks a guest path itself.

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "wasi/calls.h"

namespace skiff::wasi {

namespace {

Errno last_errno() { return errno_from_host(errno); }

// Owns a descriptor for the length of one call.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct Parent {
  Fd dir;
  std::string name;        // single component, "." when the path named a directory itself
  bool trailing_slash = false;
  // The name as the *at() call should see it: a trailing '/' kept, so the kernel applies
  // the POSIX "must be a directory" rule to this one component.
  std::string at_name() const { return trailing_slash && name != "." ? name + "/" : name; }
};

Errno open_parent(const platform::Beneath& b, int dirfd, const std::string& path, Parent& out) {
  platform::Beneath::Parent p;
  if (int e = b.open_parent(dirfd, path, p)) return errno_from_host(e);
  out.dir.fd = p.fd;
  out.name = std::move(p.name);
  out.trailing_slash = p.trailing_slash;
  return Errno::Success;
}

void put_filestat(uint8_t* p, const struct stat& st) {
  auto put64 = [&](uint32_t off, uint64_t v) { std::memcpy(p + off, &v, 8); };
  std::memset(p, 0, layout::kFilestat);
  put64(0, st.st_dev);
  put64(8, st.st_ino);
  p[16] = static_cast<uint8_t>(WasiCtx::Calls::file_type_of(st.st_mode));
  put64(24, st.st_nlink);
  put64(32, static_cast<uint64_t>(st.st_size));
  auto ns = [](const timespec& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(t.tv_nsec);
  };
  put64(40, ns(st.st_atim));
  put64(48, ns(st.st_mtim));
  put64(56, ns(st.st_ctim));
}

// fstflags -> the two timespecs of utimensat/futimens.
Errno times_of(U64 atim, U64 mtim, U32 fst, timespec ts[2]) {
  if (fst & ~U32{kFstAtim | kFstAtimNow | kFstMtim | kFstMtimNow}) return Errno::Inval;
  if (((fst & kFstAtim) && (fst & kFstAtimNow)) || ((fst & kFstMtim) && (fst & kFstMtimNow))) return Errno::Inval;
  auto one = [](U64 t, bool set, bool now) {
    if (now) return timespec{0, UTIME_NOW};
    if (!set) return timespec{0, UTIME_OMIT};
    return timespec{static_cast<time_t>(t / 1'000'000'000u), static_cast<long>(t % 1'000'000'000u)};
  };
  ts[0] = one(atim, fst & kFstAtim, fst & kFstAtimNow);
  ts[1] = one(mtim, fst & kFstMtim, fst & kFstMtimNow);
  return Errno::Success;
}

// The file behind an O_PATH descriptor, for calls that do not take one directly.
std::string proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// A directory descriptor from the table with `needed` rights.
FdEntry* dir_entry(FdTable& t, U32 fd, uint64_t needed, Errno& err) {
  FdEntry* e = t.get(fd, needed, err);
  if (e && e->type != FileType::Directory) {
    err = Errno::NotDir;
    return nullptr;
  }
  return e;
}

}  // namespace

// --- reads and writes ----------------------------------------------------------------------

Errno WasiCtx::Calls::wait_readable(Guest& g, const FdEntry& e) {
  if (e.type == FileType::RegularFile || e.type == FileType::Directory) return Errno::Success;
  pollfd ready{e.host, POLLIN, 0};
  if (::poll(&ready, 1, 0) > 0) return Errno::Success;  // the usual case, one call: input is there
  const int fl = ::fcntl(e.host, F_GETFL);
  if (fl < 0 || (fl & O_NONBLOCK)) return Errno::Success;  // the call itself says
  for (;;) {
    pollfd p{e.host, POLLIN, 0};
    const int r = ::poll(&p, 1, kWaitSliceMs);
    if (r > 0) return Errno::Success;  // readable, closed or in error: the call says which
    if (r < 0 && errno != EINTR) return last_errno();
    if (g.stopped()) return Errno::Intr;
  }
}

Errno WasiCtx::Calls::read_iov(WasiCtx&, Guest& g, FdEntry& e, std::span<iovec> iov, uint64_t& n) {
  if (e.stream) return e.stream->read(iov, n);
  if (Errno w = wait_readable(g, e); w != Errno::Success) return w;
  ssize_t r;
  do r = ::readv(e.host, iov.data(), static_cast<int>(iov.size()));
  while (r < 0 && errno == EINTR);
  if (r < 0) return last_errno();
  n = static_cast<uint64_t>(r);
  return Errno::Success;
}

namespace {

// Moves the front of an iovec list past `k` bytes; `first` is the first iovec not yet
// used up.
void skip_bytes(IovecList& v, size_t& first, uint64_t k) {
  while (k > 0 && first < v.size()) {
    iovec& x = v[first];
    const size_t take = static_cast<size_t>(std::min<uint64_t>(k, x.iov_len));
    x.iov_base = static_cast<uint8_t*>(x.iov_base) + take;
    x.iov_len -= take;
    k -= take;
    if (x.iov_len == 0) ++first;
  }
}

// A write to a pipe, terminal or socket that cannot take all of it at once, on a blocking
// descriptor: the rest goes in as the reader makes room, waiting in slices so that a
// store asked to stop (a deadline) is not held by a reader that never reads. Every try
// is non-blocking; `done` bytes went in already.
Errno write_rest(Guest& g, int fd, std::span<const iovec> iov, uint64_t done, uint64_t& n,
                 WasiCtx::Calls::TryWrite try_write) {
  IovecList rest;
  rest.assign(iov.begin(), iov.end());
  size_t first = 0;  // iovecs before it are written
  skip_bytes(rest, first, done);
  while (first < rest.size()) {
    pollfd p{fd, POLLOUT, 0};
    const int pr = ::poll(&p, 1, kWaitSliceMs);
    if (pr < 0 && errno != EINTR) return last_errno();
    if (pr <= 0) {
      if (!g.stopped()) continue;
      if (done == 0) return Errno::Intr;
      break;  // what went in is reported; the guest stops at its next check
    }
    const ssize_t r = try_write(fd, rest.data() + first, static_cast<int>(rest.size() - first));
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (r < 0) {
      if (done == 0) return last_errno();
      break;
    }
    done += static_cast<uint64_t>(r);
    skip_bytes(rest, first, static_cast<uint64_t>(r));
  }
  n = done;
  return Errno::Success;
}

ssize_t pwritev_nowait(int fd, const iovec* iov, int cnt) { return ::pwritev2(fd, iov, cnt, -1, RWF_NOWAIT); }

}  // namespace

Errno WasiCtx::Calls::write_stream(Guest& g, int fd, std::span<const iovec> iov, uint64_t& n, TryWrite try_write) {
  ssize_t r;
  do r = try_write(fd, iov.data(), static_cast<int>(iov.size()));
  while (r < 0 && errno == EINTR);
  uint64_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  if (r >= 0 && static_cast<uint64_t>(r) == total) {
    n = total;
    return Errno::Success;
  }
  if (r < 0 && errno != EAGAIN) return last_errno();
  const int fl = ::fcntl(fd, F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK)) {  // the guest's own choice: a short write, or EAGAIN
    if (r < 0) return Errno::Again;
    n = static_cast<uint64_t>(r);
    return Errno::Success;
  }
  return write_rest(g, fd, iov, r > 0 ? static_cast<uint64_t>(r) : 0, n, try_write);
}

Errno WasiCtx::Calls::recv_all(Guest& g, int fd, std::span<const iovec> iov, uint64_t& n, int& msg_flags) {
  IovecList rest;
  rest.assign(iov.begin(), iov.end());
  size_t first = 0;
  uint64_t done = 0;
  while (first < rest.size()) {
    msghdr msg{};
    msg.msg_iov = rest.data() + first;
    msg.msg_iovlen = rest.size() - first;
    const ssize_t r = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (r > 0) {
      msg_flags |= msg.msg_flags;
      done += static_cast<uint64_t>(r);
      skip_bytes(rest, first, static_cast<uint64_t>(r));
      continue;
    }
    if (r == 0) break;  // the peer finished sending
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      if (done == 0) return last_errno();
      break;  // what arrived is reported; the error comes again on the next call
    }
    pollfd p{fd, POLLIN, 0};
    const int pr = ::poll(&p, 1, kWaitSliceMs);
    if (pr < 0 && errno != EINTR) return last_errno();
    if (pr <= 0 && g.stopped()) {
      if (done == 0) return Errno::Intr;
      break;
    }
  }
  n = done;
  return Errno::Success;
}

Errno WasiCtx::Calls::write_iov(WasiCtx&, Guest& g, FdEntry& e, std::span<const iovec> iov, uint64_t& n) {
  if (e.stream) return e.stream->write(iov, n);
  if (e.type != FileType::RegularFile && e.type != FileType::Directory && !e.writes_block) {
    // Non-blocking first: all of it goes in at once when there is room (one call, as
    // before). EOPNOTSUPP (a kernel or device without RWF_NOWAIT, such as a terminal):
    // a plain write, now and from then on.
    const Errno w = write_stream(g, e.host, iov, n, &pwritev_nowait);
    if (w != Errno::NotSup) return w;
    e.writes_block = true;
  }
  ssize_t r;
  do r = ::writev(e.host, iov.data(), static_cast<int>(iov.size()));
  while (r < 0 && errno == EINTR);
  if (r < 0) return last_errno();
  n = static_cast<uint64_t>(r);
  return Errno::Success;
}

Errno WasiCtx::Calls::fd_read(WasiCtx& c, Guest& g, U32 fd, U32 iovs, U32 n, U32 nread_ptr) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdRead, err);
  if (!e) return err;
  IovecList iov;
  if ((err = g.iovecs(iovs, n, iov)) != Errno::Success) return err;
  uint64_t got = 0;
  if (!iov.empty() && (err = read_iov(c, g, *e, {iov.data(), iov.size()}, got)) != Errno::Success) return err;
  return g.store<U32>(nread_ptr, static_cast<U32>(got)) ? Errno::Success : Errno::Fault;
}

Errno WasiCtx::Calls::fd_write(WasiCtx& c, Guest& g, U32 fd, U32 iovs, U32 n, U32 nwritten_ptr) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdWrite, err);
  if (!e) return err;
  IovecList iov;
  if ((err = g.iovecs(iovs, n, iov)) != Errno::Success) return err;
  uint64_t put = 0;
  if (!iov.empty() && (err = write_iov(c, g, *e, {iov.data(), iov.size()}, put)) != Errno::Success) return err;
  return g.store<U32>(nwritten_ptr, static_cast<U32>(put)) ? Errno::Success : Errno::Fault;
}

namespace {
// fd_pread / fd_pwrite: at `offset`, leaving the descriptor's own offset alone.
template <bool kWrite>
Errno positional_io(FdEntry* e, Errno err, Guest& g, U32 iovs, U32 n, U64 offset, U32 result_ptr) {
  if (!e) return err;
  if (e->type == FileType::Directory) return Errno::IsDir;
  if (offset > static_cast<U64>(INT64_MAX)) return Errno::Inval;
  IovecList iov;
  if ((err = g.iovecs(iovs, n, iov)) != Errno::Success) return err;
  ssize_t r = 0;
  if (!iov.empty()) {
    const int cnt = static_cast<int>(iov.size());
    do r = kWrite ? ::pwritev(e->host, iov.data(), cnt, static_cast<off_t>(offset))
                  : ::preadv(e->host, iov.data(), cnt, static_cast<off_t>(offset));
    while (r < 0 && errno == EINTR);
    if (r < 0) return last_errno();
  }
  return g.store<U32>(result_ptr, static_cast<U32>(r)) ? Errno::Success : Errno::Fault;
}
}  // namespace

Errno WasiCtx::Calls::fd_pread(WasiCtx& c, Guest& g, U32 fd, U32 iovs, U32 n, U64 offset, U32 nread_ptr) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdRead | rights::FdSeek, err);
  return positional_io<false>(e, err, g, iovs, n, offset, nread_ptr);
}

Errno WasiCtx::Calls::fd_pwrite(WasiCtx& c, Guest& g, U32 fd, U32 iovs, U32 n, U64 offset, U32 nwritten_ptr) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdWrite | rights::FdSeek, err);
  return positional_io<true>(e, err, g, iovs, n, offset, nwritten_ptr);
}

Errno WasiCtx::Calls::fd_seek(WasiCtx& c, Guest& g, U32 fd, U64 offset, U32 whence, U32 newoffset_ptr) {
  // A seek that only asks where we are needs fd_tell, not fd_seek.
  const bool tell = whence == static_cast<U32>(Whence::Cur) && offset == 0;
  Errno err;
  FdEntry* e = c.m_fds->get(fd, tell ? rights::FdTell : rights::FdSeek, err);
  if (!e) return err;
  int w;
  switch (whence) {
    case static_cast<U32>(Whence::Set): w = SEEK_SET; break;
    case static_cast<U32>(Whence::Cur): w = SEEK_CUR; break;
    case static_cast<U32>(Whence::End): w = SEEK_END; break;
    default: return Errno::Inval;
  }
  if (e->type == FileType::Directory) return Errno::Badf;
  off_t r = ::lseek(e->host, static_cast<off_t>(offset), w);
  if (r < 0) return last_errno();
  return g.store<U64>(newoffset_ptr, static_cast<U64>(r)) ? Errno::Success : Errno::Fault;
}

Errno WasiCtx::Calls::fd_tell(WasiCtx& c, Guest& g, U32 fd, U32 offset_ptr) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdTell, err);
  if (!e) return err;
  if (e->type == FileType::Directory) return Errno::Badf;
  off_t r = ::lseek(e->host, 0, SEEK_CUR);
  if (r < 0) return last_errno();
  return g.store<U64>(offset_ptr, static_cast<U64>(r)) ? Errno::Success : Errno::Fault;
}

// --- descriptor state ----------------------------------------------------------------------

Errno WasiCtx::Calls::fd_close(WasiCtx& c, Guest&, U32 fd) { return c.m_fds->close(fd); }

Errno WasiCtx::Calls::fd_renumber(WasiCtx& c, Guest&, U32 fd, U32 to) { return c.m_fds->renumber(fd, to); }

Errno WasiCtx::Calls::fd_datasync(WasiCtx& c, Guest&, U32 fd) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdDatasync, err);
  if (!e) return err;
  return ::fdatasync(e->host) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::fd_sync(WasiCtx& c, Guest&, U32 fd) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdSync, err);
  if (!e) return err;
  return ::fsync(e->host) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::fd_advise(WasiCtx& c, Guest&, U32 fd, U64 offset, U64 len, U32 advice) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdAdvise, err);
  if (!e) return err;
  static constexpr int kHost[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                  POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  if (advice > static_cast<U32>(Advice::NoReuse)) return Errno::Inval;
  if (offset > static_cast<U64>(INT64_MAX) || len > static_cast<U64>(INT64_MAX)) return Errno::Inval;
  if (e->type == FileType::Directory) return Errno::Badf;
  int r = ::posix_fadvise(e->host, static_cast<off_t>(offset), static_cast<off_t>(len), kHost[advice]);
  return errno_from_host(r);
}

Errno WasiCtx::Calls::fd_allocate(WasiCtx& c, Guest&, U32 fd, U64 offset, U64 len) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdAllocate, err);
  if (!e) return err;
  if (offset > static_cast<U64>(INT64_MAX) || len > static_cast<U64>(INT64_MAX) - offset) return Errno::Inval;
  if (e->type == FileType::Directory) return Errno::Badf;
  if (len == 0) return Errno::Inval;
  return errno_from_host(::posix_fallocate(e->host, static_cast<off_t>(offset), static_cast<off_t>(len)));
}

Errno WasiCtx::Calls::fd_fdstat_get(WasiCtx& c, Guest& g, U32 fd, U32 ptr) {
  FdEntry* e = c.m_fds->get(fd);
  if (!e) return Errno::Badf;
  uint8_t* p = g.bytes(ptr, layout::kFdstat);
  if (!p) return Errno::Fault;
  int fl = e->stream ? -1 : ::fcntl(e->host, F_GETFL);  // a Stream has no descriptor flags
  uint16_t flags = 0;
  if (fl >= 0) {
    if (fl & O_APPEND) flags |= kFdflagAppend;
    if (fl & O_NONBLOCK) flags |= kFdflagNonblock;
    if ((fl & O_SYNC) == O_SYNC) flags |= kFdflagSync | kFdflagRsync;
    else if (fl & O_DSYNC) flags |= kFdflagDsync;
  }
  std::memset(p, 0, layout::kFdstat);
  p[0] = static_cast<uint8_t>(e->type);
  std::memcpy(p + 2, &flags, 2);
  std::memcpy(p + 8, &e->rights_base, 8);
  std::memcpy(p + 16, &e->rights_inheriting, 8);
  return Errno::Success;
}

Errno WasiCtx::Calls::fd_fdstat_set_flags(WasiCtx& c, Guest&, U32 fd, U32 flags) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdFdstatSetFlags, err);
  if (!e) return err;
  if (flags & ~U32{kFdflagAppend | kFdflagDsync | kFdflagNonblock | kFdflagRsync | kFdflagSync}) return Errno::Inval;
  // Linux cannot change the sync modes of an open file.
  if (flags & (kFdflagDsync | kFdflagRsync | kFdflagSync)) return Errno::NotSup;
  int fl = ::fcntl(e->host, F_GETFL);
  if (fl < 0) return last_errno();
  const int was = fl;
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (flags & kFdflagAppend) fl |= O_APPEND;
  if (flags & kFdflagNonblock) fl |= O_NONBLOCK;
  if (fl == was) return Errno::Success;
  // The flags live in the open file description, which a borrowed descriptor shares
  // with its owner (skiff serve lends an app's files directory to every request): a
  // change would outlive this guest.
  if (!e->owned) return Errno::NotSup;
  return ::fcntl(e->host, F_SETFL, fl) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::fd_fdstat_set_rights(WasiCtx& c, Guest&, U32 fd, U64 base, U64 inheriting) {
  FdEntry* e = c.m_fds->get(fd);
  if (!e) return Errno::Badf;
  // Rights only ever shrink.
  if ((base & ~e->rights_base) || (inheriting & ~e->rights_inheriting)) return Errno::NotCapable;
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  return Errno::Success;
}

Errno WasiCtx::Calls::fd_filestat_get(WasiCtx& c, Guest& g, U32 fd, U32 ptr) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdFilestatGet, err);
  if (!e) return err;
  uint8_t* p = g.bytes(ptr, layout::kFilestat);
  if (!p) return Errno::Fault;
  struct stat st {};
  if (::fstat(e->host, &st) != 0) return last_errno();
  put_filestat(p, st);
  return Errno::Success;
}

Errno WasiCtx::Calls::fd_filestat_set_size(WasiCtx& c, Guest&, U32 fd, U64 size) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdFilestatSetSize, err);
  if (!e) return err;
  if (size > static_cast<U64>(INT64_MAX)) return Errno::Inval;
  return ::ftruncate(e->host, static_cast<off_t>(size)) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::fd_filestat_set_times(WasiCtx& c, Guest&, U32 fd, U64 atim, U64 mtim, U32 fst) {
  Errno err;
  FdEntry* e = c.m_fds->get(fd, rights::FdFilestatSetTimes, err);
  if (!e) return err;
  timespec ts[2];
  if ((err = times_of(atim, mtim, fst, ts)) != Errno::Success) return err;
  return ::futimens(e->host, ts) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::fd_prestat_get(WasiCtx& c, Guest& g, U32 fd, U32 ptr) {
  FdEntry* e = c.m_fds->get(fd);
  if (!e || !e->is_preopen) return Errno::Badf;
  uint8_t* p = g.bytes(ptr, layout::kPrestat);
  if (!p) return Errno::Fault;
  std::memset(p, 0, layout::kPrestat);
  const U32 len = static_cast<U32>(e->preopen_name.size());
  std::memcpy(p + 4, &len, 4);
  return Errno::Success;
}

Errno WasiCtx::Calls::fd_prestat_dir_name(WasiCtx& c, Guest& g, U32 fd, U32 path, U32 len) {
  FdEntry* e = c.m_fds->get(fd);
  if (!e || !e->is_preopen) return Errno::Badf;
  if (len < e->preopen_name.size()) return Errno::NameTooLong;
  uint8_t* p = g.bytes(path, e->preopen_name.size());
  if (!p) return Errno::Fault;
  std::memcpy(p, e->preopen_name.data(), e->preopen_name.size());
  return Errno::Success;
}

// --- directories -----------------------------------------------------------------------------

Errno WasiCtx::Calls::fd_readdir(WasiCtx& c, Guest& g, U32 fd, U32 buf, U32 len, U64 cookie, U32 used_ptr) {
  Errno err;
  FdEntry* e = dir_entry(*c.m_fds, fd, rights::FdReaddir, err);
  if (!e) return err;
  uint8_t* out = g.bytes(buf, len);
  if (!out || !g.bytes(used_ptr, 4)) return Errno::Fault;
  if (cookie == 0 || !e->listing_valid) {
    // A fresh descriptor for the listing, so the guest's own descriptor keeps its offset.
    int dfd = ::openat(e->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return last_errno();
    DIR* d = ::fdopendir(dfd);
    if (!d) {
      int en = errno;
      ::close(dfd);
      return errno_from_host(en);
    }
    e->listing.clear();
    errno = 0;
    while (dirent* de = ::readdir(d)) {
      DirEntry x;
      x.name = de->d_name;
      x.ino = de->d_ino;
      switch (de->d_type) {
        case DT_REG: x.type = FileType::RegularFile; break;
        case DT_DIR: x.type = FileType::Directory; break;
        case DT_LNK: x.type = FileType::SymbolicLink; break;
        case DT_CHR: x.type = FileType::CharacterDevice; break;
        case DT_BLK: x.type = FileType::BlockDevice; break;
        case DT_SOCK: x.type = FileType::SocketStream; break;
        default: {
          struct stat st {};
          if (::fstatat(e->host, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) x.type = file_type_of(st.st_mode);
        }
      }
      e->listing.push_back(std::move(x));
    }
    ::closedir(d);
    e->listing_valid = true;
  }
  // Entries from `cookie` on, each a dirent header then its name; the last one may be
  // cut short, which tells the guest to call again with a bigger buffer.
  uint64_t used = 0;
  for (uint64_t i = cookie; i < e->listing.size() && used < len; ++i) {
    const DirEntry& x = e->listing[i];
    uint8_t head[layout::kDirent] = {};
    const uint64_t next = i + 1;
    const U32 namlen = static_cast<U32>(x.name.size());
    std::memcpy(head, &next, 8);
    std::memcpy(head + 8, &x.ino, 8);
    std::memcpy(head + 16, &namlen, 4);
    head[20] = static_cast<uint8_t>(x.type);
    uint64_t n = std::min<uint64_t>(layout::kDirent, len - used);
    std::memcpy(out + used, head, n);
    used += n;
    n = std::min<uint64_t>(namlen, len - used);
    std::memcpy(out + used, x.name.data(), n);
    used += n;
  }
  return g.store<U32>(used_ptr, static_cast<U32>(used)) ? Errno::Success : Errno::Fault;
}

Errno WasiCtx::Calls::path_create_directory(WasiCtx& c, Guest& g, U32 fd, U32 path, U32 len) {
  Errno err;
  FdEntry* e = dir_entry(*c.m_fds, fd, rights::PathCreateDirectory, err);
  if (!e) return err;
  std::string p;
  if ((err = g.path(path, len, p)) != Errno::Success) return err;
  Parent par;
  if ((err = open_parent(c.m_beneath, e->host, p, par)) != Errno::Success) return err;
  if (par.name == ".") return Errno::Exist;
  return ::mkdirat(par.dir.fd, par.name.c_str(), 0777) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::path_remove_directory(WasiCtx& c, Guest& g, U32 fd, U32 path, U32 len) {
  Errno err;
  FdEntry* e = dir_entry(*c.m_fds, fd, rights::PathRemoveDirectory, err);
  if (!e) return err;
  std::string p;
  if ((err = g.path(path, len, p)) != Errno::Success) return err;
  Parent par;
  if ((err = open_parent(c.m_beneath, e->host, p, par)) != Errno::Success) return err;
  if (par.name == ".") return Errno::Inval;
  return ::unlinkat(par.dir.fd, par.name.c_str(), AT_REMOVEDIR) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::path_unlink_file(WasiCtx& c, Guest& g, U32 fd, U32 path, U32 len) {
  Errno err;
  FdEntry* e = dir_entry(*c.m_fds, fd, rights::PathUnlinkFile, err);
  if (!e) return err;
  std::string p;
  if ((err = g.path(path, len, p)) != Errno::Success) return err;
  Parent par;
  if ((err = open_parent(c.m_beneath, e->host, p, par)) != Errno::Success) return err;
  if (par.name == ".") return Errno::IsDir;
  if (par.trailing_slash) {
    struct stat st {};
    if (::fstatat(par.dir.fd, par.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return last_errno();
    return S_ISDIR(st.st_mode) ? Errno::IsDir : Errno::NotDir;
  }
  return ::unlinkat(par.dir.fd, par.name.c_str(), 0) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::path_filestat_get(WasiCtx& c, Guest& g, U32 fd, U32 flags, U32 path, U32 len, U32 ptr) {
  Errno err;
  FdEntry* e = dir_entry(*c.m_fds, fd, rights::PathFilestatGet, err);
  if (!e) return err;
  std::string p;
  if ((err = g.path(path, len, p)) != Errno::Success) return err;
  uint8_t* out = g.bytes(ptr, layout::kFilestat);
  if (!out) return Errno::Fault;
  struct stat st {};
  if ((flags & kLookupSymlinkFollow) || (!p.empty() && p.back() == '/')) {
    int f = -1;
    if (int h = c.m_beneath.open(e->host, p, O_PATH, 0, true, f)) return errno_from_host(h);
    Fd owned(f);
    if (::fstat(f, &st) != 0) return last_errno();
  } else {
    Parent par;
    if ((err = open_parent(c.m_beneath, e->host, p, par)) != Errno::Success) return err;
    if (::fstatat(par.dir.fd, par.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return last_errno();
  }
  put_filestat(out, st);
  return Errno::Success;
}

Errno WasiCtx::Calls::path_filestat_set_times(WasiCtx& c, Guest& g, U32 fd, U32 flags, U32 path, U32 len, U64 atim,
                                              U64 mtim, U32 fst) {
  Errno err;
  FdEntry* e = dir_entry(*c.m_fds, fd, rights::PathFilestatSetTimes, err);
  if (!e) return err;
  std::string p;
  if ((err = g.path(path, len, p)) != Errno::Success) return err;
  timespec ts[2];
  if ((err = times_of(atim, mtim, fst, ts)) != Errno::Success) return err;
  if (flags & kLookupSymlinkFollow) {
    int f = -1;
    if (int h = c.m_beneath.open(e->host, p, O_PATH, 0, true, f)) return errno_from_host(h);
    Fd owned(f);
    return ::utimensat(AT_FDCWD, proc_path(f).c_str(), ts, 0) == 0 ? Errno::Success : last_errno();
  }
  Parent par;
  if ((err = open_parent(c.m_beneath, e->host, p, par)) != Errno::Success) return err;
  return ::utimensat(par.dir.fd, par.name.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::path_link(WasiCtx& c, Guest& g, U32 old_fd, U32 old_flags, U32 old_path, U32 old_len,
                                U32 new_fd, U32 new_path, U32 new_len) {
  Errno err;
  FdEntry* from = dir_entry(*c.m_fds, old_fd, rights::PathLinkSource, err);
  if (!from) return err;
  FdEntry* to = dir_entry(*c.m_fds, new_fd, rights::PathLinkTarget, err);
  if (!to) return err;
  std::string op, np;
  if ((err = g.path(old_path, old_len, op)) != Errno::Success) return err;
  if ((err = g.path(new_path, new_len, np)) != Errno::Success) return err;
  Parent dst;
  if ((err = open_parent(c.m_beneath, to->host, np, dst)) != Errno::Success) return err;
  if (dst.name == ".") return Errno::Exist;
  if (old_flags & kLookupSymlinkFollow) {
    // The kernel would follow the old path's last symlink itself: resolve it beneath
    // first and link the file we found.
    int f = -1;
    if (int h = c.m_beneath.open(from->host, op, O_PATH, 0, true, f)) return errno_from_host(h);
    Fd owned(f);
    return ::linkat(AT_FDCWD, proc_path(f).c_str(), dst.dir.fd, dst.at_name().c_str(), AT_SYMLINK_FOLLOW) == 0
               ? Errno::Success
               : last_errno();
  }
  Parent src;
  if ((err = open_parent(c.m_beneath, from->host, op, src)) != Errno::Success) return err;
  if (src.name == ".") return Errno::Perm;  // a directory cannot be hard-linked
  if (src.trailing_slash) {
    // "name/" must be a directory, and linkat would follow a symlink there itself, past
    // the preopen (its error would tell what is outside). Resolve it beneath instead: a
    // directory cannot be linked (EPERM), and what is not one fails the resolution.
    int f = -1;
    if (int h = c.m_beneath.open(from->host, op, O_PATH | O_DIRECTORY, 0, true, f)) return errno_from_host(h);
    Fd owned(f);
    return Errno::Perm;
  }
  return ::linkat(src.dir.fd, src.at_name().c_str(), dst.dir.fd, dst.at_name().c_str(), 0) == 0 ? Errno::Success
                                                                                              : last_errno();
}

Errno WasiCtx::Calls::path_rename(WasiCtx& c, Guest& g, U32 fd, U32 old_path, U32 old_len, U32 new_fd, U32 new_path,
                                  U32 new_len) {
  Errno err;
  FdEntry* from = dir_entry(*c.m_fds, fd, rights::PathRenameSource, err);
  if (!from) return err;
  FdEntry* to = dir_entry(*c.m_fds, new_fd, rights::PathRenameTarget, err);
  if (!to) return err;
  std::string op, np;
  if ((err = g.path(old_path, old_len, op)) != Errno::Success) return err;
  if ((err = g.path(new_path, new_len, np)) != Errno::Success) return err;
  Parent src, dst;
  if ((err = open_parent(c.m_beneath, from->host, op, src)) != Errno::Success) return err;
  if ((err = open_parent(c.m_beneath, to->host, np, dst)) != Errno::Success) return err;
  if (src.name == "." || dst.name == ".") return Errno::Busy;
  return ::renameat(src.dir.fd, src.at_name().c_str(), dst.dir.fd, dst.at_name().c_str()) == 0 ? Errno::Success
                                                                                              : last_errno();
}

Errno WasiCtx::Calls::path_symlink(WasiCtx& c, Guest& g, U32 old_path, U32 old_len, U32 fd, U32 new_path,
                                   U32 new_len) {
  Errno err;
  FdEntry* e = dir_entry(*c.m_fds, fd, rights::PathSymlink, err);
  if (!e) return err;
  std::string target, np;
  if ((err = g.path(old_path, old_len, target)) != Errno::Success) return err;
  if ((err = g.path(new_path, new_len, np)) != Errno::Success) return err;
  // Resolution beneath a preopen refuses absolute targets anyway; refusing to create
  // them keeps the sandbox from leaving links into the host behind.
  if (!target.empty() && target.front() == '/') return Errno::NotCapable;
  Parent dst;
  if ((err = open_parent(c.m_beneath, e->host, np, dst)) != Errno::Success) return err;
  if (dst.name == ".") return Errno::Exist;
  return ::symlinkat(target.c_str(), dst.dir.fd, dst.at_name().c_str()) == 0 ? Errno::Success : last_errno();
}

Errno WasiCtx::Calls::path_readlink(WasiCtx& c, Guest& g, U32 fd, U32 path, U32 len, U32 buf, U32 buf_len,
                                    U32 used_ptr) {
  Errno err;
  FdEntry* e = dir_entry(*c.m_fds, fd, rights::PathReadlink, err);
  if (!e) return err;
  std::string p;
  if ((err = g.path(path, len, p)) != Errno::Success) return err;
  uint8_t* out = g.bytes(buf, buf_len);
  if (!out || !g.bytes(used_ptr, 4)) return Errno::Fault;
  Parent par;
  if ((err = open_parent(c.m_beneath, e->host, p, par)) != Errno::Success) return err;
  if (par.name == ".") return Errno::Inval;
  if (par.trailing_slash) return Errno::NotDir;
  char tmp[4096];
  ssize_t n = ::readlinkat(par.dir.fd, par.name.c_str(), tmp, sizeof tmp);
  if (n < 0) return last_errno();
  const U32 copied = static_cast<U32>(std::min<uint64_t>(static_cast<uint64_t>(n), buf_len));
  std::memcpy(out, tmp, copied);
  return g.store<U32>(used_ptr, copied) ? Errno::Success : Errno::Fault;
}

Errno WasiCtx::Calls::path_open(WasiCtx& c, Guest& g, U32 fd, U32 dirflags, U32 path, U32 len, U32 oflags, U64 base,
                                U64 inheriting, U32 fdflags, U32 fd_ptr) {
  Errno err;
  uint64_t needed = rights::PathOpen;
  if (oflags & kOflagCreat) needed |= rights::PathCreateFile;
  if (oflags & kOflagTrunc) needed |= rights::PathFilestatSetSize;
  FdEntry* dir = dir_entry(*c.m_fds, fd, needed, err);
  if (!dir) return err;
  if (oflags & ~U32{kOflagCreat | kOflagDirectory | kOflagExcl | kOflagTrunc}) return Errno::Inval;
  if (fdflags & ~U32{kFdflagAppend | kFdflagDsync | kFdflagNonblock | kFdflagRsync | kFdflagSync}) return Errno::Inval;
  std::string p;
  if ((err = g.path(path, len, p)) != Errno::Success) return err;

  // What the new descriptor may do: what was asked, within what the directory passes on.
  // (fd_datasync works on a read-only descriptor, so asking for it does not open for writing.)
  constexpr uint64_t kWrites = rights::FdWrite | rights::FdAllocate | rights::FdFilestatSetSize;
  const bool want_write = (base & kWrites) || (fdflags & kFdflagAppend);
  if (want_write && !(dir->rights_inheriting & rights::FdWrite)) return Errno::NotCapable;
  int flags = O_NOCTTY;
  if (oflags & kOflagDirectory) flags |= O_DIRECTORY;
  if (oflags & kOflagCreat) flags |= O_CREAT;
  if (oflags & kOflagExcl) flags |= O_EXCL;
  if (oflags & kOflagTrunc) flags |= O_TRUNC;
  const bool want_read = base & (rights::FdRead | rights::FdReaddir);
  // A directory opened for writing is the host's EISDIR.
  if (want_write) flags |= want_read ? O_RDWR : O_WRONLY;
  else flags |= O_RDONLY;
  if (fdflags & kFdflagAppend) flags |= O_APPEND;
  if (fdflags & kFdflagNonblock) flags |= O_NONBLOCK;
  if (fdflags & kFdflagDsync) flags |= O_DSYNC;
  if (fdflags & (kFdflagSync | kFdflagRsync)) flags |= O_SYNC;
  if ((flags & O_TRUNC) && (flags & O_ACCMODE) == O_RDONLY) flags = (flags & ~O_ACCMODE) | O_WRONLY;

  int hfd = -1;
  int h = c.m_beneath.open(dir->host, p, flags, 0666, dirflags & kLookupSymlinkFollow, hfd);
  if (h) return errno_from_host(h);
  Fd owned(hfd);
  struct stat st {};
  if (::fstat(hfd, &st) != 0) return last_errno();
  FdEntry n;
  n.type = file_type_of(st.st_mode);
  const uint64_t mask = n.type == FileType::Directory ? rights::Directory
                  : n.type == FileType::RegularFile ? rights::RegularFile
                                                    : rights::Tty;
  n.rights_base = base & dir->rights_inheriting & mask;
  n.rights_inheriting = inheriting & dir->rights_inheriting;
  n.host = hfd;
  uint32_t nfd;
  if ((err = c.m_fds->insert(std::move(n), nfd)) != Errno::Success) return err;
  owned.fd = -1;  // the table owns it now
  if (!g.store<U32>(fd_ptr, nfd)) {
    c.m_fds->close(nfd);
    return Errno::Fault;
  }
  return Errno::Success;
}

}  // namespace skiff::wasi
