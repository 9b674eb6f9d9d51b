//! Hostile and absurd stories: each one converts into a valid book or is refused with a
//! message naming it, and nothing in between. The small ones are committed in
//! `tests/fixtures/adversarial/`; the large ones are generated here.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// Writes the generated stories into `dir` and returns them with whether each must convert
/// (`true`) or be refused (`false`).
fn generate(dir: &Path) -> Vec<(PathBuf, bool)> {
    let mut stories = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>, converts: bool| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("the story is written");
        stories.push((path, converts));
    };

    // 5 MB on one line: one enormous paragraph.
    let mut line = String::with_capacity(5_300_000);
    while line.len() < 5_000_000 {
        line.push_str("''Where,...?'' he asked -- she didn't know. See http://x.org/a--b *now* ");
    }
    add("single-line-5mb.txt", line.into_bytes(), true);

    // 10,000 one-line chapters: more than a story may have.
    let mut chapters = String::from("Description\nTen thousand chapters.\n\n");
    for n in 1..=10_000 {
        chapters.push_str(&format!(" Chapter {n}\nOne line of chapter {n}.\n"));
    }
    add("ten-thousand-chapters.txt", chapters.into_bytes(), false);

    // 100,000 doubled quote marks in one chapter, in pairs and bare.
    let mut quotes = String::from(" Quotes\n");
    for line in 0..1_000 {
        for pair in 0..90 {
            quotes.push_str(&format!("''w{line}-{pair}'' "));
        }
        quotes.push('\n');
    }
    quotes.push_str(&"''".repeat(10_000));
    quotes.push('\n');
    add("quote-pairs.txt", quotes.into_bytes(), true);

    // Invalid UTF-8 at the start, in a title, inside a multi-byte character, at the end.
    let base = "Description\nA “short” story.\n\n Chapter 1: Start\n“Hello,” she said — twice.\n";
    let bytes = base.as_bytes();
    let curly = base.find('“').expect("a curly quote");
    let title = base.find("Start").expect("a title");
    for (name, at) in [
        ("invalid-at-start.txt", 0),
        ("invalid-in-title.txt", title),
        ("invalid-inside-a-character.txt", curly + 1),
        ("invalid-at-end.txt", bytes.len()),
    ] {
        let mut broken = bytes.to_vec();
        broken.insert(at, 0xFF);
        add(name, broken, true);
    }
    let mut cut = bytes.to_vec();
    cut.extend_from_slice(&"—".as_bytes()[..2]);
    add("invalid-cut-short.txt", cut, true);
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)
        .collect();
    // Every byte high: read as a legacy code page, with a warning, like any old file.
    add("invalid-everywhere.txt", noise, true);

    // NUL bytes make a file binary data.
    add(
        "nul-bytes.txt",
        b" Chapter 1\nText\0with\0NULs.\n".to_vec(),
        false,
    );

    // A title of 10,000 characters, from front matter.
    let long_title = "Long ".repeat(2_000);
    add(
        "long-title.md",
        format!("+++\ntitle = \"{long_title}\"\n+++\n\nSome text.\n").into_bytes(),
        true,
    );
    stories
}

#[test]
fn every_adversarial_story_converts_or_is_refused_cleanly() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let generated = dir.path().join("generated");
    std::fs::create_dir(&generated).expect("a folder");
    let mut stories = generate(&generated);
    let fixtures = project_dir().join("tests/fixtures/adversarial");
    for path in files_in(&fixtures) {
        let converts = !path.ends_with("only-scene-breaks.txt");
        stories.push((path, converts));
    }

    let out = dir.path().join("books");
    let output = run(ficbind(dir.path())
        .arg("build")
        .arg(&generated)
        .arg(&fixtures)
        .args(["--no-generated-cover", "--json", "-o"])
        .arg(&out));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the report is JSON");
    let records = report["stories"].as_array().expect("story records");
    assert_eq!(records.len(), stories.len());

    let mut books = Vec::new();
    for (path, converts) in &stories {
        let record = records
            .iter()
            .find(|r| r["input"].as_str().is_some_and(|i| Path::new(i) == path))
            .unwrap_or_else(|| panic!("no record for {path:?}"));
        let written = record["status"] == "written";
        assert_eq!(written, *converts, "{path:?}: {record}");
        if written {
            let book = PathBuf::from(record["output"].as_str().expect("an output"));
            assert!(book.is_file(), "{book:?}");
            books.push(book);
        } else {
            let error = record["error"].as_str().expect("an error message");
            let name = path.file_name().expect("a name").to_string_lossy();
            assert!(error.contains(name.as_ref()), "{error}");
        }
    }
    // Only whole books: nothing for the refused stories, no temporary files.
    assert_eq!(files_in(&out), {
        let mut sorted = books.clone();
        sorted.sort();
        sorted
    });
    let long = books
        .iter()
        .find(|b| b.to_string_lossy().contains("long-long"))
        .expect("the long title's book");
    assert!(long.file_name().expect("a name").len() < 100, "{long:?}");

    let checked = run(ficbind(dir.path())
        .arg("check")
        .arg("--no-epubcheck")
        .arg(&out));
    assert!(checked.status.success(), "{}", stdout(&checked));
    assert_epubcheck_clean(&books);
    // Ace runs axe-core over the whole of each page in a browser, which takes it tens of
    // minutes on a page of megabytes (the 5 MB single line, the 1 MB of quote pairs);
    // those books are left to EPUBCheck and `ficbind check` above.
    let pages_ace_can_read: Vec<PathBuf> = books
        .into_iter()
        .filter(|book| largest_entry(book) <= ACE_LARGEST_PAGE)
        .collect();
    assert_ace_clean(&pages_ace_can_read);
}

/// The largest page, in bytes, of a book this test gives DAISY Ace.
const ACE_LARGEST_PAGE: u64 = 512 * 1024;

/// The size of a book's largest file, unpacked.
fn largest_entry(book: &Path) -> u64 {
    let file = std::fs::File::open(book).expect("the book opens");
    let mut zip = zip::ZipArchive::new(file).expect("the book is a zip");
    (0..zip.len())
        .map(|i| zip.by_index_raw(i).map_or(u64::MAX, |entry| entry.size()))
        .max()
        .unwrap_or(0)
}
