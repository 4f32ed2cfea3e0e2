//! PBX text that goes into error messages: always bounded, one line, and
//! cleaned in linear time (HTML error pages from proxies included).

use std::collections::HashSet;

/// The longest reason an error message quotes from the PBX.
pub(crate) const MAX_REASON: usize = 200;

/// `text` cut to `max` characters, with `…` when something was cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let mut chars = text.char_indices();
    match chars.nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// The first bytes of a body, quoted, for decode errors.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    if body.is_empty() {
        return "nothing (empty body)".into();
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(max * 4)]);
    format!("{:?}", truncate(&text, max))
}

/// A reason as the PBX wrote it: trimmed, whitespace folded, without the
/// characters a terminal would obey rather than show, bounded; `None` when
/// nothing is left.
pub(crate) fn clean(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        let mut shown = word.chars().filter(|c| shown(*c)).peekable();
        if shown.peek().is_none() {
            continue;
        }
        if count > 0 {
            out.push(' ');
            count += 1;
        }
        for c in shown {
            if count > MAX_REASON {
                break;
            }
            out.push(c);
            count += 1;
        }
        if count > MAX_REASON {
            break;
        }
    }
    (!out.is_empty()).then(|| truncate(&out, MAX_REASON))
}

/// Whether a terminal shows `c` (controls: C0, DEL and C1, and the bidi
/// controls that reorder a line, it obeys instead).
fn shown(c: char) -> bool {
    !c.is_control()
        && !matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The readable text of an error page that is not JSON: tags, scripts and
/// styles dropped, each distinct piece of text kept once. Linear in the
/// page: one pass, a set for the pieces, and it stops once it has enough.
pub(crate) fn page_text(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = String::new();
    let mut keep = |piece: &str, out: &mut String| {
        let words = piece.split_whitespace().collect::<Vec<_>>().join(" ");
        if !words.is_empty() && seen.insert(words.clone()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&words);
        }
    };
    let mut rest: &str = &text;
    while out.len() <= MAX_REASON * 4 {
        let Some(open) = rest.find('<') else {
            keep(rest, &mut out);
            break;
        };
        keep(&rest[..open], &mut out);
        let tag = &rest[open..];
        let closing = if starts_with_ignore_case(tag, "<script") {
            Some("</script")
        } else if starts_with_ignore_case(tag, "<style") {
            Some("</style")
        } else {
            None
        };
        let end = match closing {
            Some(closing) => find_ignore_case(tag, closing)
                .and_then(|at| tag[at..].find('>').map(|gt| at + gt + 1)),
            None => tag.find('>').map(|gt| gt + 1),
        };
        match end {
            Some(end) => rest = &tag[end..],
            None => break,
        }
    }
    clean(&out)
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Where `needle` (ASCII) first occurs in `text`, ignoring ASCII case.
fn find_ignore_case(text: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (text.as_bytes(), needle.as_bytes());
    let first = needle.first()?.to_ascii_lowercase();
    let mut at = 0;
    while at + needle.len() <= hay.len() {
        // memchr-like skip to the next candidate, in either case
        let next = hay[at..]
            .iter()
            .position(|b| b.to_ascii_lowercase() == first)?;
        at += next;
        if hay
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        {
            return Some(at);
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn reasons_lose_what_a_terminal_would_obey() {
        let hostile = "bad \u{1b}]0;title\u{7} \u{9b}2J \u{202e}gnirts \u{1b}";
        assert_eq!(clean(hostile).as_deref(), Some("bad ]0;title 2J gnirts"));
        assert_eq!(clean("\u{1b}\u{7}"), None);
        let long = "x".repeat(10_000_000);
        assert_eq!(
            clean(&long).map(|r| r.chars().count()),
            Some(MAX_REASON + 1)
        );
    }

    #[test]
    fn proxy_pages_become_their_text() {
        let html = b"<html><head><title>502 Bad Gateway</title><style>body{x}</style></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        assert_eq!(page_text(html).as_deref(), Some("502 Bad Gateway nginx"));
        let script = b"<SCRIPT>alert(1)</Script >ok";
        assert_eq!(page_text(script).as_deref(), Some("ok"));
        assert_eq!(page_text(b"  "), None);
        assert_eq!(page_text(b"a <unclosed"), Some("a".into()));
    }

    #[test]
    fn everything_is_bounded() {
        let long = format!("<p>{}</p>", "word ".repeat(5000));
        assert!(page_text(long.as_bytes()).unwrap().chars().count() <= MAX_REASON + 1);
        assert_eq!(
            clean(&"é".repeat(300)).unwrap().chars().count(),
            MAX_REASON + 1
        );
        assert_eq!(truncate("abc", 2), "ab…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(clean(" a \n b "), Some("a b".into()));
    }

    #[test]
    fn many_distinct_tags_keep_only_what_a_message_shows() {
        // 64 KiB of distinct tags and texts (quadratic once; timed in
        // `make bench`): the text stops once a reason's worth is kept.
        let mut page = String::new();
        let mut i = 0;
        while page.len() < 64 * 1024 {
            page.push_str(&format!("<t{i}>x{i}"));
            i += 1;
        }
        let text = page_text(page.as_bytes()).unwrap();
        assert!(text.starts_with("x0 x1 x2"));
        assert!(text.chars().count() <= MAX_REASON + 1);
        let scripts = "<script>".repeat(8000);
        assert_eq!(page_text(scripts.as_bytes()), None);
    }
}
