// global_state: a native handler that reports, then changes, state that would survive
// into the next request if an instance were reused: a static counter, a static string,
// the heap (its first block's address and contents) and the memory size. In a fresh
// instance per request every answer is the same.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skiff.h"

static int counter = 41;
static char marker[16] = "pristine";
static char *heap_block;

__attribute__((export_name("skiff_handle"))) void skiff_handle(void) {
  char line[256];
  const char *heap = heap_block ? heap_block : "(none)";
  int n = snprintf(line, sizeof line, "counter=%d marker=%s heap=%s pages=%lu\n", counter, marker, heap,
                   (unsigned long)__builtin_wasm_memory_size(0));
  skiff_response_header("content-type", 12, "text/plain", 10);
  skiff_response_write(line, (uint32_t)n);
  counter += 1000;
  strcpy(marker, "modified");
  heap_block = malloc(32);
  strcpy(heap_block, "leaked-heap");
  __builtin_wasm_memory_grow(0, 4);
}
