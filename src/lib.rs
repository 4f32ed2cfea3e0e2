//! wildix: a Wildix PBX from Lua: read it, and act on it when the account allows.
//!
//! Each function is a row of `catalogue` (name, parameters, records,
//! credential). A call flows through the files in order: `params`
//! (checked against its row) → `api` (planned as Wildix requests) →
//! `http` (sent on a shared `pool`, paced by `throttle`, with the
//! `credentials`' headers, S2S ones signed by `s2s`, its error text
//! cleared of secrets; waits cut into slices that look for an interrupt,
//! `cancel`; what outlives a call is per process, `fork`) → `decode` (the
//! body read into a `Tape`, records normalised by the rules in
//! `normalize`) → `reply` (the result, owned by Rust) → `lua_push` (built
//! in Lua). `client` runs a call; `pager` walks a list for
//! an iterator or a list call (and ends when `progress` says the PBX no
//! longer pages); a write goes
//! through `write` (allowed, described, sent once), a recording through
//! `recording`; `watch` keeps the requests made for `on_request`; `lua`,
//! `lua_hook` (Ctrl-C), `topics` (a doc topic per function) and
//! `src/shim.lua` are the Lua face. Everything before `lua_push` is plain
//! Rust, tested without Lua.
//!
//! Only `open` is public: the rest is the module's inside. Built without a
//! Lua (the Lua-free unit tests), what only the Lua face uses looks dead.
#![cfg_attr(not(feature = "lua"), allow(dead_code))]
// The compiler keeps the boundaries: nothing is `pub` that no one outside
// the crate can reach (`pub(crate)` says so, and dead code shows).
#![warn(unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]

mod api;
mod cancel;
mod catalogue;
mod client;
mod config;
mod credentials;
mod dates;
mod decode;
mod error;
mod fork;
mod http;
mod normalize;
mod pager;
mod params;
mod pool;
mod progress;
mod recording;
mod reply;
mod resolve;
mod s2s;
mod terminal;
mod throttle;
mod topics;
mod watch;
mod write;

#[cfg(feature = "lua")]
mod lua;
#[cfg(feature = "lua")]
mod lua_hook;
#[cfg(feature = "lua")]
mod lua_push;

#[cfg(feature = "lua")]
pub use lua::open;

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod sandbox_tests;

// One Lua per build. Unit tests of the Lua-free core build with none.
#[cfg(not(test))]
const _: () = {
    let chosen = cfg!(feature = "lua51") as u8
        + cfg!(feature = "lua52") as u8
        + cfg!(feature = "lua53") as u8
        + cfg!(feature = "lua54") as u8
        + cfg!(feature = "luajit") as u8
        + cfg!(feature = "lua-tests") as u8;
    assert!(
        chosen == 1,
        "choose exactly one Lua feature: lua51, lua52, lua53, lua54 or luajit (lua-tests for Rust tests)"
    );
};

/// `require("wildix")` lands here.
#[cfg(all(feature = "lua", not(feature = "lua-tests")))]
#[mlua::lua_module]
fn wildix(lua: &mlua::Lua) -> mlua::Result<mlua::Table> {
    lua::open(lua)
}
