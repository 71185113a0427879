#pragma once
// WASI preview 1 (`wasi_snapshot_preview1`), deny by default: a guest sees the argv and
// environment it is given, stdin/stdout/stderr, the directories preopened for it (every
// path resolved beneath its preopen, platform/beneath.h) and the listening sockets
// preopened for it — nothing else of the host.
//
// A WasiCtx is one guest's view (its descriptor table, exit status); define() adds the
// 46 functions to a Store and names them in a Linker. Functions return WASI errnos to
// the guest; only proc_exit (ErrorCode::WasiExit, see exit_code()) and a guest handing
// us memory we cannot read stop the guest.

#include <sys/uio.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "platform/beneath.h"
#include "wasi/abi.h"

namespace skiff::wasi {

// The Store host slot (Store::host_slot) that define_shared()'s functions read their
// WasiCtx from.
inline constexpr size_t kWasiSlot = 0;

// A stdio stream kept in host memory instead of a host descriptor: `skiff serve` gives
// a guest the request body as stdin and captures its stdout. Called on the guest's
// thread, like readv/writev: `n` is what moved (a read of 0 is the end); an errno fails
// the call.
class Stream {
 public:
  virtual ~Stream() = default;
  virtual Errno read(std::span<const iovec> iov, uint64_t& n);    // default: Badf
  virtual Errno write(std::span<const iovec> iov, uint64_t& n);   // default: Badf
};

// Reads `bytes` (borrowed; must outlive the guest's use), then end of stream.
class MemoryInput final : public Stream {
 public:
  explicit MemoryInput(std::span<const uint8_t> bytes = {}) : m_bytes(bytes) {}
  void reset(std::span<const uint8_t> bytes) { m_bytes = bytes; m_pos = 0; }
  Errno read(std::span<const iovec> iov, uint64_t& n) override;

 private:
  std::span<const uint8_t> m_bytes;
  size_t m_pos = 0;
};

// Appends what the guest writes to data(), up to `limit` bytes in all; a write past it
// fails with Fbig (nothing of it kept), so a guest cannot grow the host without bound.
class MemoryOutput final : public Stream {
 public:
  explicit MemoryOutput(size_t limit = SIZE_MAX) : m_limit(limit) {}
  Errno write(std::span<const iovec> iov, uint64_t& n) override;
  std::string& data() { return m_data; }
  void clear() { m_data.clear(); }

 private:
  std::string m_data;
  size_t m_limit;
};

struct Preopen {
  std::string host;   // a directory on the host
  std::string guest;  // the name the guest sees (fd_prestat_dir_name)
  bool read_only = false;
};

struct WasiConfig {
  std::vector<std::string> args;  // argv, argv[0] included
  std::vector<std::string> env;   // "KEY=VALUE"
  std::vector<Preopen> dirs;
  std::vector<std::string> listen;  // "HOST:PORT" ("127.0.0.1:0", "[::1]:8080"): preopened listeners
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;  // host descriptors (borrowed, not closed)
  // In-memory stdio instead of the descriptors above (borrowed; must outlive the context).
  Stream* stdin_stream = nullptr;
  Stream* stdout_stream = nullptr;
  Stream* stderr_stream = nullptr;
  // Directory descriptors to preopen without opening anything (borrowed: the context
  // neither closes them nor lets the guest close them), e.g. an app's files opened once
  // by a server for every request. Rights as for `dirs`.
  struct BorrowedDir {
    int fd = -1;
    std::string guest;
    bool read_only = true;
  };
  std::vector<BorrowedDir> borrowed_dirs;
  platform::Beneath::Mode resolve = platform::Beneath::Mode::Auto;
};

class FdTable;

class WasiCtx {
 public:
  // Opens the preopens and listeners. Errors (ErrorCode::WasiConfig) name the bad item.
  static Result<std::unique_ptr<WasiCtx>> create(WasiConfig config);
  ~WasiCtx();
  WasiCtx(const WasiCtx&) = delete;
  WasiCtx& operator=(const WasiCtx&) = delete;

  // Adds every wasi_snapshot_preview1 function to `store` and names it in `linker`.
  // The context must outlive the store.
  void define(engine::runtime::Store& store, engine::runtime::Linker& linker);
  // The same functions bound to no context: each call uses the WasiCtx in the calling
  // store's host slot kWasiSlot (a call from a store without one traps). Define them once
  // in a long-lived store and instantiate any number of stores from one InstancePre.
  static void define_shared(engine::runtime::Store& store, engine::runtime::Linker& linker);

  // The code the guest passed to proc_exit, once it has.
  std::optional<int> exit_code() const { return m_exit_code; }
  // The environment list, moved out for reuse (a server gives the next request's
  // variables the same strings' buffers); the context has none after.
  std::vector<std::string> take_env() { return std::move(m_config.env); }

  struct Calls;  // the host functions (wasi.cpp, fs.cpp)

 private:
  explicit WasiCtx(WasiConfig config);

  WasiConfig m_config;
  platform::Beneath m_beneath;
  std::unique_ptr<FdTable> m_fds;
  std::optional<int> m_exit_code;
};

}  // namespace skiff::wasi
