// sched_yield, proc_raise, proc_exit. Without arguments it ends with proc_exit(42) and
// run_guest.py expects exit code 42 (so a proc_exit that returns, or a runtime that
// ignores the code, fails). With "trap" it executes `unreachable`: skiff exits 134. With
// "read_stdin" it blocks reading a stdin that never ends, with "write_stdout" writing to
// a stdout nobody reads, for `skiff run --timeout`.
#include "check.h"

// proc_raise is gone from current wasi-libc headers; import it directly.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) int32_t
raw_proc_raise(int32_t sig);

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "read_stdin") == 0) {
    // stdin stays open and silent: only `skiff run --timeout` ends this (exit 134).
    printf("proc: reading stdin\n");
    fflush(stdout);
    char buf[16];
    __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
    __wasi_size_t n;
    __wasi_errno_t e = __wasi_fd_read(0, &iov, 1, &n);
    printf("proc: fd_read returned %d\n", e);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "write_stdout") == 0) {
    // 1 MiB into a stdout pipe nobody reads: it fills after 64 KiB, and only `skiff run
    // --timeout` ends this (exit 134).
    static uint8_t block[1 << 20];
    __wasi_ciovec_t iov = {block, sizeof block};
    __wasi_size_t n;
    for (;;) (void)!__wasi_fd_write(1, &iov, 1, &n);
  }
  if (argc == 2 && strcmp(argv[1], "trap") == 0) {
    printf("proc: trapping now\n");
    fflush(stdout);
    __builtin_trap();
  }
  for (int i = 0; i < 3; ++i)
    CHECK_OK(__wasi_sched_yield());
  // proc_raise: Wasmtime answers NOTSUP for every signal; a runtime without it, NOSYS.
  // A real raise would kill the process, so only these answers pass. SIGUSR1 (10) and an
  // out-of-range signal (INVAL from Wasmtime's enum check).
  CHECK_ERR(raw_proc_raise(10), __WASI_ERRNO_NOTSUP, __WASI_ERRNO_NOSYS);
  CHECK_ERR(raw_proc_raise(1000), __WASI_ERRNO_INVAL, __WASI_ERRNO_NOTSUP, __WASI_ERRNO_NOSYS);
  int code = finish("proc");
  if (code != 0) return code;
  printf("proc: calling proc_exit(42)\n");
  fflush(stdout);
  __wasi_proc_exit(42);
}
