#!/usr/bin/env bash
# Long differential run (tests/differential/README.md): N random modules (default 10,000)
# against wabt's wasm-interp, in chunks run in parallel, each with --state; then one merged
# summary with every disagreement (seed/index, export, expected vs got, repro).
# Usage: scripts/differential-long.sh [--skiff PATH] [--count N] [--seed S] [--chunk C]
#                                     [--jobs J] [--out DIR] [--no-state] [--resume]
#                                     [--tier interp|llvm]
#   --skiff  default build/release/tools/skiff (built with the release preset first)
#   --seed   default: a new random seed, printed first (module I of seed S is fixed)
#   --chunk  modules per diff.py process (default 200); --jobs processes at once (nproc)
#   --out    default build/differential-long/seed-S: chunks/*.{log,json}, fail/ (kept
#            failing modules and probes), summary.txt
#   --resume keep the chunks of an interrupted run with the same seed/count/chunk; run the rest
#   --tier   the tier skiff runs the modules in (`run --tier`; default the interpreter)
# Exit: 0 no disagreement, 1 disagreements, 2 harness error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "differential-long.sh: error: $*" >&2; exit 2; }

skiff="" count=10000 seed="" chunk=200 jobs=$(nproc) out="" state=--state resume=0 tier=""
while (($#)); do
    case $1 in
    --skiff) skiff=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --chunk) chunk=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-state) state=""; shift ;;
    --resume) resume=1; shift ;;
    --tier) [[ ${2:-} =~ ^(interp|llvm)$ ]] || die "--tier must be interp or llvm"; tier="--tier $2"; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1" ;;
    esac
done
for v in count chunk jobs; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer"; done
seed=${seed:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}
[[ $seed =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer"
echo "seed $seed"

if [[ -z $skiff ]]; then
    targets=(skiff)
    [[ $tier == *llvm ]] && targets+=(skiff-llvmc)
    (cd "$root" && cmake --preset release >/dev/null && cmake --build build/release --target "${targets[@]}") >&2 ||
        die "release build failed"
    skiff=$root/build/release/tools/skiff
fi
[[ -x $skiff ]] || die "skiff binary $skiff not found"
skiff=$(cd "$(dirname "$skiff")" && pwd)/$(basename "$skiff")
out=${out:-$root/build/differential-long/seed-$seed}
mkdir -p "$out/chunks"
((resume)) || rm -f "$out"/chunks/*.json "$out"/chunks/*.log

diff_py=$root/tests/differential/diff.py
export diff_py skiff seed chunk count state tier out
run_chunk() {
    local first=$1 n=$chunk tag
    ((first + n > count)) && n=$((count - first))
    tag=$(printf '%06d' "$first")
    if [[ -s $out/chunks/$tag.json ]]; then echo "chunk $first: done before (--resume)" >&2; return 0; fi
    # shellcheck disable=SC2086
    python3 "$diff_py" --skiff "$skiff" --seed "$seed" --first "$first" --count "$n" $state $tier \
        --require-run -j 1 --keep "$out/fail" --json-summary "$out/chunks/$tag.json" \
        >"$out/chunks/$tag.log" 2>&1
    local rc=$?
    echo "chunk $first..$((first + n - 1)): $(tail -n1 "$out/chunks/$tag.log") (exit $rc)" >&2
    # Disagreements (exit 1) are in the JSON; a chunk that wrote none is reported missing.
    return 0
}
export -f run_chunk

start=$SECONDS
seq 0 "$chunk" $((count - 1)) | xargs -P "$jobs" -I{} bash -c 'run_chunk {}'
echo "elapsed $((SECONDS - start)) s for $count modules ($jobs jobs, chunks of $chunk)" | tee "$out/summary.txt"
set +e
expected=()
for first in $(seq 0 "$chunk" $((count - 1))); do expected+=("$out/chunks/$(printf '%06d' "$first").json"); done
python3 "$root/tests/differential/summarize.py" "${expected[@]}" | tee -a "$out/summary.txt"
rc=${PIPESTATUS[0]}
echo "summary: $out/summary.txt; failing modules: $out/fail"
exit "$rc"
