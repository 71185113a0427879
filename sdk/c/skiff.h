/* skiff.h: the skiff host ABI for guests (C, wasm32-wasi). docs/abi.md describes it.
 *
 * A native handler exports `void skiff_handle(void)`: skiff calls it once per request, in
 * a fresh instance, and it reads the request and writes the response through the calls
 * below. No stdio is involved. The key-value, config and outbound HTTP calls also work
 * in WAGI (CGI-style) handlers.
 *
 * Calls that fill a buffer return the full length of what they have and copy at most
 * `cap` bytes: when the result is larger than `cap`, call again with a larger buffer.
 * Negative results are the SKIFF_E* codes. Pointers the host cannot read or write
 * (outside linear memory) trap the guest. */
#ifndef SKIFF_H
#define SKIFF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SKIFF_IMPORT(name) __attribute__((import_module("skiff"), import_name(#name)))

#define SKIFF_ENOTFOUND (-1) /* no such header, config key or KV key */
#define SKIFF_ETOOLARGE (-2) /* past a limit: response size, KV key/value size */
#define SKIFF_EDENIED (-3)   /* capability not granted: no KV for this app, host not allowed */
#define SKIFF_EHOST (-4)     /* the host failed: KV database error, outbound connection failed */
#define SKIFF_EINVAL (-5)    /* a bad argument: status out of range, malformed header or URL */

/* --- the request ---------------------------------------------------------------------- */
SKIFF_IMPORT(request_method) int32_t skiff_request_method(char *buf, uint32_t cap);
/* The request target as sent: path and query ("/api/items?id=3"). */
SKIFF_IMPORT(request_uri) int32_t skiff_request_uri(char *buf, uint32_t cap);
/* A header by name (case-insensitive); repeated headers are joined with ", ".
 * SKIFF_ENOTFOUND when absent. */
SKIFF_IMPORT(request_header)
int32_t skiff_request_header(const char *name, uint32_t name_len, char *buf, uint32_t cap);
/* The next bytes of the body: how many were copied, 0 at the end. */
SKIFF_IMPORT(request_body_read) int32_t skiff_request_body_read(void *buf, uint32_t cap);

/* --- the response (native handlers) ---------------------------------------------------- */
/* 200 unless set; 200-599, else SKIFF_EINVAL (a 1xx is never a final response). */
SKIFF_IMPORT(response_status) int32_t skiff_response_status(uint32_t status);
/* Adds a header. Name: an HTTP token; value: no CR, LF or NUL. Else SKIFF_EINVAL. */
SKIFF_IMPORT(response_header)
int32_t skiff_response_header(const char *name, uint32_t name_len, const char *value, uint32_t value_len);
/* Appends to the body: 0, or SKIFF_ETOOLARGE past the app's response limit. */
SKIFF_IMPORT(response_write) int32_t skiff_response_write(const void *data, uint32_t len);

/* --- config variables ([app.config] in skiff.toml) ------------------------------------- */
SKIFF_IMPORT(config_get)
int32_t skiff_config_get(const char *key, uint32_t key_len, char *buf, uint32_t cap);

/* --- key-value store (kv = true): the app's own namespace ------------------------------- */
SKIFF_IMPORT(kv_get) int32_t skiff_kv_get(const char *key, uint32_t key_len, void *buf, uint32_t cap);
SKIFF_IMPORT(kv_set)
int32_t skiff_kv_set(const char *key, uint32_t key_len, const void *value, uint32_t value_len);
/* 1 when the key existed, 0 when it did not. */
SKIFF_IMPORT(kv_delete) int32_t skiff_kv_delete(const char *key, uint32_t key_len);
/* Keys starting with `prefix`, in byte order, each followed by a NUL byte. */
SKIFF_IMPORT(kv_list)
int32_t skiff_kv_list(const char *prefix, uint32_t prefix_len, char *buf, uint32_t cap);

/* --- outbound HTTP (allowed_hosts) ----------------------------------------------------- */
/* Sends a request to an http:// URL whose host:port is in the app's allowed_hosts and
 * returns the response status (or SKIFF_EDENIED / SKIFF_EINVAL / SKIFF_EHOST). `headers`
 * is "Name: value" lines separated by "\n" (may be empty). The response body is then
 * read with skiff_http_response_body. It must complete before the request's deadline. */
SKIFF_IMPORT(http_request)
int32_t skiff_http_request(const char *method, uint32_t method_len, const char *url, uint32_t url_len,
                           const char *headers, uint32_t headers_len, const void *body, uint32_t body_len);
/* The body of the last skiff_http_request response. */
SKIFF_IMPORT(http_response_body) int32_t skiff_http_response_body(void *buf, uint32_t cap);

#ifdef __cplusplus
}
#endif

#endif /* SKIFF_H */
