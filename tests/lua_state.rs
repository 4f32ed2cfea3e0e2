//! The module opened in a real (vendored) Lua state, without an interpreter
//! binary: the shim loads, errors are objects, no request needs a server.

use mlua::{Lua, Table, Value};

fn module() -> (Lua, Table) {
    let lua = Lua::new();
    let wildix = wildix::open(&lua).expect("module opens");
    lua.globals().set("wildix", wildix.clone()).expect("global");
    (lua, wildix)
}

/// A sandbox PBX on a free port, answering `token`.
fn sandbox(token: &str) -> wildix_sandbox::Sandbox {
    wildix_sandbox::Sandbox::start(wildix_sandbox::Options {
        port: 0,
        token: token.into(),
        ..Default::default()
    })
    .expect("sandbox starts")
}

#[test]
fn version_is_the_crate_version() {
    let (_lua, wildix) = module();
    let version: String = wildix.get("version").unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn argument_errors_are_objects_with_tostring() {
    let (lua, _) = module();
    let (kind, text): (String, String) = lua
        .load(
            r#"
            local ok, err = pcall(wildix.list_calls, { limt = 5 })
            assert(not ok)
            return err.kind, tostring(err)
            "#,
        )
        .eval()
        .unwrap();
    assert_eq!(kind, "argument");
    assert_eq!(
        text,
        "wildix: argument: list_calls: unknown parameter 'limt' (expected: limit, page, date_from, \
         date_to, status, type, search, extension, fields)"
    );
}

#[test]
fn tokens_never_show_in_tostring() {
    let (lua, _) = module();
    let text: String = lua
        .load(
            r#"
            local ns = wildix.configure("office", {
                url = "https://office.example.com",
                token = "wsk-v1-supersecretsupersecret1234",
            })
            local ok, err = pcall(wildix.configure, "office", { url = "http://example.com", token = "wsk-v1-supersecretsupersecret1234" })
            assert(not ok and err.kind == "config")
            return tostring(err) .. type(ns.list_calls)
            "#,
        )
        .eval()
        .unwrap();
    assert!(!text.contains("supersecret"), "{text}");
    assert!(text.ends_with("function"), "{text}");
}

#[test]
fn unknown_account_is_a_config_error() {
    let (lua, _) = module();
    let value: Value = lua
        .load("local ok, err = pcall(function() return wildix.offfice end); return err.message")
        .eval()
        .unwrap();
    let message = value.as_string().unwrap().to_string_lossy();
    assert!(message.contains("'offfice'"), "{message}");
    assert!(message.contains("WILDIX_OFFFICE_URL"), "{message}");
}

/// Two Lua states, each on its own OS thread, using the module at once
/// against one sandbox: no shared state is unsynchronised, nothing is lost.
#[test]
fn two_lua_states_on_two_threads() {
    let sandbox = sandbox("threads-token-0123456789");
    let url = sandbox.url.clone();
    let workers: Vec<_> = (0..2)
        .map(|n| {
            let url = url.clone();
            std::thread::spawn(move || {
                let (lua, _) = module();
                lua.globals().set("URL", url).unwrap();
                lua.globals().set("N", n).unwrap();
                lua.load(
                    r#"
                    wildix.configure{ url = URL, token = "threads-token-0123456789" }
                    local seen = 0
                    for page = 1, 40 do
                      local r = wildix.list_calls{ limit = 50, page = page + N * 40 }
                      assert(#r.calls == 50, "page " .. page)
                      seen = seen + #r.calls
                      assert(wildix.get_call{ id = r.calls[1].id }.id == r.calls[1].id)
                    end
                    local ok, err = pcall(wildix.get_call, { id = "missing" })
                    assert(not ok and err.kind == "not_found")
                    return seen
                    "#,
                )
                .eval::<i64>()
                .expect("script runs")
            })
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().expect("thread finishes"), 2000);
    }
    // Each state's account keeps one connection alive.
    assert_eq!(sandbox.stats().connections, 2);
}

/// A Lua memory error raised while a page becomes Lua tables (any
/// allocation in `lua_push` may raise it) is caught by the caller's
/// `pcall`, leaves the state usable, and never unwinds across Rust: for a
/// page built after its decode (200 records, 16 KB) and one built while
/// another thread decodes it (1,000 records, 80 KB: `decode::stream`).
fn memory_errors_are_catchable(records: usize) {
    let (lua, _) = module();
    lua.load(format!(
        r#"
        local records = {{}}
        for i = 1, {records} do
          records[i] = ('{{"id":"%d","from_number":"101","disposition":"ANSWERED","note":"record %d"}}')
            :format(i, i)
        end
        BODY = '{{"type":"result","result":{{"total":{records},"records":[' .. table.concat(records, ",") .. ']}}}}'
        "#
    ))
    .exec()
    .expect("body builds");
    let decode = r#"
        local ok, result = pcall(wildix._decode, "list_calls", BODY)
        if ok then return #result.calls end
        return tostring(result)
    "#;
    let mut failed = 0;
    let mut extra = 4 * 1024;
    loop {
        lua.gc_collect().expect("gc");
        lua.set_memory_limit(lua.used_memory() + extra)
            .expect("the vendored Lua allows a limit");
        let outcome = lua.load(decode).eval::<Value>();
        lua.set_memory_limit(0).expect("limit lifted");
        match outcome {
            Ok(Value::Integer(n)) => {
                assert_eq!(n as usize, records);
                break;
            }
            Ok(Value::String(s)) => {
                let message = s.to_string_lossy();
                assert!(message.contains("memory"), "{message}");
                failed += 1;
            }
            // The limit hit outside our call (in the chunk itself).
            Err(mlua::Error::MemoryError(_)) => failed += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
        extra += 4 * 1024 * records / 200;
        assert!(extra < 64 * 1024 * 1024, "never succeeded");
    }
    assert!(failed > 3, "the limit never bit ({failed} failures)");
    let n: i64 = lua.load(decode).eval().expect("the state still works");
    assert_eq!(n as usize, records);
}

#[test]
fn memory_errors_while_pushing_are_catchable() {
    memory_errors_are_catchable(200);
}

#[test]
fn memory_errors_while_pushing_a_streamed_page_are_catchable() {
    memory_errors_are_catchable(1000);
}

/// Records with more distinct keys than `lua_push` keeps on the stack
/// (its table path) come through whole, each key with its own value.
#[test]
fn records_with_many_distinct_keys() {
    let (lua, _) = module();
    let count: i64 = lua
        .load(
            r#"
            local records = {}
            for r = 1, 3 do
              local fields = { ('"id":"%d"'):format(r) }
              for k = 1, 400 do fields[#fields + 1] = ('"k%d_%d":%d'):format(r, k, k) end
              records[r] = "{" .. table.concat(fields, ",") .. "}"
            end
            local body = '{"type":"result","result":{"total":3,"records":[' .. table.concat(records, ",") .. ']}}'
            local calls = wildix._decode("list_extensions", body).extensions
            local n = 0
            for r, record in ipairs(calls) do
              assert(record.id == tostring(r))
              for k = 1, 400 do
                assert(record[("k%d_%d"):format(r, k)] == k, ("record %d key %d"):format(r, k))
                n = n + 1
              end
            end
            return n
            "#,
        )
        .eval()
        .expect("decodes");
    assert_eq!(count, 1200);
}

/// The same when the page is built while it is decoded (80 KB: streamed)
/// and the keys pass the stack's limit halfway: the keys made so far move
/// to a table, and every record keeps its own.
#[test]
fn records_with_many_distinct_keys_streamed() {
    let (lua, _) = module();
    let count: i64 = lua
        .load(
            r#"
            local records, pad = {}, ("x"):rep(150)
            for r = 1, 400 do
              records[r] = ('{"id":"%d","pad":"%s","a%d":%d,"b%d":%d}'):format(r, pad, r, r, r, -r)
            end
            local body = '{"type":"result","result":{"total":400,"records":[' .. table.concat(records, ",") .. ']}}'
            assert(#body > 64 * 1024)
            local list = wildix._decode("list_extensions", body).extensions
            local n = 0
            for r, record in ipairs(list) do
              assert(record.id == tostring(r) and record.pad == pad, r)
              assert(record["a" .. r] == r and record["b" .. r] == -r, r)
              assert(record["a" .. (r + 1)] == nil, r)
              n = n + 1
            end
            return n
            "#,
        )
        .eval()
        .expect("decodes");
    assert_eq!(count, 400);
}

/// `max_requests_per_second` is one bucket for every Lua state of the
/// process that configures the same account: two states on two threads,
/// 25 calls each at 20 a second, take at least (50 - 20) / 20 = 1.5 s.
#[test]
fn the_request_rate_is_shared_by_lua_states() {
    let sandbox = sandbox("rate-token-0123456789");
    let url = sandbox.url.clone();
    let started = std::time::Instant::now();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let (lua, _) = module();
                lua.globals().set("URL", url).unwrap();
                lua.load(
                    r#"
                    wildix.configure("shared", { url = URL, token = "rate-token-0123456789",
                      max_requests_per_second = 20 })
                    for _ = 1, 25 do wildix.shared.get_current_user() end
                    "#,
                )
                .exec()
                .expect("calls succeed")
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("thread finishes");
    }
    let took = started.elapsed();
    assert!(took >= std::time::Duration::from_millis(1400), "{took:?}");
    assert_eq!(sandbox.stats().requests, 50);
}

/// The load check `make bench` runs (issue 13): 8 Lua states on 8 threads,
/// one account at `max_requests_per_second = 50`, against one sandbox. Once
/// the first second's burst is spent, the sandbox must see 50 requests a
/// second, within 10%, and no call may fail.
#[test]
#[ignore = "a load check for make bench: 8 Lua states for 6 s"]
fn load_eight_lua_states_share_one_rate() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    let sandbox = sandbox("load-token-0123456789");
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let url = sandbox.url.clone();
            let stop = Arc::clone(&stop);
            let failures = Arc::clone(&failures);
            std::thread::spawn(move || {
                let (lua, _) = module();
                lua.globals().set("URL", url).unwrap();
                let stopped = lua
                    .create_function(move |_, ()| Ok(stop.load(Ordering::Relaxed)))
                    .unwrap();
                lua.globals().set("stopped", stopped).unwrap();
                let failed: u64 = lua
                    .load(
                        r#"
                        wildix.configure("load", { url = URL, token = "load-token-0123456789",
                          max_requests_per_second = 50, timeout = 10 })
                        local failed = 0
                        while not stopped() do
                          if not pcall(wildix.load.get_current_user) then failed = failed + 1 end
                        end
                        return failed
                        "#,
                    )
                    .eval()
                    .expect("the loop runs");
                failures.fetch_add(failed, Ordering::Relaxed);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let (first, from) = (sandbox.stats().requests, Instant::now());
    std::thread::sleep(Duration::from_secs(5));
    let (last, to) = (sandbox.stats().requests, Instant::now());
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().expect("thread finishes");
    }
    let rate = (last - first) as f64 / (to - from).as_secs_f64();
    let failed = failures.load(Ordering::Relaxed);
    println!("RATE {rate:.1} requests a second, limit 50, 8 Lua states on 8 threads, {failed} failed calls");
    assert!((rate - 50.0).abs() <= 5.0, "observed {rate:.1} a second");
    assert_eq!(failed, 0);
}
