#!/usr/bin/env bash
# `skiff serve` under load, beside peers in the same run (docs/serve.md):
#   skiff-wasm    the hello example (WAGI, examples/serve/hello.c): a fresh instance per
#                 request, stdout parsed as a CGI response
#   skiff-native  the same body from a C++ handler built into the same server (same
#                 parsing, routing, workers and logging path; no sandbox)
#   nginx         `return 200` of the same body, 2 worker processes, access log off
# Each is loaded with wrk -t2 -c64 for DURATION (default 10s) on 127.0.0.1, after a short
# warm-up; wrk shares the 2 cores with the server, as it would for any of them. Three
# passes: "shared" (the issue's method), "client-yields" (wrk at a lower priority) and
# "realtime" (the servers' io threads SCHED_FIFO: skiff --realtime; needs root). Beside
# req/s and latency it prints the server's CPU time per request (its processes' user +
# system time over the run), which drifts less than req/s when the VM's speed does.
# Usage: bench/serve.sh BUILD_DIR [DURATION]
# Env: SERVE_TIER=interp|llvm, the tier that runs hello.wasm (`skiff serve --tier`).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: serve.sh BUILD_DIR [DURATION]}
duration=${2:-10s}
skiff="$build/tools/skiff"
hello="$build/examples/serve/hello.wasm"
for f in "$skiff" "$hello"; do [ -e "$f" ] || { echo "serve.sh: $f not built (make release)" >&2; exit 1; }; done
command -v wrk >/dev/null || { echo "serve.sh: wrk not installed (scripts/install-deps.sh)" >&2; exit 1; }
out="$(cd "$build" && pwd)/bench-serve"
rm -rf "$out" && mkdir -p "$out"

pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# skiff: both handlers in one server, access log off (as nginx's).
cp "$hello" "$out/hello.wasm"
start_skiff() {  # LOG [ARGS...]: sets skiff_pid and base (its URL)
  local log=$1
  shift
  cat > "$out/skiff.toml" <<EOF
[server]
listen = "127.0.0.1:$(free_port)"
[[app]]
name = "hello"
module = "hello.wasm"
routes = ["/hello"]
[[app]]
name = "native"
module = "builtin:hello"
routes = ["/native"]
EOF
  SKIFF_CACHE_DIR="$out/cache" "$skiff" serve "$out/skiff.toml" --no-access-log --tier "${SERVE_TIER:-interp}" "$@" 2> "$log" &
  skiff_pid=$!
  pids+=($skiff_pid)
  base=""
  for _ in $(seq 100); do
    base=$(sed -n 's|^skiff serve: listening on \(http://[^ ]*\)$|\1|p' "$log")
    [ -n "$base" ] && return 0
    kill -0 "$skiff_pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}
start_skiff "$out/skiff.log" || { cat "$out/skiff.log" >&2; exit 1; }

targets=("skiff-wasm $base/hello" "skiff-native $base/native")
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  nport=$(free_port)
  mkdir -p "$out/nginx/logs"
  cat > "$out/nginx/nginx.conf" <<EOF
worker_processes 2;
error_log $out/nginx/logs/error.log;
pid $out/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nport;
    location / { default_type "text/plain; charset=utf-8"; return 200 "Hello, world!\n"; }
  }
}
EOF
  "$nginx_bin" -p "$out/nginx" -c "$out/nginx/nginx.conf" -g 'daemon off;' 2>>"$out/nginx/logs/error.log" &
  pids+=($!)
  nginx_pid=$!
  sleep 0.5
  targets+=("nginx http://127.0.0.1:$nport/")
else
  echo "serve.sh: nginx not installed; comparing with the native handler only" >&2
fi

# The same bytes from each (the body; headers differ only in Server/Date).
for t in "${targets[@]}"; do
  set -- $t
  body=$(curl -sS --max-time 5 "$2")
  [ "$body" = "Hello, world!" ] || { echo "serve.sh: $1 answered \"$body\"" >&2; exit 1; }
done

# Two passes over the same servers. "shared": wrk at the servers' priority, as the issue
# measures. "client-yields": wrk at nice +N (SERVE_CLIENT_NICE, default 3), so that its
# own CPU time delays the server under test less; with one machine this stands in for a
# client on another host (docs/serve.md, "Load": what wrk's percentiles measure here).
# CPU time (clock ticks) of a server's processes so far: skiff's one process, nginx's
# master and workers. Per request it is steadier than req/s on a VM whose speed drifts.
server_ticks() {  # NAME
  local p
  case "$1" in
    nginx) p="$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')" ;;
    *) p=$skiff_pid ;;
  esac
  for x in $p; do sed 's/.*) //' "/proc/$x/stat" 2>/dev/null; done | awk '{t += $12 + $13} END {print t + 0}'
}

load() {  # NAME URL NICE RESULTS
  wrk -t2 -c64 -d2s "$2" > /dev/null  # warm-up
  local t0 t1
  t0=$(server_ticks "$1")
  nice -n "$3" wrk -t2 -c64 -d"$duration" --latency "$2" > "$out/$1.$3.wrk"
  t1=$(server_ticks "$1")
  python3 - "$1" "$out/$1.$3.wrk" "$((t1 - t0))" "$(getconf CLK_TCK)" >> "$4" <<'PY'
import re, sys
name, path = sys.argv[1:3]
ticks, hz = int(sys.argv[3]), int(sys.argv[4])
text = open(path).read()
def ms(v, unit): return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)", text, re.M)}
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
done = int(re.search(r"(\d+) requests in", text).group(1))
cpu_us = ticks * 1e6 / hz / done if done else 0
print(name, rps, lat.get("50", 0), lat.get("99", 0), errors.group(1) if errors else 0, f"{cpu_us:.1f}",
      (sock.group(1) if sock else "").replace(" ", ""))
PY
}

report() {  # RESULTS TITLE
  python3 - "$1" "$2" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
r = {x[0]: (float(x[1]), float(x[2]), float(x[3]), x[4], float(x[5]), x[6] if len(x) > 6 else "") for x in rows}
print(f"\n{sys.argv[2]}")
print(f"{'server':<14} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'cpu us/req':>10} {'non-2xx':>8}  socket errors")
for k, (rps, p50, p99, bad, cpu, sock) in r.items():
    print(f"{k:<14} {rps:10.0f} {p50:8.3f} {p99:8.3f} {cpu:10.1f} {bad:>8}  {sock or '-'}")
w = r.get("skiff-wasm")
if w and "skiff-native" in r:
    print(f"skiff-wasm / skiff-native throughput: {w[0] / r['skiff-native'][0]:.2f}  (target >= 0.60)")
if w and "nginx" in r:
    print(f"skiff-wasm / nginx throughput:        {w[0] / r['nginx'][0]:.2f}  (target >= 0.50)")
if w:
    print(f"skiff-wasm p99 at 64 connections:     {w[2]:.3f} ms  (target < 2 ms)")
PY
}

client_nice=${SERVE_CLIENT_NICE:-3}
: > "$out/results.shared.txt"
: > "$out/results.yields.txt"
for t in "${targets[@]}"; do
  set -- $t
  load "$1" "$2" 0 "$out/results.shared.txt"
done
for t in "${targets[@]}"; do
  set -- $t
  load "$1" "$2" "$client_nice" "$out/results.yields.txt"
done
# "realtime": wrk as in "shared", the servers' io threads in real time: skiff
# --realtime (a server of its own), nginx's processes moved to SCHED_FIFO 1 by chrt.
# It needs CAP_SYS_NICE (root); without it the pass is left out, saying why.
: > "$out/results.realtime.txt"
realtime_skipped=""
kill -TERM "$skiff_pid" && wait "$skiff_pid" 2>/dev/null || true
if start_skiff "$out/skiff.realtime.log" --realtime; then
  rt_targets=("skiff-wasm $base/hello" "skiff-native $base/native")
  if [ -n "${nginx_pid:-}" ]; then
    for p in "$nginx_pid" $(pgrep -P "$nginx_pid"); do chrt -f -p 1 "$p"; done
    rt_targets+=("nginx http://127.0.0.1:$nport/")
  fi
  for t in "${rt_targets[@]}"; do
    set -- $t
    load "$1" "$2" 0 "$out/results.realtime.txt"
  done
else
  realtime_skipped=$(grep -v '^{' "$out/skiff.realtime.log" | tail -1)
fi
report "$out/results.shared.txt" "shared: wrk -t2 -c64 -d$duration at the servers' priority"
report "$out/results.yields.txt" "client-yields: the same at nice +$client_nice"
if [ -z "$realtime_skipped" ]; then
  report "$out/results.realtime.txt" "realtime: as shared, the servers' io threads SCHED_FIFO (skiff --realtime; nginx by chrt)"
  # The strict reading: skiff in real time against nginx as it runs by default.
  python3 - "$out/results.realtime.txt" "$out/results.shared.txt" <<'PY'
import sys
rt, shared = ({l.split()[0]: float(l.split()[1]) for l in open(f) if l.strip()} for f in sys.argv[1:3])
if "skiff-wasm" in rt and "nginx" in shared:
    print(f"skiff-wasm (realtime) / nginx (shared): {rt['skiff-wasm'] / shared['nginx']:.2f}  (target >= 0.50)")
PY
else
  echo -e "\nrealtime: left out: $realtime_skipped"
fi
echo "(wrk's percentiles include its coordinated-omission correction: docs/serve.md, Load)"
