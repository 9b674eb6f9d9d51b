//! The XHTML pages of a book: cover, title page, contents, chapters and the notes appendix.
//!
//! Every page is written here, so that all text is escaped in one place. What differs between
//! formats comes from the [`Profile`], worked out once per book.

use super::profile::Profile;
use super::NotePlacement;
use crate::book::{
    Alignment, Block, Book, Cell, Chapter, Cover, Footnote, Image, Mark, Note, NoteOrigin,
    Paragraph, Picture, Piece, SpanRef, Status, TagKind,
};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Words a minute used for the reading time on the title page.
const READING_SPEED: usize = 250;

pub(super) const COVER_PAGE: &str = "cover.xhtml";
pub(super) const TITLE_PAGE: &str = "title.xhtml";
pub(super) const CONTENTS_PAGE: &str = "contents.xhtml";
pub(super) const NOTES_PAGE: &str = "notes.xhtml";
pub(super) const NOTES_TITLE: &str = "Author’s Notes";

pub(super) fn cover_file(cover: &Cover) -> String {
    format!("cover.{}", cover.kind.extension())
}

/// The file of the book's `index`th picture (from 0, in reading order).
pub(super) fn picture_file(index: usize, image: &Image) -> String {
    format!("picture-{:03}.{}", index + 1, image.kind.extension())
}

pub(super) fn chapter_file(index: usize) -> String {
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
pub(super) struct Pages<'a> {
    book: &'a Book,
    notes: NotePlacement,
    profile: Profile,
    /// The chapter each footnote is printed in, by footnote number.
    footnote_chapters: HashMap<usize, usize>,
    /// Words of each chapter, counted once for the title and contents pages.
    chapter_words: Vec<usize>,
    /// The book's images, in the order of their files.
    pictures: Vec<std::sync::Arc<Image>>,
}

impl<'a> Pages<'a> {
    pub(super) fn new(book: &'a Book, notes: NotePlacement, profile: Profile) -> Self {
        let footnote_chapters = book
            .chapters
            .iter()
            .enumerate()
            .flat_map(|(index, chapter)| chapter.footnotes.iter().map(move |f| (f.number, index)))
            .collect();
        Pages {
            book,
            notes,
            profile,
            footnote_chapters,
            // On every core: a long book's count is a millisecond on one.
            chapter_words: book.chapters.par_iter().map(Chapter::word_count).collect(),
            pictures: book.pictures(),
        }
    }

    /// Words of the book's text, as the title page shows them.
    pub(super) fn words(&self) -> usize {
        self.chapter_words.iter().sum()
    }

    pub(super) fn has_appendix(&self) -> bool {
        self.notes == NotePlacement::Appendix && self.book.notes().next().is_some()
    }

    fn epub2(&self) -> bool {
        self.profile.xhtml11
    }

    /// A new page body; `chapter` is the chapter the page shows, if any.
    fn body(&self, chapter: Option<usize>) -> Body<'_> {
        Body {
            out: String::new(),
            pages: self,
            chapter,
            referenced: HashSet::new(),
        }
    }

    fn page(&self, title: &str, body: &str) -> String {
        let mut page = self.page_head(title, body.len());
        page.push_str(body);
        page.push_str(self.page_tail());
        page
    }

    /// A page up to where its body starts, with room for `body_bytes` more.
    fn page_head(&self, title: &str, body_bytes: usize) -> String {
        let lang = escape_attr(&self.book.metadata.language);
        let title = escape_text(title);
        let mut head = String::with_capacity(body_bytes + 512);
        let _ = if self.epub2() {
            // XHTML 1.1 knows neither `lang` nor `meta charset`.
            write!(
                head,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.1//EN\" \"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd\">\n\
                 <html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"{lang}\">\n\
                 <head>\n<meta http-equiv=\"Content-Type\" content=\"application/xhtml+xml; charset=utf-8\"/>\n\
                 <title>{title}</title>\n\
                 <link rel=\"stylesheet\" type=\"text/css\" href=\"stylesheet.css\"/>\n</head>\n\
                 <body>\n"
            )
        } else {
            write!(
                head,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <!DOCTYPE html>\n\
                 <html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{lang}\" xml:lang=\"{lang}\">\n\
                 <head>\n<meta charset=\"utf-8\"/>\n<title>{title}</title>\n\
                 <link rel=\"stylesheet\" type=\"text/css\" href=\"stylesheet.css\"/>\n</head>\n\
                 <body>\n"
            )
        };
        head
    }

    /// A page after its body.
    fn page_tail(&self) -> &'static str {
        "</body>\n</html>\n"
    }

    /// The opening tag of a section: `<section>` with its semantics in EPUB 3, a `<div>` in
    /// EPUB 2.
    fn open_section(&self, element: &str, class: &str, kind: &str, id: Option<&str>) -> String {
        let id = id.map(|id| format!(" id=\"{id}\"")).unwrap_or_default();
        if self.epub2() {
            format!("<div class=\"{class}\"{id}>\n")
        } else {
            let role = section_role(element, kind)
                .map(|role| format!(" role=\"{role}\""))
                .unwrap_or_default();
            let kind = if kind.is_empty() {
                String::new()
            } else {
                format!(" epub:type=\"{kind}\"")
            };
            format!("<{element} class=\"{class}\"{kind}{role}{id}>\n")
        }
    }

    fn close_section(&self, element: &str) -> String {
        let element = if self.epub2() { "div" } else { element };
        format!("</{element}>\n")
    }

    /// The cover, as an SVG that holds the image: unlike an `img`, it scales to fit any
    /// screen, landscape as well as portrait, with the picture whole and centred. The page's
    /// own style lets it fill the screen, with no margins.
    pub(super) fn cover_page(&self, cover: &Cover) -> String {
        let meta = &self.book.metadata;
        let alt = match meta.byline() {
            Some(author) => format!("Cover: {} by {author}", meta.title),
            None => format!("Cover: {}", meta.title),
        };
        let alt = escape_attr(&alt);
        // SVG 1.1 in XHTML 1.1 has no ARIA attributes; its `title` names the picture there.
        let aria = if self.epub2() {
            String::new()
        } else {
            format!(" role=\"img\" aria-label=\"{alt}\"")
        };
        let (width, height) = (cover.width, cover.height);
        let body = format!(
            "{}<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
             version=\"1.1\" width=\"100%\" height=\"100%\" viewBox=\"0 0 {width} {height}\" \
             preserveAspectRatio=\"xMidYMid meet\"{aria}>\n<title>{alt}</title>\n\
             <image width=\"{width}\" height=\"{height}\" xlink:href=\"{}\"/>\n</svg>\n{}",
            self.open_section("section", "cover", "cover", None),
            cover_file(cover),
            self.close_section("section")
        );
        self.page("Cover", &body).replacen(
            "</head>",
            "<style type=\"text/css\">html, body, .cover { height: 100%; margin: 0; padding: 0; } .cover svg { display: block; }</style>\n</head>",
            1,
        )
    }

    pub(super) fn title_page(&self) -> String {
        let book = self.book;
        let meta = &book.metadata;
        let mut body = self.open_section("section", "titlepage", "titlepage", None);
        let _ = writeln!(
            body,
            "<h1 class=\"book-title\">{}</h1>",
            escape_text(&meta.title)
        );
        if let Some(byline) = meta.byline() {
            let _ = writeln!(body, "<p class=\"author\">{}</p>", escape_text(&byline));
        }
        if let Some(series) = &meta.series {
            let line = match series.index {
                Some(index) => format!("Book {} of {}", format_index(index), series.name),
                None => format!("Part of {}", series.name),
            };
            let _ = writeln!(body, "<p class=\"series\">{}</p>", escape_text(&line));
        }
        if !book.description.is_empty() {
            body.push_str("<div class=\"description\">\n");
            let mut description = self.body(None);
            for paragraph in &book.description {
                description.paragraph("p", paragraph);
            }
            body.push_str(&description.out);
            body.push_str("</div>\n");
        }
        let words = self.words();
        let chapters = book.chapters.len();
        let status = match meta.status {
            None => String::new(),
            Some(Status::Complete) => " · complete".to_string(),
            Some(Status::InProgress {
                planned: Some(planned),
            }) => {
                format!(" · unfinished, {chapters} of {planned} chapters posted")
            }
            Some(Status::InProgress { planned: None }) => " · unfinished".to_string(),
        };
        let _ = writeln!(
            body,
            "<p class=\"stats\">{} · {} · {}{status}</p>",
            plural(words, "word"),
            plural(chapters, "chapter"),
            reading_time(words)
        );
        // Tags of one kind to a line, labelled, when the source sorted them; a book
        // whose tags are all of one plain kind lists them without a label.
        let only_freeform = meta.tags.iter().all(|t| t.kind == TagKind::Freeform);
        for kind in TagKind::ALL {
            let names: Vec<&str> = meta
                .tags
                .iter()
                .filter(|t| t.kind == kind)
                .map(|t| t.name.as_str())
                .collect();
            if names.is_empty() {
                continue;
            }
            let line = if only_freeform {
                names.join(" · ")
            } else {
                format!("{}: {}", kind.label(), names.join(", "))
            };
            let _ = writeln!(body, "<p class=\"tags\">{}</p>", escape_text(&line));
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
        body.push_str(&self.close_section("section"));
        self.page(&meta.title, &body)
    }

    pub(super) fn contents_page(&self) -> String {
        let mut body = self.open_section("section", "contents", "toc", None);
        body.push_str("<h1>Contents</h1>\n<ol class=\"toc\">\n");
        for (index, (chapter, &words)) in self
            .book
            .chapters
            .iter()
            .zip(&self.chapter_words)
            .enumerate()
        {
            let _ = writeln!(
                body,
                "<li><a href=\"{}\">{}</a> <span class=\"words\">{}</span></li>",
                chapter_file(index),
                escape_text(&chapter.title),
                plural(words, "word")
            );
        }
        if self.has_appendix() {
            let _ = writeln!(
                body,
                "<li class=\"appendix\"><a href=\"{NOTES_PAGE}\">{}</a></li>",
                escape_text(NOTES_TITLE)
            );
        }
        body.push_str("</ol>\n");
        body.push_str(&self.close_section("section"));
        self.page("Contents", &body)
    }

    pub(super) fn chapter_page(&self, index: usize, chapter: &Chapter) -> String {
        let id = format!("chapter-{}", index + 1);
        let mut body = self.body(Some(index));
        // The page is written in one string, with room for the chapter and its markup.
        let text_bytes: usize = chapter.blocks.iter().map(Block::text_bytes).sum();
        body.out = self.page_head(&chapter.title, text_bytes + text_bytes / 8);
        body.out
            .push_str(&self.open_section("section", "chapter", "chapter", Some(&id)));
        body.paragraph("h1", &plain_paragraph(&chapter.title));
        // Notes from before the chapter's text come (or are linked) before it.
        let notes = || chapter.notes.iter().enumerate();
        for (n, note) in notes().filter(|(_, note)| note.origin.is_before()) {
            self.chapter_note(&mut body, index, n, note);
        }
        body.blocks(&chapter.blocks);
        for (n, note) in notes().filter(|(_, note)| !note.origin.is_before()) {
            self.chapter_note(&mut body, index, n, note);
        }
        for footnote in &chapter.footnotes {
            body.footnote(footnote);
        }
        body.out.push_str(&self.close_section("section"));
        body.out.push_str(self.page_tail());
        body.out
    }

    /// A note where its chapter shows it: a link to the appendix, or the note itself.
    fn chapter_note(&self, body: &mut Body, index: usize, n: usize, note: &Note) {
        match self.notes {
            NotePlacement::Appendix => {
                let _ = writeln!(
                    body.out,
                    "<p class=\"note-link\"><a id=\"{}\" href=\"{NOTES_PAGE}#{}\">Author’s note</a></p>",
                    note_ref_id(index, n),
                    note_id(index, n)
                );
            }
            NotePlacement::Inline => {
                body.out
                    .push_str(&self.open_section("aside", "author-note", "", None));
                let title = match note.origin {
                    NoteOrigin::WorkStart | NoteOrigin::WorkEnd => note.origin.heading(""),
                    _ => "Author’s note".to_string(),
                };
                // Not a heading: calibre would start a page at an h2 inside the chapter,
                // and an h3 after the chapter's h1 skips a level.
                body.classed_paragraph("p", "note-title", &plain_paragraph(&title));
                for paragraph in &note.paragraphs {
                    body.paragraph("p", paragraph);
                }
                body.out.push_str(&self.close_section("aside"));
            }
            NotePlacement::Drop => {}
        }
    }

    pub(super) fn notes_page(&self) -> String {
        let mut body = self.body(None);
        body.out = self.open_section("section", "notes", "appendix", None);
        // h2 and h3, not h1 and h2: calibre starts a new page at every h1 and h2 when it
        // converts for Kindle, which left the heading alone on a page and every note on
        // one of its own. One break, at the appendix, is what a reader expects.
        body.paragraph("h2", &plain_paragraph(NOTES_TITLE));
        for (index, chapter) in self.book.chapters.iter().enumerate() {
            for (n, note) in chapter.notes.iter().enumerate() {
                let _ = writeln!(
                    body.out,
                    "{}",
                    self.open_section("section", "note", "", Some(&note_id(index, n)))
                        .trim_end()
                );
                body.paragraph("h3", &plain_paragraph(&note.origin.heading(&chapter.title)));
                for paragraph in &note.paragraphs {
                    body.paragraph("p", paragraph);
                }
                let _ = writeln!(
                    body.out,
                    "<p class=\"back\"><a href=\"{}#{}\">Back to {}</a></p>",
                    chapter_file(index),
                    note_ref_id(index, n),
                    escape_text(&chapter.title)
                );
                body.out.push_str(&self.close_section("section"));
            }
        }
        body.out.push_str(&self.close_section("section"));
        self.page(NOTES_TITLE, &body.out)
    }
}

/// The ARIA role of a section: the one that says what its `epub:type` says, for assistive
/// technology that reads only ARIA. An `aside` without a type (an author's note set inline)
/// is a note, not a landmark, so that several on one page need no names of their own.
/// Types without a role of their own (`cover`, `titlepage`) have none.
fn section_role(element: &str, epub_type: &str) -> Option<&'static str> {
    match (element, epub_type) {
        ("aside", "") => Some("note"),
        (_, epub_type) => aria_role(epub_type),
    }
}

/// The ARIA role that matches an `epub:type`.
pub(super) fn aria_role(epub_type: &str) -> Option<&'static str> {
    match epub_type {
        "chapter" => Some("doc-chapter"),
        "toc" => Some("doc-toc"),
        "appendix" => Some("doc-appendix"),
        "footnote" => Some("doc-footnote"),
        "noteref" => Some("doc-noteref"),
        _ => None,
    }
}

fn plain_paragraph(text: &str) -> Paragraph {
    Paragraph::plain(text)
}

/// The body of one page as it is written.
struct Body<'p> {
    out: String,
    pages: &'p Pages<'p>,
    /// The chapter this page shows, for links to footnotes.
    chapter: Option<usize>,
    /// Footnotes already referred to on this page; only the first reference gets an id.
    referenced: HashSet<usize>,
}

impl Body<'_> {
    /// A block element holding inline content, such as `p` or `h2`.
    fn paragraph(&mut self, element: &str, paragraph: &Paragraph) {
        self.classed_paragraph(element, "", paragraph);
    }

    fn classed_paragraph(&mut self, element: &str, class: &str, paragraph: &Paragraph) {
        self.out.push('<');
        self.out.push_str(element);
        if !class.is_empty() {
            for piece in [" class=\"", class, "\""] {
                self.out.push_str(piece);
            }
        }
        self.out.push('>');
        self.paragraph_inline(paragraph);
        for piece in ["</", element, ">\n"] {
            self.out.push_str(piece);
        }
    }

    fn blocks(&mut self, blocks: &[Block]) {
        for block in blocks {
            match block {
                Block::Paragraph(paragraph) => self.paragraph("p", paragraph),
                Block::Aligned(alignment, paragraph) => {
                    let class = match alignment {
                        Alignment::Center => "center",
                        Alignment::Right => "right",
                    };
                    self.classed_paragraph("p", class, paragraph)
                }
                Block::SceneBreak => self.out.push_str("<hr class=\"scene-break\"/>\n"),
                Block::Heading(paragraph) => self.paragraph("h2", paragraph),
                Block::Quote(inner) => {
                    self.out.push_str("<blockquote>\n");
                    self.blocks(inner);
                    self.out.push_str("</blockquote>\n");
                }
                Block::List { start, items } => {
                    let element = if start.is_some() { "ol" } else { "ul" };
                    match start {
                        // XHTML 1.1 has no `start`.
                        Some(n) if *n != 1 && !self.pages.epub2() => {
                            let _ = writeln!(self.out, "<ol start=\"{n}\">");
                        }
                        _ => {
                            let _ = writeln!(self.out, "<{element}>");
                        }
                    }
                    for item in items {
                        self.out.push_str("<li>");
                        if let [Block::Paragraph(paragraph)] = item.as_slice() {
                            // A tight item: its text without a paragraph around it.
                            self.paragraph_inline(paragraph);
                        } else {
                            self.out.push('\n');
                            self.blocks(item);
                        }
                        self.out.push_str("</li>\n");
                    }
                    let _ = writeln!(self.out, "</{element}>");
                }
                Block::Table(rows) => self.table(rows),
                Block::Picture(picture) => self.picture(picture),
            }
        }
    }

    /// A picture on a line of its own, no wider than the page.
    fn picture(&mut self, picture: &Picture) {
        let pictures = &self.pages.pictures;
        let Some(index) = pictures
            .iter()
            .position(|image| std::sync::Arc::ptr_eq(image, &picture.image))
        else {
            return;
        };
        let _ = writeln!(
            self.out,
            "<div class=\"picture\"><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\"/></div>",
            picture_file(index, &picture.image),
            escape_attr(&picture.alt),
            picture.image.width,
            picture.image.height
        );
    }

    /// A table, its leading rows of heading cells as its head. A heading cell names its
    /// column in the head and its row in the body; a table of heading cells only has no
    /// data for them to name, so its cells are data cells.
    fn table(&mut self, rows: &[Vec<Cell>]) {
        let any_data = rows.iter().flatten().any(|cell| !cell.header);
        let head_rows = rows
            .iter()
            .take_while(|row| any_data && row.iter().all(|cell| cell.header))
            .count()
            .min(rows.len().saturating_sub(1));
        self.out.push_str("<table>\n");
        for (n, row) in rows.iter().enumerate() {
            let in_head = n < head_rows;
            if n == 0 && in_head {
                self.out.push_str("<thead>\n");
            }
            if n == head_rows {
                self.out.push_str("<tbody>\n");
            }
            self.out.push_str("<tr>");
            for cell in row {
                let (open, close) = match (any_data && cell.header, in_head) {
                    (true, true) => ("<th scope=\"col\"", "</th>"),
                    (true, false) => ("<th scope=\"row\"", "</th>"),
                    (false, _) => ("<td", "</td>"),
                };
                self.out.push_str(open);
                if cell.columns > 1 {
                    let _ = write!(self.out, " colspan=\"{}\"", cell.columns);
                }
                if cell.rows > 1 {
                    let _ = write!(self.out, " rowspan=\"{}\"", cell.rows);
                }
                self.out.push('>');
                self.paragraph_inline(&cell.text);
                self.out.push_str(close);
            }
            self.out.push_str("</tr>\n");
            if in_head && n + 1 == head_rows {
                self.out.push_str("</thead>\n");
            }
        }
        self.out.push_str("</tbody>\n</table>\n");
    }

    /// A paragraph's content without an element of its own, as in a tight list item.
    fn paragraph_inline(&mut self, paragraph: &Paragraph) {
        self.inlines(paragraph);
    }

    fn footnote(&mut self, footnote: &Footnote) {
        let number = footnote.number;
        let id = format!("fn-{number}");
        let pages = self.pages;
        self.out
            .push_str(&pages.open_section("aside", "footnote", "footnote", Some(&id)));
        let _ = writeln!(
            self.out,
            "<p class=\"footnote-number\"><a href=\"#fnref-{number}\">{number}</a></p>"
        );
        self.blocks(&footnote.blocks);
        self.out.push_str(&pages.close_section("aside"));
    }

    fn inlines(&mut self, paragraph: &Paragraph) {
        // The closing tag of each mark still open, chosen when it opened.
        let mut closes: smallvec::SmallVec<[&'static str; 4]> = smallvec::SmallVec::new();
        paragraph.walk(|piece| match piece {
            Piece::Text(text) => self.text(text),
            Piece::Open(SpanRef::Emphasis) => self.out.push_str("<em>"),
            Piece::Close(SpanRef::Emphasis) => self.out.push_str("</em>"),
            Piece::Open(SpanRef::Strong) => self.out.push_str("<strong>"),
            Piece::Close(SpanRef::Strong) => self.out.push_str("</strong>"),
            Piece::Open(SpanRef::Marked(mark)) => {
                let (open, close) = self.mark_tags(mark);
                self.out.push_str(&open);
                closes.push(close);
            }
            Piece::Close(SpanRef::Marked(_)) => {
                self.out.push_str(closes.pop().unwrap_or("</span>"));
            }
            Piece::LineBreak => self.out.push_str("<br/>"),
            Piece::FootnoteRef(number) => self.footnote_ref(number),
        });
    }

    /// The tags of a mark. XHTML 1.1 has no `u` or `s`, so EPUB 2 books say the same
    /// with a class the stylesheet styles.
    fn mark_tags(&self, mark: &Mark) -> (String, &'static str) {
        let epub2 = self.pages.epub2();
        match mark {
            Mark::Underline if epub2 => ("<span class=\"underline\">".into(), "</span>"),
            Mark::Underline => ("<u>".into(), "</u>"),
            Mark::Strike if epub2 => ("<span class=\"strike\">".into(), "</span>"),
            Mark::Strike => ("<s>".into(), "</s>"),
            Mark::Superscript => ("<sup>".into(), "</sup>"),
            Mark::Subscript => ("<sub>".into(), "</sub>"),
            Mark::SmallCaps => ("<span class=\"small-caps\">".into(), "</span>"),
            Mark::Link(address) => (format!("<a href=\"{}\">", escape_attr(address)), "</a>"),
            Mark::Chapter(index) if *index < self.pages.book.chapters.len() => {
                (format!("<a href=\"{}\">", chapter_file(*index)), "</a>")
            }
            // A link the story did not place: its text alone (`Story::finish` takes such
            // links away; a book built by hand may still hold one).
            Mark::Internal(_) | Mark::Chapter(_) => ("<span>".into(), "</span>"),
        }
    }

    fn footnote_ref(&mut self, number: usize) {
        let Some(&chapter) = self.pages.footnote_chapters.get(&number) else {
            return;
        };
        let file = if Some(chapter) == self.chapter {
            String::new()
        } else {
            chapter_file(chapter)
        };
        let id = if Some(chapter) == self.chapter && self.referenced.insert(number) {
            format!(" id=\"fnref-{number}\"")
        } else {
            String::new()
        };
        let kind = if self.pages.epub2() {
            ""
        } else {
            " epub:type=\"noteref\" role=\"doc-noteref\""
        };
        let _ = write!(
            self.out,
            "<sup><a class=\"noteref\"{kind} href=\"{file}#fn-{number}\"{id}>{number}</a></sup>"
        );
    }

    fn text(&mut self, text: &str) {
        push_escaped(&mut self.out, text);
    }
}

/// A series position without a needless ".0".
pub(super) fn format_index(index: f64) -> String {
    if index.fract() == 0.0 && index.abs() < 1e15 {
        format!("{}", index as i64)
    } else {
        format!("{index}")
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
    push_escaped(&mut out, text);
    out
}

/// Appends text escaped for XHTML content. Characters XML forbids are left out: the
/// normalize stage removes them, but not when its clean-up rule is switched off.
fn push_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    if !has_control_or_ef(bytes) {
        // The usual case: only `&`, `<` and `>` to replace, found with a vectorized search.
        let mut copied = 0;
        for at in memchr::memchr3_iter(b'&', b'<', b'>', bytes) {
            out.push_str(&text[copied..at]);
            out.push_str(match bytes[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                _ => "&gt;",
            });
            copied = at + 1;
        }
        out.push_str(&text[copied..]);
        return;
    }
    // Byte by byte: every character that needs work starts with an ASCII byte, except
    // U+FFFE and U+FFFF, which start with 0xEF.
    let needs_work = |b: u8| {
        matches!(b, b'&' | b'<' | b'>' | 0xEF) || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    };
    let mut copied = 0;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| needs_work(b)) {
        let at = i + offset;
        let (replacement, width) = match bytes[at] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            0xEF => match text[at..].chars().next() {
                Some(c) if !is_xml_char(c) => ("", c.len_utf8()),
                _ => {
                    i = at + 1;
                    continue;
                }
            },
            _ => ("", 1),
        };
        out.push_str(&text[copied..at]);
        out.push_str(replacement);
        copied = at + width;
        i = copied;
    }
    out.push_str(&text[copied..]);
}

/// Whether the text has an ASCII control byte or a 0xEF byte (which starts U+FFFE and
/// U+FFFF), written so that it compiles to a vectorized scan.
fn has_control_or_ef(bytes: &[u8]) -> bool {
    let suspect = |b: u8| (b < 0x20) | (b == 0xEF);
    let mut chunks = bytes.chunks_exact(32);
    let found = chunks
        .by_ref()
        .any(|chunk| chunk.iter().fold(false, |seen, &b| seen | suspect(b)));
    found || chunks.remainder().iter().any(|&b| suspect(b))
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
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
        // Characters XML forbids vanish; their neighbours, multi-byte or not, stay.
        for (text, expected) in [
            ("a\u{1}b\u{0}c", "abc"),
            ("tab\tnew\nline\r", "tab\tnew\nline\r"),
            ("\u{FFFE}x\u{FFFF}\u{FFFD}\u{EFFF}", "x\u{FFFD}\u{EFFF}"),
            ("ï»¿ “é” 😀 <&>", "ï»¿ “é” 😀 &lt;&amp;&gt;"),
        ] {
            assert_eq!(escape_text(text), expected, "{text:?}");
        }
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
}
