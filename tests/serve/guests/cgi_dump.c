// cgi_dump: a WAGI guest that answers with everything it was given, so the tests can
// assert the exact CGI request. Body (text/plain), one item per line:
//   arg <i> <value>        each argv entry
//   env <NAME=value>       each environment variable, in the order the guest got them
//   stdin <n>              then the n bytes of stdin, raw
// Values have '\\' and newlines escaped as "\\\\" and "\\n".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static void put_escaped(const char *s) {
  for (; *s; s++) {
    if (*s == '\\') fputs("\\\\", stdout);
    else if (*s == '\n') fputs("\\n", stdout);
    else putchar(*s);
  }
}

int main(int argc, char **argv) {
  static char body[4 << 20];
  size_t n = fread(body, 1, sizeof body, stdin);
  fputs("Content-Type: text/plain\n\n", stdout);
  for (int i = 0; i < argc; i++) {
    printf("arg %d ", i);
    put_escaped(argv[i]);
    putchar('\n');
  }
  for (char **e = environ; *e; e++) {
    fputs("env ", stdout);
    put_escaped(*e);
    putchar('\n');
  }
  printf("stdin %zu\n", n);
  fwrite(body, 1, n, stdout);
  return 0;
}
