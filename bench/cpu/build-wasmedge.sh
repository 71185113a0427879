#!/usr/bin/env bash
# WasmEdge's ahead-of-time tier, for the wasmedge-aot column of bench/cpu/run.sh. WasmEdge
# is not packaged for Debian 12, so this builds it from a source tree you bring (for
# example a snapshot of github.com/WasmEdge/WasmEdge; it is never part of this
# repository) against Debian's LLVM 19, lld 19, spdlog and fmt, which it installs if
# missing: the `wasmedge` tool (`wasmedge compile` and the runtime), no plug-ins, no
# tests. About 20 min on 2 cores.
# Usage: bench/cpu/build-wasmedge.sh WASMEDGE_SOURCE [OUTDIR]   -> OUTDIR/wasmedge/wasmedge
#   OUTDIR defaults to build/bench-cpu; run.sh finds OUTDIR/wasmedge there, or --wasmedge DIR.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
die() { echo "bench/cpu/build-wasmedge.sh: error: $*" >&2; exit 1; }
src=${1:?usage: build-wasmedge.sh WASMEDGE_SOURCE [OUTDIR]}
[[ -f $src/CMakeLists.txt && -d $src/lib/llvm ]] || die "$src is not a WasmEdge source tree"
src=$(cd "$src" && pwd)
out=${2:-$root/build/bench-cpu}
mkdir -p "$out/wasmedge" && dest=$(cd "$out/wasmedge" && pwd)
[[ -d /usr/lib/llvm-19/lib/cmake/llvm ]] || die "Debian's llvm-19-dev is not installed (scripts/install-deps.sh)"
for t in cmake ninja c++ dpkg-query apt-get; do command -v $t >/dev/null || die "$t not found"; done
need=()
for p in libspdlog-dev libfmt-dev liblld-19-dev libzstd-dev zlib1g-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if ((${#need[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >"$dest/apt.log" 2>&1 ||
        die "cannot install ${need[*]}: $dest/apt.log"
fi

cmake -S "$src" -B "$dest/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DWASMEDGE_USE_LLVM=ON -DWASMEDGE_BUILD_PLUGINS=OFF -DWASMEDGE_BUILD_TESTS=OFF \
    -DLLVM_DIR=/usr/lib/llvm-19/lib/cmake/llvm -DLLD_DIR=/usr/lib/llvm-19/lib/cmake/lld \
    >"$dest/build.log" 2>&1 || die "configuring WasmEdge failed: $dest/build.log"
ninja -C "$dest/build" >>"$dest/build.log" 2>&1 || die "building WasmEdge failed: $dest/build.log"
# A link, not a copy: the tool finds libwasmedge.so through its build-tree run path.
ln -sf "$dest/build/tools/wasmedge/wasmedge" "$dest/wasmedge"
"$dest/wasmedge" --version >"$dest/VERSION" 2>&1 || die "the built wasmedge does not start"
echo "bench/cpu: $(cat "$dest/VERSION") built: $dest/wasmedge"
