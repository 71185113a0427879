// counter: a native handler backed by the app's key-value namespace (kv = true). Every
// request runs in a fresh instance, so the count lives in the store, not in memory:
//   GET /counter                    -> the number of visits, this one included
//   POST /counter?reset             -> back to 0 (GET /counter?reset too, for a browser)
// Any other query is 400 and any other method 405, so neither counts by accident.
// Two requests at the same instant may read the same count and both store count + 1:
// get + set is not atomic (docs/abi.md), so a visit can be lost under concurrency.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skiff.h"

static const char kKey[] = "visits";

static void reply(int status, const char *text) {
  skiff_response_status((uint32_t)status);
  skiff_response_header("content-type", 12, "text/plain; charset=utf-8", 25);
  skiff_response_write(text, (uint32_t)strlen(text));
}

// The request target, or NULL when out of memory. It can be of any length, so it is read by
// the ABI's convention: ask for the length (cap 0), then copy into a buffer that large.
static char *read_uri(void) {
  int32_t n = skiff_request_uri(NULL, 0);
  char *uri = malloc(n > 0 ? (size_t)n + 1 : 1);
  if (uri) uri[n > 0 && skiff_request_uri(uri, (uint32_t)n) == n ? n : 0] = 0;
  return uri;
}

// The stored count: 0 when there is none, -1 when the store fails or holds no count.
static long long load_count(void) {
  char val[32];
  int32_t n = skiff_kv_get(kKey, sizeof kKey - 1, val, sizeof val - 1);
  if (n == SKIFF_ENOTFOUND) return 0;
  if (n <= 0 || n >= (int32_t)sizeof val) return -1;  // an error, or too long for a count
  val[n] = 0;
  char *end;
  errno = 0;
  long long count = strtoll(val, &end, 10);
  return errno || *end || count < 0 ? -1 : count;
}

// Answers 400 for an unknown query and 405 for a method the query does not take, so that
// neither counts a visit by mistake.
static void handle(const char *query) {
  char method[8];
  int32_t mlen = skiff_request_method(method, sizeof method - 1);
  method[mlen > 0 && mlen < (int32_t)sizeof method ? mlen : 0] = 0;
  int is_get = strcmp(method, "GET") == 0, is_post = strcmp(method, "POST") == 0;
  int reset = strcmp(query, "reset") == 0;

  if (!reset && *query) {
    reply(400, "unknown query: GET /counter counts, POST /counter?reset resets\n");
  } else if (!(is_get || (is_post && reset))) {
    const char *allow = reset ? "GET, POST" : "GET";
    skiff_response_header("allow", 5, allow, (uint32_t)strlen(allow));
    reply(405, "method not allowed\n");
  } else if (reset) {
    int32_t rc = skiff_kv_delete(kKey, sizeof kKey - 1);
    reply(rc < 0 ? 500 : 200, rc < 0 ? "key-value store failed\n" : "reset\n");
  } else {
    long long count = load_count();
    char val[32], text[64];
    if (count < 0 || count == LLONG_MAX) {  // checked first: count + 1 must not overflow
      reply(500, "the key-value store failed or holds no valid count\n");
    } else {
      int len = snprintf(val, sizeof val, "%lld", ++count);
      if (skiff_kv_set(kKey, sizeof kKey - 1, val, (uint32_t)len) < 0) {
        reply(500, "key-value store failed\n");
      } else {
        snprintf(text, sizeof text, "visits: %lld\n", count);
        reply(200, text);
      }
    }
  }
}

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  char *uri = read_uri();
  if (uri) {
    char *q = strchr(uri, '?');
    handle(q ? q + 1 : "");
  } else {
    reply(500, "out of memory\n");
  }
  free(uri);
}
