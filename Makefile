# wildix — build, demo, test. `make build LUA=lua5.4` builds one interpreter's
# module into build/lua5.4/wildix.so; plain `make build` builds every one found.
LUAS     := lua5.1 lua5.2 lua5.3 lua5.4 luajit
LUA      ?=
DEMO_LUA ?= lua5.4
CARGO    ?= cargo
# Cargo's output directory: CARGO_TARGET_DIR when set, as cargo itself does.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
export WILDIX_TARGET_DIR := $(TARGET_DIR)
SANDBOX  := $(TARGET_DIR)/release/wildix-sandbox
export WILDIX_SANDBOX_BIN := $(SANDBOX)
# The library cargo builds: libwildix.dylib on macOS, libwildix.so elsewhere
# (installed as wildix.so either way: what require looks for).
LIBRARY  := $(TARGET_DIR)/release/libwildix.$(if $(filter Darwin,$(shell uname -s)),dylib,so)
FOUND     = $(foreach l,$(LUAS),$(if $(shell command -v $(l) 2>/dev/null),$(l)))
# lua5.4 -> lua54, luajit -> luajit
feature   = $(subst lua5.,lua5,$(1))

SCRIPT   ?= examples/demo.lua

.PHONY: cli with-sandbox build demo test deps lint unit spec sandbox soak bench clean rock test-rock dist rock-deps

build:
ifeq ($(strip $(LUA)),)
	@test -n "$(strip $(FOUND))" || { echo "build: no Lua interpreter found (looked for: $(LUAS)); install one, or run make deps" >&2; exit 1; }
	@for l in $(FOUND); do $(MAKE) --no-print-directory build LUA=$$l || exit 1; done
else
	@case " $(LUAS) " in *" $(LUA) "*) ;; *) echo "LUA must be one of: $(LUAS)"; exit 2 ;; esac
	$(CARGO) build --release --lib --features $(call feature,$(LUA))
	@mkdir -p build/$(LUA)
	@# a rename, so a process that has the old file loaded keeps it intact
	cp $(LIBRARY) build/$(LUA)/wildix.so.new
	mv -f build/$(LUA)/wildix.so.new build/$(LUA)/wildix.so
endif

sandbox:
	$(CARGO) build --release -p wildix-sandbox

# The luarocks build step (rockspec/wildix-scm-1.rockspec): ROCK_LUA is the
# interpreter luarocks targets; it says which Lua it is, which picks the
# cargo feature. Leaves build/rock/wildix.so for luarocks to install.
rock:
	@test -n "$(ROCK_LUA)" || { echo "rock: set ROCK_LUA to the Lua interpreter to build for" >&2; exit 2; }
	@# luarocks passes CC and CFLAGS for C modules; cargo would take them as
	@# a change and rebuild ring, so the Rust build runs without them.
	feature=$$("$(ROCK_LUA)" -e 'io.write(jit and "luajit" or (_VERSION:gsub("Lua 5%.", "lua5")))') && \
		env -u CC -u CFLAGS $(CARGO) build --release --lib --features "$$feature"
	@mkdir -p build/rock
	cp $(LIBRARY) build/rock/wildix.so

demo:
	@$(MAKE) --no-print-directory with-sandbox SCRIPT=examples/demo.lua

# From a clone to a working CLI in one step: a shell ($$SHELL) with `wildix`
# on PATH and WILDIX_URL/WILDIX_TOKEN set, against a sandbox whose calls
# end today (`wildix calls --since 7d`, `wildix stats`); leaving the shell
# stops the sandbox. CLI_ARGS are the shell's (`CLI_ARGS='-c "wildix stats"'`).
cli:
	@sh tools/deps.sh $(DEMO_LUA)
	@$(MAKE) --no-print-directory build LUA=$(DEMO_LUA)
	@$(MAKE) --no-print-directory sandbox
	@mkdir -p build/bin
	@printf '#!/bin/sh\nexec "%s" "%s/bin/wildix" "$$@"\n' "$$(command -v $(DEMO_LUA))" "$(CURDIR)" > build/bin/wildix
	@chmod +x build/bin/wildix
	@WILDIX_SANDBOX_FLAGS=--end-today sh tools/with-sandbox.sh env PATH="$(CURDIR)/build/bin:$$PATH" \
		$${SHELL:-/bin/sh} $(CLI_ARGS)

# Builds DEMO_LUA's module and the sandbox, then runs SCRIPT against it.
with-sandbox:
	@sh tools/deps.sh $(DEMO_LUA)
	@$(MAKE) --no-print-directory build LUA=$(DEMO_LUA)
	@$(MAKE) --no-print-directory sandbox
	@sh tools/with-sandbox.sh env LUA_CPATH="build/$(DEMO_LUA)/?.so;;" $(DEMO_LUA) $(SCRIPT)

deps:
	@sh tools/deps.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --features lua-tests -- -D warnings
	$(CARGO) clippy --lib --features lua54 -- -D warnings
	$(CARGO) clippy -p wildix-sandbox --all-targets -- -D warnings
	$(CARGO) clippy -p wildix-bench-floor -- -D warnings
	luacheck lua src/shim.lua types spec examples bench tools bin/wildix
	@sh tools/deps.sh lua5.4 emmylua_check
	lua5.4 tools/docs.lua --check
	lua5.4 tools/typecheck.lua

unit:
	$(CARGO) test --workspace
	$(CARGO) test --features lua-tests

# busted on every interpreter (tools/busted.sh: no WILDIX_* of the caller's);
# then LuaJIT with every loop compiled at once (a trace holds what it
# called), and two runs whose environment is not the developer's: a fresh CI
# runner's (TERM=dumb, LANG=C, no TZ) and a terminal's set the way no spec
# may lean on (UTF-8, COLUMNS=40, NO_COLOR, TZ far from UTC).
spec: sandbox
	@for l in $(LUAS); do \
		$(MAKE) --no-print-directory build LUA=$$l || exit 1; \
		echo "== busted on $$l"; \
		sh tools/busted.sh $$l || exit 1; \
	done
	@echo "== busted on luajit, every loop compiled at once"
	@sh tools/busted.sh luajit -e "jit.opt.start('hotloop=1')"
	@echo "== busted on lua5.1, as on a fresh CI runner"
	@sh tools/busted.sh --env fresh lua5.1
	@echo "== busted on lua5.4, in a terminal no spec may lean on"
	@sh tools/busted.sh --env terminal lua5.4

test: deps lint unit spec test-rock

# Builds the release rocks (make dist) and installs them (the binary ones
# with no cargo on PATH) and the rock from this clone into
# temporary trees (Lua 5.1, 5.4, LuaJIT); checks require("wildix") and
# bin/wildix from each. See tools/test-rock.sh.
test-rock: sandbox rock-deps
	@sh tools/with-sandbox.sh sh tools/test-rock.sh

# What a release ships, in dist/: the source rock and binary rocks for Lua
# 5.1, 5.4 and LuaJIT (tools/dist.sh), from the tracked files (new ones: git add).
dist: rock-deps
	sh tools/dist.sh dist

rock-deps:
	@sh tools/deps.sh lua5.1 lua5.4 luajit luarocks zip
	@sh tools/deps.sh --packages liblua5.1-0-dev liblua5.4-dev libluajit-5.1-dev

# 20,000 calls through injected faults; not part of `make test`.
soak:
	@$(MAKE) --no-print-directory with-sandbox SCRIPT=bench/soak.lua

# wildix vs luasocket/lua-curl + cjson vs the Rust floor; not part of `make test`.
# BASELINE=<git rev> adds the module as built at that revision, side by side.
BASELINE ?=
bench:
	@sh tools/deps.sh lua5.1 lua5.4 luajit
	@sh tools/deps.sh --packages lua-cjson lua-socket lua-curl curl
	@$(MAKE) --no-print-directory build LUA=lua5.1
	@$(MAKE) --no-print-directory build LUA=lua5.4
	@$(MAKE) --no-print-directory build LUA=luajit
	@$(MAKE) --no-print-directory sandbox
	$(CARGO) build --release -p wildix-bench-floor
	$(if $(BASELINE),sh tools/baseline.sh $(BASELINE) lua5.4 luajit)
	$(if $(BASELINE),BENCH_BASELINE=1) lua5.4 bench/bench.lua

clean:
	$(CARGO) clean
	rm -rf build dist
