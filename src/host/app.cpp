#include "host/app.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "host/abi.h"
#include "engine/binary/module_file.h"
#include "wasi/wasi.h"

namespace skiff::host {

using namespace skiff::engine;

namespace {

Error app_error(const AppConfig& c, const std::string& what) {
  return Error(ErrorCode::ServeError, kNoOffset, "app \"" + c.name + "\": " + what);
}

bool exports_func(const ir::Module& m, std::string_view name) {
  for (const ir::Export& e : m.exports)
    if (e.name == name && e.kind == ir::ExternKind::Func) return true;
  return false;
}

}  // namespace

App::~App() {
  if (m_files_fd >= 0) ::close(m_files_fd);
}

Result<std::unique_ptr<App>> App::load(const AppConfig& config, KvStore* kv) {
  std::unique_ptr<App> app(new App(config));
  if (config.kv && !kv) return app_error(config, "kv = true but the server has no key-value store");
  app->m_kv = kv;
  for (const auto& [k, v] : config.env) app->m_env.push_back(k + "=" + v);
  if (config.module.starts_with("builtin:")) {
    if (config.module != kBuiltinHello)
      return app_error(config, "unknown builtin handler \"" + config.module + "\" (there is builtin:hello)");
    app->m_builtin = true;
    return app;
  }

  auto bytes = engine::binary::read_module_file(config.module);
  if (!bytes) return app_error(config, "cannot read module: " + std::string(bytes.error().context()));
  // Every request runs under a deadline; fuel only when the app sets a budget.
  interp::CodeOptions code;
  code.interruptible = true;
  code.fuel = config.limits.fuel > 0;
  auto compiled = interp::compile(std::move(*bytes), {}, code);
  if (!compiled) return app_error(config, config.module + ": " + compiled.error().to_string());
  app->m_code = std::move(*compiled);
  const ir::Module& m = app->m_code->module();
  if (config.tier == "llvm") {
    interp::NativeOptions nopts;
    nopts.cache_dir = engine::native::ArtifactCache::default_dir();
    if (auto r = interp::compile_native(*app->m_code, nopts); !r)
      return app_error(config, config.module + ": " + r.error().to_string());
  } else if (config.tier != "interp" && config.tier != "auto") {
    return app_error(config, "unknown tier \"" + config.tier + "\" (interp, llvm or auto)");
  }

  const bool has_native = exports_func(m, kNativeExport);
  const bool has_start = exports_func(m, "_start");
  switch (config.handler) {
    case HandlerKind::Auto: app->m_handler = has_native ? HandlerKind::Native : HandlerKind::Wagi; break;
    case HandlerKind::Native:
    case HandlerKind::Wagi: app->m_handler = config.handler; break;
  }
  if (app->m_handler == HandlerKind::Native && !has_native)
    return app_error(config, "handler = \"native\" but the module does not export a function \"skiff_handle\"");
  if (app->m_handler == HandlerKind::Wagi && !has_start)
    return app_error(config, "the module exports neither \"skiff_handle\" (native handler) nor \"_start\" (WAGI)");
  // The entry points take and return nothing.
  app->m_has_initialize = app->m_handler == HandlerKind::Native && exports_func(m, "_initialize");
  app->m_waits_outside = host::waits_outside(m, config);
  for (const ir::Export& e : m.exports) {
    const bool entry = e.name == (app->m_handler == HandlerKind::Native ? kNativeExport : "_start") ||
                       (app->m_has_initialize && e.name == "_initialize");
    if (!entry || e.kind != ir::ExternKind::Func) continue;
    const ir::FuncType& t = m.func_type(ir::FuncIdx(e.index));
    if (!t.params.empty() || !t.results.empty())
      return app_error(config, "\"" + e.name + "\" must take no parameters and return nothing");
  }

  // WASI and the skiff ABI, once, in the app's own host store; each request's store
  // points them at its own contexts (host slots).
  runtime::Linker linker;
  wasi::WasiCtx::define_shared(app->m_host_store, linker);
  define_abi(app->m_host_store, linker);
  auto imports = linker.resolve(m);
  if (!imports) {
    const Error& e = imports.error();
    return app_error(config, "link error: " + std::string(e.message()) + " " + std::string(e.context()) +
                                 " (skiff serve provides wasi_snapshot_preview1 and skiff)");
  }
  // Translate every function now, so that no request pays for it.
  SKIFF_TRY(app->m_code->translate_all());
  auto pre = interp::prepare(app->m_code, std::move(*imports));
  if (!pre) return app_error(config, "cannot prepare instances: " + pre.error().to_string());
  app->m_pre = std::move(*pre);

  if (config.files) {
    app->m_files_fd = ::open(config.files->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (app->m_files_fd < 0)
      return app_error(config, "cannot open files directory " + *config.files + ": " + std::strerror(errno));
  }
  return app;
}

}  // namespace skiff::host
