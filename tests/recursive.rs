//! `--recursive`: stories from every subfolder, each book in the same subfolder of the
//! output folder.

mod common;

use common::*;
use std::fs;

fn story(title: &str) -> String {
    format!(" {title}\n\nIt was fine.\n")
}

#[test]
fn nested_stories_get_books_in_the_same_subfolders() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("archive");
    for (path, title) in [
        ("top.txt", "Top"),
        ("epub/a/alice-1/first.txt", "First"),
        ("epub/a/alice-1/second.txt", "Same Title"),
        ("epub/a/alice-1/third.txt", "Same Title"),
        ("epub/b/bob-2/first.txt", "First"),
        (".hidden/secret.txt", "Secret"),
    ] {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("a folder")).expect("created");
        fs::write(path, story(title)).expect("written");
    }
    // The output folder inside the tree is not read back as stories.
    let output =
        run(ficbind(dir.path()).args(["build", "archive", "--recursive", "-o", "archive/books"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let books = root.join("books");
    for book in [
        "top.epub",
        "epub/a/alice-1/first.epub",
        "epub/a/alice-1/same-title.epub",
        "epub/a/alice-1/same-title-2.epub",
        "epub/b/bob-2/first.epub",
    ] {
        assert!(books.join(book).is_file(), "{book}: {}", stderr(&output));
    }
    assert!(!books.join(".hidden").exists());
    assert!(
        stderr(&output).contains("5 books written"),
        "{}",
        stderr(&output)
    );

    // A second run finds every book up to date, and reads none of them as stories.
    let again =
        run(ficbind(dir.path()).args(["build", "archive", "--recursive", "-o", "archive/books"]));
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("0 books written, 5 unchanged"),
        "{}",
        stderr(&again)
    );
    assert!(!books.join("epub/a/alice-1/same-title-3.epub").exists());

    let mut all = Vec::new();
    for folder in ["", "epub/a/alice-1", "epub/b/bob-2"] {
        all.extend(
            files_in(&books.join(folder))
                .into_iter()
                .filter(|p| p.is_file()),
        );
    }
    assert_eq!(all.len(), 5, "{all:?}");
    assert_epubcheck_clean(&all);
    assert_ace_clean(&all);

    // Without --recursive, only the top folder is read.
    let flat = run(ficbind(dir.path()).args(["build", "archive", "-o", "flat"]));
    assert!(
        stderr(&flat).contains("1 book written"),
        "{}",
        stderr(&flat)
    );
}

/// Every file under `dir`, as paths relative to it with their bytes, ficbind's own
/// bookkeeping left out.
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("listed").flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if !entry.file_name().to_string_lossy().starts_with(".ficbind") {
                let name = path.strip_prefix(dir).expect("inside").to_string_lossy();
                files.insert(name.into_owned(), fs::read(&path).expect("read"));
            }
        }
    }
    files
}

#[test]
fn shares_together_write_exactly_the_books_of_one_run() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("archive");
    for author in 0..6 {
        for n in 0..3 {
            // Two stories of one title in each folder: their "-2" must come out alike.
            let title = if n < 2 {
                "Same Title".to_string()
            } else {
                format!("Story {n}")
            };
            let path = root.join(format!("a/author-{author}/s{n}.txt"));
            fs::create_dir_all(path.parent().expect("a folder")).expect("created");
            fs::write(path, story(&title)).expect("written");
        }
    }
    fs::write(root.join("top.txt"), story("Same Title")).expect("written");
    let build = |out: &str, shard: Option<&str>| {
        let mut command = ficbind(dir.path());
        command.args(["build", "archive", "--recursive", "-o", out]);
        if let Some(shard) = shard {
            command.args(["--shard", shard]);
        }
        let output = run(&mut command);
        assert!(output.status.success(), "{}", stderr(&output));
        tree(&dir.path().join(out))
    };
    let whole = build("whole", None);
    assert_eq!(whole.len(), 19);
    // The shares write these same books, byte for byte.
    let books: Vec<_> = whole
        .keys()
        .map(|name| dir.path().join("whole").join(name))
        .collect();
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
    let first = build("first", Some("1/2"));
    let second = build("second", Some("2/2"));
    assert!(
        !first.is_empty() && !second.is_empty(),
        "both shares hold books"
    );
    assert!(
        first.keys().all(|name| !second.contains_key(name)),
        "no book twice"
    );
    let mut together = first;
    together.extend(second);
    assert_eq!(
        together, whole,
        "the shares write the books of one run, byte for byte"
    );

    for wrong in ["0/2", "3/2", "1", "a/b"] {
        let output = run(ficbind(dir.path()).args(["build", "archive", "--shard", wrong]));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{wrong}: {}",
            stderr(&output)
        );
    }
}
