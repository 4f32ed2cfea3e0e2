//! A small HTTP/1.1 server on std: a thread per connection, keep-alive,
//! bounded request heads, plain or TLS. Applies injected faults and counts
//! connections and requests for the specs.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::data::{civil_from_days, Data};
use crate::faults::{Echo, Fault, Faults};
use crate::routes::{self, Reply, Request};
use crate::s2s;
use serde_json::Value;

const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 100;
const MAX_BODY: u64 = 1024 * 1024;
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// A `hang` holds the connection at most this long.
const HANG_LIMIT: Duration = Duration::from_secs(600);
const GZIP_BOMB_BYTES: usize = 100 * 1024 * 1024;

/// Rendered answers by (authorization, request target).
pub type AnswerCache = HashMap<(Option<String>, String), Arc<[u8]>>;

/// What every connection thread shares.
pub struct State {
    pub data: Data,
    pub access: routes::Access,
    /// Calls that arrived since start, when the history grows (`--live`).
    pub live: Option<Mutex<Vec<crate::data::Record>>>,
    /// What writes changed, and the log of every write.
    pub acting: std::sync::RwLock<crate::acting::Acting>,
    pub port: u16,
    pub tls: Option<Arc<ServerConfig>>,
    pub faults: Faults,
    pub connections: AtomicU64,
    pub requests: AtomicU64,
    /// Each request orders records sharing a sort key its own way (off:
    /// `--stable-ties`).
    pub shuffle_ties: bool,
    /// Requests that carried `Authorization` to a host other than ours.
    pub foreign_auth: AtomicU64,
    /// API requests being answered now, and the most at once.
    pub in_flight: AtomicU64,
    pub in_flight_max: AtomicU64,
    /// The remote-PBX model (`--latency`, `--record-us`).
    pub latency: Duration,
    pub record_time: Duration,
    /// Rendered answers, when caching.
    pub cache: Option<Mutex<AnswerCache>>,
}

impl State {
    fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }
}

/// `--live`: every call-history request finds three new calls on top, and
/// one call logged late (an older start, written when it ended), as on a
/// PBX that is in use while it is read.
fn grow(state: &State, path: &str) -> Vec<crate::data::Record> {
    let Some(live) = &state.live else {
        return Vec::new();
    };
    let Ok(mut live) = live.lock() else {
        return Vec::new();
    };
    if path.contains("CallHistory") {
        let newest = state.data.window_start + crate::data::WINDOW_DAYS * 86_400;
        let n = live.len();
        for k in 0..3 {
            let i = n + k;
            live.push(crate::data::live_call(
                i,
                newest + i as i64,
                &state.data.colleagues,
            ));
        }
        let middle = state.data.window_start + 45 * 86_400 + n as i64;
        live.push(crate::data::live_call(
            n + 3,
            middle,
            &state.data.colleagues,
        ));
    }
    live.clone()
}

/// An answer on the wire.
struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Arc<[u8]>,
}

impl From<Reply> for Response {
    fn from(reply: Reply) -> Response {
        Response {
            status: reply.status,
            headers: vec![("Content-Type", "application/json; charset=utf-8".into())],
            body: reply.body.into_bytes().into(),
        }
    }
}

/// Accepts connections until the process ends.
pub fn serve(listener: TcpListener, state: Arc<State>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        state.connections.fetch_add(1, Ordering::Relaxed);
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            // A client that goes away mid-request is not our problem.
            let _ = accept(stream, &state);
        });
    }
}

fn accept(stream: TcpStream, state: &State) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let raw = stream.try_clone()?;
    match &state.tls {
        None => connection(stream, &raw, state),
        Some(config) => {
            let tls = ServerConnection::new(Arc::clone(config)).map_err(std::io::Error::other)?;
            connection(StreamOwned::new(tls, stream), &raw, state)
        }
    }
}

fn connection<S: Read + Write>(stream: S, raw: &TcpStream, state: &State) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let own_host = format!("127.0.0.1:{}", state.port);
    loop {
        let Some(line) = read_line(&mut reader)? else {
            return Ok(());
        };
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return respond(
                reader.get_mut(),
                &routes::error(400, "Bad Request").into(),
                true,
            );
        };
        let (method, target) = (method.to_string(), target.to_string());
        let mut authorization = None;
        let mut host = None;
        // Every header, for an S2S signature's signed headers.
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut content_length = 0u64;
        let mut close = version == "HTTP/1.0";
        for _ in 0..=MAX_HEADERS {
            let Some(header) = read_line(&mut reader)? else {
                return Ok(());
            };
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            headers.push((name.trim().to_ascii_lowercase(), value.to_string()));
            match name.trim().to_ascii_lowercase().as_str() {
                "authorization" => authorization = Some(value.to_string()),
                "host" => host = Some(value.to_string()),
                "content-length" => content_length = value.parse().unwrap_or(0),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        // Read whole (a signature covers it), bounded.
        let mut body = Vec::new();
        (&mut reader)
            .take(content_length.min(MAX_BODY))
            .read_to_end(&mut body)?;
        let order = state.requests.fetch_add(1, Ordering::Relaxed);
        // S2S sends the host name alone, as Wildix's own client does.
        let ours = |h: &str| h == own_host || h == "127.0.0.1";
        if authorization.is_some() && host.as_deref().is_some_and(|h| !ours(h)) {
            state.foreign_auth.fetch_add(1, Ordering::Relaxed);
        }
        let (raw_path, raw_query) = target.split_once('?').unwrap_or((&target, ""));
        let path = percent_decode(raw_path, false);
        if path == "/_sandbox/writes" {
            let acting = state.acting.read().unwrap_or_else(|p| p.into_inner());
            // A line a write, tab-separated, for specs without a JSON
            // decoder: method, path, query, content type, body (JSON).
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
            let lines: String = acting
                .log
                .iter()
                .map(|w| {
                    let query = w["query"]
                        .as_object()
                        .map(|q| {
                            q.iter()
                                .map(|(k, v)| format!("{k}={}", text(v)))
                                .collect::<Vec<_>>()
                                .join("&")
                        })
                        .unwrap_or_default();
                    format!(
                        "{}\t{}\t{query}\t{}\t{}\n",
                        text(&w["method"]),
                        text(&w["path"]),
                        text(&w["content_type"]),
                        w["body"]
                    )
                })
                .collect();
            respond(
                reader.get_mut(),
                &routes::Reply {
                    status: 200,
                    body: lines,
                }
                .into(),
                close,
            )?;
            if close {
                return Ok(());
            }
            continue;
        }
        if path == "/_sandbox/stats" {
            respond(reader.get_mut(), &stats(state), close)?;
            if close {
                return Ok(());
            }
            continue;
        }
        let (fault, path) = match path.strip_prefix("/_fault/") {
            Some(rest) => {
                let (spec, rest) = rest.split_once('/').unwrap_or((rest, ""));
                match state.faults.next(spec) {
                    Some(fault) => (fault, format!("/{rest}")),
                    None => {
                        let reply = routes::error(400, "Bad Request: unknown fault");
                        respond(reader.get_mut(), &reply.into(), true)?;
                        return Ok(());
                    }
                }
            }
            None => (Fault::Ok, path),
        };
        // A recording that moved, on this origin or to another one.
        if let Some(rest) = path.strip_prefix("/spoolview/moved/") {
            let to = format!("/spoolview/recordings/{rest}");
            respond(reader.get_mut(), &redirect(to), close)?;
            if close {
                return Ok(());
            }
            continue;
        }
        if let Some(rest) = path.strip_prefix("/spoolview/elsewhere/") {
            let to = format!(
                "{}://localhost:{}/spoolview/recordings/{rest}",
                state.scheme(),
                state.port
            );
            respond(reader.get_mut(), &redirect(to), close)?;
            if close {
                return Ok(());
            }
            continue;
        }
        let query = parse_query(raw_query);
        let normal = || -> Response {
            let live = grow(state, &path);
            routes::handle(
                &state.data,
                &live,
                &state.acting,
                &state.access,
                &Request {
                    method: &method,
                    path: &path,
                    query: &query,
                    authorization: authorization.as_deref(),
                    content_type: headers
                        .iter()
                        .find(|(n, _)| n == "content-type")
                        .map(|(_, v)| v.as_str()),
                    body: &body,
                    signed: headers
                        .iter()
                        .any(|(n, _)| n == "x-app-id")
                        .then_some(s2s::Signed {
                            method: &method,
                            path: raw_path,
                            query: raw_query,
                            headers: &headers,
                            body: &body,
                        }),
                    order: state.shuffle_ties.then_some(order),
                },
            )
            .into()
        };
        let with_query = |p: &str| {
            if raw_query.is_empty() {
                p.to_string()
            } else {
                format!("{p}?{raw_query}")
            }
        };
        // Counted while it is answered; a remote PBX takes its time first.
        let _answering = InFlight::enter(state);
        remote_pause(state, &path, &query);
        let response = match fault {
            Fault::Ok | Fault::Every(_) => match &state.cache {
                None => normal(),
                Some(cache) => {
                    let key = (authorization.clone(), target.clone());
                    let hit = cache.lock().ok().and_then(|c| c.get(&key).cloned());
                    match hit {
                        Some(body) => Response {
                            status: 200,
                            headers: vec![(
                                "Content-Type",
                                "application/json; charset=utf-8".into(),
                            )],
                            body,
                        },
                        None => {
                            let fresh = normal();
                            if fresh.status == 200 {
                                if let Ok(mut c) = cache.lock() {
                                    c.insert(key, Arc::clone(&fresh.body));
                                }
                            }
                            fresh
                        }
                    }
                }
            },
            // No content: no body at all, as some PBXs answer an empty list.
            Fault::Status(204) => Response {
                status: 204,
                headers: Vec::new(),
                body: Vec::new().into(),
            },
            Fault::Status(status) => routes::error(status, "Injected").into(),
            Fault::ErrorIn200(code) => {
                let mut reply = routes::error(code, "Injected");
                reply.status = 200;
                reply.into()
            }
            Fault::Html502 => html_502(),
            Fault::RetryAfterSeconds(n) => too_many(n.to_string()),
            Fault::RetryAfterDate(n) => too_many(http_date(now() + n as i64)),
            Fault::RetryAfterHuge => too_many("99999999999999999999999".into()),
            Fault::Delay(ms) => {
                std::thread::sleep(Duration::from_millis(ms));
                normal()
            }
            Fault::Hang => {
                hang(raw);
                return Ok(());
            }
            Fault::Reset => {
                // SO_LINGER 0: closing sends RST instead of FIN.
                let _ = socket2::SockRef::from(raw).set_linger(Some(Duration::ZERO));
                return Ok(());
            }
            Fault::Close => return Ok(()),
            Fault::MidBody => {
                let full = normal();
                let head = head(&full, full.body.len(), false);
                let stream = reader.get_mut();
                stream.write_all(head.as_bytes())?;
                stream.write_all(&full.body[..full.body.len() / 2])?;
                stream.flush()?;
                return Ok(());
            }
            Fault::Truncated => {
                let mut cut = normal();
                cut.body = cut.body[..cut.body.len() / 2].into();
                cut
            }
            Fault::Malformed => Response {
                status: 200,
                headers: vec![("Content-Type", "application/json".into())],
                body: b"{\"type\":\"result\",\"result\":{\"total\": not json"[..].into(),
            },
            Fault::Big(mib) => big(mib),
            Fault::GzipBomb => Response {
                status: 200,
                headers: vec![
                    ("Content-Type", "application/json".into()),
                    ("Content-Encoding", "gzip".into()),
                ],
                body: gzip_bomb().into(),
            },
            Fault::Redirect => redirect(format!(
                "{}://localhost:{}{}",
                state.scheme(),
                state.port,
                with_query(&path)
            )),
            Fault::SameRedirect => redirect(with_query(&path)),
            Fault::NetworkPathRedirect => redirect(format!(
                "//127.0.0.1:{}{}",
                state.port.wrapping_add(1),
                with_query(&path)
            )),
            Fault::QueryRedirect => redirect(format!("{path}?next=http://a.b/")),
            Fault::SamePage => same_page(),
            // A gateway that quotes the credentials it was given back.
            Fault::EchoAuth(place) => {
                let header = authorization.clone().unwrap_or_default();
                match place {
                    Echo::Reason => {
                        routes::error(401, &format!("invalid credentials: {header}")).into()
                    }
                    Echo::Html => {
                        let mut page = html_502();
                        page.body = format!("<html><body><h1>502</h1><p>upstream refused {header}</p></body></html>")
                            .into_bytes()
                            .into();
                        page
                    }
                    Echo::Location => redirect(format!(
                        "{}://localhost:{}{}?auth={}",
                        state.scheme(),
                        state.port,
                        path,
                        header.replace(' ', "%20")
                    )),
                }
            }
            Fault::EmptyPage => page_of(Vec::new(), 1000),
        };
        let mut response = response;
        if response.status == 200 && path.starts_with("/spoolview/") {
            response.headers = vec![("Content-Type", "audio/wav".into())];
        }
        respond(reader.get_mut(), &response, close)?;
        if close {
            return Ok(());
        }
    }
}

/// One API request being answered, for the in-flight high-water mark.
struct InFlight<'s>(&'s State);

impl<'s> InFlight<'s> {
    fn enter(state: &'s State) -> InFlight<'s> {
        let now = state.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        state.in_flight_max.fetch_max(now, Ordering::Relaxed);
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// `--latency` and `--record-us`: the time a remote PBX takes to answer,
/// per request and per record the page asked for holds (`count`, after the
/// call-history cap).
fn remote_pause(state: &State, path: &str, query: &[(String, String)]) {
    if state.latency.is_zero() && state.record_time.is_zero() {
        return;
    }
    let asked = query
        .iter()
        .find(|(k, _)| k == "count")
        .and_then(|(_, v)| v.parse::<u32>().ok())
        .unwrap_or(1);
    let cap = match state.access.call_cap() {
        Some(cap) if path.contains("CallHistory") => u32::try_from(cap).unwrap_or(u32::MAX),
        _ => u32::MAX,
    };
    std::thread::sleep(state.latency + state.record_time * asked.min(cap));
}

/// Connection and request counters, for specs that check connection reuse
/// and that no token left for another origin.
fn stats(state: &State) -> Response {
    routes::Reply {
        status: 200,
        body: serde_json::json!({
            "connections": state.connections.load(Ordering::Relaxed),
            "requests": state.requests.load(Ordering::Relaxed),
            "foreign_auth": state.foreign_auth.load(Ordering::Relaxed),
            "in_flight_max": state.in_flight_max.load(Ordering::Relaxed),
        })
        .to_string(),
    }
    .into()
}

fn html_502() -> Response {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
        <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
        .to_string()
        + &"<!-- a padding comment, as some proxies add -->\r\n".repeat(20)
        + "</body>\r\n</html>\r\n";
    Response {
        status: 502,
        headers: vec![("Content-Type", "text/html".into())],
        body: page.into_bytes().into(),
    }
}

fn too_many(retry_after: String) -> Response {
    let mut response: Response = routes::error(429, "Too Many Requests").into();
    response.headers.push(("Retry-After", retry_after));
    response
}

fn redirect(location: String) -> Response {
    Response {
        status: 302,
        headers: vec![("Location", location)],
        body: Arc::from(&b""[..]),
    }
}

/// The answer of a proxy that caches one: 100 calls in one second, and a
/// `total` that says a million more exist.
fn same_page() -> Response {
    let calls = (0..100)
        .map(|k| {
            serde_json::json!({"id": format!("same-{k}"), "start": "2026-03-31 12:00:00",
                "src": "201", "dst": "+15550100", "disposition": "ANSWERED", "billsec": "1"})
        })
        .collect();
    page_of(calls, 1_000_000)
}

fn page_of(records: Vec<serde_json::Value>, total: u64) -> Response {
    routes::Reply {
        status: 200,
        body: serde_json::json!({"type": "result", "result": {
            "total": total.to_string(), "records": records}})
        .to_string(),
    }
    .into()
}

/// A valid answer padded to `mib` MiB.
fn big(mib: usize) -> Response {
    let pad = "x".repeat(mib * 1024 * 1024);
    routes::Reply {
        status: 200,
        body: serde_json::json!({"type": "result", "result": {
            "total": "1", "records": [{"id": "1", "pad": pad}]}})
        .to_string(),
    }
    .into()
}

/// 100 MiB of zeros, gzipped once (about 100 KiB) and kept.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..GZIP_BOMB_BYTES / zeros.len() {
            let _ = encoder.write_all(&zeros);
        }
        encoder.finish().unwrap_or_default()
    })
}

/// Holds a connection open without answering until the client gives up.
fn hang(raw: &TcpStream) {
    let _ = raw.set_read_timeout(Some(HANG_LIMIT));
    let mut sink = [0u8; 1024];
    let mut raw = raw;
    while matches!(raw.read(&mut sink), Ok(n) if n > 0) {}
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(ts: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// One CRLF-terminated line, bounded; `None` at end of stream.
fn read_line<R: BufRead>(reader: &mut R) -> std::io::Result<Option<String>> {
    let mut raw = Vec::new();
    let n = reader.take(MAX_LINE).read_until(b'\n', &mut raw)?;
    if n == 0 {
        return Ok(None);
    }
    if raw.last() != Some(&b'\n') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "line too long",
        ));
    }
    Ok(Some(
        String::from_utf8_lossy(&raw)
            .trim_end_matches(['\r', '\n'])
            .to_string(),
    ))
}

fn head(response: &Response, length: usize, close: bool) -> String {
    let reason = match response.status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status);
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // A 204 has no body, and says no length (RFC 9110, 8.6).
    if response.status != 204 {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str(&format!(
        "Connection: {}\r\n\r\n",
        if close { "close" } else { "keep-alive" }
    ));
    head
}

fn respond<W: Write>(writer: &mut W, response: &Response, close: bool) -> std::io::Result<()> {
    let head = head(response, response.body.len(), close);
    let mut out = Vec::with_capacity(head.len() + response.body.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(&response.body);
    writer.write_all(&out)?;
    writer.flush()
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// `%XX` decoding (and `+` as space in queries); bad escapes stay as they are.
pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(percent_decode("a%20b%5B%5D", false), "a b[]");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_decode("%C3%A9", false), "é");
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
