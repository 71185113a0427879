#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace skiff::detail {

void assert_fail(const char* cond, const char* why, const char* file, int line) {
  std::fprintf(stderr, "skiff: internal error: %s (%s) at %s:%d\n", why, cond, file, line);
  std::abort();
}

}  // namespace skiff::detail
