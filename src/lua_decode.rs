//! Step 3, the fast way: the PBX's JSON parsed straight onto the Lua stack
//! (no intermediate `serde_json::Value`), records normalised in the same
//! pass, tables pre-sized from the previous record. `null` becomes an absent
//! field and lists stay sequences, as in `to_lua`.
//!
//! Works on the raw C API inside `Lua::exec_raw` (a protected call), the
//! way lua-cjson builds its tables; every push is preceded by a stack check.

use std::borrow::Cow;
use std::ffi::c_int;
use std::fmt;

use mlua::{ffi, Lua, Value as LuaValue};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::api::{self, Operation};
use crate::error::Error;
use crate::normalize::{CallFacts, RecordKind, Scalar};
use crate::params::Params;

type L = *mut ffi::lua_State;

/// Fields a normaliser adds; tables are sized for them up front.
const ADDED_FIELDS: c_int = 6;

/// Decodes a 2xx body for `op` into the Lua table the function returns.
pub fn decode(lua: &Lua, op: Operation, params: &Params, body: &[u8]) -> Result<LuaValue, Error> {
    let mut outcome: Result<(), Error> = Ok(());
    // SAFETY: `exec_raw` hands us the state inside a protected call with a
    // stack guard; we only push values and leave exactly one on success.
    let value = unsafe {
        lua.exec_raw::<LuaValue>((), |state| {
            let base = ffi::lua_gettop(state);
            outcome = decode_on_stack(state, op, params, body);
            if outcome.is_err() {
                ffi::lua_settop(state, base);
                ffi::lua_pushnil(state);
            }
        })
    };
    match (outcome, value) {
        (Ok(()), Ok(value)) => Ok(value),
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) => Err(Error::decode(format!("cannot build the Lua result: {e}"))),
    }
}

/// Parses the envelope and leaves the result table on the stack.
unsafe fn decode_on_stack(
    state: L,
    op: Operation,
    params: &Params,
    body: &[u8],
) -> Result<(), Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    if ffi::lua_checkstack(state, 8) == 0 {
        return Err(Error::decode("no room on the Lua stack"));
    }
    ffi::lua_createtable(state, 32, 0);
    let mut cx = Context {
        state,
        kind: op.record_kind(),
        hint: 0,
        problem: None,
        key_cache: ffi::lua_gettop(state),
        keys: Vec::new(),
    };
    let envelope = EnvelopeSeed {
        cx: &mut cx,
        list: op.list_key().is_some(),
    }
    .deserialize(&mut de);
    let parsed = envelope.and_then(|e| de.end().map(|()| e));
    let envelope = match parsed {
        Ok(envelope) => envelope,
        Err(e) => {
            return Err(cx.problem.take().unwrap_or_else(|| {
                Error::decode(format!(
                    "the PBX answer is not valid JSON ({e}; starts with {})",
                    crate::envelope::excerpt(body, 60)
                ))
            }))
        }
    };
    if envelope.is_error {
        return Err(Error::decode(format!(
            "the PBX answered with an error envelope: {}",
            envelope.reason.unwrap_or_else(|| "no reason given".into())
        )));
    }
    if !envelope.has_result {
        return Err(Error::decode(
            "the PBX answer has no 'result' (not a Wildix API response?)",
        ));
    }
    ffi::lua_remove(state, cx.key_cache);
    let Some(list_key) = op.list_key() else {
        return Ok(()); // the record is on the stack
    };
    // Stack: records. Wrap them in { <list_key> = records, total, ... }.
    let (total, has_more) = api::page_summary(params, envelope.total, envelope.returned);
    ffi::lua_createtable(state, 0, 5);
    push_str(state, list_key);
    ffi::lua_pushvalue(state, -3);
    ffi::lua_rawset(state, -3);
    set_int(state, "total", total as i64);
    set_int(state, "page", params.page as i64);
    set_int(state, "limit", i64::from(params.limit));
    push_str(state, "has_more");
    ffi::lua_pushboolean(state, c_int::from(has_more));
    ffi::lua_rawset(state, -3);
    ffi::lua_remove(state, -2);
    Ok(())
}

/// Shared state of one decode.
struct Context {
    state: L,
    kind: RecordKind,
    /// Fields in the last record: the next one is likely the same size.
    hint: c_int,
    /// A precise error to report instead of serde's.
    problem: Option<Error>,
    /// Stack index of a table caching record keys by position: records
    /// repeat their keys in order, so most keys are pushed from there.
    key_cache: c_int,
    /// The previous record's keys, by position.
    keys: Vec<String>,
}

impl Context {
    fn fail<E: serde::de::Error>(&mut self, error: Error) -> E {
        let message = error.message().to_string();
        self.problem = Some(error);
        E::custom(message)
    }

    /// Pushes the key at `position` of a record, from the cache when the
    /// previous record had the same key there.
    unsafe fn push_key(&mut self, position: usize, key: &str) {
        let slot = position as ffi::lua_Integer + 1;
        if self.keys.get(position).is_some_and(|k| k == key) {
            ffi::lua_rawgeti(self.state, self.key_cache, slot);
            return;
        }
        push_str(self.state, key);
        ffi::lua_pushvalue(self.state, -1);
        ffi::lua_rawseti(self.state, self.key_cache, slot);
        if position < self.keys.len() {
            self.keys[position] = key.to_string();
        } else if position == self.keys.len() {
            self.keys.push(key.to_string());
        }
    }

    /// Room for `n` more values, or an error (deep nesting).
    unsafe fn reserve<E: serde::de::Error>(&mut self, n: c_int) -> Result<(), E> {
        if ffi::lua_checkstack(self.state, n) == 0 {
            return Err(self.fail(Error::decode("the PBX answer is nested too deeply")));
        }
        Ok(())
    }
}

unsafe fn push_str(state: L, s: &str) {
    ffi::lua_pushlstring(state, s.as_ptr().cast(), s.len());
}

/// Integers where the Lua version has them; numbers (exact to 2^53) elsewhere.
unsafe fn push_int(state: L, i: i64) {
    #[cfg(any(feature = "lua53", feature = "lua54", feature = "lua-tests"))]
    ffi::lua_pushinteger(state, i as ffi::lua_Integer);
    #[cfg(not(any(feature = "lua53", feature = "lua54", feature = "lua-tests")))]
    ffi::lua_pushnumber(state, i as ffi::lua_Number);
}

unsafe fn set_int(state: L, key: &str, value: i64) {
    push_str(state, key);
    push_int(state, value);
    ffi::lua_rawset(state, -3);
}

unsafe fn set_text(state: L, key: &str, value: &str) {
    push_str(state, key);
    push_str(state, value);
    ffi::lua_rawset(state, -3);
}

/// The scalar visits of a visitor that only takes a list or an object: each
/// is a decode error with `$message`.
macro_rules! reject_scalars {
    ($value:ty, $message:expr) => {
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<$value, E> {
            Err(self.cx.fail(Error::decode($message)))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<$value, E> {
            Err(self.cx.fail(Error::decode($message)))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<$value, E> {
            Err(self.cx.fail(Error::decode($message)))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<$value, E> {
            Err(self.cx.fail(Error::decode($message)))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<$value, E> {
            Err(self.cx.fail(Error::decode($message)))
        }
    };
}

/// What the envelope held besides the value left on the stack.
struct Envelope {
    is_error: bool,
    reason: Option<String>,
    has_result: bool,
    total: Option<u64>,
    returned: u64,
}

struct EnvelopeSeed<'a> {
    cx: &'a mut Context,
    list: bool,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = Envelope;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Envelope, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object with a 'result'")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut envelope = Envelope {
            is_error: false,
            reason: None,
            has_result: false,
            total: None,
            returned: 0,
        };
        while let Some(key) = map.next_key::<KeyBuf>()? {
            match key.0.as_ref() {
                "type" => {
                    let kind: serde_json::Value = map.next_value()?;
                    envelope.is_error = kind.as_str() == Some("error");
                }
                "reason" | "message" | "error" if envelope.reason.is_none() => {
                    let reason: serde_json::Value = map.next_value()?;
                    envelope.reason = reason.as_str().map(str::to_string);
                }
                "result" if !envelope.has_result => {
                    envelope.has_result = true;
                    if self.list {
                        let (total, returned) =
                            map.next_value_seed(PageSeed { cx: &mut *self.cx })?;
                        envelope.total = total;
                        envelope.returned = returned;
                    } else {
                        map.next_value_seed(RecordResultSeed { cx: &mut *self.cx })?;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // An error envelope may carry a result; the value is dropped then.
        Ok(envelope)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Envelope, A::Error> {
        Err(self.cx.fail(Error::decode(
            "the PBX answer is not a JSON object with a 'result'",
        )))
    }
}

/// An object key: borrowed from the body, owned only when it had escapes.
struct KeyBuf<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for KeyBuf<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyBuf<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyBuf<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(KeyBuf(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyBuf(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// A list `result`: `{"total": "N", "records": [...]}` (or a bare list).
/// Leaves the records table on the stack; returns (total, records).
struct PageSeed<'a> {
    cx: &'a mut Context,
}

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = (Option<u64>, u64);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = (Option<u64>, u64);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list result object")
    }

    reject_scalars!(Self::Value, "the list 'result' is not an object");

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut total = None;
        let mut records: Option<u64> = None;
        while let Some(key) = map.next_key::<KeyBuf>()? {
            match key.0.as_ref() {
                "total" => {
                    let value: serde_json::Value = map.next_value()?;
                    if !value.is_null() {
                        total = Some(crate::envelope::count(&value).ok_or_else(|| {
                            self.cx
                                .fail(Error::decode(format!("'total' is not a count: {value}")))
                        })?);
                    }
                }
                "records" if records.is_none() => {
                    records = Some(map.next_value_seed(RecordsSeed { cx: &mut *self.cx })?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let returned = match records {
            Some(n) => n,
            None => unsafe {
                self.cx.reserve::<A::Error>(1)?;
                ffi::lua_createtable(self.cx.state, 0, 0);
                0
            },
        };
        Ok((total, returned))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let n = RecordsSeed { cx: self.cx }.visit_seq(seq)?;
        Ok((None, n))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Err(self
            .cx
            .fail(Error::decode("the list 'result' is not an object")))
    }
}

/// `records`: a list of record objects, pushed as a sequence.
struct RecordsSeed<'a> {
    cx: &'a mut Context,
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_> {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of records")
    }

    reject_scalars!(u64, "'records' is not a list");

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let state = self.cx.state;
        unsafe {
            self.cx.reserve::<A::Error>(4)?;
            let size = seq.size_hint().unwrap_or(0).min(1 << 16) as c_int;
            ffi::lua_createtable(state, size, 0);
        }
        let mut n: u64 = 0;
        while let Some(pushed) = seq.next_element_seed(RecordSeed { cx: &mut *self.cx })? {
            if pushed {
                n += 1;
                unsafe { ffi::lua_rawseti(state, -2, n as ffi::lua_Integer) };
            }
        }
        Ok(n)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<u64, E> {
        unsafe {
            self.cx.reserve::<E>(1)?;
            ffi::lua_createtable(self.cx.state, 0, 0);
        }
        Ok(0)
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<u64, A::Error> {
        Err(self.cx.fail(Error::decode("'records' is not a list")))
    }
}

/// A single-record `result` (or a one-element list of one).
struct RecordResultSeed<'a> {
    cx: &'a mut Context,
}

impl<'de> DeserializeSeed<'de> for RecordResultSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordResultSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }

    reject_scalars!((), "the 'result' is not a record object");

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        RecordSeed { cx: self.cx }.visit_map(map).map(|_| ())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let not_one = || Error::decode("the 'result' is not a record object");
        match seq.next_element_seed(RecordSeed { cx: &mut *self.cx })? {
            Some(true) => {}
            _ => return Err(self.cx.fail(not_one())),
        }
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(self.cx.fail(not_one()));
        }
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Err(self
            .cx
            .fail(Error::decode("the 'result' is not a record object")))
    }
}

/// One record: pushed as a table with the contract's fields added.
/// Returns false (nothing pushed) for a `null` list element.
struct RecordSeed<'a> {
    cx: &'a mut Context,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }

    reject_scalars!(bool, "a record is not an object");

    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let cx = self.cx;
        let state = cx.state;
        unsafe {
            cx.reserve::<A::Error>(6)?;
            ffi::lua_createtable(state, 0, cx.hint + ADDED_FIELDS);
        }
        let mut facts = CallFacts::default();
        let mut number: Option<Cow<'de, str>> = None;
        let mut name: Option<Scalar<'de>> = None;
        let mut fields: c_int = 0;
        let mut position = 0;
        while let Some(key) = map.next_key::<KeyBuf>()? {
            let key = key.0;
            let wants = match cx.kind {
                RecordKind::Call => key == "id" || CallFacts::wants(&key),
                RecordKind::Extension => matches!(key.as_ref(), "id" | "extension" | "name"),
                RecordKind::User => key == "id",
            };
            unsafe { cx.push_key(position, &key) };
            position += 1;
            let pushed = if wants {
                match map.next_value_seed(CaptureSeed { cx: &mut *cx })? {
                    None => false,
                    Some(scalar) => {
                        if key == "id" && !matches!(scalar, Scalar::Text(_) | Scalar::Other) {
                            // ids are always strings
                            if let Some(text) = scalar.text() {
                                unsafe {
                                    ffi::lua_pop(state, 1);
                                    push_str(state, &text);
                                }
                            }
                        }
                        match cx.kind {
                            RecordKind::Call => facts.note(&key, scalar),
                            RecordKind::Extension if key == "extension" => number = scalar.text(),
                            RecordKind::Extension if key == "name" => name = Some(scalar),
                            _ => {}
                        }
                        true
                    }
                }
            } else {
                map.next_value_seed(ValueSeed { cx: &mut *cx })?
            };
            unsafe {
                if pushed {
                    ffi::lua_rawset(state, -3);
                    fields += 1;
                } else {
                    ffi::lua_pop(state, 1); // the key of a null
                }
            }
        }
        cx.hint = fields;
        unsafe {
            match cx.kind {
                RecordKind::Call => {
                    let added = facts.fields();
                    if let Some(from) = &added.from {
                        set_text(state, "from", from);
                    }
                    if let Some(to) = &added.to {
                        set_text(state, "to", to);
                    }
                    set_text(state, "status", &added.status);
                    set_optional_int(state, "billsec", added.billsec);
                    set_optional_int(state, "duration", added.duration);
                }
                RecordKind::Extension => {
                    if let Some(number) = &number {
                        set_text(state, "number", number);
                    }
                    if let Some(name) = &name {
                        if !matches!(name, Scalar::Other) {
                            push_str(state, "user_name");
                            push_scalar(state, name);
                            ffi::lua_rawset(state, -3);
                        }
                    }
                }
                RecordKind::User => {}
            }
        }
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Err(self.cx.fail(Error::decode("a record is not an object")))
    }
}

/// Sets `key` to an integer, or removes it (a PBX value that is not one).
unsafe fn set_optional_int(state: L, key: &str, value: Option<i64>) {
    push_str(state, key);
    match value {
        Some(v) => push_int(state, v),
        None => ffi::lua_pushnil(state),
    }
    ffi::lua_rawset(state, -3);
}

/// Pushes a copy of a captured scalar (for `user_name`).
unsafe fn push_scalar(state: L, scalar: &Scalar) {
    match scalar {
        Scalar::Text(s) => push_str(state, s),
        Scalar::Int(i) => push_int(state, *i),
        Scalar::Float(f) => ffi::lua_pushnumber(state, *f),
        Scalar::Bool(b) => ffi::lua_pushboolean(state, c_int::from(*b)),
        Scalar::Other => ffi::lua_pushnil(state),
    }
}

/// Pushes a value and also returns it as a scalar: `None` for null (which
/// pushes nothing), `Some(Other)` for a list or object (pushed whole).
/// Strings stay borrowed from the body where they had no escapes.
struct CaptureSeed<'a> {
    cx: &'a mut Context,
}

impl<'de> DeserializeSeed<'de> for CaptureSeed<'_> {
    type Value = Option<Scalar<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CaptureSeed<'_> {
    type Value = Option<Scalar<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        ValueSeed { cx: self.cx }.visit_bool::<E>(v)?;
        Ok(Some(Scalar::Bool(v)))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        ValueSeed { cx: self.cx }.visit_i64::<E>(v)?;
        Ok(Some(Scalar::Int(v)))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        ValueSeed { cx: self.cx }.visit_u64::<E>(v)?;
        Ok(Some(match i64::try_from(v) {
            Ok(i) => Scalar::Int(i),
            Err(_) => Scalar::Float(v as f64),
        }))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        ValueSeed { cx: self.cx }.visit_f64::<E>(v)?;
        Ok(Some(Scalar::Float(v)))
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        ValueSeed { cx: self.cx }.visit_str::<E>(v)?;
        Ok(Some(Scalar::Text(Cow::Borrowed(v))))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        ValueSeed { cx: self.cx }.visit_str::<E>(v)?;
        Ok(Some(Scalar::Text(Cow::Owned(v.to_string()))))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ValueSeed { cx: self.cx }.visit_seq(seq)?;
        Ok(Some(Scalar::Other))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        ValueSeed { cx: self.cx }.visit_map(map)?;
        Ok(Some(Scalar::Other))
    }
}

/// Any JSON value, pushed as is. Returns false (nothing pushed) for null.
struct ValueSeed<'a> {
    cx: &'a mut Context,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
        // Scalars need no stack check: their container reserved room.
        unsafe { ffi::lua_pushboolean(self.cx.state, c_int::from(v)) };
        Ok(true)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<bool, E> {
        unsafe { push_int(self.cx.state, v) };
        Ok(true)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<bool, E> {
        unsafe {
            match i64::try_from(v) {
                Ok(i) => push_int(self.cx.state, i),
                Err(_) => ffi::lua_pushnumber(self.cx.state, v as f64),
            }
        }
        Ok(true)
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<bool, E> {
        unsafe { ffi::lua_pushnumber(self.cx.state, v) };
        Ok(true)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        unsafe { push_str(self.cx.state, v) };
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let cx = self.cx;
        let state = cx.state;
        unsafe {
            cx.reserve::<A::Error>(4)?;
            ffi::lua_createtable(state, seq.size_hint().unwrap_or(0).min(1 << 16) as c_int, 0);
        }
        let mut n: ffi::lua_Integer = 0;
        while let Some(pushed) = seq.next_element_seed(ValueSeed { cx: &mut *cx })? {
            // Nulls are skipped so the sequence has no holes.
            if pushed {
                n += 1;
                unsafe { ffi::lua_rawseti(state, -2, n) };
            }
        }
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let cx = self.cx;
        let state = cx.state;
        unsafe {
            cx.reserve::<A::Error>(4)?;
            ffi::lua_createtable(state, 0, map.size_hint().unwrap_or(0).min(1 << 16) as c_int);
        }
        while let Some(key) = map.next_key::<KeyBuf>()? {
            unsafe { push_str(state, &key.0) };
            let pushed = map.next_value_seed(ValueSeed { cx: &mut *cx })?;
            unsafe {
                if pushed {
                    ffi::lua_rawset(state, -3);
                } else {
                    ffi::lua_pop(state, 1);
                }
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod test {
    //! The streaming decoder must agree with the map path (`api::response`)
    //! on every body: same tables, same errors.
    use super::*;
    use mlua::Table;
    use proptest::prelude::*;
    use serde_json::Value;

    use crate::api::OPERATIONS;
    use crate::error::Kind;

    /// The map path's result, converted the plain way.
    fn plain(lua: &Lua, value: &Value) -> LuaValue {
        match value {
            Value::Null => LuaValue::Nil,
            Value::Bool(b) => LuaValue::Boolean(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => LuaValue::Integer(i),
                None => LuaValue::Number(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => LuaValue::String(lua.create_string(s).unwrap()),
            Value::Array(items) => {
                let t = lua.create_table().unwrap();
                for item in items.iter().filter(|v| !v.is_null()) {
                    t.raw_push(plain(lua, item)).unwrap();
                }
                LuaValue::Table(t)
            }
            Value::Object(map) => {
                let t = lua.create_table().unwrap();
                for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
                    t.raw_set(k.as_str(), plain(lua, v)).unwrap();
                }
                LuaValue::Table(t)
            }
        }
    }

    fn same(a: &LuaValue, b: &LuaValue) -> bool {
        match (a, b) {
            (LuaValue::Table(x), LuaValue::Table(y)) => same_table(x, y) && same_table(y, x),
            (LuaValue::Number(x), LuaValue::Number(y)) => x == y || (x.is_nan() && y.is_nan()),
            _ => a == b,
        }
    }

    fn same_table(x: &Table, y: &Table) -> bool {
        x.pairs::<LuaValue, LuaValue>().all(|pair| {
            let (k, v) = pair.unwrap();
            same(&v, &y.raw_get::<LuaValue>(k).unwrap())
        })
    }

    fn check(lua: &Lua, op: Operation, body: &[u8]) -> Result<(), TestCaseError> {
        let params = Params::default();
        let expected = api::response(op, &params, body);
        let got = decode(lua, op, &params, body);
        match (expected, got) {
            (Ok(e), Ok(g)) => prop_assert!(
                same(&plain(lua, &e), &g),
                "{op:?} {:?}",
                String::from_utf8_lossy(body)
            ),
            (Err(e), Err(g)) => {
                prop_assert_eq!(e.kind(), Kind::Decode);
                prop_assert_eq!(g.kind(), Kind::Decode);
            }
            (e, g) => prop_assert!(
                false,
                "{op:?}: map path {e:?}, streaming {g:?} for {:?}",
                String::from_utf8_lossy(body)
            ),
        }
        Ok(())
    }

    #[test]
    fn agrees_on_sandbox_pages() {
        let lua = Lua::new();
        let data = wildix_sandbox::data::generate(3);
        let calls: Vec<Value> = data
            .calls
            .iter()
            .take(300)
            .cloned()
            .map(Value::Object)
            .collect();
        let users: Vec<Value> = data
            .colleagues
            .iter()
            .take(300)
            .cloned()
            .map(Value::Object)
            .collect();
        for (op, records) in [
            (Operation::ListCalls, &calls),
            (Operation::ListExtensions, &users),
            (Operation::ListUsers, &users),
        ] {
            let body = serde_json::json!({"type": "result", "result": {"total": "999", "records": records}});
            check(&lua, op, body.to_string().as_bytes()).unwrap();
        }
        for (op, record) in [
            (Operation::GetCall, &calls[7]),
            (Operation::GetExtension, &users[7]),
            (Operation::GetCurrentUser, &users[0]),
        ] {
            let body = serde_json::json!({"type": "result", "result": record});
            check(&lua, op, body.to_string().as_bytes()).unwrap();
        }
    }

    #[test]
    fn agrees_on_odd_records() {
        let lua = Lua::new();
        for body in [
            r#"{"type":"result","result":{"total":"2","records":[{"id":7,"duration":3.7,"billsec":"x","disposition":null,"src":"1","from_number":""},null,{"id":1.5,"nested":{"a":[1,null,{"b":null}]},"start":"2026-01-01 00:00:00","end":"2026-01-01 00:01:00"}]}}"#,
            r#"{"result":[{"id":"a","extension":101,"name":"Zo\u00eb"}],"type":"result"}"#,
            r#"{"type":"result","result":{"records":[]}}"#,
            r#"{"type":"result","result":{"total":null}}"#,
            r#"{"type":"result","result":{"total":"3","records":[{"id":1e300,"duration":1e300,"billsec":-5},{"id":-0.0,"duration":"1e400","billsec":9223372036854775808},{"id":9007199254740993,"duration":-1,"start":"2026-01-01 00:00:00","end":"2025-01-01 00:00:00"}]}}"#,
            r#"{"type":"result","result":{"id":"1","duration":"  42 ","billsec":"4.5","end":"2026-13-45 99:99:99","start":"x"}}"#,
            // totals no PBX has: refused by both, never wrapped to -1
            r#"{"type":"result","result":{"total":6.859786557148014e+27}}"#,
            r#"{"type":"result","result":{"total":"18446744073709551615","records":[]}}"#,
            r#"{"type":"result","result":[{"id":"x","name":{"first":"A"}}]}"#,
            r#"{"type":"result","result":{"id":18446744073709551615,"extension":-1}}"#,
            r#"{"type":"error","reason":"nope","result":{}}"#,
            r#"{"type":"result","result":{"total":"1","records":[1]}}"#,
            r#"{"type":"result","result":"text"}"#,
            r#"{"type":"result"}"#,
            r#"[]"#,
            r#"{"type":"result","result":{}} trailing"#,
        ] {
            for op in OPERATIONS {
                check(&lua, op, body.as_bytes()).unwrap();
            }
        }
    }

    #[test]
    fn refuses_deep_nesting_without_crashing() {
        let lua = Lua::new();
        let deep = format!(
            r#"{{"type":"result","result":{{"id":"1","x":{}1{}}}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        let got = decode(
            &lua,
            Operation::GetCall,
            &Params::default(),
            deep.as_bytes(),
        );
        assert!(got.is_ok());
        let deeper = format!(
            r#"{{"type":"result","result":{{"id":"1","x":{}1{}}}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let got = decode(
            &lua,
            Operation::GetCall,
            &Params::default(),
            deeper.as_bytes(),
        );
        assert_eq!(got.unwrap_err().kind(), Kind::Decode);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn agrees_on_arbitrary_bodies(
            body in crate::property_tests::envelope(),
            op in 0usize..6,
        ) {
            let lua = Lua::new();
            check(&lua, OPERATIONS[op], &body)?;
        }
    }
}
