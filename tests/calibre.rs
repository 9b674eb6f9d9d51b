//! A calibre round trip, as a Kindle user makes one: EPUB → AZW3 → EPUB keeps the table of
//! contents, adds no page to the reading order, and keeps the metadata calibre reads.
//! Runs when calibre's `ebook-convert` is installed (`apt-get install calibre`); says it
//! skipped otherwise.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn has_calibre() -> bool {
    Command::new("ebook-convert")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `ebook-meta`'s fields, such as "Title" and "Tags".
fn calibre_metadata(book: &Path) -> Vec<(String, String)> {
    let output = Command::new("ebook-meta")
        .arg(book)
        .output()
        .expect("ebook-meta runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once(" : "))
        .map(|(key, value)| {
            // Authors come with their sort name, "Jane Doe [Doe, Jane]", when the book has
            // one; AZW3 keeps the name only.
            let value = match value.trim().split_once(" [") {
                Some((name, _)) if key.trim() == "Author(s)" => name,
                _ => value.trim(),
            };
            (key.trim().to_string(), value.to_string())
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The spine's entries and the NCX's labels of a book.
fn reading_order_and_contents(book: &Path) -> (usize, Vec<String>) {
    let entries = epub_entries(book);
    let text = |suffix: &str| {
        entries
            .iter()
            .find(|(name, _)| name.ends_with(suffix))
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_else(|| panic!("{} has no {suffix}", book.display()))
    };
    let spine = text(".opf").matches("<itemref").count();
    let ncx = text(".ncx");
    let nav_map = ncx.split_once("<navMap").map_or("", |(_, map)| map);
    let labels = nav_map
        .split("<text>")
        .skip(1)
        .filter_map(|piece| {
            piece
                .split_once("</text>")
                .map(|(label, _)| label.to_string())
        })
        .collect();
    (spine, labels)
}

fn convert(from: &Path, to: &Path) {
    let output = Command::new("ebook-convert")
        .arg(from)
        .arg(to)
        .output()
        .expect("ebook-convert runs");
    assert!(
        output.status.success(),
        "ebook-convert {} failed: {}",
        from.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_kindle_round_trip_keeps_contents_order_and_metadata() {
    if !has_calibre() {
        eprintln!("skipping the calibre round trip: ebook-convert is not installed");
        return;
    }
    let out = build_ok(&["tests/fixtures/full-sidecar.txt", "stories/let-it-go.txt"]);
    let books = files_in(out.path());
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
    for name in ["fire-ice-winter", "let-it-go"] {
        let book = out.path().join(format!("{name}.epub"));
        let azw3 = out.path().join(format!("{name}.azw3"));
        let back = out.path().join(format!("{name}-back.epub"));
        convert(&book, &azw3);
        convert(&azw3, &back);

        let (_, labels) = reading_order_and_contents(&book);
        let (_, labels_back) = reading_order_and_contents(&back);
        // The navigation document lists "Title Page"; no page in the reading order does.
        // calibre once put it at the end of every book, because a `guide` entry pointed
        // at it. (calibre splits long pages at headings, so pages are not counted.)
        for (file, bytes) in epub_entries(&back) {
            let page = String::from_utf8_lossy(&bytes);
            assert!(
                !(file.ends_with("html") && page.contains("Title Page</a>")),
                "{name}: calibre added the navigation document to the book as {file}"
            );
        }
        // calibre makes the cover its own title page; every other entry stays, in order.
        let kept: Vec<&String> = labels.iter().filter(|l| *l != "Cover").collect();
        for label in &kept {
            assert!(
                labels_back.contains(label),
                "{name}: the contents lost {label:?}: {labels_back:?}"
            );
        }

        let before = calibre_metadata(&book);
        let after = calibre_metadata(&back);
        for key in [
            "Title",
            "Author(s)",
            "Publisher",
            "Tags",
            "Comments",
            "Languages",
        ] {
            assert_eq!(
                field(&after, key),
                field(&before, key),
                "{name}: {key} changed on the way through AZW3"
            );
        }
    }
    // What calibre reads from the book itself, before any conversion.
    let fields = calibre_metadata(&out.path().join("fire-ice-winter.epub"));
    for (key, expected) in [
        ("Title", "Fire & Ice: <Winter>"),
        ("Author(s)", "Jeanne Q. Écrivain"),
        ("Publisher", "Small & Sons <Press>"),
        ("Series", "Seasons < Storms & Sun #2.5"),
        ("Tags", "Romance, Hurt/Comfort, <Angst> & more"),
    ] {
        assert_eq!(field(&fields, key), Some(expected), "{key}: {fields:?}");
    }
    assert!(
        field(&fields, "Comments").is_some_and(|c| c.starts_with("A story of “snow” & storms…")),
        "{fields:?}"
    );
}

/// The text of a page, without its markup, with spaces made single.
fn page_text(page: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The pages of a book calibre wrote back: calibre splits a book into a new file at every
/// page break it made, so what shares a file shares a run of pages.
fn html_pages(book: &Path) -> Vec<(String, String)> {
    epub_entries(book)
        .into_iter()
        .filter(|(name, _)| name.ends_with("html"))
        .map(|(name, bytes)| (name, String::from_utf8_lossy(&bytes).into_owned()))
        .collect()
}

#[test]
fn notes_keep_flowing_through_a_kindle_conversion() {
    if !has_calibre() {
        eprintln!("skipping the calibre notes layout: ebook-convert is not installed");
        return;
    }
    let notes = [
        "This story tests text that looks like markup. Thanks for reading!",
        "one more thing at the bottom.",
        "This marker runs to the end of the segment.",
    ];
    for placement in ["appendix", "inline"] {
        let out = build_ok(&["tests/fixtures/markup-and-notes.txt", "--notes", placement]);
        let book = out.path().join("markup-mayhem.epub");
        assert_epubcheck_clean(std::slice::from_ref(&book));
        assert_ace_clean(std::slice::from_ref(&book));
        let azw3 = out.path().join("book.azw3");
        let back = out.path().join("back.epub");
        convert(&book, &azw3);
        convert(&azw3, &back);
        let pages = html_pages(&back);
        let page_of = |text: &str| {
            pages
                .iter()
                .find(|(_, page)| page_text(page).contains(text))
                .map(|(name, _)| name.clone())
                .unwrap_or_else(|| panic!("{placement}: calibre lost {text:?}"))
        };
        if placement == "appendix" {
            // The appendix starts a page, and its heading and every note share it.
            let appendix = pages
                .iter()
                .find(|(_, page)| {
                    page.split("<h")
                        .skip(1)
                        .any(|heading| heading.contains(">Author’s Notes</h"))
                })
                .map(|(name, _)| name.clone())
                .expect("the appendix heading survives");
            for note in notes {
                assert_eq!(page_of(note), appendix, "{note:?} is not with the appendix");
            }
            assert_ne!(page_of("This is not bold."), appendix);
            // Every note link lands on the appendix page, at an id that page has.
            let mut links = 0;
            for (_, page) in &pages {
                for piece in page.split("<a ").skip(1) {
                    let Some((attributes, rest)) = piece.split_once('>') else {
                        continue;
                    };
                    if !rest.starts_with("Author’s note<") {
                        continue;
                    }
                    let href = attributes
                        .split("href=\"")
                        .nth(1)
                        .and_then(|h| h.split('"').next())
                        .expect("a note link has an href");
                    let (file, id) = href.split_once('#').expect("a note link has a fragment");
                    let target = &pages
                        .iter()
                        .find(|(name, _)| name.ends_with(file.trim_start_matches("../")))
                        .unwrap_or_else(|| panic!("{href} leads nowhere"))
                        .1;
                    assert!(target.contains(&format!("id=\"{id}\"")), "{href}");
                    assert!(page_text(target).contains("Author’s Notes"), "{href}");
                    links += 1;
                }
            }
            assert_eq!(links, notes.len());
        } else {
            // A note set inline stays on the page of the chapter it belongs to.
            assert_eq!(page_of(notes[0]), page_of("This is not bold."));
            assert_eq!(page_of(notes[2]), page_of("The end came quickly"));
        }
    }
}

/// calibre's `ebook-polish --remove-unused-css` finds nothing to remove, in any format,
/// paragraph style or note placement, for books with and without a series, tags, notes,
/// footnotes, lists and quotes.
#[test]
fn calibre_finds_no_unused_css() {
    if !has_calibre() {
        eprintln!("skipping the unused-CSS check: ebook-polish is not installed");
        return;
    }
    let stories = [
        "stories/dont-leave.txt",
        "stories/let-it-go.txt",
        "tests/fixtures/full-sidecar.txt",
        "tests/fixtures/markup-and-notes.txt",
        "tests/fixtures/markdown/lantern-keeper.md",
        "tests/fixtures/markdown/plain.markdown",
    ];
    for options in [
        &["--format", "epub3"][..],
        &["--format", "epub2", "--paragraphs", "spaced"],
        &["--format", "kepub", "--notes", "inline"],
    ] {
        let mut args = stories.to_vec();
        args.extend_from_slice(options);
        let out = build_ok(&args);
        let books = files_in(out.path());
        assert_epubcheck_clean(&books);
        assert_ace_clean(&books);
        for book in books {
            let polished = out.path().join("polished.epub");
            let output = Command::new("ebook-polish")
                .arg("--remove-unused-css")
                .arg(&book)
                .arg(&polished)
                .output()
                .expect("ebook-polish runs");
            let report = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "{report}");
            for line in [
                "No unused CSS style rules found",
                "No unused CSS selectors found",
            ] {
                assert!(
                    report.contains(line),
                    "{} {options:?}: {report}",
                    book.display()
                );
            }
            std::fs::remove_file(&polished).expect("the polished copy is removed");
        }
    }
}
