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

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "platform/beneath.h"

namespace skiff::wasi {

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

  // The code the guest passed to proc_exit, once it has.
  std::optional<int> exit_code() const { return m_exit_code; }

  struct Calls;  // the host functions (wasi.cpp, fs.cpp)

 private:
  explicit WasiCtx(WasiConfig config);

  WasiConfig m_config;
  platform::Beneath m_beneath;
  std::unique_ptr<FdTable> m_fds;
  std::optional<int> m_exit_code;
};

}  // namespace skiff::wasi
