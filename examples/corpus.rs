//! Writes generated stories in the raw format, for benchmarks.
//!
//! Usage: cargo run --release --example corpus -- DIR COUNT BYTES [SEED] [--nested] [--zip FILE]
//! Writes COUNT stories of about BYTES bytes each into DIR as story-0001.txt, …
//! With `--nested`, they are laid out as an archive is, ten to an author's folder under a
//! letter: `DIR/c/author-00012/story-000123.txt`. With `--zip FILE`, the same stories
//! (with the same names) are also written, deflated, into one zip archive.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let nested = take_flag(&mut args, "--nested");
    let zip_path = take_value(&mut args, "--zip").map(PathBuf::from);
    let (Some(dir), Some(count), Some(bytes)) = (
        args.first().map(PathBuf::from),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: corpus DIR COUNT BYTES [SEED] [--nested] [--zip FILE]");
        return ExitCode::from(2);
    };
    let seed: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1);
    match write_corpus(&dir, count, bytes, seed, nested, zip_path.as_ref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != flag);
    args.len() != before
}

fn take_value(args: &mut Vec<String>, flag: &str) -> Option<String> {
    let at = args.iter().position(|a| a == flag)?;
    args.remove(at);
    (at < args.len()).then(|| args.remove(at))
}

fn write_corpus(
    dir: &std::path::Path,
    count: usize,
    bytes: usize,
    seed: u64,
    nested: bool,
    zip_path: Option<&PathBuf>,
) -> Result<(), String> {
    let mut zip = match zip_path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            Some(zip::ZipWriter::new(std::io::BufWriter::new(file)))
        }
        None => None,
    };
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for i in 0..count {
        let text = ficbind_corpus::story(seed + i as u64, bytes);
        let name = if nested {
            let author = i / 10;
            let letter = char::from(b'a' + (author % 26) as u8);
            format!("{letter}/author-{author:05}/story-{:06}.txt", i + 1)
        } else {
            format!("story-{:04}.txt", i + 1)
        };
        let path = dir.join(&name);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        }
        std::fs::write(&path, &text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        if let Some(zip) = zip.as_mut() {
            zip.start_file(name.as_str(), options)
                .and_then(|()| zip.write_all(text.as_bytes()).map_err(Into::into))
                .map_err(|e| format!("cannot add {name} to the archive: {e}"))?;
        }
    }
    if let Some(zip) = zip {
        zip.finish()
            .map_err(|e| format!("cannot finish the archive: {e}"))?;
    }
    Ok(())
}
