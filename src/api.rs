//! The one place our six functions meet the real Wildix API: paths, query
//! parameters, and how each answer becomes the table Lua gets.

use serde_json::{Map, Value};

use crate::config::Scope;
use crate::envelope;
use crate::error::Error;
use crate::normalize::{normalize, RecordKind};
use crate::params::{Params, Spec};

/// The six functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ListCalls,
    GetCall,
    ListExtensions,
    GetExtension,
    ListUsers,
    GetCurrentUser,
}

pub const OPERATIONS: [Operation; 6] = [
    Operation::ListCalls,
    Operation::GetCall,
    Operation::ListExtensions,
    Operation::GetExtension,
    Operation::ListUsers,
    Operation::GetCurrentUser,
];

const LIST: &[&str] = &["limit", "page"];
const LIST_WITH_DATES: &[&str] = &["limit", "page", "date_from", "date_to"];
const ID: &[&str] = &["id"];

impl Operation {
    /// The Lua name.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ListCalls => "list_calls",
            Operation::GetCall => "get_call",
            Operation::ListExtensions => "list_extensions",
            Operation::GetExtension => "get_extension",
            Operation::ListUsers => "list_users",
            Operation::GetCurrentUser => "get_current_user",
        }
    }

    pub fn from_name(name: &str) -> Option<Operation> {
        OPERATIONS.into_iter().find(|op| op.name() == name)
    }

    /// The parameters it accepts.
    pub fn spec(self) -> Spec {
        let (accepted, requires_id) = match self {
            Operation::ListCalls => (LIST_WITH_DATES, false),
            Operation::ListExtensions | Operation::ListUsers => (LIST, false),
            Operation::GetCall | Operation::GetExtension => (ID, true),
            Operation::GetCurrentUser => (&[][..], false),
        };
        Spec {
            accepted,
            requires_id,
        }
    }

    /// For lists: the key holding the records in the result table.
    pub fn list_key(self) -> Option<&'static str> {
        match self {
            Operation::ListCalls => Some("calls"),
            Operation::ListExtensions => Some("extensions"),
            Operation::ListUsers => Some("users"),
            _ => None,
        }
    }

    /// Which normaliser its records go through.
    pub fn record_kind(self) -> RecordKind {
        match self {
            Operation::ListCalls | Operation::GetCall => RecordKind::Call,
            Operation::ListExtensions | Operation::GetExtension => RecordKind::Extension,
            Operation::ListUsers | Operation::GetCurrentUser => RecordKind::User,
        }
    }

    /// What the record is called in a 404 message.
    fn noun(self) -> &'static str {
        match self.record_kind() {
            RecordKind::Call => "call",
            RecordKind::Extension => "extension (colleague)",
            RecordKind::User => "user",
        }
    }
}

/// An API request: a path under the base URL and its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub path: String,
    pub query: Vec<(&'static str, String)>,
}

impl Request {
    /// `path?query`, percent-encoded, ready to append to the base URL.
    pub fn target(&self) -> String {
        let mut target = self.path.clone();
        for (i, (key, value)) in self.query.iter().enumerate() {
            target.push(if i == 0 { '?' } else { '&' });
            target.push_str(&encode(key));
            target.push('=');
            target.push_str(&encode(value));
        }
        target
    }
}

/// The Wildix request for a validated call.
pub fn request(op: Operation, params: &Params, scope: Scope) -> Request {
    let id = || encode(params.id.as_deref().unwrap_or_default());
    let path = match op {
        Operation::ListCalls => match scope {
            Scope::Pbx => "/api/v1/PBX/CallHistory/".to_string(),
            Scope::Personal => "/api/v1/CallHistory/".to_string(),
        },
        Operation::GetCall => format!("/api/v1/CallHistory/{}", id()),
        Operation::ListExtensions => "/api/v1/Colleagues/".to_string(),
        Operation::GetExtension => format!("/api/v1/Colleagues/{}", id()),
        Operation::ListUsers => "/api/v1/PBX/Colleagues".to_string(),
        Operation::GetCurrentUser => "/api/v1/personal/info".to_string(),
    };
    let mut query = Vec::new();
    if op.list_key().is_some() {
        query.push(("start", params.start().to_string()));
        query.push(("count", params.limit.to_string()));
    }
    if op == Operation::ListCalls {
        // Newest first, the PBX's own default, stated so paging is stable.
        query.push(("sort", "start".to_string()));
        query.push(("dir", "DESC".to_string()));
        if let Some(from) = params.date_from {
            query.push(("filter[start][from]", from.to_string()));
        }
        if let Some(to) = params.date_to {
            query.push(("filter[start][to]", to.to_string()));
        }
    }
    Request { path, query }
}

/// Turns a 2xx body into the table the Lua function returns.
pub fn response(op: Operation, params: &Params, body: &[u8]) -> Result<Value, Error> {
    let result = envelope::parse_result(body)?;
    let kind = op.record_kind();
    let Some(list_key) = op.list_key() else {
        let mut record = envelope::into_record(result)?;
        normalize(kind, &mut record);
        return Ok(Value::Object(record));
    };
    let page = envelope::into_page(result)?;
    let (total, has_more) = page_summary(params, page.total, page.records.len() as u64);
    let records = page
        .records
        .into_iter()
        .map(|mut record| {
            normalize(kind, &mut record);
            Value::Object(record)
        })
        .collect();
    let mut out = Map::new();
    out.insert(list_key.into(), Value::Array(records));
    out.insert("total".into(), Value::from(total));
    out.insert("page".into(), Value::from(params.page));
    out.insert("limit".into(), Value::from(params.limit));
    out.insert("has_more".into(), Value::Bool(has_more));
    Ok(Value::Object(out))
}

/// `total` and `has_more` of a page that returned `returned` records.
pub fn page_summary(params: &Params, total: Option<u64>, returned: u64) -> (u64, bool) {
    let seen = params.start() + returned;
    match total {
        // A total below what we hold is stale; past the end it stands.
        Some(total) if returned > 0 => (total.max(seen), seen < total),
        Some(total) => (total, false),
        // Without a total, a full page is the only hint that more may follow.
        None => (seen, returned >= u64::from(params.limit)),
    }
}

/// The 404 message for an operation (the PBX's own reason is often generic).
pub fn not_found_message(op: Operation, params: &Params) -> String {
    match &params.id {
        Some(id) => format!("no {} with id '{}'", op.noun(), id.escape_debug()),
        None => "the PBX has no such route (is 'url' the PBX address?)".to_string(),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::dates::{DateTime, DayEdge};
    use crate::error::Kind;

    fn params() -> Params {
        Params::default()
    }

    #[test]
    fn paths_are_the_real_ones() {
        let p = Params {
            id: Some("1426080756.123".into()),
            ..params()
        };
        let path = |op, scope| request(op, &p, scope).path;
        assert_eq!(
            path(Operation::ListCalls, Scope::Pbx),
            "/api/v1/PBX/CallHistory/"
        );
        assert_eq!(
            path(Operation::ListCalls, Scope::Personal),
            "/api/v1/CallHistory/"
        );
        assert_eq!(
            path(Operation::GetCall, Scope::Pbx),
            "/api/v1/CallHistory/1426080756.123"
        );
        assert_eq!(
            path(Operation::ListExtensions, Scope::Pbx),
            "/api/v1/Colleagues/"
        );
        assert_eq!(
            path(Operation::GetExtension, Scope::Pbx),
            "/api/v1/Colleagues/1426080756.123"
        );
        assert_eq!(
            path(Operation::ListUsers, Scope::Pbx),
            "/api/v1/PBX/Colleagues"
        );
        assert_eq!(
            path(Operation::GetCurrentUser, Scope::Pbx),
            "/api/v1/personal/info"
        );
    }

    #[test]
    fn list_query_pages_and_filters() {
        let p = Params {
            limit: 50,
            page: 3,
            date_from: DateTime::parse("2026-01-01", DayEdge::Start),
            date_to: DateTime::parse("2026-01-31", DayEdge::End),
            id: None,
        };
        let target = request(Operation::ListCalls, &p, Scope::Pbx).target();
        assert_eq!(
            target,
            "/api/v1/PBX/CallHistory/?start=100&count=50&sort=start&dir=DESC\
             &filter%5Bstart%5D%5Bfrom%5D=2026-01-01%2000%3A00%3A00\
             &filter%5Bstart%5D%5Bto%5D=2026-01-31%2023%3A59%3A59"
        );
        let target = request(Operation::ListUsers, &params(), Scope::Pbx).target();
        assert_eq!(target, "/api/v1/PBX/Colleagues?start=0&count=25");
        let target = request(Operation::GetCurrentUser, &params(), Scope::Pbx).target();
        assert_eq!(target, "/api/v1/personal/info");
    }

    #[test]
    fn ids_are_percent_encoded() {
        let p = Params {
            id: Some("a b%é".into()),
            ..params()
        };
        assert_eq!(
            request(Operation::GetCall, &p, Scope::Pbx).path,
            "/api/v1/CallHistory/a%20b%25%C3%A9"
        );
    }

    #[test]
    fn list_response_shape() {
        let body = br#"{"type":"result","result":{"total":"60","records":[{"id":1,"disposition":"BUSY"},{"id":"2"}]}}"#;
        let p = Params {
            limit: 2,
            page: 3,
            ..params()
        };
        let out = response(Operation::ListCalls, &p, body).unwrap();
        assert_eq!(out["total"], 60);
        assert_eq!(out["page"], 3);
        assert_eq!(out["limit"], 2);
        assert_eq!(out["has_more"], true);
        assert_eq!(out["calls"][0]["id"], "1");
        assert_eq!(out["calls"][0]["status"], "busy");
        let last = Params {
            limit: 2,
            page: 30,
            ..params()
        };
        let out = response(Operation::ListCalls, &last, body).unwrap();
        assert_eq!(out["has_more"], false);
        let empty = br#"{"type":"result","result":{"total":"60","records":[]}}"#;
        let out = response(Operation::ListCalls, &last, empty).unwrap();
        assert_eq!(
            (out["total"].as_u64(), out["has_more"].as_bool()),
            (Some(60), Some(false))
        );
    }

    #[test]
    fn empty_page_is_an_empty_list() {
        let body = br#"{"type":"result","result":{"total":"0","records":[]}}"#;
        let out = response(Operation::ListUsers, &params(), body).unwrap();
        assert_eq!(out["users"], Value::Array(vec![]));
        assert_eq!(out["has_more"], false);
        assert_eq!(out["total"], 0);
    }

    #[test]
    fn single_record_response() {
        let body = br#"{"type":"result","result":{"id":5,"extension":"105","name":"Bo"}}"#;
        let out = response(Operation::GetExtension, &params(), body).unwrap();
        assert_eq!(out["number"], "105");
        assert_eq!(out["id"], "5");
        let err = response(Operation::GetCall, &params(), b"<html>").unwrap_err();
        assert_eq!(err.kind(), Kind::Decode);
    }

    #[test]
    fn every_operation_has_a_name_and_spec() {
        for op in OPERATIONS {
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        assert_eq!(Operation::from_name("list_call"), None);
        assert!(Operation::GetCurrentUser.spec().accepted.is_empty());
    }
}
