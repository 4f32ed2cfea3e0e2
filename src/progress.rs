//! Whether a PBX is still paging: the one rule that ends a list or a scan
//! whose PBX (or a proxy in front of it) keeps answering what was already
//! read — the same page whatever the offset, or one that never advances.
//! The pager feeds it every answer it takes (`pager.rs`).
//!
//! - Outside a run of calls sharing one second, every answer of a PBX that
//!   pages brings a new record: late calls push a page back by a few
//!   records, not by whole answers. `MOST_BARREN` answers in a row that
//!   bring none are the PBX repeating itself.
//! - Inside a run longer than an answer, which a PBX that reorders it is
//!   read one record a request (docs/reference.md, "Paging"), an answer can
//!   rightly bring nothing new. There the test is the run itself: answers
//!   wholly in it claim it spans every position read so far, and a PBX that
//!   reorders a run shows most of its calls within a few answers. Once the
//!   run spans four answers (16 records at least) and fewer distinct calls
//!   than half its positions came, the run is not real.

use crate::error::Error;

/// Answers in a row, outside a run, that may bring nothing new.
pub(crate) const MOST_BARREN: u32 = 3;

/// What the answers taken so far say of the PBX's paging.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// Answers in a row that brought nothing new.
    barren: u32,
    /// The run of calls sharing a second the last answer ended on: that
    /// second, the offset it starts at, how many distinct calls of it came.
    second: Option<String>,
    run_from: u64,
    distinct: u64,
    /// Where the last answer ended, how many records it held, and whether
    /// it lay wholly in the run the one before ended on.
    end: u64,
    received: u64,
    in_run: bool,
}

/// One answer, as a pager took it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Taken<'a> {
    /// Its offset, how many records it held, and how many were new.
    pub from: u64,
    pub received: u64,
    pub fresh: u64,
    /// The `start` of its first and last records, and how many at its end
    /// share the last one (`decode::Summary`).
    pub first_start: Option<&'a str>,
    pub last_start: Option<&'a str>,
    pub tail_ties: u64,
}

impl Progress {
    /// Notes an answer.
    pub(crate) fn note(&mut self, taken: Taken<'_>) {
        let received = taken.received;
        let tail = taken.tail_ties.min(received);
        self.barren = match taken.fresh {
            0 => self.barren.saturating_add(1),
            _ => 0,
        };
        let continues = taken.first_start.is_some() && taken.first_start == self.second.as_deref();
        self.in_run = continues && received > 0 && tail >= received;
        if self.in_run {
            self.distinct = self.distinct.saturating_add(taken.fresh);
        } else {
            self.second = taken.last_start.map(str::to_string);
            self.run_from = taken.from + received - tail;
            self.distinct = tail;
        }
        self.end = taken.from + received;
        self.received = received;
    }

    /// An error when the answers so far show a PBX that does not page.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let stalled = if self.in_run {
            let spanned = self.end.saturating_sub(self.run_from);
            spanned >= 4 * self.received.max(16) && self.distinct.saturating_mul(2) < spanned
        } else {
            self.barren >= MOST_BARREN
        };
        match stalled {
            true => Err(Error::decode(format!(
                "the PBX keeps answering records already read (the last request from offset {}): \
                 it does not page as asked (a proxy repeating one answer?)",
                self.end - self.received
            ))
            .with_retryable(false)),
            false => Ok(()),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn answer(
        from: u64,
        received: u64,
        fresh: u64,
        seconds: (&'static str, &'static str),
    ) -> Taken<'static> {
        Taken {
            from,
            received,
            fresh,
            first_start: Some(seconds.0),
            last_start: Some(seconds.1),
            tail_ties: if seconds.0 == seconds.1 { received } else { 1 },
        }
    }

    #[test]
    fn three_answers_with_nothing_new_outside_a_run_are_a_repeating_pbx() {
        let mut p = Progress::default();
        p.note(answer(0, 100, 100, ("10", "09")));
        for k in 1..MOST_BARREN {
            p.note(answer(100 * u64::from(k), 100, 0, ("10", "09")));
            assert!(p.check().is_ok());
        }
        p.note(answer(300, 100, 0, ("10", "09")));
        assert!(p.check().is_err());
        // One new record resets the count.
        let mut p = Progress::default();
        for k in 0..10 {
            p.note(answer(k * 100, 100, u64::from(k % 3 == 0), ("10", "09")));
            assert!(p.check().is_ok(), "answer {k}");
        }
    }

    #[test]
    fn a_long_run_read_a_record_a_request_is_not_stalled_while_it_shows_new_calls() {
        // A run of 1,000 calls in one second, answers of 100 from a PBX
        // that reorders it: most answers bring nothing new, yet the calls
        // seen keep up with the positions the run spans.
        let mut p = Progress::default();
        p.note(answer(0, 100, 100, ("05", "05")));
        let mut distinct = 100;
        for from in 1..900 {
            let fresh = u64::from(from % 2 == 0 && distinct < 1000);
            distinct += fresh;
            p.note(answer(from, 100, fresh, ("05", "05")));
            assert!(p.check().is_ok(), "from {from}");
        }
    }

    #[test]
    fn a_run_that_shows_the_same_calls_whatever_the_offset_is_stalled() {
        // The same 100 calls, all in one second, at every offset.
        let mut p = Progress::default();
        p.note(answer(0, 100, 100, ("05", "05")));
        let mut from = 100;
        while p.check().is_ok() {
            p.note(answer(from, 100, 0, ("05", "05")));
            from += 1;
            assert!(from < 1000, "never stalled");
        }
        // Past four answers' worth of positions, not before.
        assert!(from >= 300, "{from}");
    }
}
