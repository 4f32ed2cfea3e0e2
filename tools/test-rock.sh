#!/bin/sh
# Usage: tools/with-sandbox.sh sh tools/test-rock.sh   (what `make test-rock` runs)
# Installs the rock with `luarocks make rockspec/wildix-scm-1.rockspec` into
# a temporary tree for Lua 5.1, Lua 5.4 and LuaJIT, then, with no LUA_PATH
# or LUA_CPATH but the tree's, checks that a fresh interpreter requires
# wildix from that tree and that the tree's bin/wildix runs on the right
# interpreter and answers against the sandbox (WILDIX_URL, WILDIX_TOKEN).
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

# check NAME LUA_VERSION INTERPRETER [luarocks options...]
check() {
    name=$1 version=$2 interpreter=$3
    shift 3
    tree=$work/$name
    echo "== rock for $name"
    luarocks --lua-version "$version" "$@" --tree "$tree" make "$ROCKSPEC" ||
        fail "$name: luarocks make failed"

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
}

check lua5.1 5.1 lua5.1
check lua5.4 5.4 lua5.4

# luarocks picks lua5.1 in /usr/bin over luajit; a prefix holding only
# luajit (and the headers) makes it target LuaJIT, as --lua-dir does for an
# OpenResty install.
luajit=$(command -v luajit) || fail "no luajit"
mkdir -p "$work/luajit-prefix/bin"
ln -s "$luajit" "$work/luajit-prefix/bin/luajit"
ln -s "$(dirname "$(dirname "$luajit")")/include" "$work/luajit-prefix/include"
check luajit 5.1 luajit --lua-dir "$work/luajit-prefix"

echo "test-rock: the rock installs and works for Lua 5.1, Lua 5.4 and LuaJIT"
