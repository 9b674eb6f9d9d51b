//! Checking built books: what a reading system needs in order to open an EPUB at all.
//!
//! This stage reads any EPUB, not only ficbind's, so it knows nothing of the export stage.
//! It reads the archive with the `zip` crate and the XML with quick-xml, and refuses archives
//! whose sizes or names could harm the machine reading them before decompressing anything.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Archives with more entries than this are refused.
pub const MAX_ENTRIES: usize = 10_000;
/// No entry of a book may decompress to more than this.
pub const MAX_ENTRY_BYTES: u64 = 256 * 1024 * 1024;
/// All entries together may not decompress to more than this.
pub const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;
/// Deflate reaches about 1:1000 at best on real data; beyond that the archive is a bomb.
const MAX_RATIO: u64 = 1000;

const XHTML: &str = "application/xhtml+xml";
const NCX: &str = "application/x-dtbncx+xml";
const SVG: &str = "image/svg+xml";

/// One thing wrong with a book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The archive entry the problem is in, when it is in one.
    pub entry: Option<String>,
    pub message: String,
    /// The archive was not read any further, because reading it could harm the machine.
    pub refused: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some(entry) => write!(f, "{entry}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn problem(entry: Option<&str>, message: impl Into<String>) -> Problem {
    Problem {
        entry: entry.map(str::to_owned),
        message: message.into(),
        refused: false,
    }
}

fn refusal(entry: Option<&str>, message: impl Into<String>) -> Problem {
    Problem {
        refused: true,
        ..problem(entry, message)
    }
}

/// Checks the book at `path`. Only a file that cannot be opened is an error; everything
/// wrong inside it is a problem.
pub fn check_file(path: &Path) -> Result<Vec<Problem>, std::io::Error> {
    let file = std::fs::File::open(path)?;
    Ok(check_archive(std::io::BufReader::new(file)))
}

/// Checks a book held in memory.
pub fn check_bytes(bytes: &[u8]) -> Vec<Problem> {
    check_archive(std::io::Cursor::new(bytes))
}

pub fn check_archive<R: Read + Seek>(reader: R) -> Vec<Problem> {
    let mut problems = Vec::new();
    let archive = match zip::ZipArchive::new(reader) {
        Ok(archive) => archive,
        Err(error) => {
            problems.push(problem(
                None,
                format!("not a readable zip archive: {error}"),
            ));
            return problems;
        }
    };
    let mut book = match Archive::open(archive) {
        Ok(book) => book,
        Err(refusal) => {
            problems.push(refusal);
            return problems;
        }
    };
    book.check(&mut problems);
    problems
}

/// An archive whose names and sizes have been found safe to read.
struct Archive<R> {
    zip: zip::ZipArchive<R>,
    /// Entry names in archive order; folders left out.
    names: Vec<String>,
}

impl<R: Read + Seek> Archive<R> {
    fn open(mut zip: zip::ZipArchive<R>) -> Result<Self, Problem> {
        if zip.len() > MAX_ENTRIES {
            return Err(refusal(
                None,
                format!(
                    "the archive has {} entries, more than the {MAX_ENTRIES} a book can \
                     plausibly need; refusing to read it",
                    zip.len()
                ),
            ));
        }
        let mut names = Vec::with_capacity(zip.len());
        let mut total: u64 = 0;
        for index in 0..zip.len() {
            let entry = zip
                .by_index_raw(index)
                .map_err(|error| refusal(None, format!("entry {index} cannot be read: {error}")))?;
            let name = entry
                .name()
                .map_err(|error| {
                    refusal(
                        None,
                        format!("entry {index} has a name that cannot be read: {error}"),
                    )
                })?
                .into_owned();
            if !is_safe_name(&name) {
                return Err(refusal(
                    None,
                    format!(
                        "the entry {name:?} points outside the book (absolute path, \"..\" or \
                         a backslash); refusing to read it"
                    ),
                ));
            }
            let size = entry.size();
            let packed = entry.compressed_size().max(1);
            total = total.saturating_add(size);
            if size > MAX_ENTRY_BYTES || total > MAX_TOTAL_BYTES {
                return Err(refusal(
                    Some(&name),
                    format!(
                        "decompresses to {} MB, more than a book can plausibly hold ({} MB per \
                         file, {} MB in all); refusing to read it",
                        size / (1024 * 1024),
                        MAX_ENTRY_BYTES / (1024 * 1024),
                        MAX_TOTAL_BYTES / (1024 * 1024)
                    ),
                ));
            }
            if size > 1024 * 1024 && size / packed > MAX_RATIO {
                return Err(refusal(
                    Some(&name),
                    format!(
                        "compressed {}:1, far beyond what real content reaches; this looks \
                         like a zip bomb, refusing to read it",
                        size / packed
                    ),
                ));
            }
            if !entry.is_dir() {
                names.push(name);
            }
        }
        Ok(Archive { zip, names })
    }

    /// An entry's contents. Declared sizes can lie, so reading stops just past them.
    fn read(&mut self, name: &str) -> Result<Vec<u8>, String> {
        let entry = self
            .zip
            .by_name(name)
            .map_err(|error| format!("cannot be read: {error}"))?;
        let limit = entry.size().min(MAX_ENTRY_BYTES);
        let mut bytes = Vec::with_capacity(usize::try_from(limit).unwrap_or(0));
        entry
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| format!("cannot be decompressed: {error}"))?;
        if bytes.len() as u64 > limit {
            return Err("holds more data than its header declares".to_string());
        }
        Ok(bytes)
    }

    fn check(&mut self, problems: &mut Vec<Problem>) {
        self.check_names(problems);
        self.check_mimetype(problems);
        let Some(package_path) = self.package_path(problems) else {
            return;
        };
        let package = match self.read(&package_path) {
            Ok(bytes) => match Package::parse(&bytes) {
                Ok(package) => package,
                Err(message) => {
                    problems.push(problem(Some(&package_path), message));
                    return;
                }
            },
            Err(message) => {
                problems.push(problem(
                    Some(&package_path),
                    format!("the package document {message}"),
                ));
                return;
            }
        };
        let base = match package_path.rfind('/') {
            Some(slash) => &package_path[..=slash],
            None => "",
        };
        let items = self.check_manifest(&package, base, &package_path, problems);
        self.check_spine(&package, problems);
        self.check_documents(&items, problems);
        self.check_contents(&package, &items, problems);
        self.check_cover(&package, &items, problems);
    }

    fn check_names(&self, problems: &mut Vec<Problem>) {
        let mut seen = HashSet::new();
        for name in &self.names {
            if !seen.insert(name.as_str()) {
                problems.push(problem(Some(name), "appears twice in the archive"));
            }
        }
    }

    fn check_mimetype(&mut self, problems: &mut Vec<Problem>) {
        let first_is_mimetype = self.names.first().is_some_and(|n| n == "mimetype");
        if !self.names.iter().any(|n| n == "mimetype") {
            problems.push(problem(None, "there is no `mimetype` entry"));
            return;
        }
        if !first_is_mimetype {
            problems.push(problem(
                Some("mimetype"),
                "is not the first entry of the archive, so readers cannot tell it is an EPUB",
            ));
        }
        if let Ok(entry) = self.zip.by_name("mimetype") {
            if entry.compression() != zip::CompressionMethod::Stored {
                problems.push(problem(
                    Some("mimetype"),
                    "is compressed; it must be stored",
                ));
            }
        }
        match self.read("mimetype") {
            Ok(bytes) if bytes == b"application/epub+zip" => {}
            Ok(bytes) => problems.push(problem(
                Some("mimetype"),
                format!(
                    "says {:?} instead of \"application/epub+zip\"",
                    String::from_utf8_lossy(&bytes)
                ),
            )),
            Err(message) => problems.push(problem(Some("mimetype"), message)),
        }
    }

    /// The package document named by `META-INF/container.xml`.
    fn package_path(&mut self, problems: &mut Vec<Problem>) -> Option<String> {
        const CONTAINER: &str = "META-INF/container.xml";
        if !self.names.iter().any(|n| n == CONTAINER) {
            problems.push(problem(None, format!("there is no {CONTAINER}")));
            return None;
        }
        let bytes = match self.read(CONTAINER) {
            Ok(bytes) => bytes,
            Err(message) => {
                problems.push(problem(Some(CONTAINER), message));
                return None;
            }
        };
        let mut path = None;
        let result = walk(&bytes, |element, _| {
            if local(element.name().as_ref()) == b"rootfile" && path.is_none() {
                path = attribute(element, b"full-path");
            }
        });
        if let Err(message) = result {
            problems.push(problem(Some(CONTAINER), message));
            return None;
        }
        let Some(path) = path else {
            problems.push(problem(
                Some(CONTAINER),
                "names no package document (no rootfile with a full-path)",
            ));
            return None;
        };
        if !self.names.contains(&path) {
            problems.push(problem(
                Some(CONTAINER),
                format!("points at {path:?}, which is not in the archive"),
            ));
            return None;
        }
        Some(path)
    }

    /// Compares the manifest with the archive; returns the items found, by id.
    fn check_manifest(
        &self,
        package: &Package,
        base: &str,
        package_path: &str,
        problems: &mut Vec<Problem>,
    ) -> HashMap<String, Item> {
        let mut items = HashMap::new();
        let mut listed = HashSet::new();
        for item in &package.items {
            if item.href.contains("://") {
                continue;
            }
            let path = resolve(base, &item.href);
            if !self.names.contains(&path) {
                problems.push(problem(
                    Some(package_path),
                    format!(
                        "the manifest lists {:?} (id {:?}), which is not in the archive",
                        item.href, item.id
                    ),
                ));
                continue;
            }
            listed.insert(path.clone());
            items.insert(
                item.id.clone(),
                Item {
                    path,
                    ..item.clone()
                },
            );
        }
        for name in &self.names {
            let bookkeeping =
                name == "mimetype" || name.starts_with("META-INF/") || name == package_path;
            if !bookkeeping && !listed.contains(name) {
                problems.push(problem(
                    Some(name),
                    "is in the archive but not in the manifest",
                ));
            }
        }
        items
    }

    fn check_spine(&self, package: &Package, problems: &mut Vec<Problem>) {
        if package.spine.is_empty() {
            problems.push(problem(None, "the spine is empty: the book has no pages"));
        }
        let ids: HashSet<&str> = package.items.iter().map(|i| i.id.as_str()).collect();
        for idref in &package.spine {
            if !ids.contains(idref.as_str()) {
                problems.push(problem(
                    None,
                    format!("the spine names {idref:?}, which is not in the manifest"),
                ));
            }
        }
    }

    fn check_documents(&mut self, items: &HashMap<String, Item>, problems: &mut Vec<Problem>) {
        let mut documents: Vec<&Item> = items
            .values()
            .filter(|i| matches!(i.media_type.as_str(), XHTML | NCX | SVG))
            .collect();
        documents.sort_by(|a, b| a.path.cmp(&b.path));
        for item in documents {
            let result = self
                .read(&item.path)
                .and_then(|bytes| walk(&bytes, |_, _| {}));
            if let Err(message) = result {
                problems.push(problem(Some(&item.path), message));
            }
        }
    }

    /// A reader needs a table of contents with at least one entry: the EPUB 3 navigation
    /// document, or the NCX of an EPUB 2.
    fn check_contents(
        &mut self,
        package: &Package,
        items: &HashMap<String, Item>,
        problems: &mut Vec<Problem>,
    ) {
        let nav = items.values().find(|i| i.properties.contains("nav"));
        let ncx = package
            .toc
            .as_ref()
            .and_then(|id| items.get(id))
            .or_else(|| items.values().find(|i| i.media_type == NCX));
        let (item, entries) = if package.version.starts_with('3') {
            let Some(nav) = nav else {
                problems.push(problem(
                    None,
                    "the manifest has no navigation document (an item with properties=\"nav\")",
                ));
                return;
            };
            (nav, self.count(nav, toc_links))
        } else {
            let Some(ncx) = ncx else {
                problems.push(problem(None, "the book has no NCX table of contents"));
                return;
            };
            (ncx, self.count(ncx, nav_points))
        };
        // Malformed documents were reported already.
        if entries == Some(0) {
            problems.push(problem(Some(&item.path), "the table of contents is empty"));
        }
    }

    fn count(&mut self, item: &Item, counter: fn(&[u8]) -> Result<usize, String>) -> Option<usize> {
        self.read(&item.path).ok().and_then(|b| counter(&b).ok())
    }

    fn check_cover(
        &mut self,
        package: &Package,
        items: &HashMap<String, Item>,
        problems: &mut Vec<Problem>,
    ) {
        let by_property = items
            .values()
            .find(|i| i.properties.contains("cover-image"));
        let declared = by_property.map(|i| i.id.clone()).or(package.cover.clone());
        let Some(id) = declared else {
            return;
        };
        let Some(item) = items.get(&id) else {
            if !package.items.iter().any(|i| i.id == id) {
                problems.push(problem(
                    None,
                    format!("the cover is declared as {id:?}, which is not in the manifest"),
                ));
            }
            return;
        };
        let bytes = match self.read(&item.path) {
            Ok(bytes) => bytes,
            Err(message) => {
                problems.push(problem(Some(&item.path), message));
                return;
            }
        };
        match crate::cover::sniff(&bytes) {
            None if item.media_type == SVG => {}
            None => problems.push(problem(
                Some(&item.path),
                "the cover is not a JPEG, PNG, GIF or WebP image",
            )),
            Some(kind) if kind.media_type() != item.media_type => problems.push(problem(
                Some(&item.path),
                format!(
                    "the cover is a {} image but the manifest says {}",
                    kind.media_type(),
                    item.media_type
                ),
            )),
            Some(_) => {}
        }
    }
}

/// A name that stays inside the folder the book would be unpacked into.
pub(crate) fn is_safe_name(name: &str) -> bool {
    let drive_letter = name.len() >= 2 && name.as_bytes()[1] == b':';
    let leaves = name.is_empty()
        || name.starts_with('/')
        || name.contains(['\\', '\0'])
        || drive_letter
        || name.split('/').any(|part| part == "..");
    !leaves
}

/// A manifest `href`, relative to the package document's folder, as an archive name.
pub(crate) fn resolve(base: &str, href: &str) -> String {
    let href = href.split('#').next().unwrap_or("");
    let joined = format!("{base}{}", percent_decode(href));
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A manifest item.
#[derive(Debug, Clone, Default)]
struct Item {
    id: String,
    href: String,
    media_type: String,
    properties: String,
    /// Where it is in the archive; set once it is found there.
    path: String,
}

/// What the checks need from the package document.
#[derive(Debug, Default)]
struct Package {
    version: String,
    items: Vec<Item>,
    spine: Vec<String>,
    /// The spine's `toc` attribute: the NCX's id.
    toc: Option<String>,
    /// `<meta name="cover" content="…">`.
    cover: Option<String>,
}

impl Package {
    fn parse(bytes: &[u8]) -> Result<Package, String> {
        let mut package = Package::default();
        let mut has = HashSet::new();
        walk(bytes, |element, _| {
            let name = element.name();
            let name = local(name.as_ref());
            has.insert(name.to_vec());
            let get = |key: &[u8]| attribute(element, key);
            match name {
                b"package" => package.version = get(b"version").unwrap_or_default(),
                b"item" => package.items.push(Item {
                    id: get(b"id").unwrap_or_default(),
                    href: get(b"href").unwrap_or_default(),
                    media_type: get(b"media-type").unwrap_or_default(),
                    properties: get(b"properties").unwrap_or_default(),
                    path: String::new(),
                }),
                b"itemref" => package.spine.extend(get(b"idref")),
                b"spine" => package.toc = get(b"toc"),
                b"meta" if get(b"name").as_deref() == Some("cover") => {
                    package.cover = get(b"content");
                }
                _ => {}
            }
        })
        .map_err(|message| format!("the package document is not well-formed XML: {message}"))?;
        for required in ["package", "metadata", "manifest", "spine"] {
            if !has.contains(required.as_bytes()) {
                return Err(format!("the package document has no <{required}> element"));
            }
        }
        for required in ["title", "identifier", "language"] {
            if !has.contains(required.as_bytes()) {
                return Err(format!("the package document has no dc:{required}"));
            }
        }
        Ok(package)
    }
}

/// Links inside the `toc` navigation of an EPUB 3 navigation document.
fn toc_links(bytes: &[u8]) -> Result<usize, String> {
    let mut depth_in_toc: Option<usize> = None;
    let mut links = 0;
    walk(bytes, |element, depth| {
        let name = element.name();
        let name = local(name.as_ref());
        if let Some(toc_depth) = depth_in_toc {
            if depth <= toc_depth {
                depth_in_toc = None;
            }
        }
        if name == b"nav" {
            let kind = attribute(element, b"epub:type").unwrap_or_default();
            if kind.split_whitespace().any(|k| k == "toc") {
                depth_in_toc = Some(depth);
            }
        } else if name == b"a" && depth_in_toc.is_some() && attribute(element, b"href").is_some() {
            links += 1;
        }
    })?;
    Ok(links)
}

fn nav_points(bytes: &[u8]) -> Result<usize, String> {
    let mut points = 0;
    walk(bytes, |element, _| {
        if local(element.name().as_ref()) == b"navPoint" {
            points += 1;
        }
    })?;
    Ok(points)
}

fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

fn attribute(element: &BytesStart, key: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Why a document is not well-formed XML; the message starts with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(pub String);

/// Checks that `bytes` is a well-formed XML document.
pub fn well_formed(bytes: &[u8]) -> Result<(), XmlError> {
    walk(bytes, |_, _| {}).map_err(XmlError)
}

/// Reads a whole XML document, calling `visit` on every element with its depth (the root
/// is 1), and fails on anything that is not well-formed.
fn walk(bytes: &[u8], mut visit: impl FnMut(&BytesStart, usize)) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        format!(
            "line {}: not valid UTF-8",
            line_of(bytes, error.valid_up_to())
        )
    })?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.check_comments = true;
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    loop {
        let at = reader.buffer_position() as usize;
        let fail = |message: String| format!("line {}: {message}", line_of(bytes, at));
        let event = reader
            .read_event()
            .map_err(|error| fail(error.to_string()))?;
        match event {
            Event::Start(ref element) | Event::Empty(ref element) => {
                if open.is_empty() {
                    roots += 1;
                    if roots > 1 {
                        return Err(fail("more than one root element".to_string()));
                    }
                }
                check_attributes(element).map_err(fail)?;
                visit(element, open.len() + 1);
                if let Event::Start(_) = event {
                    open.push(String::from_utf8_lossy(element.name().as_ref()).into_owned());
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Text(ref content) => {
                let content = content.decode().map_err(|e| fail(e.to_string()))?;
                if open.is_empty() && !content.trim().is_empty() {
                    return Err(fail("text outside the root element".to_string()));
                }
                check_characters(&content).map_err(fail)?;
            }
            Event::CData(ref content) => {
                let content = content.decode().map_err(|e| fail(e.to_string()))?;
                check_characters(&content).map_err(fail)?;
            }
            Event::GeneralRef(ref reference) => {
                if open.is_empty() {
                    return Err(fail("a reference outside the root element".to_string()));
                }
                check_reference(reference).map_err(fail)?;
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(element) = open.last() {
        return Err(format!("<{element}> is never closed"));
    }
    if roots == 0 {
        return Err("there is no root element".to_string());
    }
    Ok(())
}

fn check_attributes(element: &BytesStart) -> Result<(), String> {
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|error| error.to_string())?;
        let raw = std::str::from_utf8(&attribute.value).map_err(|e| e.to_string())?;
        if raw.contains('<') {
            return Err("an attribute value contains '<'".to_string());
        }
        let value = attribute
            .unescape_value()
            .map_err(|error| format!("an attribute value: {error}"))?;
        check_characters(&value)?;
    }
    Ok(())
}

/// Only the five predefined entities exist in XHTML read as XML; `&nbsp;` is an error.
fn check_reference(reference: &quick_xml::events::BytesRef) -> Result<(), String> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(()),
            _ => Err("a character reference to a character XML does not allow".to_string()),
        };
    }
    let name = reference.decode().map_err(|e| e.to_string())?;
    match name.as_ref() {
        "amp" | "lt" | "gt" | "quot" | "apos" => Ok(()),
        other => Err(format!("the entity &{other}; is not defined in XML")),
    }
}

fn check_characters(text: &str) -> Result<(), String> {
    match text.chars().find(|&c| !is_xml_char(c)) {
        Some(c) => Err(format!(
            "the character U+{:04X} is not allowed in XML",
            c as u32
        )),
        None => Ok(()),
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    let offset = offset.min(bytes.len());
    memchr::memchr_iter(b'\n', &bytes[..offset]).count() + 1
}

/// Why EPUBCheck could not check a book.
#[derive(Debug, thiserror::Error)]
pub enum EpubCheckError {
    #[error("EPUBCheck jar {} does not exist", .0.display())]
    NoJar(PathBuf),
    #[error("cannot run java for EPUBCheck: {0}; install Java 11 or later")]
    NoJava(std::io::Error),
    #[error("cannot run {}: {source}", program.display())]
    Launch {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("EPUBCheck failed without a finding: {0}")]
    Failed(String),
}

/// How to run EPUBCheck: as a jar with `java -jar`, or as a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EpubCheck {
    Jar(PathBuf),
    Command(PathBuf),
}

/// Finds EPUBCheck: `jar` when given, else `EPUBCHECK_JAR`, else an `epubcheck` command on
/// the `PATH`. Java must be installed for a jar.
pub fn find_epubcheck(jar: Option<&Path>) -> Option<EpubCheck> {
    if let Some(jar) = jar {
        return Some(EpubCheck::Jar(jar.to_owned()));
    }
    if let Some(jar) = std::env::var_os("EPUBCHECK_JAR").filter(|j| !j.is_empty()) {
        return Some(EpubCheck::Jar(PathBuf::from(jar)));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("epubcheck"))
        .find(|candidate| candidate.is_file())
        .map(EpubCheck::Command)
}

/// Runs EPUBCheck on one book and returns its errors and warnings, one line each. `Err`
/// means EPUBCheck itself could not run.
pub fn run_epubcheck(epubcheck: &EpubCheck, book: &Path) -> Result<Vec<String>, EpubCheckError> {
    let mut command = match epubcheck {
        EpubCheck::Jar(jar) => {
            if !jar.is_file() {
                return Err(EpubCheckError::NoJar(jar.clone()));
            }
            let mut command = Command::new("java");
            command.arg("-jar").arg(jar);
            command
        }
        EpubCheck::Command(program) => Command::new(program),
    };
    let output = command
        .arg("--quiet")
        .arg(book)
        .output()
        .map_err(|source| match epubcheck {
            EpubCheck::Jar(_) => EpubCheckError::NoJava(source),
            EpubCheck::Command(program) => EpubCheckError::Launch {
                program: program.clone(),
                source,
            },
        })?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let findings: Vec<String> = text
        .lines()
        .filter(|line| {
            ["FATAL", "ERROR", "WARNING"]
                .iter()
                .any(|level| line.starts_with(level))
        })
        .map(str::to_owned)
        .collect();
    if findings.is_empty() && !output.status.success() {
        return Err(EpubCheckError::Failed(text.trim().to_string()));
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formedness() {
        for (xml, ok) in [
            ("<a/>", true),
            ("<?xml version=\"1.0\"?>\n<a>x &amp; &#x2014; y</a>", true),
            ("<a><b></a>", false),
            ("<a>", false),
            ("<a></a><b/>", false),
            ("text", false),
            ("<a>&nbsp;</a>", false),
            ("<a>&#0;</a>", false),
            ("<a>\u{1}</a>", false),
            ("<a x=\"1\" x=\"2\"/>", false),
            ("<a x=\"<\"/>", false),
            ("<a>AT&T</a>", false),
            ("", false),
        ] {
            assert_eq!(well_formed(xml.as_bytes()).is_ok(), ok, "{xml:?}");
        }
    }

    #[test]
    fn errors_name_the_line() {
        let message = well_formed(b"<a>\n<b>\n</c></a>").unwrap_err();
        assert!(message.0.starts_with("line 3"), "{message}");
    }

    #[test]
    fn names_that_leave_the_book_are_unsafe() {
        for (name, safe) in [
            ("OEBPS/chapter.xhtml", true),
            ("mimetype", true),
            ("../evil", false),
            ("a/../../evil", false),
            ("/etc/passwd", false),
            ("C:/x", false),
            ("a\\..\\b", false),
            ("", false),
        ] {
            assert_eq!(is_safe_name(name), safe, "{name:?}");
        }
    }

    #[test]
    fn hrefs_resolve_against_the_package_folder() {
        for (base, href, path) in [
            ("OEBPS/", "chapter.xhtml", "OEBPS/chapter.xhtml"),
            ("OEBPS/", "../images/a.png", "images/a.png"),
            ("", "a%20b.xhtml#top", "a b.xhtml"),
            ("OPS/", "./x/y.css", "OPS/x/y.css"),
        ] {
            assert_eq!(resolve(base, href), path);
        }
    }
}
