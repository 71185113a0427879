/* setjmp/longjmp for wasm32-wasi programs, built on Binaryen's Asyncify.
 *
 * Debian 12's wasi-libc has no setjmp, and clang 14's wasm setjmp lowering needs the exception
 * handling proposal in the engine. Asyncify needs nothing from the engine: after
 * `wasm-opt --asyncify`, every function that can reach skiff_setjmp/skiff_longjmp can save its
 * locals and return ("unwind"), and later be re-entered to restore them ("rewind").
 *
 *  - skiff_setjmp unwinds the whole stack to the driver (skiff_sjlj_run, which replaces the
 *    program's entry), which copies the saved frames into the jmp_buf and rewinds them at once:
 *    the program continues as if the call returned 0. Cost: one unwind + rewind per setjmp.
 *  - skiff_longjmp unwinds to the driver, which rewinds from the jmp_buf's copy instead, with
 *    the shadow-stack pointer reset to its value at setjmp time: the setjmp call returns again.
 *
 * Frames above the setjmp caller are still live at longjmp time (C requires it), so the copy
 * is exact for them; the caller's own non-volatile locals get their setjmp-time values, which
 * C allows. Memory is never copied.
 *
 * The program's main must be renamed (-Dmain=skiff_sjlj_main) so that the driver's main calls
 * it; the driver and the two entry points are never instrumented (they call asyncify_*). */
#ifndef SKIFF_COMPAT_SJLJ_H
#define SKIFF_COMPAT_SJLJ_H

typedef struct skiff_jmp_buf {
  struct skiff_jmp_buf *older; /* next-older live buffer (a stack, newest first) */
  void *frames;                /* malloc'd copy of the Asyncify data at setjmp time */
  unsigned long frames_size;
  unsigned long stack_pointer; /* __stack_pointer at setjmp time */
  int value;                   /* what the pending rewind makes skiff_setjmp return */
} skiff_jmp_buf;

__attribute__((returns_twice)) int skiff_setjmp(skiff_jmp_buf *env);
/* Returns to its caller only in sjlj.c, where the caller then unwinds. */
#ifdef SKIFF_SJLJ_IMPLEMENTATION
void skiff_longjmp(skiff_jmp_buf *env, int value);
#else
_Noreturn void skiff_longjmp(skiff_jmp_buf *env, int value);
#endif
/* The setjmp caller is about to return: the buffer is dead. Also releases every buffer that
 * was set after it (deeper frames a longjmp skipped over). */
void skiff_jmp_release(skiff_jmp_buf *env);

#endif
