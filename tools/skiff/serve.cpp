#include "skiff/serve.h"

#include <cctype>
#include <cstdio>
#include <iostream>

#include "host/metrics.h"
#include "host/server.h"

namespace skiff::tools {

namespace {

// `skiff serve FILE.wasm`: one app at "/", named after the file, handler by its exports.
host::Manifest single_module(const std::string& path) {
  host::Manifest m;
  m.path = path;
  host::AppConfig app;
  std::string stem = path.substr(path.find_last_of('/') + 1);
  stem = stem.substr(0, stem.rfind('.'));
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  app.name = stem.empty() ? "app" : stem.substr(0, 64);
  app.module = path;
  app.routes.push_back({"/", {}});
  m.apps.push_back(std::move(app));
  return m;
}

}  // namespace

int serve(const ServeCliOptions& opts) {
  const bool is_wasm = opts.target.size() > 5 && opts.target.ends_with(".wasm");
  host::Manifest manifest;
  if (is_wasm) {
    manifest = single_module(opts.target);
  } else {
    auto m = host::load_manifest(opts.target);
    if (!m) {
      std::cerr << "skiff serve: " << m.error().context() << "\n";
      return 1;
    }
    manifest = std::move(*m);
  }
  for (host::AppConfig& a : manifest.apps) a.tier = opts.tier;
  host::ServeOptions so;
  so.listen = opts.listen;
  so.threads = opts.threads;
  so.workers = opts.workers;
  so.access_log = !opts.no_access_log;
  so.realtime = opts.realtime;
  so.handle_signals = true;
  auto server = host::Server::create(std::move(manifest), so);
  if (!server) {
    std::cerr << "skiff serve: " << server.error().context() << "\n";
    return 1;
  }
  host::Server& s = **server;
  std::cerr << "skiff serve: listening on http://" << s.address() << "\n";
  for (const host::AppConfig& a : s.manifest().apps)
    for (const host::Route& r : a.routes)
      std::cerr << "  " << a.name << "  http://" << s.address() << r.prefix << "\n";
  std::cerr.flush();
  s.run();  // logs "drained" (through the log, which gives up on a reader that stopped)
  return 0;
}

}  // namespace skiff::tools
