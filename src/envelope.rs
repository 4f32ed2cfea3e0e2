//! Step 3a: the Wildix response envelope, `{"type": "result", "result": ...}`,
//! read leniently (numbers or numeric strings) but never guessed at.

use serde_json::{Map, Value};

use crate::error::Error;

/// A list page as the PBX sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// `result.total`, when the PBX sent one.
    pub total: Option<u64>,
    pub records: Vec<Map<String, Value>>,
}

/// Parses a 2xx body and returns its `result`.
pub fn parse_result(body: &[u8]) -> Result<Value, Error> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Error::decode(format!(
            "the PBX answer is not valid JSON ({}; starts with {})",
            e,
            excerpt(body, 60)
        ))
    })?;
    let Value::Object(mut object) = value else {
        return Err(Error::decode(
            "the PBX answer is not a JSON object with a 'result'",
        ));
    };
    if object.get("type").and_then(Value::as_str) == Some("error") {
        let reason = reason_in(&object).unwrap_or_else(|| "no reason given".into());
        return Err(Error::decode(format!(
            "the PBX answered with an error envelope: {reason}"
        )));
    }
    match object.remove("result") {
        Some(result) => Ok(result),
        None => Err(Error::decode(
            "the PBX answer has no 'result' (not a Wildix API response?)",
        )),
    }
}

/// Reads a list `result`: `{"total": "N", "records": [...]}`.
pub fn into_page(result: Value) -> Result<Page, Error> {
    let (total, records) = match result {
        Value::Object(mut object) => {
            let total = match object.get("total") {
                None | Some(Value::Null) => None,
                Some(value) => Some(
                    count(value)
                        .ok_or_else(|| Error::decode(format!("'total' is not a count: {value}")))?,
                ),
            };
            let records = match object.remove("records") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items,
                Some(_) => return Err(Error::decode("'records' is not a list")),
            };
            (total, records)
        }
        // Some endpoints answer with the bare list.
        Value::Array(items) => (None, items),
        _ => return Err(Error::decode("the list 'result' is not an object")),
    };
    // A null record is skipped, as nulls are everywhere.
    let records = records
        .into_iter()
        .filter(|record| !record.is_null())
        .map(|record| match record {
            Value::Object(map) => Ok(map),
            other => Err(Error::decode(format!(
                "a record is not an object: {}",
                truncate(&other.to_string(), 60)
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { total, records })
}

/// Reads a single-object `result`.
pub fn into_record(result: Value) -> Result<Map<String, Value>, Error> {
    match result {
        Value::Object(map) => Ok(map),
        // Some PBX versions wrap the record in a one-element `records` list.
        Value::Array(mut items) if items.len() == 1 => into_record(items.remove(0)),
        _ => Err(Error::decode("the 'result' is not a record object")),
    }
}

/// The largest count we believe: 2^53, the last integer every Lua number
/// (LuaJIT and 5.1 have only doubles) holds exactly. No PBX has more
/// records; a larger `total` is garbage, and must not wrap or round.
pub const MAX_COUNT: u64 = 1 << 53;

/// A non-negative count up to `MAX_COUNT`, sent as a number or a numeric
/// string.
pub fn count(value: &Value) -> Option<u64> {
    let n = match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= MAX_COUNT as f64)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    (n <= MAX_COUNT).then_some(n)
}

/// The human reason in an error body: `reason`, then `message`, then `error`
/// of a JSON object, else a cleaned excerpt of the text (HTML pages too).
pub fn error_reason(body: &[u8]) -> Option<String> {
    if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) {
        if let Some(reason) = reason_in(&object) {
            return Some(truncate(&reason, 200));
        }
    }
    let text = String::from_utf8_lossy(body);
    let cleaned = strip_markup(&text);
    (!cleaned.is_empty()).then(|| truncate(&cleaned, 200))
}

fn reason_in(object: &Map<String, Value>) -> Option<String> {
    ["reason", "message", "error"]
        .iter()
        .find_map(|key| match object.get(*key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Object(inner)) => reason_in(inner),
            _ => None,
        })
}

/// Drops tags, scripts and styles; keeps each distinct text once, whitespace
/// collapsed. Good enough for the `<title>502 Bad Gateway</title>` pages
/// proxies send.
fn strip_markup(text: &str) -> String {
    let mut segments: Vec<String> = Vec::new();
    let mut keep = |segment: &str| {
        let words = segment.split_whitespace().collect::<Vec<_>>().join(" ");
        if !words.is_empty() && !segments.contains(&words) {
            segments.push(words);
        }
    };
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        keep(&rest[..open]);
        let after = &rest[open..];
        let lower = after.get(..7).unwrap_or("").to_ascii_lowercase();
        let closing = if lower.starts_with("<script") {
            Some("</script>")
        } else if lower.starts_with("<style") {
            Some("</style>")
        } else {
            None
        };
        let end = match closing {
            Some(closing) => after
                .to_ascii_lowercase()
                .find(closing)
                .map(|i| i + closing.len()),
            None => after.find('>').map(|i| i + 1),
        };
        rest = end.map_or("", |end| &after[end..]);
    }
    keep(rest);
    segments.join(" ")
}

/// The first bytes of a body, quoted, for decode errors.
pub fn excerpt(body: &[u8], max: usize) -> String {
    if body.is_empty() {
        return "nothing (empty body)".into();
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(max * 4)]);
    format!("{:?}", truncate(&text, max))
}

fn truncate(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::error::Kind;

    #[test]
    fn reads_a_list_envelope_with_string_total() {
        let body =
            br#"{"type":"result","result":{"total":"2289","records":[{"id":"1"},{"id":2}]}}"#;
        let page = into_page(parse_result(body).unwrap()).unwrap();
        assert_eq!(page.total, Some(2289));
        assert_eq!(page.records.len(), 2);
    }

    #[test]
    fn empty_and_numeric_totals() {
        let page = into_page(
            parse_result(br#"{"type":"result","result":{"total":0,"records":[]}}"#).unwrap(),
        )
        .unwrap();
        assert_eq!(page.total, Some(0));
        assert!(page.records.is_empty());
        let page = into_page(parse_result(br#"{"type":"result","result":{"total":"3"}}"#).unwrap())
            .unwrap();
        assert!(page.records.is_empty());
    }

    #[test]
    fn single_record() {
        let record = into_record(
            parse_result(br#"{"type":"result","result":{"id":"7","name":"Zo\u00eb"}}"#).unwrap(),
        )
        .unwrap();
        assert_eq!(record["name"], "Zoë");
    }

    #[test]
    fn malformed_bodies_are_decode_errors() {
        for body in [
            &b""[..],
            b"<html>502</html>",
            b"{\"type\":\"result\"",
            b"[1,2]",
            b"{\"type\":\"result\"}",
            b"{\"type\":\"error\",\"reason\":\"boom\",\"code\":500}",
            b"\xff\xfe",
        ] {
            let err = parse_result(body).expect_err("should fail");
            assert_eq!(err.kind(), Kind::Decode);
        }
        for result in [
            r#"{"total":"many","records":[]}"#,
            r#"{"total":"1","records":{"a":1}}"#,
            r#"{"total":"1","records":[1]}"#,
            r#""text""#,
        ] {
            let value: Value = serde_json::from_str(result).unwrap();
            assert_eq!(
                into_page(value).unwrap_err().kind(),
                Kind::Decode,
                "{result}"
            );
        }
        assert!(into_record(Value::String("x".into())).is_err());
    }

    #[test]
    fn error_reasons() {
        assert_eq!(
            error_reason(br#"{"type":"error","reason":"404 Not Found","code":404}"#).as_deref(),
            Some("404 Not Found")
        );
        assert_eq!(
            error_reason(br#"{"message":"bad filter"}"#).as_deref(),
            Some("bad filter")
        );
        assert_eq!(
            error_reason(br#"{"error":{"message":"nested"}}"#).as_deref(),
            Some("nested")
        );
        let html = b"<html><head><title>502 Bad Gateway</title><style>body{x}</style></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        let reason = error_reason(html).unwrap();
        assert_eq!(reason, "502 Bad Gateway nginx");
        let long = format!("<p>{}</p>", "word ".repeat(500));
        assert!(error_reason(long.as_bytes()).unwrap().chars().count() <= 201);
        assert_eq!(error_reason(b"  "), None);
    }

    #[test]
    fn counts() {
        assert_eq!(count(&Value::String(" 12 ".into())), Some(12));
        assert_eq!(count(&serde_json::json!(12)), Some(12));
        assert_eq!(count(&serde_json::json!(-1)), None);
        assert_eq!(count(&serde_json::json!("x")), None);
        assert_eq!(count(&serde_json::json!(2.0)), Some(2));
        assert_eq!(count(&serde_json::json!(2.5)), None);
        // Past 2^53 a count is garbage: refused, not wrapped or rounded.
        assert_eq!(count(&serde_json::json!(MAX_COUNT)), Some(MAX_COUNT));
        assert_eq!(count(&serde_json::json!(MAX_COUNT + 1)), None);
        assert_eq!(count(&serde_json::json!(6.859786557148014e27)), None);
        assert_eq!(count(&Value::String(u64::MAX.to_string())), None);
    }
}
