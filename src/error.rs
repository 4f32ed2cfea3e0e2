//! The one error type. Its kinds are the contract's `kind` strings; the Lua
//! error object is built from it in exactly one place (`lua::error_object`).

use std::fmt;

/// What went wrong, as the contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A parameter the caller passed is missing, unknown or malformed.
    Argument,
    /// The account is not configured, or its options are invalid.
    Config,
    /// The PBX refused the token (401/403).
    Auth,
    /// The record or route does not exist (404).
    NotFound,
    /// The PBX or a proxy asked us to slow down (429).
    RateLimited,
    /// Any other non-2xx answer.
    Http,
    /// A connect or request timeout.
    Timeout,
    /// The connection failed (refused, reset, DNS, closed early).
    Network,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// The body is not the JSON we expect, or is too large.
    Decode,
    /// A write the account does not allow, or that `before_write` stopped:
    /// nothing was sent.
    Refused,
    /// A bug in wildix: a state its own code should never reach. Said as
    /// such, never dressed as the PBX's fault.
    Internal,
    /// The user interrupted the call (Ctrl-C): never an error object, the
    /// Lua side raises the interpreter's own "interrupted!" (src/cancel.rs).
    Interrupted,
    /// A Lua error was raised while the result was built in Lua (out of
    /// memory, a failing finalizer): it ends the call, and the Lua side
    /// raises that error again unchanged (`lua::LuaList`). Never an error
    /// object.
    Raised,
}

impl Kind {
    /// The contract's string for this kind.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Argument => "argument",
            Kind::Config => "config",
            Kind::Auth => "auth",
            Kind::NotFound => "not_found",
            Kind::RateLimited => "rate_limited",
            Kind::Http => "http",
            Kind::Timeout => "timeout",
            Kind::Network => "network",
            Kind::Tls => "tls",
            Kind::Decode => "decode",
            Kind::Refused => "refused",
            Kind::Internal => "internal",
            Kind::Interrupted => "interrupted",
            Kind::Raised => "raised",
        }
    }

    /// The kind an HTTP error status maps to.
    pub(crate) fn from_status(status: u16) -> Kind {
        match status {
            401 | 403 => Kind::Auth,
            404 => Kind::NotFound,
            429 => Kind::RateLimited,
            _ => Kind::Http,
        }
    }
}

/// A failure, with what the Lua error object needs to describe it.
///
/// Never holds the token: messages are built from validated, non-secret parts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Error {
    kind: Kind,
    message: String,
    status: Option<u16>,
    method: Option<&'static str>,
    /// The request's path and query, as sent (`path()` gives the part
    /// before `?`, which the contract's `path` is; `query()` the rest, for
    /// the CLI's whole URL). One string: `Error` stays small.
    request: Option<String>,
    retryable: bool,
    attempts: Option<u32>,
    retry_after: Option<f64>,
}

impl Error {
    /// An error of `kind` with a one-line message.
    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Error {
        let retryable = matches!(kind, Kind::Timeout | Kind::Network | Kind::RateLimited);
        Error {
            kind,
            message: one_line(message.into()),
            status: None,
            method: None,
            request: None,
            retryable,
            attempts: None,
            retry_after: None,
        }
    }

    /// An `argument` error.
    pub(crate) fn argument(message: impl Into<String>) -> Error {
        Error::new(Kind::Argument, message)
    }

    /// A `config` error.
    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::new(Kind::Config, message)
    }

    /// A `decode` error.
    pub(crate) fn decode(message: impl Into<String>) -> Error {
        Error::new(Kind::Decode, message)
    }

    /// A bug of ours (a panic, a thread gone), said without its details:
    /// a panic payload could hold anything.
    pub(crate) fn internal() -> Error {
        Error::new(
            Kind::Internal,
            "internal error in wildix (a bug: please report it with the call that caused it)",
        )
        .with_retryable(false)
    }

    /// Ends a call whose result raised a Lua error while it was built
    /// (`Kind::Raised`).
    pub(crate) fn raised() -> Error {
        Error::new(
            Kind::Raised,
            "a Lua error was raised while the result was built",
        )
        .with_retryable(false)
    }

    /// An error for a non-2xx HTTP answer.
    pub(crate) fn status(status: u16, message: impl Into<String>) -> Error {
        let mut err = Error::new(Kind::from_status(status), message);
        err.status = Some(status);
        err.retryable = matches!(status, 429 | 502 | 503 | 504);
        err
    }

    /// Records the request this error belongs to: `path` without its
    /// query, which is kept apart (`query`).
    pub(crate) fn with_request(mut self, method: &'static str, path: &str) -> Error {
        self.method = Some(method);
        self.request = Some(path.split('#').next().unwrap_or_default().to_string());
        self
    }

    /// Prefixes the message with the function the caller used.
    pub(crate) fn in_function(mut self, function: &str) -> Error {
        if !self.message.starts_with(&format!("{function}: ")) {
            self.message = format!("{function}: {}", self.message);
        }
        self
    }

    /// The same error with another message.
    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Error {
        self.message = one_line(message.into());
        self
    }

    /// Records how many attempts were made.
    pub(crate) fn with_attempts(mut self, attempts: u32) -> Error {
        self.attempts = Some(attempts);
        self
    }

    /// Records the server's `Retry-After`, in seconds.
    pub(crate) fn with_retry_after(mut self, seconds: f64) -> Error {
        self.retry_after = Some(seconds);
        self
    }

    /// Overrides whether retrying could help.
    pub(crate) fn with_retryable(mut self, retryable: bool) -> Error {
        self.retryable = retryable;
        self
    }

    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
    pub(crate) fn http_status(&self) -> Option<u16> {
        self.status
    }
    pub(crate) fn method(&self) -> Option<&'static str> {
        self.method
    }
    pub(crate) fn path(&self) -> Option<&str> {
        let request = self.request.as_deref()?;
        Some(request.split_once('?').map_or(request, |(path, _)| path))
    }
    pub(crate) fn query(&self) -> Option<&str> {
        let (_, query) = self.request.as_deref()?.split_once('?')?;
        Some(query).filter(|q| !q.is_empty())
    }
    pub(crate) fn retryable(&self) -> bool {
        self.retryable
    }
    pub(crate) fn attempts(&self) -> Option<u32> {
        self.attempts
    }
    pub(crate) fn retry_after(&self) -> Option<f64> {
        self.retry_after
    }
}

/// `wildix: <kind>: <message> (HTTP <status>, <method> <path>)`, the same
/// text the Lua error object's `tostring` gives.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.status.map(|s| s.to_string());
        f.write_str(&describe(
            self.kind.as_str(),
            &self.message,
            status.as_deref(),
            self.method,
            self.path(),
        ))
    }
}

/// The one text of an error, from its parts (the Lua error object's
/// `tostring` calls this with its fields).
pub(crate) fn describe(
    kind: &str,
    message: &str,
    status: Option<&str>,
    method: Option<&str>,
    path: Option<&str>,
) -> String {
    let mut text = format!("wildix: {kind}: {message}");
    let request = match (method, path) {
        (Some(m), Some(p)) => Some(format!("{m} {p}")),
        _ => None,
    };
    match (status, request) {
        (Some(s), Some(r)) => text.push_str(&format!(" (HTTP {s}, {r})")),
        (Some(s), None) => text.push_str(&format!(" (HTTP {s})")),
        (None, Some(r)) => text.push_str(&format!(" ({r})")),
        (None, None) => {}
    }
    text
}

impl std::error::Error for Error {}

/// Messages are one line: a body excerpt or an OS error may hold newlines.
fn one_line(message: String) -> String {
    if message.chars().any(char::is_control) {
        message
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        message
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn kinds_map_from_status() {
        assert_eq!(Kind::from_status(401), Kind::Auth);
        assert_eq!(Kind::from_status(403), Kind::Auth);
        assert_eq!(Kind::from_status(404), Kind::NotFound);
        assert_eq!(Kind::from_status(429), Kind::RateLimited);
        assert_eq!(Kind::from_status(500), Kind::Http);
        assert_eq!(Kind::from_status(400), Kind::Http);
    }

    #[test]
    fn display_names_kind_status_and_path() {
        let err = Error::status(404, "no call with id '7'")
            .with_request("GET", "/api/v1/CallHistory/7?x=1")
            .in_function("get_call");
        assert_eq!(
            err.to_string(),
            "wildix: not_found: get_call: no call with id '7' (HTTP 404, GET /api/v1/CallHistory/7)"
        );
        assert_eq!(err.path(), Some("/api/v1/CallHistory/7"));
        assert_eq!(err.query(), Some("x=1"));
        assert!(!err.retryable());
    }

    #[test]
    fn retryable_follows_status() {
        assert!(Error::status(503, "x").retryable());
        assert!(Error::status(429, "x").retryable());
        assert!(!Error::status(500, "x").retryable());
        assert!(Error::new(Kind::Timeout, "x").retryable());
        assert!(!Error::argument("x").retryable());
    }

    #[test]
    fn messages_are_one_line() {
        let err = Error::decode("bad\nbody\r\n");
        assert!(!err.message().contains('\n'));
    }

    #[test]
    fn function_prefix_is_added_once() {
        let err = Error::argument("x")
            .in_function("list_calls")
            .in_function("list_calls");
        assert_eq!(err.message(), "list_calls: x");
    }
}
