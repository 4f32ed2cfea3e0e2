#!/bin/sh
# Usage: tools/with-sandbox.sh COMMAND [ARG ...]
# Starts the sandbox PBX (with WILDIX_SANDBOX_FLAGS, e.g. --end-today), runs
# COMMAND with WILDIX_URL and WILDIX_TOKEN pointing at it, then stops the
# sandbox, whatever happens.
set -eu
TOKEN=sandbox-token-0123456789
SANDBOX=${WILDIX_SANDBOX_BIN:-target/release/wildix-sandbox}

out=$(mktemp)
# shellcheck disable=SC2086 # the flags are words
"$SANDBOX" --port 0 --token "$TOKEN" ${WILDIX_SANDBOX_FLAGS:-} >"$out" &
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

echo "sandbox PBX at $url: $*"
echo
WILDIX_URL=$url WILDIX_TOKEN=$TOKEN "$@"
