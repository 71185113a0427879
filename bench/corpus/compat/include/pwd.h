/* Minimal <pwd.h> for wasm32-wasi (wasi-libc ships none, and the host's glibc header must not be
 * picked up instead). There is no user database: getpwuid() always reports "not found". */
#ifndef SKIFF_BENCH_WASI_PWD_H
#define SKIFF_BENCH_WASI_PWD_H
#include <sys/types.h>
struct passwd {
  char *pw_name;
  char *pw_passwd;
  uid_t pw_uid;
  gid_t pw_gid;
  char *pw_gecos;
  char *pw_dir;
  char *pw_shell;
};
static inline struct passwd *getpwuid(uid_t uid) { (void)uid; return 0; }
#endif
