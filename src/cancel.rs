//! Interrupts (Ctrl-C). A call that waits for the PBX — for an answer, for
//! the TLS handshake, or before a retry — waits in slices of `SLICE`, and
//! between slices asks the check its caller installed (`watching`) whether
//! the user has interrupted. If so the call ends at once with
//! `Kind::Interrupted`, which the Lua side turns into the interpreter's own
//! "interrupted!" error (src/lua.rs). A connect or a name lookup in
//! progress is not cut short: `connect_timeout` bounds them.

use std::cell::RefCell;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::error::{Error, Kind};

/// How often a wait looks for an interrupt.
pub(crate) const SLICE: Duration = Duration::from_millis(100);

type Check = Box<dyn Fn() -> bool>;

thread_local! {
    static CHECK: RefCell<Option<Check>> = const { RefCell::new(None) };
}

/// Runs `f` with `check` answering "interrupted?" for the waits inside it
/// (on this thread; a nested call keeps the outer check).
pub(crate) fn watching<R>(check: impl Fn() -> bool + 'static, f: impl FnOnce() -> R) -> R {
    let installed = CHECK.with(|c| {
        let mut slot = c.borrow_mut();
        if slot.is_some() {
            return false;
        }
        *slot = Some(Box::new(check));
        true
    });
    // Removed however `f` ends (a panic is caught further up).
    struct Uninstall(bool);
    impl Drop for Uninstall {
        fn drop(&mut self) {
            if self.0 {
                CHECK.with(|c| c.borrow_mut().take());
            }
        }
    }
    let _uninstall = Uninstall(installed);
    f()
}

/// Whether the user has interrupted the call in progress.
pub(crate) fn interrupted() -> bool {
    CHECK.with(|c| c.borrow().as_ref().is_some_and(|check| check()))
}

/// The error an interrupted call ends with.
pub(crate) fn error() -> Error {
    Error::new(Kind::Interrupted, "interrupted").with_retryable(false)
}

/// Waits for another thread's answer on `rx` (a page asked for on a thread
/// of its own: lists and scans alike), looking for an interrupt between
/// slices: `Ok(None)` when the sender is gone, or `until` (if given) has
/// passed by a slice; `Err` when interrupted.
pub(crate) fn receive<T>(rx: &Receiver<T>, until: Option<Instant>) -> Result<Option<T>, Error> {
    loop {
        match rx.recv_timeout(SLICE) {
            Ok(answer) => return Ok(Some(answer)),
            Err(RecvTimeoutError::Timeout) if interrupted() => return Err(error()),
            Err(RecvTimeoutError::Timeout)
                if until.is_none_or(|until| Instant::now() < until + SLICE) => {}
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return Ok(None),
        }
    }
}

/// Sleeps for `wait`, or less when interrupted.
pub(crate) fn sleep(wait: Duration) -> Result<(), Error> {
    let until = Instant::now() + wait;
    loop {
        if interrupted() {
            return Err(error());
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(SLICE));
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    #[test]
    fn a_sleep_ends_within_a_slice_of_the_interrupt() {
        let calls = Rc::new(Cell::new(0));
        let counted = calls.clone();
        let started = Instant::now();
        let result = watching(
            move || {
                counted.set(counted.get() + 1);
                counted.get() > 2
            },
            || sleep(Duration::from_secs(30)),
        );
        assert_eq!(result.map_err(|e| e.kind()), Err(Kind::Interrupted));
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(!interrupted(), "the check is removed after the call");
        assert!(sleep(Duration::from_millis(1)).is_ok());
    }
}
