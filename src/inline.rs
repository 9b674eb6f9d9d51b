//! Inline structure: a paragraph's text with its emphasis and strong spans, the other marks
//! a source can make (underline, strike-through, superscript, subscript, small caps, links),
//! line breaks and footnote references. Readers produce it (the story model) and the
//! typography stage keeps it (the book model), so structure never travels as markup in the
//! text.
//!
//! A paragraph is held as one text and a table of the places where its spans open and
//! close: the typography rules read the whole text at once, and most paragraphs, spans or
//! not, cost one allocation. [`Inline`] is the same content as a tree, which is how a book
//! built by hand or a test writes it, and how `inspect --json` shows it.

use crate::words::WordCounter;
use serde::{Serialize, Serializer};
use smallvec::SmallVec;

/// A paragraph of inline content: its text, with each line break as `\n`, and the edges of
/// its spans and its footnote references at byte offsets of that text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paragraph {
    text: String,
    /// In document order: offsets never go back, and each `Open` has its `Close`.
    edges: Edges,
    /// The marks of `Span::Marked` spans, in the order they open.
    marks: Marks,
}

/// A paragraph's marks. Most paragraphs have none, and a story holds hundreds of thousands
/// of paragraphs: none costs one word, not three.
#[derive(Debug, Clone, Default)]
#[allow(
    clippy::box_collection,
    reason = "one word when empty, as nearly every paragraph's marks are"
)]
struct Marks(Option<Box<Vec<Mark>>>);

impl Marks {
    fn from_vec(marks: Vec<Mark>) -> Marks {
        Marks((!marks.is_empty()).then(|| Box::new(marks)))
    }

    fn as_slice(&self) -> &[Mark] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }

    fn into_vec(self) -> Vec<Mark> {
        self.0.map(|marks| *marks).unwrap_or_default()
    }

    /// Adds a mark and gives its place.
    fn push(&mut self, mark: Mark) -> u32 {
        let marks = self.0.get_or_insert_with(Default::default);
        marks.push(mark);
        u32::try_from(marks.len() - 1).unwrap_or(u32::MAX)
    }

    fn truncate(&mut self, len: usize) {
        if let Some(marks) = &mut self.0 {
            marks.truncate(len);
            if marks.is_empty() {
                self.0 = None;
            }
        }
    }

    fn shrink_to_fit(&mut self) {
        if let Some(marks) = &mut self.0 {
            marks.shrink_to_fit();
        }
    }
}

impl PartialEq for Marks {
    fn eq(&self, other: &Marks) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Marks {}

/// A paragraph with one span holds its edges in place.
pub(crate) type Edges = SmallVec<[Edge; 2]>;

/// Where a span opens or closes, or a footnote is referred to, as a byte offset of the
/// paragraph's text. Offsets are 32 bits: a story is at most 256 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edge {
    pub at: u32,
    pub kind: EdgeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdgeKind {
    Open(Span),
    Close,
    Footnote(u32),
}

/// The kind of a span that opens; a mark by its place in `Paragraph::marks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    Emphasis,
    Strong,
    Marked(u32),
}

/// The kind of span a reader opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanKind {
    Emphasis,
    Strong,
    Marked(Mark),
}

/// A paragraph's content as a tree.
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

/// One step of a walk through a paragraph ([`Paragraph::walk`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text without line breaks.
    Text(&'a str),
    LineBreak,
    Open(SpanRef<'a>),
    Close(SpanRef<'a>),
    FootnoteRef(usize),
}

/// A span met in a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanRef<'a> {
    Emphasis,
    Strong,
    Marked(&'a Mark),
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
    /// A paragraph of plain text; a `\n` in it is a line break.
    pub fn plain(text: impl Into<String>) -> Paragraph {
        Paragraph {
            text: text.into(),
            edges: Edges::new(),
            marks: Marks::default(),
        }
    }

    /// A paragraph of these runs.
    pub fn new(inlines: Vec<Inline>) -> Paragraph {
        let mut paragraph = Paragraph::default();
        paragraph.push_inlines(inlines);
        paragraph
    }

    /// A paragraph of `text` with one span over `range` of it.
    pub(crate) fn spanning(
        text: String,
        range: std::ops::Range<usize>,
        kind: SpanKind,
    ) -> Paragraph {
        let mut paragraph = Paragraph::plain(text);
        let end = range.end.min(paragraph.text.len());
        let start = range.start.min(end);
        let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        let span = paragraph.span(kind);
        paragraph.edges.push(Edge {
            at: offset(start),
            kind: EdgeKind::Open(span),
        });
        paragraph.edges.push(Edge {
            at: offset(end),
            kind: EdgeKind::Close,
        });
        paragraph
    }

    fn push_inlines(&mut self, inlines: Vec<Inline>) {
        for inline in inlines {
            match inline {
                // The first run is most often the whole paragraph: kept, not copied.
                Inline::Text(text) if self.text.is_empty() && self.edges.is_empty() => {
                    self.text = text
                }
                Inline::Text(text) => self.push_str(&text),
                Inline::LineBreak => self.line_break(),
                Inline::FootnoteRef(number) => self.footnote_ref(number),
                Inline::Emphasis(inner) => self.push_span(SpanKind::Emphasis, inner),
                Inline::Strong(inner) => self.push_span(SpanKind::Strong, inner),
                Inline::Marked(mark, inner) => self.push_span(SpanKind::Marked(mark), inner),
            }
        }
    }

    fn push_span(&mut self, kind: SpanKind, inner: Vec<Inline>) {
        self.open(kind);
        self.push_inlines(inner);
        self.close();
    }

    /// The paragraph's text, each line break a `\n`, markup and footnote references left
    /// out.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The paragraph's text with each line break as a space.
    pub fn plain_text(&self) -> String {
        if memchr::memchr(b'\n', self.text.as_bytes()).is_some() {
            self.text.replace('\n', " ")
        } else {
            self.text.clone()
        }
    }

    /// The text before the paragraph's first span, footnote reference or line break.
    pub fn leading_text(&self) -> &str {
        let end = self
            .edges
            .first()
            .map_or(self.text.len(), |e| e.at as usize);
        let lead = self.text.get(..end).unwrap_or("");
        lead.split('\n').next().unwrap_or(lead)
    }

    /// Whether the paragraph holds nothing but text, with no inline structure.
    pub fn is_plain(&self) -> bool {
        self.edges.is_empty() && memchr::memchr(b'\n', self.text.as_bytes()).is_none()
    }

    /// Whether the paragraph holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.edges.is_empty()
    }

    /// How many spans the paragraph holds.
    pub fn spans(&self) -> usize {
        self.edges
            .iter()
            .filter(|edge| matches!(edge.kind, EdgeKind::Open(_)))
            .count()
    }

    /// Bytes of text, markup left out (a line break is one).
    pub fn text_bytes(&self) -> usize {
        self.text.len()
    }

    pub fn word_count(&self) -> usize {
        // One count over the whole text: emphasis can split a word ("*un*believable").
        let mut counter = WordCounter::default();
        counter.feed(&self.text);
        counter.words
    }

    /// Where the spans and footnote references are.
    pub(crate) fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// This paragraph's spans over another text, with its edges at `edges`.
    pub(crate) fn relaid(&self, text: String, edges: Edges) -> Paragraph {
        Paragraph {
            text,
            edges,
            marks: self.marks.clone(),
        }
    }

    /// The text to change in place, for a paragraph that has no edges to keep in step.
    pub(crate) fn plain_text_mut(&mut self) -> Option<&mut String> {
        self.edges.is_empty().then_some(&mut self.text)
    }

    /// Adds another paragraph's content at the end.
    pub(crate) fn append(&mut self, other: Paragraph) {
        if self.is_empty() {
            *self = other;
            return;
        }
        let (shift, first_mark) = (self.here(), self.marks.as_slice().len());
        let first_mark = u32::try_from(first_mark).unwrap_or(u32::MAX);
        self.text.push_str(&other.text);
        for mark in other.marks.into_vec() {
            self.marks.push(mark);
        }
        self.edges.extend(other.edges.into_iter().map(|mut edge| {
            edge.at = edge.at.saturating_add(shift);
            if let EdgeKind::Open(Span::Marked(n)) = &mut edge.kind {
                *n = n.saturating_add(first_mark);
            }
            edge
        }));
    }

    /// Gives back the room the paragraph grew into while it was built.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.edges.shrink_to_fit();
        self.marks.shrink_to_fit();
    }

    fn here(&self) -> u32 {
        u32::try_from(self.text.len()).unwrap_or(u32::MAX)
    }

    /// Adds text at the end, inside every span still open.
    pub(crate) fn push_str(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub(crate) fn line_break(&mut self) {
        self.text.push('\n');
    }

    pub(crate) fn footnote_ref(&mut self, number: usize) {
        let number = u32::try_from(number).unwrap_or(u32::MAX);
        self.push_edge(EdgeKind::Footnote(number));
    }

    /// Opens a span at the end; [`Paragraph::close`] closes the last one opened.
    pub(crate) fn open(&mut self, kind: SpanKind) {
        let span = self.span(kind);
        self.push_edge(EdgeKind::Open(span));
    }

    /// The span of this kind, its mark kept.
    fn span(&mut self, kind: SpanKind) -> Span {
        match kind {
            SpanKind::Emphasis => Span::Emphasis,
            SpanKind::Strong => Span::Strong,
            SpanKind::Marked(mark) => Span::Marked(self.marks.push(mark)),
        }
    }

    pub(crate) fn close(&mut self) {
        self.push_edge(EdgeKind::Close);
    }

    fn push_edge(&mut self, kind: EdgeKind) {
        let at = self.here();
        self.edges.push(Edge { at, kind });
    }

    /// Takes back the span that opened at edge `index`, which must still be the last one
    /// open, with everything inside it: its kind and its text, line breaks as spaces. A
    /// reader that finds a span is not one ("*~*") writes its text again as text.
    pub(crate) fn unopen(&mut self, index: usize) -> Option<(SpanKind, String)> {
        let Some(&Edge {
            at,
            kind: EdgeKind::Open(span),
        }) = self.edges.get(index)
        else {
            return None;
        };
        // Its own mark, if it has one, and those of the spans inside it are the last ones
        // kept: they go with it.
        let first_mark_inside = self.edges[index..].iter().find_map(|edge| match edge.kind {
            EdgeKind::Open(Span::Marked(n)) => Some(n as usize),
            _ => None,
        });
        let kind = match span {
            Span::Emphasis => SpanKind::Emphasis,
            Span::Strong => SpanKind::Strong,
            Span::Marked(n) => SpanKind::Marked(self.marks.as_slice().get(n as usize).cloned()?),
        };
        if let Some(n) = first_mark_inside {
            self.marks.truncate(n);
        }
        self.edges.truncate(index);
        let inner = self.text.split_off((at as usize).min(self.text.len()));
        Some((kind, inner.replace('\n', " ")))
    }

    /// Gives back the room the text grew into, when that is worth a copy.
    pub(crate) fn shrink_spare(&mut self) {
        if self.text.capacity() > self.text.len() + 16 {
            self.text.shrink_to_fit();
        }
        self.edges.shrink_to_fit();
        self.marks.shrink_to_fit();
    }

    /// Drops white space and line breaks at the paragraph's ends, outside its spans.
    pub(crate) fn trim_ends(&mut self) {
        let first = self
            .edges
            .first()
            .map_or(self.text.len(), |edge| edge.at as usize);
        let head = self.text.get(..first).unwrap_or("");
        let cut = head.len() - head.trim_start().len();
        if cut > 0 {
            self.text.drain(..cut);
            let cut = u32::try_from(cut).unwrap_or(u32::MAX);
            for edge in &mut self.edges {
                edge.at = edge.at.saturating_sub(cut);
            }
        }
        let last = self.edges.last().map_or(0, |edge| edge.at as usize);
        let tail = self.text.get(last..).unwrap_or("");
        let keep = last + tail.trim_end().len();
        self.text.truncate(keep);
    }

    /// Walks the paragraph in document order: each span opens and closes around its
    /// content, and text comes without line breaks, which are pieces of their own.
    pub fn walk<'a>(&'a self, mut visit: impl FnMut(Piece<'a>)) {
        let text = self.text.as_str();
        let mut open: SmallVec<[Span; 8]> = SmallVec::new();
        let mut done = 0;
        for edge in &self.edges {
            let mut at = (edge.at as usize).clamp(done, text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text_pieces(&text[done..at], &mut visit);
            done = at;
            match edge.kind {
                EdgeKind::Open(span) => {
                    open.push(span);
                    visit(Piece::Open(self.span_ref(span)));
                }
                EdgeKind::Close => {
                    if let Some(span) = open.pop() {
                        visit(Piece::Close(self.span_ref(span)));
                    }
                }
                EdgeKind::Footnote(number) => visit(Piece::FootnoteRef(number as usize)),
            }
        }
        text_pieces(&text[done..], &mut visit);
        while let Some(span) = open.pop() {
            visit(Piece::Close(self.span_ref(span)));
        }
    }

    fn span_ref(&self, span: Span) -> SpanRef<'_> {
        match span {
            Span::Emphasis => SpanRef::Emphasis,
            Span::Strong => SpanRef::Strong,
            Span::Marked(n) => self
                .marks
                .as_slice()
                .get(n as usize)
                .map_or(SpanRef::Emphasis, SpanRef::Marked),
        }
    }

    /// The paragraph as a tree of runs.
    pub fn inlines(&self) -> Vec<Inline> {
        let mut stack: SmallVec<[(SpanRef, Vec<Inline>); 4]> = SmallVec::new();
        stack.push((SpanRef::Emphasis, Vec::new()));
        self.walk(|piece| {
            let Some((_, top)) = stack.last_mut() else {
                return;
            };
            match piece {
                Piece::Text(text) => match top.last_mut() {
                    Some(Inline::Text(last)) => last.push_str(text),
                    _ => top.push(Inline::Text(text.to_string())),
                },
                Piece::LineBreak => top.push(Inline::LineBreak),
                Piece::FootnoteRef(number) => top.push(Inline::FootnoteRef(number)),
                Piece::Open(span) => stack.push((span, Vec::new())),
                Piece::Close(_) => {
                    if stack.len() < 2 {
                        return;
                    }
                    let Some((span, inner)) = stack.pop() else {
                        return;
                    };
                    if let Some((_, parent)) = stack.last_mut() {
                        parent.push(match span {
                            SpanRef::Emphasis => Inline::Emphasis(inner),
                            SpanRef::Strong => Inline::Strong(inner),
                            SpanRef::Marked(mark) => Inline::Marked(mark.clone(), inner),
                        });
                    }
                }
            }
        });
        stack.pop().map(|(_, inlines)| inlines).unwrap_or_default()
    }

    /// Gives each [`Mark::Internal`] link the mark `target` says, or takes the link away,
    /// its text staying, when `target` says `None`.
    pub fn retarget_links(&mut self, target: &mut impl FnMut(&str) -> Option<Mark>) {
        let marks = self.marks.as_slice();
        if !marks.iter().any(|m| matches!(m, Mark::Internal(_))) {
            return;
        }
        let mut placed: Vec<Option<u32>> = Vec::with_capacity(marks.len());
        let mut marks = Vec::with_capacity(marks.len());
        for mark in std::mem::take(&mut self.marks).into_vec() {
            let mark = match mark {
                Mark::Internal(key) => target(&key),
                other => Some(other),
            };
            placed.push(mark.map(|mark| {
                marks.push(mark);
                u32::try_from(marks.len() - 1).unwrap_or(u32::MAX)
            }));
        }
        self.marks = Marks::from_vec(marks);
        // Whether each span still open is kept, so that its close goes with it.
        let mut open: SmallVec<[bool; 8]> = SmallVec::new();
        self.edges.retain(|edge| match edge.kind {
            EdgeKind::Open(Span::Marked(n)) => match placed.get(n as usize).copied().flatten() {
                Some(n) => {
                    edge.kind = EdgeKind::Open(Span::Marked(n));
                    open.push(true);
                    true
                }
                None => {
                    open.push(false);
                    false
                }
            },
            EdgeKind::Open(_) => {
                open.push(true);
                true
            }
            EdgeKind::Close => open.pop().unwrap_or(true),
            EdgeKind::Footnote(_) => true,
        });
    }
}

/// Text, with each `\n` as a line break.
fn text_pieces<'a>(text: &'a str, visit: &mut impl FnMut(Piece<'a>)) {
    if text.is_empty() {
        return;
    }
    if memchr::memchr(b'\n', text.as_bytes()).is_none() {
        visit(Piece::Text(text));
        return;
    }
    for (n, piece) in text.split('\n').enumerate() {
        if n > 0 {
            visit(Piece::LineBreak);
        }
        if !piece.is_empty() {
            visit(Piece::Text(piece));
        }
    }
}

/// As the tree of runs it holds, as the model wrote it before it was held flat.
impl Serialize for Paragraph {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.inlines())
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

    fn text(t: &str) -> Inline {
        Inline::Text(t.to_string())
    }

    #[test]
    fn a_tree_of_runs_comes_back_as_it_went_in() {
        let trees = vec![
            vec![],
            vec![text("plain")],
            vec![text("a "), Inline::Emphasis(vec![text("b")]), text(" c")],
            vec![
                Inline::Strong(vec![text("x "), Inline::Emphasis(vec![text("y")])]),
                Inline::LineBreak,
                Inline::Marked(Mark::Link("https://example.com/".into()), vec![text("z")]),
                Inline::FootnoteRef(3),
            ],
            vec![
                Inline::Marked(Mark::Superscript, vec![text("1")]),
                Inline::Marked(Mark::SmallCaps, vec![text("two")]),
                Inline::Emphasis(vec![]),
            ],
        ];
        for tree in trees {
            let paragraph = Paragraph::new(tree.clone());
            assert_eq!(paragraph.inlines(), tree);
        }
        // Runs side by side are one text; a `\n` is a line break.
        assert_eq!(
            Paragraph::new(vec![text("a"), text("b\nc")]).inlines(),
            vec![text("ab"), Inline::LineBreak, text("c")]
        );
    }

    #[test]
    fn trimming_drops_white_space_outside_spans_only() {
        let em = |t: &str| Inline::Emphasis(vec![text(t)]);
        let cases = vec![
            (vec![text("  a b  ")], vec![text("a b")]),
            (
                vec![text(" "), Inline::LineBreak, text(" a"), Inline::LineBreak],
                vec![text("a")],
            ),
            (vec![text("  "), em(" a "), text(" ")], vec![em(" a ")]),
            (
                vec![Inline::FootnoteRef(1), text(" ")],
                vec![Inline::FootnoteRef(1)],
            ),
            (vec![text(" \t ")], vec![]),
        ];
        for (tree, expected) in cases {
            let mut paragraph = Paragraph::new(tree.clone());
            paragraph.trim_ends();
            assert_eq!(paragraph.inlines(), expected, "{tree:?}");
        }
    }

    #[test]
    fn appending_shifts_the_spans_and_marks_of_the_second() {
        let mut first = Paragraph::new(vec![
            text("a "),
            Inline::Marked(Mark::Underline, vec![text("b")]),
        ]);
        first.line_break();
        first.append(Paragraph::new(vec![
            Inline::Marked(Mark::Strike, vec![text("c")]),
            Inline::FootnoteRef(2),
        ]));
        assert_eq!(
            first.inlines(),
            vec![
                text("a "),
                Inline::Marked(Mark::Underline, vec![text("b")]),
                Inline::LineBreak,
                Inline::Marked(Mark::Strike, vec![text("c")]),
                Inline::FootnoteRef(2),
            ]
        );
    }

    #[test]
    fn a_span_taken_back_leaves_its_text_and_drops_what_it_held() {
        let mut paragraph = Paragraph::plain("see ");
        let edge = paragraph.edges().len();
        paragraph.open(SpanKind::Emphasis);
        paragraph.push_str("~");
        paragraph.open(SpanKind::Marked(Mark::Superscript));
        paragraph.push_str("1");
        paragraph.close();
        paragraph.line_break();
        let (kind, inner) = paragraph.unopen(edge).expect("an open span");
        assert_eq!((kind, inner.as_str()), (SpanKind::Emphasis, "~1 "));
        assert_eq!(paragraph, Paragraph::plain("see "));
    }

    #[test]
    fn a_paragraph_is_as_small_as_a_one_run_paragraph_was() {
        // A 20 MB story holds a few hundred thousand of them, twice (story and book).
        assert!(std::mem::size_of::<Paragraph>() <= 64);
    }

    #[test]
    fn one_span_over_a_range() {
        let paragraph = Paragraph::spanning("a big day".into(), 2..5, SpanKind::Strong);
        assert_eq!(
            paragraph.inlines(),
            vec![text("a "), Inline::Strong(vec![text("big")]), text(" day")]
        );
    }

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
