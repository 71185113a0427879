/* Stub definitions for POSIX functions that wasi-libc (Debian 12) declares or omits but does not
 * implement. WASI has no file ownership or permission bits, no processes and no temp-file API:
 * ownership/permission changes succeed as no-ops, everything else fails with an errno. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>

int chmod(const char *path, mode_t mode) { (void)path; (void)mode; return 0; }
int fchmod(int fd, mode_t mode) { (void)fd; (void)mode; return 0; }
int chown(const char *path, uid_t owner, gid_t group) { (void)path; (void)owner; (void)group; return 0; }
int fchown(int fd, uid_t owner, gid_t group) { (void)fd; (void)owner; (void)group; return 0; }
uid_t getuid(void) { return 0; }
uid_t geteuid(void) { return 0; }

/* system(NULL) asks whether a command processor exists: it does not. */
int system(const char *command) {
  if (command == NULL) return 0;
  errno = ENOSYS;
  return -1;
}

FILE *tmpfile(void) {
  errno = ENOTSUP;
  return NULL;
}
