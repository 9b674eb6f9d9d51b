//! From an HTML element tree to story blocks: what the HTML and EPUB readers share.
//!
//! Paragraphs, headings, block quotes, lists and rules become blocks; `em`/`i` and
//! `strong`/`b` become spans and `br` a line break; scripts, styles, forms and the like
//! are dropped; every other element gives its text. White space is collapsed as a browser
//! collapses it.

use super::conventions::is_scene_break;
use super::spans::{SpanKind, Spans};
use crate::story::{Alignment, Cell, Mark, Paragraph, RawBlock, RawPicture};
use scraper::{ElementRef, Node};
use std::borrow::Cow;

/// A block at the top level of a page, where headings can start chapters.
#[derive(Debug, Clone)]
pub(super) enum Item {
    /// A heading, with the id links name it by, if any.
    Heading {
        level: u8,
        text: String,
        id: Option<String>,
    },
    Block(RawBlock),
}

impl Item {
    /// The item as a block of a chapter: a heading below the chapter's own.
    pub(super) fn into_block(self) -> RawBlock {
        match self {
            Item::Heading { text, .. } => RawBlock::Heading(Paragraph::plain(text)),
            Item::Block(block) => block,
        }
    }
}

/// Elements whose content is never shown to a reader. (A `match` rather than a list
/// searched in turn: every element of a page is asked.)
fn is_dropped(name: &str) -> bool {
    matches!(
        name,
        "head"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "form"
            | "button"
            | "input"
            | "select"
            | "textarea"
            | "iframe"
            | "object"
            | "embed"
            | "video"
            | "audio"
            | "svg"
            | "math"
            | "canvas"
    )
}

/// Elements that hold blocks, or are blocks themselves. (Headings, quotes, lists, cells
/// and rules are read by arms of their own; they are here for `read/tree.rs`, which drops
/// the white space after any of these.)
pub(super) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "td" | "th"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "ul"
            | "ol"
            | "hr"
            | "p"
            | "div"
            | "section"
            | "article"
            | "main"
            | "header"
            | "footer"
            | "aside"
            | "nav"
            | "center"
            | "figure"
            | "figcaption"
            | "address"
            | "dl"
            | "dt"
            | "dd"
            | "details"
            | "summary"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "caption"
            | "body"
            | "html"
            | "li"
            | "pre"
    )
}

/// A page read as top-level items, with what was taken out of it.
#[derive(Debug, Default)]
pub(super) struct Page {
    pub items: Vec<Item>,
    /// Addresses of pictures whose description took their place.
    pub images: Vec<String>,
    /// Author's notes the page marks as such (`#authors-note`, `.authors-note`,
    /// `.fff_chapter_notes`), each with whether it came before the page's text.
    pub notes: Vec<(bool, Vec<Paragraph>)>,
}

/// Reads the content of `element` (not the element itself) as top-level items.
pub(super) fn items(element: ElementRef) -> (Vec<Item>, Vec<String>) {
    let page = page(element);
    (page.items, page.images)
}

/// Reads the content of `element` as a page.
pub(super) fn page(element: ElementRef) -> Page {
    let mut reader = Reader::default();
    reader.children(element);
    reader.flush();
    Page {
        items: reader.items,
        images: reader.images,
        notes: reader.notes,
    }
}

/// A tag or a text of an XHTML page, read without building the page's tree
/// ([`super::tree::xhtml_events`]). Text comes as the tree would hold it: one piece
/// between two tags, its references resolved.
#[derive(Debug)]
pub(super) enum Streamed<'a> {
    Start(StartTag<'a>),
    End,
    Text(Cow<'a, str>),
}

/// A start tag, its name and attributes read from the page with nothing copied that
/// holds no reference.
#[derive(Debug)]
pub(super) struct StartTag<'a> {
    /// In lower case, as the tree names HTML elements.
    pub name: Cow<'a, str>,
    pub attributes: Vec<(&'a str, Cow<'a, str>)>,
    /// Written `<br/>`: no content and no end tag.
    pub empty: bool,
}

impl StartTag<'_> {
    pub(super) fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find_map(|(name, value)| (*name == key).then_some(value.as_ref()))
    }
}

impl Streamed<'_> {
    /// The value of a start tag's attribute.
    pub(super) fn attribute(&self, key: &str) -> Option<&str> {
        match self {
            Streamed::Start(tag) => tag.attribute(key),
            _ => None,
        }
    }
}

/// How an element read from a stream ends.
enum Opened {
    Spans(usize),
    Content,
    /// A block, with the alignment to restore at its end.
    Block(Option<Alignment>),
    /// A quote, read by a reader of its own until its end.
    Quote,
    /// A list, with the items read so far: each element inside it is an item, read by a
    /// reader of its own, and text between them is not shown.
    List {
        start: Option<u64>,
        items: Vec<Vec<RawBlock>>,
    },
    Item,
}

/// Reads a run of tags and texts (the content of some element) as top-level items, with
/// the addresses of pictures whose description took their place, as [`items`] reads the
/// same element from a tree; `None` when it holds an element that is read as a whole
/// (headings, tables, notes, preformatted and dropped elements), which only the tree can
/// give.
pub(super) fn streamed_items(events: &[Streamed]) -> Option<(Vec<Item>, Vec<String>)> {
    // The reader of the page, then one for each quote and list item being read.
    let mut readers = vec![Reader::default()];
    let mut open: Vec<Opened> = Vec::new();
    for event in events {
        let in_list = matches!(open.last(), Some(Opened::List { .. }));
        match event {
            Streamed::Start(tag) if in_list => {
                if !tag.empty {
                    let depth = readers.last()?.depth;
                    readers.push(Reader::nested_at(depth)?);
                    open.push(Opened::Item);
                }
            }
            Streamed::Start(tag) => {
                let reader = readers.last_mut()?;
                let opened = reader.start_tag(&tag.name, |key| tag.attribute(key), tag.empty)?;
                if matches!(opened, Opened::Quote) {
                    let depth = reader.depth;
                    readers.push(Reader::nested_at(depth)?);
                }
                if tag.empty {
                    end_streamed(&mut readers, &mut open, opened)?;
                } else {
                    open.push(opened);
                }
            }
            Streamed::End => {
                let opened = open.pop()?;
                end_streamed(&mut readers, &mut open, opened)?;
            }
            Streamed::Text(_) if in_list => {}
            Streamed::Text(text) => readers.last_mut()?.text(text),
        }
    }
    let [mut reader] = <[Reader; 1]>::try_from(readers).ok()?;
    if !open.is_empty() {
        return None;
    }
    reader.flush();
    Some((reader.items, reader.images))
}

/// Ends an element read from a stream; `open` holds the elements still open around it.
fn end_streamed(readers: &mut Vec<Reader>, open: &mut [Opened], opened: Opened) -> Option<()> {
    match opened {
        Opened::Spans(count) => {
            let reader = readers.last_mut()?;
            for _ in 0..count {
                reader.spans.close();
            }
        }
        Opened::Content => {}
        Opened::Block(outer) => readers.last_mut()?.end_block(outer),
        Opened::Quote => {
            let inner = readers.pop()?;
            let outer = readers.last_mut()?;
            let blocks = inner.into_blocks(&mut outer.images);
            if !blocks.is_empty() {
                outer.push(RawBlock::Quote(blocks));
            }
        }
        Opened::List { start, items } => {
            if !items.is_empty() {
                readers.last_mut()?.push(RawBlock::List { start, items });
            }
        }
        Opened::Item => {
            let inner = readers.pop()?;
            let outer = readers.last_mut()?;
            let blocks = inner.into_blocks(&mut outer.images);
            if let (Some(Opened::List { items, .. }), false) = (open.last_mut(), blocks.is_empty())
            {
                items.push(blocks);
            }
        }
    }
    Some(())
}

/// An element that holds an author's note, in the layouts that mark them.
fn is_note<'a>(attribute: impl Fn(&str) -> Option<&'a str>) -> bool {
    attribute("id") == Some("authors-note")
        || attribute("class").is_some_and(|class| {
            class
                .split_ascii_whitespace()
                .any(|c| matches!(c, "authors-note" | "fff_chapter_notes"))
        })
}

/// What an element is to the reader, by its name and attributes.
enum Role {
    /// Never shown to a reader ([`is_dropped`]).
    Dropped,
    LineBreak,
    /// `hr`: a scene break.
    Rule,
    Picture,
    /// Its content, inside these spans.
    Spans(Vec<SpanKind>),
    /// Only its content: an element the reader does not know, or a link that leads nowhere.
    Content,
    Heading(u8),
    Quote,
    List {
        ordered: bool,
    },
    Table,
    /// A cell of a table that lays out a page.
    Cell,
    Preformatted,
    /// A block, with how it sets its text ([`alignment_of`]).
    Block(Option<Option<Alignment>>),
}

fn role<'a>(name: &str, attribute: impl Fn(&str) -> Option<&'a str>) -> Role {
    if is_dropped(name) {
        return Role::Dropped;
    }
    match name {
        "br" => Role::LineBreak,
        "hr" => Role::Rule,
        "img" => Role::Picture,
        "em" | "i" | "cite" | "dfn" | "var" => Role::Spans(vec![SpanKind::Emphasis]),
        "strong" | "b" => Role::Spans(vec![SpanKind::Strong]),
        "u" | "ins" => Role::Spans(vec![SpanKind::Marked(Mark::Underline)]),
        "s" | "strike" | "del" => Role::Spans(vec![SpanKind::Marked(Mark::Strike)]),
        "sup" => Role::Spans(vec![SpanKind::Marked(Mark::Superscript)]),
        "sub" => Role::Spans(vec![SpanKind::Marked(Mark::Subscript)]),
        "a" => {
            let href = attribute("href").map(str::trim).unwrap_or_default();
            match crate::inline::link_address(href) {
                Some(address) => Role::Spans(vec![SpanKind::Marked(Mark::Link(address))]),
                // Its reader finds where it leads in the book.
                None if is_local_address(href) => {
                    Role::Spans(vec![SpanKind::Marked(Mark::Internal(href.to_string()))])
                }
                None => Role::Content,
            }
        }
        "span" | "font" => Role::Spans(styled_spans(attribute)),
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Role::Heading(name.as_bytes()[1] - b'0'),
        "blockquote" => Role::Quote,
        "ul" | "ol" => Role::List {
            ordered: name == "ol",
        },
        "table" => Role::Table,
        "td" | "th" => Role::Cell,
        "pre" => Role::Preformatted,
        name if is_block(name) => Role::Block(alignment_of(name, attribute)),
        _ => Role::Content,
    }
}

/// The value of the element's attribute `name` (one without a namespace prefix). Found by
/// comparing names as text: scraper's `attr` first makes `name` an atom, which costs more
/// than the search, and it is asked several times of every paragraph.
pub(super) fn attribute<'a>(element: ElementRef<'a>, name: &str) -> Option<&'a str> {
    element
        .value()
        .attrs()
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// Reads the content of `element` as blocks, headings included as headings.
pub(super) fn blocks(element: ElementRef) -> Vec<RawBlock> {
    let (items, _) = items(element);
    items.into_iter().map(Item::into_block).collect()
}

/// The element's paragraphs, for places that hold only paragraphs, such as notes.
pub(super) fn paragraphs(element: ElementRef) -> Vec<Paragraph> {
    let mut out = Vec::new();
    for block in blocks(element) {
        flatten(block, &mut out);
    }
    out
}

fn flatten(block: RawBlock, out: &mut Vec<Paragraph>) {
    match block {
        RawBlock::Paragraph(p) | RawBlock::Heading(p) | RawBlock::Aligned(_, p) => out.push(p),
        RawBlock::SceneBreak => {}
        RawBlock::Quote(inner) => inner.into_iter().for_each(|b| flatten(b, out)),
        RawBlock::List { items, .. } => items.into_iter().flatten().for_each(|b| flatten(b, out)),
        RawBlock::Table(rows) => out.extend(rows.into_iter().flatten().map(|cell| cell.text)),
        RawBlock::Picture(picture) if !picture.alt.is_empty() => {
            out.push(Paragraph::plain(format!("[{}]", picture.alt)))
        }
        RawBlock::Picture(_) => {}
    }
}

/// Whether a link's address is a place of the source itself: a fragment, or a path
/// without a scheme (`ch2.xhtml#x`, not `javascript:…` or `ftp://…`).
fn is_local_address(href: &str) -> bool {
    let before_path = href.split(['/', '?', '#']).next().unwrap_or_default();
    !href.is_empty() && !before_path.contains(':') && !href.starts_with("//")
}

/// Whether a picture's address is a file beside the page rather than on the web.
fn is_in_book(src: &str) -> bool {
    !src.is_empty() && !src.contains("://") && !src.starts_with("//") && !src.starts_with("data:")
}

/// The element's text with white space collapsed, as one line.
pub(super) fn text(element: ElementRef) -> String {
    collapse(&element.text().collect::<String>())
}

pub(super) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text with each run of white space (but no-break spaces) made one space. Most text
/// of a page has nothing to collapse but the single spaces between words, and is kept as
/// it is: this runs over every byte of every page.
fn collapse_spaces(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    // `out` holds the text up to `kept`; bytes from `kept` to the scan are still as they were.
    let mut kept = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Whole blocks with nothing to collapse are passed over at once; the rest is read
        // a byte at a time below, up to the end of the block.
        while let Some(window) = bytes.get(i..i + WINDOW).and_then(|w| w.try_into().ok()) {
            if block_may_collapse(window) {
                break;
            }
            i += BLOCK;
        }
        let stop = if bytes.len() - i >= WINDOW {
            i + BLOCK
        } else {
            bytes.len()
        };
        while i < stop {
            // Most bytes are neither white space nor the lead byte of some: skip those in
            // a tight loop, deciding nothing.
            match bytes[i..stop]
                .iter()
                .position(|&b| MAY_BE_SPACE[usize::from(b)])
            {
                Some(offset) => i += offset,
                None => {
                    i = stop;
                    break;
                }
            }
            let width = white_space_width(text, i);
            if width == 0 {
                i += 1;
                continue;
            }
            let end = {
                let mut end = i + width;
                loop {
                    let next = white_space_width(text, end);
                    if next == 0 {
                        break end;
                    }
                    end += next;
                }
            };
            if !(end == i + 1 && bytes[i] == b' ') {
                out.push_str(&text[kept..i]);
                out.push(' ');
                kept = end;
            }
            i = end;
        }
    }
    if kept == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[kept..]);
    std::borrow::Cow::Owned(out)
}

/// Bytes `collapse_spaces` passes over at once when none of them starts white space to
/// collapse; a window looks three bytes further, to the end of the character after the
/// block's last byte.
const BLOCK: usize = 16;
const WINDOW: usize = BLOCK + 3;

/// Whether white space other than a lone ASCII space starts in the first `BLOCK` bytes of
/// the window. Typeset text, full of `’` and `“` (which share their first two bytes with
/// the spaces of U+2000 to U+200A), rarely needs the byte loop.
fn block_may_collapse(window: &[u8; WINDOW]) -> bool {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86-64 baseline, so every processor this code is built
    // for has it.
    return unsafe { block_may_collapse_sse2(window) };
    #[cfg(not(target_arch = "x86_64"))]
    return block_may_collapse_by_bytes(window);
}

/// `block_may_collapse` a byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn block_may_collapse_by_bytes(window: &[u8; WINDOW]) -> bool {
    let starts = |at: usize| starts_space(window[at], window[at + 1], window[at + 2]);
    (0..BLOCK).any(|j| starts(j) && (window[j] != b' ' || starts(j + 1)))
}

/// Whether a white-space character (U+00A0 aside) starts with the byte `b`, given the two
/// bytes after it: the test `block_may_collapse_sse2` makes on sixteen bytes at once.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn starts_space(b: u8, next: u8, third: u8) -> bool {
    let spaces_2000 = matches!(third, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF);
    matches!(b, 0x09..=0x0D | b' ')
        || (b == 0xC2 && next == 0x85)
        || (b == 0xE1 && next == 0x9A && third == 0x80)
        || (b == 0xE2 && ((next == 0x80 && spaces_2000) || (next == 0x81 && third == 0x9F)))
        || (b == 0xE3 && next == 0x80 && third == 0x80)
}

/// The same tests on sixteen bytes at once: each is a compare, and each of the four
/// vectors is the window shifted by one more byte.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn block_may_collapse_sse2(window: &[u8; WINDOW]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmplt_epi8,
        _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let load = |at: usize| {
        let bytes: &[u8; BLOCK] = window[at..at + BLOCK]
            .try_into()
            .unwrap_or_else(|_| unreachable!());
        // SAFETY: `bytes` is sixteen readable bytes; the load has no alignment needs.
        unsafe { _mm_loadu_si128(bytes.as_ptr().cast::<__m128i>()) }
    };
    let is = |v: __m128i, b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
    // Signed compares: `v - low` below `n`, unsigned, is `v - low - 128` below `n - 128`.
    let in_range = |v: __m128i, low: u8, n: u8| {
        let shifted = _mm_add_epi8(v, _mm_set1_epi8(0x80u8.wrapping_sub(low) as i8));
        _mm_cmplt_epi8(shifted, _mm_set1_epi8(n.wrapping_sub(0x80) as i8))
    };
    let and = |a, b| _mm_and_si128(a, b);
    let or = |a, b| _mm_or_si128(a, b);
    let starts = |b: __m128i, next: __m128i, third: __m128i| {
        let ascii = or(in_range(b, 0x09, 5), is(b, b' '));
        let next_line = and(is(b, 0xC2), is(next, 0x85));
        let ogham = and(and(is(b, 0xE1), is(next, 0x9A)), is(third, 0x80));
        let spaces_2000 = or(
            or(in_range(third, 0x80, 0x0B), is(third, 0xA8)),
            or(is(third, 0xA9), is(third, 0xAF)),
        );
        let general_punctuation = and(
            is(b, 0xE2),
            or(
                and(is(next, 0x80), spaces_2000),
                and(is(next, 0x81), is(third, 0x9F)),
            ),
        );
        let ideographic = and(and(is(b, 0xE3), is(next, 0x80)), is(third, 0x80));
        or(
            or(ascii, next_line),
            or(or(ogham, general_punctuation), ideographic),
        )
    };
    let [b0, b1, b2, b3] = [0, 1, 2, 3].map(load);
    let here = starts(b0, b1, b2);
    let next = starts(b1, b2, b3);
    // White space here that is not a lone space: anything but a space, or a space before more.
    let found = and(
        here,
        or(_mm_andnot_si128(is(b0, b' '), _mm_set1_epi8(-1)), next),
    );
    _mm_movemask_epi8(found) != 0
}

/// The bytes `white_space_width` can find white space at.
static MAY_BE_SPACE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b, 0x09..=0x0d | 0x20 | 0xC2 | 0xE1 | 0xE2 | 0xE3);
        b += 1;
    }
    table
};

/// The length of the white-space character at byte `i` of `text`, or 0 if there is none
/// there (or `i` is not where a character starts). U+00A0 is not white space here: it is
/// how pages keep a space that must stay.
fn white_space_width(text: &str, i: usize) -> usize {
    match text.as_bytes().get(i) {
        Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) => 1,
        // Lead bytes of the white space outside ASCII: U+0085, U+1680, U+2000 to U+205F,
        // U+3000.
        Some(0xC2 | 0xE1 | 0xE2 | 0xE3) => text
            .get(i..)
            .and_then(|rest| rest.chars().next())
            .filter(|&c| c.is_whitespace() && c != '\u{a0}')
            .map_or(0, char::len_utf8),
        _ => 0,
    }
}

/// Lists and quotes nested deeper than this keep only their text.
const MAX_NESTING: usize = 16;

/// More paragraphs than this in one cell make a table that lays out a page, not data.
const MAX_CELL_PARAGRAPHS: usize = 4;

static TABLE: std::sync::LazyLock<scraper::Selector> = std::sync::LazyLock::new(|| {
    scraper::Selector::parse("table").unwrap_or_else(|_| unreachable!("a valid selector"))
});

#[derive(Default)]
struct Reader {
    items: Vec<Item>,
    spans: Spans,
    /// Inside `pre`: line ends are line breaks.
    preformatted: usize,
    /// How the block being read is set, when its source centres it or sets it right.
    alignment: Option<Alignment>,
    depth: usize,
    /// Addresses of pictures whose alt text took their place.
    images: Vec<String>,
    notes: Vec<(bool, Vec<Paragraph>)>,
}

impl Reader {
    fn children(&mut self, element: ElementRef) {
        for child in element.children() {
            match child.value() {
                Node::Text(text) => self.text(text),
                Node::Element(_) => {
                    if let Some(element) = ElementRef::wrap(child) {
                        self.element(element);
                    }
                }
                _ => {}
            }
        }
    }

    fn text(&mut self, text: &str) {
        if self.preformatted > 0 {
            for (n, line) in text.split('\n').enumerate() {
                if n > 0 {
                    self.spans.line_break();
                }
                self.spans.push_str(line);
            }
            return;
        }
        // Runs of white space are one space; a paragraph's edges are trimmed later.
        let collapsed = collapse_spaces(text);
        if collapsed == " " && self.spans.is_empty() {
            return;
        }
        self.spans.push_str(&collapsed);
    }

    fn element(&mut self, element: ElementRef) {
        let name = element.value().name();
        let attr = |key: &str| attribute(element, key);
        if self.depth == 0 && !is_dropped(name) && is_note(attr) {
            self.flush();
            let before_text = self.items.iter().all(|i| matches!(i, Item::Heading { .. }));
            // Its own heading ("Author's Note") is a label, not part of the note.
            let paragraphs: Vec<Paragraph> = paragraphs(element)
                .into_iter()
                .filter(|p| !super::conventions::is_note_title(&p.plain_text()))
                .collect();
            if !paragraphs.is_empty() {
                self.notes.push((before_text, paragraphs));
            }
            return;
        }
        match role(name, attr) {
            Role::Dropped => {}
            Role::LineBreak => self.spans.line_break(),
            Role::Rule => self.rule(),
            Role::Picture => self.picture(attr("alt"), attr("src")),
            Role::Spans(kinds) => self.span(element, &kinds),
            Role::Content => self.children(element),
            Role::Heading(level) => {
                self.flush();
                let text = text(element);
                if !text.is_empty() {
                    // Links name a heading by its id, or by an anchor inside it.
                    let id = attr("id").map(str::to_string).or_else(|| {
                        element
                            .descendants()
                            .filter_map(ElementRef::wrap)
                            .find_map(|inner| {
                                attribute(inner, "id").or_else(|| attribute(inner, "name"))
                            })
                            .map(str::to_string)
                    });
                    self.items.push(Item::Heading { level, text, id });
                }
            }
            Role::Quote => {
                self.flush();
                let inner = self.nested(element);
                if !inner.is_empty() {
                    self.push(RawBlock::Quote(inner));
                }
            }
            Role::List { ordered } => {
                self.flush();
                let start = ordered.then(|| list_start(attr("start")));
                let items: Vec<Vec<RawBlock>> = element
                    .child_elements()
                    .map(|item| self.nested(item))
                    .filter(|blocks| !blocks.is_empty())
                    .collect();
                if !items.is_empty() {
                    self.push(RawBlock::List { start, items });
                }
            }
            Role::Table => {
                self.flush();
                let images = self.images.len();
                match self.table(element) {
                    Some(rows) => self.push(RawBlock::Table(rows)),
                    // A table that lays out a page: its text, one row to a paragraph.
                    None => {
                        self.images.truncate(images);
                        self.children(element);
                        self.flush();
                    }
                }
            }
            Role::Cell => {
                self.children(element);
                self.spans.push_str(" ");
            }
            Role::Preformatted => {
                self.flush();
                self.preformatted += 1;
                self.children(element);
                self.preformatted -= 1;
                self.flush();
            }
            Role::Block(alignment) => {
                let outer = self.start_block(alignment);
                self.children(element);
                self.end_block(outer);
            }
        }
    }

    /// Starts an element met in a stream, as `element` reads it; `None` for one that
    /// `element` reads as a whole (headings, tables, cells, notes, preformatted and dropped
    /// elements). A quote or a list is only begun here: `streamed_items` gives what it
    /// holds readers of their own. `br`, `hr` and `img` are read only when written empty:
    /// the tree ignores what such an element holds.
    fn start_tag<'a>(
        &mut self,
        name: &str,
        attribute: impl Fn(&str) -> Option<&'a str>,
        empty: bool,
    ) -> Option<Opened> {
        if self.depth == 0 && is_note(&attribute) {
            return None;
        }
        match role(name, &attribute) {
            Role::LineBreak if empty => self.spans.line_break(),
            Role::Rule if empty => self.rule(),
            Role::Picture if empty => self.picture(attribute("alt"), attribute("src")),
            Role::Quote if self.depth < MAX_NESTING => {
                self.flush();
                return Some(Opened::Quote);
            }
            Role::List { ordered } if self.depth < MAX_NESTING => {
                self.flush();
                return Some(Opened::List {
                    start: ordered.then(|| list_start(attribute("start"))),
                    items: Vec::new(),
                });
            }
            Role::Spans(kinds) => {
                for kind in &kinds {
                    self.spans.open(kind.clone());
                }
                return Some(Opened::Spans(kinds.len()));
            }
            Role::Content => {}
            Role::Block(alignment) => return Some(Opened::Block(self.start_block(alignment))),
            _ => return None,
        }
        Some(Opened::Content)
    }

    fn rule(&mut self) {
        self.flush();
        self.push(RawBlock::SceneBreak);
    }

    /// Starts a block set as `alignment` says; gives the alignment to restore at its end.
    fn start_block(&mut self, alignment: Option<Option<Alignment>>) -> Option<Alignment> {
        self.flush();
        let outer = self.alignment;
        if let Some(alignment) = alignment {
            self.alignment = alignment;
        }
        outer
    }

    fn end_block(&mut self, outer: Option<Alignment>) {
        self.flush();
        self.alignment = outer;
    }

    /// Reads the element's content inside the spans `kinds`, outermost first.
    fn span(&mut self, element: ElementRef, kinds: &[SpanKind]) {
        for kind in kinds {
            self.spans.open(kind.clone());
        }
        self.children(element);
        for _ in kinds {
            self.spans.close();
        }
    }

    /// The rows of a table that holds data: two columns or more, cells of a few lines
    /// each and no table inside. Anything else is a table that lays out a page (old
    /// sites set whole stories in one), and gives `None`.
    fn table(&mut self, element: ElementRef) -> Option<Vec<Vec<Cell>>> {
        if self.depth >= MAX_NESTING {
            return None;
        }
        let sections = element
            .child_elements()
            .filter(|e| matches!(e.value().name(), "thead" | "tbody" | "tfoot"));
        let mut row_elements: Vec<ElementRef> = element
            .child_elements()
            .filter(|e| e.value().name() == "tr")
            .collect();
        row_elements.extend(sections.flat_map(|s| {
            s.child_elements()
                .filter(|e| e.value().name() == "tr")
                .collect::<Vec<_>>()
        }));
        let mut rows = Vec::with_capacity(row_elements.len());
        for row in row_elements {
            let mut cells = Vec::new();
            for cell in row.child_elements() {
                let header = match cell.value().name() {
                    "th" => true,
                    "td" => false,
                    _ => continue,
                };
                if cell.select(&TABLE).next().is_some() {
                    return None;
                }
                let paragraphs: Vec<Paragraph> = self
                    .nested(cell)
                    .into_iter()
                    .flat_map(|block| {
                        let mut out = Vec::new();
                        flatten(block, &mut out);
                        out
                    })
                    .collect();
                if paragraphs.len() > MAX_CELL_PARAGRAPHS {
                    return None;
                }
                let mut text = Paragraph::default();
                for (n, paragraph) in paragraphs.into_iter().enumerate() {
                    if n > 0 {
                        text.line_break();
                    }
                    text.append(paragraph);
                }
                cells.push(Cell {
                    columns: span(attribute(cell, "colspan")),
                    rows: span(attribute(cell, "rowspan")),
                    ..Cell::new(header, text)
                });
            }
            if !cells.is_empty() {
                rows.push(cells);
            }
        }
        let columns = rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|cell| usize::from(cell.columns))
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0);
        (columns >= 2).then_some(rows)
    }

    /// The blocks inside a quote or a list item, read on their own.
    fn nested(&mut self, element: ElementRef) -> Vec<RawBlock> {
        if self.depth >= MAX_NESTING {
            self.children(element);
            return Vec::new();
        }
        let mut inner = Reader {
            depth: self.depth + 1,
            ..Reader::default()
        };
        inner.children(element);
        inner.into_blocks(&mut self.images)
    }

    /// A reader for what a quote or list item holds, inside a reader at `depth`; `None`
    /// past the nesting a stream is read to.
    fn nested_at(depth: usize) -> Option<Reader> {
        (depth < MAX_NESTING).then(|| Reader {
            depth: depth + 1,
            ..Reader::default()
        })
    }

    /// What a nested reader read, as blocks; the pictures it met go to `images`.
    fn into_blocks(mut self, images: &mut Vec<String>) -> Vec<RawBlock> {
        self.flush();
        images.append(&mut self.images);
        self.items.into_iter().map(Item::into_block).collect()
    }

    /// A picture: a block of its own when it starts one and is in the book, else its
    /// description in the line.
    fn picture(&mut self, alt: Option<&str>, src: Option<&str>) {
        let alt = alt.map(collapse).unwrap_or_default();
        let src = src.map(str::trim).unwrap_or_default();
        if !src.is_empty() {
            self.images.push(src.to_string());
        }
        // A picture that starts a block stands on a line of its own, and the book can
        // hold it if it is in the same book; one inside a line of text is a word of it (a
        // smiley), and its description is.
        if is_in_book(src) && self.spans.is_empty() {
            self.flush();
            self.push(RawBlock::Picture(RawPicture {
                src: src.to_string(),
                alt,
                image: None,
            }));
        } else if !alt.is_empty() {
            self.spans.push_str(&format!("[{alt}]"));
        }
    }

    fn push(&mut self, block: RawBlock) {
        self.items.push(Item::Block(block));
    }

    /// Ends the paragraph being read, if any.
    fn flush(&mut self) {
        let mut paragraph = std::mem::take(&mut self.spans).finish();
        paragraph.trim_ends();
        if paragraph.is_empty() {
            return;
        }
        let scene_break = self.depth == 0
            && if paragraph.is_plain() {
                // Most paragraphs: no copy of the text only to look at it.
                is_scene_break(paragraph.text())
            } else {
                is_scene_break(&paragraph.plain_text())
            };
        if scene_break {
            self.push(RawBlock::SceneBreak);
        } else if let Some(alignment) = self.alignment {
            self.push(RawBlock::Aligned(alignment, paragraph));
        } else {
            self.push(RawBlock::Paragraph(paragraph));
        }
    }
}

/// How a block element sets its text: `Some(None)` when it says left or justified (which
/// undoes an alignment around it), `None` when it says nothing. `align="center"`,
/// `style="text-align: center"`, a `center` or `right` class, and `<center>` all count.
fn alignment_of<'a>(
    name: &str,
    attribute: impl Fn(&str) -> Option<&'a str>,
) -> Option<Option<Alignment>> {
    if name == "center" {
        return Some(Some(Alignment::Center));
    }
    // Asked of every paragraph, most of which say nothing: nothing is copied until an
    // attribute does.
    let from_style = attribute("style").and_then(|style| {
        style.split(';').find_map(|declaration| {
            let (property, value) = declaration.split_once(':')?;
            property
                .trim()
                .eq_ignore_ascii_case("text-align")
                .then(|| value.trim())
        })
    });
    let from_class = || {
        attribute("class")?.split_ascii_whitespace().find_map(|c| {
            let is = |names: &[&str]| names.iter().any(|n| c.eq_ignore_ascii_case(n));
            if is(&["center", "centered", "text-center", "centre"]) {
                Some("center")
            } else if is(&["right", "text-right", "align-right"]) {
                Some("right")
            } else {
                None
            }
        })
    };
    let value = from_style
        .or_else(|| attribute("align"))
        .or_else(from_class)?
        .to_ascii_lowercase();
    match value.trim() {
        "center" | "centre" | "middle" => Some(Some(Alignment::Center)),
        "right" | "end" => Some(Some(Alignment::Right)),
        "left" | "start" | "justify" => Some(None),
        _ => None,
    }
}

/// What a `span` or `font` says by its inline style or class, as the editors of story
/// sites write it (`style="text-decoration: underline"`, `class="smallcaps"`).
fn styled_spans<'a>(attribute: impl Fn(&str) -> Option<&'a str>) -> Vec<SpanKind> {
    let style = attribute("style")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace(' ', "");
    let class = attribute("class").unwrap_or_default().to_ascii_lowercase();
    let classes: Vec<&str> = class.split_ascii_whitespace().collect();
    let has_class = |names: &[&str]| classes.iter().any(|c| names.contains(c));
    let mut kinds = Vec::new();
    if style.contains("font-style:italic") || has_class(&["italic", "italics", "emphasis"]) {
        kinds.push(SpanKind::Emphasis);
    }
    if style.contains("font-weight:bold")
        || style.contains("font-weight:700")
        || has_class(&["bold", "strong"])
    {
        kinds.push(SpanKind::Strong);
    }
    if style.contains("underline") || has_class(&["underline", "u"]) {
        kinds.push(SpanKind::Marked(Mark::Underline));
    }
    if style.contains("line-through") || has_class(&["strike", "strikethrough", "line-through"]) {
        kinds.push(SpanKind::Marked(Mark::Strike));
    }
    if style.contains("small-caps") || has_class(&["smallcaps", "small-caps", "smcp"]) {
        kinds.push(SpanKind::Marked(Mark::SmallCaps));
    }
    kinds
}

/// The number an ordered list starts at: 1 unless it says otherwise.
fn list_start(value: Option<&str>) -> u64 {
    value.and_then(|s| s.trim().parse().ok()).unwrap_or(1)
}

/// A cell's `colspan` or `rowspan`: HTML reads what is not a number from 1 up as 1, and
/// caps spans at 1,000 columns and 65,534 rows; a book gets no more than 1,000 of either.
fn span(value: Option<&str>) -> u16 {
    value
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(1, |n| n.clamp(1, 1000) as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::Inline;
    use scraper::Html;

    fn read(html: &str) -> Vec<RawBlock> {
        let document = Html::parse_document(html);
        let body = document
            .root_element()
            .child_elements()
            .find(|e| e.value().name() == "body")
            .expect("a body");
        blocks(body)
    }

    fn text(t: &str) -> Inline {
        Inline::Text(t.into())
    }

    #[test]
    fn white_space_runs_become_one_space() {
        for (text, expected, copied) in [
            ("", "", false),
            ("one two three", "one two three", false),
            (" lead and trail ", " lead and trail ", false),
            ("one  two", "one two", true),
            ("one\ntwo", "one two", true),
            ("\n\t  \r\n", " ", true),
            ("a\u{2003}b\u{3000}\u{85}c", "a b c", true),
            ("keep\u{a0}\u{a0}this", "keep\u{a0}\u{a0}this", false),
            ("café — “quoted”…", "café — “quoted”…", false),
            ("end \n", "end ", true),
        ] {
            let collapsed = collapse_spaces(text);
            assert_eq!(collapsed, expected, "{text:?}");
            let was_copied = matches!(collapsed, std::borrow::Cow::Owned(_));
            assert_eq!(was_copied, copied, "{text:?}");
            assert_eq!(collapsed, collapsed_by_chars(text), "{text:?}");
        }
    }

    /// White space collapsed a character at a time, the plain way.
    fn collapsed_by_chars(text: &str) -> String {
        text.chars()
            .fold((String::new(), false), |(mut out, space), c| {
                let white = c.is_whitespace() && c != '\u{a0}';
                if !white {
                    out.push(c);
                } else if !space {
                    out.push(' ');
                }
                (out, white)
            })
            .0
    }

    #[test]
    fn the_block_test_agrees_with_the_byte_test() {
        let interesting = [
            b'a', b' ', b'\t', b'\n', 0x0D, 0x0E, 0x08, 0x80, 0x81, 0x85, 0x8A, 0x8B, 0x9A, 0x9C,
            0x9F, 0xA0, 0xA8, 0xA9, 0xAF, 0xC2, 0xE1, 0xE2, 0xE3,
        ];
        for &b in &interesting {
            for &next in &interesting {
                for &third in &interesting {
                    // At the start, the middle and the end of the block, after a letter
                    // and after a space.
                    for at in [0, 7, BLOCK - 1] {
                        for before in [b'x', b' '] {
                            let mut window = [b'x'; WINDOW];
                            window[at..at + 3].copy_from_slice(&[b, next, third]);
                            if at > 0 {
                                window[at - 1] = before;
                            }
                            assert_eq!(
                                block_may_collapse(&window),
                                block_may_collapse_by_bytes(&window),
                                "{window:x?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn white_space_is_found_wherever_it_falls_in_a_block() {
        // Long enough for whole blocks to be passed over, with each kind of white space
        // (and characters that only share its first bytes) at every offset.
        for space in [
            " ", "  ", "\n", " \t", "\u{85}", "\u{2009}", "\u{205f}", "\u{3000}",
        ] {
            for filler in ["x", "’", "“é”", "\u{a0}", "\u{2010}"] {
                for at in 0..40 {
                    let text = format!("{}{space}{}", filler.repeat(at), "y ".repeat(20));
                    let collapsed = collapse_spaces(&text);
                    assert_eq!(collapsed, collapsed_by_chars(&text), "{text:?}");
                    let copied = matches!(collapsed, std::borrow::Cow::Owned(_));
                    assert_eq!(copied, space != " ", "{text:?}");
                }
            }
        }
    }

    #[test]
    fn marks_are_kept_as_what_they_mean() {
        let marked = |mark: Mark, t: &str| Inline::Marked(mark, vec![text(t)]);
        let link = |href: &str| Mark::Link(href.to_string());
        let cases: Vec<(&str, Vec<Inline>)> = vec![
            (
                "<u>a</u> <ins>b</ins>",
                vec![
                    marked(Mark::Underline, "a"),
                    text(" "),
                    marked(Mark::Underline, "b"),
                ],
            ),
            (
                "<s>a</s><strike>b</strike><del>c</del>",
                vec![
                    marked(Mark::Strike, "a"),
                    marked(Mark::Strike, "b"),
                    marked(Mark::Strike, "c"),
                ],
            ),
            (
                "E=mc<sup>2</sup>, H<sub>2</sub>O",
                vec![
                    text("E=mc"),
                    marked(Mark::Superscript, "2"),
                    text(", H"),
                    marked(Mark::Subscript, "2"),
                    text("O"),
                ],
            ),
            (
                "<span style=\"text-decoration: underline;\">a</span>",
                vec![marked(Mark::Underline, "a")],
            ),
            (
                "<span style=\"font-variant: small-caps\">Death</span>",
                vec![marked(Mark::SmallCaps, "Death")],
            ),
            (
                "<span class=\"smallcaps\">b</span><span class=\"other\">c</span>",
                vec![marked(Mark::SmallCaps, "b"), text("c")],
            ),
            (
                "<span style=\"font-style: italic; text-decoration: line-through\">a</span>",
                vec![Inline::Emphasis(vec![marked(Mark::Strike, "a")])],
            ),
            (
                "<a href=\"https://archiveofourown.org/works/1\">my work</a>",
                vec![marked(
                    link("https://archiveofourown.org/works/1"),
                    "my work",
                )],
            ),
            (
                // A link to a page of the source is kept for its reader to place.
                "<a href=\"chapter2.html\">next</a> <a href=\"javascript:x()\">y</a>",
                vec![
                    marked(Mark::Internal("chapter2.html".into()), "next"),
                    text(" y"),
                ],
            ),
            (
                "<a href=\"#part-2\">on</a><a href=\"ftp://x.org/a\">f</a>",
                vec![marked(Mark::Internal("#part-2".into()), "on"), text("f")],
            ),
            ("<u></u>a", vec![text("a")]),
        ];
        for (html, expected) in cases {
            assert_eq!(
                read(&format!("<p>{html}</p>")),
                vec![RawBlock::Paragraph(Paragraph::new(expected))],
                "{html}"
            );
        }
    }

    #[test]
    fn tables_of_data_are_tables_and_tables_that_lay_out_a_page_are_text() {
        let cell = |header, t: &str| Cell::new(header, Paragraph::plain(t));
        let paragraphs = |texts: &[&str]| -> Vec<RawBlock> {
            texts
                .iter()
                .map(|t| RawBlock::Paragraph(Paragraph::plain(*t)))
                .collect()
        };
        let cases: Vec<(&str, Vec<RawBlock>)> = vec![
            (
                "<table><thead><tr><th>a</th><th>b</th></tr></thead>\
                 <tbody><tr><td>1</td><td> 2 </td></tr></tbody></table>",
                vec![RawBlock::Table(vec![
                    vec![cell(true, "a"), cell(true, "b")],
                    vec![cell(false, "1"), cell(false, "2")],
                ])],
            ),
            // A cell's paragraphs are its lines.
            (
                "<table><tr><td><p>x</p><p>y</p></td><td>z</td></tr></table>",
                vec![RawBlock::Table(vec![vec![
                    Cell::new(
                        false,
                        Paragraph::new(vec![text("x"), Inline::LineBreak, text("y")]),
                    ),
                    cell(false, "z"),
                ]])],
            ),
            // Cells spanning columns and rows keep their spans; a span that is not a
            // number from 1 up is 1, and a huge one is capped.
            (
                "<table><tr><th colspan=2>Week</th></tr>\
                 <tr><td rowspan=\" 2 \">Mon</td><td colspan=0>x</td></tr>\
                 <tr><td colspan=99999 rowspan=many>y</td></tr></table>",
                vec![RawBlock::Table(vec![
                    vec![Cell {
                        columns: 2,
                        ..cell(true, "Week")
                    }],
                    vec![
                        Cell {
                            rows: 2,
                            ..cell(false, "Mon")
                        },
                        cell(false, "x"),
                    ],
                    vec![Cell {
                        columns: 1000,
                        ..cell(false, "y")
                    }],
                ])],
            ),
            // One column, a table inside, or cells of many paragraphs lay out a page; a
            // table of data inside such a table is still one.
            (
                "<table><tr><td>Only</td></tr><tr><td>column</td></tr></table>",
                paragraphs(&["Only", "column"]),
            ),
            (
                "<table><tr><td><table><tr><td>a</td><td>b</td></tr></table></td><td>c</td></tr></table>",
                vec![
                    RawBlock::Table(vec![vec![cell(false, "a"), cell(false, "b")]]),
                    RawBlock::Paragraph(Paragraph::plain("c")),
                ],
            ),
            (
                "<table><tr><td><p>1</p><p>2</p><p>3</p><p>4</p><p>5</p></td><td>6</td></tr></table>",
                paragraphs(&["1", "2", "3", "4", "5", "6"]),
            ),
        ];
        for (html, expected) in cases {
            assert_eq!(read(html), expected, "{html}");
        }
    }

    #[test]
    fn centred_and_right_aligned_paragraphs_keep_their_alignment() {
        let aligned = |alignment, t: &str| RawBlock::Aligned(alignment, Paragraph::plain(t));
        let cases: Vec<(&str, Vec<RawBlock>)> = vec![
            (
                "<p align=\"center\">a</p><p>b</p>",
                vec![
                    aligned(Alignment::Center, "a"),
                    RawBlock::Paragraph(Paragraph::plain("b")),
                ],
            ),
            (
                "<p style=\"text-align: right;\">— J.</p>",
                vec![aligned(Alignment::Right, "— J.")],
            ),
            (
                "<center>Fin</center>",
                vec![aligned(Alignment::Center, "Fin")],
            ),
            (
                "<div class=\"center\"><p>x</p><p style=\"text-align:left\">y</p></div>",
                vec![
                    aligned(Alignment::Center, "x"),
                    RawBlock::Paragraph(Paragraph::plain("y")),
                ],
            ),
            // A centred scene-break line is still a scene break.
            ("<p align=\"center\">* * *</p>", vec![RawBlock::SceneBreak]),
            (
                "<p style=\"text-align: justify\">z</p>",
                vec![RawBlock::Paragraph(Paragraph::plain("z"))],
            ),
        ];
        for (html, expected) in cases {
            assert_eq!(read(html), expected, "{html}");
        }
    }

    #[test]
    fn a_picture_on_a_line_of_its_own_is_a_block_and_one_in_a_line_is_its_description() {
        let picture = |src: &str, alt: &str| {
            RawBlock::Picture(RawPicture {
                src: src.into(),
                alt: alt.into(),
                image: None,
            })
        };
        let cases: Vec<(&str, Vec<RawBlock>)> = vec![
            (
                "<p><img src=\"a.png\" alt=\" A  map \"></p>",
                vec![picture("a.png", "A map")],
            ),
            (
                "<p><img src=\"../i/a.png\">Below it, text.</p>",
                vec![
                    picture("../i/a.png", ""),
                    RawBlock::Paragraph(Paragraph::plain("Below it, text.")),
                ],
            ),
            (
                "<p>Hi <img src=\"smile.gif\" alt=\":)\"> there</p>",
                vec![RawBlock::Paragraph(Paragraph::plain("Hi [:)] there"))],
            ),
            // On the web, or written into the page: never referenced from the book.
            (
                "<p><img src=\"https://x.org/a.png\" alt=\"web\"></p>",
                vec![RawBlock::Paragraph(Paragraph::plain("[web]"))],
            ),
            (
                "<p><img src=\"//x.org/a.png\" alt=\"web\"></p>",
                vec![RawBlock::Paragraph(Paragraph::plain("[web]"))],
            ),
            (
                "<p><img src=\"data:image/png;base64,AAAA\" alt=\"inline\"></p>",
                vec![RawBlock::Paragraph(Paragraph::plain("[inline]"))],
            ),
            ("<p><img src=\"\" alt=\"\"></p>", vec![]),
            (
                "<blockquote><img src=\"q.jpg\" alt=\"q\"></blockquote>",
                vec![RawBlock::Quote(vec![picture("q.jpg", "q")])],
            ),
        ];
        for (html, expected) in cases {
            assert_eq!(read(html), expected, "{html}");
        }
    }

    #[test]
    fn tag_soup_becomes_blocks() {
        let blocks = read(
            "<p>One <i>two</i>\n  <b>three</b><br>four<p>Five &amp; six<hr>\
             <blockquote><p>Quoted</blockquote><ul><li>a<li>b</ul>\
             <script>alert(1)</script><p>* * *</p><p><img src=\"http://x/y.png\" alt=\"a map\"></p>",
        );
        assert_eq!(
            blocks,
            vec![
                RawBlock::Paragraph(Paragraph::new(vec![
                    text("One "),
                    Inline::Emphasis(vec![text("two")]),
                    text(" "),
                    Inline::Strong(vec![text("three")]),
                    Inline::LineBreak,
                    text("four"),
                ])),
                RawBlock::Paragraph(Paragraph::plain("Five & six")),
                RawBlock::SceneBreak,
                RawBlock::Quote(vec![RawBlock::Paragraph(Paragraph::plain("Quoted"))]),
                RawBlock::List {
                    start: None,
                    items: vec![
                        vec![RawBlock::Paragraph(Paragraph::plain("a"))],
                        vec![RawBlock::Paragraph(Paragraph::plain("b"))],
                    ],
                },
                RawBlock::SceneBreak,
                RawBlock::Paragraph(Paragraph::plain("[a map]")),
            ]
        );
    }
}
