-- Built from a clone: `luarocks make rockspec/wildix-scm-1.rockspec`
-- (add `--lua-version 5.1|5.2|5.3|5.4` and `--tree DIR` as usual).
-- Needs cargo (Rust 1.87+) on PATH. The `make` backend runs `make rock`,
-- which asks the interpreter luarocks targets which Lua it is (LuaJIT or
-- 5.x) and builds wildix.so with the matching cargo feature; nothing is
-- downloaded but crates (from crates.io, or cargo's offline cache).
rockspec_format = "3.0"
package = "wildix"
version = "scm-1"

source = {
   url = "git+file://.",
}

description = {
   summary = "A Wildix PBX from Lua: call history, users, presence, recordings; calls, SMS, contacts",
   detailed = [[
      Reads a Wildix PBX (call history, extensions, users, contacts, presence,
      phones online, call groups, who owns a number, recordings) and acts on it
      when the account allows writes (calls, hang-ups, SMS, presence, contacts).
   ]],
   license = "MIT",
   labels = { "pbx", "wildix", "telephony", "rust" },
}

dependencies = {
   "lua >= 5.1, < 5.5",
}

build = {
   type = "make",
   build_target = "rock",
   build_variables = {
      ROCK_LUA = "$(LUA)",
      CFLAGS = "$(CFLAGS)", -- passed so luarocks does not warn; `make rock` keeps it from cargo
   },
   -- `make rock` leaves build/rock/wildix.so; luarocks installs the files.
   install_pass = false,
   install = {
      lib = { wildix = "build/rock/wildix.so" },
      lua = {
         ["wildix.act"] = "lua/wildix/act.lua",
         ["wildix.cli"] = "lua/wildix/cli.lua",
         ["wildix.format"] = "lua/wildix/format.lua",
         ["wildix.help"] = "lua/wildix/help.lua",
         ["wildix.profile"] = "lua/wildix/profile.lua",
      },
      bin = { wildix = "bin/wildix" },
   },
   -- types/: the editor definitions, in the rock's directory (luarocks show --rock-dir wildix)
   copy_directories = { "docs", "examples", "types" },
}
