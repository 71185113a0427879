// sock_accept / sock_recv / sock_send / sock_shutdown on the socket preopened with
// --listen 127.0.0.1:PORT, against run_guest.py's client (socket_client):
//   client: "ping 1234\n"   -> guest (sock_recv)  replies "pong 1234\n" (sock_send)
//   client: "fdread 5678\n" -> guest (fd_read)    replies "fdwrite 5678\n" (fd_write)
//   client shuts down writing -> guest sees EOF, shuts down writing, closes.
// Plus sock_* on things that are not sockets (NOTSOCK) and on bad fds (BADF).
#include "check.h"

static int find_listener(void) {
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(fd, &st) != __WASI_ERRNO_SUCCESS) continue;
    if (st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM) return (int)fd;
  }
  return -1;
}

// Reads one '\n'-terminated line with sock_recv (or fd_read); returns its length or -1.
static int recv_line(__wasi_fd_t fd, char* buf, size_t cap, int use_fd_read) {
  size_t len = 0;
  while (len + 1 < cap) {
    __wasi_iovec_t iov = {(uint8_t*)buf + len, 1};
    __wasi_size_t n = 0;
    __wasi_roflags_t ro = 0;
    __wasi_errno_t e =
        use_fd_read ? __wasi_fd_read(fd, &iov, 1, &n) : __wasi_sock_recv(fd, &iov, 1, 0, &n, &ro);
    if (e == __WASI_ERRNO_AGAIN) {
      (void)__wasi_sched_yield();
      continue;
    }
    if (e != __WASI_ERRNO_SUCCESS || n == 0) return -1;
    len += n;
    if (buf[len - 1] == '\n') break;
  }
  buf[len] = 0;
  return (int)len;
}

static void not_sockets(void) {
  uint8_t b[4];
  __wasi_iovec_t iov = {b, sizeof b};
  __wasi_ciovec_t ciov = {b, sizeof b};
  __wasi_size_t n;
  __wasi_roflags_t ro;
  __wasi_fd_t fd;
  // stdout, a regular file and a directory are not sockets
  int sb = find_preopen("/sandbox");
  CHECK(sb >= 3);
  __wasi_fd_t file = 1;
  if (sb >= 3) CHECK_OK(open_at((__wasi_fd_t)sb, 0, "hello.txt", 0, RIGHTS_ALL, 0, &file));
  __wasi_fd_t targets[3] = {1, file, sb >= 3 ? (__wasi_fd_t)sb : 2};
  for (int i = 0; i < 3; ++i) {
    __wasi_fd_t t = targets[i];
    CHECK_ERR(__wasi_sock_accept(t, 0, &fd), __WASI_ERRNO_NOTSOCK);
    CHECK_ERR(__wasi_sock_recv(t, &iov, 1, 0, &n, &ro), __WASI_ERRNO_NOTSOCK);
    CHECK_ERR(__wasi_sock_send(t, &ciov, 1, 0, &n), __WASI_ERRNO_NOTSOCK);
    CHECK_ERR(__wasi_sock_shutdown(t, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
  }
  if (file != 1) CHECK_OK(__wasi_fd_close(file));
  CHECK_ERR(__wasi_sock_accept(9999, 0, &fd), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_sock_recv(9999, &iov, 1, 0, &n, &ro), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_sock_send(9999, &ciov, 1, 0, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_sock_shutdown(9999, __WASI_SDFLAGS_RD), __WASI_ERRNO_BADF);
}

// The connection of run_guest.py's client, or -1.
static int accept_conn(__wasi_fd_t listener) {
  // sock_accept: may say AGAIN until the client's connection is queued (non-blocking
  // listener); retry for up to ~15 s.
  __wasi_fd_t conn = (__wasi_fd_t)-1;
  __wasi_errno_t e = __WASI_ERRNO_AGAIN;
  uint64_t t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
  while (e == __WASI_ERRNO_AGAIN && now_ns(__WASI_CLOCKID_MONOTONIC) - t0 < 15000000000ull) {
    e = __wasi_sock_accept(listener, 0, &conn);
    if (e == __WASI_ERRNO_AGAIN) {
      __wasi_subscription_t s;
      memset(&s, 0, sizeof s);
      s.u.tag = __WASI_EVENTTYPE_CLOCK;
      s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
      s.u.u.clock.timeout = 5000000; // 5 ms
      __wasi_event_t ev;
      __wasi_size_t n;
      (void)__wasi_poll_oneoff(&s, &ev, 1, &n);
    }
  }
  CHECK_OK(e);
  return e == __WASI_ERRNO_SUCCESS ? (int)conn : -1;
}

// Blocks in sock_send (the peer never reads) or in sock_recv with RECV_WAITALL (the peer
// sent 1 byte of the 100 asked for and holds the connection): the deadline must still
// stop the guest. Returning at all is the failure.
static int block(__wasi_fd_t listener, const char* how) {
  int conn = accept_conn(listener);
  if (conn < 0) return finish("sockets");
  static uint8_t buf[65536];
  __wasi_size_t n = 0;
  printf("sockets: blocking in %s\n", how);
  fflush(stdout);
  if (strcmp(how, "send") == 0) {
    __wasi_ciovec_t iov = {buf, sizeof buf};
    for (int i = 0; i < 100000; ++i)
      if (__wasi_sock_send((__wasi_fd_t)conn, &iov, 1, 0, &n) != __WASI_ERRNO_SUCCESS) break;
  } else {
    __wasi_iovec_t iov = {buf, 100};
    __wasi_roflags_t ro = 0;
    (void)__wasi_sock_recv((__wasi_fd_t)conn, &iov, 1, __WASI_RIFLAGS_RECV_WAITALL, &n, &ro);
  }
  printf("sockets: %s returned (n=%u)\n", how, (unsigned)n);
  return 0;
}

static void serve(__wasi_fd_t listener) {
  __wasi_fdstat_t st;
  int accepted = accept_conn(listener);
  if (accepted < 0) return;
  __wasi_fd_t conn = (__wasi_fd_t)accepted;
  CHECK_OK(__wasi_fd_fdstat_get(conn, &st));
  CHECK_EQ(st.fs_filetype, __WASI_FILETYPE_SOCKET_STREAM);
  __wasi_fd_t bogus;
  // not a listener: Linux accept(2) says EINVAL; a rights-based runtime NOTCAPABLE
  CHECK_ERR(__wasi_sock_accept(conn, 0, &bogus), __WASI_ERRNO_INVAL, __WASI_ERRNO_NOTCAPABLE,
            __WASI_ERRNO_NOTSUP, __WASI_ERRNO_NOTSOCK);

  char line[64];
  CHECK_EQ(recv_line(conn, line, sizeof line, 0), 10);
  CHECK_STR(line, "ping 1234\n");
  __wasi_ciovec_t reply[2] = {{(const uint8_t*)"pong ", 5}, {(const uint8_t*)"1234\n", 5}};
  __wasi_size_t n = 0;
  CHECK_OK(__wasi_sock_send(conn, reply, 2, 0, &n));
  CHECK(n == 5 || n == 10);
  if (n == 5) CHECK_OK(__wasi_sock_send(conn, reply + 1, 1, 0, &n));

  CHECK_EQ(recv_line(conn, line, sizeof line, 1), 12); // fd_read works on a socket too
  CHECK_STR(line, "fdread 5678\n");
  CHECK_OK(write_all(conn, "fdwrite 5678\n", 13));

  // the client shut down its side: EOF
  uint8_t b[8];
  __wasi_iovec_t iov = {b, sizeof b};
  __wasi_roflags_t ro = 0;
  CHECK_OK(__wasi_sock_recv(conn, &iov, 1, 0, &n, &ro));
  CHECK_EQ(n, 0);
  CHECK_OK(__wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR));
  CHECK_ERR(__wasi_sock_shutdown(conn, 0), __WASI_ERRNO_INVAL, __WASI_ERRNO_SUCCESS);
  CHECK_OK(__wasi_fd_close(conn));
  CHECK_ERR(__wasi_sock_send(conn, reply, 1, 0, &n), __WASI_ERRNO_BADF);
}

int main(int argc, char** argv) {
  if (argc > 1) {
    int l = find_listener();
    return l >= 3 ? block((__wasi_fd_t)l, argv[1]) : 1;
  }
  not_sockets();
  int listener = find_listener();
  CHECK(listener >= 3);
  if (listener >= 3) serve((__wasi_fd_t)listener);
  return finish("sockets");
}
