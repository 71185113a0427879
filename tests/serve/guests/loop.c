// loop: a WAGI guest that never ends (the server's deadline must stop it: 504).
#include <stdio.h>

int main(void) {
  fputs("Content-Type: text/plain\n\nstarted", stdout);
  volatile unsigned long n = 0;
  for (;;) n++;
}
