#!/usr/bin/env bash
# `make bench`: every benchmark, each printing ratios against peers measured in the same run.
# Usage: bench/run.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../build/release}
"$here/validate.sh" "$build"
