//! Each stage on its own, on generated stories of 10 KB, 100 KB and 1 MB, with divan.
//! `cargo bench --bench stages`. The ratio of text work to compression is in
//! `benches/pipeline.rs`.

use ficbind::book::{Book, Metadata};
use ficbind::export::{package, render, ExportOptions};
use ficbind::normalize::{normalize_story, Rules};
use ficbind::read::raw::{parse, ParseOptions};
use ficbind::story::Story;
use ficbind_corpus as corpus;

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

fn main() {
    divan::main();
}

fn metadata() -> Metadata {
    Metadata::new(
        "Benchmark".to_string(),
        vec!["ficbind".into()],
        "en".to_string(),
        chrono::DateTime::UNIX_EPOCH,
    )
}

fn story(bytes: usize) -> Story {
    parse(&corpus::story(42, bytes), ParseOptions::default()).expect("generated stories parse")
}

fn book(bytes: usize) -> Book {
    normalize_story(&story(bytes), metadata(), &Rules::default()).0
}

#[divan::bench(args = SIZES)]
fn parse_story(bencher: divan::Bencher, bytes: usize) {
    let text = corpus::story(42, bytes);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| parse(divan::black_box(&text), ParseOptions::default()));
}

#[divan::bench(args = SIZES)]
fn normalize(bencher: divan::Bencher, bytes: usize) {
    let story = story(bytes);
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .bench(|| normalize_story(divan::black_box(&story), metadata(), &Rules::default()));
}

#[divan::bench(args = SIZES)]
fn render_xhtml(bencher: divan::Bencher, bytes: usize) {
    let book = book(bytes);
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .bench(|| render(divan::black_box(&book), &ExportOptions::default()));
}

#[divan::bench(args = SIZES)]
fn package_epub(bencher: divan::Bencher, bytes: usize) {
    let book = book(bytes);
    let pages = render(&book, &ExportOptions::default()).expect("it renders");
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .with_inputs(|| pages.clone())
        .bench_values(|pages| package(divan::black_box(&book), &ExportOptions::default(), pages));
}
