/* The Asyncify-based setjmp/longjmp of sjlj.h: the two entry points and the driver. None of
 * these functions is instrumented by `wasm-opt --asyncify` (they call asyncify_* directly),
 * so every call into them is a possible unwind point for their callers. */
#define SKIFF_SJLJ_IMPLEMENTATION
#include "sjlj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASYNCIFY(name) __attribute__((import_module("asyncify"), import_name(#name)))
ASYNCIFY(start_unwind) void asyncify_start_unwind(void *data);
ASYNCIFY(stop_unwind) void asyncify_stop_unwind(void);
ASYNCIFY(start_rewind) void asyncify_start_rewind(void *data);
ASYNCIFY(stop_rewind) void asyncify_stop_rewind(void);

unsigned long skiff_sjlj_get_sp(void); /* stack_pointer.s */
void skiff_sjlj_set_sp(unsigned long sp);
int skiff_sjlj_main(int argc, char **argv); /* the program's own main, renamed */

/* Asyncify's data header (wasm32: two i32 pointers), followed by the saved frames. Deep C
 * recursion saves a few hundred bytes per frame; Lua caps C nesting at 200 levels. */
enum { kFramesCapacity = 1 << 20 };
static _Alignas(8) char g_frames[kFramesCapacity];
static struct {
  char *current;
  char *end;
} g_data;

enum Op { kNone, kSetjmp, kLongjmp };
static enum Op g_op = kNone;          /* what the unwind in progress is for */
static int g_rewinding = 0;           /* the driver is rewinding into g_target's setjmp call */
static skiff_jmp_buf *g_target = NULL;
static skiff_jmp_buf *g_newest = NULL; /* live buffers, newest first */

static _Noreturn void fail(const char *what) {
  fprintf(stderr, "sjlj: %s\n", what);
  abort();
}

static void start_unwind(enum Op op, skiff_jmp_buf *env) {
  g_op = op;
  g_target = env;
  g_data.current = g_frames;
  g_data.end = g_frames + kFramesCapacity;
  asyncify_start_unwind(&g_data);
}

__attribute__((noinline)) int skiff_setjmp(skiff_jmp_buf *env) {
  if (g_rewinding) {
    asyncify_stop_rewind();
    g_rewinding = 0;
    g_op = kNone;
    if (g_target != env) fail("rewind ended in the wrong setjmp call");
    return env->value;
  }
  env->frames = NULL;
  env->frames_size = 0;
  env->stack_pointer = skiff_sjlj_get_sp();
  env->value = 0;
  env->older = g_newest;
  g_newest = env;
  start_unwind(kSetjmp, env);
  return 0; /* unseen: the caller unwinds, the driver rewinds, the call above returns */
}

__attribute__((noinline)) void skiff_longjmp(skiff_jmp_buf *env, int value) {
  if (env->frames == NULL) fail("longjmp to a buffer that is not set");
  env->value = value != 0 ? value : 1;
  start_unwind(kLongjmp, env);
}

static void release_newer_than(skiff_jmp_buf *env) {
  while (g_newest != env) {
    if (g_newest == NULL) fail("longjmp or release of a buffer that is not live");
    skiff_jmp_buf *dead = g_newest;
    g_newest = dead->older;
    free(dead->frames);
    dead->frames = NULL;
  }
}

void skiff_jmp_release(skiff_jmp_buf *env) {
  release_newer_than(env);
  g_newest = env->older;
  free(env->frames);
  env->frames = NULL;
}

int main(int argc, char **argv) {
  for (;;) {
    int status = skiff_sjlj_main(argc, argv);
    if (g_op == kNone) return status; /* returned normally */
    asyncify_stop_unwind();
    skiff_jmp_buf *env = g_target;
    if (g_op == kSetjmp) {
      unsigned long size = (unsigned long)(g_data.current - g_frames);
      env->frames = malloc(size != 0 ? size : 1);
      if (env->frames == NULL) fail("out of memory saving a setjmp context");
      memcpy(env->frames, g_frames, size);
      env->frames_size = size;
    } else {
      release_newer_than(env);
      memcpy(g_frames, env->frames, env->frames_size);
      g_data.current = g_frames + env->frames_size;
      g_data.end = g_frames + kFramesCapacity;
      skiff_sjlj_set_sp(env->stack_pointer);
    }
    g_rewinding = 1;
    asyncify_start_rewind(&g_data);
  }
}
