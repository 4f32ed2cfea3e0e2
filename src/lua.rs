//! The Lua side of the Rust core: the `core` table the shim (src/shim.lua)
//! is built on, the account and scan handles, the one conversion of a Rust
//! result into the Lua reply (`reply`), and of `Error` into the Lua error
//! object (`error_object`). Results are pushed by `lua_push`.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use mlua::{Lua, MetaMethod, Result, Table, UserData, UserDataMethods, Value as LuaValue};

use crate::api::{self, Operation, Plan};
use crate::cancel;
use crate::catalogue;
use crate::client::{Answer, Builds, Client};
use crate::config::{self, Config, Scope};
use crate::dates;
use crate::decode::stream::{self, Stream};
use crate::decode::{self, Shape};
use crate::error::{self, Error, Kind};
use crate::lua_hook::Hooks;
use crate::lua_push::{self, Pushed, Streaming};
use crate::pager::{Pager, Run};
use crate::params::{self, Arg};
use crate::reply::Out;
use crate::terminal;
use crate::topics;
use crate::write::Prepared;

/// The pure-Lua shim: accounts, aliases, docs, error objects.
const SHIM: &str = include_str!("shim.lua");
/// The `lua_read_doc` text.
const DOC: &str = include_str!("../docs/reference.md");

/// Builds the module table: the Rust core, wrapped by the shim.
pub fn open(lua: &Lua) -> Result<Table> {
    lua.set_app_data(lua_push::entry(lua)?);
    let core = lua.create_table()?;
    core.set("version", env!("CARGO_PKG_VERSION"))?;
    core.set("doc", DOC)?;
    // One function's topic (`lua_read_doc("wildix.<function>")`), and
    // the names that have one.
    core.set(
        "topic",
        lua.create_function(|_, name: mlua::String| Ok(topics::topic(&name.to_string_lossy())))?,
    )?;
    core.set("topic_names", topics::names())?;
    core.set(
        "credential",
        lua.create_function(|_, name: mlua::String| {
            Ok(topics::credential_of(&name.to_string_lossy()))
        })?,
    )?;
    core.set(
        "params_table",
        lua.create_function(|_, name: mlua::String| {
            Ok(topics::params_table(&name.to_string_lossy()))
        })?,
    )?;
    core.set(
        "new_client",
        lua.create_function(|lua, (name, options): (LuaValue, LuaValue)| {
            let client = guard(|| new_client(&name, &options));
            reply(lua, client.map(Made::Client), None)
        })?,
    )?;
    // For the `wildix` command (lua/wildix/cli.lua): table or JSON, and how wide.
    core.set(
        "terminal",
        lua.create_function(|lua, ()| {
            let t = lua.create_table()?;
            t.set("stdout", terminal::stdout_is_terminal())?;
            t.set("stderr", terminal::stderr_is_terminal())?;
            t.set("stdin", terminal::stdin_is_terminal())?;
            t.set("columns", terminal::columns())?;
            Ok(t)
        })?,
    )?;
    // Terminal columns of a text, and the text cut to fit some: the one
    // width rule, for the CLI's tables and the demo (`wildix._width`).
    core.set(
        "width",
        lua.create_function(|_, text: mlua::String| Ok(terminal::width(&text.to_string_lossy())))?,
    )?;
    core.set(
        "truncate",
        lua.create_function(|lua, (text, columns): (mlua::String, f64)| {
            let text = text.to_string_lossy();
            // math.huge (no terminal) or NaN: as wide as can be, or nothing.
            let columns = if columns.is_nan() {
                0
            } else {
                columns.clamp(0.0, u32::MAX as f64) as usize
            };
            lua.create_string(&*terminal::truncate(&text, columns))
        })?,
    )?;
    // Seconds on a monotonic clock, with sub-second resolution, from a
    // fixed point in this process: the one clock the specs time waits
    // with (os.time counts whole seconds; os.clock counts CPU time).
    core.set(
        "clock",
        lua.create_function(|_, ()| {
            static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
            Ok(ORIGIN
                .get_or_init(std::time::Instant::now)
                .elapsed()
                .as_secs_f64())
        })?,
    )?;
    // The permission bits of a file, and whether the user (or root) owns
    // it: the CLI refuses a profile others can write or read secrets in;
    // nil when it cannot be read.
    core.set(
        "file_mode",
        lua.create_function(|_, path: mlua::String| {
            Ok(match terminal::file_mode(&path.to_string_lossy()) {
                Some((mode, owned)) => (Some(mode), Some(owned)),
                None => (None, None),
            })
        })?,
    )?;
    // The `wildix` command's calendar: "YYYY-MM-DD" plus n days, and its
    // weekday; nil for another string.
    core.set(
        "add_days",
        lua.create_function(|_, (date, days): (LuaValue, i64)| {
            let date = match &date {
                LuaValue::String(s) => s.to_string_lossy(),
                _ => return Ok((None, None)),
            };
            Ok(match dates::add_days(&date, days) {
                Some((day, weekday)) => (Some(day), Some(weekday)),
                None => (None, None),
            })
        })?,
    )?;
    core.set(
        "env_var",
        lua.create_function(|_, (account, key): (String, String)| {
            Ok(config::EnvNames::of(&account).var(&key))
        })?,
    )?;
    core.set(
        "check_account_name",
        lua.create_function(|lua, name: LuaValue| {
            let result = match arg(&name) {
                Arg::Str(bytes) => config::check_account_name(&String::from_utf8_lossy(&bytes)),
                other => Err(Error::config(format!(
                    "account name must be a string, got {}",
                    other.type_name()
                ))),
            };
            match result {
                Ok(()) => Ok(LuaValue::Nil),
                Err(e) => Ok(LuaValue::Table(error_object(lua, &e)?)),
            }
        })?,
    )?;
    // Checks parameters alone: argument errors come before config errors.
    core.set(
        "validate",
        lua.create_function(|lua, (op, table): (LuaValue, LuaValue)| {
            let result = prepare_callable(&op, &table).and_then(|(callable, pairs)| {
                params::validate(callable.spec, pairs.as_deref())
                    .map_err(|e| e.in_function(callable.name))
            });
            match result {
                Ok(_) => Ok(LuaValue::Nil),
                Err(e) => Ok(LuaValue::Table(error_object(lua, &e)?)),
            }
        })?,
    )?;
    // The catalogue (src/catalogue.rs), one table a function or iterator
    // (`walks = true`), in its order: the shim builds its functions,
    // aliases and iterators from it, and hands copies to wildix.functions().
    core.set(
        "functions",
        lua.create_function(|lua, ()| {
            let rows = lua.create_table()?;
            let entry = |name, summary, params, returns, walks: bool, kind: &str| {
                let t = lua.create_table()?;
                t.set("name", name)?;
                t.set("kind", kind)?;
                t.set("summary", summary)?;
                t.set("params", catalogue_params(lua, params)?)?;
                t.set("returns", returns)?;
                if walks {
                    t.set("walks", true)?;
                }
                rows.push(t)
            };
            for row in &catalogue::FUNCTIONS {
                let kind = row.access.as_str();
                entry(row.name, row.summary, row.params, row.returns, false, kind)?;
                if let Some(walk) = row.walk {
                    entry(
                        walk.name,
                        walk.summary,
                        walk.params,
                        walk.returns,
                        true,
                        kind,
                    )?;
                }
            }
            Ok(rows)
        })?,
    )?;
    // Decoding alone, for benchmarks (`wildix._decode`): a body as the PBX
    // would send it for `op` (called with `params`: `fields` applies),
    // into the table the function would return.
    core.set(
        "decode",
        lua.create_function(
            |lua, (op, body, table): (LuaValue, mlua::String, LuaValue)| {
                let body = body.as_bytes().to_vec();
                let mut list = LuaList::new(lua);
                let result = prepare(&op, &table).and_then(|(op, pairs)| {
                    // Without parameters, the body alone (even for a call
                    // that requires some, such as list_active_calls).
                    let params = match pairs {
                        None => params::Params::default(),
                        Some(pairs) => params::validate(op.spec(), Some(&pairs))
                            .map_err(|e| e.in_function(op.name()))?,
                    };
                    guard(|| decode_only(op, &params, body, &mut list))
                        .map_err(|e| e.in_function(op.name()))
                });
                list.reply(result.map(Made::Out))
            },
        )?,
    )?;
    // `tostring(err)`: the text `Error`'s Display gives, from the fields.
    core.set(
        "describe",
        lua.create_function(|_, e: Table| {
            let text = |key: &str| -> Result<Option<String>> {
                Ok(match e.raw_get::<LuaValue>(key)? {
                    LuaValue::Nil => None,
                    LuaValue::String(s) => Some(s.to_string_lossy()),
                    LuaValue::Integer(i) => Some(i.to_string()),
                    LuaValue::Number(n) => Some(n.to_string()),
                    other => Some(format!("{other:?}")),
                })
            };
            Ok(error::describe(
                &text("kind")?.unwrap_or_default(),
                &text("message")?.unwrap_or_default(),
                text("status")?.as_deref(),
                text("method")?.as_deref(),
                text("path")?.as_deref(),
            ))
        })?,
    )?;
    core.set(
        "argument_error",
        lua.create_function(|lua, message: String| error_object(lua, &Error::argument(message)))?,
    )?;
    core.set(
        "refused_error",
        lua.create_function(|lua, message: String| {
            error_object(
                lua,
                &Error::new(Kind::Refused, message).with_retryable(false),
            )
        })?,
    )?;
    core.set(
        "config_error",
        lua.create_function(|lua, message: String| error_object(lua, &Error::config(message)))?,
    )?;
    lua.load(SHIM).set_name("=wildix.lua").call(core)
}

/// `_decode`: the decoder alone, as a call of `op` would run it on one
/// answer (a list keeps every record the body holds).
fn decode_only(
    op: Operation,
    params: &params::Params,
    body: Vec<u8>,
    list: &mut LuaList,
) -> std::result::Result<Out, Error> {
    let view = params.view();
    let shape = Shape::List(op.record_kind());
    Ok(match api::plan(op, params, Scope::Pbx) {
        Plan::List { limit, .. } => {
            Run::of(list.build(body, shape, view, u64::MAX)?).into_out(op, 0, 1, limit)
        }
        // A lookup's first search, every record kept.
        Plan::All(_) | Plan::Lookup(_) => {
            Run::of(list.build(body, shape, view, u64::MAX)?).into_all(op)
        }
        // One record, as a lookup returns it (a write's answer too).
        Plan::Record(_) | Plan::Find { .. } | Plan::Write { .. } => {
            let decoded = decode::decode_fields(body, Shape::Record(op.record_kind()), view)?;
            Out::Value(decoded.tape, 0)
        }
    })
}

/// What a Rust function hands back to Lua, once per call: its size does
/// not matter, and boxing the large variants would cost an allocation.
#[allow(clippy::large_enum_variant)]
enum Made {
    Out(Out),
    Client(ClientHandle),
    Scan(ScanHandle),
    Write(WriteHandle),
    /// The end of a scan.
    Nothing,
}

/// The list of a call's first answer, built in Lua while another thread
/// decodes it (`decode::stream`, `lua_push::push_stream`), when that is
/// worth a thread (`stream::worth_it`).
struct LuaList<'l> {
    lua: &'l Lua,
    /// The list built, for the result's `Out::Appended`.
    table: Option<Table>,
    /// A Lua error raised while building it, to raise again unchanged.
    raised: Option<std::result::Result<LuaValue, mlua::Error>>,
}

impl<'l> LuaList<'l> {
    fn new(lua: &'l Lua) -> LuaList<'l> {
        LuaList {
            lua,
            table: None,
            raised: None,
        }
    }

    /// `reply`, with the list built (or the Lua error raised building it).
    fn reply(self, result: std::result::Result<Made, Error>) -> Result<(LuaValue, LuaValue)> {
        match self.raised {
            Some(Ok(error)) => Ok((LuaValue::Nil, error)),
            Some(Err(error)) => Err(error),
            None => reply(self.lua, result, self.table.as_ref()),
        }
    }
}

impl Builds for LuaList<'_> {
    fn build(
        &mut self,
        body: Vec<u8>,
        shape: Shape,
        view: decode::View,
        asked: u64,
    ) -> std::result::Result<Answer, Error> {
        let decoded = |body| decode::decode_fields(body, shape, view).map(Answer::Decoded);
        if !stream::worth_it(&body, view) {
            return decoded(body);
        }
        let mut stream = match Stream::start(body, shape, view) {
            Ok(stream) => stream,
            Err(body) => return decoded(body),
        };
        let mut job = Streaming {
            stream: &mut stream,
            asked,
            built: 0,
            done: None,
        };
        let pushed = match (
            self.lua.app_data_ref::<lua_push::Entry>(),
            self.lua.create_table(),
        ) {
            (Some(entry), Ok(table)) => lua_push::push_stream(self.lua, &entry, &table, &mut job)
                .map(|raised| (raised, table)),
            (None, _) => Err(mlua::Error::runtime("wildix: module not initialised")),
            (_, Err(e)) => Err(e),
        };
        match pushed {
            Ok((None, table)) => {
                let summary = job.done.take().unwrap_or_else(|| Err(Error::internal()))?;
                self.table = Some(table);
                Ok(Answer::Built {
                    n: job.built,
                    summary,
                })
            }
            // Raised again when the call returns (`reply`); `Kind::Raised`
            // only ends the call.
            Ok((Some(raised), _)) => {
                self.raised = Some(Ok(raised));
                Err(Error::raised())
            }
            Err(e) => {
                self.raised = Some(Err(e));
                Err(Error::raised())
            }
        }
    }
}

/// The one conversion of a Rust result into the Lua reply the shim reads:
/// `true, value` on success; `false, error_object` for a wildix error;
/// `nil, value` for a Lua error raised while building the result (out of
/// memory, a failing finalizer), which the shim raises again unchanged.
/// `list` is the table an `Out::Appended` appends to.
fn reply(
    lua: &Lua,
    result: std::result::Result<Made, Error>,
    list: Option<&Table>,
) -> Result<(LuaValue, LuaValue)> {
    let value = match result {
        // As the interpreter itself would: clear its interrupt hook and
        // raise the string it raises.
        Err(e) if e.kind() == Kind::Interrupted => {
            if let Some(hooks) = Hooks::watch(lua) {
                hooks.clear_interrupt();
            }
            return Ok((
                LuaValue::Nil,
                LuaValue::String(lua.create_string("interrupted!")?),
            ));
        }
        Err(e) => {
            return Ok((
                LuaValue::Boolean(false),
                LuaValue::Table(error_object(lua, &e)?),
            ))
        }
        Ok(Made::Client(client)) => LuaValue::UserData(lua.create_userdata(client)?),
        Ok(Made::Scan(scan)) => LuaValue::UserData(lua.create_userdata(scan)?),
        Ok(Made::Write(write)) => LuaValue::UserData(lua.create_userdata(write)?),
        Ok(Made::Nothing) => LuaValue::Nil,
        Ok(Made::Out(mut out)) => {
            let pushed = match lua.app_data_ref::<lua_push::Entry>() {
                Some(entry) => lua_push::push(lua, &entry, &mut out, list)?,
                None => return Err(mlua::Error::runtime("wildix: module not initialised")),
            };
            // `out` is dropped here, after Lua is done with it.
            match pushed {
                Pushed::Value(value) => value,
                Pushed::Raised(error) => return Ok((LuaValue::Nil, error)),
            }
        }
    };
    Ok((LuaValue::Boolean(true), value))
}

/// An account handle held by the shim.
struct ClientHandle(Arc<Client>);

impl UserData for ClientHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("call", |lua, this, (op, table): (LuaValue, LuaValue)| {
            let mut list = LuaList::new(lua);
            let result = prepare(&op, &table).and_then(|(op, pairs)| {
                guard_waiting(lua, || {
                    this.0.call_building(op, pairs.as_deref(), Some(&mut list))
                })
            });
            list.reply(result.map(Made::Out))
        });
        // An iterator's state: `scan:next()` gives each page's records.
        methods.add_method("scan", |lua, this, (name, table): (LuaValue, LuaValue)| {
            let result = prepare_callable(&name, &table).and_then(|(callable, pairs)| {
                if !callable.walks {
                    return Err(Error::argument("unknown iterator"));
                }
                let params = params::validate(callable.spec, pairs.as_deref())
                    .map_err(|e| e.in_function(callable.name))?;
                let scan = Pager::scan(Arc::clone(&this.0), callable.op, params);
                Ok(ScanHandle(RefCell::new(scan)))
            });
            reply(lua, result.map(Made::Scan), None)
        });
        // A write, checked and built: `describe()` for a dry run or the
        // `before_write` hook, then `send()`, once (src/write.rs).
        methods.add_method(
            "prepare",
            |lua, this, (name, table): (LuaValue, LuaValue)| {
                let result = prepare(&name, &table).and_then(|(op, pairs)| {
                    guard(|| this.0.prepare(op, pairs.as_deref()))
                        .map(|prepared| WriteHandle(Arc::clone(&this.0), prepared))
                });
                reply(lua, result.map(Made::Write), None)
            },
        );
        methods.add_method("account", |_, this, ()| {
            Ok(this.0.config().account().to_string())
        });
        // For `wildix whoami`: the account as configured, never a secret.
        methods.add_method("describe", |lua, this, ()| {
            let config = this.0.config();
            let t = lua.create_table()?;
            t.set("account", config.account())?;
            t.set("url", config.base_url())?;
            t.set("credentials", config.credentials().to_string())?;
            t.set("form", config.credentials().form())?;
            t.set(
                "writes",
                match config.writes() {
                    config::Writes::None => "none".to_string(),
                    config::Writes::All => "all".to_string(),
                    config::Writes::Only(names) => names.join(", "),
                },
            )?;
            Ok(t)
        });
        // `on_request`: record the account's requests from now on, and
        // hand over those recorded since the last time (src/watch.rs).
        methods.add_method("watch_requests", |_, this, ()| {
            this.0.http().watch().enable();
            Ok(())
        });
        methods.add_method("requests", |lua, this, ()| {
            let list = lua.create_table()?;
            for event in this.0.http().watch().drain() {
                let t = lua.create_table_with_capacity(0, 7)?;
                t.set("method", event.method)?;
                t.set("path", event.path)?;
                t.set("query", event.query)?;
                t.set("status", event.status)?;
                t.set("seconds", event.seconds)?;
                t.set("attempt", event.attempt)?;
                t.set("bytes", event.bytes)?;
                list.push(t)?;
            }
            Ok(list)
        });
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| {
            let config = this.0.config();
            Ok(format!(
                "wildix account '{}' ({}, {})",
                config.account(),
                config.base_url(),
                config.credentials()
            ))
        });
    }
}

/// A prepared write held by the shim between its description and its
/// sending.
struct WriteHandle(Arc<Client>, Prepared);

impl UserData for WriteHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("describe", |lua, this, ()| {
            let out = this.1.describe(this.0.config().account());
            reply(lua, Ok(Made::Out(out)), None)
        });
        methods.add_method("send", |lua, this, ()| {
            let result = guard_waiting(lua, || this.0.send(&this.1));
            reply(lua, result.map(Made::Out), None)
        });
    }
}

/// A scan held by an iterator.
struct ScanHandle(RefCell<Pager>);

impl UserData for ScanHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("next", |lua, this, ()| {
            let result = match this.0.try_borrow_mut() {
                Ok(mut scan) => guard_waiting(lua, || scan.next_page()),
                Err(_) => Err(Error::argument("the iterator is already running")),
            };
            reply(
                lua,
                result.map(|page| page.map_or(Made::Nothing, Made::Out)),
                None,
            )
        });
        // Called by the iterator's to-be-closed value (Lua 5.4) when its
        // loop is left: what is in flight stops without waiting for the
        // collector. The borrow cannot fail: `next` runs no Lua, so no step
        // is under way when a loop ends.
        methods.add_method("close", |_, this, ()| {
            if let Ok(mut scan) = this.0.try_borrow_mut() {
                scan.close();
            }
            Ok(())
        });
    }
}

/// A row's parameters as Lua tables: `{ name, type, required, default,
/// values, description }`, `default` and `values` only where they exist (a
/// default of an integer parameter as a Lua integer).
fn catalogue_params(lua: &Lua, params: &[catalogue::Param]) -> Result<Table> {
    let list = lua.create_table()?;
    for p in params {
        let t = lua.create_table()?;
        t.set("name", p.name)?;
        t.set("type", p.ty)?;
        t.set("required", p.required)?;
        match (p.default, p.ty) {
            (Some(d), "integer") => t.set("default", d.parse::<i64>().ok())?,
            (Some(d), "boolean") => t.set("default", d == "true")?,
            (Some(d), _) => t.set("default", d)?,
            (None, _) => {}
        }
        if !p.values.is_empty() {
            t.set("values", p.values.to_vec())?;
        }
        t.set("description", p.description)?;
        list.push(t)?;
    }
    Ok(list)
}

fn new_client(name: &LuaValue, options: &LuaValue) -> std::result::Result<ClientHandle, Error> {
    let name = match arg(name) {
        Arg::Str(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        other => {
            return Err(Error::config(format!(
                "account name must be a string, got {}",
                other.type_name()
            )))
        }
    };
    let options = match table_pairs(options) {
        Ok(options) => options,
        Err(got) => {
            return Err(Error::config(format!(
                "configure expects a table of options such as {{ url = \"https://acme.wildixin.com\", token = \"...\" }}, got {}",
                got.type_name()
            )))
        }
    };
    let env = |key: &str| std::env::var(key).ok();
    let config = Config::from_options(&name, options.as_deref(), &env)?;
    Ok(ClientHandle(Arc::new(Client::new(config))))
}

/// The operation and the parameter table as pairs, or why not.
/// A function (not an iterator) by its Lua name, and its parameter table.
fn prepare(op: &LuaValue, table: &LuaValue) -> std::result::Result<(Operation, Pairs), Error> {
    match prepare_callable(op, table)? {
        (callable, pairs) if !callable.walks => Ok((callable.op, pairs)),
        _ => Err(Error::argument("unknown function")),
    }
}

/// A function or an iterator by its Lua name, and its parameter table.
fn prepare_callable(
    name: &LuaValue,
    table: &LuaValue,
) -> std::result::Result<(catalogue::Callable, Pairs), Error> {
    let callable = match name {
        LuaValue::String(s) => catalogue::callable(&s.to_string_lossy()),
        _ => None,
    }
    .ok_or_else(|| Error::argument("unknown function"))?;
    match table_pairs(table) {
        Ok(pairs) => Ok((callable, pairs)),
        Err(got) => Err(params::not_a_table(callable.spec, &got).in_function(callable.name)),
    }
}

/// Runs Rust code so that a panic becomes an error instead of unwinding
/// into Lua. The message is fixed: a panic payload could hold anything.
fn guard<T>(f: impl FnOnce() -> std::result::Result<T, Error>) -> std::result::Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(Error::internal()))
}

/// `guard` for code that waits for the PBX: an interrupt (Ctrl-C) ends
/// the wait (src/lua_hook.rs, src/cancel.rs).
fn guard_waiting<T>(
    lua: &Lua,
    f: impl FnOnce() -> std::result::Result<T, Error>,
) -> std::result::Result<T, Error> {
    guard(|| match Hooks::watch(lua) {
        Some(hooks) => cancel::watching(move || hooks.interrupted(), f),
        None => f(),
    })
}

/// A parameter or option table as `(key, value)` pairs; `nil` is `None`.
type Pairs = Option<Vec<(Arg, Arg)>>;

fn table_pairs(value: &LuaValue) -> std::result::Result<Pairs, Arg> {
    match value {
        LuaValue::Nil => Ok(None),
        LuaValue::Table(table) => {
            let mut pairs = Vec::new();
            for pair in table.pairs::<LuaValue, LuaValue>() {
                let (key, value) = pair.map_err(|_| Arg::Other("table"))?;
                let value = match (&key, &value) {
                    // `fields = { "id", "start" }` arrives as "id,start".
                    (LuaValue::String(k), LuaValue::Table(list))
                        if matches!(&*k.as_bytes(), b"fields" | b"writes") =>
                    {
                        name_list(list)
                    }
                    _ => arg(&value),
                };
                pairs.push((arg(&key), value));
            }
            Ok(Some(pairs))
        }
        other => Err(arg(other)),
    }
}

/// A list of strings as one comma-separated string; anything else in it
/// makes it an unusable table.
fn name_list(list: &Table) -> Arg {
    let mut names: Vec<u8> = Vec::new();
    for (i, item) in list.sequence_values::<LuaValue>().enumerate() {
        match item {
            Ok(LuaValue::String(s)) if !s.as_bytes().contains(&b',') => {
                if i > 0 {
                    names.push(b',');
                }
                names.extend_from_slice(&s.as_bytes());
            }
            _ => return Arg::Other("table"),
        }
    }
    if list.raw_len() == 0 {
        return Arg::Other("table");
    }
    Arg::Str(names)
}

fn arg(value: &LuaValue) -> Arg {
    match value {
        LuaValue::Nil => Arg::Nil,
        LuaValue::Boolean(b) => Arg::Bool(*b),
        LuaValue::Integer(i) => Arg::Int(*i),
        LuaValue::Number(n) => Arg::Num(*n),
        LuaValue::String(s) => Arg::Str(s.as_bytes().to_vec()),
        other => Arg::Other(other.type_name()),
    }
}

/// The Lua error object: the contract's fields; the shim adds its metatable.
fn error_object(lua: &Lua, error: &Error) -> Result<Table> {
    let object = lua.create_table_with_capacity(0, 8)?;
    object.set("kind", error.kind().as_str())?;
    object.set("message", error.message())?;
    object.set("retryable", error.retryable())?;
    object.set("status", error.http_status())?;
    object.set("method", error.method())?;
    object.set("path", error.path())?;
    object.set("query", error.query())?;
    object.set("attempts", error.attempts())?;
    object.set("retry_after", error.retry_after())?;
    Ok(object)
}
