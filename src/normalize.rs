//! Step 4: records keep every PBX field and gain the names the seed's scripts
//! use (`call.from`, `call.status`, `ext.number`, ...). See interface.md.

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

fn call(record: &mut Record) {
    if let Some(from) = first_text(record, &["from_number", "src"]) {
        record.insert("from".into(), Value::String(from));
    }
    if let Some(to) = first_text(record, &["to_number", "dst"]) {
        record.insert("to".into(), Value::String(to));
    }
    let status = match text(record.get("disposition")) {
        Some(d) => status_of(&d),
        None => "unknown".to_string(),
    };
    record.insert("status".into(), Value::String(status));
    let billsec = record.get("billsec").and_then(seconds);
    match billsec {
        Some(b) => record.insert("billsec".into(), Value::from(b)),
        None => record.remove("billsec"),
    };
    let duration = record
        .get("duration")
        .and_then(seconds)
        .or_else(|| span(record))
        .or(billsec);
    match duration {
        Some(d) => record.insert("duration".into(), Value::from(d)),
        None => record.remove("duration"),
    };
}

fn extension(record: &mut Record) {
    if let Some(number) = text(record.get("extension")) {
        record.insert("number".into(), Value::String(number));
    }
    if let Some(name) = record.get("name").filter(|v| !v.is_null()).cloned() {
        record.insert("user_name".into(), name);
    }
}

/// `ANSWERED` → `answered`, `NO ANSWER` → `no_answer`, else lower-cased.
pub fn status_of(disposition: &str) -> String {
    match disposition.trim().to_ascii_uppercase().as_str() {
        "ANSWERED" => "answered".into(),
        "NO ANSWER" | "NO_ANSWER" | "NOANSWER" => "no_answer".into(),
        "BUSY" => "busy".into(),
        "FAILED" => "failed".into(),
        "" => "unknown".into(),
        _ => disposition.trim().to_lowercase(),
    }
}

/// `end − start`, when both are PBX times and in order.
fn span(record: &Record) -> Option<i64> {
    let time =
        |key: &str| text(record.get(key)).and_then(|t| DateTime::parse(t.trim(), DayEdge::Start));
    let seconds = time("end")?.timestamp() - time("start")?.timestamp();
    (seconds >= 0).then_some(seconds)
}

/// Whole seconds from a number or numeric string; empty means absent.
pub fn seconds(value: &Value) -> Option<i64> {
    let n = match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64))?,
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i64)
            })?
        }
        _ => return None,
    };
    Some(n)
}

fn id_as_string(record: &mut Record) {
    if let Some(id) = text(record.get("id")) {
        record.insert("id".into(), Value::String(id));
    }
}

/// A string or number as text; null and other types are absent.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first non-empty of `keys`, else the first present (possibly empty).
fn first_text(record: &Record, keys: &[&str]) -> Option<String> {
    let present: Vec<String> = keys.iter().filter_map(|k| text(record.get(*k))).collect();
    present
        .iter()
        .find(|t| !t.is_empty())
        .or(present.first())
        .cloned()
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
