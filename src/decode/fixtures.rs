//! Fixtures: PBX bodies and exactly what they must give — the result Lua
//! gets (as JSON: fields in order, nulls gone, added fields last) or the
//! error (kind and message). Includes every case on which the two decoders
//! that once existed disagreed.

use super::*;
use crate::error::Kind;
use crate::normalize::RecordKind::{Call, Extension, User};

fn ok(shape: Shape, body: &str) -> String {
    match decode(body.as_bytes().to_vec(), shape) {
        Ok(d) => d.tape.to_json(0).0,
        Err(e) => panic!("{body}: {e}"),
    }
}

fn err(shape: Shape, body: &str) -> (Kind, String, Option<u16>) {
    match decode(body.as_bytes().to_vec(), shape) {
        Ok(d) => panic!("{body}: decoded to {}", d.tape.to_json(0).0),
        Err(e) => (e.kind(), e.message().to_string(), e.http_status()),
    }
}

#[test]
fn call_records_gain_the_contract_fields() {
    assert_eq!(
        ok(
            Shape::List(Call),
            r#"{"type":"result","result":{"total":"2","records":[
            {"id":8289,"start":"2015-03-11 13:32:36","end":"2015-03-11 13:33:36","billsec":"56",
             "disposition":"ANSWERED","from_number":"101","to_number":"+3212345","cost":"0","x":null},
            {"id":"1426080756.123","src":"102","dst":"103","duration":"17","billsec":"",
             "disposition":"NO ANSWER","from_name":"Zo\u00eb"}]}}"#
        ),
        concat!(
            r#"[{"id":"8289","start":"2015-03-11 13:32:36","end":"2015-03-11 13:33:36","#,
            r#""disposition":"ANSWERED","from_number":"101","to_number":"+3212345","cost":"0","#,
            r#""from":"101","to":"+3212345","status":"answered","direction":"outbound","missed":false,"#,
            r#""billsec":56,"end_time":"2015-03-11 13:33:36","duration":60},"#,
            r#"{"id":"1426080756.123","src":"102","dst":"103","disposition":"NO ANSWER","#,
            r#""from_name":"Zoë","from":"102","to":"103","status":"no_answer","direction":"internal","#,
            r#""missed":false,"duration":17}]"#
        )
    );
}

#[test]
fn utc_offsets_give_iso_times() {
    // The live-tenant record docs/pbx.md quotes.
    assert_eq!(
        ok(
            Shape::Record(Call),
            r#"{"type":"result","result":{"id":"8455","start":"2026-07-20 19:36:27","timezone":"-0400","from_number":"204","to_number":"0018292303822","billsec":"257","duration":"267","channel":"SIP/204-0000028a","type":"call"}}"#
        ),
        concat!(
            r#"{"id":"8455","start":"2026-07-20 19:36:27","timezone":"-0400","from_number":"204","#,
            r#""to_number":"0018292303822","channel":"SIP/204-0000028a","type":"call","#,
            r#""from":"204","to":"0018292303822","status":"unknown","direction":"outbound","#,
            r#""missed":false,"billsec":257,"duration":267,"#,
            r#""start_iso":"2026-07-20T19:36:27-04:00"}"#
        )
    );
    assert_eq!(
        ok(
            Shape::Record(Call),
            r#"{"type":"result","result":{"id":"1","start":"2026-01-01 10:00:00","timezone":"Europe/Rome"}}"#
        ),
        concat!(
            r#"{"id":"1","start":"2026-01-01 10:00:00","timezone":"Europe/Rome","status":"unknown","#,
            r#""direction":"unknown","missed":false}"#
        )
    );
}

#[test]
fn records_of_different_shapes_and_key_orders_keep_their_own_keys() {
    // Two shapes in turn (as call history mixes them), one with its keys
    // in another order, and a key met first in the middle of a record.
    assert_eq!(
        ok(
            Shape::List(Extension),
            r#"{"type":"result","result":[
            {"id":1,"a":"1","b":"2","c":"3"},
            {"id":2,"a":"1","x":"9","b":"2","c":"3"},
            {"id":3,"a":"1","b":"2","c":"3"},
            {"c":"3","b":"2","a":"1","id":4},
            {"id":5,"b":"2","a":"1"},
            {"id":6,"a":"1","x":"9","b":"2","c":"3"}]}"#
        ),
        concat!(
            r#"[{"id":"1","a":"1","b":"2","c":"3"},{"id":"2","a":"1","x":"9","b":"2","c":"3"},"#,
            r#"{"id":"3","a":"1","b":"2","c":"3"},{"c":"3","b":"2","a":"1","id":"4"},"#,
            r#"{"id":"5","b":"2","a":"1"},{"id":"6","a":"1","x":"9","b":"2","c":"3"}]"#
        )
    );
}

#[test]
fn records_with_many_keys_keep_them_all() {
    // Past 32 distinct keys, keys are found by hash: the first record
    // brings 40, the second repeats them backwards and adds one.
    let keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
    let record = |keys: &mut dyn Iterator<Item = &String>| {
        keys.map(|k| format!(r#""{k}":"{k}""#))
            .collect::<Vec<_>>()
            .join(",")
    };
    let first = record(&mut keys.iter());
    let second = record(&mut keys.iter().rev());
    let body = format!(
        r#"{{"type":"result","result":[{{{first}}},{{{second},"k40":"k40","k0":"again"}}]}}"#
    );
    // Each key by its own id, duplicates kept in order (Lua's last wins).
    assert_eq!(
        ok(Shape::List(Extension), &body),
        format!(r#"[{{{first}}},{{{second},"k40":"k40","k0":"again"}}]"#)
    );
}

#[test]
fn extensions_and_users() {
    assert_eq!(
        ok(
            Shape::List(Extension),
            r#"{"type":"result","result":[{"id":12,"extension":101,"name":"Ana","email":"a@x"}]}"#
        ),
        r#"[{"id":"12","extension":101,"name":"Ana","email":"a@x","number":"101","user_name":"Ana"}]"#
    );
    assert_eq!(
        ok(
            Shape::Record(User),
            r#"{"type":"result","result":[{"id":"3","extension":"103","name":""}]}"#
        ),
        r#"{"id":"3","extension":"103","name":""}"#
    );
}

#[test]
fn nulls_vanish_and_nesting_is_kept() {
    assert_eq!(
        ok(
            Shape::List(User),
            r#"{"type":"result","result":{"records":[null,{"id":null,"a":[1,null,{"b":null,"c":"\u00e9"}],"e":{}},null]}}"#
        ),
        r#"[{"a":[1,{"c":"é"}],"e":{}}]"#
    );
    assert_eq!(
        ok(
            Shape::List(User),
            r#"{"type":"result","result":{"total":"3"}}"#
        ),
        "[]"
    );
    assert_eq!(
        ok(
            Shape::List(User),
            r#"{"type":"result","result":{"records":null}}"#
        ),
        "[]"
    );
    // an empty record is an empty table
    assert_eq!(
        ok(Shape::List(Call), r#"{"result":[{},{}]}"#)
            .matches("{")
            .count(),
        2
    );
}

#[test]
fn duplicate_keys_the_last_one_wins() {
    // `result` twice: the second replaces the first (the old decoders
    // disagreed: one kept the first, the other the last).
    assert_eq!(
        ok(
            Shape::List(User),
            r#"{"type":"result","result":{"records":[{"id":"a"}]},"result":{"records":[{"id":"b"}]}}"#
        ),
        r#"[{"id":"b"}]"#
    );
    assert_eq!(
        ok(
            Shape::List(User),
            r#"{"type":"result","result":{"records":[{"id":"a"}],"records":[]}}"#
        ),
        "[]"
    );
    // a later `type` decides
    let (kind, ..) = err(
        Shape::List(User),
        r#"{"type":"result","result":[],"type":"error","code":500}"#,
    );
    assert_eq!(kind, Kind::Http);
    // within a record, both are kept in order; Lua keeps the last
    assert_eq!(
        ok(Shape::Record(User), r#"{"result":{"id":"1","id":"2"}}"#),
        r#"{"id":"1","id":"2"}"#
    );
    // rules read the last value too
    assert!(ok(
        Shape::Record(Call),
        r#"{"result":{"disposition":"BUSY","disposition":"ANSWERED"}}"#
    )
    .ends_with(r#""status":"answered","direction":"unknown","missed":false}"#));
}

#[test]
fn ids_are_strings_or_the_record_is_refused() {
    assert_eq!(
        ok(
            Shape::List(User),
            r#"{"result":[{"id":7},{"id":1.5},{"id":18446744073709551615},{"id":-3}]}"#
        ),
        r#"[{"id":"7"},{"id":"1.5"},{"id":"18446744073709551615"},{"id":"-3"}]"#
    );
    for (id, got) in [("true", "a boolean"), ("{}", "an object"), ("[]", "a list")] {
        let body = format!(r#"{{"result":[{{"id":"1"}},{{"id":{id}}}]}}"#);
        assert_eq!(
            err(Shape::List(User), &body),
            (
                Kind::Decode,
                format!("record 2 has an 'id' that is {got}, not a string or a number"),
                None
            )
        );
    }
}

#[test]
fn error_envelopes_in_2xx_raise_what_their_code_means() {
    let cases = [
        (
            r#"{"type":"error","reason":"401 Unauthorized","code":401}"#,
            Kind::Auth,
            Some(401),
            "the PBX answered: 401 Unauthorized",
        ),
        (
            r#"{"type":"error","reason":"Forbidden","code":"403"}"#,
            Kind::Auth,
            Some(403),
            "the PBX answered: Forbidden",
        ),
        (
            r#"{"type":"error","reason":"404 Not Found","code":404}"#,
            Kind::NotFound,
            Some(404),
            "the PBX answered: 404 Not Found",
        ),
        (
            r#"{"type":"error","reason":"slow down","code":429}"#,
            Kind::RateLimited,
            Some(429),
            "the PBX answered: slow down",
        ),
        (
            r#"{"type":"error","reason":"bad filter","code":400}"#,
            Kind::Http,
            Some(400),
            "the PBX answered: bad filter",
        ),
        (
            r#"{"type":"error","code":500}"#,
            Kind::Http,
            Some(500),
            "the PBX answered: error 500",
        ),
        (
            r#"{"type":"error","reason":"nope","result":{}}"#,
            Kind::Http,
            None,
            "the PBX answered with an error: nope",
        ),
        (
            r#"{"type":"error"}"#,
            Kind::Http,
            None,
            "the PBX answered with an error: no reason given",
        ),
        // reason, then message, then error, whatever their order
        (
            r#"{"type":"error","message":"m","reason":"r","code":500}"#,
            Kind::Http,
            Some(500),
            "the PBX answered: r",
        ),
        // an empty reason is no reason
        (
            r#"{"type":"error","reason":"  ","message":"m","code":500}"#,
            Kind::Http,
            Some(500),
            "the PBX answered: m",
        ),
        (
            r#"{"type":"error","error":{"message":"nested"},"code":500}"#,
            Kind::Http,
            Some(500),
            "the PBX answered: nested",
        ),
        // a code that is no status
        (
            r#"{"type":"error","reason":"x","code":99999}"#,
            Kind::Http,
            None,
            "the PBX answered with an error: x",
        ),
    ];
    for (body, kind, status, message) in cases {
        assert_eq!(
            err(Shape::List(Call), body),
            (kind, message.to_string(), status),
            "{body}"
        );
    }
}

#[test]
fn pbx_text_in_errors_is_bounded() {
    let long = "é".repeat(10_000);
    let body = format!(r#"{{"type":"error","reason":"{long}","code":500}}"#);
    let (_, message, _) = err(Shape::List(Call), &body);
    assert_eq!(message.chars().count(), "the PBX answered: ".len() + 201);
    let body = format!(
        r#"{{"result":{{"total":"{}","records":[]}}}}"#,
        "0x".repeat(1_000_000)
    );
    let (kind, message, _) = err(Shape::List(Call), &body);
    assert_eq!(kind, Kind::Decode);
    assert!(message.len() < 120, "{message}");
    let (_, message, _) = err(Shape::List(Call), &format!("<html>{}", "x".repeat(100_000)));
    assert!(message.len() < 300, "{message}");
}

#[test]
fn bodies_that_are_not_the_json_we_expect() {
    let decode_error = |shape, body: &str| {
        let (kind, message, _) = err(shape, body);
        assert_eq!(kind, Kind::Decode, "{body}: {message}");
        message
    };
    assert!(decode_error(Shape::List(Call), "").contains("nothing (empty body)"));
    assert!(decode_error(Shape::List(Call), "<html>502</html>").contains("\"<html>502</html>\""));
    for body in [
        r#"{"type":"result""#,
        "[1,2]",
        r#"{"type":"result"}"#,
        r#"{"type":"result","result":{}} trailing"#,
        "\u{ff}",
        r#""text""#,
    ] {
        decode_error(Shape::List(Call), body);
        decode_error(Shape::Record(Call), body);
    }
    assert_eq!(
        decode_error(
            Shape::List(Call),
            r#"{"result":{"total":"1","records":[1]}}"#
        ),
        "record 1 is not an object (got 1)"
    );
    assert_eq!(
        decode_error(Shape::List(Call), r#"{"result":{"records":{"a":1}}}"#),
        "'records' is not a list"
    );
    assert_eq!(
        decode_error(Shape::Record(Call), r#"{"result":"text"}"#),
        "the 'result' is not a record object"
    );
    assert_eq!(
        decode_error(Shape::Record(Call), r#"{"result":[{},{}]}"#),
        "the 'result' is not a record object"
    );
    assert_eq!(
        decode_error(Shape::List(Call), r#"{"result":{"total":"many"}}"#),
        r#"'total' is not a count: "many""#
    );
}

#[test]
fn bodies_that_are_not_utf8_are_refused_with_where() {
    // Latin-1 "ï" in a name: JSON must be UTF-8 (RFC 8259).
    let body = b"{\"type\":\"result\",\"result\":[{\"id\":\"1\",\"name\":\"Ana\xef\"}]}".to_vec();
    let e = decode(body, Shape::List(Extension)).unwrap_err();
    assert_eq!(e.kind(), Kind::Decode);
    assert_eq!(
        e.message(),
        r#"the PBX answer is not valid UTF-8 (at byte 48; starts with "{\"type\":\"result\",\"result\":[{\"id\":\"1\",\"name\":\"Ana�\"}]}")"#
    );
}

#[test]
fn totals_are_counts_up_to_2_pow_53() {
    let total = |t: &str| {
        decode(
            format!(r#"{{"result":{{"total":{t}}}}}"#).into_bytes(),
            Shape::List(User),
        )
        .map(|d| d.summary.total)
        .map_err(|e| e.kind())
    };
    assert_eq!(total(r#""2289""#), Ok(Some(2289)));
    assert_eq!(total(r#"" 12 ""#), Ok(Some(12)));
    assert_eq!(total("65"), Ok(Some(65)));
    assert_eq!(total("2.0"), Ok(Some(2)));
    assert_eq!(total("null"), Ok(None));
    assert_eq!(total(&MAX_COUNT.to_string()), Ok(Some(MAX_COUNT)));
    for bad in [
        "-1",
        "2.5",
        "6.859786557148014e+27",
        r#""18446744073709551615""#,
        "9007199254740993",
        "true",
        "[]",
    ] {
        assert_eq!(total(bad), Err(Kind::Decode), "{bad}");
    }
}

#[test]
fn deep_nesting_is_refused_without_crashing() {
    let nested = |depth: usize| {
        format!(
            r#"{{"result":{{"id":"1","x":{}1{}}}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    assert!(decode(nested(100).into_bytes(), Shape::Record(Call)).is_ok());
    let e = decode(nested(5000).into_bytes(), Shape::Record(Call)).unwrap_err();
    assert_eq!(e.kind(), Kind::Decode);
}

#[test]
fn error_bodies_give_their_reason() {
    let reason = |body: &[u8]| error_reason(body);
    assert_eq!(
        reason(br#"{"type":"error","reason":"404 Not Found","code":404}"#).as_deref(),
        Some("404 Not Found")
    );
    assert_eq!(
        reason(br#"{"message":"bad filter"}"#).as_deref(),
        Some("bad filter")
    );
    assert_eq!(
        reason(br#"{"message":"m","reason":"r"}"#).as_deref(),
        Some("r")
    );
    assert_eq!(
        reason(br#"{"error":{"message":"nested"}}"#).as_deref(),
        Some("nested")
    );
    assert_eq!(
        reason(b"<html><title>502 Bad Gateway</title></html>").as_deref(),
        Some("502 Bad Gateway")
    );
    assert_eq!(reason(b"  "), None);
}

#[test]
fn call_pages_say_how_many_records_end_on_the_same_second() {
    let summary = |records: &str| {
        let body = format!(r#"{{"type":"result","result":{{"records":[{records}]}}}}"#);
        decode(body.into_bytes(), Shape::List(Call))
            .unwrap()
            .summary
    };
    let ties = |records: &str| {
        let s = summary(records);
        (s.first_start, s.tail_ties)
    };
    // Which records those are, and their second (numeric ids as text).
    let run = |records: &str| {
        let s = summary(records);
        let ids: Vec<String> = s
            .tail_ids
            .iter()
            .map(|id| String::from_utf8_lossy(id).into())
            .collect();
        (s.last_start, ids)
    };
    let second = |s: &str| Some(format!("2026-01-02 10:00:{s}"));
    assert_eq!(
        run(
            r#"{"id":"1","start":"2026-01-02 10:00:05"},{"id":"2","start":"2026-01-02 10:00:04"},{"id":3,"start":"2026-01-02 10:00:04"}"#
        ),
        (second("04"), vec!["2".to_string(), "3".to_string()])
    );
    assert_eq!(
        run(r#"{"start":"2026-01-02 10:00:04"},{"id":"9","start":"2026-01-02 10:00:04"}"#),
        (second("04"), vec![String::new(), "9".to_string()]),
        "a record without an id keeps its place"
    );
    let a = r#"{"id":"1","start":"2026-01-02 10:00:05"}"#;
    let b = r#"{"id":"2","start":"2026-01-02 10:00:04"}"#;
    let c = r#"{"id":"3","start":"2026-01-02 10:00:04"}"#;
    let none = r#"{"id":"4"}"#;
    let first = || Some("2026-01-02 10:00:05".to_string());
    assert_eq!(ties(&format!("{a},{b},{c}")), (first(), 2));
    assert_eq!(
        ties(&format!("{b},{c},{a}")),
        (Some("2026-01-02 10:00:04".into()), 1)
    );
    assert_eq!(
        ties(&format!("{c},{b},{c}")),
        (Some("2026-01-02 10:00:04".into()), 3)
    );
    assert_eq!(ties(&format!("{a},{b},{none}")), (first(), 1));
    assert_eq!(ties(""), (None, 0));
    // Other lists have no `start` to share.
    let body = r#"{"type":"result","result":{"records":[{"id":"1","start":"x"}]}}"#;
    let d = decode(body.as_bytes().to_vec(), Shape::List(Extension)).unwrap();
    assert_eq!(d.summary.tail_ties, 0);
}

#[test]
fn call_group_members_as_numbers_and_bare_extensions_are_members() {
    let body = r#"{"type":"result","result":{"records":[
        {"id":"1","title":"Support","members":["201@internalcalls","202@internalcalls,2","100",203]}]}}"#;
    assert_eq!(
        ok(Shape::List(RecordKind::CallGroup), body),
        r#"[{"id":"1","title":"Support","members":["201@internalcalls","202@internalcalls,2","100",203],"name":"Support","member_extensions":["201","202","100","203"]}]"#
    );
}

#[test]
fn registrations_in_the_paged_envelope_are_not_extension_records() {
    let body =
        r#"{"type":"result","result":{"records":[{"online":"1","useragent":"W-AIR"}],"total":1}}"#;
    assert_eq!(
        ok(Shape::List(RecordKind::Registration), body),
        r#"[{"useragent":"W-AIR","online":true,"user_agent":"W-AIR"}]"#
    );
    let grouped = r#"{"type":"result","result":{"201":{"registrations":[{"online":"0"}]}}}"#;
    assert_eq!(
        ok(Shape::List(RecordKind::Registration), grouped),
        r#"[{"extension":"201","online":false}]"#
    );
}
