//! A small HTTP/1.1 server on std: a thread per connection, keep-alive,
//! bounded request heads. Counts connections and requests for the specs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::data::Data;
use crate::routes::{self, Reply, Request};

const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 100;
const MAX_BODY: u64 = 1024 * 1024;
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// What every connection thread shares.
pub struct State {
    pub data: Data,
    pub token: String,
    pub connections: AtomicU64,
    pub requests: AtomicU64,
}

/// Accepts connections until the process ends.
pub fn serve(listener: TcpListener, state: Arc<State>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        state.connections.fetch_add(1, Ordering::Relaxed);
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            // A client that goes away mid-request is not our problem.
            let _ = connection(stream, &state);
        });
    }
}

fn connection(stream: TcpStream, state: &State) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let Some(line) = read_line(&mut reader)? else {
            return Ok(());
        };
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return respond(&mut writer, &routes::error(400, "Bad Request"), true);
        };
        let mut authorization = None;
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
            match name.trim().to_ascii_lowercase().as_str() {
                "authorization" => authorization = Some(value.to_string()),
                "content-length" => content_length = value.parse().unwrap_or(0),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        // GETs have no body; drain one anyway so the connection stays usable.
        std::io::copy(
            &mut (&mut reader).take(content_length.min(MAX_BODY)),
            &mut std::io::sink(),
        )?;
        state.requests.fetch_add(1, Ordering::Relaxed);
        let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
        let path = percent_decode(raw_path, false);
        let reply = if path == "/_sandbox/stats" {
            stats(state)
        } else {
            let query = parse_query(raw_query);
            routes::handle(
                &state.data,
                &state.token,
                &Request {
                    method,
                    path: &path,
                    query: &query,
                    authorization: authorization.as_deref(),
                },
            )
        };
        respond(&mut writer, &reply, close)?;
        if close {
            return Ok(());
        }
    }
}

/// Connection and request counters, for specs that check connection reuse.
fn stats(state: &State) -> Reply {
    Reply {
        status: 200,
        body: serde_json::json!({
            "connections": state.connections.load(Ordering::Relaxed),
            "requests": state.requests.load(Ordering::Relaxed),
        })
        .to_string(),
    }
}

/// One CRLF-terminated line, bounded; `None` at end of stream.
fn read_line(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<String>> {
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

fn respond(writer: &mut TcpStream, reply: &Reply, close: bool) -> std::io::Result<()> {
    let reason = match reply.status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
        reply.status,
        reply.body.len(),
        if close { "close" } else { "keep-alive" }
    );
    let mut out = Vec::with_capacity(head.len() + reply.body.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(reply.body.as_bytes());
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
}
