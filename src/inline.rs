//! Inline structure: a paragraph as runs of text, emphasis and strong spans, the other
//! marks a source can make (underline, strike-through, superscript, subscript, small caps,
//! links), line breaks and footnote references. Readers produce it (the story model) and the typography stage
//! keeps it (the book model), so structure never travels as markup in the text.

use crate::words::WordCounter;
use serde::Serialize;
use smallvec::SmallVec;

/// The runs of a paragraph: most paragraphs are one run of text, held in place.
pub type Runs = SmallVec<[Inline; 1]>;

/// A paragraph of inline content.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Paragraph(pub Runs);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Inline {
    Text(String),
    Emphasis(Vec<Inline>),
    Strong(Vec<Inline>),
    Marked(Mark, Vec<Inline>),
    LineBreak,
    /// A reference to the footnote with this number.
    FootnoteRef(usize),
}

/// A span that says what its text is, besides emphasis: each is kept as its meaning, and
/// the export stage writes the markup each format allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Mark {
    Underline,
    Strike,
    Superscript,
    Subscript,
    SmallCaps,
    /// A link to an address outside the book, as [`link_address`] cleaned it.
    Link(String),
    /// A link to another place of the source (`ch2.xhtml`, `#part-2`), as its reader
    /// keeps it until it knows where that place is in the book: it becomes a
    /// [`Mark::Chapter`], or plain text when the place is not in the book.
    Internal(String),
    /// A link to the start of a chapter of the book, by its index (from 0).
    Chapter(usize),
}

/// An address a book may link to: `http`, `https` or `mailto`, with every character a URL
/// may not hold raw percent-encoded. Anything else (`javascript:`, a page of the source's
/// own, an address without a host) is `None`, and its text stays text.
pub fn link_address(href: &str) -> Option<String> {
    let href = href.trim();
    let (scheme, rest) = href.split_once(':')?;
    let scheme = scheme.to_ascii_lowercase();
    let has_host = |rest: &str| {
        rest.strip_prefix("//")
            .and_then(|r| r.split(['/', '?', '#']).next())
            .is_some_and(|host| !host.is_empty() && !host.contains(['@', ' ']))
    };
    match scheme.as_str() {
        "http" | "https" if has_host(rest) => {}
        "mailto" if rest.contains('@') => {}
        _ => return None,
    }
    let mut out = String::with_capacity(href.len() + 8);
    out.push_str(&scheme);
    out.push(':');
    let bytes = rest.as_bytes();
    for (i, &byte) in bytes.iter().enumerate() {
        let escaped_already = byte == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        let safe = byte.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&byte);
        if safe || escaped_already {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Some(out)
}

impl Paragraph {
    /// Gives each [`Mark::Internal`] link the mark `target` says, or takes the link away,
    /// its text staying, when `target` says `None`.
    pub fn retarget_links(&mut self, target: &mut impl FnMut(&str) -> Option<Mark>) {
        fn retarget(
            inlines: Vec<Inline>,
            target: &mut impl FnMut(&str) -> Option<Mark>,
        ) -> Vec<Inline> {
            let mut out = Vec::with_capacity(inlines.len());
            for inline in inlines {
                match inline {
                    Inline::Marked(Mark::Internal(key), inner) => {
                        let inner = retarget(inner, target);
                        match target(&key) {
                            Some(mark) => out.push(Inline::Marked(mark, inner)),
                            // Its text joins the text around it, as if never linked.
                            None => {
                                for piece in inner {
                                    match (out.last_mut(), piece) {
                                        (Some(Inline::Text(last)), Inline::Text(text)) => {
                                            last.push_str(&text)
                                        }
                                        (_, piece) => out.push(piece),
                                    }
                                }
                            }
                        }
                    }
                    Inline::Marked(mark, inner) => {
                        out.push(Inline::Marked(mark, retarget(inner, target)))
                    }
                    Inline::Emphasis(inner) => out.push(Inline::Emphasis(retarget(inner, target))),
                    Inline::Strong(inner) => out.push(Inline::Strong(retarget(inner, target))),
                    Inline::Text(text) => match out.last_mut() {
                        Some(Inline::Text(last)) => last.push_str(&text),
                        _ => out.push(Inline::Text(text)),
                    },
                    other => out.push(other),
                }
            }
            out
        }
        fn has_internal(inlines: &[Inline]) -> bool {
            inlines.iter().any(|inline| match inline {
                Inline::Marked(Mark::Internal(_), _) => true,
                Inline::Marked(_, inner) | Inline::Emphasis(inner) | Inline::Strong(inner) => {
                    has_internal(inner)
                }
                _ => false,
            })
        }
        if has_internal(&self.0) {
            let runs = std::mem::take(&mut self.0).into_vec();
            self.0 = Runs::from_vec(retarget(runs, target));
        }
    }

    /// The paragraph's text without markup.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        push_plain(&self.0, &mut out);
        out
    }

    /// A paragraph of these runs.
    pub fn new(inlines: Vec<Inline>) -> Paragraph {
        Paragraph(Runs::from_vec(inlines))
    }

    /// A paragraph of plain text.
    pub fn plain(text: impl Into<String>) -> Paragraph {
        Paragraph(smallvec::smallvec![Inline::Text(text.into())])
    }

    /// Whether the paragraph holds nothing but text, with no inline structure.
    pub fn is_plain(&self) -> bool {
        matches!(self.0.as_slice(), [] | [Inline::Text(_)])
    }

    /// Bytes of text, markup left out.
    pub fn text_bytes(&self) -> usize {
        fn inline_bytes(inlines: &[Inline]) -> usize {
            inlines
                .iter()
                .map(|inline| match inline {
                    Inline::Text(text) => text.len(),
                    Inline::Emphasis(inner) | Inline::Strong(inner) | Inline::Marked(_, inner) => {
                        inline_bytes(inner)
                    }
                    Inline::LineBreak | Inline::FootnoteRef(_) => 0,
                })
                .sum()
        }
        inline_bytes(&self.0)
    }

    pub fn word_count(&self) -> usize {
        // One counter across the pieces: emphasis can split a word ("*un*believable").
        fn feed(inlines: &[Inline], counter: &mut WordCounter) {
            for inline in inlines {
                match inline {
                    Inline::Text(text) => counter.feed(text),
                    Inline::Emphasis(inner) | Inline::Strong(inner) | Inline::Marked(_, inner) => {
                        feed(inner, counter)
                    }
                    Inline::LineBreak => counter.space(),
                    Inline::FootnoteRef(_) => {}
                }
            }
        }
        let mut counter = WordCounter::default();
        feed(&self.0, &mut counter);
        counter.words
    }
}

fn push_plain(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(text) => out.push_str(text),
            Inline::Emphasis(inner) | Inline::Strong(inner) | Inline::Marked(_, inner) => {
                push_plain(inner, out)
            }
            Inline::LineBreak => out.push(' '),
            Inline::FootnoteRef(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn internal_links_are_placed_or_become_their_text() {
        let text = |t: &str| Inline::Text(t.to_string());
        let internal = |key: &str, inner| Inline::Marked(Mark::Internal(key.to_string()), inner);
        let mut paragraph = Paragraph::new(vec![
            text("See "),
            internal("ch2.xhtml", vec![text("part two")]),
            text(" and "),
            Inline::Emphasis(vec![internal("gone.xhtml", vec![text("a lost page")])]),
            text("."),
        ]);
        paragraph.retarget_links(&mut |key| (key == "ch2.xhtml").then_some(Mark::Chapter(1)));
        assert_eq!(
            paragraph,
            Paragraph::new(vec![
                text("See "),
                Inline::Marked(Mark::Chapter(1), vec![text("part two")]),
                text(" and "),
                Inline::Emphasis(vec![text("a lost page")]),
                text("."),
            ])
        );
        let mut plain = Paragraph::plain("no links");
        plain.retarget_links(&mut |_| panic!("no link to place"));
        assert_eq!(plain, Paragraph::plain("no links"));
    }

    use super::*;

    #[test]
    fn only_addresses_outside_the_book_are_links() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "https://archiveofourown.org/works/1",
                Some("https://archiveofourown.org/works/1"),
            ),
            ("HTTP://example.com/a b", Some("http://example.com/a%20b")),
            (
                "https://example.com/café?q=1#x",
                Some("https://example.com/caf%C3%A9?q=1#x"),
            ),
            (
                "https://example.com/%41%zz",
                Some("https://example.com/%41%25zz"),
            ),
            (
                "https://example.com/\"<x>",
                Some("https://example.com/%22%3Cx%3E"),
            ),
            (
                "mailto:writer@example.com",
                Some("mailto:writer@example.com"),
            ),
            ("javascript:alert(1)", None),
            ("chapter2.html#top", None),
            ("#footnote", None),
            ("https:///path", None),
            ("mailto:nobody", None),
            ("", None),
        ];
        for (href, expected) in cases {
            assert_eq!(link_address(href).as_deref(), *expected, "{href}");
        }
    }
}
