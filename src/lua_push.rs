//! The one place where Rust meets the raw Lua C API: an `Out` (decoded,
//! normalised and owned by Rust) becomes Lua tables, built straight on the
//! stack as lua-cjson builds them; so do the records of a list answer
//! while another thread decodes the rest of it (`push_stream`).
//!
//! Why this is sound. Any Lua API call that allocates can raise a Lua
//! error (out of memory, or an error from a `__gc` finalizer that the
//! allocation's GC step runs). Lua 5.1–5.4 raise with `longjmp`, which skips
//! Rust frames without running their destructors; LuaJIT unwinds, and
//! aborts the process if that reaches a Rust `catch_unwind`. So:
//! - every such call runs inside `push_entry` or `stream_entry`, C
//!   functions that `lua_pcall` runs, and the error stops at that
//!   `lua_pcall`;
//! - they and everything they call own nothing: they hold only references
//!   into the `Out` or the `Streaming`, which the caller owns and drops
//!   after the call returns, and plain integers. A skipped frame skips no
//!   destructor, and has no landing pad for LuaJIT's unwinder to run;
//! - the things done to what the caller owns happen between two Lua calls:
//!   `Tape::release_before` frees node chunks already pushed (so the Rust
//!   copy shrinks as the Lua one grows), and `Stream::next` moves what the
//!   decoding thread sent into the caller's `Stream` (and its end into
//!   `Streaming::done`) before it returns. What they own in their own
//!   frames is gone before any Lua call, and they call no Lua; what they
//!   leave is whole for its owner to drop, however the call ends;
//! - nothing here can panic (no indexing; the only allocations, in
//!   `Stream::next`, grow vectors far below their limits), so no Rust panic
//!   ever unwinds through Lua's frames;
//! - outside the entries, the only raw calls are `lua_pushlightuserdata`,
//!   `lua_insert` and `lua_pcall`, which never raise.
//!
//! A Lua error inside comes back as `Pushed::Raised`, to be raised again
//! as it is: the process lives and the caller's `pcall` sees it.

use std::ffi::{c_int, c_void};

use mlua::{ffi, Function, Lua, Table, Value as LuaValue};

use crate::decode::stream::{Step, Stream};
use crate::decode::{Node, Summary, Tape};
use crate::error::Error;
use crate::reply::Out;

type L = *mut ffi::lua_State;

/// The outcome of a push.
pub(crate) enum Pushed {
    /// The result table (or value).
    Value(LuaValue),
    /// A Lua error raised while building it, to raise again unchanged.
    Raised(LuaValue),
}

/// The C functions that do the pushing, made once per Lua state.
pub(crate) struct Entry {
    push: Function,
    stream: Function,
}

/// Makes the entry functions (kept by the caller, e.g. as app data).
pub(crate) fn entry(lua: &Lua) -> mlua::Result<Entry> {
    // SAFETY: both follow the C function protocol: a light userdata and a
    // table (or nil) as arguments, one result.
    unsafe {
        Ok(Entry {
            push: lua.create_c_function(push_entry)?,
            stream: lua.create_c_function(stream_entry)?,
        })
    }
}

/// Calls `function(data, list)` under `lua_pcall`.
unsafe fn call(
    lua: &Lua,
    function: &Function,
    data: *mut c_void,
    list: Option<&Table>,
) -> mlua::Result<Pushed> {
    // SAFETY: `function` is one of our entries and `data` points to what it
    // expects, alive for the call (the callers say why); `exec_raw` gives the
    // closure a stack with room for the three values it handles, and of the
    // calls below only the entry, under `lua_pcall`, can raise.
    unsafe {
        let mut status: c_int = 0;
        // SAFETY: `exec_raw` pushes the function and `list` (or nil) and gives
        // room for 3 more values; we push one light userdata (no allocation),
        // move it below `list` and call `lua_pcall`: none of them raises.
        let list = list.map_or(LuaValue::Nil, |t| LuaValue::Table(t.clone()));
        let value = lua.exec_raw::<LuaValue>((function, list), |state| {
            ffi::lua_pushlightuserdata(state, data);
            ffi::lua_insert(state, -2);
            status = ffi::lua_pcall(state, 2, 1, 0);
        })?;
        Ok(if status == 0 {
            Pushed::Value(value)
        } else {
            Pushed::Raised(value)
        })
    }
}

/// Builds `out` in Lua; `out`'s tapes are read (and freed) as they go.
/// `list` is the table an `Out::Appended` appends to.
pub(crate) fn push(
    lua: &Lua,
    entry: &Entry,
    out: &mut Out,
    list: Option<&Table>,
) -> mlua::Result<Pushed> {
    // SAFETY: `out` outlives the call.
    unsafe { call(lua, &entry.push, (out as *mut Out).cast(), list) }
}

/// A list answer being built in Lua as it is decoded.
pub(crate) struct Streaming<'s> {
    pub stream: &'s mut Stream,
    /// Records to build, at most; the rest are read and left out.
    pub asked: u64,
    /// Records built (`list[1..=built]`).
    pub built: u64,
    /// The decode's end, once it came.
    pub done: Option<Result<Summary, Error>>,
}

/// Builds the records of `job`'s stream into `list` as they are decoded.
/// `Ok(None)` when it came to its end (`job.done`), `Ok(Some(error))` for
/// a Lua error raised while building (to raise again unchanged).
pub(crate) fn push_stream(
    lua: &Lua,
    entry: &Entry,
    list: &Table,
    job: &mut Streaming,
) -> mlua::Result<Option<LuaValue>> {
    // SAFETY: `job` outlives the call.
    match unsafe {
        call(
            lua,
            &entry.stream,
            (job as *mut Streaming).cast(),
            Some(list),
        )?
    } {
        Pushed::Value(_) => Ok(None),
        Pushed::Raised(error) => Ok(Some(error)),
    }
}

/// Runs under `lua_pcall`: pushes the `Out` its light userdata points to.
unsafe extern "C-unwind" fn push_entry(state: L) -> c_int {
    // SAFETY: `lua_pcall` runs this with the light userdata `push` passed: a
    // `*mut Out` that its caller keeps alive and does not touch until the call
    // returns. Everything below may raise; that stops at our `lua_pcall`, and
    // nothing below owns memory (the header).
    unsafe {
        let out = ffi::lua_touserdata(state, 1).cast::<Out>();
        ffi::lua_settop(state, 2);
        match out.as_mut() {
            Some(out) => push_out(state, out),
            None => ffi::lua_pushnil(state),
        }
        1
    }
}

/// Runs under `lua_pcall`: builds the records of the `Streaming` its light
/// userdata points to into the table in slot 2, as they arrive.
unsafe extern "C-unwind" fn stream_entry(state: L) -> c_int {
    // SAFETY: as in `push_entry`, with the `*mut Streaming` that `push_stream`
    // passed.
    unsafe {
        let job = ffi::lua_touserdata(state, 1).cast::<Streaming>();
        ffi::lua_settop(state, 2);
        if let (Some(job), true) = (job.as_mut(), ffi::lua_type(state, 2) == ffi::LUA_TTABLE) {
            push_streamed(state, job);
        }
        ffi::lua_settop(state, 0);
        ffi::lua_pushnil(state);
        1
    }
}

/// The list is in slot 2; its keys go from slot 3 up.
unsafe fn push_streamed(state: L, job: &mut Streaming) {
    // SAFETY: called from `stream_entry` under `lua_pcall`, slot 2 holding the
    // list; a Lua error stops at that `lua_pcall`, and no value with a
    // destructor lives across a Lua call here (the header).
    unsafe {
        const LIST: c_int = 2;
        let mut keys = Keys::Stack(LIST + 1, 0);
        let mut next = 0; // the next record start to build
        let mut most = 0; // the most records the list has held
        loop {
            // What `next` returned is gone at the end of this statement: no
            // value with a destructor lives while Lua is called below.
            let more = match job.stream.next() {
                Step::Records => true,
                // A second `records` replaces the first: build again from 1.
                Step::Restart => {
                    most = most.max(job.built);
                    job.built = 0;
                    next = 0;
                    false
                }
                Step::Done(result) => {
                    job.done = Some(result);
                    break;
                }
            };
            if !more {
                continue;
            }
            keys = add_keys(state, job.stream.tape(), keys);
            while job.built < job.asked {
                let Some(&at) = job.stream.tape().record_starts().get(next) else {
                    break;
                };
                next += 1;
                job.stream.tape_mut().release_before(at);
                push_at(state, job.stream.tape(), keys, at);
                job.built += 1;
                ffi::lua_rawseti(state, LIST, job.built as ffi::lua_Integer);
            }
            if job.built >= job.asked {
                job.stream.tape_mut().release_before(usize::MAX);
            }
        }
        for i in job.built..most {
            ffi::lua_pushnil(state);
            ffi::lua_rawseti(state, LIST, i as ffi::lua_Integer + 1);
        }
    }
}

/// Room for `n` more values, or a Lua error (caught by our `lua_pcall`).
unsafe fn room(state: L, n: c_int) {
    // SAFETY: `state` is the state our entry runs in; `lua_error` longjmps to
    // our `lua_pcall`, skipping only frames that own nothing.
    unsafe {
        if ffi::lua_checkstack(state, n) == 0 {
            push_bytes(
                state,
                b"wildix: the answer is nested too deeply for the Lua stack",
            );
            ffi::lua_error(state);
        }
    }
}

unsafe fn push_bytes(state: L, bytes: &[u8]) {
    // SAFETY: `at` points to `bytes.len()` readable bytes (or to an empty C
    // string); Lua copies them before returning.
    unsafe {
        // On 5.1 and LuaJIT, mlua's `lua_pushlstring` also calls `lua_tolstring`
        // to return the pointer 5.4's gives; nothing here reads it, and it was
        // a tenth of the calls a string value makes. (`c""`: a valid pointer
        // for an empty string.)
        let at = match bytes.is_empty() {
            true => c"".as_ptr(),
            false => bytes.as_ptr().cast(),
        };
        #[cfg(any(feature = "lua51", feature = "luajit"))]
        ffi::lua_pushlstring_(state, at, bytes.len());
        #[cfg(not(any(feature = "lua51", feature = "luajit")))]
        ffi::lua_pushlstring(state, at, bytes.len());
    }
}

/// Integers where the Lua version has them; numbers (exact to 2^53) elsewhere.
unsafe fn push_int(state: L, i: i64) {
    // SAFETY: pushing a number needs one stack slot, which the caller made room
    // for.
    unsafe {
        #[cfg(any(feature = "lua53", feature = "lua54", feature = "lua-tests"))]
        ffi::lua_pushinteger(state, i as ffi::lua_Integer);
        #[cfg(not(any(feature = "lua53", feature = "lua54", feature = "lua-tests")))]
        ffi::lua_pushnumber(state, i as ffi::lua_Number);
    }
}

fn size(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

unsafe fn push_out(state: L, out: &mut Out) {
    // SAFETY: under our `lua_pcall` (the header), with room made for what is
    // pushed; `out` is the caller's and owns what it holds.
    unsafe {
        room(state, 4);
        match out {
            Out::Int(i) => push_int(state, *i),
            Out::Bool(b) => ffi::lua_pushboolean(state, c_int::from(*b)),
            Out::Text(t) => push_bytes(state, t.as_bytes()),
            Out::Value(tape, at) => push_tape(state, tape, *at),
            Out::Records(pages) => {
                let total = pages.iter().map(|(_, picks)| picks.len()).sum::<usize>();
                ffi::lua_createtable(state, size(total), 0);
                append(state, 0, pages);
            }
            // The list the stream built, in slot 2 (a new one if it is not).
            Out::Appended(built, pages) => match ffi::lua_type(state, 2) == ffi::LUA_TTABLE {
                true => {
                    ffi::lua_pushvalue(state, 2);
                    append(state, *built as ffi::lua_Integer, pages);
                }
                false => {
                    ffi::lua_createtable(state, 0, 0);
                    append(state, 0, pages);
                }
            },
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
}

/// Appends the picked records of `pages` to the list on top of the stack,
/// which holds `n` records.
unsafe fn append(state: L, mut n: ffi::lua_Integer, pages: &mut [(Tape, Vec<usize>)]) {
    // SAFETY: under our `lua_pcall`, the list on top of the stack;
    // `release_before` runs between Lua calls and drops only nodes already
    // pushed.
    unsafe {
        let list = ffi::lua_gettop(state);
        for (tape, picks) in pages.iter_mut() {
            let keys = add_keys(state, tape, Keys::Stack(list + 1, 0));
            for at in picks.iter() {
                tape.release_before(*at);
                push_at(state, tape, keys, *at);
                n += 1;
                ffi::lua_rawseti(state, list, n);
            }
            ffi::lua_settop(state, list);
        }
    }
}

/// Pushes the value at node `at` of `tape`.
unsafe fn push_tape(state: L, tape: &Tape, at: usize) {
    // SAFETY: under our `lua_pcall` (the header); the stack is restored to one
    // value above `top`.
    unsafe {
        let top = ffi::lua_gettop(state);
        let keys = add_keys(state, tape, Keys::Stack(top + 1, 0));
        push_at(state, tape, keys, at);
        ffi::lua_replace(state, top + 1);
        ffi::lua_settop(state, top + 1);
    }
}

/// Where a tape's record keys are while it is pushed: each string made
/// once, then copied for every record that has the key.
#[derive(Clone, Copy)]
enum Keys {
    /// On the stack from this slot, this many (`lua_pushvalue` is the
    /// cheapest copy).
    Stack(c_int, u32),
    /// In the table at this slot, by field id + 1, this many (many keys: a
    /// hostile body could have more than the stack holds).
    Table(c_int, u32),
}

/// Most keys kept on the stack.
const STACK_KEYS: usize = 256;

/// Makes the record keys of `tape` that `keys` lacks (a streamed tape
/// gains keys as it arrives); the top of the stack must be where `keys`
/// ends. The caller drops them.
unsafe fn add_keys(state: L, tape: &Tape, keys: Keys) -> Keys {
    // SAFETY: under our `lua_pcall`; `lua_checkstack` or `room` made the room
    // the pushes need.
    unsafe {
        let count = tape.field_count();
        let (base, have) = match keys {
            Keys::Stack(base, have) => (base, have),
            Keys::Table(slot, have) => {
                return Keys::Table(slot, add_to_table(state, tape, slot, have))
            }
        };
        let more = count.saturating_sub(have as usize);
        if count <= STACK_KEYS && ffi::lua_checkstack(state, size(more) + 8) != 0 {
            for id in have..count as u32 {
                push_bytes(state, tape.field(id).unwrap_or_default());
            }
            return Keys::Stack(base, count as u32);
        }
        // Into a table in slot `base`, the keys on the stack first.
        room(state, 3);
        ffi::lua_createtable(state, size(count), 0);
        for i in 0..have as c_int {
            ffi::lua_pushvalue(state, base + i);
            ffi::lua_rawseti(state, -2, ffi::lua_Integer::from(i) + 1);
        }
        if have > 0 {
            ffi::lua_replace(state, base);
            ffi::lua_settop(state, base);
        }
        Keys::Table(base, add_to_table(state, tape, base, have))
    }
}

/// Adds keys `have..` of `tape` to the key table in `slot`; their count.
unsafe fn add_to_table(state: L, tape: &Tape, slot: c_int, have: u32) -> u32 {
    // SAFETY: under our `lua_pcall`, the key table in `slot`; `room` made room
    // for the two values in play.
    unsafe {
        room(state, 2);
        let count = tape.field_count() as u32;
        for id in have..count {
            push_bytes(state, tape.field(id).unwrap_or_default());
            ffi::lua_rawseti(state, slot, ffi::lua_Integer::from(id) + 1);
        }
        count.max(have)
    }
}

/// Pushes the value at node `at` of `tape` (a value never spans chunks).
unsafe fn push_at(state: L, tape: &Tape, keys: Keys, at: usize) {
    // SAFETY: under our `lua_pcall`; `push_node` keeps to the room its callers
    // made.
    unsafe {
        match tape.chunk_at(at) {
            Some((nodes, i)) => {
                push_node(state, tape, nodes, keys, i);
            }
            None => ffi::lua_pushnil(state),
        }
    }
}

/// Pushes the value at `nodes[at]`; returns the index after it. Scalars
/// are pushed here, inline; containers in `push_container`.
#[inline(always)]
unsafe fn push_node(state: L, tape: &Tape, nodes: &[Node], keys: Keys, at: usize) -> usize {
    // SAFETY: under our `lua_pcall`, one value pushed; `keys` names slots
    // `add_keys` filled.
    unsafe {
        match nodes.get(at) {
            Some(Node::Str(t) | Node::Key(t)) => push_bytes(state, tape.bytes(*t)),
            Some(Node::Field(id)) => match keys {
                Keys::Stack(base, n) if *id < n => ffi::lua_pushvalue(state, base + *id as c_int),
                Keys::Stack(..) => ffi::lua_pushnil(state), // no such field: never made
                Keys::Table(table, _) => {
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
}

/// Pushes the array or object at `nodes[at]`; returns the index after it.
#[inline(never)]
unsafe fn push_container(state: L, tape: &Tape, nodes: &[Node], keys: Keys, at: usize) -> usize {
    // SAFETY: under our `lua_pcall`; `room` makes room for the table and a key
    // and value.
    unsafe {
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
}
