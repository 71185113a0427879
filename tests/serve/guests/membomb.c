// membomb: a WAGI guest that takes memory until it cannot. ?MODE:
//   report  malloc 64 KiB blocks (touching each) until malloc fails; answer how much it got
//   grow    memory.grow by one page until it fails; answer the final page count
//   trap    like report, then keeps going: writes past the end of memory (a trap)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "report";
  if (!strcmp(mode, "grow")) {
    unsigned long grown = 0;
    while (__builtin_wasm_memory_grow(0, 1) != (size_t)-1) grown++;
    printf("Content-Type: text/plain\n\npages=%lu grown=%lu", (unsigned long)__builtin_wasm_memory_size(0),
           grown);
    return 0;
  }
  // The blocks are chained and read back, so that the compiler cannot drop the mallocs.
  unsigned long total = 0;
  char **head = NULL;
  for (;;) {
    char **p = malloc(64 * 1024);
    if (!p) break;
    memset(p, 0x5a, 64 * 1024);
    *p = (char *)head;
    head = p;
    total += 64 * 1024;
  }
  unsigned long check = 0;
  for (char **p = head; p; p = (char **)*p) check += (unsigned char)((char *)p)[100];
  if (check != total / (64 * 1024) * 0x5a) return 1;
  if (!strcmp(mode, "trap")) {
    volatile char *end = (char *)(__builtin_wasm_memory_size(0) * 65536);
    for (unsigned long i = 0;; i += 4096) end[i] = 1;
  }
  printf("Content-Type: text/plain\n\nallocated=%lu pages=%lu", total,
         (unsigned long)__builtin_wasm_memory_size(0));
  return 0;
}
