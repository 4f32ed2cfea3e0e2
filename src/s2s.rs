//! Wildix S2S signing (docs/pbx.md, "S2S signing"): every request carries
//! `X-APP-ID` and a fresh HS256 JWT whose `sign.hash` is the SHA-256 of the
//! canonical request, exactly as Wildix's own PHP client
//! (Wildix/s2s-client-php, `RequestFactory`) builds it. The crypto is
//! ring's, which rustls already brings.

use std::cmp::Ordering;
use std::fmt::Write as _;

use base64::Engine;
use serde_json::Value;

/// How long a signature lives, as the official client sets it.
const LIFETIME_SECS: u64 = 300;

/// A request body to sign (writes). GET and DELETE send and sign none.
/// Reads send none; the test vector signs one.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) enum Body<'a> {
    /// Sent as JSON: `Content-Type: application/json` is then a signed header.
    Json(&'a Value),
    /// Sent as a form (`data[name]=…`): signed as the same structure.
    Form(&'a Value),
}

/// The headers that sign one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signed {
    /// `Host`: the host name alone, as signed (no port, as the official
    /// client sends it).
    pub host: String,
    /// `Authorization: Bearer <jwt>`. Secret.
    pub authorization: String,
    /// `Content-Type`, when it was signed.
    pub content_type: Option<&'static str>,
}

/// Signs `method url` (an absolute URL: scheme, host, path, query) with its
/// body, at `now` (Unix seconds), for app `app_id`/`app_name` with `secret`.
pub(crate) fn sign(
    (app_id, app_name, secret): (&str, &str, &[u8]),
    method: &str,
    url: &str,
    body: Option<Body<'_>>,
    now: u64,
) -> Signed {
    let request = Canonical::of(app_id, method, url, body);
    let hash = hex(ring::digest::digest(&ring::digest::SHA256, request.text.as_bytes()).as_ref());
    let payload = format!(
        r#"{{"iss":{},"iat":{now},"exp":{},"sign":{{"alg":"sha256","headers":{},"hash":"{hash}"}}}}"#,
        Value::from(app_name),
        now + LIFETIME_SECS,
        Value::from(request.names),
    );
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let unsigned = format!(
        "{}.{}",
        b64.encode(r#"{"typ":"JWT","alg":"HS256"}"#),
        b64.encode(payload)
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let signature = ring::hmac::sign(&key, unsigned.as_bytes());
    Signed {
        host: request.host.to_string(),
        authorization: format!("Bearer {unsigned}.{}", b64.encode(signature.as_ref())),
        content_type: request.content_type,
    }
}

/// The canonical request: what the JWT's `sign.hash` is the hash of.
struct Canonical<'a> {
    /// `METHOD` + path + headers + query + body, each part `key:value;`.
    text: String,
    /// The signed headers' names, as the JWT lists them.
    names: Vec<&'static str>,
    host: &'a str,
    content_type: Option<&'static str>,
}

impl<'a> Canonical<'a> {
    fn of(app_id: &str, method: &str, url: &'a str, body: Option<Body<'_>>) -> Canonical<'a> {
        let (host, path, query) = split_url(url);
        let body = body.filter(|_| !matches!(method, "GET" | "DELETE"));
        let content_type = matches!(body, Some(Body::Json(_))).then_some("application/json");
        // Custom headers first, then Host and X-APP-ID, in this order in
        // the JWT; the canonical form sorts them by lower-cased name.
        let mut headers = Vec::new();
        if let Some(kind) = content_type {
            headers.push(("content-type", kind));
        }
        headers.push(("Host", host));
        headers.push(("X-APP-ID", app_id));
        let mut text = format!("{method}{path}");
        Node::Map(
            headers
                .iter()
                .map(|(name, value)| (Key::new(name), Node::Leaf(value.to_string())))
                .collect(),
        )
        .write(&mut text);
        parse_query(query).write(&mut text);
        if let Some(Body::Json(value) | Body::Form(value)) = body {
            let node = Node::of(value);
            if !node.is_empty() {
                node.write(&mut text);
            }
        }
        Canonical {
            text,
            names: headers.iter().map(|(name, _)| *name).collect(),
            host,
            content_type,
        }
    }
}

/// Host name (no port), path (as sent, percent-encoded) and raw query of an
/// absolute URL.
fn split_url(url: &str) -> (&str, &str, &str) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, target) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
    let host = match authority.strip_prefix('[') {
        // An IPv6 literal keeps its brackets, as PHP's parse_url does.
        Some(_) => authority
            .find(']')
            .map_or(authority, |end| &authority[..=end]),
        None => authority.split(':').next().unwrap_or(authority),
    };
    let target = target.split('#').next().unwrap_or(target);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = if path.is_empty() { "/" } else { path };
    (host, path, query)
}

/// A key as PHP's `ksort` orders them: integer keys (PHP turns "12" into
/// 12) by value, before every other key, the rest byte by byte. (PHP
/// compares an integer with a string starting with a character below '0'
/// as text; no key wildix signs starts so.)
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key(String);

impl Key {
    /// Keys are lower-cased at every level (`array_change_key_case`).
    fn new(raw: &str) -> Key {
        Key(raw.to_ascii_lowercase())
    }

    fn integer(&self) -> Option<i64> {
        let s = self.0.as_str();
        let digits = s.strip_prefix('-').unwrap_or(s);
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && s != "-0";
        canonical.then(|| s.parse().ok()).flatten()
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> Ordering {
        match (self.integer(), other.integer()) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => self.0.cmp(&other.0),
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A value to sign: text, or a map signed as `key:` + its entries + `;`.
#[derive(Debug, Clone)]
enum Node {
    Leaf(String),
    Map(Vec<(Key, Node)>),
}

impl Node {
    /// JSON as PHP holds it: objects and arrays are maps (arrays keyed
    /// 0, 1, …), booleans 1 and 0, null empty.
    fn of(value: &Value) -> Node {
        match value {
            Value::Object(map) => Node::Map(
                map.iter()
                    .map(|(k, v)| (Key::new(k), Node::of(v)))
                    .collect(),
            ),
            Value::Array(items) => Node::Map(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (Key(i.to_string()), Node::of(v)))
                    .collect(),
            ),
            Value::String(text) => Node::Leaf(text.clone()),
            Value::Number(n) => Node::Leaf(n.to_string()),
            Value::Bool(b) => Node::Leaf(if *b { "1" } else { "0" }.to_string()),
            Value::Null => Node::Leaf(String::new()),
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Node::Map(entries) if entries.is_empty())
    }

    /// `key:value;` per entry, keys sorted (a later duplicate wins, as in a
    /// PHP array), values trimmed as PHP's `trim` does.
    fn write(&self, out: &mut String) {
        match self {
            Node::Leaf(text) => {
                out.push_str(text.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B']))
            }
            Node::Map(entries) => {
                let mut sorted: Vec<&(Key, Node)> = Vec::with_capacity(entries.len());
                for entry in entries {
                    match sorted.iter().position(|(k, _)| *k == entry.0) {
                        Some(at) => sorted[at] = entry,
                        None => sorted.push(entry),
                    }
                }
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                for (key, value) in sorted {
                    out.push_str(&key.0);
                    out.push(':');
                    value.write(out);
                    out.push(';');
                }
            }
        }
    }

    /// Sets `value` at `path` below this map, making maps on the way (a
    /// text in the way is replaced, as PHP's `parse_str` does); an empty
    /// segment (`a[]`) appends at the next integer key.
    fn insert(&mut self, path: &[&str], value: String) {
        let Node::Map(entries) = self else { return };
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let key = if first.is_empty() {
            let next = entries
                .iter()
                .filter_map(|(k, _)| k.integer())
                .max()
                .map_or(0, |n| n + 1);
            Key(next.to_string())
        } else {
            Key::new(first)
        };
        if rest.is_empty() {
            entries.retain(|(k, _)| *k != key);
            entries.push((key, Node::Leaf(value)));
            return;
        }
        let at = match entries.iter().position(|(k, _)| *k == key) {
            Some(at) if matches!(entries[at].1, Node::Map(_)) => at,
            found => {
                if let Some(at) = found {
                    entries.remove(at);
                }
                entries.push((key, Node::Map(Vec::new())));
                entries.len() - 1
            }
        };
        entries[at].1.insert(rest, value);
    }
}

/// A query string as PHP's `parse_str` reads it: `a[b][c]=v` is nested,
/// keys and values are percent-decoded (`+` is a space).
fn parse_query(query: &str) -> Node {
    let mut root = Node::Map(Vec::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key);
        let (base, mut rest) = match key.find('[') {
            Some(at) if key[at..].contains(']') => (&key[..at], &key[at..]),
            _ => (key.as_str(), ""),
        };
        if base.is_empty() {
            continue;
        }
        // PHP turns spaces and dots in the outer name into underscores.
        let base = base.replace([' ', '.'], "_");
        let mut path = vec![base.as_str()];
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(end) = inner.find(']') else { break };
            path.push(&inner[..end]);
            rest = &inner[end + 1..];
        }
        root.insert(&path, decode(value));
    }
    root
}

/// `%XX` and `+` decoded; an invalid escape stays as it is.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;
    use serde_json::json;

    const APP: (&str, &str, &[u8]) = ("1234567890", "test-1234567890", b"foo_secret1234567890");

    fn canonical(method: &str, url: &str, body: Option<Body<'_>>) -> String {
        Canonical::of(APP.0, method, url, body).text
    }

    /// Wildix/s2s-client-php's HttpClientTest, byte for byte: the
    /// canonical string, its hash and the whole JWT.
    #[test]
    fn the_published_test_vector() {
        let body = json!({"field1": "value1", "field2": {"a": "value2", "b": {"c": "value3"}}});
        let url = "http://host.com/api/test/?a=one&b=two&c=3";
        assert_eq!(
            canonical("POST", url, Some(Body::Json(&body))),
            "POST/api/test/content-type:application/json;host:host.com;x-app-id:1234567890;\
             a:one;b:two;c:3;field1:value1;field2:a:value2;b:c:value3;;;"
        );
        let signed = sign(APP, "POST", url, Some(Body::Json(&body)), 1_697_700_000);
        assert_eq!(signed.host, "host.com");
        assert_eq!(signed.content_type, Some("application/json"));
        assert_eq!(
            signed.authorization,
            "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ0ZXN0LTEyMzQ1Njc4OTAiLCJpYXQiOjE2OTc3MDAwMDAsImV4cCI6MTY5NzcwMDMwMCwic2lnbiI6eyJhbGciOiJzaGEyNTYiLCJoZWFkZXJzIjpbImNvbnRlbnQtdHlwZSIsIkhvc3QiLCJYLUFQUC1JRCJdLCJoYXNoIjoiZGE5ZTg3ZDE5NDMyZjdjZGM5NTQ5N2FmOTZiNDlkYzIxMWQ3ZjM4ZjRlZWMzNjE1NGI3ZWU0ZDM5MWYxZWRiZCJ9fQ.S4iRArzr4xJ9XeEO_rSuomiPbOgTSX6CJdFjD7lWDy8"
        );
    }

    #[test]
    fn a_read_signs_nested_filters_decoded_and_sorted() {
        let url = "https://pbx.example.com:8443/api/v1/PBX/CallHistory/?start=0&count=25\
                   &filter%5Bstart%5D%5Bfrom%5D=2024-01-01+00%3A00%3A00&filter%5Bdisposition%5D=ANSWERED";
        assert_eq!(
            canonical("GET", url, None),
            "GET/api/v1/PBX/CallHistory/host:pbx.example.com;x-app-id:1234567890;\
             count:25;filter:disposition:ANSWERED;start:from:2024-01-01 00:00:00;;;start:0;"
        );
        let signed = sign(APP, "GET", url, None, 1);
        assert_eq!(signed.host, "pbx.example.com");
        assert_eq!(signed.content_type, None);
        // GET and DELETE sign no body, whatever is given.
        let body = json!({"x": 1});
        assert_eq!(
            sign(APP, "GET", url, Some(Body::Json(&body)), 1),
            sign(APP, "GET", url, None, 1)
        );
    }

    #[test]
    fn keys_sort_as_php_sorts_them_and_values_trim_as_php_trims() {
        let body = json!({"B": [true, false, null, " x\t"], "a": {"10": 1, "9": 2, "z": 3}});
        assert_eq!(
            canonical("POST", "http://h/p", Some(Body::Form(&body))),
            "POST/phost:h;x-app-id:1234567890;a:9:2;10:1;z:3;;b:0:1;1:0;2:;3:x;;"
        );
        let mut node = parse_query("x=1&x=2&l[]=a&l[]=b&A.b+c=3&[bad]=4&open[=5");
        let mut out = String::new();
        node.write(&mut out);
        assert_eq!(out, "a_b_c:3;l:0:a;1:b;;open[:5;x:2;");
        node.insert(&["x", "y"], "z".into());
        let mut out = String::new();
        node.write(&mut out);
        assert!(out.ends_with("x:y:z;;"), "{out}");
    }

    #[test]
    fn host_is_the_name_alone() {
        assert_eq!(
            split_url("https://[::1]:8443/a?b=c"),
            ("[::1]", "/a", "b=c")
        );
        assert_eq!(split_url("http://127.0.0.1:9"), ("127.0.0.1", "/", ""));
    }
}
