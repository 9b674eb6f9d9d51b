//! One rendition of a book, from its package document: metadata, manifest, spine,
//! fallbacks and guide, then every content document and stylesheet it lists, and every
//! reference they make, resolved against the archive and the manifest.

use super::content::{self, Document, Reference, Use};
use super::css;
use super::{folder_of, resolve_checked, xml, Book, Code};
use std::collections::{BTreeMap, HashMap, HashSet};

const XHTML: &str = "application/xhtml+xml";
const SVG: &str = "image/svg+xml";
const NCX: &str = "application/x-dtbncx+xml";
const CSS: &str = "text/css";
const SMIL: &str = "application/smil+xml";

/// The media types every reading system must support (EPUB 3.3, core media types).
const CORE_MEDIA_TYPES: &[&str] = &[
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/svg+xml",
    "image/webp",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "audio/opus",
    "text/css",
    "font/ttf",
    "font/otf",
    "font/woff",
    "font/woff2",
    "font/sfnt",
    "application/font-sfnt",
    "application/font-woff",
    "application/vnd.ms-opentype",
    "application/x-font-ttf",
    "application/x-font-otf",
    XHTML,
    "application/javascript",
    "application/ecmascript",
    "text/javascript",
    NCX,
    SMIL,
    "application/pls+xml",
];

/// Manifest item properties EPUB 3 defines.
const ITEM_PROPERTIES: &[&str] = &[
    "cover-image",
    "mathml",
    "nav",
    "remote-resources",
    "scripted",
    "svg",
    "switch",
    // Region-based navigation, dictionaries and glossaries, indexes.
    "data-nav",
    "dictionary",
    "glossary",
    "search-key-map",
    "index",
];

fn is_core(media_type: &str) -> bool {
    let bare = media_type.split(';').next().unwrap_or("").trim();
    CORE_MEDIA_TYPES.contains(&bare)
}

/// Core media types, and video, which EPUB exempts from needing a fallback.
fn needs_no_fallback(media_type: &str) -> bool {
    is_core(media_type) || media_type.starts_with("video/")
}

fn is_font(media_type: &str) -> bool {
    media_type.starts_with("font/")
        || matches!(
            media_type,
            "application/font-sfnt"
                | "application/font-woff"
                | "application/vnd.ms-opentype"
                | "application/x-font-ttf"
                | "application/x-font-otf"
        )
}

fn is_content_document(media_type: &str, version: u8) -> bool {
    media_type == XHTML
        || (version >= 3 && media_type == SVG)
        || (version < 3
            && matches!(
                media_type,
                "application/x-dtbook+xml" | "text/x-oeb1-document"
            ))
}

#[derive(Debug, Clone, Default)]
struct Item {
    id: String,
    href: String,
    /// The archive name it resolves to; empty for a remote item.
    path: String,
    remote: bool,
    media_type: String,
    properties: Vec<String>,
    fallback: Option<String>,
    media_overlay: Option<String>,
    line: usize,
}

impl Item {
    fn has(&self, property: &str) -> bool {
        self.properties.iter().any(|p| p == property)
    }
}

#[derive(Debug, Clone)]
struct Itemref {
    idref: String,
    linear: bool,
    properties: Vec<String>,
    line: usize,
}

#[derive(Debug, Default)]
struct Package {
    version: Option<String>,
    unique_identifier: Option<String>,
    /// `dc:identifier`s: their ids and values.
    identifiers: Vec<(Option<String>, String)>,
    titles: usize,
    languages: Vec<(String, usize)>,
    modified: Vec<(String, usize)>,
    cover_meta: Option<String>,
    fixed_layout: bool,
    items: Vec<Item>,
    spine: Vec<Itemref>,
    spine_toc: Option<String>,
    spine_line: usize,
    page_map: bool,
    guide: Vec<(String, usize)>,
    ids: Vec<(String, usize)>,
    sections: HashSet<String>,
    /// `<link>`s of the metadata: href, whether it has a media-type, line.
    links: Vec<(String, bool, usize)>,
    /// `media:active-class` or `media:playback-active-class` is set.
    active_class: bool,
}

fn parse(bytes: &[u8]) -> Result<Package, String> {
    let mut package = Package::default();
    // The text of the element being read, for metadata values.
    let mut text: Option<(String, String, usize, Option<String>)> = None;
    let mut in_metadata = false;
    xml::walk(bytes, |node| match node {
        xml::Node::Start(element) => {
            let local = element.local();
            if element.depth == 2 {
                package.sections.insert(local.to_string());
                in_metadata = local == "metadata";
            }
            if let Some(id) = element.get("id") {
                package.ids.push((id.trim().to_string(), element.line));
            }
            let get = |key: &str| element.get(key).map(|v| v.trim().to_string());
            match local {
                "package" if element.depth == 1 => {
                    package.version = get("version");
                    package.unique_identifier = get("unique-identifier");
                }
                "identifier" | "title" | "language" => {
                    text = Some((local.to_string(), String::new(), element.line, get("id")));
                }
                "meta" => {
                    if element.get("name") == Some("cover") {
                        package.cover_meta = get("content");
                    }
                    if matches!(
                        element.get("property"),
                        Some("media:active-class" | "media:playback-active-class")
                    ) {
                        package.active_class = true;
                    }
                    match element.get("property") {
                        Some("dcterms:modified") if element.get("refines").is_none() => {
                            text = Some(("modified".into(), String::new(), element.line, None));
                        }
                        Some("rendition:layout") if element.get("refines").is_none() => {
                            text = Some(("layout".into(), String::new(), element.line, None));
                        }
                        _ => {}
                    }
                }
                "item" if element.depth == 3 => package.items.push(Item {
                    id: get("id").unwrap_or_default(),
                    href: element.get("href").unwrap_or("").to_string(),
                    media_type: get("media-type").unwrap_or_default(),
                    properties: element
                        .get("properties")
                        .unwrap_or("")
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                    fallback: get("fallback"),
                    media_overlay: get("media-overlay"),
                    line: element.line,
                    ..Item::default()
                }),
                "link" if element.depth == 3 && in_metadata => package.links.push((
                    element.get("href").unwrap_or("").to_string(),
                    element.get("media-type").is_some(),
                    element.line,
                )),
                "spine" => {
                    package.spine_toc = get("toc");
                    package.spine_line = element.line;
                    package.page_map = element.get("page-map").is_some();
                }
                "itemref" => package.spine.push(Itemref {
                    idref: get("idref").unwrap_or_default(),
                    linear: element.get("linear").map(str::trim) != Some("no"),
                    properties: element
                        .get("properties")
                        .unwrap_or("")
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                    line: element.line,
                }),
                "reference" => {
                    if let Some(href) = element.get("href") {
                        package.guide.push((href.to_string(), element.line));
                    }
                }
                _ => {}
            }
        }
        xml::Node::Text(content) => {
            if let Some((_, value, _, _)) = &mut text {
                value.push_str(content);
            }
        }
        xml::Node::End(_) => {
            if let Some((kind, value, line, id)) = text.take() {
                let value = value.trim().to_string();
                match kind.as_str() {
                    "identifier" => package.identifiers.push((id, value)),
                    "title" => package.titles += usize::from(!value.is_empty()),
                    "language" => package.languages.push((value, line)),
                    "modified" => package.modified.push((value, line)),
                    "layout" => package.fixed_layout = value == "pre-paginated",
                    _ => {}
                }
            }
        }
    })
    .map(|_| package)
}

/// A URL's scheme, lower case, when it has one.
fn scheme(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let valid = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

fn is_remote(url: &str) -> bool {
    url.starts_with("//")
        || matches!(
            scheme(url).as_deref(),
            Some("http" | "https" | "ftp" | "ftps")
        )
}

/// One rendition, being checked.
struct Rendition<'p> {
    path: String,
    version: u8,
    package: &'p Package,
    /// Manifest items by id (the first of a repeated id).
    by_id: HashMap<String, usize>,
    /// Manifest items by archive name, and by URL for remote ones.
    by_path: HashMap<String, usize>,
    spine_ids: HashSet<String>,
    documents: BTreeMap<String, Document>,
    /// Archive names some hyperlink reaches.
    linked: HashSet<String>,
    /// Items that reference remote resources, by archive name.
    uses_remote: HashSet<String>,
}

pub(super) fn check(book: &mut Book, path: &str) {
    let Some(bytes) = book.read(path) else {
        return;
    };
    let package = match parse(&bytes) {
        Ok(package) => package,
        Err(message) => {
            book.report(
                Code::Malformed,
                Some(path),
                None,
                format!("the package document is not well-formed XML: {message}"),
            );
            return;
        }
    };
    let version = match package.version.as_deref() {
        Some(v) if v.starts_with("3.") => 3,
        Some(v) if v.starts_with("2.") => 2,
        other => {
            book.report(
                Code::VersionMissing,
                Some(path),
                None,
                match other {
                    Some(v) => format!("the package version {v:?} is not 2.0 or 3.x"),
                    None => "the package has no version attribute".to_string(),
                },
            );
            if memchr::memmem::find(&bytes, b"http://www.idpf.org/2007/opf").is_some() {
                3
            } else {
                2
            }
        }
    };
    let mut rendition = Rendition {
        path: path.to_string(),
        version,
        package: &package,
        by_id: HashMap::new(),
        by_path: HashMap::new(),
        spine_ids: package.spine.iter().map(|r| r.idref.clone()).collect(),
        documents: BTreeMap::new(),
        linked: HashSet::new(),
        uses_remote: HashSet::new(),
    };
    let mut items = package.items.clone();
    rendition.check_structure(book);
    rendition.check_metadata(book);
    rendition.check_manifest(book, &mut items);
    rendition.check_spine(book, &items);
    rendition.check_fallbacks(book, &items);
    rendition.check_navigation(book, &items);
    rendition.read_documents(book, &items);
    rendition.check_references(book, &items);
    rendition.check_properties(book, &items);
    rendition.check_reachability(book, &items);
    rendition.check_guide(book, &items);
    rendition.check_resources(book, &items);
    rendition.check_links(book);
    rendition.check_overlays(book, &items);
    rendition.check_region_navigation(book, &items);
}

impl Rendition<'_> {
    fn report(&self, book: &mut Book, code: Code, line: Option<usize>, message: impl Into<String>) {
        book.report(code, Some(&self.path), line, message);
    }

    fn check_structure(&self, book: &mut Book) {
        for section in ["metadata", "manifest", "spine"] {
            if !self.package.sections.contains(section) {
                self.report(
                    book,
                    Code::PackageInvalid,
                    None,
                    format!("the package document has no <{section}> element"),
                );
            }
        }
        let mut seen = HashSet::new();
        for (id, line) in &self.package.ids {
            if !xml::is_ncname(id) {
                self.report(
                    book,
                    Code::InvalidId,
                    Some(*line),
                    format!("the id {id:?} is not a valid XML name"),
                );
            }
            if !seen.insert(id) {
                self.report(
                    book,
                    Code::DuplicateId,
                    Some(*line),
                    format!("the id {id:?} is used twice"),
                );
            }
        }
        if self.package.page_map {
            self.report(
                book,
                Code::PackageInvalid,
                Some(self.package.spine_line),
                "the spine's page-map attribute is an Adobe extension EPUB does not allow",
            );
        }
    }

    fn check_metadata(&self, book: &mut Book) {
        let package = self.package;
        for (what, count) in [
            ("dc:title", package.titles),
            ("dc:identifier", package.identifiers.len()),
            ("dc:language", package.languages.len()),
        ] {
            if count == 0 {
                self.report(
                    book,
                    Code::MetadataMissing,
                    None,
                    format!("the package has no {what}"),
                );
            }
        }
        for (language, line) in &package.languages {
            if let Err(message) = crate::sidecar::check_language(language) {
                self.report(
                    book,
                    Code::BadLanguage,
                    Some(*line),
                    format!("dc:language {language:?}: {message}"),
                );
            }
        }
        match &package.unique_identifier {
            None => self.report(
                book,
                Code::UniqueIdentifier,
                None,
                "the package has no unique-identifier attribute",
            ),
            Some(id) => match package
                .identifiers
                .iter()
                .find(|(i, _)| i.as_deref() == Some(id))
            {
                None => self.report(
                    book,
                    Code::UniqueIdentifier,
                    None,
                    format!("unique-identifier names {id:?}, which no dc:identifier has as its id"),
                ),
                Some((_, value)) if value.is_empty() => self.report(
                    book,
                    Code::UniqueIdentifier,
                    None,
                    "the unique identifier is empty",
                ),
                Some(_) => {}
            },
        }
        if self.version >= 3 {
            match package.modified.as_slice() {
                [] => self.report(
                    book,
                    Code::MetadataMissing,
                    None,
                    "the package has no dcterms:modified date",
                ),
                [(date, line)] if !is_modified_date(date) => self.report(
                    book,
                    Code::BadModified,
                    Some(*line),
                    format!("dcterms:modified {date:?} is not of the form CCYY-MM-DDThh:mm:ssZ"),
                ),
                [_] => {}
                [_, (_, line), ..] => self.report(
                    book,
                    Code::BadModified,
                    Some(*line),
                    "dcterms:modified is given more than once",
                ),
            }
        }
    }

    /// Resolves every item, and reports what is wrong with the manifest alone.
    fn check_manifest(&mut self, book: &mut Book, items: &mut [Item]) {
        let base = folder_of(&self.path).to_string();
        let obfuscated = book.obfuscated();
        for (index, item) in items.iter_mut().enumerate() {
            let line = Some(item.line);
            if self.by_id.contains_key(&item.id) {
                continue;
            }
            self.by_id.insert(item.id.clone(), index);
            if is_remote(&item.href) {
                item.remote = true;
                self.by_path.insert(item.href.clone(), index);
                // A remote page is never part of a book; other remote resources may be
                // used by scripts, or as fonts of many kinds.
                if self.version >= 3 && item.media_type == XHTML {
                    self.report(
                        book,
                        Code::RemoteForbidden,
                        line,
                        format!(
                            "the manifest item {:?} is a remote page; a book's pages are inside it",
                            item.href
                        ),
                    );
                }
                continue;
            }
            if scheme(&item.href).as_deref() == Some("file") {
                self.report(
                    book,
                    Code::LinkFileUrl,
                    line,
                    format!("the manifest item {:?} uses a file: URL", item.href),
                );
                continue;
            }
            let (path, leaves) = resolve_checked(&base, &item.href);
            if leaves {
                self.report(
                    book,
                    Code::LinkLeaves,
                    line,
                    format!("the manifest item {:?} points outside the book", item.href),
                );
                continue;
            }
            let path = book.find(&path).map(str::to_owned).unwrap_or(path);
            if path == self.path {
                self.report(
                    book,
                    Code::ManifestSelf,
                    line,
                    "the manifest lists the package document itself",
                );
            }
            if path.starts_with("META-INF/") {
                self.report(
                    book,
                    Code::ResourceInMetaInf,
                    line,
                    format!("{path:?} is a publication resource inside META-INF"),
                );
            }
            if !book.has(&path) {
                self.report(
                    book,
                    Code::ManifestFileMissing,
                    line,
                    format!(
                        "the manifest lists {:?} (id {:?}), which is not in the archive",
                        item.href, item.id
                    ),
                );
            }
            if self.by_path.contains_key(&path) {
                self.report(
                    book,
                    Code::ManifestDuplicate,
                    line,
                    format!("{:?} is listed twice in the manifest", item.href),
                );
            } else {
                self.by_path.insert(path.clone(), index);
            }
            if obfuscated.contains(&path)
                && !(is_font(&item.media_type) && is_core(&item.media_type))
            {
                self.report(
                    book,
                    Code::ObfuscatedNotFont,
                    line,
                    format!(
                        "{path:?} is obfuscated but is not a font ({})",
                        item.media_type
                    ),
                );
            }
            if self.version >= 3 {
                for property in &item.properties {
                    // `rendition:` properties belong on spine items, not manifest items.
                    let unknown = match property.split_once(':') {
                        Some((prefix, _)) => prefix == "rendition",
                        None => !ITEM_PROPERTIES.contains(&property.as_str()),
                    };
                    if unknown {
                        self.report(
                            book,
                            Code::UnknownProperty,
                            line,
                            format!("the item property {property:?} is not defined by EPUB"),
                        );
                    }
                }
            }
            item.path = path;
        }
    }

    fn check_spine(&self, book: &mut Book, items: &[Item]) {
        let package = self.package;
        if package.spine.is_empty() {
            self.report(
                book,
                Code::SpineEmpty,
                None,
                "the spine is empty: the book has no pages",
            );
        }
        let mut seen = HashSet::new();
        for itemref in &package.spine {
            let line = Some(itemref.line);
            let Some(&index) = self.by_id.get(&itemref.idref) else {
                self.report(
                    book,
                    Code::SpineUnknownItem,
                    line,
                    format!(
                        "the spine names {:?}, which is not in the manifest",
                        itemref.idref
                    ),
                );
                continue;
            };
            if !seen.insert(&itemref.idref) {
                self.report(
                    book,
                    Code::SpineRepeated,
                    line,
                    format!("the spine lists {:?} twice", itemref.idref),
                );
            }
            let item = &items[index];
            if item.remote {
                self.report(
                    book,
                    Code::RemoteForbidden,
                    line,
                    format!(
                        "the spine item {:?} is remote; a book's pages must be inside it",
                        item.href
                    ),
                );
            } else if !self.reaches(items, index, |i| {
                is_content_document(&i.media_type, self.version)
            }) {
                self.report(
                    book,
                    Code::SpineNotContent,
                    line,
                    format!(
                        "the spine item {:?} is {}, not a content document, and has no fallback to one",
                        item.href, item.media_type
                    ),
                );
            }
        }
        if self.version < 3 && package.spine_toc.is_none() {
            self.report(
                book,
                Code::PackageInvalid,
                Some(package.spine_line),
                "the spine has no toc attribute naming the NCX",
            );
        }
    }

    /// Whether an item, or an item of its fallback chain, is what `wanted` says.
    fn reaches(&self, items: &[Item], start: usize, wanted: impl Fn(&Item) -> bool) -> bool {
        let mut seen = HashSet::new();
        let mut at = Some(start);
        while let Some(index) = at {
            if !seen.insert(index) {
                return false;
            }
            let item = &items[index];
            if wanted(item) {
                return true;
            }
            at = item
                .fallback
                .as_ref()
                .and_then(|f| self.by_id.get(f))
                .copied();
        }
        false
    }

    fn check_fallbacks(&self, book: &mut Book, items: &[Item]) {
        for (index, item) in items.iter().enumerate() {
            let Some(fallback) = &item.fallback else {
                continue;
            };
            if !self.by_id.contains_key(fallback) {
                self.report(
                    book,
                    Code::FallbackMissing,
                    Some(item.line),
                    format!(
                        "the fallback {fallback:?} of item {:?} is not in the manifest",
                        item.id
                    ),
                );
                continue;
            }
            let mut seen = HashSet::from([index]);
            let mut at = self.by_id.get(fallback).copied();
            while let Some(next) = at {
                if !seen.insert(next) {
                    self.report(
                        book,
                        Code::FallbackCircular,
                        Some(item.line),
                        format!("the fallbacks of item {:?} go round in a circle", item.id),
                    );
                    break;
                }
                at = items[next]
                    .fallback
                    .as_ref()
                    .and_then(|f| self.by_id.get(f))
                    .copied();
            }
        }
    }

    fn check_navigation(&self, book: &mut Book, items: &[Item]) {
        let navs: Vec<&Item> = items.iter().filter(|i| i.has("nav")).collect();
        for item in items.iter().filter(|i| i.has("nav") || i.has("data-nav")) {
            if item.media_type != XHTML {
                self.report(
                    book,
                    Code::NavNotXhtml,
                    Some(item.line),
                    format!(
                        "the navigation document {:?} is {}, not XHTML",
                        item.href, item.media_type
                    ),
                );
            }
        }
        if items.iter().filter(|i| i.has("data-nav")).count() > 1 {
            self.report(
                book,
                Code::PackageInvalid,
                None,
                "more than one item has the data-nav property",
            );
        }
        if self.version >= 3 && navs.len() != 1 {
            self.report(
                book,
                Code::NavMissing,
                None,
                match navs.len() {
                    0 => {
                        "the manifest has no navigation document (an item with properties=\"nav\")"
                            .to_string()
                    }
                    n => format!("{n} manifest items claim to be the navigation document"),
                },
            );
        }
        if self.version < 3 {
            let ncx = self
                .package
                .spine_toc
                .as_ref()
                .and_then(|id| self.by_id.get(id));
            match ncx {
                Some(&index) if items[index].media_type != NCX => self.report(
                    book,
                    Code::PackageInvalid,
                    Some(self.package.spine_line),
                    format!("the spine's toc {:?} is not an NCX", items[index].id),
                ),
                None if !items.iter().any(|i| i.media_type == NCX) => self.report(
                    book,
                    Code::TocMissing,
                    None,
                    "the book has no NCX table of contents",
                ),
                _ => {}
            }
        }
    }

    /// Reads every XHTML, SVG, NCX, overlay and CSS item once.
    fn read_documents(&mut self, book: &mut Book, items: &[Item]) {
        let mut readable: Vec<&Item> = items
            .iter()
            .filter(|i| !i.remote && !i.path.is_empty())
            .filter(|i| matches!(i.media_type.as_str(), XHTML | SVG | NCX | SMIL | CSS))
            .collect();
        readable.sort_by(|a, b| a.path.cmp(&b.path));
        readable.dedup_by(|a, b| a.path == b.path);
        for item in readable {
            let Some(bytes) = book.read(&item.path) else {
                continue;
            };
            if item.media_type == CSS {
                let scan = css::scan_bytes(&bytes, 1);
                let mut document = Document::default();
                for (code, line, message) in scan.problems {
                    document.problems.push((code, Some(line), message));
                }
                document.references = css_references(scan.urls);
                self.documents.insert(item.path.clone(), document);
                continue;
            }
            match content::scan(&bytes) {
                Ok(mut document) => {
                    for (style, line) in std::mem::take(&mut document.styles) {
                        let scan = css::scan(&style, line);
                        for (code, line, message) in scan.problems {
                            document.problems.push((code, Some(line), message));
                        }
                        document.references.extend(css_references(scan.urls));
                    }
                    self.documents.insert(item.path.clone(), document);
                }
                Err(message) => {
                    let line = message
                        .strip_prefix("line ")
                        .and_then(|rest| rest.split(':').next())
                        .and_then(|n| n.parse().ok());
                    let message = match message.split_once(": ") {
                        Some((_, rest)) if line.is_some() => rest.to_string(),
                        _ => message,
                    };
                    book.report(
                        Code::Malformed,
                        Some(&item.path),
                        line,
                        format!("not well-formed XML: {message}"),
                    );
                }
            }
        }
        let paths: Vec<String> = self.documents.keys().cloned().collect();
        for path in paths {
            let document = &self.documents[&path];
            let item = &items[self.by_path[&path]];
            for (code, line, message) in &document.problems {
                book.report(*code, Some(&path), *line, message.clone());
            }
            if let Some(doctype) = &document.doctype {
                if self.version >= 3 && !allowed_doctype(doctype, &item.media_type) {
                    book.report(
                        Code::ExternalIdentifier,
                        Some(&path),
                        None,
                        format!(
                            "the DOCTYPE's external identifier is not allowed for {}",
                            item.media_type
                        ),
                    );
                }
            }
        }
    }

    /// Every reference of every document, resolved.
    fn check_references(&mut self, book: &mut Book, items: &[Item]) {
        let paths: Vec<String> = self.documents.keys().cloned().collect();
        let mut found = Vec::new();
        for path in &paths {
            let document = &self.documents[path];
            let base_url = document.base.clone();
            // The audio, video and picture elements one of whose resources needs no
            // fallback: it is the fallback of the others.
            let served: HashSet<usize> = document
                .references
                .iter()
                .filter_map(|r| {
                    let group = r.group?;
                    let (target, _) = resolve_checked(folder_of(path), r.url.split('#').next()?);
                    let media_type = book
                        .find(&target)
                        .and_then(|name| self.by_path.get(name))
                        .map(|&i| items[i].media_type.as_str())
                        .or_else(|| {
                            r.url
                                .starts_with("data:")
                                .then(|| r.url[5..].split([';', ',']).next())
                                .flatten()
                        })?;
                    needs_no_fallback(media_type).then_some(group)
                })
                .collect();
            for reference in &document.references {
                let grouped = reference.group.is_some_and(|g| served.contains(&g));
                found.extend(self.resolve_reference(
                    book,
                    items,
                    path,
                    base_url.as_deref(),
                    reference,
                    grouped,
                ));
            }
        }
        for (path, line, code, message, linked, remote) in found {
            if let Some(code) = code {
                book.report(code, Some(&path), Some(line), message);
            }
            if let Some(linked) = linked {
                self.linked.insert(linked);
            }
            if remote {
                self.uses_remote.insert(path);
            }
        }
    }

    /// What one reference reaches: a problem, if any; the document a hyperlink reaches;
    /// and whether it uses a remote resource that the manifest must declare.
    #[allow(clippy::type_complexity)]
    fn resolve_reference(
        &self,
        book: &Book,
        items: &[Item],
        from: &str,
        base_url: Option<&str>,
        reference: &Reference,
        grouped_fallback: bool,
    ) -> Option<(String, usize, Option<Code>, String, Option<String>, bool)> {
        let url = reference.url.trim();
        let usage = &reference.usage;
        let result = |code: Option<Code>, message: String, linked: Option<String>, remote: bool| {
            Some((
                from.to_string(),
                reference.line,
                code,
                message,
                linked,
                remote,
            ))
        };
        let problem = |code: Code, message: String| result(Some(code), message, None, false);
        if url.is_empty() {
            return None;
        }
        let base_remote = base_url.is_some_and(is_remote);
        if is_remote(url) || (base_remote && scheme(url).is_none() && !url.starts_with('#')) {
            let declared = self
                .by_path
                .contains_key(url.split('#').next().unwrap_or(url));
            return match usage {
                Use::Hyperlink if declared => problem(
                    Code::RemoteForbidden,
                    format!("{url:?} links to a remote publication resource"),
                ),
                Use::Hyperlink | Use::Cite | Use::NcxContent => None,
                Use::Nav(kind) if matches!(kind.as_str(), "toc" | "page-list" | "landmarks") => {
                    problem(
                        Code::NavRemote,
                        format!("the {kind} entry {url:?} points outside the book"),
                    )
                }
                Use::Nav(_) => None,
                _ if self.remote_allowed(items, url, usage) => {
                    let declared = url.split('#').next().unwrap_or(url);
                    if self.by_path.contains_key(declared) {
                        result(None, String::new(), None, true)
                    } else {
                        result(
                            Some(Code::LinkUndeclared),
                            format!("the remote resource {url:?} is not listed in the manifest"),
                            None,
                            true,
                        )
                    }
                }
                _ => problem(
                    Code::RemoteForbidden,
                    format!("{url:?} is remote; only audio, video and fonts may be"),
                ),
            };
        }
        match scheme(url).as_deref() {
            Some("file") => return problem(Code::LinkFileUrl, format!("{url:?} is a file: URL")),
            Some("data") => {
                let media_type = url[5..].split([';', ',']).next().unwrap_or("").to_string();
                let needs_core = matches!(
                    usage,
                    Use::Image | Use::PictureImage | Use::Embed | Use::Object | Use::Audio
                );
                return if needs_core && !media_type.is_empty() && !is_core(&media_type) {
                    problem(
                        Code::ForeignNoFallback,
                        format!("a data URL of {media_type}, which is not a core media type, has no fallback"),
                    )
                } else {
                    None
                };
            }
            Some(_) => return None,
            None => {}
        }
        let (target_part, fragment) = match url.split_once('#') {
            Some((target, fragment)) => (target, Some(fragment)),
            None => (url, None),
        };
        let fragment = fragment.map(super::percent_decode);
        // An EPUB CFI points into any file, the package document included.
        if fragment
            .as_deref()
            .is_some_and(|f| f.starts_with("epubcfi("))
        {
            return None;
        }
        let (target, leaves) = if target_part.is_empty() {
            (from.to_string(), false)
        } else {
            let base = match base_url.filter(|b| !is_remote(b)) {
                Some(base) => {
                    resolve_checked(folder_of(from), base).0
                        + if base.ends_with('/') { "/" } else { "" }
                }
                None => folder_of(from).to_string(),
            };
            let base = if base.is_empty() || base.ends_with('/') {
                base
            } else {
                folder_of(&base).to_string()
            };
            resolve_checked(&base, target_part)
        };
        if leaves {
            return problem(Code::LinkLeaves, format!("{url:?} points outside the book"));
        }
        let Some(name) = book.find(&target).map(str::to_owned) else {
            return problem(
                Code::LinkMissingResource,
                format!("{url:?} points at {target:?}, which is not in the book"),
            );
        };
        let Some(&index) = self.by_path.get(&name) else {
            if matches!(usage, Use::Cite) {
                return None;
            }
            return problem(
                Code::LinkUndeclared,
                format!("{url:?} points at {name:?}, which the manifest does not list"),
            );
        };
        let item = &items[index];
        let content = is_content_document(&item.media_type, self.version);
        let hyperlink = matches!(usage, Use::Hyperlink | Use::Nav(_) | Use::NcxContent);
        if let Use::Stylesheet = usage {
            if fragment.is_some() {
                return problem(
                    Code::StylesheetFragment,
                    format!("the stylesheet link {url:?} has a fragment"),
                );
            }
        }
        if let Use::SvgReuse = usage {
            if fragment.as_deref().is_none_or(str::is_empty) {
                return problem(
                    Code::SvgUseNoFragment,
                    format!("the SVG use {url:?} points at no element"),
                );
            }
        }
        if hyperlink && !content {
            if matches!(usage, Use::Nav(_) | Use::NcxContent) {
                return problem(
                    Code::LinkNotContent,
                    format!(
                        "{url:?} points at {}, which is not a content document",
                        item.media_type
                    ),
                );
            }
            return None;
        }
        if hyperlink && !self.spine_ids.contains(&item.id) && name != from {
            let toc_like = match usage {
                Use::Nav(kind) => kind.split_whitespace().any(|k| k == "toc"),
                _ => true,
            };
            if toc_like {
                return problem(
                    Code::LinkNotInSpine,
                    format!("{url:?} points at {name:?}, which is not in the spine"),
                );
            }
        }
        let checks_fragment = hyperlink || matches!(usage, Use::OverlayText | Use::SvgReuse);
        if let (true, Some(fragment)) = (checks_fragment, fragment.as_deref()) {
            // Media fragments (`xywh=…`, `t=…`) and SVG views name no id.
            let scheme_fragment = fragment.contains('=') || fragment.contains('(');
            if !fragment.is_empty() && !scheme_fragment {
                if let Some(target_document) = self.documents.get(&name) {
                    if !target_document.ids.contains(fragment) {
                        return problem(
                            Code::LinkMissingFragment,
                            format!("{url:?}: {name:?} has no element with the id {fragment:?}"),
                        );
                    }
                    if hyperlink && target_document.unlinkable.contains(fragment) {
                        return problem(
                            Code::SvgFragmentLink,
                            format!("{url:?} points at an SVG element a reader cannot show"),
                        );
                    }
                }
            }
        }
        let linked = hyperlink.then(|| name.clone());
        match usage {
            Use::PictureImage if !is_core(&item.media_type) => problem(
                Code::PictureForeign,
                format!(
                    "the picture's img {url:?} is {}, not a core media type",
                    item.media_type
                ),
            ),
            Use::PictureSource { typed: false } if !is_core(&item.media_type) => problem(
                Code::PictureSourceType,
                format!(
                    "the picture source {url:?} is {} and has no type attribute",
                    item.media_type
                ),
            ),
            Use::Image | Use::Audio | Use::Video | Use::Embed | Use::Object
                if !self.reaches(items, index, |i| needs_no_fallback(&i.media_type))
                    && !grouped_fallback =>
            {
                problem(
                    Code::ForeignNoFallback,
                    format!(
                        "{url:?} is {}, not a core media type, and has no fallback",
                        item.media_type
                    ),
                )
            }
            _ => result(None, String::new(), linked, false),
        }
    }

    /// Audio, video and fonts may be remote: by what uses them, or by what the manifest
    /// declares them to be.
    fn remote_allowed(&self, items: &[Item], url: &str, usage: &Use) -> bool {
        if matches!(usage, Use::Audio | Use::Video | Use::Font) {
            return true;
        }
        let declared = url.split('#').next().unwrap_or(url);
        let media_type = self
            .by_path
            .get(declared)
            .map(|&i| items[i].media_type.as_str());
        matches!(usage, Use::Object | Use::Embed)
            && media_type
                .is_some_and(|m| m.starts_with("audio/") || m.starts_with("video/") || is_font(m))
    }

    /// The manifest properties of each document against what it uses.
    fn check_properties(&self, book: &mut Book, items: &[Item]) {
        if self.version < 3 {
            return;
        }
        for (path, document) in &self.documents {
            let item = &items[self.by_path[path]];
            let line = Some(item.line);
            let features = document.features;
            let content = item.media_type == XHTML || item.media_type == SVG;
            let mut needs: Vec<(&str, bool)> = Vec::new();
            if content {
                needs.push(("scripted", features.scripted));
                if item.media_type == XHTML {
                    needs.push(("svg", features.svg));
                    needs.push(("mathml", features.mathml));
                    needs.push(("switch", features.switch));
                }
            }
            for (property, used) in needs {
                match (used, item.has(property)) {
                    (true, false) => self.report(
                        book,
                        Code::PropertyMissing,
                        line,
                        format!("{path:?} uses {property} content but its manifest item lacks the {property:?} property"),
                    ),
                    (false, true) if property != "switch" => self.report(
                        book,
                        Code::PropertyUnneeded,
                        line,
                        format!("{path:?} has the {property:?} property but no {property} content"),
                    ),
                    _ => {}
                }
            }
            if self.uses_remote.contains(path) && !item.has("remote-resources") {
                self.report(
                    book,
                    Code::PropertyMissing,
                    line,
                    format!("{path:?} uses remote resources but its manifest item lacks the \"remote-resources\" property"),
                );
            }
        }
        // A cover is an image.
        let cover = items.iter().position(|i| i.has("cover-image")).or_else(|| {
            self.package
                .cover_meta
                .as_ref()
                .and_then(|id| self.by_id.get(id).copied())
        });
        if let Some(index) = cover {
            let item = &items[index];
            if !item.media_type.starts_with("image/") {
                self.report(
                    book,
                    Code::CoverInvalid,
                    Some(item.line),
                    format!(
                        "the cover {:?} is {}, not an image",
                        item.href, item.media_type
                    ),
                );
            }
        }
        // Fixed layout: each page states its size.
        for itemref in &self.package.spine {
            let fixed = self.is_fixed(&itemref.idref);
            let Some(&index) = self.by_id.get(&itemref.idref) else {
                continue;
            };
            let item = &items[index];
            let Some(document) = self.documents.get(&item.path) else {
                continue;
            };
            if !fixed {
                continue;
            }
            if item.media_type == XHTML {
                for (code, line, message) in content::viewport_problems(&document.viewports) {
                    book.report(code, Some(&item.path), line, message);
                }
            } else if item.media_type == SVG && document.svg_root_viewbox == Some(false) {
                book.report(
                    Code::SvgNoViewbox,
                    Some(&item.path),
                    None,
                    "a fixed-layout SVG page needs a viewBox",
                );
            }
        }
    }

    /// Every item left out of the reading order must be reachable by a link.
    fn check_reachability(&self, book: &mut Book, items: &[Item]) {
        // A script can reach any page; links alone do not tell.
        let scripted = self.documents.values().any(|d| d.features.scripted);
        for itemref in &self.package.spine {
            if itemref.linear || scripted {
                continue;
            }
            let Some(&index) = self.by_id.get(&itemref.idref) else {
                continue;
            };
            let item = &items[index];
            if !item.path.is_empty() && !self.linked.contains(&item.path) {
                self.report(
                    book,
                    Code::NonlinearUnreachable,
                    Some(itemref.line),
                    format!(
                        "{:?} is outside the reading order (linear=\"no\") and nothing links to it",
                        item.href
                    ),
                );
            }
        }
        // The table of contents has entries.
        if self.version >= 3 {
            if let Some(nav) = items.iter().find(|i| i.has("nav")) {
                if let Some(document) = self.documents.get(&nav.path) {
                    let tocs: Vec<usize> = document
                        .navs
                        .iter()
                        .filter(|(kind, _)| kind.split_whitespace().any(|k| k == "toc"))
                        .map(|(_, links)| *links)
                        .collect();
                    match tocs.as_slice() {
                        [] => book.report(
                            Code::TocMissing,
                            Some(&nav.path),
                            None,
                            "the navigation document has no nav epub:type=\"toc\"",
                        ),
                        [0, ..] => book.report(
                            Code::TocEmpty,
                            Some(&nav.path),
                            None,
                            "the table of contents is empty",
                        ),
                        _ => {}
                    }
                }
            }
        }
        let ncx = self
            .package
            .spine_toc
            .as_ref()
            .and_then(|id| self.by_id.get(id))
            .map(|&i| &items[i])
            .or_else(|| items.iter().find(|i| i.media_type == NCX));
        if let Some(ncx) = ncx.filter(|i| i.media_type == NCX) {
            if let Some(document) = self.documents.get(&ncx.path) {
                if self.version < 3 && document.nav_points == 0 {
                    book.report(
                        Code::TocEmpty,
                        Some(&ncx.path),
                        None,
                        "the table of contents is empty",
                    );
                }
                let unique = self
                    .package
                    .unique_identifier
                    .as_ref()
                    .and_then(|id| {
                        self.package
                            .identifiers
                            .iter()
                            .find(|(i, _)| i.as_ref() == Some(id))
                    })
                    .map(|(_, value)| value.trim());
                if let (Some(uid), Some(unique)) = (document.ncx_uid.as_deref(), unique) {
                    if uid.trim() != unique {
                        book.report(
                            Code::NcxUid,
                            Some(&ncx.path),
                            None,
                            format!(
                                "dtb:uid {uid:?} is not the book's unique identifier {unique:?}"
                            ),
                        );
                    }
                }
                for id in &document.ids {
                    if !xml::is_ncname(id) {
                        book.report(
                            Code::InvalidId,
                            Some(&ncx.path),
                            None,
                            format!("the id {id:?} is not a valid XML name"),
                        );
                    }
                }
            }
        }
    }

    fn check_guide(&self, book: &mut Book, items: &[Item]) {
        let base = folder_of(&self.path).to_string();
        for (href, line) in &self.package.guide {
            if is_remote(href) {
                continue;
            }
            let (path, _) = resolve_checked(&base, href);
            let path = book.find(&path).map(str::to_owned).unwrap_or(path);
            match self.by_path.get(&path) {
                None => self.report(
                    book,
                    Code::GuideNotInManifest,
                    Some(*line),
                    format!("the guide reference {href:?} is not in the manifest"),
                ),
                Some(&index) if !is_content_document(&items[index].media_type, self.version) => {
                    self.report(
                        book,
                        Code::GuideNotContent,
                        Some(*line),
                        format!(
                            "the guide reference {href:?} is {}, not a content document",
                            items[index].media_type
                        ),
                    )
                }
                Some(_) => {}
            }
        }
    }

    /// Images are what the manifest says they are, and whole.
    fn check_resources(&self, book: &mut Book, items: &[Item]) {
        let mut images: Vec<&Item> = items
            .iter()
            .filter(|i| !i.remote && !i.path.is_empty())
            .filter(|i| {
                matches!(
                    i.media_type.as_str(),
                    "image/jpeg" | "image/png" | "image/gif" | "image/webp"
                )
            })
            .collect();
        images.sort_by(|a, b| a.path.cmp(&b.path));
        images.dedup_by(|a, b| a.path == b.path);
        for item in images {
            let Some(bytes) = book.read(&item.path) else {
                continue;
            };
            match crate::cover::sniff(&bytes) {
                Some(kind) if kind.media_type() != item.media_type => book.report(
                    Code::MediaTypeMismatch,
                    Some(&item.path),
                    None,
                    format!(
                        "is a {} image, but the manifest says {}",
                        kind.media_type(),
                        item.media_type
                    ),
                ),
                Some(_)
                    if imagesize::blob_size(&bytes).is_ok_and(|s| s.width > 0 && s.height > 0) => {}
                _ => book.report(
                    Code::ImageCorrupt,
                    Some(&item.path),
                    None,
                    format!("is not a readable {} image", item.media_type),
                ),
            }
        }
    }
}

impl Rendition<'_> {
    /// A package `link` to a file in the book says what the file is.
    fn check_links(&self, book: &mut Book) {
        for (href, has_media_type, line) in &self.package.links {
            if !is_remote(href) && !has_media_type && !href.starts_with('#') {
                self.report(
                    book,
                    Code::LinkMediaType,
                    Some(*line),
                    format!("the link to {href:?}, a file in the book, has no media-type"),
                );
            }
        }
    }

    /// Whether a spine item is laid out as fixed pages.
    fn is_fixed(&self, id: &str) -> bool {
        self.package
            .spine
            .iter()
            .find(|r| r.idref == id)
            .is_some_and(|itemref| {
                itemref
                    .properties
                    .iter()
                    .any(|p| p == "rendition:layout-pre-paginated")
                    || (self.package.fixed_layout
                        && !itemref
                            .properties
                            .iter()
                            .any(|p| p == "rendition:layout-reflowable"))
            })
    }

    /// Region-based navigation (EPUB Region-Based Navigation): typed `nav`s, on `nav`
    /// elements only, pointing at fixed-layout pages.
    fn check_region_navigation(&self, book: &mut Book, items: &[Item]) {
        for item in items.iter().filter(|i| i.has("data-nav")) {
            let Some(document) = self.documents.get(&item.path) else {
                continue;
            };
            for (kind, _) in &document.navs {
                if kind.trim().is_empty() {
                    book.report(
                        Code::NavUntyped,
                        Some(&item.path),
                        None,
                        "a nav of the data-nav document has no epub:type",
                    );
                }
            }
            for line in &document.region_based_elsewhere {
                book.report(
                    Code::RegionNavElement,
                    Some(&item.path),
                    Some(*line),
                    "region-based navigation must be a nav element",
                );
            }
            for reference in &document.references {
                let Use::Nav(kind) = &reference.usage else {
                    continue;
                };
                if !kind.split_whitespace().any(|k| k == "region-based") {
                    continue;
                }
                let target = reference.url.split('#').next().unwrap_or("");
                let (path, _) = resolve_checked(folder_of(&item.path), target);
                let target_item = book
                    .find(&path)
                    .and_then(|name| self.by_path.get(name))
                    .map(|&i| &items[i]);
                if let Some(target_item) = target_item {
                    if !self.is_fixed(&target_item.id) {
                        book.report(
                            Code::RegionNavNotFixed,
                            Some(&item.path),
                            Some(reference.line),
                            format!(
                                "region-based navigation points at {:?}, which is not fixed-layout",
                                target_item.href
                            ),
                        );
                    }
                }
            }
        }
        for (path, document) in &self.documents {
            if !items[self.by_path[path]].has("data-nav") {
                for line in &document.region_based_elsewhere {
                    book.report(
                        Code::RegionNavElement,
                        Some(path),
                        Some(*line),
                        "region-based navigation must be a nav element",
                    );
                }
            }
        }
    }

    /// Media overlays and the documents they read must name each other.
    fn check_overlays(&self, book: &mut Book, items: &[Item]) {
        let overlays: Vec<&Item> = items.iter().filter(|i| i.media_type == SMIL).collect();
        let mut read_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for overlay in &overlays {
            let Some(document) = self.documents.get(&overlay.path) else {
                continue;
            };
            let mut targets = HashSet::new();
            for reference in &document.references {
                if reference.usage != Use::OverlayText {
                    continue;
                }
                let target = reference.url.split('#').next().unwrap_or("");
                let (path, _) = resolve_checked(folder_of(&overlay.path), target);
                if let Some(name) = book.find(&path) {
                    targets.insert(name.to_string());
                }
            }
            for target in targets {
                read_by.entry(target).or_default().push(overlay.id.clone());
            }
        }
        for (path, overlay_ids) in &read_by {
            let Some(&index) = self.by_path.get(path) else {
                continue;
            };
            let item = &items[index];
            let line = Some(item.line);
            if overlay_ids.len() > 1 {
                self.report(
                    book,
                    Code::OverlayTwice,
                    line,
                    format!("{path:?} is read by more than one media overlay"),
                );
            }
            match &item.media_overlay {
                None => self.report(
                    book,
                    Code::OverlayNotDeclared,
                    line,
                    format!(
                        "{path:?} is read by the overlay {:?} but has no media-overlay attribute",
                        overlay_ids[0]
                    ),
                ),
                Some(declared) if !overlay_ids.contains(declared) => self.report(
                    book,
                    Code::OverlayWrong,
                    line,
                    format!(
                        "{path:?} names the overlay {declared:?}, but {:?} reads it",
                        overlay_ids[0]
                    ),
                ),
                Some(_) => {}
            }
        }
        for item in items.iter().filter(|i| i.media_overlay.is_some()) {
            let overlay = item.media_overlay.as_deref().unwrap_or_default();
            let read = read_by
                .get(&item.path)
                .is_some_and(|ids| ids.iter().any(|id| id == overlay));
            let overlay_exists = overlays.iter().any(|o| o.id == overlay);
            if overlay_exists && !read && !read_by.contains_key(&item.path) {
                self.report(
                    book,
                    Code::OverlayUnused,
                    Some(item.line),
                    format!(
                        "{:?} names the overlay {overlay:?}, which does not read it",
                        item.path
                    ),
                );
            }
            if self.package.active_class {
                if let Some(document) = self.documents.get(&item.path) {
                    if !document.styled {
                        self.report(
                            book,
                            Code::OverlayNoStyle,
                            Some(item.line),
                            format!(
                                "{:?} is read by an overlay with an active class, but has no CSS",
                                item.path
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn css_references(urls: Vec<css::CssUrl>) -> Vec<Reference> {
    urls.into_iter()
        .map(|url| Reference {
            usage: if url.import {
                Use::Import
            } else if url.font {
                Use::Font
            } else {
                Use::CssResource
            },
            url: url.url,
            line: url.line,
            group: None,
        })
        .collect()
}

/// `2024-01-31T12:00:00Z`.
fn is_modified_date(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// External identifiers an EPUB 3 document may keep in its DOCTYPE, by media type.
fn allowed_doctype(doctype: &str, media_type: &str) -> bool {
    let has_identifier = doctype.contains("PUBLIC") || doctype.contains("SYSTEM");
    if !has_identifier {
        return true;
    }
    let allowed: &[(&str, &str, &str)] = &[
        (
            SVG,
            "-//W3C//DTD SVG 1.1//EN",
            "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
        ),
        (
            "application/mathml+xml",
            "-//W3C//DTD MathML 2.0//EN",
            "http://www.w3.org/Math/DTD/mathml2/mathml2.dtd",
        ),
        (
            NCX,
            "-//NISO//DTD ncx 2005-1//EN",
            "http://www.daisy.org/z3986/2005/ncx-2005-1.dtd",
        ),
        (
            XHTML,
            "-//W3C//DTD XHTML 1.1//EN",
            "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd",
        ),
        (
            XHTML,
            "-//W3C//DTD XHTML 1.0 Strict//EN",
            "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd",
        ),
        (
            XHTML,
            "-//W3C//DTD XHTML 1.0 Transitional//EN",
            "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd",
        ),
        (XHTML, "", "about:legacy-compat"),
    ];
    allowed.iter().any(|(kind, public, system)| {
        *kind == media_type
            && (public.is_empty() || doctype.contains(public))
            && doctype.contains(system)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_dates() {
        for (date, ok) in [
            ("2024-01-31T12:00:00Z", true),
            ("2024-01-31", false),
            ("2024-01-31T12:00:00+01:00", false),
            ("2024-1-31T12:00:00Z", false),
        ] {
            assert_eq!(is_modified_date(date), ok, "{date}");
        }
    }

    #[test]
    fn remote_urls() {
        for (url, remote) in [
            ("http://example.org/a.png", true),
            ("HTTPS://example.org/a.png", true),
            ("//example.org/a.png", true),
            ("images/a.png", false),
            ("mailto:a@b.c", false),
            ("a:b.png", true == false),
        ] {
            assert_eq!(is_remote(url), remote, "{url}");
        }
    }

    #[test]
    fn doctypes() {
        assert!(allowed_doctype(" html", XHTML));
        assert!(allowed_doctype(
            " svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\"",
            SVG
        ));
        assert!(!allowed_doctype(
            " svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\"",
            XHTML
        ));
        assert!(!allowed_doctype(" html SYSTEM \"foo.dtd\"", XHTML));
    }
}
