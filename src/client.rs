//! One account: its config and HTTP agent, and the path of every call —
//! parameters checked, requests planned and sent, answers decoded (a
//! list's first one handed to the Lua side, which builds it as it is
//! decoded: `Builds`), long lists joined from several answers — ending in
//! an `Out` that the Lua side pushes.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

use crate::api::{self, Operation, Plan, Request};
use crate::cancel;
use crate::config::Config;
use crate::decode::{self, Decoded, Shape, Summary, View};
use crate::error::{Error, Kind};
use crate::fork::PerProcess;
use crate::http::Http;
use crate::normalize::same_number;
use crate::params::{self, Arg, Params};
use crate::progress::{Progress, Taken};
use crate::reply::{field_text, Out};

/// A list's first answer: decoded here, or built by the caller as it was
/// decoded (`Builds`). One per request, moved once: boxing the tape would
/// cost an allocation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Answer {
    Decoded(Decoded),
    /// `n` records built (at most the number asked for), and what the
    /// answer says besides.
    Built {
        n: u64,
        summary: Summary,
    },
}

/// Whoever builds a list's first answer as it is decoded: the Lua side
/// (`lua::LuaList`), which builds the records decoded so far while
/// another thread decodes the rest (`decode::stream`).
pub(crate) trait Builds {
    fn build(
        &mut self,
        body: Vec<u8>,
        shape: Shape,
        view: View,
        asked: u64,
    ) -> Result<Answer, Error>;
}

/// A configured account. `Sync`: Lua states on several threads may share it.
#[derive(Debug)]
pub(crate) struct Client {
    http: Http,
    /// Requests on threads of their own (pages asked for ahead, the rest of
    /// a long list) now in flight: at most `concurrency`, for the account.
    /// This process's count (`fork.rs`): a child has none of the parent's
    /// threads, so none of their places.
    in_flight: PerProcess<Arc<AtomicUsize>>,
}

/// One of an account's `concurrency` places for a request in flight,
/// given back when dropped.
#[derive(Debug)]
pub(crate) struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Client {
    pub(crate) fn new(config: Config) -> Client {
        Client {
            http: Http::new(config),
            in_flight: PerProcess::new(),
        }
    }

    /// A place for one more request in flight on the account, if fewer
    /// than `concurrency` are: every scan and list call of the account
    /// shares them (docs/reference.md: `concurrency`).
    pub(crate) fn slot(&self) -> Option<Slot> {
        let most = self.config().concurrency() as usize;
        let in_flight = self.in_flight.get(|| Arc::new(AtomicUsize::new(0)));
        in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < most).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(Arc::clone(in_flight)))
    }

    pub(crate) fn config(&self) -> &Config {
        self.http.config()
    }

    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    /// Runs `op` with the caller's parameter table (`None`: no argument).
    /// Every error names the function.
    #[cfg(test)]
    pub(crate) fn call(&self, op: Operation, table: Option<&[(Arg, Arg)]>) -> Result<Out, Error> {
        self.call_building(op, table, None)
    }

    /// `call`, with a list's first answer built by `builds` as it is
    /// decoded (then the result's list is an `Out::Appended` to it).
    pub(crate) fn call_building(
        &self,
        op: Operation,
        table: Option<&[(Arg, Arg)]>,
        builds: Option<&mut dyn Builds>,
    ) -> Result<Out, Error> {
        if crate::write::is_write(op) {
            // No hook on this path (the Lua face has one: src/shim.lua).
            let prepared = self.prepare(op, table)?;
            return self.send(&prepared);
        }
        let params = params::validate(op.spec(), table).map_err(|e| e.in_function(op.name()))?;
        self.run(op, &params, builds)
            .map_err(|e| e.in_function(op.name()))
    }

    fn run(
        &self,
        op: Operation,
        params: &Params,
        builds: Option<&mut dyn Builds>,
    ) -> Result<Out, Error> {
        if op == Operation::DownloadRecording {
            return self.download_recording(op, params);
        }
        let plan = api::plan(op, params, self.config().scope());
        let shape = plan.shape(op.record_kind());
        let deadline = self.http.deadline();
        let explain = |e| self.explain(op, params, e);
        match plan {
            Plan::Record(request) => {
                let mut decoded = self
                    .get(&request, shape, View::default(), deadline)
                    .map_err(explain)?;
                if let Some((key, value)) = op.echo(params) {
                    decoded.tape.append_field(key, &value);
                }
                Ok(Out::Value(decoded.tape, 0))
            }
            Plan::Lookup(searches) => {
                let number = params.number.clone().unwrap_or_default();
                let mut found = Vec::new();
                for search in searches {
                    let bound = (0, api::LOOKUP_CANDIDATES);
                    let shape = Shape::List(search.kind);
                    let page = self
                        .page(
                            &search.request,
                            shape,
                            View::default(),
                            bound,
                            deadline,
                            None,
                        )
                        .map_err(explain)?;
                    for (tape, picks) in page.tapes {
                        let kept = picks
                            .into_iter()
                            .filter(|at| {
                                search.numbers.iter().any(|field| {
                                    field_text(&tape, *at, field)
                                        .and_then(|t| std::str::from_utf8(t).ok())
                                        .is_some_and(|t| same_number(t, &number))
                                })
                            })
                            .collect();
                        found.push((tape, kept));
                    }
                }
                Ok(Out::Table(vec![
                    ("number", Out::Text(number)),
                    ("matches", Out::Records(found)),
                ]))
            }
            Plan::All(request) => {
                let answer = self
                    .answer(
                        &request,
                        (shape, View::default()),
                        deadline,
                        (u64::MAX, builds),
                    )
                    .map_err(explain)?;
                let mut page = Page::new(0);
                page.take(answer, 0, u64::MAX);
                Ok(page.into_all(op))
            }
            Plan::Find { request, missing } => {
                // No match, as an empty list or a 404: the record is missing.
                let mut decoded = self
                    .get(&request, shape, View::default(), deadline)
                    .map_err(|e| match e.kind() {
                        Kind::NotFound => e.with_message(missing.clone()),
                        _ => explain(e),
                    })?;
                match decoded.tape.take_records().first() {
                    Some(&at) => Ok(Out::Value(decoded.tape, at)),
                    None => Err(Error::status(404, missing)
                        .with_request("GET", &self.config().request_path(&request.path))),
                }
            }
            Plan::Write { .. } => Err(Error::internal()),
            Plan::List {
                request,
                start,
                limit,
            } => {
                let page = self
                    .page(
                        &request,
                        shape,
                        params.view(),
                        (start, limit),
                        deadline,
                        builds,
                    )
                    .map_err(explain)?;
                Ok(page.into_out(op, params.page, limit))
            }
        }
    }

    /// Records `start ..` of a list, `limit` of them however many the PBX
    /// serves per request: a short answer while `total` says more exist is
    /// followed by more requests from where it ended, up to `concurrency`
    /// of them at once, each asking for what the first answer held (the
    /// PBX's page size); from an answer shorter than that on, one at a
    /// time again. Each request after the first starts on the run of calls
    /// sharing a second that the one before ended on (`Page::take`). One
    /// deadline. The first answer goes to `builds`.
    pub(crate) fn page(
        &self,
        request: &Request,
        shape: Shape,
        view: View,
        (start, limit): (u64, u32),
        deadline: Instant,
        builds: Option<&mut dyn Builds>,
    ) -> Result<Page, Error> {
        let mut page = Page::new(start);
        let limit = u64::from(limit);
        let end = start.saturating_add(limit);
        let mut first = true;
        // Past the list's start, the answer is not built as it arrives:
        // it may be the whole list (`unpaged`).
        let mut builds = builds.filter(|_| start == 0);
        loop {
            let from = page.next_offset();
            let asked = page.count_from(from, limit - page.got);
            let answer = self.answer(
                &request.page(from, asked),
                (shape, view),
                deadline,
                (limit - page.got, builds.take()),
            )?;
            // One at a time, an answer always joins the one before.
            let from = unpaged(&answer, from, asked).unwrap_or(from);
            page.take(answer, from, limit - page.got);
            page.progress.check()?;
            let per_request = page.received;
            if per_request == 0 || page.got >= limit || !page.more() {
                return Ok(page);
            }
            if first && self.config().concurrency() > 1 {
                let end = end.min(page.total.unwrap_or(u64::MAX));
                // Each starts on the tail of the one before (see `take`):
                // as many records early as the first answer's run, two at
                // least (call legs) for calls, none for other records; at
                // most half an answer (a longer run: an answer that does
                // not join is asked for again, below), so a run as long
                // as the answer cannot make a request of every record.
                let early = match page.tail_ties {
                    0 => 0,
                    ties => ties.max(2).min(per_request / 2),
                };
                let step = per_request.saturating_sub(early).max(1);
                let mut chunks = Vec::new();
                let mut from = page.next_offset();
                while from < end {
                    chunks.push((from, per_request.min(end - from)));
                    from += step;
                }
                for (&(from, count), answer) in chunks
                    .iter()
                    .zip(self.get_all(request, shape, view, &chunks, deadline)?)
                {
                    let (mut from, mut answer) = (from, answer?);
                    // A longer run than planned for: this one is asked
                    // for again, from the run.
                    if !page.joins(from) {
                        from = page.next_offset();
                        answer = self.get(
                            &request.page(from, page.count_from(from, limit - page.got)),
                            shape,
                            view,
                            deadline,
                        )?;
                    }
                    page.take(Answer::Decoded(answer), from, limit - page.got);
                    page.progress.check()?;
                    // Past a short answer, the offsets asked for were wrong:
                    // on, one at a time.
                    if page.received < count.min(end.saturating_sub(from)) || page.got >= limit {
                        break;
                    }
                }
                if page.got >= limit || !page.more() {
                    return Ok(page);
                }
            }
            first = false;
        }
    }

    /// The pages `chunks` (offset, count) of `request`, asked for on up to
    /// `concurrency` threads at once; the answers in the order asked.
    /// Ctrl-C on the calling thread stops them all.
    fn get_all(
        &self,
        request: &Request,
        shape: Shape,
        view: View,
        chunks: &[(u64, u64)],
        deadline: Instant,
    ) -> Result<Vec<Result<Decoded, Error>>, Error> {
        // As many workers as the account has places for (none: the pages
        // are asked for below, one at a time).
        let slots: Vec<Slot> = (0..chunks.len()).map_while(|_| self.slot()).collect();
        let next = AtomicUsize::new(0);
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let mut answers: Vec<Option<Result<Decoded, Error>>> =
            chunks.iter().map(|_| None).collect();
        let interrupted = std::thread::scope(|scope| {
            for slot in slots {
                let (tx, next, stop) = (tx.clone(), &next, Arc::clone(&stop));
                scope.spawn(move || {
                    let _slot = slot;
                    let stopped = Arc::clone(&stop);
                    cancel::watching(
                        move || stopped.load(Ordering::Relaxed),
                        || {
                            while !stop.load(Ordering::Relaxed) {
                                let k = next.fetch_add(1, Ordering::Relaxed);
                                let Some(&(from, count)) = chunks.get(k) else {
                                    break;
                                };
                                let paged = request.page(from, count);
                                let answer = self.get(&paged, shape, view, deadline);
                                if tx.send((k, answer)).is_err() {
                                    break;
                                }
                            }
                        },
                    )
                });
            }
            drop(tx);
            let mut got = 0;
            while got < chunks.len() {
                match cancel::receive(&rx, None) {
                    Ok(Some((k, answer))) => {
                        if let Some(slot) = answers.get_mut(k) {
                            *slot = Some(answer);
                        }
                        got += 1;
                    }
                    Ok(None) => break,
                    Err(_) => {
                        stop.store(true, Ordering::Relaxed);
                        return true;
                    }
                }
            }
            false
        });
        if interrupted {
            return Err(cancel::error());
        }
        // A worker that died leaves its page unanswered: ask for it here.
        Ok(answers
            .into_iter()
            .zip(chunks)
            .map(|(answer, &(from, count))| {
                answer
                    .unwrap_or_else(|| self.get(&request.page(from, count), shape, view, deadline))
            })
            .collect())
    }

    /// The deadline of a call that starts now.
    pub(crate) fn http_deadline(&self) -> Instant {
        self.http.deadline()
    }

    /// One GET, decoded (with only `fields` of each record, when given);
    /// errors carry the request and the attempts.
    pub(crate) fn get(
        &self,
        request: &Request,
        shape: Shape,
        view: View,
        deadline: Instant,
    ) -> Result<Decoded, Error> {
        self.fetch(request, deadline, |body| {
            decode::decode_fields(body, shape, view)
        })
    }

    /// `get`, the answer built by `builds` when given (`asked` records of
    /// it at most).
    fn answer(
        &self,
        request: &Request,
        (shape, view): (Shape, View),
        deadline: Instant,
        (asked, builds): (u64, Option<&mut dyn Builds>),
    ) -> Result<Answer, Error> {
        self.fetch(request, deadline, |body| match builds {
            Some(builds) => builds.build(body, shape, view, asked),
            None => decode::decode_fields(body, shape, view).map(Answer::Decoded),
        })
    }

    /// `get` for a page asked for ahead: sent only if a
    /// `max_requests_per_second` token is free now (`None` if not).
    pub(crate) fn get_ahead(
        &self,
        request: &Request,
        shape: Shape,
        view: View,
        deadline: Instant,
    ) -> Result<Option<Decoded>, Error> {
        self.fetch_paced(request, deadline, Pace::IfFree, |body| {
            decode::decode_fields(body, shape, view)
        })
    }

    /// One GET, its body read by `read`; errors carry the request and the
    /// attempts.
    fn fetch<T>(
        &self,
        request: &Request,
        deadline: Instant,
        read: impl FnOnce(Vec<u8>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        // A request that waits its turn is always sent.
        self.fetch_paced(request, deadline, Pace::Wait, read)?
            .ok_or_else(Error::internal)
    }

    /// `fetch`, waiting for a rate token or sent only if one is free now.
    /// Every request's error passes here: what it quotes from the PBX or a
    /// proxy (a reason, an HTML page, a redirect's `Location`) leaves with
    /// the account's secrets masked.
    fn fetch_paced<T>(
        &self,
        request: &Request,
        deadline: Instant,
        pace: Pace,
        read: impl FnOnce(Vec<u8>) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        let redacted = |e: Error| self.config().credentials().cleared(e);
        let target = request.target();
        let reply = match pace {
            Pace::Wait => self.http.get(&target, deadline).map(Some),
            Pace::IfFree => self.http.get_if_free(&target, deadline),
        };
        let Some(reply) = reply.map_err(redacted)? else {
            return Ok(None);
        };
        read(reply.body).map(Some).map_err(|e| {
            redacted(
                e.with_request("GET", &self.config().request_path(&target))
                    .with_attempts(reply.attempts),
            )
        })
    }

    /// Says what a failure means for this call: which record or route is
    /// missing; for a refusal, what to check for the credentials in use
    /// (expiry, the route's scope, Basic on WMS 5+, the clock for S2S) and
    /// why a user-bound route refuses credentials that have no user.
    pub(crate) fn explain(&self, op: Operation, params: &Params, error: Error) -> Error {
        match error.kind() {
            Kind::NotFound => error.with_message(api::not_found_message(op, params)),
            Kind::Auth => {
                let credentials = self.config().credentials();
                let user = if op.needs_user(self.config().scope()) {
                    "; this needs credentials that belong to a user (a PBX token access_… or an OAuth token, or 'username' and 'password'): company API keys (wsk-v1-…) have no user, nor do S2S apps"
                } else {
                    ""
                };
                let message = format!(
                    "{}{user}; {}",
                    error.message(),
                    credentials.auth_hint(op.row().scopes, crate::write::is_write(op))
                );
                error.with_message(message)
            }
            _ => error,
        }
    }
}

/// Where an answer to a request from offset `from` for `asked` records
/// really starts, when the PBX ignored `start` and `count` (docs/pbx.md:
/// a Devices route does). A page from `from` holds `total - from`
/// records at most: one holding all `total` is the whole list, from
/// offset 0; without a `total`, more records than asked for are.
fn unpaged(answer: &Answer, from: u64, asked: u64) -> Option<u64> {
    let Answer::Decoded(decoded) = answer else {
        return None;
    };
    let received = decoded.tape.records().len() as u64;
    let whole = match decoded.summary.total {
        Some(total) => total == received,
        None => received > asked,
    };
    (from > 0 && received > 0 && whole).then_some(0)
}

/// How a request waits for a `max_requests_per_second` token.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// Its turn, however long (within the deadline): a request needed now.
    Wait,
    /// Not at all: sent only if a token is free now (a page asked for ahead).
    IfFree,
}

/// A list page as it arrived, in one or more answers.
#[derive(Debug)]
pub(crate) struct Page {
    start: u64,
    tapes: Vec<(decode::Tape, Vec<usize>)>,
    /// Records the caller built from the first answer (`Answer::Built`).
    built: Option<u64>,
    got: u64,
    total: Option<u64>,
    /// Where the answers so far end in the PBX's list, how many records
    /// the last one held, and how many at its end share their second
    /// (`Summary::tail_ties`).
    end: u64,
    received: u64,
    tail_ties: u64,
    /// That second, and the ids held of the calls in it: from every
    /// answer that held some, while they end in it (a run can be longer
    /// than an answer).
    run_second: Option<String>,
    run_ids: HashSet<Box<[u8]>>,
    /// The PBX sent a call of the run past where the list held it, or one
    /// the list lacks where it held the run: it orders the run anew on
    /// each request (see `next_offset`).
    reordered: bool,
    /// Whether the PBX is still paging (`progress.rs`).
    progress: Progress,
}

impl Page {
    /// An empty page at offset `start`.
    pub(crate) fn new(start: u64) -> Page {
        Page {
            start,
            tapes: Vec::new(),
            built: None,
            got: 0,
            total: None,
            end: start,
            received: 0,
            tail_ties: 0,
            run_second: None,
            run_ids: HashSet::new(),
            reordered: false,
            progress: Progress::default(),
        }
    }

    /// Where the next answer starts: on the run of calls sharing a second
    /// that the last one ended on. SQL returns rows with equal sort keys in
    /// any order, and not the same one for two LIMIT/OFFSET requests
    /// (docs/pbx.md, "Paging"): only an answer that
    /// starts on the whole run sees each of its records. A run as long as
    /// the answer cannot be started on: the next one starts after it, or,
    /// once the PBX has shown that it reorders the run, one record on
    /// (each answer holds calls of the run not seen yet, until it ends),
    /// as scans do (`scan.rs`).
    fn next_offset(&self) -> u64 {
        if self.tail_ties < self.received {
            self.end - self.tail_ties
        } else if self.reordered {
            self.end - self.received.saturating_sub(1)
        } else {
            self.end
        }
    }

    /// How many records to ask for from `from` to end with `keep` more
    /// than the list holds: those, and the ones asked for again.
    fn count_from(&self, from: u64, keep: u64) -> u64 {
        keep.saturating_add(self.end.saturating_sub(from))
    }

    /// Whether the list goes on past what arrived (without a `total`, only
    /// the caller's `limit` says).
    fn more(&self) -> bool {
        self.total.is_some_and(|total| self.end < total)
    }

    /// Whether an answer that starts at offset `from` joins the ones so
    /// far: one that starts past the last run may lack some of it.
    fn joins(&self, from: u64) -> bool {
        from <= self.next_offset()
    }

    /// Adds an answer that starts at offset `from` (one that `joins`), at
    /// most `keep` of its records: none of those the answers before
    /// already hold (the ones up to the last run, by position; the run's,
    /// by id).
    pub(crate) fn take(&mut self, answer: Answer, from: u64, keep: u64) {
        debug_assert!(self.joins(from), "an answer that starts past the run");
        let before_run = (self.end - self.tail_ties).saturating_sub(from);
        // Records from here on are past what the list held.
        let past = self.end.saturating_sub(from);
        let (received, fresh, summary) = match answer {
            Answer::Decoded(mut decoded) => {
                let ids = decoded.tape.take_ids();
                let records = decoded.tape.take_records();
                let received = records.len() as u64;
                let tape = &decoded.tape;
                let id_of = |i: usize| ids.get(i).copied().flatten().map(|t| tape.bytes(t));
                let mut reordered = false;
                let picks: Vec<usize> = records
                    .iter()
                    .enumerate()
                    .skip(usize::try_from(before_run).unwrap_or(usize::MAX))
                    .filter(|(i, _)| {
                        let id = id_of(*i);
                        let again = id.is_some_and(|id| self.run_ids.contains(id));
                        // A call of the run the list holds, past where it
                        // held it, or one it lacks where it held the run:
                        // the PBX ordered the run anew.
                        reordered |= match (*i as u64) < past {
                            true => id.is_some() && !again,
                            false => again,
                        };
                        !again
                    })
                    .map(|(_, at)| *at)
                    .take(usize::try_from(keep).unwrap_or(usize::MAX))
                    .collect();
                self.reordered |= reordered;
                self.got += picks.len() as u64;
                let fresh = picks.len() as u64;
                // An answer that brought nothing new is not kept: memory
                // follows the records returned, not the requests made.
                if fresh > 0 {
                    self.tapes.push((decoded.tape, picks));
                }
                (received, fresh, decoded.summary)
            }
            // The first answer only (nothing before it to join).
            Answer::Built { n, summary } => {
                self.got += n;
                self.built = Some(n);
                (n, n, summary)
            }
        };
        self.progress.note(Taken {
            from,
            received,
            fresh,
            first_start: summary.first_start.as_deref(),
            last_start: summary.last_start.as_deref(),
            tail_ties: summary.tail_ties,
        });
        self.total = summary.total.or(self.total);
        self.end = from + received;
        self.received = received;
        self.tail_ties = summary.tail_ties.min(received);
        // An answer wholly in the run it started on: the run goes on, and
        // so do its ids. Else a new run (and whether the PBX reorders it
        // is seen anew).
        let goes_on = self.tail_ties == received
            && summary.first_start.is_some()
            && summary.first_start == self.run_second;
        if !goes_on {
            self.run_ids.clear();
            self.run_second = summary.last_start;
            self.reordered = false;
        }
        self.run_ids.extend(summary.tail_ids);
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

    /// `{ <op's list key> = records, total, page, limit, has_more }`.
    pub(crate) fn into_out(self, op: Operation, page: u64, limit: u32) -> Out {
        let (total, has_more) = api::page_summary(self.start, limit, self.total, self.got);
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

#[cfg(test)]
mod test {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn client_is_shareable_across_threads() {
        assert_send_sync::<Client>();
    }

    /// A call page as the PBX sends it: (id, start second) pairs.
    fn calls(records: &[(&str, u32)]) -> Answer {
        let records: Vec<String> = records
            .iter()
            .map(|(id, s)| format!(r#"{{"id":"{id}","start":"2026-11-30 10:00:{s:02}"}}"#))
            .collect();
        let body = format!(
            r#"{{"type":"result","result":{{"total":6,"records":[{}]}}}}"#,
            records.join(",")
        );
        let shape = Shape::List(crate::normalize::RecordKind::Call);
        Answer::Decoded(decode::decode_fields(body.into_bytes(), shape, View::default()).unwrap())
    }

    fn ids(page: &Page) -> Vec<String> {
        page.tapes
            .iter()
            .flat_map(|(tape, picks)| picks.iter().map(move |at| (tape, *at)))
            .map(|(tape, at)| String::from_utf8_lossy(field_text(tape, at, "id").unwrap()).into())
            .collect()
    }

    #[test]
    fn answers_join_on_the_run_of_calls_sharing_a_second() {
        // The list, newest first: a b, then c d e sharing second 1, then f.
        // Each answer orders c d e as it likes.
        let mut page = Page::new(0);
        page.take(calls(&[("a", 3), ("b", 2), ("e", 1), ("c", 1)]), 0, 6);
        assert_eq!(page.next_offset(), 2, "the next answer starts on the run");
        // Starting past the run, it could lack d: it does not join.
        assert!(!page.joins(4));
        assert!(page.joins(2));
        page.take(calls(&[("d", 1), ("e", 1), ("c", 1), ("f", 0)]), 2, 6);
        assert_eq!(ids(&page), ["a", "b", "e", "c", "d", "f"]);
        assert_eq!(page.got, 6);
        // Started earlier than the run: the records before it are skipped
        // by position, the run's seen ones by id.
        let mut page = Page::new(0);
        page.take(calls(&[("a", 3), ("b", 2), ("c", 1)]), 0, 6);
        assert!(page.joins(1));
        page.take(calls(&[("b", 2), ("d", 1), ("c", 1), ("e", 1)]), 1, 6);
        assert_eq!(ids(&page), ["a", "b", "c", "d", "e"]);
        // A run as long as the answer: the next one starts after it.
        let mut page = Page::new(0);
        page.take(calls(&[("c", 1), ("d", 1)]), 0, 6);
        assert_eq!(page.next_offset(), 2);
    }

    #[test]
    fn a_run_longer_than_an_answer_is_read_once_to_its_end() {
        // Second 1 holds c d e f g, more than an answer of 3.
        let mut page = Page::new(0);
        page.take(calls(&[("a", 2), ("c", 1), ("d", 1)]), 0, 9);
        assert_eq!(page.next_offset(), 1);
        // Wholly in the run, and e where d was: the PBX reorders it. The
        // next answer starts one record on, with every id of the run held.
        page.take(calls(&[("e", 1), ("c", 1), ("f", 1)]), 1, 9);
        assert_eq!(page.next_offset(), 2);
        page.take(calls(&[("g", 1), ("d", 1), ("c", 1)]), 2, 9);
        assert_eq!(page.next_offset(), 3);
        // Past the run: a new one (b's), started on as before.
        page.take(calls(&[("f", 1), ("e", 1), ("b", 0)]), 3, 9);
        assert_eq!(page.next_offset(), 5);
        assert_eq!(ids(&page), ["a", "c", "d", "e", "f", "g", "b"]);
        assert_eq!(page.got, 7);
        // A PBX that keeps the run's order: each answer starts after the
        // one before, and none repeats a call.
        let mut page = Page::new(0);
        page.take(calls(&[("a", 2), ("c", 1), ("d", 1)]), 0, 9);
        page.take(calls(&[("c", 1), ("d", 1), ("e", 1)]), 1, 9);
        assert_eq!(page.next_offset(), 4);
        page.take(calls(&[("f", 1), ("g", 1), ("b", 0)]), 4, 9);
        assert_eq!(ids(&page), ["a", "c", "d", "e", "f", "g", "b"]);
    }
}
