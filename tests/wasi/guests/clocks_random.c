// clock_res_get / clock_time_get for every clock id, invalid ids, random_get.
#include <sys/random.h>
#include <time.h>

#include "check.h"

static void check_clock(__wasi_clockid_t id, const char* name, int optional) {
  __wasi_timestamp_t res = 0, t1 = 0, t2 = 0;
  int e = __wasi_clock_res_get(id, &res);
  if (optional && e != __WASI_ERRNO_SUCCESS) {
    // Wasmtime returns BADF for the CPU-time clocks (it has no such clocks in preview2);
    // an implementation without them may also say NOTSUP. Both calls must agree.
    printf("%s: not provided (%d %s)\n", name, e, errno_name(e));
    CHECK_ERR(e, __WASI_ERRNO_BADF, __WASI_ERRNO_NOTSUP, __WASI_ERRNO_INVAL);
    CHECK_EQ(__wasi_clock_time_get(id, 1, &t1), (uint64_t)e);
    return;
  }
  CHECK_OK(e);
  CHECK(res > 0 && res <= 1000000000ull); // between 1 ns and 1 s
  CHECK_OK(__wasi_clock_time_get(id, 1, &t1));
  // Read until the clock moves (at most ~1e6 reads): no errors, never backwards.
  int errors = 0, backwards = 0;
  __wasi_timestamp_t prev = t1;
  t2 = t1;
  for (int i = 0; i < 1000000 && t2 == t1; ++i) {
    errors += __wasi_clock_time_get(id, 0, &t2) != __WASI_ERRNO_SUCCESS;
    backwards += t2 < prev;
    prev = t2;
  }
  CHECK_EQ(errors, 0);
  CHECK_EQ(backwards, 0);
  CHECK(t2 > t1);
  printf("%s: res %llu ns, now %llu ns\n", name, (unsigned long long)res, (unsigned long long)t2);
}

int main(void) {
  check_clock(__WASI_CLOCKID_REALTIME, "realtime", 0);
  check_clock(__WASI_CLOCKID_MONOTONIC, "monotonic", 0);
  check_clock(__WASI_CLOCKID_PROCESS_CPUTIME_ID, "process_cputime", 1);
  check_clock(__WASI_CLOCKID_THREAD_CPUTIME_ID, "thread_cputime", 1);

  // Realtime is the Unix epoch in ns: after 2020-01-01 and before 2100-01-01.
  uint64_t rt = now_ns(__WASI_CLOCKID_REALTIME);
  CHECK(rt > 1577836800ull * 1000000000ull && rt < 4102444800ull * 1000000000ull);
  // libc agrees with the raw call.
  struct timespec ts;
  CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
  uint64_t libc_rt = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  CHECK(libc_rt >= rt && libc_rt - rt < 5000000000ull);
  CHECK(time(NULL) >= (time_t)(rt / 1000000000ull));
  CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);

  // Invalid clock ids: the clockid enum has 4 values; wiggle rejects others with INVAL.
  __wasi_timestamp_t t = 0;
  CHECK_ERR(__wasi_clock_res_get(4, &t), __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_clock_time_get(4, 1, &t), __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_clock_time_get(0xffffffffu, 1, &t), __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_clock_res_get(0x80000000u, &t), __WASI_ERRNO_INVAL);

  // random_get: an empty request, two small ones that differ, and a large one that
  // looks random (all 256 byte values occur in 64 KiB; chance of a false alarm ~ 0).
  uint8_t a[32], b[32];
  CHECK_OK(__wasi_random_get(a, 0));
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  CHECK_OK(__wasi_random_get(a, sizeof a));
  CHECK_OK(__wasi_random_get(b, sizeof b));
  CHECK(memcmp(a, b, sizeof a) != 0);
  static uint8_t big[65536];
  CHECK_OK(__wasi_random_get(big, sizeof big));
  int seen[256] = {0}, distinct = 0;
  for (size_t i = 0; i < sizeof big; ++i)
    distinct += !seen[big[i]]++;
  CHECK_EQ(distinct, 256);
  // An odd length into an unaligned buffer, ending at the last byte of a canary region.
  uint8_t canary[40];
  memset(canary, 0xa5, sizeof canary);
  CHECK_OK(__wasi_random_get(canary + 3, 33));
  CHECK(canary[0] == 0xa5 && canary[1] == 0xa5 && canary[2] == 0xa5 && canary[36] == 0xa5 &&
        canary[37] == 0xa5 && canary[38] == 0xa5 && canary[39] == 0xa5);
  // libc's getentropy goes through random_get too.
  CHECK(getentropy(a, sizeof a) == 0);
  return finish("clocks_random");
}
