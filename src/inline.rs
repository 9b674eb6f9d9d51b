//! Inline structure: a paragraph as runs of text, emphasis and strong spans, line breaks
//! and footnote references. Readers produce it (the story model) and the typography stage
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
    LineBreak,
    /// A reference to the footnote with this number.
    FootnoteRef(usize),
}

impl Paragraph {
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
                    Inline::Emphasis(inner) | Inline::Strong(inner) => inline_bytes(inner),
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
                    Inline::Emphasis(inner) | Inline::Strong(inner) => feed(inner, counter),
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
            Inline::Emphasis(inner) | Inline::Strong(inner) => push_plain(inner, out),
            Inline::LineBreak => out.push(' '),
            Inline::FootnoteRef(_) => {}
        }
    }
}
