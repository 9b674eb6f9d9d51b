//! EPUB books (2 and 3), read through their package document: metadata from the OPF,
//! chapters in spine order titled by the table of contents or their headings, and the
//! front matter the source tool added (cover, title and contents pages) left out. An AO3
//! book, which calibre made by splitting AO3's HTML download, is read as that download.
//!
//! The archive is opened with the same guards as `ficbind check`: limits on entries and
//! sizes are checked before anything is decompressed, and names that leave the book are
//! refused.

use super::dom::{self, Item};
use super::html::{self, Found};
use super::ReadError;
use crate::check::{is_safe_name, MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_TOTAL_BYTES};
use crate::sidecar::{DateValue, Number, Sidecar};
use crate::story::{Paragraph, RawBlock, Story};
use crate::unzip::InflateError;
use quick_xml::events::Event;
use quick_xml::Reader;
use rayon::prelude::*;
use scraper::{Html, Selector};
use std::collections::HashMap;
use std::io::{Cursor, Read};

fn broken(problem: impl Into<String>) -> ReadError {
    ReadError::BrokenEpub(problem.into())
}

pub(super) fn read_epub(bytes: &[u8]) -> Result<Found, ReadError> {
    let mut book = Book::open(bytes)?;
    book.refuse_drm()?;
    let opf_path = book.rootfile()?;
    let opf = book.read(&opf_path).map_err(broken)?;
    let package = Package::parse(&opf, &opf_path)?;
    let labels = book.contents_labels(&package);
    let mut warnings = Vec::new();
    let cover = match &package.cover {
        Some(path) => match book.read(path) {
            Ok(bytes) => Some(bytes),
            Err(error) => {
                warnings.push(format!("its cover {path}: {error}; it was not used"));
                None
            }
        },
        None => None,
    };
    // Pages are decompressed on every core, each core with its own handle on the archive.
    let read: Vec<(&SpineItem, Result<String, String>)> = package
        .spine
        .par_iter()
        .filter(|item| item.media_type.contains("html"))
        .map_init(
            || book.clone(),
            |book, item| (item, book.read(&item.path).map(utf8)),
        )
        .collect();
    let mut pages = Vec::new();
    for (item, text) in read {
        match text {
            Ok(text) => pages.push((item, text)),
            Err(error) => warnings.push(format!("{}: {error}; it was left out", item.path)),
        }
    }
    if pages.is_empty() {
        return Err(broken("its reading order holds no page that can be read"));
    }

    // AO3's books are its HTML download split into pages: read them as that download.
    let is_ao3 = package.metadata.publisher.as_deref() == Some("Archive of Our Own")
        || pages
            .iter()
            .any(|(_, text)| text.contains("id=\"preface\""));
    if is_ao3 {
        // Each page is read on its own, on every core; the pages' parts then go back
        // together in order (`html::ao3_from_pages`), as if read from the one download.
        let read: Vec<html::Ao3Page> = pages
            .par_iter()
            .map(|(item, text)| {
                let page = format!("<html><body>{}</body></html>", body_of(text));
                let xhtml = is_xhtml(item);
                // Pages of chapter text are read from their tags, without a tree.
                xhtml
                    .then(|| super::tree::xhtml_events(&page))
                    .flatten()
                    .and_then(|events| html::ao3_text_page(&events))
                    .unwrap_or_else(|| html::ao3_page(&super::tree::parse_page(&page, xhtml)))
            })
            .collect();
        if let Some(mut found) = html::ao3_from_pages(read) {
            found.metadata = std::mem::take(&mut found.metadata).or(package.metadata);
            found.warnings.splice(0..0, warnings);
            found.story = std::mem::take(&mut found.story).finish()?;
            found.layout = "Archive of Our Own (EPUB)";
            found.cover = cover;
            return Ok(found);
        }
    }

    let mut chapters = Vec::new();
    let mut description = Vec::new();
    let mut pictures = Pictures::default();
    // Pages are read on every core, each page's text going as soon as it is parsed: a
    // long book is held once, as its story, not twice.
    let pages: Vec<(&SpineItem, dom::Page)> = pages
        .into_par_iter()
        .filter(|(item, _)| package.nav.as_deref() != Some(item.path.as_str()))
        .map(|(item, text)| {
            let document = super::tree::parse_page(&text, is_xhtml(item));
            drop(text);
            let root = document.root_element();
            let body = root.select(&selector("body")).next().unwrap_or(root);
            (item, dom::page(body))
        })
        .collect();
    for (item, mut page) in pages {
        // Links to other pages are kept as the pages' paths until the chapters are known.
        let mut to_path = |key: &str| {
            let path = match key.strip_prefix('#') {
                Some(_) => item.path.clone(),
                None => resolve(&item.path, key),
            };
            Some(crate::story::Mark::Internal(path))
        };
        for page_item in &mut page.items {
            if let Item::Block(block) = page_item {
                let blocks = std::slice::from_mut(block);
                pictures.find(blocks, &item.path, &mut book, &mut warnings);
                crate::story::for_each_in_blocks(blocks, &mut |p| p.retarget_links(&mut to_path));
            }
        }
        for (_, paragraphs) in &mut page.notes {
            paragraphs
                .iter_mut()
                .for_each(|p| p.retarget_links(&mut to_path));
        }
        for src in &page.images {
            if src.contains("://") {
                warnings.push(format!(
                    "the picture at {src} is on the web, not in the book: its description \
                     stands in its place"
                ));
            }
        }
        let words: usize = page
            .items
            .iter()
            .map(|item| match item {
                Item::Heading { text, .. } => crate::words::count_words(text),
                Item::Block(block) => block.word_count(),
            })
            .sum();
        let label = labels.get(&item.path).cloned();
        if words == 0 && page.notes.is_empty() {
            continue;
        }
        if is_front_matter(&item.path, label.as_deref(), words) {
            // FicHub's introduction and similar pages carry the summary.
            if description.is_empty() && item.path.contains("introduction") {
                description = summary_of(&page.items);
            }
            continue;
        }
        let mut chapter = html::chapter_of(page, label);
        chapter.anchors.push(item.path.clone());
        chapters.push(chapter);
    }
    let metadata = package.metadata;
    if description.is_empty() {
        description = metadata
            .description
            .as_deref()
            .map(description_paragraphs)
            .unwrap_or_default();
    }
    // A link to a page that became a chapter leads to it (`Story::finish`, by the page's
    // path among the chapter's anchors); one to a page left out is its text.
    let story = Story {
        title_line: metadata.title.clone(),
        description,
        chapters,
    }
    .finish()?;
    Ok(Found {
        story,
        metadata: Sidecar {
            description: None,
            ..metadata
        },
        layout: package.layout,
        warnings,
        cover,
    })
}

fn is_xhtml(item: &SpineItem) -> bool {
    item.media_type == "application/xhtml+xml"
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|_| panic!("{css:?} is a valid selector"))
}

/// The inside of a page's `<body>`, or the whole page when it has none.
fn body_of(page: &str) -> &str {
    // Found among the page's tags, in any case, without a lowercase copy of the page.
    let bytes = page.as_bytes();
    let tag_at = |at: usize, tag: &[u8]| {
        bytes
            .get(at..at + tag.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(tag))
    };
    let start = memchr::memchr_iter(b'<', bytes)
        .find(|&at| tag_at(at, b"<body"))
        .and_then(|at| memchr::memchr(b'>', &bytes[at..]).map(|end| at + end + 1));
    let end = memchr::memrchr_iter(b'<', bytes).find(|&at| tag_at(at, b"</body>"));
    match (start, end) {
        (Some(start), Some(end)) if start <= end => &page[start..end],
        _ => page,
    }
}

/// Pages a tool adds around the story: cover, title page, contents, information pages.
fn is_front_matter(path: &str, label: Option<&str>, words: usize) -> bool {
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .split('.')
        .next()
        .unwrap_or("")
        .to_lowercase();
    let named = [
        "cover",
        "title",
        "toc",
        "contents",
        "nav",
        "copyright",
        "info",
        "introduction",
        "colophon",
        "about",
    ]
    .iter()
    .any(|name| stem.contains(name));
    let labelled = label.is_some_and(|l| {
        matches!(
            l.trim().to_lowercase().as_str(),
            "cover" | "title page" | "title" | "contents" | "table of contents" | "information"
        )
    });
    (named || labelled) && words < 400
}

fn summary_of(items: &[Item]) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut in_summary = false;
    for item in items {
        match item {
            Item::Heading { text, .. } => in_summary = text.to_lowercase().contains("summary"),
            Item::Block(RawBlock::Paragraph(p)) if in_summary => out.push(p.clone()),
            _ => {}
        }
    }
    out
}

/// A description as calibre and others write it: HTML in the text, or plain lines.
fn description_paragraphs(text: &str) -> Vec<Paragraph> {
    if text.contains('<') {
        let document = Html::parse_fragment(text);
        let paragraphs = dom::paragraphs(document.root_element());
        if !paragraphs.is_empty() {
            return paragraphs;
        }
    }
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(Paragraph::plain)
        .collect()
}

/// The archive, checked before anything is decompressed.
#[derive(Clone)]
struct Book<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    bytes: &'a [u8],
}

impl<'a> Book<'a> {
    fn open(bytes: &'a [u8]) -> Result<Book<'a>, ReadError> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| broken(format!("its zip archive cannot be read ({e})")))?;
        if zip.len() > MAX_ENTRIES {
            return Err(broken(format!(
                "it has {} files, more than the {MAX_ENTRIES} a book can plausibly need",
                zip.len()
            )));
        }
        let mut total: u64 = 0;
        for index in 0..zip.len() {
            let entry = zip
                .by_index_raw(index)
                .map_err(|e| broken(format!("file {index} of the archive cannot be read ({e})")))?;
            let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
            if !is_safe_name(&name) {
                return Err(broken(format!(
                    "the file {name:?} would land outside the book"
                )));
            }
            total = total.saturating_add(entry.size());
            let packed = entry.compressed_size().max(1);
            if entry.size() > MAX_ENTRY_BYTES
                || total > MAX_TOTAL_BYTES
                || (entry.size() > 1024 * 1024 && entry.size() / packed > 1000)
            {
                return Err(broken(format!(
                    "{name} would decompress to {} MB, which no real book holds; it looks like \
                     a zip bomb",
                    entry.size() / (1024 * 1024)
                )));
            }
        }
        Ok(Book { zip, bytes })
    }

    /// An entry's bytes; declared sizes can lie, so reading stops just past them.
    fn read(&mut self, name: &str) -> Result<Vec<u8>, String> {
        if let Some(bytes) = self.inflate(name) {
            return bytes;
        }
        let entry = self
            .zip
            .by_name(name)
            .map_err(|_| format!("{name} is not in the book"))?;
        let limit = entry.size().min(MAX_ENTRY_BYTES);
        // Sized from the header, so that a page is not copied each time the buffer grows;
        // a header that lies only costs address space, the `take` below still holds.
        let mut bytes = Vec::with_capacity(usize::try_from(limit).map_or(0, |n| n + 1));
        entry
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name} cannot be decompressed ({e})"))?;
        if bytes.len() as u64 > limit {
            return Err(format!("{name} holds more than its header says"));
        }
        Ok(bytes)
    }

    /// A deflated entry, inflated in one call into a buffer of the size its header gives
    /// (`unzip::inflate`, half the time of the zip crate's stream), with the same checks:
    /// no byte past that size, and the checksum. `None` for any other entry.
    fn inflate(&mut self, name: &str) -> Option<Result<Vec<u8>, String>> {
        let entry = self.zip.by_name_raw(name.as_bytes()).ok()?;
        if entry.compression() != zip::CompressionMethod::Deflated || entry.size() > MAX_ENTRY_BYTES
        {
            return None;
        }
        let start = usize::try_from(entry.data_start()?).ok()?;
        let end = start.checked_add(usize::try_from(entry.compressed_size()).ok()?)?;
        let packed = self.bytes.get(start..end)?;
        let size = usize::try_from(entry.size()).ok()?;
        Some(match crate::unzip::inflate(packed, size) {
            Ok(bytes) if bytes.len() == size && crc32fast::hash(&bytes) == entry.crc32() => {
                Ok(bytes)
            }
            Ok(_) => Err(format!("{name} cannot be decompressed (invalid checksum)")),
            Err(InflateError::TooLong) => Err(format!("{name} holds more than its header says")),
            Err(InflateError::Damaged) => Err(format!(
                "{name} cannot be decompressed (its deflate data is damaged)"
            )),
        })
    }

    /// Encryption beyond font obfuscation, or a rights file, is DRM.
    fn refuse_drm(&mut self) -> Result<(), ReadError> {
        if self.zip.by_name("META-INF/rights.xml").is_ok() {
            return Err(ReadError::Drm);
        }
        if let Ok(text) = self.read("META-INF/encryption.xml") {
            let text = String::from_utf8_lossy(&text);
            let algorithms = text.matches("Algorithm=").count();
            let obfuscation = text.matches("http://www.idpf.org/2008/embedding").count()
                + text.matches("http://ns.adobe.com/pdf/enc#RC").count();
            if text.contains("EncryptedData") && algorithms > obfuscation {
                return Err(ReadError::Drm);
            }
        }
        Ok(())
    }

    fn rootfile(&mut self) -> Result<String, ReadError> {
        if let Ok(container) = self.read("META-INF/container.xml") {
            let text = String::from_utf8_lossy(&container);
            let mut reader = Reader::from_str(&text);
            loop {
                match reader.read_event() {
                    Ok(Event::Start(e) | Event::Empty(e))
                        if e.local_name().as_ref() == b"rootfile" =>
                    {
                        if let Some(path) = attribute(&e, b"full-path") {
                            return Ok(path);
                        }
                    }
                    Ok(Event::Eof) | Err(_) => break,
                    _ => {}
                }
            }
        }
        // Fimfiction's own downloads keep `book.opf` at the root.
        let names: Vec<String> = self
            .zip
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect();
        names
            .into_iter()
            .find(|n| n.ends_with(".opf"))
            .ok_or_else(|| broken("it has no package document (content.opf)"))
    }

    /// The table of contents' label for each page, from the navigation document or the NCX.
    fn contents_labels(&mut self, package: &Package) -> HashMap<String, String> {
        let mut labels = HashMap::new();
        if let Some(nav) = &package.nav {
            if let Ok(bytes) = self.read(nav) {
                let document = super::tree::parse_document(&String::from_utf8_lossy(&bytes));
                let toc = document
                    .select(&selector("nav"))
                    .find(|n| n.attr("epub:type") == Some("toc"))
                    .or_else(|| document.select(&selector("nav")).next());
                if let Some(toc) = toc {
                    for link in toc.select(&selector("a[href]")) {
                        if let Some(href) = link.attr("href") {
                            let path = resolve(nav, href);
                            labels.entry(path).or_insert_with(|| dom::text(link));
                        }
                    }
                }
            }
        }
        if labels.is_empty() {
            if let Some(ncx) = &package.ncx {
                if let Ok(bytes) = self.read(ncx) {
                    ncx_labels(&String::from_utf8_lossy(&bytes), ncx, &mut labels);
                }
            }
        }
        labels.retain(|_, label| !label.is_empty());
        labels
    }
}

fn ncx_labels(text: &str, ncx: &str, labels: &mut HashMap<String, String>) {
    let mut reader = Reader::from_str(text);
    let mut label = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"navPoint" => label.clear(),
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"text" => in_text = true,
            Ok(Event::End(e)) if e.local_name().as_ref() == b"text" => in_text = false,
            Ok(Event::Text(t)) if in_text => {
                if let Ok(t) = t.decode() {
                    label.push_str(&t);
                }
            }
            Ok(Event::GeneralRef(r)) if in_text => push_reference(&mut label, &r),
            Ok(Event::Empty(e) | Event::Start(e)) if e.local_name().as_ref() == b"content" => {
                if let Some(src) = attribute(&e, b"src") {
                    labels
                        .entry(resolve(ncx, &src))
                        .or_insert_with(|| dom::collapse(&label));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
}

/// A character or predefined entity reference, as the character it stands for; one
/// only a DTD could define is left out.
fn push_reference(out: &mut String, reference: &quick_xml::events::BytesRef) {
    out.extend(super::tree::resolve_reference(reference));
}

fn attribute(element: &quick_xml::events::BytesStart, name: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name || a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// The pictures found in the book's pages so far, by their paths in the archive, each
/// read and checked once.
#[derive(Default)]
struct Pictures {
    found: HashMap<String, Option<std::sync::Arc<crate::story::Image>>>,
    bytes: usize,
}

/// The most bytes of pictures a book keeps; past them, pictures keep their descriptions.
const MAX_PICTURE_BYTES: usize = 64 * 1024 * 1024;

impl Pictures {
    /// Gives each picture of `blocks`, on the page at `page`, its image from the book; a
    /// picture that cannot be kept has its description set in its place, with a warning.
    fn find(
        &mut self,
        blocks: &mut [RawBlock],
        page: &str,
        book: &mut Book,
        warnings: &mut Vec<String>,
    ) {
        for block in blocks {
            match block {
                RawBlock::Picture(picture) if picture.image.is_none() => {
                    let path = resolve(page, &picture.src);
                    picture.image = match self.found.get(&path) {
                        Some(image) => image.clone(),
                        None => {
                            let image = match self.read(&path, book) {
                                Ok(image) => Some(std::sync::Arc::new(image)),
                                Err(problem) => {
                                    warnings.push(format!(
                                        "the picture {path}: {problem}; its description \
                                         stands in its place"
                                    ));
                                    None
                                }
                            };
                            self.found.insert(path, image.clone());
                            image
                        }
                    }
                }
                RawBlock::Quote(inner) => self.find(inner, page, book, warnings),
                RawBlock::List { items, .. } => {
                    for item in items {
                        self.find(item, page, book, warnings);
                    }
                }
                _ => {}
            }
        }
    }

    fn read(&mut self, path: &str, book: &mut Book) -> Result<crate::story::Image, String> {
        if !is_safe_name(path) {
            return Err("its address leaves the book".into());
        }
        let bytes = book.read(path)?;
        if self.bytes + bytes.len() > MAX_PICTURE_BYTES {
            return Err(format!(
                "the book's pictures pass {} MB",
                MAX_PICTURE_BYTES / (1024 * 1024)
            ));
        }
        let image = crate::cover::checked_picture(bytes).map_err(str::to_string)?;
        self.bytes += image.bytes.len();
        Ok(image)
    }
}

/// A page's text. Nearly every page is valid UTF-8 and is kept without a copy; a page that
/// is not gets U+FFFD for its bad bytes.
fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// A link from the file `from`, as a path inside the archive, without its fragment.
fn resolve(from: &str, href: &str) -> String {
    let folder = from.rfind('/').map_or("", |at| &from[..=at]);
    crate::check::resolve(folder, href)
}

struct SpineItem {
    path: String,
    media_type: String,
}

/// What the package document says.
struct Package {
    metadata: Sidecar,
    /// The picture the package names as the book's cover: EPUB 3's `cover-image`, or
    /// EPUB 2's `<meta name="cover">`.
    cover: Option<String>,
    spine: Vec<SpineItem>,
    nav: Option<String>,
    ncx: Option<String>,
    layout: &'static str,
}

impl Package {
    fn parse(bytes: &[u8], path: &str) -> Result<Package, ReadError> {
        let text = String::from_utf8_lossy(bytes);
        let mut reader = Reader::from_str(&text);
        let mut metadata = Sidecar::default();
        let mut authors = Vec::new();
        let mut tags = Vec::new();
        let mut manifest: HashMap<String, (String, String, String)> = HashMap::new();
        let mut spine_ids = Vec::new();
        let mut toc_id = None;
        let mut collection_id = None;
        let mut current: Option<String> = None;
        let mut value = String::new();
        let mut generator = String::new();
        let mut cover_id = None;
        loop {
            let event = reader
                .read_event()
                .map_err(|e| broken(format!("its package document {path} is not XML ({e})")))?;
            match event {
                Event::Start(e) | Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    match name.as_str() {
                        "item" => {
                            let id = attribute(&e, b"id").unwrap_or_default();
                            let href = attribute(&e, b"href").unwrap_or_default();
                            let media = attribute(&e, b"media-type").unwrap_or_default();
                            let properties = attribute(&e, b"properties").unwrap_or_default();
                            manifest.insert(id, (resolve(path, &href), media, properties));
                        }
                        "itemref" if attribute(&e, b"linear").as_deref() != Some("no") => {
                            spine_ids.extend(attribute(&e, b"idref"));
                        }
                        "spine" => toc_id = attribute(&e, b"toc"),
                        "meta" => {
                            let content = attribute(&e, b"content");
                            match (attribute(&e, b"name").as_deref(), content) {
                                (Some("calibre:series"), Some(series)) => {
                                    metadata.series = Some(series)
                                }
                                (Some("calibre:series_index"), Some(index)) => {
                                    metadata.series_index = series_index(&index)
                                }
                                (Some("generator"), Some(g)) => generator = g,
                                (Some("cover"), Some(id)) => cover_id = Some(id),
                                _ => {}
                            }
                            if attribute(&e, b"property").as_deref()
                                == Some("belongs-to-collection")
                            {
                                collection_id = attribute(&e, b"id");
                                current = Some("collection".to_string());
                            } else {
                                current = None;
                            }
                            value.clear();
                        }
                        "title" | "creator" | "language" | "description" | "subject"
                        | "publisher" | "date" | "source" | "rights" | "identifier" => {
                            current = Some(name);
                            value.clear();
                        }
                        _ => {}
                    }
                }
                Event::Text(t) if current.is_some() => {
                    if let Ok(t) = t.decode() {
                        value.push_str(&t);
                    }
                }
                Event::GeneralRef(r) if current.is_some() => push_reference(&mut value, &r),
                Event::CData(t) if current.is_some() => {
                    value.push_str(&String::from_utf8_lossy(&t));
                }
                Event::End(_) => {
                    if let Some(field) = current.take() {
                        let v = value.trim().to_string();
                        if !v.is_empty() {
                            match field.as_str() {
                                "title" => {
                                    metadata.title.get_or_insert(dom::collapse(&v));
                                }
                                "creator" => authors.push(dom::collapse(&v)),
                                "language" => {
                                    metadata.language.get_or_insert(v);
                                }
                                "description" => metadata.description = Some(v),
                                "subject" => tags.push(dom::collapse(&v)),
                                "publisher" => metadata.publisher = Some(dom::collapse(&v)),
                                "date" if metadata.published.is_none() => {
                                    let day = DateValue::Text(v.chars().take(10).collect());
                                    if crate::sidecar::published_date(&day).is_ok() {
                                        metadata.published = Some(day);
                                    }
                                }
                                "source" if v.contains("://") => metadata.source = Some(v),
                                "identifier" if v.starts_with("http") => {
                                    metadata.source.get_or_insert(v);
                                }
                                "rights" => metadata.rights = Some(v),
                                "collection" if collection_id.is_some() => {
                                    metadata.series.get_or_insert(v);
                                }
                                _ => {}
                            }
                        }
                        value.clear();
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        metadata.author = (!authors.is_empty()).then_some(authors);
        tags.retain(|t| !t.is_empty() && t != "Fanworks");
        metadata.tags = (!tags.is_empty()).then_some(tags);
        let nav = manifest
            .values()
            .find(|(_, _, properties)| properties.split_whitespace().any(|p| p == "nav"))
            .map(|(href, _, _)| href.clone());
        let ncx = toc_id
            .and_then(|id| manifest.get(&id).map(|(href, _, _)| href.clone()))
            .or_else(|| {
                manifest
                    .values()
                    .find(|(_, media, _)| media == "application/x-dtbncx+xml")
                    .map(|(href, _, _)| href.clone())
            });
        let spine = spine_ids
            .iter()
            .filter_map(|id| manifest.get(id))
            .map(|(href, media, _)| SpineItem {
                path: href.clone(),
                media_type: media.clone(),
            })
            .collect();
        let publisher = metadata
            .publisher
            .clone()
            .unwrap_or_default()
            .to_lowercase();
        let source = metadata.source.clone().unwrap_or_default();
        let layout = if generator.to_lowercase().contains("fanficfare")
            || manifest
                .values()
                .any(|(href, _, _)| href.ends_with("title_page.xhtml"))
        {
            "FanFicFare"
        } else if generator.to_lowercase().contains("fichub") || publisher.contains("fichub") {
            "FicHub"
        } else if source.contains("fimfiction") || publisher.contains("fimfiction") {
            "Fimfiction"
        } else {
            "EPUB"
        };
        let is_picture = |(_, media, _): &&(String, String, String)| media.starts_with("image/");
        let cover = manifest
            .values()
            .filter(is_picture)
            .find(|(_, _, properties)| properties.split_whitespace().any(|p| p == "cover-image"))
            .or_else(|| cover_id.and_then(|id| manifest.get(&id)).filter(is_picture))
            .map(|(href, _, _)| href.clone());
        Ok(Package {
            metadata,
            cover,
            spine,
            nav,
            ncx,
            layout,
        })
    }
}

fn series_index(text: &str) -> Option<Number> {
    let value: f64 = text.trim().parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    Some(if value.fract() == 0.0 {
        Number::Integer(value as i64)
    } else {
        Number::Float(value)
    })
}

#[cfg(test)]
mod tests {
    /// The page as `read_epub` gives it to the AO3 readers, read both ways: from its tags,
    /// when that path takes it, and from its tree.
    fn read_both_ways(page: &str) -> (Option<String>, String) {
        let page = format!("<html><body>{}</body></html>", body_of(page));
        let streamed = crate::read::tree::xhtml_events(&page)
            .and_then(|events| html::ao3_text_page(&events))
            .map(|read| format!("{read:#?}"));
        let tree = html::ao3_page(&crate::read::tree::parse_page(&page, true));
        (streamed, format!("{tree:#?}"))
    }

    fn page(body: &str) -> String {
        format!(
            "<?xml version='1.0' encoding='utf-8'?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\
             <head><title>T</title></head>\n<body class=\"calibre\">\n{body}\n</body></html>"
        )
    }

    #[test]
    fn streamed_pages_read_as_their_trees() {
        // Pages of chapter text, which are read from their tags.
        let streamed = [
            r##"<div id="chapters" class="userstuff1"><div class="calibre1">
               <h2 class="heading" id="calibre_toc_4">Chapter 2: <a id="x"/>The  Storm</h2>
               </div>
               <div class="userstuff2"><p class="calibre7">It was ''late'', she said.<br class="calibre1"/> <br/>Then <i>she <b>left</b></i> &amp; ran&#8230;</p>
               <p>  </p><p>* * *</p><!-- a comment -->
               <p style="text-align: center">Centred <span style="font-style: italic">text</span></p>
               <p align="right">Right <u>under</u> <s>gone</s> H<sub>2</sub>O x<sup>2</sup></p>
               <p class="center">By class, <a href="https://example.com/x?a=1&amp;b=2">out</a>,
               <a href="#note">in</a>, <a href="chapter2.xhtml#top">there</a>, <a>nowhere</a>.</p>
               <hr/><p>After the rule, <small>small</small> and <abbr>ABBR</abbr>; <span class="smallcaps">caps</span>.</p>
               <div class="calibre3"><p>Nested <em>block</em></p>Loose text after it</div>
               <p/><P>Upper case</P><p>Line one&#13;&#10;line two</p>
               </div>
               Text directly in the area.
               <div class="calibre1"><div class="calibre10" id="calibre_pb_6"></div></div>
               </div>"##,
            r##"<div id="chapters"><div class="toc"><h2 class="toc-heading">Prologue</h2></div>
               <div class="userstuff"></div><div class="userstuff">Text in no paragraph</div>
               <div class="plain">Text in no paragraph, in a div of no known class</div></div>"##,
            r##"<div id="chapters"><div class="userstuff"><p>Before</p>
               <blockquote class="userstuff"><p>Quoted <em>words</em></p><p>and more</p>
               <blockquote><ul><li>deep</li></ul></blockquote></blockquote>
               <ol start="3"> <li>Three</li><li/><li><p>Four</p><p>and a half</p></li>text
               <li><ul><li>inner</li></ul></li></ol><ul></ul><ol start="x"><li>One</li></ol>
               <p><img src="images/a.png" alt="A  picture"/></p>
               <p>Smile <img src="images/s.png" alt="smile"/> now, <img src="https://example.com/x.png" alt="remote"/>.</p>
               <p><img src="https://example.com/y.png"/></p><blockquote> </blockquote></div></div>"##,
            r##"<div id="chapters"><div class="x"><h2 class="heading"> </h2></div>
               <div><p><em><em><em><em><em><em><em><em><em><em>deep</em></em></em></em></em></em></em></em></em></em></p></div></div>"##,
        ];
        for body in streamed {
            let (fast, tree) = read_both_ways(&page(body));
            assert_eq!(fast.as_deref(), Some(tree.as_str()), "{body}");
        }
        // Pages with more in them are left to the tree.
        let deep = format!(
            "<div id=\"chapters\"><div><p>x</p>{}deep{}</div></div>",
            "<blockquote>".repeat(20),
            "</blockquote>".repeat(20)
        );
        let left_to_the_tree = [
            r##"<div id="preface"><h1>Title</h1></div><div id="chapters"><div><p>Text</p></div></div>"##,
            r##"<div id="chapters"><div class="meta group"><h2 class="heading">One</h2></div></div>"##,
            r##"<div id="chapters"><div id="endnotes1"><p>Notes</p></div></div>"##,
            r##"<div id="chapters"><div><p>x</p><table><tr><td>a</td><td>b</td></tr></table></div></div>"##,
            r##"<div id="chapters"><div><p>x</p><ul><li><table><tr><td>a</td></tr></table></li></ul></div></div>"##,
            r##"<div id="chapters"><div><p><img src="a.png">alt</img></p></div></div>"##,
            deep.as_str(),
            r##"<div id="chapters"><div><p id="authors-note">Note</p></div></div>"##,
            r##"<div id="chapters"><div><h3>Inner heading</h3><p>Text</p></div></div>"##,
            r##"<div id="chapters"><div class="userstuff"><h2>Inner heading</h2><p>x</p></div></div>"##,
            r##"<div id="chapters"><div><p>a<br>b</br></p></div></div>"##,
            r##"<div id="chapters"><div><p>x</p><pre>x</pre></div></div>"##,
            r##"<div id="chapters"><h2 class="toc-heading">Bare heading</h2></div>"##,
            r##"<div id="chapters"><div><p>Text</p></div></div><div><p>More</p></div>"##,
            r##"<div id="chapters"><div><svg xmlns="http://www.w3.org/2000/svg"/></div></div>"##,
            r##"<div id="chapters"><div><p>Unknown &nbsp; entity</p></div></div>"##,
            r##"<div id="chapters"><div><p>Unclosed</div></div>"##,
        ];
        for body in left_to_the_tree {
            let (fast, tree) = read_both_ways(&page(body));
            assert_eq!(fast, None, "{body}\n{tree}");
        }
    }

    #[test]
    fn real_ao3_epub_pages_read_as_their_trees() {
        let folder =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/exports/ao3");
        let Ok(entries) = std::fs::read_dir(&folder) else {
            assert_ne!(
                std::env::var("REQUIRE_SHARED_SAMPLES").as_deref(),
                Ok("1"),
                "REQUIRE_SHARED_SAMPLES=1 but {} is missing",
                folder.display()
            );
            return;
        };
        let mut streamed = 0;
        for path in entries.filter_map(Result::ok).map(|e| e.path()) {
            if path.extension().and_then(|e| e.to_str()) != Some("epub") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("the sample reads");
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
            for index in 0..zip.len() {
                let mut entry = zip.by_index(index).expect("an entry");
                let name = entry.name().expect("a name").to_string();
                if !name.ends_with("html") {
                    continue;
                }
                let mut text = String::new();
                std::io::Read::read_to_string(&mut entry, &mut text).expect("UTF-8");
                let (fast, tree) = read_both_ways(&text);
                if let Some(fast) = fast {
                    assert_eq!(fast, tree, "{} {name}", path.display());
                    streamed += 1;
                }
            }
        }
        assert!(
            streamed > 0,
            "no page of the AO3 samples was read from its tags"
        );
    }

    #[test]
    fn the_body_is_found_in_any_case() {
        for (page, body) in [
            ("<html><body class=\"x\"><p>a</p></body></html>", "<p>a</p>"),
            ("<HTML><BODY><p>b</p></BODY></HTML>", "<p>b</p>"),
            ("<p>no body</p>", "<p>no body</p>"),
            ("<body><p>c</p>", "<body><p>c</p>"),
            ("</body><body>", "</body><body>"),
        ] {
            assert_eq!(super::body_of(page), body, "{page}");
        }
    }

    use super::*;

    #[test]
    fn links_resolve_inside_the_archive() {
        assert_eq!(
            resolve("OEBPS/content.opf", "text/ch%201.xhtml#x"),
            "OEBPS/text/ch 1.xhtml"
        );
        assert_eq!(
            resolve("OEBPS/text/nav.xhtml", "../ch1.xhtml"),
            "OEBPS/ch1.xhtml"
        );
        assert_eq!(resolve("book.opf", "chapter-1.html"), "chapter-1.html");
    }

    /// A zip of one deflated page, with `tamper` applied to its bytes and to the offset of
    /// its entry in the central directory.
    fn one_page_zip(text: &[u8], tamper: impl Fn(&mut Vec<u8>, usize)) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("page.xhtml", deflated).expect("an entry");
        zip.write_all(text).expect("written");
        let mut bytes = zip.finish().expect("a zip").into_inner();
        let central = bytes
            .windows(4)
            .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .expect("a central directory");
        tamper(&mut bytes, central);
        bytes
    }

    /// A change made to a zip's bytes, given the offset of its central directory entry.
    type Tamper = fn(&mut Vec<u8>, usize);

    #[test]
    fn entries_are_inflated_with_their_sizes_and_checksums_checked() {
        let text = "<p>The lamp above the door.</p>\n".repeat(200);
        // Central directory entry: CRC-32 at 16, compressed size at 20, size at 24.
        let cases: [(&str, Tamper, Result<(), &str>); 4] = [
            ("whole", |_, _| {}, Ok(())),
            (
                "checksum changed",
                |zip, central| zip[central + 16] ^= 0xff,
                Err("page.xhtml cannot be decompressed (invalid checksum)"),
            ),
            (
                "size understated",
                |zip, central| zip[central + 25] = 0,
                Err("page.xhtml holds more than its header says"),
            ),
            (
                "data damaged",
                |zip, _| {
                    let data = 30 + "page.xhtml".len();
                    zip[data..data + 8].fill(0xff);
                },
                Err("page.xhtml cannot be decompressed (its deflate data is damaged)"),
            ),
        ];
        for (case, tamper, expected) in cases {
            let zip = one_page_zip(text.as_bytes(), tamper);
            let mut book = Book::open(&zip).expect("the archive opens");
            let read = book.read("page.xhtml");
            match expected {
                Ok(()) => assert_eq!(read.as_deref(), Ok(text.as_bytes()), "{case}"),
                Err(message) => assert_eq!(read, Err(message.to_string()), "{case}"),
            }
        }
    }

    #[test]
    fn front_matter_is_told_by_name_and_size() {
        assert!(is_front_matter("OEBPS/title_page.xhtml", None, 50));
        assert!(is_front_matter("x/c.xhtml", Some("Table of Contents"), 30));
        assert!(!is_front_matter(
            "OEBPS/file0001.xhtml",
            Some("Chapter 1"),
            30
        ));
        assert!(!is_front_matter("OEBPS/title.xhtml", None, 5000));
    }
}
