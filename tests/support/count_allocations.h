#pragma once
// Counting allocations in a test binary: a replacement global operator new that
// forwards to malloc and counts while an AllocationCounter is alive, so it affects
// nothing else. The replacements are definitions: include this in exactly one file of
// a binary (an *_alloc_test.cpp, which gets a binary of its own: src/CMakeLists.txt).

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace skiff::test::detail {

inline std::atomic<bool> g_counting{false};
inline std::atomic<size_t> g_allocations{0};

inline void* counted_alloc(size_t n, size_t align) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                                : std::malloc(n);
  return p;
}

// Out of line, so the compiler does not pair an inlined `new` with this free() and warn
// (-Wmismatched-new-delete); both sides are malloc-family here.
[[gnu::noinline]] inline void counted_free(void* p) { std::free(p); }

}  // namespace skiff::test::detail

// Every replaceable allocation function, so that new/delete pairs stay consistent
// (sanitizers check mismatches).
void* operator new(size_t n) {
  if (void* p = skiff::test::detail::counted_alloc(n, 0)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  if (void* p = skiff::test::detail::counted_alloc(n, 0)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, std::align_val_t a) {
  if (void* p = skiff::test::detail::counted_alloc(n, static_cast<size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n, std::align_val_t a) {
  if (void* p = skiff::test::detail::counted_alloc(n, static_cast<size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept { return skiff::test::detail::counted_alloc(n, 0); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return skiff::test::detail::counted_alloc(n, 0); }
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return skiff::test::detail::counted_alloc(n, static_cast<size_t>(a));
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return skiff::test::detail::counted_alloc(n, static_cast<size_t>(a));
}
void operator delete(void* p) noexcept { skiff::test::detail::counted_free(p); }
void operator delete[](void* p) noexcept { skiff::test::detail::counted_free(p); }
void operator delete(void* p, size_t) noexcept { skiff::test::detail::counted_free(p); }
void operator delete[](void* p, size_t) noexcept { skiff::test::detail::counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { skiff::test::detail::counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { skiff::test::detail::counted_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { skiff::test::detail::counted_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { skiff::test::detail::counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { skiff::test::detail::counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { skiff::test::detail::counted_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { skiff::test::detail::counted_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { skiff::test::detail::counted_free(p); }

namespace skiff::test {

// Counts allocations made while it is alive.
class AllocationCounter {
 public:
  AllocationCounter() {
    detail::g_allocations = 0;
    detail::g_counting = true;
  }
  ~AllocationCounter() { detail::g_counting = false; }
  size_t count() const { return detail::g_allocations.load(); }
};

}  // namespace skiff::test
