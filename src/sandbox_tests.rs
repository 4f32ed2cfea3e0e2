//! The Lua-free client against the sandbox PBX, started in-process: retries,
//! timeouts, Retry-After, redirects, bounded bodies and TLS, each as plain
//! Rust. The busted specs check the same from Lua.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use wildix_sandbox::{Options, Sandbox};

use crate::api::Operation;
use crate::client::Client;
use crate::config::Config;
use crate::error::{Error, Kind};
use crate::params::Arg;

const TOKEN: &str = "rust-test-token-0123456789";

static PLAIN: LazyLock<Sandbox> = LazyLock::new(|| start(false));
static TLS: LazyLock<Sandbox> = LazyLock::new(|| start(true));

fn start(tls: bool) -> Sandbox {
    Sandbox::start(Options {
        port: 0,
        token: TOKEN.into(),
        seed: 1,
        tls,
        ..Options::default()
    })
    .expect("sandbox starts")
}

fn s(text: &str) -> Arg {
    Arg::Str(text.as_bytes().to_vec())
}

/// A client for `url` with extra options.
fn client(url: &str, extra: &[(&str, Arg)]) -> Result<Arc<Client>, Error> {
    let mut options = vec![(s("url"), s(url)), (s("token"), s(TOKEN))];
    options.extend(extra.iter().map(|(k, v)| (s(k), v.clone())));
    Ok(Arc::new(Client::new(Config::from_options(
        "default",
        Some(&options),
        &|_| None,
    )?)))
}

/// A client whose requests get the sandbox fault `steps`.
fn faulty(steps: &str, extra: &[(&str, Arg)]) -> Arc<Client> {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    client(&format!("{}/_fault/{steps}~{n}", PLAIN.url), extra).expect("valid config")
}

fn me(client: &Arc<Client>) -> Result<Value, Error> {
    let out = client.call(Operation::GetCurrentUser, None)?;
    Ok(serde_json::from_str(&out.to_json()).expect("results are JSON"))
}

#[test]
fn transient_failures_are_retried() {
    for steps in [
        "503,ok",
        "502,504,ok",
        "reset,ok",
        "close,ok",
        "midbody,ok",
        "429s0,ok",
    ] {
        let value = me(&faulty(steps, &[])).unwrap_or_else(|e| panic!("{steps}: {e}"));
        assert_eq!(value["id"], "1", "{steps}");
    }
}

#[test]
fn retries_stop_after_the_configured_count() {
    let err = me(&faulty("503,503,503,503", &[("retries", Arg::Int(2))])).unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (Kind::Http, Some(3)));
    let err = me(&faulty("503", &[("retries", Arg::Int(0))])).unwrap_err();
    assert_eq!(err.attempts(), Some(1));
}

#[test]
fn other_failures_are_not_retried() {
    for (steps, kind) in [
        ("400,ok", Kind::Http),
        ("401,ok", Kind::Auth),
        ("404,ok", Kind::NotFound),
        ("500,ok", Kind::Http),
        ("truncated,ok", Kind::Decode),
        ("malformed,ok", Kind::Decode),
    ] {
        let err = me(&faulty(steps, &[])).unwrap_err();
        assert_eq!((err.kind(), err.attempts()), (kind, Some(1)), "{steps}");
    }
}

#[test]
fn a_hung_pbx_times_out_within_timeout() {
    let started = Instant::now();
    let err = me(&faulty("hang,hang,hang", &[("timeout", Arg::Num(0.5))])).unwrap_err();
    assert_eq!(err.kind(), Kind::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn retry_after_is_honoured_or_refused() {
    let started = Instant::now();
    me(&faulty("429s1,ok", &[])).expect("succeeds after waiting");
    assert!(started.elapsed() >= Duration::from_secs(1));
    let started = Instant::now();
    let err = me(&faulty("429s300,ok", &[])).unwrap_err();
    assert_eq!(err.kind(), Kind::RateLimited);
    assert_eq!(err.retry_after(), Some(300.0));
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn bodies_are_bounded_after_decompression() {
    for steps in ["big", "gzipbomb"] {
        let err = client(&format!("{}/_fault/{steps}", PLAIN.url), &[])
            .unwrap()
            .call(Operation::ListCalls, None)
            .unwrap_err();
        assert_eq!(err.kind(), Kind::Decode, "{steps}");
        assert!(err.message().contains("max_response_bytes"), "{steps}");
    }
}

#[test]
fn html_error_pages_give_a_short_reason() {
    let err = me(&faulty("html502", &[("retries", Arg::Int(0))])).unwrap_err();
    assert_eq!(err.http_status(), Some(502));
    assert!(err.message().contains("502 Bad Gateway"));
    assert!(err.message().len() < 300);
}

#[test]
fn redirects_keep_the_token_home() {
    me(&faulty("sameredirect", &[])).expect("same-origin redirect is followed");
    let before = PLAIN.stats().foreign_auth;
    let err = me(&faulty("redirect", &[])).unwrap_err();
    assert_eq!(err.http_status(), Some(302));
    assert_eq!(PLAIN.stats().foreign_auth, before);
}

#[test]
fn tls_needs_the_private_ca() {
    let err = me(&client(&TLS.url, &[]).unwrap()).unwrap_err();
    assert_eq!((err.kind(), err.retryable()), (Kind::Tls, false));
    assert!(err.message().contains("ca_file"));
    let dir = std::env::temp_dir().join(format!("wildix-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, TLS.ca_pem.as_deref().unwrap()).unwrap();
    let trusted = client(&TLS.url, &[("ca_file", s(ca.to_str().unwrap()))]).unwrap();
    assert_eq!(me(&trusted).unwrap()["id"], "1");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn one_connection_serves_consecutive_calls() {
    // A sandbox of its own: other tests run in parallel.
    let own = start(false);
    let client = client(&own.url, &[]).unwrap();
    for _ in 0..50 {
        me(&client).unwrap();
    }
    assert_eq!(own.stats().connections, 1);
    assert_eq!(own.stats().requests, 50);
}

#[test]
fn a_list_page_is_filled_past_the_pbx_cap() {
    let client = client(&PLAIN.url, &[]).unwrap();
    let table = [(s("limit"), Arg::Int(250)), (s("page"), Arg::Int(2))];
    let out = client.call(Operation::ListCalls, Some(&table)).unwrap();
    let value: Value = serde_json::from_str(&out.to_json()).unwrap();
    assert_eq!(value["calls"].as_array().unwrap().len(), 250);
    assert_eq!(value["has_more"], true);
}

#[test]
fn a_scan_yields_each_call_once() {
    let client = client(&PLAIN.url, &[]).unwrap();
    let params = crate::params::Params {
        limit: 300,
        ..Default::default()
    };
    let mut scan = crate::pager::Pager::scan(client, Operation::ListCalls, params);
    let mut seen = std::collections::HashSet::new();
    while let Some(out) = scan.next_page().unwrap() {
        let page: Value = serde_json::from_str(&out.to_json()).unwrap();
        for call in page.as_array().unwrap() {
            assert!(seen.insert(call["id"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(seen.len(), wildix_sandbox::data::CALLS + 1);
}

#[test]
fn a_scan_closed_early_refuses_more_and_one_closed_at_its_end_stays_ended() {
    let client = client(&PLAIN.url, &[]).unwrap();
    let params = crate::params::Params {
        limit: 100,
        ..Default::default()
    };
    let mut early =
        crate::pager::Pager::scan(std::sync::Arc::clone(&client), Operation::ListCalls, params);
    assert!(early.next_page().unwrap().is_some());
    early.close();
    let err = early.next_page().unwrap_err();
    assert_eq!(err.kind(), Kind::Argument);

    let mut whole =
        crate::pager::Pager::scan(client, Operation::ListExtensions, Default::default());
    while whole.next_page().unwrap().is_some() {}
    whole.close();
    assert!(whole.next_page().unwrap().is_none());
}

/// A PBX (or a proxy) that answers every request with the same page, all
/// in one second, and a total of a million: a long list and a scan each
/// end with a `decode` error (the scan after the records it could read)
/// once the run they read shows far fewer calls than it spans
/// (`progress.rs`), well within the timeout.
#[test]
fn a_pbx_that_repeats_one_page_ends_the_list_and_the_scan() {
    let started = Instant::now();
    // Time enough to see the page repeat on a loaded machine; a pager that
    // does not end would take every second of it (and once ran forever).
    let list = faulty("samepage", &[("timeout", Arg::Num(10.0))]);
    let limit = [(s("limit"), Arg::Num(1000.0))];
    let err = list.call(Operation::ListCalls, Some(&limit)).unwrap_err();
    assert_eq!(err.kind(), Kind::Decode, "{err}");
    assert!(err.message().contains("does not page as asked"), "{err}");
    assert!(!err.retryable());

    let client = faulty("samepage", &[("timeout", Arg::Num(10.0))]);
    let params = crate::params::Params {
        limit: 100,
        ..Default::default()
    };
    let mut scan = crate::pager::Pager::scan(client, Operation::ListCalls, params);
    let first: Value = serde_json::from_str(&scan.next_page().unwrap().unwrap().to_json()).unwrap();
    assert_eq!(first.as_array().map(Vec::len), Some(100));
    let err = scan.next_page().unwrap_err();
    assert_eq!(err.kind(), Kind::Decode, "{err}");
    // Asked again, it does not start over: the same error, no request.
    assert_eq!(scan.next_page().unwrap_err().kind(), Kind::Decode);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// An empty page ends a list and a scan, whatever `total` says.
#[test]
fn an_empty_page_ends_the_list_and_the_scan_whatever_total_says() {
    let limit = [(s("limit"), Arg::Num(500.0))];
    let out = faulty("emptypage", &[])
        .call(Operation::ListCalls, Some(&limit))
        .unwrap();
    let page: Value = serde_json::from_str(&out.to_json()).unwrap();
    assert_eq!(page["calls"].as_array().map(Vec::len), Some(0), "{page}");
    let client = faulty("emptypage", &[]);
    let mut scan = crate::pager::Pager::scan(client, Operation::ListCalls, Default::default());
    assert!(scan.next_page().unwrap().is_none());
}

/// Once the call's deadline has passed, no request is sent: not even the
/// few milliseconds a retry is otherwise given.
#[test]
fn no_request_starts_after_the_deadline() {
    // A sandbox of its own: the other tests' requests do not count here.
    let own = start(false);
    let client = client(&own.url, &[]).unwrap();
    let request = crate::api::call_history(client.config().scope()).page(0, 10);
    let shape = crate::decode::Shape::List(crate::normalize::RecordKind::Call);
    let err = client
        .get(
            &request,
            shape,
            crate::decode::View::default(),
            Instant::now(),
        )
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Timeout, "{err}");
    assert!(err.message().contains("within timeout"), "{err}");
    assert_eq!(own.stats().requests, 0);
    // The same request with time left is sent.
    let deadline = Instant::now() + Duration::from_secs(5);
    assert!(client
        .get(&request, shape, crate::decode::View::default(), deadline)
        .is_ok());
    assert_eq!(own.stats().requests, 1);
}

/// A client of the sandbox's S2S app, with `secret`.
fn app(url: &str, secret: &str) -> Arc<Client> {
    let options = [
        (s("url"), s(url)),
        (s("app_id"), s("sandbox-app")),
        (s("app_name"), s("wildix-sandbox")),
        (s("secret"), s(secret)),
    ];
    Arc::new(Client::new(
        Config::from_options("default", Some(&options), &|_| None).expect("valid config"),
    ))
}

#[test]
fn an_s2s_app_reads_what_its_signature_covers_and_a_wrong_secret_is_told_what_to_check() {
    let good = app(&PLAIN.url, "sandbox-app-secret");
    // Nested date filters, a search and paging: the query the signature
    // covers, verified by the sandbox's own canonical form.
    let table = [
        (s("date_from"), s("2020-01-01")),
        (s("date_to"), s("2030-12-31 23:59")),
        (s("status"), s("answered")),
        (s("limit"), Arg::Int(150)),
    ];
    let out = good
        .call(Operation::ListCalls, Some(&table))
        .expect("signed read");
    let value: Value = serde_json::from_str(&out.to_json()).expect("JSON");
    assert_eq!(value["calls"].as_array().map(Vec::len), Some(150));
    // A redirect is signed for where it leads; TLS too.
    let redirected = app(
        &format!("{}/_fault/sameredirect~s2s", PLAIN.url),
        "sandbox-app-secret",
    );
    redirected
        .call(Operation::ListExtensions, None)
        .expect("signed after a redirect");
    // No user: user routes say so.
    let err = me(&good).unwrap_err();
    assert_eq!(err.kind(), Kind::Auth);
    assert!(
        err.message().contains("nor do S2S apps"),
        "{}",
        err.message()
    );
    let wrong = app(&PLAIN.url, "another-secret-entirely");
    let err = wrong.call(Operation::ListExtensions, None).unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (Kind::Auth, Some(401)));
    let message = err.message();
    assert!(
        message.contains("clock") && message.contains("'secret'"),
        "{message}"
    );
    assert!(
        !message.contains("another-secret") && !message.contains("eyJ"),
        "{message}"
    );
}

/// A sandbox that serves call control, for writes.
static ACTING: LazyLock<Sandbox> = LazyLock::new(|| {
    Sandbox::start(Options {
        token: TOKEN.into(),
        call_control: true,
        ..Options::default()
    })
    .expect("sandbox starts")
});

fn table(pairs: &[(&str, Arg)]) -> Vec<(Arg, Arg)> {
    pairs.iter().map(|(k, v)| (s(k), v.clone())).collect()
}

fn json(out: &crate::reply::Out) -> Value {
    serde_json::from_str(&out.to_json()).expect("results are JSON")
}

/// The writes a sandbox received whose path ends so.
fn received(sandbox: &Sandbox, path_end: &str) -> Vec<Value> {
    sandbox
        .writes()
        .into_iter()
        .filter(|w| w["path"].as_str().is_some_and(|p| p.ends_with(path_end)))
        .collect()
}

#[test]
fn writes_are_refused_unless_allowed_and_a_dry_run_sends_nothing() {
    let off = client(&ACTING.url, &[]).expect("valid config");
    let before = ACTING.writes().len();
    let err = off
        .call(
            Operation::SendSms,
            Some(&table(&[("to", s("+39 333 1234567")), ("text", s("hi"))])),
        )
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Refused);
    assert!(err.message().contains("writes"), "{}", err.message());
    let dry = off
        .call(
            Operation::SendSms,
            Some(&table(&[
                ("to", s("+39 333 1234567")),
                ("text", s("hi")),
                ("dry_run", Arg::Bool(true)),
            ])),
        )
        .expect("a dry run is allowed");
    let dry = json(&dry);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["method"], "POST");
    assert_eq!(dry["path"], "/api/v1/originate/sms");
    assert_eq!(dry["body"]["number"], "+393331234567");
    assert!(!dry.to_string().contains(TOKEN));
    assert_eq!(ACTING.writes().len(), before, "nothing was sent");
    // Only the writes a list names.
    let some = client(&ACTING.url, &[("writes", s("send_sms"))]).expect("valid config");
    let err = some
        .call(Operation::HangupCall, Some(&table(&[("call_id", s("x"))])))
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Refused);
}

#[test]
fn a_call_is_dialled_held_transferred_and_hung_up_then_it_is_in_history() {
    let on = client(&ACTING.url, &[("writes", Arg::Bool(true))]).expect("valid config");
    let made = on
        .call(
            Operation::MakeCall,
            Some(&table(&[
                ("to", s("+39 02 555 0199")),
                ("extension", s("201")),
            ])),
        )
        .expect("make_call");
    assert_eq!(
        json(&made),
        serde_json::json!({"ok": true, "via": "call_control"})
    );
    let sent = received(&ACTING, "/make-call");
    let last = sent.last().expect("make-call received");
    assert_eq!(last["query"]["user"], "201");
    assert_eq!(last["content_type"], "application/json");
    assert_eq!(
        last["body"],
        serde_json::json!({"destination": "+39025550199"})
    );
    let active = on
        .call(
            Operation::ListActiveCalls,
            Some(&table(&[("extension", s("201"))])),
        )
        .expect("active calls");
    let active = json(&active);
    let call = active["calls"]
        .as_array()
        .and_then(|calls| calls.iter().find(|c| c["calleeNumber"] == "+39025550199"))
        .expect("the call is active")
        .clone();
    let id = call["sipCallId"].as_str().expect("sipCallId").to_string();
    for (op, extra) in [
        (Operation::HoldCall, vec![]),
        (Operation::ResumeCall, vec![]),
        (Operation::SendDtmf, vec![("digits", s("12#"))]),
        (Operation::TransferCall, vec![("to", s("202"))]),
        (Operation::HangupCall, vec![]),
    ] {
        let mut pairs = vec![("call_id", s(&id)), ("extension", s("201"))];
        pairs.extend(extra);
        on.call(op, Some(&table(&pairs)))
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
    }
    assert_eq!(
        received(&ACTING, "/blind-transfer").last().unwrap()["body"]["destination"],
        "202"
    );
    // Each write went once.
    assert_eq!(
        ACTING
            .writes()
            .iter()
            .filter(|w| w["body"]["sipCallId"] == id.as_str())
            .count(),
        5
    );
    let history = on
        .call(
            Operation::ListCalls,
            Some(&table(&[("limit", Arg::Int(5))])),
        )
        .expect("history");
    let history = json(&history);
    assert!(
        history["calls"]
            .as_array()
            .is_some_and(|calls| calls.iter().any(|c| c["to_number"] == "202")),
        "{history}"
    );
    // A call that is gone is a 404, said so.
    let err = on
        .call(
            Operation::HangupCall,
            Some(&table(&[("call_id", s(&id)), ("extension", s("201"))])),
        )
        .unwrap_err();
    assert_eq!(err.kind(), Kind::NotFound);
}

#[test]
fn make_call_falls_back_to_originate_where_there_is_no_call_control() {
    let on = client(&PLAIN.url, &[("writes", Arg::Bool(true))]).expect("valid config");
    let made = on
        .call(
            Operation::MakeCall,
            Some(&table(&[("to", s("0255550123"))])),
        )
        .expect("make_call");
    assert_eq!(json(&made)["via"], "originate");
    let sent = received(&PLAIN, "/Originate/Call");
    assert_eq!(
        sent.last().unwrap()["body"],
        serde_json::json!({"number": "0255550123"})
    );
    // With an extension asked for, the 404 stands: Originate/Call rings
    // only the credential's own user.
    let err = on
        .call(
            Operation::MakeCall,
            Some(&table(&[("to", s("0255550123")), ("extension", s("201"))])),
        )
        .unwrap_err();
    assert_eq!(err.kind(), Kind::NotFound);
}

#[test]
fn a_write_is_sent_at_most_once_and_says_whether_the_pbx_may_have_acted() {
    let contact = |url: &str| {
        let on = client(
            url,
            &[("writes", Arg::Bool(true)), ("retries", Arg::Int(5))],
        )
        .expect("valid config");
        on.call(
            Operation::CreateContact,
            Some(&table(&[
                ("phonebook_id", s("1")),
                ("name", s("Once Only")),
            ])),
        )
    };
    let before = received(&PLAIN, "/Contacts").len();
    for (steps, retryable) in [
        ("503,ok", false),
        ("close,ok", false),
        ("midbody,ok", false),
        ("429s0,ok", true),
    ] {
        let err = contact(&format!("{}/_fault/{steps}~write", PLAIN.url)).unwrap_err();
        assert_eq!(err.retryable(), retryable, "{steps}: {}", err.message());
        let says = if retryable {
            "nothing reached the PBX"
        } else {
            "may have carried it out"
        };
        assert!(err.message().contains(says), "{steps}: {}", err.message());
    }
    // midbody: the PBX acted once (its answer was cut); the others never
    // reached it; nothing was sent twice.
    assert_eq!(received(&PLAIN, "/Contacts").len(), before + 1);
    // A connection that cannot be made: nothing sent, safe to retry.
    let err = contact("http://127.0.0.1:9").unwrap_err();
    assert!(err.retryable(), "{}", err.message());
}

#[test]
fn contacts_are_form_encoded_and_an_s2s_app_signs_the_body() {
    let options = [
        (s("url"), s(&ACTING.url)),
        (s("app_id"), s("sandbox-app")),
        (s("app_name"), s("wildix-sandbox")),
        (s("secret"), s("sandbox-app-secret")),
        (s("writes"), Arg::Bool(true)),
    ];
    let app = Arc::new(Client::new(
        Config::from_options("default", Some(&options), &|_| None).expect("valid config"),
    ));
    let created = app
        .call(
            Operation::CreateContact,
            Some(&table(&[
                ("phonebook_id", s("2")),
                ("name", s("Zoë + Co")),
                ("mobile", s("+39 333 000 1111")),
                ("type", s("blacklist")),
            ])),
        )
        .expect("a signed form");
    let created = json(&created);
    let id = created["id"].as_str().expect("the new id").to_string();
    assert_eq!(created["name"], "Zoë + Co");
    let sent = received(&ACTING, "/Contacts").pop().unwrap();
    assert_eq!(sent["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(sent["body"]["data"]["name"], "Zoë + Co");
    assert_eq!(sent["body"]["data"]["mobile"], "+393330001111");
    // A JSON body signed too (call control), and a DELETE.
    app.call(
        Operation::MakeCall,
        Some(&table(&[("to", s("201")), ("extension", s("100"))])),
    )
    .expect("signed JSON");
    app.call(Operation::DeleteContact, Some(&table(&[("id", s(&id))])))
        .expect("signed DELETE");
    // An app has no user: call control needs the extension it acts for.
    let err = app
        .call(Operation::MakeCall, Some(&table(&[("to", s("201"))])))
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Argument);
}
