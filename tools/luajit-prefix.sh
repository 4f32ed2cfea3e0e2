#!/bin/sh
# Usage: tools/luajit-prefix.sh DIR   -> prints DIR, a prefix for --lua-dir
# luarocks picks lua5.1 in /usr/bin over luajit; a prefix holding only
# luajit (and the headers) makes it target LuaJIT, as --lua-dir does for an
# OpenResty install. Used by tools/dist.sh and tools/test-rock.sh.
set -eu
dir=$1
luajit=$(command -v luajit) || { echo "luajit-prefix: no luajit on PATH" >&2; exit 1; }
if [ ! -d "$dir/bin" ]; then
    mkdir -p "$dir/bin"
    ln -s "$luajit" "$dir/bin/luajit"
    ln -s "$(dirname "$(dirname "$luajit")")/include" "$dir/include"
fi
echo "$dir"
