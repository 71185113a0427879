#!/usr/bin/env bash
# CPU benchmarks: wall time of each workload natively, in node (V8), in wabt's wasm-interp
# and (with --skiff) in skiff; every engine must print native's checksum.
# Usage: bench/cpu/run.sh [--skiff PATH] [--wasm-interp PATH] [--wamr DIR] [--wasmedge DIR]
#                         [--corpus DIR] [--full] [OUTDIR]
#   OUTDIR        build directory (default build/bench-cpu); build.sh runs first
#   --skiff PATH  measure `PATH run FILE.wasm SIZE`; else the column is n/a
#   --wasm-interp PATH  a WASI-enabled wasm-interp (default: OUTDIR/wabt/wasm-interp from
#                 build-wabt-wasi.sh, else the one on PATH; n/a if it lacks WASI)
#   --wamr DIR    a directory with WAMR's wamrc and iwasm, for the wamr-aot engine (default
#                 OUTDIR/wamr, from build-wamr.sh; n/a without them)
#   --wasmedge DIR  a directory with the wasmedge tool, for the wasmedge-aot engine (default
#                 OUTDIR/wasmedge, from build-wasmedge.sh; n/a without it)
#   --corpus DIR  bench/corpus output holding the speedtest1 row's programs (default
#                 $BENCH_CORPUS, else build/bench-corpus); build.sh builds them there
#   --full        run each workload at its default size (no size argument) instead of
#                 its BENCH_SIZE line (sized so wasm-interp finishes in seconds)
# Env: BENCH_RUNS (default 3, median taken), BENCH_TIMEOUT (seconds per run, default 120),
#      BENCH_ONLY (space-separated workload names).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
die() { echo "bench/cpu/run.sh: error: $*" >&2; exit 2; }

skiff="" interp="" wamr="" wasmedge="" full=0 out=""
while (($#)); do
    case $1 in
    --skiff) [[ $# -ge 2 ]] || die "--skiff needs a path"; skiff=$2; shift 2 ;;
    --wasm-interp) [[ $# -ge 2 ]] || die "--wasm-interp needs a path"; interp=$2; shift 2 ;;
    --wamr) [[ $# -ge 2 ]] || die "--wamr needs a directory"; wamr=$2; shift 2 ;;
    --wasmedge) [[ $# -ge 2 ]] || die "--wasmedge needs a directory"; wasmedge=$2; shift 2 ;;
    --corpus) [[ $# -ge 2 ]] || die "--corpus needs a directory"; BENCH_CORPUS=$2; shift 2 ;;
    --full) full=1; shift ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [[ -z $out ]] || die "more than one OUTDIR"; out=$1; shift ;;
    esac
done
out=${out:-$root/build/bench-cpu}
runs=${BENCH_RUNS:-3} limit=${BENCH_TIMEOUT:-120}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
export BENCH_CORPUS=${BENCH_CORPUS:-$root/build/bench-corpus}
corpus=$BENCH_CORPUS

# Real programs from bench/corpus, after the C workloads: NAME, then its --size at the default
# size and with --full. speedtest1: SQLite's speedtest1 (test set "main") on an in-memory
# database (--memdb: no files, so no preopens), with --verify, which makes it print a hash of
# every query result ("Verification Hash: BYTES HEX") at the end.
programs=(speedtest1)
declare -A prog_size=([speedtest1]=2) prog_full_size=([speedtest1]=12)
prog_args() { echo --memdb --verify --size "$2"; }  # prog_args NAME SIZE
declare -A prog_native=([speedtest1]=$corpus/native/sqlite-speedtest1)
declare -A prog_wasm=([speedtest1]=$corpus/sqlite-speedtest1.wasm)

"$here/build.sh" "$out" || die "build failed"
command -v node >/dev/null || die "node not found"
if [[ -n $skiff ]]; then [[ -x $skiff ]] || die "--skiff $skiff is not executable"; fi
if [[ -z $interp ]]; then
    if [[ -x $out/wabt/wasm-interp ]]; then interp=$out/wabt/wasm-interp; else interp=$(command -v wasm-interp || true); fi
fi
interp_note=""
if [[ -z $interp ]]; then interp_note="wasm-interp not found"
elif [[ $(timeout 10 "$interp" --wasi "$out/wasm/startup.wasm" 2>&1 </dev/null) == *"wasi support not compiled in"* ]]; then
    interp_note="$interp has no WASI support; run bench/cpu/build-wabt-wasi.sh $out"
fi
[[ -n $interp_note ]] && { echo "note: wasm-interp column is n/a: $interp_note"; interp=""; }
# peer_dir ENGINE DIR SCRIPT TOOL... -> DIR if it holds every TOOL, else empty (with a note
# when BENCH_ENGINES asks for ENGINE).
peer_dir() {
    local engine=$1 dir=$2 script=$3 t
    shift 3
    for t in "$@"; do
        if [[ ! -x $dir/$t ]]; then
            [[ " ${BENCH_ENGINES:-} " == *" $engine "* ]] &&
                echo "note: $engine column is n/a: no $* in $dir (bench/cpu/$script)" >&2
            return
        fi
    done
    echo "$dir"
}
wamr=$(peer_dir wamr-aot "${wamr:-$out/wamr}" build-wamr.sh wamrc iwasm)
wasmedge=$(peer_dir wasmedge-aot "${wasmedge:-$out/wasmedge}" build-wasmedge.sh wasmedge)

tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT

# aot_compile NAME OUT COMMAND... -> runs COMMAND (a compiler writing OUT) and appends
# "NAME COMPILER SECONDS BYTES" to $tmp/compile-times.
aot_compile() {
    local name=$1 dst=$2 t0 t1
    shift 2
    t0=$EPOCHREALTIME
    "$@" >"$tmp/compile.$name.$(basename "$1")" 2>&1 || return 1
    t1=$EPOCHREALTIME
    echo "$name $(basename "$1") $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') $(stat -c %s "$dst")" >>"$tmp/compile-times"
}

# run_once ENGINE NAME SIZE -> prints "MS" or timeout/error:...; stdout of last run in $tmp/out
run_once() {
    local engine=$1 name=$2 size=$3 wasm=$out/wasm/$2.wasm native=$out/native/$2
    local -a cmd args=()
    [[ -n $size ]] && args=("$size")
    if [[ -n ${prog_wasm[$name]:-} ]]; then
        wasm=${prog_wasm[$name]} native=${prog_native[$name]}
        read -ra args <<<"$(prog_args "$name" "$size")"
    fi
    case $engine in
    native) cmd=("$native") ;;
    node) cmd=(node --experimental-wasi-unstable-preview1 --no-warnings "$here/node_wasi.mjs" "$wasm") ;;
    wasm-interp) cmd=("$interp" --wasi "$wasm") ; ((${#args[@]})) && args=(-- "${args[@]}") ;;
    skiff) cmd=("$skiff" run "$wasm") ;;
    skiff-llvm)
        # Compiled ahead of time, once (not timed here: see the compile table).
        if [[ ! -f $tmp/skf/$name.skf ]]; then
            mkdir -p "$tmp/skf"
            aot_compile "$name" "$tmp/skf/$name.skf" "$skiff" compile -o "$tmp/skf/$name.skf" "$wasm" || { echo "error(compile)"; return; }
        fi
        cmd=("$skiff" run "$tmp/skf/$name.skf") ;;
    wamr-aot)
        if [[ ! -f $tmp/aot/$name.aot ]]; then
            mkdir -p "$tmp/aot"
            aot_compile "$name" "$tmp/aot/$name.aot" "$wamr/wamrc" -o "$tmp/aot/$name.aot" "$wasm" || { echo "error(compile)"; return; }
        fi
        cmd=("$wamr/iwasm" "$tmp/aot/$name.aot") ;;
    wasmedge-aot)
        if [[ ! -f $tmp/so/$name.so ]]; then
            mkdir -p "$tmp/so"
            aot_compile "$name" "$tmp/so/$name.so" "$wasmedge/wasmedge" compile "$wasm" "$tmp/so/$name.so" ||
                { echo "error(compile)"; return; }
        fi
        cmd=("$wasmedge/wasmedge" --run-mode aot "$tmp/so/$name.so") ;;
    esac
    local t0=$EPOCHREALTIME rc
    timeout "$limit" "${cmd[@]}" "${args[@]}" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    local t1=$EPOCHREALTIME
    if ((rc == 124)); then echo timeout; return; fi
    # Only wabt says this, for a WASI call it lacks (before build-wabt-wasi.sh added three).
    if [[ $engine == wasm-interp ]] && grep -q '^unknown wasi API import' "$tmp/err"; then
        echo unsupported; return
    fi
    if ((rc != 0)); then echo "error(exit $rc)"; return; fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}

# check NAME -> the line of $tmp/out that every engine must print as native did. C workloads:
# their checksum line. speedtest1: the output with each test's time (" 0.123s" at line end)
# removed, i.e. version, test names and counts, TOTAL, and the verification hash; shown as a
# hash of that text plus the verification hash (empty if the latter is missing).
check() {
    if [[ $1 == speedtest1 ]]; then
        local v
        v=$(sed -n 's/^Verification Hash: //p' "$tmp/out")
        [[ -n $v ]] || return 0
        echo "checksum $(sed -E 's/[[:space:]]+[0-9]+\.[0-9]{3}s$//' "$tmp/out" | sha256sum | cut -c1-16)" \
            "($(grep -c '^ *[0-9]\{3\} - ' "$tmp/out") tests, verification hash $v)"
    else
        grep -m1 '^checksum' "$tmp/out"
    fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# BENCH_ENGINES: a subset to run (native first), e.g. "native node skiff-llvm".
read -ra engines <<<"${BENCH_ENGINES:-native node wasm-interp skiff skiff-llvm}"
declare -A ms ratio geo
names=() failed=0
for src in "$here/startup.c" "$here"/workloads/*.c "${programs[@]}"; do
    name=$(basename "$src" .c)
    if [[ -n ${BENCH_ONLY:-} && $name != startup && " $BENCH_ONLY " != *" $name "* ]]; then continue; fi
    names+=("$name")
    size=""
    if [[ -n ${prog_size[$name]:-} ]]; then
        if ((full)); then size=${prog_full_size[$name]}; else size=${prog_size[$name]}; fi
        if [[ ! -x ${prog_native[$name]} || ! -f ${prog_wasm[$name]} ]]; then
            echo "error: $name: ${prog_native[$name]} or ${prog_wasm[$name]} is missing (build.sh: bench/corpus/build.sh failed?)" >&2
            ms[$name,native]=missing; sizes[${#names[@]}]=$size; failed=1; continue
        fi
    else
        ((full)) || size=$(sed -n 's|^// BENCH_SIZE: *\([0-9]*\).*|\1|p' "$src" | head -n1)
    fi
    sizes[${#names[@]}]=${size:-default}
    expect=""
    for engine in "${engines[@]}"; do
        if [[ $engine == wasm-interp && -z $interp ]] || [[ $engine == skiff* && -z $skiff ]] ||
            [[ $engine == wamr-aot && -z $wamr ]] || [[ $engine == wasmedge-aot && -z $wasmedge ]]; then
            ms[$name,$engine]=n/a; continue
        fi
        samples=() status=""
        for ((r = 0; r < runs; r++)); do
            t=$(run_once "$engine" "$name" "$size")
            if [[ ! $t =~ ^[0-9.]+$ ]]; then status=$t; break; fi
            sum=$(check "$name")
            if [[ $engine == native ]]; then
                [[ -n $sum ]] || { status="error(no checksum)"; break; }
                expect=$sum
            elif [[ $sum != "$expect" ]]; then
                status=mismatch
                echo "error: $name: $engine printed '${sum:-<nothing>}', native printed '$expect'" >&2
                break
            fi
            samples+=("$t")
        done
        if [[ -n $status ]]; then
            ms[$name,$engine]=$status
            [[ $status == error* ]] && { echo "error: $name on $engine: $status: $(head -c 300 "$tmp/err")" >&2; }
            [[ $status != timeout && $status != unsupported ]] && failed=1
            [[ $engine == native ]] && break
            continue
        fi
        ms[$name,$engine]=$(printf '%s\n' "${samples[@]}" | median)
        echo "  $name $engine ${ms[$name,$engine]} ms" >&2
    done
done

is_num() { [[ $1 =~ ^[0-9.]+$ ]]; }
# Table.
printf '\n%-10s %8s %10s' workload size "native ms"
for e in "${engines[@]:1}"; do printf ' | %11s %8s' "$e ms" ratio; done
printf '\n'
declare -A logsum count
for name in "${names[@]}"; do
    i=0; for n2 in "${names[@]}"; do i=$((i + 1)); [[ $n2 == "$name" ]] && break; done
    nat=${ms[$name,native]:-error}
    printf '%-10s %8s %10s' "$name" "${sizes[$i]}" "$nat"
    for e in "${engines[@]:1}"; do
        v=${ms[$name,$e]:-n/a} rt=-
        if is_num "$v" && is_num "$nat"; then
            rt=$(awk -v a="$v" -v b="$nat" 'BEGIN { printf "%.2f", a / b }')
        fi
        if [[ $rt != - && $name != startup ]]; then
            logsum[$e]=$(awk -v s="${logsum[$e]:-0}" -v r="$rt" 'BEGIN { printf "%.9f", s + log(r) }')
            count[$e]=$((${count[$e]:-0} + 1))
        fi
        ratio[$name,$e]=$rt
        printf ' | %11s %8s' "$v" "$rt"
    done
    printf '\n'
    [[ $name == startup ]] && printf -- '%.0s-' {1..100} && printf '\n'
done
printf '%-10s %8s %10s' geomean "" ""
for e in "${engines[@]:1}"; do
    g=-
    ((${count[$e]:-0})) && g=$(awk -v s="${logsum[$e]}" -v n="${count[$e]}" 'BEGIN { printf "%.2f", exp(s / n) }')
    geo[$e]=$g
    printf ' | %11s %8s' "" "$g"
done
printf '\n\n'
# Machine-readable lines.
for name in "${names[@]}"; do
    echo "result $name native ${ms[$name,native]:-error} 1.00"
    for e in "${engines[@]:1}"; do echo "result $name $e ${ms[$name,$e]:-n/a} ${ratio[$name,$e]}"; done
done
for e in "${engines[@]:1}"; do echo "geomean $e ${geo[$e]} (${count[$e]:-0} workloads)"; done
# Ahead-of-time compiles (skiff compile, wamrc, wasmedge compile), once per
# workload: wall seconds and the artifact's size.
if [[ -f $tmp/compile-times ]]; then
    echo
    echo "ahead-of-time compile: workload compiler seconds artifact-bytes"
    sed 's/^/compile /' "$tmp/compile-times"
    for f in "$tmp"/compile.*; do echo "compile-log ${f##*/compile.}: $(tail -n1 "$f")"; done
fi
echo "runs $runs (median), wall time per process including startup (row 'startup': empty program, not in geomean); native = gcc -O2"
exit $failed
