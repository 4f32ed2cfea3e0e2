//! The one place our functions meet the real Wildix API: for each, the
//! requests it makes (paths and query parameters) and what it expects back.

use crate::catalogue::{Function, Needs, FUNCTIONS};
use crate::config::Scope;
use crate::decode::Shape;
use crate::normalize::{RecordKind, COLLEAGUE_NUMBERS, CONTACT_NUMBERS};
use crate::params::{Field, Params, Spec};

/// The six functions, and those beyond them: each a row of
/// `catalogue::FUNCTIONS`, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    ListCalls,
    GetCall,
    ListExtensions,
    GetExtension,
    ListUsers,
    GetCurrentUser,
    ListContacts,
    ListPhonebooks,
    ListCallGroups,
    GetPresence,
    ListDevices,
    LookupNumber,
    ListRegistrations,
    ListActiveCalls,
    MakeCall,
    AnswerCall,
    HangupCall,
    HoldCall,
    ResumeCall,
    TransferCall,
    SendDtmf,
    SendSms,
    SetPresence,
    CreateContact,
    UpdateContact,
    DeleteContact,
    DownloadRecording,
}

impl Operation {
    /// Its row in the catalogue: everything said of it but its requests.
    pub(crate) fn row(self) -> &'static Function {
        &FUNCTIONS[self as usize]
    }

    /// The Lua name.
    pub(crate) fn name(self) -> &'static str {
        self.row().name
    }

    /// The parameters it accepts.
    pub(crate) fn spec(self) -> Spec {
        Spec {
            params: self.row().params,
            required: self.row().required,
        }
    }

    /// For lists: the key holding the records in the result table.
    pub(crate) fn list_key(self) -> Option<&'static str> {
        self.row().list_key
    }

    /// Which rules its records go through.
    pub(crate) fn record_kind(self) -> RecordKind {
        self.row().record
    }

    /// A parameter the result repeats as a field (`get_presence` says whose
    /// presence it is; the PBX's answer does not).
    pub(crate) fn echo(self, params: &Params) -> Option<(&'static str, String)> {
        match self {
            Operation::GetPresence => params.extension.clone().map(|e| ("extension", e)),
            _ => None,
        }
    }

    /// Whether it needs a token that belongs to a user (a company API key
    /// has none), in `scope`.
    pub(crate) fn needs_user(self, scope: Scope) -> bool {
        match self.row().needs {
            Needs::Any => false,
            Needs::User => true,
            Needs::UserWhenPersonal => scope == Scope::Personal,
        }
    }
}

/// An API request: a path under the base URL and its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub path: String,
    pub query: Vec<(&'static str, String)>,
}

impl Request {
    fn new(path: impl Into<String>) -> Request {
        Request {
            path: path.into(),
            query: Vec::new(),
        }
    }

    /// `path?query`, percent-encoded, ready to append to the base URL.
    pub(crate) fn target(&self) -> String {
        let mut target = self.path.clone();
        for (i, (key, value)) in self.query.iter().enumerate() {
            target.push(if i == 0 { '?' } else { '&' });
            target.push_str(&encode(key));
            target.push('=');
            target.push_str(&encode(value));
        }
        target
    }

    /// The same request for `count` records from offset `start`.
    pub(crate) fn page(&self, start: u64, count: u64) -> Request {
        let mut paged = Request::new(self.path.clone());
        paged.query.push(("start", start.to_string()));
        paged.query.push(("count", count.to_string()));
        paged.query.extend(self.query.iter().cloned());
        paged
    }

    /// The same request with `key` set to `value` (replacing it if present).
    pub(crate) fn with(&self, key: &'static str, value: String) -> Request {
        let mut out = self.clone();
        out.query.retain(|(k, _)| *k != key);
        out.query.push((key, value));
        out
    }
}

/// How a call gets its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// One GET; its `result` is the record.
    Record(Request),
    /// A page of a list: records from `start`, `limit` of them, asked for
    /// with `Request::page` until they have all arrived.
    List {
        request: Request,
        start: u64,
        limit: u32,
    },
    /// A list filtered down to the record wanted; none is `not_found`
    /// with this message.
    Find { request: Request, missing: String },
    /// One GET that holds every record (the PBX does not page it).
    All(Request),
    /// Searches whose records are kept when one of their number fields is
    /// the number looked up (`lookup_number`), in order: colleagues first.
    Lookup(Vec<Search>),
    /// A write, sent at most once (src/write.rs); `fallback`, for a PBX
    /// that answers 404 because it lacks the route: `make_call` through
    /// `Originate/Call`.
    Write {
        write: Write,
        fallback: Option<Write>,
    },
}

/// A write's request: what `dry_run` returns and what is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Write {
    pub method: &'static str,
    pub request: Request,
    pub body: Option<Body>,
}

/// A write's body: JSON (call control, SMS, presence) or a form whose
/// fields nest as `data[name]` (contacts); docs/pbx.md, "Writes".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    Json(Vec<(&'static str, Field)>),
    Form(Vec<(&'static str, Field)>),
}

impl Body {
    pub(crate) fn fields(&self) -> &[(&'static str, Field)] {
        match self {
            Body::Json(fields) | Body::Form(fields) => fields,
        }
    }
}

/// The most candidates `lookup_number` reads from each search.
pub(crate) const LOOKUP_CANDIDATES: u32 = 1000;

/// One search of `lookup_number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Search {
    pub request: Request,
    pub kind: RecordKind,
    /// The fields that hold numbers.
    pub numbers: &'static [&'static str],
}

impl Plan {
    /// The shape of each answer.
    pub(crate) fn shape(&self, kind: RecordKind) -> Shape {
        match self {
            Plan::Record(_) => Shape::Record(kind),
            Plan::List { .. } | Plan::Find { .. } | Plan::All(_) | Plan::Lookup(_) => {
                Shape::List(kind)
            }
            Plan::Write { .. } => Shape::Record(kind),
        }
    }
}

/// The call-history list of `scope` (the whole PBX, or the token owner's).
pub(crate) fn call_history(scope: Scope) -> Request {
    Request::new(match scope {
        Scope::Pbx => "/api/v1/PBX/CallHistory/",
        Scope::Personal => "/api/v1/CallHistory/",
    })
}

/// The Wildix requests for a validated call.
pub(crate) fn plan(op: Operation, params: &Params, scope: Scope) -> Plan {
    let list = |request: Request| Plan::List {
        request,
        start: params.start(),
        limit: params.limit,
    };
    match op {
        Operation::ListCalls => {
            // One extension's calls have a route of their own, any scope.
            let history = match &params.extension {
                Some(ext) => Request::new(format!("/api/v1/User/{}/CallHistory/", encode(ext))),
                None => call_history(scope),
            };
            list(calls_query(history, params))
        }
        Operation::ListExtensions => list(searched(Request::new("/api/v1/Colleagues/"), params)),
        Operation::ListUsers => list(searched(Request::new("/api/v1/PBX/Colleagues"), params)),
        // The by-id route (/CallHistory/{id}) is the owner's own history
        // and not in the manuals; a filter finds any call in scope.
        // The call's record: its `attachments` name the recording.
        Operation::GetCall | Operation::DownloadRecording => {
            let id = params.id.clone().unwrap_or_default();
            Plan::Find {
                request: call_history(scope)
                    .page(0, 1)
                    .with("filter[id]", id.clone()),
                missing: format!("no call with id '{}'", id.escape_debug()),
            }
        }
        Operation::GetExtension => match (&params.id, &params.extension) {
            (_, Some(number)) => Plan::Find {
                request: Request::new("/api/v1/Colleagues/")
                    .page(0, 1)
                    .with("filter[extension]", number.clone()),
                missing: format!("no colleague with extension '{}'", number.escape_debug()),
            },
            (id, None) => Plan::Record(Request::new(format!(
                "/api/v1/Colleagues/{}",
                encode(id.as_deref().unwrap_or_default())
            ))),
        },
        Operation::GetCurrentUser => Plan::Record(Request::new("/api/v1/personal/info")),
        Operation::ListContacts => {
            let mut request = searched(Request::new("/api/v1/Contacts/"), params);
            if let Some(phonebook) = &params.phonebook_id {
                request
                    .query
                    .push(("filter[phonebook_id]", phonebook.clone()));
            }
            list(request)
        }
        Operation::ListPhonebooks => list(Request::new("/api/v1/Phonebooks/")),
        Operation::ListCallGroups => Plan::All(Request::new("/api/v1/Dialplan/CallGroups/")),
        Operation::GetPresence => Plan::Record(Request::new(format!(
            "/api/v1/User/{}/Presence/",
            encode(params.extension.as_deref().unwrap_or_default())
        ))),
        Operation::ListDevices => list(Request::new("/api/v1/Devices/")),
        Operation::ListRegistrations => Plan::All(Request::new(match &params.extension {
            Some(ext) => format!("/api/v1/PBX/Users/{}/Sip/Registrations", encode(ext)),
            None => "/api/v1/PBX/Users/Sip/Registrations".to_string(),
        })),
        Operation::ListActiveCalls => Plan::All(
            Request::new("/api/v2/call-control/list-calls")
                .with("user", params.extension.clone().unwrap_or_default()),
        ),
        Operation::MakeCall
        | Operation::AnswerCall
        | Operation::HangupCall
        | Operation::HoldCall
        | Operation::ResumeCall
        | Operation::TransferCall
        | Operation::SendDtmf
        | Operation::SendSms
        | Operation::SetPresence
        | Operation::CreateContact
        | Operation::UpdateContact
        | Operation::DeleteContact => write_plan(op, params),
        Operation::LookupNumber => {
            // The PBX's search is a substring match on the number as stored
            // ("02 5551 2003", "+39…", "0039…"): its last four digits are in
            // every spelling; the candidates are then compared digit by
            // digit (`normalize::same_number`).
            let digits: String = params
                .number
                .as_deref()
                .unwrap_or_default()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let tail = digits[digits.len().saturating_sub(4)..].to_string();
            // Paged by the caller up to `LOOKUP_CANDIDATES`, counting what
            // arrived: a PBX serving fewer a request still has every
            // candidate read.
            let search = |path: &str| Request::new(path).with("search", tail.clone());
            Plan::Lookup(vec![
                Search {
                    request: search("/api/v1/Colleagues/"),
                    kind: RecordKind::Colleague,
                    numbers: &COLLEAGUE_NUMBERS,
                },
                Search {
                    request: search("/api/v1/Contacts/"),
                    kind: RecordKind::Contact,
                    numbers: &CONTACT_NUMBERS,
                },
            ])
        }
    }
}

/// A write's requests, as docs/pbx.md ("Writes") records them.
fn write_plan(op: Operation, params: &Params) -> Plan {
    let text = |name: &str| params.text(name).map(|t| Field::Text(t.to_string()));
    // The fields given, under the PBX's names.
    let fields = |names: &[(&'static str, &str)]| -> Vec<(&'static str, Field)> {
        names
            .iter()
            .filter_map(|(pbx, ours)| Some((*pbx, text(ours)?)))
            .collect()
    };
    // Call control acts for `extension`, sent as `user`; without it the
    // PBX acts for the credential's own user.
    let control = |action: &str, body: &[(&'static str, &str)]| {
        let mut request = Request::new(format!("/api/v2/call-control/{action}"));
        if let Some(user) = params.text("extension") {
            request.query.push(("user", user.to_string()));
        }
        Write {
            method: "POST",
            request,
            body: Some(Body::Json(fields(body))),
        }
    };
    let only = |write: Write| Plan::Write {
        write,
        fallback: None,
    };
    let contact = || {
        Body::Form(vec![(
            "data",
            Field::Map(fields(&[
                ("phonebook_id", "phonebook_id"),
                ("name", "name"),
                ("phone", "phone"),
                ("mobile", "mobile"),
                ("email", "email"),
                ("organization", "organization"),
                ("type", "type"),
            ])),
        )])
    };
    let id = encode(params.text("id").unwrap_or_default());
    match op {
        Operation::MakeCall => Plan::Write {
            write: control("make-call", &[("destination", "to"), ("device", "device")]),
            // Only the credential's own user can be rung this way.
            fallback: (params.text("extension").is_none() && params.text("device").is_none()).then(
                || Write {
                    method: "POST",
                    request: Request::new("/api/v1/Originate/Call"),
                    body: Some(Body::Json(fields(&[("number", "to")]))),
                },
            ),
        },
        Operation::AnswerCall => only(control(
            "answer",
            &[("sipCallId", "call_id"), ("device", "device")],
        )),
        Operation::HangupCall => only(control("hangup", &[("sipCallId", "call_id")])),
        Operation::HoldCall => only(control("hold", &[("sipCallId", "call_id")])),
        Operation::ResumeCall => only(control("unhold", &[("sipCallId", "call_id")])),
        Operation::TransferCall => only(control(
            if params.flag("attended") {
                "attendant-transfer"
            } else {
                "blind-transfer"
            },
            &[("sipCallId", "call_id"), ("destination", "to")],
        )),
        Operation::SendDtmf => only(control(
            "dtmf",
            &[("sipCallId", "call_id"), ("digits", "digits")],
        )),
        Operation::SendSms => only(Write {
            method: "POST",
            request: Request::new("/api/v1/originate/sms"),
            body: Some(Body::Json(fields(&[
                ("number", "to"),
                ("message", "text"),
                ("from", "from"),
            ]))),
        }),
        Operation::SetPresence => {
            let mut body = fields(&[("status", "status"), ("message", "message")]);
            // Sent as the PBX writes it: DD/MM/YYYY HH:MM, UTC.
            if let Some(at) = params.text("until") {
                let until = format!("{}/{}/{} {}", &at[8..10], &at[5..7], &at[..4], &at[11..16]);
                body.push(("until", Field::Text(until)));
            }
            let request = match params.text("extension") {
                Some(ext) => Request::new(format!("/api/v1/User/{}/Presence/", encode(ext))),
                None => Request::new("/api/v1/Personal/Presence"),
            };
            only(Write {
                method: "PUT",
                request,
                body: Some(Body::Json(body)),
            })
        }
        Operation::CreateContact => only(Write {
            method: "POST",
            request: Request::new("/api/v1/Contacts/"),
            body: Some(contact()),
        }),
        Operation::UpdateContact => only(Write {
            method: "PUT",
            request: Request::new(format!("/api/v1/Contacts/{id}")),
            body: Some(contact()),
        }),
        Operation::DeleteContact => only(Write {
            method: "DELETE",
            request: Request::new(format!("/api/v1/Contacts/{id}")),
            body: None,
        }),
        _ => unreachable!("write_plan is called for writes"),
    }
}

/// Call history's order and the date range.
fn calls_query(mut request: Request, params: &Params) -> Request {
    // Newest first, the PBX's own default, stated so paging is stable.
    request.query.push(("sort", "start".to_string()));
    request.query.push(("dir", "DESC".to_string()));
    if let Some(from) = params.date_from {
        request
            .query
            .push(("filter[start][from]", from.to_string()));
    }
    if let Some(to) = params.date_to {
        request.query.push(("filter[start][to]", to.to_string()));
    }
    if let Some(disposition) = params.disposition {
        request
            .query
            .push(("filter[disposition]", disposition.to_string()));
    }
    if let Some(call_type) = params.call_type {
        request.query.push(("filter[type]", call_type.to_string()));
    }
    searched(request, params)
}

/// The PBX's free-text `search`, when given.
fn searched(mut request: Request, params: &Params) -> Request {
    if let Some(search) = &params.search {
        request.query.push(("search", search.clone()));
    }
    request
}

/// `total` and `has_more` of a page at `start` that holds `got` of the
/// `limit` records asked for.
pub(crate) fn page_summary(start: u64, limit: u32, total: Option<u64>, got: u64) -> (u64, bool) {
    let seen = start + got;
    match total {
        // A total below what we hold is stale; past the end it stands.
        Some(total) if got > 0 => (total.max(seen), seen < total),
        Some(total) => (total, false),
        // Without a total, a full page is the only hint that more may follow.
        None => (seen, got >= u64::from(limit)),
    }
}

/// The 404 message of a record or list route (the PBX's own reason is
/// generic); `Plan::Find` has its own.
pub(crate) fn not_found_message(op: Operation, params: &Params) -> String {
    match (op, &params.id) {
        (Operation::GetExtension, Some(id)) => {
            let hint = if !id.is_empty() && id.len() <= 6 && id.bytes().all(|b| b.is_ascii_digit())
            {
                format!(" (to look a colleague up by extension number, pass extension = \"{id}\")")
            } else {
                String::new()
            };
            format!(
                "no extension (colleague) with id '{}'{hint}",
                id.escape_debug()
            )
        }
        (Operation::ListActiveCalls, _) => {
            "the PBX does not offer call control (/api/v2/call-control/ answered 404), so its active calls cannot be read".to_string()
        }
        (Operation::ListRegistrations, _) => format!(
            "no extension '{}' (or no SIP registrations on this PBX)",
            params
                .extension
                .as_deref()
                .unwrap_or_default()
                .escape_debug()
        ),
        (Operation::GetPresence, _) => format!(
            "no extension '{}' (or no presence on this PBX)",
            params
                .extension
                .as_deref()
                .unwrap_or_default()
                .escape_debug()
        ),
        (Operation::MakeCall, _) => {
            "the PBX does not offer call control (/api/v2/call-control/ answered 404); without 'extension' and 'device', make_call places the call through Originate/Call instead".to_string()
        }
        (
            Operation::AnswerCall
            | Operation::HangupCall
            | Operation::HoldCall
            | Operation::ResumeCall
            | Operation::TransferCall
            | Operation::SendDtmf,
            _,
        ) => format!(
            "no call '{}' in progress for that extension (list_active_calls gives the sipCallId), or the PBX has no call control",
            params.text("call_id").unwrap_or_default().escape_debug()
        ),
        (Operation::UpdateContact | Operation::DeleteContact, _) => format!(
            "no contact with id '{}'",
            params.text("id").unwrap_or_default().escape_debug()
        ),
        (Operation::SetPresence, _) => match params.text("extension") {
            Some(ext) => format!("no extension '{}'", ext.escape_debug()),
            None => "the PBX has no personal presence route (give 'extension')".to_string(),
        },
        _ => "the PBX has no such route (is 'url' the PBX address?)".to_string(),
    }
}

/// Fields as JSON: what a JSON body is, and what S2S signs of any body.
pub(crate) fn json_of(fields: &[(&'static str, Field)]) -> serde_json::Value {
    serde_json::Value::Object(
        fields
            .iter()
            .map(|(name, field)| {
                let value = match field {
                    Field::Text(t) => serde_json::Value::from(t.as_str()),
                    Field::Bool(b) => serde_json::Value::from(*b),
                    Field::Map(inner) => json_of(inner),
                };
                (name.to_string(), value)
            })
            .collect(),
    )
}

/// Fields as a form, nested ones as `data[name]=…` (`+` as `%2B`: a raw
/// `+` would arrive as a space).
pub(crate) fn form_of(fields: &[(&'static str, Field)]) -> String {
    fn pairs(prefix: &str, fields: &[(&'static str, Field)], out: &mut Vec<String>) {
        for (name, field) in fields {
            let key = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}[{name}]")
            };
            match field {
                Field::Text(t) => out.push(format!("{}={}", encode(&key), encode(t))),
                Field::Bool(b) => out.push(format!("{}={}", encode(&key), u8::from(*b))),
                Field::Map(inner) => pairs(&key, inner, out),
            }
        }
    }
    let mut out = Vec::new();
    pairs("", fields, &mut out);
    out.join("&")
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn encode(text: &str) -> String {
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

    fn params() -> Params {
        Params::default()
    }

    fn target(plan: Plan) -> String {
        match plan {
            Plan::Record(r) | Plan::Find { request: r, .. } | Plan::All(r) => r.target(),
            Plan::Lookup(searches) => searches
                .iter()
                .map(|s| s.request.target())
                .collect::<Vec<_>>()
                .join(" "),
            Plan::List {
                request,
                start,
                limit,
            } => request.page(start, u64::from(limit)).target(),
            Plan::Write { write, .. } => format!("{} {}", write.method, write.request.target()),
        }
    }

    #[test]
    fn requests_are_the_real_ones() {
        let p = Params {
            id: Some("1426080756.123".into()),
            ..params()
        };
        let t = |op, scope| target(plan(op, &p, scope));
        assert_eq!(
            t(Operation::ListCalls, Scope::Pbx),
            "/api/v1/PBX/CallHistory/?start=0&count=25&sort=start&dir=DESC"
        );
        assert_eq!(
            t(Operation::ListCalls, Scope::Personal),
            "/api/v1/CallHistory/?start=0&count=25&sort=start&dir=DESC"
        );
        assert_eq!(
            t(Operation::GetCall, Scope::Pbx),
            "/api/v1/PBX/CallHistory/?start=0&count=1&filter%5Bid%5D=1426080756.123"
        );
        assert_eq!(
            t(Operation::GetCall, Scope::Personal),
            "/api/v1/CallHistory/?start=0&count=1&filter%5Bid%5D=1426080756.123"
        );
        assert_eq!(
            t(Operation::ListExtensions, Scope::Pbx),
            "/api/v1/Colleagues/?start=0&count=25"
        );
        assert_eq!(
            t(Operation::GetExtension, Scope::Pbx),
            "/api/v1/Colleagues/1426080756.123"
        );
        assert_eq!(
            t(Operation::ListUsers, Scope::Pbx),
            "/api/v1/PBX/Colleagues?start=0&count=25"
        );
        assert_eq!(
            t(Operation::GetCurrentUser, Scope::Pbx),
            "/api/v1/personal/info"
        );
        let by_number = Params {
            extension: Some("201".into()),
            ..params()
        };
        assert_eq!(
            target(plan(Operation::GetExtension, &by_number, Scope::Pbx)),
            "/api/v1/Colleagues/?start=0&count=1&filter%5Bextension%5D=201"
        );
    }

    #[test]
    fn list_query_pages_and_filters() {
        let p = Params {
            limit: 50,
            page: 3,
            date_from: DateTime::parse("2026-01-01", DayEdge::Start),
            date_to: DateTime::parse("2026-01-31", DayEdge::End),
            ..params()
        };
        assert_eq!(
            target(plan(Operation::ListCalls, &p, Scope::Pbx)),
            "/api/v1/PBX/CallHistory/?start=100&count=50&sort=start&dir=DESC\
             &filter%5Bstart%5D%5Bfrom%5D=2026-01-01%2000%3A00%3A00\
             &filter%5Bstart%5D%5Bto%5D=2026-01-31%2023%3A59%3A59"
        );
    }

    #[test]
    fn call_filters_are_the_pbx_ones() {
        let p = Params {
            limit: 10,
            disposition: Some("NO ANSWER"),
            call_type: Some("call"),
            search: Some("+39 02".into()),
            extension: Some("201".into()),
            ..params()
        };
        assert_eq!(
            target(plan(Operation::ListCalls, &p, Scope::Personal)),
            "/api/v1/User/201/CallHistory/?start=0&count=10&sort=start&dir=DESC\
             &filter%5Bdisposition%5D=NO%20ANSWER&filter%5Btype%5D=call&search=%2B39%2002"
        );
    }

    #[test]
    fn ids_are_percent_encoded() {
        let p = Params {
            id: Some("a b%é".into()),
            ..params()
        };
        assert_eq!(
            target(plan(Operation::GetExtension, &p, Scope::Pbx)),
            "/api/v1/Colleagues/a%20b%25%C3%A9"
        );
    }

    #[test]
    fn page_summaries() {
        assert_eq!(page_summary(4, 2, Some(60), 2), (60, true));
        assert_eq!(page_summary(58, 2, Some(60), 2), (60, false));
        assert_eq!(page_summary(100, 2, Some(60), 0), (60, false));
        // a stale total below what arrived
        assert_eq!(page_summary(0, 5, Some(2), 5), (5, false));
        assert_eq!(page_summary(0, 5, None, 5), (5, true));
        assert_eq!(page_summary(0, 5, None, 3), (3, false));
    }

    #[test]
    fn not_found_for_a_number_suggests_extension() {
        let p = Params {
            id: Some("201".into()),
            ..params()
        };
        let message = not_found_message(Operation::GetExtension, &p);
        assert!(message.contains("extension = \"201\""), "{message}");
        let p = Params {
            id: Some("a1b2".into()),
            ..params()
        };
        assert!(!not_found_message(Operation::GetExtension, &p).contains("pass extension"));
    }

    #[test]
    fn every_operation_has_a_name_and_spec() {
        for row in &FUNCTIONS {
            let callable = crate::catalogue::callable(row.op.name()).map(|c| (c.op, c.walks));
            assert_eq!(callable, Some((row.op, false)));
        }
        assert!(crate::catalogue::callable("list_call").is_none());
        assert!(Operation::GetCurrentUser.spec().params.is_empty());
    }
}
