#!/bin/sh
# make dist: what a release ships, written to DIR (default dist/):
#   wildix-V-1.rockspec   the rock's spec at version V (Cargo.toml's)
#   wildix-V.tar.gz       the sources: `git archive` of the tracked files
#   wildix-V-1.src.rock   both, in one zip: installs with cargo (and
#                         offline, CARGO_NET_OFFLINE=true, when cargo's cache
#                         has the crates)
#   lua5.1/, lua5.4/, luajit/wildix-V-1.<arch>.rock
#                         binary rocks: install with no Rust toolchain. One
#                         directory each, as luarocks names a binary rock by
#                         platform only (it parses the file name, so the Lua
#                         cannot go there) and the three builds differ; each
#                         one's rockspec depends on the Lua it was built for,
#                         so luarocks refuses it for another.
# Usage: tools/dist.sh [DIR]
set -eu
out=${1:-dist}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
root=$(pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LUA_PATH LUA_CPATH LUA_PATH_5_2 LUA_CPATH_5_2 LUA_PATH_5_3 LUA_CPATH_5_3 LUA_PATH_5_4 LUA_CPATH_5_4
# The three builds share the checkout's cargo cache of compiled crates.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

fail() {
    echo "dist: $*" >&2
    exit 1
}

# The release rockspec: the scm one at version V, its source the archive
# the source rock carries (to publish, point url at the release archive).
sed -e "s/^version = \"scm-1\"$/version = \"$version-1\"/" \
    -e "s|^   url = \"git+file://.\",$|   url = \"wildix-$version.tar.gz\", -- carried by the source rock\n   dir = \"wildix-$version\",|" \
    rockspec/wildix-scm-1.rockspec > "$out/wildix-$version-1.rockspec"
grep -q "^version = \"$version-1\"$" "$out/wildix-$version-1.rockspec" || fail "rockspec: version not set"
grep -q "url = \"wildix-$version.tar.gz\"" "$out/wildix-$version-1.rockspec" || fail "rockspec: source not set"
# The tracked files as they are now (a commit of the work tree that touches
# nothing: git stash create), or HEAD when nothing changed.
tree=$(git stash create)
git archive --format=tar.gz --prefix="wildix-$version/" -o "$out/wildix-$version.tar.gz" "${tree:-HEAD}"
# A source rock is a zip of the two (what `luarocks pack` of a rockspec
# writes, which would download the source from its url).
rm -f "$out/wildix-$version-1.src.rock"
(cd "$out" && zip -q "wildix-$version-1.src.rock" "wildix-$version-1.rockspec" "wildix-$version.tar.gz") ||
    fail "zip of the source rock failed"
[ -f "$out/wildix-$version-1.src.rock" ] || fail "no source rock written"
echo "dist: $out/wildix-$version-1.src.rock"

# Binary rocks: the source rock built into a tree, then packed from it.
for lua in lua5.1 lua5.4 luajit; do
    case $lua in
        lua5.1) set -- --lua-version 5.1 ;;
        lua5.4) set -- --lua-version 5.4 ;;
        luajit) set -- --lua-version 5.1 --lua-dir "$(sh tools/luajit-prefix.sh "$work/luajit-prefix")" ;;
    esac
    tree=$work/tree-$lua
    luarocks "$@" --tree "$tree" install "$out/wildix-$version-1.src.rock" >"$work/$lua.log" 2>&1 ||
        { cat "$work/$lua.log" >&2; fail "$lua: building the source rock failed"; }
    # The installed rockspec, which pack puts in the binary rock: this
    # build's Lua only (luarocks provides `luajit` under LuaJIT, for
    # rockspec format 3.0), and a summary that says which.
    case $lua in
        lua5.1) deps='"lua >= 5.1, < 5.2",' built="Lua 5.1 (not LuaJIT)" ;;
        lua5.4) deps='"lua >= 5.4, < 5.5",' built="Lua 5.4" ;;
        luajit) deps='"lua >= 5.1, < 5.2", "luajit >= 2.0",' built="LuaJIT 2" ;;
    esac
    installed=$(ls "$tree"/lib/luarocks/rocks-*/wildix/"$version-1"/wildix-"$version"-1.rockspec)
    sed -i -e "s/^   \"lua >= 5.1, < 5.5\",\$/   $deps/" \
        -e "s/^\(   summary = \".*\)\",\$/\1; binary for $built\",/" "$installed"
    grep -q "binary for $built" "$installed" || fail "$lua: rockspec summary not set"
    grep -qF "$deps" "$installed" || fail "$lua: rockspec dependencies not set"
    rm -rf "${out:?}/$lua"
    mkdir -p "$out/$lua"
    (cd "$out/$lua" && luarocks "$@" --tree "$tree" pack wildix "$version-1" >/dev/null) ||
        fail "$lua: luarocks pack failed"
    echo "dist: $(ls "$out/$lua"/wildix-"$version"-1.*.rock)"
done
