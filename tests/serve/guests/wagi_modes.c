// wagi_modes: a WAGI guest whose output is chosen by its first argument (an indexed query,
// "/modes?NAME"): well-formed CGI responses with Status, Location and custom headers, and
// the malformed kinds the server must turn into a 500.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The native handlers' response calls, which a WAGI guest may import but not use.
__attribute__((import_module("skiff"), import_name("response_status"))) int32_t skiff_response_status(uint32_t);
__attribute__((import_module("skiff"), import_name("response_header"))) int32_t
skiff_response_header(const char *, uint32_t, const char *, uint32_t);
__attribute__((import_module("skiff"), import_name("response_write"))) int32_t skiff_response_write(const void *,
                                                                                                     uint32_t);

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "abi_response")) {
    int a = skiff_response_status(418), b = skiff_response_header("X-From-Abi", 10, "1", 1),
        c = skiff_response_write("abi body", 8);
    printf("Content-Type: text/plain\n\nstatus=%d header=%d write=%d", a, b, c);
  } else if (!strcmp(mode, "status")) {
    fputs("Status: 201 Created Here\nX-Custom: yes\nX-Multi: a\nX-Multi: b\nContent-Type: text/x-test\n\ncreated", stdout);
  } else if (!strcmp(mode, "crlf")) {
    fputs("Status: 202\r\nX-Crlf: 1\r\n\r\nbody\r\nline2", stdout);
  } else if (!strcmp(mode, "redirect")) {
    fputs("Location: /elsewhere?x=1\n\n", stdout);
  } else if (!strcmp(mode, "redirect301")) {
    fputs("Status: 301 Moved Permanently\nLocation: http://example.test/\n\n", stdout);
  } else if (!strcmp(mode, "framing")) {
    // The server owns framing: these three must not reach the client.
    fputs("Content-Length: 999\nTransfer-Encoding: chunked\nConnection: close\nX-Ok: 1\n\n12345", stdout);
  } else if (!strcmp(mode, "nocontent")) {
    fputs("Status: 204 No Content\n\n", stdout);
  } else if (!strcmp(mode, "nocontent_body")) {
    fputs("Status: 204 No Content\n\nthis body is not allowed on a 204", stdout);
  } else if (!strcmp(mode, "notmodified_body")) {
    fputs("Status: 304 Not Modified\n\nstale", stdout);
  } else if (!strcmp(mode, "informational")) {
    fputs("Status: 100 Continue\n\n", stdout);
  } else if (!strcmp(mode, "bare_cr")) {
    fputs("X-Split: a\rSet-Cookie: injected=1\n\nbody", stdout);
  } else if (!strcmp(mode, "bare_cr_status")) {
    fputs("Status: 200 OK\rX-Injected: 1\n\nbody", stdout);
  } else if (!strcmp(mode, "longheader")) {
    // Longer than a header Beast can hold (65,533 bytes): it would throw.
    fputs("X-Long: ", stdout);
    for (int i = 0; i < 70000; i++) putchar('l');
    fputs("\n\nbody", stdout);
  } else if (!strcmp(mode, "malformed")) {
    fputs("this is not a header line\n\nbody", stdout);
  } else if (!strcmp(mode, "noblank")) {
    fputs("Content-Type: text/plain\nstill headers, never a blank line", stdout);
  } else if (!strcmp(mode, "badstatus")) {
    fputs("Status: abc\n\n", stdout);
  } else if (!strcmp(mode, "status999")) {
    fputs("Status: 999 Nope\n\n", stdout);
  } else if (!strcmp(mode, "empty")) {
    // no output at all
  } else if (!strcmp(mode, "stderr")) {
    fputs("guest says: first line\n", stderr);
    fputs("second \"quoted\" line\n", stderr);
    fputs("Content-Type: text/plain\n\nstderr written", stdout);
  } else if (!strcmp(mode, "exit3")) {
    fputs("Content-Type: text/plain\n\npartial", stdout);
    fflush(stdout);
    exit(3);
  } else if (!strcmp(mode, "exit0")) {
    fputs("Content-Type: text/plain\n\nexited 0", stdout);
    fflush(stdout);
    exit(0);
  } else if (!strcmp(mode, "big")) {
    // 1 MiB, or as many MiB as the second word says ("/modes?big+16").
    int mib = argc > 2 ? atoi(argv[2]) : 1;
    fputs("Content-Type: application/octet-stream\n\n", stdout);
    static char block[4096];
    for (int i = 0; i < (int)sizeof block; i++) block[i] = (char)('a' + i % 26);
    for (int i = 0; i < 256 * mib; i++) fwrite(block, 1, sizeof block, stdout);
  } else {
    printf("Status: 400 Bad Mode\nContent-Type: text/plain\n\nunknown mode \"%s\"\n", mode);
  }
  return 0;
}
