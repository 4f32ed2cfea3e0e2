//! Property tests: arbitrary PBX answers and arbitrary Lua values never
//! panic; they give a result or a typed error. Bounded so CI stays fast.

use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::api::{self, Operation};
use crate::catalogue::FUNCTIONS;
use crate::config::Config;
use crate::decode::{self, Shape};
use crate::error::Kind;
use crate::params::{self, Arg};

fn arg() -> impl Strategy<Value = Arg> {
    prop_oneof![
        Just(Arg::Nil),
        any::<bool>().prop_map(Arg::Bool),
        any::<i64>().prop_map(Arg::Int),
        any::<f64>().prop_map(Arg::Num),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0)].prop_map(Arg::Num),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(Arg::Str),
        "[a-z_]{0,12}".prop_map(|s| Arg::Str(s.into_bytes())),
        "[0-9: T-]{0,20}".prop_map(|s| Arg::Str(s.into_bytes())),
        Just(Arg::Other("table")),
        Just(Arg::Other("function")),
    ]
}

fn key() -> impl Strategy<Value = Arg> {
    prop_oneof![
        3 => prop_oneof![
            Just("limit"), Just("page"), Just("date_from"), Just("date_to"), Just("id")
        ]
        .prop_map(|k| Arg::Str(k.as_bytes().to_vec())),
        1 => arg(),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[ -~]{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("id".to_string()),
                        Just("total".to_string()),
                        Just("records".to_string()),
                        Just("start".to_string()),
                        Just("end".to_string()),
                        Just("duration".to_string()),
                        Just("billsec".to_string()),
                        Just("disposition".to_string()),
                        Just("extension".to_string()),
                        "[a-z]{1,8}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

pub(crate) fn envelope() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json().prop_map(|result| {
            serde_json::json!({"type": "result", "result": result})
                .to_string()
                .into_bytes()
        }),
        json().prop_map(|v| v.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..256),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_decodes_or_is_a_decode_error(body in envelope(), op in 0usize..6) {
        let op: Operation = FUNCTIONS[op].op;
        let shape = match op.list_key() {
            Some(_) => Shape::List(op.record_kind()),
            None => Shape::Record(op.record_kind()),
        };
        let is_error = String::from_utf8_lossy(&body).contains("\"error\"");
        match decode::decode(body, shape) {
            Ok(decoded) => prop_assert!(serde_json::from_str::<Value>(&decoded.tape.to_json(0).0).is_ok()),
            Err(e) if is_error => prop_assert_ne!(e.kind(), Kind::Argument),
            Err(e) => prop_assert_eq!(e.kind(), Kind::Decode),
        }
    }

    #[test]
    fn any_parameter_table_validates_or_is_an_argument_error(
        pairs in proptest::collection::vec((key(), arg()), 0..6),
        op in 0usize..FUNCTIONS.len(),
    ) {
        let op: Operation = FUNCTIONS[op].op;
        match params::validate(op.spec(), Some(&pairs)) {
            Ok(p) => {
                prop_assert!((1..=1000).contains(&p.limit));
                prop_assert!(p.page >= 1);
                // Whatever was accepted builds a request with a safe path.
                let requests = match api::plan(op, &p, crate::config::Scope::Pbx) {
                    api::Plan::Record(r)
                    | api::Plan::Find { request: r, .. }
                    | api::Plan::All(r) => vec![r],
                    api::Plan::List { request, .. } => vec![request],
                    api::Plan::Lookup(searches) => searches.into_iter().map(|s| s.request).collect(),
                    api::Plan::Write { write, fallback } => {
                        std::iter::once(write).chain(fallback).map(|w| w.request).collect()
                    }
                };
                for request in requests {
                    prop_assert!(!request.path.contains(".."));
                    prop_assert!(request.path.matches('/').count() <= 6);
                }
            }
            Err(e) => prop_assert_eq!(e.kind(), Kind::Argument),
        }
    }

    #[test]
    fn any_non_table_parameter_is_an_argument_error(value in arg(), op in 0usize..6) {
        let err = params::not_a_table(FUNCTIONS[op].op.spec(), &value);
        prop_assert_eq!(err.kind(), Kind::Argument);
    }

    #[test]
    fn any_option_table_configures_or_is_a_config_error(
        pairs in proptest::collection::vec((
            prop_oneof![
                Just("url"), Just("token"), Just("timeout"), Just("retries"),
                Just("scope"), Just("max_response_bytes"), Just("timout"),
                Just("max_requests_per_second"), Just("connect_timeout"), Just("concurrency"),
            ].prop_map(|k| Arg::Str(k.as_bytes().to_vec())),
            prop_oneof![arg(), (-1e3f64..1e3).prop_map(Arg::Num), Just(Arg::Num(1e-19))],
        ), 0..6),
    ) {
        match Config::from_options("default", Some(&pairs), &|_| None) {
            Err(e) => prop_assert_eq!(e.kind(), Kind::Config),
            // What the options set is used without a panic: a rate's
            // bucket gives tokens, or says none comes in time.
            Ok(config) => {
                if let Some(rate) = config.max_requests_per_second() {
                    let bucket = crate::throttle::Bucket::shared(&format!("prop {rate}"), rate);
                    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(5);
                    for _ in 0..3 {
                        if let Err(e) = bucket.take(deadline) {
                            prop_assert_eq!(e.kind(), Kind::RateLimited);
                        }
                    }
                }
            }
        }
    }
}
