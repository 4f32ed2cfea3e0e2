//! Scans (`each_call`, `each_extension`, `each_user`): every record of a
//! list exactly once, one page at a time, whatever page size the PBX
//! honours.
//!
//! - The offset advances by the records that arrived, never by `count`.
//! - The scan ends on an empty page, or when the offset reaches `total`
//!   (without a total: on a short page).
//! - Call history is newest first and grows while it is read. The first
//!   page pins the window: later pages ask only for calls that started no
//!   later than the newest call of the first page (`filter[start][to]`), so
//!   calls that arrive during the scan do not shift it. Calls that are
//!   written late (a call is logged when it ends, under its start time) can
//!   still shift it by a few records, which then open the next page again:
//!   the records at the start of a page that repeat the end of the
//!   previous page (by id) are dropped, so nothing is yielded twice.

use std::sync::Arc;

use crate::api::{Operation, Plan, Request};
use crate::client::Client;
use crate::dates::{DateTime, DayEdge};
use crate::decode::Shape;
use crate::error::Error;
use crate::normalize::RecordKind;
use crate::params::Params;
use crate::reply::Out;

/// A scan in progress.
#[derive(Debug)]
pub struct Scan {
    client: Arc<Client>,
    op: Operation,
    params: Params,
    request: Request,
    page_size: u32,
    offset: u64,
    /// Whether the window still has to be pinned (call history only).
    pin: bool,
    /// Ids of the previous page's records, end to end, and where each ends.
    previous: Vec<u8>,
    previous_ends: Vec<usize>,
    done: bool,
}

impl Scan {
    /// A scan of list operation `op`, `params.limit` records a request.
    pub fn new(client: Arc<Client>, op: Operation, params: Params) -> Scan {
        let request = match crate::api::plan(op, &params, client.config().scope()) {
            Plan::List { request, .. } => request,
            Plan::Record(request) | Plan::Find { request, .. } | Plan::All(request) => request,
            // Iterators are for the list functions; a lookup has nothing to page.
            Plan::Lookup(searches) => searches.into_iter().next().map_or_else(
                || crate::api::call_history(client.config().scope()),
                |s| s.request,
            ),
        };
        Scan {
            client,
            op,
            page_size: params.limit,
            params,
            request,
            offset: 0,
            pin: op.record_kind() == RecordKind::Call,
            previous: Vec::new(),
            previous_ends: Vec::new(),
            done: false,
        }
    }

    /// How many records at the start of this page (ids by `id`, `n` of
    /// them) repeat the end of the previous page.
    fn repeated<'t>(&self, id: &impl Fn(usize) -> Option<&'t [u8]>, n: usize) -> usize {
        let previous = |i: usize| -> &[u8] {
            let end = |j: usize| self.previous_ends.get(j).copied().unwrap_or(0);
            let start = if i == 0 { 0 } else { end(i - 1) };
            self.previous.get(start..end(i)).unwrap_or_default()
        };
        let Some(first) = id(0).filter(|f| !f.is_empty()) else {
            return 0;
        };
        let count = self.previous_ends.len();
        let Some(at) = (0..count).rev().find(|i| previous(*i) == first) else {
            return 0;
        };
        // The run must reach the previous page's end, in order.
        let run = count - at;
        let repeats = (0..run.min(n)).all(|k| id(k) == Some(previous(at + k)));
        if repeats {
            run.min(n)
        } else {
            0
        }
    }

    /// The next page's new records, or `None` at the end. After an error
    /// the scan is where it was: the next call asks for the same page.
    pub fn next_page(&mut self) -> Result<Option<Out>, Error> {
        if self.done {
            return Ok(None);
        }
        let shape = Shape::List(self.op.record_kind());
        let deadline = self.client.http_deadline();
        let request = self.request.page(self.offset, u64::from(self.page_size));
        let mut decoded = self
            .client
            .get(
                &request,
                shape,
                self.params.fields.as_deref(),
                deadline,
                true,
            )
            .map_err(|e| {
                self.client
                    .explain(self.op, &self.params, e)
                    .in_function(self.op.name())
            })?;
        let picks = decoded.tape.take_records();
        let n = picks.len() as u64;
        if n == 0 {
            self.done = true;
            return Ok(None);
        }
        if self.pin {
            self.pin = false;
            // From the decoder, not the tape: `fields` may leave `start` out.
            let newest = decoded
                .first_start
                .as_deref()
                .and_then(|t| DateTime::parse(t.trim(), DayEdge::Start));
            if let Some(newest) = newest {
                self.request = self.request.with("filter[start][to]", newest.to_string());
            }
        }
        // The ids as the decoder read them, one per record, in order.
        let ids = decoded.tape.take_ids();
        let id = |i: usize| ids.get(i).copied().flatten().map(|t| decoded.tape.bytes(t));
        let repeated = self.repeated(&id, picks.len());
        let kept = picks.get(repeated..).unwrap_or_default().to_vec();
        self.previous.clear();
        self.previous_ends.clear();
        for i in 0..picks.len() {
            self.previous.extend_from_slice(id(i).unwrap_or_default());
            self.previous_ends.push(self.previous.len());
        }
        self.offset += n;
        self.done = match decoded.total {
            Some(total) => self.offset >= total,
            None => n < u64::from(self.page_size),
        };
        Ok(Some(Out::Records(vec![(decoded.tape, kept)])))
    }
}
