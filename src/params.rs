//! Step 1 of a call: the caller's parameter table, checked before any request.
//!
//! Works on `Arg`, a Lua value with no Lua attached, so it is plain Rust and
//! every rule is unit-tested without an interpreter.

use crate::catalogue::{Check, Param};
use crate::dates::{DateTime, DayEdge, ACCEPTED_FORMATS};
use crate::error::Error;

/// A Lua value as validation sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Nil,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(Vec<u8>),
    /// A table, function, userdata or thread: only its type name matters.
    Other(&'static str),
}

impl Arg {
    /// Lua's name for this value's type.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Arg::Nil => "nil",
            Arg::Bool(_) => "boolean",
            Arg::Int(_) | Arg::Num(_) => "number",
            Arg::Str(_) => "string",
            Arg::Other(name) => name,
        }
    }

    /// A short, safe rendering for error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Arg::Nil => "nil".into(),
            Arg::Bool(b) => b.to_string(),
            Arg::Int(i) => i.to_string(),
            Arg::Num(n) => format_number(*n),
            Arg::Str(bytes) => {
                let text = String::from_utf8_lossy(bytes);
                let mut short: String = text.chars().take(40).collect();
                if text.chars().count() > 40 {
                    short.push('…');
                }
                format!("'{}'", short.escape_debug())
            }
            Arg::Other(name) => format!("a {name}"),
        }
    }

    /// The value as an integer, if it is one (numbers and decimal strings).
    fn as_integer(&self) -> Option<i64> {
        match self {
            Arg::Int(i) => Some(*i),
            Arg::Num(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.2e18 => Some(*n as i64),
            Arg::Str(bytes) => {
                let text = std::str::from_utf8(bytes).ok()?.trim();
                if text.is_empty() || text.len() > 19 {
                    return None;
                }
                text.parse().ok()
            }
            _ => None,
        }
    }
}

fn format_number(n: f64) -> String {
    if n.is_nan() {
        "nan".into()
    } else if n.is_infinite() {
        if n > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        n.to_string()
    }
}

/// Page size bounds and defaults (the contract's).
pub(crate) const MAX_LIMIT: i64 = 1000;
pub(crate) const DEFAULT_LIMIT: u32 = 25;
/// Longest id accepted: ids are short database keys; this keeps URLs sane.
pub(crate) const MAX_ID_BYTES: usize = 256;
/// `(page - 1) * limit` must stay an exact Lua number.
const MAX_OFFSET: u64 = 1 << 53;

/// Validated parameters of one call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Params {
    pub limit: u32,
    pub page: u64,
    pub date_from: Option<DateTime>,
    pub date_to: Option<DateTime>,
    pub id: Option<String>,
    /// An extension number (`get_extension{ extension = "201" }`, or one
    /// extension's calls).
    pub extension: Option<String>,
    /// Call filters, as the PBX spells them: the disposition
    /// (`NO ANSWER`), the record type (`call`, `fax`), free text.
    pub disposition: Option<&'static str>,
    pub call_type: Option<&'static str>,
    pub search: Option<String>,
    /// `list_contacts`: one phonebook's contacts.
    pub phonebook_id: Option<String>,
    /// `lookup_number`: a phone number as people write it.
    pub number: Option<String>,
    /// List functions: build only these fields of each record (and `id`).
    pub fields: Option<Vec<String>>,
    /// A write's parameters, checked by their rows' `check`, in row order.
    pub values: Vec<(&'static str, Field)>,
}

/// A write parameter's checked value, or a request body's field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    Text(String),
    Bool(bool),
    /// Nested fields (a form's `data[name]`).
    Map(Vec<(&'static str, Field)>),
}

impl Params {
    /// How the records are built: only `fields`, and, for one
    /// extension's history, whose calls they are.
    pub(crate) fn view(&self) -> crate::decode::View<'_> {
        crate::decode::View {
            fields: self.fields.as_deref(),
            party: self.extension.as_deref(),
        }
    }

    /// A write parameter's text, if given.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.values.iter().find_map(|(n, v)| match v {
            Field::Text(t) if *n == name => Some(t.as_str()),
            _ => None,
        })
    }

    /// A boolean parameter, if given.
    pub(crate) fn boolean(&self, name: &str) -> Option<bool> {
        self.values.iter().find_map(|(n, v)| match v {
            Field::Bool(b) if *n == name => Some(*b),
            _ => None,
        })
    }

    /// A write's boolean parameter (absent: false).
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.values
            .iter()
            .any(|(n, v)| *n == name && *v == Field::Bool(true))
    }
}

impl Params {
    /// Offset of the first record of the page.
    pub(crate) fn start(&self) -> u64 {
        (self.page - 1) * u64::from(self.limit)
    }
}

impl Default for Params {
    fn default() -> Params {
        Params {
            limit: DEFAULT_LIMIT,
            page: 1,
            date_from: None,
            date_to: None,
            id: None,
            extension: None,
            disposition: None,
            call_type: None,
            search: None,
            phonebook_id: None,
            number: None,
            fields: None,
            values: Vec::new(),
        }
    }
}

/// What a function accepts: its row's parameters (`catalogue.rs`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// Accepted parameters, in the order error messages list them.
    pub params: &'static [Param],
    /// What must be given.
    pub required: Required,
}

impl Spec {
    fn accepts(&self, name: &str) -> bool {
        self.params.iter().any(|p| p.name == name)
    }
}

/// The parameters a function cannot do without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Required {
    Nothing,
    Id,
    /// Exactly one of `id` and `extension`.
    IdOrExtension,
    Extension,
    Number,
}

/// Checks a parameter table (`None` for a call with no argument).
pub(crate) fn validate(spec: Spec, table: Option<&[(Arg, Arg)]>) -> Result<Params, Error> {
    let mut params = Params::default();
    // The page size a function (or an iterator) defaults to, as its row says.
    if let Some(limit) = spec
        .params
        .iter()
        .find(|p| matches!(p.name, "limit" | "page_size"))
        .and_then(|p| p.default?.parse().ok())
    {
        params.limit = limit;
    }
    // Unknown keys first, then known ones in the documented order, so the
    // error a table gets does not depend on `pairs` order.
    let pairs = table.unwrap_or_default();
    let mut unknown_keys: Vec<&Arg> = pairs
        .iter()
        .map(|(key, _)| key)
        .filter(|key| !matches!(key_name(key), Some(name) if spec.accepts(name)))
        .collect();
    unknown_keys.sort_by_key(|key| key.describe());
    if let Some(key) = unknown_keys.first() {
        return Err(unknown(spec, key));
    }
    let mut known: Vec<(&str, &Arg)> = pairs
        .iter()
        .filter_map(|(key, value)| Some((key_name(key)?, value)))
        .collect();
    known.sort_by_key(|(name, _)| spec.params.iter().position(|p| p.name == *name));
    for (name, value) in known {
        if let Some(param) = spec
            .params
            .iter()
            .find(|p| p.name == name && p.check.is_some())
        {
            let checked = checked(param, value)?;
            params.values.push((param.name, checked));
            continue;
        }
        match name {
            // An iterator's page size is its list's `limit`.
            "limit" | "page_size" => {
                params.limit = match value.as_integer() {
                    Some(n) if (1..=MAX_LIMIT).contains(&n) => n as u32,
                    _ => {
                        return Err(Error::argument(format!(
                            "'{name}' must be an integer from 1 to {MAX_LIMIT}, got {}",
                            value.describe()
                        )))
                    }
                }
            }
            "page" => {
                params.page = match value.as_integer() {
                    Some(n) if n >= 1 => n as u64,
                    _ => {
                        return Err(Error::argument(format!(
                            "'page' must be an integer of at least 1, got {}",
                            value.describe()
                        )))
                    }
                }
            }
            "date_from" => params.date_from = Some(date(name, value, DayEdge::Start)?),
            "date_to" => params.date_to = Some(date(name, value, DayEdge::End)?),
            "id" => params.id = Some(id(name, value)?),
            "extension" => params.extension = Some(id(name, value)?),
            "status" => params.disposition = Some(choice(name, value, DISPOSITIONS)?),
            "type" => params.call_type = Some(choice(name, value, CALL_TYPES)?),
            "search" => params.search = Some(text(name, value)?),
            "phonebook_id" => params.phonebook_id = Some(id(name, value)?),
            "number" => params.number = Some(phone_number(name, value)?),
            "fields" => params.fields = Some(field_names(name, value)?),
            // A row declares a parameter no rule here reads: a bug of
            // ours, never a reason to panic inside a Lua call.
            other => {
                return Err(Error::argument(format!(
                "parameter '{other}' is declared but not checked (a wildix bug: please report it)"
            )))
            }
        }
    }
    if let Some(missing) = spec.params.iter().find(|p| {
        p.check.is_some() && p.required && !params.values.iter().any(|(n, _)| *n == p.name)
    }) {
        return Err(Error::argument(format!(
            "missing required parameter '{}' ({})",
            missing.name, missing.description
        )));
    }
    match (spec.required, &params.id, &params.extension) {
        (Required::Id, None, _) => {
            return Err(Error::argument(
                "missing required parameter 'id' (e.g. { id = \"42\" })",
            ))
        }
        (Required::IdOrExtension, None, None) => {
            return Err(Error::argument(
                "needs 'id' (the colleague's database id) or 'extension' (the extension number), e.g. { extension = \"201\" }",
            ))
        }
        (Required::Number, _, _) if params.number.is_none() => {
            return Err(Error::argument(
                "missing required parameter 'number' (e.g. { number = \"+39 02 1234 5678\" })",
            ))
        }
        (Required::Extension, _, None) => {
            return Err(Error::argument(
                "missing required parameter 'extension' (e.g. { extension = \"201\" })",
            ))
        }
        (Required::IdOrExtension, Some(_), Some(_)) => {
            return Err(Error::argument(
                "takes 'id' or 'extension', not both",
            ))
        }
        _ => {}
    }
    if (params.page - 1).saturating_mul(u64::from(params.limit)) > MAX_OFFSET {
        return Err(Error::argument(format!(
            "'page' {} is too large for 'limit' {}",
            params.page, params.limit
        )));
    }
    if let (Some(from), Some(to)) = (params.date_from, params.date_to) {
        if from > to {
            return Err(Error::argument(format!(
                "'date_from' ({from}) is later than 'date_to' ({to})"
            )));
        }
    }
    Ok(params)
}

/// A write parameter's value, by its row's `check`.
fn checked(param: &Param, value: &Arg) -> Result<Field, Error> {
    let name = param.name;
    let text = |value: &Arg| match value {
        Arg::Str(bytes) => std::str::from_utf8(bytes).ok().map(str::to_string),
        _ => None,
    };
    let refuse = |what: String| {
        Error::argument(format!("'{name}' must be {what}, got {}", value.describe()))
    };
    Ok(match param.check {
        Some(Check::Bool) => match value {
            Arg::Bool(b) => Field::Bool(*b),
            _ => return Err(refuse("true or false".into())),
        },
        Some(Check::Id) => Field::Text(id(name, value)?),
        Some(Check::Dial) => Field::Text(dial_string(&phone_number(name, value)?)),
        Some(Check::Digits) => match text(value) {
            Some(d)
                if (1..=32).contains(&d.len())
                    && d.bytes()
                        .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#') =>
            {
                Field::Text(d)
            }
            _ => return Err(refuse("1 to 32 of the DTMF digits 0-9 * #".into())),
        },
        Some(Check::Text(max)) => match text(value) {
            Some(t)
                if !t.trim().is_empty()
                    && t.len() <= max
                    && !t
                        .chars()
                        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
            {
                Field::Text(t)
            }
            _ => {
                return Err(refuse(format!(
                    "text of 1 to {max} bytes, without control characters"
                )))
            }
        },
        Some(Check::Choice) => match text(value) {
            Some(t) if param.values.contains(&t.as_str()) => Field::Text(t),
            _ => return Err(refuse(format!("one of {}", param.values.join(", ")))),
        },
        Some(Check::Until) => {
            let parsed = text(value).and_then(|t| {
                (t.trim().len() == 16)
                    .then(|| DateTime::parse(t.trim(), DayEdge::Start))
                    .flatten()
            });
            match parsed {
                Some(at) => Field::Text(at.to_string()),
                None => return Err(refuse("a UTC time as YYYY-MM-DD HH:MM".into())),
            }
        }
        None => {
            return Err(Error::argument(format!(
                "parameter '{name}' has no check (a wildix bug: please report it)"
            )))
        }
    })
}

/// A number as dialled: its digits, with a leading `+` kept.
fn dial_string(number: &str) -> String {
    let plus = number.trim_start().starts_with('+');
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if plus {
        format!("+{digits}")
    } else {
        digits
    }
}

fn key_name(key: &Arg) -> Option<&str> {
    match key {
        Arg::Str(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// The error for a parameter table of the wrong type.
pub(crate) fn not_a_table(spec: Spec, got: &Arg) -> Error {
    let example = if spec.required == Required::Id {
        "{ id = \"42\" }"
    } else if matches!(spec.required, Required::IdOrExtension | Required::Extension) {
        "{ extension = \"201\" }"
    } else if spec.required == Required::Number {
        "{ number = \"+39 02 1234 5678\" }"
    } else if spec.params.is_empty() {
        "{} or nothing"
    } else if spec.params.iter().any(|p| p.name == "page_size") {
        "{ page_size = 500 }"
    } else {
        "{ limit = 10 }"
    };
    Error::argument(format!(
        "expected a table of parameters such as {example}, got {}",
        got.type_name()
    ))
}

fn unknown(spec: Spec, key: &Arg) -> Error {
    let shown = match key {
        Arg::Str(_) => key.describe(),
        other => format!("[{}]", other.describe()),
    };
    let expected = if spec.params.is_empty() {
        "none: call it with {} or nothing".to_string()
    } else {
        let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
        names.join(", ")
    };
    Error::argument(format!("unknown parameter {shown} (expected: {expected})"))
}

/// `status` values and the PBX dispositions they stand for.
const DISPOSITIONS: &[(&str, &str)] = &[
    ("answered", "ANSWERED"),
    ("no_answer", "NO ANSWER"),
    ("busy", "BUSY"),
    ("failed", "FAILED"),
];
/// `type` values, as the PBX spells them.
const CALL_TYPES: &[(&str, &str)] = &[("call", "call"), ("fax", "fax")];
/// The longest `search` text.
const MAX_SEARCH_BYTES: usize = 256;

/// One of `allowed` (our name, the PBX's), by our name.
fn choice(
    name: &str,
    value: &Arg,
    allowed: &[(&str, &'static str)],
) -> Result<&'static str, Error> {
    let given = match value {
        Arg::Str(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    };
    allowed
        .iter()
        .find(|(ours, _)| Some(*ours) == given)
        .map(|(_, pbx)| *pbx)
        .ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|(ours, _)| *ours).collect();
            Error::argument(format!(
                "'{name}' must be one of {}, got {}",
                names.join(", "),
                value.describe()
            ))
        })
}

/// A phone number: digits, with the `+ ( ) - . /` and spaces people put
/// in them; at least 3 digits. A whole number is taken as its digits.
fn phone_number(name: &str, value: &Arg) -> Result<String, Error> {
    let text = match value {
        Arg::Int(_) | Arg::Num(_) => value.as_integer().map(|n| n.to_string()),
        Arg::Str(bytes) => std::str::from_utf8(bytes)
            .ok()
            .map(|s| s.trim().to_string()),
        _ => None,
    };
    let valid = text.as_deref().is_some_and(|t| {
        t.len() <= 64
            && t.chars().filter(char::is_ascii_digit).count() >= 3
            && t.chars()
                .all(|c| c.is_ascii_digit() || " +()-./".contains(c))
    });
    match text {
        Some(t) if valid => Ok(t),
        _ => Err(Error::argument(format!(
            "'{name}' must be a phone number (digits, with + ( ) - . / or spaces; at least 3 digits), got {}",
            value.describe()
        ))),
    }
}

/// The most fields a `fields` list names.
const MAX_FIELDS: usize = 256;

/// `fields`: field names (a Lua list arrives joined by commas).
fn field_names(name: &str, value: &Arg) -> Result<Vec<String>, Error> {
    let names: Option<Vec<String>> = match value {
        Arg::Str(bytes) => std::str::from_utf8(bytes)
            .ok()
            .map(|text| text.split(',').map(|n| n.trim().to_string()).collect()),
        _ => None,
    };
    match names {
        Some(names)
            if !names.is_empty()
                && names.len() <= MAX_FIELDS
                && names.iter().all(|n| {
                    !n.is_empty() && n.len() <= 64 && !n.chars().any(char::is_control)
                }) =>
        {
            Ok(names)
        }
        _ => Err(Error::argument(format!(
            "'{name}' must be a list of field names such as {{ \"id\", \"start\", \"status\" }}, got {}",
            value.describe()
        ))),
    }
}

/// Free text: a non-empty string without control characters.
fn text(name: &str, value: &Arg) -> Result<String, Error> {
    let text = match value {
        Arg::Str(bytes) => std::str::from_utf8(bytes).ok().map(str::trim),
        _ => None,
    };
    match text {
        Some(t) if !t.is_empty() && t.len() <= MAX_SEARCH_BYTES && !t.chars().any(char::is_control) => {
            Ok(t.to_string())
        }
        _ => Err(Error::argument(format!(
            "'{name}' must be text of 1 to {MAX_SEARCH_BYTES} bytes without control characters, got {}",
            value.describe()
        ))),
    }
}

fn date(name: &str, value: &Arg, edge: DayEdge) -> Result<DateTime, Error> {
    let parsed = match value {
        Arg::Str(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| DateTime::parse(s.trim(), edge)),
        _ => None,
    };
    parsed.ok_or_else(|| {
        Error::argument(format!(
            "'{name}' must be a date as {ACCEPTED_FORMATS}, got {}",
            value.describe()
        ))
    })
}

/// Ids (and extension numbers) are opaque strings; a whole number is
/// taken as its decimal string.
fn id(name: &str, value: &Arg) -> Result<String, Error> {
    let text = match value {
        Arg::Str(bytes) => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => {
                return Err(Error::argument(format!(
                    "'{name}' must be valid UTF-8 text"
                )))
            }
        },
        Arg::Int(_) | Arg::Num(_) => match value.as_integer() {
            Some(n) => n.to_string(),
            None => {
                return Err(Error::argument(format!(
                    "'{name}' must be a string or a whole number, got {}",
                    value.describe()
                )))
            }
        },
        _ => {
            return Err(Error::argument(format!(
                "'{name}' must be a string or a whole number, got {}",
                value.describe()
            )))
        }
    };
    check_id(name, &text)?;
    Ok(text)
}

/// Ids travel in the URL path: refuse anything that could change the path.
pub(crate) fn check_id(name: &str, id: &str) -> Result<(), Error> {
    let problem = if id.is_empty() {
        Some("is empty")
    } else if id == "." || id == ".." {
        Some("cannot be '.' or '..'")
    } else if id.len() > MAX_ID_BYTES {
        Some("is too long (at most 256 bytes)")
    } else if id.contains(['/', '?', '#', '\\']) {
        Some("cannot contain '/', '?', '#' or '\\'")
    } else if id.chars().any(char::is_control) {
        Some("cannot contain control characters")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::argument(format!(
            "'{name}' {problem} (got {})",
            Arg::Str(id.as_bytes().to_vec()).describe()
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::catalogue;
    use crate::error::Kind;

    const LIST_CALLS: Spec = Spec {
        params: catalogue::FUNCTIONS[0].params,
        required: Required::Nothing,
    };
    const GET: Spec = Spec {
        params: catalogue::FUNCTIONS[1].params,
        required: Required::Id,
    };
    const NONE: Spec = Spec {
        params: &[],
        required: Required::Nothing,
    };

    fn s(text: &str) -> Arg {
        Arg::Str(text.as_bytes().to_vec())
    }

    fn run(spec: Spec, pairs: &[(&str, Arg)]) -> Result<Params, Error> {
        let table: Vec<(Arg, Arg)> = pairs.iter().map(|(k, v)| (s(k), v.clone())).collect();
        validate(spec, Some(&table))
    }

    fn message(result: Result<Params, Error>) -> String {
        let err = result.expect_err("should fail");
        assert_eq!(err.kind(), Kind::Argument);
        err.message().to_string()
    }

    #[test]
    fn defaults() {
        let p = validate(LIST_CALLS, None).unwrap();
        assert_eq!((p.limit, p.page, p.start()), (25, 1, 0));
        let p = run(LIST_CALLS, &[]).unwrap();
        assert_eq!(p, Params::default());
    }

    #[test]
    fn limit_and_page_give_the_offset() {
        let p = run(
            LIST_CALLS,
            &[("limit", Arg::Int(50)), ("page", Arg::Int(3))],
        )
        .unwrap();
        assert_eq!((p.limit, p.page, p.start()), (50, 3, 100));
        let p = run(LIST_CALLS, &[("limit", Arg::Num(10.0)), ("page", s("2"))]).unwrap();
        assert_eq!(p.start(), 10);
    }

    #[test]
    fn limit_bounds() {
        for bad in [
            Arg::Int(0),
            Arg::Int(1001),
            Arg::Int(-5),
            Arg::Num(2.5),
            Arg::Num(f64::NAN),
            Arg::Num(f64::INFINITY),
            Arg::Bool(true),
            s("ten"),
            Arg::Other("table"),
        ] {
            let msg = message(run(LIST_CALLS, &[("limit", bad.clone())]));
            assert!(
                msg.contains("'limit' must be an integer from 1 to 1000"),
                "{msg}"
            );
        }
        assert_eq!(
            run(LIST_CALLS, &[("limit", Arg::Int(1000))]).unwrap().limit,
            1000
        );
    }

    #[test]
    fn page_bounds_and_overflow() {
        assert!(message(run(LIST_CALLS, &[("page", Arg::Int(0))])).contains("'page'"));
        let msg = message(run(
            LIST_CALLS,
            &[("page", Arg::Int(i64::MAX)), ("limit", Arg::Int(1000))],
        ));
        assert!(msg.contains("too large"), "{msg}");
    }

    /// A value each declared parameter takes.
    fn sample(p: &Param) -> Arg {
        match (p.name, p.values.first()) {
            (_, Some(value)) => s(value),
            _ if p.check == Some(Check::Bool) => Arg::Bool(true),
            _ if p.check == Some(Check::Until) => s("2026-01-01 10:00"),
            ("limit" | "page", _) => Arg::Int(1),
            ("date_from" | "date_to", _) => s("2026-01-01"),
            ("number", _) => s("+39 02 1234 5678"),
            // The Lua side hands a list of names over joined by commas.
            ("fields", _) => s("start,status"),
            _ => s("201"),
        }
    }

    #[test]
    fn every_declared_parameter_is_taken_and_every_value_it_lists() {
        for row in &catalogue::FUNCTIONS {
            for p in row.params {
                let values: Vec<Arg> = match p.values {
                    [] => vec![sample(p)],
                    values => values.iter().map(|v| s(v)).collect(),
                };
                for value in values {
                    let mut table = vec![(s(p.name), value)];
                    // The other required parameters beside it.
                    for q in row.params.iter().filter(|q| q.required) {
                        if q.name != p.name {
                            table.push((s(q.name), sample(q)));
                        }
                    }
                    // The rule across parameters, met with `id` where asked.
                    if row.required != Required::Nothing && !p.required {
                        let other = row.params.iter().find(|q| q.name != p.name);
                        if let Some(q) = other.filter(|_| row.required != Required::IdOrExtension) {
                            table.push((s(q.name), sample(q)));
                        }
                    }
                    let got = validate(row.op.spec(), Some(&table));
                    assert!(got.is_ok(), "{}.{}: {:?}", row.name, p.name, got.err());
                }
            }
        }
        // Each list of values is the one the checks take.
        let statuses: Vec<&str> = DISPOSITIONS.iter().map(|(ours, _)| *ours).collect();
        assert_eq!(statuses, catalogue::STATUSES);
        let types: Vec<&str> = CALL_TYPES.iter().map(|(ours, _)| *ours).collect();
        assert_eq!(types, catalogue::CALL_TYPES);
    }

    #[test]
    fn unknown_keys_list_the_accepted_ones() {
        let msg = message(run(LIST_CALLS, &[("limt", Arg::Int(5))]));
        // The seed's four first, then every other key the function takes.
        assert_eq!(
            msg,
            "unknown parameter 'limt' (expected: limit, page, date_from, date_to, status, type, \
             search, extension, fields)"
        );
        let table = vec![(Arg::Int(1), Arg::Int(5))];
        let msg = message(validate(LIST_CALLS, Some(&table)));
        assert!(msg.starts_with("unknown parameter [1]"), "{msg}");
        let msg = message(run(NONE, &[("x", Arg::Int(1))]));
        assert!(msg.contains("expected: none"), "{msg}");
        let msg = message(run(GET, &[("limit", Arg::Int(1)), ("id", s("1"))]));
        assert!(msg.contains("(expected: id)"), "{msg}");
    }

    #[test]
    fn errors_do_not_depend_on_table_order() {
        let a = message(run(
            LIST_CALLS,
            &[("date_to", s("x")), ("date_from", s("y"))],
        ));
        let b = message(run(
            LIST_CALLS,
            &[("date_from", s("y")), ("date_to", s("x"))],
        ));
        assert_eq!(a, b);
        assert!(a.contains("'date_from'"), "{a}");
        let a = message(run(
            LIST_CALLS,
            &[
                ("zz", Arg::Int(1)),
                ("limit", Arg::Int(0)),
                ("aa", Arg::Int(1)),
            ],
        ));
        assert!(a.contains("'aa'"), "{a}");
    }

    #[test]
    fn dates_and_their_order() {
        let p = run(
            LIST_CALLS,
            &[("date_from", s("2026-01-01")), ("date_to", s("2026-01-31"))],
        )
        .unwrap();
        assert_eq!(p.date_from.unwrap().to_string(), "2026-01-01 00:00:00");
        assert_eq!(p.date_to.unwrap().to_string(), "2026-01-31 23:59:59");
        let same_day = run(
            LIST_CALLS,
            &[("date_from", s("2026-01-31")), ("date_to", s("2026-01-31"))],
        );
        assert!(same_day.is_ok());
        let msg = message(run(
            LIST_CALLS,
            &[("date_from", s("2026-02-01")), ("date_to", s("2026-01-31"))],
        ));
        assert!(msg.contains("later than"), "{msg}");
        let msg = message(run(LIST_CALLS, &[("date_from", s("yesterday"))]));
        assert!(msg.contains("YYYY-MM-DD"), "{msg}");
        let msg = message(run(LIST_CALLS, &[("date_to", Arg::Int(20260101))]));
        assert!(msg.contains("'date_to'"), "{msg}");
    }

    #[test]
    fn ids() {
        let p = run(GET, &[("id", s("1426080756.123"))]).unwrap();
        assert_eq!(p.id.as_deref(), Some("1426080756.123"));
        let p = run(GET, &[("id", Arg::Int(42))]).unwrap();
        assert_eq!(p.id.as_deref(), Some("42"));
        let p = run(GET, &[("id", Arg::Num(42.0))]).unwrap();
        assert_eq!(p.id.as_deref(), Some("42"));
        for bad in [
            s(""),
            s("."),
            s(".."),
            s("a/b"),
            s("a?b"),
            s("a#b"),
            s("a\\b"),
            s("a\nb"),
            s("a\u{7f}"),
            Arg::Str(vec![0xff, 0xfe]),
            Arg::Str(vec![b'1'; 300]),
            Arg::Num(1.5),
            Arg::Bool(false),
            Arg::Other("table"),
        ] {
            let msg = message(run(GET, &[("id", bad.clone())]));
            assert!(msg.contains("'id'"), "{bad:?}: {msg}");
        }
        assert!(message(run(GET, &[])).contains("missing required parameter 'id'"));
        assert!(message(validate(GET, None)).contains("missing"));
    }

    #[test]
    fn not_a_table_names_the_type() {
        let err = not_a_table(LIST_CALLS, &s("x"));
        assert_eq!(err.kind(), Kind::Argument);
        assert!(err.message().contains("got string"));
    }

    #[test]
    fn describe_is_short_and_escaped() {
        let long = "x".repeat(100);
        assert!(s(&long).describe().chars().count() < 50);
        assert_eq!(s("a\nb").describe(), "'a\\nb'");
    }
}
