//! Time of each stage on generated stories, and the cost of text work next to compression.
//!
//! Run with `scripts/bench` (or `cargo bench --bench pipeline`). Every stage is timed in the
//! same run, alternating, and the median of many runs is reported, so that the ratios hold
//! on a noisy machine even when the absolute times move. The text work is compared with
//! compressing the same pages on one thread, as the issue measures it; `package` is what
//! the program spends on the zip, on every core.

use ficbind::book::Metadata;
use ficbind::decode::decode;
use ficbind::export::{package, render, ExportOptions};
use ficbind::normalize::{normalize_story, Rules};
use ficbind::read::raw::{parse, ParseOptions};
use ficbind_corpus as corpus;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this once as a smoke
    // test, which should stay quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes: &[(&str, usize, usize)] = if quick {
        &[("10 KB", 10_000, 1)]
    } else {
        &[
            ("10 KB", 10_000, 200),
            ("100 KB", 100_000, 60),
            ("1 MB", 1_000_000, 21),
        ]
    };
    println!(
        "{:>7} {:>9} {:>9} {:>10} {:>9} {:>10} {:>10} {:>13}",
        "story", "decode", "parse", "normalize", "render", "deflate", "package", "text/deflate"
    );
    for &(label, bytes, runs) in sizes {
        let raw = corpus::story(42, bytes);
        let rules = Rules::default();
        let info = Metadata::new(
            "Benchmark".to_string(),
            vec!["ficbind".into()],
            "en".to_string(),
            chrono::DateTime::UNIX_EPOCH,
        );
        let mut times: [Vec<Duration>; 6] = Default::default();
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool");
        // Everything on one thread, like the deflate it is compared with (the program
        // spreads a long story's chapters over every core). Package starts threads of its own.
        one_thread.install(|| {
            for _ in 0..runs {
                let t = Instant::now();
                let text = decode(black_box(raw.as_bytes()))
                    .expect("generated text decodes")
                    .text;
                times[0].push(t.elapsed());

                let t = Instant::now();
                let story = parse(black_box(&text), ParseOptions::default()).expect("it parses");
                times[1].push(t.elapsed());

                let t = Instant::now();
                let (book, _) = normalize_story(black_box(&story), info.clone(), &rules);
                times[2].push(t.elapsed());
                drop(story);

                let t = Instant::now();
                let pages =
                    render(black_box(&book), &ExportOptions::default()).expect("it renders");
                times[3].push(t.elapsed());

                let t = Instant::now();
                black_box(deflate(&pages));
                times[4].push(t.elapsed());

                let t = Instant::now();
                let epub = package(&book, &ExportOptions::default(), pages).expect("it packages");
                times[5].push(t.elapsed());
                black_box(epub);
            }
        });
        let [decode_t, parse_t, normalize_t, render_t, deflate_t, package_t] = times.map(median);
        let ratio =
            (decode_t + parse_t + normalize_t + render_t).as_secs_f64() / deflate_t.as_secs_f64();
        println!(
            "{label:>7} {:>7.2}ms {:>7.2}ms {:>8.2}ms {:>7.2}ms {:>8.2}ms {:>8.2}ms {:>13.3}",
            ms(decode_t),
            ms(parse_t),
            ms(normalize_t),
            ms(render_t),
            ms(deflate_t),
            ms(package_t),
            ratio
        );
    }
    println!(
        "text/deflate = (decode + parse + normalize + render) / deflate, both on one thread; \
         the target is under 0.25.\ndeflate = the book's pages compressed at level 6 on one \
         thread; package = the whole zip, compressed on every core once a book is long"
    );
}

/// Compresses every page at deflate's default level, on this thread, the way the book's
/// pages are compressed: the cost the text work is measured against.
fn deflate(pages: &[ficbind::export::Page]) -> usize {
    let mut compressor = flate2::Compress::new(flate2::Compression::default(), false);
    let mut total = 0;
    for page in pages {
        compressor.reset();
        let mut out = Vec::with_capacity(page.xhtml.len() / 3 + 128);
        let mut input = page.xhtml.as_bytes();
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(4096));
            }
            let before = compressor.total_in();
            let status = compressor
                .compress_vec(input, &mut out, flate2::FlushCompress::Finish)
                .expect("deflate works on any input");
            input = &input[(compressor.total_in() - before) as usize..];
            if status == flate2::Status::StreamEnd {
                break;
            }
        }
        total += out.len();
    }
    total
}
