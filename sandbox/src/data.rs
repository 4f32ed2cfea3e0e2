//! The sandbox PBX's records, built from a seed: same seed, same data.
//! Shapes follow the real API: string ids and totals, `YYYY-MM-DD HH:MM:SS`
//! times, empty strings for empty values.

use serde_json::{json, Map, Value};

pub type Record = Map<String, Value>;

/// Generated records; the seed's two example records come on top.
pub const COLLEAGUES: usize = 320;
pub const CALLS: usize = 6000;
/// The default 90-day window: 2026-01-01 00:00:00 .. 2026-03-31 23:59:59
/// (specs name its dates); `--end-today` moves it to end today.
pub const WINDOW_START: i64 = 1_767_225_600;
pub const WINDOW_DAYS: i64 = 90;
/// The token owner (`/api/v1/personal/info`) is colleague id 1.
pub const OWNER_ID: &str = "1";

/// Everything the sandbox serves.
pub struct Data {
    /// Where the 90 days of calls begin (Unix seconds, a midnight UTC).
    pub window_start: i64,
    pub colleagues: Vec<Record>,
    pub calls: Vec<Record>,
    /// The routes beyond the six, shaped as docs/pbx.md
    /// records them (numbers where the PBX sends numbers).
    pub contacts: Vec<Record>,
    pub phonebooks: Vec<Record>,
    pub devices: Vec<Record>,
    pub call_groups: Vec<Record>,
    /// `/User/{ext}/Presence`, by extension.
    pub presence: Vec<(String, Record)>,
    /// SIP registrations of the first colleagues, by extension.
    pub registrations: Vec<(String, Vec<Record>)>,
    /// Whether `/api/v2/call-control/` is served (else 404).
    pub call_control: bool,
    /// Whether `/api/v1/Devices` ignores `start` and `count` and answers
    /// the whole list each time, as one PBX a client records does.
    pub devices_unpaged: bool,
    /// The most records a request for any other list gets (0: no cap):
    /// a PBX that serves fewer than asked for.
    pub list_cap: usize,
}

/// splitmix64: tiny, fast, and deterministic across platforms.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Anna",
    "Marco",
    "Zoë",
    "Jürgen",
    "François",
    "Łukasz",
    "Søren",
    "Inés",
    "Chloé",
    "Mateo",
    "Olivia",
    "Noah",
    "Émile",
    "Björn",
    "Giulia",
    "Hana",
    "Yuki",
    "Aleksandr",
    "Nuno",
    "Saoirse",
    "Ahmed",
    "Priya",
    "Li",
    "Oskar",
    "Dana",
    "Tomás",
    "Ewa",
    "Kai",
    "Lea",
    "Sam",
];
const LAST: &[&str] = &[
    "Rossi",
    "Müller",
    "Dupont",
    "Kowalski",
    "Jensen",
    "García",
    "Bianchi",
    "Nakamura",
    "Weiß",
    "Novák",
    "O'Brien",
    "Schmidt",
    "Lefèvre",
    "Silva",
    "Andersson",
    "Petrov",
    "Costa",
    "Moreau",
    "Fischer",
    "Ferrari",
    "池田",
    "Öztürk",
    "Nowak",
    "Dubois",
    "Russo",
];
const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Support",
    "Finance",
    "",
    "Forschung & Entwicklung",
    "Opérations",
    "IT",
];
const LANGUAGES: &[&str] = &["en", "de", "fr", "it", "es", "nl"];

/// Builds the data set for `seed`, with the default number of calls.
pub fn generate(seed: u64) -> Data {
    generate_sized(seed, CALLS)
}

/// Builds the data set for `seed` with `calls` call records (benchmarks
/// scan 100,000), spread over the default 90 days.
pub fn generate_sized(seed: u64, calls: usize) -> Data {
    generate_in(seed, calls, WINDOW_START)
}

/// The same data set with its 90 days starting at `window_start` (a
/// midnight UTC): the same records, moved in time.
pub fn generate_in(seed: u64, calls: usize, window_start: i64) -> Data {
    let mut rng = Rng(seed ^ 0x5741_4C44_4958);
    let mut colleagues: Vec<Record> = (0..COLLEAGUES).map(|i| colleague(&mut rng, i)).collect();
    let mut calls: Vec<Record> = (0..calls)
        .map(|i| call(&mut rng, i, window_start, &colleagues))
        .collect();
    // `start` is not unique: call legs share a second (docs/pbx.md).
    // Every 4th call is a leg of the one before: it starts in that second.
    for i in (1..calls.len()).filter(|i| i % 4 == 1) {
        let second = calls[i - 1]["start"].clone();
        calls[i].insert("start".into(), second);
    }
    // The ids the seed's documented examples use, so they run unchanged.
    let mut example = colleague(&mut rng, COLLEAGUES);
    example.insert("id".into(), Value::String("ext-456".into()));
    example.insert("extension".into(), Value::String("456".into()));
    colleagues.push(example);
    let mut example = call(&mut rng, 0, window_start, &colleagues);
    example.insert("id".into(), Value::String("call-123".into()));
    calls.push(example);
    newest_first(&mut calls);
    let contacts = (0..CONTACTS).map(|i| contact(&mut rng, i)).collect();
    let devices = (0..DEVICES).map(|i| device(&mut rng, i)).collect();
    let presence = colleagues
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((c["extension"].as_str()?.to_string(), presence(i))))
        .collect();
    let registrations = (0..REGISTERED)
        .map(|i| ((100 + i).to_string(), registrations(i)))
        .collect();
    Data {
        window_start,
        colleagues,
        calls,
        contacts,
        phonebooks: phonebooks(),
        devices,
        call_groups: call_groups(),
        presence,
        registrations,
        call_control: false,
        devices_unpaged: false,
        list_cap: 0,
    }
}

/// Adds `n` calls that all start in one second, two days before the end
/// of the window (among the first few hundred, newest first): a dialer's
/// campaign or an import. `start` is not unique (docs/pbx.md), and
/// nothing bounds how many calls share one; a run longer than a page is
/// the case offset paging cannot simply start on.
pub fn add_burst(data: &mut Data, n: usize) {
    let second = data.window_start + (WINDOW_DAYS - 2) * 86_400 + 43_200;
    let mut rng = Rng(0xB0B5_7000 ^ n as u64);
    for k in 0..n {
        let mut record = call_at(&mut rng, CALLS + 2_000_000 + k, second, &data.colleagues);
        record.insert("id".into(), Value::String(format!("burst-{k}")));
        data.calls.push(record);
    }
    newest_first(&mut data.calls);
}

/// Calls are stored newest first, the PBX's default order (a stable sort:
/// calls that share a second keep the order they were made in).
fn newest_first(calls: &mut [Record]) {
    calls.sort_by(|a, b| b["start"].as_str().cmp(&a["start"].as_str()));
}

/// Extensions with a registrations entry (some of them empty).
pub const REGISTERED: usize = 12;

/// `online` as the strings "1"/"0"; none for every 4th extension, two
/// (desk phone and web) for every 3rd.
fn registrations(i: usize) -> Vec<Record> {
    let ext = 100 + i;
    let phone = object(json!({"online": if i % 5 == 2 { "0" } else { "1" },
        "contact": format!("sip:{ext}@10.0.3.{}:5060", 10 + i), "received": "",
        "instance": format!("<urn:uuid:0000{ext}>"), "useragent": "Yealink SIP-T46U 66.86.0.15"}));
    let web = object(json!({"online": "1",
        "contact": format!("sip:{ext}@46.224.213.36:45717;transport=ws"), "received": "",
        "instance": format!("<urn:uuid:web{ext}>"), "useragent": "Wildix Zero Distance 4.0.1 WebRTC"}));
    match i % 4 {
        3 => vec![],
        _ if i.is_multiple_of(3) => vec![phone, web],
        _ => vec![phone],
    }
}

/// The calls in progress of extension `ext` (call control's shape).
pub fn active_calls(ext: &str) -> Vec<Record> {
    if ext != "100" {
        return vec![];
    }
    vec![
        object(
            json!({"sipCallId": "2f448e41-1", "callerNumber": "+393481234567", "callerName": "Mario",
            "calleeNumber": "100", "calleeName": "Front desk", "state": "up", "duration": 42}),
        ),
        object(
            json!({"sipCallId": "2f448e41-2", "callerNumber": "+390255512003", "callerName": "",
            "calleeNumber": "100", "calleeName": "Front desk", "state": "ringing", "duration": 3}),
        ),
    ]
}

/// Contacts in the phonebooks (ids strings, as the manual shows them).
pub const CONTACTS: usize = 60;
/// Desk phones of the first colleagues.
pub const DEVICES: usize = 40;

fn object(value: Value) -> Record {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Phone numbers spelled as people store them: `+39…`, `0039…`, national.
fn contact(rng: &mut Rng, i: usize) -> Record {
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    let digits = format!("0255512{:03}", i);
    let phone = match i % 3 {
        0 => format!("+39{digits}"),
        1 => format!("0039{digits}"),
        _ => format!("02 5551 2{:03}", i),
    };
    let organization = rng.pick(&["ACME Srl", "Globex GmbH", "", "Initech SA"]);
    object(json!({
        "id": (400 + i).to_string(),
        "name": format!("{first} {last}"),
        "email": if i % 4 == 3 { String::new() } else { format!("contact{i}@example.org") },
        "phone": phone,
        "mobile": if i.is_multiple_of(5) { format!("+39333{:07}", i) } else { String::new() },
        "office": "",
        "fax": "",
        "organization": organization,
        "phonebook_id": if i % 10 == 9 { "20" } else { "19" },
        "type": if i % 10 == 9 { "blacklist" } else { "" },
        "note": "",
        "last_update": "2026-01-15 09:30:00",
    }))
}

fn phonebooks() -> Vec<Record> {
    [
        (1, "default", 2),
        (19, "Customers", 1),
        (20, "Blocked numbers", 1),
    ]
    .into_iter()
    .map(|(id, name, kind)| {
        object(json!({"id": id, "name": name, "type": kind, "hash": "",
                "owner_id": 0, "sync_set": 0, "sync_interval": 0}))
    })
    .collect()
}

/// Numeric ids, a blank `user` on every 7th, `state` on/off.
fn device(rng: &mut Rng, i: usize) -> Record {
    object(json!({
        "id": 1_234_500 + i,
        "mac": format!("9c7514{:06x}", i),
        "model": rng.pick(&["T46U", "W-AIR", "WP490", "Phone"]),
        "description": if i % 7 == 3 { "spare phone" } else { "desk phone" },
        "firmware": "66.86.0.15",
        "user": if i % 7 == 3 { String::new() } else { (100 + i).to_string() },
        "address": format!("10.0.3.{}", 10 + i),
        "state": if i % 5 == 4 { "off" } else { "on" },
        "vendor": {"name": rng.pick(&["Yealink", "Wildix"]), "additional": ""},
    }))
}

/// Numeric ids, members as `EXT@internalcalls`, some with a `,priority`,
/// bare or as numbers.
fn call_groups() -> Vec<Record> {
    [
        (5, "Support", &["101", "102", "103"][..]),
        (6, "Tecnici", &["104", "105"][..]),
        (7, "Night", &[][..]),
    ]
    .into_iter()
    .map(|(id, title, members)| {
        let members: Vec<String> = members
            .iter()
            .enumerate()
            .map(|(n, ext)| {
                if n == 1 {
                    format!("{ext}@internalcalls,2")
                } else {
                    format!("{ext}@internalcalls")
                }
            })
            .collect();
        // Tecnici's members as some PBXs send them: a bare extension,
        // and one as a number (docs/pbx.md, "Records").
        let members: Vec<Value> = if title == "Tecnici" {
            vec![Value::from("104"), Value::from(105)]
        } else {
            members.into_iter().map(Value::from).collect()
        };
        object(json!({"id": id, "title": title, "members": members,
                "settings": {"strategy": "ringall", "timeout": 30, "maxLen": 10,
                    "wrapUpTime": 5, "cid": "", "queueManager": ""}}))
    })
    .collect()
}

/// As Wildix's presence model has it (docs/pbx.md, "Records"): `type`
/// (online or not) apart from `show` (`dnd`, `away`, or empty), `status`
/// a message text. Most are online with an empty show; some dnd or away
/// with a message; some offline, their show empty too; some say `online`
/// as a REST client reads it.
fn presence(i: usize) -> Record {
    let (show, message, until) = match i % 6 {
        1 => ("dnd", "Meeting", "30/11/2026 15:00"),
        4 => ("away", "Lunch", ""),
        _ => ("", "", ""),
    };
    let online = i % 6 != 3;
    let mut record = object(json!({
        "show": show, "status": message, "message": message, "until": until,
        "type": if online { "available" } else { "unavailable" },
    }));
    if i.is_multiple_of(4) {
        record.insert("online".into(), Value::from(if online { "1" } else { "0" }));
    }
    record
}

fn ascii_slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => Some(c.to_ascii_lowercase()),
            'ä' | 'à' | 'á' => Some('a'),
            'ö' | 'ø' | 'ó' | 'Ö' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'é' | 'è' | 'ë' | 'É' => Some('e'),
            'ç' => Some('c'),
            'ł' | 'Ł' => Some('l'),
            'ß' => Some('s'),
            _ => None,
        })
        .collect()
}

fn colleague(rng: &mut Rng, i: usize) -> Record {
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    let name = format!("{first} {last}");
    let id = (i + 1).to_string();
    let extension = (100 + i).to_string();
    let login = format!("{}.{}{}", ascii_slug(first), ascii_slug(last), i);
    // Every 9th colleague has no e-mail: the PBX sends "".
    let email = if i % 9 == 4 {
        String::new()
    } else {
        format!("{login}@example.com")
    };
    let mobile = if rng.below(3) == 0 {
        String::new()
    } else {
        format!("+3932{:08}", rng.below(100_000_000))
    };
    let record = json!({
        "id": id,
        "dn": format!("uid={login},ou=users,dc=sandbox"),
        "name": name,
        "extension": extension,
        "officePhone": format!("+390212345{:03}", i % 1000),
        "mobilePhone": mobile,
        "faxNumber": "",
        "email": email,
        "pbxDn": "pbx=sandbox",
        "role": if i.is_multiple_of(25) { "admin" } else { "user" },
        "groupDn": format!("group{}", i % 6),
        "language": rng.pick(LANGUAGES),
        "dialplan": "users",
        "faxDialplan": "users",
        "department": rng.pick(DEPARTMENTS),
        "login": login,
        "picture": "",
        "sourceId": "",
        "licenseType": rng.pick(&["basic", "essential", "business", "premium"]),
        "jid": format!("{login}@sandbox.wildixin.com"),
    });
    match record {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A call that arrives while the PBX is read (`--live`): number `n` of
/// them, starting `start` seconds after the epoch.
pub fn live_call(n: usize, start: i64, colleagues: &[Record]) -> Record {
    let mut rng = Rng(0xC0FF_EE00 ^ n as u64);
    let mut record = call_at(&mut rng, CALLS + 1_000_000 + n, start, colleagues);
    record.insert("id".into(), Value::String(format!("live-{n}")));
    record
}

fn call(rng: &mut Rng, i: usize, window_start: i64, colleagues: &[Record]) -> Record {
    let start = window_start + rng.below((WINDOW_DAYS * 86_400) as u64) as i64;
    call_at(rng, i, start, colleagues)
}

fn call_at(rng: &mut Rng, i: usize, start: i64, colleagues: &[Record]) -> Record {
    let disposition = match rng.below(100) {
        0..=59 => "ANSWERED",
        60..=84 => "NO ANSWER",
        85..=94 => "BUSY",
        // The network could not place it (docs/pbx.md, "Records").
        95..=96 => "CONGESTION",
        _ => "FAILED",
    };
    let ring = 2 + rng.below(25) as i64;
    let (answer, billsec) = if disposition == "ANSWERED" {
        (format_time(start + ring), 5 + rng.below(1800) as i64)
    } else {
        (String::new(), 0)
    };
    let end = start + ring + billsec;
    let (from_number, from_name) = party(rng, colleagues);
    let (to_number, to_name) = party(rng, colleagues);
    // Every 8th id is Asterisk-style (`uniqueid`): it contains a dot.
    let id = if i % 8 == 3 {
        format!("{}.{}", start, i)
    } else {
        (10_001 + i).to_string()
    };
    let kind = if rng.below(50) == 0 { "fax" } else { "call" };
    let mut record = Map::new();
    record.insert("id".into(), Value::String(id));
    record.insert("start".into(), Value::String(format_time(start)));
    record.insert("answer".into(), Value::String(answer));
    record.insert("end".into(), Value::String(format_time(end)));
    record.insert("billsec".into(), Value::String(billsec.to_string()));
    record.insert("disposition".into(), Value::String(disposition.into()));
    record.insert("faxdata".into(), Value::String(String::new()));
    // Every 5th record is in the admin shape: src/dst/duration.
    if i % 5 == 2 {
        record.insert("src".into(), Value::String(from_number));
        record.insert("dst".into(), Value::String(to_number));
        record.insert("duration".into(), Value::String((end - start).to_string()));
        // The UTC offset of `start`, as live tenants send it (CET in the window).
        record.insert("timezone".into(), Value::String("+0100".into()));
    } else {
        record.insert("from_number".into(), Value::String(from_number.clone()));
        record.insert("to_number".into(), Value::String(to_number.clone()));
    }
    record.insert("from_name".into(), Value::String(from_name));
    record.insert("to_name".into(), Value::String(to_name));
    record.insert("lastapp".into(), Value::String("Dial".into()));
    record.insert("userfield".into(), Value::String(String::new()));
    record.insert("lastdata".into(), Value::String(format!("SIP/{}", i % 997)));
    record.insert("cost".into(), Value::String("0.00".into()));
    record.insert(
        "channel".into(),
        Value::String(format!("SIP/trunk-{:08x}", rng.below(u32::MAX as u64))),
    );
    record.insert(
        "dstchannel".into(),
        Value::String(format!("SIP/{:08x}", rng.below(u32::MAX as u64))),
    );
    record.insert("type".into(), Value::String(kind.into()));
    // Recordings and voicemail, as real call records carry them (docs/pbx.md,
    // "Records"), from the call's number alone: the data drawn stays the same.
    let id = record["id"].as_str().unwrap_or_default().to_string();
    if disposition == "ANSWERED" && i.is_multiple_of(7) {
        let place = ["recordings", "moved", "elsewhere"][(i / 7) % 3];
        record.insert(
            "attachments".into(),
            json!({"recordings": {"url": format!("/spoolview/{place}/2026/{id}.wav"),
                "time": record["start"].clone(), "source": record.get("from_number").or(record.get("src")).cloned(),
                "destination": record.get("to_number").or(record.get("dst")).cloned()}}),
        );
    } else if disposition == "NO ANSWER" && i.is_multiple_of(11) {
        // A voicemail row: the caller left a message; the PBX says ANSWERED.
        let to = record
            .get("to_number")
            .or(record.get("dst"))
            .cloned()
            .unwrap_or_default();
        let box_ = to.as_str().unwrap_or_default().to_string();
        record.insert("disposition".into(), Value::String("ANSWERED".into()));
        record.insert("lastapp".into(), Value::String("VoiceMail".into()));
        record.insert(
            "userfield".into(),
            Value::String(format!("VM:/{box_}/INBOX/msg{i:04}.mp3")),
        );
        record.insert(
            "attachments".into(),
            json!({"vm": {"url": format!("/spoolview/voicemail/{box_}/msg{i:04}.mp3")}}),
        );
    }
    record
}

/// An internal extension with its name, or an outside number without one.
fn party(rng: &mut Rng, colleagues: &[Record]) -> (String, String) {
    if rng.below(2) == 0 {
        let c = &colleagues[rng.below(colleagues.len() as u64) as usize];
        let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
        (text("extension"), text("name"))
    } else {
        (format!("+4930{:07}", rng.below(10_000_000)), String::new())
    }
}

/// Unix seconds to `YYYY-MM-DD HH:MM:SS` (UTC; the PBX sends local time).
/// The window that ends on the day (UTC) holding `now` (Unix seconds).
pub fn window_ending(now: i64) -> i64 {
    (now.div_euclid(86_400) - WINDOW_DAYS + 1) * 86_400
}

pub fn format_time(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Howard Hinnant's civil_from_days.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_window_ending_today_holds_the_same_calls_moved() {
        // 2026-12-03 12:00 UTC: the window is 2026-09-05 .. 2026-12-03.
        let start = window_ending(1_796_299_200);
        assert_eq!(format_time(start), "2026-09-05 00:00:00");
        let (a, b) = (generate(3), generate_in(3, CALLS, start));
        assert_eq!(a.calls.len(), b.calls.len());
        let moved = |t: &Value| t.as_str().unwrap().to_string();
        assert!(moved(&b.calls[0]["start"]).starts_with("2026-12-03"));
        assert_eq!(a.calls[7]["id"], b.calls[7]["id"]);
        assert_eq!(a.colleagues, b.colleagues);
    }

    #[test]
    fn same_seed_same_data() {
        let a = generate(7);
        let b = generate(7);
        assert_eq!(a.calls, b.calls);
        assert_eq!(a.colleagues, b.colleagues);
        assert_ne!(generate(8).calls, a.calls);
    }

    #[test]
    fn shapes_cover_the_real_variety() {
        let data = generate(1);
        assert!(data.colleagues.len() >= 300);
        assert!(data.calls.iter().any(|c| c["id"] == "call-123"));
        assert!(data.colleagues.iter().any(|c| c["id"] == "ext-456"));
        assert!(data.calls.len() >= 5000);
        for d in ["ANSWERED", "NO ANSWER", "BUSY", "FAILED"] {
            assert!(data.calls.iter().any(|c| c["disposition"] == d), "{d}");
        }
        assert!(data.calls.iter().any(|c| c.contains_key("src")));
        assert!(data
            .calls
            .iter()
            .any(|c| c["id"].as_str().unwrap().contains('.')));
        assert!(data.colleagues.iter().any(|c| c["email"] == ""));
        assert!(data
            .colleagues
            .iter()
            .any(|c| !c["name"].as_str().unwrap().is_ascii()));
        let first = data.calls.last().unwrap()["start"]
            .as_str()
            .unwrap()
            .to_string();
        let last = data.calls[0]["start"].as_str().unwrap().to_string();
        assert!(first.as_str() >= "2026-01-01 00:00:00", "{first}");
        assert!(last.as_str() <= "2026-03-31 23:59:59", "{last}");
    }

    #[test]
    fn a_burst_is_one_run_among_the_newest_calls() {
        let mut data = generate(1);
        let before = data.calls.len();
        add_burst(&mut data, 250);
        assert_eq!(data.calls.len(), before + 250);
        let at = |c: &Record| c["start"].as_str().unwrap().to_string();
        let first = data
            .calls
            .iter()
            .position(|c| c["id"] == "burst-0")
            .unwrap();
        let run: Vec<&Record> = data
            .calls
            .iter()
            .skip_while(|c| at(c) != at(&data.calls[first]))
            .collect();
        let run = run
            .iter()
            .take_while(|c| at(c) == at(&data.calls[first]))
            .count();
        assert!(run >= 250, "{run}");
        assert!(first < 300, "{first}");
        assert!(data.calls.windows(2).all(|w| at(&w[0]) >= at(&w[1])));
    }

    #[test]
    fn times_format() {
        assert_eq!(format_time(WINDOW_START), "2026-01-01 00:00:00");
        assert_eq!(format_time(1_426_080_756), "2015-03-11 13:32:36");
    }
}
