//! The whole pipeline, from raw bytes to an EPUB in memory, which ficbind's own checks
//! must pass without a single problem.
#![no_main]

use ficbind::book::Metadata;
use ficbind::export::{export_epub, ExportOptions};
use ficbind::normalize::{normalize_story, Rules};
use ficbind::parse::{parse, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = ficbind::decode::decode(data) else {
        return;
    };
    let Ok(story) = parse(&decoded.text, ParseOptions::default()) else {
        return;
    };
    let title = story.title_line.clone().unwrap_or_else(|| "Untitled".into());
    let metadata = Metadata::new(title, "Author".into(), "en".into(), chrono::DateTime::UNIX_EPOCH);
    let (book, _) = normalize_story(&story, metadata, &Rules::default());
    let epub = export_epub(&book, &ExportOptions::default()).expect("the book packages");
    let problems = ficbind::check::check_bytes(&epub);
    assert!(problems.is_empty(), "{problems:#?}");
});
