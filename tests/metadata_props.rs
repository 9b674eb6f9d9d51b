//! Arbitrary text in every sidecar key gives a book that ficbind's own checks find sound, or
//! a refusal naming the sidecar: never an invalid book. A handful of the generated books
//! also go through EPUBCheck.

mod common;

use ficbind::convert::{convert, Options};
use ficbind::export::{export_epub, ExportOptions};
use proptest::prelude::*;
use std::path::PathBuf;

/// Text with what breaks XML and metadata most: quotes, markup, control characters,
/// characters XML forbids, white space of every kind, and letters beyond ASCII.
fn nasty_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("<b>&amp;</b>".to_string()),
        Just("]]>".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{7}".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\u{FFFE}\u{FFFF}".to_string()),
        Just("\u{85}\u{2028}".to_string()),
        Just(" \t\n\r ".to_string()),
        Just("é 中文 🙂".to_string()),
        "[a-zA-Z0-9 ]{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(pieces, 0..5).prop_map(|pieces| pieces.concat())
}

/// A TOML basic string: JSON's escaping is a subset of TOML's.
fn toml_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

fn book_or_refusal(keys: &[(&str, String)], tags: &[String]) -> Result<Vec<u8>, String> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let story = dir.path().join("story.txt");
    std::fs::write(&story, " A Title\n\nSome text, \"quoted\".\n").expect("written");
    let mut sidecar = String::new();
    for (key, value) in keys {
        sidecar.push_str(&format!("{key} = {}\n", toml_string(value)));
    }
    let tags: Vec<String> = tags.iter().map(|t| toml_string(t)).collect();
    sidecar.push_str(&format!("tags = [{}]\n", tags.join(", ")));
    std::fs::write(dir.path().join("story.toml"), sidecar).expect("written");
    let options = Options {
        no_generated_cover: false,
        ..Options::default()
    };
    let converted = convert(&story, &options).map_err(|e| e.to_string())?;
    Ok(export_epub(&converted.book, &ExportOptions::default()).expect("a book exports"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_metadata_gives_a_sound_book_or_a_refusal_naming_the_sidecar(
        title in nasty_text(),
        author in nasty_text(),
        description in nasty_text(),
        series in nasty_text(),
        publisher in nasty_text(),
        rights in nasty_text(),
        source in nasty_text(),
        identifier in nasty_text(),
        tags in prop::collection::vec(nasty_text(), 0..3),
    ) {
        let keys = [
            ("title", title),
            ("author", author),
            ("description", description),
            ("series", series),
            ("publisher", publisher),
            ("rights", rights),
            ("source", source),
            ("identifier", identifier),
        ];
        match book_or_refusal(&keys, &tags) {
            Ok(book) => {
                let problems = ficbind::check::check_bytes(&book);
                prop_assert!(problems.is_empty(), "{problems:?} from {keys:?} {tags:?}");
            }
            Err(message) => {
                prop_assert!(message.contains("story.toml"), "{message}");
                prop_assert!(message.contains("key `"), "{message}");
            }
        }
    }
}

/// The worst of the generated texts, in one book each, through EPUBCheck.
#[test]
fn books_from_nasty_metadata_pass_epubcheck() {
    let nasty = [
        "The \"Best\" <Series> & 'more' ]]>",
        "Jo\u{7}e \u{1b}[31mRed\u{0}",
        "\u{FFFE}odd\u{FFFF} \u{85}next\u{2028}line",
        "é 中文 🙂\t\r\n tabs",
    ];
    let out = tempfile::tempdir().expect("a temporary folder");
    let mut books: Vec<PathBuf> = Vec::new();
    for (n, text) in nasty.iter().enumerate() {
        let keys: Vec<(&str, String)> = [
            "title",
            "author",
            "description",
            "series",
            "publisher",
            "rights",
            "source",
        ]
        .iter()
        .map(|key| (*key, format!("{text} {n}")))
        .collect();
        let book = book_or_refusal(&keys, &[text.to_string()]).expect("a book");
        let path = out.path().join(format!("book-{n}.epub"));
        std::fs::write(&path, book).expect("written");
        books.push(path);
    }
    common::assert_epubcheck_clean(&books);
    common::assert_ace_clean(&books);
}
