//! Raw bytes through decoding, parsing (as a raw story and as Markdown) and normalization:
//! nothing may panic or hang.
#![no_main]

use ficbind::book::Metadata;
use ficbind::normalize::{normalize_story, Rules};
use ficbind::read::raw::{parse, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = ficbind::decode::decode(data) else {
        return;
    };
    for trailing_note in [true, false] {
        let Ok(story) = parse(&decoded.text, ParseOptions { trailing_note, ..ParseOptions::default() }) else {
            return;
        };
        let metadata = Metadata::new(
            "Title".into(),
            vec!["Author".into()],
            "en".into(),
            chrono::DateTime::UNIX_EPOCH,
        );
        let (book, _) = normalize_story(&story, metadata, &Rules::default());
        assert!(!book.chapters.is_empty(), "a parsed story has a chapter");
    }
    if let Ok(markdown) = ficbind::read::markdown::parse_markdown(&decoded.text) {
        if let Some(toml) = &markdown.front_matter {
            let _ = ficbind::sidecar::parse_sidecar(toml);
        }
        let metadata = Metadata::new(
            "Title".into(),
            vec!["Author".into()],
            "en".into(),
            chrono::DateTime::UNIX_EPOCH,
        );
        let (book, _) = normalize_story(&markdown.story, metadata, &Rules::default());
        assert!(!book.chapters.is_empty(), "a Markdown story has a chapter");
    }
});
