//! Reading Markdown stories (`.md`, `.markdown`) into the same [`Story`] the raw format
//! gives, so that normalization and export treat both alike.
//!
//! pulldown-cmark reads the CommonMark. Its inline structure is written back into the raw
//! format's paragraph dialect (`*emphasis*`, `**strong**`), which the normalize stage already
//! understands, so that the typography rules see each paragraph whole: a quote mark next to
//! emphasis is still paired correctly. What that dialect cannot say travels as
//! [`placeholders`](crate::story::placeholders).

use super::conventions::{is_note_title, is_scene_break, take_edge_notes};
use super::spans::{SpanKind, Spans};
use super::ReadError;
use crate::book::NoteOrigin;
use crate::story::{Cell, Mark, Paragraph, RawBlock, RawChapter, RawNote, Story};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;

/// Quotes and lists nested deeper than this (a list and its item count as two) are kept as
/// their text: nothing real nests so deep, and the book model is walked recursively.
const MAX_NESTING: usize = 16;

/// A Markdown story and its front matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownStory {
    /// The TOML between the `+++` lines, padded with empty lines so that its line numbers
    /// are the file's.
    pub front_matter: Option<String>,
    pub story: Story,
}

pub fn parse_markdown(text: &str) -> Result<MarkdownStory, ReadError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let (front_matter, body) = split_front_matter(text)?;
    if body.trim().is_empty() {
        return Err(ReadError::Blank);
    }
    let story = Reader::new(body).read().finish()?;
    Ok(MarkdownStory {
        front_matter,
        story,
    })
}

/// Splits `+++` front matter from the body.
fn split_front_matter(text: &str) -> Result<(Option<String>, &str), ReadError> {
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok((None, text));
    };
    if first.trim_end() != "+++" {
        return Ok((None, text));
    }
    let mut offset = first.len();
    // The opening line stays as an empty line, so TOML errors give the file's line numbers.
    let mut toml = String::from("\n");
    for line in lines {
        offset += line.len();
        if line.trim_end() == "+++" {
            return Ok((Some(toml), &text[offset..]));
        }
        toml.push_str(line);
    }
    Err(ReadError::UnclosedFrontMatter)
}

/// Blocks being collected: the chapter's own, or those of a container still open.
enum Open {
    Quote(Vec<RawBlock>),
    List {
        start: Option<u64>,
        items: Vec<Vec<RawBlock>>,
    },
    Item(Vec<RawBlock>),
    Footnote {
        label: String,
        blocks: Vec<RawBlock>,
    },
}

/// Where the text being read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collecting {
    None,
    Paragraph,
    Heading(HeadingLevel),
    /// Code and HTML blocks: their lines are kept.
    Verbatim,
}

struct Reader<'a> {
    text: &'a str,
    /// The heading level that starts chapters.
    chapter_level: HeadingLevel,
    /// The `#` heading that titles the book when chapters are `##`.
    book_title: Option<String>,
    chapters: Vec<RawChapter>,
    chapter: RawChapter,
    /// Inside an author's note section: the level of its heading.
    note_level: Option<HeadingLevel>,
    note: Vec<Paragraph>,
    open: Vec<Open>,
    /// Containers nested too deep to keep, still open.
    skipped: usize,
    inline: Collecting,
    buffer: Spans,
    /// For each link still open: whether it became a span (an address outside the book)
    /// or stays text.
    links: Vec<bool>,
    /// Footnote numbers by label, in order of first reference.
    footnote_numbers: HashMap<String, usize>,
    /// Chapter index of each footnote's first reference, by number.
    footnote_chapters: Vec<usize>,
    footnotes: HashMap<String, Vec<RawBlock>>,
    /// The table being read: its rows so far, and whether its head row is open.
    table: Option<(Vec<Vec<Cell>>, bool)>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        let (chapter_level, book_title) = chapter_level(text);
        Reader {
            text,
            chapter_level,
            book_title,
            chapters: Vec::new(),
            chapter: RawChapter::default(),
            note_level: None,
            note: Vec::new(),
            open: Vec::new(),
            skipped: 0,
            inline: Collecting::None,
            buffer: Spans::default(),
            links: Vec::new(),
            footnote_numbers: HashMap::new(),
            footnote_chapters: Vec::new(),
            footnotes: HashMap::new(),
            table: None,
        }
    }

    fn read(mut self) -> Story {
        let options =
            Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
        for event in Parser::new_ext(self.text, options) {
            self.event(event);
        }
        self.end_chapter();
        let mut chapters = std::mem::take(&mut self.chapters);
        self.attach_footnotes(&mut chapters);
        if chapters.is_empty() {
            chapters.push(RawChapter::default());
        }
        // A story of one titled chapter is titled by it, as a raw story is by its first
        // chapter.
        let single_title = match chapters.as_slice() {
            [only] => only.title.clone(),
            _ => None,
        };
        Story {
            title_line: self.book_title.clone().or(single_title),
            description: Vec::new(),
            chapters,
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => match self.inline {
                Collecting::Verbatim => self.push_verbatim(&text),
                _ => self.push_text(&text),
            },
            Event::Code(text) => self.push_text(&text),
            // Raw HTML is shown as the text it is, never passed through.
            Event::Html(html) => self.push_verbatim(&html),
            Event::InlineHtml(html) => self.push_text(&html),
            Event::SoftBreak => self.push_text(" "),
            Event::HardBreak => self.ensure_inline().line_break(),
            Event::Rule => self.push_block(RawBlock::SceneBreak),
            Event::FootnoteReference(label) => self.footnote_reference(&label),
            Event::TaskListMarker(done) => self.push_text(if done { "☑ " } else { "☐ " }),
            Event::InlineMath(text) | Event::DisplayMath(text) => self.push_text(&text),
        }
    }

    fn start(&mut self, tag: Tag) {
        let container = matches!(
            tag,
            Tag::BlockQuote(_) | Tag::List(_) | Tag::Item | Tag::FootnoteDefinition(_)
        );
        if container && (self.skipped > 0 || self.open.len() >= MAX_NESTING) {
            // Deeper containers add their text to the one they are in.
            self.flush_inline();
            self.skipped += 1;
            return;
        }
        match tag {
            Tag::Paragraph => self.begin_inline(Collecting::Paragraph),
            Tag::Heading { level, .. } => self.begin_inline(Collecting::Heading(level)),
            Tag::CodeBlock(_) | Tag::HtmlBlock => self.begin_inline(Collecting::Verbatim),
            Tag::BlockQuote(_) => {
                self.flush_inline();
                self.open.push(Open::Quote(Vec::new()));
            }
            Tag::List(start) => {
                self.flush_inline();
                self.open.push(Open::List {
                    start,
                    items: Vec::new(),
                });
            }
            Tag::Item => {
                self.flush_inline();
                self.open.push(Open::Item(Vec::new()));
            }
            Tag::FootnoteDefinition(label) => {
                self.flush_inline();
                self.open.push(Open::Footnote {
                    label: label.to_string(),
                    blocks: Vec::new(),
                });
            }
            Tag::Table(_) => {
                self.flush_inline();
                self.table = Some((Vec::new(), false));
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some((rows, in_head)) = &mut self.table {
                    rows.push(Vec::new());
                    *in_head = tag == Tag::TableHead;
                }
            }
            Tag::TableCell => self.begin_inline(Collecting::Paragraph),
            Tag::Emphasis => self.ensure_inline().open(SpanKind::Emphasis),
            Tag::Strong => self.ensure_inline().open(SpanKind::Strong),
            Tag::Strikethrough => self.ensure_inline().open(SpanKind::Marked(Mark::Strike)),
            // A link to an address outside the book stays a link; any other keeps its text.
            Tag::Link { dest_url, .. } => {
                let address = crate::inline::link_address(&dest_url);
                self.links.push(address.is_some());
                if let Some(address) = address {
                    self.ensure_inline()
                        .open(SpanKind::Marked(Mark::Link(address)));
                }
            }
            // Images keep their text.
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        let container = matches!(
            tag,
            TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item | TagEnd::FootnoteDefinition
        );
        if container && self.skipped > 0 {
            self.flush_inline();
            self.skipped -= 1;
            return;
        }
        match tag {
            TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::HtmlBlock => self.flush_inline(),
            TagEnd::Heading(level) => {
                let title = self.take_inline();
                self.heading(level, title);
            }
            TagEnd::BlockQuote(_) => {
                self.flush_inline();
                if let Some(Open::Quote(blocks)) = self.open.pop() {
                    self.push_block(RawBlock::Quote(blocks));
                }
            }
            TagEnd::List(_) => {
                self.flush_inline();
                if let Some(Open::List { start, items }) = self.open.pop() {
                    self.push_block(RawBlock::List { start, items });
                }
            }
            TagEnd::Item => {
                self.flush_inline();
                if let Some(Open::Item(blocks)) = self.open.pop() {
                    if let Some(Open::List { items, .. }) = self.open.last_mut() {
                        items.push(blocks);
                    }
                }
            }
            TagEnd::FootnoteDefinition => {
                self.flush_inline();
                if let Some(Open::Footnote { label, blocks }) = self.open.pop() {
                    self.footnotes.entry(label).or_insert(blocks);
                }
            }
            TagEnd::TableCell => {
                let mut text = self.take_inline();
                text.trim_ends();
                if let Some((rows, in_head)) = &mut self.table {
                    let header = *in_head;
                    if let Some(row) = rows.last_mut() {
                        row.push(Cell::new(header, text));
                    }
                }
            }
            TagEnd::Table => {
                if let Some((rows, _)) = self.table.take() {
                    self.push_block(RawBlock::Table(rows));
                }
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.ensure_inline().close()
            }
            TagEnd::Link if self.links.pop() == Some(true) => self.ensure_inline().close(),
            _ => {}
        }
    }

    fn begin_inline(&mut self, kind: Collecting) {
        self.flush_inline();
        self.inline = kind;
    }

    /// The text being collected; in a tight list item, text comes without a paragraph.
    fn ensure_inline(&mut self) -> &mut Spans {
        if self.inline == Collecting::None {
            self.inline = Collecting::Paragraph;
        }
        &mut self.buffer
    }

    fn push_text(&mut self, text: &str) {
        self.ensure_inline().push_str(text);
    }

    /// Code and HTML blocks keep their line breaks.
    fn push_verbatim(&mut self, text: &str) {
        if self.inline == Collecting::None {
            self.inline = Collecting::Verbatim;
        }
        // Breaks at either end are trimmed when the block ends.
        for (n, line) in text.split('\n').enumerate() {
            if n > 0 {
                self.buffer.line_break();
            }
            self.push_text(line);
        }
    }

    fn take_inline(&mut self) -> Paragraph {
        self.inline = Collecting::None;
        std::mem::take(&mut self.buffer).finish()
    }

    /// Ends the paragraph or verbatim block being read, if any.
    fn flush_inline(&mut self) {
        let kind = self.inline;
        let mut paragraph = self.take_inline();
        if kind == Collecting::None {
            return;
        }
        paragraph.trim_ends();
        if paragraph.is_empty() {
            return;
        }
        // "o0o" or "~~~" alone in a chapter is a scene break, as in raw stories.
        if kind == Collecting::Paragraph
            && self.open.is_empty()
            && is_scene_break(&paragraph.plain_text())
        {
            self.push_block(RawBlock::SceneBreak);
            return;
        }
        self.push_block(RawBlock::Paragraph(paragraph));
    }

    fn push_block(&mut self, block: RawBlock) {
        match self.open.last_mut() {
            Some(Open::Quote(blocks) | Open::Item(blocks) | Open::Footnote { blocks, .. }) => {
                blocks.push(block)
            }
            // A list holds items, so a block can only land here after a broken item.
            Some(Open::List { items, .. }) => items.push(vec![block]),
            None if self.note_level.is_some() => {
                flatten_into(block, &mut self.note);
            }
            None => self.chapter.blocks.push(block),
        }
    }

    fn heading(&mut self, level: HeadingLevel, mut heading: Paragraph) {
        heading.trim_ends();
        let plain = heading.plain_text();
        if !self.open.is_empty() {
            // A heading inside a quote or list is only emphasis of a kind.
            self.push_block(RawBlock::Heading(heading));
            return;
        }
        if level < self.chapter_level {
            // The book's own title, already taken.
            return;
        }
        if let Some(note_level) = self.note_level {
            if level <= note_level || level == self.chapter_level {
                self.end_note();
            }
        }
        if is_note_title(&plain) {
            self.note_level = Some(level);
            return;
        }
        if level == self.chapter_level {
            self.end_chapter();
            // A chapter title is plain text.
            self.chapter.title = Some(plain).filter(|t| !t.is_empty());
        } else {
            self.chapter.blocks.push(RawBlock::Heading(heading));
        }
    }

    fn end_note(&mut self) {
        self.note_level = None;
        let paragraphs = std::mem::take(&mut self.note);
        if paragraphs.is_empty() {
            return;
        }
        let note = RawNote {
            origin: NoteOrigin::Marker,
            paragraphs,
        };
        // A note before any chapter text belongs to the chapter being read; a note heading
        // at chapter level, after a chapter, to the chapter before it.
        self.chapter.notes.push(note);
    }

    fn end_chapter(&mut self) {
        self.flush_inline();
        if self.note_level.is_some() {
            self.end_note();
        }
        let mut chapter = std::mem::take(&mut self.chapter);
        let empty = chapter.title.is_none() && chapter.blocks.is_empty();
        if empty {
            // Notes before the first chapter heading go with the first chapter; after a
            // chapter, with that chapter.
            match self.chapters.last_mut() {
                Some(previous) => previous.notes.append(&mut chapter.notes),
                None => self.chapter.notes = chapter.notes,
            }
            return;
        }
        take_edge_notes(&mut chapter);
        self.chapters.push(chapter);
    }

    fn footnote_reference(&mut self, label: &str) {
        let next = self.footnote_numbers.len() + 1;
        let number = *self
            .footnote_numbers
            .entry(label.to_string())
            .or_insert(next);
        if number == next {
            self.footnote_chapters.push(self.chapters.len());
        }
        self.ensure_inline().footnote_ref(number);
    }

    /// Each footnote goes at the end of the chapter that first refers to it.
    fn attach_footnotes(&mut self, chapters: &mut [RawChapter]) {
        let mut by_number: Vec<(usize, String)> = self
            .footnote_numbers
            .iter()
            .map(|(label, &number)| (number, label.clone()))
            .collect();
        by_number.sort();
        for (number, label) in by_number {
            let blocks = self.footnotes.remove(&label).unwrap_or_else(|| {
                vec![RawBlock::Paragraph(Paragraph::plain(format!(
                    "(The story refers to a note \u{201C}{label}\u{201D} but does not give it.)"
                )))]
            });
            let chapter = self.footnote_chapters[number - 1].min(chapters.len().saturating_sub(1));
            if let Some(chapter) = chapters.get_mut(chapter) {
                chapter.footnotes.push((number, blocks));
            }
        }
    }
}

/// Which heading level starts chapters: `#`, unless the file opens with its only `#`
/// heading and a `##` heading follows it at once, as in a file that carries the book's
/// title above its chapters.
fn chapter_level(text: &str) -> (HeadingLevel, Option<String>) {
    let mut events = Parser::new_ext(text, Options::ENABLE_FOOTNOTES);
    let Some(Event::Start(Tag::Heading {
        level: HeadingLevel::H1,
        ..
    })) = events.next()
    else {
        return (HeadingLevel::H1, None);
    };
    let mut title = String::new();
    for event in events.by_ref() {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => title.push_str(&t),
            _ => {}
        }
    }
    let chapters_follow = matches!(
        events.next(),
        Some(Event::Start(Tag::Heading {
            level: HeadingLevel::H2,
            ..
        }))
    );
    if !chapters_follow {
        return (HeadingLevel::H1, None);
    }
    let another_h1 = events.any(|e| {
        matches!(
            e,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            })
        )
    });
    if !another_h1 {
        let title = title.trim().to_string();
        (HeadingLevel::H2, Some(title).filter(|t| !t.is_empty()))
    } else {
        (HeadingLevel::H1, None)
    }
}

/// The paragraphs of a block, for places that hold only paragraphs, such as notes.
fn flatten_into(block: RawBlock, out: &mut Vec<Paragraph>) {
    match block {
        RawBlock::Paragraph(text) | RawBlock::Heading(text) | RawBlock::Aligned(_, text) => {
            out.push(text)
        }
        RawBlock::SceneBreak => {}
        RawBlock::Quote(blocks) => blocks.into_iter().for_each(|b| flatten_into(b, out)),
        RawBlock::List { items, .. } => items
            .into_iter()
            .flatten()
            .for_each(|b| flatten_into(b, out)),
        RawBlock::Table(rows) => out.extend(rows.into_iter().flatten().map(|cell| cell.text)),
        RawBlock::Picture(picture) if !picture.alt.is_empty() => {
            out.push(Paragraph::plain(format!("[{}]", picture.alt)))
        }
        RawBlock::Picture(_) => {}
    }
}

#[cfg(test)]
mod tests;
