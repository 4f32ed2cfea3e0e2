#!/bin/sh
# Usage: tools/with-sandbox.sh LUA SCRIPT
# Starts the sandbox PBX, runs SCRIPT with interpreter LUA and the module
# built for it (build/LUA/wildix.so), WILDIX_URL and WILDIX_TOKEN pointing at
# the sandbox, then stops the sandbox, whatever happens.
set -eu
LUA=$1
SCRIPT=$2
TOKEN=sandbox-token-0123456789
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
[ -n "$url" ] || { echo "the sandbox did not start" >&2; exit 1; }

echo "sandbox PBX at $url, module build/$LUA/wildix.so, $SCRIPT"
echo
WILDIX_URL=$url WILDIX_TOKEN=$TOKEN LUA_CPATH="build/$LUA/?.so;;" "$LUA" "$SCRIPT"
