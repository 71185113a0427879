// counter: a native handler backed by the app's key-value namespace (kv = true). Every
// request runs in a fresh instance, so the count lives in the store, not in memory:
//   GET /counter          -> the number of visits, this one included
//   GET /counter?reset    -> back to 0
// (Two requests at the same instant may read the same count: get + set is not atomic.)
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

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  char uri[512];
  int32_t ulen = skiff_request_uri(uri, sizeof uri - 1);
  uri[ulen > 0 && ulen < (int32_t)sizeof uri ? ulen : 0] = 0;
  char text[64];
  if (strstr(uri, "?reset")) {
    if (skiff_kv_delete(kKey, sizeof kKey - 1) < 0) return reply(500, "key-value store failed\n");
    return reply(200, "reset\n");
  }
  char val[32];
  long count = 0;
  int32_t n = skiff_kv_get(kKey, sizeof kKey - 1, val, sizeof val - 1);
  if (n >= 0 && n < (int32_t)sizeof val) {
    val[n] = 0;
    count = strtol(val, NULL, 10);
  } else if (n != SKIFF_ENOTFOUND) {
    return reply(500, "key-value store failed\n");
  }
  count++;
  int len = snprintf(val, sizeof val, "%ld", count);
  if (skiff_kv_set(kKey, sizeof kKey - 1, val, (uint32_t)len) < 0) return reply(500, "key-value store failed\n");
  snprintf(text, sizeof text, "visits: %ld\n", count);
  reply(200, text);
}
