#!/usr/bin/env bash
# WAMR's ahead-of-time tier, for the wamr-aot column of bench/cpu/run.sh. WAMR is not
# packaged for Debian 12, so this builds it from a source tree you bring (for example a
# snapshot of github.com/bytecodealliance/wasm-micro-runtime; it is never part of this
# repository): `wamrc`, its LLVM compiler, against Debian's LLVM 19 (WAMR's own scripts
# build LLVM 18; 2.4.3 builds and runs with 19), and `iwasm` with the AOT loader, SIMD and
# WASI, without an interpreter (its fast interpreter's SIMD wants SIMDe from the network).
# About 6 min on 2 cores.
# Usage: bench/cpu/build-wamr.sh WAMR_SOURCE [OUTDIR]   -> OUTDIR/wamr/{wamrc,iwasm}
#   OUTDIR defaults to build/bench-cpu; run.sh finds OUTDIR/wamr there, or --wamr DIR.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
die() { echo "bench/cpu/build-wamr.sh: error: $*" >&2; exit 1; }
src=${1:?usage: build-wamr.sh WAMR_SOURCE [OUTDIR]}
[[ -f $src/core/version.h && -d $src/wamr-compiler ]] || die "$src is not a wasm-micro-runtime source tree"
src=$(cd "$src" && pwd)
out=${2:-$root/build/bench-cpu}
mkdir -p "$out/wamr" && dest=$(cd "$out/wamr" && pwd)
llvm=/usr/lib/llvm-19/lib/cmake/llvm
[[ -d $llvm ]] || die "Debian's llvm-19-dev is not installed (scripts/install-deps.sh)"
for t in cmake make cc c++; do command -v $t >/dev/null || die "$t not found"; done
jobs=$(nproc)

cmake -S "$src/wamr-compiler" -B "$dest/build-wamrc" -DCMAKE_BUILD_TYPE=Release \
    -DWAMR_BUILD_WITH_CUSTOM_LLVM=1 -DLLVM_DIR="$llvm" >"$dest/wamrc.log" 2>&1 ||
    die "configuring wamrc failed: $dest/wamrc.log"
make -C "$dest/build-wamrc" -j"$jobs" >>"$dest/wamrc.log" 2>&1 || die "building wamrc failed: $dest/wamrc.log"
cmake -S "$src/product-mini/platforms/linux" -B "$dest/build-iwasm" -DCMAKE_BUILD_TYPE=Release \
    -DWAMR_BUILD_AOT=1 -DWAMR_BUILD_SIMD=1 -DWAMR_BUILD_LIBC_WASI=1 \
    -DWAMR_BUILD_INTERP=0 -DWAMR_BUILD_FAST_INTERP=0 >"$dest/iwasm.log" 2>&1 ||
    die "configuring iwasm failed: $dest/iwasm.log"
make -C "$dest/build-iwasm" -j"$jobs" >>"$dest/iwasm.log" 2>&1 || die "building iwasm failed: $dest/iwasm.log"
cp "$dest/build-wamrc/wamrc" "$dest/build-iwasm/iwasm" "$dest/"
version=$(sed -n 's/^#define WAMR_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' "$src/core/version.h" | paste -sd.)
echo "$version" >"$dest/VERSION"
echo "bench/cpu: WAMR $version built: $dest/wamrc, $dest/iwasm"
