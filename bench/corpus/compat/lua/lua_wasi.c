/* Companion of lua_wasi.h: the terminal "throw" used instead of longjmp. */
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"

_Noreturn void skiff_lua_unrecoverable_error(lua_State *L, int status) {
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(error object is not a string)";
  fprintf(stderr, "lua: %s\n(wasm32-wasi build without error recovery; status %d)\n", msg, status);
  fflush(NULL);
  exit(EXIT_FAILURE);
}
