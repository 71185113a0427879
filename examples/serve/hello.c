// hello: a WAGI handler. Any WASI command is one: the request arrives as CGI variables
// (REQUEST_METHOD, PATH_INFO, QUERY_STRING, HTTP_*...), the body on stdin, and what the
// program prints is the response: headers, a blank line, the body.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char *name = getenv("QUERY_STRING");
  printf("Content-Type: text/plain; charset=utf-8\n\n");
  printf("Hello, %s!\n", name && *name ? name : "world");
  return 0;
}
