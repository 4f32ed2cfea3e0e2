//! What `on_request` sees: each HTTP request an account made (method, path,
//! query, status, seconds, attempt, bytes; never a header or a body),
//! recorded by `http` on whichever thread sent it and handed to the Lua
//! hook on the Lua thread after the call (or the iterator step) that made
//! it. Off until the account has a hook; bounded when the hook is slow to
//! be called.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::fork::PerProcess;

/// Events kept between two calls at most; older ones are dropped.
const MAX_EVENTS: usize = 10_000;

/// One request, as the hook sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub method: &'static str,
    pub path: String,
    pub query: String,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    pub seconds: f64,
    pub attempt: u32,
    pub bytes: u64,
}

/// An account's requests since the hook last saw them: this process's (a
/// lock a parent's thread held at a `fork` is never taken in the child).
#[derive(Debug, Default)]
pub(crate) struct Watch {
    on: AtomicBool,
    events: PerProcess<Mutex<VecDeque<Event>>>,
}

impl Watch {
    pub(crate) fn enable(&self) {
        self.on.store(true, Ordering::Relaxed);
    }

    /// Records a request `target` (path and query, the url's own path
    /// first, as errors name it) that began at `started`.
    pub(crate) fn record(
        &self,
        method: &'static str,
        target: &str,
        started: Instant,
        (status, attempt, bytes): (Option<u16>, u32, u64),
    ) {
        if !self.on.load(Ordering::Relaxed) {
            return;
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let event = Event {
            method,
            path: path.to_string(),
            query: query.to_string(),
            status,
            seconds: started.elapsed().as_secs_f64(),
            attempt,
            bytes,
        };
        let events = self.events.get(Default::default);
        let mut events = events.lock().unwrap_or_else(|p| p.into_inner());
        if events.len() == MAX_EVENTS {
            events.pop_front();
        }
        events.push_back(event);
    }

    /// The requests recorded since the last time, oldest first.
    pub(crate) fn drain(&self) -> Vec<Event> {
        let events = self.events.get(Default::default);
        let mut events = events.lock().unwrap_or_else(|p| p.into_inner());
        events.drain(..).collect()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn nothing_is_kept_until_enabled_and_what_is_kept_is_bounded() {
        let watch = Watch::default();
        watch.record("GET", "/a?b=c", Instant::now(), (Some(200), 1, 5));
        assert!(watch.drain().is_empty());
        watch.enable();
        for _ in 0..MAX_EVENTS + 5 {
            watch.record("GET", "/a?b=c", Instant::now(), (Some(200), 1, 5));
        }
        let events = watch.drain();
        assert_eq!(events.len(), MAX_EVENTS);
        assert_eq!(
            (events[0].path.as_str(), events[0].query.as_str()),
            ("/a", "b=c")
        );
        assert!(watch.drain().is_empty());
    }
}
