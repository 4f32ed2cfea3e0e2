#!/bin/sh
# Usage: tools/with-sandbox.sh sh tools/test-rock.sh   (what `make test-rock` runs)
# What a user installs, installed into temporary trees and tried there:
#   - `make dist` (tools/dist.sh): the source rock built for Lua 5.1, Lua 5.4
#     and LuaJIT with cargo offline (CARGO_NET_OFFLINE: the crates come from
#     cargo's cache), and the binary rocks packed from those builds;
#   - each binary rock installed with no cargo or rustc on PATH (or, where
#     they share a directory with luarocks, stubs of them that fail);
#   - `luarocks make rockspec/wildix-scm-1.rockspec` from this clone (Lua 5.4).
# In each tree, with no LUA_PATH or LUA_CPATH but the tree's, a fresh
# interpreter must require wildix from the tree, the tree's bin/wildix must
# run on the right interpreter and answer against the sandbox (WILDIX_URL,
# WILDIX_TOKEN), and the rock's directory must hold the type definitions.
set -eu
ROCKSPEC=rockspec/wildix-scm-1.rockspec
: "${WILDIX_URL:?run me through tools/with-sandbox.sh}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LUA_PATH LUA_CPATH LUA_PATH_5_2 LUA_CPATH_5_2 LUA_PATH_5_3 LUA_CPATH_5_3 LUA_PATH_5_4 LUA_CPATH_5_4

fail() {
    echo "test-rock: $*" >&2
    exit 1
}

# check NAME LUA_VERSION INTERPRETER TREE [luarocks options...]: the tree
# holds an installed wildix; try it.
check() {
    name=$1 version=$2 interpreter=$3 tree=$4
    shift 4
    # The tree's paths, as `eval "$(luarocks path)"` would give a user.
    paths=$(luarocks --lua-version "$version" "$@" --tree "$tree" path --lr-path)
    cpaths=$(luarocks --lua-version "$version" "$@" --tree "$tree" path --lr-cpath)
    TREE=$tree LUA_PATH="$paths;;" LUA_CPATH="$cpaths;;" "$interpreter" -e '
        local tree = os.getenv("TREE")
        local wildix = require("wildix")
        assert(type(wildix.list_calls) == "function", "wildix has no list_calls")
        -- the first wildix.so on the C path is the one require loaded
        for template in package.cpath:gmatch("[^;]+") do
            local file = template:gsub("%?", "wildix")
            local f = io.open(file, "rb")
            if f then
                f:close()
                assert(file:sub(1, #tree + 1) == tree .. "/", "wildix.so came from " .. file)
                break
            end
        end
        local me = wildix.get_current_user()
        print("require(\"wildix\") " .. wildix.version .. " from the tree; current user: " .. me.name)
    ' || fail "$name: require(\"wildix\") from the tree failed"

    [ -x "$tree/bin/wildix" ] || fail "$name: no bin/wildix in the tree"
    expected=$("$interpreter" -e 'io.write(jit and jit.version or _VERSION)')
    version_line=$("$tree/bin/wildix" --version) || fail "$name: wildix --version failed"
    case "$version_line" in
        "wildix "*" ($expected)") echo "$version_line" ;;
        *) fail "$name: bin/wildix runs on the wrong Lua: '$version_line', expected $expected" ;;
    esac
    out=$(PATH="$tree/bin:$PATH" wildix calls --limit 3 --format csv) || fail "$name: wildix calls failed"
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 4 ] || fail "$name: wildix calls printed: $out"
    set +e
    PATH="$tree/bin:$PATH" wildix calls --limit nope 2>/dev/null
    code=$?
    set -e
    [ "$code" -eq 2 ] || fail "$name: a usage error exited $code, not 2"
    echo "bin/wildix: calls and exit codes as expected"
    rockdir=$(luarocks --lua-version "$version" "$@" --tree "$tree" show --rock-dir wildix) ||
        fail "$name: luarocks show --rock-dir failed"
    grep -q "^---@meta wildix" "$rockdir/types/wildix.lua" || fail "$name: no types/wildix.lua in $rockdir"
    echo "types: $rockdir/types/wildix.lua"
}

luajit_prefix=$(sh tools/luajit-prefix.sh "$work/luajit-prefix") || fail "no luajit"

# A PATH without cargo and rustc: the binary rocks must not need them. A
# directory that holds them is left out, unless luarocks lives there too
# (Debian's cargo in /usr/bin): then stubs that fail loudly shadow them.
mkdir -p "$work/no-rust"
for tool in cargo rustc; do
    printf '#!/bin/sh\necho "test-rock: %s was run, the binary rock needs it" >&2\nexit 97\n' "$tool" \
        >"$work/no-rust/$tool"
    chmod +x "$work/no-rust/$tool"
done
no_rust_path=""
stubs=""
old_ifs=$IFS
IFS=:
for entry in $PATH; do
    if [ -x "$entry/cargo" ] || [ -x "$entry/rustc" ]; then
        [ -x "$entry/luarocks" ] || continue
        stubs="$work/no-rust:"
    fi
    no_rust_path="${no_rust_path:+$no_rust_path:}$entry"
done
IFS=$old_ifs
no_rust_path="$stubs$no_rust_path"
case $(PATH=$no_rust_path command -v cargo || echo none) in
    none) echo "binary rocks: no cargo on PATH" ;;
    "$work/no-rust/cargo") echo "binary rocks: cargo and rustc on PATH fail if run" ;;
    *) fail "cannot keep cargo off PATH" ;;
esac

echo "== make dist (cargo offline)"
CARGO_NET_OFFLINE=true sh tools/dist.sh "$work/dist" || fail "make dist failed"

for name in lua5.1 lua5.4 luajit; do
    case $name in
        lua5.1) set -- 5.1 lua5.1 ;;
        lua5.4) set -- 5.4 lua5.4 ;;
        luajit) set -- 5.1 luajit --lua-dir "$luajit_prefix" ;;
    esac
    lua_version=$1 interpreter=$2
    shift 2
    tree=$work/binary-$name
    echo "== binary rock for $name"
    PATH=$no_rust_path luarocks --lua-version "$lua_version" "$@" --tree "$tree" \
        install "$(ls "$work/dist/$name"/wildix-*.rock)" || fail "$name: installing the binary rock failed"
    check "$name" "$lua_version" "$interpreter" "$tree" "$@"
done

# Each binary rock is for its own Lua: luarocks refuses it for another
# (the rockspec's dependencies), instead of installing a wildix.so that
# fails to load (undefined symbol).
for wrong in "lua5.4 5.1" "lua5.1 5.4" "luajit 5.1"; do
    set -- $wrong
    echo "== the $1 binary rock, for Lua $2: refused"
    if PATH=$no_rust_path luarocks --lua-version "$2" --tree "$work/wrong-$1" --only-server="$work/none" \
        install "$(ls "$work/dist/$1"/wildix-*.rock)" >"$work/wrong.log" 2>&1; then
        cat "$work/wrong.log" >&2
        fail "the $1 binary rock installed for Lua $2"
    fi
    grep -qi "dependenc" "$work/wrong.log" || { cat "$work/wrong.log" >&2; fail "$1 for Lua $2: not refused for its Lua"; }
done

echo "== luarocks make from the clone, Lua 5.4"
luarocks --lua-version 5.4 --tree "$work/clone-lua5.4" make "$ROCKSPEC" || fail "lua5.4: luarocks make failed"
check lua5.4 5.4 lua5.4 "$work/clone-lua5.4"

echo "test-rock: the source rock builds offline, the binary rocks install without Rust, for Lua 5.1, 5.4 and LuaJIT"
