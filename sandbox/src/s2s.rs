//! The sandbox's S2S verifier: what a PBX checks of a signed request
//! (docs/pbx.md, "S2S signing"). Written apart from the client's signer
//! (src/s2s.rs), and checked against the published test vector on its own,
//! so a mistake in one cannot be mirrored by the other.

use std::cmp::Ordering;

use base64::Engine;
use serde_json::{Map, Value};

/// An S2S app the sandbox knows.
pub struct App {
    pub id: String,
    pub name: String,
    pub secret: String,
}

/// A request as it arrived: what the signature covers.
pub struct Signed<'a> {
    pub method: &'a str,
    /// The request target's path, as sent (percent-encoded).
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    /// Every header, names lower-cased, values trimmed.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// How long past `exp`, or before `iat`, a signature is still taken.
const SKEW_SECS: i64 = 30;

/// Checks `request`'s `X-APP-ID` and JWT against `app` at `now` (Unix
/// seconds): `Err` says why it is refused.
pub fn verify(app: &App, request: &Signed, now: i64) -> Result<(), String> {
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if header("x-app-id") != Some(app.id.as_str()) {
        return Err("unknown X-APP-ID".into());
    }
    let jwt = header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .ok_or("no Bearer JWT")?;
    let parts: Vec<&str> = jwt.split('.').collect();
    let [head, payload, signature] = parts.as_slice() else {
        return Err("not a JWT".into());
    };
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signature = b64
        .decode(signature)
        .map_err(|_| "bad JWT signature encoding")?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, app.secret.as_bytes());
    ring::hmac::verify(&key, format!("{head}.{payload}").as_bytes(), &signature)
        .map_err(|_| "JWT signature does not verify (wrong secret?)")?;
    let head: Value = b64
        .decode(head)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or("bad JWT header")?;
    if head["alg"] != "HS256" {
        return Err("JWT alg is not HS256".into());
    }
    let claims: Value = b64
        .decode(payload)
        .ok()
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or("bad JWT payload")?;
    if claims["iss"].as_str() != Some(app.name.as_str()) {
        return Err("JWT iss is not the app's name".into());
    }
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return Err("JWT without iat or exp".into());
    };
    if exp + SKEW_SECS < now {
        return Err("JWT expired".into());
    }
    if iat - SKEW_SECS > now || exp - iat > 3600 {
        return Err("JWT iat or exp out of range (clock?)".into());
    }
    let sign = &claims["sign"];
    if sign["alg"] != "sha256" {
        return Err("sign.alg is not sha256".into());
    }
    // A list, or an object keyed "0", "1", … (as two Python ports send it).
    let names: Vec<&str> = match &sign["headers"] {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::Object(map) => map.values().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for needed in ["host", "x-app-id"] {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(needed)) {
            return Err(format!("sign.headers does not list {needed}"));
        }
    }
    let mut signed_headers = Map::new();
    for name in &names {
        let value = header(name).ok_or_else(|| format!("signed header {name} was not sent"))?;
        signed_headers.insert(name.to_string(), Value::from(value));
    }
    let mut text = format!("{}{}", request.method, request.path);
    text += &canon(&Value::Object(signed_headers));
    text += &canon(&nested(request.query));
    if !matches!(request.method, "GET" | "DELETE") && !request.body.is_empty() {
        let json = header("content-type").is_some_and(|t| t.starts_with("application/json"));
        let body = if json {
            serde_json::from_slice(request.body).map_err(|_| "body is not JSON")?
        } else {
            nested(std::str::from_utf8(request.body).map_err(|_| "form body is not UTF-8")?)
        };
        if body.as_object().is_some_and(|m| !m.is_empty()) {
            text += &canon(&body);
        }
    }
    let hash: String = ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if sign["hash"].as_str() != Some(hash.as_str()) {
        return Err("sign.hash does not match the request".into());
    }
    Ok(())
}

/// `key:value;` for each entry of a JSON object, keys lower-cased and in
/// PHP `ksort` order, values trimmed; an object inside is `key:` + its own
/// entries + `;`.
fn canon(value: &Value) -> String {
    let Value::Object(map) = value else {
        return String::new();
    };
    let mut entries: Vec<(String, &Value)> =
        map.iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
    entries.sort_by(|(a, _), (b, _)| php_key_order(a, b));
    let mut out = String::new();
    for (key, value) in entries {
        out += &key;
        out.push(':');
        match value {
            Value::Object(_) => out += &canon(value),
            Value::Array(items) => {
                let indexed: Map<String, Value> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v.clone()))
                    .collect();
                out += &canon(&Value::Object(indexed));
            }
            Value::String(s) => out += s.trim_matches(|c| " \t\n\r\0\x0B".contains(c)),
            Value::Bool(b) => out += if *b { "1" } else { "0" },
            Value::Null => {}
            Value::Number(n) => out += &n.to_string(),
        }
        out.push(';');
    }
    out
}

/// Integer keys first, by value; the rest byte by byte.
fn php_key_order(a: &str, b: &str) -> Ordering {
    let int = |k: &str| k.parse::<i64>().ok().filter(|n| n.to_string() == k);
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// A query or form string as nested JSON objects: `a[b]=c` → `{a: {b: c}}`.
pub fn nested(raw: &str) -> Value {
    let mut root = Map::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = crate::server::percent_decode(key, true);
        let value = crate::server::percent_decode(value, true);
        let mut names: Vec<String> = Vec::new();
        let (outer, brackets) = match key.split_once('[') {
            Some((outer, rest)) if rest.contains(']') => (outer, format!("[{rest}")),
            _ => (key.as_str(), String::new()),
        };
        names.push(outer.replace([' ', '.'], "_"));
        let mut rest = brackets.as_str();
        while rest.starts_with('[') {
            let Some(end) = rest.find(']') else { break };
            names.push(rest[1..end].to_string());
            rest = &rest[end + 1..];
        }
        if names[0].is_empty() {
            continue;
        }
        let mut map = &mut root;
        let last = names.len() - 1;
        for (i, name) in names.into_iter().enumerate() {
            let name = if name.is_empty() {
                map.len().to_string()
            } else {
                name
            };
            if i == last {
                map.insert(name, Value::from(value.clone()));
                break;
            }
            let slot = map.entry(name).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(inner) = slot else { break };
            map = inner;
        }
    }
    Value::Object(root)
}

#[cfg(test)]
mod test {
    use super::*;

    /// Wildix/s2s-client-php's HttpClientTest request, as it reaches a PBX.
    #[test]
    fn the_published_test_vector_verifies_and_a_change_does_not() {
        let app = App {
            id: "1234567890".into(),
            name: "test-1234567890".into(),
            secret: "foo_secret1234567890".into(),
        };
        let jwt = "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ0ZXN0LTEyMzQ1Njc4OTAiLCJpYXQiOjE2OTc3MDAwMDAsImV4cCI6MTY5NzcwMDMwMCwic2lnbiI6eyJhbGciOiJzaGEyNTYiLCJoZWFkZXJzIjpbImNvbnRlbnQtdHlwZSIsIkhvc3QiLCJYLUFQUC1JRCJdLCJoYXNoIjoiZGE5ZTg3ZDE5NDMyZjdjZGM5NTQ5N2FmOTZiNDlkYzIxMWQ3ZjM4ZjRlZWMzNjE1NGI3ZWU0ZDM5MWYxZWRiZCJ9fQ.S4iRArzr4xJ9XeEO_rSuomiPbOgTSX6CJdFjD7lWDy8";
        let headers = |auth: &str| {
            vec![
                ("content-type".to_string(), "application/json".to_string()),
                ("host".to_string(), "host.com".to_string()),
                ("x-app-id".to_string(), "1234567890".to_string()),
                ("authorization".to_string(), auth.to_string()),
            ]
        };
        let body = br#"{"field1":"value1","field2":{"a":"value2","b":{"c":"value3"}}}"#;
        let good = headers(jwt);
        let request = |headers, query, body| Signed {
            method: "POST",
            path: "/api/test/",
            query,
            headers,
            body,
        };
        let at = 1_697_700_000;
        assert_eq!(
            verify(&app, &request(&good, "a=one&b=two&c=3", body), at),
            Ok(())
        );
        let changed = verify(&app, &request(&good, "a=one&b=two&c=4", body), at);
        assert_eq!(changed.unwrap_err(), "sign.hash does not match the request");
        let late = verify(&app, &request(&good, "a=one&b=two&c=3", body), at + 400);
        assert_eq!(late.unwrap_err(), "JWT expired");
        let wrong = App {
            secret: "other".into(),
            ..app
        };
        let refused = verify(&wrong, &request(&good, "a=one&b=two&c=3", body), at);
        assert!(refused.unwrap_err().contains("wrong secret"));
    }

    #[test]
    fn queries_nest_as_php_reads_them() {
        let v = nested("filter%5Bstart%5D%5Bfrom%5D=2024-01-01+00%3A00&x=1&x=2&l[]=a&l[]=b");
        assert_eq!(
            canon(&v),
            "filter:start:from:2024-01-01 00:00;;;l:0:a;1:b;;x:2;"
        );
    }
}
