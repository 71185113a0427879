#!/usr/bin/env bash
# Decode+validate throughput: skiff in process beside V8 (node's WebAssembly.validate,
# default and single-threaded) and wabt's wasm-validate, measured in the same run on the
# corpus of real programs from bench/corpus/build.sh.
# Usage: bench/validate.sh BUILD_DIR [CORPUS_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: validate.sh BUILD_DIR [CORPUS_DIR]}
corpus=${2:-$here/../build/bench-corpus}
bench="$build/bench/skiff_validate_bench"
[ -x "$bench" ] || { echo "validate.sh: $bench not built (make release)" >&2; exit 1; }

"$here/corpus/build.sh" "$corpus" >&2
files=("$corpus"/*.wasm)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$bench" "${files[@]}" | tee -a "$tmp" >&2
"$here/baselines/validate_baselines.sh" "${files[@]}" | tee -a "$tmp" >&2

python3 - "$tmp" <<'PY'
import collections, math, os, sys
rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    p = line.split()
    if not p or p[0].startswith('#') or p[1] == '-':
        continue
    f = os.path.basename(p[1])
    if p[0] in ('skiff', 'skiff-stream', 'v8', 'v8-1t'):
        rows[f][p[0]] = float(p[2])
    if p[0] == 'skiff':
        rows[f]['allocs'], rows[f]['instrs'] = int(p[4]), int(p[5])
    if p[0] == 'wabt':
        rows[f]['wabt'] = float(p[3])
        rows[f]['size'] = os.path.getsize(p[1]) if os.path.exists(p[1]) else 0
print()
print("decode+validate throughput, MB/s (10^6 bytes/s); ratios = skiff / other")
hdr = f"{'module':<24}{'size':>10}{'skiff':>9}{'stream':>9}{'v8':>9}{'v8-1t':>9}{'wabt*':>9}{'/v8':>7}{'/v8-1t':>8}{'/wabt':>8}{'allocs':>8}{'instrs':>10}"
print(hdr)
g = collections.defaultdict(list)
for f, r in sorted(rows.items()):
    if 'skiff' not in r:
        continue
    def ratio(k):
        return r['skiff'] / r[k] if r.get(k) else float('nan')
    print(f"{f:<24}{r.get('size',0):>10}{r['skiff']:>9.1f}{r.get('skiff-stream',0):>9.1f}{r.get('v8',0):>9.1f}"
          f"{r.get('v8-1t',0):>9.1f}{r.get('wabt',0):>9.1f}{ratio('v8'):>7.2f}{ratio('v8-1t'):>8.2f}{ratio('wabt'):>8.1f}"
          f"{r.get('allocs',0):>8}{r.get('instrs',0):>10}")
    for k in ('v8', 'v8-1t', 'wabt'):
        if r.get(k):
            g[k].append(ratio(k))
gm = {k: math.exp(sum(map(math.log, v)) / len(v)) for k, v in g.items() if v}
print("geometric mean of skiff/other: " + ", ".join(f"{k} {v:.2f}x" for k, v in gm.items()))
print("(*) wabt = wasm-validate as a whole process, start-up included; v8 = node default (background threads),")
print("    v8-1t = node --single-threaded; allocs = heap allocations in one skiff decode+validate")
PY
