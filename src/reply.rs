//! What a call returns, built and owned by Rust until the Lua side pushes
//! it (`lua_push`): decoded tapes and a few plain values, arranged as the
//! contract's result tables.

use crate::decode::{Node, Tape};

/// A result, not yet in Lua. One per call: boxing the tapes would cost an
/// allocation.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Out {
    Int(i64),
    Bool(bool),
    Text(String),
    /// The value at a node of a tape (one record).
    Value(Tape, usize),
    /// Records of list tapes, in order, as one sequence: each tape with the
    /// node indices of the records to keep.
    Records(Vec<(Tape, Vec<usize>)>),
    /// The list the caller built while the first answer was decoded
    /// (`lua_push::push_stream`), holding this many records, and then
    /// these.
    Appended(u64, Vec<(Tape, Vec<usize>)>),
    /// A table with these fields.
    Table(Vec<(&'static str, Out)>),
}

/// A field's value, as the record holds it (the last one, as in Lua).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'t> {
    Text(&'t [u8]),
    Bool(bool),
}

/// The value of field `name` of the record at `at`, if it is a string or a
/// boolean.
pub(crate) fn field<'t>(tape: &'t Tape, at: usize, name: &str) -> Option<Value<'t>> {
    let Some(Node::Object(n)) = tape.node(at) else {
        return None;
    };
    let mut found = None;
    let mut key = at + 1;
    for _ in 0..n {
        let value = key + 1;
        let is_name = match tape.node(key) {
            Some(Node::Field(id)) => tape.field(id) == Some(name.as_bytes()),
            Some(Node::Key(t)) => tape.bytes(t) == name.as_bytes(),
            _ => false,
        };
        if is_name {
            // the last one wins, as in the Lua table
            found = match tape.node(value) {
                Some(Node::Str(t)) => Some(Value::Text(tape.bytes(t))),
                // A value the tape holds once for many records (a group's key).
                Some(Node::Field(id)) => tape.field(id).map(Value::Text),
                Some(Node::Bool(b)) => Some(Value::Bool(b)),
                _ => None,
            };
        }
        key = tape.skip(value);
    }
    found
}

/// The text of field `name` of the record at `at`, if it is a string.
pub(crate) fn field_text<'t>(tape: &'t Tape, at: usize, name: &str) -> Option<&'t [u8]> {
    match field(tape, at, name)? {
        Value::Text(text) => Some(text),
        Value::Bool(_) => None,
    }
}

#[cfg(test)]
impl Out {
    /// The result as JSON text: what Lua gets, written down (tests, fixtures).
    pub(crate) fn to_json(&self) -> String {
        match self {
            Out::Int(i) => i.to_string(),
            Out::Bool(b) => b.to_string(),
            Out::Text(t) => format!("{t:?}"),
            Out::Value(tape, at) => tape.to_json(*at).0,
            // (An `Appended` list's first records are in Lua, not here.)
            Out::Records(pages) | Out::Appended(_, pages) => {
                let items: Vec<String> = pages
                    .iter()
                    .flat_map(|(tape, picks)| picks.iter().map(|at| tape.to_json(*at).0))
                    .collect();
                format!("[{}]", items.join(","))
            }
            Out::Table(fields) => {
                let items: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{:?}:{}", k, v.to_json()))
                    .collect();
                format!("{{{}}}", items.join(","))
            }
        }
    }
}
