//! The whole pipeline, from raw bytes to an EPUB in memory, for raw and Markdown stories in
//! every output format: ficbind's own checks must pass each book without a single problem.
#![no_main]

use ficbind::book::Metadata;
use ficbind::export::{export_epub, ExportOptions, Format};
use ficbind::normalize::{normalize_story, Rules};
use ficbind::read::raw::{parse, ParseOptions};
use ficbind::story::Story;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = ficbind::decode::decode(data) else {
        return;
    };
    let mut stories: Vec<Story> = Vec::new();
    stories.extend(parse(&decoded.text, ParseOptions::default()));
    stories.extend(ficbind::read::markdown::parse_markdown(&decoded.text).map(|m| m.story));
    // The format follows from the input, so that each gets its share of the inputs.
    let format = match data.len() % 3 {
        0 => Format::Epub3,
        1 => Format::Epub2,
        _ => Format::Kepub,
    };
    for story in stories {
        let title = story
            .title_line
            .clone()
            .unwrap_or_else(|| "Untitled".into());
        let metadata = Metadata::new(
            title,
            vec!["Author".into()],
            "en".into(),
            chrono::DateTime::UNIX_EPOCH,
        );
        let (book, _) = normalize_story(&story, metadata, &Rules::default());
        let options = ExportOptions {
            format,
            ..ExportOptions::default()
        };
        let epub = export_epub(&book, &options).expect("the book packages");
        let problems = ficbind::check::check_bytes(&epub);
        assert!(problems.is_empty(), "{format:?}: {problems:#?}");
    }
});
