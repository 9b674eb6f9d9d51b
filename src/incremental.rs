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
    pub output: Box<str>,
    /// The files that were there, in the order the book depends on them.
    pub files: Vec<FileState>,
    /// The places looked in that held nothing, hashed: a run keeps hundreds of thousands
    /// of entries, and most of a story's cover candidates are never there.
    pub absent: u64,
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
    let modified_ns = stat.modified_ns();
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

/// The files a book depends on as they are now: those that are there, and the hash of
/// the places that hold nothing. A folder that is not there is looked at once, not once
/// for each name in it.
pub fn files_now(
    files: &Files,
    dependencies: &[PathBuf],
    known: Option<&Entry>,
) -> (Vec<FileState>, u64) {
    let mut present = Vec::new();
    let mut absent = Absent::default();
    let mut folders: Vec<(&Path, bool)> = Vec::new();
    for path in dependencies {
        let folder = path.parent().unwrap_or(Path::new(""));
        let may_hold = match folders.iter().find(|(f, _)| *f == folder) {
            Some(&(_, may_hold)) => may_hold,
            None => {
                let may_hold = files.may_hold(folder);
                folders.push((folder, may_hold));
                may_hold
            }
        };
        if !may_hold {
            absent.add(path);
            continue;
        }
        let before = known.and_then(|k| k.files.iter().find(|f| &f.path == path));
        let state = file_state(files, path, before);
        match state.seen {
            Some(_) => present.push(state),
            None => absent.add(path),
        }
    }
    (present, absent.hash)
}

impl Entry {
    /// Whether the book was made from these files: the same ones, with the same bytes,
    /// and nothing where nothing was.
    pub fn made_from(&self, files: &[FileState], absent: u64) -> bool {
        self.absent == absent
            && self.files.len() == files.len()
            && self.files.iter().zip(files).all(|(then, now)| {
                then.path == now.path
                    && match (then.seen, now.seen) {
                        (Some(then), Some(now)) => then.size == now.size && then.crc == now.crc,
                        _ => false,
                    }
            })
    }
}

/// A running FNV-1a hash of paths.
struct Absent {
    hash: u64,
}

impl Default for Absent {
    fn default() -> Self {
        Absent {
            hash: 0xcbf2_9ce4_8422_2325,
        }
    }
}

impl Absent {
    fn add(&mut self, path: &Path) {
        for byte in path.as_os_str().as_encoded_bytes().iter().chain([&0]) {
            self.hash ^= u64::from(*byte);
            self.hash = self.hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The state file: one line per story, tab-separated: the story's path, the options hash,
/// the book, then each file that was there as `path|size|time|crc`, then `~` and the hash
/// of the places that held nothing. (Earlier versions listed those as `path|-`; they read
/// the same.) Lines that do not read are ignored: their stories are rebuilt.
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
        let mut files = Vec::new();
        let mut absent = Absent::default();
        let mut absent_hash = None;
        let mut readable = true;
        for field in fields {
            if let Some(hash) = field.strip_prefix('~') {
                absent_hash = u64::from_str_radix(hash, 16).ok();
                readable &= absent_hash.is_some();
            } else if let Some(path) = field.strip_suffix("|-") {
                absent.add(Path::new(path));
            } else if let Some(file) = parse_file(field) {
                files.push(file);
            } else {
                readable = false;
            }
        }
        if readable {
            entries.insert(
                PathBuf::from(input),
                Entry {
                    options,
                    output: output.into(),
                    files,
                    absent: absent_hash.unwrap_or(absent.hash),
                },
            );
        }
    }
    entries
}

fn parse_file(field: &str) -> Option<FileState> {
    let mut parts = field.rsplitn(4, '|');
    let crc = u32::from_str_radix(parts.next()?, 16).ok()?;
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
    let mut text = Vec::new();
    // Writing into memory cannot fail.
    let _ = write_state(entries, &mut text);
    String::from_utf8_lossy(&text).into_owned()
}

/// Writes the state file line by line, sorted by story: the state of a long run is
/// megabytes, and is never built whole in memory.
pub fn write_state(
    entries: &HashMap<PathBuf, Entry>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let fits = |p: &Path| {
        p.to_str()
            .is_some_and(|s| !s.contains(['\t', '\n', '\r', '|']))
    };
    let mut inputs: Vec<&PathBuf> = entries
        .iter()
        .filter(|(input, entry)| fits(input) && entry.files.iter().all(|f| fits(&f.path)))
        .map(|(input, _)| input)
        .collect();
    inputs.sort_unstable();
    writeln!(
        out,
        "# What each book in this folder was made from (ficbind)."
    )?;
    for input in inputs {
        let entry = &entries[input];
        write!(
            out,
            "{}\t{:016x}\t{}",
            input.display(),
            entry.options,
            entry.output
        )?;
        for file in &entry.files {
            if let Some(seen) = file.seen {
                write!(
                    out,
                    "\t{}|{}|{}|{:08x}",
                    file.path.display(),
                    seen.size,
                    seen.modified_ns,
                    seen.crc
                )?;
            }
        }
        writeln!(out, "\t~{:016x}", entry.absent)?;
    }
    Ok(())
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
        let dependencies = [story.clone(), dir.path().join("s.toml")];
        let (files, absent) = files_now(&Files::default(), &dependencies, None);
        assert_eq!(files.len(), 1);
        let mut entries = HashMap::new();
        entries.insert(
            story.clone(),
            Entry {
                options: 0xabc,
                output: "sub/s.epub".into(),
                files,
                absent,
            },
        );
        assert_eq!(parse_state(&format_state(&entries)), entries);
    }

    #[test]
    fn absent_files_of_earlier_state_files_read_as_their_hash() {
        let line = "/s/a.txt\t0abc\ta.epub\t/s/a.txt|4|5|0000abcd\t/s/a.toml|-\t/c/a.png|-";
        let entry = parse_state(line)
            .remove(Path::new("/s/a.txt"))
            .expect("read");
        let mut absent = Absent::default();
        absent.add(Path::new("/s/a.toml"));
        absent.add(Path::new("/c/a.png"));
        assert_eq!(entry.absent, absent.hash);
        assert_eq!(entry.files.len(), 1);
    }

    #[test]
    fn a_change_of_bytes_is_seen_and_a_touch_alone_is_not() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let story = dir.path().join("s.txt");
        std::fs::write(&story, "text").expect("written");
        let dependencies = [story.clone(), dir.path().join("cover.png")];
        let (files, absent) = files_now(&Files::default(), &dependencies, None);
        let entry = Entry {
            options: 0,
            output: "s.epub".into(),
            files,
            absent,
        };
        let unchanged = || {
            let (files, absent) = files_now(&Files::default(), &dependencies, Some(&entry));
            entry.made_from(&files, absent)
        };
        assert!(unchanged());
        // The same bytes written again: the time moves, the bytes decide.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&story, "text").expect("written");
        assert!(unchanged());
        std::fs::write(&story, "TEXT").expect("written");
        assert!(!unchanged());
        // A cover that appears changes the book.
        std::fs::write(&story, "text").expect("written");
        std::fs::write(dir.path().join("cover.png"), "png").expect("written");
        assert!(!unchanged());
    }
}
