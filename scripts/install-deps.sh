#!/usr/bin/env bash
# Installs the Debian 12 packages skiff builds and tests with. Idempotent: installs only
# what is missing, and does nothing (no apt-get update) when everything is present.
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build pkg-config python3
  clang lld libclang-rt-14-dev            # libFuzzer + sanitizers for the fuzz preset
  wasi-libc libclang-rt-14-dev-wasm32     # clang --target=wasm32-wasi guests
  wabt binaryen                           # wast2json / wasm-validate; wasm-opt -ttf, --asyncify
  dpkg-dev tcl make                       # apt-get source + SQLite amalgamation (bench/corpus)
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
  libboost-dev libtomlplusplus-dev libsqlite3-dev   # skiff serve: Asio/Beast, manifests, KV
  curl wrk                                # serve end-to-end tests and load benchmark
  nginx-light                             # bench/serve.sh's reference server (never started as a service)
  nodejs                                  # V8 baseline for benchmarks
  llvm-19-dev                             # the LLVM tier (skiff-llvmc)
  libssl-dev                              # SHA-256 of modules (compiled-code cache, artifacts)
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Packages with services (nginx) must not start them: Debian's policy-rc.d answer 101
# ("not allowed") for the duration of the install, unless the machine already has one.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy" && own_policy=1
fi
status=0
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
if [ -n "$own_policy" ]; then $SUDO rm -f "$policy"; fi
exit $status
