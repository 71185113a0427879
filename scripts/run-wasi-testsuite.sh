#!/usr/bin/env bash
# Runs the official WASI test suite's preview1 tests (C, Rust, AssemblyScript) under
# `skiff run`. The suite is fetched, never committed: point SKIFF_WASI_TESTSUITE at the
# root of a checkout of WebAssembly/wasi-testsuite, branch prod/testsuite-base (the one
# with the prebuilt .wasm files; checked with 9f80ca35444cfd9e63100725615140a346652e6c),
# e.g. `git clone -b prod/testsuite-base https://github.com/WebAssembly/wasi-testsuite`.
# Prints one line per failing test and "N passed, M failed"; logs go to WORK_DIR/LANG/TEST/.
# Known failures may be listed in tests/wasi/testsuite.xfail (LANG/TEST per line).
# Extra runner options (e.g. --filter fd_readdir, -v, -j1) go after WORK_DIR.
# Usage: run-wasi-testsuite.sh SKIFF_BINARY WORK_DIR [RUNNER_OPTIONS...]   (exit 77 = skipped)
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 SKIFF_BINARY WORK_DIR [RUNNER_OPTIONS...]" >&2
  exit 2
fi
skiff=$1
work=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suite=${SKIFF_WASI_TESTSUITE:-}
if [ -z "$suite" ]; then
  echo "skipped: SKIFF_WASI_TESTSUITE is not set (root of a WebAssembly/wasi-testsuite checkout, branch prod/testsuite-base)"
  exit 77
fi
if [ ! -d "$suite/tests" ]; then
  echo "skipped: SKIFF_WASI_TESTSUITE=$suite is not a wasi-testsuite checkout (no tests/ directory)"
  exit 77
fi
if ! ls "$suite"/tests/*/testsuite/wasm32-wasip1/*.wasm >/dev/null 2>&1; then
  echo "SKIFF_WASI_TESTSUITE=$suite holds no prebuilt preview1 tests (tests/*/testsuite/wasm32-wasip1/*.wasm); use branch prod/testsuite-base"
  exit 1
fi
rm -rf "$work" && mkdir -p "$work"
SKIFF=$(printf %q "$(realpath "$skiff")") exec python3 "$here/tests/wasi/run_testsuite.py" \
  --suite "$suite" --adapter "$here/tests/wasi/testsuite_adapter.py" --out "$work" \
  --xfail "$here/tests/wasi/testsuite.xfail" "$@"
