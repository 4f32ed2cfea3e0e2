#!/bin/sh
# Installs what `make test` / `make demo` need and is missing: Lua
# interpreters, busted, luacheck (Debian packages, via apt-get as root),
# emmylua_check (cargo install).
# Usage: tools/deps.sh [command ...]   (default: everything make test needs)
#        tools/deps.sh --packages PKG ...  (Debian packages, e.g. Lua modules)
set -eu

install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "deps: installing $*"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    else
        echo "deps: missing $*; install them (Debian/Ubuntu: sudo apt-get install $*)" >&2
        exit 1
    fi
}

if [ "${1:-}" = --packages ]; then
    shift
    missing=""
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    # shellcheck disable=SC2086
    [ -z "$missing" ] || install $missing
    exit 0
fi

if [ $# -eq 0 ]; then
    set -- lua5.1 lua5.2 lua5.3 lua5.4 luajit busted luacheck
    # make lint needs rustfmt and clippy: rustup components, not Debian's.
    for component in rustfmt clippy; do
        sub=$([ "$component" = rustfmt ] && echo fmt || echo clippy)
        if ! cargo "$sub" --version >/dev/null 2>&1; then
            echo "deps: adding the $component component"
            rustup component add "$component" ||
                { echo "deps: cargo $sub is missing; install the $component component" >&2; exit 1; }
        fi
    done
fi

# emmylua_check (make lint's type check) comes from crates.io, pinned.
case " $* " in
    *" emmylua_check "*)
        if ! command -v emmylua_check >/dev/null 2>&1 &&
            [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/emmylua_check" ]; then
            echo "deps: installing emmylua_check 0.25.1 with cargo (a few minutes, once)"
            cargo install emmylua_check --version 0.25.1 --locked --quiet ||
                { echo "deps: cargo install emmylua_check failed" >&2; exit 1; }
        fi
        set -- $(printf '%s\n' "$@" | grep -vx emmylua_check)
        [ $# -gt 0 ] || exit 0
        ;;
esac

package_for() {
    case "$1" in
        busted) echo lua-busted ;;
        luacheck) echo lua-check ;;
        *) echo "$1" ;;
    esac
}

missing=""
for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $(package_for "$cmd")"
done
# busted's modules must load on every interpreter, not just be on PATH.
for lua in lua5.1 lua5.2 lua5.3 lua5.4 luajit; do
    case " $* " in *" busted "*) ;; *) continue ;; esac
    if command -v "$lua" >/dev/null 2>&1 &&
        ! "$lua" -e 'require("busted.runner")' >/dev/null 2>&1; then
        missing="$missing lua-busted"
    fi
done
[ -n "$missing" ] || exit 0
# shellcheck disable=SC2086
install $missing
