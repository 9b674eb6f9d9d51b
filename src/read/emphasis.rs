//! `*emphasis*`, `**strong**` and `_emphasis_` in story text, read as pulldown-cmark reads
//! them, so that a raw story's paragraphs carry their inline structure like any other
//! reader's. Only the markers count: every other character is text, and text that must not
//! change (web addresses, tags) keeps its markers.

use super::spans::has_alphanumeric;
use crate::inline::{Inline, Paragraph, SpanKind};
use crate::protected::Protected;
use std::ops::Range;

fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..)?.chars().next()
}

fn char_before(s: &str, i: usize) -> Option<char> {
    s.get(..i)?.chars().next_back()
}

/// The paragraph with its emphasis markers read as spans.
pub fn find_emphasis(text: &str) -> Paragraph {
    spans_in(text).unwrap_or_else(|| Paragraph::plain(text))
}

/// The paragraph with its emphasis markers read as spans, or `None` when it has none, so
/// that a reader keeps the text it already holds.
pub fn spans_in(text: &str) -> Option<Paragraph> {
    Some(match found(text)? {
        Found::Simple(first, last) => simple_span(text.to_owned(), first, last),
        Found::Read(paragraph) => paragraph,
    })
}

/// As [`spans_in`], for a text its owner gives up when it has spans: in the most common
/// case its buffer becomes the paragraph's text. A raw story's every paragraph is read this
/// way, and allocating is most of what reading a short paragraph costs.
pub fn take_spans(text: &mut String) -> Option<Paragraph> {
    Some(match found(text)? {
        Found::Simple(first, last) => simple_span(std::mem::take(text), first, last),
        Found::Read(paragraph) => paragraph,
    })
}

/// What a text with spans holds: the plain case [`is_simple_emphasis`] takes, by its two
/// markers, or the paragraph pulldown-cmark read.
enum Found {
    Simple(usize, usize),
    Read(Paragraph),
}

fn found(text: &str) -> Option<Found> {
    let protected = may_have_spans(text)?;
    match outer_markers(text, &protected) {
        Some((first, last)) if is_simple_emphasis(text, first, last) => {
            Some(Found::Simple(first, last))
        }
        _ => read_spans(text, &protected).map(Found::Read),
    }
}

/// The plain case [`is_simple_emphasis`] takes, made from its text without a copy: the two
/// markers taken out, the span between them.
fn simple_span(mut text: String, first: usize, last: usize) -> Paragraph {
    text.replace_range(last..last + 1, "");
    text.replace_range(first..first + 1, "");
    Paragraph::spanning(text, first..last - 1, SpanKind::Emphasis)
}

/// The text's protected ranges, when it has the two markers a span needs at least.
fn may_have_spans(text: &str) -> Option<Protected> {
    memchr::memchr2_iter(b'*', b'_', text.as_bytes()).nth(1)?;
    // `find` looks for what every kind of protected text needs before it looks closer.
    Some(Protected::find(text))
}

fn read_spans(text: &str, protected: &Protected) -> Option<Paragraph> {
    match emphasis(text, protected) {
        (_, 0) => None,
        (inlines, _) => Some(Paragraph::new(inlines)),
    }
}

/// The first and the last marker that are not protected, when they are two.
fn outer_markers(text: &str, protected: &Protected) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let is_marker = |i: &usize| !protected.contains(*i);
    let first = memchr::memchr2_iter(b'*', b'_', bytes).find(is_marker)?;
    let last = memchr::memchr2_iter(b'*', b'_', bytes)
        .rev()
        .find(is_marker)?;
    (first != last).then_some((first, last))
}

/// Reads `*text*` and `_text_` as emphasis with pulldown-cmark.
fn emphasis(text: &str, protected: &Protected) -> (Vec<Inline>, usize) {
    let whole = || vec![Inline::Text(text.to_owned())];
    let Some((first, last)) = outer_markers(text, protected) else {
        return (whole(), 0);
    };
    // Emphasis can only lie between the first and the last marker, and whether a marker
    // opens or closes depends only on the characters beside it: that stretch, with one
    // character either side, is all pulldown-cmark needs to read.
    let start = char_before(text, first).map_or(first, |c| first - c.len_utf8());
    let end = char_at(text, last + 1).map_or(last + 1, |c| last + 1 + c.len_utf8());
    let (middle, spans) = emphasis_in(text, start..end, protected);
    if spans == 0 {
        return (whole(), 0);
    }
    // pulldown-cmark trims the spaces at the edges of what it reads: put them back.
    let mut inlines = vec![Inline::Text(text[..start].to_owned())];
    if start < first && text[start..first].trim().is_empty() {
        push_text(&mut inlines, &text[start..first]);
    }
    for inline in middle {
        match inline {
            Inline::Text(t) => push_text(&mut inlines, &t),
            span => inlines.push(span),
        }
    }
    if end > last + 1 && text[last + 1..end].trim().is_empty() {
        push_text(&mut inlines, &text[last + 1..end]);
    }
    push_text(&mut inlines, &text[end..]);
    inlines.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
    (inlines, spans)
}

/// Whether the markers at `first` and `last` make the most common case, `*word*` or `_a few
/// words_` between spaces, which is read without asking pulldown-cmark (which costs more
/// than every other rule together) and gives what pulldown-cmark gives.
fn is_simple_emphasis(text: &str, first: usize, last: usize) -> bool {
    let marker = text.as_bytes()[first];
    let inner = &text[first + 1..last];
    let plain_inner = text.as_bytes()[last] == marker
        && inner.starts_with(char::is_alphanumeric)
        && inner.ends_with(char::is_alphanumeric)
        && !inner.contains(['*', '_', '\\']);
    let open_ok = char_before(text, first).is_none_or(char::is_whitespace);
    let close_ok = char_at(text, last + 1).is_none_or(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '.' | ',' | '!' | '?' | ';' | ':' | '”' | '’' | '…' | '—' | '"' | '\'' | '-'
            )
    });
    plain_inner && open_ok && close_ok
}

/// Emphasis in `text[range]`, after escaping every other Markdown character so that
/// nothing else of Markdown can happen.
fn emphasis_in(text: &str, range: Range<usize>, protected: &Protected) -> (Vec<Inline>, usize) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    let stretch = &text[range.clone()];
    let plain = || vec![Inline::Text(stretch.to_owned())];
    // Only markers and spaces would make a thematic break; it is text.
    let only_markers = stretch.chars().all(|c| matches!(c, '*' | '_' | ' '));
    let mut markdown = String::with_capacity(stretch.len() + 16);
    for (offset, c) in stretch.char_indices() {
        let i = range.start + offset;
        let is_marker = matches!(c, '*' | '_');
        // Spaces on both sides: it can neither open nor close, but could start a list.
        let isolated = is_marker
            && char_before(stretch, offset).is_none_or(char::is_whitespace)
            && char_at(stretch, offset + 1).is_none_or(char::is_whitespace);
        if c.is_ascii_punctuation()
            && (!is_marker || protected.contains(i) || only_markers || isolated)
        {
            markdown.push('\\');
        }
        markdown.push(c);
    }

    // A stack of open spans; the bottom one is the paragraph itself.
    struct Open {
        strong: Option<bool>,
        delimiter: char,
        inlines: Vec<Inline>,
    }
    let open = |strong, delimiter| Open {
        strong,
        delimiter,
        inlines: Vec::new(),
    };
    let mut stack: Vec<Open> = vec![open(None, '*')];
    let mut spans = 0;
    let mut flattened = 0usize;
    for (event, range) in Parser::new_ext(&markdown, Options::empty()).into_offset_iter() {
        let delimiter = markdown[range.start..].chars().next().unwrap_or('*');
        match event {
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            // Spans nested deeper than this stay text, markers and all: nothing real nests
            // so deep, and the book model is walked recursively.
            Event::Start(Tag::Emphasis | Tag::Strong) if stack.len() > MAX_EMPHASIS_DEPTH => {
                let strong = matches!(event, Event::Start(Tag::Strong));
                flattened += 1;
                let marker = delimiter.to_string().repeat(if strong { 2 } else { 1 });
                match stack.last_mut() {
                    Some(top) => push_text(&mut top.inlines, &marker),
                    None => return (plain(), 0),
                }
            }
            Event::End(TagEnd::Emphasis | TagEnd::Strong) if flattened > 0 => {
                let strong = matches!(event, Event::End(TagEnd::Strong));
                flattened -= 1;
                let marker = delimiter.to_string().repeat(if strong { 2 } else { 1 });
                match stack.last_mut() {
                    Some(top) => push_text(&mut top.inlines, &marker),
                    None => return (plain(), 0),
                }
            }
            Event::Start(Tag::Emphasis) => stack.push(open(Some(false), delimiter)),
            Event::Start(Tag::Strong) => stack.push(open(Some(true), delimiter)),
            Event::End(TagEnd::Emphasis | TagEnd::Strong) => {
                let Some(Open {
                    strong: Some(strong),
                    delimiter,
                    inlines,
                }) = stack.pop()
                else {
                    return (plain(), 0);
                };
                let Some(parent) = stack.last_mut() else {
                    return (plain(), 0);
                };
                if has_alphanumeric(&inlines) {
                    spans += 1;
                    parent.inlines.push(if strong {
                        Inline::Strong(inlines)
                    } else {
                        Inline::Emphasis(inlines)
                    });
                } else {
                    // "*~*" is decoration, not emphasis: keep it as written.
                    let marker = delimiter.to_string().repeat(if strong { 2 } else { 1 });
                    let inner_text = Paragraph::new(inlines).plain_text();
                    push_text(
                        &mut parent.inlines,
                        &format!("{marker}{inner_text}{marker}"),
                    );
                }
            }
            Event::Text(t) => match stack.last_mut() {
                Some(top) => push_text(&mut top.inlines, &t),
                None => return (plain(), 0),
            },
            Event::SoftBreak | Event::HardBreak => match stack.last_mut() {
                Some(top) => push_text(&mut top.inlines, " "),
                None => return (plain(), 0),
            },
            // Anything else means the escaping missed a construct: show the text as is.
            _ => return (plain(), 0),
        }
    }
    match stack.pop() {
        Some(Open {
            strong: None,
            inlines,
            ..
        }) if stack.is_empty() => (inlines, spans),
        _ => (plain(), 0),
    }
}

/// Emphasis inside strong inside emphasis… at most this deep.
const MAX_EMPHASIS_DEPTH: usize = 8;

fn push_text(inlines: &mut Vec<Inline>, text: &str) {
    if let Some(Inline::Text(last)) = inlines.last_mut() {
        last.push_str(text);
    } else {
        inlines.push(Inline::Text(text.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What pulldown-cmark makes of the whole text, for comparison.
    fn simple_emphasis(text: &str, first: usize, last: usize) -> Option<Paragraph> {
        is_simple_emphasis(text, first, last).then(|| simple_span(text.to_owned(), first, last))
    }

    fn by_pulldown(text: &str) -> Vec<Inline> {
        let (mut inlines, _) = emphasis_in(text, 0..text.len(), &Protected::default());
        // pulldown-cmark trims the paragraph's edges; the texts here have none to trim.
        inlines.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
        inlines
    }

    #[test]
    fn the_shortcut_takes_plain_cases_only() {
        for (text, taken) in [
            ("*KNOCK*", true),
            ("a *b* c", true),
            ("_two words_.", true),
            ("*KNOCK!*", false),
            ("a*b*c", false),
            ("*a* *b*", false),
            ("*a_", false),
        ] {
            let first = text.find(['*', '_']).unwrap();
            let last = text.rfind(['*', '_']).unwrap();
            assert_eq!(
                simple_emphasis(text, first, last).is_some(),
                taken,
                "{text:?}"
            );
        }
    }

    #[test]
    fn taking_the_text_gives_what_reading_it_gives() {
        for text in [
            "*KNOCK*",
            "He said *no* twice.",
            "_two words_.",
            "a *b* *c*",
            "**strong** and *em*",
            "see http://a.example/*x* here",
            "no markers",
            "one * marker",
            "*~*",
        ] {
            let mut owned = text.to_string();
            let taken = take_spans(&mut owned);
            assert_eq!(taken, spans_in(text), "{text:?}");
            if taken.is_none() {
                assert_eq!(owned, text, "a text without spans is left as it was");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        #[test]
        fn the_shortcut_agrees_with_pulldown_cmark(
            before in "(|[a-z]{1,5} |[a-z]{1,5}|“)",
            marker in "[*_]",
            inner in "[a-zA-Z0-9]{1,4}( [a-z0-9]{1,4}){0,2}[!.]?",
            after in "(| [a-z]{1,5}|[.,!?]|’s|[a-z]{1,3})",
        ) {
            let text = format!("{before}{marker}{inner}{marker}{after}");
            let first = before.len();
            let last = text.len() - after.len() - 1;
            if let Some(shortcut) = simple_emphasis(&text, first, last) {
                prop_assert_eq!(shortcut.inlines(), by_pulldown(&text), "{}", text);
            }
        }
    }
}
