#pragma once
// Invariant checks for bugs in skiff itself — never for anything derived from module
// bytes, requests, peers or config files (those return an Error). On in debug and
// sanitizer builds (SKIFF_ENABLE_ASSERTS).

namespace skiff::detail {
[[noreturn]] void assert_fail(const char* cond, const char* why, const char* file, int line);
}

#ifdef SKIFF_ENABLE_ASSERTS
#define SKIFF_ASSERT(cond, why) \
  ((cond) ? (void)0 : ::skiff::detail::assert_fail(#cond, why, __FILE__, __LINE__))
#else
#define SKIFF_ASSERT(cond, why) ((void)0)
#endif

#define SKIFF_UNREACHABLE(why) ::skiff::detail::assert_fail("unreachable", why, __FILE__, __LINE__)
