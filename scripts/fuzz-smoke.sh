#!/usr/bin/env bash
# Bounded libFuzzer runs under ASan/UBSan: decode+validate, seeded with the built fixtures
# and spec-test modules, then platform::Beneath (path resolution beneath a preopen),
# seeded with tests/fuzz/corpus_beneath, then the parsers of skiff serve (manifest, CGI
# output, client requests into CGI variables), seeded with tests/fuzz/corpus_host, then the
# LLVM tier's ELF object loader and artifact parser (SKIFF_FUZZ_LLVM_SECONDS each, default 8). The
# time budget (SKIFF_FUZZ_SECONDS, default 45) is split 2:1:1 between them. Part of `make test`; a long run is documented in the README
# (scripts/fuzz-long.sh). Exit 77 = skipped (ctest SKIP_RETURN_CODE); any fuzzer failure
# exits 1.
# Usage: fuzz-smoke.sh FUZZ_BUILD_DIR SEED_DIR...
set -euo pipefail
fuzz_dir=${1:-}
shift || true
bin="$fuzz_dir/tests/fuzz/decode_validate_fuzzer"
beneath_bin="$fuzz_dir/tests/fuzz/beneath_fuzzer"
host_bin="$fuzz_dir/tests/fuzz/host_fuzzer"
if [ -z "$fuzz_dir" ] || [ ! -x "$bin" ]; then
  echo "skipped: no fuzz build (configure with -DSKIFF_FUZZ_DIR=build/fuzz after 'cmake --build --preset fuzz'; 'make test' does both)"
  exit 77
fi
seconds=${SKIFF_FUZZ_SECONDS:-45}
decode_seconds=$((seconds / 2))
[ "$decode_seconds" -ge 1 ] || decode_seconds=1
beneath_seconds=$(((seconds - decode_seconds) / 2))
[ "$beneath_seconds" -ge 1 ] || beneath_seconds=1
host_seconds=$((seconds - decode_seconds - beneath_seconds))
[ "$host_seconds" -ge 1 ] || host_seconds=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs one fuzzer with the output filtered; returns the fuzzer's own exit status.
# (libFuzzer's default -error_exitcode is 77, ctest's skip code: a crash must say 1.)
run_fuzzer() {
  local fuzzer=$1 status
  shift
  set +e
  "$fuzzer" -error_exitcode=1 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$@" 2>&1 |
    grep -E 'stat::|INFO: Running|Done|ERROR|SUMMARY|==[0-9]+==|#[0-9]+.*DONE|beneath_fuzzer:|host_fuzzer:|code_object_fuzzer:|artifact_fuzzer:'
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

# A fuzzer built by a later change than the fuzz build dir: said, not run.
run_seeded() {  # run_seeded NAME BINARY SECONDS MAX_LEN SEED_DIR
  local name=$1 bin=$2 secs=$3 max_len=$4 seed=$5
  if [ ! -x "$bin" ]; then
    echo "fuzz smoke: $name not built in $fuzz_dir, not run (rebuild the fuzz preset)"
    return
  fi
  mkdir -p "$work/$name"
  echo "fuzz smoke: $bin for ${secs}s, seeds: $seed"
  run_fuzzer "$bin" -max_total_time="$secs" -max_len="$max_len" "$work/$name" "$seed" ||
    { echo "fuzz smoke: $name FAILED (exit $?)"; failed=1; }
}
root="$(cd "$(dirname "$0")/.." && pwd)"
run_seeded beneath_fuzzer "$beneath_bin" "$beneath_seconds" 4300 "$root/tests/fuzz/corpus_beneath"
run_seeded host_fuzzer "$host_bin" "$host_seconds" 8192 "$root/tests/fuzz/corpus_host"
# The LLVM tier's loaders of bytes from disk: ELF objects and .skf artifacts.
llvm_seconds=${SKIFF_FUZZ_LLVM_SECONDS:-8}
run_seeded code_object_fuzzer "$fuzz_dir/tests/fuzz/code_object_fuzzer" "$llvm_seconds" 65536 "$root/tests/fuzz/corpus_code_object"
run_seeded artifact_fuzzer "$fuzz_dir/tests/fuzz/artifact_fuzzer" "$llvm_seconds" 65536 "$root/tests/fuzz/corpus_artifact"
exit "$failed"
