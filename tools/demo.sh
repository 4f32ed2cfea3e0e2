#!/bin/sh
# Starts the sandbox PBX, runs examples/demo.lua against it with the module
# built for $1 (default lua5.4), and stops the sandbox, whatever happens.
set -eu
LUA=${1:-lua5.4}
TOKEN=demo-token-0123456789
SANDBOX=target/release/wildix-sandbox

out=$(mktemp)
"$SANDBOX" --port 0 --token "$TOKEN" >"$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
trap 'exit 130' INT TERM

url=""
for _ in $(seq 1 200); do
    url=$(sed -n 's/^listening on //p' "$out")
    [ -n "$url" ] && break
    sleep 0.05
done
[ -n "$url" ] || { echo "demo: the sandbox did not start" >&2; exit 1; }

echo "demo: sandbox PBX at $url, module build/$LUA/wildix.so"
echo
WILDIX_URL=$url WILDIX_TOKEN=$TOKEN LUA_CPATH="build/$LUA/?.so;;" "$LUA" examples/demo.lua
