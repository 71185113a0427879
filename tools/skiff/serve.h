#pragma once
// `skiff serve`: a manifest (skiff.toml) or one module served as a WAGI app at "/".

#include <string>

namespace skiff::tools {

struct ServeCliOptions {
  std::string target;  // skiff.toml, or FILE.wasm
  std::string listen;  // --listen
  unsigned threads = 0;
  unsigned workers = 0;
  bool no_access_log = false;
  bool realtime = false;  // --realtime
  std::string tier = "interp";  // --tier interp|llvm|auto, for every app
};

// Exit codes: 0 after a graceful drain, 1 for a bad manifest/module or a listen failure.
int serve(const ServeCliOptions& opts);

}  // namespace skiff::tools
