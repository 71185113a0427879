#!/usr/bin/env bash
# `make demo`: serve the example apps (examples/serve) with `skiff serve` on 127.0.0.1,
# print their URLs with a curl line for each, show one answer from each, and keep
# serving until Ctrl-C. A local upstream (python's http.server) stands in for the
# service the fetch example is allowed to call.
# Usage: demo.sh BUILD_DIR. Environment: SKIFF_DEMO_PORT (default 8080; 0 = any free
# port), SKIFF_DEMO_SECONDS (stop after this many seconds instead of waiting for Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
skiff="$build/tools/skiff"
ex="$build/examples/serve"
out="$build/demo"
port=${SKIFF_DEMO_PORT:-8080}
for f in hello echo counter fetch; do
  [ -f "$ex/$f.wasm" ] || { echo "demo: $ex/$f.wasm was not built (is clang with wasi-libc installed?)" >&2; exit 1; }
done
rm -rf "$out" && mkdir -p "$out/upstream"
cp "$ex"/*.wasm "$out/"
echo "Hello from the upstream service." > "$out/upstream/greeting.txt"
: > "$out/upstream.port"; : > "$out/serve.log"  # read below, maybe before the servers write

pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# The upstream, on a free port chosen by the kernel.
python3 -u -c '
import http.server, functools, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
print(s.server_address[1], flush=True)
s.serve_forever()' "$out/upstream" > "$out/upstream.port" 2> "$out/upstream.log" &
pids+=($!)
for _ in $(seq 100); do
  [ -s "$out/upstream.port" ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || break  # it failed: say so now, not in 10 s
  sleep 0.1
done
upstream_port=$(head -n1 "$out/upstream.port")
if ! [[ "$upstream_port" =~ ^[0-9]+$ ]]; then
  echo "demo: the upstream (python3 http.server, for the fetch example) did not start" \
    "(waited up to 10 s)" >&2
  cat "$out/upstream.log" >&2
  exit 1
fi
upstream="127.0.0.1:$upstream_port"

sed -e "s/@UPSTREAM@/$upstream/g" -e "s/127.0.0.1:8080/127.0.0.1:$port/" \
  "$ex/skiff.toml.in" > "$out/skiff.toml"
"$skiff" serve "$out/skiff.toml" 2> "$out/serve.log" &
pids+=($!)
base=""
for _ in $(seq 100); do
  base=$(sed -n 's|^skiff serve: listening on \(http://[^ ]*\)$|\1|p' "$out/serve.log")
  [ -n "$base" ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "demo: skiff serve did not start (log: $out/serve.log):" >&2
  cat "$out/serve.log" >&2
  if grep -q "Address already in use" "$out/serve.log"; then
    echo "demo: port $port is taken; choose another with SKIFF_DEMO_PORT=PORT" \
      "(0 = any free port), e.g. SKIFF_DEMO_PORT=0 make demo" >&2
  fi
  exit 1
fi

show() {  # show TITLE CURL_ARGS...: the args as a shell would need them quoted
  local shown=""
  for a in "${@:2}"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=@%+-]+$ ]]; then shown+=" $a"; else shown+=" '$a'"; fi
  done
  echo "== $1"
  echo "   curl$shown"
  curl -sS --max-time 5 "${@:2}" | sed 's/^/   | /'
  echo
}
echo "skiff serve is listening on $base (log: $out/serve.log, metrics: $base/metrics)"
echo
show "hello (WAGI: any WASI command, CGI-style)" "$base/hello?skiff"
show "echo (native ABI: a JSON description of the request)" -X POST -H 'content-type: application/json' -d '{"items":[1,2,3]}' "$base/echo/demo"
show "counter (key-value store, survives the fresh instance per request)" "$base/counter"
show "counter again" "$base/counter"
show "counter reset" -X POST "$base/counter?reset"
show "fetch (outbound HTTP to an allowed host: $upstream)" "$base/fetch"
show "fetch a host that is not in allowed_hosts (refused)" "$base/fetch?denied"
show "health" "$base/healthz"

if [ -n "${SKIFF_DEMO_SECONDS:-}" ]; then
  sleep "$SKIFF_DEMO_SECONDS"
else
  echo "Serving until Ctrl-C."
  wait "${pids[1]}"
fi
