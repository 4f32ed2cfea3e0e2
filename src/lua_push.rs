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
        Out::Text(t) => push_bytes(state, t.as_bytes()),
        Out::Value(tape, at) => push_tape(state, tape, *at),
        Out::Records(pages) => {
            let total = pages.iter().map(|(_, picks)| picks.len()).sum::<usize>();
            ffi::lua_createtable(state, size(total), 0);
            let list = ffi::lua_gettop(state);
            let mut n: ffi::lua_Integer = 0;
            for (tape, picks) in pages.iter_mut() {
                let keys = push_keys(state, tape);
                for at in picks.iter() {
                    tape.release_before(*at);
                    push_at(state, tape, keys, *at);
                    n += 1;
                    ffi::lua_rawseti(state, list, n);
                }
                ffi::lua_settop(state, list);
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

/// Pushes the value at node `at` of `tape`.
unsafe fn push_tape(state: L, tape: &Tape, at: usize) {
    let top = ffi::lua_gettop(state);
    let keys = push_keys(state, tape);
    push_at(state, tape, keys, at);
    ffi::lua_replace(state, top + 1);
    ffi::lua_settop(state, top + 1);
}

/// Where a tape's record keys are while it is pushed: each string made
/// once, then copied for every record that has the key.
#[derive(Clone, Copy)]
enum Keys {
    /// On the stack from this slot, this many (`lua_pushvalue` is the
    /// cheapest copy).
    Stack(c_int, u32),
    /// In the table at this slot, by field id + 1 (many keys: a hostile
    /// body could have more than the stack holds).
    Table(c_int),
}

/// Most keys kept on the stack.
const STACK_KEYS: usize = 256;

/// Pushes the record keys of `tape` above the top; the caller drops them.
unsafe fn push_keys(state: L, tape: &Tape) -> Keys {
    let fields = tape.fields();
    if fields.len() <= STACK_KEYS && ffi::lua_checkstack(state, size(fields.len()) + 8) != 0 {
        let base = ffi::lua_gettop(state) + 1;
        for text in fields {
            push_bytes(state, tape.bytes(*text));
        }
        return Keys::Stack(base, fields.len() as u32);
    }
    room(state, 3);
    ffi::lua_createtable(state, size(fields.len()), 0);
    let mut slot: ffi::lua_Integer = 0;
    for text in fields {
        push_bytes(state, tape.bytes(*text));
        slot += 1;
        ffi::lua_rawseti(state, -2, slot);
    }
    Keys::Table(ffi::lua_gettop(state))
}

/// Pushes the value at node `at` of `tape` (a value never spans chunks).
unsafe fn push_at(state: L, tape: &Tape, keys: Keys, at: usize) {
    match tape.chunk_at(at) {
        Some((nodes, i)) => {
            push_node(state, tape, nodes, keys, i);
        }
        None => ffi::lua_pushnil(state),
    }
}

/// Pushes the value at `nodes[at]`; returns the index after it. Scalars
/// are pushed here, inline; containers in `push_container`.
#[inline(always)]
unsafe fn push_node(state: L, tape: &Tape, nodes: &[Node], keys: Keys, at: usize) -> usize {
    match nodes.get(at) {
        Some(Node::Str(t) | Node::Key(t)) => push_bytes(state, tape.bytes(*t)),
        Some(Node::Field(id)) => match keys {
            Keys::Stack(base, n) if *id < n => ffi::lua_pushvalue(state, base + *id as c_int),
            Keys::Stack(..) => ffi::lua_pushnil(state), // no such field: never made
            Keys::Table(table) => {
                ffi::lua_rawgeti(state, table, ffi::lua_Integer::from(*id) + 1);
            }
        },
        Some(Node::Int(i)) => push_int(state, *i),
        Some(Node::Num(f)) => ffi::lua_pushnumber(state, *f),
        Some(Node::Bool(b)) => ffi::lua_pushboolean(state, c_int::from(*b)),
        Some(Node::Array(_) | Node::Object(_)) => {
            return push_container(state, tape, nodes, keys, at)
        }
        None => ffi::lua_pushnil(state),
    }
    at + 1
}

/// Pushes the array or object at `nodes[at]`; returns the index after it.
#[inline(never)]
unsafe fn push_container(state: L, tape: &Tape, nodes: &[Node], keys: Keys, at: usize) -> usize {
    room(state, 3);
    let mut next = at + 1;
    match nodes.get(at) {
        Some(Node::Array(n)) => {
            ffi::lua_createtable(state, size(*n as usize), 0);
            for i in 1..=ffi::lua_Integer::from(*n) {
                next = push_node(state, tape, nodes, keys, next);
                ffi::lua_rawseti(state, -2, i);
            }
        }
        Some(Node::Object(n)) => {
            ffi::lua_createtable(state, 0, size(*n as usize));
            for _ in 0..*n {
                next = push_node(state, tape, nodes, keys, next);
                next = push_node(state, tape, nodes, keys, next);
                ffi::lua_rawset(state, -3);
            }
        }
        _ => ffi::lua_pushnil(state),
    }
    next
}
