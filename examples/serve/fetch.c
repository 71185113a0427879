// fetch: a native handler that calls another service. The URL comes from the app's
// config ([app.config] upstream = "http://..."), and the host must be in the app's
// allowed_hosts: anything else is refused by skiff (SKIFF_EDENIED) before a connection
// is made. Relays the upstream's status and body; when there is no answer to relay, says
// why with a status of its own (403, 500 or 502).
//   GET /fetch            -> the upstream's response, relayed
//   GET /fetch?denied     -> tries a host that is not allowed, to show the refusal
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skiff.h"

static void reply(int status, const char *text, size_t len) {
  skiff_response_status((uint32_t)status);
  // The ABI does not pass on the upstream's headers; we asked it for text/plain.
  skiff_response_header("content-type", 12, "text/plain; charset=utf-8", 25);
  skiff_response_write(text, (uint32_t)len);
}

static void reply_str(int status, const char *text) { reply(status, text, strlen(text)); }

// A string by the ABI's buffer convention (ask for the length with cap 0, then copy), or
// NULL: absent (the error code in *len), or out of memory (*len = 0).
static char *read_config(const char *key, int32_t *len) {
  *len = skiff_config_get(key, (uint32_t)strlen(key), NULL, 0);
  char *buf = *len >= 0 ? malloc((size_t)*len + 1) : NULL;
  if (buf) skiff_config_get(key, (uint32_t)strlen(key), buf, (uint32_t)*len);
  else if (*len >= 0) *len = 0;
  return buf;
}

static char *read_uri(void) {
  int32_t n = skiff_request_uri(NULL, 0);
  char *uri = malloc(n > 0 ? (size_t)n + 1 : 1);
  if (uri) uri[n > 0 && skiff_request_uri(uri, (uint32_t)n) == n ? n : 0] = 0;
  return uri;
}

// Why skiff_http_request failed, for each error code of docs/abi.md.
static void reply_error(int32_t rc) {
  char msg[64];
  switch (rc) {
    case SKIFF_EDENIED:
      reply_str(403, "refused: the upstream's host is not in allowed_hosts\n");
      break;
    case SKIFF_EINVAL:  // our configuration's fault, not the upstream's
      reply_str(500, "the configured upstream is not an http://HOST[:PORT]/... URL\n");
      break;
    case SKIFF_EHOST:  // skiff does not tell these apart
      reply_str(502, "no answer from the upstream: the connection failed or timed out,"
                     " or the answer was malformed or larger than max_body\n");
      break;
    default:
      snprintf(msg, sizeof msg, "the upstream request failed (%d)\n", (int)rc);
      reply_str(502, msg);
  }
}

static void relay(const char *url, size_t url_len) {
  int32_t status =
      skiff_http_request("GET", 3, url, (uint32_t)url_len, "accept: text/plain", 18, "", 0);
  int32_t len = status < 0 ? 0 : skiff_http_response_body(NULL, 0);
  if (len < 0) len = 0;
  char *body = malloc(len > 0 ? (size_t)len : 1);
  if (status < 0) {
    reply_error(status);
  } else if (!body) {
    reply_str(500, "out of memory\n");
  } else if (status < 100 || status > 599) {
    reply_str(502, "the upstream's status is out of range\n");
  } else {
    skiff_http_response_body(body, (uint32_t)len);
    reply(status, body, (size_t)len);
  }
  free(body);
}

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  char *uri = read_uri();
  char *q = uri ? strchr(uri, '?') : NULL;
  const char *query = q ? q + 1 : "";
  if (!uri) {
    reply_str(500, "out of memory\n");
  } else if (strcmp(query, "denied") == 0) {
    static const char url[] = "http://203.0.113.1:80/";  // not in allowed_hosts
    relay(url, sizeof url - 1);
  } else if (*query) {
    reply_str(400, "unknown query: /fetch relays the upstream, /fetch?denied shows a refusal\n");
  } else {
    int32_t len;
    char *url = read_config("upstream", &len);
    if (url) relay(url, (size_t)len);
    else if (len < 0) reply_str(500, "no upstream configured ([app.config] upstream)\n");
    else reply_str(500, "out of memory\n");
    free(url);
  }
  free(uri);
}
