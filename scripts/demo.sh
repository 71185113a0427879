#!/usr/bin/env bash
# `make demo`: until `skiff serve` exists, inspect and validate the bundled example and
# run its spec script. Usage: demo.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
skiff="$build/tools/skiff"
out="$build/demo"
mkdir -p "$out"
wat2wasm --debug-names examples/demo/demo.wat -o "$out/demo.wasm"
wast2json examples/demo/demo.wast -o "$out/demo.json"

echo "== skiff inspect $out/demo.wasm"
"$skiff" inspect "$out/demo.wasm"
echo
echo "== skiff validate $out/demo.wasm"
"$skiff" validate "$out/demo.wasm" && echo "valid"
echo
echo "== skiff wast examples/demo/demo.wast (via wast2json)"
"$skiff" wast "$out/demo.json"
