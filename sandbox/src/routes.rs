//! The route table: the Wildix endpoints wildix uses, with the real
//! paging, sorting and filtering parameters, and what real PBXs do
//! (docs/pbx.md): call history served at most its default page of 100
//! records a request (a cap no source proves, so a client must count what
//! arrived), route names in any case, the by-id call route limited to the token owner's
//! calls, Bearer and Basic auth, company keys (which have no user) refused
//! on user routes, the error envelope. Pure: a request in, a status and
//! JSON body out.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

use base64::Engine;
use serde_json::{json, Value};

use crate::acting::{Acting, Write};
use crate::data::{Data, Record, Rng, OWNER_ID};
use crate::s2s;
use std::sync::RwLock;

/// The token every sandbox refuses as expired.
pub const EXPIRED_TOKEN: &str = "wsk-v1-sandbox-expired-key-0123456789";

/// Who may call: the credentials the sandbox accepts.
pub struct Access {
    /// A user's Bearer token (a PBX token: it belongs to the owner).
    token: String,
    /// A company API key: Bearer, no user.
    company_key: String,
    /// A token that was valid once: refused as expired, as a real PBX
    /// refuses a key past its date.
    expired_token: String,
    /// HTTP Basic for the owner's login: `base64(username:password)`.
    basic: String,
    /// An S2S app: the PBX's own, no user (docs/pbx.md, "Routes and credentials").
    app: s2s::App,
    /// Most call-history records one request gets (0: no cap).
    call_cap: usize,
}

/// Whom a request's credentials name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    User,
    Company,
    /// An S2S app: the whole PBX, nobody to answer for on user routes.
    App,
}

impl Access {
    pub fn new(
        token: String,
        company_key: String,
        username: &str,
        password: &str,
        app: s2s::App,
        call_cap: usize,
    ) -> Access {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        Access {
            token,
            company_key,
            expired_token: EXPIRED_TOKEN.to_string(),
            basic,
            app,
            call_cap,
        }
    }

    /// Most call-history records one request gets, if capped.
    pub fn call_cap(&self) -> Option<usize> {
        (self.call_cap > 0).then_some(self.call_cap)
    }

    /// Whom the request's credentials name, or why they are refused.
    fn caller(&self, req: &Request) -> Result<Caller, String> {
        if let Some(signed) = &req.signed {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            return s2s::verify(&self.app, signed, now).map(|()| Caller::App);
        }
        let refused = || "Unauthorized".to_string();
        let authorization = req.authorization.ok_or_else(refused)?;
        if let Some(token) = authorization.strip_prefix("Bearer ") {
            if token == self.token {
                return Ok(Caller::User);
            }
            if token == self.company_key {
                return Ok(Caller::Company);
            }
            if token == self.expired_token {
                return Err("Unauthorized: token expired".to_string());
            }
            return Err(refused());
        }
        let basic = authorization.strip_prefix("Basic ").ok_or_else(refused)?;
        if basic == self.basic {
            Ok(Caller::User)
        } else {
            Err(refused())
        }
    }
}

/// A parsed request, as the server hands it over.
pub struct Request<'a> {
    pub method: &'a str,
    /// Percent-decoded path.
    pub path: &'a str,
    /// Percent-decoded query pairs, in order.
    pub query: &'a [(String, String)],
    pub authorization: Option<&'a str>,
    /// A write's body and its `Content-Type`.
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    /// The request as signed, when it carries `X-APP-ID` (S2S).
    pub signed: Option<s2s::Signed<'a>>,
    /// This request's number: lists order records with equal sort keys by
    /// it (see `list`); `None` (`--stable-ties`): they keep the order they
    /// were written in.
    pub order: Option<u64>,
}

/// A status and its JSON body.
pub struct Reply {
    pub status: u16,
    pub body: String,
}

fn result(value: Value) -> Reply {
    Reply {
        status: 200,
        body: json!({"type": "result", "result": value}).to_string(),
    }
}

/// The Wildix error envelope.
pub fn error(status: u16, reason: &str) -> Reply {
    Reply {
        status,
        body: json!({"type": "error", "reason": format!("{status} {reason}"), "code": status})
            .to_string(),
    }
}

/// Answers one API request. `live` holds calls that arrived since start
/// (`--live`), newest last; `acting`, what writes changed (a write
/// changes it).
pub fn handle(
    data: &Data,
    live: &[Record],
    acting: &RwLock<Acting>,
    access: &Access,
    req: &Request,
) -> Reply {
    let caller = match access.caller(req) {
        Ok(caller) => caller,
        Err(why) => return error(401, &why),
    };
    if !matches!(req.method, "GET" | "POST" | "PUT" | "DELETE") {
        return error(405, "Method Not Allowed");
    }
    // Trailing slashes are accepted both ways, as on a real PBX.
    let path = req.path.trim_end_matches('/');
    // Route names in any case, as real PBXs take them (newer clients
    // write `/api/v1/colleagues/`); ids and extensions stay as sent.
    let segments: Vec<&str> = path.split('/').skip(1).map(route_name).collect();
    let user_route = matches!(
        segments.as_slice(),
        ["api", "v1", "CallHistory", ..] | ["api", "v1", "personal", "info"]
    );
    if user_route && caller != Caller::User {
        // A company key or an S2S app belongs to no user: user routes have
        // nobody to answer for.
        return error(401, "Unauthorized: this route needs a user");
    }
    // The sandbox's company key has the scopes the sources show working
    // (colleagues, phonebooks, call control) and call history; other
    // routes are outside them.
    let key_route = matches!(
        segments.as_slice(),
        ["api", "v1", "Colleagues", ..]
            | ["api", "v1", "PBX", "Colleagues"]
            | ["api", "v1", "Contacts", ..]
            | ["api", "v1", "Phonebooks", ..]
            | ["api", "v1", "PBX", "CallHistory", ..]
            | ["api", "v1", "User", _, "CallHistory"]
            | ["api", "v2", "call-control", ..]
    );
    if !user_route && !key_route && caller == Caller::Company {
        return error(401, "Unauthorized: not in this key's scopes");
    }
    if req.method != "GET" {
        let mut acting = acting.write().unwrap_or_else(|p| p.into_inner());
        return acting.act(
            data,
            &Write {
                method: req.method,
                segments: &segments,
                query: req.query,
                content_type: req.content_type,
                body: req.body,
                user: caller == Caller::User,
            },
        );
    }
    let acted = acting.read().unwrap_or_else(|p| p.into_inner());
    let calls = || {
        data.calls
            .iter()
            .chain(live.iter())
            .chain(acted.history.iter())
    };
    let cap = access.call_cap();
    let list_cap = (data.list_cap > 0).then_some(data.list_cap);
    match segments.as_slice() {
        ["api", "v1", "PBX", "CallHistory"] => list(calls(), req, CALLS, cap),
        ["api", "v1", "CallHistory"] => list(mine(data, calls()), req, CALLS, cap),
        // One extension's calls (admin), by extension number.
        ["api", "v1", "User", ext, "CallHistory"] => list(involving(calls(), ext), req, CALLS, cap),
        // The by-id route is the owner's own history, as on a real PBX.
        ["api", "v1", "CallHistory", id] => {
            let mine: Vec<Record> = mine(data, calls()).cloned().collect();
            by_id(&mine, id)
        }
        ["api", "v1", "Colleagues"] | ["api", "v1", "PBX", "Colleagues"] => {
            list(data.colleagues.iter(), req, COLLEAGUES, list_cap)
        }
        ["api", "v1", "Colleagues", id] => by_id(&data.colleagues, id),
        ["api", "v1", "Contacts"] => match acted.all_contacts(data) {
            Some(contacts) => list(contacts.iter(), req, CONTACTS, list_cap),
            None => list(data.contacts.iter(), req, CONTACTS, list_cap),
        },
        ["api", "v1", "Contacts", id] => match acted.contact(data, id) {
            Some(record) => result(Value::Object(record)),
            None => error(404, "Not Found"),
        },
        ["api", "v1", "Phonebooks"] => list(data.phonebooks.iter(), req, PHONEBOOKS, list_cap),
        ["api", "v1", "Devices"] => {
            let paged = !data.devices_unpaged;
            list(
                data.devices.iter(),
                req,
                Defaults { paged, ..DEVICES },
                list_cap,
            )
        }
        // Every group at once: no paging, no total.
        ["api", "v1", "Dialplan", "CallGroups"] => result(json!({"records": data.call_groups})),
        // An object keyed by extension, not `records` (as live PBXs answer).
        ["api", "v1", "PBX", "Users", "Sip", "Registrations"] => registrations(data, None),
        ["api", "v1", "PBX", "Users", exts, "Sip", "Registrations"] => {
            registrations(data, Some(exts))
        }
        // Top-level `calls`, no envelope; a 404 when call control is off.
        ["api", "v2", "call-control", "list-calls"] if data.call_control => {
            let user = req
                .query
                .iter()
                .find(|(k, _)| k == "user")
                .map(|(_, v)| v.as_str());
            let mut calls = crate::data::active_calls(user.unwrap_or_default());
            calls.extend(acted.calls_of(user));
            Reply {
                status: 200,
                body: json!({ "calls": calls }).to_string(),
            }
        }
        ["api", "v2", ..] => error(404, "Not Found"),
        // A recording the call records name (`attachments.recordings.url`),
        // served with the same credentials (src/server.rs sets its type).
        ["spoolview", "recordings", .., file] if file.ends_with(".wav") => Reply {
            status: 200,
            body: recording(file),
        },
        ["api", "v1", "User", ext, "Presence"] => {
            match data.presence.iter().find(|(e, _)| e == ext) {
                Some((_, record)) => {
                    let set = acted.presence.get(*ext).unwrap_or(record);
                    result(Value::Object(set.clone()))
                }
                None => error(404, "Not Found"),
            }
        }
        ["api", "v1", "personal", "info"] => match owner(data) {
            Some(record) => result(Value::Object(record.clone())),
            None => error(404, "Not Found"),
        },
        _ => error(404, "Not Found"),
    }
}

/// The names routes are matched by; a segment that is one of them in
/// another case is read as it.
const ROUTE_NAMES: &[&str] = &[
    "api",
    "v1",
    "v2",
    "PBX",
    "CallHistory",
    "Colleagues",
    "Contacts",
    "Phonebooks",
    "Devices",
    "Dialplan",
    "CallGroups",
    "User",
    "Users",
    "Presence",
    "personal",
    "Personal",
    "info",
    "Sip",
    "Registrations",
    "Originate",
    "originate",
    "Call",
    "sms",
    "call-control",
    "list-calls",
    "spoolview",
    "recordings",
];

fn route_name(segment: &str) -> &str {
    if ROUTE_NAMES.contains(&segment) {
        return segment;
    }
    ROUTE_NAMES
        .iter()
        .find(|name| name.eq_ignore_ascii_case(segment))
        .copied()
        .unwrap_or(segment)
}

/// A recording's bytes: 256 KiB, the same for the same file.
pub fn recording(file: &str) -> String {
    let mut body = String::from("RIFF-sandbox-recording ");
    body.push_str(file);
    body.push('\n');
    while body.len() < 256 * 1024 {
        body.push_str("0123456789abcdef");
    }
    body.truncate(256 * 1024);
    body
}

/// `{"100": {"registrations": [...]}, ...}` for every extension or the
/// comma-separated ones asked for (unknown ones left out).
fn registrations(data: &Data, exts: Option<&str>) -> Reply {
    let wanted: Option<Vec<&str>> = exts.map(|e| e.split(',').collect());
    let mut groups = serde_json::Map::new();
    for (ext, list) in &data.registrations {
        if wanted.as_ref().is_none_or(|w| w.contains(&ext.as_str())) {
            groups.insert(ext.clone(), json!({ "registrations": list }));
        }
    }
    result(Value::Object(groups))
}

/// The calls the token owner was in.
fn mine<'a>(
    data: &'a Data,
    calls: impl Iterator<Item = &'a Record> + 'a,
) -> impl Iterator<Item = &'a Record> + 'a {
    let ext = owner(data)
        .and_then(|o| o["extension"].as_str())
        .unwrap_or_default();
    involving(calls, ext)
}

/// The calls extension `ext` was in.
fn involving<'a>(
    calls: impl Iterator<Item = &'a Record> + 'a,
    ext: &'a str,
) -> impl Iterator<Item = &'a Record> + 'a {
    calls.filter(move |c| {
        ["from_number", "to_number", "src", "dst"]
            .iter()
            .any(|k| c.get(*k).and_then(Value::as_str) == Some(ext))
    })
}

fn owner(data: &Data) -> Option<&Record> {
    data.colleagues.iter().find(|c| c["id"] == OWNER_ID)
}

fn by_id(records: &[Record], id: &str) -> Reply {
    match records.iter().find(|r| r["id"] == id) {
        Some(record) => result(Value::Object(record.clone())),
        None => error(404, "Not Found"),
    }
}

/// How a list route answers when the query does not say (the manuals').
struct Defaults {
    sort: &'static str,
    descending: bool,
    count: usize,
    /// What `search` looks in without `searchFields`.
    search: &'static [&'static str],
    /// `total` as a JSON number (Contacts, Phonebooks) instead of a string.
    numeric_total: bool,
    /// Whether `start` and `count` are read (else: the whole list).
    paged: bool,
}

const CALLS: Defaults = Defaults {
    sort: "start",
    descending: true,
    count: 100,
    search: &["from_number", "to_number", "from_name", "to_name"],
    numeric_total: false,
    paged: true,
};
const COLLEAGUES: Defaults = Defaults {
    sort: "dn",
    descending: true,
    count: 1500,
    search: &[
        "name",
        "extension",
        "email",
        "mobilePhone",
        "officePhone",
        "login",
    ],
    numeric_total: false,
    paged: true,
};
const CONTACTS: Defaults = Defaults {
    sort: "name",
    descending: false,
    count: 100,
    search: &[
        "name",
        "email",
        "extension",
        "phone",
        "fax",
        "mobile",
        "organization",
    ],
    numeric_total: true,
    paged: true,
};
const PHONEBOOKS: Defaults = Defaults {
    sort: "name",
    descending: false,
    count: 100,
    search: &["name"],
    numeric_total: true,
    paged: true,
};
const DEVICES: Defaults = Defaults {
    sort: "id",
    descending: false,
    count: 100,
    search: &["mac", "model", "description", "user"],
    numeric_total: false,
    paged: true,
};

/// `start`, `count`, `sort`, `dir`, `search`, `searchFields`,
/// `filter[F]`, `filter[F][from]`, `filter[F][to]`.
fn list<'a>(
    records: impl Iterator<Item = &'a Record>,
    req: &Request,
    defaults: Defaults,
    cap: Option<usize>,
) -> Reply {
    let query = req.query;
    let mut start = 0usize;
    let mut count = defaults.count;
    let mut sort = defaults.sort.to_string();
    let mut descending = defaults.descending;
    let mut search: Option<String> = None;
    let mut search_fields: Vec<String> = defaults.search.iter().map(|f| f.to_string()).collect();
    let mut exact: HashMap<String, String> = HashMap::new();
    let mut from: HashMap<String, String> = HashMap::new();
    let mut to: HashMap<String, String> = HashMap::new();
    for (key, value) in query {
        match key.as_str() {
            "start" => match value.parse() {
                Ok(n) => start = n,
                Err(_) => return error(400, "Bad Request: start"),
            },
            "count" => match value.parse() {
                Ok(n) => count = n,
                Err(_) => return error(400, "Bad Request: count"),
            },
            "sort" => sort = value.clone(),
            "dir" => match value.to_ascii_uppercase().as_str() {
                "ASC" => descending = false,
                "DESC" => descending = true,
                _ => return error(400, "Bad Request: dir"),
            },
            "search" => search = Some(value.to_lowercase()),
            "searchFields" => {
                search_fields = value.split(',').map(|s| s.trim().to_string()).collect()
            }
            "fields" => {}
            _ => match parse_filter(key) {
                Some((field, None)) => {
                    exact.insert(field, value.clone());
                }
                Some((field, Some(Bound::From))) => {
                    from.insert(field, value.clone());
                }
                Some((field, Some(Bound::To))) => {
                    to.insert(field, value.clone());
                }
                // A name the PBX does not know (`limit`, `offset`, `page`)
                // is ignored, as real PBXs do (docs/pbx.md).
                None => {}
            },
        }
    }
    fn text<'r>(r: &'r Record, f: &str) -> Cow<'r, str> {
        match r.get(f) {
            Some(Value::String(s)) => Cow::Borrowed(s),
            Some(Value::Null) | None => Cow::Borrowed(""),
            Some(other) => Cow::Owned(other.to_string()),
        }
    }
    let (start, count) = match defaults.paged {
        true => (start, cap.map_or(count, |cap| count.min(cap))),
        false => (0, usize::MAX),
    };
    let from: Vec<(String, Key)> = from
        .iter()
        .map(|(f, v)| (f.clone(), Key::of(as_time(v))))
        .collect();
    let to: Vec<(String, Key)> = to
        .iter()
        .map(|(f, v)| (f.clone(), Key::of(as_time(v))))
        .collect();
    let mut matched: Vec<(Key, &Record)> = records
        .filter(|r| exact.iter().all(|(f, v)| text(r, f) == *v))
        .filter(|r| {
            from.iter()
                .all(|(f, bound)| Key::of(text(r, f)).cmp(bound) != Ordering::Less)
        })
        .filter(|r| {
            to.iter()
                .all(|(f, bound)| Key::of(text(r, f)).cmp(bound) != Ordering::Greater)
        })
        .filter(|r| match &search {
            None => true,
            Some(needle) => r
                .iter()
                .filter(|(k, _)| search_fields.contains(k))
                .any(|(_, v)| {
                    v.as_str()
                        .is_some_and(|s| s.to_lowercase().contains(needle))
                }),
        })
        .map(|r| (Key::of(text(r, &sort)), r))
        .collect();
    matched.sort_by(|(a, _), (b, _)| {
        let order = a.cmp(b);
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    // SQL leaves the order of rows with equal sort keys to the plan, which
    // LIMIT and OFFSET change: two requests may see a run of calls that
    // share a second in two orders. Each request shuffles such runs its own
    // way (not with `--stable-ties`).
    if let Some(order) = req.order {
        let mut rng = Rng(order);
        for run in matched.chunk_by_mut(|(a, _), (b, _)| a.cmp(b) == Ordering::Equal) {
            for i in (1..run.len()).rev() {
                run.swap(i, rng.below(i as u64 + 1) as usize);
            }
        }
    }
    let total = matched.len();
    let page: Vec<Value> = matched
        .into_iter()
        .skip(start)
        .take(count)
        .map(|(_, r)| Value::Object(r.clone()))
        .collect();
    let total = if defaults.numeric_total {
        json!(total)
    } else {
        json!(total.to_string())
    };
    result(json!({"total": total, "records": page}))
}

/// A range bound as the PBX compares it: a time, so `YYYY-MM-DD HH:MM`
/// is that minute's second 0 and `YYYY-MM-DD` its midnight (docs/pbx.md,
/// "What real PBXs do"), written as records store times. Anything else
/// is compared as it is.
fn as_time(bound: &str) -> Cow<'_, str> {
    let shaped = |s: &str, pattern: &str| {
        s.len() == pattern.len()
            && s.bytes().zip(pattern.bytes()).all(|(b, p)| match p {
                b'9' => b.is_ascii_digit(),
                _ => b == p,
            })
    };
    if shaped(bound, "9999-99-99") {
        Cow::Owned(format!("{bound} 00:00:00"))
    } else if shaped(bound, "9999-99-99 99:99") {
        Cow::Owned(format!("{bound}:00"))
    } else {
        Cow::Borrowed(bound)
    }
}

enum Bound {
    From,
    To,
}

/// `filter[F]` → (F, None); `filter[F][from]` → (F, Some(From)).
fn parse_filter(key: &str) -> Option<(String, Option<Bound>)> {
    let rest = key.strip_prefix("filter[")?;
    let (field, rest) = rest.split_once(']')?;
    let bound = match rest {
        "" => None,
        "[from]" => Some(Bound::From),
        "[to]" => Some(Bound::To),
        _ => return None,
    };
    Some((field.to_string(), bound))
}

/// Numbers compare as numbers, everything else as text (PBX times sort as text).
/// A value as lists sort and filter it: as numbers when both are numbers,
/// else as text. Worked out once per record (a sort compares n log n
/// times; with 100,000 calls, parsing at each comparison took 0.15 s a
/// request).
struct Key<'r> {
    number: Option<f64>,
    text: Cow<'r, str>,
}

impl<'r> Key<'r> {
    fn of(text: Cow<'r, str>) -> Key<'r> {
        Key {
            number: text.parse().ok(),
            text,
        }
    }

    fn cmp(&self, other: &Key) -> Ordering {
        match (self.number, other.number) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => self.text.cmp(&other.text),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::data::generate;

    fn get(data: &Data, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        get_as(data, &access(), path, query, None)
    }

    /// A GET with `access`'s call cap and, when given, a request number
    /// (records sharing a sort key in that request's order).
    fn get_as(
        data: &Data,
        access: &Access,
        path: &str,
        query: &[(&str, &str)],
        order: Option<u64>,
    ) -> (u16, Value) {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let reply = handle(
            data,
            &[],
            &RwLock::default(),
            access,
            &Request {
                method: "GET",
                path,
                query: &query,
                authorization: Some("Bearer T"),
                content_type: None,
                body: &[],
                signed: None,
                order,
            },
        );
        (reply.status, serde_json::from_str(&reply.body).unwrap())
    }

    #[test]
    fn calls_that_share_a_second_come_in_each_requests_own_order() {
        let data = generate(1);
        let uncapped = access_capped(0);
        let page = |order| {
            let query = [("count", "100000")];
            let (_, body) = get_as(&data, &uncapped, "/api/v1/PBX/CallHistory", &query, order);
            let records = body["result"]["records"].as_array().unwrap().clone();
            let field = |f: &str| -> Vec<String> {
                records
                    .iter()
                    .map(|r| r[f].as_str().unwrap().to_string())
                    .collect()
            };
            (field("start"), field("id"))
        };
        let (starts, ids) = page(None);
        let shared = starts.windows(2).filter(|w| w[0] == w[1]).count();
        assert!(
            shared > starts.len() / 8,
            "call legs share a start: {shared}"
        );
        assert_eq!(
            page(None),
            (starts.clone(), ids.clone()),
            "stable with --stable-ties"
        );
        let (shuffled_starts, shuffled_ids) = page(Some(7));
        assert_eq!(shuffled_starts, starts, "same order of seconds");
        assert_ne!(shuffled_ids, ids, "another order within them");
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        assert_eq!(sorted(shuffled_ids), sorted(ids), "the same calls");
    }

    fn access() -> Access {
        access_capped(100)
    }

    /// `cap` call-history records a request (0: none).
    fn access_capped(cap: usize) -> Access {
        let app = s2s::App {
            id: "A".into(),
            name: "a".into(),
            secret: "s".into(),
        };
        Access::new("T".into(), "wsk-v1-K".into(), "admin", "pw", app, cap)
    }

    fn status_as(data: &Data, authorization: &str, path: &str) -> u16 {
        let request = Request {
            method: "GET",
            path,
            query: &[],
            authorization: Some(authorization),
            content_type: None,
            body: &[],
            signed: None,
            order: None,
        };
        handle(data, &[], &RwLock::default(), &access(), &request).status
    }

    #[test]
    fn auth_is_required() {
        let data = generate(1);
        assert_eq!(
            status_as(&data, "Bearer nope", "/api/v1/personal/info"),
            401
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("admin:pw");
        assert_eq!(
            status_as(&data, &format!("Basic {basic}"), "/api/v1/personal/info"),
            200
        );
        let wrong = base64::engine::general_purpose::STANDARD.encode("admin:no");
        assert_eq!(
            status_as(&data, &format!("Basic {wrong}"), "/api/v1/personal/info"),
            401
        );
    }

    #[test]
    fn route_names_are_taken_in_any_case() {
        let data = generate(1);
        for path in [
            "/api/v1/colleagues/",
            "/API/V1/COLLEAGUES",
            "/api/v1/pbx/callhistory/",
        ] {
            assert_eq!(get(&data, path, &[]).0, 200, "{path}");
        }
        assert_eq!(get(&data, "/api/v1/user/101/presence/", &[]).0, 200);
    }

    #[test]
    fn names_the_pbx_does_not_know_are_ignored() {
        let data = generate(1);
        let (status, body) = get(
            &data,
            "/api/v1/Colleagues",
            &[("limit", "3"), ("page", "2")],
        );
        assert_eq!(status, 200);
        assert_eq!(
            body,
            get(&data, "/api/v1/Colleagues", &[]).1,
            "as if not sent"
        );
    }

    #[test]
    fn range_bounds_are_compared_as_times() {
        let mut data = generate(1);
        let start = data.calls[0]["start"].as_str().unwrap().to_string();
        // From a bound to the same bound: the calls at that very time.
        // As text, `…10:00:00` sorts after `…10:00` and `…` alone, and
        // would be left out.
        let between = |data: &Data, bound: &str| -> Vec<String> {
            let query = [("filter[start][from]", bound), ("filter[start][to]", bound)];
            let (_, body) = get(data, "/api/v1/PBX/CallHistory", &query);
            body["result"]["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["start"].as_str().unwrap().to_string())
                .collect()
        };
        let (minute, day) = (&start[..16], &start[..10]);
        data.calls[0]["start"] = Value::String(format!("{minute}:00"));
        data.calls[1]["start"] = Value::String(format!("{day} 00:00:00"));
        assert_eq!(between(&data, minute), [format!("{minute}:00")]);
        assert_eq!(between(&data, day), [format!("{day} 00:00:00")]);
        assert_eq!(as_time("2026-01-31 10:00"), "2026-01-31 10:00:00");
        assert_eq!(as_time("2026-01-31"), "2026-01-31 00:00:00");
        assert_eq!(as_time("2026-01-31 10:00:07"), "2026-01-31 10:00:07");
        assert_eq!(as_time("31/01/2026"), "31/01/2026");
    }

    #[test]
    fn devices_can_ignore_paging() {
        let mut data = generate(1);
        let query = [("start", "2"), ("count", "2")];
        let (_, body) = get(&data, "/api/v1/Devices", &query);
        assert_eq!(body["result"]["records"].as_array().unwrap().len(), 2);
        data.devices_unpaged = true;
        let (_, body) = get(&data, "/api/v1/Devices", &query);
        let records = body["result"]["records"].as_array().unwrap();
        assert_eq!(records.len(), data.devices.len());
        assert_eq!(records[0]["id"], data.devices[0]["id"]);
    }

    #[test]
    fn company_keys_have_no_user() {
        let data = generate(1);
        assert_eq!(
            status_as(&data, "Bearer wsk-v1-K", "/api/v1/personal/info"),
            401
        );
        assert_eq!(
            status_as(&data, "Bearer wsk-v1-K", "/api/v1/CallHistory/"),
            401
        );
        assert_eq!(
            status_as(&data, "Bearer wsk-v1-K", "/api/v1/PBX/CallHistory/"),
            200
        );
        assert_eq!(
            status_as(&data, "Bearer wsk-v1-K", "/api/v1/Colleagues/"),
            200
        );
        // Its scopes cover phonebooks, not presence.
        assert_eq!(
            status_as(&data, "Bearer wsk-v1-K", "/api/v1/Contacts/"),
            200
        );
        assert_eq!(
            status_as(&data, "Bearer wsk-v1-K", "/api/v1/User/201/Presence/"),
            401
        );
    }

    #[test]
    fn call_history_pages_are_capped_at_100() {
        let data = generate(1);
        let (_, body) = get(&data, "/api/v1/PBX/CallHistory/", &[("count", "1000")]);
        assert_eq!(body["result"]["records"].as_array().unwrap().len(), 100);
        let (_, body) = get(&data, "/api/v1/Colleagues/", &[("count", "1000")]);
        assert!(body["result"]["records"].as_array().unwrap().len() > 100);
    }

    #[test]
    fn paging_and_totals() {
        let data = generate(1);
        let (status, body) = get(
            &data,
            "/api/v1/PBX/CallHistory/",
            &[("start", "10"), ("count", "5")],
        );
        assert_eq!(status, 200);
        assert_eq!(body["result"]["total"], data.calls.len().to_string());
        assert_eq!(body["result"]["records"].as_array().unwrap().len(), 5);
        assert_eq!(body["result"]["records"][0]["id"], data.calls[10]["id"]);
    }

    #[test]
    fn date_range_filter() {
        let data = generate(1);
        let (_, body) = get(
            &data,
            "/api/v1/PBX/CallHistory",
            &[
                ("filter[start][from]", "2026-01-10 00:00:00"),
                ("filter[start][to]", "2026-01-10 23:59:59"),
                ("count", "1000"),
            ],
        );
        let records = body["result"]["records"].as_array().unwrap();
        assert!(!records.is_empty());
        assert!(records
            .iter()
            .all(|r| r["start"].as_str().unwrap().starts_with("2026-01-10")));
    }

    #[test]
    fn lookups_and_unknown_routes() {
        let data = generate(1);
        // the by-id route sees the owner's calls only
        let (_, mine) = get(&data, "/api/v1/CallHistory/", &[]);
        let id = mine["result"]["records"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (status, body) = get(&data, &format!("/api/v1/CallHistory/{id}"), &[]);
        assert_eq!(
            (status, body["result"]["id"].as_str()),
            (200, Some(id.as_str()))
        );
        // another user's call: not on the by-id route, found by the filter
        let theirs = data
            .calls
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .find(|id| get(&data, &format!("/api/v1/CallHistory/{id}"), &[]).0 == 404)
            .unwrap();
        let (_, everyone) = get(
            &data,
            "/api/v1/PBX/CallHistory/",
            &[("filter[id]", &theirs)],
        );
        assert_eq!(everyone["result"]["total"], "1");
        assert_eq!(get(&data, "/api/v1/CallHistory/nope", &[]).0, 404);
        assert_eq!(get(&data, "/api/v1/calls", &[]).0, 404);
        assert_eq!(get(&data, "/api/v1/users/me", &[]).0, 404);
        let (status, body) = get(&data, "/api/v1/personal/info", &[]);
        assert_eq!((status, body["result"]["id"].as_str()), (200, Some("1")));
        let (_, body) = get(&data, "/api/v1/Colleagues", &[("filter[extension]", "105")]);
        assert_eq!(body["result"]["total"], "1");
    }

    #[test]
    fn sorting() {
        let data = generate(1);
        let (_, body) = get(
            &data,
            "/api/v1/Colleagues/",
            &[("sort", "extension"), ("dir", "ASC"), ("count", "3")],
        );
        assert_eq!(body["result"]["records"][0]["extension"], "100");
    }
}
