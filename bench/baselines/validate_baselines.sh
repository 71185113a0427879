#!/usr/bin/env bash
# Baseline decode+validate throughput of existing engines on a corpus of .wasm files (e.g. the
# output of bench/corpus/build.sh), for comparison with skiff's own validation benchmark.
#
#   usage: bench/baselines/validate_baselines.sh OUTDIR_OR_FILE...
#   env:   V8_MIN_TIME (seconds per file and V8 mode, default 1), WABT_RUNS (default 10)
#
# A directory argument means the *.wasm files directly inside it. Output, one line per
# measurement (lines starting with '#' are comments; MB = 10^6 bytes; times in milliseconds):
#
#   v8     <file> <MB/s> <median_ms> <cpu_ms> <calls>   node, WebAssembly.validate, V8 defaults
#   v8-1t  <file> <MB/s> <median_ms> <cpu_ms> <calls>   same with node --single-threaded
#   wabt   <file> <median_ms> <MB/s> <min_ms> <runs>    `wasm-validate FILE` as a whole process
#   wabt-empty - <median_ms> - <min_ms> <runs>          wasm-validate on an empty module, i.e.
#                                                       the process start-up part of the above
#
# V8 notes (node 20 / V8 11.3): WebAssembly.validate() always decodes the module and validates
# every function body eagerly. --wasm-lazy-validation (default off) only affects lazily compiled
# functions, not validate(); we still pass --no-wasm-lazy-validation to pin that down. By default
# V8 validates function bodies on background threads as well (cpu_ms > median_ms shows it), so
# the v8-1t line (--single-threaded: no background tasks) is the fair single-thread comparison.
#
# wasm-validate timing uses hyperfine when installed, else a bash loop over $EPOCHREALTIME; each
# file gets 2 warm-up runs first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
V8_MIN_TIME=${V8_MIN_TIME:-1}
WABT_RUNS=${WABT_RUNS:-10}

die() { echo "validate_baselines.sh: error: $*" >&2; exit 1; }

[ "$#" -gt 0 ] || die "usage: $0 OUTDIR_OR_FILE... (e.g. build/bench-corpus)"
[[ "$WABT_RUNS" =~ ^[1-9][0-9]*$ ]] || die "WABT_RUNS must be a positive integer"

files=()
for a in "$@"; do
  if [ -d "$a" ]; then
    found=0
    for f in "$a"/*.wasm; do
      [ -f "$f" ] || continue
      files+=("$f")
      found=1
    done
    [ "$found" -eq 1 ] || die "no .wasm files in directory $a"
  elif [ -f "$a" ]; then
    files+=("$a")
  else
    die "no such file or directory: $a"
  fi
done

have_node=1
command -v node >/dev/null || { have_node=0; echo "validate_baselines.sh: warning: node not found, skipping V8" >&2; }
command -v wasm-validate >/dev/null || die "wasm-validate not found (Debian package wabt)"
have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# wabt_times <file>: prints "<median_ms> <min_ms>" over WABT_RUNS runs of wasm-validate FILE.
wabt_times() {
  local f=$1 i t0 t1
  if [ "$have_hyperfine" -eq 1 ]; then
    hyperfine -N --style none --warmup 2 --runs "$WABT_RUNS" --export-json "$tmp/h.json" \
      "wasm-validate $(printf '%q' "$f")" >/dev/null 2>&1 || die "hyperfine / wasm-validate failed on $f"
    node -e 'const r = require(process.argv[1]).results[0];
      console.log((r.median * 1e3).toFixed(3), (r.min * 1e3).toFixed(3));' "$tmp/h.json"
    return
  fi
  wasm-validate "$f" >/dev/null 2>&1 || die "wasm-validate rejects $f"
  wasm-validate "$f" >/dev/null 2>&1
  : >"$tmp/times"
  for ((i = 0; i < WABT_RUNS; i++)); do
    t0=${EPOCHREALTIME/[.,]/}  # microseconds
    wasm-validate "$f" >/dev/null 2>&1
    t1=${EPOCHREALTIME/[.,]/}
    echo $((t1 - t0)) >>"$tmp/times"
  done
  sort -n "$tmp/times" | awk '{ v[NR] = $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
          printf "%.3f %.3f\n", m / 1000, v[1] / 1000 }'
}

[ -n "${EPOCHREALTIME:-}" ] || [ "$have_hyperfine" -eq 1 ] || die "needs bash >= 5 (EPOCHREALTIME) or hyperfine"

echo "# validate_baselines: $(date -u +%Y-%m-%dT%H:%M:%SZ) host=$(uname -n) cpus=$(nproc)" \
  "cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\""
if [ "$have_node" -eq 1 ]; then
  echo "# node $(node --version) V8 $(node -p process.versions.v8); flags: --no-wasm-lazy-validation [--single-threaded]"
fi
echo "# wabt $(wasm-validate --version) wasm-validate; timer: $([ "$have_hyperfine" -eq 1 ] && echo hyperfine || echo bash-EPOCHREALTIME); runs=$WABT_RUNS"

status=0
# An empty module (magic + version only) measures wasm-validate's process start-up cost.
printf '\0asm\1\0\0\0' >"$tmp/empty.wasm"
read -r med min <<<"$(wabt_times "$tmp/empty.wasm")"
echo "wabt-empty - $med - $min $WABT_RUNS"

for f in "${files[@]}"; do
  bytes=$(stat -c %s "$f")
  if [ "$have_node" -eq 1 ]; then
    node --no-wasm-lazy-validation "$here/v8_validate.js" --label=v8 --min-time="$V8_MIN_TIME" "$f" || status=1
    node --no-wasm-lazy-validation --single-threaded "$here/v8_validate.js" --label=v8-1t \
      --min-time="$V8_MIN_TIME" "$f" || status=1
  fi
  read -r med min <<<"$(wabt_times "$f")"
  mbps=$(awk -v b="$bytes" -v ms="$med" 'BEGIN { printf "%.1f", b / 1e6 / (ms / 1000) }')
  echo "wabt $f $med $mbps $min $WABT_RUNS"
done
exit "$status"
