// poll_oneoff: clock subscriptions (relative, absolute, realtime, several at once), fd_read
// and fd_write subscriptions on stdio and files, errors. stdin is "poll-stdin\n".
#include <time.h>

#include "check.h"

#define MS 1000000ull

static __wasi_subscription_t clock_sub(uint64_t userdata, __wasi_clockid_t id, uint64_t timeout,
                                       __wasi_subclockflags_t flags) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.precision = 0;
  s.u.u.clock.flags = flags;
  return s;
}

static __wasi_subscription_t fd_sub(uint64_t userdata, __wasi_eventtype_t type, __wasi_fd_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = type;
  if (type == __WASI_EVENTTYPE_FD_READ)
    s.u.u.fd_read.file_descriptor = fd;
  else
    s.u.u.fd_write.file_descriptor = fd;
  return s;
}

static const __wasi_event_t* find_event(const __wasi_event_t* ev, size_t n, uint64_t userdata) {
  for (size_t i = 0; i < n; ++i)
    if (ev[i].userdata == userdata) return &ev[i];
  return NULL;
}

static void sleep_checks(void) {
  __wasi_subscription_t s[4];
  __wasi_event_t ev[4];
  __wasi_size_t n = 0;

  // zero subscriptions: INVAL (Wasmtime: "indefinite sleeping is not supported")
  CHECK_ERR(__wasi_poll_oneoff(s, ev, 0, &n), __WASI_ERRNO_INVAL);

  // relative monotonic 30 ms
  uint64_t t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
  s[0] = clock_sub(0x1234567890abcdefull, __WASI_CLOCKID_MONOTONIC, 30 * MS, 0);
  memset(ev, 0, sizeof ev);
  CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
  uint64_t dt = now_ns(__WASI_CLOCKID_MONOTONIC) - t0;
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].userdata, 0x1234567890abcdefull);
  CHECK_EQ(ev[0].type, __WASI_EVENTTYPE_CLOCK);
  CHECK_EQ(ev[0].error, 0);
  CHECK(dt >= 30 * MS);
  CHECK(dt < 5000 * MS);
  printf("relative 30 ms slept %llu us\n", (unsigned long long)(dt / 1000));

  // absolute monotonic deadline 30 ms ahead
  t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
  s[0] = clock_sub(7, __WASI_CLOCKID_MONOTONIC, t0 + 30 * MS,
                   __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
  dt = now_ns(__WASI_CLOCKID_MONOTONIC) - t0;
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].userdata, 7);
  CHECK(dt >= 30 * MS && dt < 5000 * MS);

  // an absolute deadline in the past fires at once
  t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
  s[0] = clock_sub(8, __WASI_CLOCKID_MONOTONIC, t0 > MS ? t0 - MS : 0,
                   __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
  CHECK_EQ(n, 1);
  CHECK(now_ns(__WASI_CLOCKID_MONOTONIC) - t0 < 1000 * MS);

  // relative realtime 20 ms, absolute realtime 20 ms ahead
  t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
  s[0] = clock_sub(9, __WASI_CLOCKID_REALTIME, 20 * MS, 0);
  CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
  CHECK(now_ns(__WASI_CLOCKID_MONOTONIC) - t0 >= 20 * MS);
  t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
  s[0] = clock_sub(10, __WASI_CLOCKID_REALTIME, now_ns(__WASI_CLOCKID_REALTIME) + 20 * MS,
                   __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
  CHECK_EQ(ev[0].userdata, 10);
  CHECK(now_ns(__WASI_CLOCKID_MONOTONIC) - t0 >= 15 * MS); // realtime may step a little

  // two timers: only the shorter one fires
  t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
  s[0] = clock_sub(100, __WASI_CLOCKID_MONOTONIC, 2000 * MS, 0);
  s[1] = clock_sub(101, __WASI_CLOCKID_MONOTONIC, 10 * MS, 0);
  memset(ev, 0, sizeof ev);
  CHECK_OK(__wasi_poll_oneoff(s, ev, 2, &n));
  dt = now_ns(__WASI_CLOCKID_MONOTONIC) - t0;
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].userdata, 101);
  CHECK(dt >= 10 * MS && dt < 1500 * MS);

  // invalid clock id: the call fails (Wasmtime) or the event carries the error
  s[0] = clock_sub(11, 77, 1 * MS, 0);
  int e = CHECK_ERR(__wasi_poll_oneoff(s, ev, 1, &n), __WASI_ERRNO_INVAL, __WASI_ERRNO_SUCCESS);
  if (e == __WASI_ERRNO_SUCCESS) CHECK(n == 1 && ev[0].error == __WASI_ERRNO_INVAL);
  // invalid event type tag
  s[0] = clock_sub(12, __WASI_CLOCKID_MONOTONIC, 1 * MS, 0);
  s[0].u.tag = 9;
  CHECK_ERR(__wasi_poll_oneoff(s, ev, 1, &n), __WASI_ERRNO_INVAL);

  // libc sleeps go through poll_oneoff too
  t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
  struct timespec req = {0, 15 * 1000000};
  CHECK(nanosleep(&req, NULL) == 0);
  CHECK(now_ns(__WASI_CLOCKID_MONOTONIC) - t0 >= 15 * MS);
}

static void fd_checks(void) {
  __wasi_subscription_t s[4];
  __wasi_event_t ev[4];
  __wasi_size_t n = 0;
  int sb = find_preopen("/sandbox");
  CHECK(sb >= 3);
  if (sb < 0) return;

  // stdout is writable now: the fd_write event comes, not the 5 s timer
  uint64_t t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
  s[0] = fd_sub(1, __WASI_EVENTTYPE_FD_WRITE, 1);
  s[1] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, 5000 * MS, 0);
  memset(ev, 0, sizeof ev);
  CHECK_OK(__wasi_poll_oneoff(s, ev, 2, &n));
  CHECK_EQ(n, 1);
  CHECK_EQ(ev[0].userdata, 1);
  CHECK_EQ(ev[0].type, __WASI_EVENTTYPE_FD_WRITE);
  CHECK_EQ(ev[0].error, 0);
  CHECK(now_ns(__WASI_CLOCKID_MONOTONIC) - t0 < 4000 * MS);

  // stdin has data (run_guest.py wrote it and closed the pipe)
  s[0] = fd_sub(3, __WASI_EVENTTYPE_FD_READ, 0);
  s[1] = clock_sub(4, __WASI_CLOCKID_MONOTONIC, 5000 * MS, 0);
  memset(ev, 0, sizeof ev);
  CHECK_OK(__wasi_poll_oneoff(s, ev, 2, &n));
  CHECK(n >= 1);
  const __wasi_event_t* e = find_event(ev, n, 3);
  CHECK(e != NULL && e->type == __WASI_EVENTTYPE_FD_READ && e->error == 0);
  CHECK(find_event(ev, n, 4) == NULL);

  // regular files are always ready, for reading and for writing
  __wasi_fd_t rf, wf;
  CHECK_OK(open_at((__wasi_fd_t)sb, 0, "hello.txt", 0, RIGHTS_RO, 0, &rf));
  CHECK_OK(open_at((__wasi_fd_t)sb, 0, "poll_out.txt", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &wf));
  s[0] = fd_sub(5, __WASI_EVENTTYPE_FD_READ, rf);
  s[1] = fd_sub(6, __WASI_EVENTTYPE_FD_WRITE, wf);
  s[2] = clock_sub(7, __WASI_CLOCKID_MONOTONIC, 5000 * MS, 0);
  memset(ev, 0, sizeof ev);
  CHECK_OK(__wasi_poll_oneoff(s, ev, 3, &n));
  CHECK_EQ(n, 2);
  e = find_event(ev, n, 5);
  CHECK(e != NULL && e->type == __WASI_EVENTTYPE_FD_READ && e->error == 0);
  e = find_event(ev, n, 6);
  CHECK(e != NULL && e->type == __WASI_EVENTTYPE_FD_WRITE && e->error == 0);

  // a bad fd: the call fails with BADF (Wasmtime) or the event says BADF (the spec's
  // per-event error field; uvwasi)
  s[0] = fd_sub(8, __WASI_EVENTTYPE_FD_READ, 9999);
  s[1] = clock_sub(9, __WASI_CLOCKID_MONOTONIC, 1000 * MS, 0);
  memset(ev, 0, sizeof ev);
  int r = CHECK_ERR(__wasi_poll_oneoff(s, ev, 2, &n), __WASI_ERRNO_BADF, __WASI_ERRNO_SUCCESS);
  if (r == __WASI_ERRNO_SUCCESS) {
    e = find_event(ev, n, 8);
    CHECK(e != NULL && e->error == __WASI_ERRNO_BADF);
  }
  CHECK_OK(__wasi_fd_close(rf));
  CHECK_OK(__wasi_fd_close(wf));
}

int main(void) {
  sleep_checks();
  fd_checks();
  return finish("poll");
}
