// spin: a WAGI guest that busy-waits on clock_gettime for ?ms=N milliseconds (default
// 200; the server's deadline, not sleep, bounds it), then answers "spun N ms".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void) {
  const char *q = getenv("QUERY_STRING");
  long ms = 200;
  if (q && !strncmp(q, "ms=", 3)) ms = strtol(q + 3, NULL, 10);
  double end = now_ms() + (double)ms;
  while (now_ms() < end) {
  }
  printf("Content-Type: text/plain\n\nspun %ld ms", ms);
  return 0;
}
