//! The text stages (decode, parse, normalize, render) once over the generated 1 MB story,
//! on one thread, for counting instructions with callgrind, which gives the same count on
//! a busy machine as on a quiet one. Without `run` it only generates the story, so the
//! difference of two counts is the text stages alone: `scripts/instructions` does that.
use ficbind::book::Metadata;
use ficbind::decode::decode;
use ficbind::export::{render, ExportOptions};
use ficbind::normalize::{normalize_story, Rules};
use ficbind::read::raw::{parse, ParseOptions};
fn main() {
    let raw = ficbind_corpus::story(42, 1_000_000);
    if std::env::args().nth(1).as_deref() != Some("run") {
        return;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    pool.install(|| {
        let text = decode(raw.as_bytes()).expect("generated text decodes").text;
        let story = parse(&text, ParseOptions::default()).expect("it parses");
        let info = Metadata::new(
            "B".into(),
            vec!["f".into()],
            "en".into(),
            chrono::DateTime::UNIX_EPOCH,
        );
        let (book, _) = normalize_story(&story, info, &Rules::default());
        drop(story);
        let pages = render(&book, &ExportOptions::default()).expect("it renders");
        std::hint::black_box(pages);
    });
}
