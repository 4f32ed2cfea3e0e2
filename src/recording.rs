//! `download_recording{ id, path }` (experimental): the URL the call's
//! record names in `attachments.recordings` (docs/pbx.md, "Records"),
//! fetched on the account's own origin only and streamed to
//! `path .. ".part"`, renamed when whole, removed on any failure. Memory
//! stays flat whatever the file's size.

use std::path::Path;

use serde_json::Value;

use crate::api::{self, Plan};
use crate::client::Client;
use crate::error::{Error, Kind};
use crate::params::Params;
use crate::reply::Out;

impl Client {
    pub(crate) fn download_recording(
        &self,
        op: api::Operation,
        params: &Params,
    ) -> Result<Out, Error> {
        let id = params.id.clone().unwrap_or_default();
        let path = params.text("path").unwrap_or_default().to_string();
        let deadline = self.http().deadline();
        let Plan::Find { request, missing } = api::plan(op, params, self.config().scope()) else {
            return Err(Error::internal());
        };
        let reply = self
            .http()
            .get(&request.target(), deadline)
            .map_err(|e| match e.kind() {
                Kind::NotFound => e.with_message(missing.clone()),
                _ => self.explain(op, params, e),
            })?;
        if let Some(error) = crate::decode::envelope_error(&reply.body) {
            let error = self.config().credentials().cleared(error);
            return Err(self.explain(op, params, error));
        }
        let answer: Value = serde_json::from_slice(&reply.body)
            .map_err(|_| Error::decode("the PBX's answer is not JSON"))?;
        let result = answer.get("result").unwrap_or(&answer);
        let records = result.get("records").unwrap_or(result);
        let call = match records {
            Value::Array(list) => list.first(),
            other => Some(other).filter(|v| v.is_object()),
        }
        .ok_or_else(|| Error::status(404, missing))?;
        let link = recording_url(call).ok_or_else(|| {
            Error::status(
                404,
                format!("call '{}' has no recording", id.escape_debug()),
            )
        })?;
        // Relative to the PBX address, as RFC 3986 resolves a reference
        // (the rule redirects follow): a path is on the account's origin.
        let url = crate::http::resolve(&format!("{}/", self.config().base_url()), &link)
            .ok_or_else(|| {
                Error::decode(format!(
                    "call '{}' names a recording URL that is not one",
                    id.escape_debug()
                ))
            })?;
        let part = format!("{path}.part");
        let mut file = std::fs::File::create(&part)
            .map_err(|e| Error::argument(format!("cannot write '{}': {e}", part.escape_debug())))?;
        let fetched = self.http().download(&url, &mut file, deadline);
        let fetched = fetched.and_then(|done| {
            file.sync_all()
                .and_then(|()| std::fs::rename(&part, &path))
                .map(|()| done)
                .map_err(|e| {
                    Error::argument(format!("cannot write '{}': {e}", path.escape_debug()))
                })
        });
        let (bytes, content_type) = fetched.inspect_err(|_| {
            drop(std::fs::remove_file(Path::new(&part)));
        })?;
        let mut out = vec![
            ("path", Out::Text(path)),
            ("bytes", Out::Int(i64::try_from(bytes).unwrap_or(i64::MAX))),
        ];
        if let Some(kind) = content_type {
            out.push(("content_type", Out::Text(kind)));
        }
        Ok(Out::Table(out))
    }
}

/// `attachments.recordings` as an object with a `url`, a list of such
/// objects (the first), or a URL.
fn recording_url(call: &Value) -> Option<String> {
    let recordings = call.get("attachments")?.get("recordings")?;
    let first = match recordings {
        Value::Array(list) => list.iter().find_map(url_of)?,
        other => url_of(other)?,
    };
    Some(first)
}

fn url_of(value: &Value) -> Option<String> {
    let url = match value {
        Value::String(url) => url,
        other => other.get("url")?.as_str()?,
    };
    (!url.trim().is_empty()).then(|| url.trim().to_string())
}
