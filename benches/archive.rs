//! What parallel compression is worth when the zip crate writes a book: the same rendered
//! pages of a generated story packaged by ficbind (`export::package`, which compresses
//! long books on helper threads while it goes), and by the zip crate's writer alone on one
//! thread and on several. Medians of 21 runs. Run with `cargo bench --bench archive`.
//!
//! The zip crate compresses a file on the thread that writes it, so to compress in parallel
//! each page becomes a one-entry archive on a helper thread, and the book then copies the
//! entries as they are (`raw_copy_file`), as `export/archive.rs` does. The zip crate
//! deflates with zlib-rs at level 3, which gives books of the size libdeflate's level 2
//! gives ficbind's: the columns compare what the two ways cost for the same book size.

use ficbind::export::{package, render, ExportOptions};
use ficbind::normalize::{normalize_story, Rules};
use std::io::{Cursor, Write};
use std::time::Instant;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// zlib-rs's level for books of about the size ficbind's writes (docs/performance.md).
const ZIP_CRATE_LEVEL: i64 = 3;

fn one_entry(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() / 3 + 256)));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(ZIP_CRATE_LEVEL));
    writer.start_file(name, options).expect("an entry");
    writer.write_all(bytes).expect("written");
    writer.finish().expect("finished").into_inner()
}

/// The pages through the zip crate, compressed on `threads` threads.
fn with_zip_crate(pages: &[(String, Vec<u8>)], threads: usize) -> Vec<u8> {
    let parts: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pages
            .chunks(pages.len().div_ceil(threads).max(1))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(name, bytes)| one_entry(name, bytes))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a thread"))
            .collect()
    });
    let mut book = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    book.start_file("mimetype", stored).expect("an entry");
    book.write_all(b"application/epub+zip").expect("written");
    for part in parts {
        let mut archive = ZipArchive::new(Cursor::new(part)).expect("a zip");
        let file = archive.by_index_raw(0).expect("its entry");
        book.raw_copy_file(file).expect("copied");
    }
    book.finish().expect("finished").into_inner()
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    // `cargo test --all-targets` runs this too, without `--bench`: once is enough there.
    let runs = if std::env::args().any(|a| a == "--bench") {
        21
    } else {
        1
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    println!(
        "story     pages  export::package   zip crate (1 thread)  zip crate ({threads} threads)"
    );
    for bytes in [100_000, 1_000_000] {
        let text = ficbind_corpus::story(42, bytes);
        let story = ficbind::read::raw::parse(&text, Default::default()).expect("it parses");
        let metadata = ficbind::book::Metadata::new(
            "T".into(),
            vec!["A".into()],
            "en".into(),
            chrono::DateTime::UNIX_EPOCH,
        );
        let (book, _) = normalize_story(&story, metadata, &Rules::default());
        let options = ExportOptions::default();
        let pages = render(&book, &options).expect("it renders");
        let named: Vec<(String, Vec<u8>)> = pages
            .iter()
            .map(|p| (format!("OEBPS/{}", p.file), p.xhtml.clone().into_bytes()))
            .collect();
        let (mut ours, mut single, mut parallel) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let start = Instant::now();
            std::hint::black_box(package(&book, &options, pages.clone()).expect("packaged"));
            ours.push(start.elapsed().as_secs_f64() * 1e3);
            let start = Instant::now();
            std::hint::black_box(with_zip_crate(&named, 1));
            single.push(start.elapsed().as_secs_f64() * 1e3);
            let start = Instant::now();
            std::hint::black_box(with_zip_crate(&named, threads));
            parallel.push(start.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "{:>4} KB  {:>5}  {:>13.2} ms  {:>17.2} ms  {:>17.2} ms",
            bytes / 1000,
            pages.len(),
            median(ours),
            median(single),
            median(parallel)
        );
    }
    println!("(export::package also writes the package document, navigation and stylesheet)");
}
