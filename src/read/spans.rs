//! Collecting a paragraph's inline content as a reader meets it: text, line breaks,
//! footnote references, and spans (emphasis, strong and marks) that open and close.

pub(crate) use crate::story::SpanKind;
use crate::story::{Inline, Paragraph};

/// Inline content being collected into a paragraph, with the spans still open.
#[derive(Default)]
pub(crate) struct Spans {
    paragraph: Paragraph,
    open: Vec<Open>,
    /// Spans opened too deep to keep, still open: emphasis stays text, markers and all;
    /// a mark is dropped, its text kept.
    flattened: Vec<SpanKind>,
}

/// A span kept open: where its opening edge and its text start.
struct Open {
    edge: usize,
    text: usize,
    is_mark: bool,
}

/// Emphasis inside strong inside emphasis… at most this deep: nothing real nests deeper.
const MAX_EMPHASIS_DEPTH: usize = 8;

/// What a span the reader could not keep leaves in the text.
fn marker(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Emphasis => "*",
        SpanKind::Strong => "**",
        SpanKind::Marked(_) => "",
    }
}

impl Spans {
    pub fn push_str(&mut self, text: &str) {
        self.paragraph.push_str(text);
    }

    pub fn line_break(&mut self) {
        self.paragraph.line_break();
    }

    pub fn footnote_ref(&mut self, number: usize) {
        self.paragraph.footnote_ref(number);
    }

    pub fn open(&mut self, kind: SpanKind) {
        if self.open.len() >= MAX_EMPHASIS_DEPTH || !self.flattened.is_empty() {
            self.push_str(marker(&kind));
            self.flattened.push(kind);
            return;
        }
        self.open.push(Open {
            edge: self.paragraph.edges().len(),
            text: self.paragraph.text().len(),
            is_mark: matches!(kind, SpanKind::Marked(_)),
        });
        self.paragraph.open(kind);
    }

    pub fn close(&mut self) {
        if let Some(kind) = self.flattened.pop() {
            self.push_str(marker(&kind));
            return;
        }
        let Some(open) = self.open.pop() else {
            return;
        };
        let inner = self.paragraph.text().get(open.text..).unwrap_or("");
        let holds_nothing = inner.is_empty() && self.paragraph.edges().len() == open.edge + 1;
        // A mark around nothing is dropped; around text it is kept, whatever the text
        // ("<sup>*</sup>"). Emphasis around no letter or digit ("*~*") is decoration,
        // kept as written.
        let keep = if open.is_mark {
            !holds_nothing
        } else {
            inner.chars().any(char::is_alphanumeric)
        };
        if keep {
            self.paragraph.close();
        } else if let Some((kind, text)) = self.paragraph.unopen(open.edge) {
            let marker = marker(&kind);
            if !open.is_mark {
                self.push_str(&format!("{marker}{text}{marker}"));
            }
        }
    }

    /// Whether nothing has been collected.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty() && self.paragraph.is_empty() && self.flattened.is_empty()
    }

    /// The paragraph, with any span left open closed.
    pub fn finish(mut self) -> Paragraph {
        while !self.flattened.is_empty() || !self.open.is_empty() {
            self.close();
        }
        // A story is held whole until its book is made, and a paragraph built a piece at
        // a time holds up to twice its text.
        let mut paragraph = self.paragraph;
        paragraph.shrink_spare();
        paragraph
    }
}

/// Whether any text in the runs holds a letter or digit: emphasis around none ("*~*") is
/// decoration.
pub(crate) fn has_alphanumeric(inlines: &[Inline]) -> bool {
    inlines.iter().any(|inline| match inline {
        Inline::Text(text) => text.chars().any(char::is_alphanumeric),
        Inline::Emphasis(inner) | Inline::Strong(inner) | Inline::Marked(_, inner) => {
            has_alphanumeric(inner)
        }
        Inline::LineBreak | Inline::FootnoteRef(_) => false,
    })
}
