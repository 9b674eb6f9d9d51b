//! Any bytes, read as an HTML page and as an EPUB: the readers must refuse or read them,
//! never crash or hang, and every book made from what they read must be well-formed.
#![no_main]

use ficbind::book::Metadata;
use ficbind::export::{export_epub, ExportOptions};
use ficbind::normalize::{normalize_story, Rules};
use ficbind::read::{read, Format, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [Format::Html, Format::Epub] {
        let Ok(found) = read(format, data.to_vec(), ParseOptions::default()) else {
            continue;
        };
        let metadata = Metadata::new(
            "T".into(),
            vec!["A".into()],
            "en".into(),
            chrono::DateTime::UNIX_EPOCH,
        );
        let (book, _) = normalize_story(&found.story, metadata, &Rules::default());
        let epub = export_epub(&book, &ExportOptions::default()).expect("a book is exported");
        let problems = ficbind::check::check_bytes(&epub);
        assert!(problems.is_empty(), "{problems:?}");
    }
});
