// fetch: a native handler that calls another service. The URL comes from the app's
// config ([app.config] upstream = "http://..."), and the host must be in the app's
// allowed_hosts: anything else is refused by skiff (SKIFF_EDENIED) before a connection
// is made. Answers with the upstream's status and body.
//   GET /fetch            -> the upstream's response, relayed
//   GET /fetch?denied     -> tries a host that is not allowed, to show the refusal
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skiff.h"

static void reply(int status, const char *text, size_t len) {
  skiff_response_status((uint32_t)status);
  skiff_response_header("content-type", 12, "text/plain; charset=utf-8", 25);
  skiff_response_write(text, (uint32_t)len);
}

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  char uri[512];
  int32_t ulen = skiff_request_uri(uri, sizeof uri - 1);
  uri[ulen > 0 && ulen < (int32_t)sizeof uri ? ulen : 0] = 0;

  char url[512];
  int32_t n;
  if (strstr(uri, "?denied")) {
    n = snprintf(url, sizeof url, "http://203.0.113.1:80/");
  } else {
    n = skiff_config_get("upstream", 8, url, sizeof url - 1);
    if (n < 0 || n >= (int32_t)sizeof url) {
      const char msg[] = "no upstream configured\n";
      return reply(500, msg, sizeof msg - 1);
    }
  }
  int32_t status = skiff_http_request("GET", 3, url, (uint32_t)n, "accept: text/plain", 18, "", 0);
  if (status < 0) {
    char msg[128];
    int len = snprintf(msg, sizeof msg, "upstream refused or failed: %s\n",
                       status == SKIFF_EDENIED ? "host not in allowed_hosts" : "connection failed");
    return reply(status == SKIFF_EDENIED ? 403 : 502, msg, (size_t)len);
  }
  int32_t blen = skiff_http_response_body(NULL, 0);
  char *body = malloc((size_t)blen + 1);
  skiff_http_response_body(body, (uint32_t)blen);
  char head[64];
  int hl = snprintf(head, sizeof head, "upstream said %d: ", status);
  skiff_response_header("content-type", 12, "text/plain; charset=utf-8", 25);
  skiff_response_write(head, (uint32_t)hl);
  skiff_response_write(body, (uint32_t)blen);
}
