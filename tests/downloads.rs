//! Downloads people have: HTML and EPUB stories from the big archives, and files that are
//! not stories at all. The committed fixtures are written for these tests; the real
//! downloads in `../shared/samples/exports/` are read from there when it exists, and must
//! exist when `REQUIRE_SHARED_SAMPLES=1`.

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Builds the given files into a new folder with `--json`; gives the folder, the exit code
/// and each story's record by input file name.
fn build_json(files: &[PathBuf]) -> (tempfile::TempDir, i32, Vec<serde_json::Value>) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let output = run(ficbind(&project_dir())
        .arg("build")
        .args(files)
        .arg("--json")
        .arg("-o")
        .arg(out.path()));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("the report is JSON ({e}): {}", stderr(&output)));
    let stories = report["stories"].as_array().cloned().unwrap_or_default();
    (out, output.status.code().unwrap_or(-1), stories)
}

fn record<'a>(stories: &'a [serde_json::Value], file: &str) -> &'a serde_json::Value {
    stories
        .iter()
        .find(|s| s["input"].as_str().is_some_and(|i| i.ends_with(file)))
        .unwrap_or_else(|| panic!("no record for {file}: {stories:?}"))
}

/// A small EPUB 3 in the layout tools write: a title page, a navigation document and two
/// chapters, one with an author's note marked as Fimfiction marks them.
fn write_epub(path: &Path) {
    let page = |title: &str, body: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\
             <head><title>{title}</title></head><body>{body}</body></html>"
        )
    };
    let files: Vec<(&str, String)> = vec![
        (
            "OEBPS/content.opf",
            "<?xml version=\"1.0\"?><package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" \
             unique-identifier=\"id\"><metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
             <dc:identifier id=\"id\">urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427</dc:identifier>\
             <dc:title>Harbour &amp; Light</dc:title><dc:creator>June Marlow</dc:creator>\
             <dc:language>en</dc:language><dc:subject>Sea</dc:subject><dc:subject>Friendship</dc:subject>\
             <dc:description>&lt;p&gt;A lighthouse keeper and a &lt;i&gt;storm&lt;/i&gt;.&lt;/p&gt;</dc:description>\
             <dc:date>2019-07-01</dc:date><meta name=\"calibre:series\" content=\"Lights\"/>\
             <meta name=\"calibre:series_index\" content=\"3\"/></metadata><manifest>\
             <item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" properties=\"nav\"/>\
             <item id=\"t\" href=\"title_page.xhtml\" media-type=\"application/xhtml+xml\"/>\
             <item id=\"c1\" href=\"text/ch1.xhtml\" media-type=\"application/xhtml+xml\"/>\
             <item id=\"c2\" href=\"text/ch2.xhtml\" media-type=\"application/xhtml+xml\"/>\
             </manifest><spine><itemref idref=\"t\"/><itemref idref=\"c1\"/><itemref idref=\"c2\"/></spine></package>"
                .to_string(),
        ),
        (
            "OEBPS/nav.xhtml",
            page(
                "Contents",
                "<nav epub:type=\"toc\"><ol><li><a href=\"text/ch1.xhtml\">The Lamp</a></li>\
                 <li><a href=\"text/ch2.xhtml#top\">The Storm</a></li></ol></nav>",
            ),
        ),
        (
            "OEBPS/title_page.xhtml",
            page("Title", "<h1>Harbour &amp; Light</h1><p>by June Marlow</p>"),
        ),
        (
            "OEBPS/text/ch1.xhtml",
            page(
                "1",
                "<h2>The Lamp</h2><div class=\"authors-note\"><p>My first story.</p></div>\
                 <p>The keeper climbed the stairs at dusk, as she had for thirty years.</p>\
                 <p>\"Again,\" she said to the lamp, and struck the match.</p>",
            ),
        ),
        (
            "OEBPS/text/ch2.xhtml",
            page(
                "2",
                "<p>The storm came in from the west before midnight.</p><hr/>\
                 <p>By morning the sea was <em>calm</em> again.</p>",
            ),
        ),
    ];
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    zip_epub(path, &files);
}

#[test]
fn each_download_format_becomes_a_book_with_its_metadata() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let epub = dir.path().join("harbour.epub");
    write_epub(&epub);
    let fixtures = project_dir().join("tests/fixtures/downloads");
    let ao3 = fixtures.join("ao3-style.html");
    let page = fixtures.join("plain-page.html");
    let (out, code, stories) = build_json(&[ao3, page, epub]);
    assert_eq!(code, 0, "{stories:?}");

    let ao3 = record(&stories, "ao3-style.html");
    assert_eq!(ao3["title"], "The Salt Road");
    assert_eq!(ao3["chapters"], 2);
    assert_eq!(
        ao3["notes"], 4,
        "work notes, chapter notes, chapter end notes, end notes"
    );
    let page = record(&stories, "plain-page.html");
    assert_eq!(page["title"], "Lantern Hours");
    assert_eq!(page["chapters"], 2);
    assert!(
        page["warnings"]
            .to_string()
            .contains("https://example.org/map.png"),
        "a remote picture is named: {page}"
    );
    let epub = record(&stories, "harbour.epub");
    assert_eq!(epub["title"], "Harbour & Light");
    assert_eq!(epub["chapters"], 2, "the title page is not a chapter");
    assert_eq!(epub["notes"], 1);

    // What the reader found went into the books.
    let books = files_in(out.path());
    let opf = |name: &str| {
        let book = books
            .iter()
            .find(|b| b.to_string_lossy().contains(name))
            .unwrap_or_else(|| panic!("no book {name}: {books:?}"));
        let entries = epub_entries(book);
        let text = |suffix: &str| {
            entries
                .iter()
                .find(|(n, _)| n.ends_with(suffix))
                .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        (
            text("content.opf"),
            text("contents.xhtml"),
            text("title.xhtml"),
        )
    };
    let ao3_book = books
        .iter()
        .find(|b| b.to_string_lossy().contains("the-salt-road"))
        .expect("the AO3 book");
    let page_of = |suffix: &str| {
        epub_entries(ao3_book)
            .into_iter()
            .find(|(n, _)| n.ends_with(suffix))
            .map(|(_, b)| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    // Each note is headed by where it came from, in the order of the story.
    let notes = page_of("notes.xhtml");
    let headings: Vec<&str> = notes
        .split("<h3>")
        .skip(1)
        .filter_map(|h| h.split_once("</h3>").map(|(heading, _)| heading))
        .collect();
    assert_eq!(
        headings,
        [
            "Notes on the story",
            "Notes before Chapter 1: The Gate",
            "Notes after Chapter 2: The Hills",
            "End notes"
        ],
        "{notes}"
    );
    // A note from before the chapter is linked before its text, the others after it.
    let chapter = page_of("chapter-001.xhtml");
    let first_link = chapter.find("class=\"note-link\"").expect("a note link");
    let first_text = chapter.find("<p>").expect("a paragraph");
    assert!(first_link < first_text, "{chapter}");
    let (ao3_opf, _, ao3_title_page) = opf("the-salt-road");
    // Tags by kind, one kind to a line, and the status from "Chapters: 2/2".
    for expected in [
        "<p class=\"tags\">Rating: General Audiences</p>",
        "<p class=\"tags\">Fandom: Original Work, Mythology</p>",
        "<p class=\"tags\">Relationships: Mara/Ilse</p>",
        "<p class=\"tags\">Characters: Mara, Ilse</p>",
        "<p class=\"tags\">Tags: Road Trip</p>",
        " · complete</p>",
    ] {
        assert!(
            ao3_title_page.contains(expected),
            "{expected} in:\n{ao3_title_page}"
        );
    }
    for subject in ["General Audiences", "Original Work", "Mara", "Road Trip"] {
        let element = format!("<dc:subject>{subject}</dc:subject>");
        assert!(ao3_opf.contains(&element), "{element} in:\n{ao3_opf}");
    }
    for expected in [
        // Co-authors are each a creator of their own.
        "<dc:creator id=\"author\">Wren Hollis</dc:creator>",
        "<dc:creator id=\"author-2\">Tam Ashby</dc:creator>",
        "<meta refines=\"#author-2\" property=\"file-as\">Ashby, Tam</meta>",
        "<dc:publisher>Archive of Our Own</dc:publisher>",
        "<dc:source>https://archiveofourown.org/works/4242</dc:source>",
        "<dc:subject>Mara/Ilse</dc:subject>",
        "<dc:date>2021-03-04T00:00:00Z</dc:date>",
        "<meta name=\"calibre:series\" content=\"Coast Tales\"/>",
        "<dc:language>en</dc:language>",
        "<dc:description>Two travellers and a cart of salt.</dc:description>",
    ] {
        assert!(ao3_opf.contains(expected), "{expected} in:\n{ao3_opf}");
    }
    let (epub_opf, contents, _) = opf("harbour-light");
    for expected in [
        "<dc:creator id=\"author\">June Marlow</dc:creator>",
        "<dc:subject>Friendship</dc:subject>",
        "<meta name=\"calibre:series_index\" content=\"3\"/>",
        "<dc:description>A lighthouse keeper and a storm.</dc:description>",
    ] {
        assert!(epub_opf.contains(expected), "{expected} in:\n{epub_opf}");
    }
    assert!(
        contents.contains("The Lamp") && contents.contains("The Storm"),
        "{contents}"
    );
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

#[test]
fn a_folder_of_mixed_downloads_converts_what_it_can_and_names_the_rest() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let project = project_dir();
    std::fs::copy(
        project.join("stories/dont-leave.txt"),
        dir.path().join("a.txt"),
    )
    .unwrap();
    std::fs::copy(
        project.join("tests/fixtures/markdown/lantern-keeper.md"),
        dir.path().join("b.md"),
    )
    .unwrap();
    std::fs::copy(
        project.join("tests/fixtures/downloads/ao3-style.html"),
        dir.path().join("c.html"),
    )
    .unwrap();
    write_epub(&dir.path().join("d.epub"));
    let mut kindle = vec![0u8; 60];
    kindle.extend_from_slice(b"BOOKMOBI");
    kindle.extend(std::iter::repeat_n(7u8, 200));
    std::fs::write(dir.path().join("e.azw3"), &kindle).unwrap();
    // An .azw3 is not picked up by a folder scan; named on the command line, it is read
    // and refused. A PDF named .txt is refused by its content.
    std::fs::write(dir.path().join("f.txt"), b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n").unwrap();
    let (out, code, stories) = build_json(&[dir.path().to_owned(), dir.path().join("e.azw3")]);
    assert_eq!(code, 1, "{stories:?}");
    let written = stories.iter().filter(|s| s["status"] == "written").count();
    assert_eq!(written, 4, "{stories:?}");
    let kindle = record(&stories, "e.azw3");
    assert!(
        kindle["error"]
            .as_str()
            .unwrap_or("")
            .contains("Kindle book"),
        "{kindle}"
    );
    let pdf = record(&stories, "f.txt");
    assert!(pdf["error"].as_str().unwrap_or("").contains("PDF"), "{pdf}");
    assert_eq!(files_in(out.path()).len(), 4);
}

#[test]
fn hostile_epubs_are_refused_with_the_problem_named() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // Not a zip at all, a zip without a package document, and a page that leaves the book.
    std::fs::write(
        dir.path().join("junk.epub"),
        b"just some text, named like a book",
    )
    .unwrap();
    let no_opf = dir.path().join("no-opf.epub");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&no_opf).unwrap());
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/epub+zip").unwrap();
        zip.start_file("OEBPS/page.xhtml", stored).unwrap();
        zip.write_all(b"<html><body><p>Hi</p></body></html>")
            .unwrap();
        zip.finish().unwrap();
    }
    let (out, code, stories) = build_json(&[dir.path().join("junk.epub"), no_opf]);
    assert_eq!(code, 1);
    assert!(record(&stories, "junk.epub")["error"]
        .as_str()
        .unwrap_or("")
        .contains("EPUB cannot be read"));
    assert!(record(&stories, "no-opf.epub")["error"]
        .as_str()
        .unwrap_or("")
        .contains("no package document"));
    assert!(files_in(out.path()).is_empty(), "no partial book");
}

/// What each real download must become: (file, title, chapters, at least this many notes),
/// or the words its refusal must hold.
enum Expect {
    Book(&'static str, usize, usize),
    Refused(&'static str),
}

#[test]
fn every_real_download_becomes_a_book_or_is_refused_by_name() {
    let samples = project_dir().join("../shared/samples/exports");
    if !samples.is_dir() {
        assert_ne!(
            std::env::var("REQUIRE_SHARED_SAMPLES").as_deref(),
            Ok("1"),
            "REQUIRE_SHARED_SAMPLES=1 but {} is missing",
            samples.display()
        );
        eprintln!(
            "skipping the real downloads: {} is missing",
            samples.display()
        );
        return;
    }
    use Expect::*;
    let cases: &[(&str, Expect)] = &[
        (
            "ao3/ao3-218676-fire-and-feather.html",
            Book("Fire and Feather", 3, 5),
        ),
        (
            "ao3/ao3-218676-fire-and-feather.epub",
            Book("Fire and Feather", 3, 5),
        ),
        (
            "ao3/ao3-23009290-my-aim-is-steady-and-true.html",
            Book("My Aim Is Steady and True", 1, 2),
        ),
        (
            "ao3/ao3-23009290-my-aim-is-steady-and-true.epub",
            Book("My Aim Is Steady and True", 1, 2),
        ),
        (
            "ao3/ao3-334557-the-world-on-his-wrist.html",
            Book("The World on His Wrist", 8, 0),
        ),
        (
            "ao3/ao3-334557-the-world-on-his-wrist.epub",
            Book("The World on His Wrist", 8, 0),
        ),
        (
            "ao3/ao3-218676-fire-and-feather.azw3",
            Refused("Kindle book"),
        ),
        (
            "ao3/ao3-218676-fire-and-feather.mobi",
            Refused("Kindle book"),
        ),
        ("ao3/ao3-218676-fire-and-feather.pdf", Refused("PDF")),
        (
            "fanficfare/fanficfare-test1-sid2.epub",
            Book("Test Story Title 2", 9, 0),
        ),
        (
            "fanficfare/fanficfare-test1-sid2.html",
            Book("Test Story Title 2", 9, 0),
        ),
        (
            "fanficfare/fanficfare-test1-sid2.txt",
            Book("Test Story Title 2", 9, 0),
        ),
        (
            "fimfiction/CONSTRUCTED-fimfiction-story-download-arrow.txt",
            Book("The Lamp Above the Door", 2, 0),
        ),
        (
            "fimfiction/CONSTRUCTED-fimfiction-story-download-slash.txt",
            Book("The Lamp Above the Door", 2, 0),
        ),
        (
            "fanficfare/fanficfare-test1-sid2.mobi",
            Refused("Kindle book"),
        ),
        (
            "fimfarchive/fimfarchive-fpub-9-redacted.epub",
            Book("The Greatest Equine Who Has Ever Lived!", 1, 0),
        ),
        (
            "fimfarchive/fimfarchive-index-json-entry.json",
            Refused("JSON"),
        ),
        (
            "fimfiction/CONSTRUCTED-fimfiction-story-download.html",
            Book("The Lamp Above the Door", 2, 2),
        ),
    ];
    let files: Vec<PathBuf> = cases.iter().map(|(f, _)| samples.join(f)).collect();
    let (out, _, stories) = build_json(&files);
    let mut wrong = Vec::new();
    for (file, expect) in cases {
        let story = record(&stories, file);
        match expect {
            Book(title, chapters, notes) => {
                let got = (
                    story["title"].as_str().unwrap_or(""),
                    story["chapters"].as_u64().unwrap_or(0) as usize,
                    story["notes"].as_u64().unwrap_or(0) as usize,
                );
                // Titles are typeset (the rules may curl a quote), so compare loosely.
                if !got.0.eq_ignore_ascii_case(title)
                    || got.1 != *chapters
                    || got.2 < *notes
                    || story["status"] != "written"
                {
                    wrong.push(format!(
                        "{file}: {got:?}, wanted ({title:?}, {chapters}, ≥{notes}): {story}"
                    ));
                }
            }
            Refused(what) => {
                let error = story["error"].as_str().unwrap_or("");
                if !error.contains(what) {
                    wrong.push(format!("{file}: wanted a refusal naming {what:?}: {story}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let books = files_in(out.path());
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

/// Underline, strike-through, superscript, subscript, small caps and links come through
/// as the markup each format allows, and every book stays valid.
#[test]
fn marks_of_a_download_become_valid_markup_in_every_format() {
    let story = "tests/fixtures/downloads/marked-text.html";
    let mut books = Vec::new();
    let mut outs = Vec::new();
    for format in ["epub3", "epub2", "kepub"] {
        let out = build_ok(&[story, "--format", format, "--no-generated-cover"]);
        let book = files_in(out.path()).pop().expect("one book");
        let chapter = epub_entries(&book)
            .into_iter()
            .find(|(name, _)| name.ends_with("chapter-001.xhtml"))
            .map(|(_, bytes)| String::from_utf8(bytes).expect("UTF-8"))
            .expect("a first chapter");
        // Kobo spans sit inside the marks: "<u><span …>CLOSED</span></u>".
        let kobo = |markup: &str| {
            let (open, rest) = markup.split_at(markup.find('>').map_or(0, |i| i + 1));
            let (text, close) = rest.split_at(rest.find("</").unwrap_or(rest.len()));
            chapter.split(open).skip(1).any(|after| {
                after.starts_with("<span class=\"koboSpan\"")
                    && after.split_once('>').is_some_and(|(_, inner)| {
                        inner.starts_with(&format!("{text}</span>{close}"))
                    })
            })
        };
        let expected: &[&str] = if format == "epub2" {
            &[
                "<span class=\"underline\">CLOSED</span>",
                "<span class=\"strike\">forever</span>",
            ]
        } else {
            &["<u>CLOSED</u>", "<s>forever</s>", "<s>for now</s>"]
        };
        for markup in expected.iter().chain(&[
            "<sup>st</sup>",
            "<sub>2</sub>",
            "<p class=\"center\">CLOSED FOR THE SEASON</p>",
            "<p class=\"right\">Signed, the management</p>",
            "<span class=\"small-caps\">Death</span>",
            "<a href=\"https://example.org/the%20story\">the author’s page</a>",
            // A table of data is a table, the typography rules run in its cells, and a
            // cell's paragraphs are its lines.
            "<th scope=\"col\">Wind</th>",
            "<td>NE 4, “fair”</td>",
            "<td colspan=\"2\">Calm the rest of the week.</td>",
            "<em>main</em>",
        ]) {
            let markup = markup.trim_start_matches(|c: char| c != '<');
            let found = if format == "kepub" {
                kobo(markup)
            } else {
                chapter.contains(markup)
            };
            assert!(found, "{format}: no {markup} in\n{chapter}");
        }
        if format != "kepub" {
            assert!(
                chapter.contains("<td>Rain.<br/>Reefed <em>main</em>.</td>"),
                "{chapter}"
            );
        }
        // A table that lays out a page is read as its paragraphs.
        assert_eq!(chapter.matches("<table>").count(), 1, "{chapter}");
        assert!(chapter.contains("Its second paragraph.</"), "{chapter}");
        // A link into the source's own pages is text in the book.
        assert!(
            chapter.contains("the next chapter.") && !chapter.contains("chapter2.html"),
            "{chapter}"
        );
        let css = epub_entries(&book)
            .into_iter()
            .find(|(name, _)| name.ends_with("stylesheet.css"))
            .map(|(_, bytes)| String::from_utf8(bytes).expect("UTF-8"))
            .expect("a stylesheet");
        assert!(css.contains(".small-caps"), "{css}");
        assert_eq!(css.contains(".underline"), format == "epub2", "{css}");
        books.push(book);
        outs.push(out);
    }
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

/// A work's page saved from a browser gives the work: its metadata, chapters and notes,
/// and none of the site's menus, kudos or comments.
#[test]
fn a_saved_ao3_work_page_gives_the_story_not_the_site() {
    let page = project_dir().join("tests/fixtures/downloads/ao3-work-page.html");
    let (out, code, stories) = build_json(std::slice::from_ref(&page));
    assert_eq!(code, 0, "{stories:?}");
    let story = record(&stories, "ao3-work-page.html");
    assert_eq!(story["title"], "The Ferry at Dusk");
    assert_eq!(story["chapters"], 2);
    assert_eq!(
        story["notes"], 4,
        "work notes, chapter notes, chapter end notes, end notes"
    );
    let book = out.path().join("the-ferry-at-dusk.epub");
    let entries = epub_entries(&book);
    let text = |name: &str| {
        let (_, bytes) = entries
            .iter()
            .find(|(entry, _)| entry.ends_with(name))
            .unwrap_or_else(|| panic!("{name} in the book"));
        String::from_utf8(bytes.clone()).expect("UTF-8")
    };
    let opf = text("content.opf");
    for expected in [
        "<dc:creator id=\"author\">Mara Quill</dc:creator>",
        "<dc:creator id=\"author-2\">Tobin Reed</dc:creator>",
        "<dc:source>https://archiveofourown.org/works/4242</dc:source>",
        "<dc:publisher>Archive of Our Own</dc:publisher>",
        "<dc:subject>The Ferryman</dc:subject>",
        "<dc:date>2023-04-02T00:00:00Z</dc:date>",
        "<meta name=\"calibre:series\" content=\"River Crossings\"/>",
    ] {
        assert!(opf.contains(expected), "{expected} in:\n{opf}");
    }
    let title_page = text("title.xhtml");
    for expected in [
        "Mara Quill and Tobin Reed",
        "Rating: General Audiences",
        "Category: Gen",
        "unfinished, 2 of 3 chapters posted",
    ] {
        assert!(
            title_page.contains(expected),
            "{expected} in:\n{title_page}"
        );
    }
    let first = text("chapter-001.xhtml");
    assert!(first.contains("<h1>Chapter 1: The Landing</h1>"), "{first}");
    assert!(
        first.contains("<blockquote>\n<p>Wren arrives.</p>"),
        "the summary: {first}"
    );
    let notes = text("notes.xhtml");
    for expected in [
        "Notes on the story",
        "Thanks to my beta.",
        "More soon.",
        "End notes",
    ] {
        assert!(notes.contains(expected), "{expected} in:\n{notes}");
    }
    let every_page: String = entries
        .iter()
        .filter(|(name, _)| name.ends_with(".xhtml"))
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    for site in [
        "Chapter Text",
        "Fandoms",
        "Kudos",
        "Loved the fog",
        "Terms of Service",
        "Entire Work",
        "See the end",
    ] {
        assert!(
            !every_page.contains(site),
            "{site} is the site's, not the story's"
        );
    }
    assert_epubcheck_clean(std::slice::from_ref(&book));
    assert_ace_clean(&[book]);
}

/// A one-chapter EPUB whose package names `picture` as its cover, the EPUB 3 way
/// (`properties="cover-image"`) or the EPUB 2 way (`<meta name="cover">`).
/// Writes an EPUB of `files` (paths under the book, and bytes) with its `mimetype` and a
/// container pointing at `OEBPS/content.opf`, every entry stored.
fn zip_epub(path: &Path, files: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).expect("the book is created");
    let mut zip = zip::ZipWriter::new(file);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let container: &[u8] = b"<?xml version=\"1.0\"?><container version=\"1.0\" \
        xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\"><rootfiles>\
        <rootfile full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\"/>\
        </rootfiles></container>";
    let fixed: [(&str, &[u8]); 2] = [
        ("mimetype", b"application/epub+zip"),
        ("META-INF/container.xml", container),
    ];
    for (name, bytes) in fixed.iter().chain(files) {
        zip.start_file(*name, stored).expect("an entry");
        zip.write_all(bytes).expect("written");
    }
    zip.finish().expect("the book is finished");
}

fn write_epub_with_cover(path: &Path, epub3: bool, picture: &[u8]) {
    let (version, cover_meta, cover_property) = if epub3 {
        ("3.0", "", " properties=\"cover-image\"")
    } else {
        ("2.0", "<meta name=\"cover\" content=\"art\"/>", "")
    };
    let opf = format!(
        "<?xml version=\"1.0\"?><package xmlns=\"http://www.idpf.org/2007/opf\" version=\"{version}\" \
         unique-identifier=\"id\"><metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
         <dc:identifier id=\"id\">urn:uuid:2b4e28ba-2fa1-11d2-883f-0016d3cca427</dc:identifier>\
         <dc:title>Painted Sails</dc:title><dc:creator>Iris Vale</dc:creator>\
         <dc:language>en</dc:language>{cover_meta}</metadata><manifest>\
         <item id=\"art\" href=\"images/art.png\" media-type=\"image/png\"{cover_property}/>\
         <item id=\"c1\" href=\"ch1.xhtml\" media-type=\"application/xhtml+xml\"/>\
         </manifest><spine><itemref idref=\"c1\"/></spine></package>"
    );
    let chapter =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\
                   <head><title>1</title></head><body><h2>Harbour</h2>\
                   <p>The sails were painted the colour of the evening.</p></body></html>";
    let files: Vec<(&str, &[u8])> = vec![
        ("OEBPS/content.opf", opf.as_bytes()),
        ("OEBPS/images/art.png", picture),
        ("OEBPS/ch1.xhtml", chapter.as_bytes()),
    ];
    zip_epub(path, &files);
}

/// An EPUB's own cover becomes the book's cover, unless a cover is given for it; a damaged
/// one gives way to a drawn cover, with a warning. Its pictures are kept too.
#[test]
fn an_epubs_own_cover_and_pictures_are_kept() {
    let picture = ficbind::cover::generate_cover("Art", None)
        .expect("a picture")
        .bytes;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut books = Vec::new();
    let mut outs = Vec::new();
    for epub3 in [true, false] {
        let story = dir.path().join(format!("sails-{epub3}.epub"));
        write_epub_with_cover(&story, epub3, &picture);
        let (out, code, stories) = build_json(std::slice::from_ref(&story));
        assert_eq!(code, 0, "{stories:?}");
        let book = files_in(out.path()).pop().expect("one book");
        let entries = epub_entries(&book);
        let cover = entries
            .iter()
            .find(|(name, _)| name.ends_with("cover.png"))
            .map(|(_, bytes)| bytes.clone());
        assert_eq!(
            cover.as_deref(),
            Some(&picture[..]),
            "epub3 {epub3}: the book's own cover"
        );
        books.push(book);
        outs.push(out);
    }

    // A picture cut short is refused as a cover, and the book still gets one.
    let story = dir.path().join("sails-cut.epub");
    write_epub_with_cover(&story, true, &picture[..picture.len() / 2]);
    let (out, code, stories) = build_json(std::slice::from_ref(&story));
    assert_eq!(code, 0, "{stories:?}");
    let warnings = record(&stories, "sails-cut.epub")["warnings"].to_string();
    assert!(warnings.contains("sails-cut.epub"), "{warnings}");
    assert!(warnings.contains("cut short"), "{warnings}");
    let book = files_in(out.path()).pop().expect("one book");
    let cover = epub_entries(&book)
        .into_iter()
        .find(|(name, _)| name.ends_with("cover.png"))
        .map(|(_, bytes)| bytes)
        .expect("a drawn cover");
    assert_ne!(cover, picture);
    books.push(book);
    outs.push(out);
    // Checked with these books: one run of each checker serves both.
    pictures_are_kept(&mut books, &mut outs);
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

/// An EPUB 3 story whose chapter holds pictures: one on a line of its own, one inside a
/// line of text, one the book lacks and one cut short.
fn write_epub_with_pictures(path: &Path, map: &[u8]) {
    let opf = "<?xml version=\"1.0\"?><package xmlns=\"http://www.idpf.org/2007/opf\" \
         version=\"3.0\" unique-identifier=\"id\"><metadata \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
         <dc:identifier id=\"id\">urn:uuid:3c4e28ba-2fa1-11d2-883f-0016d3cca427</dc:identifier>\
         <dc:title>The Harbour Map</dc:title><dc:creator>Iris Vale</dc:creator>\
         <dc:language>en</dc:language></metadata><manifest>\
         <item id=\"map\" href=\"images/map.png\" media-type=\"image/png\"/>\
         <item id=\"cut\" href=\"images/cut.png\" media-type=\"image/png\"/>\
         <item id=\"c1\" href=\"text/ch1.xhtml\" media-type=\"application/xhtml+xml\"/>\
         <item id=\"c2\" href=\"text/ch2.xhtml\" media-type=\"application/xhtml+xml\"/>\
         </manifest><spine><itemref idref=\"c1\"/><itemref idref=\"c2\"/></spine></package>";
    let chapter = |title: &str, body: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\
             <head><title>{title}</title></head><body><h2>{title}</h2>{body}</body></html>"
        )
    };
    let first = chapter(
        "Harbour",
        "<p>She unrolled the map on the table.</p>\
         <p class=\"center\"><img src=\"../images/map.png\" alt=\"A map of the harbour\"/></p>\
         <p>Then she smiled <img src=\"../images/map.png\" alt=\"(smiles)\"/> at him.</p>",
    );
    let second = chapter(
        "Open Sea",
        "<p>The sea was wide, wider than <a href=\"ch1.xhtml#map\">the map</a> showed, \
         as <a href=\"#top\">this page</a> and <a href=\"gone.xhtml\">a lost one</a> say.</p>\
         <p><img src=\"../images/gone.png\" alt=\"A lost chart\"/></p>\
         <p><img src=\"../images/cut.png\" alt=\"A torn chart\"/></p>\
         <p><img src=\"../images/map.png\" alt=\"The map again\"/></p>",
    );
    let files: Vec<(&str, &[u8])> = vec![
        ("OEBPS/content.opf", opf.as_bytes()),
        ("OEBPS/images/map.png", map),
        ("OEBPS/images/cut.png", &map[..map.len() / 2]),
        ("OEBPS/text/ch1.xhtml", first.as_bytes()),
        ("OEBPS/text/ch2.xhtml", second.as_bytes()),
    ];
    zip_epub(path, &files);
}

/// Pictures inside an EPUB are kept, each once, in every format; one the book lacks, or
/// that is damaged, keeps its description, with a warning naming it. Links between its
/// pages lead to the chapters the pages became. The books are added
/// to `books` (their folders to `outs`) for the checkers.
fn pictures_are_kept(books: &mut Vec<PathBuf>, outs: &mut Vec<tempfile::TempDir>) {
    let map = ficbind::cover::generate_cover("Map", None)
        .expect("a picture")
        .bytes;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let story = dir.path().join("harbour.epub");
    write_epub_with_pictures(&story, &map);
    for format in ["epub3", "epub2", "kepub"] {
        let out = tempfile::tempdir().expect("a temporary folder");
        let output = run(ficbind(&project_dir())
            .args(["build", "--json", "--format", format])
            .arg(&story)
            .arg("-o")
            .arg(out.path()));
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("the report is JSON");
        let warnings = report["stories"][0]["warnings"].to_string();
        for expected in ["images/gone.png", "images/cut.png", "description stands"] {
            assert!(warnings.contains(expected), "{format}: {warnings}");
        }
        assert!(!warnings.contains("images/map.png"), "{format}: {warnings}");
        let book = files_in(out.path()).pop().expect("one book");
        let entries = epub_entries(&book);
        let pictures: Vec<&(String, Vec<u8>)> = entries
            .iter()
            .filter(|(name, _)| name.contains("picture-"))
            .collect();
        assert_eq!(
            pictures.len(),
            1,
            "{format}: one file for the map, used twice"
        );
        assert_eq!(pictures[0].1, map, "{format}: the map's own bytes");
        let page = |needle: &str| -> String {
            entries
                .iter()
                .find(|(name, bytes)| {
                    name.ends_with(".xhtml") && String::from_utf8_lossy(bytes).contains(needle)
                })
                .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
                .unwrap_or_else(|| panic!("{format}: no page holds {needle:?}"))
        };
        let first = page("unrolled the map");
        assert!(
            first.contains("<img src=\"picture-001.png\" alt=\"A map of the harbour\""),
            "{format}: {first}"
        );
        assert!(
            first.contains("[(smiles)]"),
            "{format}: a picture in a line is its description"
        );
        let second = page("The sea was wide");
        // Links between the source's pages lead to the chapters they became.
        assert!(
            second.contains("<a href=\"chapter-001.xhtml\">"),
            "{format}: {second}"
        );
        assert!(
            second.contains("<a href=\"chapter-002.xhtml\">"),
            "{format}: {second}"
        );
        assert!(!second.contains("gone.xhtml"), "{format}: {second}");
        assert!(second.contains("[A lost chart]"), "{format}: {second}");
        assert!(second.contains("[A torn chart]"), "{format}: {second}");
        assert!(
            second.contains("<img src=\"picture-001.png\" alt=\"The map again\""),
            "{format}: {second}"
        );
        let opf = entries
            .iter()
            .find(|(name, _)| name.ends_with("content.opf"))
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
            .expect("a package document");
        assert!(
            opf.contains("href=\"picture-001.png\" media-type=\"image/png\""),
            "{format}: {opf}"
        );
        books.push(book);
        outs.push(out);
    }
}
