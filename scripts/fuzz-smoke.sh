#!/usr/bin/env bash
# Bounded libFuzzer run of decode+validate under ASan/UBSan, seeded with the built
# fixtures and spec-test modules. Part of `make test`; a long run is documented in the
# README (scripts/fuzz-long.sh). Exit 77 = skipped (ctest SKIP_RETURN_CODE).
# Usage: fuzz-smoke.sh FUZZ_BUILD_DIR SEED_DIR...
set -euo pipefail
fuzz_dir=${1:-}
shift || true
bin="$fuzz_dir/tests/fuzz/decode_validate_fuzzer"
if [ -z "$fuzz_dir" ] || [ ! -x "$bin" ]; then
  echo "skipped: no fuzz build (configure with -DSKIFF_FUZZ_DIR=build/fuzz after 'cmake --build --preset fuzz'; 'make test' does both)"
  exit 77
fi
seconds=${SKIFF_FUZZ_SECONDS:-45}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds=()
for d in "$@"; do [ -d "$d" ] && seeds+=("$d"); done
echo "fuzz smoke: $bin for ${seconds}s, seeds: ${seeds[*]:-none}"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$work" "${seeds[@]}" 2>&1 | grep -E 'stat::|INFO: Running|Done|ERROR|SUMMARY|==[0-9]+==|#[0-9]+.*DONE' || true
exit "${PIPESTATUS[0]}"
