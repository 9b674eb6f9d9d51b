//! Checking books: what would break an EPUB on a reading system, found the way EPUBCheck
//! finds it, a thousand times faster.
//!
//! This stage reads any EPUB, not only ficbind's, so it knows nothing of the export stage.
//! Every check runs whatever the others found, and the problems come out in one stable
//! order, so the same book always gives the same report. The archive is read from its
//! central directory as written (`unzip.rs`), after guards against bombs and names that
//! leave the book; each entry is inflated at most once.
//!
//! - `codes.rs`: every problem's code, severity and EPUBCheck message ID;
//! - `archive`-level checks are here: entry names, `mimetype`, `META-INF`;
//! - `package.rs`: the package document: metadata, manifest, spine, fallbacks, guide;
//! - `content.rs`: XHTML, SVG, NCX and navigation documents, and every reference in them;
//! - `css.rs`: stylesheets, parsed with cssparser;
//! - `xml.rs`: the linear-time XML walk all of them share;
//! - `epubcheck.rs`: finding and running EPUBCheck itself.

pub mod codes;
mod content;
mod css;
mod epubcheck;
mod package;
pub mod xml;

pub use codes::{Code, Severity};
pub use epubcheck::{find_epubcheck, run_epubcheck, EpubCheck, EpubCheckError};
pub use xml::{well_formed, XmlError};

use crate::unzip::{records, Record};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

/// Archives with more entries than this are refused.
pub const MAX_ENTRIES: usize = 10_000;
/// No entry of a book may decompress to more than this.
pub const MAX_ENTRY_BYTES: u64 = 256 * 1024 * 1024;
/// All entries together may not decompress to more than this.
pub const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;
/// A book file larger than this is not read.
pub const MAX_BOOK_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Deflate reaches about 1:1000 at best on real data; beyond that the archive is a bomb.
const MAX_RATIO: u64 = 1000;

/// One thing wrong with a book.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Problem {
    /// The archive entry the problem is in, when it is in one.
    pub entry: Option<String>,
    pub line: Option<usize>,
    #[serde(serialize_with = "code_name")]
    pub code: Code,
    pub message: String,
}

fn code_name<S: serde::Serializer>(code: &Code, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(code.name())
}

impl Problem {
    pub fn new(
        code: Code,
        entry: Option<&str>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            entry: entry.map(str::to_owned),
            line,
            code,
            message: message.into(),
        }
    }

    /// The archive was not read any further, because reading it could harm the machine.
    pub fn refused(&self) -> bool {
        self.code == Code::Refused
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.entry, self.line) {
            (Some(entry), Some(line)) => write!(f, "{entry}:{line}: ")?,
            (Some(entry), None) => write!(f, "{entry}: ")?,
            (None, _) => {}
        }
        let severity = match self.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}[{}]: {}", self.code.name(), self.message)?;
        if let Some(id) = self.code.epubcheck() {
            write!(f, " ({id})")?;
        }
        Ok(())
    }
}

/// Checks the book at `path`. Only a file that cannot be read (missing, a folder, a
/// FIFO, too large) is an error; everything wrong inside it is a problem.
pub fn check_file(path: &Path) -> Result<Vec<Problem>, crate::files::FileError> {
    const BOOK: crate::files::Limit = crate::files::Limit {
        bytes: MAX_BOOK_BYTES,
        what: "a book",
        advice: "no EPUB is that large",
    };
    let bytes = crate::files::read_limited(path, BOOK)?;
    Ok(check_bytes(&bytes))
}

/// Checks a book held in memory.
pub fn check_bytes(bytes: &[u8]) -> Vec<Problem> {
    let mut problems = match Book::open(bytes) {
        Ok(mut book) => {
            book.check();
            book.problems
        }
        Err(problem) => vec![problem],
    };
    problems.sort();
    problems.dedup();
    problems
}

/// Whether EPUBCheck may be run on a book: not when the book declares XML entities,
/// which a parser that expands them can be made to work on for ever.
pub fn safe_for_epubcheck(bytes: &[u8]) -> bool {
    Book::open(bytes).is_ok_and(|book| {
        book.entries
            .keys()
            .filter(|name| name.ends_with("ml") || name.ends_with(".opf") || name.ends_with(".ncx"))
            .all(|name| {
                book.peek(name)
                    .is_none_or(|data| memchr::memmem::find(&data, b"<!ENTITY").is_none())
            })
    })
}

/// An archive whose names and sizes were found safe to read.
pub(crate) struct Book<'a> {
    bytes: &'a [u8],
    /// The central directory in its order, directories and unreadable names left out.
    order: Vec<(String, Record)>,
    /// Entries by name; a repeated name keeps its first entry.
    entries: BTreeMap<String, Record>,
    /// Names after Unicode normalization (NFC), for references written either way.
    normalized: HashMap<String, String>,
    /// What was inflated, so that no entry is inflated twice.
    cache: std::cell::RefCell<HashMap<String, Option<std::rc::Rc<Vec<u8>>>>>,
    problems: Vec<Problem>,
}

fn refusal(entry: Option<&str>, message: impl Into<String>) -> Problem {
    Problem::new(Code::Refused, entry, None, message)
}

impl<'a> Book<'a> {
    fn open(bytes: &'a [u8]) -> Result<Book<'a>, Problem> {
        let (records, directory) = records(bytes).map_err(|error| {
            Problem::new(
                Code::NotZip,
                None,
                None,
                format!("not a readable zip archive: {error}"),
            )
        })?;
        if records.len() > MAX_ENTRIES {
            return Err(refusal(
                None,
                format!(
                    "the archive has {} entries, more than the {MAX_ENTRIES} a book can \
                     plausibly need; refusing to read it",
                    records.len()
                ),
            ));
        }
        let mut problems = Vec::new();
        let mut total: u64 = 0;
        let mut order = Vec::with_capacity(records.len());
        for record in &records {
            let Some(name) = record.name() else {
                problems.push(Problem::new(
                    Code::NameNotUtf8,
                    Some(&String::from_utf8_lossy(&record.raw_name)),
                    None,
                    "the entry's name is not UTF-8; OCF names are UTF-8",
                ));
                continue;
            };
            if !is_safe_name(name) {
                return Err(refusal(
                    None,
                    format!(
                        "the entry {name:?} points outside the book (absolute path, \"..\" or \
                         a backslash); refusing to read it"
                    ),
                ));
            }
            total = total.saturating_add(record.size);
            if record.size > MAX_ENTRY_BYTES || total > MAX_TOTAL_BYTES {
                return Err(refusal(
                    Some(name),
                    format!(
                        "decompresses to {} MB, more than a book can plausibly hold ({} MB per \
                         file, {} MB in all); refusing to read it",
                        record.size / (1024 * 1024),
                        MAX_ENTRY_BYTES / (1024 * 1024),
                        MAX_TOTAL_BYTES / (1024 * 1024)
                    ),
                ));
            }
            let packed = record.compressed.max(1);
            if record.size > 1024 * 1024 && record.size / packed > MAX_RATIO {
                return Err(refusal(
                    Some(name),
                    format!(
                        "compressed {}:1, far beyond what real content reaches; this looks \
                         like a zip bomb, refusing to read it",
                        record.size / packed
                    ),
                ));
            }
            if !name.ends_with('/') {
                order.push((name.to_string(), record.clone()));
            }
        }
        check_overlaps(&records, directory)?;
        let mut entries = BTreeMap::new();
        for (name, record) in &order {
            entries
                .entry(name.clone())
                .or_insert_with(|| record.clone());
        }
        let normalized = entries
            .keys()
            .map(|name| (name.nfc().collect::<String>(), name.clone()))
            .collect();
        Ok(Book {
            bytes,
            order,
            entries,
            normalized,
            cache: Default::default(),
            problems,
        })
    }

    /// The archive name a (percent-decoded) path stands for, compared NFC as EPUB says.
    fn find(&self, path: &str) -> Option<&str> {
        if let Some((name, _)) = self.entries.get_key_value(path) {
            return Some(name);
        }
        let nfc: String = path.nfc().collect();
        self.normalized.get(&nfc).map(String::as_str)
    }

    fn has(&self, path: &str) -> bool {
        self.find(path).is_some()
    }

    /// An entry's bytes, inflated once; `None` (and a problem, once) when it cannot be.
    fn read(&mut self, path: &str) -> Option<std::rc::Rc<Vec<u8>>> {
        let name = self.find(path)?.to_string();
        if let Some(cached) = self.cache.borrow().get(&name) {
            return cached.clone();
        }
        let record = self.entries.get(&name)?;
        let result = record.read(self.bytes, MAX_ENTRY_BYTES);
        let data = match result {
            Ok(bytes) => Some(std::rc::Rc::new(bytes)),
            Err(message) => {
                self.problems.push(Problem::new(
                    Code::EntryUnreadable,
                    Some(&name),
                    None,
                    format!("cannot be read: {message}"),
                ));
                None
            }
        };
        self.cache.borrow_mut().insert(name, data.clone());
        data
    }

    /// As [`Book::read`], without reporting a failure.
    fn peek(&self, path: &str) -> Option<std::rc::Rc<Vec<u8>>> {
        let name = self.find(path)?.to_string();
        if let Some(cached) = self.cache.borrow().get(&name) {
            return cached.clone();
        }
        let data = self
            .entries
            .get(&name)?
            .read(self.bytes, MAX_ENTRY_BYTES)
            .ok()
            .map(std::rc::Rc::new);
        self.cache.borrow_mut().insert(name, data.clone());
        data
    }

    fn report(
        &mut self,
        code: Code,
        entry: Option<&str>,
        line: Option<usize>,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem::new(code, entry, line, message));
    }

    fn check(&mut self) {
        self.check_names();
        self.check_mimetype();
        let packages = self.check_container();
        self.check_meta_inf();
        for package in packages {
            package::check(self, &package);
        }
    }

    fn check_names(&mut self) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut folded: HashMap<String, &str> = HashMap::new();
        let mut found = Vec::new();
        for (name, _) in &self.order {
            *seen.entry(name).or_default() += 1;
            if seen[name.as_str()] == 2 {
                found.push(Problem::new(
                    Code::DuplicateEntry,
                    Some(name),
                    None,
                    "appears twice in the archive",
                ));
            }
            if seen[name.as_str()] == 1 {
                match folded.get(&case_fold(name)) {
                    Some(other) if *other != name => found.push(Problem::new(
                        Code::CaseCollision,
                        Some(name),
                        None,
                        format!(
                            "differs from {other:?} only by case; the two are one file on \
                             FAT and Windows"
                        ),
                    )),
                    _ => {
                        folded.insert(case_fold(name), name);
                    }
                }
            }
            if let Some(c) = name.chars().find(|&c| is_forbidden_in_name(c)) {
                found.push(Problem::new(
                    Code::ForbiddenCharacter,
                    Some(name),
                    None,
                    format!(
                        "the name holds U+{:04X}, which OCF file names may not",
                        c as u32
                    ),
                ));
            } else if name.ends_with('.') {
                found.push(Problem::new(
                    Code::ForbiddenCharacter,
                    Some(name),
                    None,
                    "the name ends with a full stop, which OCF file names may not",
                ));
            }
        }
        self.problems.extend(found);
    }

    fn check_mimetype(&mut self) {
        let Some((first, record)) = self.order.first().cloned() else {
            self.report(Code::MimetypeMissing, None, None, "the archive is empty");
            return;
        };
        if !self.entries.contains_key("mimetype") {
            self.report(
                Code::MimetypeMissing,
                None,
                None,
                "there is no `mimetype` entry",
            );
            return;
        }
        if first != "mimetype" {
            self.report(
                Code::MimetypeMissing,
                Some("mimetype"),
                None,
                "is not the first entry of the archive, so readers cannot tell it is an EPUB",
            );
            return;
        }
        if record.method != 0 {
            self.report(
                Code::MimetypeWrong,
                Some("mimetype"),
                None,
                "is compressed; it must be stored",
            );
        }
        if let Ok((_, extra)) = record.data_start(self.bytes) {
            if extra > 0 {
                self.report(
                    Code::MimetypeExtraField,
                    Some("mimetype"),
                    None,
                    format!(
                        "has an extra field of {extra} bytes in its zip header, which OCF forbids"
                    ),
                );
            }
        }
        match self.read("mimetype") {
            Some(bytes) if bytes.as_slice() == b"application/epub+zip" => {}
            Some(bytes) => {
                let said = String::from_utf8_lossy(&bytes).into_owned();
                self.report(
                    Code::MimetypeWrong,
                    Some("mimetype"),
                    None,
                    format!("says {said:?} instead of \"application/epub+zip\""),
                );
            }
            None => {}
        }
    }

    /// The package documents `META-INF/container.xml` names, in its order.
    fn check_container(&mut self) -> Vec<String> {
        const CONTAINER: &str = "META-INF/container.xml";
        if !self.has(CONTAINER) {
            self.report(
                Code::ContainerMissing,
                None,
                None,
                format!("there is no {CONTAINER}"),
            );
            return Vec::new();
        }
        let Some(bytes) = self.read(CONTAINER) else {
            return Vec::new();
        };
        let mut rootfiles: Vec<(Option<String>, Option<String>, usize)> = Vec::new();
        let mut unknown = Vec::new();
        let mut selection = Vec::new();
        let mut mappings: Vec<(String, Option<String>, usize)> = Vec::new();
        let result = xml::walk(&bytes, |node| {
            if let xml::Node::Start(element) = node {
                match (element.depth, element.local()) {
                    (1, "container") | (2, "rootfiles" | "links") => {}
                    (3, "link") => {
                        if element
                            .get("rel")
                            .is_some_and(|r| r.split_whitespace().any(|r| r == "mapping"))
                        {
                            mappings.push((
                                element.get("href").unwrap_or("").to_string(),
                                element.get("media-type").map(str::to_owned),
                                element.line,
                            ));
                        }
                    }
                    (3, "rootfile") => {
                        rootfiles.push((
                            element.get("full-path").map(str::to_owned),
                            element.get("media-type").map(str::to_owned),
                            element.line,
                        ));
                        for (key, value) in &element.attributes {
                            if let Some(attribute) = key.strip_prefix("rendition:") {
                                selection.push((
                                    attribute.to_string(),
                                    value.clone(),
                                    element.line,
                                ));
                            }
                        }
                    }
                    (_, other) => unknown.push((other.to_string(), element.line)),
                }
            }
        });
        if let Err(message) = result {
            self.report(
                Code::Malformed,
                Some(CONTAINER),
                None,
                format!("not well-formed XML: {message}"),
            );
            return Vec::new();
        }
        for (name, line) in unknown {
            self.report(
                Code::ContainerInvalid,
                Some(CONTAINER),
                Some(line),
                format!("<{name}> is not an element container.xml may hold here"),
            );
        }
        self.check_renditions(selection, mappings);
        const PACKAGE: &str = "application/oebps-package+xml";
        if rootfiles.is_empty() {
            self.report(
                Code::RootfileMediaType,
                Some(CONTAINER),
                None,
                "names no package document (no rootfile)",
            );
            return Vec::new();
        }
        if !rootfiles
            .iter()
            .any(|(_, kind, _)| kind.as_deref() == Some(PACKAGE))
        {
            self.report(
                Code::RootfileMediaType,
                Some(CONTAINER),
                None,
                format!("no rootfile has the media type {PACKAGE}"),
            );
        }
        let packages_named = rootfiles
            .iter()
            .filter(|(_, kind, _)| kind.as_deref() == Some(PACKAGE))
            .count();
        let mut packages = Vec::new();
        for (path, kind, line) in rootfiles {
            if kind.as_deref() != Some(PACKAGE) {
                continue;
            }
            let Some(path) = path.filter(|p| !p.is_empty()) else {
                self.report(
                    Code::RootfileMissing,
                    Some(CONTAINER),
                    Some(line),
                    "a rootfile has no full-path",
                );
                continue;
            };
            let path = percent_decode(&path);
            match self.find(&path) {
                Some(name) => packages.push(name.to_string()),
                None => self.report(
                    Code::RootfileMissing,
                    Some(CONTAINER),
                    Some(line),
                    format!("points at {path:?}, which is not in the archive"),
                ),
            }
        }
        // Several renditions are EPUB 3; an EPUB 2 reader takes one package.
        if packages_named > 1 {
            let first_is_epub2 = packages
                .first()
                .and_then(|p| self.peek(p))
                .is_some_and(|bytes| {
                    let head = &bytes[..bytes.len().min(2048)];
                    let head = String::from_utf8_lossy(head);
                    head.contains("version=\"2.") || head.contains("version='2.")
                });
            if first_is_epub2 {
                self.report(
                    Code::MultiplePackages,
                    Some(CONTAINER),
                    None,
                    format!("names {packages_named} package documents; EPUB 2 allows one"),
                );
            }
        }
        packages
    }

    /// What EPUB Multiple-Rendition Publications asks of the container: known selection
    /// attributes, one mapping document in XHTML with its version and resource map, and
    /// `META-INF/metadata.xml` with an identifier and a date.
    fn check_renditions(
        &mut self,
        selection: Vec<(String, String, usize)>,
        mappings: Vec<(String, Option<String>, usize)>,
    ) {
        const CONTAINER: &str = "META-INF/container.xml";
        for (attribute, value, line) in selection {
            match attribute.as_str() {
                "media" if !is_media_query(&value) => self.report(
                    Code::ContainerInvalid,
                    Some(CONTAINER),
                    Some(line),
                    format!("rendition:media {value:?} is not a media query"),
                ),
                "media" | "layout" | "language" | "accessMode" | "label" => {}
                other => self.report(
                    Code::ContainerInvalid,
                    Some(CONTAINER),
                    Some(line),
                    format!("rendition:{other} is not a rendition selection attribute"),
                ),
            }
        }
        if mappings.len() > 1 {
            self.report(
                Code::ContainerInvalid,
                Some(CONTAINER),
                None,
                "more than one mapping document is linked",
            );
        }
        for (href, media_type, line) in mappings.into_iter().take(1) {
            if media_type.as_deref() != Some("application/xhtml+xml") {
                self.report(
                    Code::ContainerInvalid,
                    Some(CONTAINER),
                    Some(line),
                    "the mapping document must be application/xhtml+xml",
                );
            }
            let path = resolve("", &href);
            let Some(bytes) = self.read(&path) else {
                continue;
            };
            let mut version = false;
            let mut resource_map = false;
            let mut untyped = Vec::new();
            let _ = xml::walk(&bytes, |node| {
                if let xml::Node::Start(element) = node {
                    match element.local() {
                        "meta"
                            if element.get("name") == Some("epub.multiple.renditions.version") =>
                        {
                            version = true
                        }
                        "nav" => match element.get("epub:type") {
                            Some(kind) if kind.split_whitespace().any(|k| k == "resource-map") => {
                                resource_map = true
                            }
                            Some(_) => {}
                            None => untyped.push(element.line),
                        },
                        _ => {}
                    }
                }
            });
            if !version {
                self.report(
                    Code::ContainerInvalid,
                    Some(&path),
                    None,
                    "the mapping document does not give epub.multiple.renditions.version",
                );
            }
            if !resource_map {
                self.report(
                    Code::ContainerInvalid,
                    Some(&path),
                    None,
                    "the mapping document has no nav epub:type=\"resource-map\"",
                );
            }
            for line in untyped {
                self.report(
                    Code::ContainerInvalid,
                    Some(&path),
                    Some(line),
                    "a nav of the mapping document has no epub:type",
                );
            }
        }
        const METADATA: &str = "META-INF/metadata.xml";
        if self.has(METADATA) {
            let Some(bytes) = self.read(METADATA) else {
                return;
            };
            let (mut identifier, mut modified) = (false, false);
            let _ = xml::walk(&bytes, |node| {
                if let xml::Node::Start(element) = node {
                    identifier |= element.local() == "identifier";
                    modified |= element.get("property") == Some("dcterms:modified");
                }
            });
            if !identifier || !modified {
                self.report(
                    Code::ContainerInvalid,
                    Some(METADATA),
                    None,
                    "the publication's metadata needs a dc:identifier and a dcterms:modified date",
                );
            }
        }
    }

    /// `encryption.xml` and `signatures.xml`, when the book has them.
    fn check_meta_inf(&mut self) {
        for (file, root, children) in [
            (
                "META-INF/encryption.xml",
                "encryption",
                &["EncryptedData", "EncryptedKey"][..],
            ),
            ("META-INF/signatures.xml", "signatures", &["Signature"][..]),
        ] {
            if !self.has(file) {
                continue;
            }
            let Some(bytes) = self.read(file) else {
                continue;
            };
            let mut found = Vec::new();
            let mut ids: HashMap<String, usize> = HashMap::new();
            let result = xml::walk(&bytes, |node| {
                let xml::Node::Start(element) = node else {
                    return;
                };
                if let Some(id) = element.get("Id").or(element.get("id")) {
                    if ids.insert(id.trim().to_string(), element.line).is_some() {
                        found.push((
                            Code::DuplicateId,
                            element.line,
                            format!("the id {id:?} is used twice"),
                        ));
                    }
                }
                if element.local() == "Compression" {
                    let method_ok = matches!(element.get("Method"), Some("0" | "8"));
                    let length_ok = element
                        .get("OriginalLength")
                        .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()));
                    if !method_ok || !length_ok {
                        found.push((
                            Code::ContainerInvalid,
                            element.line,
                            "Compression needs Method 0 or 8 and an OriginalLength in bytes"
                                .to_string(),
                        ));
                    }
                }
                let misplaced = match element.depth {
                    1 => element.local() != root,
                    2 => !children.contains(&element.local()),
                    _ => false,
                };
                if misplaced {
                    found.push((
                        Code::ContainerInvalid,
                        element.line,
                        format!("<{}> is not an element {file} may hold here", element.name),
                    ));
                }
            });
            if let Err(message) = result {
                self.report(
                    Code::Malformed,
                    Some(file),
                    None,
                    format!("not well-formed XML: {message}"),
                );
            }
            for (code, line, message) in found {
                self.report(code, Some(file), Some(line), message);
            }
        }
    }

    /// The fonts `encryption.xml` says are obfuscated, as archive names.
    fn obfuscated(&self) -> Vec<String> {
        let Some(bytes) = self.peek("META-INF/encryption.xml") else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let mut obfuscating = false;
        let _ = xml::walk(&bytes, |node| {
            if let xml::Node::Start(element) = node {
                match element.local() {
                    "EncryptedData" => obfuscating = false,
                    "EncryptionMethod" => {
                        obfuscating = matches!(
                            element.get("Algorithm"),
                            Some("http://www.idpf.org/2008/embedding")
                                | Some("http://ns.adobe.com/pdf/enc#RC")
                        );
                    }
                    "CipherReference" if obfuscating => {
                        if let Some(uri) = element.get("URI") {
                            found.push(resolve("", uri));
                        }
                    }
                    _ => {}
                }
            }
        });
        found
    }
}

/// A CSS media query list, as `rendition:media` holds: media types and `(feature)`
/// expressions joined by `and`, `not`, `only`, commas.
fn is_media_query(text: &str) -> bool {
    const MEDIA_TYPES: &[&str] = &[
        "all",
        "print",
        "screen",
        "speech",
        "aural",
        "braille",
        "embossed",
        "handheld",
        "projection",
        "tty",
        "tv",
    ];
    text.split(',').all(|query| {
        let mut rest = query.trim();
        if rest.is_empty() {
            return false;
        }
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('(') {
                let Some(end) = inner.find(')') else {
                    return false;
                };
                if inner[..end].trim().is_empty() {
                    return false;
                }
                rest = inner[end + 1..].trim_start();
                continue;
            }
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '(')
                .unwrap_or(rest.len());
            let word = rest[..end].to_ascii_lowercase();
            if !matches!(word.as_str(), "and" | "not" | "only" | "or")
                && !MEDIA_TYPES.contains(&word.as_str())
            {
                return false;
            }
            rest = rest[end..].trim_start();
        }
        true
    })
}

/// Refuses a book whose entries share data, as the smallest zip bombs do.
fn check_overlaps(records: &[Record], directory: u64) -> Result<(), Problem> {
    match crate::unzip::overlapping(records, directory).first() {
        Some(&index) => Err(refusal(
            Some(&String::from_utf8_lossy(&records[index].raw_name)),
            "its data overlap another entry's, as zip bombs' do; refusing to read the book",
        )),
        None => Ok(()),
    }
}

/// Full case folding, near enough for file names: lower case, and ß as ss.
fn case_fold(name: &str) -> String {
    name.nfc()
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .replace('ß', "ss")
}

/// The characters OCF forbids in file names.
fn is_forbidden_in_name(c: char) -> bool {
    matches!(c, '"' | '*' | ':' | '<' | '>' | '?' | '\\' | '|' | '\u{7F}')
        || c.is_control()
        || matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFF | 0x100000..=0x10FFFF)
        || matches!(c as u32, 0xFDD0..=0xFDEF | 0xFFF0..=0xFFFF)
        || (c as u32 & 0xFFFE) == 0xFFFE
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

/// An `href`, relative to a folder inside the archive (`OEBPS/`, or empty), as an archive
/// name; the fragment is dropped.
pub(crate) fn resolve(base: &str, href: &str) -> String {
    resolve_checked(base, href).0
}

/// As [`resolve`], and whether the path climbed above the archive's root.
fn resolve_checked(base: &str, href: &str) -> (String, bool) {
    let href = href.split('#').next().unwrap_or("");
    let href = href.split('?').next().unwrap_or("");
    let joined = format!("{base}{}", percent_decode(href));
    let mut parts: Vec<&str> = Vec::new();
    let mut leaves = false;
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                leaves |= parts.pop().is_none();
            }
            part => parts.push(part),
        }
    }
    (parts.join("/"), leaves)
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

/// The folder part of an archive name, with its slash: `OEBPS/` for `OEBPS/a.xhtml`.
fn folder_of(name: &str) -> &str {
    match name.rfind('/') {
        Some(slash) => &name[..=slash],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for (base, href, path, leaves) in [
            ("OEBPS/", "chapter.xhtml", "OEBPS/chapter.xhtml", false),
            ("OEBPS/", "../images/a.png", "images/a.png", false),
            ("", "a%20b.xhtml#top", "a b.xhtml", false),
            ("OPS/", "./x/y.css", "OPS/x/y.css", false),
            ("OPS/", "../../x.css", "x.css", true),
        ] {
            assert_eq!(resolve_checked(base, href), (path.to_string(), leaves));
        }
    }

    #[test]
    fn case_folding_finds_names_that_collide() {
        for (a, b, same) in [
            ("OEBPS/A.xhtml", "OEBPS/a.xhtml", true),
            ("Straße.xhtml", "STRASSE.xhtml", true),
            ("a.xhtml", "b.xhtml", false),
        ] {
            assert_eq!(case_fold(a) == case_fold(b), same, "{a} {b}");
        }
    }

    #[test]
    fn media_queries() {
        for (query, ok) in [
            ("(min-width: 1920px)", true),
            ("screen and (orientation: landscape)", true),
            ("print, screen", true),
            ("syntaxerror", false),
            ("(min-width: 1920px", false),
            ("", false),
        ] {
            assert_eq!(is_media_query(query), ok, "{query}");
        }
    }

    #[test]
    fn forbidden_name_characters() {
        for (c, forbidden) in [
            ('a', false),
            ('é', false),
            (':', true),
            ('|', true),
            ('\u{E000}', true),
            ('\u{FFFF}', true),
        ] {
            assert_eq!(is_forbidden_in_name(c), forbidden, "{c:?}");
        }
    }
}
