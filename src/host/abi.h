#pragma once
// The skiff host ABI (import module "skiff"; sdk/c/skiff.h is the guest's side and
// docs/abi.md the reference): the request, the response of a native handler, config
// variables, the app's key-value namespace and allowlisted outbound HTTP. The functions
// are defined once per app (in the app's host store) and find the request they serve
// through the calling store's host slot kRequestSlot (a call without one traps).

#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"

namespace skiff::host {

void define_abi(engine::runtime::Store& store, engine::runtime::Linker& linker);

}  // namespace skiff::host
