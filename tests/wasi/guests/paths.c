// path_* functions, fd_prestat_*, and the read-only preopen (--dir-ro T/ro::/ro).
// Works in /sandbox/p (created here); run_guest.py checks p/host_check.txt afterwards.
#include "check.h"

#define E_DENIED __WASI_ERRNO_PERM, __WASI_ERRNO_NOTCAPABLE, __WASI_ERRNO_ROFS, __WASI_ERRNO_ACCES

static void prestat(__wasi_fd_t sb) {
  __wasi_prestat_t ps;
  CHECK_OK(__wasi_fd_prestat_get(sb, &ps));
  CHECK_EQ(ps.tag, __WASI_PREOPENTYPE_DIR);
  CHECK_EQ(ps.u.dir.pr_name_len, 8);
  char name[16] = "";
  CHECK_OK(__wasi_fd_prestat_dir_name(sb, (uint8_t*)name, 8));
  CHECK_MEM(name, 8, "/sandbox", 8);
  // Too small a buffer: Wasmtime NAMETOOLONG; uvwasi NOBUFS.
  CHECK_ERR(__wasi_fd_prestat_dir_name(sb, (uint8_t*)name, 3), __WASI_ERRNO_NAMETOOLONG,
            __WASI_ERRNO_NOBUFS);
  // Not a preopen: prestat_get BADF; dir_name BADF (Wasmtime keeps the legacy NOTDIR).
  CHECK_ERR(__wasi_fd_prestat_get(0, &ps), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_prestat_get(1, &ps), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_prestat_dir_name(1, (uint8_t*)name, 8), __WASI_ERRNO_BADF,
            __WASI_ERRNO_NOTDIR);
  __wasi_fd_t sub;
  CHECK_OK(open_at(sb, 0, "sub", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &sub));
  CHECK_ERR(__wasi_fd_prestat_get(sub, &ps), __WASI_ERRNO_BADF); // opened, not preopened
  CHECK_OK(__wasi_fd_close(sub));
}

static void open_flags(__wasi_fd_t sb) {
  __wasi_fd_t fd;
  __wasi_filestat_t st;
  char buf[64];
  CHECK_OK(__wasi_path_create_directory(sb, "p"));
  CHECK_ERR(open_at(sb, 0, "p/new.txt", 0, RIGHTS_ALL, 0, &fd), __WASI_ERRNO_NOENT);
  CHECK_OK(open_at(sb, 0, "p/new.txt", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd));
  CHECK_OK(write_all(fd, "abc", 3));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_ERR(
      open_at(sb, 0, "p/new.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RIGHTS_ALL, 0, &fd),
      __WASI_ERRNO_EXIST);
  CHECK_OK(open_at(sb, 0, "p/new.txt", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd)); // no TRUNC
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ(st.size, 3);
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_OK(open_at(sb, 0, "p/new.txt", __WASI_OFLAGS_TRUNC, RIGHTS_ALL, 0, &fd));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ(st.size, 0);
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_OK(
      open_at(sb, 0, "p/excl.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RIGHTS_ALL, 0, &fd));
  CHECK_OK(__wasi_fd_close(fd));

  // DIRECTORY
  CHECK_ERR(open_at(sb, 0, "hello.txt", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &fd),
            __WASI_ERRNO_NOTDIR);
  CHECK_OK(open_at(sb, 0, "sub", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &fd));
  __wasi_fdstat_t fds;
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fds));
  CHECK_EQ(fds.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK_EQ(slurp(fd, "inner.txt", buf, sizeof buf), 6); // relative to the opened dir
  CHECK_STR(buf, "inner\n");
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_OK(open_at(sb, 0, "sub/", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &fd));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_ERR(open_at(sb, 0, "hello.txt/", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(open_at(sb, 0, "hello.txt/x", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(open_at(sb, 0, "nonexistent/x", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd),
            __WASI_ERRNO_NOENT);
  CHECK_ERR(open_at(sb, 0, "", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_NOENT, __WASI_ERRNO_INVAL);
  // "." and a ".." that stays inside are fine
  CHECK_OK(open_at(sb, 0, ".", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &fd));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_EQ(slurp(sb, "sub/../hello.txt", buf, sizeof buf), 13);
  CHECK_EQ(slurp(sb, "./sub/./inner.txt", buf, sizeof buf), 6);
  CHECK_EQ(slurp(sb, "sub//inner.txt", buf, sizeof buf), 6);

  // dirfd that is not a directory / not open
  __wasi_fd_t file;
  CHECK_OK(open_at(sb, 0, "hello.txt", 0, RIGHTS_RO, 0, &file));
  CHECK_ERR(open_at(file, 0, "x", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_NOTDIR, __WASI_ERRNO_BADF,
            __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_path_create_directory(file, "x"), __WASI_ERRNO_NOTDIR, __WASI_ERRNO_BADF,
            __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_close(file));
  CHECK_ERR(open_at(9999, 0, "hello.txt", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_BADF);

  // fdflags APPEND
  CHECK_OK(put_file(sb, "p/app.txt", "one\n"));
  CHECK_OK(open_at(sb, 0, "p/app.txt", 0, RIGHTS_ALL, __WASI_FDFLAGS_APPEND, &fd));
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fds));
  CHECK(fds.fs_flags & __WASI_FDFLAGS_APPEND);
  CHECK_OK(write_all(fd, "two\n", 4));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_EQ(slurp(sb, "p/app.txt", buf, sizeof buf), 8);
  CHECK_STR(buf, "one\ntwo\n");

  // lookupflags: SYMLINK_FOLLOW or not
  CHECK_EQ(slurp(sb, "link_to_hello", buf, sizeof buf), 13);
  CHECK_STR(buf, "hello, world\n");
  CHECK_ERR(open_at(sb, 0, "link_to_hello", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_LOOP);
  CHECK_ERR(open_at(sb, LOOKUP_FOLLOW, "dangling", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_NOENT);
  CHECK_OK(open_at(sb, LOOKUP_FOLLOW, "link_to_sub", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &fd));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_EQ(slurp(sb, "link_to_sub/inner.txt", buf, sizeof buf), 6); // symlink mid-path
}

static void filestat(__wasi_fd_t sb) {
  __wasi_filestat_t st, st2;
  // An empty path names nothing; a path of PATH_MAX (4,096) bytes or more is refused
  // before it is copied.
  CHECK_ERR(__wasi_path_filestat_get(sb, 0, "", &st), __WASI_ERRNO_NOENT);
  static char long_path[5000];
  memset(long_path, 'a', sizeof long_path - 1);
  CHECK_ERR(__wasi_path_filestat_get(sb, 0, long_path, &st), __WASI_ERRNO_NAMETOOLONG);
  CHECK_OK(__wasi_path_filestat_get(sb, 0, "hello.txt", &st));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ(st.size, 13);
  CHECK_EQ(st.nlink, 1);
  __wasi_fd_t fd;
  CHECK_OK(open_at(sb, 0, "hello.txt", 0, RIGHTS_RO, 0, &fd));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st2));
  CHECK_EQ(st2.ino, st.ino);
  CHECK_EQ(st2.dev, st.dev);
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_OK(__wasi_path_filestat_get(sb, 0, "sub", &st));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK_OK(__wasi_path_filestat_get(sb, 0, "link_to_hello", &st));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK_OK(__wasi_path_filestat_get(sb, LOOKUP_FOLLOW, "link_to_hello", &st));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ(st.size, 13);
  CHECK_ERR(__wasi_path_filestat_get(sb, 0, "missing", &st), __WASI_ERRNO_NOENT);
  CHECK_ERR(__wasi_path_filestat_get(sb, LOOKUP_FOLLOW, "dangling", &st), __WASI_ERRNO_NOENT);

  const uint64_t atim = 1400000000ull * 1000000000ull, mtim = 1450000000ull * 1000000000ull;
  CHECK_OK(__wasi_path_filestat_set_times(sb, 0, "p/new.txt", atim, mtim,
                                          __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CHECK_OK(__wasi_path_filestat_get(sb, 0, "p/new.txt", &st));
  CHECK_EQ(st.atim, atim);
  CHECK_EQ(st.mtim, mtim);
  CHECK_OK(__wasi_path_filestat_set_times(sb, 0, "p/new.txt", 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
  CHECK_OK(__wasi_path_filestat_get(sb, 0, "p/new.txt", &st));
  CHECK(st.atim > atim);
  CHECK_EQ(st.mtim, mtim);
  CHECK_ERR(__wasi_path_filestat_set_times(sb, 0, "p/new.txt", 0, 0,
                                           __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
            __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_path_filestat_set_times(sb, 0, "missing", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
            __WASI_ERRNO_NOENT);
}

static void links(__wasi_fd_t sb) {
  __wasi_filestat_t st, st2;
  char buf[64];
  // hard links
  CHECK_OK(__wasi_path_link(sb, 0, "hello.txt", sb, "p/hard.txt"));
  CHECK_OK(__wasi_path_filestat_get(sb, 0, "p/hard.txt", &st));
  CHECK_OK(__wasi_path_filestat_get(sb, 0, "hello.txt", &st2));
  CHECK_EQ(st.ino, st2.ino);
  CHECK_EQ(st.nlink, 2);
  CHECK_EQ(slurp(sb, "p/hard.txt", buf, sizeof buf), 13);
  CHECK_ERR(__wasi_path_link(sb, 0, "hello.txt", sb, "p/hard.txt"), __WASI_ERRNO_EXIST);
  CHECK_ERR(__wasi_path_link(sb, 0, "missing", sb, "p/hard2.txt"), __WASI_ERRNO_NOENT);
  CHECK_ERR(__wasi_path_link(sb, 0, "sub", sb, "p/subdir_link"), __WASI_ERRNO_PERM); // no dir links
  CHECK_OK(__wasi_path_unlink_file(sb, "p/hard.txt"));
  CHECK_OK(__wasi_path_filestat_get(sb, 0, "hello.txt", &st2));
  CHECK_EQ(st2.nlink, 1);

  // symlinks and readlink
  __wasi_size_t n = 0;
  CHECK_OK(__wasi_path_readlink(sb, "link_to_hello", (uint8_t*)buf, sizeof buf, &n));
  CHECK_MEM(buf, n, "hello.txt", 9);
  // A short buffer: Wasmtime (and POSIX readlink) truncate; uvwasi says NOBUFS.
  memset(buf, 0, sizeof buf);
  int e = CHECK_ERR(__wasi_path_readlink(sb, "link_to_hello", (uint8_t*)buf, 4, &n),
                    __WASI_ERRNO_SUCCESS, __WASI_ERRNO_RANGE, __WASI_ERRNO_NOBUFS);
  if (e == __WASI_ERRNO_SUCCESS) CHECK_MEM(buf, n, "hell", 4);
  CHECK_ERR(__wasi_path_readlink(sb, "hello.txt", (uint8_t*)buf, sizeof buf, &n),
            __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_path_readlink(sb, "missing", (uint8_t*)buf, sizeof buf, &n), __WASI_ERRNO_NOENT);
  CHECK_OK(__wasi_path_symlink("../hello.txt", sb, "p/sl"));
  CHECK_OK(__wasi_path_readlink(sb, "p/sl", (uint8_t*)buf, sizeof buf, &n));
  CHECK_MEM(buf, n, "../hello.txt", 12);
  CHECK_EQ(slurp(sb, "p/sl", buf, sizeof buf), 13);
  CHECK_ERR(__wasi_path_symlink("hello.txt", sb, "p/sl"), __WASI_ERRNO_EXIST);
  CHECK_OK(__wasi_path_symlink("nowhere", sb, "p/dangling")); // dangling is fine
  CHECK_OK(__wasi_path_filestat_get(sb, 0, "p/dangling", &st));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  // unlinking a symlink removes the link, not its target
  CHECK_OK(__wasi_path_unlink_file(sb, "p/sl"));
  CHECK(!exists(sb, "p/sl"));
  CHECK(exists(sb, "hello.txt"));
  CHECK_OK(__wasi_path_unlink_file(sb, "p/dangling"));
}

static void dirs_rename_unlink(__wasi_fd_t sb) {
  char buf[64];
  // create / remove directory
  CHECK_ERR(__wasi_path_create_directory(sb, "p"), __WASI_ERRNO_EXIST);
  CHECK_ERR(__wasi_path_create_directory(sb, "nonexistent/d"), __WASI_ERRNO_NOENT);
  CHECK_ERR(__wasi_path_create_directory(sb, "hello.txt/d"), __WASI_ERRNO_NOTDIR);
  CHECK_OK(__wasi_path_create_directory(sb, "p/d1"));
  CHECK_OK(__wasi_path_create_directory(sb, "p/d2"));
  CHECK_OK(put_file(sb, "p/d2/f", "f\n"));
  CHECK_ERR(__wasi_path_remove_directory(sb, "p/d2"), __WASI_ERRNO_NOTEMPTY);
  CHECK_ERR(__wasi_path_remove_directory(sb, "p/new.txt"), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(__wasi_path_remove_directory(sb, "p/missing"), __WASI_ERRNO_NOENT);
  CHECK_ERR(__wasi_path_remove_directory(sb, "link_to_sub"), __WASI_ERRNO_NOTDIR);
  CHECK(exists(sb, "sub/inner.txt"));
  CHECK_OK(__wasi_path_create_directory(sb, "p/d3"));
  CHECK_OK(__wasi_path_remove_directory(sb, "p/d3"));
  CHECK(!exists(sb, "p/d3"));

  // unlink_file on a directory: Linux unlinkat(2) and Wasmtime say EISDIR (macOS: EPERM).
  CHECK_ERR(__wasi_path_unlink_file(sb, "p/d1"), __WASI_ERRNO_ISDIR);
  CHECK_ERR(__wasi_path_unlink_file(sb, "p/missing"), __WASI_ERRNO_NOENT);
  CHECK_OK(put_file(sb, "p/gone.txt", "x"));
  CHECK_OK(__wasi_path_unlink_file(sb, "p/gone.txt"));
  CHECK(!exists(sb, "p/gone.txt"));
  CHECK_ERR(__wasi_path_unlink_file(sb, "p/gone.txt"), __WASI_ERRNO_NOENT);

  // rename
  CHECK_OK(put_file(sb, "p/a.txt", "A\n"));
  CHECK_OK(put_file(sb, "p/b.txt", "B\n"));
  CHECK_OK(__wasi_path_rename(sb, "p/a.txt", sb, "p/c.txt"));
  CHECK(!exists(sb, "p/a.txt"));
  CHECK_EQ(slurp(sb, "p/c.txt", buf, sizeof buf), 2);
  CHECK_OK(__wasi_path_rename(sb, "p/c.txt", sb, "p/b.txt")); // replaces a file
  CHECK_EQ(slurp(sb, "p/b.txt", buf, sizeof buf), 2);
  CHECK_STR(buf, "A\n");
  CHECK_ERR(__wasi_path_rename(sb, "p/missing", sb, "p/x"), __WASI_ERRNO_NOENT);
  CHECK_ERR(__wasi_path_rename(sb, "p/b.txt", sb, "p/d1"), __WASI_ERRNO_ISDIR);
  CHECK_ERR(__wasi_path_rename(sb, "p/d1", sb, "p/b.txt"), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(__wasi_path_rename(sb, "p/d1", sb, "p/d2"), __WASI_ERRNO_NOTEMPTY);
  CHECK_ERR(__wasi_path_rename(sb, "p/d2", sb, "p/d2/inside"), __WASI_ERRNO_INVAL);
  CHECK_OK(__wasi_path_rename(sb, "p/d2", sb, "p/d4")); // a directory with contents
  CHECK(exists(sb, "p/d4/f"));
  // across two directory fds
  __wasi_fd_t p;
  CHECK_OK(open_at(sb, 0, "p", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &p));
  CHECK_OK(__wasi_path_rename(p, "b.txt", sb, "p/d1/b.txt"));
  CHECK(exists(sb, "p/d1/b.txt"));
  CHECK_OK(__wasi_path_link(p, 0, "d1/b.txt", sb, "p/b2.txt"));
  CHECK_OK(__wasi_fd_close(p));
  CHECK_OK(put_file(sb, "p/host_check.txt", "written by paths.c\n"));
}

static void read_only_preopen(void) {
  int ro = find_preopen("/ro");
  CHECK(ro >= 3);
  if (ro < 0) return;
  char buf[64];
  __wasi_fd_t fd;
  CHECK_EQ(slurp((__wasi_fd_t)ro, "data.txt", buf, sizeof buf), 8);
  CHECK_STR(buf, "ro data\n");
  // Every change must be refused (errno not fixed by any spec: PERM from Wasmtime's
  // read-only DirPerms, NOTCAPABLE from rights, ROFS/ACCES from an OS-level mount).
  // run_guest.py also checks that T/ro is unchanged.
  int e = open_at((__wasi_fd_t)ro, 0, "data.txt", 0, RIGHTS_ALL, 0, &fd);
  if (e == __WASI_ERRNO_SUCCESS) { // allowed to open with fewer rights; writing must fail
    __wasi_size_t n;
    CHECK(__wasi_fd_write(fd, &(__wasi_ciovec_t){(const uint8_t*)"X", 1}, 1, &n) != 0);
    CHECK(__wasi_fd_filestat_set_size(fd, 0) != 0);
    (void)__wasi_fd_close(fd);
  } else {
    CHECK_ERR(e, E_DENIED);
  }
  CHECK_ERR(open_at((__wasi_fd_t)ro, 0, "new.txt", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd),
            E_DENIED);
  CHECK_ERR(open_at((__wasi_fd_t)ro, 0, "data.txt", __WASI_OFLAGS_TRUNC, RIGHTS_ALL, 0, &fd),
            E_DENIED);
  CHECK_ERR(__wasi_path_create_directory((__wasi_fd_t)ro, "newdir"), E_DENIED);
  CHECK_ERR(__wasi_path_remove_directory((__wasi_fd_t)ro, "dir"), E_DENIED);
  CHECK_ERR(__wasi_path_unlink_file((__wasi_fd_t)ro, "data.txt"), E_DENIED);
  CHECK_ERR(__wasi_path_rename((__wasi_fd_t)ro, "data.txt", (__wasi_fd_t)ro, "moved.txt"),
            E_DENIED);
  CHECK_ERR(__wasi_path_symlink("data.txt", (__wasi_fd_t)ro, "sl"), E_DENIED);
  CHECK_ERR(__wasi_path_link((__wasi_fd_t)ro, 0, "data.txt", (__wasi_fd_t)ro, "hl"), E_DENIED);
  CHECK_ERR(__wasi_path_filestat_set_times((__wasi_fd_t)ro, 0, "data.txt", 0, 0,
                                           __WASI_FSTFLAGS_MTIM_NOW),
            E_DENIED);
  int sb = find_preopen("/sandbox");
  // moving a file from the read-only tree into the writable one removes it there
  CHECK_ERR(__wasi_path_rename((__wasi_fd_t)ro, "data.txt", (__wasi_fd_t)sb, "p/taken.txt"),
            E_DENIED, __WASI_ERRNO_XDEV);
  CHECK(exists((__wasi_fd_t)ro, "data.txt"));
}

int main(void) {
  int sb = find_preopen("/sandbox");
  CHECK(sb >= 3);
  if (sb < 0) return finish("paths");
  prestat((__wasi_fd_t)sb);
  open_flags((__wasi_fd_t)sb);
  filestat((__wasi_fd_t)sb);
  links((__wasi_fd_t)sb);
  dirs_rename_unlink((__wasi_fd_t)sb);
  read_only_preopen();
  return finish("paths");
}
