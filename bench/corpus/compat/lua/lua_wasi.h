/* Force-included into every Lua source file for the wasm32-wasi build.
 *
 * Lua's C build raises errors with longjmp, and Debian 12's wasi-libc has no setjmp/longjmp
 * (nor does LLVM 14 support wasm exception handling for it). ldo.c lets LUAI_THROW/LUAI_TRY be
 * overridden, so: LUAI_TRY just runs its body, and LUAI_THROW prints the error object and exits.
 * ERROR RECOVERY IS THEREFORE DISABLED in this build: pcall/error/any runtime error terminates
 * the interpreter. That is acceptable because the module is only a decode/validate benchmark
 * input; normal scripts that raise no errors still run correctly. */
#ifndef SKIFF_BENCH_LUA_WASI_H
#define SKIFF_BENCH_LUA_WASI_H

struct lua_State;
_Noreturn void skiff_lua_unrecoverable_error(struct lua_State *L, int status);

#define LUAI_THROW(L, c) skiff_lua_unrecoverable_error((L), (c)->status)
#define LUAI_TRY(L, c, a) { a }
#define luai_jmpbuf int

/* loslib.c: no tmpnam/mkstemp on WASI, so os.tmpname() always fails cleanly. */
#define LUA_TMPNAMBUFSIZE 32
#define lua_tmpnam(b, e) { (void)(b); (e) = 1; }

#endif
