#pragma once
// The wasi_snapshot_preview1 functions, one static member each, with the wasm
// signature spelled by their parameter types (uint32_t = i32, uint64_t = i64; every
// function returns its errno as an i32). wasi.cpp: process, clocks, poll, sockets;
// fs.cpp: descriptors and paths. The list that binds them to names is in wasi.cpp.

#include <cstdint>

#include "wasi/fd_table.h"
#include "wasi/guest.h"
#include "wasi/wasi.h"

namespace skiff::wasi {

using U32 = uint32_t;
using U64 = uint64_t;

struct WasiCtx::Calls {
  // wasi.cpp
  static Errno args_get(WasiCtx&, Guest&, U32 argv, U32 buf);
  static Errno args_sizes_get(WasiCtx&, Guest&, U32 count_ptr, U32 size_ptr);
  static Errno environ_get(WasiCtx&, Guest&, U32 environ, U32 buf);
  static Errno environ_sizes_get(WasiCtx&, Guest&, U32 count_ptr, U32 size_ptr);
  static Errno clock_res_get(WasiCtx&, Guest&, U32 id, U32 res_ptr);
  static Errno clock_time_get(WasiCtx&, Guest&, U32 id, U64 precision, U32 time_ptr);
  static Errno random_get(WasiCtx&, Guest&, U32 buf, U32 len);
  static Errno sched_yield(WasiCtx&, Guest&);
  static Errno proc_raise(WasiCtx&, Guest&, U32 sig);
  static Result<void> proc_exit(WasiCtx* ctx, engine::runtime::Caller&, uint64_t* slots);
  static Errno poll_oneoff(WasiCtx&, Guest&, U32 in, U32 out, U32 n, U32 nevents_ptr);
  static Errno sock_accept(WasiCtx&, Guest&, U32 fd, U32 flags, U32 fd_ptr);
  static Errno sock_recv(WasiCtx&, Guest&, U32 fd, U32 iovs, U32 n, U32 flags, U32 len_ptr, U32 oflags_ptr);
  static Errno sock_send(WasiCtx&, Guest&, U32 fd, U32 iovs, U32 n, U32 flags, U32 len_ptr);
  static Errno sock_shutdown(WasiCtx&, Guest&, U32 fd, U32 how);

  // fs.cpp
  static Errno fd_advise(WasiCtx&, Guest&, U32 fd, U64 offset, U64 len, U32 advice);
  static Errno fd_allocate(WasiCtx&, Guest&, U32 fd, U64 offset, U64 len);
  static Errno fd_close(WasiCtx&, Guest&, U32 fd);
  static Errno fd_datasync(WasiCtx&, Guest&, U32 fd);
  static Errno fd_fdstat_get(WasiCtx&, Guest&, U32 fd, U32 ptr);
  static Errno fd_fdstat_set_flags(WasiCtx&, Guest&, U32 fd, U32 flags);
  static Errno fd_fdstat_set_rights(WasiCtx&, Guest&, U32 fd, U64 base, U64 inheriting);
  static Errno fd_filestat_get(WasiCtx&, Guest&, U32 fd, U32 ptr);
  static Errno fd_filestat_set_size(WasiCtx&, Guest&, U32 fd, U64 size);
  static Errno fd_filestat_set_times(WasiCtx&, Guest&, U32 fd, U64 atim, U64 mtim, U32 flags);
  static Errno fd_pread(WasiCtx&, Guest&, U32 fd, U32 iovs, U32 n, U64 offset, U32 nread_ptr);
  static Errno fd_prestat_get(WasiCtx&, Guest&, U32 fd, U32 ptr);
  static Errno fd_prestat_dir_name(WasiCtx&, Guest&, U32 fd, U32 path, U32 len);
  static Errno fd_pwrite(WasiCtx&, Guest&, U32 fd, U32 iovs, U32 n, U64 offset, U32 nwritten_ptr);
  static Errno fd_read(WasiCtx&, Guest&, U32 fd, U32 iovs, U32 n, U32 nread_ptr);
  static Errno fd_readdir(WasiCtx&, Guest&, U32 fd, U32 buf, U32 len, U64 cookie, U32 used_ptr);
  static Errno fd_renumber(WasiCtx&, Guest&, U32 fd, U32 to);
  static Errno fd_seek(WasiCtx&, Guest&, U32 fd, U64 offset, U32 whence, U32 newoffset_ptr);
  static Errno fd_sync(WasiCtx&, Guest&, U32 fd);
  static Errno fd_tell(WasiCtx&, Guest&, U32 fd, U32 offset_ptr);
  static Errno fd_write(WasiCtx&, Guest&, U32 fd, U32 iovs, U32 n, U32 nwritten_ptr);
  static Errno path_create_directory(WasiCtx&, Guest&, U32 fd, U32 path, U32 len);
  static Errno path_filestat_get(WasiCtx&, Guest&, U32 fd, U32 flags, U32 path, U32 len, U32 ptr);
  static Errno path_filestat_set_times(WasiCtx&, Guest&, U32 fd, U32 flags, U32 path, U32 len, U64 atim, U64 mtim,
                                       U32 fst);
  static Errno path_link(WasiCtx&, Guest&, U32 old_fd, U32 old_flags, U32 old_path, U32 old_len, U32 new_fd,
                         U32 new_path, U32 new_len);
  static Errno path_open(WasiCtx&, Guest&, U32 fd, U32 dirflags, U32 path, U32 len, U32 oflags, U64 base,
                         U64 inheriting, U32 fdflags, U32 fd_ptr);
  static Errno path_readlink(WasiCtx&, Guest&, U32 fd, U32 path, U32 len, U32 buf, U32 buf_len, U32 used_ptr);
  static Errno path_remove_directory(WasiCtx&, Guest&, U32 fd, U32 path, U32 len);
  static Errno path_rename(WasiCtx&, Guest&, U32 fd, U32 old_path, U32 old_len, U32 new_fd, U32 new_path,
                           U32 new_len);
  static Errno path_symlink(WasiCtx&, Guest&, U32 old_path, U32 old_len, U32 fd, U32 new_path, U32 new_len);
  static Errno path_unlink_file(WasiCtx&, Guest&, U32 fd, U32 path, U32 len);

  // Shared by both files.
  static FileType file_type_of(unsigned st_mode);
  static Errno read_iov(WasiCtx&, Guest&, FdEntry&, std::span<iovec> iov, uint64_t& n);
  // Waits until host descriptor `e` has input (or a connection) to take, or the store is
  // asked to stop (EINTR, the guest then traps at its next check): a read on a pipe, a
  // terminal or a socket must not outlive the guest's deadline. Files and directories
  // are always ready, and a non-blocking descriptor is the guest's to poll.
  static Errno wait_readable(Guest&, const FdEntry& e);
  static Errno write_iov(WasiCtx&, Guest&, FdEntry&, std::span<const iovec> iov, uint64_t& n);
  // One non-blocking try at writing iov to host descriptor fd: bytes written, or -1 with
  // errno (EAGAIN when there is no room).
  using TryWrite = ssize_t (*)(int fd, const iovec* iov, int cnt);
  // A write to a pipe, terminal or socket: one try, all of it when there is room; on a
  // blocking descriptor the rest then goes in as the reader makes room, waiting in
  // slices until the store is asked to stop (EINTR if nothing went in, else the count so
  // far). A descriptor the guest made non-blocking gets its short write or EAGAIN.
  // NOTSUP when the try says EOPNOTSUPP (a device without RWF_NOWAIT).
  static Errno write_stream(Guest&, int fd, std::span<const iovec> iov, uint64_t& n, TryWrite try_write);
  // recvmsg(MSG_WAITALL) on blocking socket fd, in slices: until iov is full, the peer
  // finishes sending, an error (reported only if nothing arrived) or the store is asked
  // to stop (EINTR if nothing arrived). The messages' flags are or-ed into msg_flags.
  static Errno recv_all(Guest&, int fd, std::span<const iovec> iov, uint64_t& n, int& msg_flags);
};

}  // namespace skiff::wasi
