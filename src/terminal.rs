//! What the `wildix` command needs to know about its terminal and stock Lua
//! cannot tell it: whether stdout and stderr are terminals, how wide the
//! terminal is, how many columns a text takes on it, and whether a file
//! others can read.

use std::borrow::Cow;
use std::io::IsTerminal;

use unicode_width::UnicodeWidthChar;

/// Whether standard output is a terminal.
pub(crate) fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Whether standard input is a terminal (someone to ask before a write).
pub(crate) fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Whether standard error is a terminal.
pub(crate) fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The terminal's width in columns, asked of stdout, stderr, then stdin
/// (whichever is a terminal); `None` when none is, or it does not say.
#[cfg(unix)]
pub(crate) fn columns() -> Option<u16> {
    [libc::STDOUT_FILENO, libc::STDERR_FILENO, libc::STDIN_FILENO]
        .into_iter()
        .find_map(|fd| {
            let mut size = libc::winsize {
                ws_row: 0,
                ws_col: 0,
                ws_xpixel: 0,
                ws_ypixel: 0,
            };
            // SAFETY: TIOCGWINSZ only writes a `winsize` through the pointer,
            // which points at one; on a non-terminal fd it fails and we skip it.
            let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) } == 0;
            (ok && size.ws_col > 0).then_some(size.ws_col)
        })
}

#[cfg(not(unix))]
pub fn columns() -> Option<u16> {
    None
}

/// The columns `c` takes on a terminal: two for wide East Asian characters,
/// none for combining marks and zero-width ones (Unicode's East Asian Width,
/// as the `unicode-width` crate reads it), one for a control character
/// (printed escaped, never raw).
fn char_width(c: char) -> usize {
    c.width().unwrap_or(1)
}

/// The columns `text` takes on a terminal: the sum of its characters'.
/// The one width rule of the tree: the CLI's tables and the demo use it
/// through `wildix._width`.
pub(crate) fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// `text` cut to at most `columns` columns, "…" marking the cut; the text
/// itself when it fits. Linear in the text's length, whatever it holds.
pub(crate) fn truncate(text: &str, columns: usize) -> Cow<'_, str> {
    let mut used = 0;
    // Where the text ends if it has to be cut: "…" takes one column.
    let mut cut = None;
    for (at, c) in text.char_indices() {
        let w = char_width(c);
        if cut.is_none() && used + w >= columns {
            cut = Some(at);
        }
        used += w;
        if used > columns {
            return match (columns, cut) {
                (0, _) => Cow::Borrowed(""),
                (_, cut) => Cow::Owned(format!("{}…", &text[..cut.unwrap_or(0)])),
            };
        }
    }
    Cow::Borrowed(text)
}

/// A file's permission bits (`0o600`), and whether the user running this
/// (or root) owns it; `None` when it cannot be read.
#[cfg(unix)]
pub(crate) fn file_mode(path: &str) -> Option<(u32, bool)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    Some((meta.mode() & 0o7777, meta.uid() == me || meta.uid() == 0))
}

#[cfg(not(unix))]
pub(crate) fn file_mode(_path: &str) -> Option<(u32, bool)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_terminal_columns() {
        assert_eq!(width("Zoë"), 3);
        assert_eq!(width("池田"), 4);
        assert_eq!(width("e\u{301}"), 1); // e + combining acute
        assert_eq!(width(""), 0);
    }

    #[test]
    fn truncation_keeps_room_for_the_ellipsis() {
        assert_eq!(truncate("Giulia 池田", 20), "Giulia 池田");
        assert_eq!(truncate("Giulia 池田", 11), "Giulia 池田");
        assert_eq!(truncate("Giulia 池田", 10), "Giulia 池…");
        // "Giulia 池…" would take 10 columns: 池 goes too.
        assert_eq!(truncate("Giulia 池田", 9), "Giulia …");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcdef", 0), "");
        assert_eq!(truncate("池田", 1), "…");
        assert_eq!(truncate("池田", 2), "…");
        assert_eq!(truncate("池田", 3), "池…");
    }
}
