// loop: a WAGI guest that never ends (the server's deadline must stop it: 504). With the
// query "sleep" it waits instead, in poll_oneoff (sleep()), where no loop head runs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  fputs("Content-Type: text/plain\n\nstarted", stdout);
  const char *q = getenv("QUERY_STRING");
  if (q && !strcmp(q, "sleep"))
    for (;;) sleep(3600);
  volatile unsigned long n = 0;
  for (;;) n++;
}
