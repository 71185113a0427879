#pragma once
// Guest memory as WASI functions use it: bounds-checked views of the caller's memory 0.
// Every pointer a guest hands us is checked here; out of bounds is the guest's EFAULT.

#include <sys/uio.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "engine/runtime/host.h"
#include "engine/runtime/memory.h"
#include "wasi/abi.h"

namespace skiff::wasi {

// Host iovecs for one call: inline up to 8 (what libc's stdio and most guests pass), so
// a read or write allocates nothing.
using IovecList = boost::container::small_vector<iovec, 8>;

class Guest {
 public:
  explicit Guest(engine::runtime::Caller& caller) : m_mem(caller.memory(0)) {}

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
  // A path argument: its bytes, which must not contain NUL (EINVAL) and be in bounds.
  Errno path(uint32_t ptr, uint32_t len, std::string& out) const {
    const uint8_t* p = bytes(ptr, len);
    if (!p) return Errno::Fault;
    out.assign(reinterpret_cast<const char*>(p), len);
    if (out.find('\0') != std::string::npos) return Errno::Inval;
    return Errno::Success;
  }
  // An array of n (c)iovecs as host iovecs pointing into guest memory.
  Errno iovecs(uint32_t ptr, uint32_t n, IovecList& out) const {
    const uint8_t* v = bytes(ptr, uint64_t{n} * layout::kIovec);
    if (!v) return Errno::Fault;
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
};

}  // namespace skiff::wasi
