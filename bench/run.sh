#!/usr/bin/env bash
# `make bench`: every benchmark, each printing ratios against peers measured in the same run.
# Usage: bench/run.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../build/release}
# Decode + validate throughput (also sets up deb-src, which the wabt build below needs).
"$here/validate.sh" "$build"
# Instantiation: instantiate+call+teardown beside node, density, whole-process hello.
"$here/instantiate.sh" "$build"
# skiff serve under wrk, beside a native handler in the same server and nginx.
"$here/serve.sh" "$build"
# CPU workloads: native gcc -O2, node (V8), wabt's wasm-interp (rebuilt with WASI from
# Debian's source package), and skiff (`skiff run`).
"$here/cpu/build.sh"
"$here/cpu/build-wabt-wasi.sh"
if "$build/tools/skiff" run --help >/dev/null 2>&1; then
  "$here/cpu/run.sh" --skiff "$build/tools/skiff"
else
  "$here/cpu/run.sh"
fi
