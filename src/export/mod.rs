//! Packaging a [`Book`] as an EPUB: EPUB 3 that EPUB 2 reading systems can also open,
//! EPUB 2, or a Kobo book.
//!
//! Two steps: [`pages`](mod@pages) renders the XHTML of every page from the book, with what
//! the format decides taken from its [`Profile`](profile::Profile); [`package`](mod@package)
//! writes the package document, navigation and NCX around them, and `archive` zips it all.

use crate::book::Book;
use package::Listed;
use pages::{cover_file, Pages, CONTENTS_PAGE, COVER_PAGE, NOTES_PAGE, NOTES_TITLE, TITLE_PAGE};
use profile::Profile;
use rayon::prelude::*;

mod archive;
mod kobo;
pub mod package;
pub mod pages;
pub mod profile;
mod style;
mod xhtml;

pub use package::Landmark;
pub use pages::{escape_attr, escape_text};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the language {0:?} is not a BCP 47 tag such as \"en\" or \"pt-BR\"")]
    Language(String),
    #[error("could not write the book's archive: {0}")]
    Archive(#[from] std::io::Error),
}

/// How paragraphs are set apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParagraphStyle {
    #[default]
    Indented,
    Spaced,
}

impl ParagraphStyle {
    pub const ALL: [ParagraphStyle; 2] = [ParagraphStyle::Indented, ParagraphStyle::Spaced];

    pub fn name(self) -> &'static str {
        match self {
            ParagraphStyle::Indented => "indented",
            ParagraphStyle::Spaced => "spaced",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ParagraphStyle::Indented => {
                "Book style: first lines indented, no space between paragraphs"
            }
            ParagraphStyle::Spaced => "Web style: a blank line between paragraphs, no indent",
        }
    }
}

/// Where author's notes go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotePlacement {
    #[default]
    Appendix,
    Inline,
    Drop,
}

impl NotePlacement {
    pub const ALL: [NotePlacement; 3] = [
        NotePlacement::Appendix,
        NotePlacement::Inline,
        NotePlacement::Drop,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NotePlacement::Appendix => "appendix",
            NotePlacement::Inline => "inline",
            NotePlacement::Drop => "drop",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            NotePlacement::Appendix => {
                "In an appendix at the end, linked from each chapter and back"
            }
            NotePlacement::Inline => "In a framed box at the end of their chapter",
            NotePlacement::Drop => "Left out of the book",
        }
    }
}

/// Which kind of EPUB is written. What each decides is in [`profile::Profile`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    #[default]
    Epub3,
    Epub2,
    Kepub,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Epub3, Format::Epub2, Format::Kepub];

    pub fn name(self) -> &'static str {
        Profile::of(self).name
    }

    pub fn description(self) -> &'static str {
        Profile::of(self).description
    }

    /// The file name extension, without the leading dot.
    pub fn extension(self) -> &'static str {
        Profile::of(self).extension
    }
}

/// Choices about how the book looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: Format,
    pub paragraphs: ParagraphStyle,
    pub notes: NotePlacement,
}

/// One XHTML page of the book, rendered and ready to be packaged.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub file: String,
    /// The entry in the table of contents.
    pub title: String,
    /// Where landmarks and the guide point to this page, if anywhere.
    pub landmark: Option<Landmark>,
    pub xhtml: String,
}

/// A book packaged as an EPUB, with the count of its words that its pages show.
#[derive(Debug)]
pub struct Exported {
    pub epub: Vec<u8>,
    /// What [`Book::word_count`] says: rendering counts it anyway, for the title and
    /// contents pages, and a report need not count the book a second time.
    pub words: usize,
}

/// Builds the whole EPUB in memory.
pub fn export_epub(book: &Book, options: &ExportOptions) -> Result<Vec<u8>, ExportError> {
    Ok(export(book, options)?.epub)
}

/// Builds the whole EPUB in memory, and says how many words the book holds.
pub fn export(book: &Book, options: &ExportOptions) -> Result<Exported, ExportError> {
    let (pages, kinds) = prepare(book, options)?;
    // Each page is compressed as soon as it is rendered, on whichever core is free, so
    // that a long book never holds all of its XHTML at once, and rendering is not left
    // to one core while the others compress.
    let packed = kinds
        .into_par_iter()
        .map(|kind| pack(pages.page(kind), options.paragraphs))
        .collect::<std::io::Result<Vec<Packed>>>()?;
    Ok(Exported {
        epub: assemble(book, options, packed)?,
        words: pages.words(),
    })
}

/// Renders every page of the book, in reading order.
pub fn render(book: &Book, options: &ExportOptions) -> Result<Vec<Page>, ExportError> {
    let (pages, kinds) = prepare(book, options)?;
    Ok(kinds.into_iter().map(|kind| pages.page(kind)).collect())
}

/// The pages of a book in reading order, by what each is.
#[derive(Debug, Clone, Copy)]
enum PageKind<'a> {
    Cover(&'a crate::book::Cover),
    Title,
    Contents,
    Chapter(usize),
    Notes,
}

/// What renders the book's pages, and the pages it has.
fn prepare<'a>(
    book: &'a Book,
    options: &ExportOptions,
) -> Result<(Renderer<'a>, Vec<PageKind<'a>>), ExportError> {
    let language = &book.metadata.language;
    if !is_language_tag(language) {
        return Err(ExportError::Language(language.clone()));
    }
    let pages = Pages::new(book, options.notes, Profile::of(options.format));
    let mut kinds = Vec::with_capacity(book.chapters.len() + 4);
    kinds.extend(book.metadata.cover.as_ref().map(PageKind::Cover));
    kinds.extend([PageKind::Title, PageKind::Contents]);
    kinds.extend((0..book.chapters.len()).map(PageKind::Chapter));
    if pages.has_appendix() {
        kinds.push(PageKind::Notes);
    }
    let renderer = Renderer {
        book,
        pages,
        kobo: Profile::of(options.format).kobo_spans,
    };
    Ok((renderer, kinds))
}

struct Renderer<'a> {
    book: &'a Book,
    pages: Pages<'a>,
    kobo: bool,
}

impl Renderer<'_> {
    fn words(&self) -> usize {
        self.pages.words()
    }

    fn page(&self, kind: PageKind) -> Page {
        let (file, title, landmark, xhtml) = match kind {
            PageKind::Cover(cover) => (
                COVER_PAGE.to_string(),
                "Cover",
                Some(Landmark::Cover),
                self.pages.cover_page(cover),
            ),
            PageKind::Title => (
                TITLE_PAGE.to_string(),
                "Title Page",
                Some(Landmark::TitlePage),
                self.pages.title_page(),
            ),
            PageKind::Contents => (
                CONTENTS_PAGE.to_string(),
                "Contents",
                Some(Landmark::Contents),
                self.pages.contents_page(),
            ),
            PageKind::Chapter(index) => {
                let chapter = &self.book.chapters[index];
                // The first chapter is where reading starts.
                let landmark = (index == 0).then_some(Landmark::BodyMatter);
                (
                    pages::chapter_file(index),
                    chapter.title.as_str(),
                    landmark,
                    self.pages.chapter_page(index, chapter),
                )
            }
            PageKind::Notes => (
                NOTES_PAGE.to_string(),
                NOTES_TITLE,
                Some(Landmark::Notes),
                self.pages.notes_page(),
            ),
        };
        Page {
            file,
            title: title.to_string(),
            landmark,
            xhtml: if self.kobo {
                kobo::kobo_page(&xhtml)
            } else {
                xhtml
            },
        }
    }
}

/// A page compressed, with what the package document and stylesheet need to know of it.
struct Packed {
    entry: archive::Entry,
    listed: Listed,
    usage: style::Usage,
}

fn pack(page: Page, paragraphs: ParagraphStyle) -> std::io::Result<Packed> {
    let mut usage = style::Usage::new(paragraphs);
    usage.scan(&page.xhtml);
    Ok(Packed {
        entry: archive::deflate(format!("OEBPS/{}", page.file), page.xhtml.as_bytes())?,
        listed: Listed {
            file: page.file,
            title: page.title,
            landmark: page.landmark,
        },
        usage,
    })
}

/// Packages rendered pages with the package document, navigation and stylesheet into a
/// zip. Nearly all of its time is compression, which runs on every core.
pub fn package(
    book: &Book,
    options: &ExportOptions,
    pages: impl IntoIterator<Item = Page>,
) -> Result<Vec<u8>, ExportError> {
    let pages: Vec<Page> = pages.into_iter().collect();
    let packed = pages
        .into_par_iter()
        .map(|page| pack(page, options.paragraphs))
        .collect::<std::io::Result<Vec<Packed>>>()?;
    assemble(book, options, packed)
}

/// The zip of a book whose pages are compressed: they go in their order, after the files
/// a reader looks for first and before the documents that list them.
fn assemble(
    book: &Book,
    options: &ExportOptions,
    packed: Vec<Packed>,
) -> Result<Vec<u8>, ExportError> {
    let profile = Profile::of(options.format);
    let mut archive = archive::Archive::default();
    // `mimetype` comes first and stored, so that a reader can tell what the file is.
    archive.store("mimetype", b"application/epub+zip".to_vec())?;
    archive.add("META-INF/container.xml", package::CONTAINER.as_bytes())?;
    archive.add(
        "META-INF/com.apple.ibooks.display-options.xml",
        package::APPLE_DISPLAY_OPTIONS.as_bytes(),
    )?;
    if let Some(cover) = &book.metadata.cover {
        // Images are compressed already.
        archive.store(&format!("OEBPS/{}", cover_file(cover)), cover.bytes.clone())?;
    }
    for (index, image) in book.pictures().iter().enumerate() {
        let file = pages::picture_file(index, image);
        archive.store(&format!("OEBPS/{file}"), image.bytes.clone())?;
    }
    let mut listed = Vec::with_capacity(packed.len());
    let mut usage = style::Usage::new(options.paragraphs);
    for page in packed {
        usage.merge(&page.usage);
        archive.push(page.entry);
        listed.push(page.listed);
    }
    archive.add(
        "OEBPS/stylesheet.css",
        usage.stylesheet(options.paragraphs).as_bytes(),
    )?;
    let identifier = format!("urn:uuid:{}", book_uuid(book));
    archive.add(
        "OEBPS/content.opf",
        &package::package_document(book, profile, &identifier, &listed)?,
    )?;
    archive.add("OEBPS/toc.ncx", &package::ncx(book, &identifier, &listed)?)?;
    if !profile.xhtml11 {
        archive.add(
            "OEBPS/nav.xhtml",
            &package::navigation_document(book, &listed)?,
        )?;
    }
    Ok(archive.finish()?)
}

/// "Jane Q. Doe" files as "Doe, Jane Q."; one-word names and names with a comma stay.
pub fn file_as(author: &str) -> String {
    let words: Vec<&str> = author.split_whitespace().collect();
    match words.as_slice() {
        [first @ .., last] if !first.is_empty() && !author.contains(',') => {
            format!("{last}, {}", first.join(" "))
        }
        _ => words.join(" "),
    }
}

/// The book's UUID: from its identifier when it has one, else from title and author, so a
/// rebuilt book stays the same book on a reader.
pub fn book_uuid(book: &Book) -> uuid::Uuid {
    let meta = &book.metadata;
    if let Some(id) = &meta.identifier {
        let bare = id.strip_prefix("urn:uuid:").unwrap_or(id);
        if let Ok(uuid) = uuid::Uuid::parse_str(bare) {
            return uuid;
        }
        return uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_URL,
            format!("ficbind:id:{id}").as_bytes(),
        );
    }
    let name = format!(
        "ficbind:{}\u{0}{}",
        meta.title,
        // Joined as they were when a book had one author field, so ids stay the same.
        meta.authors.join(", ")
    );
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
}

/// Letters, digits and hyphens in subtags of 1 to 8 characters, starting with letters.
fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let primary_ok = subtags
        .next()
        .is_some_and(|s| (2..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for (tag, ok) in [
            ("en", true),
            ("pt-BR", true),
            ("zh-Hant-TW", true),
            ("", false),
            ("e", false),
            ("en_US", false),
            ("en-", false),
            ("\"><x", false),
        ] {
            assert_eq!(is_language_tag(tag), ok, "{tag:?}");
        }
    }
}
