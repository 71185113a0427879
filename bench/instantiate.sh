#!/usr/bin/env bash
# Instantiation and density (docs/instantiation.md), with peers measured in the same run:
#  1. cycle = instantiate + call `run` + tear down, in process: skiff (InstancePre + pooled
#     memory) beside node's `new WebAssembly.Instance`, for a small module, a large one
#     (4 MiB of data, 2000 functions and table entries: bench/instantiate/gen_modules.py)
#     and, instantiation only, the real SQLite shell (bench/corpus, if built);
#  2. density: 10,000 live instances of the small module in one process, resident bytes
#     per instance beyond guest memory;
#  3. deadline latency: how long after a Watchdog deadline an endless loop stops;
#  4. whole process: `skiff run hello.wasm` beside the same hello built natively
#     (bench/cpu/startup.c), spawned alternately, median of 300 each.
# Usage: bench/instantiate.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: instantiate.sh BUILD_DIR}
bench="$build/bench/skiff_instantiate_bench"
[ -x "$bench" ] || { echo "instantiate.sh: $bench not built (make release)" >&2; exit 1; }
out="$build/bench-instantiate"
mkdir -p "$out"
python3 "$here/instantiate/gen_modules.py" "$out"
for m in small large; do wat2wasm "$out/$m.wat" -o "$out/$m.wasm"; done
modules=("$out/small.wasm" "$out/large.wasm")
shell_wasm="$here/../build/bench-corpus/sqlite3-shell.wasm"
[ -f "$shell_wasm" ] && modules+=("$shell_wasm")

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$bench" --seconds 1 "${modules[@]}" | tee "$tmp"
if command -v node >/dev/null; then
  node "$here/instantiate/node_instantiate.mjs" 1 "${modules[@]}" | tee -a "$tmp"
fi

# Whole process: the hello of bench/cpu, native and under skiff.
"$here/cpu/build.sh" >/dev/null
cpu="$here/../build/bench-cpu"
python3 - "$build/tools/skiff" "$cpu/native/startup" "$cpu/wasm/startup.wasm" >>"$tmp" <<'PY'
import os, statistics, sys, time
skiff, native, wasm = sys.argv[1:4]
devnull = os.open(os.devnull, os.O_WRONLY)
def once(argv):
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit(f"{argv} failed: {status}")
    return (time.perf_counter() - t0) * 1e3
runs = {"native": [], "skiff": []}
for _ in range(300):
    runs["native"].append(once([native]))
    runs["skiff"].append(once([skiff, "run", wasm]))
for k, v in runs.items():
    print(f"process {k} {statistics.median(v):.3f}")
PY

python3 - "$tmp" <<'PY'
import os, sys
cyc, node, proc, dens, dl = {}, {}, {}, None, None
for line in open(sys.argv[1]):
    p = line.split()
    if not p: continue
    if p[0] == "cycle": cyc[os.path.basename(p[1])] = (float(p[2]), float(p[3]), p[6] if len(p) > 6 else "")
    elif p[0] == "node": node[os.path.basename(p[1])] = (float(p[2]), float(p[3]))
    elif p[0] == "process": proc[p[1]] = float(p[2])
    elif p[0] == "density": dens = p
    elif p[0] == "deadline": dl = p
print()
print(f"{'module':<22} {'skiff us':>9} {'p99':>8} {'node us':>9} {'p99':>9} {'node/skiff':>10}  path")
for f, (med, p99, path) in cyc.items():
    n = node.get(f)
    ns = f"{n[0]:9.2f} {n[1]:9.1f} {n[0] / med:10.1f}" if n else f"{'-':>9} {'-':>9} {'-':>10}"
    print(f"{f:<22} {med:9.2f} {p99:8.2f} {ns}  {path}")
if "small.wasm" in cyc and "large.wasm" in cyc:
    print(f"large/small (skiff): {cyc['large.wasm'][0] / cyc['small.wasm'][0]:.2f}x")
if dens:
    n, rss, guest = int(dens[2]), float(dens[3]), float(dens[4])
    print(f"density: {n} live instances of {os.path.basename(dens[1])}; resident per instance {rss:.0f} B, "
          f"of which guest memory {guest:.0f} B; beyond guest memory {rss - guest:.0f} B")
if dl:
    print(f"deadline: an endless loop stops {float(dl[2]) / 1000:.2f} ms after its deadline (median of {dl[1]}), "
          f"at most {float(dl[3]) / 1000:.2f} ms")
if proc:
    print(f"whole process, hello: native {proc['native']:.3f} ms, skiff run {proc['skiff']:.3f} ms, "
          f"ratio {proc['skiff'] / proc['native']:.2f}x")
PY
