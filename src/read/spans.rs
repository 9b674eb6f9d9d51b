//! Collecting a paragraph's inline content as a reader meets it: text, line breaks,
//! footnote references, and emphasis and strong spans that open and close.

use crate::story::{Inline, Paragraph};

/// Inline content being collected: the paragraph's runs, and one frame for each emphasis
/// or strong span still open.
pub(crate) struct Spans {
    frames: Vec<Frame>,
    /// Spans opened too deep to keep, still open: they stay text, markers and all.
    flattened: Vec<bool>,
}

struct Frame {
    /// `None` for the paragraph itself.
    strong: Option<bool>,
    inlines: Vec<Inline>,
}

/// Emphasis inside strong inside emphasis… at most this deep: nothing real nests deeper,
/// and the book model is walked recursively.
const MAX_EMPHASIS_DEPTH: usize = 8;

impl Default for Spans {
    fn default() -> Self {
        Spans {
            frames: vec![Frame {
                strong: None,
                inlines: Vec::new(),
            }],
            flattened: Vec::new(),
        }
    }
}

fn marker(strong: bool) -> &'static str {
    if strong {
        "**"
    } else {
        "*"
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

    pub fn open(&mut self, strong: bool) {
        if self.frames.len() > MAX_EMPHASIS_DEPTH || !self.flattened.is_empty() {
            self.flattened.push(strong);
            self.push_str(marker(strong));
            return;
        }
        self.frames.push(Frame {
            strong: Some(strong),
            inlines: Vec::new(),
        });
    }

    pub fn close(&mut self) {
        if let Some(strong) = self.flattened.pop() {
            self.push_str(marker(strong));
            return;
        }
        if self.frames.len() < 2 {
            return;
        }
        let Some(Frame {
            strong: Some(strong),
            inlines,
        }) = self.frames.pop()
        else {
            return;
        };
        if has_alphanumeric(&inlines) {
            self.push(if strong {
                Inline::Strong(inlines)
            } else {
                Inline::Emphasis(inlines)
            });
        } else {
            // "*~*" is decoration, not emphasis: keep it as written.
            let text = Paragraph::new(inlines).plain_text();
            self.push_str(&format!("{}{text}{}", marker(strong), marker(strong)));
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
        Paragraph::new(self.frames.pop().map(|f| f.inlines).unwrap_or_default())
    }
}

fn has_alphanumeric(inlines: &[Inline]) -> bool {
    inlines.iter().any(|inline| match inline {
        Inline::Text(text) => text.chars().any(char::is_alphanumeric),
        Inline::Emphasis(inner) | Inline::Strong(inner) => has_alphanumeric(inner),
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
                    *text = trimmed.to_string();
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
