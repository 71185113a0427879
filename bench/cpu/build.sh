#!/usr/bin/env bash
# Builds every bench/cpu/workloads/*.c natively (gcc -O2) and to wasm32-wasi (clang -O2).
# Usage: bench/cpu/build.sh [OUTDIR]   (default build/bench-cpu, relative to the repo root)
# A workload may add wasm-only flags with a "// WASM_CFLAGS: ..." line (e.g. -msimd128).
# Up-to-date outputs (newer than their source and this script) are skipped.
# The speedtest1 row (SQLite) is built by bench/corpus/build.sh in $BENCH_CORPUS (default
# build/bench-corpus): sqlite-speedtest1.wasm and native/sqlite-speedtest1 ($CC_NATIVE -O2);
# skipped when BENCH_ONLY leaves it out. If that fails, this warns and run.sh reports the row.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/bench-cpu}
CC_NATIVE=${CC_NATIVE:-gcc}
CC_WASM=${CC_WASM:-clang}

die() { echo "bench/cpu/build.sh: error: $*" >&2; exit 1; }
command -v "$CC_NATIVE" >/dev/null || die "native compiler '$CC_NATIVE' not found (install gcc or set CC_NATIVE)"
command -v "$CC_WASM" >/dev/null || die "wasm compiler '$CC_WASM' not found (install clang, lld, wasi-libc, libclang-rt-14-dev-wasm32)"
mkdir -p "$out/native" "$out/wasm" || die "cannot create $out"

shopt -s nullglob
srcs=("$here"/workloads/*.c)
((${#srcs[@]})) || die "no workloads in $here/workloads"
srcs+=("$here/startup.c")  # fixed-cost baseline, not a workload

fresh() { [[ -f $1 && $1 -nt $2 && $1 -nt "$here/build.sh" ]]; }

built=0 skipped=0
for src in "${srcs[@]}"; do
    name=$(basename "$src" .c)
    nat=$out/native/$name wasm=$out/wasm/$name.wasm
    if fresh "$nat" "$src"; then skipped=$((skipped + 1)); else
        "$CC_NATIVE" -O2 -o "$nat.tmp" "$src" -lm || die "native build of $name failed ($CC_NATIVE -O2 $src)"
        mv -f "$nat.tmp" "$nat"; built=$((built + 1))
    fi
    extra=$(sed -n 's|^// WASM_CFLAGS:||p' "$src" | head -n1)
    if fresh "$wasm" "$src"; then skipped=$((skipped + 1)); else
        # shellcheck disable=SC2086
        "$CC_WASM" --target=wasm32-wasi -O2 $extra -o "$wasm.tmp" "$src" -lm ||
            die "wasm build of $name failed ($CC_WASM --target=wasm32-wasi -O2 $extra $src)"
        mv -f "$wasm.tmp" "$wasm"; built=$((built + 1))
    fi
done
echo "bench/cpu: $((${#srcs[@]} - 1)) workloads + startup in $out (built $built, up to date $skipped)"

if [[ -z ${BENCH_ONLY:-} || " $BENCH_ONLY " == *" speedtest1 "* ]]; then
    corpus=${BENCH_CORPUS:-$root/build/bench-corpus} log=$out/corpus-build.log
    if NATIVE_CC=$CC_NATIVE "$root/bench/corpus/build.sh" "$corpus" sqlite-speedtest1 \
        native/sqlite-speedtest1 >"$log" 2>&1; then
        echo "bench/cpu: speedtest1 (SQLite, sqlite-speedtest1.wasm + native/sqlite-speedtest1) in $corpus"
    else
        echo "bench/cpu/build.sh: warning: bench/corpus/build.sh $corpus sqlite-speedtest1" \
            "native/sqlite-speedtest1 failed (log: $log); row speedtest1 will say missing" >&2
    fi
fi
