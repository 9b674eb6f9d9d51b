//! The book model: plain data that the normalize stage fills and the export stage reads.
//!
//! Nothing here knows how a story was parsed or how an EPUB is packaged.

pub use crate::inline::{Inline, Mark, Paragraph, Piece, SpanKind, SpanRef};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A finished, normalized book ready to be exported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Book {
    pub metadata: Metadata,
    /// Description paragraphs, shown on the title page.
    pub description: Vec<Paragraph>,
    pub chapters: Vec<Chapter>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metadata {
    pub title: String,
    /// Every author, in the order the source names them; empty when no one is named:
    /// the book then says nothing of an author, rather than "Unknown".
    pub authors: Vec<String>,
    /// BCP 47 language tag.
    pub language: String,
    /// Stable identifier; the export stage derives a UUID from title and author when absent.
    pub identifier: Option<String>,
    /// Value of `dcterms:modified`.
    pub modified: DateTime<Utc>,
    pub published: Option<DateTime<Utc>>,
    /// Every tag, each with its kind, in the order the source gave them.
    pub tags: Vec<Tag>,
    /// Whether the story is finished, when the source says.
    pub status: Option<Status>,
    pub series: Option<Series>,
    pub publisher: Option<String>,
    pub rights: Option<String>,
    /// Where the story came from, such as the address it was saved from.
    pub source: Option<String>,
    pub cover: Option<Cover>,
}

impl Metadata {
    /// Metadata with only the required fields set; empty author names are left out.
    pub fn new(
        title: String,
        authors: Vec<String>,
        language: String,
        modified: DateTime<Utc>,
    ) -> Self {
        Metadata {
            title,
            authors: authors
                .into_iter()
                .filter(|author| !author.trim().is_empty())
                .collect(),
            language,
            identifier: None,
            modified,
            published: None,
            tags: Vec::new(),
            status: None,
            series: None,
            publisher: None,
            rights: None,
            source: None,
            cover: None,
        }
    }

    /// The authors as a line reads them: "Ann", "Ann and Bo", "Ann, Bo and Cy".
    pub fn byline(&self) -> Option<String> {
        match self.authors.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
        }
    }
}

/// The kinds of tags archives file a story under, in the order a title page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagKind {
    /// AO3's rating ("Teen And Up Audiences").
    Rating,
    /// AO3's archive warnings.
    Warning,
    /// AO3's categories: F/M, Gen and the like.
    Category,
    Fandom,
    Relationship,
    Character,
    /// Any other tag: AO3's additional tags, a sidecar's `tags`, an EPUB's subjects.
    Freeform,
}

impl TagKind {
    /// Every kind, in the title page's order.
    pub const ALL: [TagKind; 7] = [
        TagKind::Rating,
        TagKind::Warning,
        TagKind::Category,
        TagKind::Fandom,
        TagKind::Relationship,
        TagKind::Character,
        TagKind::Freeform,
    ];

    /// The label the title page and `inspect` give tags of this kind.
    pub fn label(self) -> &'static str {
        match self {
            TagKind::Rating => "Rating",
            TagKind::Warning => "Warnings",
            TagKind::Category => "Category",
            TagKind::Fandom => "Fandom",
            TagKind::Relationship => "Relationships",
            TagKind::Character => "Characters",
            TagKind::Freeform => "Tags",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub kind: TagKind,
    pub name: String,
}

/// Whether a story is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Complete,
    /// Still being written; `planned` is the number of chapters the author announced, if
    /// any (AO3's "3/5"; "3/?" announces none).
    InProgress {
        planned: Option<u32>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    /// The book's place in the series; 2.5 is allowed.
    pub index: Option<f64>,
}

/// The image formats EPUB 3 reading systems must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ImageKind {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl ImageKind {
    pub fn media_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
        }
    }
}

/// A cover image, ready to be packaged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cover {
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
    /// Drawn by ficbind rather than supplied.
    pub generated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chapter {
    /// The heading shown to the reader: the title line, or "Chapter N" when untitled.
    pub title: String,
    /// Whether the title came from the story rather than being numbered by us.
    pub titled: bool,
    pub blocks: Vec<Block>,
    pub notes: Vec<Note>,
    /// Footnotes first referred to in this chapter (Markdown stories only).
    pub footnotes: Vec<Footnote>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Block {
    Paragraph(Paragraph),
    /// A paragraph set centred or flush right in its source (a sign, a letter's
    /// signature, lines of a poem).
    Aligned(Alignment, Paragraph),
    SceneBreak,
    /// A heading below the chapter's own.
    Heading(Paragraph),
    Quote(Vec<Block>),
    /// A list; `start` is the first number of a numbered list.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    /// A simple table: rows of cells, each cell one paragraph.
    Table(Vec<Vec<Cell>>),
    /// A picture the story holds, set on a line of its own.
    Picture(Picture),
}

/// A picture in the text, with the words that stand for it where it cannot be seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Picture {
    #[serde(skip)]
    pub image: std::sync::Arc<Image>,
    /// Its text alternative; empty for a picture that only decorates.
    pub alt: String,
}

/// An image checked to be the format its bytes say, whole, and of a size a reader can
/// show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub bytes: Vec<u8>,
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
}

/// A table cell. Lines of a cell that held several paragraphs are line breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// A heading cell (`th`) rather than a data cell.
    pub header: bool,
    pub text: Paragraph,
    /// How many columns and rows the cell covers (`colspan`, `rowspan`); 1 for most.
    #[serde(skip_serializing_if = "is_one")]
    pub columns: u16,
    #[serde(skip_serializing_if = "is_one")]
    pub rows: u16,
}

impl Cell {
    /// A cell of one column and one row.
    pub fn new(header: bool, text: Paragraph) -> Cell {
        Cell {
            header,
            text,
            columns: 1,
            rows: 1,
        }
    }
}

fn is_one(n: &u16) -> bool {
    *n == 1
}

/// How an aligned paragraph is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alignment {
    Center,
    Right,
}

/// A footnote, numbered across the whole book.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Footnote {
    pub number: usize,
    pub blocks: Vec<Block>,
}

/// An author's note, taken out of its chapter and printed in the appendix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub origin: NoteOrigin,
    pub paragraphs: Vec<Paragraph>,
}

/// Where in the raw story a note was found; `inspect` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NoteOrigin {
    /// An `Author's Note:` marker line; the note ran to the end of the segment.
    Marker,
    /// An `A/N` or `Author's Note:` paragraph at the very top of the chapter.
    Top,
    /// An `A/N` or `Author's Note:` paragraph at the very bottom of the chapter.
    Bottom,
    /// A short untitled last segment, read as the previous chapter's note.
    TrailingSegment,
    /// The work's own notes, before its first chapter (AO3's "Notes").
    WorkStart,
    /// The work's notes after its last chapter (AO3's "End Notes").
    WorkEnd,
}

impl NoteOrigin {
    pub fn describe(self) -> &'static str {
        match self {
            NoteOrigin::Marker => "marker line",
            NoteOrigin::Top => "paragraph at the top of the chapter",
            NoteOrigin::Bottom => "paragraph at the bottom of the chapter",
            NoteOrigin::TrailingSegment => "short trailing segment",
            NoteOrigin::WorkStart => "work's notes, before its first chapter",
            NoteOrigin::WorkEnd => "work's end notes",
        }
    }

    /// Whether the note stands before its chapter's text, where its link goes too.
    pub fn is_before(self) -> bool {
        matches!(self, NoteOrigin::Top | NoteOrigin::WorkStart)
    }

    /// The note's heading in the appendix, from where it came: "Notes before The Gate".
    pub fn heading(self, chapter_title: &str) -> String {
        match self {
            NoteOrigin::WorkStart => "Notes on the story".to_string(),
            NoteOrigin::WorkEnd => "End notes".to_string(),
            NoteOrigin::Top => format!("Notes before {chapter_title}"),
            NoteOrigin::Marker | NoteOrigin::Bottom | NoteOrigin::TrailingSegment => {
                format!("Notes after {chapter_title}")
            }
        }
    }
}

impl Block {
    /// Bytes of text in the block, markup left out: what a page needs room for.
    pub fn text_bytes(&self) -> usize {
        match self {
            Block::Paragraph(p) | Block::Heading(p) | Block::Aligned(_, p) => p.text_bytes(),
            Block::SceneBreak => 0,
            Block::Quote(blocks) => blocks.iter().map(Block::text_bytes).sum(),
            Block::List { items, .. } => items.iter().flatten().map(Block::text_bytes).sum(),
            Block::Table(rows) => rows.iter().flatten().map(|c| c.text.text_bytes()).sum(),
            Block::Picture(picture) => picture.alt.len(),
        }
    }

    pub fn word_count(&self) -> usize {
        match self {
            Block::Paragraph(p) | Block::Heading(p) | Block::Aligned(_, p) => p.word_count(),
            Block::SceneBreak => 0,
            Block::Quote(blocks) => blocks.iter().map(Block::word_count).sum(),
            Block::List { items, .. } => items.iter().flatten().map(Block::word_count).sum(),
            Block::Table(rows) => rows.iter().flatten().map(|c| c.text.word_count()).sum(),
            Block::Picture(_) => 0,
        }
    }
}

impl Book {
    /// The book's images, each once, in reading order.
    pub fn pictures(&self) -> Vec<std::sync::Arc<Image>> {
        fn collect(blocks: &[Block], out: &mut Vec<std::sync::Arc<Image>>) {
            for block in blocks {
                match block {
                    Block::Picture(picture)
                        if !out
                            .iter()
                            .any(|seen| std::sync::Arc::ptr_eq(seen, &picture.image)) =>
                    {
                        out.push(std::sync::Arc::clone(&picture.image));
                    }
                    Block::Quote(inner) => collect(inner, out),
                    Block::List { items, .. } => items.iter().for_each(|item| collect(item, out)),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        for chapter in &self.chapters {
            collect(&chapter.blocks, &mut out);
        }
        out
    }
}

impl Chapter {
    /// Words of the chapter's text; notes and footnotes are not counted.
    pub fn word_count(&self) -> usize {
        self.blocks.iter().map(Block::word_count).sum()
    }

    pub fn scene_breaks(&self) -> usize {
        self.blocks
            .iter()
            .filter(|b| matches!(b, Block::SceneBreak))
            .count()
    }
}

impl Note {
    pub fn word_count(&self) -> usize {
        self.paragraphs.iter().map(Paragraph::word_count).sum()
    }
}

impl Book {
    pub fn word_count(&self) -> usize {
        self.chapters.iter().map(Chapter::word_count).sum()
    }

    pub fn notes(&self) -> impl Iterator<Item = (usize, &Note)> {
        self.chapters
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.notes.iter().map(move |n| (i, n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byline_names_every_author() {
        for (authors, expected) in [
            (&[][..], None),
            (&["Ann"][..], Some("Ann")),
            (&["Ann", "Bo"][..], Some("Ann and Bo")),
            (&["Ann", "Bo", "Cy"][..], Some("Ann, Bo and Cy")),
            (&["Ann", " ", "Bo"][..], Some("Ann and Bo")),
        ] {
            let authors = authors.iter().map(|a| a.to_string()).collect();
            let meta = Metadata::new("T".into(), authors, "en".into(), DateTime::UNIX_EPOCH);
            assert_eq!(meta.byline().as_deref(), expected);
        }
    }
}
