// trap: a WAGI guest that traps (unreachable) after writing part of a response; the
// client must get a 500 and none of that output.
#include <stdio.h>

int main(void) {
  fputs("Content-Type: text/plain\n\nsecret partial output", stdout);
  fflush(stdout);
  fputs("about to trap\n", stderr);
  __builtin_trap();
}
