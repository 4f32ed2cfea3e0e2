//! The sandbox PBX acting on writes (docs/pbx.md, "Writes"): call control
//! makes, answers, holds, transfers and hangs up calls (a hung-up call is
//! written to call history), presence is set, contacts are created,
//! changed and deleted, SMS are kept. Every write received is logged, so
//! specs can check what was sent and how many times. Reads see the result
//! (`routes::handle` takes this state).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::data::{format_time, Data, Record, OWNER_ID};
use crate::routes::{error, Reply};

/// What writes changed.
#[derive(Default)]
pub struct Acting {
    /// Calls in progress, made by `make-call` or `Originate/Call`.
    pub calls: Vec<Record>,
    /// Call records of calls hung up, oldest first.
    pub history: Vec<Record>,
    /// Presence set, by extension.
    pub presence: HashMap<String, Record>,
    /// Contacts created or changed, by id; `None`: deleted.
    pub contacts: Vec<(String, Option<Record>)>,
    pub sms: Vec<Value>,
    /// Every write received: method, path, query, content type, body.
    pub log: Vec<Value>,
    next: u64,
}

/// A write as it arrived.
pub struct Write<'a> {
    pub method: &'a str,
    /// Path segments, percent-decoded, no trailing empty one.
    pub segments: &'a [&'a str],
    pub query: &'a [(String, String)],
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    /// Whether the credentials belong to a user (not a company key or an
    /// S2S app).
    pub user: bool,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn done(result: Value) -> Reply {
    Reply {
        status: 200,
        body: json!({"type": "result", "result": result}).to_string(),
    }
}

/// A call control v2 answer: top-level, no envelope.
fn accepted() -> Reply {
    Reply {
        status: 200,
        body: json!({"message": "Request accepted"}).to_string(),
    }
}

impl Acting {
    /// Acts on one write, after its credentials were accepted.
    pub fn act(&mut self, data: &Data, write: &Write) -> Reply {
        let body = parse_body(write);
        self.log.push(json!({
            "method": write.method,
            "path": format!("/{}", write.segments.join("/")),
            "query": write.query.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect::<Map<_, _>>(),
            "content_type": write.content_type,
            "body": body.clone().unwrap_or(Value::Null),
        }));
        let Some(body) = body else {
            // A body that is neither JSON nor a form: the PBX fails on it.
            return error(500, "Internal Server Error");
        };
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let user = write
            .query
            .iter()
            .find(|(k, _)| k == "user")
            .map(|(_, v)| v.clone())
            .or_else(|| owner_extension(data));
        match (write.method, write.segments) {
            ("POST", ["api", "v2", "call-control", _])
            | ("PUT", ["api", "v2", "call-control", _])
                if !data.call_control =>
            {
                error(404, "Not Found")
            }
            ("POST", ["api", "v2", "call-control", action]) => {
                if *action == "make-call" {
                    let Some(to) = text(&body, "destination") else {
                        return error(500, "Internal Server Error");
                    };
                    self.dial(user.unwrap_or_default(), to);
                    return accepted();
                }
                let Some(id) = text(&body, "sipCallId") else {
                    return error(500, "Internal Server Error");
                };
                let Some(at) = self
                    .calls
                    .iter()
                    .position(|c| c["sipCallId"] == id.as_str())
                else {
                    return error(404, "Not Found");
                };
                let call = &mut self.calls[at];
                match *action {
                    "answer" | "unhold" => set(call, "state", "talking"),
                    "hold" => set(call, "state", "hold"),
                    "blind-transfer" | "attendant-transfer" => {
                        let Some(to) = text(&body, "destination") else {
                            return error(500, "Internal Server Error");
                        };
                        set(call, "calleeNumber", &to);
                        set(call, "transferred", action);
                    }
                    "dtmf" => {
                        let Some(digits) = text(&body, "digits") else {
                            return error(500, "Internal Server Error");
                        };
                        let before = call.get("dtmf").and_then(Value::as_str).unwrap_or_default();
                        let sent = format!("{before}{digits}");
                        set(call, "dtmf", &sent);
                    }
                    "hangup" => {
                        let call = self.calls.remove(at);
                        self.hang_up(call);
                    }
                    _ => return error(404, "Not Found"),
                }
                accepted()
            }
            // Click-to-call as the credential's own user: a user is needed.
            ("POST", ["api", "v1", "Originate", "Call"]) => {
                if !write.user {
                    return error(401, "Unauthorized: this route needs a user");
                }
                let Some(to) = text(&body, "number") else {
                    return error(500, "Internal Server Error");
                };
                self.dial(owner_extension(data).unwrap_or_default(), to);
                done(json!("Success"))
            }
            ("POST", ["api", "v1", "originate", "sms"]) => {
                match (text(&body, "number"), text(&body, "message")) {
                    (Some(_), Some(_)) => {
                        self.sms.push(body);
                        done(json!("Success"))
                    }
                    _ => error(400, "Bad Request: number and message are required"),
                }
            }
            ("PUT", ["api", "v1", "User", ext, "Presence"]) => {
                if !data.presence.iter().any(|(e, _)| e == ext) {
                    return error(404, "Not Found");
                }
                self.set_presence(ext, &body)
            }
            ("PUT", ["api", "v1", "Personal", "Presence"]) => {
                if !write.user {
                    return error(401, "Unauthorized: this route needs a user");
                }
                let ext = owner_extension(data).unwrap_or_default();
                self.set_presence(&ext, &body)
            }
            ("POST", ["api", "v1", "Contacts"]) => {
                let fields = body
                    .get("data")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                if text(&Value::Object(fields.clone()), "name").is_none()
                    || text(&Value::Object(fields.clone()), "phonebook_id").is_none()
                {
                    return error(
                        400,
                        "Bad Request: data[name] and data[phonebook_id] are required",
                    );
                }
                self.next += 1;
                let id = (90_000 + self.next).to_string();
                let mut record = fields;
                record.insert("id".into(), Value::from(id.as_str()));
                self.contacts.push((id.clone(), Some(record)));
                done(json!({ "id": id }))
            }
            ("PUT", ["api", "v1", "Contacts", id]) => {
                let Some(mut record) = self.contact(data, id) else {
                    return error(404, "Not Found");
                };
                if let Some(fields) = body.get("data").and_then(Value::as_object) {
                    for (k, v) in fields {
                        record.insert(k.clone(), v.clone());
                    }
                }
                self.contacts.push((id.to_string(), Some(record)));
                done(json!("Success"))
            }
            ("DELETE", ["api", "v1", "Contacts", id]) => {
                if self.contact(data, id).is_none() {
                    return error(404, "Not Found");
                }
                self.contacts.push((id.to_string(), None));
                done(json!("Success"))
            }
            _ => error(404, "Not Found"),
        }
    }

    fn dial(&mut self, from: String, to: String) {
        self.next += 1;
        self.calls.push(
            json!({
                "sipCallId": format!("{:032x}", 0x5a4d_b0c5_u128 << 64 | u128::from(self.next)),
                "callerNumber": from, "callerName": "", "calleeNumber": to, "calleeName": "",
                "state": "ringing", "started": now(), "duration": 0,
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
    }

    /// A hung-up call's record, as call history holds one.
    fn hang_up(&mut self, call: Record) {
        let started = call["started"].as_i64().unwrap_or_else(now);
        let end = now();
        let answered = call["state"] != "ringing" || end - started >= 1;
        let text = |k: &str| {
            call.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        self.next += 1;
        let record = json!({
            "id": format!("acted-{}", self.next),
            "start": format_time(started),
            "answer": if answered { format_time(started) } else { String::new() },
            "end": format_time(end),
            "billsec": if answered { (end - started).to_string() } else { "0".into() },
            "disposition": if answered { "ANSWERED" } else { "NO ANSWER" },
            "from_number": text("callerNumber"),
            "to_number": text("calleeNumber"),
            "from_name": "", "to_name": "",
            "lastapp": "Dial", "type": "call",
        });
        if let Value::Object(record) = record {
            self.history.push(record);
        }
    }

    fn set_presence(&mut self, ext: &str, body: &Value) -> Reply {
        let status = body
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !matches!(status, "available" | "away" | "dnd") {
            return error(400, "Bad Request: status must be available, away or dnd");
        }
        let show = if status == "available" { "" } else { status };
        let field = |k: &str| body.get(k).cloned().unwrap_or(Value::from(""));
        self.presence.insert(
            ext.to_string(),
            json!({"show": show, "status": field("message"), "message": field("message"),
                "until": field("until"), "type": "available"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
        done(json!("Success"))
    }

    /// A contact as it stands now: changed, deleted or as generated.
    pub fn contact(&self, data: &Data, id: &str) -> Option<Record> {
        match self.contacts.iter().rev().find(|(i, _)| i == id) {
            Some((_, record)) => record.clone(),
            None => data.contacts.iter().find(|c| c["id"] == id).cloned(),
        }
    }

    /// Every contact as it stands now, when writes changed any.
    pub fn all_contacts(&self, data: &Data) -> Option<Vec<Record>> {
        if self.contacts.is_empty() {
            return None;
        }
        let mut ids: Vec<String> = data
            .contacts
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect();
        for (id, _) in &self.contacts {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        Some(ids.iter().filter_map(|id| self.contact(data, id)).collect())
    }

    /// Calls in progress for `ext` (all, without one); a call rings for
    /// a second, then is talking, unless it was held or answered.
    pub fn calls_of(&self, ext: Option<&str>) -> Vec<Record> {
        self.calls
            .iter()
            .filter(|c| ext.is_none_or(|e| c["callerNumber"] == e || c["calleeNumber"] == e))
            .map(|c| {
                let mut c = c.clone();
                let age = now() - c["started"].as_i64().unwrap_or_else(now);
                c.insert("duration".into(), Value::from(age));
                if c["state"] == "ringing" && age >= 1 {
                    c.insert("state".into(), Value::from("talking"));
                }
                c
            })
            .collect()
    }
}

fn set(call: &mut Record, key: &str, value: &str) {
    call.insert(key.into(), Value::from(value));
}

fn owner_extension(data: &Data) -> Option<String> {
    data.colleagues
        .iter()
        .find(|c| c["id"] == OWNER_ID)
        .and_then(|c| c["extension"].as_str().map(str::to_string))
}

/// A JSON body, a form (nested as PHP reads it), or none; `None` for one
/// that is neither.
fn parse_body(write: &Write) -> Option<Value> {
    if write.body.is_empty() {
        return Some(Value::Object(Map::new()));
    }
    let json = write
        .content_type
        .is_some_and(|t| t.starts_with("application/json"));
    if json {
        return serde_json::from_slice(write.body).ok();
    }
    std::str::from_utf8(write.body).ok().map(crate::s2s::nested)
}
