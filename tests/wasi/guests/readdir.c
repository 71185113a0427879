// fd_readdir: full listing, tiny buffers, resuming from cookies, stable cookies, "." and
// "..", d_type/d_ino/d_namlen, end of directory, errors. Uses T/sandbox/readdir (f00..f19
// with sizes 0..19, subdirectory d1, symlink lnk -> f00) and T/sandbox/empty.
#include <dirent.h>

#include "check.h"

#define MAX_ENTRIES 64
#define HDR sizeof(__wasi_dirent_t) /* 24 */

typedef struct {
  __wasi_dirent_t d;
  char name[64];
} Entry;

// Parses the complete entries of buf[0..used); returns how many.
static int parse(const uint8_t* buf, size_t used, Entry* out, int max) {
  size_t off = 0;
  int n = 0;
  while (n < max && off + HDR <= used) {
    __wasi_dirent_t d;
    memcpy(&d, buf + off, HDR);
    if (off + HDR + d.d_namlen > used) break; // truncated name
    out[n].d = d;
    size_t len = d.d_namlen < 63 ? d.d_namlen : 63;
    memcpy(out[n].name, buf + off + HDR, len);
    out[n].name[len] = 0;
    off += HDR + d.d_namlen;
    ++n;
  }
  return n;
}

// Reads the whole listing from `cookie` with buffers of `bufsize`, resuming after the last
// complete entry each time. Returns the number of entries, -1 on error or no progress.
static int list_all(__wasi_fd_t dir, size_t bufsize, __wasi_dircookie_t cookie, Entry* out) {
  static uint8_t buf[8192];
  int total = 0;
  for (int rounds = 0; rounds < 1000; ++rounds) {
    __wasi_size_t used = 0;
    if (__wasi_fd_readdir(dir, buf, bufsize, cookie, &used) != __WASI_ERRNO_SUCCESS) return -1;
    if (used > bufsize) return -1;
    int n = parse(buf, used, out + total, MAX_ENTRIES - total);
    total += n;
    if (used < bufsize) return total; // end of directory
    if (n == 0) return -1;            // buffer too small for the next entry
    cookie = out[total - 1].d.d_next;
  }
  return -1;
}

static int find(const Entry* e, int n, const char* name) {
  for (int i = 0; i < n; ++i)
    if (strcmp(e[i].name, name) == 0) return i;
  return -1;
}

int main(void) {
  int sb = find_preopen("/sandbox");
  CHECK(sb >= 3);
  if (sb < 0) return finish("readdir");
  __wasi_fd_t dir;
  CHECK_OK(open_at((__wasi_fd_t)sb, 0, "readdir", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &dir));

  static Entry all[MAX_ENTRIES], part[MAX_ENTRIES];
  int n = list_all(dir, 4096, __WASI_DIRCOOKIE_START, all);
  printf("readdir: %d entries\n", n);
  // 20 files + d1 + lnk, plus "." and ".." (Wasmtime synthesizes both as the first two
  // entries; uvwasi/libuv leave them out).
  CHECK_EQ(n, 24);
  if (n < 0) n = 0;
  char name[8];
  for (int i = 0; i < 20; ++i) {
    snprintf(name, sizeof name, "f%02d", i);
    int k = find(all, n, name);
    CHECK(k >= 0);
    if (k < 0) continue;
    if (all[k].d.d_type != __WASI_FILETYPE_REGULAR_FILE) CHECK_EQ(all[k].d.d_type, 4);
    if (all[k].d.d_namlen != 3) CHECK_EQ(all[k].d.d_namlen, 3);
  }
  int k = find(all, n, "d1");
  CHECK(k >= 0 && all[k].d.d_type == __WASI_FILETYPE_DIRECTORY);
  k = find(all, n, "lnk");
  CHECK(k >= 0 && all[k].d.d_type == __WASI_FILETYPE_SYMBOLIC_LINK);
  k = find(all, n, ".");
  CHECK(k >= 0 && all[k].d.d_type == __WASI_FILETYPE_DIRECTORY);
  k = find(all, n, "..");
  CHECK(k >= 0 && all[k].d.d_type == __WASI_FILETYPE_DIRECTORY);
  // d_ino matches path_filestat_get's ino
  k = find(all, n, "f07");
  __wasi_filestat_t st;
  CHECK_OK(__wasi_path_filestat_get(dir, 0, "f07", &st));
  if (k >= 0) CHECK_EQ(all[k].d.d_ino, st.ino);
  CHECK_EQ(st.size, 7);
  // cookies: distinct, none is the start cookie
  int distinct = 1;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j)
      distinct &= all[i].d.d_next != all[j].d.d_next;
  CHECK(distinct);

  // Small buffers: the same sequence, the same cookies.
  static const size_t sizes[] = {27, 28, 30, 31, 40, 53, 64, 100, 200};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s) {
    int m = list_all(dir, sizes[s], __WASI_DIRCOOKIE_START, part);
    int same = m == n;
    for (int i = 0; same && i < n; ++i)
      same = strcmp(part[i].name, all[i].name) == 0 && part[i].d.d_next == all[i].d.d_next &&
             part[i].d.d_type == all[i].d.d_type;
    if (!same) printf("buffer %zu: %d entries\n", sizes[s], m);
    CHECK(same);
  }
  // Buffers smaller than one entry are filled completely with the start of the first
  // entry, signalling "more" (bufused == buf_len).
  static const size_t tiny[] = {1, 8, 23, 24, 25};
  uint8_t big[4096], small[32];
  __wasi_size_t used = 0;
  CHECK_OK(__wasi_fd_readdir(dir, big, sizeof big, __WASI_DIRCOOKIE_START, &used));
  for (size_t s = 0; s < sizeof tiny / sizeof tiny[0]; ++s) {
    memset(small, 0xee, sizeof small);
    __wasi_size_t u = 0;
    CHECK_OK(__wasi_fd_readdir(dir, small, tiny[s], __WASI_DIRCOOKIE_START, &u));
    CHECK_EQ(u, tiny[s]);
    CHECK(memcmp(small, big, tiny[s]) == 0);
    CHECK(small[tiny[s]] == 0xee); // nothing written past buf_len
  }
  // Zero-length buffer: nothing written, bufused 0.
  CHECK_OK(__wasi_fd_readdir(dir, small, 0, __WASI_DIRCOOKIE_START, &used));
  CHECK_EQ(used, 0);

  // Stable cookies: resuming from the 5th entry's cookie gives the rest of the listing,
  // also after other reads in between and with a fresh fd.
  if (n > 6) {
    int m = list_all(dir, 4096, all[4].d.d_next, part);
    CHECK_EQ(m, n - 5);
    CHECK(m > 0 && strcmp(part[0].name, all[5].name) == 0);
    __wasi_fd_t dir2;
    CHECK_OK(open_at((__wasi_fd_t)sb, 0, "readdir", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &dir2));
    m = list_all(dir2, 4096, all[10].d.d_next, part);
    CHECK_EQ(m, n - 11);
    CHECK(m > 0 && strcmp(part[0].name, all[11].name) == 0);
    CHECK_OK(__wasi_fd_close(dir2));
    // the last entry's cookie: nothing left
    CHECK_OK(__wasi_fd_readdir(dir, big, sizeof big, all[n - 1].d.d_next, &used));
    CHECK_EQ(used, 0);
  }

  // An empty directory lists only "." and "..".
  __wasi_fd_t empty;
  CHECK_OK(open_at((__wasi_fd_t)sb, 0, "empty", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &empty));
  int m = list_all(empty, 4096, __WASI_DIRCOOKIE_START, part);
  CHECK_EQ(m, 2);
  CHECK_OK(__wasi_fd_close(empty));

  // The preopen itself can be listed.
  m = list_all((__wasi_fd_t)sb, 4096, __WASI_DIRCOOKIE_START, part);
  CHECK(find(part, m, "hello.txt") >= 0 && find(part, m, "readdir") >= 0);

  // Errors: a file fd (Linux getdents: ENOTDIR; Wasmtime: NOTDIR/BADF; uvwasi: NOTCAPABLE,
  // a file has no FD_READDIR right), a closed fd.
  __wasi_fd_t file;
  CHECK_OK(open_at(dir, 0, "f03", 0, RIGHTS_RO, 0, &file));
  CHECK_ERR(__wasi_fd_readdir(file, big, sizeof big, 0, &used), __WASI_ERRNO_NOTDIR,
            __WASI_ERRNO_BADF, __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_close(file));
  CHECK_ERR(__wasi_fd_readdir(file, big, sizeof big, 0, &used), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_readdir(1, big, sizeof big, 0, &used), __WASI_ERRNO_NOTDIR, __WASI_ERRNO_BADF,
            __WASI_ERRNO_NOTCAPABLE);

  CHECK_OK(__wasi_fd_close(dir));

  // libc's opendir/readdir on top.
  DIR* d = opendir("/sandbox/readdir");
  CHECK(d != NULL);
  int files = 0;
  for (struct dirent* e; d && (e = readdir(d)) != NULL;)
    files += e->d_name[0] == 'f';
  CHECK_EQ(files, 20);
  if (d) CHECK(closedir(d) == 0);
  return finish("readdir");
}
