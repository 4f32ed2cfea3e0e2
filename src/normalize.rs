//! The record rules: which fields each kind of record gains (`call.from`,
//! `call.status`, `ext.number`, …; see docs/reference.md), computed from the few
//! PBX fields they depend on. The decoder captures those fields while it
//! reads a record and asks `Facts` what to add; nothing else applies rules.

use std::borrow::Cow;

use crate::dates::{DateTime, DayEdge};

/// Which rules a record goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordKind {
    Call,
    Extension,
    User,
    /// Kept as sent, ids as strings (contacts, phonebooks).
    Plain,
    /// A phone: gains `extension` (= `user`, absent when blank).
    Device,
    /// Gains `name` (= `title`) and `member_extensions`.
    CallGroup,
    /// `status` is `show`, or `"available"` when that is empty.
    Presence,
    /// `lookup_number`: an extension record, with `source = "colleague"`.
    Colleague,
    /// `lookup_number`: a contact, with `source = "contact"` and `number`
    /// (its first number: phone, mobile, office, home, fax).
    Contact,
    /// A SIP registration: gains `extension` (its group's key), `online`
    /// (a boolean) and `user_agent`.
    Registration,
    /// A call in progress (`/api/v2/call-control/`), kept as sent.
    ActiveCall,
}

/// A PBX scalar, as the rules need it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A list of strings (other items left out).
    Texts(Vec<Cow<'a, str>>),
    /// Another list, or an object.
    Other,
}

impl<'a> Scalar<'a> {
    /// Strings as they are, numbers in JSON's notation; others absent.
    pub(crate) fn text(&self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Text(s) => Some(s.clone()),
            Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
            Scalar::Float(f) => serde_json::Number::from_f64(*f).map(|n| Cow::Owned(n.to_string())),
            Scalar::Bool(_) | Scalar::Texts(_) | Scalar::Other => None,
        }
    }

    /// A string, number or boolean (not a list or an object).
    fn is_scalar(&self) -> bool {
        !matches!(self, Scalar::Texts(_) | Scalar::Other)
    }

    /// Whole seconds from a number or numeric string; empty means absent.
    pub(crate) fn seconds(&self) -> Option<i64> {
        let whole = |f: f64| (f.is_finite() && f.abs() < 9.2e18).then(|| f.trunc() as i64);
        match self {
            Scalar::Int(i) => Some(*i),
            Scalar::Float(f) => whole(*f),
            Scalar::Text(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().and_then(whole))
            }
            _ => None,
        }
    }
}

/// A value a rule adds to a record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Added<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    /// A copy of a PBX scalar (`user_name` = `name`, whatever its type).
    Scalar(Scalar<'a>),
    /// A list of strings.
    Texts(Vec<Cow<'a, str>>),
    /// The key of the group the record came in, which the decoder holds
    /// once for all the group's records (one copy, one Lua string).
    GroupKey,
}

/// What a record's added fields are computed from, captured while it is read.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Facts<'a> {
    from_number: Option<Cow<'a, str>>,
    src: Option<Cow<'a, str>>,
    to_number: Option<Cow<'a, str>>,
    dst: Option<Cow<'a, str>>,
    disposition: Option<Cow<'a, str>>,
    duration: Option<i64>,
    billsec: Option<i64>,
    start: Option<Cow<'a, str>>,
    answer: Option<Cow<'a, str>>,
    end: Option<Cow<'a, str>>,
    timezone: Option<Cow<'a, str>>,
    extension: Option<Cow<'a, str>>,
    name: Option<Scalar<'a>>,
    user: Option<Cow<'a, str>>,
    title: Option<Scalar<'a>>,
    members: Option<Vec<Cow<'a, str>>>,
    show: Option<Cow<'a, str>>,
    presence_type: Option<Cow<'a, str>>,
    until: Option<Cow<'a, str>>,
    /// A contact's numbers, in `CONTACT_NUMBERS` order.
    numbers: [Option<Cow<'a, str>>; 6],
    online: Option<Scalar<'a>>,
    useragent: Option<Cow<'a, str>>,
    /// Whether the record came in a group (registrations: by extension),
    /// set by the decoder, which holds the group's key.
    pub in_group: bool,
}

/// A contact's number fields, in the order `number` is chosen from.
pub(crate) const CONTACT_NUMBERS: [&str; 6] =
    ["phone", "mobile", "office", "home", "home_mobile", "fax"];
/// A colleague's number fields.
pub(crate) const COLLEAGUE_NUMBERS: [&str; 4] =
    ["extension", "officePhone", "mobilePhone", "faxNumber"];

/// Whether two spellings are the same phone number: digits only, an
/// international `00` read as `+`, leading zeros dropped; then one ends
/// with the other (`+39 02 1234 5678`, `0039021234567 8`, `02 1234 5678`),
/// or, for short numbers (extensions), they are equal.
pub(crate) fn same_number(a: &str, b: &str) -> bool {
    let canon = |s: &str| -> String {
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        digits.trim_start_matches('0').to_string()
    };
    let (a, b) = (canon(a), canon(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a.len().min(b.len()) < 6 {
        return a == b;
    }
    a.ends_with(&b) || b.ends_with(&a)
}

/// A field the rules read. The decoder works out once per distinct key
/// which one it is (`Fact::of`), and hands each record's value over by it
/// (`Facts::note`), not by its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fact {
    FromNumber,
    Src,
    ToNumber,
    Dst,
    Disposition,
    Duration,
    Billsec,
    Start,
    Answer,
    End,
    Timezone,
    Extension,
    Name,
    User,
    Title,
    Members,
    Show,
    Online,
    /// A presence's `type`: `available` or `unavailable` (online or not).
    PresenceType,
    /// A presence's `until` (a Lua keyword: mirrored as `until_time`).
    Until,
    Useragent,
    /// A contact's number: its place in `CONTACT_NUMBERS`.
    Number(u8),
}

impl Fact {
    /// What the rules for `kind` read `key` as; `None`: they do not read
    /// it (the decoder captures only the fields they read).
    pub(crate) fn of(kind: RecordKind, key: &str) -> Option<Fact> {
        use Fact::*;
        match (kind, key) {
            (RecordKind::Call, "from_number") => Some(FromNumber),
            (RecordKind::Call, "src") => Some(Src),
            (RecordKind::Call, "to_number") => Some(ToNumber),
            (RecordKind::Call, "dst") => Some(Dst),
            (RecordKind::Call, "disposition") => Some(Disposition),
            (RecordKind::Call, "duration") => Some(Duration),
            (RecordKind::Call, "billsec") => Some(Billsec),
            (RecordKind::Call, "start") => Some(Start),
            (RecordKind::Call, "answer") => Some(Answer),
            (RecordKind::Call, "end") => Some(End),
            (RecordKind::Call, "timezone") => Some(Timezone),
            (RecordKind::Extension | RecordKind::Colleague, "extension") => Some(Extension),
            (RecordKind::Extension | RecordKind::Colleague, "name") => Some(Name),
            (RecordKind::Contact, key) => CONTACT_NUMBERS
                .iter()
                .position(|k| *k == key)
                .map(|i| Number(i as u8)),
            (RecordKind::Device, "user") => Some(User),
            (RecordKind::CallGroup, "title") => Some(Title),
            (RecordKind::CallGroup, "members") => Some(Members),
            (RecordKind::Presence, "show") => Some(Show),
            (RecordKind::Presence, "type") => Some(PresenceType),
            (RecordKind::Presence, "until") => Some(Until),
            (RecordKind::Registration | RecordKind::Presence, "online") => Some(Online),
            (RecordKind::Registration, "useragent") => Some(Useragent),
            _ => None,
        }
    }
}

impl RecordKind {
    /// Whether the rules replace the PBX's `key` (so it is not kept as sent).
    pub(crate) fn replaces(self, key: &str) -> bool {
        match self {
            RecordKind::Call => matches!(key, "duration" | "billsec"),
            // Its `online` is read as a boolean; its `status` (a message
            // text in Wildix's model) is kept as sent.
            RecordKind::Presence => key == "online",
            RecordKind::Registration => key == "online",
            _ => false,
        }
    }
}

impl<'a> Facts<'a> {
    /// The call's `start`, as sent.
    pub(crate) fn start(&self) -> Option<&str> {
        self.start.as_deref()
    }

    /// Records `value` of the field that is `fact` (last one wins, as in
    /// the Lua table).
    pub(crate) fn note(&mut self, fact: Fact, value: Scalar<'a>) {
        let text = || value.text();
        match fact {
            Fact::FromNumber => self.from_number = text(),
            Fact::Src => self.src = text(),
            Fact::ToNumber => self.to_number = text(),
            Fact::Dst => self.dst = text(),
            Fact::Disposition => self.disposition = text(),
            Fact::Duration => self.duration = value.seconds(),
            Fact::Billsec => self.billsec = value.seconds(),
            Fact::Start => self.start = text(),
            Fact::Answer => self.answer = text(),
            Fact::End => self.end = text(),
            Fact::Timezone => self.timezone = text(),
            Fact::Extension => self.extension = text(),
            Fact::Name => self.name = value.is_scalar().then_some(value),
            Fact::User => self.user = text(),
            Fact::Title => self.title = value.is_scalar().then_some(value),
            Fact::Members => {
                self.members = match value {
                    Scalar::Texts(members) => Some(members),
                    _ => None,
                }
            }
            Fact::Show => self.show = text(),
            Fact::Online => self.online = Some(value),
            Fact::PresenceType => self.presence_type = text(),
            Fact::Until => self.until = text(),
            Fact::Useragent => self.useragent = text(),
            Fact::Number(i) => {
                if let Some(number) = self.numbers.get_mut(usize::from(i)) {
                    *number = text();
                }
            }
        }
    }

    /// Calls `add` with each field a `kind` record gains, in order.
    /// `party`: whose calls these are, when one extension's (a call's
    /// direction is then its).
    pub(crate) fn added(
        &self,
        kind: RecordKind,
        party: Option<&str>,
        mut add: impl FnMut(&'static str, Added<'a>),
    ) {
        match kind {
            RecordKind::Call => {
                if let Some(from) = first_of(&self.from_number, &self.src) {
                    add("from", Added::Text(from));
                }
                if let Some(to) = first_of(&self.to_number, &self.dst) {
                    add("to", Added::Text(to));
                }
                let status = match &self.disposition {
                    Some(d) => status_of(d),
                    None => Cow::Borrowed("unknown"),
                };
                let direction = direction_of(
                    first_of(&self.from_number, &self.src).as_deref(),
                    first_of(&self.to_number, &self.dst).as_deref(),
                    party,
                );
                let missed = direction == "inbound" && status != "answered";
                add("status", Added::Text(status));
                add("direction", Added::Text(Cow::Borrowed(direction)));
                add("missed", Added::Scalar(Scalar::Bool(missed)));
                if let Some(billsec) = self.billsec {
                    add("billsec", Added::Int(billsec));
                }
                // `end` is a Lua keyword: `call.end_time` reads it.
                if let Some(end) = &self.end {
                    add("end_time", Added::Text(end.clone()));
                }
                if let Some(duration) = self.duration.or_else(|| self.span()).or(self.billsec) {
                    add("duration", Added::Int(duration));
                }
                if let Some(offset) = self.timezone.as_deref().and_then(utc_offset) {
                    for (key, time) in [
                        ("start_iso", &self.start),
                        ("answer_iso", &self.answer),
                        ("end_iso", &self.end),
                    ] {
                        if let Some(iso) = time.as_deref().and_then(|t| rfc3339(t, &offset)) {
                            add(key, Added::Text(Cow::Owned(iso)));
                        }
                    }
                }
            }
            RecordKind::Extension | RecordKind::Colleague => {
                if let Some(number) = &self.extension {
                    add("number", Added::Text(number.clone()));
                }
                if let Some(name) = &self.name {
                    add("user_name", Added::Scalar(name.clone()));
                }
                if kind == RecordKind::Colleague {
                    add("source", Added::Text(Cow::Borrowed("colleague")));
                }
            }
            RecordKind::Contact => {
                let first = self.numbers.iter().flatten().find(|n| !n.trim().is_empty());
                if let Some(number) = first {
                    add("number", Added::Text(number.clone()));
                }
                add("source", Added::Text(Cow::Borrowed("contact")));
            }
            RecordKind::Device => {
                if let Some(user) = self.user.as_ref().filter(|u| !u.trim().is_empty()) {
                    add("extension", Added::Text(user.clone()));
                }
            }
            RecordKind::CallGroup => {
                if let Some(title) = &self.title {
                    add("name", Added::Scalar(title.clone()));
                }
                // "201@internalcalls,2" is extension 201 (priority 2).
                let members = self.members.iter().flatten().filter_map(|m| {
                    let ext = m.split(['@', ',']).next()?.trim();
                    (!ext.is_empty()).then(|| Cow::Owned(ext.to_string()))
                });
                add("member_extensions", Added::Texts(members.collect()));
            }
            RecordKind::Presence => {
                // `online` only when the PBX says: its own `online`, else
                // its `type`; online/offline is kept apart from `show`.
                let online = self.online.as_ref().and_then(truth).or_else(|| {
                    match self.presence_type.as_deref().map(str::trim) {
                        Some(t) if t.eq_ignore_ascii_case("available") => Some(true),
                        Some(t) if t.eq_ignore_ascii_case("unavailable") => Some(false),
                        _ => None,
                    }
                });
                if let Some(online) = online {
                    add("online", Added::Scalar(Scalar::Bool(online)));
                }
                let state = match (self.show.as_deref().map(str::trim), online) {
                    (Some(show), _) if !show.is_empty() => Cow::Owned(show.to_lowercase()),
                    (_, Some(false)) => Cow::Borrowed("offline"),
                    (_, Some(true)) => Cow::Borrowed("available"),
                    _ => Cow::Borrowed("unknown"),
                };
                add("state", Added::Text(state));
                // `until` is a Lua keyword: `p.until_time` reads it.
                if let Some(until) = &self.until {
                    add("until_time", Added::Text(until.clone()));
                }
            }
            RecordKind::Registration => {
                if self.in_group {
                    add("extension", Added::GroupKey);
                }
                // "1"/"0" on the PBXs seen; a boolean or 1/0 also do.
                let online = self.online.as_ref().and_then(truth).unwrap_or(false);
                add("online", Added::Scalar(Scalar::Bool(online)));
                if let Some(agent) = &self.useragent {
                    add("user_agent", Added::Text(agent.clone()));
                }
            }
            RecordKind::User | RecordKind::Plain | RecordKind::ActiveCall => {}
        }
    }

    /// `end − start`, when both are PBX times and in order.
    fn span(&self) -> Option<i64> {
        let time = |t: &Option<Cow<'a, str>>| {
            t.as_deref()
                .and_then(|t| DateTime::parse(t.trim(), DayEdge::Start))
        };
        let seconds = time(&self.end)?.timestamp() - time(&self.start)?.timestamp();
        (seconds >= 0).then_some(seconds)
    }
}

/// Which way a call went, as CRM integrations derive it (CDRs carry no
/// direction; docs/pbx.md, "Records"): a party is an extension when it is
/// 2 to 6 digits; extension to another party is outbound, another party to
/// an extension inbound, extension to extension internal, else unknown.
/// In one extension's history (`party`), its own number decides: a call
/// from it is outbound, one to it inbound.
pub(crate) fn direction_of(
    from: Option<&str>,
    to: Option<&str>,
    party: Option<&str>,
) -> &'static str {
    let is = |side: Option<&str>, who: &str| side.map(str::trim) == Some(who.trim());
    match party {
        Some(p) if is(from, p) => return "outbound",
        Some(p) if is(to, p) => return "inbound",
        _ => {}
    }
    let extension = |party: Option<&str>| {
        party
            .map(str::trim)
            .is_some_and(|p| (2..=6).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    };
    match (extension(from), extension(to)) {
        (true, true) => "internal",
        (true, false) => "outbound",
        (false, true) => "inbound",
        (false, false) => "unknown",
    }
}

/// A PBX flag as a boolean: `true`/`1`/`"1"`/`"true"`/`"yes"` or their
/// opposites; anything else says nothing.
fn truth(value: &Scalar) -> Option<bool> {
    match value {
        Scalar::Bool(b) => Some(*b),
        Scalar::Int(i) => Some(*i != 0),
        Scalar::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => Some(true),
            "0" | "false" | "no" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The first non-empty of two PBX fields, else the first present.
fn first_of<'a>(a: &Option<Cow<'a, str>>, b: &Option<Cow<'a, str>>) -> Option<Cow<'a, str>> {
    [a, b]
        .into_iter()
        .flatten()
        .find(|t| !t.is_empty())
        .or(a.as_ref().or(b.as_ref()))
        .cloned()
}

/// `ANSWERED` → `answered`, `NO ANSWER` → `no_answer`, else lower-cased.
pub(crate) fn status_of(disposition: &str) -> Cow<'static, str> {
    let d = disposition.trim();
    let is = |word: &str| d.eq_ignore_ascii_case(word);
    Cow::Borrowed(if is("ANSWERED") {
        "answered"
    } else if is("NO ANSWER") || is("NO_ANSWER") || is("NOANSWER") {
        "no_answer"
    } else if is("BUSY") {
        "busy"
    } else if is("FAILED") {
        "failed"
    } else if d.is_empty() {
        "unknown"
    } else {
        return Cow::Owned(d.to_lowercase());
    })
}

/// `-0400` → `-04:00`: a UTC offset as Wildix sends it in `timezone`.
/// Anything else (a zone name, a malformed offset) is not one.
fn utc_offset(timezone: &str) -> Option<String> {
    let b = timezone.as_bytes();
    let ok = b.len() == 5
        && matches!(b[0], b'+' | b'-')
        && b[1..].iter().all(u8::is_ascii_digit)
        && timezone[1..3] <= *"18"
        && timezone[3..5] < *"60";
    ok.then(|| format!("{}:{}", &timezone[..3], &timezone[3..]))
}

/// A PBX wall-clock time with its offset, as RFC 3339.
fn rfc3339(time: &str, offset: &str) -> Option<String> {
    let t = time.trim();
    // Only full times: a bare date or a time without seconds is not what
    // the PBX stores, so no ISO form is made up for it.
    if t.len() != 19 {
        return None;
    }
    // Checked as a date, then written as it came with a `T`: the same
    // text `DateTime`'s Display gives for a full time.
    DateTime::parse(t, DayEdge::Start)?;
    let (date, time) = (t.get(..10)?, t.get(11..)?);
    let mut iso = String::with_capacity(t.len() + offset.len());
    iso.push_str(date);
    iso.push('T');
    iso.push_str(time);
    iso.push_str(offset);
    Some(iso)
}

#[cfg(test)]
mod test {
    use super::*;

    fn text(s: &str) -> Scalar<'_> {
        Scalar::Text(Cow::Borrowed(s))
    }

    fn owned(texts: Vec<Cow<'_, str>>) -> Vec<Cow<'static, str>> {
        texts
            .into_iter()
            .map(|t| Cow::Owned(t.into_owned()))
            .collect()
    }

    fn added(kind: RecordKind, fields: &[(&str, Scalar)]) -> Vec<(&'static str, Added<'static>)> {
        let mut facts = Facts::default();
        for (key, value) in fields {
            if let Some(fact) = Fact::of(kind, key) {
                facts.note(fact, value.clone());
            }
        }
        let mut out = Vec::new();
        facts.added(kind, None, |key, value| {
            let value = match value {
                Added::Text(t) => Added::Text(Cow::Owned(t.into_owned())),
                Added::Int(i) => Added::Int(i),
                Added::Scalar(s) => Added::Scalar(match s {
                    Scalar::Text(t) => Scalar::Text(Cow::Owned(t.into_owned())),
                    Scalar::Int(i) => Scalar::Int(i),
                    Scalar::Float(f) => Scalar::Float(f),
                    Scalar::Bool(b) => Scalar::Bool(b),
                    Scalar::Texts(t) => Scalar::Texts(owned(t)),
                    Scalar::Other => Scalar::Other,
                }),
                Added::Texts(t) => Added::Texts(owned(t)),
                Added::GroupKey => Added::GroupKey,
            };
            out.push((key, value));
        });
        out
    }

    fn t(s: &str) -> Added<'static> {
        Added::Text(Cow::Owned(s.to_string()))
    }

    #[test]
    fn call_from_user_history_fields() {
        let got = added(
            RecordKind::Call,
            &[
                ("start", text("2015-03-11 13:32:36")),
                ("end", text("2015-03-11 13:33:36")),
                ("billsec", text("56")),
                ("disposition", text("ANSWERED")),
                ("from_number", text("101")),
                ("to_number", text("+3212345")),
            ],
        );
        assert_eq!(
            got,
            vec![
                ("from", t("101")),
                ("to", t("+3212345")),
                ("status", t("answered")),
                ("direction", t("outbound")),
                ("missed", Added::Scalar(Scalar::Bool(false))),
                ("billsec", Added::Int(56)),
                ("end_time", t("2015-03-11 13:33:36")),
                ("duration", Added::Int(60)),
            ]
        );
    }

    #[test]
    fn call_from_admin_history_fields() {
        let got = added(
            RecordKind::Call,
            &[
                ("src", text("102")),
                ("dst", text("103")),
                ("duration", text("17")),
                ("billsec", text("")),
                ("disposition", text("NO ANSWER")),
            ],
        );
        assert_eq!(
            got,
            vec![
                ("from", t("102")),
                ("to", t("103")),
                ("status", t("no_answer")),
                ("direction", t("internal")),
                ("missed", Added::Scalar(Scalar::Bool(false))),
                ("duration", Added::Int(17)),
            ]
        );
    }

    #[test]
    fn numbers_match_in_their_usual_spellings() {
        for (a, b) in [
            ("+390255512003", "0039 02 5551 2003"),
            ("+390255512003", "02 5551 2003"),
            ("0255512003", "+39 (02) 5551-2003"),
            ("201", "201"),
        ] {
            assert!(same_number(a, b), "{a} {b}");
            assert!(same_number(b, a), "{b} {a}");
        }
        for (a, b) in [
            ("201", "1201"),
            ("+390255512003", "+390255512004"),
            ("", ""),
            ("abc", "abc"),
        ] {
            assert!(!same_number(a, b), "{a} {b}");
        }
    }

    #[test]
    fn groups_devices_and_presence_gain_their_fields() {
        let members = Scalar::Texts(vec![
            Cow::Borrowed("201@internalcalls"),
            Cow::Borrowed("202@internalcalls,2"),
            Cow::Borrowed(""),
        ]);
        assert_eq!(
            added(
                RecordKind::CallGroup,
                &[("title", text("Support")), ("members", members)]
            ),
            vec![
                ("name", Added::Scalar(text("Support"))),
                (
                    "member_extensions",
                    Added::Texts(vec![Cow::Borrowed("201"), Cow::Borrowed("202")])
                ),
            ]
        );
        assert_eq!(
            added(RecordKind::CallGroup, &[]),
            vec![("member_extensions", Added::Texts(vec![]))]
        );
        assert_eq!(
            added(RecordKind::Device, &[("user", text("204"))]),
            vec![("extension", Added::Text(Cow::Borrowed("204")))]
        );
        assert_eq!(added(RecordKind::Device, &[("user", text(" "))]), vec![]);
        assert_eq!(
            added(RecordKind::Presence, &[("show", text(""))]),
            vec![("state", Added::Text(Cow::Borrowed("unknown")))]
        );
        assert_eq!(
            added(RecordKind::Presence, &[("show", text("dnd"))]),
            vec![("state", Added::Text(Cow::Borrowed("dnd")))]
        );
        // Offline with an empty show is offline, not available; `online`
        // wins over `type`; a show wins over both.
        let presence = |fields: &[(&str, Scalar)]| added(RecordKind::Presence, fields);
        let online = |b| ("online", Added::Scalar(Scalar::Bool(b)));
        let state = |s: &'static str| ("state", Added::Text(Cow::Borrowed(s)));
        assert_eq!(
            presence(&[("show", text("")), ("type", text("unavailable"))]),
            vec![online(false), state("offline")]
        );
        assert_eq!(
            presence(&[("type", text("unavailable")), ("online", text("1"))]),
            vec![online(true), state("available")]
        );
        assert_eq!(
            presence(&[("show", text("Away")), ("online", Scalar::Bool(false))]),
            vec![online(false), state("away")]
        );
        // A name that is a list is not copied.
        let list = Scalar::Texts(vec![Cow::Borrowed("a")]);
        assert_eq!(added(RecordKind::Extension, &[("name", list)]), vec![]);
    }

    #[test]
    fn duration_falls_back_to_billsec_and_status_to_the_disposition() {
        let got = added(
            RecordKind::Call,
            &[
                ("billsec", Scalar::Int(9)),
                ("disposition", text("BUSY")),
                ("start", text("2015-03-11 13:33:36")),
                ("end", text("2015-03-11 13:32:36")),
            ],
        );
        assert!(got.contains(&("duration", Added::Int(9))));
        let status = |fields: &[(&str, Scalar)]| {
            added(RecordKind::Call, fields)
                .into_iter()
                .find(|(k, _)| *k == "status")
        };
        assert_eq!(
            status(&[("disposition", text("CONGESTION"))]),
            Some(("status", t("congestion")))
        );
        assert_eq!(status(&[]), Some(("status", t("unknown"))));
    }

    #[test]
    fn direction_and_missed_follow_which_party_is_an_extension() {
        let call = |from: &str, to: &str, disposition: &str| {
            let got = added(
                RecordKind::Call,
                &[
                    ("from_number", text(from)),
                    ("to_number", text(to)),
                    ("disposition", text(disposition)),
                ],
            );
            let field = |name: &str| got.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
            (field("direction"), field("missed"))
        };
        let is = |direction: &'static str, missed: bool| {
            (
                Some(t(direction)),
                Some(Added::Scalar(Scalar::Bool(missed))),
            )
        };
        assert_eq!(
            call("+39 02 1234 5678", "201", "NO ANSWER"),
            is("inbound", true)
        );
        assert_eq!(
            call("0039021234567", "201", "ANSWERED"),
            is("inbound", false)
        );
        assert_eq!(
            call("201", "+390212345678", "NO ANSWER"),
            is("outbound", false)
        );
        assert_eq!(call("201", "202", "BUSY"), is("internal", false));
        assert_eq!(call("", "201", "NO ANSWER"), is("inbound", true));
        assert_eq!(call("1234567", "7654321", "ANSWERED"), is("unknown", false));
        assert_eq!(call("2", "+39 02", "ANSWERED"), is("unknown", false));
        // In one extension's history its own number decides.
        assert_eq!(
            direction_of(Some("201"), Some("202"), Some("201")),
            "outbound"
        );
        assert_eq!(
            direction_of(Some("202"), Some("201"), Some("201")),
            "inbound"
        );
        assert_eq!(
            direction_of(Some("202"), Some("203"), Some("201")),
            "internal"
        );
    }

    #[test]
    fn from_prefers_non_empty() {
        let got = added(
            RecordKind::Call,
            &[("from_number", text("")), ("src", text("555"))],
        );
        assert_eq!(got[0], ("from", t("555")));
        let got = added(RecordKind::Call, &[("from_number", text(""))]);
        assert_eq!(got[0], ("from", t("")));
    }

    #[test]
    fn offsets_give_rfc3339_times() {
        let got = added(
            RecordKind::Call,
            &[
                ("start", text("2026-07-20 19:36:27")),
                ("end", text("2026-07-20 19:40:54")),
                ("answer", text("")),
                ("timezone", text("-0400")),
            ],
        );
        assert!(got.contains(&("start_iso", t("2026-07-20T19:36:27-04:00"))));
        assert!(got.contains(&("end_iso", t("2026-07-20T19:40:54-04:00"))));
        assert!(!got.iter().any(|(k, _)| *k == "answer_iso"));
        for zone in ["Europe/Rome", "+02:00", "0200", "+2500", "+0260", "", "UTC"] {
            let got = added(
                RecordKind::Call,
                &[
                    ("start", text("2026-07-20 19:36:27")),
                    ("timezone", text(zone)),
                ],
            );
            assert!(!got.iter().any(|(k, _)| k.ends_with("_iso")), "{zone}");
        }
    }

    #[test]
    fn extensions_gain_number_and_user_name() {
        let got = added(
            RecordKind::Extension,
            &[("extension", Scalar::Int(101)), ("name", text("Ana"))],
        );
        assert_eq!(
            got,
            vec![
                ("number", t("101")),
                (
                    "user_name",
                    Added::Scalar(Scalar::Text(Cow::Owned("Ana".into())))
                )
            ]
        );
        let got = added(RecordKind::Extension, &[("name", Scalar::Other)]);
        assert!(got.is_empty());
        assert!(added(RecordKind::User, &[("name", text("x"))]).is_empty());
    }

    #[test]
    fn seconds_parsing() {
        assert_eq!(text("12").seconds(), Some(12));
        assert_eq!(text("12.9").seconds(), Some(12));
        assert_eq!(Scalar::Float(3.5).seconds(), Some(3));
        assert_eq!(text("").seconds(), None);
        assert_eq!(text("NaN").seconds(), None);
        assert_eq!(text("1e300").seconds(), None);
        assert_eq!(Scalar::Bool(true).seconds(), None);
    }
}
