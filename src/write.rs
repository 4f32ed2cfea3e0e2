//! Writes (`make_call`, `send_sms`, `create_contact`, …): checked,
//! planned (`api::plan`), allowed by the account's `writes` or refused
//! with nothing sent, described for a dry run or a `before_write` hook,
//! and sent at most once (`Http::send`). A `Prepared` write is sent once:
//! a second `send` is refused.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::api::{self, Operation, Plan, Write};
use crate::catalogue::Access;
use crate::client::Client;
use crate::error::{Error, Kind};
use crate::params::{self, Arg, Field, Params};
use crate::reply::Out;

/// A write checked and built, not yet sent.
#[derive(Debug)]
pub(crate) struct Prepared {
    op: Operation,
    params: Params,
    write: Write,
    fallback: Option<Write>,
    sent: AtomicBool,
}

impl Prepared {
    /// Whether the caller asked for a dry run: nothing is to be sent.
    pub(crate) fn dry_run(&self) -> bool {
        self.params.flag("dry_run")
    }

    /// `{ dry_run, account, function, method, path, query = {…}, body = {…},
    /// fallback = {…} }`: what would be sent (and, for `make_call`, what
    /// instead on a PBX without call control), without a secret (no
    /// header is in it).
    pub(crate) fn describe(&self, account: &str) -> Out {
        let query = self
            .write
            .request
            .query
            .iter()
            .map(|(k, v)| (*k, Out::Text(v.clone())))
            .collect();
        let mut fields = Vec::new();
        if self.dry_run() {
            fields.push(("dry_run", Out::Bool(true)));
        }
        fields.extend([
            ("account", Out::Text(account.to_string())),
            ("function", Out::Text(self.op.name().to_string())),
            ("method", Out::Text(self.write.method.to_string())),
            ("path", Out::Text(self.write.request.path.clone())),
            ("query", Out::Table(query)),
        ]);
        if let Some(body) = &self.write.body {
            fields.push(("body", out_of(body.fields())));
        }
        // What is sent instead where the PBX lacks the route.
        if let Some(fallback) = &self.fallback {
            let mut instead = vec![
                ("method", Out::Text(fallback.method.to_string())),
                ("path", Out::Text(fallback.request.path.clone())),
            ];
            if let Some(body) = &fallback.body {
                instead.push(("body", out_of(body.fields())));
            }
            fields.push(("fallback", Out::Table(instead)));
        }
        Out::Table(fields)
    }
}

fn out_of(fields: &[(&'static str, Field)]) -> Out {
    Out::Table(
        fields
            .iter()
            .map(|(name, field)| {
                let value = match field {
                    Field::Text(t) => Out::Text(t.clone()),
                    Field::Bool(b) => Out::Bool(*b),
                    Field::Map(inner) => out_of(inner),
                };
                (*name, value)
            })
            .collect(),
    )
}

impl Client {
    /// Checks a write's parameters and builds its request; refused (kind
    /// `refused`, nothing sent) unless it is a dry run or the account's
    /// `writes` allows it.
    pub(crate) fn prepare(
        &self,
        op: Operation,
        table: Option<&[(Arg, Arg)]>,
    ) -> Result<Prepared, Error> {
        let name = op.name();
        let params = params::validate(op.spec(), table).map_err(|e| e.in_function(name))?;
        let Plan::Write { write, fallback } = api::plan(op, &params, self.config().scope()) else {
            return Err(Error::argument("is not a write").in_function(name));
        };
        let acts_for_someone =
            matches!(op, Operation::SetPresence) || op.row().scopes.contains(&"callcontrol");
        if acts_for_someone
            && params.text("extension").is_none()
            && self.config().credentials().has_no_user()
        {
            return Err(Error::argument(
                "needs 'extension' (whom it acts for): company API keys (wsk-v1-…) and S2S apps have no user of their own",
            )
            .in_function(name));
        }
        if op == Operation::UpdateContact
            && !params
                .values
                .iter()
                .any(|(n, _)| !matches!(*n, "id" | "dry_run"))
        {
            return Err(Error::argument(
                "give at least one field to change (phonebook_id, name, phone, mobile, email, organization, type)",
            )
            .in_function(name));
        }
        let prepared = Prepared {
            op,
            params,
            write,
            fallback,
            sent: AtomicBool::new(false),
        };
        if !prepared.dry_run() && !self.config().writes().allows(name) {
            return Err(Error::new(
                Kind::Refused,
                format!(
                    "account '{}' does not allow writes to {name}: nothing was sent (configure it with writes = true or writes = {{ \"{name}\" }}, or set WILDIX_WRITES; dry_run = true shows the request)",
                    self.config().account()
                ),
            )
            .with_retryable(false)
            .in_function(name));
        }
        Ok(prepared)
    }

    /// Sends a prepared write, once. `make_call` on a PBX without call
    /// control (404) places the call through `Originate/Call` when no
    /// extension or device was asked for.
    pub(crate) fn send(&self, prepared: &Prepared) -> Result<Out, Error> {
        let name = prepared.op.name();
        if prepared.dry_run() {
            return Ok(prepared.describe(self.config().account()));
        }
        if prepared.sent.swap(true, Ordering::SeqCst) {
            return Err(Error::new(
                Kind::Refused,
                "this write was sent already: a write is sent at most once",
            )
            .with_retryable(false)
            .in_function(name));
        }
        let deadline = self.http().deadline();
        let explain = |e: Error| {
            self.explain(prepared.op, &prepared.params, e)
                .in_function(name)
        };
        let mut via = "call_control";
        let body = match self.send_one(&prepared.write, deadline) {
            Err(e) if e.kind() == Kind::NotFound && prepared.fallback.is_some() => {
                via = "originate";
                let fallback = prepared.fallback.as_ref().ok_or_else(Error::internal)?;
                self.send_one(fallback, deadline).map_err(explain)?
            }
            other => other.map_err(explain)?,
        };
        let mut out = vec![("ok", Out::Bool(true))];
        match prepared.op {
            Operation::MakeCall => out.push(("via", Out::Text(via.to_string()))),
            Operation::CreateContact => {
                // The new record: what was written, and the id the PBX gave.
                let id = body
                    .get("id")
                    .and_then(|id| match id {
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        Error::decode("the PBX created the contact but sent no id (result.id)")
                            .in_function(name)
                    })?;
                let mut record = vec![("id", Out::Text(id))];
                for (field, value) in &prepared.params.values {
                    if let (false, Field::Text(t)) = (*field == "dry_run", value) {
                        record.push((*field, Out::Text(t.clone())));
                    }
                }
                return Ok(Out::Table(record));
            }
            _ => {}
        }
        Ok(Out::Table(out))
    }

    /// One request of a write; its answer's `result` (or the whole JSON
    /// answer, for call control v2), an error envelope raised by its code.
    fn send_one(
        &self,
        write: &Write,
        deadline: std::time::Instant,
    ) -> Result<serde_json::Value, Error> {
        let target = write.request.target();
        let body = self
            .http()
            .send(write.method, &target, write.body.as_ref(), deadline)?;
        if let Some(error) = crate::decode::envelope_error(&body) {
            let said = format!("{}; it did not act", error.message());
            let error = error
                .with_message(said)
                .with_retryable(false)
                .with_request(write.method, &self.config().request_path(&target));
            return Err(self.config().credentials().cleared(error));
        }
        // 2xx is the PBX's word; an answer that is not JSON (204, "OK")
        // is taken as done.
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        Ok(value.get("result").cloned().unwrap_or(value))
    }
}

/// Whether `op` acts on the PBX.
pub(crate) fn is_write(op: Operation) -> bool {
    op.row().access == Access::Write
}
