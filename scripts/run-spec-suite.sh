#!/usr/bin/env bash
# Runs the official WebAssembly spec suite under `skiff wast`. The suite is fetched,
# never committed: point SKIFF_SPEC_TESTSUITE at a checkout of WebAssembly/testsuite at
# 3a04b2cf93bd8fce277458d419eea8d9c326345c (the commit Debian's wabt 1.0.32 pins).
# Every core .wast is converted by wast2json; a conversion failure is a failure.
# Usage: run-spec-suite.sh SKIFF_BINARY WORK_DIR [WAST_ARGS...]   (exit 77 = skipped)
#   WAST_ARGS go to `skiff wast`, e.g. --tier llvm.
set -uo pipefail
skiff=$1
work=$2
shift 2
suite=${SKIFF_SPEC_TESTSUITE:-}
if [ -z "$suite" ]; then
  echo "skipped: SKIFF_SPEC_TESTSUITE is not set (a checkout of WebAssembly/testsuite at 3a04b2cf93bd8fce277458d419eea8d9c326345c)"
  exit 77
fi
if ! ls "$suite"/*.wast >/dev/null 2>&1; then
  echo "SKIFF_SPEC_TESTSUITE=$suite holds no .wast files"
  exit 1
fi
rm -rf "$work" && mkdir -p "$work"
convert_failures=0
for f in "$suite"/*.wast; do
  stem=$(basename "$f" .wast)
  if ! wast2json "$f" -o "$work/$stem.json" 2>"$work/$stem.err"; then
    echo "wast2json failed on $stem.wast: $(head -1 "$work/$stem.err")"
    convert_failures=$((convert_failures + 1))
  fi
done
"$skiff" wast "$@" "$work"/*.json | grep -v ': skipped'
status=${PIPESTATUS[0]}
if [ "$convert_failures" -ne 0 ]; then
  echo "$convert_failures scripts could not be converted"
  exit 1
fi
exit "$status"
