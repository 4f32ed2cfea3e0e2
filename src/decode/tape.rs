//! A decoded answer owned by Rust: the values in document order (a "tape"),
//! strings kept as spans of the body, or of a small arena for strings that
//! had escapes and for the fields the normaliser adds. Built by the decoder
//! with no Lua involved; the Lua side (`lua_push`) reads it front to back.
//!
//! Nodes are kept in chunks, split between records, so that the Lua side
//! can free the ones it has pushed (`release_before`): while a large list
//! becomes Lua tables, the Rust copy shrinks, and the peak stays near the
//! size of the Lua result. A tape decoded on another thread (`stream.rs`)
//! ships each chunk, with the arena written since the last one, to the
//! reader as it closes; the reader's tape is made of what it received.

use std::sync::mpsc::SyncSender;
use std::sync::Arc;

use super::stream::Shipped;

/// Where a string's bytes are: `len` bytes at `start` of the body, or of
/// the arena when `len` has the `IN_ARENA` bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Text {
    start: u32,
    len: u32,
}

const IN_ARENA: u32 = 1 << 31;
/// Bodies and arenas stay below this, so a span fits in 31 bits.
pub(crate) const MAX_BYTES: usize = (IN_ARENA - 1) as usize;

/// One value. Containers are followed by their members.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Node {
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(Text),
    /// A key of a nested object.
    Key(Text),
    /// A key of a record, interned: an index into `Tape::fields`. Records
    /// repeat their keys, so Lua builds each distinct key string once.
    Field(u32),
    /// Followed by this many values.
    Array(u32),
    /// Followed by this many key–value pairs.
    Object(u32),
}

/// A chunk of nodes is closed at the first record that starts after it
/// holds this many (1 MiB): a record never spans two chunks, so the Lua
/// side reads each record from one slice.
const CHUNK: usize = 1 << 16;

/// The first chunk a streamed tape ships, in nodes (about 8 call
/// records): the reader starts early. Each next one is twice as large, up
/// to `STREAM_CHUNK`.
const FIRST_SHIPPED: usize = 256;
const STREAM_CHUNK: usize = 2048;

/// A closed chunk of nodes and what they need: the arena bytes and record
/// keys written since the chunk before, and where its records start.
#[derive(Debug)]
pub(crate) struct Piece {
    first: usize,
    nodes: Vec<Node>,
    arena_at: usize,
    arena: Vec<u8>,
    keys: Vec<Box<[u8]>>,
    records: Vec<usize>,
}

/// Where a streamed tape ships its chunks.
#[derive(Debug)]
struct Shipper {
    to: SyncSender<Shipped>,
    /// Nodes in the next chunk shipped.
    chunk: usize,
    /// Record keys already shipped.
    keys_sent: usize,
}

/// A decoded body: its nodes, the body and the arena they point into.
#[derive(Debug, Default)]
pub(crate) struct Tape {
    body: Arc<Vec<u8>>,
    /// Where the body's bytes are while it is parsed (it is attached after:
    /// moving a `Vec` does not move its bytes).
    body_at: usize,
    body_len: usize,
    /// The arena being written (or, on a streamed tape's reader, the ones
    /// received, end to end); its first byte is arena byte `arena_base`.
    arena: Vec<u8>,
    arena_base: usize,
    /// The nodes being written; node `base + i` is `nodes[i]`.
    nodes: Vec<Node>,
    base: usize,
    /// Closed chunks, each with the index of its first node. Those below
    /// `released` have been freed.
    closed: Vec<(usize, Vec<Node>)>,
    released: usize,
    /// Where each record of a list starts.
    records: Vec<usize>,
    /// The ids of the records read so far, by the record's ordinal; only
    /// records that have one (an empty record costs nothing here).
    ids: Vec<(u32, Text)>,
    /// Records read so far.
    noted: u32,
    /// The distinct record keys, by `Node::Field` id: spans of `keys`.
    fields: Vec<(u32, u32)>,
    keys: Vec<u8>,
    ship: Option<Shipper>,
}

impl Tape {
    /// A tape for strings inside `body`, which is parsed next.
    pub(crate) fn over(body: &[u8]) -> Tape {
        Tape {
            body_at: body.as_ptr() as usize,
            body_len: body.len(),
            // About one node per 8 bytes of JSON (12 in call pages): room
            // from the start instead of copies as the first chunk grows.
            nodes: Vec::with_capacity((body.len() / 8).clamp(16, CHUNK)),
            // Room for a record's keys and a few copied strings at once:
            // growing them one at a time was a tenth of a small call.
            fields: Vec::with_capacity(32),
            keys: Vec::with_capacity(512),
            arena: Vec::with_capacity(512),
            ..Tape::default()
        }
    }

    /// A tape for `body` that ships its chunks `to` a reader as they close.
    pub(crate) fn shipping(body: &[u8], to: SyncSender<Shipped>) -> Tape {
        Tape {
            nodes: Vec::with_capacity(FIRST_SHIPPED + 64),
            ship: Some(Shipper {
                to,
                chunk: FIRST_SHIPPED,
                keys_sent: 0,
            }),
            ..Tape::over(body)
        }
    }

    /// The reader's tape of a streamed `body`: empty until it `receive`s.
    pub(crate) fn reading(body: Arc<Vec<u8>>) -> Tape {
        Tape {
            body,
            ..Tape::default()
        }
    }

    /// Takes ownership of the body parsed (the one given to `over`).
    pub(crate) fn attach(&mut self, body: Arc<Vec<u8>>) {
        debug_assert_eq!(body.as_ptr() as usize, self.body_at);
        self.body = body;
    }

    /// Ships the open chunk, records, arena and new keys (the writer's
    /// side of a stream). False when the reader is gone.
    pub(crate) fn ship_open(&mut self) -> bool {
        let Some(ship) = &mut self.ship else {
            return true;
        };
        let next = (ship.chunk * 2).min(STREAM_CHUNK);
        let nodes = std::mem::replace(&mut self.nodes, Vec::with_capacity(next + 64));
        let first = self.base;
        self.base += nodes.len();
        let arena = std::mem::take(&mut self.arena);
        let arena_at = self.arena_base;
        self.arena_base += arena.len();
        let keys = (self.fields.get(ship.keys_sent..).unwrap_or_default())
            .iter()
            .map(|&(start, len)| {
                let (start, len) = (start as usize, len as usize);
                self.keys.get(start..start + len).unwrap_or_default().into()
            })
            .collect();
        ship.keys_sent = self.fields.len();
        ship.chunk = next;
        let piece = Piece {
            first,
            nodes,
            arena_at,
            arena,
            keys,
            records: std::mem::take(&mut self.records),
        };
        ship.to.send(Shipped::Piece(piece)).is_ok()
    }

    /// Adds a piece a streamed tape's writer shipped (the reader's side).
    pub(crate) fn receive(&mut self, piece: Piece) {
        self.base = piece.first + piece.nodes.len();
        self.closed.push((piece.first, piece.nodes));
        // Each arena where its spans say: it follows the one before, so
        // the resize changes nothing, and a string is found in one step
        // (it was a search over the pieces, for every string).
        let at = piece.arena_at.saturating_sub(self.arena_base);
        self.arena.resize(at, 0);
        self.arena.extend_from_slice(&piece.arena);
        for key in piece.keys.iter() {
            self.add_key(key);
        }
        self.records.extend(piece.records);
    }

    /// Forgets the pieces received (the writer restarted); keys stay, as
    /// they do on the writer's side.
    pub(crate) fn forget_received(&mut self) {
        self.closed.clear();
        self.released = 0;
        self.records.clear();
        self.base = 0;
    }

    /// Where the records received so far start, in order.
    pub(crate) fn record_starts(&self) -> &[usize] {
        &self.records
    }

    /// The chunk holding node `at`, and `at`'s index in it.
    #[inline]
    pub(crate) fn chunk_at(&self, at: usize) -> Option<(&[Node], usize)> {
        if at >= self.base {
            return Some((&self.nodes, at - self.base));
        }
        let i = self.closed.partition_point(|(first, _)| *first <= at);
        let (first, chunk) = self.closed.get(i.checked_sub(1)?)?;
        Some((chunk, at - first))
    }

    /// Node `at`; `None` past the end (or once released).
    pub(crate) fn node(&self, at: usize) -> Option<Node> {
        let (chunk, i) = self.chunk_at(at)?;
        chunk.get(i).copied()
    }

    /// The index after the value at `at`.
    pub(crate) fn skip(&self, at: usize) -> usize {
        let mut at = at;
        let mut pending: u64 = 1;
        while pending > 0 {
            match self.node(at) {
                None => return self.len(),
                Some(Node::Array(n)) => pending += u64::from(n),
                Some(Node::Object(n)) => pending += 2 * u64::from(n),
                Some(_) => {}
            }
            pending -= 1;
            at += 1;
        }
        at
    }

    /// Where the records of a list tape start, in order.
    pub(crate) fn records(&self) -> &[usize] {
        &self.records
    }

    /// Where the records of a list tape start, in order; the tape forgets.
    pub(crate) fn take_records(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.records)
    }

    /// The ids of the records of a list, in order (as `take_records`),
    /// as the decoder read them; the tape forgets.
    pub(crate) fn take_ids(&mut self) -> Vec<Option<Text>> {
        let mut ids = vec![None; self.noted as usize];
        for (ordinal, text) in std::mem::take(&mut self.ids) {
            if let Some(slot) = ids.get_mut(ordinal as usize) {
                *slot = Some(text);
            }
        }
        self.noted = 0;
        ids
    }

    /// Where the record with id `id` is in a list, as the decoder read
    /// it (scans find where a page asked for ahead joins the one before).
    pub(crate) fn find_id(&self, id: &[u8]) -> Option<usize> {
        self.ids
            .iter()
            .find(|(_, text)| self.bytes(*text) == id)
            .map(|(ordinal, _)| *ordinal as usize)
    }

    /// The ids read so far, in order (records without one left out).
    pub(crate) fn ids(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.ids.iter().map(|(_, text)| self.bytes(*text))
    }

    /// The id of the record just read.
    pub(crate) fn note_id(&mut self, id: Option<Text>) {
        if let Some(text) = id {
            self.ids.push((self.noted, text));
        }
        self.noted = self.noted.saturating_add(1);
    }

    /// Frees the closed chunks that end at or before `at`: the reader is
    /// past them and never reads them again. Frees; never allocates.
    pub(crate) fn release_before(&mut self, at: usize) {
        while let Some((first, chunk)) = self.closed.get_mut(self.released) {
            let end = *first + chunk.len();
            if end > at {
                break;
            }
            *chunk = Vec::new();
            self.released += 1;
        }
    }

    /// How many distinct record keys there are (`Node::Field` ids).
    pub(crate) fn field_count(&self) -> usize {
        self.fields.len()
    }

    /// Record key `id` (`Node::Field`).
    #[inline]
    pub(crate) fn field(&self, id: u32) -> Option<&[u8]> {
        let &(start, len) = self.fields.get(id as usize)?;
        self.keys.get(start as usize..(start + len) as usize)
    }

    /// A string's bytes (UTF-8: the decoder only stores valid text).
    #[inline]
    pub(crate) fn bytes(&self, text: Text) -> &[u8] {
        let len = (text.len & !IN_ARENA) as usize;
        let start = text.start as usize;
        let (source, at) = if text.len & IN_ARENA == 0 {
            (self.body.as_slice(), start)
        } else {
            let Some(at) = start.checked_sub(self.arena_base) else {
                return &[];
            };
            (self.arena.as_slice(), at)
        };
        source.get(at..at.saturating_add(len)).unwrap_or_default()
    }

    #[inline]
    pub(crate) fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.base + self.nodes.len() - 1
    }

    /// A record of the list starts with the next node. Closes the chunk
    /// first when it is full (ships it, on a streamed tape). False when a
    /// streamed tape's reader is gone: there is no point reading on.
    pub(crate) fn begin_record(&mut self) -> bool {
        let full = self
            .ship
            .as_ref()
            .map(|ship| self.nodes.len() >= ship.chunk);
        match full {
            Some(true) if !self.ship_open() => return false,
            Some(_) => {}
            None if self.nodes.len() >= CHUNK => {
                let full = std::mem::replace(&mut self.nodes, Vec::with_capacity(CHUNK));
                let first = self.base;
                self.base += full.len();
                self.closed.push((first, full));
            }
            None => {}
        }
        self.records.push(self.len());
        true
    }

    /// The record begun last pushed nothing (a null).
    pub(crate) fn no_record(&mut self) {
        self.records.pop();
    }

    /// Sets the member count of the container at `at`.
    pub(crate) fn set_count(&mut self, at: usize, n: u32) {
        let node = if at >= self.base {
            self.nodes.get_mut(at - self.base)
        } else {
            let i = self.closed.partition_point(|(first, _)| *first <= at);
            i.checked_sub(1)
                .and_then(|i| self.closed.get_mut(i))
                .and_then(|(first, chunk)| chunk.get_mut(at - *first))
        };
        if let Some(node @ (Node::Array(_) | Node::Object(_))) = node {
            *node = match node {
                Node::Array(_) => Node::Array(n),
                _ => Node::Object(n),
            };
        }
    }

    /// Drops the nodes from `len` on (a key whose value was null; all of
    /// them for a repeated `result`), and the records that started there.
    /// A streamed tape only ever drops its open chunk, or everything (then
    /// its reader is told).
    pub(crate) fn truncate(&mut self, len: usize) {
        if let Some(ship) = &self.ship {
            if len < self.base {
                debug_assert_eq!(len, 0, "a streamed tape drops all or its open chunk");
                // A reader that is gone hears nothing more anyway.
                let _ = ship.to.send(Shipped::Restart);
                self.base = 0;
                self.nodes.clear();
                self.records.clear();
            }
        }
        while len < self.base {
            match self.closed.pop() {
                Some((first, chunk)) => {
                    self.nodes = chunk;
                    self.base = first;
                }
                None => self.base = 0,
            }
        }
        self.nodes.truncate(len - self.base);
        self.released = self.released.min(self.closed.len());
        let kept = self.records.partition_point(|start| *start < len);
        self.records.truncate(kept);
        if len == 0 {
            self.ids.clear();
            self.noted = 0;
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.base + self.nodes.len()
    }

    /// A span for `text`: in place when it is a slice of the body, else
    /// copied into the arena. `None` when the arena is full.
    #[inline]
    pub(crate) fn text(&mut self, text: &str) -> Option<Text> {
        let (body, at) = (self.body_at, text.as_ptr() as usize);
        if at >= body && at + text.len() <= body + self.body_len && !text.is_empty() {
            return Some(Text {
                start: (at - body) as u32,
                len: text.len() as u32,
            });
        }
        self.copy(text)
    }

    /// A span for `text`, always copied into the arena.
    pub(crate) fn copy(&mut self, text: &str) -> Option<Text> {
        // Spans count from the first arena (a streamed tape ships them; its
        // reader writes none).
        let start = self.arena_base.checked_add(self.arena.len())?;
        if start + text.len() > MAX_BYTES {
            return None;
        }
        self.arena.extend_from_slice(text.as_bytes());
        Some(Text {
            start: start as u32,
            len: text.len() as u32 | IN_ARENA,
        })
    }

    /// Adds `key = value` to the record at the root of a one-record tape
    /// (a field the answer lacks: `get_presence`'s extension). A tape
    /// whose root is not an object is left as it is.
    pub(crate) fn append_field(&mut self, key: &str, value: &str) {
        let Some(Node::Object(n)) = self.node(0) else {
            return;
        };
        if self.skip(0) != self.len() {
            return; // the root object is not the whole tape
        }
        let (Some(field), Some(text)) = (self.add_field(key), self.copy(value)) else {
            return;
        };
        self.push(Node::Field(field));
        self.push(Node::Str(text));
        self.set_count(0, n.saturating_add(1));
    }

    /// Adds a record key (the decoder interns them, `records::Builder`);
    /// its id for `Node::Field`. `None` when the keys are full.
    pub(crate) fn add_field(&mut self, key: &str) -> Option<u32> {
        self.add_key(key.as_bytes())
    }

    fn add_key(&mut self, key: &[u8]) -> Option<u32> {
        // Copied, apart from the arena: there are few distinct keys, they
        // can be compared before the body is attached, and they stay with
        // the writer of a streamed tape (a copy goes to the reader).
        let start = self.keys.len();
        if start + key.len() > MAX_BYTES {
            return None;
        }
        self.keys.extend_from_slice(key);
        self.fields.push((start as u32, key.len() as u32));
        u32::try_from(self.fields.len() - 1).ok()
    }

    /// The value at `at` as JSON text (nulls were dropped while decoding),
    /// and the index after it. For tests and fixtures: what Lua gets,
    /// written down.
    #[cfg(test)]
    pub(crate) fn to_json(&self, at: usize) -> (String, usize) {
        let mut out = String::new();
        let next = self.write_json(at, &mut out);
        (out, next)
    }

    #[cfg(test)]
    fn write_json(&self, at: usize, out: &mut String) -> usize {
        let quote = |out: &mut String, bytes: &[u8]| {
            out.push_str(&serde_json::Value::from(String::from_utf8_lossy(bytes)).to_string())
        };
        match self.node(at) {
            None => {
                out.push_str("null");
                at + 1
            }
            Some(Node::Bool(b)) => {
                out.push_str(if b { "true" } else { "false" });
                at + 1
            }
            Some(Node::Int(i)) => {
                out.push_str(&i.to_string());
                at + 1
            }
            Some(Node::Num(f)) => {
                out.push_str(&serde_json::Value::from(f).to_string());
                at + 1
            }
            Some(Node::Str(t) | Node::Key(t)) => {
                quote(out, self.bytes(t));
                at + 1
            }
            Some(Node::Field(id)) => {
                quote(out, self.field(id).unwrap_or_default());
                at + 1
            }
            Some(Node::Array(n)) => {
                out.push('[');
                let mut next = at + 1;
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    next = self.write_json(next, out);
                }
                out.push(']');
                next
            }
            Some(Node::Object(n)) => {
                out.push('{');
                let mut next = at + 1;
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    next = self.write_json(next, out);
                    out.push(':');
                    next = self.write_json(next, out);
                }
                out.push('}');
                next
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn spans_point_into_the_body_or_the_arena() {
        let body = br#""abc""#.to_vec();
        let mut tape = Tape::over(&body);
        let inside = std::str::from_utf8(&body[1..4]).unwrap();
        let span = tape.text(inside).unwrap();
        let elsewhere = tape.text(&String::from("xyz")).unwrap();
        tape.attach(Arc::new(body));
        assert_eq!(span, Text { start: 1, len: 3 });
        assert_eq!(tape.bytes(span), b"abc");
        assert_eq!(tape.bytes(elsewhere), b"xyz");
    }

    #[test]
    fn record_keys_are_numbered_in_order() {
        let mut tape = Tape::default();
        let a = tape.add_field("id").unwrap();
        let b = tape.add_field("name").unwrap();
        assert_eq!((a, b), (0, 1));
        assert_eq!(tape.field(1), Some(&b"name"[..]));
        assert_eq!((tape.field_count(), tape.field(2)), (2, None));
    }

    #[test]
    fn records_never_span_chunks_and_read_chunks_can_be_freed() {
        let mut tape = Tape::default();
        tape.push(Node::Array(0));
        let mut starts = Vec::new();
        for i in 0..3 * CHUNK / 2 {
            tape.begin_record();
            starts.push(tape.push(Node::Object(1)));
            tape.push(Node::Field(0));
            tape.push(Node::Int(i as i64));
        }
        assert_eq!(tape.records(), &starts[..]);
        assert_eq!(tape.closed.len(), 4); // 4.5 chunks of nodes
                                          // Every record is whole in its chunk.
        for at in &starts {
            let (chunk, i) = tape.chunk_at(*at).unwrap();
            assert_eq!(chunk.get(i), Some(&Node::Object(1)));
            assert!(chunk.get(i + 2).is_some());
        }
        tape.set_count(0, starts.len() as u32); // in a closed chunk
        assert_eq!(tape.node(0), Some(Node::Array(starts.len() as u32)));
        let last = *starts.last().unwrap();
        assert_eq!(
            tape.node(last + 2),
            Some(Node::Int(3 * CHUNK as i64 / 2 - 1))
        );
        assert_eq!(tape.skip(0), tape.len());
        // Truncating (while decoding) into a closed chunk reopens it.
        let mut cut = Tape::default();
        for i in 0..CHUNK + 5 {
            cut.begin_record();
            cut.push(Node::Int(i as i64));
        }
        cut.begin_record();
        cut.push(Node::Int(-1));
        assert_eq!(cut.closed.len(), 1);
        cut.truncate(10);
        assert_eq!(
            (cut.len(), cut.records().len(), cut.closed.len()),
            (10, 10, 0)
        );
        assert_eq!(cut.push(Node::Bool(true)), 10);
        // Reading: chunks behind the reader are freed.
        tape.release_before(last);
        assert_eq!(tape.node(1), None);
        assert_eq!(tape.node(last), Some(Node::Object(1)));
        tape.truncate(0);
        assert_eq!(
            (tape.len(), tape.records().len(), tape.closed.len()),
            (0, 0, 0)
        );
    }
}
