//! Step 2: one GET to the PBX, on the process's shared keep-alive pool
//! (`pool`): timeouts, retries with backoff, bounded bodies, same-origin
//! redirects only. A write (`send`) goes once: no retry, no redirect.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ureq::http::{header, Response, Uri};
use ureq::{Agent, Body};

use crate::api;
use crate::cancel;
use crate::config::{Config, Origin};
use crate::decode;
use crate::error::{Error, Kind};
use crate::fork::PerProcess;
use crate::pool;
use crate::s2s;
use crate::throttle::Bucket;
use crate::watch::Watch;

/// First backoff step; doubles per retry up to `BACKOFF_CAP` (full jitter).
pub(crate) const BACKOFF_BASE: Duration = Duration::from_millis(200);
pub(crate) const BACKOFF_CAP: Duration = Duration::from_secs(5);
/// Longest `Retry-After` we wait for; a longer one fails at once.
pub(crate) const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);
/// The least time an attempt is given; less is not worth a connection.
const MIN_ATTEMPT: Duration = Duration::from_millis(10);
/// Same-origin redirects followed per request.
const MAX_REDIRECTS: u32 = 5;
/// Error bodies are read only this far: enough for a reason.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;
/// Most room made for a body before it arrives, whatever its
/// `Content-Length` claims (a PBX that claims a gigabyte and sends ten
/// bytes gets this much reserved, and never touched).
const BODY_ROOM: u64 = 4 << 20;

/// What a successful GET gives back.
#[derive(Debug)]
pub(crate) struct Reply {
    pub body: Vec<u8>,
    /// Attempts it took (1 when the first one succeeded).
    pub attempts: u32,
}

/// A failed attempt, with what the retry loop needs.
struct Failure {
    error: Error,
    retry_after: Option<Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            error,
            retry_after: None,
        }
    }
}

/// An account's HTTP client. Cheap to share: the agent pools connections.
/// Its agent and rate bucket are this process's (`fork.rs`): a child of a
/// process that forked makes its own, and never uses the parent's
/// connections or locks.
#[derive(Debug)]
pub(crate) struct Http {
    agent: PerProcess<Agent>,
    config: Config,
    /// The requests made, for the account's `on_request`.
    watch: Watch,
    /// `max_requests_per_second`, shared with every state's same account.
    bucket: Option<PerProcess<std::sync::Arc<Bucket>>>,
}

impl Http {
    pub(crate) fn new(config: Config) -> Http {
        let bucket = config.max_requests_per_second().map(|_| PerProcess::new());
        Http {
            agent: PerProcess::new(),
            config,
            watch: Watch::default(),
            bucket,
        }
    }

    fn agent(&self) -> &Agent {
        self.agent.get(|| pool::agent(self.config.ca_certs()))
    }

    /// This process's token bucket for the account, when it has a rate.
    fn bucket(&self) -> Option<&Bucket> {
        let rate = self.config.max_requests_per_second()?;
        let bucket = self.bucket.as_ref()?.get(|| {
            let key = format!("{}\n{}", self.config.account(), self.config.base_url());
            Bucket::shared(&key, rate)
        });
        Some(bucket)
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn watch(&self) -> &Watch {
        &self.watch
    }

    /// The deadline of a call that starts now: all its requests, retries
    /// and waits included, end within `timeout`.
    pub(crate) fn deadline(&self) -> Instant {
        Instant::now() + self.config.timeout()
    }

    /// GETs `target` (path and query under the base URL), retrying what is
    /// safe to retry, all before `deadline`: each attempt gets the time
    /// left, and a retry whose wait would end past the deadline is not
    /// made. Errors carry the request path and the attempt count.
    pub(crate) fn get(&self, target: &str, deadline: Instant) -> Result<Reply, Error> {
        self.get_paid(target, deadline, Token::Due)
    }

    /// `get` if a `max_requests_per_second` token is free now, else `None`
    /// and nothing sent: a request that may not be needed (a page asked
    /// for ahead) neither waits for a token nor takes one a needed request
    /// would then wait behind.
    pub(crate) fn get_if_free(
        &self,
        target: &str,
        deadline: Instant,
    ) -> Result<Option<Reply>, Error> {
        match self.bucket() {
            Some(bucket) if !bucket.try_take() => Ok(None),
            Some(_) => self.get_paid(target, deadline, Token::Taken).map(Some),
            None => self.get(target, deadline).map(Some),
        }
    }

    /// `get`, its first request's rate token due or already taken.
    fn get_paid(&self, target: &str, deadline: Instant, mut token: Token) -> Result<Reply, Error> {
        let path = self.config.request_path(target);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let failure = match self.attempt(target, deadline, &mut token) {
                Ok(body) => {
                    let size = body.len() as u64;
                    let seen = (Some(200), attempt, size);
                    self.watch.record("GET", &path, started, seen);
                    return Ok(Reply {
                        body,
                        attempts: attempt,
                    });
                }
                Err(failure) => failure,
            };
            let seen = (failure.error.http_status(), attempt, 0);
            self.watch.record("GET", &path, started, seen);
            let error = failure
                .error
                .with_request("GET", &path)
                .with_attempts(attempt);
            if !error.retryable() || attempt > self.config.retries() {
                return Err(error);
            }
            let wait = match failure.retry_after {
                Some(wait) if wait > RETRY_AFTER_CAP => return Err(error),
                Some(wait) => wait,
                None => backoff(attempt),
            };
            if Instant::now() + wait + MIN_ATTEMPT >= deadline {
                return Err(error);
            }
            cancel::sleep(wait).map_err(|e| e.with_request("GET", &path).with_attempts(attempt))?;
        }
    }

    /// GETs `url` (absolute, on the account's origin) into `file`, at most
    /// `max_download_bytes`, following redirects on the origin only (to
    /// another one: `refused`, the credentials never go there). Once: a
    /// partial file is the caller's to remove. Gives the bytes written and
    /// the `Content-Type`.
    pub(crate) fn download(
        &self,
        url: &str,
        file: &mut std::fs::File,
        deadline: Instant,
    ) -> Result<(u64, Option<String>), Error> {
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let path = url
                .parse::<Uri>()
                .map(|u| u.path().to_string())
                .unwrap_or_default();
            let origin = url.parse::<Uri>().ok().as_ref().and_then(Origin::of);
            if origin.as_ref() != Some(self.config.origin()) {
                return Err(Error::new(
                    Kind::Refused,
                    "the recording is on another origin than 'url': not fetched, so the credentials stay with the PBX",
                )
                .with_retryable(false)
                .with_request("GET", &path));
            }
            if let Some(bucket) = self.bucket() {
                bucket.take(deadline)?;
            }
            let budget = deadline.saturating_duration_since(Instant::now());
            if budget < MIN_ATTEMPT {
                return Err(spent(&self.config).with_request("GET", &path));
            }
            let started = Instant::now();
            let sent = self.authorized_get(&url, budget)?.call();
            let failed = |e: Error| {
                self.config
                    .credentials()
                    .cleared(e.with_request("GET", &path))
            };
            let target = url.split_once("://").map_or("", |(_, r)| r);
            let target = target.find('/').map_or("/", |at| &target[at..]);
            let status = sent.as_ref().ok().map(|r| r.status().as_u16());
            self.watch.record("GET", target, started, (status, 1, 0));
            let mut response = sent.map_err(|e| failed(map_ureq(e, &self.config)))?;
            let status = response.status().as_u16();
            if response.status().is_redirection() {
                url = self
                    .redirect_target(&url, &response, Elsewhere::Refused)
                    .map_err(failed)?;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(failed(
                    status_failure(status, &mut response, &self.config).error,
                ));
            }
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let limit = self.config.max_download_bytes();
            // One byte past the limit tells a file that is too large.
            let mut body = response.body_mut().as_reader().take(limit + 1);
            let bytes =
                std::io::copy(&mut body, file).map_err(|e| failed(map_io(e, &self.config)))?;
            if bytes > limit {
                return Err(failed(Error::decode(format!(
                    "the recording is larger than max_download_bytes ({limit} bytes)"
                ))));
            }
            return Ok((bytes, content_type));
        }
        Err(Error::new(
            Kind::Http,
            format!("more than {MAX_REDIRECTS} redirects"),
        ))
    }

    /// Sends a write once: never retried, no redirect followed (a write
    /// must not land twice, nor where it was not aimed). The error says
    /// whether the PBX may have acted: `retryable` only when nothing
    /// reached it (no connection, a 429).
    pub(crate) fn send(
        &self,
        method: &'static str,
        target: &str,
        body: Option<&api::Body>,
        deadline: Instant,
    ) -> Result<Vec<u8>, Error> {
        let path = self.config.request_path(target);
        let url = format!("{}{}", self.config.base_url(), target);
        let before = |e: Error| write_error(e, Sent::No).with_request(method, &path);
        if let Some(bucket) = self.bucket() {
            bucket.take(deadline).map_err(before)?;
        }
        let budget = deadline.saturating_duration_since(Instant::now());
        if budget < MIN_ATTEMPT {
            return Err(before(spent(&self.config)));
        }
        let value = body.map(|b| api::json_of(b.fields()));
        let signed = match (body, &value) {
            (Some(api::Body::Json(_)), Some(v)) => Some(s2s::Body::Json(v)),
            (Some(api::Body::Form(_)), Some(v)) => Some(s2s::Body::Form(v)),
            _ => None,
        };
        let headers = self
            .config
            .credentials()
            .headers(method, &url, signed)
            .map_err(before)?;
        let (content_type, bytes) = match (body, &value) {
            (Some(api::Body::Json(_)), Some(v)) => ("application/json", v.to_string().into_bytes()),
            (Some(api::Body::Form(fields)), _) => (
                "application/x-www-form-urlencoded",
                api::form_of(fields).into_bytes(),
            ),
            _ => ("", Vec::new()),
        };
        let typed = headers.iter().any(|(name, _)| *name == "content-type");
        // The same headers and timeouts on a builder with or without a body.
        let mut headers = headers;
        if !content_type.is_empty() && !typed {
            headers.push(("content-type", content_type.to_string()));
        }
        headers.push(("accept", "application/json".to_string()));
        let started = Instant::now();
        let sent = match method {
            "POST" => self
                .authorized(self.agent().post(&url), headers, budget)
                .send(&bytes[..]),
            "PUT" => self
                .authorized(self.agent().put(&url), headers, budget)
                .send(&bytes[..]),
            _ => self
                .authorized(self.agent().delete(&url), headers, budget)
                .call(),
        };
        let status = sent.as_ref().ok().map(|r| r.status().as_u16());
        self.watch
            .record(method, &path, started, (status, 1, bytes.len() as u64));
        let failed = |e: Error, sent: Sent| {
            let e = write_error(e, sent).with_request(method, &path);
            self.config.credentials().cleared(e)
        };
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                let sent = transport_sent(&e);
                return Err(failed(map_ureq(e, &self.config), sent));
            }
        };
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return read_body(&mut response, &self.config)
                .map_err(|f| failed(f.error, Sent::Maybe));
        }
        if response.status().is_redirection() {
            let error = Error::status(
                status,
                "the PBX redirected the write; not followed, so nothing was done there (set 'url' to the address it redirects to)",
            );
            return Err(failed(error, Sent::Refused));
        }
        let failure = status_failure(status, &mut response, &self.config);
        let sent = match status {
            429 => Sent::No,
            500..=599 => Sent::Maybe,
            _ => Sent::Refused,
        };
        Err(failed(failure.error, sent))
    }

    /// One attempt, following same-origin redirects, all before `deadline`;
    /// each request takes a rate token, but one whose `token` is taken.
    fn attempt(
        &self,
        target: &str,
        deadline: Instant,
        token: &mut Token,
    ) -> Result<Vec<u8>, Failure> {
        let mut url = format!("{}{}", self.config.base_url(), target);
        for _ in 0..=MAX_REDIRECTS {
            let due = std::mem::replace(token, Token::Due) == Token::Due;
            if let Some(bucket) = self.bucket().filter(|_| due) {
                bucket.take(deadline)?;
            }
            // The agent is shared (src/pool.rs): this account's settings
            // go on the request. Each request gets what is left of the
            // call's `timeout` (a wait for the rate limit included); past
            // the deadline nothing more is sent: a PBX that answers every
            // request at once must not keep a call going forever.
            let budget = deadline.saturating_duration_since(Instant::now());
            if budget < MIN_ATTEMPT {
                return Err(Failure::from(spent(&self.config)));
            }
            // Signed afresh for each request (S2S signs the URL and the
            // time), a redirect's included.
            let sent = self
                .authorized_get(&url, budget)?
                .header(header::ACCEPT, "application/json")
                .call();
            let mut response = sent.map_err(|e| map_transport(e, &self.config))?;
            let status = response.status().as_u16();
            // No content: an empty result, which a list reads as no
            // records and a record route as no record (docs/pbx.md, "The
            // envelope").
            if status == 204 {
                return Ok(br#"{"type":"result","result":[]}"#.to_vec());
            }
            if (200..300).contains(&status) {
                return read_body(&mut response, &self.config);
            }
            if response.status().is_redirection() {
                url = self.redirect_target(&url, &response, Elsewhere::Http)?;
                continue;
            }
            return Err(status_failure(status, &mut response, &self.config));
        }
        Err(Error::new(Kind::Http, format!("more than {MAX_REDIRECTS} redirects")).into())
    }

    /// A GET of `url` as every request of the account goes: its
    /// credentials' headers (signed afresh for S2S), its User-Agent, what
    /// is left of the call's time, its connect timeout.
    fn authorized_get(
        &self,
        url: &str,
        budget: Duration,
    ) -> Result<ureq::RequestBuilder<ureq::typestate::WithoutBody>, Error> {
        let headers = self.config.credentials().headers("GET", url, None)?;
        Ok(self.authorized(self.agent().get(url), headers, budget))
    }

    /// `request` with `headers` (the credentials', and a write's type),
    /// the account's User-Agent, what is left of the call's time and its
    /// connect timeout: every request the account sends, GET or write.
    fn authorized<B>(
        &self,
        mut request: ureq::RequestBuilder<B>,
        headers: Vec<(&'static str, String)>,
        budget: Duration,
    ) -> ureq::RequestBuilder<B> {
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request
            .header(header::USER_AGENT, self.config.user_agent())
            .config()
            .timeout_global(Some(budget))
            .timeout_connect(Some(self.config.connect_timeout()))
            .build()
    }

    /// Where a redirect leads, if it stays on our origin.
    fn redirect_target(
        &self,
        current: &str,
        response: &Response<Body>,
        elsewhere: Elsewhere,
    ) -> Result<String, Error> {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Error::status(status, "redirect without a Location"))?;
        let invalid = || {
            Error::status(
                status,
                format!(
                    "redirect to an invalid Location ({})",
                    decode::reason::excerpt(location.as_bytes(), 80)
                ),
            )
        };
        let next = resolve(current, location).ok_or_else(invalid)?;
        let origin = next.parse::<Uri>().ok().as_ref().and_then(Origin::of);
        match origin {
            Some(origin) if &origin == self.config.origin() => Ok(next),
            Some(_) if elsewhere == Elsewhere::Refused => Err(Error::new(
                Kind::Refused,
                format!(
                    "the PBX redirects the recording to another origin (Location {}): not followed, so the credentials stay with the PBX",
                    decode::reason::excerpt(location.as_bytes(), 80)
                ),
            )
            .with_retryable(false)),
            Some(origin) => Err(Error::status(
                status,
                format!(
                    "the PBX redirects to another origin ({}://{}:{}, Location {}); not followed, so the {} stays with 'url' — set 'url' to the address it redirects to",
                    origin.scheme,
                    origin.host,
                    origin.port,
                    decode::reason::excerpt(location.as_bytes(), 80),
                    self.config.credentials().noun()
                ),
            )),
            None => Err(invalid()),
        }
    }
}

/// What a redirect to another origin is: for the API, an `http` error
/// saying to set 'url' to where it points; for a recording, `refused`.
/// Either way it is not followed, so the credentials stay on the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elsewhere {
    Http,
    Refused,
}

/// Whether a write reached the PBX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// Certainly not: it may be sent again.
    No,
    /// Sent, and no answer (or a 5xx) came: the PBX may have acted.
    Maybe,
    /// The PBX answered that it did not do it (a 4xx): sending it again
    /// gets the same answer.
    Refused,
}

/// A failed write's error: what the kind says, plus whether the PBX may
/// have acted, which decides `retryable`.
fn write_error(error: Error, sent: Sent) -> Error {
    let (note, retryable) = match sent {
        Sent::No => ("; nothing reached the PBX: it is safe to send again", true),
        Sent::Maybe => (
            "; the request was sent and the PBX may have carried it out: check before sending it again",
            false,
        ),
        Sent::Refused => ("", false),
    };
    let message = format!("{}{note}", error.message());
    error.with_message(message).with_retryable(retryable)
}

/// Whether a transport error leaves a request unsent: a host not found,
/// a connection or TLS set-up that failed. Anything later may have
/// reached the PBX.
fn transport_sent(error: &ureq::Error) -> Sent {
    use std::io::ErrorKind as K;
    match error {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect)
        | ureq::Error::Rustls(_)
        | ureq::Error::Tls(_) => Sent::No,
        ureq::Error::Io(io) if io.kind() == K::ConnectionRefused => Sent::No,
        _ => Sent::Maybe,
    }
}

/// Resolves a Location header against the URL asked for, as RFC 3986
/// (section 5.2) says: `//host/x` is another authority, `/x?next=http://…`
/// a path on this one. The fragment stays with the client.
pub(crate) fn resolve(current: &str, location: &str) -> Option<String> {
    use fluent_uri::{resolve::Resolver, Uri as Base, UriRef};
    let base = Base::parse(current).ok()?;
    let reference = UriRef::parse(location.trim()).ok()?;
    let target = Resolver::with_base(base).resolve(&reference).ok()?;
    let target = target.as_str();
    Some(target.split('#').next().unwrap_or(target).to_string())
}

fn status_failure(status: u16, response: &mut Response<Body>, config: &Config) -> Failure {
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let mut raw = Vec::new();
    // A failed read leaves the reason empty; the status still tells.
    let _ = response
        .body_mut()
        .as_reader()
        .take(ERROR_BODY_LIMIT)
        .read_to_end(&mut raw);
    let reason = decode::error_reason(&raw);
    let said = |default: &str| reason.clone().unwrap_or_else(|| default.to_string());
    let message = match status {
        // What to check is said by `Client::explain`, which knows the route.
        401 | 403 => format!(
            "the PBX refused the {} ({})",
            config.credentials().noun(),
            said("unauthorized"),
        ),
        404 => said("not found"),
        429 => format!(
            "the PBX is rate limiting requests ({})",
            said("too many requests")
        ),
        _ => format!(
            "the PBX answered HTTP {status} ({})",
            said("no reason given")
        ),
    };
    let mut error = Error::status(status, message);
    if let Some(wait) = retry_after {
        error = error.with_retry_after(wait.as_secs_f64());
    }
    Failure { error, retry_after }
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many seconds for a u64 is still a wait far past any timeout.
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Full-jitter exponential backoff for retry `attempt` (1-based).
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE
        .saturating_mul(1 << (attempt - 1).min(16))
        .min(BACKOFF_CAP);
    Duration::from_nanos(random() % (ceiling.as_nanos() as u64 + 1))
}

/// A small xorshift generator: jitter needs spread, not secrecy.
fn random() -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64);
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ seed;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// Maps a failure to connect, send or receive headers.
fn map_transport(error: ureq::Error, config: &Config) -> Failure {
    Failure::from(map_ureq(error, config))
}

/// A 2xx body, whole, up to `max_response_bytes`. Room for what
/// `Content-Length` says is made first (up to `BODY_ROOM`): a body read
/// into an empty `Vec` was copied each time it doubled, and a small one
/// read in many short steps.
fn read_body(response: &mut Response<Body>, config: &Config) -> Result<Vec<u8>, Failure> {
    let limit = config.max_response_bytes();
    let room = response.body().content_length().unwrap_or(0);
    let mut body = Vec::with_capacity(room.min(limit).min(BODY_ROOM) as usize);
    let mut reader = response.body_mut().with_config().limit(limit).reader();
    match reader.read_to_end(&mut body) {
        Ok(_) => Ok(body),
        // ureq's own errors come back out of the `io::Error` they travel in.
        Err(e) => Err(map_body(ureq::Error::from(e), config)),
    }
}

/// Maps a failure while reading a 2xx body.
fn map_body(error: ureq::Error, config: &Config) -> Failure {
    match error {
        ureq::Error::BodyExceedsLimit(limit) => Error::decode(format!(
            "the PBX answer is larger than max_response_bytes ({limit} bytes); ask for smaller pages or raise max_response_bytes"
        ))
        .into(),
        other => map_ureq(other, config).into(),
    }
}

fn map_ureq(error: ureq::Error, config: &Config) -> Error {
    let Some((proxy, var)) = proxy_for(config) else {
        return map_direct(error, config);
    };
    // A failure to connect is the proxy's, not the PBX's: say so.
    let reason = match &error {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Some("it refused the connection".to_string())
        }
        ureq::Error::HostNotFound => Some("its host (or the PBX's) does not resolve".to_string()),
        ureq::Error::ConnectionFailed => Some("no connection could be made".to_string()),
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => Some(format!(
            "no connection within connect_timeout ({}s)",
            config.connect_timeout().as_secs_f64()
        )),
        ureq::Error::ConnectProxyFailed(why) => Some(format!("it refused the tunnel: {why}")),
        _ => None,
    };
    let mapped = map_direct(error, config);
    let message = match reason {
        Some(reason) => format!(
            "could not reach {} through the proxy {proxy} (from {var}; NO_PROXY lists hosts to reach directly): {reason}",
            config.origin().host
        ),
        None if matches!(mapped.kind(), Kind::Network | Kind::Timeout) => {
            format!("{} (through the proxy {proxy}, from {var})", mapped.message())
        }
        None => return mapped,
    };
    mapped.with_message(message)
}

/// The proxy ureq sends this account's requests through (it reads the
/// environment as curl does), and the variable that set it: for messages,
/// so a dead proxy is not reported as the PBX refusing. Never its
/// userinfo, which may hold a password.
fn proxy_for(config: &Config) -> Option<(String, &'static str)> {
    let proxy = ureq::Proxy::try_from_env()?;
    let target: Uri = config.base_url().parse().ok()?;
    if proxy.is_no_proxy(&target) {
        return None;
    }
    let var = [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ]
    .into_iter()
    .find(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))?;
    Some((format!("{}:{}", proxy.host(), proxy.port()), var))
}

fn map_direct(error: ureq::Error, config: &Config) -> Error {
    let host = &config.origin().host;
    match error {
        ureq::Error::Timeout(which) => {
            let message = if matches!(which, ureq::Timeout::Connect | ureq::Timeout::Resolve) {
                format!(
                    "could not connect to {host} within connect_timeout ({}s)",
                    config.connect_timeout().as_secs_f64()
                )
            } else {
                format!(
                    "the PBX at {host} did not answer within timeout ({}s)",
                    config.timeout().as_secs_f64()
                )
            };
            Error::new(Kind::Timeout, message)
        }
        ureq::Error::HostNotFound => {
            Error::new(Kind::Network, format!("cannot resolve host {host}")).with_retryable(false)
        }
        ureq::Error::Io(io) => map_io(io, config),
        ureq::Error::Rustls(e) => tls_error(&e.to_string(), host),
        ureq::Error::Tls(e) => tls_error(e, host),
        ureq::Error::ConnectionFailed => {
            Error::new(Kind::Network, format!("could not connect to {host}"))
        }
        // Not a connection failure: the PBX (or a proxy) answered garbage.
        ureq::Error::Protocol(e) => Error::new(
            Kind::Network,
            format!("the PBX at {host} broke the HTTP protocol: {e}"),
        )
        .with_retryable(false),
        ureq::Error::BodyExceedsLimit(limit) => Error::decode(format!(
            "the PBX answer is larger than max_response_bytes ({limit} bytes)"
        )),
        other => Error::new(Kind::Network, format!("request to {host} failed: {other}"))
            .with_retryable(false),
    }
}

/// The call's `timeout` ran out between its requests.
fn spent(config: &Config) -> Error {
    Error::new(
        Kind::Timeout,
        format!(
            "the call did not end within timeout ({}s): the PBX at {} needed more requests than that allows",
            config.timeout().as_secs_f64(),
            config.origin().host
        ),
    )
}

fn map_io(io: std::io::Error, config: &Config) -> Error {
    use std::io::ErrorKind as K;
    let host = &config.origin().host;
    if let Some(tls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        return tls_error(&tls.to_string(), host);
    }
    match io.kind() {
        K::Interrupted => cancel::error(),
        K::TimedOut | K::WouldBlock => Error::new(
            Kind::Timeout,
            format!(
                "the PBX at {host} did not answer within timeout ({}s)",
                config.timeout().as_secs_f64()
            ),
        ),
        K::ConnectionRefused => Error::new(
            Kind::Network,
            format!("connection to {host}:{} refused", config.origin().port),
        ),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => Error::new(
            Kind::Network,
            format!("the connection to {host} was closed before the answer was complete"),
        ),
        _ => Error::new(
            Kind::Network,
            format!("network error talking to {host}: {io}"),
        ),
    }
}

fn tls_error(detail: &str, host: &str) -> Error {
    Error::new(
        Kind::Tls,
        format!(
            "TLS with {host} failed ({detail}); if the PBX uses a private or self-signed certificate, pass its CA as 'ca_file' (PEM)"
        ),
    )
    .with_retryable(false)
}

/// A request's `max_requests_per_second` token: still to take, or taken
/// before it was sent (`get_if_free`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Due,
    Taken,
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::params::Arg;
    use std::io;

    fn config() -> Config {
        let s = |t: &str| Arg::Str(t.as_bytes().to_vec());
        let options = [
            (s("url"), s("https://pbx.example.com")),
            (s("token"), s("wsk-v1-0123456789abcdef0123456789")),
        ];
        Config::from_options("default", Some(&options), &|_| None).unwrap()
    }

    #[test]
    fn transport_errors_map_to_kinds() {
        let c = config();
        let io_kind = |k: io::ErrorKind| map_io(io::Error::from(k), &c);
        let refused = io_kind(io::ErrorKind::ConnectionRefused);
        assert_eq!((refused.kind(), refused.retryable()), (Kind::Network, true));
        assert_eq!(
            io_kind(io::ErrorKind::ConnectionReset).kind(),
            Kind::Network
        );
        assert_eq!(io_kind(io::ErrorKind::UnexpectedEof).kind(), Kind::Network);
        assert_eq!(io_kind(io::ErrorKind::TimedOut).kind(), Kind::Timeout);
        let dns = map_ureq(ureq::Error::HostNotFound, &c);
        assert_eq!((dns.kind(), dns.retryable()), (Kind::Network, false));
        let connect = map_ureq(ureq::Error::Timeout(ureq::Timeout::Connect), &c);
        assert_eq!(connect.kind(), Kind::Timeout);
        assert!(connect.message().contains("connect_timeout"));
        let global = map_ureq(ureq::Error::Timeout(ureq::Timeout::Global), &c);
        assert!(
            global.message().contains("within timeout (30s)"),
            "{}",
            global.message()
        );
        let big = map_body(ureq::Error::BodyExceedsLimit(10), &c).error;
        assert_eq!((big.kind(), big.retryable()), (Kind::Decode, false));
    }

    #[test]
    fn certificate_errors_are_tls_and_point_at_ca_file() {
        let c = config();
        let inner = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let err = map_io(io::Error::new(io::ErrorKind::InvalidData, inner), &c);
        assert_eq!((err.kind(), err.retryable()), (Kind::Tls, false));
        assert!(err.message().contains("ca_file"));
        assert!(!err.message().contains("wsk-v1"));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("18446744073709551616"),
            Some(Duration::MAX)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        for attempt in 1..40 {
            assert!(backoff(attempt) <= BACKOFF_CAP);
        }
        assert!(backoff(1) <= BACKOFF_BASE);
        let distinct: std::collections::HashSet<Duration> = (0..20).map(|_| backoff(5)).collect();
        assert!(distinct.len() > 1);
    }

    #[test]
    fn redirects_resolve() {
        let base = "https://a.example.com/api/v1/Colleagues/";
        assert_eq!(
            resolve(base, "/api/v1/Colleagues").as_deref(),
            Some("https://a.example.com/api/v1/Colleagues")
        );
        assert_eq!(
            resolve(base, "https://b.example.com/x").as_deref(),
            Some("https://b.example.com/x")
        );
        assert_eq!(
            resolve("https://a.example.com/api/v1/x", "y").as_deref(),
            Some("https://a.example.com/api/v1/y")
        );
        // A network-path reference is another authority, not a path.
        assert_eq!(
            resolve("http://127.0.0.1:8080/a", "//127.0.0.1:9090/x").as_deref(),
            Some("http://127.0.0.1:9090/x")
        );
        // A query may hold anything, "://" included.
        assert_eq!(
            resolve(base, "/ok/x?next=http://a.b/").as_deref(),
            Some("https://a.example.com/ok/x?next=http://a.b/")
        );
        assert_eq!(
            resolve(base, "../x/./y#frag").as_deref(),
            Some("https://a.example.com/api/v1/x/y")
        );
        assert_eq!(resolve(base, "http://[bad").as_deref(), None);
    }
}
