//! Step 3: a PBX body becomes a `Tape` — the result Lua will get, records
//! normalised — or the error its envelope means. The one decoder: every
//! answer, 2xx or not, is read here, in Rust, with no Lua state involved.
//!
//! `{"type":"result","result":…}` is the envelope (docs/pbx.md);
//! `{"type":"error","code":C,"reason":R}` is an error whatever the HTTP
//! status. Duplicate keys: the last one wins, as in JavaScript's and PHP's
//! JSON readers (and in the Lua table the fields go into).

pub(crate) mod reason;
mod records;
pub(crate) mod stream;
pub(crate) mod tape;

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::Error;
use crate::normalize::RecordKind;
use records::{Builder, GroupsSeed, KeyBuf, RecordResultSeed, RecordsSeed};
pub(crate) use tape::{Node, Tape};

/// What the caller expects in `result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `{"total": N, "records": [...]}` (or a bare list): the tape's root
    /// is the list of records.
    List(RecordKind),
    /// One record object: the tape's root is that record.
    Record(RecordKind),
}

/// A decoded 2xx answer.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub tape: Tape,
    pub summary: Summary,
}

/// The largest count we believe: 2^53, the last integer every Lua number
/// (LuaJIT and 5.1 have only doubles) holds exactly. No PBX has more
/// records; a larger `total` is garbage, and must not wrap or round.
pub(crate) const MAX_COUNT: u64 = 1 << 53;

/// Decodes a 2xx body, every field (the fixtures' entry).
#[cfg(test)]
pub(crate) fn decode(body: Vec<u8>, shape: Shape) -> Result<Decoded, Error> {
    decode_fields(body, shape, View::default())
}

/// How a caller wants records built: only some `fields` (and `id`; the
/// rules still read what they need), and the `party` whose calls they are
/// (a call's direction is then its: one extension's history).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct View<'a> {
    pub fields: Option<&'a [String]>,
    pub party: Option<&'a str>,
}

/// Decodes a 2xx body, building only `fields` of each record (and `id`)
/// when given: the rules still read what they need.
pub(crate) fn decode_fields(body: Vec<u8>, shape: Shape, view: View) -> Result<Decoded, Error> {
    let mut tape = Tape::over(&body);
    let summary = decode_into(&body, &mut tape, shape, view)?;
    tape.attach(std::sync::Arc::new(body));
    Ok(Decoded { tape, summary })
}

/// What a decode says besides its tape.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    /// `result.total`, when the PBX sent one.
    pub total: Option<u64>,
    /// The `start` of the first call record, whatever fields were built
    /// (scans pin their window on it).
    pub first_start: Option<String>,
    /// The last one's `start`, how many call records at the end of the
    /// list share it, and their ids (call legs share a second: lists
    /// joined from several answers start each on the run before it).
    pub last_start: Option<String>,
    pub tail_ties: u64,
    pub tail_ids: Vec<Box<[u8]>>,
}

/// Decodes `body` onto `tape` (made `over` it, or `shipping` it).
fn decode_into(body: &[u8], tape: &mut Tape, shape: Shape, view: View) -> Result<Summary, Error> {
    if body.len() > tape::MAX_BYTES {
        return Err(Error::decode("the PBX answer is too large to decode"));
    }
    // JSON is UTF-8 (RFC 8259). Checked once here, serde_json reads the body
    // as text and skips checking each string again: that per-string check
    // was a tenth of a call page's decode.
    let text = std::str::from_utf8(body).map_err(|e| {
        Error::decode(format!(
            "the PBX answer is not valid UTF-8 (at byte {}; starts with {})",
            e.valid_up_to(),
            reason::excerpt(body, 60)
        ))
    })?;
    let mut builder = Builder::new(tape, shape);
    builder.fields = view.fields.map(<[String]>::to_vec);
    builder.party = view.party.map(str::to_string);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = EnvelopeSeed {
        b: &mut builder,
        shape: Some(shape),
    }
    .deserialize(&mut de)
    .and_then(|envelope| de.end().map(|()| envelope));
    let envelope =
        parsed.map_err(|e| builder.problem.take().unwrap_or_else(|| not_json(&e, body)))?;
    if envelope.is_error {
        return Err(envelope.error());
    }
    if !envelope.has_result {
        return Err(Error::decode(
            "the PBX answer has no 'result' (not a Wildix API response?)",
        ));
    }
    Ok(Summary {
        total: envelope.total,
        first_start: builder.first_start.take(),
        last_start: builder.last_start.take(),
        tail_ties: builder.tail_ties,
        tail_ids: builder.tail_ids(),
    })
}

/// A body's envelope alone, its records read onto a tape that is dropped:
/// for the answers whose records are not wanted.
fn envelope_only(body: &[u8]) -> Result<Envelope, serde_json::Error> {
    let mut tape = Tape::default();
    let mut builder = Builder::new(&mut tape, Shape::Record(RecordKind::User));
    EnvelopeSeed {
        b: &mut builder,
        shape: None,
    }
    .deserialize(&mut serde_json::Deserializer::from_slice(body))
}

/// The error a 2xx body's envelope says (`{"type":"error",…}`), if it
/// says one: what a decoded read raises, for the answers that are not
/// decoded (writes, the call record a recording is read from).
pub(crate) fn envelope_error(body: &[u8]) -> Option<Error> {
    let envelope = envelope_only(body).ok()?;
    envelope.is_error.then(|| envelope.error())
}

/// The reason in a non-2xx body: the envelope's `reason`, else `message`,
/// else `error`; or the text of an HTML page; bounded either way.
pub(crate) fn error_reason(body: &[u8]) -> Option<String> {
    envelope_only(body)
        .ok()
        .and_then(|envelope| envelope.reason())
        .or_else(|| reason::page_text(body))
}

fn not_json(error: &serde_json::Error, body: &[u8]) -> Error {
    // serde's text names a line and column; the excerpt shows the start.
    let detail = reason::truncate(&error.to_string(), 80);
    Error::decode(format!(
        "the PBX answer is not valid JSON ({detail}; starts with {})",
        reason::excerpt(body, 60)
    ))
}

/// The envelope's own fields (the result went onto the tape).
#[derive(Debug, Default)]
struct Envelope {
    is_error: bool,
    code: Option<u16>,
    /// `reason`, `message`, `error`, as found.
    reasons: [Option<String>; 3],
    has_result: bool,
    total: Option<u64>,
}

impl Envelope {
    fn reason(&self) -> Option<String> {
        self.reasons.iter().flatten().next().cloned()
    }

    /// The error a `{"type":"error"}` envelope means, by its `code`.
    fn error(&self) -> Error {
        let reason = self.reason();
        match self.code {
            Some(code) => {
                let message = reason.unwrap_or_else(|| format!("error {code}"));
                Error::status(code, format!("the PBX answered: {message}"))
            }
            None => Error::new(
                crate::error::Kind::Http,
                format!(
                    "the PBX answered with an error: {}",
                    reason.unwrap_or_else(|| "no reason given".into())
                ),
            ),
        }
    }
}

/// Reads the envelope; `shape: None` reads the error fields only.
struct EnvelopeSeed<'b, 't> {
    b: &'b mut Builder<'t>,
    shape: Option<Shape>,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_, '_> {
    type Value = Envelope;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Envelope, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_, '_> {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object with a 'result'")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut envelope = Envelope::default();
        while let Some(key) = map.next_key::<KeyBuf>()? {
            match (key.0.as_ref(), self.shape) {
                ("type", _) => envelope.is_error = map.next_value_seed(IsError)?,
                ("code", _) => envelope.code = map.next_value_seed(Code)?,
                ("reason", _) => envelope.reasons[0] = map.next_value_seed(Reason)?,
                ("message", _) => envelope.reasons[1] = map.next_value_seed(Reason)?,
                ("error", _) => envelope.reasons[2] = map.next_value_seed(Reason)?,
                ("result", Some(shape)) => {
                    // A second `result` replaces the first.
                    self.b.restart();
                    envelope.has_result = true;
                    envelope.total = match shape {
                        // Registrations come as lists by extension.
                        Shape::List(RecordKind::Registration) => {
                            map.next_value_seed(GroupsSeed { b: &mut *self.b })?;
                            None
                        }
                        Shape::List(_) => map.next_value_seed(PageSeed { b: &mut *self.b })?,
                        Shape::Record(_) => {
                            map.next_value_seed(RecordResultSeed { b: &mut *self.b })?;
                            None
                        }
                    };
                }
                // Call control answers `{"calls": [...]}` with no envelope
                // on some PBXs (and inside `result` on others).
                ("calls", Some(Shape::List(RecordKind::ActiveCall))) => {
                    self.b.restart();
                    envelope.has_result = true;
                    map.next_value_seed(RecordsSeed { b: &mut *self.b })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Envelope, A::Error> {
        Err(self.b.fail(Error::decode(
            "the PBX answer is not a JSON object with a 'result'",
        )))
    }

    records::reject_scalars!(
        Envelope,
        "the PBX answer is not a JSON object with a 'result'"
    );
}

/// `type`: whether it is the string "error". Nothing else is kept.
struct IsError;

impl<'de> DeserializeSeed<'de> for IsError {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IsError {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == "error")
    }
    records::ignore_others!(bool, false);
}

/// `code`: an HTTP-like status as a number or numeric string.
struct Code;

impl<'de> DeserializeSeed<'de> for Code {
    type Value = Option<u16>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<u16>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Code {
    type Value = Option<u16>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.trim().parse().ok().filter(|c| (100..600).contains(c)))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(u16::try_from(v).ok().filter(|c| (100..600).contains(c)))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u16::try_from(v).ok().filter(|c| (100..600).contains(c)))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok((v.fract() == 0.0 && (100.0..600.0).contains(&v)).then_some(v as u16))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        records::skip_seq(seq).map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        records::skip_map(map).map(|()| None)
    }
}

/// A reason: a string (cleaned, bounded), or an object holding one
/// (`{"error":{"message":…}}`); anything else is no reason.
struct Reason;

impl<'de> DeserializeSeed<'de> for Reason {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Reason {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(reason::clean(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found: [Option<String>; 3] = Default::default();
        while let Some(key) = map.next_key::<KeyBuf>()? {
            let slot = match key.0.as_ref() {
                "reason" => 0,
                "message" => 1,
                "error" => 2,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            found[slot] = map.next_value_seed(Reason)?;
        }
        Ok(found.into_iter().flatten().next())
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        records::skip_seq(seq).map(|()| None)
    }
}

/// A list `result`: `{"total": N, "records": [...]}` or a bare list.
/// Returns the total.
struct PageSeed<'b, 't> {
    b: &'b mut Builder<'t>,
}

impl<'de> DeserializeSeed<'de> for PageSeed<'_, '_> {
    type Value = Option<u64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_, '_> {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list result object")
    }

    records::reject_scalars!(Self::Value, "the list 'result' is not an object");

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Err(self
            .b
            .fail(Error::decode("the list 'result' is not an object")))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut total = None;
        let mut records = false;
        while let Some(key) = map.next_key::<KeyBuf>()? {
            match key.0.as_ref() {
                "total" => match map.next_value_seed(Total)? {
                    Ok(count) => total = count,
                    Err(shown) => {
                        return Err(self
                            .b
                            .fail(Error::decode(format!("'total' is not a count: {shown}"))))
                    }
                },
                "records" => {
                    self.b.restart();
                    map.next_value_seed(RecordsSeed { b: &mut *self.b })?;
                    records = true;
                }
                "calls" if self.b.kind() == RecordKind::ActiveCall => {
                    self.b.restart();
                    map.next_value_seed(RecordsSeed { b: &mut *self.b })?;
                    records = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !records {
            self.b.restart();
            self.b.empty_list();
        }
        Ok(total)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        RecordsSeed { b: self.b }.visit_seq(seq)?;
        Ok(None)
    }
}

/// `total`: a count up to `MAX_COUNT`, as a number or numeric string;
/// `Ok(None)` for null; `Err(excerpt)` for anything else.
struct Total;

impl<'de> DeserializeSeed<'de> for Total {
    type Value = Result<Option<u64>, String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Total {
    type Value = Result<Option<u64>, String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a count")
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(if v <= MAX_COUNT {
            Ok(Some(v))
        } else {
            Err(v.to_string())
        })
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Err(v.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(if v >= 0.0 && v.fract() == 0.0 && v <= MAX_COUNT as f64 {
            Ok(Some(v as u64))
        } else {
            Err(reason::truncate(&v.to_string(), 40))
        })
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(match v.trim().parse::<u64>() {
            Ok(n) if n <= MAX_COUNT => Ok(Some(n)),
            _ => Err(format!("{:?}", reason::truncate(v, 40))),
        })
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Err(v.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        records::skip_seq(seq).map(|()| Err("a list".into()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        records::skip_map(map).map(|()| Err("an object".into()))
    }
}

#[cfg(test)]
mod fixtures;
