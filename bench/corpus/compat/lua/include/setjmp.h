/* ldo.c includes <setjmp.h> unconditionally; wasi-libc has none (and the host's must not be used).
 * Nothing from it is needed because lua_wasi.h replaces LUAI_THROW/LUAI_TRY. */
