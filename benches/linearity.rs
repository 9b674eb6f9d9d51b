//! Every pass over the text is linear: each pass on a 4 MB input takes at most 6 times as
//! long as on a 1 MB input of the same kind, for ordinary stories and for inputs built to
//! find quadratic corners (one huge paragraph, thousands of quote marks, tags and URLs).
//!
//! Run with `scripts/bench` (or `cargo bench --bench linearity`). Both sizes are timed in
//! the same run, alternating, and the median of several runs is compared, so the ratio
//! holds on a noisy machine.

use ficbind::book::Metadata;
use ficbind::decode::decode;
use ficbind::export::{package, render, ExportOptions};
use ficbind::normalize::{normalize_story, Rules};
use ficbind::read::markdown::parse_markdown;
use ficbind::read::raw::{parse, ParseOptions};
use ficbind_corpus as corpus;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The most 4 MB may take, as a multiple of 1 MB.
const LIMIT: f64 = 6.0;

const PASSES: [&str; 5] = ["decode", "parse", "normalize", "render", "package"];

/// `sentence` repeated up to `bytes`, broken into lines of `per_line` sentences (0: one
/// line), under a chapter heading.
fn repeated(sentence: &str, bytes: usize, per_line: usize) -> String {
    let mut text = String::from(" Chapter One\n");
    let mut count = 0;
    while text.len() < bytes {
        text.push_str(sentence);
        count += 1;
        if per_line > 0 && count % per_line == 0 {
            text.push('\n');
        }
    }
    text.push('\n');
    text
}

/// A Markdown story with headings, nested quotes and lists, and footnotes.
fn markdown(bytes: usize) -> String {
    let mut text = String::from("+++\ntitle = \"Linear\"\n+++\n\n");
    let mut n = 0;
    while text.len() < bytes {
        n += 1;
        if n % 40 == 1 {
            text.push_str(&format!("# Chapter {n}\n\n"));
        }
        text.push_str(&format!(
            "''Where,...?'' he asked[^n{n}] -- *she* **knew**.\n\n\
             > A quote\n> > nested \"deeper\"\n\n- item\n  1. sub-item {n}\n\n\
             [^n{n}]: Note {n}.\n\n"
        ));
    }
    text
}

/// Times each pass once on `text`.
fn time_passes(text: &str, is_markdown: bool) -> [Duration; 5] {
    let info = Metadata::new(
        "Linear".to_string(),
        vec!["ficbind".into()],
        "en".to_string(),
        chrono::DateTime::UNIX_EPOCH,
    );
    let options = ExportOptions::default();
    let t = Instant::now();
    let decoded = decode(black_box(text.as_bytes())).expect("it decodes").text;
    let decode_t = t.elapsed();
    let t = Instant::now();
    let story = if is_markdown {
        parse_markdown(black_box(&decoded))
            .expect("it parses")
            .story
    } else {
        parse(black_box(&decoded), ParseOptions::default()).expect("it parses")
    };
    let parse_t = t.elapsed();
    let t = Instant::now();
    let (book, _) = normalize_story(black_box(&story), info, &Rules::default());
    let normalize_t = t.elapsed();
    let t = Instant::now();
    let pages = render(black_box(&book), &options).expect("it renders");
    let render_t = t.elapsed();
    let t = Instant::now();
    black_box(package(&book, &options, pages).expect("it packages"));
    let package_t = t.elapsed();
    [decode_t, parse_t, normalize_t, render_t, package_t]
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    // `cargo test --all-targets` runs this once, small, as a smoke test.
    let quick = !std::env::args().any(|a| a == "--bench");
    let (small, runs) = if quick { (10_000, 1) } else { (1_000_000, 11) };
    let large = small * 4;
    type Maker = fn(usize) -> String;
    let inputs: [(&str, Maker, bool); 6] = [
        ("story", |n| corpus::story(7, n), false),
        (
            "one line",
            |n| {
                repeated(
                    "''Where,...?'' he asked -- *she* knew. See http://x.org/a--b ",
                    n,
                    0,
                )
            },
            false,
        ),
        ("doubled quotes", |n| repeated("''w'' '' ", n, 100), false),
        (
            "tags and URLs",
            |n| repeated("<b>x_y</b> http://a.b/c--d \"q\" <!-- c --> ", n, 0),
            false,
        ),
        ("lone quotes", |n| repeated("' \" it's '' \"", n, 0), false),
        ("markdown", markdown, true),
    ];
    println!(
        "{:<15} {}   (time on {} KB / time on {} KB; linear is 4, the limit {LIMIT})",
        "input",
        PASSES.map(|p| format!("{p:>10}")).join(""),
        large / 1000,
        small / 1000
    );
    let mut worst: f64 = 0.0;
    for (name, make, is_markdown) in inputs {
        let (small_text, large_text) = (make(small), make(large));
        // A first round warms the allocator and the caches for both sizes.
        time_passes(&small_text, is_markdown);
        time_passes(&large_text, is_markdown);
        let mut small_times: [Vec<Duration>; 5] = Default::default();
        let mut large_times: [Vec<Duration>; 5] = Default::default();
        for _ in 0..runs {
            for (i, t) in time_passes(&small_text, is_markdown)
                .into_iter()
                .enumerate()
            {
                small_times[i].push(t);
            }
            for (i, t) in time_passes(&large_text, is_markdown)
                .into_iter()
                .enumerate()
            {
                large_times[i].push(t);
            }
        }
        let ratios: Vec<f64> = small_times
            .into_iter()
            .zip(large_times)
            .map(|(s, l)| median(l).as_secs_f64() / median(s).as_secs_f64().max(1e-9))
            .collect();
        worst = ratios.iter().copied().fold(worst, f64::max);
        let cells: String = ratios.iter().map(|r| format!("{r:>10.2}")).collect();
        println!("{name:<15} {cells}");
    }
    let verdict = if worst <= LIMIT {
        "linear"
    } else {
        "NOT LINEAR"
    };
    println!("worst ratio {worst:.2}: {verdict}");
}
