//! Step 3 on a thread of its own: a large list answer is decoded while the
//! Lua side builds the records already decoded (`lua_push::push_stream`).
//! The two halves of a decode, JSON into a tape and the tape into Lua
//! tables, take about as long as each other; run at once, a page of 1,000
//! calls is built in about 70% of the time, for more CPU time
//! (bench/results.md).
//!
//! The writer's tape ships each chunk of records as it closes
//! (`Tape::shipping`); the reader's tape is made of the pieces it received,
//! and frees them as Lua takes them. What decides the call (how many
//! records, `total`, an error envelope, a body broken at its end) comes
//! with the last message, `Done`.

use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use super::tape::{Piece, Tape};
use super::{decode_into, Shape, Summary, View};
use crate::error::Error;

/// Answers this large are decoded on a thread of their own; smaller ones,
/// where a thread costs more than it saves, on the caller's.
const STREAM_FROM: usize = 64 * 1024;

/// Whether an answer is worth a thread: a large one, every field built,
/// on a machine with a core for each. With `fields`, building is the small
/// part of a decode, and a second thread costs more than it hides
/// (bench/results.md).
pub(crate) fn worth_it(body: &[u8], view: View) -> bool {
    let fields = view.fields;
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    body.len() >= STREAM_FROM && fields.is_none() && cores > 1
}

/// Pieces shipped and not yet read, at most: the writer waits beyond.
const PIECES_AHEAD: usize = 16;

/// What the writer sends.
#[derive(Debug)]
pub(crate) enum Shipped {
    /// Records closed since the last piece.
    Piece(Piece),
    /// Everything shipped so far is void: a repeated `result` or `records`
    /// key replaces it (the last one wins).
    Restart,
    /// The end: what the answer says besides its records, or its error.
    Done(Result<Summary, Error>),
}

/// What `Stream::next` brought.
#[derive(Debug)]
pub(crate) enum Step {
    /// More records in the tape (`Tape::record_starts`).
    Records,
    /// The records received so far are void; more will come.
    Restart,
    /// The answer is read.
    Done(Result<Summary, Error>),
}

/// A list answer being decoded on another thread.
#[derive(Debug)]
pub(crate) struct Stream {
    tape: Tape,
    from: Option<Receiver<Shipped>>,
    thread: Option<JoinHandle<()>>,
}

impl Stream {
    /// Starts decoding `body` (a 2xx answer) on a thread. `Err(body)` when
    /// no thread can be had: decode it on this one.
    pub(crate) fn start(body: Vec<u8>, shape: Shape, view: View) -> Result<Stream, Vec<u8>> {
        let body = Arc::new(body);
        let (to, from) = sync_channel(PIECES_AHEAD);
        let writer_body = Arc::clone(&body);
        let fields = view.fields.map(<[String]>::to_vec);
        let party = view.party.map(str::to_string);
        let thread = std::thread::Builder::new()
            .name("wildix-decode".into())
            .spawn(move || {
                let mut tape = Tape::shipping(&writer_body, to.clone());
                let view = View {
                    fields: fields.as_deref(),
                    party: party.as_deref(),
                };
                let result = decode_into(&writer_body, &mut tape, shape, view).and_then(
                    |summary| match tape.ship_open() {
                        true => Ok(summary),
                        false => Err(Error::decode("the reader of the records stopped")),
                    },
                );
                // A reader that is gone has nothing to hear.
                let _ = to.send(Shipped::Done(result));
            });
        match thread {
            Ok(thread) => Ok(Stream {
                tape: Tape::reading(body),
                from: Some(from),
                thread: Some(thread),
            }),
            // The closure, and its copy of the body, are gone.
            Err(_) => Err(Arc::try_unwrap(body).unwrap_or_else(|body| body.to_vec())),
        }
    }

    /// The records received so far.
    pub(crate) fn tape(&self) -> &Tape {
        &self.tape
    }

    pub(crate) fn tape_mut(&mut self) -> &mut Tape {
        &mut self.tape
    }

    /// Waits for the writer's next message. Never calls Lua; never panics.
    pub(crate) fn next(&mut self) -> Step {
        let Some(from) = &self.from else {
            return Step::Done(Err(Error::internal()));
        };
        match from.recv() {
            Ok(Shipped::Piece(piece)) => {
                self.tape.receive(piece);
                Step::Records
            }
            Ok(Shipped::Restart) => {
                self.tape.forget_received();
                Step::Restart
            }
            Ok(Shipped::Done(result)) => {
                self.from = None;
                Step::Done(result)
            }
            // The writer ended without `Done`: a bug (a panic) on its side.
            Err(_) => {
                self.from = None;
                Step::Done(Err(Error::internal()))
            }
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // The writer's next send fails and it stops; then it is joined, so
        // no thread outlives the call.
        self.from = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::decode::decode_fields;
    use crate::error::Kind;
    use crate::normalize::RecordKind;

    const CALLS: Shape = Shape::List(RecordKind::Call);

    /// `n` call records (escaped text, which goes to the arena; a key first
    /// seen near the end), then `tail` inside the envelope.
    fn body(n: usize, tail: &str) -> Vec<u8> {
        let records: Vec<String> = (0..n)
            .map(|i| {
                let late = if i + 3 == n { r#","late_key":"x""# } else { "" };
                format!(
                    r#"{{"id":"{i}","start":"2026-11-30 10:{:02}:00","src":"10{}","dst":"+4930 \u00e9{i}","disposition":"ANSWERED","note":"line\nbreak {i}"{late}}}"#,
                    i % 60,
                    i % 10
                )
            })
            .collect();
        format!(
            r#"{{"type":"result","result":{{"total":{n},"records":[{}]}}{tail}}}"#,
            records.join(",")
        )
        .into_bytes()
    }

    /// The records a stream gave (as JSON), how many pieces, and its end.
    fn streamed(body: Vec<u8>) -> (Vec<String>, usize, Result<Summary, Error>) {
        let mut stream = Stream::start(body, CALLS, View::default()).expect("a thread");
        let (mut records, mut pieces) = (Vec::new(), 0);
        loop {
            match stream.next() {
                Step::Records => {
                    pieces += 1;
                    let tape = stream.tape();
                    for &at in tape
                        .record_starts()
                        .get(records.len()..)
                        .unwrap_or_default()
                    {
                        records.push(tape.to_json(at).0);
                    }
                }
                Step::Restart => records.clear(),
                Step::Done(end) => return (records, pieces, end),
            }
        }
    }

    fn whole(body: Vec<u8>) -> Vec<String> {
        let decoded = decode_fields(body, CALLS, View::default()).unwrap();
        let tape = &decoded.tape;
        tape.records()
            .iter()
            .map(|at| tape.to_json(*at).0)
            .collect()
    }

    #[test]
    fn streamed_records_are_the_records_a_whole_decode_gives() {
        let (records, pieces, end) = streamed(body(3000, ""));
        assert_eq!(end.unwrap().total, Some(3000));
        assert!(pieces > 10, "{pieces} pieces");
        assert_eq!(records, whole(body(3000, "")));
        // Written down: escapes and the rules' fields (arena), a late key.
        assert_eq!(
            records[2997],
            r#"{"id":"2997","start":"2026-11-30 10:57:00","src":"107","dst":"+4930 é2997","disposition":"ANSWERED","note":"line\nbreak 2997","late_key":"x","from":"107","to":"+4930 é2997","status":"answered","direction":"outbound","missed":false}"#
        );
    }

    #[test]
    fn a_second_records_key_replaces_what_was_streamed() {
        let mut body = body(2000, "");
        let at = body.len() - 2; // inside `result`, after the first list
        body.splice(
            at..at,
            br#","records":[{"id":"a"},{"id":"b"}]"#.iter().copied(),
        );
        let (records, _, end) = streamed(body);
        assert!(end.is_ok());
        assert_eq!(
            records,
            [
                r#"{"id":"a","status":"unknown","direction":"unknown","missed":false}"#,
                r#"{"id":"b","status":"unknown","direction":"unknown","missed":false}"#
            ]
        );
    }

    #[test]
    fn an_answer_that_fails_after_its_records_ends_in_its_error() {
        let error_after = body(2000, r#","type":"error","code":403,"reason":"no""#);
        let mut broken = body(2000, "");
        broken.truncate(broken.len() - 3);
        for body in [error_after, broken] {
            let expected = decode_fields(body.clone(), CALLS, View::default()).unwrap_err();
            let (records, _, end) = streamed(body);
            let error = end.unwrap_err();
            assert!(!records.is_empty(), "records came before the error");
            assert_eq!(
                (error.kind(), error.message()),
                (expected.kind(), expected.message())
            );
        }
        let (_, _, end) = streamed(body(2000, r#","type":"error","code":403,"reason":"no""#));
        assert_eq!(end.unwrap_err().kind(), Kind::Auth);
    }

    #[test]
    fn a_writer_whose_reader_is_gone_stops_at_its_first_piece() {
        let body = body(20_000, "");
        let (to, from) = sync_channel(PIECES_AHEAD);
        drop(from);
        let mut tape = Tape::shipping(&body, to);
        let error = decode_into(&body, &mut tape, CALLS, View::default()).unwrap_err();
        assert_eq!(error.message(), "the reader of the records stopped");
        assert!(tape.len() < 1000, "it read on: {} nodes", tape.len());
        // And a reader dropped while the writer works joins it.
        let mut stream = Stream::start(body, CALLS, View::default()).expect("a thread");
        assert!(matches!(stream.next(), Step::Records));
        drop(stream);
    }
}
