//! After `fork()`, a child has the parent's memory but only the thread that
//! forked. What wildix keeps across calls must be made anew there, never
//! used as inherited: a pooled connection is the parent's socket (a child
//! that reads or writes it takes the parent's answers), a lock another
//! thread held at the fork stays held for ever, and a count of requests in
//! flight counts threads the child does not have.
//!
//! `PerProcess` holds a value for the process that made it. In another
//! process (a child) it makes that process's own and leaves the inherited
//! one untouched: not dropped, its sockets not closed, its locks not taken.

use std::sync::atomic::{AtomicPtr, Ordering};

/// A value of this process's own, made on first use in each process.
pub(crate) struct PerProcess<T> {
    /// The value with the id of the process that made it; null before any.
    current: AtomicPtr<(u32, T)>,
}

impl<T> PerProcess<T> {
    pub(crate) const fn new() -> PerProcess<T> {
        PerProcess {
            current: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// This process's value, made by `make` the first time it is asked
    /// for here.
    pub(crate) fn get(&self, make: impl FnOnce() -> T) -> &T {
        let me = std::process::id();
        let current = self.current.load(Ordering::Acquire);
        // SAFETY: a non-null pointer here came from `Box::into_raw` below
        // and is freed only by `drop`, which takes `&mut self`: it lives as
        // long as `&self`.
        if let Some((pid, value)) = unsafe { current.as_ref() } {
            if *pid == me {
                return value;
            }
        }
        let fresh = Box::into_raw(Box::new((me, make())));
        match self
            .current
            .compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire)
        {
            // The one it replaced (none, or the parent's) is left as it is.
            // SAFETY: just made, and published: freed only by `drop`.
            Ok(_) => unsafe { &(*fresh).1 },
            Err(theirs) => {
                // Another thread of this process made one first: use it.
                // SAFETY: `fresh` was never published; `theirs` is as above.
                unsafe {
                    drop(Box::from_raw(fresh));
                    &(*theirs).1
                }
            }
        }
    }
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let current = *self.current.get_mut();
        // SAFETY: as in `get`; no reference outlives `&mut self`. A value
        // another process made (inherited) is not this one's to drop.
        unsafe {
            if current
                .as_ref()
                .is_some_and(|(pid, _)| *pid == std::process::id())
            {
                drop(Box::from_raw(current));
            }
        }
    }
}

// SAFETY: it hands out `&T` to any thread, and moves its `T` only in
// `drop`, as a `Mutex<T>` would need.
unsafe impl<T: Send + Sync> Sync for PerProcess<T> {}
unsafe impl<T: Send> Send for PerProcess<T> {}

impl<T> Default for PerProcess<T> {
    fn default() -> PerProcess<T> {
        PerProcess::new()
    }
}

impl<T> std::fmt::Debug for PerProcess<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PerProcess")
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_value_is_made_once_per_process() {
        let cell: PerProcess<Vec<u8>> = PerProcess::new();
        let mut made = 0;
        let first = cell.get(|| {
            made += 1;
            vec![1]
        }) as *const Vec<u8>;
        let again = cell.get(|| {
            made += 1;
            vec![2]
        }) as *const Vec<u8>;
        assert_eq!((first, made), (again, 1));
    }

    #[test]
    fn a_value_another_process_made_is_replaced_and_left_alone() {
        let cell: PerProcess<Vec<u8>> = PerProcess::new();
        // As a child finds it: made by its parent (another pid).
        let inherited = Box::into_raw(Box::new((std::process::id() ^ 1, vec![7])));
        cell.current.store(inherited, Ordering::Release);
        assert_eq!(cell.get(|| vec![8]), &vec![8]);
        // SAFETY: replaced, not freed: still ours to look at and free.
        let left = unsafe { Box::from_raw(inherited) };
        assert_eq!(left.1, vec![7]);
    }
}
