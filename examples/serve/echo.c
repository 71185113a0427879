// echo: a native handler (sdk/c/skiff.h). skiff calls skiff_handle() once per request in
// a fresh instance; it reads the request and writes the response through host calls,
// with no stdio in between. Answers with a JSON object describing the request. A body
// declared as JSON (Content-Type: application/json) is embedded as is once it has been
// checked to be one valid JSON value (else 400: embedding it unchecked would let the
// client forge keys); any other body becomes a JSON string.
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skiff.h"

enum { kMaxDepth = 64 };  // nested arrays/objects a JSON body may have

// A growable byte buffer. An allocation failure sets `failed` and keeps what was there,
// so the handler can check once, at the end, and answer 500.
typedef struct {
  char *data;
  size_t len, cap;
  int failed;
} Buf;

static int reserve(Buf *b, size_t extra) {
  if (b->failed) return 0;
  if (extra <= b->cap - b->len) return 1;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < extra && cap <= SIZE_MAX / 2) cap *= 2;
  char *p = cap - b->len >= extra ? realloc(b->data, cap) : NULL;  // on failure b->data stays valid
  if (!p) {
    b->failed = 1;
    return 0;
  }
  b->data = p;
  b->cap = cap;
  return 1;
}

static void add(Buf *b, const char *s, size_t n) {
  if (n && reserve(b, n)) memcpy(b->data + b->len, s, n), b->len += n;
}

static void add_str(Buf *b, const char *s) { add(b, s, strlen(s)); }

// A request string through the ABI's buffer convention: ask for the length (cap 0), then
// copy it into a buffer that large. Absent (a header) is empty.
static void read_string(Buf *b, int32_t (*get)(char *, uint32_t)) {
  int32_t n = get(NULL, 0);
  if (n > 0 && reserve(b, (size_t)n) && get(b->data, (uint32_t)n) == n) b->len = (size_t)n;
}

static int32_t get_content_type(char *buf, uint32_t cap) {
  return skiff_request_header("content-type", 12, buf, cap);
}

// Whether a Content-Type is application/json: type and subtype compare case-insensitively
// and parameters may follow (";charset=utf-8"), but "application/jsonp" is another type.
static int is_json_type(const char *s, size_t n) {
  static const char want[] = "application/json";
  size_t k = sizeof want - 1;
  if (n < k) return 0;
  for (size_t i = 0; i < k; i++)
    if (tolower((unsigned char)s[i]) != want[i]) return 0;
  while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
  return k == n || s[k] == ';';
}

// The length of the well-formed UTF-8 sequence at s[0] (n > 0 bytes left), or 0: a stray
// continuation byte, a truncated sequence, an overlong form, a surrogate, past U+10FFFF.
static size_t utf8_len(const unsigned char *s, size_t n) {
  size_t len;
  uint32_t cp;
  if (s[0] < 0x80) return 1;
  if (s[0] >= 0xc2 && s[0] <= 0xdf) len = 2, cp = s[0] & 0x1f;
  else if (s[0] >= 0xe0 && s[0] <= 0xef) len = 3, cp = s[0] & 0x0f;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4) len = 4, cp = s[0] & 0x07;
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return 0;
  if (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) return 0;
  return len;
}

// Appends s[0..n) as a JSON string literal. Invalid UTF-8 becomes U+FFFD (one per bad
// byte), so the reply is valid JSON whatever the client sent.
static void add_json_string(Buf *b, const char *str, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  if (n == 0) {  // str may be NULL then
    add_str(b, "\"\"");
    return;
  }
  add(b, "\"", 1);
  size_t start = 0, i = 0;
  while (i < n) {
    size_t len = utf8_len(s + i, n - i);
    if (len > 1 || (len == 1 && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')) {
      i += len;
      continue;
    }
    add(b, str + start, i - start);
    char esc[6] = {'\\', 'u', '0', '0', hex[s[i] >> 4], hex[s[i] & 15]};
    if (len == 0) add_str(b, "\\ufffd");
    else if (s[i] == '"' || s[i] == '\\') esc[1] = (char)s[i], add(b, esc, 2);
    else if (s[i] == '\n') add_str(b, "\\n");
    else add(b, esc, 6);
    start = ++i;
  }
  add(b, str + start, n - start);
  add(b, "\"", 1);
}

// JSON (RFC 8259) scanners: each takes the index of a token's first byte and returns the
// index after the token, or 0 when it is malformed.
static size_t skip_space(const unsigned char *s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  return i;
}

static size_t scan_string(const unsigned char *s, size_t n, size_t i) {
  for (i++; i < n;) {
    if (s[i] == '"') return i + 1;
    if (s[i] < 0x20) return 0;  // control characters must be escaped
    if (s[i] == '\\') {
      if (++i == n) return 0;
      if (s[i] == 'u') {
        for (int k = 0; k < 4; k++)
          if (++i == n || !isxdigit(s[i])) return 0;
      } else if (!memchr("\"\\/bfnrt", s[i], 8)) {
        return 0;
      }
      i++;
    } else {
      size_t len = utf8_len(s + i, n - i);
      if (!len) return 0;
      i += len;
    }
  }
  return 0;
}

static size_t scan_digits(const unsigned char *s, size_t n, size_t i) {
  if (i == n || !isdigit(s[i])) return 0;
  while (i < n && isdigit(s[i])) i++;
  return i;
}

static size_t scan_number(const unsigned char *s, size_t n, size_t i) {
  if (s[i] == '-') i++;
  if (i < n && s[i] == '0') i++;  // no leading zeros: "01" is two tokens, so invalid
  else if (!(i = scan_digits(s, n, i))) return 0;
  if (i < n && s[i] == '.' && !(i = scan_digits(s, n, i + 1))) return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    if (++i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (!(i = scan_digits(s, n, i))) return 0;
  }
  return i;
}

static size_t scan_word(const unsigned char *s, size_t n, size_t i) {
  static const char *const words[] = {"true", "false", "null"};
  for (int k = 0; k < 3; k++) {
    size_t len = strlen(words[k]);
    if (n - i >= len && memcmp(s + i, words[k], len) == 0) return i + len;
  }
  return 0;
}

// Whether s[0..n) is exactly one JSON value nested at most kMaxDepth deep. Iterative, with
// its own small stack of open brackets, so a body of "[[[[..." cannot exhaust the guest's
// call stack.
static int is_json(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  char open[kMaxDepth];  // '[' or '{' for each array/object not yet closed
  int depth = 0;
  enum { kValue, kKey, kAfter } want = kValue;  // what may come next
  size_t i = 0;
  for (;;) {
    i = skip_space(s, n, i);
    if (want == kAfter) {  // a value ended: ',' or a closing bracket, or the end at depth 0
      if (depth == 0) return i == n;
      if (i == n) return 0;
      if (s[i] == ',') want = open[depth - 1] == '{' ? kKey : kValue;
      else if (s[i] == (open[depth - 1] == '{' ? '}' : ']')) depth--;
      else return 0;
      i++;
      continue;
    }
    if (i == n) return 0;
    if (want == kKey) {  // "name" :
      if (s[i] != '"' || !(i = scan_string(s, n, i))) return 0;
      i = skip_space(s, n, i);
      if (i == n || s[i] != ':') return 0;
      i++;
      want = kValue;
      continue;
    }
    if (s[i] == '[' || s[i] == '{') {
      if (depth == kMaxDepth) return 0;
      char c = open[depth++] = (char)s[i];
      i = skip_space(s, n, i + 1);
      if (i < n && s[i] == (c == '{' ? '}' : ']')) depth--, i++, want = kAfter;  // empty
      else want = c == '{' ? kKey : kValue;
      continue;
    }
    if (s[i] == '"') i = scan_string(s, n, i);
    else if (s[i] == '-' || isdigit(s[i])) i = scan_number(s, n, i);
    else i = scan_word(s, n, i);
    if (!i) return 0;
    want = kAfter;
  }
}

static void reply(int status, const char *type, const char *data, size_t len) {
  skiff_response_status((uint32_t)status);
  skiff_response_header("content-type", 12, type, (uint32_t)strlen(type));
  skiff_response_write(data, (uint32_t)len);
}

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  Buf method = {0}, uri = {0}, ctype = {0}, body = {0}, out = {0};
  read_string(&method, skiff_request_method);
  read_string(&uri, skiff_request_uri);
  read_string(&ctype, get_content_type);
  for (;;) {  // the body, in chunks (the host has all of it, at most the app's max_body)
    if (!reserve(&body, 16384)) break;
    int32_t n = skiff_request_body_read(body.data + body.len, (uint32_t)(body.cap - body.len));
    if (n <= 0) break;
    body.len += (size_t)n;
  }
  int json_body = body.len > 0 && is_json_type(ctype.data, ctype.len);  // empty: ""

  if (json_body && !is_json(body.data, body.len)) {
    static const char msg[] =
        "{\"error\":\"the body is declared application/json but is not valid JSON"
        " (UTF-8, at most 64 levels of nesting)\"}\n";
    reply(400, "application/json", msg, sizeof msg - 1);
  } else {
    char num[24];
    add_str(&out, "{\"method\":");
    add_json_string(&out, method.data, method.len);
    add_str(&out, ",\"uri\":");
    add_json_string(&out, uri.data, uri.len);
    snprintf(num, sizeof num, "%zu", body.len);
    add_str(&out, ",\"length\":");
    add_str(&out, num);
    add_str(&out, ",\"body\":");
    if (json_body) add(&out, body.data, body.len);
    else add_json_string(&out, body.data, body.len);
    add_str(&out, "}\n");
    if (method.failed || uri.failed || ctype.failed || body.failed || out.failed) {
      static const char msg[] = "{\"error\":\"out of memory\"}\n";
      reply(500, "application/json", msg, sizeof msg - 1);
    } else {
      reply(200, "application/json", out.data, out.len);
    }
  }
  free(method.data), free(uri.data), free(ctype.data), free(body.data), free(out.data);
}
