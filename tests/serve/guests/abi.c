// abi: a native handler (sdk/c/skiff.h) that exercises every call of the skiff ABI. The
// query string names the operation ("/abi?request"); see the cases in run_serve.py.
//   request   the request through every request_* call and the buffer convention
//   response  status, repeated headers and several writes
//   errors    every error code a bad argument or a missing capability gives
//   config    config_get and the app's environment
//   framing   tries to set the server's own headers
//   longheader  a header name or value longer than the server can hold
//   oob*      pointer/length pairs outside memory (each must trap: 500)
//   exit0/exit7, status204_body, status100, trap_after_write
//   spin=N    busy-waits N ms, then answers "spun N ms"
//   set_spin=N  skiff_kv_set, then spin=N
//   random=N  one random_get of N MiB (a long host call), then "random N MiB: ERRNO"
//   fill=N    one memory.fill of N MiB (a long instruction), then "filled N MiB"
//   headers=N adds N headers of 65000 bytes (until one is refused)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wasi/api.h>

#include "skiff.h"

static char out[1 << 16];
static size_t out_len;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out + out_len, sizeof out - out_len, fmt, ap);
  va_end(ap);
  if (n > 0) out_len += (size_t)n;
  if (out_len > sizeof out) out_len = sizeof out;
}

static void flush_out(void) {
  skiff_response_write(out, (uint32_t)out_len);
  out_len = 0;
}

#define S(lit) lit, (uint32_t)(sizeof lit - 1)

static void op_request(void) {
  char buf[4096];
  int32_t n = skiff_request_method(buf, sizeof buf);
  emit("method=%d:%.*s\n", n, n > 0 ? n : 0, buf);
  emit("method_len_only=%d\n", skiff_request_method(NULL, 0));
  n = skiff_request_uri(buf, sizeof buf);
  emit("uri=%d:%.*s\n", n, n > 0 ? n : 0, buf);
  memset(buf, '#', 8);
  n = skiff_request_uri(buf, 4);
  emit("uri_cap4=%d:%.8s\n", n, buf);
  n = skiff_request_header(S("x-test"), buf, sizeof buf);
  emit("x-test=%d:%.*s\n", n, n > 0 ? n : 0, buf);
  n = skiff_request_header(S("X-TEST"), NULL, 0);
  emit("X-TEST_len_only=%d\n", n);
  memset(buf, '#', 8);
  n = skiff_request_header(S("x-test"), buf, 2);
  emit("x-test_cap2=%d:%.4s\n", n, buf);
  n = skiff_request_header(S("x-absent"), buf, sizeof buf);
  emit("x-absent=%d\n", n);
  n = skiff_request_header(S("content-type"), buf, sizeof buf);
  emit("content-type=%d:%.*s\n", n, n > 0 ? n : 0, buf);
  // The body in 7-byte pieces: reads continue where the last one stopped.
  char body[2048];
  size_t len = 0;
  int reads = 0;
  for (;;) {
    n = skiff_request_body_read(body + len, 7);
    if (n <= 0) break;
    len += (size_t)n;
    reads++;
    if (len + 7 > sizeof body) break;
  }
  emit("body=%zu:%.*s\n", len, (int)len, body);
  emit("body_reads=%d end=%d again=%d\n", reads, n, skiff_request_body_read(body, sizeof body));
  flush_out();
}

static void op_response(void) {
  emit("status=%d\n", skiff_response_status(418));
  emit("h1=%d\n", skiff_response_header(S("X-Rep"), S("one")));
  emit("h2=%d\n", skiff_response_header(S("x-rep"), S("two")));
  emit("h3=%d\n", skiff_response_header(S("Content-Type"), S("text/x-abi")));
  emit("h4=%d\n", skiff_response_header(S("X-Empty"), S("")));
  emit("w0=%d\n", skiff_response_write("", 0));
  flush_out();
  skiff_response_write(S("part1|"));
  skiff_response_write(S("part2"));
}

static void op_errors(void) {
  char buf[256];
  emit("status99=%d\n", skiff_response_status(99));
  emit("status600=%d\n", skiff_response_status(600));
  emit("status0=%d\n", skiff_response_status(0));
  emit("status_huge=%d\n", skiff_response_status(0x80000000u));
  emit("status100=%d\n", skiff_response_status(100));
  emit("status599=%d\n", skiff_response_status(599));
  emit("status200=%d\n", skiff_response_status(200));
  emit("hdr_space=%d\n", skiff_response_header(S("bad name"), S("v")));
  emit("hdr_empty=%d\n", skiff_response_header("", 0, S("v")));
  emit("hdr_colon=%d\n", skiff_response_header(S("a:b"), S("v")));
  emit("hdr_nul_name=%d\n", skiff_response_header("a\0b", 3, S("v")));
  emit("hdr_utf8=%d\n", skiff_response_header(S("caf\xc3\xa9"), S("v")));
  emit("hdr_crlf=%d\n", skiff_response_header(S("X-Split"), S("a\r\nSet-Cookie: x=1")));
  emit("hdr_cr=%d\n", skiff_response_header(S("X-Split"), S("a\rb")));
  emit("hdr_lf=%d\n", skiff_response_header(S("X-Split"), S("a\nb")));
  emit("hdr_nul=%d\n", skiff_response_header("X-Split", 7, "a\0b", 3));
  emit("hdr_ok=%d\n", skiff_response_header(S("X-Fine"), S("tab\tand \xc3\xa9")));
  emit("config_missing=%d\n", skiff_config_get(S("no-such-key"), buf, sizeof buf));
  emit("kv_get=%d\n", skiff_kv_get(S("k"), buf, sizeof buf));
  emit("kv_set=%d\n", skiff_kv_set(S("k"), S("v")));
  emit("kv_delete=%d\n", skiff_kv_delete(S("k")));
  emit("kv_list=%d\n", skiff_kv_list(S(""), buf, sizeof buf));
  emit("http_denied=%d\n", skiff_http_request(S("GET"), S("http://203.0.113.1:80/"), "", 0, "", 0));
  emit("http_denied_port=%d\n", skiff_http_request(S("GET"), S("http://127.0.0.1:1/"), "", 0, "", 0));
  emit("http_ftp=%d\n", skiff_http_request(S("GET"), S("ftp://127.0.0.1/"), "", 0, "", 0));
  emit("http_https=%d\n", skiff_http_request(S("GET"), S("https://127.0.0.1/"), "", 0, "", 0));
  emit("http_nohost=%d\n", skiff_http_request(S("GET"), S("http:///x"), "", 0, "", 0));
  emit("http_userinfo=%d\n", skiff_http_request(S("GET"), S("http://u@127.0.0.1:1/"), "", 0, "", 0));
  emit("http_badport=%d\n", skiff_http_request(S("GET"), S("http://127.0.0.1:99999/"), "", 0, "", 0));
  emit("http_space=%d\n", skiff_http_request(S("GET"), S("http://127.0.0.1:1/a b"), "", 0, "", 0));
  emit("http_body_none=%d\n", skiff_http_response_body(buf, sizeof buf));
  flush_out();
}

static void op_config(void) {
  char buf[64];
  int32_t n = skiff_config_get(S("greeting"), buf, sizeof buf);
  emit("greeting=%d:%.*s\n", n, n > 0 ? n : 0, buf);
  emit("greeting_len_only=%d\n", skiff_config_get(S("greeting"), NULL, 0));
  memset(buf, '#', 8);
  n = skiff_config_get(S("greeting"), buf, 3);
  emit("greeting_cap3=%d:%.5s\n", n, buf);
  n = skiff_config_get(S("empty"), buf, sizeof buf);
  emit("empty=%d\n", n);
  n = skiff_config_get(S("GREETING"), buf, sizeof buf);
  emit("GREETING=%d\n", n);
  n = skiff_config_get(S("missing"), buf, sizeof buf);
  emit("missing=%d\n", n);
  const char *e = getenv("APP_MODE");
  emit("env APP_MODE=%s\n", e ? e : "(unset)");
  e = getenv("REQUEST_METHOD");
  emit("env REQUEST_METHOD=%s\n", e ? e : "(unset)");
  flush_out();
}

// A name or value longer than Beast's fields hold (65,533 bytes): SKIFF_ETOOLARGE, and
// the response goes on.
static void op_longheader(void) {
  static char big[70000];
  memset(big, 'l', sizeof big);
  emit("long_value=%d\n", skiff_response_header(S("X-Long"), big, sizeof big));
  emit("long_name=%d\n", skiff_response_header(big, sizeof big, S("v")));
  emit("max_value=%d\n", skiff_response_header(S("X-Max"), big, 65533));
  flush_out();
}

static void op_framing(void) {
  emit("cl=%d\n", skiff_response_header(S("Content-Length"), S("999")));
  // First: Beast's prepare_payload takes "chunked" off the first Transfer-Encoding only
  // (and when it is the last coding), so "gzip" would stay beside the Content-Length.
  emit("te_gzip=%d\n", skiff_response_header(S("Transfer-Encoding"), S("gzip")));
  emit("te=%d\n", skiff_response_header(S("Transfer-Encoding"), S("chunked")));
  emit("conn=%d\n", skiff_response_header(S("Connection"), S("close")));
  emit("server=%d\n", skiff_response_header(S("Server"), S("evil")));
  emit("date=%d\n", skiff_response_header(S("Date"), S("yesterday")));
  flush_out();
}

// Busy-waits `ms` milliseconds of wall time (a guest that is quick until it is not).
static void op_spin(long ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  double end = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 + (double)ms;
  do clock_gettime(CLOCK_MONOTONIC, &ts);
  while (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 < end);
  emit("spun %ld ms\n", ms);
  flush_out();
}

// One host call, or one instruction, that takes long for its size: neither has a loop
// head or a call inside for the deadline's check.
static void op_random(long mib) {
  size_t n = (size_t)mib << 20;
  uint8_t *b = malloc(n);
  if (!b) {
    emit("no memory for %ld MiB\n", mib);
  } else {
    emit("random %ld MiB: %d\n", mib, (int)__wasi_random_get(b, n));
  }
  flush_out();
}

__attribute__((target("bulk-memory"))) static void op_fill(long mib) {
  size_t n = (size_t)mib << 20;
  uint8_t *b = malloc(n);
  if (!b) {
    emit("no memory for %ld MiB\n", mib);
  } else {
    __asm__ volatile("local.get %0\n i32.const 7\n local.get %1\n memory.fill 0" : : "r"(b), "r"(n) : "memory");
    emit("filled %ld MiB\n", mib);
  }
  flush_out();
}

// Adds `n` headers of 65000-byte values until one is refused; answers how many were
// taken and the code of the first refusal (0 if none was).
static void op_headers(long n) {
  static char value[65000];
  memset(value, 'h', sizeof value);
  long i = 0;
  int32_t rc = 0;
  for (; i < n; i++) {
    rc = skiff_response_header(S("X-Many"), value, sizeof value);
    if (rc != 0) break;
  }
  // The body says it; a response with every header would not be readable anyway.
  emit("headers=%ld rc=%d\n", i, rc);
  flush_out();
}

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  char q[256];
  int32_t n = skiff_request_uri(q, sizeof q - 1);
  q[n > 0 && n < (int32_t)sizeof q ? n : 0] = 0;
  const char *op = strchr(q, '?');
  op = op ? op + 1 : "";
  char *far = (char *)0xffffff00u;
  if (!strcmp(op, "request")) op_request();
  else if (!strcmp(op, "response")) op_response();
  else if (!strcmp(op, "errors")) op_errors();
  else if (!strcmp(op, "config")) op_config();
  else if (!strcmp(op, "framing")) op_framing();
  else if (!strcmp(op, "longheader")) op_longheader();
  else if (!strncmp(op, "spin=", 5)) op_spin(strtol(op + 5, NULL, 10));
  else if (!strncmp(op, "set_spin=", 9)) {
    emit("kv_set=%d\n", skiff_kv_set(S("k"), S("v")));
    op_spin(strtol(op + 9, NULL, 10));
  }
  else if (!strncmp(op, "random=", 7)) op_random(strtol(op + 7, NULL, 10));
  else if (!strncmp(op, "fill=", 5)) op_fill(strtol(op + 5, NULL, 10));
  else if (!strncmp(op, "headers=", 8)) op_headers(strtol(op + 8, NULL, 10));
  else if (!strcmp(op, "oob_buf")) skiff_request_uri(far, 1024);
  else if (!strcmp(op, "oob_len")) skiff_response_write(q, 0x7fffffffu);
  else if (!strcmp(op, "oob_name")) skiff_request_header(far, 4, q, sizeof q);
  else if (!strcmp(op, "oob_absent")) skiff_request_header(S("x-absent"), far, 1024);
  else if (!strcmp(op, "oob_kv")) skiff_kv_get(S("k"), far, 1024);
  else if (!strcmp(op, "oob_config")) skiff_config_get(S("missing"), far, 1024);
  else if (!strcmp(op, "oob_after_write")) {
    skiff_response_header(S("X-Leak"), S("1"));
    skiff_response_write(S("leaked partial response"));
    skiff_response_write(far, 16);
  } else if (!strcmp(op, "trap_after_write")) {
    skiff_response_status(201);
    skiff_response_write(S("leaked partial response"));
    __builtin_trap();
  } else if (!strcmp(op, "exit0")) {
    skiff_response_write(S("before exit"));
    exit(0);
  } else if (!strcmp(op, "exit7")) {
    skiff_response_write(S("before exit"));
    exit(7);
  } else if (!strcmp(op, "status204_body")) {
    skiff_response_status(204);
    skiff_response_write(S("a body on a 204"));
  } else if (!strcmp(op, "status204")) {
    skiff_response_status(204);
  } else if (!strcmp(op, "status100")) {
    skiff_response_status(100);
  } else if (!strcmp(op, "status101")) {
    skiff_response_status(101);
  } else {
    skiff_response_status(400);
    emit("unknown op \"%s\"\n", op);
    flush_out();
  }
}
