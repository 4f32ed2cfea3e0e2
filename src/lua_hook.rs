//! Ctrl-C in the `lua` and `luajit` interpreters: on SIGINT they set a hook
//! on the running state (calls, returns and a count of 1; `lstop` in
//! lua.c) that raises "interrupted!" at the next Lua instruction. While
//! wildix waits for the PBX no Lua instruction runs, so src/cancel.rs asks
//! here, between slices of the wait, whether such a hook has appeared
//! since the call began. Any host can interrupt a call the same way.
//!
//! Raw Lua API, and why it is sound: `lua_gethook`, `lua_gethookmask` and
//! `lua_gethookcount` only read the state, and `lua_sethook` with no hook
//! only clears it; none allocates or raises, so no Lua error can longjmp
//! over these frames. The state pointer is used only during the Rust call
//! it was taken in, on the thread that runs that call.

use std::ffi::c_int;

use mlua::{ffi, Lua};

/// What an interrupt hook looks like.
const INTERRUPT_MASK: c_int = ffi::LUA_MASKCALL | ffi::LUA_MASKRET | ffi::LUA_MASKCOUNT;

/// The running state's hook when a call began.
pub(crate) struct Hooks {
    state: *mut ffi::lua_State,
    before: Option<usize>,
}

impl Hooks {
    /// Notes the hook of the state running this call.
    pub(crate) fn watch(lua: &Lua) -> Option<Hooks> {
        let mut state = std::ptr::null_mut();
        // SAFETY: the closure only copies the pointer.
        unsafe { lua.exec_raw::<()>((), |s| state = s) }.ok()?;
        if state.is_null() {
            return None;
        }
        // SAFETY: a live state, read only (see the header).
        let before = unsafe { ffi::lua_gethook(state) }.map(|f| f as usize);
        Some(Hooks { state, before })
    }

    /// Whether an interrupt hook has been set since the call began.
    pub(crate) fn interrupted(&self) -> bool {
        // SAFETY: as in `watch`, during the same call.
        unsafe {
            let now = ffi::lua_gethook(self.state).map(|f| f as usize);
            now.is_some() && now != self.before && looks_like_interrupt(self.state)
        }
    }

    /// Clears the interrupt hook, as the interpreter's own handler does
    /// before it raises "interrupted!" (the call raises it instead).
    pub(crate) fn clear_interrupt(&self) {
        // SAFETY: as in `watch`; clearing a hook neither allocates nor raises.
        unsafe {
            if looks_like_interrupt(self.state) {
                ffi::lua_sethook(self.state, None, 0, 0);
            }
        }
    }
}

unsafe fn looks_like_interrupt(state: *mut ffi::lua_State) -> bool {
    // SAFETY: `state` is live for the running call (the callers' contract);
    // these calls only read the hook, never allocate or raise.
    unsafe {
        ffi::lua_gethook(state).is_some()
            && ffi::lua_gethookmask(state) & INTERRUPT_MASK == INTERRUPT_MASK
            && ffi::lua_gethookcount(state) == 1
    }
}
