//! A decoded answer owned by Rust: the values in document order (a "tape"),
//! strings kept as spans of the body, or of a small arena for strings that
//! had escapes and for the fields the normaliser adds. Built by the decoder
//! with no Lua involved; the Lua side (`lua_push`) only reads it.

/// Where a string's bytes are: `len` bytes at `start` of the body, or of
/// the arena when `len` has the `IN_ARENA` bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    start: u32,
    len: u32,
}

const IN_ARENA: u32 = 1 << 31;
/// Bodies and arenas stay below this, so a span fits in 31 bits.
pub const MAX_BYTES: usize = (IN_ARENA - 1) as usize;

/// One value. Containers are followed by their members.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node {
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

/// A decoded body: its nodes, the body and the arena they point into.
#[derive(Debug, Default)]
pub struct Tape {
    body: Vec<u8>,
    /// Where the body's bytes are while it is parsed (it is attached after:
    /// moving a `Vec` does not move its bytes).
    body_at: usize,
    body_len: usize,
    arena: Vec<u8>,
    nodes: Vec<Node>,
    fields: Vec<Text>,
}

impl Tape {
    /// A tape for strings inside `body`, which is parsed next.
    pub(crate) fn over(body: &[u8]) -> Tape {
        Tape {
            body_at: body.as_ptr() as usize,
            body_len: body.len(),
            ..Tape::default()
        }
    }

    /// Takes ownership of the body parsed (the one given to `over`).
    pub(crate) fn attach(&mut self, body: Vec<u8>) {
        debug_assert_eq!(body.as_ptr() as usize, self.body_at);
        self.body = body;
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The distinct record keys, by `Node::Field` index.
    pub fn fields(&self) -> &[Text] {
        &self.fields
    }

    /// A string's bytes (UTF-8: the decoder only stores valid text).
    pub fn bytes(&self, text: Text) -> &[u8] {
        let (source, len) = if text.len & IN_ARENA != 0 {
            (&self.arena, text.len & !IN_ARENA)
        } else {
            (&self.body, text.len)
        };
        let start = text.start as usize;
        source
            .get(start..start.saturating_add(len as usize))
            .unwrap_or_default()
    }

    pub(crate) fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Sets the member count of the container at `at`.
    pub(crate) fn set_count(&mut self, at: usize, n: u32) {
        if let Some(node @ (Node::Array(_) | Node::Object(_))) = self.nodes.get_mut(at) {
            *node = match node {
                Node::Array(_) => Node::Array(n),
                _ => Node::Object(n),
            };
        }
    }

    /// Drops the nodes from `len` on (a key whose value was null).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.nodes.truncate(len);
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// A span for `text`: in place when it is a slice of the body, else
    /// copied into the arena. `None` when the arena is full.
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
        let start = self.arena.len();
        if start + text.len() > MAX_BYTES {
            return None;
        }
        self.arena.extend_from_slice(text.as_bytes());
        Some(Text {
            start: start as u32,
            len: text.len() as u32 | IN_ARENA,
        })
    }

    /// Interns a record key: `previous` is the key the last record had at
    /// this position, reused when it is the same text.
    pub(crate) fn field(&mut self, key: &str, previous: Option<u32>) -> Option<u32> {
        if let Some(id) = previous {
            let same = self
                .fields
                .get(id as usize)
                .is_some_and(|t| self.bytes(*t) == key.as_bytes());
            if same {
                return Some(id);
            }
        }
        // Copied: there are few distinct keys, and the copy can be compared
        // before the body is attached.
        let text = self.copy(key)?;
        self.fields.push(text);
        u32::try_from(self.fields.len() - 1).ok()
    }

    /// The value at `at` as JSON text (nulls were dropped while decoding),
    /// and the index after it. For tests and fixtures: what Lua gets,
    /// written down.
    pub fn to_json(&self, at: usize) -> (String, usize) {
        let mut out = String::new();
        let next = self.write_json(at, &mut out);
        (out, next)
    }

    fn write_json(&self, at: usize, out: &mut String) -> usize {
        let quote = |out: &mut String, bytes: &[u8]| {
            out.push_str(&serde_json::Value::from(String::from_utf8_lossy(bytes)).to_string())
        };
        match self.nodes.get(at) {
            None => {
                out.push_str("null");
                at + 1
            }
            Some(Node::Bool(b)) => {
                out.push_str(if *b { "true" } else { "false" });
                at + 1
            }
            Some(Node::Int(i)) => {
                out.push_str(&i.to_string());
                at + 1
            }
            Some(Node::Num(f)) => {
                out.push_str(&serde_json::Value::from(*f).to_string());
                at + 1
            }
            Some(Node::Str(t) | Node::Key(t)) => {
                quote(out, self.bytes(*t));
                at + 1
            }
            Some(Node::Field(id)) => {
                let text = self.fields.get(*id as usize).copied();
                quote(out, text.map(|t| self.bytes(t)).unwrap_or_default());
                at + 1
            }
            Some(Node::Array(n)) => {
                out.push('[');
                let mut next = at + 1;
                for i in 0..*n {
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
                for i in 0..*n {
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
        tape.attach(body);
        assert_eq!(span, Text { start: 1, len: 3 });
        assert_eq!(tape.bytes(span), b"abc");
        assert_eq!(tape.bytes(elsewhere), b"xyz");
    }

    #[test]
    fn record_keys_are_interned_by_position() {
        let mut tape = Tape::default();
        let a = tape.field("id", None).unwrap();
        assert_eq!(tape.field("id", Some(a)), Some(a));
        let b = tape.field("name", Some(a)).unwrap();
        assert_ne!(a, b);
        assert_eq!(tape.fields().len(), 2);
    }
}
