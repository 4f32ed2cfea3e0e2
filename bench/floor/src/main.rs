//! The floor of `make bench`: the same requests as wildix, sent with ureq
//! (one keep-alive agent) and parsed into serde_json values with the same
//! added fields — no Lua. Prints `RESULT median min max peak_rss_kib`, the
//! times in microseconds per operation over the repeats.
//!
//! usage: wildix-bench-floor WORKLOAD REPEATS   (URL, TOKEN and BODY in env)

use std::time::Instant;

use serde_json::{Map, Value};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(workload), Some(repeats)) = (args.first(), args.get(1)) else {
        eprintln!("usage: wildix-bench-floor W1|W2|W3|W4|W4big|W5|W7 REPEATS");
        std::process::exit(2);
    };
    let repeats: usize = repeats.parse().unwrap_or(5);
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let url = env("WILDIX_URL");
    let auth = format!("Bearer {}", env("WILDIX_TOKEN"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |target: &str| -> Value {
        let mut response = agent
            .get(format!("{url}{target}"))
            .header("Authorization", &auth)
            .call()
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .unwrap_or_else(|e| panic!("body failed: {e}"));
        decode(&body)
    };
    let body = std::fs::read(env("BENCH_BODY")).unwrap_or_default();
    let (ops, run): (usize, Box<dyn Fn(usize)>) = match workload.as_str() {
        "W1" => (2000, Box::new(|_| drop(get("/api/v1/personal/info")))),
        "W2" => (500, Box::new(|i| drop(get(&list(100, i % 50))))),
        "W3" => (100, Box::new(|i| drop(get(&list(1000, i % 20))))),
        "W4" | "W4big" => {
            let rows = if workload == "W4" { 20_000 } else { 100_000 };
            (
                1,
                Box::new(move |_| {
                    let mut seen = 0;
                    for page in 0..rows / 1000 {
                        let value = get(&list(1000, page));
                        seen += value["result"]["records"].as_array().map_or(0, Vec::len);
                    }
                    assert_eq!(seen, rows, "scan size");
                }),
            )
        }
        "W5" => (100, Box::new(|_| drop(decode(&body)))),
        "W7" => {
            let mut empty =
                String::from(r#"{"type":"result","result":{"total":1000000,"records":["#);
            empty.push_str(&"{},".repeat(999_999));
            empty.push_str("{}]}}");
            (1, Box::new(move |_| drop(decode(empty.as_bytes()))))
        }
        other => {
            eprintln!("unknown workload {other}");
            std::process::exit(2);
        }
    };
    let mut per_op: Vec<f64> = Vec::new();
    // W7 measures the peak memory of one decode: once, no warm-up.
    let rounds = if workload == "W7" { 1..=1 } else { 0..=repeats };
    for round in rounds {
        let started = Instant::now();
        for i in 0..ops {
            run(i);
        }
        // round 0 warms up
        if round > 0 {
            per_op.push(started.elapsed().as_secs_f64() * 1e6 / ops as f64);
        }
    }
    per_op.sort_by(f64::total_cmp);
    let median = per_op[per_op.len() / 2];
    println!(
        "RESULT {median:.1} {:.1} {:.1} {}",
        per_op[0],
        per_op[per_op.len() - 1],
        peak_rss_kib()
    );
}

fn list(limit: usize, page: usize) -> String {
    format!(
        "/api/v1/PBX/CallHistory/?start={}&count={limit}&sort=start&dir=DESC",
        page * limit
    )
}

/// serde_json values, with the fields wildix adds to call records.
fn decode(body: &[u8]) -> Value {
    let mut value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Some(records) = value["result"]["records"].as_array_mut() {
        for record in records.iter_mut().filter_map(Value::as_object_mut) {
            normalise(record);
        }
    }
    value
}

fn normalise(r: &mut Map<String, Value>) {
    let text =
        |r: &Map<String, Value>, k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
    let pick = |a: Option<String>, b: Option<String>| a.filter(|s| !s.is_empty()).or(b);
    let from = pick(text(r, "from_number"), text(r, "src"));
    let to = pick(text(r, "to_number"), text(r, "dst"));
    let status = match text(r, "disposition").as_deref() {
        Some("ANSWERED") => "answered".to_string(),
        Some("NO ANSWER") => "no_answer".to_string(),
        Some("BUSY") => "busy".to_string(),
        Some("FAILED") => "failed".to_string(),
        Some(other) => other.to_lowercase(),
        None => "unknown".to_string(),
    };
    let secs = |k: &str| text(r, k).and_then(|s| s.parse::<i64>().ok());
    let billsec = secs("billsec");
    let duration = secs("duration").or_else(|| {
        let t = |k| text(r, k).and_then(|s| timestamp(&s));
        Some(t("end")? - t("start")?)
    });
    r.insert("from".into(), from.map_or(Value::Null, Value::String));
    r.insert("to".into(), to.map_or(Value::Null, Value::String));
    r.insert("status".into(), Value::String(status));
    r.insert("billsec".into(), billsec.map_or(Value::Null, Value::from));
    r.insert(
        "duration".into(),
        duration.or(billsec).map_or(Value::Null, Value::from),
    );
}

/// `YYYY-MM-DD HH:MM:SS` as seconds (days from civil).
fn timestamp(s: &str) -> Option<i64> {
    let n = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (y, m, d) = (n(0, 4)?, n(5, 7)?, n(8, 10)?);
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d;
    Some(((days * 24 + n(11, 13)?) * 60 + n(14, 16)?) * 60 + n(17, 19)?)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
