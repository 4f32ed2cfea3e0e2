//! Step 4: records keep every PBX field and gain the names the seed's scripts
//! use (`call.from`, `call.status`, `ext.number`, ...). See interface.md.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::dates::{DateTime, DayEdge};

type Record = Map<String, Value>;

/// Which normaliser a record goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Call,
    Extension,
    User,
}

/// Adds the contract's fields to one record, in place.
pub fn normalize(kind: RecordKind, record: &mut Record) {
    id_as_string(record);
    match kind {
        RecordKind::Call => call(record),
        RecordKind::Extension => extension(record),
        RecordKind::User => {}
    }
}

/// What a call record's added fields are computed from. The map path
/// (`normalize`) and the streaming Lua decoder both fill one, so the two
/// give the same answers.
/// Text is borrowed from the record (or the body) where it can be.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CallFacts<'a> {
    pub from_number: Option<Cow<'a, str>>,
    pub src: Option<Cow<'a, str>>,
    pub to_number: Option<Cow<'a, str>>,
    pub dst: Option<Cow<'a, str>>,
    pub disposition: Option<Cow<'a, str>>,
    pub duration: Option<i64>,
    pub billsec: Option<i64>,
    pub start: Option<Cow<'a, str>>,
    pub end: Option<Cow<'a, str>>,
}

/// The fields a call record gains.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFields<'a> {
    pub from: Option<Cow<'a, str>>,
    pub to: Option<Cow<'a, str>>,
    pub status: Cow<'static, str>,
    pub duration: Option<i64>,
    pub billsec: Option<i64>,
}

/// A PBX scalar, as the facts need it.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A list or object.
    Other,
}

impl<'a> Scalar<'a> {
    /// Strings as they are, numbers in JSON's notation; others absent.
    pub fn text(&self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Text(s) => Some(s.clone()),
            Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
            Scalar::Float(f) => serde_json::Number::from_f64(*f).map(|n| Cow::Owned(n.to_string())),
            Scalar::Bool(_) | Scalar::Other => None,
        }
    }

    /// Whole seconds from a number or numeric string; empty means absent.
    pub fn seconds(&self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(*i),
            Scalar::Float(f) if f.is_finite() => Some(f.trunc() as i64),
            Scalar::Text(s) => {
                let s = s.trim();
                s.parse::<i64>().ok().or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| f.trunc() as i64)
                })
            }
            _ => None,
        }
    }

    fn of(value: &'a Value) -> Scalar<'a> {
        match value {
            Value::String(s) => Scalar::Text(Cow::Borrowed(s)),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => Scalar::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::Bool(b) => Scalar::Bool(*b),
            _ => Scalar::Other,
        }
    }
}

impl<'a> CallFacts<'a> {
    /// Records `value` if `key` is one the added fields depend on.
    pub fn note(&mut self, key: &str, value: Scalar<'a>) {
        match key {
            "from_number" => self.from_number = value.text(),
            "src" => self.src = value.text(),
            "to_number" => self.to_number = value.text(),
            "dst" => self.dst = value.text(),
            "disposition" => self.disposition = value.text(),
            "duration" => self.duration = value.seconds(),
            "billsec" => self.billsec = value.seconds(),
            "start" => self.start = value.text(),
            "end" => self.end = value.text(),
            _ => {}
        }
    }

    /// Whether `key` feeds the facts (the decoder captures only these).
    pub fn wants(key: &str) -> bool {
        matches!(
            key,
            "from_number"
                | "src"
                | "to_number"
                | "dst"
                | "disposition"
                | "duration"
                | "billsec"
                | "start"
                | "end"
        )
    }

    /// The added fields, by the contract's rules.
    pub fn fields(&self) -> CallFields<'a> {
        let first = |a: &Option<Cow<'a, str>>, b: &Option<Cow<'a, str>>| {
            [a, b]
                .into_iter()
                .flatten()
                .find(|t| !t.is_empty())
                .or(a.as_ref().or(b.as_ref()))
                .cloned()
        };
        let status = match &self.disposition {
            Some(d) => status_of(d),
            None => Cow::Borrowed("unknown"),
        };
        CallFields {
            from: first(&self.from_number, &self.src),
            to: first(&self.to_number, &self.dst),
            status,
            duration: self.duration.or_else(|| self.span()).or(self.billsec),
            billsec: self.billsec,
        }
    }

    /// `end − start`, when both are PBX times and in order.
    fn span(&self) -> Option<i64> {
        let time = |t: &Option<Cow<'a, str>>| {
            t.as_deref()
                .and_then(|t| DateTime::parse(t.trim(), DayEdge::Start))
        };
        let seconds = time(&self.end)?.timestamp() - time(&self.start)?.timestamp();
        (seconds >= 0).then_some(seconds)
    }
}

fn call(record: &mut Record) {
    let fields = {
        let mut facts = CallFacts::default();
        for (key, value) in record.iter() {
            if CallFacts::wants(key) {
                facts.note(key, Scalar::of(value));
            }
        }
        let fields = facts.fields();
        CallFields {
            from: fields.from.map(|c| Cow::Owned(c.into_owned())),
            to: fields.to.map(|c| Cow::Owned(c.into_owned())),
            ..fields
        }
    };
    let mut set = |key: &str, value: Option<Value>| match value {
        Some(v) => record.insert(key.into(), v),
        None => record.remove(key),
    };
    if let Some(from) = fields.from {
        set("from", Some(Value::String(from.into_owned())));
    }
    if let Some(to) = fields.to {
        set("to", Some(Value::String(to.into_owned())));
    }
    set("status", Some(Value::String(fields.status.into_owned())));
    set("billsec", fields.billsec.map(Value::from));
    set("duration", fields.duration.map(Value::from));
}

fn extension(record: &mut Record) {
    if let Some(number) = text(record.get("extension")) {
        record.insert("number".into(), Value::String(number));
    }
    let name = record.get("name").filter(|v| is_scalar(v)).cloned();
    if let Some(name) = name {
        record.insert("user_name".into(), name);
    }
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// `ANSWERED` → `answered`, `NO ANSWER` → `no_answer`, else lower-cased.
pub fn status_of(disposition: &str) -> Cow<'static, str> {
    let d = disposition.trim();
    let is = |word: &str| d.eq_ignore_ascii_case(word);
    Cow::Borrowed(if is("ANSWERED") {
        "answered"
    } else if is("NO ANSWER") || is("NO_ANSWER") || is("NOANSWER") {
        "no_answer"
    } else if is("BUSY") {
        "busy"
    } else if is("FAILED") {
        "failed"
    } else if d.is_empty() {
        "unknown"
    } else {
        return Cow::Owned(d.to_lowercase());
    })
}

/// Whole seconds from a number or numeric string; empty means absent.
pub fn seconds(value: &Value) -> Option<i64> {
    Scalar::of(value).seconds()
}

fn id_as_string(record: &mut Record) {
    if let Some(id) = text(record.get("id")) {
        record.insert("id".into(), Value::String(id));
    }
}

/// A string or number as text; null and other types are absent.
fn text(value: Option<&Value>) -> Option<String> {
    Scalar::of(value?).text().map(Cow::into_owned)
}

#[cfg(test)]
mod test {
    use super::*;
    use serde_json::json;

    fn norm(kind: RecordKind, value: Value) -> Record {
        let Value::Object(mut map) = value else {
            panic!("object")
        };
        normalize(kind, &mut map);
        map
    }

    #[test]
    fn call_from_user_history_fields() {
        let r = norm(
            RecordKind::Call,
            json!({"id": 8289, "start": "2015-03-11 13:32:36", "answer": "2015-03-11 13:32:40",
                   "end": "2015-03-11 13:33:36", "billsec": "56", "disposition": "ANSWERED",
                   "from_number": "101", "to_number": "+3212345", "from_name": "Zoë", "to_name": "",
                   "cost": "0"}),
        );
        assert_eq!(r["id"], "8289");
        assert_eq!(r["from"], "101");
        assert_eq!(r["to"], "+3212345");
        assert_eq!(r["status"], "answered");
        assert_eq!(r["billsec"], 56);
        assert_eq!(r["duration"], 60);
        assert_eq!(r["start"], "2015-03-11 13:32:36");
        assert_eq!(r["cost"], "0");
        assert_eq!(r["from_name"], "Zoë");
    }

    #[test]
    fn call_from_admin_history_fields() {
        let r = norm(
            RecordKind::Call,
            json!({"id": "1426080756.123", "src": "102", "dst": "103", "duration": "17",
                   "billsec": "", "disposition": "NO ANSWER", "start": "x", "end": "y"}),
        );
        assert_eq!(r["from"], "102");
        assert_eq!(r["to"], "103");
        assert_eq!(r["duration"], 17);
        assert_eq!(r["status"], "no_answer");
        assert!(!r.contains_key("billsec"));
    }

    #[test]
    fn duration_falls_back_to_billsec() {
        let r = norm(
            RecordKind::Call,
            json!({"billsec": 9, "disposition": "BUSY", "start": "2015-03-11 13:33:36",
                   "end": "2015-03-11 13:32:36"}),
        );
        assert_eq!(r["duration"], 9);
        assert_eq!(r["status"], "busy");
        let r = norm(RecordKind::Call, json!({"disposition": "CONGESTION"}));
        assert_eq!(r["status"], "congestion");
        assert!(!r.contains_key("duration"));
        let r = norm(RecordKind::Call, json!({"disposition": null}));
        assert_eq!(r["status"], "unknown");
        assert_eq!(status_of("FAILED"), "failed");
    }

    #[test]
    fn from_prefers_non_empty() {
        let r = norm(RecordKind::Call, json!({"from_number": "", "src": "555"}));
        assert_eq!(r["from"], "555");
        let r = norm(RecordKind::Call, json!({"from_number": ""}));
        assert_eq!(r["from"], "");
        let r = norm(RecordKind::Call, json!({}));
        assert!(!r.contains_key("from"));
    }

    #[test]
    fn extension_and_user() {
        let r = norm(
            RecordKind::Extension,
            json!({"id": 12, "extension": 101, "name": "Ana", "email": "a@x"}),
        );
        assert_eq!(r["id"], "12");
        assert_eq!(r["number"], "101");
        assert_eq!(r["user_name"], "Ana");
        assert_eq!(r["extension"], 101);
        let r = norm(
            RecordKind::User,
            json!({"id": "3", "extension": "103", "name": ""}),
        );
        assert_eq!(r["id"], "3");
        assert_eq!(r["extension"], "103");
    }

    #[test]
    fn seconds_parsing() {
        assert_eq!(seconds(&json!("12")), Some(12));
        assert_eq!(seconds(&json!("12.9")), Some(12));
        assert_eq!(seconds(&json!(3.5)), Some(3));
        assert_eq!(seconds(&json!("")), None);
        assert_eq!(seconds(&json!("NaN")), None);
        assert_eq!(seconds(&json!(true)), None);
    }
}
