//! Packaging a [`Book`] as an EPUB 3 file that EPUB 2 reading systems can also open.
//!
//! epub-builder writes the package document, `nav.xhtml`, `toc.ncx` and the zip; this module
//! writes every XHTML page itself, so that all text is escaped in one place.

use crate::book::Cover;
use crate::book::{Block, Book, Chapter, Inline, Note, Paragraph};
use epub_builder::{
    EpubBuilder, EpubContent, EpubVersion, MetadataOpf, MetadataOpfV3, ReferenceType, ZipLibrary,
};
use std::fmt::Write as _;

/// Words a minute used for the reading time on the title page.
const READING_SPEED: usize = 250;

const STYLESHEET: &str = include_str!("stylesheet.css");

/// Added to the stylesheet for `--paragraphs spaced`.
const SPACED_PARAGRAPHS: &str =
    "/* Spaced paragraphs. */\np {\n  text-indent: 0;\n  margin: 0 0 0.9em;\n}\n";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not package the EPUB: {0}")]
    Package(#[from] epub_builder::Error),
    #[error("the language {0:?} is not a BCP 47 tag such as \"en\" or \"pt-BR\"")]
    Language(String),
}

/// How paragraphs are set apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum ParagraphStyle {
    /// Book style: first lines indented, no space between paragraphs.
    #[default]
    Indented,
    /// Web style: a blank line between paragraphs, no indent.
    Spaced,
}

/// Where author's notes go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum NotePlacement {
    /// In an appendix at the end, linked from each chapter and back.
    #[default]
    Appendix,
    /// In a framed box at the end of their chapter.
    Inline,
    /// Left out of the book.
    Drop,
}

/// Choices about how the book looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
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
    pub landmark: Option<ReferenceType>,
    pub xhtml: String,
}

/// Builds the whole EPUB in memory.
pub fn export_epub(book: &Book, options: &ExportOptions) -> Result<Vec<u8>, ExportError> {
    // Each page is compressed as soon as it is rendered, so that a long book never holds
    // all of its XHTML at once.
    package(book, options, pages(book, options)?)
}

/// Renders every page of the book, in reading order.
pub fn render(book: &Book, options: &ExportOptions) -> Result<Vec<Page>, ExportError> {
    Ok(pages(book, options)?.collect())
}

/// The pages of the book, in reading order, each rendered when it is asked for.
fn pages<'a>(
    book: &'a Book,
    options: &ExportOptions,
) -> Result<impl Iterator<Item = Page> + 'a, ExportError> {
    let language = &book.metadata.language;
    if !is_language_tag(language) {
        return Err(ExportError::Language(language.clone()));
    }
    let pages = Pages {
        book,
        notes: options.notes,
    };
    let page = |file: &str, title: &str, landmark, xhtml| Page {
        file: file.to_string(),
        title: title.to_string(),
        landmark,
        xhtml,
    };
    let cover = book.metadata.cover.iter().map(move |cover| {
        page(
            COVER_PAGE,
            "Cover",
            Some(ReferenceType::Cover),
            pages.cover_page(cover),
        )
    });
    // Rendered lazily, like the chapters, in reading order.
    let title_page = std::iter::once_with(move || {
        page(
            TITLE_PAGE,
            "Title Page",
            Some(ReferenceType::TitlePage),
            pages.title_page(),
        )
    });
    let contents_page = std::iter::once_with(move || {
        page(
            CONTENTS_PAGE,
            "Contents",
            Some(ReferenceType::Toc),
            pages.contents_page(),
        )
    });
    let chapters = book
        .chapters
        .iter()
        .enumerate()
        .map(move |(index, chapter)| {
            // The first chapter is where reading starts.
            let landmark = (index == 0).then_some(ReferenceType::Text);
            let xhtml = pages.chapter_page(index, chapter);
            page(&chapter_file(index), &chapter.title, landmark, xhtml)
        });
    let notes = pages.has_appendix().then(move || {
        page(
            NOTES_PAGE,
            NOTES_TITLE,
            Some(ReferenceType::Notes),
            pages.notes_page(),
        )
    });
    Ok(cover
        .chain(title_page)
        .chain(contents_page)
        .chain(chapters)
        .chain(notes))
}

/// Packages rendered pages with the package document, navigation and stylesheet into a
/// zip. Nearly all of its time is compression.
pub fn package(
    book: &Book,
    options: &ExportOptions,
    pages: impl IntoIterator<Item = Page>,
) -> Result<Vec<u8>, ExportError> {
    let mut builder = EpubBuilder::new(ZipLibrary::new()?)?;
    builder.epub_version(EpubVersion::V33);
    set_metadata(&mut builder, book);
    let stylesheet = match options.paragraphs {
        ParagraphStyle::Indented => STYLESHEET.to_string(),
        ParagraphStyle::Spaced => format!("{STYLESHEET}\n{SPACED_PARAGRAPHS}"),
    };
    builder.stylesheet(stylesheet.as_bytes())?;
    if let Some(cover) = &book.metadata.cover {
        builder.add_cover_image(
            cover_file(cover),
            cover.bytes.as_slice(),
            cover.kind.media_type(),
        )?;
    }
    for page in pages {
        let mut content =
            EpubContent::new(page.file.as_str(), page.xhtml.as_bytes()).title(page.title.as_str());
        if let Some(landmark) = page.landmark {
            content = content.reftype(landmark);
        }
        builder.add_content(content)?;
    }
    let mut bytes = Vec::new();
    builder.generate(&mut bytes)?;
    Ok(bytes)
}

fn set_metadata(builder: &mut EpubBuilder<ZipLibrary>, book: &Book) {
    let meta = &book.metadata;
    builder.set_title(meta.title.as_str());
    builder.add_author(meta.author.as_str());
    builder.set_lang(meta.language.as_str());
    builder.set_generator("ficbind");
    builder.set_toc_name("Contents");
    if !book.description.is_empty() {
        let description: Vec<String> = book.description.iter().map(Paragraph::plain_text).collect();
        builder.add_description(description.join("\n"));
    }
    builder.set_uuid(book_uuid(book));
    builder.set_modified_date(meta.modified);
    if let Some(published) = meta.published {
        builder.set_publication_date(published);
    }
    for tag in &meta.tags {
        builder.add_subject(tag.as_str());
    }
    if let Some(rights) = &meta.rights {
        builder.set_license(rights.as_str());
    }
    // epub-builder writes the creator as #epub-creator-0.
    let mut meta3 = vec![refining(
        "#epub-creator-0",
        "file-as",
        &file_as(&meta.author),
    )];
    if let Some(publisher) = &meta.publisher {
        meta3.push(meta_v3("dcterms:publisher", publisher));
    }
    if let Some(source) = &meta.source {
        meta3.push(meta_v3("dcterms:source", source));
    }
    if let Some(series) = &meta.series {
        let mut collection = meta_v3("belongs-to-collection", &series.name);
        collection.id = Some("series".to_string());
        meta3.push(collection);
        meta3.push(refining("#series", "collection-type", "series"));
        if let Some(index) = series.index {
            meta3.push(refining("#series", "group-position", &format_index(index)));
        }
        // Older readers and calibre read these; MetadataOpf escapes its own text.
        builder.add_metadata_opf(Box::new(MetadataOpf {
            name: "calibre:series".to_string(),
            content: series.name.clone(),
        }));
        if let Some(index) = series.index {
            builder.add_metadata_opf(Box::new(MetadataOpf {
                name: "calibre:series_index".to_string(),
                content: format_index(index),
            }));
        }
    }
    let has_cover = meta.cover.is_some();
    meta3.push(meta_v3("schema:accessMode", "textual"));
    if has_cover {
        meta3.push(meta_v3("schema:accessMode", "visual"));
    }
    meta3.push(meta_v3("schema:accessModeSufficient", "textual"));
    for feature in ["tableOfContents", "structuralNavigation", "readingOrder"] {
        meta3.push(meta_v3("schema:accessibilityFeature", feature));
    }
    if has_cover {
        meta3.push(meta_v3("schema:accessibilityFeature", "alternativeText"));
    }
    meta3.push(meta_v3("schema:accessibilityHazard", "none"));
    let summary = if has_cover {
        "Text with headings, a table of contents and landmarks, in reading order. The cover \
         image has a text alternative."
    } else {
        "Text with headings, a table of contents and landmarks, in reading order."
    };
    meta3.push(meta_v3("schema:accessibilitySummary", summary));
    for item in meta3 {
        builder.add_metadata_opf(Box::new(item));
    }
}

/// An EPUB 3 `meta` element. epub-builder writes its text as is, so it is escaped here.
fn meta_v3(property: &str, content: &str) -> MetadataOpfV3 {
    MetadataOpfV3::new(property.to_string(), escape_text(content))
}

/// A `meta` element that refines another element, such as the author or the series.
fn refining(target: &str, property: &str, content: &str) -> MetadataOpfV3 {
    let mut meta = meta_v3(property, content);
    // add_refines() in epub-builder 0.8.2 sets the id instead; set the field directly.
    meta.refines = Some(target.to_string());
    meta
}

/// A series position without a needless ".0".
fn format_index(index: f64) -> String {
    if index.fract() == 0.0 && index.abs() < 1e15 {
        format!("{}", index as i64)
    } else {
        format!("{index}")
    }
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
    let name = format!("ficbind:{}\u{0}{}", meta.title, meta.author);
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

const COVER_PAGE: &str = "cover.xhtml";
const TITLE_PAGE: &str = "title.xhtml";
const CONTENTS_PAGE: &str = "contents.xhtml";
const NOTES_PAGE: &str = "notes.xhtml";
const NOTES_TITLE: &str = "Author’s Notes";

fn cover_file(cover: &Cover) -> String {
    format!("cover.{}", cover.kind.extension())
}

fn chapter_file(index: usize) -> String {
    format!("chapter-{:03}.xhtml", index + 1)
}

/// Anchor of a chapter's note in the appendix, and of the link to it in the chapter.
fn note_id(chapter: usize, note: usize) -> String {
    format!("note-{}-{}", chapter + 1, note + 1)
}

fn note_ref_id(chapter: usize, note: usize) -> String {
    format!("noteref-{}-{}", chapter + 1, note + 1)
}

/// Renders the XHTML pages of one book.
#[derive(Clone, Copy)]
struct Pages<'a> {
    book: &'a Book,
    notes: NotePlacement,
}

impl Pages<'_> {
    fn has_appendix(&self) -> bool {
        self.notes == NotePlacement::Appendix && self.book.notes().next().is_some()
    }

    fn page(&self, title: &str, body: &str) -> String {
        let lang = escape_attr(&self.book.metadata.language);
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <!DOCTYPE html>\n\
             <html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{lang}\" xml:lang=\"{lang}\">\n\
             <head>\n<meta charset=\"utf-8\"/>\n<title>{title}</title>\n\
             <link rel=\"stylesheet\" type=\"text/css\" href=\"stylesheet.css\"/>\n</head>\n\
             <body>\n{body}</body>\n</html>\n",
            title = escape_text(title),
        )
    }

    fn cover_page(&self, cover: &Cover) -> String {
        let meta = &self.book.metadata;
        let alt = format!("Cover: {} by {}", meta.title, meta.author);
        let body = format!(
            "<section class=\"cover\" epub:type=\"cover\">\n\
             <img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\"/>\n</section>\n",
            cover_file(cover),
            escape_attr(&alt),
            cover.width,
            cover.height
        );
        self.page("Cover", &body)
    }

    fn title_page(&self) -> String {
        let book = self.book;
        let meta = &book.metadata;
        let mut body = String::from("<section class=\"titlepage\" epub:type=\"titlepage\">\n");
        let _ = writeln!(
            body,
            "<h1 class=\"book-title\">{}</h1>",
            escape_text(&meta.title)
        );
        let _ = writeln!(
            body,
            "<p class=\"author\">{}</p>",
            escape_text(&meta.author)
        );
        if let Some(series) = &meta.series {
            let line = match series.index {
                Some(index) => format!("Book {} of {}", format_index(index), series.name),
                None => format!("Part of {}", series.name),
            };
            let _ = writeln!(body, "<p class=\"series\">{}</p>", escape_text(&line));
        }
        if !book.description.is_empty() {
            body.push_str("<div class=\"description\">\n");
            for paragraph in &book.description {
                push_paragraph(&mut body, paragraph);
            }
            body.push_str("</div>\n");
        }
        let words = book.word_count();
        let chapters = book.chapters.len();
        let _ = writeln!(
            body,
            "<p class=\"stats\">{} · {} · {}</p>",
            plural(words, "word"),
            plural(chapters, "chapter"),
            reading_time(words)
        );
        if !meta.tags.is_empty() {
            let tags = meta.tags.join(" · ");
            let _ = writeln!(body, "<p class=\"tags\">{}</p>", escape_text(&tags));
        }
        for (label, value) in [
            ("Published by", &meta.publisher),
            ("Source:", &meta.source),
            ("Rights:", &meta.rights),
        ] {
            if let Some(value) = value {
                let text = escape_text(value);
                let _ = writeln!(body, "<p class=\"colophon\">{label} {text}</p>");
            }
        }
        body.push_str("</section>\n");
        self.page(&meta.title, &body)
    }

    fn contents_page(&self) -> String {
        let mut body = String::from(
            "<section class=\"contents\" epub:type=\"toc\">\n<h1>Contents</h1>\n<ol class=\"toc\">\n",
        );
        for (index, chapter) in self.book.chapters.iter().enumerate() {
            let _ = writeln!(
                body,
                "<li><a href=\"{}\">{}</a> <span class=\"words\">{}</span></li>",
                chapter_file(index),
                escape_text(&chapter.title),
                plural(chapter.word_count(), "word")
            );
        }
        if self.has_appendix() {
            let _ = writeln!(
                body,
                "<li class=\"appendix\"><a href=\"{NOTES_PAGE}\">{}</a></li>",
                escape_text(NOTES_TITLE)
            );
        }
        body.push_str("</ol>\n</section>\n");
        self.page("Contents", &body)
    }

    fn chapter_page(&self, index: usize, chapter: &Chapter) -> String {
        let mut body = format!(
            "<section class=\"chapter\" epub:type=\"chapter\" id=\"chapter-{}\">\n<h1>{}</h1>\n",
            index + 1,
            escape_text(&chapter.title)
        );
        for block in &chapter.blocks {
            match block {
                Block::Paragraph(paragraph) => push_paragraph(&mut body, paragraph),
                Block::SceneBreak => body.push_str("<hr class=\"scene-break\"/>\n"),
            }
        }
        for (n, note) in chapter.notes.iter().enumerate() {
            match self.notes {
                NotePlacement::Appendix => {
                    let _ = writeln!(
                        body,
                        "<p class=\"note-link\"><a id=\"{}\" href=\"{NOTES_PAGE}#{}\">Author’s note</a></p>",
                        note_ref_id(index, n),
                        note_id(index, n)
                    );
                }
                NotePlacement::Inline => {
                    body.push_str("<aside class=\"author-note\">\n<h2>Author’s note</h2>\n");
                    for paragraph in &note.paragraphs {
                        push_paragraph(&mut body, paragraph);
                    }
                    body.push_str("</aside>\n");
                }
                NotePlacement::Drop => {}
            }
        }
        body.push_str("</section>\n");
        self.page(&chapter.title, &body)
    }

    fn notes_page(&self) -> String {
        let mut body = format!(
            "<section class=\"notes\" epub:type=\"appendix\">\n<h1>{}</h1>\n",
            escape_text(NOTES_TITLE)
        );
        for (index, chapter) in self.book.chapters.iter().enumerate() {
            for (n, note) in chapter.notes.iter().enumerate() {
                push_note(&mut body, index, n, chapter, note);
            }
        }
        body.push_str("</section>\n");
        self.page(NOTES_TITLE, &body)
    }
}

fn push_note(body: &mut String, chapter_index: usize, n: usize, chapter: &Chapter, note: &Note) {
    let _ = writeln!(
        body,
        "<section class=\"note\" id=\"{}\">\n<h2>{}</h2>",
        note_id(chapter_index, n),
        escape_text(&chapter.title)
    );
    for paragraph in &note.paragraphs {
        push_paragraph(body, paragraph);
    }
    let _ = writeln!(
        body,
        "<p class=\"back\"><a href=\"{}#{}\">Back to {}</a></p>\n</section>",
        chapter_file(chapter_index),
        note_ref_id(chapter_index, n),
        escape_text(&chapter.title)
    );
}

fn push_paragraph(out: &mut String, paragraph: &Paragraph) {
    out.push_str("<p>");
    push_inlines(out, &paragraph.0);
    out.push_str("</p>\n");
}

fn push_inlines(out: &mut String, inlines: &[Inline]) {
    for inline in inlines {
        match inline {
            Inline::Text(text) => out.push_str(&escape_text(text)),
            Inline::Emphasis(inner) => {
                out.push_str("<em>");
                push_inlines(out, inner);
                out.push_str("</em>");
            }
            Inline::Strong(inner) => {
                out.push_str("<strong>");
                push_inlines(out, inner);
                out.push_str("</strong>");
            }
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    let number = thousands(n);
    if n == 1 {
        format!("{number} {word}")
    } else {
        format!("{number} {word}s")
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn reading_time(words: usize) -> String {
    let minutes = words.div_ceil(READING_SPEED);
    if minutes <= 1 {
        "about a minute to read".to_string()
    } else if minutes < 90 {
        format!("about {minutes} minutes to read")
    } else {
        let hours = (minutes + 30) / 60;
        format!("about {} to read", plural(hours, "hour"))
    }
}

/// Escapes text for XHTML content.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a double-quoted XHTML attribute.
pub fn escape_attr(text: &str) -> String {
    escape_text(text).replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        for (text, expected) in [
            ("plain", "plain"),
            ("<b>&amp;</b>", "&lt;b&gt;&amp;amp;&lt;/b&gt;"),
            ("]]>", "]]&gt;"),
            ("“quotes”", "“quotes”"),
        ] {
            assert_eq!(escape_text(text), expected);
        }
        assert_eq!(escape_attr("a\"b"), "a&quot;b");
    }

    #[test]
    fn numbers_and_times() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(thousands(n), text);
        }
        assert_eq!(plural(1, "word"), "1 word");
        assert_eq!(plural(2, "word"), "2 words");
        assert_eq!(reading_time(100), "about a minute to read");
        assert_eq!(reading_time(2600), "about 11 minutes to read");
        assert_eq!(reading_time(250 * 200), "about 3 hours to read");
    }

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
