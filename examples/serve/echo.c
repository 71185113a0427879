// echo: a native handler (sdk/c/skiff.h). skiff calls skiff_handle() once per request in
// a fresh instance; it reads the request and writes the response through host calls,
// with no stdio in between. Answers with a JSON object describing the request; a JSON
// body (Content-Type: application/json) is embedded as is, anything else as a string.
#include <stdlib.h>
#include <string.h>

#include "skiff.h"

static char *grow(char *buf, size_t *cap, size_t need) {
  if (need <= *cap) return buf;
  while (*cap < need) *cap = *cap ? *cap * 2 : 256;
  return realloc(buf, *cap);
}

static void put(const char *s, size_t n) { skiff_response_write(s, (uint32_t)n); }
static void puts_(const char *s) { put(s, strlen(s)); }

// Writes `s` as a JSON string literal.
static void put_json_string(const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  put("\"", 1);
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    put(s + start, i - start);
    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    if (c == '"' || c == '\\') {
      esc[1] = (char)c;
      put(esc, 2);
    } else if (c == '\n') {
      put("\\n", 2);
    } else {
      put(esc, 6);
    }
    start = i + 1;
  }
  put(s + start, n - start);
  put("\"", 1);
}

// A request string through the "call again with a larger buffer" convention.
static char *fetch(int32_t (*get)(char *, uint32_t), int32_t *len) {
  char small[256];
  int32_t n = get(small, sizeof small);
  char *out = malloc(n > 0 ? (size_t)n + 1 : 1);
  if (n > (int32_t)sizeof small) get(out, (uint32_t)n);
  else if (n > 0) memcpy(out, small, (size_t)n);
  *len = n > 0 ? n : 0;
  out[*len] = 0;
  return out;
}

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  int32_t mlen, ulen;
  char *method = fetch(skiff_request_method, &mlen);
  char *uri = fetch(skiff_request_uri, &ulen);
  char ctype[128];
  int32_t clen = skiff_request_header("content-type", 12, ctype, sizeof ctype - 1);
  int is_json = clen > 0 && clen < (int32_t)sizeof ctype && strncmp(ctype, "application/json", 16) == 0;

  size_t cap = 0, len = 0;
  char *body = NULL;
  for (;;) {
    body = grow(body, &cap, len + 4096);
    int32_t n = skiff_request_body_read(body + len, (uint32_t)(cap - len));
    if (n <= 0) break;
    len += (size_t)n;
  }

  skiff_response_status(200);
  skiff_response_header("content-type", 12, "application/json", 16);
  puts_("{\"method\":");
  put_json_string(method, (size_t)mlen);
  puts_(",\"uri\":");
  put_json_string(uri, (size_t)ulen);
  puts_(",\"length\":");
  char num[24];
  int k = 0;
  size_t v = len;
  do num[sizeof num - 1 - k++] = (char)('0' + v % 10); while ((v /= 10) && k < (int)sizeof num);
  put(num + sizeof num - k, (size_t)k);
  puts_(",\"body\":");
  if (is_json && len) put(body, len);
  else put_json_string(body ? body : "", len);
  puts_("}\n");
}
