//! Step 3b: decoded JSON into plain Lua tables. `null` becomes an absent
//! field (never a sentinel); arrays become sequences, so `ipairs` works.

use mlua::{Lua, Result, Value as LuaValue};
use serde_json::Value;

/// Converts a JSON value into Lua values and tables.
pub fn to_lua(lua: &Lua, value: &Value) -> Result<LuaValue> {
    Ok(match value {
        Value::Null => LuaValue::Nil,
        Value::Bool(b) => LuaValue::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => LuaValue::Integer(i),
            None => LuaValue::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => LuaValue::String(lua.create_string(s)?),
        Value::Array(items) => {
            let table = lua.create_table_with_capacity(items.len(), 0)?;
            // Nulls are skipped so the sequence has no holes.
            for item in items.iter().filter(|v| !v.is_null()) {
                table.raw_push(to_lua(lua, item)?)?;
            }
            LuaValue::Table(table)
        }
        Value::Object(map) => {
            let table = lua.create_table_with_capacity(0, map.len())?;
            for (key, item) in map.iter().filter(|(_, v)| !v.is_null()) {
                table.raw_set(key.as_str(), to_lua(lua, item)?)?;
            }
            LuaValue::Table(table)
        }
    })
}
