//! Incremental builds: what each book was made from, so that a later run into the same
//! folder skips a story whose book would come out the same.
//!
//! A book depends on its story file, the story's sidecar, every place its cover could come
//! from (present or not: a cover that appears changes the book), the options and
//! ficbind's version. Each file is remembered by its size, modification time and a CRC-32
//! of its bytes. A file whose size and time are unchanged is taken as unchanged without
//! being read, as make and rsync do; one whose time moved is read, and its bytes decide.

use crate::files::Files;
use std::path::{Path, PathBuf};

mod store;
pub use store::State;

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
        self.add_bytes(
            path.as_os_str()
                .as_encoded_bytes()
                .iter()
                .copied()
                .chain([0]),
        );
    }

    fn add_bytes(&mut self, bytes: impl IntoIterator<Item = u8>) {
        for byte in bytes {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The state file holds one line per story, tab-separated: the story's path, the options
/// hash, the book, then each file that was there as `path|size|time|crc`, then `~` and
/// the hash of the places that held nothing. (Earlier versions listed those as `path|-`;
/// they read the same.) A line of the story's path and `-` alone says it has no book: a
/// journal holds such lines for stories that failed. Lines that do not read are ignored:
/// their stories are rebuilt.
///
/// The story's path and, for a line that reads, what its book was made from (`None` for
/// a line saying it has no book).
pub fn parse_line(line: &str) -> Option<(&str, Option<Entry>)> {
    let mut fields = line.split('\t');
    let input = fields.next().filter(|input| !input.is_empty())?;
    let options = fields.next()?;
    if options == "-" {
        return Some((input, None));
    }
    let output = fields.next()?;
    let options = u64::from_str_radix(options, 16).ok()?;
    let mut files = Vec::new();
    let mut absent = Absent::default();
    let mut absent_hash = None;
    for field in fields {
        if let Some(hash) = field.strip_prefix('~') {
            absent_hash = Some(u64::from_str_radix(hash, 16).ok()?);
        } else if let Some(path) = field.strip_suffix("|-") {
            absent.add(Path::new(path));
        } else {
            files.push(parse_file(field)?);
        }
    }
    let entry = Entry {
        options,
        output: output.into(),
        files,
        absent: absent_hash.unwrap_or(absent.hash),
    };
    Some((input, Some(entry)))
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

/// Whether a path can stand in a line: it is UTF-8 and holds none of the separators.
fn fits(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|s| !s.is_empty() && !s.contains(['\t', '\n', '\r', '|']))
}

/// The line for a story's book, with its newline; `None` when a path cannot be written
/// in one (that story is simply rebuilt by the next run).
pub fn format_line(input: &Path, entry: &Entry) -> Option<String> {
    use std::fmt::Write;
    if !fits(input)
        || !entry.files.iter().all(|f| fits(&f.path))
        || entry.output.contains(['\t', '\n'])
    {
        return None;
    }
    let mut line = format!(
        "{}\t{:016x}\t{}",
        input.display(),
        entry.options,
        entry.output
    );
    for file in &entry.files {
        if let Some(seen) = file.seen {
            let _ = write!(
                line,
                "\t{}|{}|{}|{:08x}",
                file.path.display(),
                seen.size,
                seen.modified_ns,
                seen.crc
            );
        }
    }
    let _ = writeln!(line, "\t~{:016x}", entry.absent);
    Some(line)
}

/// The line saying a story has no book.
pub fn format_no_book(input: &Path) -> Option<String> {
    fits(input).then(|| format!("{}\t-\n", input.display()))
}

/// A hash of everything besides the files that shapes a book: the options and ficbind's
/// version. FNV-1a, written out so that it stays the same from one build of ficbind to
/// the next.
pub fn options_hash(description: &str) -> u64 {
    let mut hash = Absent::default();
    hash.add_bytes(description.bytes().chain(env!("CARGO_PKG_VERSION").bytes()));
    hash.hash
}

/// A hash that stays the same from one build of ficbind to the next (FNV-1a), for the
/// names and paths the output folder's files are looked up by.
pub(crate) fn stable_hash(text: &str) -> u64 {
    let mut hash = Absent::default();
    hash.add_bytes(text.bytes());
    hash.hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_back_as_written() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let story = dir.path().join("s.txt");
        std::fs::write(&story, "text").expect("written");
        let dependencies = [story.clone(), dir.path().join("s.toml")];
        let (files, absent) = files_now(&Files::default(), &dependencies, None);
        assert_eq!(files.len(), 1);
        let entry = Entry {
            options: 0xabc,
            output: "sub/s.epub".into(),
            files,
            absent,
        };
        let line = format_line(&story, &entry).expect("a line");
        let (input, read) = parse_line(line.trim_end()).expect("it reads");
        assert_eq!((Path::new(input), read), (story.as_path(), Some(entry)));
        let line = format_no_book(&story).expect("a line");
        assert_eq!(
            parse_line(line.trim_end()),
            Some((story.to_str().expect("UTF-8"), None))
        );
        assert_eq!(format_no_book(Path::new("tab\there")), None);
    }

    #[test]
    fn absent_files_of_earlier_state_files_read_as_their_hash() {
        let line = "/s/a.txt\t0abc\ta.epub\t/s/a.txt|4|5|0000abcd\t/s/a.toml|-\t/c/a.png|-";
        let (_, entry) = parse_line(line).expect("read");
        let entry = entry.expect("a book");
        let mut absent = Absent::default();
        absent.add(Path::new("/s/a.toml"));
        absent.add(Path::new("/c/a.png"));
        assert_eq!(entry.absent, absent.hash);
        assert_eq!(entry.files.len(), 1);
        for damaged in [
            "/s/a.txt",
            "/s/a.txt\tzz\ta.epub",
            "/s/a.txt\t1\ta.epub\tnot a file",
        ] {
            assert_eq!(parse_line(damaged), None, "{damaged}");
        }
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
