//! Records onto the tape: each field as the PBX sent it (nulls dropped, ids
//! as strings), then the fields the rules in `normalize` add.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::reason;
use super::tape::{Node, Tape, Text};
use super::Shape;
use crate::error::Error;
use crate::normalize::{Added, Fact, Facts, RecordKind, Scalar};

/// The scalar visits of a visitor that only takes a list or an object:
/// each is a decode error with `$message`.
macro_rules! reject_scalars {
    ($value:ty, $message:expr) => {
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<$value, E> {
            Err(self.b.fail(Error::decode($message)))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<$value, E> {
            Err(self.b.fail(Error::decode($message)))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<$value, E> {
            Err(self.b.fail(Error::decode($message)))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<$value, E> {
            Err(self.b.fail(Error::decode($message)))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<$value, E> {
            Err(self.b.fail(Error::decode($message)))
        }
    };
}
pub(crate) use reject_scalars;

/// The visits other than `visit_str`, for a visitor that only looks at
/// strings: they consume the value and give `$default`.
macro_rules! ignore_others {
    ($value:ty, $default:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<$value, E> {
            Ok($default)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<$value, E> {
            Ok($default)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<$value, E> {
            Ok($default)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<$value, E> {
            Ok($default)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<$value, E> {
            Ok($default)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<$value, A::Error> {
            records::skip_seq(seq).map(|()| $default)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<$value, A::Error> {
            records::skip_map(map).map(|()| $default)
        }
    };
}
pub(crate) use ignore_others;

/// Consumes a list without keeping anything.
pub(super) fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Consumes an object without keeping anything.
pub(super) fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The state of one decode.
pub(super) struct Builder<'t> {
    tape: &'t mut Tape,
    kind: RecordKind,
    /// A precise error to report instead of serde's.
    pub problem: Option<Error>,
    /// For each field id (+ 1; 0: the start of a record), the field id of
    /// the key that came after it last time: records repeat their keys in
    /// the same order, some with optional keys in between.
    follows: Vec<u32>,
    /// Field ids of the keys the rules add.
    added: Vec<(&'static str, u32)>,
    /// What the rules do with each field id's key.
    roles: Vec<Option<Role>>,
    /// Field ids by key text: record keys and the keys the rules add.
    field_ids: HashMap<Box<[u8]>, u32>,
    /// The field id of the key of the group being read (`GroupsSeed`):
    /// the records' extension, held once in the tape's field names.
    pub group: Option<u32>,
    /// Build only these fields of each record (and `id`).
    pub fields: Option<Vec<String>>,
    /// Whose calls these are, when one extension's (`View::party`).
    pub party: Option<String>,
    /// The first call record's `start`.
    pub first_start: Option<String>,
    /// The last call record's `start`, and how many records at the end
    /// share it (a call's legs share a second: scans start the next page
    /// on them, see `pager.rs`).
    pub last_start: Option<String>,
    pub tail_ties: u64,
    /// The ids of those records, one after the other (`tail_id_ends`: where
    /// each ends; an empty one: the record had none). Lists joined from
    /// several answers drop the records of such a run seen twice.
    tail_ids: Vec<u8>,
    tail_id_ends: Vec<usize>,
    /// The `id` of the record being read (its text, for call records, in
    /// `id_text`).
    id: Option<Text>,
    id_text: Vec<u8>,
    /// Records read so far (for messages).
    records: u64,
}

impl<'t> Builder<'t> {
    pub(super) fn new(tape: &'t mut Tape, shape: Shape) -> Builder<'t> {
        let kind = match shape {
            Shape::List(kind) | Shape::Record(kind) => kind,
        };
        Builder {
            tape,
            kind,
            problem: None,
            follows: Vec::with_capacity(FEW_FIELDS + 1),
            added: Vec::new(),
            roles: Vec::with_capacity(FEW_FIELDS),
            field_ids: HashMap::new(),
            group: None,
            fields: None,
            party: None,
            first_start: None,
            last_start: None,
            tail_ties: 0,
            tail_ids: Vec::new(),
            tail_id_ends: Vec::new(),
            id: None,
            id_text: Vec::new(),
            records: 0,
        }
    }

    /// Which rules the records go through.
    pub(super) fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The ids of the call records at the end of the list that share the
    /// last one's `start` (`tail_ties` of them; empty: the record had none).
    pub(super) fn tail_ids(&self) -> Vec<Box<[u8]>> {
        let mut from = 0;
        self.tail_id_ends
            .iter()
            .map(|&end| {
                let id = self.tail_ids.get(from..end).unwrap_or_default().into();
                from = end;
                id
            })
            .collect()
    }

    /// Notes the `start` and id of the call record just read (after the
    /// first, one comparison: the last start's buffer is reused).
    fn note_start(&mut self, start: Option<&str>) {
        if self.records == 0 && self.first_start.is_none() {
            self.first_start = start.map(str::to_string);
        }
        match (&mut self.last_start, start) {
            (Some(last), Some(start)) if last == start => self.tail_ties += 1,
            (Some(last), Some(start)) => {
                last.clear();
                last.push_str(start);
                self.tail_ties = 1;
            }
            (last, start) => {
                *last = start.map(str::to_string);
                self.tail_ties = 1;
            }
        }
        // A new run: its ids start afresh.
        if self.tail_ties == 1 {
            self.tail_ids.clear();
            self.tail_id_ends.clear();
        }
        if self.id.is_some() {
            self.tail_ids.extend_from_slice(&self.id_text);
        }
        self.tail_id_ends.push(self.tail_ids.len());
    }

    pub(super) fn fail<E: serde::de::Error>(&mut self, error: Error) -> E {
        let message = error.message().to_string();
        self.problem = Some(error);
        E::custom(message)
    }

    /// Forgets what was decoded (a repeated `result` or `records` key).
    pub(super) fn restart(&mut self) {
        self.tape.truncate(0);
        self.follows.clear();
        self.records = 0;
        self.first_start = None;
        self.last_start = None;
        self.tail_ties = 0;
        self.tail_ids.clear();
        self.tail_id_ends.clear();
    }

    pub(super) fn empty_list(&mut self) {
        self.tape.push(Node::Array(0));
    }

    /// A tape that is full (spans hold 31 bits).
    fn too_large<E: serde::de::Error>(&mut self) -> E {
        self.fail(Error::decode("the PBX answer is too large to decode"))
    }

    fn text<E: serde::de::Error>(&mut self, text: &str) -> Result<Text, E> {
        self.tape.text(text).ok_or_else(|| self.too_large())
    }

    fn copy<E: serde::de::Error>(&mut self, text: &str) -> Result<Text, E> {
        self.tape.copy(text).ok_or_else(|| self.too_large())
    }

    /// The field id of record key `key`, which comes after field `after`
    /// (`None`: the record's first key), and what the rules do with it
    /// (worked out once per distinct key).
    fn field<E: serde::de::Error>(
        &mut self,
        key: &str,
        after: Option<u32>,
    ) -> Result<(u32, Role), E> {
        let slot = after.map_or(0, |id| id as usize + 1);
        // The key that came next last time, else the key by its text (the
        // other shape of record), else a new one.
        let same = self
            .follows
            .get(slot)
            .copied()
            .filter(|id| self.tape.field(*id) == Some(key.as_bytes()));
        let id = match same {
            Some(id) => id,
            None => {
                let id = self.intern(key)?;
                if self.follows.len() <= slot {
                    self.follows.resize(slot + 1, u32::MAX);
                }
                if let Some(next) = self.follows.get_mut(slot) {
                    *next = id;
                }
                id
            }
        };
        // Ids the rules added (`status`) have no role until a record has
        // them as keys: `None` until then.
        let role = match self.roles.get(id as usize).copied().flatten() {
            Some(role) => role,
            None => {
                let role = Role::of(self.kind, key, self.fields.as_deref());
                if self.roles.len() <= id as usize {
                    self.roles.resize(id as usize + 1, None);
                }
                if let Some(slot) = self.roles.get_mut(id as usize) {
                    *slot = Some(role);
                }
                role
            }
        };
        Ok((id, role))
    }

    /// Whether the caller wants `key` built (`fields`).
    fn wanted(&self, key: &str) -> bool {
        self.fields
            .as_ref()
            .is_none_or(|fields| key == "id" || fields.iter().any(|f| f == key))
    }

    fn added_field<E: serde::de::Error>(&mut self, key: &'static str) -> Result<u32, E> {
        // The rules name their keys with the same literals every time: the
        // pointer usually matches, and the text decides when it does not.
        let same = |k: &&str| std::ptr::eq(*k, key) || *k == key;
        if let Some((_, id)) = self.added.iter().find(|(k, _)| same(k)) {
            return Ok(*id);
        }
        let id = self.intern(key)?;
        self.added.push((key, id));
        Ok(id)
    }

    /// The field id of `key`: the one it already has, else a new one.
    /// Up to `FEW_FIELDS` keys, a look along them (a single record, as
    /// `get_current_user` gets, interns every key it has once); beyond,
    /// by hash (keyed: a hostile PBX cannot make many keys collide).
    fn intern<E: serde::de::Error>(&mut self, key: &str) -> Result<u32, E> {
        let known = self.tape.field_count();
        let found = if known <= FEW_FIELDS {
            (0..known as u32).find(|id| self.tape.field(*id) == Some(key.as_bytes()))
        } else {
            self.field_ids.get(key.as_bytes()).copied()
        };
        if let Some(id) = found {
            return Ok(id);
        }
        let Some(id) = self.tape.add_field(key) else {
            return Err(self.too_large());
        };
        let known = self.tape.field_count();
        if known > FEW_FIELDS {
            if self.field_ids.is_empty() {
                // Past the few: every key so far goes into the map.
                for id in 0..known as u32 {
                    let text = self.tape.field(id).unwrap_or_default();
                    self.field_ids.insert(text.into(), id);
                }
            } else {
                self.field_ids.insert(key.as_bytes().into(), id);
            }
        }
        Ok(id)
    }

    fn push_added<E: serde::de::Error>(&mut self, value: Added) -> Result<(), E> {
        let node = match value {
            Added::Text(t) => Node::Str(self.text(&t)?),
            Added::Int(i) => Node::Int(i),
            Added::Scalar(s) => match s {
                Scalar::Text(t) => Node::Str(self.text(&t)?),
                Scalar::Int(i) => Node::Int(i),
                Scalar::Float(f) => Node::Num(f),
                Scalar::Bool(b) => Node::Bool(b),
                Scalar::Texts(texts) => return self.push_texts(texts),
                Scalar::Other => return Ok(()),
            },
            Added::Texts(texts) => return self.push_texts(texts),
            Added::GroupKey => match self.group {
                Some(id) => Node::Field(id),
                None => return Ok(()),
            },
        };
        self.tape.push(node);
        Ok(())
    }

    fn push_texts<E: serde::de::Error>(&mut self, texts: Vec<Cow<'_, str>>) -> Result<(), E> {
        let n = u32::try_from(texts.len()).map_err(|_| self.too_large())?;
        self.tape.push(Node::Array(n));
        for text in texts {
            let text = self.text(&text)?;
            self.tape.push(Node::Str(text));
        }
        Ok(())
    }
}

/// Distinct record keys looked up by a look along them rather than by
/// hash: a SipHash of a key and its boxed copy cost more than comparing
/// a few dozen short keys.
const FEW_FIELDS: usize = 32;

/// What the rules do with a record key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Kept as sent.
    Keep,
    /// Not wanted (`fields`) and not read: skipped.
    Skip,
    /// The record's id: a string.
    Id,
    /// Kept, and read by the rules as this.
    Read(Fact),
    /// Not built: read by the rules (if they read it) and kept only in the
    /// form they give it, or read but not wanted.
    Capture(Option<Fact>),
}

impl Role {
    fn of(kind: RecordKind, key: &str, fields: Option<&[String]>) -> Role {
        let wanted = fields.is_none_or(|fields| fields.iter().any(|f| f == key));
        let fact = Fact::of(kind, key);
        if kind.replaces(key) {
            Role::Capture(fact)
        } else if key == "id" {
            Role::Id
        } else if let Some(fact) = fact {
            match wanted {
                true => Role::Read(fact),
                false => Role::Capture(Some(fact)),
            }
        } else if wanted {
            Role::Keep
        } else {
            Role::Skip
        }
    }
}

/// An object key: borrowed from the body, owned only when it had escapes.
pub(super) struct KeyBuf<'de>(pub Cow<'de, str>);

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

/// `records`: a list of record objects. Returns how many (nulls skipped).
pub(super) struct RecordsSeed<'b, 't> {
    pub b: &'b mut Builder<'t>,
}

/// Reads a list of records onto the tape (the caller pushed the list's
/// node); returns how many there were, nulls left out.
pub(super) fn push_records<'de, A: SeqAccess<'de>>(
    b: &mut Builder<'_>,
    mut seq: A,
) -> Result<u32, A::Error> {
    let mut n: u32 = 0;
    loop {
        if !b.tape.begin_record() {
            return Err(b.fail(Error::decode("the reader of the records stopped")));
        }
        match seq.next_element_seed(RecordSeed { b: &mut *b })? {
            Some(true) => n = n.saturating_add(1),
            Some(false) => b.tape.no_record(),
            None => {
                b.tape.no_record();
                break;
            }
        }
    }
    Ok(n)
}

/// `{"204": {"registrations": [...]}, ...}`: lists of records by
/// extension, read as one list whose records say their extension
/// (`Builder::group`). A group may also be the list itself.
pub(super) struct GroupsSeed<'b, 't> {
    pub b: &'b mut Builder<'t>,
}

impl<'de> DeserializeSeed<'de> for GroupsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for GroupsSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("lists of records by extension")
    }

    reject_scalars!((), "the 'result' is not an object of lists by extension");

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.b.empty_list();
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        RecordsSeed { b: self.b }.visit_seq(seq).map(|_| ())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let b = self.b;
        let at = b.tape.push(Node::Array(0));
        let mut n: u32 = 0;
        while let Some(key) = map.next_key::<KeyBuf>()? {
            // The key held once, among the tape's field names: every
            // record of the group points at it, and Lua makes one string.
            // The paged envelope's `records` is a list, not an extension
            // (its `total` holds no records).
            b.group = if key.0 == "records" {
                None
            } else {
                Some(b.intern(&key.0)?)
            };
            n = n.saturating_add(map.next_value_seed(GroupSeed { b: &mut *b })?);
        }
        b.group = None;
        b.tape.set_count(at, n);
        Ok(())
    }
}

/// One extension's group: `{"registrations": [...]}` or the list itself.
struct GroupSeed<'b, 't> {
    b: &'b mut Builder<'t>,
}

impl<'de> DeserializeSeed<'de> for GroupSeed<'_, '_> {
    type Value = u32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u32, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for GroupSeed<'_, '_> {
    type Value = u32;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of records")
    }

    // Anything but a list or an object holds no records.
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<u32, E> {
        Ok(0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<u32, A::Error> {
        push_records(self.b, seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u32, A::Error> {
        let mut n = 0;
        while map.next_key::<IgnoredAny>()?.is_some() {
            n += map.next_value_seed(GroupSeed { b: &mut *self.b })?;
        }
        Ok(n)
    }
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_, '_> {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_, '_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of records")
    }

    reject_scalars!(u64, "'records' is not a list");

    fn visit_unit<E: serde::de::Error>(self) -> Result<u64, E> {
        self.b.empty_list();
        Ok(0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<u64, A::Error> {
        let at = self.b.tape.push(Node::Array(0));
        let n = push_records(self.b, seq)?;
        self.b.tape.set_count(at, n);
        Ok(u64::from(n))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<u64, A::Error> {
        Err(self.b.fail(Error::decode("'records' is not a list")))
    }
}

/// A single-record `result` (or a list holding exactly one).
pub(super) struct RecordResultSeed<'b, 't> {
    pub b: &'b mut Builder<'t>,
}

impl<'de> DeserializeSeed<'de> for RecordResultSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

const NOT_A_RECORD: &str = "the 'result' is not a record object";

impl<'de> Visitor<'de> for RecordResultSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }

    reject_scalars!((), NOT_A_RECORD);

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Err(self.b.fail(Error::decode(NOT_A_RECORD)))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        RecordSeed { b: self.b }.visit_map(map).map(|_| ())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let one = seq.next_element_seed(RecordSeed { b: &mut *self.b })?;
        if one != Some(true) || seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(self.b.fail(Error::decode(NOT_A_RECORD)));
        }
        Ok(())
    }
}

/// One record, with the rules' fields added. False for a null (skipped).
struct RecordSeed<'b, 't> {
    b: &'b mut Builder<'t>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, '_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl RecordSeed<'_, '_> {
    fn not_an_object<E: serde::de::Error>(self, got: &str) -> E {
        let n = self.b.records + 1;
        self.b.fail(Error::decode(format!(
            "record {n} is not an object (got {got})"
        )))
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
        Err(self.not_an_object(&v.to_string()))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<bool, E> {
        Err(self.not_an_object(&v.to_string()))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<bool, E> {
        Err(self.not_an_object(&v.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<bool, E> {
        Err(self.not_an_object(&reason::truncate(&v.to_string(), 40)))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        Err(self.not_an_object(&format!("{:?}", reason::truncate(v, 40))))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Err(self.not_an_object("a list"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let b = self.b;
        let kind = b.kind;
        let at = b.tape.push(Node::Object(0));
        let mut facts = Facts::default();
        facts.in_group = b.group.is_some();
        let mut n: u32 = 0;
        let mut after = None;
        while let Some(key) = map.next_key::<KeyBuf>()? {
            let key = key.0;
            let (field, role) = b.field(&key, after)?;
            after = Some(field);
            let read = match role {
                Role::Skip => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                Role::Capture(fact) => {
                    // Kept only in the form the rules give it.
                    let scalar = map.next_value_seed(CaptureSeed {
                        b: &mut *b,
                        push: false,
                    })?;
                    if let (Some(scalar), Some(fact)) = (scalar, fact) {
                        facts.note(fact, scalar);
                    }
                    continue;
                }
                Role::Read(fact) => Some(fact),
                Role::Keep | Role::Id => None,
            };
            let mark = b.tape.len();
            b.tape.push(Node::Field(field));
            let pushed = if let Some(fact) = read {
                match map.next_value_seed(CaptureSeed {
                    b: &mut *b,
                    push: true,
                })? {
                    Some(scalar) => {
                        facts.note(fact, scalar);
                        true
                    }
                    None => false,
                }
            } else if role == Role::Id {
                map.next_value_seed(IdSeed { b: &mut *b })?
            } else {
                map.next_value_seed(ValueSeed { b: &mut *b })?
            };
            if pushed {
                n = n.saturating_add(1);
            } else {
                b.tape.truncate(mark); // a null: no field
            }
        }
        if kind == RecordKind::Call {
            b.note_start(facts.start());
        }
        let mut added = Ok(());
        // Taken out while the rules add fields, put back after: no copy
        // per record.
        let party = b.party.take();
        facts.added(kind, party.as_deref(), |key, value| {
            if added.is_ok() && b.wanted(key) {
                added = b
                    .added_field(key)
                    .map(|id| b.tape.push(Node::Field(id)))
                    .and_then(|_| b.push_added(value));
                n = n.saturating_add(1);
            }
        });
        b.party = party;
        added?;
        b.tape.set_count(at, n);
        b.records += 1;
        let id = b.id.take();
        b.tape.note_id(id);
        Ok(true)
    }
}

/// A record's `id`: a string, or a number turned into its decimal string;
/// anything else makes the record a decode error.
struct IdSeed<'b, 't> {
    b: &'b mut Builder<'t>,
}

impl<'de> DeserializeSeed<'de> for IdSeed<'_, '_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl IdSeed<'_, '_> {
    fn string<E: serde::de::Error>(self, text: &str, copy: bool) -> Result<bool, E> {
        if self.b.kind == RecordKind::Call {
            self.b.id_text.clear();
            self.b.id_text.extend_from_slice(text.as_bytes());
        }
        let text = if copy {
            self.b.copy(text)?
        } else {
            self.b.text(text)?
        };
        self.b.tape.push(Node::Str(text));
        self.b.id = Some(text); // the last one wins, as in the Lua table
        Ok(true)
    }

    fn refuse<E: serde::de::Error>(self, got: &str) -> E {
        let n = self.b.records + 1;
        self.b.fail(Error::decode(format!(
            "record {n} has an 'id' that is {got}, not a string or a number"
        )))
    }
}

impl<'de> Visitor<'de> for IdSeed<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        self.string(v, false)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<bool, E> {
        self.string(&v.to_string(), true)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<bool, E> {
        self.string(&v.to_string(), true)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<bool, E> {
        match Scalar::Float(v).text() {
            Some(text) => self.string(&text, true),
            None => Err(self.refuse("not a finite number")),
        }
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<bool, E> {
        Err(self.refuse("a boolean"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Err(self.refuse("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Err(self.refuse("an object"))
    }
}

/// A value the rules read: pushed (unless `push` is false) and returned as
/// a scalar; `None` for null, `Some(Other)` for a list or object.
struct CaptureSeed<'b, 't> {
    b: &'b mut Builder<'t>,
    push: bool,
}

impl<'de> DeserializeSeed<'de> for CaptureSeed<'_, '_> {
    type Value = Option<Scalar<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl CaptureSeed<'_, '_> {
    fn scalar<'de>(self, node: Node, scalar: Scalar<'de>) -> Option<Scalar<'de>> {
        if self.push {
            self.b.tape.push(node);
        }
        Some(scalar)
    }
}

impl<'de> Visitor<'de> for CaptureSeed<'_, '_> {
    type Value = Option<Scalar<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.scalar(Node::Bool(v), Scalar::Bool(v)))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.scalar(Node::Int(v), Scalar::Int(v)))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => self.scalar(Node::Int(i), Scalar::Int(i)),
            Err(_) => self.scalar(Node::Num(v as f64), Scalar::Float(v as f64)),
        })
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.scalar(Node::Num(v), Scalar::Float(v)))
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        if self.push {
            let text = self.b.text(v)?;
            self.b.tape.push(Node::Str(text));
        }
        Ok(Some(Scalar::Text(Cow::Borrowed(v))))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if self.push {
            let text = self.b.copy(v)?;
            self.b.tape.push(Node::Str(text));
        }
        Ok(Some(Scalar::Text(Cow::Owned(v.to_string()))))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Kept as ValueSeed keeps a list (nulls left out); its strings are
        // captured for the rules.
        let b = self.b;
        let at = self.push.then(|| b.tape.push(Node::Array(0)));
        let mut n: u32 = 0;
        let mut texts = Vec::new();
        while let Some(item) = seq.next_element_seed(CaptureSeed {
            b: &mut *b,
            push: self.push,
        })? {
            if let Some(item) = item {
                n = n.saturating_add(1);
                // A number in a list is its text (a call group's member
                // sent as 201 is extension "201").
                if let Some(text) = item.text() {
                    texts.push(text);
                }
            }
        }
        if let Some(at) = at {
            b.tape.set_count(at, n);
        }
        Ok(Some(Scalar::Texts(texts)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if self.push {
            ValueSeed { b: self.b }.visit_map(map)?;
        } else {
            skip_map(map)?;
        }
        Ok(Some(Scalar::Other))
    }
}

/// Any JSON value, as is. False (nothing pushed) for null.
struct ValueSeed<'b, 't> {
    b: &'b mut Builder<'t>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
        self.b.tape.push(Node::Bool(v));
        Ok(true)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<bool, E> {
        self.b.tape.push(Node::Int(v));
        Ok(true)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<bool, E> {
        self.b.tape.push(match i64::try_from(v) {
            Ok(i) => Node::Int(i),
            Err(_) => Node::Num(v as f64),
        });
        Ok(true)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<bool, E> {
        self.b.tape.push(Node::Num(v));
        Ok(true)
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<bool, E> {
        let text = self.b.text(v)?;
        self.b.tape.push(Node::Str(text));
        Ok(true)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        let text = self.b.copy(v)?;
        self.b.tape.push(Node::Str(text));
        Ok(true)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let b = self.b;
        let at = b.tape.push(Node::Array(0));
        let mut n: u32 = 0;
        // Nulls are skipped so the Lua sequence has no holes.
        while let Some(pushed) = seq.next_element_seed(ValueSeed { b: &mut *b })? {
            if pushed {
                n = n.saturating_add(1);
            }
        }
        b.tape.set_count(at, n);
        Ok(true)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let b = self.b;
        let at = b.tape.push(Node::Object(0));
        let mut n: u32 = 0;
        while let Some(key) = map.next_key::<KeyBuf>()? {
            let mark = b.tape.len();
            let text = b.text(&key.0)?;
            b.tape.push(Node::Key(text));
            if map.next_value_seed(ValueSeed { b: &mut *b })? {
                n = n.saturating_add(1);
            } else {
                b.tape.truncate(mark);
            }
        }
        b.tape.set_count(at, n);
        Ok(true)
    }
}
