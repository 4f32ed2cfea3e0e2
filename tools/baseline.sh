#!/bin/sh
# Builds the module as it was at a git revision, for `make bench
# BASELINE=<rev>`: build/baseline/<lua>/wildix.so for each Lua given, from
# a throw-away worktree with its own target directory, so that the bench
# measures the two builds side by side in one run.
# Usage: tools/baseline.sh REV LUA...
set -eu
rev=$1
shift
root=$(pwd)
tree=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true; rm -rf "$tree"' EXIT
git worktree add --detach "$tree" "$rev" >/dev/null
for lua in "$@"; do
    feature=$(echo "$lua" | sed 's/lua5\./lua5/')
    (cd "$tree" && CARGO_TARGET_DIR="$root/target/baseline" cargo build --release --lib --features "$feature" -q)
    mkdir -p "build/baseline/$lua"
    cp target/baseline/release/libwildix.so "build/baseline/$lua/wildix.so"
done
git rev-parse --short "$rev" > build/baseline/REV
