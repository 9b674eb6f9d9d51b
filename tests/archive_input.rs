//! A zip archive as input: its stories converted without unpacking it, each book at the
//! member's folder in the output, and a hostile archive's bad members refused one by one.

mod common;

use common::*;
use std::fs;
use std::io::Write;
use std::path::Path;

/// Writes a zip of `(name, bytes)` members, then rewrites names in its bytes: the zip
/// crate refuses to write the names hostile archives hold.
fn write_zip(path: &Path, members: &[(&str, &[u8])], renames: &[(&str, &str)]) {
    let mut bytes = Vec::new();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
    let options = zip::write::SimpleFileOptions::default();
    for (name, data) in members {
        zip.start_file(*name, options).expect("a member");
        zip.write_all(data).expect("written");
    }
    zip.finish().expect("finished");
    for (from, to) in renames {
        assert_eq!(from.len(), to.len(), "a rename keeps the length");
        let positions: Vec<usize> = (0..=bytes.len() - from.len())
            .filter(|&i| &bytes[i..i + from.len()] == from.as_bytes())
            .collect();
        for i in positions {
            bytes[i..i + to.len()].copy_from_slice(to.as_bytes());
        }
    }
    fs::write(path, bytes).expect("written");
}

/// The `.epub` files in a folder and its subfolders.
fn books_under(dir: &Path) -> usize {
    let mut count = 0;
    for entry in fs::read_dir(dir).expect("listed").flatten() {
        let path = entry.path();
        if path.is_dir() {
            count += books_under(&path);
        } else if path.extension().is_some_and(|e| e == "epub") {
            count += 1;
        }
    }
    count
}

fn story(title: &str) -> Vec<u8> {
    format!(" {title}\n\nIt was fine, \"mostly.\"\n").into_bytes()
}

#[test]
fn stories_in_a_zip_become_books_at_their_members_folders() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let book = build_ok(&["stories/dont-leave.txt"]);
    let epub = fs::read(book.path().join("dont-leave.epub")).expect("a book");
    let html = b"<!DOCTYPE html><html><head><title>Page</title></head><body>\
        <h1>Chapter One</h1><p>It was a page.</p></body></html>";
    let sidecar = b"title = \"Named By Its Sidecar\"\nauthor = \"A. Writer\"\n";
    write_zip(
        &dir.path().join("archive.zip"),
        &[
            ("top.txt", &story("Top")),
            ("epub/a/alice-1/first.txt", &story("First")),
            ("epub/a/alice-1/first.toml", sidecar),
            ("epub/a/alice-1/page.html", html),
            ("epub/b/bob-2/book.epub", &epub),
            ("epub/b/bob-2/tale.md", b"# A Tale\n\nSome *words*.\n"),
            ("epub/b/bob-2/picture.png", b"not a story"),
        ],
        &[],
    );
    let output = run(ficbind(dir.path()).args(["build", "archive.zip", "-o", "out"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let out = dir.path().join("out");
    let books = [
        "top.epub",
        "epub/a/alice-1/named-by-its-sidecar.epub",
        "epub/a/alice-1/page.epub",
        "epub/b/bob-2/dont-leave.epub",
        "epub/b/bob-2/a-tale.epub",
    ];
    for name in books {
        assert!(out.join(name).is_file(), "{name}: {}", stderr(&output));
    }
    assert_eq!(books_under(&out), books.len());
    // Nothing was unpacked beside the archive.
    assert_eq!(
        fs::read_dir(dir.path()).expect("listed").count(),
        2,
        "only the archive and the output folder"
    );
    let opf = epub_entries(&out.join("epub/a/alice-1/named-by-its-sidecar.epub"))
        .into_iter()
        .find(|(name, _)| name.ends_with(".opf"))
        .map(|(_, bytes)| String::from_utf8_lossy(&bytes).into_owned())
        .expect("a package document");
    assert!(
        opf.contains("A. Writer"),
        "the sidecar inside the zip is read"
    );
    let paths: Vec<_> = books.iter().map(|name| out.join(name)).collect();
    assert_epubcheck_clean(&paths);
    assert_ace_clean(&paths);

    // Nothing changed: nothing is rebuilt.
    let again = run(ficbind(dir.path()).args(["build", "archive.zip", "-o", "out"]));
    assert!(
        stderr(&again).contains("0 books written, 5 unchanged"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_changed_member_is_rebuilt_alone() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let zip = dir.path().join("archive.zip");
    write_zip(&zip, &[("a.txt", &story("A")), ("b.txt", &story("B"))], &[]);
    let first = run(ficbind(dir.path()).args(["build", "archive.zip", "-o", "out"]));
    assert!(first.status.success(), "{}", stderr(&first));
    write_zip(
        &zip,
        &[("a.txt", &story("A")), ("b.txt", &story("B, again"))],
        &[],
    );
    let second = run(ficbind(dir.path()).args(["build", "archive.zip", "-o", "out", "--json"]));
    let report: serde_json::Value = serde_json::from_slice(&second.stdout).expect("JSON");
    let statuses: Vec<(String, String)> = report["stories"]
        .as_array()
        .expect("stories")
        .iter()
        .map(|s| {
            (
                s["input"].as_str().unwrap_or_default().to_string(),
                s["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("archive.zip/a.txt".to_string(), "unchanged".to_string()),
            ("archive.zip/b.txt".to_string(), "written".to_string()),
        ]
    );
}

#[test]
fn a_hostile_archive_loses_only_its_bad_members() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let zeros = vec![b' '; 8 << 20];
    let mut bytes = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        let stored = zip::write::SimpleFileOptions::default();
        let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
        for (name, data, options) in [
            ("good.txt", story("Good"), stored),
            ("up/evil.txt", story("Evil"), stored),
            ("twice.txt", story("One"), stored),
            ("twicE.txt", story("Two"), stored),
            ("bomb.txt", zeros, deflated),
        ] {
            zip.start_file(name, options).expect("a member");
            zip.write_all(&data).expect("written");
        }
        zip.finish().expect("finished");
    }
    for (from, to) in [("up/evil", "../evil"), ("twicE", "twice")] {
        let positions: Vec<usize> = (0..=bytes.len() - from.len())
            .filter(|&i| &bytes[i..i + from.len()] == from.as_bytes())
            .collect();
        for i in positions {
            bytes[i..i + to.len()].copy_from_slice(to.as_bytes());
        }
    }
    fs::write(dir.path().join("hostile.zip"), &bytes).expect("written");
    let output = run(ficbind(dir.path()).args(["build", "hostile.zip", "-o", "out"]));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert_errors_name(
        &message,
        &[
            ("hostile.zip/evil.txt", "leaves the archive"),
            ("hostile.zip/twice.txt", "two members of this name"),
            ("hostile.zip/bomb.txt", "zip bombs"),
        ],
    );
    let out = dir.path().join("out");
    assert_eq!(files_in(&out), [out.join("good.epub")]);
    assert!(!dir.path().join("evil.txt").exists());
    assert!(!dir.path().join("evil.epub").exists());
}

#[test]
fn a_damaged_archive_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(&[0u8; 100]);
    fs::write(dir.path().join("broken.zip"), bytes).expect("written");
    let output = run(ficbind(dir.path()).args(["build", "broken.zip", "-o", "out"]));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_errors_name(&stderr(&output), &[("broken.zip", "not a zip archive")]);
    assert!(!dir.path().join("out").exists());
}

/// Which book each story went to, from a run's `--json-lines` report, by the story's
/// path under `root`.
fn books_by_story(report: &str, root: &Path, output: &Path) -> Vec<(String, String)> {
    report
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|record| {
            let input = Path::new(record.get("input")?.as_str()?).to_owned();
            let book = Path::new(record.get("output")?.as_str()?).to_owned();
            let input = input
                .strip_prefix(root)
                .ok()?
                .to_string_lossy()
                .into_owned();
            let book = book
                .strip_prefix(output)
                .ok()?
                .to_string_lossy()
                .into_owned();
            Some((input, book))
        })
        .collect()
}

#[test]
fn a_zip_and_the_folder_it_unpacks_to_give_the_same_books_in_the_same_order() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // By name, "a/b/…" comes between "a/m.txt" and "a/z.txt"; a folder walk takes a
    // folder's own stories first. Two stories of one title tell the order apart.
    let members: [(&str, Vec<u8>); 5] = [
        ("a/z.txt", story("Same Title")),
        ("a/b/y.txt", story("Same Title")),
        ("a/m.txt", story("Same Title")),
        ("a/b/c/x.txt", story("Other")),
        ("top.txt", story("Same Title")),
    ];
    let borrowed: Vec<(&str, &[u8])> = members.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    write_zip(&dir.path().join("stories.zip"), &borrowed, &[]);
    for (name, bytes) in &members {
        let path = dir.path().join("unpacked").join(name);
        fs::create_dir_all(path.parent().expect("a folder")).expect("created");
        fs::write(path, bytes).expect("written");
    }
    let zipped =
        run(ficbind(dir.path()).args(["build", "stories.zip", "--json-lines", "-o", "from-zip"]));
    assert!(zipped.status.success(), "{}", stderr(&zipped));
    let unpacked = run(ficbind(dir.path()).args([
        "build",
        "unpacked",
        "--recursive",
        "--json-lines",
        "-o",
        "from-folder",
    ]));
    assert!(unpacked.status.success(), "{}", stderr(&unpacked));

    let from_zip = books_by_story(
        &stdout(&zipped),
        Path::new("stories.zip"),
        Path::new("from-zip"),
    );
    let from_folder = books_by_story(
        &stdout(&unpacked),
        Path::new("unpacked"),
        Path::new("from-folder"),
    );
    let expected = [
        ("top.txt", "same-title.epub"),
        ("a/m.txt", "a/same-title.epub"),
        ("a/z.txt", "a/same-title-2.epub"),
        ("a/b/y.txt", "a/b/same-title.epub"),
        ("a/b/c/x.txt", "a/b/c/other.epub"),
    ]
    .map(|(story, book)| (story.to_string(), book.to_string()));
    assert_eq!(from_zip, expected);
    assert_eq!(from_folder, expected);
    let mut books = Vec::new();
    for out in ["from-zip", "from-folder"] {
        for (_, book) in &expected {
            books.push(dir.path().join(out).join(book));
        }
    }
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}
