#pragma once
// StableList<T>: elements keep their addresses as more are added, as with std::deque's
// emplace_back, but nothing is allocated before the first element. (libstdc++'s deque
// allocates two blocks when it is constructed; a store made for every request paid
// that for each of its lists on every request, used or not.) Chunks double in size
// (8, 16, 32, ...); T must be default-constructible and move-assignable.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace skiff {

template <typename T>
class StableList {
 public:
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (m_chunks.empty() || m_used == m_chunk_size) {
      m_chunk_size = m_chunks.empty() ? kFirstChunk : m_chunk_size * 2;
      m_chunks.push_back(std::make_unique<T[]>(m_chunk_size));
      m_used = 0;
    }
    T& slot = m_chunks.back()[m_used++];
    slot = T{std::forward<Args>(args)...};
    return slot;
  }

  // Whether `p` is the address of one of the elements, without dereferencing it (so it
  // may be any pointer at all). Linear in the number of chunks, which double in size.
  bool contains(const T* p) const {
    const auto at = reinterpret_cast<uintptr_t>(p);
    size_t size = kFirstChunk;
    for (size_t c = 0; c < m_chunks.size(); ++c, size *= 2) {
      const auto base = reinterpret_cast<uintptr_t>(m_chunks[c].get());
      const size_t used = c + 1 == m_chunks.size() ? m_used : size;
      if (at >= base && at < base + used * sizeof(T)) return (at - base) % sizeof(T) == 0;
    }
    return false;
  }

 private:
  static constexpr size_t kFirstChunk = 8;
  std::vector<std::unique_ptr<T[]>> m_chunks;
  size_t m_chunk_size = 0;
  size_t m_used = 0;  // in the last chunk
};

}  // namespace skiff
