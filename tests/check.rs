//! `ficbind check`: it passes ficbind's books and finds what is broken in damaged ones.

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// Writes a book with the given entries, each stored or deflated as asked.
fn write_book(path: &Path, entries: &[(String, Vec<u8>, CompressionMethod)]) {
    let file = std::fs::File::create(path).expect("the book file is created");
    let mut zip = zip::ZipWriter::new(file);
    for (name, bytes, method) in entries {
        let options = SimpleFileOptions::default().compression_method(*method);
        zip.start_file(name.as_str(), options)
            .expect("the entry starts");
        zip.write_all(bytes).expect("the entry is written");
    }
    zip.finish().expect("the archive is finished");
}

/// A good book's entries with the compression each should have.
fn good_entries(book: &Path) -> Vec<(String, Vec<u8>, CompressionMethod)> {
    epub_entries(book)
        .into_iter()
        .map(|(name, bytes)| {
            let method = if name == "mimetype" {
                CompressionMethod::Stored
            } else {
                CompressionMethod::Deflated
            };
            (name, bytes, method)
        })
        .collect()
}

fn check(dir: &Path, books: &[&Path]) -> (bool, String) {
    let output = run(ficbind(dir).arg("check").arg("--no-epubcheck").args(books));
    (output.status.success(), stdout(&output))
}

fn built_book() -> (tempfile::TempDir, PathBuf) {
    let out = build_ok(&["stories/let-it-go.txt", "--no-generated-cover"]);
    let book = out.path().join("let-it-go.epub");
    assert!(book.is_file());
    (out, book)
}

#[test]
fn passes_books_made_by_ficbind() {
    let out = build_ok(&["stories"]);
    let output = run(ficbind(out.path())
        .arg("check")
        .arg(".")
        .arg("--no-epubcheck"));
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert!(stderr(&output).contains("2 books checked: 2 clean"));
    // The checker agrees with EPUBCheck on these books.
    let books = files_in(out.path());
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

#[test]
fn runs_epubcheck_when_it_is_found() {
    let Some(jar) = require_epubcheck() else {
        return;
    };
    let (out, book) = built_book();
    let output = run(ficbind(out.path())
        .arg("check")
        .arg("--epubcheck")
        .arg(&jar)
        .arg(&book));
    assert!(output.status.success(), "{}", stdout(&output));

    // A book that only EPUBCheck faults: a chapter with an unknown element.
    let mut entries = good_entries(&book);
    for (name, bytes, _) in &mut entries {
        if name.ends_with("chapter-001.xhtml") {
            let text = String::from_utf8_lossy(bytes).replace("<h1>", "<blink/><h1>");
            *bytes = text.into_bytes();
        }
    }
    let bad = out.path().join("blink.epub");
    write_book(&bad, &entries);
    let output = run(ficbind(out.path())
        .arg("check")
        .arg("--epubcheck")
        .arg(&jar)
        .arg(&bad));
    assert!(!output.status.success());
    assert!(
        stdout(&output).contains("ERROR(RSC-005)"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn finds_a_file_missing_from_the_archive() {
    let (out, book) = built_book();
    let entries: Vec<_> = good_entries(&book)
        .into_iter()
        .filter(|(name, _, _)| !name.ends_with("chapter-002.xhtml"))
        .collect();
    let bad = out.path().join("missing.epub");
    write_book(&bad, &entries);
    let (ok, report) = check(out.path(), &[&bad]);
    assert!(!ok);
    assert!(
        report.contains("the manifest lists \"chapter-002.xhtml\"")
            && report.contains("which is not in the archive"),
        "{report}"
    );
}

#[test]
fn a_file_missing_from_the_manifest_matters_only_when_it_is_used() {
    let (out, book) = built_book();
    let mut entries = good_entries(&book);
    entries.push((
        "OEBPS/stray.xhtml".into(),
        b"<html/>".to_vec(),
        CompressionMethod::Deflated,
    ));
    let stray = out.path().join("stray.epub");
    write_book(&stray, &entries);
    // EPUBCheck too lets a file no page uses stay out of the manifest.
    let (ok, report) = check(out.path(), &[&stray]);
    assert!(ok, "{report}");
    for (name, bytes, _) in &mut entries {
        if name.ends_with("chapter-001.xhtml") {
            let text = String::from_utf8_lossy(bytes).replacen(
                "</body>",
                "<p><a href=\"stray.xhtml\">more</a></p></body>",
                1,
            );
            *bytes = text.into_bytes();
        }
    }
    let used = out.path().join("used.epub");
    write_book(&used, &entries);
    let (ok, report) = check(out.path(), &[&used]);
    assert!(!ok);
    assert!(
        report.contains("chapter-001.xhtml:")
            && report.contains("error[link-undeclared]")
            && report.contains("(RSC-008)"),
        "{report}"
    );
}

#[test]
fn finds_malformed_xhtml() {
    let (out, book) = built_book();
    let mut entries = good_entries(&book);
    for (name, bytes, _) in &mut entries {
        if name.ends_with("chapter-001.xhtml") {
            let text = String::from_utf8_lossy(bytes).replacen("</p>", "", 1);
            *bytes = text.into_bytes();
        }
    }
    let bad = out.path().join("malformed.epub");
    write_book(&bad, &entries);
    let (ok, report) = check(out.path(), &[&bad]);
    assert!(!ok);
    assert!(
        report.contains("chapter-001.xhtml:") && report.contains("error[malformed]"),
        "{report}"
    );
    assert_eq!(report.lines().count(), 1, "{report}");
}

#[test]
fn finds_a_mimetype_that_is_not_first_or_compressed() {
    let (out, book) = built_book();
    let mut entries = good_entries(&book);
    let mimetype = entries.remove(0);
    entries.push((mimetype.0, mimetype.1, CompressionMethod::Deflated));
    let bad = out.path().join("mimetype.epub");
    write_book(&bad, &entries);
    let (ok, report) = check(out.path(), &[&bad]);
    assert!(!ok);
    assert!(
        report.contains("mimetype: error[mimetype-missing]: is not the first entry"),
        "{report}"
    );
    entries.rotate_right(1);
    let compressed = out.path().join("compressed.epub");
    write_book(&compressed, &entries);
    let (ok, report) = check(out.path(), &[&compressed]);
    assert!(!ok);
    assert!(
        report.contains("mimetype: error[mimetype-wrong]: is compressed"),
        "{report}"
    );
}

#[test]
fn refuses_entries_that_leave_the_book() {
    let (out, book) = built_book();
    let mut entries = good_entries(&book);
    entries.push((
        "../escape.txt".into(),
        b"gotcha".to_vec(),
        CompressionMethod::Deflated,
    ));
    let bad = out.path().join("escape.epub");
    write_book(&bad, &entries);
    let (ok, report) = check(out.path(), &[&bad]);
    assert!(!ok);
    assert!(
        report.contains("\"../escape.txt\" points outside the book")
            && report.contains("refusing to read it"),
        "{report}"
    );
}

#[test]
fn reports_files_that_are_not_books() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let text = dir.path().join("notes.epub");
    std::fs::write(&text, "just some text").expect("written");
    let (ok, report) = check(dir.path(), &[&text]);
    assert!(!ok);
    assert!(report.contains("not a readable zip archive"), "{report}");

    let folder = dir.path().join("folder.epub");
    std::fs::create_dir(&folder).expect("created");
    std::fs::write(folder.join("x.epub"), "x").expect("written");
    let (ok, report) = check(dir.path(), &[&folder.join("x.epub")]);
    assert!(!ok);
    assert!(report.contains("not a readable zip archive"), "{report}");

    // Bad usage exits 2, as `build` does: a path that is not there, a folder with no books.
    let missing = run(ficbind(dir.path()).args(["check", "--no-epubcheck", "nowhere.epub"]));
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("nowhere.epub does not exist"));
    let empty = tempfile::tempdir().expect("a temporary folder");
    let none = run(ficbind(dir.path())
        .arg("check")
        .arg("--no-epubcheck")
        .arg(empty.path()));
    assert_eq!(none.status.code(), Some(2), "{}", stderr(&none));
    assert!(stderr(&none).contains("no books found"));
}

#[test]
fn finds_an_empty_table_of_contents_and_a_fake_cover() {
    let out = build_ok(&["stories/dont-leave.txt"]);
    let book = out.path().join("dont-leave.epub");
    let mut entries = good_entries(&book);
    for (name, bytes, _) in &mut entries {
        if name.ends_with("nav.xhtml") {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let start = text.find("<ol>").expect("the toc has a list");
            let end = text.find("</ol>").expect("the list ends");
            *bytes = format!(
                "{}<ol><li><span>-</span></li>{}",
                &text[..start],
                &text[end..]
            )
            .into_bytes();
        }
        if name.ends_with("cover.png") {
            *bytes = b"not a picture".to_vec();
        }
    }
    let bad = out.path().join("hollow.epub");
    write_book(&bad, &entries);
    let (ok, report) = check(out.path(), &[&bad]);
    assert!(!ok);
    assert!(
        report.contains("the table of contents is empty"),
        "{report}"
    );
    assert!(
        report.contains("cover.png: error[image-corrupt]"),
        "{report}"
    );
}
