/* Force-included (clang -include) into every C file that bench/corpus/build.sh compiles for
 * wasm32-wasi. Debian 12's wasi-libc (snapshot 2022-05-10) lacks a few POSIX pieces that the
 * corpus programs reference; wasi_compat.c supplies them as no-op or always-failing stubs.
 * The corpus exists to benchmark decoding/validation, so the stubs only need to be harmless. */
#ifndef SKIFF_BENCH_WASI_COMPAT_H
#define SKIFF_BENCH_WASI_COMPAT_H

#include <sys/types.h>
#include <fcntl.h>
#include <stdio.h>

/* wasi-libc declares struct flock but not the lock commands/types. Values follow the Linux
 * generic ABI; wasi-libc's fcntl() rejects them with EINVAL, and the SQLite builds pick the
 * "unix-none" VFS so they are never issued at run time anyway. */
#ifndef F_RDLCK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#endif
#ifndef F_GETLK
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#endif

/* Not declared by wasi-libc at all; defined in wasi_compat.c. */
int fchmod(int fd, mode_t mode);
int fchown(int fd, uid_t owner, gid_t group);
int chown(const char *path, uid_t owner, gid_t group);
uid_t getuid(void);
uid_t geteuid(void);

#endif
