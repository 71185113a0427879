// args_sizes_get / args_get / environ_sizes_get / environ_get, raw and through libc.
// run_guest.py runs it twice:
//   args_env.wasm alpha "two words" "" ünïcødé  --env FOO=bar --env EMPTY= --env EQ=a=b=c
//   args_env.wasm inherit                         --env FOO=bar --inherit-env
// with SKIFF_WASI_TEST_MARKER=from-the-host and FOO=host-value in skiff's own environment:
// without --inherit-env the guest must see exactly the --env variables.
#include "check.h"

static const char* const kArgs[] = {"alpha", "two words", "",
                                    "\xc3\xbcn\xc3\xaf"
                                    "c\xc3\xb8"
                                    "d\xc3\xa9"};
static const char* const kEnv[] = {"FOO=bar", "EMPTY=", "EQ=a=b=c"};

static int ends_with(const char* s, const char* suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

// Checks that the pointer table describes consecutive NUL-terminated strings filling buf.
static void check_packed(char** ptrs, size_t count, const char* buf, size_t buf_size) {
  const char* expect = buf;
  int ok = 1;
  for (size_t i = 0; i < count; ++i) {
    if (ptrs[i] != expect) ok = 0;
    expect += strlen(ptrs[i]) + 1;
  }
  CHECK(ok);
  CHECK_EQ(expect - buf, buf_size);
}

int main(int argc, char** argv) {
  int inherit = argc == 2 && strcmp(argv[1], "inherit") == 0;

  // --- arguments ---
  __wasi_size_t argc_w = 0, argv_size = 0;
  CHECK_OK(__wasi_args_sizes_get(&argc_w, &argv_size));
  CHECK_EQ(argc_w, (__wasi_size_t)argc);
  char** wargv = calloc(argc_w + 1, sizeof(char*));
  char* wbuf = malloc(argv_size + 1);
  CHECK_OK(__wasi_args_get((uint8_t**)wargv, (uint8_t*)wbuf));
  check_packed(wargv, argc_w, wbuf, argv_size);
  CHECK(argc_w >= 1 && ends_with(wargv[0], "args_env.wasm")); // argv[0] = FILE as given
  if (!inherit) {
    CHECK_EQ(argc_w, 5);
    for (size_t i = 0; i < 4 && i + 1 < argc_w; ++i)
      CHECK_STR(wargv[i + 1], kArgs[i]);
    size_t expect = strlen(wargv[0]) + 1;
    for (size_t i = 0; i < 4; ++i)
      expect += strlen(kArgs[i]) + 1;
    CHECK_EQ(argv_size, expect);
  }
  for (int i = 0; i < argc && i < (int)argc_w; ++i)
    CHECK_STR(argv[i], wargv[i]); // libc agrees

  // --- environment ---
  __wasi_size_t envc = 0, env_size = 0;
  CHECK_OK(__wasi_environ_sizes_get(&envc, &env_size));
  char** wenv = calloc(envc + 1, sizeof(char*));
  char* ebuf = malloc(env_size + 1);
  CHECK_OK(__wasi_environ_get((uint8_t**)wenv, (uint8_t*)ebuf));
  check_packed(wenv, envc, ebuf, env_size);
  int saw_marker = 0;
  for (size_t i = 0; i < envc; ++i) {
    if (!inherit) printf("env[%zu] = %s\n", i, wenv[i]);
    CHECK(strchr(wenv[i], '=') != NULL);
    if (strncmp(wenv[i], "SKIFF_WASI_TEST_MARKER=", 23) == 0) saw_marker = 1;
  }
  if (!inherit) {
    // Exactly the --env variables (in any order), nothing from skiff's own environment.
    CHECK_EQ(envc, 3);
    for (size_t k = 0; k < 3; ++k) {
      int found = 0;
      for (size_t i = 0; i < envc; ++i)
        found |= strcmp(wenv[i], kEnv[k]) == 0;
      if (!found) printf("missing %s\n", kEnv[k]);
      CHECK(found);
    }
    CHECK(!saw_marker);
    CHECK(getenv("SKIFF_WASI_TEST_MARKER") == NULL);
    CHECK(getenv("EQ") && strcmp(getenv("EQ"), "a=b=c") == 0);
    CHECK(getenv("EMPTY") && strcmp(getenv("EMPTY"), "") == 0);
    CHECK(getenv("NOT_SET_ANYWHERE") == NULL);
  } else {
    CHECK(saw_marker);
    CHECK(getenv("SKIFF_WASI_TEST_MARKER") &&
          strcmp(getenv("SKIFF_WASI_TEST_MARKER"), "from-the-host") == 0);
    int foo_bar = 0;
    for (size_t i = 0; i < envc; ++i)
      foo_bar |= strcmp(wenv[i], "FOO=bar") == 0;
    CHECK(foo_bar); // --env is applied on top of --inherit-env (and wins over FOO=host-value)
  }
  CHECK(getenv("FOO") != NULL);
  return finish("args_env");
}
