//! The story model every reader produces: chapters of blocks, author's notes and
//! footnotes, with the text still as written and its inline structure (emphasis, line
//! breaks, footnote references) as data. The normalize stage turns it into a
//! [`Book`](crate::book::Book).
//!
//! The invariants every story keeps, whatever its format, are kept here, in
//! [`Story::finish`]: tidy scene breaks, some text, not too many chapters.

use crate::book::NoteOrigin;
pub use crate::book::{Alignment, Cell, Image};
pub use crate::inline::{Inline, Mark, Paragraph, Piece, SpanKind, SpanRef};

/// A story as a reader found it, text untouched: the normalize stage turns it into a book.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Story {
    /// The first chapter's title line, when the story is in the segment format.
    pub title_line: Option<String>,
    pub description: Vec<Paragraph>,
    pub chapters: Vec<RawChapter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawChapter {
    /// `None` for an untitled chapter; it is shown as "Chapter N".
    pub title: Option<String>,
    pub blocks: Vec<RawBlock>,
    pub notes: Vec<RawNote>,
    /// Footnotes, each with its number in the book (Markdown stories only).
    pub footnotes: Vec<(usize, Vec<RawBlock>)>,
    /// The places of the source this chapter starts at or holds, as its links name them
    /// (`#chapter-2` in a page, `text/ch2.xhtml` in an EPUB): a link to one of them leads
    /// to this chapter.
    pub anchors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawBlock {
    Paragraph(Paragraph),
    /// A paragraph its source sets centred or flush right (HTML and EPUB stories).
    Aligned(Alignment, Paragraph),
    SceneBreak,
    /// A heading inside a chapter (Markdown stories only, like the blocks below).
    Heading(Paragraph),
    Quote(Vec<RawBlock>),
    /// A list; `start` is the first number of a numbered list.
    List {
        start: Option<u64>,
        items: Vec<Vec<RawBlock>>,
    },
    /// A simple table, cells as written (HTML and EPUB stories, Markdown tables).
    Table(Vec<Vec<Cell>>),
    /// A picture on a line of its own (HTML and EPUB stories). The reader that can find
    /// its image gives it one; [`Story::finish`] sets the text alternative in place of a
    /// picture without.
    Picture(RawPicture),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPicture {
    /// Where the page says the image is, as written.
    pub src: String,
    pub alt: String,
    pub image: Option<std::sync::Arc<Image>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawNote {
    pub origin: NoteOrigin,
    pub paragraphs: Vec<Paragraph>,
}

impl RawBlock {
    /// Words in the block, counted as the book counts them.
    pub(crate) fn word_count(&self) -> usize {
        match self {
            RawBlock::Paragraph(p) | RawBlock::Heading(p) | RawBlock::Aligned(_, p) => {
                p.word_count()
            }
            RawBlock::SceneBreak => 0,
            RawBlock::Quote(inner) => inner.iter().map(RawBlock::word_count).sum(),
            RawBlock::List { items, .. } => items.iter().flatten().map(RawBlock::word_count).sum(),
            RawBlock::Table(rows) => rows.iter().flatten().map(|c| c.text.word_count()).sum(),
            RawBlock::Picture(_) => 0,
        }
    }

    /// The content of a paragraph or heading.
    pub(crate) fn into_paragraph(self) -> Option<Paragraph> {
        match self {
            RawBlock::Paragraph(paragraph) | RawBlock::Heading(paragraph) => Some(paragraph),
            _ => None,
        }
    }
}

/// The most chapters a story may have; each becomes a file of the book.
pub const MAX_CHAPTERS: usize = 5_000;

/// Why a story cannot become a book, whatever format it came in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoryError {
    #[error("the file has no story text, only scene breaks or titles")]
    NoText,
    #[error(
        "the story has {found} chapters, more than the {MAX_CHAPTERS} ficbind accepts \
         (reading systems slow to a crawl on so many files); split it into several stories"
    )]
    TooManyChapters { found: usize },
}

impl Story {
    /// Every reader hands its story over through here: scene breaks are tidied, and the
    /// story must hold some text (a book of nothing but breaks and headings is a mistake)
    /// in at most [`MAX_CHAPTERS`] chapters.
    pub fn finish(mut self) -> Result<Story, StoryError> {
        for chapter in &mut self.chapters {
            describe_missing_pictures(&mut chapter.blocks);
            tidy_scene_breaks(&mut chapter.blocks);
        }
        // A link to a place a chapter holds leads to that chapter; any other is its text.
        let mut anchors = std::collections::HashMap::new();
        for (index, chapter) in self.chapters.iter().enumerate() {
            for anchor in &chapter.anchors {
                anchors.entry(anchor.clone()).or_insert(index);
            }
        }
        self.for_each_paragraph(&mut |paragraph| {
            paragraph.retarget_links(&mut |key| anchors.get(key).map(|&i| Mark::Chapter(i)))
        });
        check(&self)?;
        Ok(self)
    }
}

impl Story {
    /// Calls `f` on every paragraph of the story: description, chapters (inside quotes,
    /// lists and tables too), notes and footnotes.
    pub fn for_each_paragraph(&mut self, f: &mut impl FnMut(&mut Paragraph)) {
        self.description.iter_mut().for_each(&mut *f);
        for chapter in &mut self.chapters {
            for_each_in_blocks(&mut chapter.blocks, f);
            for note in &mut chapter.notes {
                note.paragraphs.iter_mut().for_each(&mut *f);
            }
            for (_, blocks) in &mut chapter.footnotes {
                for_each_in_blocks(blocks, f);
            }
        }
    }
}

/// Calls `f` on every paragraph of `blocks`, nested ones included.
pub(crate) fn for_each_in_blocks(blocks: &mut [RawBlock], f: &mut impl FnMut(&mut Paragraph)) {
    for block in blocks {
        match block {
            RawBlock::Paragraph(p) | RawBlock::Heading(p) | RawBlock::Aligned(_, p) => f(p),
            RawBlock::Quote(inner) => for_each_in_blocks(inner, f),
            RawBlock::List { items, .. } => {
                for item in items {
                    for_each_in_blocks(item, f);
                }
            }
            RawBlock::Table(rows) => rows.iter_mut().flatten().for_each(|cell| f(&mut cell.text)),
            RawBlock::SceneBreak | RawBlock::Picture(_) => {}
        }
    }
}

fn check(story: &Story) -> Result<(), StoryError> {
    if story.chapters.len() > MAX_CHAPTERS {
        return Err(StoryError::TooManyChapters {
            found: story.chapters.len(),
        });
    }
    let has_text = story.chapters.iter().any(|chapter| {
        !chapter.notes.is_empty()
            || chapter
                .blocks
                .iter()
                .any(|block| !matches!(block, RawBlock::SceneBreak))
    });
    if has_text {
        Ok(())
    } else {
        Err(StoryError::NoText)
    }
}

/// A picture whose image is not in the book: its text alternative stands in its place, in
/// brackets; one without a text alternative is left out.
fn describe_missing_pictures(blocks: &mut Vec<RawBlock>) {
    blocks.retain_mut(|block| match block {
        RawBlock::Picture(picture) if picture.image.is_none() => {
            if picture.alt.is_empty() {
                return false;
            }
            *block = RawBlock::Paragraph(Paragraph::plain(format!("[{}]", picture.alt)));
            true
        }
        RawBlock::Quote(inner) => {
            describe_missing_pictures(inner);
            !inner.is_empty()
        }
        RawBlock::List { items, .. } => {
            items.iter_mut().for_each(describe_missing_pictures);
            true
        }
        _ => true,
    });
}

/// Collapses runs of breaks and drops breaks at either end.
fn tidy_scene_breaks(blocks: &mut Vec<RawBlock>) {
    let mut previous_was_break = true; // a break at the start is dropped
    blocks.retain(|b| {
        let is_break = matches!(b, RawBlock::SceneBreak);
        let keep = !(is_break && previous_was_break);
        if keep {
            previous_was_break = is_break;
        }
        keep
    });
    if matches!(blocks.last(), Some(RawBlock::SceneBreak)) {
        blocks.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chapter(blocks: Vec<RawBlock>) -> RawChapter {
        RawChapter {
            blocks,
            ..RawChapter::default()
        }
    }

    fn text(t: &str) -> RawBlock {
        RawBlock::Paragraph(Paragraph::plain(t))
    }

    #[test]
    fn a_picture_without_its_image_is_its_description() {
        let picture = |alt: &str| {
            RawBlock::Picture(RawPicture {
                src: "a.png".into(),
                alt: alt.into(),
                image: None,
            })
        };
        let story = Story {
            chapters: vec![RawChapter {
                blocks: vec![
                    picture("A map"),
                    RawBlock::Paragraph(Paragraph::plain("Text.")),
                    picture(""),
                    RawBlock::Quote(vec![picture("")]),
                ],
                ..RawChapter::default()
            }],
            ..Story::default()
        }
        .finish()
        .expect("a story");
        assert_eq!(
            story.chapters[0].blocks,
            [
                RawBlock::Paragraph(Paragraph::plain("[A map]")),
                RawBlock::Paragraph(Paragraph::plain("Text.")),
            ]
        );
    }

    #[test]
    fn finish_tidies_breaks_and_refuses_empty_stories() {
        use RawBlock::SceneBreak;
        let story = Story {
            chapters: vec![chapter(vec![
                SceneBreak,
                text("a"),
                SceneBreak,
                SceneBreak,
                text("b"),
                SceneBreak,
            ])],
            ..Story::default()
        };
        let finished = story.finish().expect("it has text");
        assert_eq!(
            finished.chapters[0].blocks,
            vec![text("a"), SceneBreak, text("b")]
        );
        let breaks_only = Story {
            chapters: vec![chapter(vec![SceneBreak, SceneBreak])],
            ..Story::default()
        };
        assert_eq!(breaks_only.finish(), Err(StoryError::NoText));
        let too_many = Story {
            chapters: vec![chapter(vec![text("a")]); MAX_CHAPTERS + 1],
            ..Story::default()
        };
        assert_eq!(
            too_many.finish(),
            Err(StoryError::TooManyChapters {
                found: MAX_CHAPTERS + 1
            })
        );
    }
}
