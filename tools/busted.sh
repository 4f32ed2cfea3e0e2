#!/bin/sh
# Runs busted on one interpreter, as `make spec` does, in an environment
# the specs can count on: no WILDIX_* account or setting variable (a spec
# sets the ones it uses; the build's own WILDIX_SANDBOX_BIN, WILDIX_TARGET_DIR
# and WILDIX_SPEC_LUA are kept).
#
# Usage: tools/busted.sh [--env MODE] LUA [LUA's options ...] [-- busted's arguments ...]
#   e.g. tools/busted.sh luajit -e "jit.opt.start('hotloop=1')"
#        tools/busted.sh --env fresh lua5.4 -- spec/cli_spec.lua
#   MODE inherit (default): the caller's environment, less WILDIX_*.
#   MODE fresh:    only PATH and HOME, with TERM=dumb, CI=true, LANG=C and
#                  no TZ: what a fresh CI runner has.
#   MODE terminal: only PATH and HOME, with TERM=xterm-256color, a UTF-8
#                  locale, COLUMNS=40, NO_COLOR=1 and TZ far from UTC: a
#                  developer's terminal, set the way a spec must not lean on.
set -eu

mode=inherit
if [ "${1:-}" = --env ]; then
    mode=$2
    shift 2
fi
[ $# -ge 1 ] || { echo "usage: tools/busted.sh [--env inherit|fresh|terminal] LUA [options]" >&2; exit 2; }
lua=$1
shift
busted=$(command -v busted) || { echo "busted: not found (make deps installs it)" >&2; exit 1; }
# "$@" becomes: LUA's options, busted, busted's arguments.
n=$#
seen=
while [ "$n" -gt 0 ]; do
    arg=$1
    shift
    n=$((n - 1))
    if [ -z "$seen" ] && [ "$arg" = -- ]; then
        seen=1
        set -- "$@" "$busted"
    else
        set -- "$@" "$arg"
    fi
done
[ -n "$seen" ] || set -- "$@" "$busted"

for name in $(env | sed -n 's/^\(WILDIX_[A-Za-z0-9_]*\)=.*/\1/p'); do
    case $name in
        WILDIX_SANDBOX_BIN | WILDIX_TARGET_DIR | WILDIX_SPEC_LUA) ;;
        *) unset "$name" ;;
    esac
done

build="WILDIX_SANDBOX_BIN=${WILDIX_SANDBOX_BIN:-target/release/wildix-sandbox}"
case $mode in
    inherit) exec "$lua" "$@" ;;
    fresh) exec env -i PATH="$PATH" HOME="${HOME:-/}" "$build" \
        TERM=dumb CI=true LANG=C "$lua" "$@" ;;
    terminal) exec env -i PATH="$PATH" HOME="${HOME:-/}" "$build" \
        TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 COLUMNS=40 NO_COLOR=1 TZ=Pacific/Kiritimati \
        "$lua" "$@" ;;
    *) echo "tools/busted.sh: --env must be inherit, fresh or terminal, got '$mode'" >&2; exit 2 ;;
esac
