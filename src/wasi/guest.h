#pragma once
// Guest memory as WASI functions use it: bounds-checked views of the caller's memory 0.
// Every pointer a guest hands us is checked here; out of bounds is the guest's EFAULT.

#include <limits.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "engine/runtime/host.h"
#include "engine/runtime/memory.h"
#include "engine/runtime/store.h"
#include "wasi/abi.h"

namespace skiff::wasi {

// The longest single wait of a call that waits (poll_oneoff, a read of a pipe or a
// socket): how late a deadline may stop a guest blocked in one.
inline constexpr int kWaitSliceMs = 10;

// Host iovecs for one call: inline up to 8 (what libc's stdio and most guests pass), so
// a read or write allocates nothing.
using IovecList = boost::container::small_vector<iovec, 8>;

class Guest {
 public:
  explicit Guest(engine::runtime::Caller& caller)
      : m_mem(caller.memory(0)), m_stop(caller.store ? caller.store->stop_word() : nullptr) {}

  // Whether the calling store was asked to stop (its deadline, an interrupt): a call that
  // waits returns then, and the guest traps at its next check.
  bool stopped() const { return m_stop && m_stop->load(std::memory_order_relaxed) != 0; }

  // Memory [ptr, ptr + len), or null when it is not all inside memory 0.
  uint8_t* bytes(uint32_t ptr, uint64_t len) const {
    if (!m_mem || uint64_t{ptr} + len > m_mem->size_bytes()) return nullptr;
    return m_mem->data() + ptr;
  }
  template <typename T> bool load(uint32_t ptr, T& v) const {
    const uint8_t* p = bytes(ptr, sizeof v);
    if (p) std::memcpy(&v, p, sizeof v);  // wasm memory is little-endian, as our hosts
    return p != nullptr;
  }
  template <typename T> bool store(uint32_t ptr, T v) const {
    uint8_t* p = bytes(ptr, sizeof v);
    if (p) std::memcpy(p, &v, sizeof v);
    return p != nullptr;
  }
  // A path argument: its bytes, which must not contain NUL (EINVAL) and be in bounds,
  // and shorter than PATH_MAX (ENAMETOOLONG, before anything is copied).
  Errno path(uint32_t ptr, uint32_t len, std::string& out) const {
    const uint8_t* p = bytes(ptr, len);
    if (!p) return Errno::Fault;
    if (len >= PATH_MAX) return Errno::NameTooLong;
    out.assign(reinterpret_cast<const char*>(p), len);
    if (out.find('\0') != std::string::npos) return Errno::Inval;
    return Errno::Success;
  }
  // An array of n (c)iovecs as host iovecs pointing into guest memory; more than IOV_MAX
  // is EINVAL, as readv and writev would say (before a host array that size is built).
  Errno iovecs(uint32_t ptr, uint32_t n, IovecList& out) const {
    const uint8_t* v = bytes(ptr, uint64_t{n} * layout::kIovec);
    if (!v) return Errno::Fault;
    if (n > IOV_MAX) return Errno::Inval;
    out.clear();
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t buf, len;
      std::memcpy(&buf, v + i * layout::kIovec, 4);
      std::memcpy(&len, v + i * layout::kIovec + 4, 4);
      uint8_t* p = bytes(buf, len);
      if (!p) return Errno::Fault;
      if (len) out.push_back(iovec{p, len});
    }
    return Errno::Success;
  }

 private:
  engine::runtime::Memory* m_mem;
  const std::atomic<uint32_t>* m_stop;
};

}  // namespace skiff::wasi
