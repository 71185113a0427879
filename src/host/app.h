#pragma once
// One deployed app of `skiff serve`: its manifest entry, its compiled module and
// everything a request needs that can be prepared once: the host functions (WASI and
// the skiff ABI, defined once in a store of the app's own and bound per request through
// host slots), the InstancePre, the app's files directory (opened once, lent to every
// request read-only) and its key-value namespace. Immutable after load() and shared by
// every worker thread; per-request state lives in Sandbox (sandbox.h).

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/interp/interpreter.h"
#include "engine/runtime/instance_pre.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "host/manifest.h"
#include "host/outbound.h"

namespace skiff::host {

class KvStore;

class App {
 public:
  // Reads, compiles and links the module of `config`. `kv` (may be null when no app
  // uses one) is the server's store; it must outlive the app. Errors name the app.
  static Result<std::unique_ptr<App>> load(const AppConfig& config, KvStore* kv);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  const AppConfig& config() const { return m_config; }
  const std::string& name() const { return m_config.name; }
  // Wagi or Native, never Auto (decided at load from the module's exports).
  HandlerKind handler() const { return m_handler; }
  const engine::runtime::InstancePre& pre() const { return *m_pre; }
  const engine::interp::CompiledModule& code() const { return *m_code; }
  // The same, shared (null for a builtin): what a background compile holds on to.
  const std::shared_ptr<const engine::interp::CompiledModule>& shared_code() const { return m_code; }
  // `module = "builtin:hello"`: no module at all; the server answers "Hello, world!"
  // itself through the same request path. The baseline bench/serve.sh measures the
  // sandbox against (a native handler in the same server).
  bool builtin() const { return m_builtin; }
  static constexpr std::string_view kBuiltinHello = "builtin:hello";
  static constexpr std::string_view kBuiltinHelloBody = "Hello, world!\n";
  // A native handler built as a WASI reactor exports `_initialize` (no parameters, no
  // results), called in each fresh instance before skiff_handle.
  bool has_initialize() const { return m_has_initialize; }
  // Whether its guests can wait on something outside their sandbox (abi.h).
  bool waits_outside() const { return m_waits_outside; }
  // The manifest's environment as "KEY=VALUE", built once for every request.
  const std::vector<std::string>& env() const { return m_env; }
  // The files directory, or -1.
  int files_fd() const { return m_files_fd; }
  KvStore* kv() const { return m_kv; }
  // Name lookups for its outbound requests (one budget of lookup threads per app).
  const Resolver& resolver() const { return m_resolver; }

  // The export a native handler must have, `void skiff_handle(void)`.
  static constexpr const char* kNativeExport = "skiff_handle";

 private:
  explicit App(const AppConfig& config) : m_config(config) {}

  AppConfig m_config;
  HandlerKind m_handler = HandlerKind::Wagi;
  std::shared_ptr<const engine::interp::CompiledModule> m_code;
  engine::runtime::Store m_host_store;  // the shared host functions
  std::shared_ptr<const engine::runtime::InstancePre> m_pre;
  std::vector<std::string> m_env;
  int m_files_fd = -1;
  bool m_has_initialize = false;
  bool m_waits_outside = false;
  bool m_builtin = false;
  KvStore* m_kv = nullptr;
  Resolver m_resolver;
};

}  // namespace skiff::host
