//! Fault injection, per request, with no restart: a client whose `url` is
//! `http://127.0.0.1:PORT/_fault/503,ok` gets a 503 on its first request
//! under that prefix, then normal answers. Steps, comma-separated:
//!
//! | step | effect |
//! |---|---|
//! | `ok` | the normal answer |
//! | `NNN` (e.g. `503`) | that status with the JSON error envelope |
//! | `in200-NNN` | HTTP 200 carrying the error envelope with code NNN, as real PBXs send |
//! | `html502` | a proxy's HTML 502 page |
//! | `429sN` / `429dN` | 429 with `Retry-After: N` as seconds / as an HTTP date N s ahead |
//! | `429huge` | 429 with a `Retry-After` of more seconds than 64 bits hold |
//! | `delayN` | wait N ms, then the normal answer |
//! | `hang` | accept the request and never answer |
//! | `reset` | close the connection with a TCP reset |
//! | `close` | close the connection before answering |
//! | `midbody` | send the headers and half the body, then close |
//! | `truncated` | a complete response whose JSON is cut short |
//! | `malformed` | a complete response whose body is not JSON |
//! | `bigN` | a valid answer of N MiB (default 70) |
//! | `gzipbomb` | a gzip body that inflates to 100 MiB |
//! | `redirect` | 302 to the same path on another origin (localhost) |
//! | `sameredirect` | 302 to the same path without the prefix (same origin) |
//! | `netredirect` | 302 to `//127.0.0.1:<port + 1>/…`: a network-path reference, another origin |
//! | `queryredirect` | 302 to the same path (same origin) with `?next=http://a.b/` in the query |
//! | `everyN` | every Nth request gets a transient fault (503, 502, 504, reset, close, 429 with `Retry-After: 0`, midbody in turn), the rest `ok` |
//! | `samepage` | alone: every request, whatever its offset, gets the same 100 calls, all in one second, with a `total` of a million (a proxy that caches one answer; a page that never advances) |
//! | `emptypage` | alone: every request gets no records with a `total` of 1,000 |
//! | `echoauth` / `echoauthhtml` / `echoauthredirect` | the request's `Authorization` header quoted back: in a 401 reason, in an HTML 502 page, in a 302's `Location` (another origin) |
//!
//! After the last step, requests get `ok` (`everyN`, `samepage` and
//! `emptypage`, alone, go on for ever). A `~tag` suffix (`503,ok~t1`)
//! gives the same steps a counter of their own.

use std::collections::HashMap;
use std::sync::Mutex;

/// What to do with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Ok,
    Status(u16),
    /// The error envelope with this code, inside HTTP 200.
    ErrorIn200(u16),
    Html502,
    RetryAfterSeconds(u64),
    RetryAfterDate(u64),
    RetryAfterHuge,
    Delay(u64),
    Hang,
    Reset,
    Close,
    MidBody,
    Truncated,
    Malformed,
    Big(usize),
    GzipBomb,
    Redirect,
    SameRedirect,
    NetworkPathRedirect,
    QueryRedirect,
    Every(u64),
    SamePage,
    EmptyPage,
    EchoAuth(Echo),
}

/// Where `echoauth…` quotes the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    Reason,
    Html,
    Location,
}

const TRANSIENT: [Fault; 7] = [
    Fault::Status(503),
    Fault::Status(502),
    Fault::Status(504),
    Fault::Reset,
    Fault::Close,
    Fault::RetryAfterSeconds(0),
    Fault::MidBody,
];

fn parse_step(step: &str) -> Option<Fault> {
    let number = |prefix: &str| {
        step.strip_prefix(prefix)
            .and_then(|n| n.parse::<u64>().ok())
    };
    Some(match step {
        "ok" => Fault::Ok,
        "html502" => Fault::Html502,
        "hang" => Fault::Hang,
        "reset" => Fault::Reset,
        "close" => Fault::Close,
        "midbody" => Fault::MidBody,
        "truncated" => Fault::Truncated,
        "malformed" => Fault::Malformed,
        "big" => Fault::Big(70),
        "gzipbomb" => Fault::GzipBomb,
        "redirect" => Fault::Redirect,
        "sameredirect" => Fault::SameRedirect,
        "netredirect" => Fault::NetworkPathRedirect,
        "queryredirect" => Fault::QueryRedirect,
        "429huge" => Fault::RetryAfterHuge,
        "samepage" => Fault::SamePage,
        "emptypage" => Fault::EmptyPage,
        "echoauth" => Fault::EchoAuth(Echo::Reason),
        "echoauthhtml" => Fault::EchoAuth(Echo::Html),
        "echoauthredirect" => Fault::EchoAuth(Echo::Location),
        _ => {
            if let Some(n) = number("429s") {
                Fault::RetryAfterSeconds(n)
            } else if let Some(n) = number("429d") {
                Fault::RetryAfterDate(n)
            } else if let Some(n) = number("delay") {
                Fault::Delay(n)
            } else if let Some(n) = number("big") {
                Fault::Big(n as usize)
            } else if let Some(code) = number("in200-") {
                Fault::ErrorIn200(
                    u16::try_from(code)
                        .ok()
                        .filter(|c| (100..=599).contains(c))?,
                )
            } else if let Some(n) = number("every") {
                Fault::Every(n.max(1))
            } else {
                let status: u16 = step.parse().ok()?;
                if !(100..=599).contains(&status) {
                    return None;
                }
                Fault::Status(status)
            }
        }
    })
}

/// Parses a spec (`503,ok~t1`) into its steps.
pub fn parse(spec: &str) -> Option<Vec<Fault>> {
    let steps = spec.split('~').next().unwrap_or_default();
    steps.split(',').map(parse_step).collect()
}

/// Counters per spec, so sequences advance across requests.
#[derive(Default)]
pub struct Faults {
    seen: Mutex<HashMap<String, u64>>,
}

impl Faults {
    /// The fault for the next request under `spec`, or `None` if the spec
    /// does not parse.
    pub fn next(&self, spec: &str) -> Option<Fault> {
        let steps = parse(spec)?;
        let n = {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            let counter = seen.entry(spec.to_string()).or_insert(0);
            *counter += 1;
            *counter - 1
        };
        match steps.as_slice() {
            [Fault::Every(every)] => {
                return Some(if n % every == every - 1 {
                    TRANSIENT[((n / every) % TRANSIENT.len() as u64) as usize].clone()
                } else {
                    Fault::Ok
                })
            }
            [forever @ (Fault::SamePage | Fault::EmptyPage)] => return Some(forever.clone()),
            _ => {}
        }
        Some(steps.get(n as usize).cloned().unwrap_or(Fault::Ok))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn steps_parse() {
        assert_eq!(
            parse("503,429s2,429d3,delay50,ok"),
            Some(vec![
                Fault::Status(503),
                Fault::RetryAfterSeconds(2),
                Fault::RetryAfterDate(3),
                Fault::Delay(50),
                Fault::Ok
            ])
        );
        assert_eq!(parse("big1~x"), Some(vec![Fault::Big(1)]));
        assert_eq!(parse("nonsense"), None);
        assert_eq!(parse("999"), None);
    }

    #[test]
    fn sequences_advance_then_stay_ok() {
        let faults = Faults::default();
        assert_eq!(faults.next("503,502"), Some(Fault::Status(503)));
        assert_eq!(faults.next("503,502"), Some(Fault::Status(502)));
        assert_eq!(faults.next("503,502"), Some(Fault::Ok));
        assert_eq!(faults.next("503,502~b"), Some(Fault::Status(503)));
        for _ in 0..3 {
            assert_eq!(faults.next("samepage"), Some(Fault::SamePage));
        }
    }

    #[test]
    fn every_nth_is_transient_and_never_twice_in_a_row() {
        let faults = Faults::default();
        let got: Vec<Fault> = (0..100).map(|_| faults.next("every10").unwrap()).collect();
        assert_eq!(got.iter().filter(|f| **f != Fault::Ok).count(), 10);
        assert!(got
            .windows(2)
            .all(|w| w[0] == Fault::Ok || w[1] == Fault::Ok));
    }
}
