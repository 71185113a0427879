// files: a WAGI guest that reads the app's files directory (mounted read-only at "/")
// and tries to change it. One line per operation: "NAME ok" or "NAME errno=N".
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static void report(const char *name, int rc) {
  if (rc >= 0) printf("%s ok\n", name);
  else printf("%s errno=%d\n", name, errno);
}

// Prints "NAME ok CONTENT" or "NAME errno=N" for reading `path`.
static void read_and_print(const char *name, const char *path) {
  char buf[256] = {0};
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("%s errno=%d\n", name, errno);
    return;
  }
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  printf("%s ok %s", name, buf);
}

int main(void) {
  printf("Content-Type: text/plain\n\n");
  read_and_print("read", "/hello.txt");
  read_and_print("read_sub", "/sub/inner.txt");
  int fd = open("/hello.txt", O_WRONLY);
  report("open_write", fd);
  if (fd >= 0) {
    report("write", (int)write(fd, "pwned\n", 6));
    close(fd);
  }
  fd = open("/hello.txt", O_WRONLY | O_TRUNC);
  report("open_trunc", fd);
  fd = open("/new.txt", O_WRONLY | O_CREAT, 0644);
  report("create", fd);
  report("mkdir", mkdir("/newdir", 0755));
  report("unlink", unlink("/hello.txt"));
  report("rename", rename("/hello.txt", "/moved.txt"));
  report("open_outside", open("/../secret.txt", O_RDONLY));
  report("open_outside_sub", open("/sub/../../secret.txt", O_RDONLY));
  // The directory's descriptor is the app's, lent to every request: its flags are not
  // this request's to change for the next (the flags before, then the call's result).
  __wasi_fdstat_t st;
  __wasi_errno_t e = __wasi_fd_fdstat_get(3, &st);
  printf("dir_flags_before %d %d\n", (int)e, e == 0 ? (int)st.fs_flags : -1);
  e = __wasi_fd_fdstat_set_flags(3, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_NONBLOCK);
  printf("dir_set_flags %d\n", (int)e);
  return 0;
}
