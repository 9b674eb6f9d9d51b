//! Writes generated stories in the raw format, for benchmarks.
//!
//! Usage: cargo run --release --example corpus -- DIR COUNT BYTES [SEED]
//! Writes COUNT stories of about BYTES bytes each into DIR as story-0001.txt, …

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(count), Some(bytes)) = (
        args.first().map(PathBuf::from),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: corpus DIR COUNT BYTES [SEED]");
        return ExitCode::from(2);
    };
    let seed: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1);
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {error}", dir.display());
        return ExitCode::FAILURE;
    }
    for i in 0..count {
        let text = ficbind_corpus::story(seed + i as u64, bytes);
        let path = dir.join(format!("story-{:04}.txt", i + 1));
        if let Err(error) = std::fs::write(&path, text) {
            eprintln!("error: cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
