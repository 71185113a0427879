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
    if p[0] in ('skiff', 'skiff-1t', 'skiff-stream', 'v8', 'v8-1t'):
        rows[f][p[0]] = float(p[2])
    if p[0] == 'skiff-1t':
        rows[f]['allocs'], rows[f]['instrs'] = int(p[4]), int(p[5])
    if p[0] == 'wabt':
        rows[f]['wabt'] = float(p[3])
        rows[f]['size'] = os.path.getsize(p[1]) if os.path.exists(p[1]) else 0
print()
print("decode+validate throughput, MB/s (10^6 bytes/s). skiff = bodies on every core, skiff-1t = one thread,")
print("stream = 64 KiB chunks validated as they arrive; v8 = node default (background threads), v8-1t = --single-threaded")
hdr = (f"{'module':<24}{'bytes':>9}{'skiff':>8}{'1t':>8}{'stream':>8}{'v8':>8}{'v8-1t':>8}{'wabt*':>7}"
       f"{' skiff/v8':>10}{' 1t/v8-1t':>10}{' 1t/wabt':>9}{'allocs':>8}{'instrs':>9}")
print(hdr)
g = collections.defaultdict(list)
pairs = {'skiff/v8': ('skiff', 'v8'), '1t/v8-1t': ('skiff-1t', 'v8-1t'), '1t/wabt': ('skiff-1t', 'wabt')}
for f, r in sorted(rows.items()):
    if 'skiff' not in r:
        continue
    ratios = {k: (r[a] / r[b] if r.get(a) and r.get(b) else float('nan')) for k, (a, b) in pairs.items()}
    print(f"{f:<24}{r.get('size',0):>9}{r['skiff']:>8.1f}{r.get('skiff-1t',0):>8.1f}{r.get('skiff-stream',0):>8.1f}"
          f"{r.get('v8',0):>8.1f}{r.get('v8-1t',0):>8.1f}{r.get('wabt',0):>7.1f}"
          f"{ratios['skiff/v8']:>10.2f}{ratios['1t/v8-1t']:>10.2f}{ratios['1t/wabt']:>9.1f}"
          f"{r.get('allocs',0):>8}{r.get('instrs',0):>9}")
    for k, v in ratios.items():
        if v == v:
            g[k].append(v)
gm = {k: math.exp(sum(map(math.log, v)) / len(v)) for k, v in g.items() if v}
print("geometric means: " + ", ".join(f"{k} {v:.2f}x" for k, v in gm.items()))
print("(*) wabt = wasm-validate as a whole process, start-up included; allocs = heap allocations in one")
print("    single-threaded skiff decode+validate; instrs = instructions in the module's bodies")
PY
