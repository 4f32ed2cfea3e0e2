//! One account: its config and HTTP agent, its places for requests in
//! flight, and the path of every call — parameters checked, requests
//! planned and sent, answers decoded (a list's first one may be handed to
//! the Lua side, which builds it as it is decoded: `Builds`), lists walked
//! by the pager (`pager.rs`) — ending in an `Out` that the Lua side pushes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::api::{self, Operation, Plan, Request};
use crate::config::Config;
use crate::decode::{self, Decoded, Shape, Summary, View};
use crate::error::{Error, Kind};
use crate::fork::PerProcess;
use crate::http::Http;
use crate::normalize::same_number;
use crate::pager::{Pager, Run, Walk};
use crate::params::{self, Arg, Params};
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
    pub(crate) fn call(
        self: &Arc<Self>,
        op: Operation,
        table: Option<&[(Arg, Arg)]>,
    ) -> Result<Out, Error> {
        self.call_building(op, table, None)
    }

    /// `call`, with a list's first answer built by `builds` as it is
    /// decoded (then the result's list is an `Out::Appended` to it).
    pub(crate) fn call_building(
        self: &Arc<Self>,
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
        self.run(op, params, builds)
            .map_err(|e| e.in_function(op.name()))
    }

    fn run(
        self: &Arc<Self>,
        op: Operation,
        params: Params,
        builds: Option<&mut dyn Builds>,
    ) -> Result<Out, Error> {
        if op == Operation::DownloadRecording {
            return self.download_recording(op, &params);
        }
        let plan = api::plan(op, &params, self.config().scope());
        let shape = plan.shape(op.record_kind());
        let deadline = self.http.deadline();
        let explain = |e| self.explain(op, &params, e);
        match plan {
            Plan::Record(request) => {
                let mut decoded = self
                    .get(&request, shape, View::default(), deadline)
                    .map_err(explain)?;
                if let Some((key, value)) = op.echo(&params) {
                    decoded.tape.append_field(key, &value);
                }
                Ok(Out::Value(decoded.tape, 0))
            }
            Plan::Lookup(searches) => {
                let number = params.number.clone().unwrap_or_default();
                let mut found = Vec::new();
                for search in searches {
                    let walk = Walk {
                        request: search.request,
                        kind: search.kind,
                        start: 0,
                        end: Some(u64::from(api::LOOKUP_CANDIDATES)),
                        page_size: api::LOOKUP_CANDIDATES,
                    };
                    let run = Pager::new(Arc::clone(self), op, params.clone(), walk).run(None)?;
                    for (tape, picks) in run.into_tapes() {
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
                Ok(Run::of(answer).into_all(op))
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
                let page = params.page;
                let walk = Walk {
                    request,
                    kind: op.record_kind(),
                    start,
                    end: Some(start.saturating_add(u64::from(limit))),
                    page_size: limit,
                };
                let run = Pager::new(Arc::clone(self), op, params, walk).run(builds)?;
                Ok(run.into_out(op, start, page, limit))
            }
        }
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
    pub(crate) fn answer(
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
                    credentials.auth_hint(op.row().scopes, op.row().access)
                );
                error.with_message(message)
            }
            _ => error,
        }
    }
}

/// How a request waits for a `max_requests_per_second` token.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// Its turn, however long (within the deadline): a request needed now.
    Wait,
    /// Not at all: sent only if a token is free now (a page asked for ahead).
    IfFree,
}

#[cfg(test)]
mod test {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn client_is_shareable_across_threads() {
        assert_send_sync::<Client>();
    }
}
