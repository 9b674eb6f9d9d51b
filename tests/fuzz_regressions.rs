//! Inputs that once crashed ficbind or made it write a broken book, kept so that they never
//! do again. Each goes through the whole pipeline in every format, as the `book` fuzz
//! target does, and every book must pass ficbind's own checks.
//!
//! Files in `tests/fixtures/fuzz/` are whole inputs (a `.md` name means Markdown); copy a
//! crashing input from `fuzz/artifacts/` there to keep it.

mod common;

use ficbind::book::Metadata;
use ficbind::export::{export_epub, ExportOptions, Format};
use ficbind::normalize::{normalize_story, Rules};
use ficbind::read::raw::{parse, ParseOptions};

/// Runs one input through the pipeline, in a thread with a small stack like a worker's, so
/// that deep recursion fails here rather than only in the field. Books go into `out`.
fn survives(name: &str, bytes: Vec<u8>, out: &std::path::Path) {
    let name = name.to_string();
    let out = out.to_owned();
    let worker = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let Ok(decoded) = ficbind::decode::decode(&bytes) else {
                return;
            };
            let story = if name.ends_with(".md") {
                ficbind::read::markdown::parse_markdown(&decoded.text).map(|m| m.story)
            } else {
                parse(&decoded.text, ParseOptions::default())
            };
            let Ok(story) = story else {
                return;
            };
            let metadata = Metadata::new(
                "Regression".into(),
                vec!["ficbind".into()],
                "en".into(),
                chrono::DateTime::UNIX_EPOCH,
            );
            let (book, _) = normalize_story(&story, metadata, &Rules::default());
            for format in [Format::Epub3, Format::Epub2, Format::Kepub] {
                let options = ExportOptions {
                    format,
                    ..ExportOptions::default()
                };
                let epub = export_epub(&book, &options).expect("the book packages");
                let problems = ficbind::check::check_bytes(&epub);
                assert!(problems.is_empty(), "{name} {format:?}: {problems:#?}");
                let file = out.join(format!("{name}-{format:?}.epub"));
                std::fs::write(file, epub).expect("the book is written");
            }
        })
        .expect("a thread starts");
    if worker.join().is_err() {
        panic!("the pipeline panicked");
    }
}

#[test]
fn every_kept_input_converts_or_is_refused_without_crashing() {
    let dir = common::project_dir().join("tests/fixtures/fuzz");
    let inputs = common::files_in(&dir);
    assert!(!inputs.is_empty());
    let out = tempfile::tempdir().expect("a temporary folder");
    for path in inputs {
        let bytes = std::fs::read(&path).expect("the input reads");
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        survives(&name, bytes, out.path());
    }
    let books = common::files_in(out.path());
    common::assert_epubcheck_clean(&books);
    common::assert_ace_clean(&books);
}
