//! The one place where Rust meets the raw Lua C API: an `Out` (decoded,
//! normalised and owned by Rust) becomes Lua tables, built straight on the
//! stack as lua-cjson builds them.
//!
//! Why this is sound. Any Lua API call that allocates can raise a Lua
//! error (out of memory, or an error from a `__gc` finalizer that the
//! allocation's GC step runs). Lua 5.1–5.4 raise with `longjmp`, which skips
//! Rust frames without running their destructors; LuaJIT unwinds, and
//! aborts the process if that reaches a Rust `catch_unwind`. So:
//! - every such call runs inside `push_entry`, a C function that
//!   `lua_pcall` runs, and the error stops at that `lua_pcall`;
//! - `push_entry` and everything it calls own nothing: they hold only
//!   references into the `Out`, which the caller owns and drops after the
//!   call returns, and plain integers. A skipped frame skips no destructor,
//!   and has no landing pad for LuaJIT's unwinder to run;
//! - the one thing done to the `Out` is `Tape::release_before`, between
//!   two Lua calls: it frees node chunks already pushed (so the Rust copy
//!   shrinks as the Lua one grows) and leaves the `Out` whole for its
//!   owner to drop, however the call ends;
//! - nothing here can panic (no indexing, no allocation in Rust), so no
//!   Rust panic ever unwinds through Lua's frames;
//! - outside `push_entry`, the only raw calls are `lua_pushlightuserdata`
//!   and `lua_pcall`, which never raise.
//!
//! A Lua error inside comes back as `Pushed::Raised`, to be raised again
//! as it is: the process lives and the caller's `pcall` sees it.

use std::ffi::{c_int, c_void};

use mlua::{ffi, Function, Lua, Value as LuaValue};

use crate::decode::{Node, Tape};
use crate::reply::Out;

type L = *mut ffi::lua_State;

/// The outcome of a push.
pub enum Pushed {
    /// The result table (or value).
    Value(LuaValue),
    /// A Lua error raised while building it, to raise again unchanged.
    Raised(LuaValue),
}

/// The C function that does the pushing, made once per Lua state.
pub struct Entry(pub Function);

/// Makes the entry function (kept by the caller, e.g. as app data).
pub fn entry(lua: &Lua) -> mlua::Result<Entry> {
    // SAFETY: `push_entry` follows the C function protocol: one light
    // userdata argument, one result.
    Ok(Entry(unsafe { lua.create_c_function(push_entry)? }))
}

/// Builds `out` in Lua; `out`'s tapes are read (and freed) as they go.
pub fn push(lua: &Lua, entry: &Entry, out: &mut Out) -> mlua::Result<Pushed> {
    let mut status: c_int = 0;
    // SAFETY: `exec_raw` pushes the entry function and gives room for 3
    // more values; we push one light userdata (no allocation) and call
    // `lua_pcall`, which never raises. `out` outlives the call.
    let value = unsafe {
        lua.exec_raw::<LuaValue>(&entry.0, |state| {
            ffi::lua_pushlightuserdata(state, (out as *mut Out).cast::<c_void>());
            status = ffi::lua_pcall(state, 1, 1, 0);
        })?
    };
    Ok(if status == 0 {
        Pushed::Value(value)
    } else {
        Pushed::Raised(value)
    })
}

/// Runs under `lua_pcall`: pushes the `Out` its light userdata points to.
unsafe extern "C-unwind" fn push_entry(state: L) -> c_int {
    let out = ffi::lua_touserdata(state, 1).cast::<Out>();
    ffi::lua_settop(state, 0);
    match out.as_mut() {
        Some(out) => push_out(state, out),
        None => ffi::lua_pushnil(state),
    }
    1
}

/// Room for `n` more values, or a Lua error (caught by our `lua_pcall`).
unsafe fn room(state: L, n: c_int) {
    if ffi::lua_checkstack(state, n) == 0 {
        push_bytes(
            state,
            b"wildix: the answer is nested too deeply for the Lua stack",
        );
        ffi::lua_error(state);
    }
}

unsafe fn push_bytes(state: L, bytes: &[u8]) {
    ffi::lua_pushlstring(state, bytes.as_ptr().cast(), bytes.len());
}

/// Integers where the Lua version has them; numbers (exact to 2^53) elsewhere.
unsafe fn push_int(state: L, i: i64) {
    #[cfg(any(feature = "lua53", feature = "lua54", feature = "lua-tests"))]
    ffi::lua_pushinteger(state, i as ffi::lua_Integer);
    #[cfg(not(any(feature = "lua53", feature = "lua54", feature = "lua-tests")))]
    ffi::lua_pushnumber(state, i as ffi::lua_Number);
}

fn size(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

unsafe fn push_out(state: L, out: &mut Out) {
    room(state, 4);
    match out {
        Out::Int(i) => push_int(state, *i),
        Out::Bool(b) => ffi::lua_pushboolean(state, c_int::from(*b)),
        Out::Value(tape, at) => push_tape(state, tape, *at),
        Out::Records(pages) => {
            let total = pages.iter().map(|(_, picks)| picks.len()).sum::<usize>();
            ffi::lua_createtable(state, size(total), 0);
            let mut n: ffi::lua_Integer = 0;
            for (tape, picks) in pages.iter_mut() {
                ffi::lua_createtable(state, size(tape.fields().len()), 0);
                let keys = ffi::lua_gettop(state);
                for at in picks.iter() {
                    tape.release_before(*at);
                    push_node(state, tape, keys, *at);
                    n += 1;
                    ffi::lua_rawseti(state, keys - 1, n);
                }
                ffi::lua_settop(state, keys - 1);
            }
        }
        Out::Table(fields) => {
            ffi::lua_createtable(state, 0, size(fields.len()));
            for (key, value) in fields.iter_mut() {
                push_bytes(state, key.as_bytes());
                push_out(state, value);
                ffi::lua_rawset(state, -3);
            }
        }
    }
}

/// Pushes the value at node `at` of `tape`, with a fresh key cache.
unsafe fn push_tape(state: L, tape: &Tape, at: usize) {
    ffi::lua_createtable(state, size(tape.fields().len()), 0);
    let keys = ffi::lua_gettop(state);
    push_node(state, tape, keys, at);
    ffi::lua_replace(state, keys);
}

/// Pushes the value at node `at`; returns the index after it. `keys` is
/// the stack slot of the table caching record keys by field id.
unsafe fn push_node(state: L, tape: &Tape, keys: c_int, at: usize) -> usize {
    let Some(node) = tape.node(at) else {
        ffi::lua_pushnil(state);
        return at + 1;
    };
    match node {
        Node::Bool(b) => ffi::lua_pushboolean(state, c_int::from(b)),
        Node::Int(i) => push_int(state, i),
        Node::Num(f) => ffi::lua_pushnumber(state, f),
        Node::Str(t) | Node::Key(t) => push_bytes(state, tape.bytes(t)),
        Node::Field(id) => {
            let slot = ffi::lua_Integer::from(id) + 1;
            ffi::lua_rawgeti(state, keys, slot);
            if ffi::lua_type(state, -1) == ffi::LUA_TNIL {
                ffi::lua_settop(state, -2);
                let text = tape.fields().get(id as usize).copied();
                push_bytes(state, text.map(|t| tape.bytes(t)).unwrap_or_default());
                ffi::lua_pushvalue(state, -1);
                ffi::lua_rawseti(state, keys, slot);
            }
        }
        Node::Array(n) => {
            room(state, 3);
            ffi::lua_createtable(state, size(n as usize), 0);
            let mut next = at + 1;
            for i in 1..=ffi::lua_Integer::from(n) {
                next = push_node(state, tape, keys, next);
                ffi::lua_rawseti(state, -2, i);
            }
            return next;
        }
        Node::Object(n) => {
            room(state, 3);
            ffi::lua_createtable(state, 0, size(n as usize));
            let mut next = at + 1;
            for _ in 0..n {
                next = push_node(state, tape, keys, next);
                next = push_node(state, tape, keys, next);
                ffi::lua_rawset(state, -3);
            }
            return next;
        }
    }
    at + 1
}
