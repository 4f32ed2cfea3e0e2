//! The one pager: every record of a stretch of a list exactly once,
//! page by page, whatever page size the PBX honours. A scan (`each_call`,
//! `each_extension`, `each_user`) walks the whole list a page a step; a
//! list call (and each search of `lookup_number`) is a bounded run of it:
//! records `start .. start + limit`, under one deadline (`Pager::run`).
//!
//! - The offset advances by the records that arrived, never by `count`.
//! - The walk ends on an empty page, or when the offset reaches `total`
//!   (without a total: on a short page); a run also at its `limit`.
//! - A PBX that ignores `start` and `count` (docs/pbx.md: a Devices route)
//!   answers a page past the first with the whole list: such an answer is
//!   read as the list from offset 0 (`unpaged`), and the records before
//!   the run's start are skipped.
//! - Call history is newest first and grows while it is read. A walk from
//!   the list's start pins the window on its first page: later pages ask
//!   only for calls that started no later than the newest call of the
//!   first page (`filter[start][to]`), so calls that arrive meanwhile do
//!   not shift it. Calls that are written late (a call is logged when it
//!   ends, under its start time) can still shift it by a few records,
//!   which then come round again: a record whose id the walk has taken
//!   (it keeps the ids of the last pages) is dropped, so nothing is
//!   returned twice.
//! - Calls share a `start` (a call's legs), and SQL returns such rows in
//!   another order on each request (docs/pbx.md, "Paging"): a run of them
//!   cut by a page boundary can come back with a record the walk has not
//!   seen before the boundary and one it has after it. So each page
//!   starts on the run the page before ended on
//!   (the last record at least: the run may go on past it), and takes the
//!   run's unseen records wherever they are; a page asked for ahead that
//!   does not start on the whole run is dropped. A page of `n` records
//!   then brings at most `n - 1` new ones. Where the run is more than a
//!   quarter of the page (pages of a few records), that would leave too
//!   little for a history that grows while it is read: such a page starts
//!   at the walk's offset, and is asked for again from the run only if it
//!   repeats more taken records than late calls can explain (the growth
//!   of `total`). Once a run has been seen reordered, pages that end in it
//!   start on it at once. A run longer than a page is read that way one
//!   record a request, with no page asked for ahead (each would start in
//!   the run, and be dropped).
//! - With `concurrency` above 1, once a second page is needed (a walk
//!   that stops within the first costs the PBX nothing more), that page
//!   and the next ones are asked for ahead, on threads of their own, at
//!   most `concurrency` at a time for the account, at the offsets the
//!   PBX's page size predicts (pages of 16 records or more). Each starts
//!   one record early: on the last record of the page before it. A page
//!   asked for ahead is used from the record the walk saw last on,
//!   wherever late calls have moved it within the page (the two pages then
//!   join exactly, whatever arrived between them); a page without it is
//!   dropped with those after it, and asked for now, as above. Each drop
//!   halves the pages asked for ahead (down to none for a while), each
//!   join adds one back, up to `concurrency`: a PBX whose history moves
//!   fast gets no more requests than it can use. An error is met where it
//!   happens, after every earlier record. Decoding happens on those
//!   threads; Lua only gets the tapes. A run's first answer may instead be
//!   built by the Lua side as it is decoded (`client::Builds`).
//! - Every step ends within its deadline (a scan's: one `timeout` from
//!   the step; a run's: one from the call), and a PBX that keeps answering
//!   what was already read is an error (`progress.rs`).
//! - A pager that is closed (Lua 5.4's `for`, when the loop is left) or
//!   dropped (its iterator collected, a run's end) stops what it has in
//!   flight: each request ends at its next wait slice.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::time::Instant;

use crate::api::{self, Operation, Plan, Request};
use crate::cancel;
use crate::client::{Answer, Builds, Client, Slot};
use crate::dates::{DateTime, DayEdge};
use crate::decode::{Decoded, Shape, Summary, Tape};
use crate::error::{Error, Kind};
use crate::normalize::RecordKind;
use crate::params::Params;
use crate::progress::{Progress, Taken};
use crate::reply::Out;

/// The fewest records an answer must hold for pages to be asked for
/// ahead: each such page repeats one record, and calls written late in the
/// middle of the history shift what later pages hold by as many records as
/// arrive meanwhile. Smaller pages are asked for one at a time.
const MIN_AHEAD_PAGE: u64 = 16;

/// What a pager walks: a list's request, what its records are, and the
/// stretch wanted: from offset `start`, to `end` (`None`: the list's end),
/// `page_size` records a request.
#[derive(Debug)]
pub(crate) struct Walk {
    pub request: Request,
    pub kind: RecordKind,
    pub start: u64,
    pub end: Option<u64>,
    pub page_size: u32,
}

/// A walk in progress.
#[derive(Debug)]
pub(crate) struct Pager {
    client: Arc<Client>,
    op: Operation,
    params: Params,
    request: Request,
    kind: RecordKind,
    page_size: u32,
    /// The stretch wanted: records before `floor` are not taken, and no
    /// page is asked for ahead from `end` on.
    floor: u64,
    end: Option<u64>,
    /// A run's deadline, which pages asked for ahead keep too.
    bound: Option<Instant>,
    offset: u64,
    /// Whether the window still has to be pinned (call history only).
    pin: bool,
    /// Ids of the records taken lately (the last pages), oldest first.
    /// (One allocation per id, shared by both.)
    seen: HashSet<Arc<[u8]>>,
    seen_order: VecDeque<Arc<[u8]>>,
    /// The id and `start` of the last record of the page taken last.
    last_id: Option<Box<[u8]>>,
    last_start: Option<String>,
    /// Pages taken so far, and whether the PBX is still paging.
    pages: u64,
    progress: Progress,
    done: bool,
    /// Closed before its end (`close`): asking for more is an error.
    closed: bool,
    /// Pages asked for ahead, in order (at most `concurrency`).
    ahead: VecDeque<Ahead>,
    /// Set when what is in flight is no longer wanted: those requests end
    /// at their next wait slice.
    stop: Arc<AtomicBool>,
    /// The most records one answer held: what the PBX serves a request.
    per_request: u64,
    /// How many of the last page's records share its last `start` (all
    /// but one at most). A call's legs share a second, and SQL orders rows
    /// with equal keys as it likes, differently from one request to the
    /// next: a run of them cut by a page boundary may come back in another
    /// order, and only a page that starts on the whole run sees every one.
    back: u64,
    /// The largest `back` so far (at least 1): how early pages asked for
    /// ahead start.
    overlap: u64,
    /// The second of a run longer than a quarter page that the PBX was
    /// seen to reorder: while pages end in it, each starts on it at once
    /// (no page at the offset first, to see that again).
    reordering: Option<String>,
    /// The last page was all one second: a page asked for ahead would
    /// start in that run too, and could not be used (`arrived`).
    in_run: bool,
    /// The last page was built by the Lua side, which kept no ids but
    /// those of its last run: a page asked for ahead, which starts before
    /// that run, could not be joined. The next page is asked for now.
    built: bool,
    total: Option<u64>,
    /// Pages to keep asked for ahead now (up to `concurrency`), and pages
    /// to take before asking ahead again after the last drop.
    window: usize,
    cooldown: u64,
}

/// A page asked for ahead of the walk.
#[derive(Debug)]
struct Ahead {
    /// Where it starts: on the last record of the page before it.
    start: u64,
    /// When its request ends at the latest: a thread that has not
    /// answered a slice after that is gone (a child of a fork has none of
    /// its parent's threads).
    deadline: Instant,
    /// `None`: not sent, no rate token was free (`Client::get_ahead`).
    answer: Receiver<Result<Option<Decoded>, Error>>,
}

/// Records of a page the walk has not taken before: a tape, and the
/// node indices of those records in it.
pub(crate) type Picked = (Tape, Vec<usize>);

impl Drop for Pager {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Pager {
    /// A walk of `walk` for the call of `op` with `params`.
    pub(crate) fn new(client: Arc<Client>, op: Operation, params: Params, walk: Walk) -> Pager {
        let window = client.config().concurrency() as usize;
        Pager {
            client,
            op,
            params,
            request: walk.request,
            kind: walk.kind,
            page_size: walk.page_size,
            floor: walk.start,
            end: walk.end,
            bound: None,
            offset: walk.start,
            // Pinned on the list's newest call: a walk from its start only.
            pin: walk.kind == RecordKind::Call && walk.start == 0,
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            last_id: None,
            last_start: None,
            pages: 0,
            progress: Progress::default(),
            done: false,
            closed: false,
            ahead: VecDeque::new(),
            stop: Arc::new(AtomicBool::new(false)),
            per_request: 0,
            back: 0,
            overlap: 1,
            reordering: None,
            in_run: false,
            built: false,
            total: None,
            window,
            cooldown: 0,
        }
    }

    /// A scan of list operation `op`: the whole list, `params.limit`
    /// records a request.
    pub(crate) fn scan(client: Arc<Client>, op: Operation, mut params: Params) -> Pager {
        // A filter reads its field: built even when `fields` leaves it out.
        for name in ["direction", "missed"] {
            let filtered = params.values.iter().any(|(n, _)| *n == name);
            if let Some(fields) = params.fields.as_mut().filter(|_| filtered) {
                if !fields.iter().any(|f| f == name) {
                    fields.push(name.to_string());
                }
            }
        }
        let request = match api::plan(op, &params, client.config().scope()) {
            Plan::List { request, .. } => request,
            Plan::Record(request) | Plan::Find { request, .. } | Plan::All(request) => request,
            // Iterators are for the list functions; a lookup has nothing to page.
            Plan::Write { write, .. } => write.request,
            Plan::Lookup(searches) => searches
                .into_iter()
                .next()
                .map_or_else(|| api::call_history(client.config().scope()), |s| s.request),
        };
        let walk = Walk {
            request,
            kind: op.record_kind(),
            start: 0,
            end: None,
            page_size: params.limit,
        };
        Pager::new(client, op, params, walk)
    }

    /// A scan's step: the next records the loop has not seen (never an
    /// empty list), or `None` at the end: pages are taken until one brings
    /// some, all within one `timeout` from now, while the PBX is still
    /// paging (`progress.rs`). After an error the scan is where it was:
    /// the next call asks for the same page.
    pub(crate) fn next_page(&mut self) -> Result<Option<Out>, Error> {
        if self.closed {
            return Err(Error::argument(
                "this iterator was closed when its loop was left: start a new one",
            ));
        }
        let deadline = self.client.http_deadline();
        loop {
            if self.done {
                return Ok(None);
            }
            self.progress.check().map_err(|e| self.failed(e))?;
            if let Some(picked) = self.step(deadline)? {
                return Ok(Some(Out::Records(vec![picked])));
            }
        }
    }

    /// A bounded run: the records of the stretch, as one list, all within
    /// one `timeout` from now. Its first answer goes to `builds`, which
    /// builds it as it is decoded, when the run starts the list (past the
    /// start, an answer may be the whole list: `unpaged`).
    pub(crate) fn run(mut self, builds: Option<&mut dyn Builds>) -> Result<Run, Error> {
        let deadline = self.client.http_deadline();
        self.bound = Some(deadline);
        let limit = self.end.map_or(u64::MAX, |end| end - self.floor);
        let mut run = Run::default();
        if let Some(builds) = builds.filter(|_| self.floor == 0) {
            let _slot = self.place(deadline)?;
            let request = self.request.page(0, u64::from(self.page_size));
            let answer = self
                .client
                .answer(
                    &request,
                    (self.shape(), self.params.view()),
                    deadline,
                    (limit, Some(builds)),
                )
                .map_err(|e| self.failed(e))?;
            match answer {
                Answer::Built { n, summary } => {
                    run.built = Some(n);
                    run.got = n;
                    self.took_built(n, summary);
                }
                Answer::Decoded(decoded) => {
                    if let Some(picked) = self.accept(decoded, 0, None) {
                        run.push(picked, limit);
                    }
                }
            }
        }
        while run.got < limit && !self.done {
            self.progress.check().map_err(|e| self.failed(e))?;
            if let Some(picked) = self.step(deadline)? {
                run.push(picked, limit);
            }
        }
        run.total = self.total;
        Ok(run)
    }

    /// Takes one page: its new records, if it brought any.
    fn step(&mut self, deadline: Instant) -> Result<Option<Picked>, Error> {
        // From the second page on: a walk that stops within the first page
        // costs the PBX nothing more.
        if self.pages >= 1 {
            self.ask_ahead();
        }
        let out = match self.arrived()? {
            Some((decoded, start, seen)) => self.accept(decoded, start, Some(seen)),
            // On the run the page before ended on (also a run it saw the
            // PBX reorder); a tiny page, at the offset (and again from the
            // run if the PBX reordered it).
            None if 4 * self.back <= self.per_request
                || (self.reordering.is_some() && self.reordering == self.last_start) =>
            {
                let (decoded, start) = self.fetch_now(self.tie_start(), deadline)?;
                self.accept(decoded, start, None)
            }
            None => {
                let (decoded, start) = self.fetch_now(self.offset, deadline)?;
                if self.reordered(&decoded) {
                    self.reordering = self.last_start.clone();
                    let (decoded, start) = self.fetch_now(self.tie_start(), deadline)?;
                    self.accept(decoded, start, None)
                } else {
                    self.accept(decoded, start, None)
                }
            }
        };
        if self.done {
            self.drop_ahead();
        } else if self.pages >= 2 {
            self.ask_ahead();
        }
        Ok(out)
    }

    fn shape(&self) -> Shape {
        Shape::List(self.kind)
    }

    /// One of the account's places for a request, waiting (interruptibly)
    /// while all are taken, until `deadline`.
    fn place(&self, deadline: Instant) -> Result<Slot, Error> {
        loop {
            match self.client.slot() {
                Some(slot) => return Ok(slot),
                None if Instant::now() >= deadline => {
                    return Err(self.failed(Error::new(
                        Kind::Timeout,
                        format!(
                            "no request place came free within timeout ({}s): the account's other \
                             calls and scans hold all {} (concurrency)",
                            self.client.config().timeout().as_secs_f64(),
                            self.client.config().concurrency()
                        ),
                    )))
                }
                None => cancel::sleep(std::time::Duration::from_millis(5))?,
            }
        }
    }

    /// The page at `from`, asked for now in one of the account's places,
    /// before `deadline`; and where it really starts (`unpaged`).
    fn fetch_now(&mut self, from: u64, deadline: Instant) -> Result<(Decoded, u64), Error> {
        let _slot = self.place(deadline)?;
        let asked = u64::from(self.page_size);
        let request = self.request.page(from, asked);
        let decoded = self
            .client
            .get(&request, self.shape(), self.params.view(), deadline)
            .map_err(|e| self.failed(e))?;
        let start = unpaged(&decoded, from, asked).unwrap_or(from);
        Ok((decoded, start))
    }

    /// Where the run of records that share the last `start` the walk saw
    /// begins: where the next page starts.
    fn tie_start(&self) -> u64 {
        self.offset - self.back
    }

    /// Whether a page asked for at the walk's offset holds more records
    /// the walk has taken than calls written late can have pushed there
    /// (the growth of `total`): then records that share the last `start`
    /// came in another order, and some that were not taken may be before
    /// the offset. The page is asked for again from `tie_start`.
    fn reordered(&self, page: &Decoded) -> bool {
        if self.back == 0 {
            return false;
        }
        let grown = match (page.summary.total, self.total) {
            (Some(now), Some(before)) => now.saturating_sub(before),
            _ => 0,
        };
        let repeated = page
            .tape
            .ids()
            .filter(|id| !id.is_empty() && self.seen.contains(*id))
            .count();
        repeated as u64 > grown
    }

    fn failed(&self, e: Error) -> Error {
        self.client
            .explain(self.op, &self.params, e)
            .in_function(self.op.name())
    }

    /// The page asked for ahead next, once it has arrived, where it
    /// starts, and how many of its records the walk has seen (up to the
    /// last one it saw), if it holds that record; `None` if there is no
    /// such page.
    fn arrived(&mut self) -> Result<Option<(Decoded, u64, usize)>, Error> {
        let Some(next) = self.ahead.pop_front() else {
            return Ok(None);
        };
        let answer = match cancel::receive(&next.answer, Some(next.deadline)) {
            Ok(Some(answer)) => answer.map_err(|e| self.failed(e)),
            // The thread could not start, ended without an answer, or is
            // not in this process (a fork's child): asked for now.
            Ok(None) => Ok(None),
            Err(interrupted) => Err(interrupted),
        };
        let decoded = match answer {
            Ok(Some(decoded)) => decoded,
            // `Ok(None)` also when no rate token was free, so the page was
            // not sent: the walk asks for it now, waiting its turn, and
            // asks ahead less. An error is met here, after every earlier
            // record.
            other => {
                self.drop_ahead();
                return other.map(|_| None);
            }
        };
        let start = unpaged(&decoded, next.start, u64::from(self.page_size)).unwrap_or(next.start);
        let seen = self
            .last_id
            .as_deref()
            .filter(|last| !last.is_empty())
            .and_then(|last| decoded.tape.find_id(last));
        // It must start before every record that shares the last `start`
        // the walk saw: where a page asked for now would, or earlier, and
        // on another second. Asked for at the same time as the page before,
        // it may have been answered first, before calls logged late moved
        // that run further on: its first record says.
        let early_enough = start <= self.tie_start()
            && (self.back == 0 || decoded.summary.first_start != self.last_start);
        match seen.filter(|_| early_enough) {
            Some(at) => {
                self.window = (self.window + 1).min(self.client.config().concurrency() as usize);
                Ok(Some((decoded, start, at + 1)))
            }
            None => {
                self.drop_ahead();
                Ok(None)
            }
        }
    }

    /// Takes the page that starts at `start`: the records the walk has not
    /// seen (after the first `seen`, for a page asked for ahead; else
    /// without those repeating the last records taken), from the
    /// stretch's start on.
    fn accept(&mut self, mut decoded: Decoded, start: u64, seen: Option<usize>) -> Option<Picked> {
        let picks = decoded.tape.take_records();
        let n = picks.len() as u64;
        if n == 0 {
            self.done = true;
            self.total = decoded.summary.total.or(self.total);
            return None;
        }
        // The ids as the decoder read them, one per record, in order.
        let ids = decoded.tape.take_ids();
        let id = |i: usize| ids.get(i).copied().flatten().map(|t| decoded.tape.bytes(t));
        let mut kept = Vec::with_capacity(picks.len());
        let joined_at = seen.unwrap_or(0);
        let before = usize::try_from(self.floor.saturating_sub(start)).unwrap_or(usize::MAX);
        for (i, at) in picks.iter().enumerate().skip(before) {
            match id(i).filter(|id| !id.is_empty()) {
                Some(id) if self.seen.contains(id) => {}
                // Up to the record the walk saw last, a page asked for ahead
                // repeats what was taken, but a record that shares its
                // `start` may come in another order: unseen, it is new.
                None if i < joined_at => {}
                Some(id) => {
                    let id: Arc<[u8]> = id.into();
                    self.seen.insert(Arc::clone(&id));
                    self.seen_order.push_back(id);
                    kept.push(*at);
                }
                None => kept.push(*at),
            }
        }
        let last_id = id(picks.len() - 1).map(Into::into);
        // A page asked for ahead that brought mostly records already seen:
        // the history moves about as fast as pages are asked for.
        let mostly_seen = seen.is_some() && 2 * kept.len() < picks.len();
        let summary = std::mem::take(&mut decoded.summary);
        self.took(start, n, kept.len() as u64, summary, last_id);
        if mostly_seen && !self.done {
            self.shrink_window();
        }
        // `direction` and `missed` filter what the PBX returned (it has no
        // such filters): the records' own fields decide.
        kept.retain(|at| self.wanted(&decoded.tape, *at));
        (!kept.is_empty()).then_some((decoded.tape, kept))
    }

    /// Takes a run's first answer, which the Lua side built (`n` records):
    /// the ids it knows of are those of its last run of calls.
    fn took_built(&mut self, n: u64, summary: Summary) {
        if n == 0 {
            self.done = true;
            return;
        }
        for id in summary.tail_ids.iter().filter(|id| !id.is_empty()) {
            let id: Arc<[u8]> = id.as_ref().into();
            self.seen.insert(Arc::clone(&id));
            self.seen_order.push_back(id);
        }
        let last_id = summary.tail_ids.last().cloned();
        self.took(0, n, n, summary, last_id);
        self.built = true;
    }

    /// Moves the walk past a page that started at `start`, held `n`
    /// records (`fresh` of them new) and ended on `last_id`.
    fn took(
        &mut self,
        start: u64,
        n: u64,
        fresh: u64,
        summary: Summary,
        last_id: Option<Box<[u8]>>,
    ) {
        if self.pin {
            self.pin = false;
            // From the decoder, not the tape: `fields` may leave `start` out.
            let newest = summary
                .first_start
                .as_deref()
                .and_then(|t| DateTime::parse(t.trim(), DayEdge::Start));
            if let Some(newest) = newest {
                self.request = self.request.with("filter[start][to]", newest.to_string());
            }
        }
        self.last_id = last_id;
        self.built = false;
        self.last_start = summary.last_start;
        self.pages += 1;
        self.cooldown = self.cooldown.saturating_sub(1);
        self.offset = start + n;
        self.per_request = self.per_request.max(n);
        self.back = summary.tail_ties.min(n - 1);
        self.in_run = summary.tail_ties >= n;
        self.overlap = self.overlap.max(self.back);
        self.total = summary.total;
        self.forget_old_ids();
        self.done = match summary.total {
            Some(total) => self.offset >= total,
            None => n < u64::from(self.page_size),
        };
        self.progress.note(Taken {
            from: start,
            received: n,
            fresh,
            first_start: summary.first_start.as_deref(),
            last_start: self.last_start.as_deref(),
            tail_ties: summary.tail_ties,
        });
    }

    /// Whether the record at `at` passes the scan's `direction` and
    /// `missed` filters.
    fn wanted(&self, tape: &Tape, at: usize) -> bool {
        use crate::reply::{field, Value};
        let direction = self.params.text("direction");
        let missed = self.params.boolean("missed");
        direction.is_none_or(|d| field(tape, at, "direction") == Some(Value::Text(d.as_bytes())))
            && missed.is_none_or(|m| field(tape, at, "missed") == Some(Value::Bool(m)))
    }

    /// Keeps the ids of the last pages only: enough to recognise records
    /// that late calls, or the pages asked for since, have pushed back (a
    /// shift of up to four times `concurrency + 1` pages, or 1,000
    /// records), with memory bounded however long the walk.
    fn forget_old_ids(&mut self) {
        let pages = u64::from(self.client.config().concurrency()) + 1;
        let keep = (4 * self.per_request.max(u64::from(self.page_size)) * pages).max(1000) as usize;
        while self.seen_order.len() > keep {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
    }

    /// Asks for the pages after the walk's, up to `concurrency` in flight,
    /// where the PBX's page size says they start (each on the last record
    /// of the one before).
    fn ask_ahead(&mut self) {
        let concurrency = self.client.config().concurrency() as usize;
        if concurrency < 2
            || self.offset == 0
            || self.per_request < MIN_AHEAD_PAGE
            || self.in_run
            || self.built
        {
            return;
        }
        if self.window == 0 {
            // After a drop to none: pages one at a time for a while.
            if self.cooldown > 0 {
                return;
            }
            self.window = 1;
        }
        // Each starts `overlap` records early (one at least: the join; for
        // calls two, as legs come in pairs), and for calls one more, on the
        // second before the run (`arrived`); new records an answer brings:
        // all but those.
        let before = u64::from(self.back > 0);
        let run = self.overlap.max(1 + before);
        let overlap = run.min(self.per_request / 2).max(1) + before;
        let step = self.per_request.saturating_sub(overlap).max(1);
        let mut start = self.ahead.back().map_or(
            self.tie_start().min(self.offset - 1).saturating_sub(before),
            |a| a.start + step,
        );
        while self.ahead.len() < self.window {
            let past = |last: Option<u64>| last.is_some_and(|last| start + 1 >= last);
            if past(self.total) || past(self.end) {
                break;
            }
            // The account's other scans and lists may hold its places.
            let Some(slot) = self.client.slot() else {
                break;
            };
            let deadline = self.client.http_deadline();
            let deadline = self.bound.map_or(deadline, |bound| bound.min(deadline));
            let answer = self.ask(start, slot, deadline);
            self.ahead.push_back(Ahead {
                start,
                deadline,
                answer,
            });
            start += step;
        }
    }

    /// One page from `start`, on a thread of its own.
    fn ask(
        &self,
        start: u64,
        slot: Slot,
        deadline: Instant,
    ) -> Receiver<Result<Option<Decoded>, Error>> {
        let (tx, rx) = mpsc::sync_channel(1);
        let client = Arc::clone(&self.client);
        let request = self.request.page(start, u64::from(self.page_size));
        let shape = self.shape();
        let fields = self.params.fields.clone();
        let party = self.params.extension.clone();
        let stop = Arc::clone(&self.stop);
        // If the thread cannot start, `tx` is dropped with the closure and
        // the walk asks for the page itself.
        let _ = std::thread::Builder::new()
            .name("wildix-pager".into())
            .spawn(move || {
                let answer = cancel::watching(
                    move || stop.load(Ordering::Relaxed),
                    || {
                        let view = crate::decode::View {
                            fields: fields.as_deref(),
                            party: party.as_deref(),
                        };
                        client.get_ahead(&request, shape, view, deadline)
                    },
                );
                // The request is over, answered or not: its place is given
                // back before the walk can see the answer, so the walk can
                // ask for the next page as soon as it takes this one.
                drop(slot);
                let _ = tx.send(answer);
            });
        rx
    }

    /// Ends the scan where it is: requests in flight stop at their next
    /// wait slice, and their places go back to the account. (Lua 5.4's
    /// generic `for` calls this when the loop is left, by `break`, an error
    /// or `return`, without waiting for the garbage collector.)
    pub(crate) fn close(&mut self) {
        self.closed = !self.done;
        self.done = true;
        self.drop_ahead();
    }

    /// Forgets the pages asked for ahead (those still in flight stop),
    /// and asks for half as many from now on.
    fn drop_ahead(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.stop = Arc::new(AtomicBool::new(false));
        self.ahead.clear();
        if !self.done {
            self.shrink_window();
        }
    }

    /// Halves the pages asked for ahead; at none, pages are taken one at a
    /// time for `concurrency` pages before asking ahead again.
    fn shrink_window(&mut self) {
        self.window /= 2;
        if self.window == 0 {
            self.cooldown = self.client.config().concurrency().into();
        }
    }
}

/// Where an answer to a request from offset `from` for `asked` records
/// really starts, when the PBX ignored `start` and `count` (docs/pbx.md:
/// a Devices route does). A page from `from` holds `total - from`
/// records at most: one holding all `total` is the whole list, from
/// offset 0; without a `total`, more records than asked for are.
fn unpaged(decoded: &Decoded, from: u64, asked: u64) -> Option<u64> {
    let received = decoded.tape.records().len() as u64;
    let whole = match decoded.summary.total {
        Some(total) => total == received,
        None => received > asked,
    };
    (from > 0 && received > 0 && whole).then_some(0)
}

/// The records a list call returns, as they arrived.
#[derive(Debug, Default)]
pub(crate) struct Run {
    /// Records the Lua side built from the first answer (`Answer::Built`).
    built: Option<u64>,
    tapes: Vec<Picked>,
    got: u64,
    total: Option<u64>,
}

impl Run {
    /// One answer, every record of it.
    pub(crate) fn of(answer: Answer) -> Run {
        let mut run = Run::default();
        match answer {
            Answer::Built { n, summary } => {
                run.built = Some(n);
                run.got = n;
                run.total = summary.total;
            }
            Answer::Decoded(mut decoded) => {
                run.total = decoded.summary.total;
                let picks = decoded.tape.take_records();
                run.push((decoded.tape, picks), u64::MAX);
            }
        }
        run
    }

    /// Adds records, up to `limit` in all.
    fn push(&mut self, (tape, mut picks): Picked, limit: u64) {
        picks.truncate(usize::try_from(limit - self.got).unwrap_or(usize::MAX));
        self.got += picks.len() as u64;
        if !picks.is_empty() {
            self.tapes.push((tape, picks));
        }
    }

    /// The records, of a run whose first answer no one built.
    pub(crate) fn into_tapes(self) -> Vec<Picked> {
        debug_assert!(self.built.is_none());
        self.tapes
    }

    /// The records, as one list.
    fn records(self) -> Out {
        match self.built {
            Some(built) => Out::Appended(built, self.tapes),
            None => Out::Records(self.tapes),
        }
    }

    /// `{ <op's list key> = records, total }`: every record there is.
    pub(crate) fn into_all(self, op: Operation) -> Out {
        let key = op.list_key().unwrap_or("records");
        let got = self.got;
        Out::Table(vec![(key, self.records()), ("total", Out::Int(got as i64))])
    }

    /// `{ <op's list key> = records, total, page, limit, has_more }`, for
    /// the records from `start` on.
    pub(crate) fn into_out(self, op: Operation, start: u64, page: u64, limit: u32) -> Out {
        let (total, has_more) = api::page_summary(start, limit, self.total, self.got);
        let key = op.list_key().unwrap_or("records");
        Out::Table(vec![
            (key, self.records()),
            ("total", Out::Int(total as i64)),
            ("page", Out::Int(page as i64)),
            ("limit", Out::Int(i64::from(limit))),
            ("has_more", Out::Bool(has_more)),
        ])
    }
}
