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

    // Without --recursive, only the top folder is read.
    let flat = run(ficbind(dir.path()).args(["build", "archive", "-o", "flat"]));
    assert!(
        stderr(&flat).contains("1 book written"),
        "{}",
        stderr(&flat)
    );
}
