#pragma once
// The skiff host ABI (import module "skiff"; sdk/c/skiff.h is the guest's side and
// docs/abi.md the reference): the request, the response of a native handler, config
// variables, the app's key-value namespace and allowlisted outbound HTTP. The functions
// are defined once per app (in the app's host store) and find the request they serve
// through the calling store's host slot kRequestSlot (a call without one traps).

#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "host/manifest.h"

namespace skiff::host {

void define_abi(engine::runtime::Store& store, engine::runtime::Linker& linker);

// Whether a guest of `m`, with the capabilities of `app`, can wait on something outside
// its sandbox: it imports a key-value call and has `kv`, or skiff_http_request and an
// allowlist. Such an app never runs on an io thread (server.cpp): SQLite's locks and an
// outbound peer can take as long as the app's timeout, and a write or request done there
// could not be undone to run the request again on a worker.
bool waits_outside(const engine::ir::Module& m, const AppConfig& app);

}  // namespace skiff::host
