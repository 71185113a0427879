// Sandbox escape attempts: every one must FAIL, with NOTCAPABLE (the preview1 capability
// errno; uvwasi and older Wasmtime) or PERM (current Wasmtime via cap-std). run_guest.py
// checks the host side afterwards: T/outside unchanged, nothing new next to the sandbox,
// no "skiff-wasi-escape-pwned" in /, /tmp or next to T.
//   escape.wasm phase1     everything below, and leaves swapdir/ and swapdir_rel/ behind
//   (run_guest.py then replaces them by symlinks to T/outside and ../outside)
//   escape.wasm phase2     the same paths again, now through the swapped-in symlinks
//   escape.wasm nopreopen  run without any --dir: nothing is reachable
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define E_ESCAPE __WASI_ERRNO_NOTCAPABLE, __WASI_ERRNO_PERM
#define PWNED "skiff-wasi-escape-pwned"

// path_open with an explicit length, so the path may contain a NUL.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open"))) int32_t
raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
              int64_t rights_base, int64_t rights_inheriting, int32_t fdflags, int32_t out);

static __wasi_fd_t g_sb;

// Opens `path` below `dir` expecting an escape error; closes anything that did open.
// Read-only unless creating, so that a broken sandbox never opens a host file for writing.
#define OPEN_ESCAPE(dir, lookup, path, oflags)                                                     \
  do {                                                                                             \
    __wasi_fd_t fd_;                                                                               \
    __wasi_rights_t r_ = ((oflags)&__WASI_OFLAGS_CREAT) ? RIGHTS_ALL : RIGHTS_RO;                  \
    int e_ = open_at((dir), (lookup), (path), (oflags), r_, 0, &fd_);                              \
    check_errno(__FILE_NAME__, __LINE__,                                                           \
                "path_open(" #dir ", " #lookup ", " #path ", " #oflags ")", e_,                    \
                (const int[]){E_ESCAPE, -1});                                                      \
    if (e_ == __WASI_ERRNO_SUCCESS) (void)__wasi_fd_close(fd_);                                    \
  } while (0)

static void open_escapes(void) {
  const __wasi_lookupflags_t F = LOOKUP_FOLLOW;
  const __wasi_oflags_t D = __WASI_OFLAGS_DIRECTORY, C = __WASI_OFLAGS_CREAT;
  // ".." in all its forms
  OPEN_ESCAPE(g_sb, F, "../outside/secret.txt", 0);
  OPEN_ESCAPE(g_sb, 0, "../outside/secret.txt", 0);
  OPEN_ESCAPE(g_sb, F, "..", D);
  OPEN_ESCAPE(g_sb, F, "./..", D);
  OPEN_ESCAPE(g_sb, F, "sub/../../outside/secret.txt", 0);
  OPEN_ESCAPE(g_sb, F, "sub/deeper/../../../outside/secret.txt", 0);
  OPEN_ESCAPE(g_sb, F, "sub/../sub/../../outside/secret.txt", 0);
  OPEN_ESCAPE(g_sb, F, "../../../../../../../../../../etc/passwd", 0);
  OPEN_ESCAPE(g_sb, F, "../sandbox/hello.txt", 0); // back inside, but via the parent
  // absolute paths
  OPEN_ESCAPE(g_sb, F, "/etc/passwd", 0);
  OPEN_ESCAPE(g_sb, F, "/", D);
  OPEN_ESCAPE(g_sb, F, "//etc/passwd", 0);
  // symlinks inside pointing outside: absolute, relative, chained, from a subdirectory,
  // as the last component and in the middle of the path, followed or not (components in
  // the middle are always followed)
  OPEN_ESCAPE(g_sb, F, "link_abs_out", 0);
  OPEN_ESCAPE(g_sb, F, "link_rel_out", 0);
  OPEN_ESCAPE(g_sb, F, "link_chain", 0);
  OPEN_ESCAPE(g_sb, F, "sub/link_up_out", 0);
  OPEN_ESCAPE(g_sb, F, "link_dir_out/secret.txt", 0);
  OPEN_ESCAPE(g_sb, 0, "link_dir_out/secret.txt", 0);
  OPEN_ESCAPE(g_sb, F, "link_abs_dir_out/secret.txt", 0);
  OPEN_ESCAPE(g_sb, F, "link_dir_out", D);
  OPEN_ESCAPE(g_sb, F, "link_abs_dir_out", D);
  OPEN_ESCAPE(g_sb, F, "link_root", D);
  OPEN_ESCAPE(g_sb, F, "link_root/etc/passwd", 0);
  OPEN_ESCAPE(g_sb, F, "link_to_sub/../../outside/secret.txt", 0);
  // creating through them
  OPEN_ESCAPE(g_sb, F, "link_new_out", C);
  OPEN_ESCAPE(g_sb, F, "../outside/" PWNED, C);
  OPEN_ESCAPE(g_sb, F, "link_dir_out/" PWNED, C);
  OPEN_ESCAPE(g_sb, F, "link_root/tmp/" PWNED, C);
  __wasi_fd_t fd;
  // not following the final symlink: must fail too (LOOP/EXIST from O_NOFOLLOW, or escape)
  CHECK(open_at(g_sb, 0, "link_new_out", C, RIGHTS_ALL, 0, &fd) != __WASI_ERRNO_SUCCESS);
  // positive controls: ".." that stays inside, and the links themselves
  CHECK_OK(open_at(g_sb, F, "sub/../hello.txt", 0, RIGHTS_RO, 0, &fd));
  CHECK_OK(__wasi_fd_close(fd));
  __wasi_filestat_t st;
  CHECK_OK(__wasi_path_filestat_get(g_sb, 0, "link_abs_out", &st));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);

  // A NUL inside the path must not cut it short (that would open hello.txt).
  static const char nul_path[] = "hello.txt\0/../../outside/secret.txt";
  __wasi_fd_t out = 12345;
  int e = raw_path_open(g_sb, F, (int32_t)nul_path, sizeof nul_path - 1, 0, RIGHTS_RO, RIGHTS_RO, 0,
                        (int32_t)&out);
  printf("path with a NUL -> %d (%s)\n", e, errno_name(e));
  CHECK(e != __WASI_ERRNO_SUCCESS);
  if (e == __WASI_ERRNO_SUCCESS) (void)__wasi_fd_close(out);
}

static void other_path_escapes(void) {
  const __wasi_lookupflags_t F = LOOKUP_FOLLOW;
  __wasi_filestat_t st;
  char buf[64];
  __wasi_size_t n;
  CHECK_ERR(__wasi_path_filestat_get(g_sb, F, "../outside/secret.txt", &st), E_ESCAPE);
  CHECK_ERR(__wasi_path_filestat_get(g_sb, F, "link_abs_out", &st), E_ESCAPE);
  CHECK_ERR(__wasi_path_filestat_get(g_sb, F, "link_dir_out/secret.txt", &st), E_ESCAPE);
  CHECK_ERR(__wasi_path_filestat_get(g_sb, 0, "/etc/passwd", &st), E_ESCAPE);
  CHECK_ERR(__wasi_path_filestat_set_times(g_sb, 0, "../outside/secret.txt", 0, 0,
                                           __WASI_FSTFLAGS_MTIM_NOW),
            E_ESCAPE);
  CHECK_ERR(__wasi_path_filestat_set_times(g_sb, F, "link_rel_out", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
            E_ESCAPE);
  CHECK_ERR(__wasi_path_create_directory(g_sb, "../" PWNED), E_ESCAPE);
  CHECK_ERR(__wasi_path_create_directory(g_sb, "../outside/" PWNED), E_ESCAPE);
  CHECK_ERR(__wasi_path_create_directory(g_sb, "link_dir_out/" PWNED), E_ESCAPE);
  CHECK_ERR(__wasi_path_create_directory(g_sb, "link_root/tmp/" PWNED), E_ESCAPE);
  CHECK_ERR(__wasi_path_create_directory(g_sb, "/tmp/" PWNED), E_ESCAPE);
  CHECK_ERR(__wasi_path_unlink_file(g_sb, "../outside/secret.txt"), E_ESCAPE);
  CHECK_ERR(__wasi_path_unlink_file(g_sb, "link_dir_out/secret.txt"), E_ESCAPE);
  CHECK_ERR(__wasi_path_remove_directory(g_sb, "../outside/subdir"), E_ESCAPE);
  CHECK_ERR(__wasi_path_remove_directory(g_sb, ".."), E_ESCAPE);
  CHECK_ERR(__wasi_path_readlink(g_sb, "link_dir_out/secret.txt", (uint8_t*)buf, sizeof buf, &n),
            E_ESCAPE);
  // rename out of and into the sandbox
  CHECK_ERR(__wasi_path_rename(g_sb, "hello.txt", g_sb, "../outside/" PWNED), E_ESCAPE);
  CHECK_ERR(__wasi_path_rename(g_sb, "hello.txt", g_sb, "link_dir_out/" PWNED), E_ESCAPE);
  CHECK_ERR(__wasi_path_rename(g_sb, "sub", g_sb, "../" PWNED), E_ESCAPE);
  CHECK_ERR(__wasi_path_rename(g_sb, "../outside/secret.txt", g_sb, "got_secret.txt"), E_ESCAPE);
  CHECK_ERR(__wasi_path_rename(g_sb, "link_dir_out/secret.txt", g_sb, "got_secret.txt"), E_ESCAPE);
  CHECK(!exists(g_sb, "got_secret.txt"));
  CHECK(exists(g_sb, "hello.txt"));
  // hard links to and from outside
  CHECK_ERR(__wasi_path_link(g_sb, 0, "../outside/secret.txt", g_sb, "hl_secret"), E_ESCAPE);
  CHECK_ERR(__wasi_path_link(g_sb, 0, "link_dir_out/secret.txt", g_sb, "hl_secret"), E_ESCAPE);
  CHECK_ERR(__wasi_path_link(g_sb, 0, "hello.txt", g_sb, "../outside/" PWNED), E_ESCAPE);
  // a trailing '/' on the source makes the kernel's linkat follow its last symlink itself;
  // what is outside (a file: ENOTDIR, a directory: PERM) must not show through
  CHECK_ERR(__wasi_path_link(g_sb, 0, "link_rel_out/", g_sb, "hl_slash"), E_ESCAPE);
  CHECK_ERR(__wasi_path_link(g_sb, 0, "link_dir_out/", g_sb, "hl_slash"), E_ESCAPE);
  // following a symlink to outside as the link source (Wasmtime refuses the flag: INVAL)
  CHECK_ERR(__wasi_path_link(g_sb, LOOKUP_FOLLOW, "link_abs_out", g_sb, "hl_follow"), E_ESCAPE,
            __WASI_ERRNO_INVAL);
  CHECK(!exists(g_sb, "hl_secret") && !exists(g_sb, "hl_follow"));
  // a hard link to the symlink itself may be made; it must lead nowhere either
  if (__wasi_path_link(g_sb, 0, "link_abs_out", g_sb, "hl_of_link") == __WASI_ERRNO_SUCCESS)
    OPEN_ESCAPE(g_sb, LOOKUP_FOLLOW, "hl_of_link", 0);
  // new symlinks pointing outside: creating one may be refused; if allowed, it must not
  // be usable, and creating a file through it must not create anything outside
  static const char* const targets[] = {"../outside/secret.txt", "/etc/passwd", "../outside/" PWNED,
                                        "/tmp/" PWNED};
  static const char* const names[] = {"my_rel", "my_abs", "my_new_rel", "my_new_abs"};
  for (int i = 0; i < 4; ++i) {
    int e =
        CHECK_ERR(__wasi_path_symlink(targets[i], g_sb, names[i]), __WASI_ERRNO_SUCCESS, E_ESCAPE);
    if (e != __WASI_ERRNO_SUCCESS) continue;
    OPEN_ESCAPE(g_sb, LOOKUP_FOLLOW, names[i], i < 2 ? 0 : __WASI_OFLAGS_CREAT);
    // a dangling target outside: NOENT would leak whether it exists, so only escape errors
    CHECK_ERR(__wasi_path_filestat_get(g_sb, LOOKUP_FOLLOW, names[i], &st), E_ESCAPE);
  }
  CHECK_ERR(__wasi_path_symlink("hello.txt", g_sb, "../outside/" PWNED), E_ESCAPE);
  CHECK_ERR(__wasi_path_symlink("hello.txt", g_sb, "link_dir_out/" PWNED), E_ESCAPE);
}

// An opened subdirectory is a sandbox root of its own; moving it around or swapping it
// for a symlink between two calls changes nothing.
static void dirfd_and_swaps(void) {
  __wasi_fd_t sub, race;
  CHECK_OK(open_at(g_sb, 0, "sub", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &sub));
  OPEN_ESCAPE(sub, LOOKUP_FOLLOW, "..", __WASI_OFLAGS_DIRECTORY);
  OPEN_ESCAPE(sub, LOOKUP_FOLLOW, "../hello.txt", 0);
  OPEN_ESCAPE(sub, LOOKUP_FOLLOW, "../../outside/secret.txt", 0);
  OPEN_ESCAPE(sub, LOOKUP_FOLLOW, "link_up_out", 0);
  OPEN_ESCAPE(sub, LOOKUP_FOLLOW, "deeper/../../hello.txt", 0);
  CHECK_OK(__wasi_fd_close(sub));

  // race/: open it, rename it away, put a symlink to outside in its place
  CHECK_OK(__wasi_path_create_directory(g_sb, "race"));
  CHECK_OK(put_file(g_sb, "race/f.txt", "race\n"));
  CHECK_OK(open_at(g_sb, 0, "race", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &race));
  CHECK_OK(__wasi_path_rename(g_sb, "race", g_sb, "race_old"));
  int linked = CHECK_ERR(__wasi_path_symlink("../outside", g_sb, "race"), __WASI_ERRNO_SUCCESS,
                         E_ESCAPE) == __WASI_ERRNO_SUCCESS;
  if (linked) {
    OPEN_ESCAPE(g_sb, LOOKUP_FOLLOW, "race/secret.txt", 0);
    OPEN_ESCAPE(g_sb, 0, "race/secret.txt", 0);
    OPEN_ESCAPE(g_sb, LOOKUP_FOLLOW, "race", __WASI_OFLAGS_DIRECTORY);
  }
  char buf[64];
  CHECK_EQ(slurp(race, "f.txt", buf, sizeof buf), 5); // the held fd still is race_old
  OPEN_ESCAPE(race, LOOKUP_FOLLOW, "../outside/secret.txt", 0);
  OPEN_ESCAPE(race, LOOKUP_FOLLOW, "..", __WASI_OFLAGS_DIRECTORY);
  // move the open directory deeper: its ".." changes, the rule does not
  CHECK_OK(__wasi_path_rename(g_sb, "race_old", g_sb, "sub/deeper/race_moved"));
  OPEN_ESCAPE(race, LOOKUP_FOLLOW, "../../../outside/secret.txt", 0);
  CHECK_OK(__wasi_fd_close(race));
}

static void libc_escapes(void) {
  CHECK(fopen("/sandbox/../outside/secret.txt", "r") == NULL);
  CHECK(fopen("/sandbox/link_abs_out", "r") == NULL);
  CHECK(fopen("/sandbox/link_dir_out/secret.txt", "r") == NULL);
  CHECK(fopen("/etc/passwd", "r") == NULL);
  CHECK(fopen("/tmp/" PWNED, "w") == NULL);
  CHECK(fopen("../outside/secret.txt", "r") == NULL); // relative to libc's cwd "/"
  CHECK(opendir("/sandbox/..") == NULL);
  CHECK(mkdir("/sandbox/../" PWNED, 0755) != 0);
  CHECK(open("/sandbox/link_root/etc/passwd", O_RDONLY) < 0);
  FILE* f = fopen("/sandbox/hello.txt", "r"); // positive control
  CHECK(f != NULL);
  if (f) fclose(f);
}

static void phase1(void) {
  open_escapes();
  other_path_escapes();
  dirfd_and_swaps();
  libc_escapes();
  // for phase 2: real directories now, symlinks to outside then
  CHECK_OK(__wasi_path_create_directory(g_sb, "swapdir"));
  CHECK_OK(put_file(g_sb, "swapdir/f.txt", "swap\n"));
  CHECK_OK(__wasi_path_create_directory(g_sb, "swapdir_rel"));
  char buf[64];
  CHECK_EQ(slurp(g_sb, "swapdir/f.txt", buf, sizeof buf), 5);
}

static void phase2(void) {
  __wasi_filestat_t st;
  CHECK_OK(__wasi_path_filestat_get(g_sb, 0, "swapdir", &st));
  CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK); // the host swapped it
  const char* const dirs[] = {"swapdir", "swapdir_rel"};
  for (int i = 0; i < 2; ++i) {
    char p[128];
    snprintf(p, sizeof p, "%s/secret.txt", dirs[i]);
    OPEN_ESCAPE(g_sb, LOOKUP_FOLLOW, p, 0);
    OPEN_ESCAPE(g_sb, 0, p, 0);
    CHECK_ERR(__wasi_path_filestat_get(g_sb, LOOKUP_FOLLOW, p, &st), E_ESCAPE);
    OPEN_ESCAPE(g_sb, LOOKUP_FOLLOW, dirs[i], __WASI_OFLAGS_DIRECTORY);
    snprintf(p, sizeof p, "%s/" PWNED, dirs[i]);
    OPEN_ESCAPE(g_sb, LOOKUP_FOLLOW, p, __WASI_OFLAGS_CREAT);
    CHECK_ERR(__wasi_path_create_directory(g_sb, p), E_ESCAPE);
    CHECK_ERR(__wasi_path_rename(g_sb, "hello.txt", g_sb, p), E_ESCAPE);
    __wasi_fd_t fd;
    CHECK(open_at(g_sb, 0, dirs[i], __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &fd) !=
          __WASI_ERRNO_SUCCESS); // not following: it is a symlink (LOOP/NOTDIR)
  }
  CHECK(fopen("/sandbox/swapdir/secret.txt", "r") == NULL);
  CHECK(exists(g_sb, "hello.txt"));
}

static void no_preopens(void) {
  __wasi_prestat_t ps;
  for (__wasi_fd_t fd = 3; fd < 16; ++fd)
    CHECK_ERR(__wasi_fd_prestat_get(fd, &ps), __WASI_ERRNO_BADF);
  __wasi_fd_t fd;
  CHECK_ERR(open_at(3, LOOKUP_FOLLOW, "secret.txt", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_BADF);
  CHECK_ERR(open_at(3, LOOKUP_FOLLOW, "/etc/passwd", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_BADF);
  // stdio are not directories
  CHECK_ERR(open_at(0, LOOKUP_FOLLOW, "etc/passwd", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_BADF,
            __WASI_ERRNO_NOTDIR, __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_path_create_directory(1, PWNED), __WASI_ERRNO_BADF, __WASI_ERRNO_NOTDIR,
            __WASI_ERRNO_NOTCAPABLE);
  CHECK(fopen("/etc/passwd", "r") == NULL);
  CHECK(fopen("secret.txt", "r") == NULL);
  CHECK(fopen("/tmp/" PWNED, "w") == NULL);
  CHECK(opendir("/") == NULL);
}

int main(int argc, char** argv) {
  const char* mode = argc >= 2 ? argv[1] : "phase1";
  printf("escape: %s\n", mode);
  if (strcmp(mode, "nopreopen") == 0) {
    no_preopens();
    return finish("escape");
  }
  int sb = find_preopen("/sandbox");
  CHECK(sb >= 3);
  if (sb < 0) return finish("escape");
  g_sb = (__wasi_fd_t)sb;
  if (strcmp(mode, "phase2") == 0)
    phase2();
  else
    phase1();
  return finish("escape");
}
