// Self-checking helpers shared by the WASI test guests (one translation unit each).
// Every check prints one line ("ok   FILE:LINE: what" or "FAIL FILE:LINE: what: got ...,
// expected ..."); finish() prints the summary line run_guest.py looks for and returns the
// exit code (0 only if every check passed). Errno checks take the list of accepted values,
// the preferred one first: the WASI preview1 spec rarely fixes an errno, so where Linux
// and Wasmtime differ the guest accepts both and says so next to the check.
#pragma once

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int g_checks;
static int g_failed;

// Line-buffered stdout, so a guest that hangs or traps still shows its last check.
__attribute__((constructor)) static void line_buffered_stdout(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
}

static __attribute__((unused)) const char* errno_name(int e) {
  switch (e) {
  case __WASI_ERRNO_SUCCESS: return "SUCCESS";
  case __WASI_ERRNO_ACCES: return "ACCES";
  case __WASI_ERRNO_AGAIN: return "AGAIN";
  case __WASI_ERRNO_BADF: return "BADF";
  case __WASI_ERRNO_EXIST: return "EXIST";
  case __WASI_ERRNO_FAULT: return "FAULT";
  case __WASI_ERRNO_ILSEQ: return "ILSEQ";
  case __WASI_ERRNO_INVAL: return "INVAL";
  case __WASI_ERRNO_IO: return "IO";
  case __WASI_ERRNO_ISDIR: return "ISDIR";
  case __WASI_ERRNO_LOOP: return "LOOP";
  case __WASI_ERRNO_NAMETOOLONG: return "NAMETOOLONG";
  case __WASI_ERRNO_NOBUFS: return "NOBUFS";
  case __WASI_ERRNO_NOENT: return "NOENT";
  case __WASI_ERRNO_NOSYS: return "NOSYS";
  case __WASI_ERRNO_NOTDIR: return "NOTDIR";
  case __WASI_ERRNO_NOTEMPTY: return "NOTEMPTY";
  case __WASI_ERRNO_NOTSOCK: return "NOTSOCK";
  case __WASI_ERRNO_NOTSUP: return "NOTSUP";
  case __WASI_ERRNO_PERM: return "PERM";
  case __WASI_ERRNO_RANGE: return "RANGE";
  case __WASI_ERRNO_ROFS: return "ROFS";
  case __WASI_ERRNO_SPIPE: return "SPIPE";
  case __WASI_ERRNO_XDEV: return "XDEV";
  case __WASI_ERRNO_NOTCAPABLE: return "NOTCAPABLE";
  default: return "?";
  }
}

static __attribute__((unused)) void check_report(const char* file, int line, int ok,
                                                 const char* what, const char* fmt, ...) {
  ++g_checks;
  if (ok) {
    printf("ok   %s:%d: %s\n", file, line, what);
    return;
  }
  ++g_failed;
  printf("FAIL %s:%d: %s: ", file, line, what);
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

// `accepted` ends with -1.
static __attribute__((unused)) int check_errno(const char* file, int line, const char* what,
                                               int got, const int* accepted) {
  int ok = 0;
  for (const int* a = accepted; *a >= 0; ++a)
    ok |= (got == *a);
  if (ok) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s -> %s", what, errno_name(got));
    check_report(file, line, 1, buf, "");
  } else {
    char exp[256] = "";
    for (const int* a = accepted; *a >= 0; ++a) {
      size_t n = strlen(exp);
      snprintf(exp + n, sizeof exp - n, "%s%d (%s)", a == accepted ? "" : " or ", *a,
               errno_name(*a));
    }
    check_report(file, line, 0, what, "got %d (%s), expected %s", got, errno_name(got), exp);
  }
  return got;
}

static __attribute__((unused)) int check_u64(const char* file, int line, const char* what,
                                             uint64_t got, uint64_t expected) {
  check_report(file, line, got == expected, what, "got %llu, expected %llu",
               (unsigned long long)got, (unsigned long long)expected);
  return got == expected;
}

static __attribute__((unused)) int check_mem(const char* file, int line, const char* what,
                                             const void* got, size_t got_len, const void* expected,
                                             size_t expected_len) {
  int ok = got_len == expected_len && memcmp(got, expected, got_len) == 0;
  check_report(file, line, ok, what, "got \"%.*s\" (%zu bytes), expected \"%.*s\" (%zu bytes)",
               (int)got_len, (const char*)got, got_len, (int)expected_len, (const char*)expected,
               expected_len);
  return ok;
}

#define CHECK(cond) check_report(__FILE_NAME__, __LINE__, (cond) ? 1 : 0, #cond, "false")
// CHECK_ERR(expr, E1, E2...): expr returns a __wasi_errno_t that must be one of E1, E2...
#define CHECK_ERR(expr, ...)                                                                       \
  check_errno(__FILE_NAME__, __LINE__, #expr, (int)(expr), (const int[]){__VA_ARGS__, -1})
#define CHECK_OK(expr)                                                                             \
  check_errno(__FILE_NAME__, __LINE__, #expr, (int)(expr), (const int[]){__WASI_ERRNO_SUCCESS, -1})
#define CHECK_EQ(got, expected)                                                                    \
  check_u64(__FILE_NAME__, __LINE__, #got " == " #expected, (uint64_t)(got), (uint64_t)(expected))
#define CHECK_STR(got, expected)                                                                   \
  check_mem(__FILE_NAME__, __LINE__, #got " == " #expected, (got), strlen(got), (expected),        \
            strlen(expected))
#define CHECK_MEM(got, got_len, expected, expected_len)                                            \
  check_mem(__FILE_NAME__, __LINE__, #got, (got), (got_len), (expected), (expected_len))

static __attribute__((unused)) int finish(const char* guest) {
  printf("wasi-guest %s: %d checks, %d failed\n", guest, g_checks, g_failed);
  fflush(stdout);
  return g_failed ? 1 : 0;
}

// --- small wrappers over the raw API ------------------------------------------------------

#define RIGHTS_ALL ((__wasi_rights_t)0x1fffffff)
#define RIGHTS_RO                                                                                  \
  (RIGHTS_ALL & ~(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_SYNC |     \
                  __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE))
#define LOOKUP_FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

// Finds the preopened directory named `name` (e.g. "/sandbox"); returns its fd or -1.
static __attribute__((unused)) int find_preopen(const char* name) {
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != __WASI_ERRNO_SUCCESS) continue;
    if (ps.tag != __WASI_PREOPENTYPE_DIR) continue;
    char buf[256];
    size_t n = ps.u.dir.pr_name_len;
    if (n >= sizeof buf) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)buf, n) != __WASI_ERRNO_SUCCESS) continue;
    buf[n] = 0;
    while (n > 1 && buf[n - 1] == '/')
      buf[--n] = 0; // tolerate "/sandbox/"
    if (strcmp(buf, name) == 0) return (int)fd;
  }
  return -1;
}

// Opens like wasi-libc does: the requested rights are cut down to what `dir` can hand on
// (runtimes that enforce rights, like uvwasi, refuse more with NOTCAPABLE).
static __attribute__((unused)) __wasi_errno_t open_at(__wasi_fd_t dir, __wasi_lookupflags_t lookup,
                                                      const char* path, __wasi_oflags_t oflags,
                                                      __wasi_rights_t rights,
                                                      __wasi_fdflags_t fdflags, __wasi_fd_t* out) {
  *out = (__wasi_fd_t)-1;
  __wasi_fdstat_t st;
  if (__wasi_fd_fdstat_get(dir, &st) == __WASI_ERRNO_SUCCESS) rights &= st.fs_rights_inheriting;
  return __wasi_path_open(dir, lookup, path, oflags, rights, rights, fdflags, out);
}

// Writes all of buf (looping over short writes); returns the errno of the first failure.
static __attribute__((unused)) __wasi_errno_t write_all(__wasi_fd_t fd, const void* buf,
                                                        size_t len) {
  const uint8_t* p = (const uint8_t*)buf;
  while (len > 0) {
    __wasi_ciovec_t iov = {p, len};
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_fd_write(fd, &iov, 1, &n);
    if (e != __WASI_ERRNO_SUCCESS) return e;
    if (n == 0) return __WASI_ERRNO_IO;
    p += n;
    len -= n;
  }
  return __WASI_ERRNO_SUCCESS;
}

// Reads until EOF or `cap` bytes; *got receives the count.
static __attribute__((unused)) __wasi_errno_t read_all(__wasi_fd_t fd, void* buf, size_t cap,
                                                       size_t* got) {
  uint8_t* p = (uint8_t*)buf;
  *got = 0;
  while (*got < cap) {
    __wasi_iovec_t iov = {p + *got, cap - *got};
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_fd_read(fd, &iov, 1, &n);
    if (e != __WASI_ERRNO_SUCCESS) return e;
    if (n == 0) break;
    *got += n;
  }
  return __WASI_ERRNO_SUCCESS;
}

// Reads a whole file below `dir` into buf (NUL-terminated); returns its length or -1.
static __attribute__((unused)) long slurp(__wasi_fd_t dir, const char* path, char* buf,
                                          size_t cap) {
  __wasi_fd_t fd;
  if (open_at(dir, LOOKUP_FOLLOW, path, 0, RIGHTS_RO, 0, &fd) != __WASI_ERRNO_SUCCESS) return -1;
  size_t got = 0;
  __wasi_errno_t e = read_all(fd, buf, cap - 1, &got);
  (void)__wasi_fd_close(fd);
  if (e != __WASI_ERRNO_SUCCESS) return -1;
  buf[got] = 0;
  return (long)got;
}

// Creates (or truncates) a file below `dir` holding `text`; returns the errno.
static __attribute__((unused)) __wasi_errno_t put_file(__wasi_fd_t dir, const char* path,
                                                       const char* text) {
  __wasi_fd_t fd;
  __wasi_errno_t e =
      open_at(dir, 0, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, RIGHTS_ALL, 0, &fd);
  if (e != __WASI_ERRNO_SUCCESS) return e;
  e = write_all(fd, text, strlen(text));
  (void)__wasi_fd_close(fd);
  return e;
}

static __attribute__((unused)) int exists(__wasi_fd_t dir, const char* path) {
  __wasi_filestat_t st;
  return __wasi_path_filestat_get(dir, 0, path, &st) == __WASI_ERRNO_SUCCESS;
}

static __attribute__((unused)) uint64_t now_ns(__wasi_clockid_t id) {
  __wasi_timestamp_t t = 0;
  if (__wasi_clock_time_get(id, 1, &t) != __WASI_ERRNO_SUCCESS) return 0;
  return t;
}
