#include "skiff/bench_wasi_shim.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "engine/runtime/memory.h"

namespace skiff::tools {

namespace {

using engine::ir::FuncType;
using engine::ir::ValType;
using engine::runtime::Caller;
using engine::runtime::Memory;

// https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#errno
constexpr uint32_t kSuccess = 0;
constexpr uint32_t kBadf = 8;
constexpr uint32_t kFault = 21;
constexpr uint32_t kIo = 29;
constexpr uint32_t kSpipe = 70;

constexpr uint64_t kRightFdSeek = 1u << 2;
constexpr uint64_t kRightFdTell = 1u << 5;
constexpr uint64_t kRightFdWrite = 1u << 6;

bool is_stdio(uint32_t fd) { return fd <= 2; }

// The caller's memory 0 bytes [ptr, ptr + len), or null when out of bounds (EFAULT).
uint8_t* guest_bytes(Caller& caller, uint32_t ptr, uint64_t len) {
  Memory* mem = caller.memory(0);
  if (!mem || uint64_t{ptr} + len > mem->size_bytes()) return nullptr;
  return mem->data() + ptr;
}

bool store_u32(Caller& caller, uint32_t ptr, uint32_t v) {
  uint8_t* p = guest_bytes(caller, ptr, 4);
  if (!p) return false;
  std::memcpy(p, &v, 4);  // wasm memory is little-endian, as the hosts skiff supports
  return true;
}

uint32_t arg_u32(const uint64_t* slots, int i) { return static_cast<uint32_t>(slots[i]); }

}  // namespace

// The host functions; `env` is the BenchWasiShim. Each returns its errno in slot 0.
struct BenchWasiShim::Calls {
  static Result<void> args_sizes_get(void* env, Caller& caller, uint64_t* slots) {
    auto* shim = static_cast<BenchWasiShim*>(env);
    uint32_t bytes = 0;
    for (const std::string& a : shim->m_argv) bytes += static_cast<uint32_t>(a.size()) + 1;
    bool stored = store_u32(caller, arg_u32(slots, 0), static_cast<uint32_t>(shim->m_argv.size())) &&
                  store_u32(caller, arg_u32(slots, 1), bytes);
    slots[0] = stored ? kSuccess : kFault;
    return ok();
  }

  static Result<void> args_get(void* env, Caller& caller, uint64_t* slots) {
    auto* shim = static_cast<BenchWasiShim*>(env);
    uint32_t argv = arg_u32(slots, 0), buf = arg_u32(slots, 1);
    for (const std::string& a : shim->m_argv) {
      uint8_t* dst = guest_bytes(caller, buf, a.size() + 1);
      if (!dst || !store_u32(caller, argv, buf)) {
        slots[0] = kFault;
        return ok();
      }
      std::memcpy(dst, a.c_str(), a.size() + 1);
      argv += 4;
      buf += static_cast<uint32_t>(a.size()) + 1;
    }
    slots[0] = kSuccess;
    return ok();
  }

  static Result<void> fd_close(void*, Caller&, uint64_t* slots) {
    slots[0] = is_stdio(arg_u32(slots, 0)) ? kSuccess : kBadf;
    return ok();
  }

  // fdstat: filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16.
  static Result<void> fd_fdstat_get(void*, Caller& caller, uint64_t* slots) {
    uint32_t fd = arg_u32(slots, 0);
    if (!is_stdio(fd)) {
      slots[0] = kBadf;
      return ok();
    }
    uint8_t* p = guest_bytes(caller, arg_u32(slots, 1), 24);
    if (!p) {
      slots[0] = kFault;
      return ok();
    }
    std::memset(p, 0, 24);  // filetype 0 = unknown: wasi-libc's isatty() says no
    uint64_t rights = kRightFdWrite;
    static_assert((kRightFdWrite & (kRightFdSeek | kRightFdTell)) == 0);
    std::memcpy(p + 8, &rights, 8);
    slots[0] = kSuccess;
    return ok();
  }

  static Result<void> fd_seek(void*, Caller&, uint64_t* slots) {
    slots[0] = is_stdio(arg_u32(slots, 0)) ? kSpipe : kBadf;
    return ok();
  }

  // iovec: buf u32 @0, len u32 @4.
  static Result<void> fd_write(void*, Caller& caller, uint64_t* slots) {
    uint32_t fd = arg_u32(slots, 0), iovs = arg_u32(slots, 1), n = arg_u32(slots, 2);
    uint32_t nwritten_ptr = arg_u32(slots, 3);
    if (fd != 1 && fd != 2) {
      slots[0] = kBadf;
      return ok();
    }
    const uint8_t* vec = guest_bytes(caller, iovs, uint64_t{n} * 8);
    if (!vec) {
      slots[0] = kFault;
      return ok();
    }
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t buf, len;
      std::memcpy(&buf, vec + 8 * i, 4);
      std::memcpy(&len, vec + 8 * i + 4, 4);
      const uint8_t* data = guest_bytes(caller, buf, len);
      if (!data) {
        slots[0] = kFault;
        return ok();
      }
      for (uint32_t done = 0; done < len;) {
        ssize_t w = ::write(static_cast<int>(fd), data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          slots[0] = kIo;
          return ok();
        }
        done += static_cast<uint32_t>(w);
      }
      total += len;
    }
    slots[0] = store_u32(caller, nwritten_ptr, total) ? kSuccess : kFault;
    return ok();
  }

  static Result<void> proc_exit(void* env, Caller&, uint64_t* slots) {
    static_cast<BenchWasiShim*>(env)->m_exit_code = static_cast<int>(arg_u32(slots, 0));
    return Error(ErrorCode::TrapHost, kNoOffset, "proc_exit");
  }
};

void BenchWasiShim::define(engine::runtime::Store& store, engine::runtime::Linker& linker) {
  constexpr ValType I32 = ValType::I32, I64 = ValType::I64;
  struct Def {
    const char* name;
    FuncType type;
    engine::runtime::HostCallback fn;
  };
  const Def defs[] = {
      {"args_get", {{I32, I32}, {I32}}, &Calls::args_get},
      {"args_sizes_get", {{I32, I32}, {I32}}, &Calls::args_sizes_get},
      {"fd_close", {{I32}, {I32}}, &Calls::fd_close},
      {"fd_fdstat_get", {{I32, I32}, {I32}}, &Calls::fd_fdstat_get},
      {"fd_seek", {{I32, I64, I32, I32}, {I32}}, &Calls::fd_seek},
      {"fd_write", {{I32, I32, I32, I32}, {I32}}, &Calls::fd_write},
      {"proc_exit", {{I32}, {}}, &Calls::proc_exit},
  };
  for (const Def& d : defs) {
    engine::runtime::Extern x;
    x.kind = engine::ir::ExternKind::Func;
    x.func = store.add_host_func(d.type, engine::runtime::HostFunc{d.fn, this});
    linker.define("wasi_snapshot_preview1", d.name, x);
  }
}

}  // namespace skiff::tools
