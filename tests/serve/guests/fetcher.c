// fetcher: a native handler that makes one outbound request (skiff_http_request) as
// described by its request: the URL in header x-url, the method in x-method (default
// GET), the header lines in x-out-headers with "|" for newlines (and with x-out-long: N, one
// more, "X-Long" with N bytes of value), and its own request
// body as the body. Answers "status=RC ms=ELAPSED\n" and then the upstream's body.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "skiff.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  char url[1024], method[32] = "GET", headers[1024] = "";
  int32_t ulen = skiff_request_header("x-url", 5, url, sizeof url);
  if (ulen < 0 || ulen > (int32_t)sizeof url) ulen = 0;
  int32_t mlen = skiff_request_header("x-method", 8, method, sizeof method);
  if (mlen < 0 || mlen > (int32_t)sizeof method) mlen = 3, memcpy(method, "GET", 3);
  int32_t hlen = skiff_request_header("x-out-headers", 13, headers, sizeof headers);
  if (hlen < 0 || hlen > (int32_t)sizeof headers) hlen = 0;
  for (int32_t i = 0; i < hlen; i++)
    if (headers[i] == '|') headers[i] = '\n';
  // x-out-long: N adds a header line "X-Long: " with N bytes of value.
  char nbuf[16] = "";
  char *hdrs = headers;
  if (skiff_request_header("x-out-long", 10, nbuf, sizeof nbuf - 1) > 0) {
    long n = strtol(nbuf, NULL, 10);
    hdrs = malloc((size_t)hlen + 10 + (size_t)n);
    memcpy(hdrs, headers, (size_t)hlen);
    memcpy(hdrs + hlen, "X-Long: ", 8);
    memset(hdrs + hlen + 8, 'l', (size_t)n);
    hlen += 8 + (int32_t)n;
  }
  static char body[65536];
  int32_t blen = skiff_request_body_read(body, sizeof body);
  if (blen < 0) blen = 0;

  double t0 = now_ms();
  int32_t status = skiff_http_request(method, (uint32_t)mlen, url, (uint32_t)ulen, hdrs, (uint32_t)hlen, body,
                                      (uint32_t)blen);
  double elapsed = now_ms() - t0;
  char line[128];
  int n = snprintf(line, sizeof line, "status=%d ms=%.0f\n", status, elapsed);
  skiff_response_header("content-type", 12, "text/plain", 10);
  skiff_response_write(line, (uint32_t)n);
  if (status > 0) {
    int32_t len = skiff_http_response_body(NULL, 0);
    char *buf = malloc((size_t)len + 1);
    int32_t got = skiff_http_response_body(buf, (uint32_t)len);
    n = snprintf(line, sizeof line, "len=%d got=%d\n", len, got);
    skiff_response_write(line, (uint32_t)n);
    skiff_response_write(buf, (uint32_t)len);
  }
}
