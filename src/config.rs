//! One account's configuration: parsed once, from the Lua option table and
//! the environment, with defaults; unknown keys and bad values are refused.

use std::net::IpAddr;
use std::time::Duration;

use ureq::http::Uri;
use ureq::tls::{parse_pem, Certificate, PemItem};

use crate::credentials::{self, Credentials, Given, Token};
use crate::error::Error;
use crate::params::Arg;

/// Option keys `configure` accepts, in the order error messages list them.
pub(crate) const OPTION_KEYS: &[&str] = &[
    "url",
    "token",
    "username",
    "password",
    "app_id",
    "app_name",
    "secret",
    "timeout",
    "connect_timeout",
    "retries",
    "scope",
    "ca_file",
    "user_agent",
    "max_response_bytes",
    "max_requests_per_second",
    "concurrency",
    "writes",
    "before_write",
    "on_request",
    "max_download_bytes",
];

pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// `max_requests_per_second` bounds: slower than a request every 100 s is
/// no rate (a call would wait out any timeout), faster than 10,000 no limit.
const MIN_RATE: f64 = 0.01;
const MAX_RATE: f64 = 10_000.0;
/// Requests a scan keeps in flight (docs/reference.md: default 4).
pub(crate) const DEFAULT_CONCURRENCY: u32 = 4;
/// The most a scan may keep in flight: past this a PBX gains nothing and
/// its operators notice.
pub(crate) const MAX_CONCURRENCY: i64 = 16;
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const DEFAULT_RETRIES: u32 = 2;
pub(crate) const MAX_RETRIES: i64 = 10;
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
const MAX_TIMEOUT_SECS: f64 = 3600.0;
const MAX_URL_BYTES: usize = 2048;
const MAX_RESPONSE_BYTES_CAP: u64 = 1 << 30;
/// `download_recording`'s bound: 1 GiB, at most 64 GiB.
pub(crate) const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 1 << 30;
const MAX_DOWNLOAD_BYTES_CAP: u64 = 64 << 30;

/// Whose call history `list_calls` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The whole PBX (`/api/v1/PBX/CallHistory/`, admin tokens).
    Pbx,
    /// The token owner's own calls (`/api/v1/CallHistory/`).
    Personal,
}

/// Scheme, host and port: what must match for a request to carry the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// The origin of an absolute URL, if it has one.
    pub(crate) fn of(uri: &Uri) -> Option<Origin> {
        // A port that is not 1–65535 has no origin (the parser would drop
        // it and use the scheme's).
        check_port(uri.authority()?.as_str()).ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let host = uri.host()?.to_ascii_lowercase();
        let port = uri.port_u16().or(match scheme.as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        })?;
        Some(Origin { scheme, host, port })
    }
}

/// A validated account configuration.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    account: String,
    base_url: String,
    origin: Origin,
    credentials: Credentials,
    timeout: Duration,
    connect_timeout: Duration,
    retries: u32,
    scope: Scope,
    ca_certs: Option<Vec<Certificate<'static>>>,
    user_agent: String,
    max_response_bytes: u64,
    max_requests_per_second: Option<f64>,
    concurrency: u32,
    writes: Writes,
    max_download_bytes: u64,
}

/// Which writes an account may send (`writes`; off by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Writes {
    None,
    All,
    Only(Vec<String>),
}

impl Writes {
    /// `true`/`false`, or a list of write names (a Lua list arrives as
    /// "a,b"); from the environment also `1`/`0`.
    fn parse(value: &Arg, from: &str) -> Result<Writes, Error> {
        let text = match value {
            Arg::Bool(true) => return Ok(Writes::All),
            Arg::Bool(false) => return Ok(Writes::None),
            Arg::Str(bytes) => String::from_utf8_lossy(bytes).trim().to_string(),
            _ => String::new(),
        };
        match text.as_str() {
            "1" | "true" => return Ok(Writes::All),
            "0" | "false" => return Ok(Writes::None),
            _ => {}
        }
        let writes: Vec<&str> = crate::catalogue::FUNCTIONS
            .iter()
            .filter(|f| f.access == crate::catalogue::Access::Write)
            .map(|f| f.name)
            .collect();
        let names: Vec<String> = text.split(',').map(|n| n.trim().to_string()).collect();
        match names.iter().find(|n| !writes.contains(&n.as_str())) {
            None if !text.is_empty() => Ok(Writes::Only(names)),
            found => Err(Error::config(format!(
                "{from} must be true, false or a list of write functions ({}), got {}",
                writes.join(", "),
                match found {
                    Some(name) if !text.is_empty() => format!("'{}'", name.escape_debug()),
                    _ => value.describe(),
                }
            ))),
        }
    }

    pub(crate) fn allows(&self, name: &str) -> bool {
        match self {
            Writes::None => false,
            Writes::All => true,
            Writes::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

impl Config {
    /// Builds an account's config from `configure` options (`None` when the
    /// account comes from the environment alone). `url` and `token` fall back
    /// to `WILDIX_[NAME_]URL` / `WILDIX_[NAME_]TOKEN` through `env`.
    pub(crate) fn from_options(
        account: &str,
        options: Option<&[(Arg, Arg)]>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, Error> {
        check_account_name(account)?;
        let vars = EnvNames::of(account);
        let mut url = None;
        let mut given = Given::default();
        let mut config = Config {
            account: account.to_string(),
            base_url: String::new(),
            origin: Origin {
                scheme: String::new(),
                host: String::new(),
                port: 0,
            },
            // Replaced below, or the call fails.
            credentials: Credentials::Bearer(Token::default()),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            scope: Scope::Pbx,
            ca_certs: None,
            user_agent: format!("wildix-lua/{}", env!("CARGO_PKG_VERSION")),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_requests_per_second: None,
            concurrency: DEFAULT_CONCURRENCY,
            writes: Writes::None,
            max_download_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
        };
        let mut writes = None;
        for (key, value) in options.unwrap_or_default() {
            let key = match key {
                Arg::Str(bytes) => std::str::from_utf8(bytes).ok(),
                _ => None,
            };
            let Some(key) = key.filter(|k| OPTION_KEYS.contains(k)) else {
                let shown = match key {
                    Some(k) => format!("'{}'", k.escape_debug()),
                    None => "of this type".to_string(),
                };
                return Err(Error::config(format!(
                    "unknown option {shown} (expected: {})",
                    OPTION_KEYS.join(", ")
                )));
            };
            match key {
                "url" => url = Some(string_option(key, value)?),
                "token" | "username" | "password" | "app_id" | "app_name" | "secret" => {
                    let text = string_option(key, value)?;
                    given.set(key, &text)?;
                }
                "timeout" => config.timeout = seconds_option(key, value)?,
                "connect_timeout" => config.connect_timeout = seconds_option(key, value)?,
                "retries" => config.retries = integer_option(key, value, 0, MAX_RETRIES)? as u32,
                "concurrency" => {
                    config.concurrency = integer_option(key, value, 1, MAX_CONCURRENCY)? as u32
                }
                "scope" => {
                    config.scope = match string_option(key, value)?.as_str() {
                        "pbx" => Scope::Pbx,
                        "personal" => Scope::Personal,
                        _ => {
                            return Err(Error::config(format!(
                                "'scope' must be \"pbx\" or \"personal\", got {}",
                                value.describe()
                            )))
                        }
                    }
                }
                "writes" => writes = Some(Writes::parse(value, "'writes'")?),
                // The Lua face keeps the function (src/shim.lua).
                "before_write" | "on_request" => {
                    return Err(Error::config(format!(
                        "'{key}' must be a function, got {}",
                        value.type_name()
                    )))
                }
                "ca_file" => config.ca_certs = Some(load_ca_file(&string_option(key, value)?)?),
                "user_agent" => {
                    let agent = string_option(key, value)?;
                    if agent.is_empty() || agent.len() > 256 || agent.chars().any(char::is_control)
                    {
                        return Err(Error::config(
                            "'user_agent' must be 1 to 256 printable characters",
                        ));
                    }
                    config.user_agent = agent;
                }
                "max_download_bytes" => {
                    config.max_download_bytes =
                        integer_option(key, value, 1, MAX_DOWNLOAD_BYTES_CAP as i64)? as u64
                }
                "max_response_bytes" => {
                    config.max_response_bytes =
                        integer_option(key, value, 1, MAX_RESPONSE_BYTES_CAP as i64)? as u64
                }
                "max_requests_per_second" => {
                    let rate = match value {
                        Arg::Int(i) => *i as f64,
                        Arg::Num(n) => *n,
                        _ => f64::NAN,
                    };
                    if !(rate.is_finite() && (MIN_RATE..=MAX_RATE).contains(&rate)) {
                        return Err(Error::config(format!(
                            "'max_requests_per_second' must be a number from {MIN_RATE} (a request \
                             every 100 s) to {MAX_RATE}, got {}",
                            value.describe()
                        )));
                    }
                    config.max_requests_per_second = Some(rate);
                }
                _ => unreachable!("key checked against OPTION_KEYS"),
            }
        }
        let from_env = |var: &str| env(var).filter(|v| !v.trim().is_empty());
        let url = url.or_else(|| from_env(&vars.url));
        // The environment fills in only when configure gave no credentials.
        if given.is_empty() {
            for key in credentials::OPTIONS {
                if let Some(text) = from_env(&vars.var(key)) {
                    given.set(key, &text)?;
                }
            }
        }
        let credentials = given.into_credentials(account, &|key| vars.var(key))?;
        config.writes = match writes {
            Some(writes) => writes,
            None => match from_env(&vars.var("writes")) {
                Some(text) => Writes::parse(&Arg::Str(text.into_bytes()), &vars.var("writes"))?,
                None => Writes::None,
            },
        };
        let (url, credentials) = match (url, credentials) {
            (Some(url), Some(credentials)) => (url, credentials),
            (None, None) if options.is_none() => {
                return Err(Error::config(not_configured(account)));
            }
            (None, _) => {
                return Err(Error::config(format!(
                    "account '{account}': 'url' is required (pass it to configure or set {})",
                    vars.url
                )))
            }
            (_, None) => {
                return Err(Error::config(format!(
                    "account '{account}': credentials are required: 'token', or 'username' and 'password', or 'app_id', 'app_name' and 'secret' (pass them to configure or set {}, or {} and {}, or {}, {} and {})",
                    vars.var("token"), vars.var("username"), vars.var("password"),
                    vars.var("app_id"), vars.var("app_name"), vars.var("secret")
                )))
            }
        };
        let (base_url, origin) = parse_base_url(&url)?;
        config.base_url = base_url;
        config.origin = origin;
        config.credentials = credentials;
        Ok(config)
    }

    pub(crate) fn account(&self) -> &str {
        &self.account
    }
    /// `scheme://host[:port][/prefix]`, no trailing slash.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }
    /// `target` (a path and query under the base URL) as the PBX sees it,
    /// with the base URL's own path first: what errors name.
    pub(crate) fn request_path(&self, target: &str) -> String {
        let after_scheme = self.base_url.find("://").map_or(0, |i| i + 3);
        let prefix = self.base_url[after_scheme..]
            .find('/')
            .map_or("", |i| &self.base_url[after_scheme + i..]);
        format!("{prefix}{target}")
    }
    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }
    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }
    pub(crate) fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }
    pub(crate) fn scope(&self) -> Scope {
        self.scope
    }
    pub(crate) fn ca_certs(&self) -> Option<&[Certificate<'static>]> {
        self.ca_certs.as_deref()
    }
    pub(crate) fn user_agent(&self) -> &str {
        &self.user_agent
    }
    pub(crate) fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }
    pub(crate) fn max_requests_per_second(&self) -> Option<f64> {
        self.max_requests_per_second
    }

    /// The largest recording `download_recording` writes.
    pub(crate) fn max_download_bytes(&self) -> u64 {
        self.max_download_bytes
    }

    /// Which writes the account may send.
    pub(crate) fn writes(&self) -> &Writes {
        &self.writes
    }

    /// Requests a scan keeps in flight, 1 to 16.
    pub(crate) fn concurrency(&self) -> u32 {
        self.concurrency
    }
}

/// Account names become Lua fields (`wildix.office`) and environment
/// variable names (`WILDIX_OFFICE_URL`): letters, digits and `_`, starting
/// with a letter (names starting with `_` are the module's own), at most
/// 64. The one rule for `configure`, `accounts()`, namespaces and
/// `wildix.safe`; the shim adds that a name may not be a function's.
pub(crate) fn check_account_name(name: &str) -> Result<(), Error> {
    let mut chars = name.chars();
    let valid = name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(Error::config(format!(
            "account name '{}' must be letters, digits, '_' and '-', starting with a letter (at most 64)",
            name.chars().take(64).collect::<String>().escape_debug()
        )))
    }
}

/// The environment variables an account reads: `WILDIX_URL`, … for
/// `default`, `WILDIX_OFFICE_URL`, … for `office`, `WILDIX_MY_PBX_URL` for
/// `my-pbx` (a variable name has no `-`). The one rule: the CLI's profile
/// reader asks it too (`wildix._env_var`).
pub(crate) struct EnvNames {
    prefix: String,
    pub url: String,
}

impl EnvNames {
    pub(crate) fn of(account: &str) -> EnvNames {
        let prefix = if account == "default" {
            "WILDIX_".to_string()
        } else {
            format!("WILDIX_{}_", account.to_ascii_uppercase().replace('-', "_"))
        };
        let url = format!("{prefix}URL");
        EnvNames { prefix, url }
    }

    /// The variable of option `key`: `WILDIX_TOKEN`, `WILDIX_APP_SECRET`
    /// (the secret is the app's: a bare `WILDIX_SECRET` says too little).
    pub(crate) fn var(&self, key: &str) -> String {
        let name = match key {
            "secret" => "APP_SECRET".to_string(),
            other => other.to_ascii_uppercase(),
        };
        format!("{}{name}", self.prefix)
    }
}

pub(crate) fn not_configured(account: &str) -> String {
    let vars = EnvNames::of(account);
    let (url_var, token_var) = (vars.url.clone(), vars.var("token"));
    let call = if account == "default" {
        "wildix.configure{ url = \"https://NAME.wildixin.com\", token = \"...\" }".to_string()
    } else {
        format!("wildix.configure(\"{account}\", {{ url = \"https://NAME.wildixin.com\", token = \"...\" }})")
    };
    format!("account '{account}' is not configured: call {call} or set {url_var} and {token_var}")
}

/// Checks the PBX address. `http://` only for loopback: a bearer token is
/// never sent in clear over a network.
fn parse_base_url(raw: &str) -> Result<(String, Origin), Error> {
    let raw = raw.trim();
    let invalid = |why: &str| Error::config(format!("'url' {why}"));
    if raw.len() > MAX_URL_BYTES {
        return Err(invalid("is too long"));
    }
    if raw.contains(['?', '#']) {
        return Err(invalid(
            "must be the PBX address alone, without '?' or '#' (e.g. https://acme.wildixin.com)",
        ));
    }
    let uri: Uri = raw
        .parse()
        .map_err(|_| invalid("is not a valid URL (expected e.g. https://acme.wildixin.com)"))?;
    let authority = uri
        .authority()
        .ok_or_else(|| invalid("needs a scheme and host, e.g. https://acme.wildixin.com"))?;
    if authority.as_str().contains('@') {
        return Err(invalid("must not contain a user name or password"));
    }
    // What is checked is what is sent: a port the request would not use
    // (99999 became 80) or a host or path the URL parser would rewrite is
    // refused, not guessed at.
    check_port(authority.as_str()).map_err(|why| invalid(&why))?;
    if !sendable_host(authority.host()) {
        return Err(invalid(
            "has a host that is not a plain name or IP address (letters, digits, '-', '.')",
        ));
    }
    if !sendable_path(uri.path()) {
        return Err(invalid(
            "has a path with characters that would not be sent as written (use percent-encoding)",
        ));
    }
    let origin = Origin::of(&uri)
        .ok_or_else(|| invalid("must start with https:// (e.g. https://acme.wildixin.com)"))?;
    match origin.scheme.as_str() {
        "https" => {}
        "http" if is_loopback(&origin.host) => {}
        "http" => {
            return Err(invalid(
                "must use https:// (http:// is allowed only for loopback IP addresses and 'localhost': the credentials would travel in clear)",
            ))
        }
        _ => return Err(invalid("must start with https://")),
    }
    let mut path = uri.path().trim_end_matches('/');
    // A pasted API address works too: the client adds /api/v1 itself.
    if let Some(prefix) = path.strip_suffix("/api/v1") {
        path = prefix;
    }
    let scheme = &origin.scheme;
    let base = format!(
        "{scheme}://{}{path}",
        authority.as_str().to_ascii_lowercase()
    );
    Ok((base, origin))
}

/// A loopback IP literal, or exactly `localhost` (which resolves locally):
/// any other name goes through DNS, and whatever address that returns
/// would get the credentials in clear.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The port after the host, if any, must be 1–65535 in plain digits.
fn check_port(authority: &str) -> Result<(), String> {
    let after_host = match authority.rfind(']') {
        Some(end) => &authority[end + 1..],
        None => authority.rfind(':').map_or("", |at| &authority[at..]),
    };
    let Some(port) = after_host.strip_prefix(':') else {
        return match after_host {
            "" => Ok(()),
            _ => Err("is not a valid URL (expected e.g. https://acme.wildixin.com)".into()),
        };
    };
    let valid = !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "has port '{}'; a port is a number from 1 to 65535",
            port.chars().take(12).collect::<String>().escape_debug()
        ))
    }
}

/// A DNS name or an IP literal, as it will be looked up.
fn sendable_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// Path characters that go on the wire unchanged (RFC 3986 `pchar` and
/// `/`), with every `%` starting a valid escape.
fn sendable_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().all(|(i, b)| match b {
        b'%' => {
            bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        }
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => true,
        _ => b"-._~!$&'()*+,;=:@/".contains(b),
    })
}

fn string_option(key: &str, value: &Arg) -> Result<String, Error> {
    match value {
        Arg::Str(bytes) => String::from_utf8(bytes.clone())
            .map_err(|_| Error::config(format!("'{key}' must be valid UTF-8 text"))),
        other => Err(Error::config(format!(
            "'{key}' must be a string, got {}",
            other.type_name()
        ))),
    }
}

fn seconds_option(key: &str, value: &Arg) -> Result<Duration, Error> {
    let seconds = match value {
        Arg::Int(i) => *i as f64,
        Arg::Num(n) => *n,
        _ => f64::NAN,
    };
    if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_SECS {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(Error::config(format!(
            "'{key}' must be a number of seconds above 0 and at most {MAX_TIMEOUT_SECS}, got {}",
            value.describe()
        )))
    }
}

fn integer_option(key: &str, value: &Arg, min: i64, max: i64) -> Result<i64, Error> {
    let n = match value {
        Arg::Int(i) => Some(*i),
        Arg::Num(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 => Some(*n as i64),
        _ => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Error::config(format!(
            "'{key}' must be an integer from {min} to {max}, got {}",
            value.describe()
        ))),
    }
}

/// The largest `ca_file`: a whole public root bundle is a few hundred KiB.
const MAX_CA_FILE_BYTES: u64 = 4 << 20;

/// Reads a PEM bundle now, so a bad path fails at `configure`, not mid-script.
fn load_ca_file(path: &str) -> Result<Vec<Certificate<'static>>, Error> {
    let pem = read_ca_file(path)?;
    let mut certs = Vec::new();
    for item in parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(_) => {
                return Err(Error::config(format!(
                    "'ca_file' {path:?} is not a valid PEM file"
                )))
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::config(format!(
            "'ca_file' {path:?} holds no PEM certificate"
        )));
    }
    Ok(certs)
}

/// A regular file of at most `MAX_CA_FILE_BYTES`. Opened without blocking
/// (a FIFO would wait for a writer for ever) and checked as opened, so
/// nothing swapped in after a check is read; read no further than the limit
/// (`/dev/zero` never ends).
fn read_ca_file(path: &str) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let failed =
        |e: std::io::Error| Error::config(format!("'ca_file' {path:?} cannot be read: {e}"));
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut open, libc::O_NONBLOCK);
    let file = open.open(path).map_err(failed)?;
    let meta = file.metadata().map_err(failed)?;
    if !meta.is_file() {
        return Err(Error::config(format!(
            "'ca_file' {path:?} is not a regular file"
        )));
    }
    let too_large = || {
        Error::config(format!(
            "'ca_file' {path:?} is larger than {} MiB: not a CA bundle",
            MAX_CA_FILE_BYTES >> 20
        ))
    };
    if meta.len() > MAX_CA_FILE_BYTES {
        return Err(too_large());
    }
    let mut pem = Vec::new();
    file.take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(failed)?;
    match pem.len() as u64 > MAX_CA_FILE_BYTES {
        true => Err(too_large()),
        false => Ok(pem),
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::error::Kind;

    fn s(text: &str) -> Arg {
        Arg::Str(text.as_bytes().to_vec())
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn build(pairs: &[(&str, Arg)]) -> Result<Config, Error> {
        let table: Vec<(Arg, Arg)> = pairs.iter().map(|(k, v)| (s(k), v.clone())).collect();
        Config::from_options("default", Some(&table), &no_env)
    }

    fn config_error(result: Result<Config, Error>) -> String {
        let err = result.expect_err("should fail");
        assert_eq!(err.kind(), Kind::Config);
        err.message().to_string()
    }

    const TOKEN: &str = "wsk-v1-0123456789abcdef0123456789abcdef";

    #[test]
    fn defaults_and_base_url() {
        let c = build(&[
            ("url", s("https://Acme.wildixin.com/")),
            ("token", s(TOKEN)),
        ])
        .unwrap();
        assert_eq!(c.base_url(), "https://acme.wildixin.com");
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(c.connect_timeout(), DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(c.retries(), 2);
        assert_eq!(c.scope(), Scope::Pbx);
        assert_eq!(c.max_response_bytes(), 64 * 1024 * 1024);
        assert_eq!(c.origin().port, 443);
        let c = build(&[
            ("url", s("https://pbx.example.com:8443/api/v1/")),
            ("token", s(TOKEN)),
        ])
        .unwrap();
        assert_eq!(c.base_url(), "https://pbx.example.com:8443");
    }

    #[test]
    fn http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:9",
            "http://LOCALHOST:9",
            "http://[::1]:80",
            "https://acme.wildixin.com:65535/pbx%20one/",
            "https://[2001:db8::1]:8443",
        ] {
            assert!(
                build(&[("url", s(ok)), ("token", s(TOKEN))]).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "http://acme.wildixin.com",
            "http://10.0.0.1",
            "http://127.0.0.1.nip.io",
            "http://foo.localhost",
            "http://localhost.",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:65536",
            "http://127.0.0.1:-1",
            "http://127.0.0.1:0",
            "http://127.0.0.1:",
            "https://acme.wildixin.com:+443",
            "https://acme.wildixin.com:0443x",
            "https://acme%2ewildixin.com",
            "https://acme.wildixin.com/a%zz",
            "https://acme.wildixin.com/a\\b",
            "https://[::1:8443",
            "ftp://127.0.0.1",
            "acme.wildixin.com",
            "https://user:pw@acme.wildixin.com",
            "https://acme.wildixin.com/?x=1",
            "",
            "https://",
        ] {
            let msg = config_error(build(&[("url", s(bad)), ("token", s(TOKEN))]));
            assert!(msg.contains("'url'"), "{bad}: {msg}");
        }
    }

    #[test]
    fn token_is_trimmed_masked_and_never_echoed() {
        let c = build(&[
            ("url", s("https://a.wildixin.com")),
            ("token", s(&format!("  {TOKEN}\n"))),
        ])
        .unwrap();
        assert_eq!(
            c.credentials().headers("GET", "", None).unwrap()[0].1,
            format!("Bearer {TOKEN}")
        );
        assert_eq!(c.credentials().to_string(), "token wsk-…cdef");
        let debug = format!("{c:?}");
        assert!(!debug.contains(TOKEN), "{debug}");
        let msg = config_error(build(&[
            ("url", s("https://a.wildixin.com")),
            ("token", s("secret-part\nsecond-part")),
        ]));
        assert!(!msg.contains("secret"), "{msg}");
        assert_eq!(Token::new("short-token").unwrap().masked(), "…");
    }

    #[test]
    fn unknown_and_bad_options_name_the_key() {
        let msg = config_error(build(&[("timout", Arg::Int(5))]));
        assert!(msg.contains("unknown option 'timout'"), "{msg}");
        let base = [("url", s("https://a.wildixin.com")), ("token", s(TOKEN))];
        for (key, value) in [
            ("timeout", Arg::Int(0)),
            ("timeout", Arg::Num(f64::NAN)),
            ("timeout", s("10")),
            ("connect_timeout", Arg::Num(-1.0)),
            ("retries", Arg::Int(-1)),
            ("retries", Arg::Num(1.5)),
            ("retries", Arg::Int(11)),
            ("scope", s("everything")),
            ("user_agent", s("a\nb")),
            ("max_response_bytes", Arg::Int(0)),
            ("ca_file", s("/nonexistent/ca.pem")),
            ("url", Arg::Int(1)),
        ] {
            let mut pairs = base.to_vec();
            pairs.push((key, value));
            let msg = config_error(build(&pairs));
            assert!(msg.contains(&format!("'{key}'")), "{key}: {msg}");
        }
    }

    #[test]
    fn env_fallback_and_precedence() {
        let env = |k: &str| match k {
            "WILDIX_OFFICE_URL" => Some("https://office.example.com".to_string()),
            "WILDIX_OFFICE_TOKEN" => Some(format!("{TOKEN}\n")),
            _ => None,
        };
        let c = Config::from_options("office", None, &env).unwrap();
        assert_eq!(c.base_url(), "https://office.example.com");
        assert_eq!(
            c.credentials().headers("GET", "", None).unwrap()[0].1,
            format!("Bearer {TOKEN}")
        );
        let table = vec![(s("url"), s("https://other.example.com"))];
        let c = Config::from_options("office", Some(&table), &env).unwrap();
        assert_eq!(c.base_url(), "https://other.example.com");
        let msg = config_error(Config::from_options("offfice", None, &env));
        assert!(msg.contains("'offfice' is not configured"), "{msg}");
        assert!(msg.contains("WILDIX_OFFFICE_URL"), "{msg}");
        assert!(msg.contains("wildix.configure(\"offfice\""), "{msg}");
        let msg = config_error(Config::from_options("default", Some(&[]), &no_env));
        assert!(msg.contains("'url' is required"), "{msg}");
        assert!(msg.contains("WILDIX_URL"), "{msg}");
    }

    #[test]
    fn account_names() {
        assert!(check_account_name("office_2").is_ok());
        assert!(check_account_name("my-pbx").is_ok());
        assert_eq!(EnvNames::of("my-pbx").var("token"), "WILDIX_MY_PBX_TOKEN");
        for bad in [
            "",
            "2nd",
            "_office",
            "-office",
            "a b",
            "a.b",
            &"x".repeat(65),
        ] {
            assert!(check_account_name(bad).is_err(), "{bad}");
        }
        assert_eq!(EnvNames::of("office").url, "WILDIX_OFFICE_URL");
        assert_eq!(EnvNames::of("default").var("token"), "WILDIX_TOKEN");
        assert_eq!(
            EnvNames::of("office").var("password"),
            "WILDIX_OFFICE_PASSWORD"
        );
        assert_eq!(
            EnvNames::of("office").var("secret"),
            "WILDIX_OFFICE_APP_SECRET"
        );
        assert_eq!(EnvNames::of("default").var("app_id"), "WILDIX_APP_ID");
    }

    #[test]
    fn ca_file_must_hold_a_certificate() {
        let dir = std::env::temp_dir().join(format!("wildix-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let base = [("url", s("https://a.wildixin.com")), ("token", s(TOKEN))];
        let mut pairs = base.to_vec();
        pairs.push(("ca_file", s(empty.to_str().unwrap())));
        let msg = config_error(build(&pairs));
        assert!(msg.contains("no PEM certificate"), "{msg}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn ca_file_must_be_a_regular_file_of_a_few_mib() {
        let dir = std::env::temp_dir().join(format!("wildix-ca-bounds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.pem");
        std::fs::write(&big, vec![b'x'; (MAX_CA_FILE_BYTES + 1) as usize]).unwrap();
        let fifo = dir.join("fifo.pem");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let base = [("url", s("https://a.wildixin.com")), ("token", s(TOKEN))];
        let started = std::time::Instant::now();
        let mut cases = vec![("/dev/zero".to_string(), "not a regular file")];
        cases.push((big.to_string_lossy().into(), "larger than 4 MiB"));
        if made.is_ok_and(|m| m.success()) {
            cases.push((fifo.to_string_lossy().into(), "not a regular file"));
        }
        for (path, expected) in cases {
            let mut pairs = base.to_vec();
            pairs.push(("ca_file", s(&path)));
            let msg = config_error(build(&pairs));
            assert!(msg.contains(expected), "{path}: {msg}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        std::fs::remove_dir_all(&dir).ok();
    }
}
