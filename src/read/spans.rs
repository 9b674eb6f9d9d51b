//! Collecting a paragraph's inline content as a reader meets it: text, line breaks,
//! footnote references, and spans (emphasis, strong and marks) that open and close.

use crate::story::{Inline, Mark, Paragraph};

/// The kind of span a reader opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SpanKind {
    Emphasis,
    Strong,
    Marked(Mark),
}

/// Inline content being collected: the paragraph's runs, and one frame for each span
/// still open.
pub(crate) struct Spans {
    frames: Vec<Frame>,
    /// Spans opened too deep to keep, still open: emphasis stays text, markers and all;
    /// a mark is dropped, its text kept.
    flattened: Vec<SpanKind>,
}

struct Frame {
    /// `None` for the paragraph itself.
    kind: Option<SpanKind>,
    inlines: Vec<Inline>,
}

/// Emphasis inside strong inside emphasis… at most this deep: nothing real nests deeper,
/// and the book model is walked recursively.
const MAX_EMPHASIS_DEPTH: usize = 8;

impl Default for Spans {
    fn default() -> Self {
        Spans {
            frames: vec![Frame {
                kind: None,
                inlines: Vec::new(),
            }],
            flattened: Vec::new(),
        }
    }
}

/// What a span the reader could not keep leaves in the text.
fn marker(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Emphasis => "*",
        SpanKind::Strong => "**",
        SpanKind::Marked(_) => "",
    }
}

impl Spans {
    fn top(&mut self) -> &mut Vec<Inline> {
        let last = self.frames.len() - 1;
        &mut self.frames[last].inlines
    }

    pub fn push(&mut self, inline: Inline) {
        self.top().push(inline);
    }

    pub fn push_str(&mut self, text: &str) {
        let top = self.top();
        match top.last_mut() {
            Some(Inline::Text(last)) => last.push_str(text),
            _ => top.push(Inline::Text(text.to_string())),
        }
    }

    pub fn line_break(&mut self) {
        self.push(Inline::LineBreak);
    }

    pub fn open(&mut self, kind: SpanKind) {
        if self.frames.len() > MAX_EMPHASIS_DEPTH || !self.flattened.is_empty() {
            self.push_str(marker(&kind));
            self.flattened.push(kind);
            return;
        }
        self.frames.push(Frame {
            kind: Some(kind),
            inlines: Vec::new(),
        });
    }

    pub fn close(&mut self) {
        if let Some(kind) = self.flattened.pop() {
            self.push_str(marker(&kind));
            return;
        }
        if self.frames.len() < 2 {
            return;
        }
        let Some(Frame {
            kind: Some(kind),
            inlines,
        }) = self.frames.pop()
        else {
            return;
        };
        match kind {
            SpanKind::Marked(mark) => {
                // A mark around nothing is dropped; around text it is kept, whatever the
                // text ("<sup>*</sup>").
                if !inlines.is_empty() {
                    self.push(Inline::Marked(mark, inlines));
                }
            }
            kind if has_alphanumeric(&inlines) => self.push(match kind {
                SpanKind::Strong => Inline::Strong(inlines),
                _ => Inline::Emphasis(inlines),
            }),
            kind => {
                // "*~*" is decoration, not emphasis: keep it as written.
                let text = Paragraph::new(inlines).plain_text();
                let marker = marker(&kind);
                self.push_str(&format!("{marker}{text}{marker}"));
            }
        }
    }

    /// Whether nothing has been collected.
    pub fn is_empty(&self) -> bool {
        self.frames.len() == 1 && self.frames[0].inlines.is_empty() && self.flattened.is_empty()
    }

    /// The paragraph, with any span left open closed.
    pub fn finish(mut self) -> Paragraph {
        while !self.flattened.is_empty() || self.frames.len() > 1 {
            self.close();
        }
        let mut inlines = self.frames.pop().map(|f| f.inlines).unwrap_or_default();
        shrink_texts(&mut inlines);
        // A paragraph of one run keeps it in place (`Runs`), and the list is freed; a
        // longer one gives back the room it grew into.
        let mut paragraph = Paragraph::new(inlines);
        paragraph.0.shrink_to_fit();
        paragraph
    }
}

/// Gives back the room text grew into while it was read: a story is held whole until its
/// book is made, and a paragraph built a piece at a time holds up to twice its text.
fn shrink(inlines: &mut Vec<Inline>) {
    shrink_texts(inlines);
    inlines.shrink_to_fit();
}

/// `shrink` for the texts only, and the spans inside.
fn shrink_texts(inlines: &mut [Inline]) {
    for inline in inlines.iter_mut() {
        match inline {
            Inline::Text(text) if text.capacity() > text.len() + 16 => text.shrink_to_fit(),
            Inline::Emphasis(inner) | Inline::Strong(inner) | Inline::Marked(_, inner) => {
                shrink(inner)
            }
            _ => {}
        }
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

/// Drops white space and line breaks at the paragraph's ends.
pub(crate) fn trim(paragraph: &mut Paragraph) {
    let inlines = &mut paragraph.0;
    loop {
        match inlines.first_mut() {
            Some(Inline::LineBreak) => {
                inlines.remove(0);
            }
            Some(Inline::Text(text)) => {
                let trimmed = text.trim_start();
                if trimmed.is_empty() {
                    inlines.remove(0);
                } else {
                    // Most paragraphs start with their text: no copy for those.
                    let cut = text.len() - trimmed.len();
                    text.drain(..cut);
                    break;
                }
            }
            _ => break,
        }
    }
    loop {
        match inlines.last_mut() {
            Some(Inline::LineBreak) => {
                inlines.pop();
            }
            Some(Inline::Text(text)) => {
                let trimmed = text.trim_end();
                if trimmed.is_empty() {
                    inlines.pop();
                } else {
                    text.truncate(trimmed.len());
                    break;
                }
            }
            _ => break,
        }
    }
}
