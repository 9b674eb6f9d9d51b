//! The files around the pages: the package document (`content.opf`), the EPUB 3 navigation
//! document (`nav.xhtml`), the NCX that EPUB 2 readers use, and `META-INF/container.xml`.
//!
//! They are written with quick-xml, which escapes every text and attribute, so metadata
//! from a sidecar can never break the markup.

use super::pages::{aria_role, cover_file, format_index, picture_file};
use super::profile::Profile;
use crate::book::{Book, Paragraph};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use std::io;

/// Where a page sits among the book's landmarks: the EPUB 3 landmarks nav and the guide
/// that EPUB 2 readers (and calibre) use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landmark {
    Cover,
    TitlePage,
    Contents,
    /// Where reading starts: the first chapter.
    BodyMatter,
    Notes,
}

impl Landmark {
    /// The `epub:type` in the landmarks nav.
    fn epub_type(self) -> &'static str {
        match self {
            Landmark::Cover => "cover",
            Landmark::TitlePage => "titlepage",
            Landmark::Contents => "toc",
            Landmark::BodyMatter => "bodymatter",
            Landmark::Notes => "appendix",
        }
    }

    /// The type of the OPF 2 `guide` reference.
    fn guide_type(self) -> &'static str {
        match self {
            Landmark::Cover => "cover",
            Landmark::TitlePage => "title-page",
            Landmark::Contents => "toc",
            Landmark::BodyMatter => "text",
            Landmark::Notes => "notes",
        }
    }
}

/// What the package needs to know of one page in the reading order.
#[derive(Debug, Clone)]
pub struct Listed {
    pub file: String,
    pub title: String,
    pub landmark: Option<Landmark>,
}

impl Listed {
    /// The manifest id: the file name without `.xhtml`, which is a valid XML name since
    /// page names are made of lower-case letters, digits and hyphens.
    fn id(&self) -> &str {
        self.file.strip_suffix(".xhtml").unwrap_or(&self.file)
    }
}

pub const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"#;

/// Tells Apple Books to use the book's own fonts and styles.
pub const APPLE_DISPLAY_OPTIONS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<display_options>
  <platform name="*">
    <option name="specified-fonts">true</option>
  </platform>
</display_options>
"#;

const NAV_FILE: &str = "nav.xhtml";
const NCX_FILE: &str = "toc.ncx";
const STYLESHEET_FILE: &str = "stylesheet.css";

/// Text that goes into XML: characters XML forbids are left out, as on the pages.
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        })
        .collect()
}

fn new_writer() -> io::Result<Writer<Vec<u8>>> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    Ok(writer)
}

fn finish(writer: Writer<Vec<u8>>) -> Vec<u8> {
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    bytes
}

/// `<name>text</name>` with the given attributes.
/// The `n`th author, as a `dc:creator` of its own with the role and sort name readers file
/// the book under: one element per author, so that libraries list each one.
fn write_creator(w: &mut Writer<Vec<u8>>, author: &str, n: usize, epub3: bool) -> io::Result<()> {
    let file_as = super::file_as(author);
    // The first author keeps the id books had before co-authors were kept apart.
    let id = match n {
        1 => "author".to_string(),
        n => format!("author-{n}"),
    };
    let refines = format!("#{id}");
    if epub3 {
        text_element(w, "dc:creator", &[("id", &id)], author)?;
        text_element(
            w,
            "meta",
            &[
                ("refines", &refines),
                ("property", "role"),
                ("scheme", "marc:relators"),
            ],
            "aut",
        )?;
        text_element(
            w,
            "meta",
            &[("refines", &refines), ("property", "file-as")],
            &file_as,
        )
    } else {
        text_element(
            w,
            "dc:creator",
            &[("opf:role", "aut"), ("opf:file-as", &file_as)],
            author,
        )
    }
}

fn text_element(
    writer: &mut Writer<Vec<u8>>,
    name: &str,
    attributes: &[(&str, &str)],
    text: &str,
) -> io::Result<()> {
    let text = xml_text(text);
    writer
        .create_element(name)
        .with_attributes(attributes.iter().copied())
        .write_text_content(BytesText::new(&text))?;
    Ok(())
}

/// `<name attributes/>`.
fn empty_element(
    writer: &mut Writer<Vec<u8>>,
    name: &str,
    attributes: &[(&str, &str)],
) -> io::Result<()> {
    let attributes: Vec<(&str, String)> = attributes
        .iter()
        .map(|&(key, value)| (key, xml_text(value)))
        .collect();
    writer
        .create_element(name)
        .with_attributes(attributes.iter().map(|(k, v)| (*k, v.as_str())))
        .write_empty()?;
    Ok(())
}

/// The book's description as one text: its paragraphs, one to a line.
fn description(book: &Book) -> Option<String> {
    if book.description.is_empty() {
        return None;
    }
    let paragraphs: Vec<String> = book.description.iter().map(Paragraph::plain_text).collect();
    Some(paragraphs.join("\n"))
}

/// The accessibility metadata: what a reader needs to know before choosing the book.
fn accessibility(has_cover: bool, has_pictures: bool) -> Vec<(&'static str, &'static str)> {
    let mut meta = vec![("schema:accessMode", "textual")];
    if has_cover || has_pictures {
        meta.push(("schema:accessMode", "visual"));
    }
    meta.push(("schema:accessModeSufficient", "textual"));
    for feature in ["tableOfContents", "structuralNavigation", "readingOrder"] {
        meta.push(("schema:accessibilityFeature", feature));
    }
    if has_cover {
        meta.push(("schema:accessibilityFeature", "alternativeText"));
    }
    meta.push(("schema:accessibilityHazard", "none"));
    meta.push((
        "schema:accessibilitySummary",
        if has_cover {
            "Text with headings, a table of contents and landmarks, in reading order. The \
             cover image has a text alternative."
        } else {
            "Text with headings, a table of contents and landmarks, in reading order."
        },
    ));
    meta
}

/// `content.opf`: the metadata, the manifest of every file, the reading order and the guide.
pub fn package_document(
    book: &Book,
    profile: Profile,
    identifier: &str,
    pages: &[Listed],
) -> io::Result<Vec<u8>> {
    let epub3 = !profile.xhtml11;
    let meta = &book.metadata;
    let language = meta.language.as_str();
    let mut writer = new_writer()?;
    let mut package = writer
        .create_element("package")
        .with_attribute(("xmlns", "http://www.idpf.org/2007/opf"))
        .with_attribute(("version", if epub3 { "3.0" } else { "2.0" }))
        .with_attribute(("unique-identifier", "book-id"));
    if epub3 {
        // OPF 2.0 has no `xml:lang` on the package.
        package = package.with_attribute(("xml:lang", language));
    }
    package.write_inner_content(|w| {
        let mut metadata = w
            .create_element("metadata")
            .with_attribute(("xmlns:dc", "http://purl.org/dc/elements/1.1/"));
        if !epub3 {
            metadata = metadata.with_attribute(("xmlns:opf", "http://www.idpf.org/2007/opf"));
        }
        metadata.write_inner_content(|w| write_metadata(w, book, epub3, identifier))?;
        w.create_element("manifest")
            .write_inner_content(|w| write_manifest(w, book, epub3, pages))?;
        w.create_element("spine")
            .with_attribute(("toc", "ncx"))
            .write_inner_content(|w| {
                for page in pages {
                    empty_element(w, "itemref", &[("idref", page.id())])?;
                }
                Ok(())
            })?;
        // Every guide entry points at a page in the reading order: calibre adds any other
        // page it finds there to the end of the book.
        w.create_element("guide").write_inner_content(|w| {
            for page in pages {
                if let Some(landmark) = page.landmark {
                    empty_element(
                        w,
                        "reference",
                        &[
                            ("type", landmark.guide_type()),
                            ("title", &page.title),
                            ("href", &page.file),
                        ],
                    )?;
                }
            }
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(finish(writer))
}

fn write_metadata(
    w: &mut Writer<Vec<u8>>,
    book: &Book,
    epub3: bool,
    identifier: &str,
) -> io::Result<()> {
    let meta = &book.metadata;
    if epub3 {
        text_element(w, "dc:identifier", &[("id", "book-id")], identifier)?;
    } else {
        text_element(
            w,
            "dc:identifier",
            &[("id", "book-id"), ("opf:scheme", "UUID")],
            identifier,
        )?;
    }
    text_element(w, "dc:title", &[], &meta.title)?;
    for (n, author) in meta.authors.iter().enumerate() {
        write_creator(w, author, n + 1, epub3)?;
    }
    text_element(w, "dc:language", &[], &meta.language)?;
    if let Some(published) = meta.published {
        if epub3 {
            let date = published.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            text_element(w, "dc:date", &[], &date)?;
        } else {
            let date = published.format("%Y-%m-%d").to_string();
            text_element(w, "dc:date", &[("opf:event", "publication")], &date)?;
        }
    }
    if let Some(publisher) = &meta.publisher {
        text_element(w, "dc:publisher", &[], publisher)?;
    }
    if let Some(source) = &meta.source {
        text_element(w, "dc:source", &[], source)?;
    }
    if let Some(rights) = &meta.rights {
        text_element(w, "dc:rights", &[], rights)?;
    }
    if let Some(description) = description(book) {
        text_element(w, "dc:description", &[], &description)?;
    }
    // Every kind is a subject: that is where calibre and other libraries look for tags.
    for tag in &meta.tags {
        text_element(w, "dc:subject", &[], &tag.name)?;
    }
    if epub3 {
        let modified = meta.modified.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        text_element(w, "meta", &[("property", "dcterms:modified")], &modified)?;
    } else {
        let modified = meta.modified.format("%Y-%m-%d").to_string();
        text_element(w, "dc:date", &[("opf:event", "modification")], &modified)?;
    }
    if let Some(series) = &meta.series {
        let index = series.index.map(format_index);
        if epub3 {
            text_element(
                w,
                "meta",
                &[("property", "belongs-to-collection"), ("id", "series")],
                &series.name,
            )?;
            text_element(
                w,
                "meta",
                &[("refines", "#series"), ("property", "collection-type")],
                "series",
            )?;
            if let Some(index) = &index {
                text_element(
                    w,
                    "meta",
                    &[("refines", "#series"), ("property", "group-position")],
                    index,
                )?;
            }
        }
        // calibre and older readers know series only from these.
        empty_element(
            w,
            "meta",
            &[("name", "calibre:series"), ("content", &series.name)],
        )?;
        if let Some(index) = &index {
            empty_element(
                w,
                "meta",
                &[("name", "calibre:series_index"), ("content", index)],
            )?;
        }
    }
    for (property, value) in accessibility(meta.cover.is_some(), !book.pictures().is_empty()) {
        if epub3 {
            text_element(w, "meta", &[("property", property)], value)?;
        } else {
            empty_element(w, "meta", &[("name", property), ("content", value)])?;
        }
    }
    if meta.cover.is_some() {
        empty_element(w, "meta", &[("name", "cover"), ("content", "cover-image")])?;
    }
    Ok(())
}

fn write_manifest(
    w: &mut Writer<Vec<u8>>,
    book: &Book,
    epub3: bool,
    pages: &[Listed],
) -> io::Result<()> {
    empty_element(
        w,
        "item",
        &[
            ("id", "ncx"),
            ("href", NCX_FILE),
            ("media-type", "application/x-dtbncx+xml"),
        ],
    )?;
    if epub3 {
        empty_element(
            w,
            "item",
            &[
                ("id", "nav"),
                ("href", NAV_FILE),
                ("media-type", "application/xhtml+xml"),
                ("properties", "nav"),
            ],
        )?;
    }
    empty_element(
        w,
        "item",
        &[
            ("id", "stylesheet"),
            ("href", STYLESHEET_FILE),
            ("media-type", "text/css"),
        ],
    )?;
    if let Some(cover) = &book.metadata.cover {
        let file = cover_file(cover);
        let mut attributes = vec![
            ("id", "cover-image"),
            ("href", file.as_str()),
            ("media-type", cover.kind.media_type()),
        ];
        if epub3 {
            attributes.push(("properties", "cover-image"));
        }
        empty_element(w, "item", &attributes)?;
    }
    for (index, image) in book.pictures().iter().enumerate() {
        let id = format!("picture-{}", index + 1);
        let file = picture_file(index, image);
        empty_element(
            w,
            "item",
            &[
                ("id", id.as_str()),
                ("href", file.as_str()),
                ("media-type", image.kind.media_type()),
            ],
        )?;
    }
    for page in pages {
        let mut attributes = vec![
            ("id", page.id()),
            ("href", page.file.as_str()),
            ("media-type", "application/xhtml+xml"),
        ];
        // The cover page is the one page drawn in SVG.
        if epub3 && page.landmark == Some(Landmark::Cover) {
            attributes.push(("properties", "svg"));
        }
        empty_element(w, "item", &attributes)?;
    }
    Ok(())
}

/// `nav.xhtml`: the table of contents and the landmarks for EPUB 3 reading systems. It is
/// not in the reading order; the book's own contents page is.
pub fn navigation_document(book: &Book, pages: &[Listed]) -> io::Result<Vec<u8>> {
    let language = book.metadata.language.as_str();
    let mut writer = new_writer()?;
    writer.write_event(Event::DocType(BytesText::from_escaped("html")))?;
    writer
        .create_element("html")
        .with_attribute(("xmlns", "http://www.w3.org/1999/xhtml"))
        .with_attribute(("xmlns:epub", "http://www.idpf.org/2007/ops"))
        .with_attribute(("lang", language))
        .with_attribute(("xml:lang", language))
        .write_inner_content(|w| {
            w.create_element("head").write_inner_content(|w| {
                empty_element(w, "meta", &[("charset", "utf-8")])?;
                text_element(w, "title", &[], "Contents")?;
                empty_element(
                    w,
                    "link",
                    &[
                        ("rel", "stylesheet"),
                        ("type", "text/css"),
                        ("href", STYLESHEET_FILE),
                    ],
                )?;
                Ok(())
            })?;
            w.create_element("body").write_inner_content(|w| {
                let toc_role = aria_role("toc").unwrap_or_default();
                w.create_element("nav")
                    .with_attribute(("epub:type", "toc"))
                    .with_attribute(("role", toc_role))
                    .with_attribute(("id", "toc"))
                    .with_attribute(("aria-labelledby", "toc-title"))
                    .write_inner_content(|w| {
                        text_element(w, "h1", &[("id", "toc-title")], "Contents")?;
                        w.create_element("ol").write_inner_content(|w| {
                            for page in pages {
                                nav_entry(w, &[("href", &page.file)], &page.title)?;
                            }
                            Ok(())
                        })?;
                        Ok(())
                    })?;
                // Reading systems offer the landmarks in their own menus; on the page they
                // would repeat the contents.
                w.create_element("nav")
                    .with_attribute(("epub:type", "landmarks"))
                    .with_attribute(("id", "landmarks"))
                    .with_attribute(("aria-label", "Landmarks"))
                    .with_attribute(("hidden", "hidden"))
                    .write_inner_content(|w| {
                        w.create_element("ol").write_inner_content(|w| {
                            for page in pages {
                                if let Some(landmark) = page.landmark {
                                    nav_entry(
                                        w,
                                        &[
                                            ("epub:type", landmark.epub_type()),
                                            ("href", &page.file),
                                        ],
                                        &page.title,
                                    )?;
                                }
                            }
                            Ok(())
                        })?;
                        Ok(())
                    })?;
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(finish(writer))
}

/// `<li><a …>title</a></li>`.
fn nav_entry(w: &mut Writer<Vec<u8>>, link: &[(&str, &str)], title: &str) -> io::Result<()> {
    w.create_element("li")
        .write_inner_content(|w| text_element(w, "a", link, title))?;
    Ok(())
}

/// `toc.ncx`: the table of contents of EPUB 2 reading systems, which many EPUB 3 readers
/// still use.
pub fn ncx(book: &Book, identifier: &str, pages: &[Listed]) -> io::Result<Vec<u8>> {
    let meta = &book.metadata;
    let mut writer = new_writer()?;
    writer
        .create_element("ncx")
        .with_attribute(("xmlns", "http://www.daisy.org/z3986/2005/ncx/"))
        .with_attribute(("version", "2005-1"))
        .with_attribute(("xml:lang", meta.language.as_str()))
        .write_inner_content(|w| {
            w.create_element("head").write_inner_content(|w| {
                for (name, content) in [
                    ("dtb:uid", identifier),
                    ("dtb:depth", "1"),
                    ("dtb:totalPageCount", "0"),
                    ("dtb:maxPageNumber", "0"),
                ] {
                    empty_element(w, "meta", &[("name", name), ("content", content)])?;
                }
                Ok(())
            })?;
            w.create_element("docTitle")
                .write_inner_content(|w| text_element(w, "text", &[], &meta.title))?;
            for author in &meta.authors {
                w.create_element("docAuthor")
                    .write_inner_content(|w| text_element(w, "text", &[], author))?;
            }
            w.create_element("navMap").write_inner_content(|w| {
                for (n, page) in pages.iter().enumerate() {
                    let id = format!("navpoint-{}", n + 1);
                    let order = (n + 1).to_string();
                    w.create_element("navPoint")
                        .with_attribute(("id", id.as_str()))
                        .with_attribute(("playOrder", order.as_str()))
                        .write_inner_content(|w| {
                            w.create_element("navLabel").write_inner_content(|w| {
                                text_element(w, "text", &[], &page.title)
                            })?;
                            empty_element(w, "content", &[("src", &page.file)])
                        })?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(finish(writer))
}
