//! Markdown stories in, and EPUB 2 and Kobo books out.

mod common;

use common::*;
use std::collections::HashSet;
use std::path::Path;

const LANTERN: &str = "tests/fixtures/markdown/lantern-keeper.md";

/// The XHTML pages of a book, by name.
fn pages(book: &Path) -> Vec<(String, String)> {
    epub_entries(book)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".xhtml"))
        .map(|(name, bytes)| (name, String::from_utf8(bytes).expect("UTF-8 pages")))
        .collect()
}

/// Every `id="…"` value in a page.
fn ids(xhtml: &str) -> Vec<String> {
    xhtml
        .split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_markdown_story_becomes_a_book() {
    let out = build_ok(&[LANTERN, "--no-generated-cover"]);
    let book = out.path().join("the-lantern-keeper.epub");
    let pages = pages(&book);
    let opf = epub_entries(&book)
        .into_iter()
        .find(|(name, _)| name.ends_with("content.opf"))
        .map(|(_, bytes)| String::from_utf8_lossy(&bytes).into_owned())
        .expect("a package document");
    // Front matter is metadata, like a sidecar.
    assert!(
        opf.contains("<dc:title>The Lantern Keeper</dc:title>"),
        "{opf}"
    );
    assert!(opf.contains("Mara Quill"));
    assert!(opf.contains("<dc:subject>Short story</dc:subject>"));
    assert!(opf.contains("Harbor Tales"));

    let chapter = |n: usize| {
        pages
            .iter()
            .find(|(name, _)| name.ends_with(&format!("chapter-{n:03}.xhtml")))
            .map(|(_, text)| text.as_str())
            .expect("the chapter exists")
    };
    let first = chapter(1);
    // Typography applies to Markdown text.
    assert!(first.contains("“Is it lit?” asked Tom."), "{first}");
    assert!(first.contains("<em>hundred and twelve</em> steps—slowly—"));
    assert!(first.contains("<strong>always</strong>"));
    // Raw HTML is text, never markup.
    assert!(
        first.contains("&lt;span class=\"x\"&gt;not a span&lt;/span&gt;"),
        "{first}"
    );
    assert!(first.contains("&lt;div class=\"aside\"&gt;"));
    assert!(!first.contains("<span") && !first.contains("<div"));
    // Structure.
    assert!(first.contains("<blockquote>\n<p>“Keep the flame,”"));
    assert!(first.contains("<ol>\n<li>Oil for the lamp</li>"));
    assert!(first.contains("<ul>\n<li>short ones</li>"));
    assert!(first.contains("<hr class=\"scene-break\"/>"));
    assert!(first.contains("<h2>Later that night</h2>"));
    assert!(first.contains("A literal *star* and snake_case_name and 2 * 3 * 4"));
    assert!(first.contains("follows<br/>on the next line"));
    // The author's note went to the appendix, not into the chapter.
    let second = chapter(2);
    assert!(!second.contains("Thanks for reading"));
    let notes = pages
        .iter()
        .find(|(name, _)| name.ends_with("notes.xhtml"))
        .map(|(_, text)| text.as_str())
        .expect("an appendix");
    assert!(notes.contains("Thanks for reading!"));

    // Footnotes: numbered through the book, linked both ways, ids unique in the book.
    assert!(first.contains("href=\"#fn-1\" id=\"fnref-1\">1</a>"));
    assert!(first.contains(
        "<aside class=\"footnote\" epub:type=\"footnote\" role=\"doc-footnote\" id=\"fn-2\">"
    ));
    assert!(first.contains("<a href=\"#fnref-1\">1</a>"));
    let mut seen = HashSet::new();
    for (name, text) in &pages {
        for id in ids(text) {
            assert!(seen.insert(id.clone()), "{id} appears twice ({name})");
        }
    }
    assert_epubcheck_clean(std::slice::from_ref(&book));
    assert_ace_clean(&[book]);
}

#[test]
fn front_matter_mistakes_name_the_file_and_the_line() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let story = dir.path().join("typo.md");
    std::fs::write(
        &story,
        "+++\ntitle = \"A\"\ntags = \"not a list\"\n+++\n\n# One\n\nText.\n",
    )
    .expect("written");
    let output = run(ficbind(dir.path()).args(["build", "typo.md"]));
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("typo.md: front matter: key `tags` (line 3)"),
        "{message}"
    );
    assert!(files_in(&dir.path().join("books")).is_empty());

    let output = run(ficbind(&project_dir())
        .args(["build", "tests/fixtures/markdown/unclosed-front-matter.md"])
        .args(["tests/fixtures/markdown/bad-front-matter.md", LANTERN, "-o"])
        .arg(dir.path().join("out")));
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("unclosed-front-matter.md: the front matter that opens with `+++`"),
        "{message}"
    );
    assert!(
        message.contains("bad-front-matter.md: front matter: unknown key `colour`"),
        "{message}"
    );
    assert_eq!(files_in(&dir.path().join("out")).len(), 1);
}

#[test]
fn epub2_books_are_epub_2_0_1() {
    let out = build_ok(&["stories", LANTERN, "--format", "epub2"]);
    for book in files_in(out.path()) {
        let entries = epub_entries(&book);
        let opf = entries
            .iter()
            .find(|(name, _)| name.ends_with("content.opf"))
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
            .expect("a package document");
        assert!(opf.contains(" version=\"2.0\" "), "{opf}");
        assert!(
            !opf.contains("property="),
            "EPUB 3 metadata in EPUB 2: {opf}"
        );
        for (name, text) in pages(&book) {
            if name.ends_with("nav.xhtml") {
                continue;
            }
            assert!(text.contains("XHTML 1.1"), "{name}");
            assert!(
                !text.contains("epub:type") && !text.contains("<section"),
                "{name}"
            );
        }
    }
}

/// Problems of a Kobo page: visible text, pictures or ids outside what Kobo expects.
fn kobo_problems(name: &str, xhtml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xhtml);
    // For each open element: its name, and whether it is a koboSpan.
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    let inside = |open: &[(String, bool)], wanted: &str| open.iter().any(|(n, _)| n == wanted);
    loop {
        let event = reader.read_event().expect("a well-formed page");
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let element = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
                let mut kobo = false;
                for attribute in tag.attributes().flatten() {
                    let value = String::from_utf8_lossy(&attribute.value).into_owned();
                    match attribute.key.as_ref() {
                        b"class" if value == "koboSpan" => kobo = true,
                        b"id" if !ids.insert(value.clone()) => {
                            problems.push(format!("{name}: the id {value} repeats"))
                        }
                        _ => {}
                    }
                }
                let spanned = open.iter().any(|(_, k)| *k);
                if (element == "img" || element == "svg") && !spanned {
                    problems.push(format!("{name}: an {element} outside a koboSpan"));
                }
                if kobo && spanned {
                    problems.push(format!("{name}: a koboSpan inside another"));
                }
                if matches!(event, Event::Start(_)) {
                    open.push((element, kobo));
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Text(text) => {
                let text = String::from_utf8_lossy(&text).into_owned();
                let visible = inside(&open, "body") && !inside(&open, "svg");
                if visible && !text.trim().is_empty() && !open.iter().any(|(_, k)| *k) {
                    problems.push(format!("{name}: {text:?} is outside a koboSpan"));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !xhtml.contains("<div id=\"book-columns\"><div id=\"book-inner\">") {
        problems.push(format!("{name}: no book-columns and book-inner divs"));
    }
    if !xhtml.contains("class=\"kobostylehacks\"") {
        problems.push(format!("{name}: no Kobo style fixes"));
    }
    problems
}

#[test]
fn kobo_books_span_every_visible_text_and_picture() {
    let out = build_ok(&[
        "stories",
        LANTERN,
        "tests/fixtures/full-sidecar.txt",
        "tests/fixtures/markup-and-notes.txt",
        "--format",
        "kepub",
    ]);
    let inline = build_ok(&[
        "tests/fixtures/markup-and-notes.txt",
        "--format",
        "kepub",
        "--notes",
        "inline",
    ]);
    let mut books = files_in(out.path());
    books.extend(files_in(inline.path()));
    assert_eq!(books.len(), 6);
    let mut problems = Vec::new();
    for book in &books {
        assert!(book.to_string_lossy().ends_with(".kepub.epub"), "{book:?}");
        let mut pages_seen = 0;
        for (name, text) in pages(book) {
            // The navigation document is not in the reading order.
            if name.ends_with("nav.xhtml") {
                continue;
            }
            pages_seen += 1;
            problems.extend(kobo_problems(&name, &text));
        }
        assert!(pages_seen >= 4, "{book:?}");
    }
    assert!(problems.is_empty(), "{problems:#?}");
    let lantern = books
        .iter()
        .find(|b| b.to_string_lossy().contains("lantern"))
        .expect("the Markdown story's book");
    let first = pages(lantern)
        .into_iter()
        .find(|(name, _)| name.ends_with("chapter-001.xhtml"))
        .map(|(_, text)| text)
        .expect("a first chapter");
    assert!(
        first.contains(
            "<span class=\"koboSpan\" id=\"kobo.3.1\">“Is it lit?” </span>\
             <span class=\"koboSpan\" id=\"kobo.3.2\">asked Tom. </span>"
        ),
        "{first}"
    );
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

#[test]
fn completions_and_man_pages_come_from_the_command_line_definition() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let output = run(ficbind(dir.path()).args(["completions", "bash"]));
    assert!(output.status.success());
    let script = stdout(&output);
    assert!(
        script.contains("--paragraphs") && script.contains("--format"),
        "{script}"
    );

    let output = run(ficbind(dir.path()).args(["man", "--dir", "man"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let names: Vec<String> = files_in(&dir.path().join("man"))
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for page in [
        "ficbind.1",
        "ficbind-build.1",
        "ficbind-check.1",
        "ficbind-inspect.1",
    ] {
        assert!(names.contains(&page.to_string()), "{names:?}");
    }
    let build = std::fs::read_to_string(dir.path().join("man/ficbind-build.1")).expect("read");
    assert!(build.contains("paragraphs"), "{build}");
}
