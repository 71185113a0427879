/* Force-included into every Lua source file for the wasm32-wasi build.
 *
 * Lua raises errors (and coroutine yields from C) with longjmp, which Debian 12's wasi-libc
 * does not have. ldo.c lets LUAI_THROW/LUAI_TRY be overridden, so they use the Asyncify-based
 * setjmp/longjmp of ../sjlj (the module is passed through `wasm-opt --asyncify` after linking):
 * pcall, error and coroutines behave as in the native build. */
#ifndef SKIFF_BENCH_LUA_WASI_H
#define SKIFF_BENCH_LUA_WASI_H

#include "sjlj.h"

#define LUAI_THROW(L, c) skiff_longjmp(&(c)->b, 1)
#define LUAI_TRY(L, c, a) \
  if (skiff_setjmp(&(c)->b) == 0) { a } \
  skiff_jmp_release(&(c)->b)
#define luai_jmpbuf skiff_jmp_buf

/* loslib.c: no tmpnam/mkstemp on WASI, so os.tmpname() always fails cleanly. */
#define LUA_TMPNAMBUFSIZE 32
#define lua_tmpnam(b, e) { (void)(b); (e) = 1; }

#endif
