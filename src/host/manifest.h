#pragma once
// The deployment manifest of `skiff serve` (skiff.toml): the server's settings and the
// apps it serves, each with its routes, module, limits and capabilities. Parsing checks
// everything a server needs before it starts; every error names the file, line and
// column and the offending key. Paths in the manifest are relative to its directory and
// come out absolute-or-as-joined here; whether files exist is checked when apps load.
//
//   [server]
//   listen = "127.0.0.1:8080"      # --listen overrides
//   threads = 2                    # io threads (--threads overrides); 0 = one per core
//   workers = 0                    # sandbox threads that run guests; 0 = one per core
//   max_header_bytes = "16KiB"     # request line + headers (1KiB to 64KiB)
//   header_timeout = "10s"         # a client must send its headers (and body) within this
//                                  # (slowloris), and take a response within it
//   idle_timeout = "30s"           # keep-alive connections idle longer are closed
//   drain_timeout = "30s"          # SIGTERM: how long in-flight requests may take
//   state_dir = ".skiff"           # key-value databases live here
//   realtime = false               # io threads SCHED_FIFO (--realtime): docs/serve.md
//
//   [[app]]
//   name = "hello"                 # [A-Za-z0-9_-]{1,64}, unique
//   module = "hello.wasm"          # file path (URL and OCI references come later)
//   handler = "wagi"               # "wagi" | "native"; default: native when the module
//                                  # exports `skiff_handle`, else wagi (decided at load)
//   routes = ["/hello", { prefix = "/api", methods = ["GET", "POST"] }]
//   files = "public"               # a directory the guest sees read-only at "/"
//   allowed_hosts = ["127.0.0.1:9000"]   # outbound HTTP allowlist (host:port)
//   kv = true                      # a key-value namespace of its own
//   [app.limits]
//   memory = "64MiB"  timeout = "5s"  fuel = 0 (off)  max_concurrent = 16
//   max_queue = 64    max_body = "1MiB"
//   [app.env]     KEY = "value"    # environment variables of the guest
//   [app.config]  key = "value"    # config variables (native ABI: skiff_config_get)

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace skiff::host {

enum class HandlerKind : uint8_t { Auto, Wagi, Native };

struct Route {
  std::string prefix;                // starts with '/'; "/" matches everything
  std::vector<std::string> methods;  // upper case; empty = every method
};

struct AppLimits {
  uint64_t memory_bytes = 64ull << 20;  // linear memory cap
  uint64_t timeout_ns = 5'000'000'000;  // wall time per request
  uint64_t fuel = 0;                     // 0 = no fuel limit
  uint32_t max_concurrent = 16;          // instances running at once
  uint32_t max_queue = 64;               // requests waiting beyond that, then 503
  uint64_t max_body_bytes = 1ull << 20;  // request body
};

struct AppConfig {
  std::string name;
  std::string module;  // path (resolved against the manifest's directory)
  HandlerKind handler = HandlerKind::Auto;
  std::vector<Route> routes;
  std::optional<std::string> files;        // directory (resolved), read-only at "/"
  std::vector<std::string> allowed_hosts;  // "host:port"
  bool kv = false;
  AppLimits limits;
  std::vector<std::pair<std::string, std::string>> env;  // in manifest order
  std::map<std::string, std::string, std::less<>> config;  // found by string_view, no copy
  uint32_t line = 0;  // where the [[app]] table starts, for later errors
  // Which tier runs the app's functions: "interp", "llvm" (compiled once at load,
  // through the compiled-code cache) or "auto" (the interpreter serves while the
  // server's TierUp compiles in the background). Set by `skiff serve --tier`.
  std::string tier = "interp";
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  uint32_t threads = 0;
  uint32_t workers = 0;
  uint64_t max_header_bytes = 16 * 1024;
  uint64_t header_timeout_ns = 10'000'000'000;
  uint64_t idle_timeout_ns = 30'000'000'000;
  uint64_t drain_timeout_ns = 30'000'000'000;
  std::string state_dir = ".skiff";  // resolved against the manifest's directory
  bool realtime = false;
};

struct Manifest {
  std::string path;  // where it was read from ("" when parsed from a string)
  ServerConfig server;
  std::vector<AppConfig> apps;
};

// Parses manifest text. `path` names the file in errors and `base_dir` resolves the
// relative paths in it. Errors: ManifestInvalid, context "PATH:LINE:COL: message".
Result<Manifest> parse_manifest(std::string_view text, const std::string& path, const std::string& base_dir);
// Reads and parses a file (base_dir = its directory).
Result<Manifest> load_manifest(const std::string& path);

// The app a request goes to: the longest matching route prefix (a prefix matches a path
// equal to it or continuing with '/'; "/" matches all). `method_allowed` is false when
// the path matched only routes that exclude the method (405 rather than 404).
struct RouteMatch {
  const AppConfig* app = nullptr;
  const Route* route = nullptr;  // the route of `app` that matched
  bool method_allowed = false;
};
RouteMatch match_route(const Manifest& m, std::string_view method, std::string_view path);
// Sizes and durations in the manifest use base/units.h (the CLI flags' syntax).

}  // namespace skiff::host
