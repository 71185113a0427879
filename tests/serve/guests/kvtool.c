// kvtool: a native handler over the key-value ABI. The query is OP[&KEY[&VALUE]]
// (no percent-decoding): get, set, del, list (KEY is the prefix), incr (a counter under
// KEY), limits (key and value size limits, the buffer convention). Answers "OP=RESULT"
// and, where there is one, a newline and the value or the NUL-separated keys with
// the NULs shown as '|'.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skiff.h"

static char scratch[(1 << 20) + 2];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof line - 1) n = (int)sizeof line - 1;
  if (n > 0) skiff_response_write(line, (uint32_t)n);
}

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  char q[2048];
  int32_t n = skiff_request_uri(q, sizeof q - 1);
  q[n > 0 && n < (int32_t)sizeof q ? n : 0] = 0;
  char *op = strchr(q, '?');
  op = op ? op + 1 : q + strlen(q);
  char *key = strchr(op, '&');
  if (key) *key++ = 0;
  else key = "";
  char *value = strchr(key, '&');
  if (value) *value++ = 0;
  else value = "";
  uint32_t klen = (uint32_t)strlen(key), vlen = (uint32_t)strlen(value);
  skiff_response_header("content-type", 12, "text/plain", 10);

  if (!strcmp(op, "get")) {
    char buf[1024];
    int32_t r = skiff_kv_get(key, klen, buf, sizeof buf);
    say("get=%d\n", r);
    if (r > 0) skiff_response_write(buf, (uint32_t)(r < (int32_t)sizeof buf ? r : (int32_t)sizeof buf));
  } else if (!strcmp(op, "set")) {
    say("set=%d", skiff_kv_set(key, klen, value, vlen));
  } else if (!strcmp(op, "del")) {
    say("del=%d", skiff_kv_delete(key, klen));
  } else if (!strcmp(op, "list")) {
    char buf[4096];
    int32_t r = skiff_kv_list(key, klen, buf, sizeof buf);
    say("list=%d\n", r);
    for (int32_t i = 0; i < r && i < (int32_t)sizeof buf; i++)
      if (!buf[i]) buf[i] = '|';
    if (r > 0) skiff_response_write(buf, (uint32_t)(r < (int32_t)sizeof buf ? r : (int32_t)sizeof buf));
  } else if (!strcmp(op, "incr")) {
    char buf[32];
    long count = 0;
    int32_t r = skiff_kv_get(key, klen, buf, sizeof buf - 1);
    if (r >= 0 && r < (int32_t)sizeof buf) {
      buf[r] = 0;
      count = strtol(buf, NULL, 10);
    } else if (r != SKIFF_ENOTFOUND) {
      skiff_response_status(500);
      say("incr get=%d", r);
      return;
    }
    int len = snprintf(buf, sizeof buf, "%ld", count + 1);
    r = skiff_kv_set(key, klen, buf, (uint32_t)len);
    if (r != 0) skiff_response_status(500);
    say("incr=%ld set=%d", count + 1, r);
  } else if (!strcmp(op, "limits")) {
    memset(scratch, 'k', 1025);
    say("key1024=%d\n", skiff_kv_set(scratch, 1024, "v", 1));
    say("key1025=%d\n", skiff_kv_set(scratch, 1025, "v", 1));
    say("get1025=%d\n", skiff_kv_get(scratch, 1025, NULL, 0));
    say("key0=%d\n", skiff_kv_set("", 0, "v", 1));
    memset(scratch, 'v', sizeof scratch);
    say("value1MiB=%d\n", skiff_kv_set("big", 3, scratch, 1 << 20));
    say("value1MiB+1=%d\n", skiff_kv_set("big", 3, scratch, (1 << 20) + 1));
    memset(scratch, 0, sizeof scratch);
    say("getbig=%d\n", skiff_kv_get("big", 3, scratch, sizeof scratch));
    int all_v = 1;
    for (int i = 0; i < (1 << 20); i++) all_v &= scratch[i] == 'v';
    say("getbig_content=%d tail=%d\n", all_v, scratch[1 << 20]);
    say("binset=%d\n", skiff_kv_set("bin\0key", 7, "a\0b\xff", 4));
    char small[8];
    memset(small, '#', sizeof small);
    say("binget_cap2=%d:%c%c%c\n", skiff_kv_get("bin\0key", 7, small, 2), small[0], small[1] ? small[1] : '0', small[2]);
    say("binget_len_only=%d\n", skiff_kv_get("bin\0key", 7, NULL, 0));
    say("del_big=%d del_again=%d\n", skiff_kv_delete("big", 3), skiff_kv_delete("big", 3));
    memset(scratch, 'k', 1024);
    say("del1024=%d\n", skiff_kv_delete(scratch, 1024));
    say("del_bin=%d\n", skiff_kv_delete("bin\0key", 7));
  } else {
    skiff_response_status(400);
    say("unknown op \"%s\"", op);
  }
}
