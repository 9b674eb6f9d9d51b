//! `ficbind check`, one rule at a time: a small valid book, then that book broken in
//! exactly one way for each check, asserting the code and the file reported; and every
//! report the same from run to run.

use ficbind::check::{check_bytes, Code};
use std::collections::BTreeMap;
use std::io::Write;

const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"#;

const PACKAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="en">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="uid">urn:uuid:12345678-1234-5678-1234-567812345678</dc:identifier>
<dc:title>Test</dc:title>
<dc:language>en</dc:language>
<meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>
<!--METADATA-->
</metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>
<item id="css" href="style.css" media-type="text/css"/>
<!--MANIFEST-->
</manifest>
<spine>
<itemref idref="c1"/>
<!--SPINE-->
</spine>
</package>"#;

const NAV: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">
<head><title>Contents</title></head>
<body><nav epub:type="toc"><ol><li><a href="c1.xhtml#top">One</a></li></ol></nav></body>
</html>"#;

const CHAPTER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en">
<head><title>One</title><link rel="stylesheet" href="style.css"/></head>
<body><h1 id="top">One</h1><p>Text.</p>
<!--BODY-->
</body>
</html>"#;

const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// A book being made: its files in archive order (`mimetype` first), and names to
/// rewrite in the finished bytes for the names the zip crate refuses to write.
struct Book {
    files: BTreeMap<String, Vec<u8>>,
    order: Vec<String>,
    renames: Vec<(String, String)>,
}

impl Book {
    fn valid() -> Book {
        let mut book = Book {
            files: BTreeMap::new(),
            order: Vec::new(),
            renames: Vec::new(),
        };
        book.add("mimetype", b"application/epub+zip");
        book.add("META-INF/container.xml", CONTAINER.as_bytes());
        book.add("EPUB/package.opf", PACKAGE.as_bytes());
        book.add("EPUB/nav.xhtml", NAV.as_bytes());
        book.add("EPUB/c1.xhtml", CHAPTER.as_bytes());
        book.add("EPUB/style.css", b"p { margin: 0 }");
        book
    }

    fn add(&mut self, name: &str, bytes: &[u8]) -> &mut Self {
        if !self.files.contains_key(name) {
            self.order.push(name.to_string());
        }
        self.files.insert(name.to_string(), bytes.to_vec());
        self
    }

    fn remove(&mut self, name: &str) -> &mut Self {
        self.files.remove(name);
        self.order.retain(|n| n != name);
        self
    }

    /// Replaces text in one file; the text must be there.
    fn edit(&mut self, name: &str, from: &str, to: &str) -> &mut Self {
        let text = String::from_utf8(self.files[name].clone()).expect("text");
        assert!(text.contains(from), "{name} has no {from:?}");
        self.files
            .insert(name.to_string(), text.replacen(from, to, 1).into_bytes());
        self
    }

    fn manifest(&mut self, item: &str) -> &mut Self {
        self.edit(
            "EPUB/package.opf",
            "<!--MANIFEST-->",
            &format!("{item}\n<!--MANIFEST-->"),
        )
    }

    fn body(&mut self, html: &str) -> &mut Self {
        self.edit("EPUB/c1.xhtml", "<!--BODY-->", html)
    }

    fn rename_in_bytes(&mut self, from: &str, to: &str) -> &mut Self {
        assert_eq!(from.len(), to.len());
        self.renames.push((from.to_string(), to.to_string()));
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        for name in &self.order {
            let method = if name == "mimetype" {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(name.as_str(), options).expect("an entry");
            zip.write_all(&self.files[name]).expect("written");
        }
        zip.finish().expect("finished");
        for (from, to) in &self.renames {
            let positions: Vec<usize> = (0..=bytes.len() - from.len())
                .filter(|&i| &bytes[i..i + from.len()] == from.as_bytes())
                .collect();
            for i in positions {
                bytes[i..i + to.len()].copy_from_slice(to.as_bytes());
            }
        }
        bytes
    }
}

type Break = fn(&mut Book);

/// Each check, the book that breaks it, and the file the problem must name.
const CASES: &[(&str, Break, Code, Option<&str>)] = &[
    (
        "no mimetype",
        |b| {
            b.remove("mimetype");
        },
        Code::MimetypeMissing,
        None,
    ),
    (
        "a wrong mimetype",
        |b| {
            b.add("mimetype", b"application/zip");
        },
        Code::MimetypeWrong,
        Some("mimetype"),
    ),
    (
        "two entries of one name",
        |b| {
            b.add("EPUB/c1.xhtmX", b"x")
                .rename_in_bytes("EPUB/c1.xhtmX", "EPUB/c1.xhtml");
        },
        Code::DuplicateEntry,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "names that differ by case",
        |b| {
            b.add("EPUB/C1.xhtml", b"x");
        },
        Code::CaseCollision,
        Some("EPUB/C1.xhtml"),
    ),
    (
        "a forbidden character",
        |b| {
            b.add("EPUB/a|b.txt", b"x");
        },
        Code::ForbiddenCharacter,
        Some("EPUB/a|b.txt"),
    ),
    (
        "a name leaving the book",
        |b| {
            b.add("zz/evil.txt", b"x")
                .rename_in_bytes("zz/evil.txt", "../evil.txt");
        },
        Code::Refused,
        None,
    ),
    (
        "no container.xml",
        |b| {
            b.remove("META-INF/container.xml");
        },
        Code::ContainerMissing,
        None,
    ),
    (
        "an unknown element in container.xml",
        |b| {
            b.edit(
                "META-INF/container.xml",
                "<rootfiles>",
                "<extra/><rootfiles>",
            );
        },
        Code::ContainerInvalid,
        Some("META-INF/container.xml"),
    ),
    (
        "a rootfile that is not there",
        |b| {
            b.edit(
                "META-INF/container.xml",
                "EPUB/package.opf",
                "EPUB/missing.opf",
            );
        },
        Code::RootfileMissing,
        Some("META-INF/container.xml"),
    ),
    (
        "a package of no version",
        |b| {
            b.edit("EPUB/package.opf", " version=\"3.0\"", "");
        },
        Code::VersionMissing,
        Some("EPUB/package.opf"),
    ),
    (
        "no title",
        |b| {
            b.edit("EPUB/package.opf", "<dc:title>Test</dc:title>", "");
        },
        Code::MetadataMissing,
        Some("EPUB/package.opf"),
    ),
    (
        "a unique-identifier naming nothing",
        |b| {
            b.edit(
                "EPUB/package.opf",
                "unique-identifier=\"uid\"",
                "unique-identifier=\"other\"",
            );
        },
        Code::UniqueIdentifier,
        Some("EPUB/package.opf"),
    ),
    (
        "a language that is no BCP 47 tag",
        |b| {
            b.edit(
                "EPUB/package.opf",
                "<dc:language>en</dc:language>",
                "<dc:language>C</dc:language>",
            );
        },
        Code::BadLanguage,
        Some("EPUB/package.opf"),
    ),
    (
        "a modified date without a time",
        |b| {
            b.edit("EPUB/package.opf", "2024-01-01T00:00:00Z", "2024-01-01");
        },
        Code::BadModified,
        Some("EPUB/package.opf"),
    ),
    (
        "a manifest file that is not there",
        |b| {
            b.manifest(r#"<item id="gone" href="gone.xhtml" media-type="application/xhtml+xml"/>"#);
        },
        Code::ManifestFileMissing,
        Some("EPUB/package.opf"),
    ),
    (
        "one file listed twice",
        |b| {
            b.manifest(r#"<item id="again" href="c1.xhtml" media-type="application/xhtml+xml"/>"#);
        },
        Code::ManifestDuplicate,
        Some("EPUB/package.opf"),
    ),
    (
        "the manifest listing itself",
        |b| {
            b.manifest(r#"<item id="self" href="package.opf" media-type="application/oebps-package+xml"/>"#);
        },
        Code::ManifestSelf,
        Some("EPUB/package.opf"),
    ),
    (
        "an unknown item property",
        |b| {
            b.edit(
                "EPUB/package.opf",
                r#"href="c1.xhtml" media-type="application/xhtml+xml""#,
                r#"href="c1.xhtml" media-type="application/xhtml+xml" properties="bogus""#,
            );
        },
        Code::UnknownProperty,
        Some("EPUB/package.opf"),
    ),
    (
        "a script without the scripted property",
        |b| {
            b.body("<script>var x = 1;</script>");
        },
        Code::PropertyMissing,
        Some("EPUB/package.opf"),
    ),
    (
        "the scripted property without a script",
        |b| {
            b.edit(
                "EPUB/package.opf",
                r#"href="c1.xhtml" media-type="application/xhtml+xml""#,
                r#"href="c1.xhtml" media-type="application/xhtml+xml" properties="scripted""#,
            );
        },
        Code::PropertyUnneeded,
        Some("EPUB/package.opf"),
    ),
    (
        "no navigation document",
        |b| {
            b.edit("EPUB/package.opf", " properties=\"nav\"", "");
        },
        Code::NavMissing,
        Some("EPUB/package.opf"),
    ),
    (
        "an empty table of contents",
        |b| {
            b.edit(
                "EPUB/nav.xhtml",
                r##"<a href="c1.xhtml#top">One</a>"##,
                "<span>One</span>",
            );
        },
        Code::TocEmpty,
        Some("EPUB/nav.xhtml"),
    ),
    (
        "a spine naming no item",
        |b| {
            b.edit(
                "EPUB/package.opf",
                "<!--SPINE-->",
                r#"<itemref idref="nope"/>"#,
            );
        },
        Code::SpineUnknownItem,
        Some("EPUB/package.opf"),
    ),
    (
        "a page twice in the spine",
        |b| {
            b.edit(
                "EPUB/package.opf",
                "<!--SPINE-->",
                r#"<itemref idref="c1"/>"#,
            );
        },
        Code::SpineRepeated,
        Some("EPUB/package.opf"),
    ),
    (
        "a stylesheet in the spine",
        |b| {
            b.edit(
                "EPUB/package.opf",
                "<!--SPINE-->",
                r#"<itemref idref="css"/>"#,
            );
        },
        Code::SpineNotContent,
        Some("EPUB/package.opf"),
    ),
    (
        "a page out of the reading order that nothing links to",
        |b| {
            b.add("EPUB/c2.xhtml", CHAPTER.as_bytes())
                .manifest(r#"<item id="c2" href="c2.xhtml" media-type="application/xhtml+xml"/>"#)
                .edit(
                    "EPUB/package.opf",
                    "<!--SPINE-->",
                    r#"<itemref idref="c2" linear="no"/>"#,
                );
        },
        Code::NonlinearUnreachable,
        Some("EPUB/package.opf"),
    ),
    (
        "a fallback naming nothing",
        |b| {
            b.manifest(r#"<item id="img" href="a.png" media-type="image/png" fallback="nope"/>"#)
                .add("EPUB/a.png", PNG);
        },
        Code::FallbackMissing,
        Some("EPUB/package.opf"),
    ),
    (
        "fallbacks in a circle",
        |b| {
            b.manifest(r#"<item id="x1" href="x1.dat" media-type="application/x-a" fallback="x2"/><item id="x2" href="x2.dat" media-type="application/x-b" fallback="x1"/>"#).add("EPUB/x1.dat", b"1").add("EPUB/x2.dat", b"2");
        },
        Code::FallbackCircular,
        Some("EPUB/package.opf"),
    ),
    (
        "a resource in META-INF",
        |b| {
            b.manifest(r#"<item id="m" href="../META-INF/extra.css" media-type="text/css"/>"#)
                .add("META-INF/extra.css", b"p {}");
        },
        Code::ResourceInMetaInf,
        Some("EPUB/package.opf"),
    ),
    (
        "malformed XHTML",
        |b| {
            b.edit("EPUB/c1.xhtml", "<p>Text.</p>", "<p>Text.");
        },
        Code::Malformed,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "an undefined entity",
        |b| {
            b.body("<p>&nbsp;</p>");
        },
        Code::Malformed,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a name that is no XML name",
        |b| {
            b.body("<p::p/>");
        },
        Code::Malformed,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "two elements of one id",
        |b| {
            b.body(r#"<p id="top">again</p>"#);
        },
        Code::DuplicateId,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "lang and xml:lang that differ",
        |b| {
            b.body(r#"<p lang="en" xml:lang="fr">x</p>"#);
        },
        Code::LangMismatch,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "an element HTML does not have",
        |b| {
            b.body("<blink>x</blink>");
        },
        Code::UnknownElement,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a definition inside a definition",
        |b| {
            b.body("<p><dfn>a <dfn>b</dfn></dfn></p>");
        },
        Code::BadNesting,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a disallowed DOCTYPE",
        |b| {
            b.edit(
                "EPUB/c1.xhtml",
                "<!DOCTYPE html>",
                r#"<!DOCTYPE html SYSTEM "local.dtd">"#,
            );
        },
        Code::ExternalIdentifier,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "an image that is not there",
        |b| {
            b.body(r#"<img src="missing.png" alt=""/>"#);
        },
        Code::LinkMissingResource,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a file used but not in the manifest",
        |b| {
            b.add("EPUB/a.png", PNG)
                .body(r#"<img src="a.png" alt=""/>"#);
        },
        Code::LinkUndeclared,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a link to an id that is not there",
        |b| {
            b.edit("EPUB/nav.xhtml", "c1.xhtml#top", "c1.xhtml#nowhere");
        },
        Code::LinkMissingFragment,
        Some("EPUB/nav.xhtml"),
    ),
    (
        "a link to a page outside the spine",
        |b| {
            b.add("EPUB/c2.xhtml", CHAPTER.as_bytes())
                .manifest(r#"<item id="c2" href="c2.xhtml" media-type="application/xhtml+xml"/>"#)
                .body(r#"<p><a href="c2.xhtml">more</a></p>"#);
        },
        Code::LinkNotInSpine,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a contents entry that is a stylesheet",
        |b| {
            b.edit("EPUB/nav.xhtml", "c1.xhtml#top", "style.css");
        },
        Code::LinkNotContent,
        Some("EPUB/nav.xhtml"),
    ),
    (
        "a link leaving the book",
        |b| {
            b.body(r#"<p><a href="../../x.xhtml">x</a></p>"#);
        },
        Code::LinkLeaves,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a file: URL",
        |b| {
            b.body(r#"<img src="file:///tmp/a.png" alt=""/>"#);
        },
        Code::LinkFileUrl,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a stylesheet link with a fragment",
        |b| {
            b.edit(
                "EPUB/c1.xhtml",
                r#"href="style.css""#,
                r#"href="style.css#x""#,
            );
        },
        Code::StylesheetFragment,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a remote image",
        |b| {
            b.body(r#"<img src="https://example.org/a.png" alt=""/>"#);
        },
        Code::RemoteForbidden,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a remote contents entry",
        |b| {
            b.edit("EPUB/nav.xhtml", "c1.xhtml#top", "https://example.org/");
        },
        Code::NavRemote,
        Some("EPUB/nav.xhtml"),
    ),
    (
        "remote audio without the property",
        |b| {
            b.manifest(
                r#"<item id="a" href="https://example.org/a.mp3" media-type="audio/mpeg"/>"#,
            )
            .body(r#"<audio src="https://example.org/a.mp3"/>"#);
        },
        Code::PropertyMissing,
        Some("EPUB/package.opf"),
    ),
    (
        "remote audio not in the manifest",
        |b| {
            b.body(r#"<audio src="https://example.org/a.mp3"/>"#);
        },
        Code::LinkUndeclared,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a foreign image without a fallback",
        |b| {
            b.manifest(r#"<item id="t" href="a.tiff" media-type="image/tiff"/>"#)
                .add("EPUB/a.tiff", b"II*\0")
                .body(r#"<img src="a.tiff" alt=""/>"#);
        },
        Code::ForeignNoFallback,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "a PNG declared as JPEG",
        |b| {
            b.manifest(r#"<item id="i" href="a.jpg" media-type="image/jpeg"/>"#)
                .add("EPUB/a.jpg", PNG);
        },
        Code::MediaTypeMismatch,
        Some("EPUB/a.jpg"),
    ),
    (
        "an image that is not one",
        |b| {
            b.manifest(r#"<item id="i" href="a.png" media-type="image/png"/>"#)
                .add("EPUB/a.png", b"not a picture");
        },
        Code::ImageCorrupt,
        Some("EPUB/a.png"),
    ),
    (
        "a CSS syntax error",
        |b| {
            b.add("EPUB/style.css", b"p { color: red } }");
        },
        Code::CssSyntax,
        Some("EPUB/style.css"),
    ),
    (
        "a forbidden CSS property",
        |b| {
            b.add("EPUB/style.css", b"p { direction: rtl }");
        },
        Code::CssForbidden,
        Some("EPUB/style.css"),
    ),
    (
        "a stylesheet not in UTF-8",
        |b| {
            b.add("EPUB/style.css", b"p::after { content: \"caf\xe9\" }");
        },
        Code::CssEncoding,
        Some("EPUB/style.css"),
    ),
    (
        "a CSS url() to nothing",
        |b| {
            b.add("EPUB/style.css", b"p { background: url(missing.png) }");
        },
        Code::LinkMissingResource,
        Some("EPUB/style.css"),
    ),
    (
        "a fixed-layout page without a viewport",
        |b| {
            b.edit(
                "EPUB/package.opf",
                "<!--METADATA-->",
                r#"<meta property="rendition:layout">pre-paginated</meta>"#,
            );
        },
        Code::ViewportMissing,
        Some("EPUB/c1.xhtml"),
    ),
    (
        "an SVG use pointing at no element",
        |b| {
            b.body(r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="a.svg"/></svg>"#).edit("EPUB/package.opf", r#"href="c1.xhtml" media-type="application/xhtml+xml""#, r#"href="c1.xhtml" media-type="application/xhtml+xml" properties="svg""#).manifest(r#"<item id="s" href="a.svg" media-type="image/svg+xml"/>"#).add("EPUB/a.svg", br#"<svg xmlns="http://www.w3.org/2000/svg"/>"#);
        },
        Code::SvgUseNoFragment,
        Some("EPUB/c1.xhtml"),
    ),
];

fn problems_of(book: &Book) -> Vec<ficbind::check::Problem> {
    check_bytes(&book.bytes())
}

#[test]
fn the_valid_book_is_clean() {
    let problems = problems_of(&Book::valid());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn each_broken_rule_is_reported_with_its_code_and_file() {
    let mut failures = Vec::new();
    for (what, break_it, code, entry) in CASES {
        let mut book = Book::valid();
        break_it(&mut book);
        let problems = problems_of(&book);
        let found = problems
            .iter()
            .any(|p| p.code == *code && (entry.is_none() || p.entry.as_deref() == *entry));
        if !found {
            failures.push(format!(
                "{what}: expected {} in {entry:?}, got {:?}",
                code.name(),
                problems.iter().map(ToString::to_string).collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_report_is_the_same_on_every_run() {
    for (what, break_it, _, _) in CASES {
        let mut book = Book::valid();
        break_it(&mut book);
        let bytes = book.bytes();
        let first = check_bytes(&bytes);
        for _ in 0..3 {
            assert_eq!(check_bytes(&bytes), first, "{what}");
        }
    }
}

#[test]
fn the_archive_that_is_no_zip_is_reported_as_such() {
    let problems = check_bytes(b"just some text, not an archive");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, Code::NotZip);
}

#[test]
fn one_problem_never_hides_another() {
    let mut book = Book::valid();
    book.edit("EPUB/package.opf", "<dc:title>Test</dc:title>", "")
        .edit("EPUB/c1.xhtml", "<p>Text.</p>", "<p>Text.")
        .add("EPUB/style.css", b"p { direction: rtl }");
    let codes: Vec<Code> = problems_of(&book).into_iter().map(|p| p.code).collect();
    for code in [Code::MetadataMissing, Code::Malformed, Code::CssForbidden] {
        assert!(codes.contains(&code), "{code:?} in {codes:?}");
    }
}

#[test]
fn every_code_is_documented() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/check.md"))
        .expect("docs/check.md");
    for code in Code::ALL {
        assert!(
            docs.contains(&format!("`{}`", code.name())),
            "docs/check.md does not list {}",
            code.name()
        );
    }
}

/// A zip whose entries all point at one compressed body, as the smallest zip bombs do.
fn shared_body_book() -> Vec<u8> {
    let mut book = Book::valid();
    for i in 0..20 {
        book.add(&format!("EPUB/copy-{i:02}.txt"), &[b'a'; 2000]);
    }
    let mut bytes = book.bytes();
    // Every copy's central record is made to point at the first copy's local header.
    let records: Vec<usize> = (0..bytes.len() - 4)
        .filter(|&i| bytes[i..i + 4] == [0x50, 0x4b, 0x01, 0x02])
        .collect();
    let copies: Vec<usize> = records
        .into_iter()
        .filter(|&r| bytes[r + 46..].starts_with(b"EPUB/copy-"))
        .collect();
    let first = bytes[copies[0] + 42..copies[0] + 46].to_vec();
    for &record in &copies[1..] {
        bytes[record + 42..record + 46].copy_from_slice(&first);
    }
    bytes
}

#[test]
fn hostile_books_are_refused_or_reported_without_harm() {
    let problems = check_bytes(&shared_body_book());
    assert!(
        problems
            .iter()
            .any(|p| p.code == Code::Refused && p.message.contains("overlap")),
        "{problems:?}"
    );

    // A billion laughs: reported as malformed, and never handed to EPUBCheck.
    let mut laughs = Book::valid();
    laughs.edit(
        "EPUB/c1.xhtml",
        "<!DOCTYPE html>",
        r#"<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>"#,
    )
    .body("<p>&b;</p>");
    let bytes = laughs.bytes();
    let problems = check_bytes(&bytes);
    assert!(
        problems.iter().any(|p| p.code == Code::Malformed),
        "{problems:?}"
    );
    assert!(!ficbind::check::safe_for_epubcheck(&bytes));
    assert!(ficbind::check::safe_for_epubcheck(&Book::valid().bytes()));

    // One entry listed by the manifest many times is read once, and reported.
    let mut repeated = Book::valid();
    for i in 0..1000 {
        repeated.manifest(&format!(
            r#"<item id="again{i}" href="c1.xhtml" media-type="application/xhtml+xml"/>"#
        ));
    }
    let problems = check_bytes(&repeated.bytes());
    assert_eq!(
        problems
            .iter()
            .filter(|p| p.code == Code::ManifestDuplicate)
            .count(),
        1000
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let fifo = dir.path().join("book.epub");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let error = ficbind::check::check_file(&fifo).expect_err("a FIFO is not a book");
    assert!(error.to_string().contains("named pipe"), "{error}");
}
