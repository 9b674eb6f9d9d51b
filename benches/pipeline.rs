//! Time of each stage on generated stories, and the cost of text work next to compression.
//!
//! Run with `scripts/bench` (or `cargo bench --bench pipeline`). Every stage is timed in the
//! same run, alternating, and the median of many runs is reported, so that the ratios hold
//! on a noisy machine even when the absolute times move.

use ficbind::book::Metadata;
use ficbind::corpus;
use ficbind::decode::decode;
use ficbind::export::{package, render, ExportOptions};
use ficbind::normalize::{normalize_story, Rules};
use ficbind::parse::{parse, ParseOptions};
use std::hint::black_box;
use std::time::{Duration, Instant};

// The same allocator as the `ficbind` program, so that the times are the program's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        "{:>7} {:>9} {:>9} {:>10} {:>9} {:>10} {:>12}",
        "story", "decode", "parse", "normalize", "render", "package", "text/package"
    );
    for &(label, bytes, runs) in sizes {
        let raw = corpus::story(42, bytes);
        let rules = Rules::default();
        let info = Metadata::new(
            "Benchmark".to_string(),
            "ficbind".to_string(),
            "en".to_string(),
            chrono::DateTime::UNIX_EPOCH,
        );
        let mut times: [Vec<Duration>; 5] = Default::default();
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
            let pages = render(black_box(&book), &ExportOptions::default()).expect("it renders");
            times[3].push(t.elapsed());

            let t = Instant::now();
            let epub = package(&book, &ExportOptions::default(), pages).expect("it packages");
            times[4].push(t.elapsed());
            black_box(epub);
        }
        let [decode_t, parse_t, normalize_t, render_t, package_t] = times.map(median);
        // Everything but compression, against packaging, which is nearly all compression.
        let ratio =
            (decode_t + parse_t + normalize_t + render_t).as_secs_f64() / package_t.as_secs_f64();
        println!(
            "{label:>7} {:>7.2}ms {:>7.2}ms {:>8.2}ms {:>7.2}ms {:>8.2}ms {:>12.3}",
            ms(decode_t),
            ms(parse_t),
            ms(normalize_t),
            ms(render_t),
            ms(package_t),
            ratio
        );
    }
    println!(
        "text/package = (decode + parse + normalize + render) / package; the target is under \
         0.25 (package compresses on every core for books of 50,000 words or more)"
    );
}
