//! The books made from the sample stories carry no typewriter leftovers.

mod common;

use common::*;

/// The text content of an XHTML or XML file: tags removed, entities decoded.
fn text_of(markup: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[test]
fn sample_books_have_no_straight_quotes_or_dot_runs() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let output = run(ficbind(&project_dir())
        .args(["build", "stories", "-o"])
        .arg(out.path()));
    assert!(output.status.success(), "{}", stderr(&output));
    let books = files_in(out.path());
    assert_eq!(books.len(), 2);
    for book in books {
        let mut checked = 0;
        for (name, bytes) in epub_entries(&book) {
            let is_text =
                name.ends_with(".xhtml") || name.ends_with(".opf") || name.ends_with(".ncx");
            if !is_text {
                continue;
            }
            let markup = String::from_utf8(bytes).expect("UTF-8");
            // The XML declaration and attributes are markup, not text.
            let body = markup
                .split_once("?>")
                .map_or(markup.as_str(), |(_, rest)| rest);
            let text = text_of(body);
            for leftover in ["''", "..", "\"", "'"] {
                assert!(
                    !text.contains(leftover),
                    "{} {name}: {leftover:?} left in {:?}",
                    book.display(),
                    text.lines().find(|l| l.contains(leftover))
                );
            }
            checked += 1;
        }
        assert!(
            checked >= 5,
            "{}: only {checked} text files",
            book.display()
        );
    }
}
