#!/usr/bin/env bash
# Long libFuzzer run of decode+validate under ASan/UBSan (default 10 minutes, 2 jobs),
# keeping its corpus in build/fuzz-corpus so later runs continue from it.
# Usage: scripts/fuzz-long.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
./scripts/install-deps.sh
cmake --preset fuzz >/dev/null && cmake --build build/fuzz
corpus=build/fuzz-corpus
mkdir -p "$corpus"
seeds=()
for d in build/asan/tests/fixtures build/asan/tests/spec; do [ -d "$d" ] && seeds+=("$d"); done
build/fuzz/tests/fuzz/decode_validate_fuzzer -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -max_len=262144 -jobs=2 -workers=2 -print_final_stats=1 \
  "$corpus" "${seeds[@]}"
