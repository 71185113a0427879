#!/usr/bin/env bash
# Bounded libFuzzer runs under ASan/UBSan: decode+validate, seeded with the built fixtures
# and spec-test modules, then platform::Beneath (path resolution beneath a preopen),
# seeded with tests/fuzz/corpus_beneath. The time budget (SKIFF_FUZZ_SECONDS, default 45)
# is split 2:1 between them. Part of `make test`; a long run is documented in the README
# (scripts/fuzz-long.sh). Exit 77 = skipped (ctest SKIP_RETURN_CODE); any fuzzer failure
# exits 1.
# Usage: fuzz-smoke.sh FUZZ_BUILD_DIR SEED_DIR...
set -euo pipefail
fuzz_dir=${1:-}
shift || true
bin="$fuzz_dir/tests/fuzz/decode_validate_fuzzer"
beneath_bin="$fuzz_dir/tests/fuzz/beneath_fuzzer"
if [ -z "$fuzz_dir" ] || [ ! -x "$bin" ]; then
  echo "skipped: no fuzz build (configure with -DSKIFF_FUZZ_DIR=build/fuzz after 'cmake --build --preset fuzz'; 'make test' does both)"
  exit 77
fi
seconds=${SKIFF_FUZZ_SECONDS:-45}
decode_seconds=$((seconds * 2 / 3))
[ "$decode_seconds" -ge 1 ] || decode_seconds=1
beneath_seconds=$((seconds - decode_seconds))
[ "$beneath_seconds" -ge 1 ] || beneath_seconds=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs one fuzzer with the output filtered; returns the fuzzer's own exit status.
# (libFuzzer's default -error_exitcode is 77, ctest's skip code: a crash must say 1.)
run_fuzzer() {
  local fuzzer=$1 status
  shift
  set +e
  "$fuzzer" -error_exitcode=1 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$@" 2>&1 |
    grep -E 'stat::|INFO: Running|Done|ERROR|SUMMARY|==[0-9]+==|#[0-9]+.*DONE|beneath_fuzzer:'
  status=${PIPESTATUS[0]}
  set -e
  return "$status"
}

failed=0
seeds=()
for d in "$@"; do [ -d "$d" ] && seeds+=("$d"); done
mkdir -p "$work/decode_validate"
echo "fuzz smoke: $bin for ${decode_seconds}s, seeds: ${seeds[*]:-none}"
run_fuzzer "$bin" -max_total_time="$decode_seconds" -max_len=65536 "$work/decode_validate" "${seeds[@]}" ||
  { echo "fuzz smoke: decode_validate_fuzzer FAILED (exit $?)"; failed=1; }

if [ -x "$beneath_bin" ]; then
  beneath_seeds="$(cd "$(dirname "$0")/.." && pwd)/tests/fuzz/corpus_beneath"
  mkdir -p "$work/beneath"
  echo "fuzz smoke: $beneath_bin for ${beneath_seconds}s, seeds: $beneath_seeds"
  run_fuzzer "$beneath_bin" -max_total_time="$beneath_seconds" -max_len=4300 "$work/beneath" "$beneath_seeds" ||
    { echo "fuzz smoke: beneath_fuzzer FAILED (exit $?)"; failed=1; }
else
  echo "fuzz smoke: beneath_fuzzer not built in $fuzz_dir, not run (rebuild the fuzz preset)"
fi
exit "$failed"
