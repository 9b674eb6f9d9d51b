//! DAISY Ace, the accessibility checker, finds no violation in EPUB 3 and Kobo books, with
//! the author's notes in an appendix or inline.

mod common;

use common::*;

/// Stories that between them have every kind of page: a cover, a series, tags, notes,
/// footnotes, lists and block quotes.
const STORIES: [&str; 4] = [
    "stories",
    "tests/fixtures/markdown/lantern-keeper.md",
    "tests/fixtures/markup-and-notes.txt",
    "tests/fixtures/full-sidecar.txt",
];

#[test]
fn ace_finds_no_violation_in_any_format_or_note_placement() {
    let mut books = Vec::new();
    let mut folders = Vec::new();
    for format in ["epub3", "kepub"] {
        for notes in ["appendix", "inline"] {
            let mut args = STORIES.to_vec();
            args.extend(["--format", format, "--notes", notes]);
            let out = build_ok(&args);
            books.extend(files_in(out.path()));
            folders.push(out);
        }
    }
    assert_eq!(books.len(), 4 * 5, "five books in each of four builds");
    assert_ace_clean(&books);
    // The same books pass EPUBCheck too.
    assert_epubcheck_clean(&books);
}
