// fd_* on stdio, regular files and directories, including every bad-fd path.
// run_guest.py feeds "stdin-data\n" on stdin and preopens T/sandbox as /sandbox.
#include "check.h"

#define BAD_FD 9999u
#define E_RO_WRITE __WASI_ERRNO_BADF, __WASI_ERRNO_NOTCAPABLE

static void bad_fd_everywhere(void) {
  uint8_t buf[8];
  __wasi_iovec_t iov = {buf, sizeof buf};
  __wasi_ciovec_t ciov = {buf, sizeof buf};
  __wasi_size_t n;
  __wasi_filesize_t pos;
  __wasi_fdstat_t fds;
  __wasi_filestat_t fst;
  __wasi_prestat_t ps;
  CHECK_ERR(__wasi_fd_read(BAD_FD, &iov, 1, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_write(BAD_FD, &ciov, 1, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_pread(BAD_FD, &iov, 1, 0, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_pwrite(BAD_FD, &ciov, 1, 0, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_seek(BAD_FD, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_tell(BAD_FD, &pos), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_close(BAD_FD), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_sync(BAD_FD), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_datasync(BAD_FD), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_advise(BAD_FD, 0, 0, __WASI_ADVICE_NORMAL), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_allocate(BAD_FD, 0, 1), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_fdstat_get(BAD_FD, &fds), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_fdstat_set_flags(BAD_FD, 0), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_fdstat_set_rights(BAD_FD, 0, 0), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_filestat_get(BAD_FD, &fst), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_filestat_set_size(BAD_FD, 0), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_filestat_set_times(BAD_FD, 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
            __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_renumber(BAD_FD, 1), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_prestat_get(BAD_FD, &ps), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_readdir(BAD_FD, buf, sizeof buf, 0, &n), __WASI_ERRNO_BADF);
  // fds are u32: the top of the range is just another bad fd.
  CHECK_ERR(__wasi_fd_fdstat_get(0xffffffffu, &fds), __WASI_ERRNO_BADF);
}

static void stdio(void) {
  __wasi_fdstat_t fds;
  for (__wasi_fd_t fd = 0; fd < 3; ++fd)
    CHECK_OK(__wasi_fd_fdstat_get(fd, &fds));
  CHECK_OK(__wasi_fd_fdstat_get(0, &fds));
  CHECK(fds.fs_rights_base & __WASI_RIGHTS_FD_READ);
  CHECK_OK(__wasi_fd_fdstat_get(1, &fds));
  CHECK(fds.fs_rights_base & __WASI_RIGHTS_FD_WRITE);

  fflush(stdout);
  const char msg[] = "fd_write to stdout\n";
  __wasi_ciovec_t two[2] = {{(const uint8_t*)msg, 9}, {(const uint8_t*)msg + 9, sizeof msg - 10}};
  __wasi_size_t n = 0;
  CHECK_OK(__wasi_fd_write(1, two, 2, &n));
  CHECK(n > 0 && n <= sizeof msg - 1); // a short write is allowed; finish it
  if (n < sizeof msg - 1) CHECK_OK(write_all(1, msg + n, sizeof msg - 1 - n));
  CHECK_OK(write_all(2, "fd_write to stderr\n", 19));
  CHECK_OK(__wasi_fd_write(1, two, 0, &n)); // no iovecs: writes nothing
  CHECK_EQ(n, 0);

  char in[64];
  size_t got = 0;
  CHECK_OK(read_all(0, in, sizeof in, &got));
  CHECK_MEM(in, got, "stdin-data\n", 11);
  __wasi_iovec_t iov = {(uint8_t*)in, sizeof in};
  CHECK_OK(__wasi_fd_read(0, &iov, 1, &n)); // EOF stays EOF
  CHECK_EQ(n, 0);

  // stdio are pipes under ctest: not seekable. Wasmtime answers BADF for a non-file
  // (get_seekable) and SPIPE for pread on stdin; Linux says ESPIPE; uvwasi NOTCAPABLE
  // (no FD_SEEK right on stdio).
  __wasi_filesize_t pos;
  CHECK_ERR(__wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_SPIPE, __WASI_ERRNO_BADF,
            __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_fd_pread(0, &iov, 1, 0, &n), __WASI_ERRNO_SPIPE, __WASI_ERRNO_BADF,
            __WASI_ERRNO_NOTCAPABLE);
}

static void regular_file(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  CHECK_OK(
      open_at(dir, 0, "data.bin", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, RIGHTS_ALL, 0, &fd));
  __wasi_fdstat_t fds;
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fds));
  CHECK_EQ(fds.fs_filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ(fds.fs_flags, 0);
  CHECK((fds.fs_rights_base & (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)) ==
        (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE));

  // write with two iovecs (a runtime may stop after the first), then the rest
  __wasi_ciovec_t two[2] = {{(const uint8_t*)"hello ", 6}, {(const uint8_t*)"world", 5}};
  __wasi_size_t n = 0;
  CHECK_OK(__wasi_fd_write(fd, two, 2, &n));
  CHECK(n == 6 || n == 11);
  if (n == 6) CHECK_OK(write_all(fd, "world", 5));
  __wasi_filesize_t pos = 0;
  CHECK_OK(__wasi_fd_tell(fd, &pos));
  CHECK_EQ(pos, 11);

  // seek + read
  CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  CHECK_EQ(pos, 0);
  char buf[64];
  size_t got = 0;
  CHECK_OK(read_all(fd, buf, sizeof buf, &got));
  CHECK_MEM(buf, got, "hello world", 11);
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  CHECK_OK(__wasi_fd_read(fd, &iov, 1, &n));
  CHECK_EQ(n, 0); // at EOF
  CHECK_OK(__wasi_fd_seek(fd, -3, __WASI_WHENCE_END, &pos));
  CHECK_EQ(pos, 8);
  CHECK_OK(read_all(fd, buf, sizeof buf, &got));
  CHECK_MEM(buf, got, "rld", 3);
  CHECK_OK(__wasi_fd_seek(fd, -5, __WASI_WHENCE_CUR, &pos));
  CHECK_EQ(pos, 6);
  CHECK_OK(__wasi_fd_seek(fd, 100, __WASI_WHENCE_CUR, &pos)); // past EOF is fine
  CHECK_EQ(pos, 106);
  CHECK_OK(__wasi_fd_read(fd, &iov, 1, &n));
  CHECK_EQ(n, 0);
  CHECK_ERR(__wasi_fd_seek(fd, -1, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_fd_seek(fd, -1000, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_fd_seek(fd, -1000, __WASI_WHENCE_END, &pos), __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_fd_seek(fd, 0, 3, &pos), __WASI_ERRNO_INVAL); // whence has 3 values
  CHECK_OK(__wasi_fd_tell(fd, &pos));
  CHECK_EQ(pos, 106); // failed seeks leave the offset alone

  // pread / pwrite do not move the offset
  CHECK_OK(__wasi_fd_seek(fd, 2, __WASI_WHENCE_SET, &pos));
  __wasi_iovec_t piov = {(uint8_t*)buf, 5};
  CHECK_OK(__wasi_fd_pread(fd, &piov, 1, 6, &n));
  CHECK_MEM(buf, n, "world", 5);
  __wasi_ciovec_t pciov = {(const uint8_t*)"HELLO", 5};
  CHECK_OK(__wasi_fd_pwrite(fd, &pciov, 1, 0, &n));
  CHECK_EQ(n, 5);
  CHECK_OK(__wasi_fd_tell(fd, &pos));
  CHECK_EQ(pos, 2);
  CHECK_OK(__wasi_fd_pread(fd, &piov, 1, 1000, &n)); // beyond EOF: 0 bytes
  CHECK_EQ(n, 0);
  CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  CHECK_OK(read_all(fd, buf, sizeof buf, &got));
  CHECK_MEM(buf, got, "HELLO world", 11);

  // filestat_get / set_size
  __wasi_filestat_t st;
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ(st.size, 11);
  CHECK_EQ(st.nlink, 1);
  CHECK_OK(__wasi_fd_filestat_set_size(fd, 20));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ(st.size, 20);
  CHECK_OK(__wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t*)buf, 20}, 1, 0, &n));
  CHECK_EQ(n, 20);
  CHECK(memcmp(buf, "HELLO world\0\0\0\0\0\0\0\0\0", 20) == 0); // zero-filled
  CHECK_OK(__wasi_fd_filestat_set_size(fd, 5));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ(st.size, 5);

  // filestat_set_times: exact values, NOW, and the invalid SET+NOW combinations
  const uint64_t atim = 1500000000ull * 1000000000ull, mtim = 1600000000ull * 1000000000ull;
  CHECK_OK(
      __wasi_fd_filestat_set_times(fd, atim, mtim, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ(st.atim, atim);
  CHECK_EQ(st.mtim, mtim);
  CHECK_OK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  uint64_t now = now_ns(__WASI_CLOCKID_REALTIME);
  CHECK(st.mtim + 10000000000ull > now && st.mtim < now + 10000000000ull);
  CHECK_EQ(st.atim, atim); // untouched
  CHECK_ERR(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
            __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW),
            __WASI_ERRNO_INVAL);

  // sync, advise, allocate
  CHECK_OK(__wasi_fd_sync(fd));
  CHECK_OK(__wasi_fd_datasync(fd));
  for (__wasi_advice_t a = __WASI_ADVICE_NORMAL; a <= __WASI_ADVICE_NOREUSE; ++a)
    CHECK_OK(__wasi_fd_advise(fd, 0, 100, a));
  CHECK_ERR(__wasi_fd_advise(fd, 0, 100, 6), __WASI_ERRNO_INVAL);
  // Wasmtime's preview1 answers NOTSUP for fd_allocate; a posix_fallocate-based one grows
  // the file to offset+len.
  int e = CHECK_ERR(__wasi_fd_allocate(fd, 0, 4096), __WASI_ERRNO_SUCCESS, __WASI_ERRNO_NOTSUP);
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ(st.size, e == __WASI_ERRNO_SUCCESS ? 4096 : 5);
  CHECK_OK(__wasi_fd_filestat_set_size(fd, 5));

  // fdstat_set_flags: APPEND on and off
  CHECK_OK(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fds));
  CHECK(fds.fs_flags & __WASI_FDFLAGS_APPEND);
  CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  CHECK_OK(write_all(fd, "+A", 2)); // lands at the end despite the offset
  CHECK_OK(__wasi_fd_fdstat_set_flags(fd, 0));
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fds));
  CHECK_EQ(fds.fs_flags & __WASI_FDFLAGS_APPEND, 0);
  CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  CHECK_OK(write_all(fd, "h", 1)); // and now at the offset again
  CHECK_OK(__wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t*)buf, sizeof buf}, 1, 0, &n));
  CHECK_MEM(buf, n, "hELLO+A", 7);

  // renumber onto another open fd: `to` now is the file, `from` is gone
  __wasi_fd_t other;
  CHECK_OK(open_at(dir, 0, "hello.txt", 0, RIGHTS_RO, 0, &other));
  CHECK_OK(__wasi_fd_renumber(fd, other));
  CHECK_ERR(__wasi_fd_fdstat_get(fd, &fds), __WASI_ERRNO_BADF);
  CHECK_OK(__wasi_fd_pread(other, &(__wasi_iovec_t){(uint8_t*)buf, sizeof buf}, 1, 0, &n));
  CHECK_MEM(buf, n, "hELLO+A", 7);
  CHECK_OK(__wasi_fd_renumber(other, other)); // onto itself: no-op
  CHECK_OK(__wasi_fd_fdstat_get(other, &fds));
  CHECK_OK(__wasi_fd_close(other));
  CHECK_ERR(__wasi_fd_close(other), __WASI_ERRNO_BADF); // double close
  CHECK_ERR(__wasi_fd_write(other, &(__wasi_ciovec_t){(const uint8_t*)"x", 1}, 1, &n),
            __WASI_ERRNO_BADF);
}

static void rights_and_modes(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  __wasi_size_t n;
  char buf[32];
  // Read-only: writing must fail (Wasmtime: BADF; node/uvwasi and older wasi-common:
  // NOTCAPABLE) and leave the file alone.
  CHECK_OK(open_at(dir, 0, "ro.txt", 0, RIGHTS_RO, 0, &fd));
  __wasi_ciovec_t w = {(const uint8_t*)"XX", 2};
  CHECK_ERR(__wasi_fd_write(fd, &w, 1, &n), E_RO_WRITE);
  CHECK_ERR(__wasi_fd_pwrite(fd, &w, 1, 0, &n), E_RO_WRITE);
  CHECK(__wasi_fd_filestat_set_size(fd, 0) != __WASI_ERRNO_SUCCESS);
  size_t got = 0;
  CHECK_OK(read_all(fd, buf, sizeof buf, &got));
  CHECK_MEM(buf, got, "read-only\n", 10);
  CHECK_OK(__wasi_fd_close(fd));
  // Write-only: reading must fail.
  CHECK_OK(open_at(dir, 0, "ro.txt", 0, __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK, 0, &fd));
  __wasi_iovec_t r = {(uint8_t*)buf, sizeof buf};
  CHECK_ERR(__wasi_fd_read(fd, &r, 1, &n), E_RO_WRITE);
  CHECK_OK(__wasi_fd_close(fd));

  // A directory fd is not a file: no seek, read or write (Wasmtime: BADF; Linux: EISDIR
  // for read/write; uvwasi: NOTCAPABLE since a directory has no FD_SEEK/FD_READ rights).
  __wasi_filesize_t pos;
  CHECK_ERR(__wasi_fd_seek(dir, 0, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_BADF, __WASI_ERRNO_ISDIR,
            __WASI_ERRNO_SPIPE, __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_fd_read(dir, &r, 1, &n), __WASI_ERRNO_BADF, __WASI_ERRNO_ISDIR,
            __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_fd_write(dir, &w, 1, &n), __WASI_ERRNO_BADF, __WASI_ERRNO_ISDIR,
            __WASI_ERRNO_NOTCAPABLE);
  __wasi_fdstat_t fds;
  CHECK_OK(__wasi_fd_fdstat_get(dir, &fds));
  CHECK_EQ(fds.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  __wasi_filestat_t st;
  CHECK_OK(__wasi_fd_filestat_get(dir, &st));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_DIRECTORY);
}

// What a guest cannot push the host past: a descriptor table of 1,024 entries (guests
// share the process's descriptors: one must not take them from the others), and more
// than IOV_MAX (1,024) iovecs in one call, refused before the host builds an array for
// them. Host stdio is a stream: no seek, truncation or flag change (O_APPEND and
// O_NONBLOCK belong to the parent process too).
static void limits(__wasi_fd_t dir) {
  static __wasi_fd_t fds[2048];
  int n = 0;
  __wasi_errno_t last = __WASI_ERRNO_SUCCESS;
  for (; n < 2048; ++n)
    if ((last = open_at(dir, 0, ".", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &fds[n])) != __WASI_ERRNO_SUCCESS) break;
  CHECK(n >= 1000 && n < 1024);  // stdio and the preopens hold the rest
  CHECK_EQ(last, __WASI_ERRNO_NFILE);
  for (int i = 0; i < n; ++i) CHECK_OK(__wasi_fd_close(fds[i]));
  CHECK_OK(open_at(dir, 0, ".", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &fds[0]));
  CHECK_OK(__wasi_fd_close(fds[0]));

  static __wasi_ciovec_t many[1025];
  for (int i = 0; i < 1025; ++i) many[i] = (__wasi_ciovec_t){(const uint8_t*)"", 0};
  __wasi_size_t w = 99;
  CHECK_ERR(__wasi_fd_write(1, many, 1025, &w), __WASI_ERRNO_INVAL);
  CHECK_OK(__wasi_fd_write(1, many, 1024, &w));
  CHECK_EQ(w, 0);

  __wasi_fdstat_t st;
  for (__wasi_fd_t fd = 0; fd < 3; ++fd) {
    CHECK_OK(__wasi_fd_fdstat_get(fd, &st));
    CHECK_EQ(st.fs_rights_base & (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE |
                                  __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_PATH_OPEN),
             0);
  }
  CHECK_ERR(__wasi_fd_fdstat_set_flags(1, __WASI_FDFLAGS_NONBLOCK), __WASI_ERRNO_NOTCAPABLE);
}

int main(void) {
  bad_fd_everywhere();
  stdio();
  int dir = find_preopen("/sandbox");
  CHECK(dir >= 3);
  if (dir < 0) return finish("fd_basic");
  regular_file((__wasi_fd_t)dir);
  rights_and_modes((__wasi_fd_t)dir);
  limits((__wasi_fd_t)dir);
  // libc on top: fopen/fwrite/fseek/fread through the preopen.
  FILE* f = fopen("/sandbox/libc.txt", "w+");
  CHECK(f != NULL);
  if (f) {
    CHECK(fputs("via libc\n", f) >= 0);
    CHECK(fseek(f, 4, SEEK_SET) == 0);
    char line[32] = "";
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK_STR(line, "libc\n");
    CHECK(fclose(f) == 0);
  }
  return finish("fd_basic");
}
