//! Incremental builds: what each book was made from, so that a later run into the same
//! folder skips a story whose book would come out the same.
//!
//! A book depends on its story file, the story's sidecar, every place its cover could come
//! from (present or not: a cover that appears changes the book), the options and
//! ficbind's version. Each file is remembered by its size, modification time and a CRC-32
//! of its bytes. A file whose size and time are unchanged is taken as unchanged without
//! being read, as make and rsync do; one whose time moved is read, and its bytes decide.

use crate::files::Files;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const LIMIT: crate::files::Limit = crate::files::Limit {
    bytes: crate::convert::MAX_STORY_BYTES,
    what: "a file a book is made from",
    advice: "",
};

/// One file a book depends on, as it was when the book was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    pub path: PathBuf,
    /// `None` when the file was not there.
    pub seen: Option<Seen>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub size: u64,
    pub modified_ns: u128,
    pub crc: u32,
}

/// What a book was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The options and ficbind's version, hashed.
    pub options: u64,
    /// The book, relative to the output folder.
    pub output: String,
    pub files: Vec<FileState>,
}

/// The state of one file now; `known` spares reading it when its size and time match.
pub fn file_state(files: &Files, path: &Path, known: Option<&FileState>) -> FileState {
    let Some(stat) = files.stat(path) else {
        return FileState {
            path: path.to_owned(),
            seen: None,
        };
    };
    let size = stat.size;
    let modified_ns = stat
        .modified
        .and_then(|moment| moment.timestamp_nanos_opt())
        .and_then(|ns| u128::try_from(ns).ok())
        .unwrap_or(0);
    let known_seen = known.and_then(|k| k.seen);
    let crc = match (known_seen, stat.crc) {
        (Some(k), _) if k.size == size && k.modified_ns == modified_ns => k.crc,
        // An archive's member comes with its CRC.
        (_, Some(crc)) => crc,
        // Only regular files are read, and no more than a story may weigh.
        _ => match files.read(path, LIMIT) {
            Ok(bytes) => crc32fast::hash(&bytes),
            Err(_) => 0,
        },
    };
    FileState {
        path: path.to_owned(),
        seen: Some(Seen {
            size,
            modified_ns,
            crc,
        }),
    }
}

/// Whether every file is as it was, comparing bytes (by CRC) when only the time moved.
pub fn unchanged(reader: &Files, files: &[FileState]) -> bool {
    files.iter().all(|known| {
        let now = file_state(reader, &known.path, Some(known));
        match (now.seen, known.seen) {
            (None, None) => true,
            (Some(now), Some(then)) => now.size == then.size && now.crc == then.crc,
            _ => false,
        }
    })
}

/// The state file: one line per story, tab-separated: the story's path, the options hash,
/// the book, then each file as `path|size|time|crc` (`path|-` when it was absent). Lines
/// that do not read are ignored: their stories are rebuilt.
pub fn parse_state(text: &str) -> HashMap<PathBuf, Entry> {
    let mut entries = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.split('\t');
        let (Some(input), Some(options), Some(output)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Ok(options) = u64::from_str_radix(options, 16) else {
            continue;
        };
        let files: Option<Vec<FileState>> = fields.map(parse_file).collect();
        if let Some(files) = files {
            entries.insert(
                PathBuf::from(input),
                Entry {
                    options,
                    output: output.to_string(),
                    files,
                },
            );
        }
    }
    entries
}

fn parse_file(field: &str) -> Option<FileState> {
    let mut parts = field.rsplitn(4, '|');
    let last = parts.next()?;
    if last == "-" {
        let path = field.strip_suffix("|-")?;
        return Some(FileState {
            path: PathBuf::from(path),
            seen: None,
        });
    }
    let crc = u32::from_str_radix(last, 16).ok()?;
    let modified_ns = parts.next()?.parse().ok()?;
    let size = parts.next()?.parse().ok()?;
    let path = parts.next()?;
    Some(FileState {
        path: PathBuf::from(path),
        seen: Some(Seen {
            size,
            modified_ns,
            crc,
        }),
    })
}

/// The state file's text, sorted by story, for the entries whose paths can be written.
pub fn format_state(entries: &HashMap<PathBuf, Entry>) -> String {
    let fits = |p: &Path| {
        p.to_str()
            .is_some_and(|s| !s.contains(['\t', '\n', '\r', '|']))
    };
    let mut lines: Vec<String> = entries
        .iter()
        .filter(|(input, entry)| fits(input) && entry.files.iter().all(|f| fits(&f.path)))
        .map(|(input, entry)| {
            let mut line = format!(
                "{}\t{:016x}\t{}",
                input.display(),
                entry.options,
                entry.output
            );
            for file in &entry.files {
                match file.seen {
                    Some(seen) => line.push_str(&format!(
                        "\t{}|{}|{}|{:08x}",
                        file.path.display(),
                        seen.size,
                        seen.modified_ns,
                        seen.crc
                    )),
                    None => line.push_str(&format!("\t{}|-", file.path.display())),
                }
            }
            line
        })
        .collect();
    lines.sort();
    let mut text = String::from("# What each book in this folder was made from (ficbind).\n");
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// A hash of everything besides the files that shapes a book: the options and ficbind's
/// version. FNV-1a, written out so that it stays the same from one build of ficbind to
/// the next.
pub fn options_hash(description: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in description.bytes().chain(env!("CARGO_PKG_VERSION").bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_reads_back_as_written() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let story = dir.path().join("s.txt");
        std::fs::write(&story, "text").expect("written");
        let files = vec![
            file_state(&Files::default(), &story, None),
            file_state(&Files::default(), &dir.path().join("s.toml"), None),
        ];
        let mut entries = HashMap::new();
        entries.insert(
            story.clone(),
            Entry {
                options: 0xabc,
                output: "sub/s.epub".to_string(),
                files,
            },
        );
        assert_eq!(parse_state(&format_state(&entries)), entries);
    }

    #[test]
    fn a_change_of_bytes_is_seen_and_a_touch_alone_is_not() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let story = dir.path().join("s.txt");
        std::fs::write(&story, "text").expect("written");
        let files = vec![
            file_state(&Files::default(), &story, None),
            file_state(&Files::default(), &dir.path().join("cover.png"), None),
        ];
        assert!(unchanged(&Files::default(), &files));
        // The same bytes written again: the time moves, the bytes decide.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&story, "text").expect("written");
        assert!(unchanged(&Files::default(), &files));
        std::fs::write(&story, "TEXT").expect("written");
        assert!(!unchanged(&Files::default(), &files));
        // A cover that appears changes the book.
        std::fs::write(&story, "text").expect("written");
        std::fs::write(dir.path().join("cover.png"), "png").expect("written");
        assert!(!unchanged(&Files::default(), &files));
    }
}
