//! How an account proves who it is: a bearer token, HTTP Basic, or an S2S
//! app (src/s2s.rs signs its requests). The secrets print masked, are
//! masked where a PBX quotes them back, and an auth failure says what to
//! check for the form in use (docs/pbx.md, "Routes and credentials").

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::catalogue::Access;
use crate::error::Error;
use crate::s2s::{self, Body};

/// Real tokens are about 100 bytes; anything this long is a mistake.
const MAX_TOKEN_BYTES: usize = 8192;
/// What a name that travels in a header or a JWT may hold.
const MAX_NAME_BYTES: usize = 256;
const MASK: &str = "[secret]";

/// A secret (a bearer token, a password, an S2S secret). Prints itself
/// masked, never whole.
/// `Token::default()` is empty: a placeholder while options are read,
/// never sent (`Config::from_options` replaces it or fails).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Token(String);

impl Token {
    /// A bearer token: trimmed; it goes into an HTTP header as it is, so
    /// only visible ASCII is accepted. Never echoed, even when malformed.
    pub(crate) fn new(raw: &str) -> Result<Token, Error> {
        let token = Token::secret("token", raw)?;
        if !token.0.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::config(
                "'token' contains spaces, control or non-ASCII characters (a pasted line break, or the wrong text?)",
            ));
        }
        Ok(token)
    }

    /// A password or an S2S secret: any text without control characters
    /// (Basic sends it base64-encoded; S2S keys an HMAC with it).
    pub(crate) fn text(name: &str, raw: &str) -> Result<Token, Error> {
        let secret = Token::secret(name, raw)?;
        if secret.0.chars().any(char::is_control) {
            return Err(Error::config(format!(
                "'{name}' contains control characters"
            )));
        }
        Ok(secret)
    }

    fn secret(name: &str, raw: &str) -> Result<Token, Error> {
        let secret = raw.trim();
        if secret.is_empty() {
            return Err(Error::config(format!("'{name}' is empty")));
        }
        if secret.len() > MAX_TOKEN_BYTES {
            return Err(Error::config(format!(
                "'{name}' is too long (more than {MAX_TOKEN_BYTES} bytes)"
            )));
        }
        Ok(Token(secret.to_string()))
    }

    /// The secret itself, for the request only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// `wsk-…f3a1`: enough to tell tokens apart, not to use one.
    pub(crate) fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 16 {
            return "…".to_string();
        }
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", self.masked())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// An S2S app, as the PBX's administrator registered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct App {
    /// Sent as `X-APP-ID`: visible ASCII.
    pub id: String,
    /// The JWT's `iss`.
    pub name: String,
    pub secret: Token,
}

/// How the account proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credentials {
    /// `Authorization: Bearer <token>`.
    Bearer(Token),
    /// `Authorization: Basic base64(username:password)`.
    Basic { username: String, password: Token },
    /// `X-APP-ID` and a JWT signed for each request.
    S2s(App),
}

/// The credential options as given (`configure` or the environment),
/// before they are known to make one form.
#[derive(Debug, Default)]
pub(crate) struct Given {
    pub token: Option<Token>,
    pub username: Option<String>,
    pub password: Option<Token>,
    pub app_id: Option<String>,
    pub app_name: Option<String>,
    pub secret: Option<Token>,
}

/// Every credential option, in the order messages name them.
pub(crate) const OPTIONS: [&str; 6] = [
    "token", "username", "password", "app_id", "app_name", "secret",
];

/// The options of each form, in the order messages name them.
const FORMS: [&[&str]; 3] = [
    &["token"],
    &["username", "password"],
    &["app_id", "app_name", "secret"],
];

impl Given {
    /// Checks and keeps option `key` (one of `OPTIONS`).
    pub(crate) fn set(&mut self, key: &str, text: &str) -> Result<(), Error> {
        match key {
            "token" => self.token = Some(Token::new(text)?),
            "username" => self.username = Some(name(key, text)?),
            "password" => self.password = Some(Token::text(key, text)?),
            "app_id" => self.app_id = Some(app_id(text)?),
            "app_name" => self.app_name = Some(name(key, text)?),
            "secret" => self.secret = Some(Token::text(key, text)?),
            _ => unreachable!("a credential option"),
        }
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.names().is_empty()
    }

    /// The options given, in `FORMS` order.
    fn names(&self) -> Vec<&'static str> {
        let present = [
            self.token.is_some(),
            self.username.is_some(),
            self.password.is_some(),
            self.app_id.is_some(),
            self.app_name.is_some(),
            self.secret.is_some(),
        ];
        FORMS
            .iter()
            .flat_map(|form| form.iter().copied())
            .zip(present)
            .filter_map(|(name, given)| given.then_some(name))
            .collect()
    }

    /// Exactly one form, whole; `None` when nothing was given. `var` names
    /// the environment variable of an option, for messages.
    pub(crate) fn into_credentials(
        self,
        account: &str,
        var: &dyn Fn(&str) -> String,
    ) -> Result<Option<Credentials>, Error> {
        let names = self.names();
        let forms: Vec<&[&str]> = FORMS
            .iter()
            .copied()
            .filter(|form| form.iter().any(|n| names.contains(n)))
            .collect();
        match forms.as_slice() {
            [] => return Ok(None),
            [form] => {
                let missing: Vec<&str> = form
                    .iter()
                    .copied()
                    .filter(|n| !names.contains(n))
                    .collect();
                if !missing.is_empty() {
                    return Err(Error::config(format!(
                        "account '{account}': {} {} {} (pass {} to configure or set {})",
                        quoted(&names, "and"),
                        if names.len() == 1 { "needs" } else { "need" },
                        quoted(&missing, "and"),
                        if missing.len() == 1 { "it" } else { "them" },
                        missing
                            .iter()
                            .map(|n| var(n))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    )));
                }
            }
            _ => {
                return Err(Error::config(format!(
                    "account '{account}': give one kind of credentials: {}; got {}",
                    FORMS
                        .iter()
                        .map(|form| quoted(form, "and"))
                        .collect::<Vec<_>>()
                        .join(", or "),
                    quoted(&names, "and")
                )))
            }
        }
        Ok(Some(match self {
            Given {
                token: Some(token), ..
            } => Credentials::Bearer(token),
            Given {
                username: Some(username),
                password: Some(password),
                ..
            } => Credentials::Basic { username, password },
            Given {
                app_id: Some(id),
                app_name: Some(name),
                secret: Some(secret),
                ..
            } => Credentials::S2s(App { id, name, secret }),
            _ => unreachable!("one whole form was checked above"),
        }))
    }
}

/// `'a', 'b' and 'c'`.
fn quoted(names: &[&str], last: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.split_last() {
        Some((tail, head)) if !head.is_empty() => format!("{} {last} {tail}", head.join(", ")),
        _ => quoted.join(""),
    }
}

/// An S2S `app_id`: it travels in a header, so visible ASCII only.
fn app_id(raw: &str) -> Result<String, Error> {
    let id = raw.trim();
    if id.is_empty() || id.len() > MAX_NAME_BYTES || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::config(
            "'app_id' must be 1 to 256 visible ASCII characters (no spaces)",
        ));
    }
    Ok(id.to_string())
}

/// A user name or an S2S `app_name`: 1 to 256 characters, no control
/// characters (a user name no ':' either: Basic would split it there).
fn name(key: &str, raw: &str) -> Result<String, Error> {
    let name = raw.trim();
    if name.is_empty()
        || name.len() > MAX_NAME_BYTES
        || (key == "username" && name.contains(':'))
        || name.chars().any(char::is_control)
    {
        let colon = if key == "username" { " ':' or" } else { "" };
        return Err(Error::config(format!(
            "'{key}' must be 1 to 256 characters, without{colon} control characters"
        )));
    }
    Ok(name.to_string())
}

impl Credentials {
    /// The headers that authenticate one request: `method url` (absolute)
    /// with its body. Secret: for that request only. S2S signs each
    /// request afresh, with this machine's clock.
    pub(crate) fn headers(
        &self,
        method: &str,
        url: &str,
        body: Option<Body<'_>>,
    ) -> Result<Vec<(&'static str, String)>, Error> {
        use base64::Engine;
        Ok(match self {
            Credentials::Bearer(token) => {
                vec![("authorization", format!("Bearer {}", token.expose()))]
            }
            Credentials::Basic { username, password } => {
                let pair = format!("{username}:{}", password.expose());
                let value = base64::engine::general_purpose::STANDARD.encode(pair);
                vec![("authorization", format!("Basic {value}"))]
            }
            Credentials::S2s(app) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_err(|_| {
                        Error::config(
                            "this machine's clock is before 1970: S2S signatures carry the time; set the clock",
                        )
                    })?
                    .as_secs();
                let key = (
                    app.id.as_str(),
                    app.name.as_str(),
                    app.secret.expose().as_bytes(),
                );
                let signed = s2s::sign(key, method, url, body, now);
                let mut headers = vec![
                    ("host", signed.host),
                    ("x-app-id", app.id.clone()),
                    ("authorization", signed.authorization),
                ];
                if let Some(kind) = signed.content_type {
                    headers.push(("content-type", kind.to_string()));
                }
                headers
            }
        })
    }

    /// A company API key (`wsk-…`): scoped, and nobody's.
    fn company_key(&self) -> bool {
        matches!(self, Credentials::Bearer(token) if token.expose().starts_with("wsk-"))
    }

    /// Credentials with no user to act for: a company API key, an S2S app.
    pub(crate) fn has_no_user(&self) -> bool {
        self.company_key() || matches!(self, Credentials::S2s(_))
    }

    /// Which kind of credential it is, as a user would name it.
    pub(crate) fn form(&self) -> &'static str {
        match self {
            _ if self.company_key() => "company API key (scoped, expires, no user)",
            Credentials::Bearer(_) => "bearer token (a PBX token or an OAuth token: a user's)",
            Credentials::Basic { .. } => "username and password (HTTP Basic)",
            Credentials::S2s(_) => "S2S app (signed requests, the whole PBX, no user)",
        }
    }

    /// What the PBX refused, for messages.
    pub(crate) fn noun(&self) -> &'static str {
        match self {
            Credentials::Bearer(_) => "token",
            Credentials::Basic { .. } => "username and password",
            Credentials::S2s(_) => "S2S app's signature",
        }
    }

    /// What to check when the PBX refuses these credentials (401/403) on a
    /// route a company key reaches with `scopes` (`<resource>`s; empty
    /// when only `pbx:read` is known to cover it).
    pub(crate) fn auth_hint(&self, scopes: &[&str], access: Access) -> String {
        let access = match access {
            Access::Read => "read",
            Access::Write => "*",
        };
        match self {
            _ if self.company_key() => {
                let needed: Vec<String> = scopes.iter().map(|s| format!("{s}:{access}")).collect();
                let scope = match needed.as_slice() {
                    [] => format!("pbx:{access} (this route's own scope is not documented)"),
                    _ => format!("{} (or pbx:{access})", needed.join(" and ")),
                };
                format!(
                    "company API keys expire (1 hour to 12 months; development keys within 7 days): \
                     check 'token' is current in the PBX's API keys, and that the key has the scope {scope}"
                )
            }
            Credentials::Bearer(_) => "check 'token' is current: PBX tokens carry an expire time and \
                 are rotated, OAuth tokens are short-lived, company API keys (wsk-v1-…) expire and \
                 are scoped"
                .to_string(),
            Credentials::Basic { .. } => "check 'username' and 'password'; WMS 5 and later may refuse \
                 Basic auth from outside the PBX: use a PBX token ('token') or an S2S app ('app_id', \
                 'app_name', 'secret')"
                .to_string(),
            Credentials::S2s(_) => "check 'app_id', 'app_name' and 'secret', and this machine's \
                 clock: each request is signed with a JWT valid for 300 s from it (run NTP)"
                .to_string(),
        }
    }

    /// `error` with its message cleared of this account's secrets (`redact`).
    pub(crate) fn cleared(&self, error: Error) -> Error {
        match self.redact(error.message()) {
            Some(message) => error.with_message(message),
            None => error,
        }
    }

    /// `text` (quoted from the PBX or a proxy) with this account's secrets
    /// masked: the token, password or S2S secret, and the Basic value, each
    /// whole or cut short at the end of a bounded excerpt; the value after
    /// any `Bearer` or `Basic` (a gateway quoting an `Authorization`
    /// header); and anything shaped like a JWT (an S2S signature is a
    /// bearer credential while it lives). `None` when there was nothing to
    /// mask.
    pub(crate) fn redact(&self, text: &str) -> Option<String> {
        let mut out = text.to_string();
        let secrets: Vec<String> = match self {
            Credentials::Bearer(token) => vec![token.expose().to_string()],
            Credentials::Basic { password, .. } => {
                let header = self.headers("GET", "", None).unwrap_or_default();
                let value = header
                    .first()
                    .and_then(|(_, v)| v.split_once(' '))
                    .map_or(String::new(), |(_, v)| v.to_string());
                vec![value, password.expose().to_string()]
            }
            Credentials::S2s(app) => vec![app.secret.expose().to_string()],
        };
        for secret in &secrets {
            out = mask_secret(&out, secret);
        }
        out = mask_after_scheme(&out);
        out = mask_jwts(&out);
        (out != text).then_some(out)
    }
}

/// `text` with every run that begins like `secret` (its first 8 characters,
/// or all of a shorter one) and goes on matching it, replaced by the mask:
/// the whole secret, or what a cut excerpt kept of it.
fn mask_secret(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let head = &secret[..secret
        .char_indices()
        .nth(8)
        .map_or(secret.len(), |(i, _)| i)];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(head) {
        out.push_str(&rest[..at]);
        let mut run = rest[at..]
            .bytes()
            .zip(secret.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        // A non-ASCII secret can part from the text inside a character.
        while !rest.is_char_boundary(at + run) {
            run -= 1;
        }
        out.push_str(MASK);
        rest = &rest[at + run..];
    }
    out.push_str(rest);
    out
}

/// What a token or base64 value holds.
fn token_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=')
}

/// `text` with the word after each `Bearer` or `Basic` (any case) masked.
fn mask_after_scheme(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut words = text.split_inclusive(char::is_whitespace).peekable();
    while let Some(word) = words.next() {
        out.push_str(word);
        let scheme = word
            .trim_end()
            .trim_start_matches(['"', '\'', '(', '[', ':']);
        if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("basic") {
            if let Some(value) = words.next() {
                if value.starts_with(MASK) {
                    out.push_str(value);
                    continue;
                }
                // Punctuation that closes the value (a quote, a brace)
                // stays; what a token or base64 holds goes.
                let kept: String = value
                    .chars()
                    .rev()
                    .take_while(|c| !token_char(*c))
                    .collect();
                out.push_str(MASK);
                out.extend(kept.chars().rev());
            }
        }
    }
    out
}

/// `text` with every JWT-shaped run (`eyJ…` base64url: `{"` encoded)
/// masked, whoever's it is.
fn mask_jwts(text: &str) -> String {
    let jwt_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        let run = rest[at..]
            .find(|c: char| !jwt_char(c))
            .map_or(rest.len() - at, |n| n);
        out.push_str(&rest[..at]);
        let candidate = &rest[at..at + run];
        // Base64 of a JSON object, with its dot or long (an excerpt may
        // cut it before the dot).
        if candidate.contains('.') || candidate.len() >= 16 {
            out.push_str(MASK);
        } else {
            out.push_str(candidate);
        }
        rest = &rest[at + run..];
    }
    out.push_str(rest);
    out
}

/// `token wsk-…f3a1`, `user 'ann'` or `S2S app '42'`: never the secret.
impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Bearer(token) => write!(f, "token {token}"),
            Credentials::Basic { username, .. } => {
                write!(f, "user '{}', password …", username.escape_debug())
            }
            Credentials::S2s(app) => write!(
                f,
                "S2S app '{}' ({}), secret …",
                app.id,
                app.name.escape_debug()
            ),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn masked(c: &Credentials, t: &str) -> String {
        c.redact(t).unwrap_or_else(|| t.to_string())
    }

    #[test]
    fn secrets_quoted_back_are_masked_whole_cut_or_after_a_scheme() {
        let bearer = Credentials::Bearer(Token::new("wsk-v1-0123456789abcdefXYZ").unwrap());
        assert_eq!(
            masked(
                &bearer,
                "invalid credentials: Bearer wsk-v1-0123456789abcdefXYZ"
            ),
            "invalid credentials: Bearer [secret]"
        );
        assert_eq!(
            masked(&bearer, "key wsk-v1-0123456789abcdefXYZ expired"),
            "key [secret] expired"
        );
        // Cut short by a bounded excerpt.
        assert_eq!(masked(&bearer, "token wsk-v1-012345…"), "token [secret]…");
        // Another token's value after a scheme, in a quoted header.
        assert_eq!(
            masked(&bearer, r#"{"Authorization": "Bearer other-token-1234"}"#),
            r#"{"Authorization": "Bearer [secret]"}"#
        );
        assert_eq!(bearer.redact("404 Not Found"), None);
        // A secret that parts from the text inside a character.
        let accented = Credentials::Basic {
            username: "u".into(),
            password: Token::text("password", "pässwörd-é").unwrap(),
        };
        assert_eq!(masked(&accented, "pässwörd-ã!"), "[secret]ã!");
        let basic = Credentials::Basic {
            username: "admin".into(),
            password: Token::text("password", "sandbox-password").unwrap(),
        };
        let header = basic.headers("GET", "", None).unwrap();
        let value = header[0].1.strip_prefix("Basic ").unwrap();
        for text in [
            format!("bad login {value}"),
            format!("AUTHORIZATION: basic {value}"),
            "password sandbox-password refused".to_string(),
        ] {
            let got = masked(&basic, &text);
            assert!(
                !got.contains(value) && !got.contains("sandbox-pass"),
                "{got}"
            );
            assert!(got.contains("[secret]"), "{got}");
        }
    }

    fn app() -> Credentials {
        Credentials::S2s(App {
            id: "1234567890".into(),
            name: "test-1234567890".into(),
            secret: Token::text("secret", "foo_secret1234567890").unwrap(),
        })
    }

    #[test]
    fn an_s2s_app_signs_each_request_and_its_secret_and_jwts_never_show() {
        let app = app();
        let headers = app
            .headers(
                "GET",
                "https://pbx.example.com:8443/api/v1/Colleagues/?start=0",
                None,
            )
            .unwrap();
        let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["host", "x-app-id", "authorization"]);
        assert_eq!(headers[0].1, "pbx.example.com");
        assert_eq!(headers[1].1, "1234567890");
        let jwt = headers[2].1.strip_prefix("Bearer ").unwrap();
        assert!(jwt.starts_with("eyJ"), "{jwt}");
        for text in [
            format!("token {jwt} expired"),
            format!("{{\"jwt\":\"{jwt}\"}}"),
            "bad secret foo_secret1234567890".to_string(),
            "cut foo_secret12…".to_string(),
            format!("cut {}…", &jwt[..22]),
        ] {
            let got = masked(&app, &text);
            assert!(
                !got.contains(&jwt[..20]) && !got.contains("foo_secret"),
                "{got}"
            );
        }
        let shown = format!("{app} {app:?}");
        assert!(!shown.contains("foo_secret"), "{shown}");
        assert!(shown.contains("S2S app '1234567890'"), "{shown}");
        // Text that merely contains "eyJ" is left alone.
        assert_eq!(app.redact("keyJam"), None);
    }

    #[test]
    fn one_form_whole_or_a_message_naming_what_is_missing_or_extra() {
        let vars = crate::config::EnvNames::of("default");
        let var = |n: &str| vars.var(n);
        let err = |given: Given| {
            given
                .into_credentials("default", &var)
                .unwrap_err()
                .message()
                .to_string()
        };
        let msg = err(Given {
            app_id: Some("1".into()),
            ..Given::default()
        });
        assert_eq!(
            msg,
            "account 'default': 'app_id' needs 'app_name' and 'secret' (pass them to configure or set WILDIX_APP_NAME and WILDIX_APP_SECRET)"
        );
        let msg = err(Given {
            token: Some(Token::new("abc").unwrap()),
            secret: Some(Token::text("secret", "s").unwrap()),
            ..Given::default()
        });
        assert!(msg.contains("give one kind of credentials: 'token', or 'username' and 'password', or 'app_id', 'app_name' and 'secret'; got 'token' and 'secret'"), "{msg}");
        assert!(Given::default()
            .into_credentials("default", &var)
            .unwrap()
            .is_none());
    }

    #[test]
    fn auth_hints_name_expiry_scope_basic_and_clock() {
        let key = Credentials::Bearer(Token::new("wsk-v1-abcdefghijklmnop").unwrap());
        let hint = key.auth_hint(&["colleagues", "phonebooks"], Access::Read);
        assert!(
            hint.contains("expire")
                && hint.contains("colleagues:read and phonebooks:read (or pbx:read)"),
            "{hint}"
        );
        assert!(key.auth_hint(&[], Access::Write).contains("pbx:*"));
        let token = Credentials::Bearer(Token::new("access_abc").unwrap());
        assert!(token.auth_hint(&[], Access::Read).contains("expire time"));
        let basic = Credentials::Basic {
            username: "a".into(),
            password: Token::text("password", "p").unwrap(),
        };
        assert!(basic.auth_hint(&[], Access::Read).contains("WMS 5"));
        assert!(app().auth_hint(&[], Access::Read).contains("clock"));
    }
}
