//! The Lua side of the Rust core: the `core` table the shim (lua/wildix.lua)
//! is built on, the account handle, and the one conversion of `Error` into
//! the Lua error object.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use mlua::{Lua, MetaMethod, Result, Table, UserData, UserDataMethods, Value as LuaValue};

use crate::api::Operation;
use crate::client::Client;
use crate::config::{self, Config};
use crate::error::{Error, Kind};
use crate::lua_decode;
use crate::params::{self, Arg};
use crate::terminal;

/// The pure-Lua shim: accounts, aliases, docs, error objects.
const SHIM: &str = include_str!("../lua/wildix.lua");
/// The `lua_read_doc` text.
const DOC: &str = include_str!("../docs/reference.md");

/// Builds the module table: the Rust core, wrapped by the shim.
pub fn open(lua: &Lua) -> Result<Table> {
    let core = lua.create_table()?;
    core.set("version", env!("CARGO_PKG_VERSION"))?;
    core.set("doc", DOC)?;
    core.set(
        "new_client",
        lua.create_function(|lua, (name, options): (LuaValue, LuaValue)| {
            let result = guard(|| new_client(&name, &options));
            match result {
                Ok(client) => Ok((
                    LuaValue::UserData(lua.create_userdata(client)?),
                    LuaValue::Nil,
                )),
                Err(e) => Ok((LuaValue::Nil, LuaValue::Table(error_object(lua, &e)?))),
            }
        })?,
    )?;
    // For the `wildix` command (lua/wildix/cli.lua): table or JSON, and how wide.
    core.set(
        "terminal",
        lua.create_function(|lua, ()| {
            let t = lua.create_table()?;
            t.set("stdout", terminal::stdout_is_terminal())?;
            t.set("stderr", terminal::stderr_is_terminal())?;
            t.set("columns", terminal::columns())?;
            Ok(t)
        })?,
    )?;
    core.set(
        "check_account_name",
        lua.create_function(|lua, name: LuaValue| {
            let name = arg(&name);
            let result = match &name {
                Arg::Str(bytes) => config::check_account_name(&String::from_utf8_lossy(bytes)),
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
            let result = prepare(&op, &table).and_then(|(op, pairs)| {
                params::validate(op.spec(), pairs.as_deref()).map_err(|e| e.in_function(op.name()))
            });
            match result {
                Ok(_) => Ok(LuaValue::Nil),
                Err(e) => Ok(LuaValue::Table(error_object(lua, &e)?)),
            }
        })?,
    )?;
    // Decoding alone, for benchmarks (`wildix._decode`): a body as the PBX
    // would send it for `op`, into the table the function would return.
    core.set(
        "decode",
        lua.create_function(|lua, (op, body): (String, mlua::String)| {
            let op = Operation::from_name(&op)
                .ok_or_else(|| mlua::Error::runtime("unknown function"))?;
            let params = params::Params::default();
            match guard(|| lua_decode::decode(lua, op, &params, &body.as_bytes())) {
                Ok(value) => Ok((true, value)),
                Err(e) => Ok((false, LuaValue::Table(error_object(lua, &e)?))),
            }
        })?,
    )?;
    core.set(
        "argument_error",
        lua.create_function(|lua, message: String| error_object(lua, &Error::argument(message)))?,
    )?;
    core.set(
        "config_error",
        lua.create_function(|lua, message: String| error_object(lua, &Error::config(message)))?,
    )?;
    lua.load(SHIM).set_name("=wildix.lua").call(core)
}

/// An account handle held by the shim.
struct ClientHandle(Arc<Client>);

impl UserData for ClientHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        // Returns `true, result` or `false, error_object`; the shim raises.
        methods.add_method("call", |lua, this, (op, table): (LuaValue, LuaValue)| {
            let client = Arc::clone(&this.0);
            let result = prepare(&op, &table).and_then(|(op, pairs)| {
                let fetched = guard(|| client.fetch(op, pairs.as_deref()))?;
                guard(|| lua_decode::decode(lua, op, &fetched.params, &fetched.body))
                    .map_err(|e| fetched.blame(e).in_function(op.name()))
            });
            match result {
                Ok(value) => Ok((true, value)),
                Err(e) => Ok((false, LuaValue::Table(error_object(lua, &e)?))),
            }
        });
        methods.add_method("account", |_, this, ()| {
            Ok(this.0.config().account().to_string())
        });
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| {
            let config = this.0.config();
            Ok(format!(
                "wildix account '{}' ({}, token {})",
                config.account(),
                config.base_url(),
                config.token()
            ))
        });
    }
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
fn prepare(op: &LuaValue, table: &LuaValue) -> std::result::Result<(Operation, Pairs), Error> {
    let op = match op {
        LuaValue::String(s) => Operation::from_name(&s.to_string_lossy()),
        _ => None,
    }
    .ok_or_else(|| Error::argument("unknown function"))?;
    match table_pairs(table) {
        Ok(pairs) => Ok((op, pairs)),
        Err(got) => Err(params::not_a_table(op.spec(), &got).in_function(op.name())),
    }
}

/// Runs Rust code so that a panic becomes an error instead of unwinding
/// into Lua. The message is fixed: a panic payload could hold anything.
fn guard<T>(f: impl FnOnce() -> std::result::Result<T, Error>) -> std::result::Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::new(
            Kind::Decode,
            "internal error in wildix (a bug: please report it with the call that caused it)",
        ))
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
                pairs.push((arg(&key), arg(&value)));
            }
            Ok(Some(pairs))
        }
        other => Err(arg(other)),
    }
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
    object.set("attempts", error.attempts())?;
    object.set("retry_after", error.retry_after())?;
    Ok(object)
}
