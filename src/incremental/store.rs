//! The state of an output folder on disk, kept out of memory: a run of a quarter of a
//! million stories holds eight bytes a book, not the book's entry.
//!
//! Two files, in the line format of [`parse_line`](super::parse_line):
//! - the state file, as the last finished run left it, indexed when the run begins by a
//!   hash of each story's path and where its line starts; a line is read back and parsed
//!   only when its story comes up;
//! - a journal, to which a run adds a line for each book it wrote (and a "no book" line
//!   for each story that failed), in the order they are written. It is flushed to the disk
//!   every few seconds, so a killed run leaves the journal of what it finished; its last
//!   line may be cut short, and a line without its newline is never read.
//!
//! At the end of a run, or at the start of the next after a killed one, the two are merged
//! into a new state file, which replaces the old whole (written aside, then renamed), and
//! the journal goes.

use super::{format_line, format_no_book, parse_line, stable_hash as long_hash, Entry};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The state file's first line.
const HEADER: &str = "# What each book in this folder was made from (ficbind).";
/// No line is longer: a story with more files than this describes is rebuilt.
const MAX_LINE: usize = 1 << 20;

/// An output folder's state, open for one run.
#[derive(Debug)]
pub struct State {
    path: PathBuf,
    journal_path: PathBuf,
    /// The state file as the run found it.
    file: Option<File>,
    /// For each line of `file`: the 32-bit hash of its story's path, then where it starts,
    /// as one number, sorted. Lines past 4 GiB are not indexed (their books are rebuilt).
    index: Vec<u64>,
    journal: Option<BufWriter<File>>,
}

impl State {
    /// Opens the state at `path` (its journal beside it), merging first the journal a
    /// killed run left. A state that cannot be read is an empty one: every book is
    /// rebuilt, none is lost.
    pub fn open(path: &Path) -> State {
        let journal_path = journal_path(path);
        if journal_path.exists() {
            // Merged now, so that this run's journal starts empty and whole.
            if merge(path, &journal_path).is_err() {
                let _ = std::fs::remove_file(&journal_path);
                let _ = std::fs::remove_file(path);
            }
        }
        let (file, index) = match File::open(path).and_then(|file| Ok((index(&file)?, file))) {
            Ok((index, file)) => (Some(file), index),
            Err(_) => (None, Vec::new()),
        };
        State {
            path: path.to_owned(),
            journal_path,
            file,
            index,
            journal: None,
        }
    }

    /// What the book of the story at `input` (its absolute path) was made from, as the
    /// run found it.
    pub fn get(&self, input: &Path) -> Option<Entry> {
        let file = self.file.as_ref()?;
        let key = input.to_str()?;
        let mut line = Vec::new();
        // The last line of the story stands: a story given twice is noted twice.
        let mut found = None;
        for offset in self.lines_of(key) {
            if read_line_at(file, offset, &mut line).is_err() {
                continue;
            }
            let Ok(text) = std::str::from_utf8(&line) else {
                continue;
            };
            match parse_line(text) {
                Some((story, entry)) if story == key => found = Some(entry),
                _ => {}
            }
        }
        found.flatten()
    }

    /// Whether the run found a line for the story at `input` (or for a story whose path
    /// has the same short hash: a "no book" line too many costs nothing).
    pub fn knows(&self, input: &Path) -> bool {
        input
            .to_str()
            .is_some_and(|key| self.lines_of(key).next().is_some())
    }

    /// Where the lines that may be the story's begin, in file order.
    fn lines_of(&self, key: &str) -> impl Iterator<Item = u64> + '_ {
        let hash = u64::from(short_hash(key)) << 32;
        let first = self.index.partition_point(|&slot| slot < hash);
        self.index[first..]
            .iter()
            .take_while(move |&&slot| slot & !0xFFFF_FFFF == hash)
            .map(|&slot| slot & 0xFFFF_FFFF)
    }

    /// Notes, in the journal, what the book of the story at `input` is now made from.
    pub fn record(&mut self, input: &Path, entry: &Entry) -> std::io::Result<()> {
        match format_line(input, entry) {
            Some(line) => self.append(&line),
            // The story is rebuilt by the next run; its old line must not stand.
            None => self.forget(input),
        }
    }

    /// Notes, in the journal, that the story at `input` has no book.
    pub fn forget(&mut self, input: &Path) -> std::io::Result<()> {
        match format_no_book(input) {
            Some(line) if self.knows(input) => self.append(&line),
            _ => Ok(()),
        }
    }

    fn append(&mut self, line: &str) -> std::io::Result<()> {
        let journal = match &mut self.journal {
            Some(journal) => journal,
            None => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.journal_path)?;
                self.journal
                    .insert(BufWriter::with_capacity(64 * 1024, file))
            }
        };
        journal.write_all(line.as_bytes())
    }

    /// Puts what the journal holds on the disk: a run killed after this rebuilds none of
    /// the books noted so far.
    pub fn save(&mut self) -> std::io::Result<()> {
        match &mut self.journal {
            Some(journal) => {
                journal.flush()?;
                journal.get_ref().sync_data()
            }
            None => Ok(()),
        }
    }

    /// Ends the run: the journal is merged into a new state file.
    pub fn finish(mut self) -> std::io::Result<()> {
        let Some(mut journal) = self.journal.take() else {
            return Ok(());
        };
        // Written out for the merge to read, not flushed to the disk: the merged state
        // is, before it takes the old one's place, and a run killed before that only
        // rebuilds the books the lost lines noted.
        journal.flush()?;
        drop(journal);
        self.file = None;
        merge(&self.path, &self.journal_path)
    }
}

/// The journal beside the state file at `path`.
pub fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push("-journal");
    path.with_file_name(name)
}

fn short_hash(text: &str) -> u32 {
    let hash = long_hash(text);
    (hash >> 32) as u32 ^ hash as u32
}

/// The story path a line starts with, without parsing the rest.
fn key_of(line: &[u8]) -> Option<&str> {
    let end = line.iter().position(|&b| b == b'\t')?;
    std::str::from_utf8(&line[..end]).ok()
}

/// Each whole line of a file (newline included) with where it starts; a last line
/// without its newline, which a killed run may leave, is not one.
fn for_each_line(
    file: &File,
    mut each: impl FnMut(u64, &[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut file = file;
    std::io::Seek::rewind(&mut file)?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut line = Vec::new();
    let mut offset = 0u64;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 || line.last() != Some(&b'\n') {
            return Ok(());
        }
        if !line.starts_with(b"#") {
            each(offset, &line)?;
        }
        offset += read as u64;
    }
}

fn index(file: &File) -> std::io::Result<Vec<u64>> {
    let mut index = Vec::new();
    for_each_line(file, |offset, line| {
        if let (Some(key), Ok(offset)) = (key_of(line), u32::try_from(offset)) {
            index.push(u64::from(short_hash(key)) << 32 | u64::from(offset));
        }
        Ok(())
    })?;
    index.sort_unstable();
    Ok(index)
}

/// Reads the line starting at `offset` into `line`, without its newline.
fn read_line_at(file: &File, offset: u64, line: &mut Vec<u8>) -> std::io::Result<()> {
    line.clear();
    let mut chunk = [0u8; 512];
    let mut at = offset;
    loop {
        let read = read_some_at(file, &mut chunk, at)?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if let Some(end) = chunk[..read].iter().position(|&b| b == b'\n') {
            line.extend_from_slice(&chunk[..end]);
            return Ok(());
        }
        line.extend_from_slice(&chunk[..read]);
        if line.len() > MAX_LINE {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        at += read as u64;
    }
}

#[cfg(unix)]
fn read_some_at(file: &File, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_some_at(file: &File, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
}

/// Writes the state file anew from the old one and the journal, the journal's lines
/// standing over the old ones of their stories, then removes the journal.
fn merge(path: &Path, journal_path: &Path) -> std::io::Result<()> {
    let journal = File::open(journal_path)?;
    // The stories the journal speaks of, by the hash of their paths: eight bytes a story.
    // Two paths of one hash would cost the older a rebuild, nothing more.
    let mut replaced: Vec<u64> = Vec::new();
    for_each_line(&journal, |_, line| {
        if let Some(key) = key_of(line) {
            replaced.push(long_hash(key));
        }
        Ok(())
    })?;
    replaced.sort_unstable();
    replaced.dedup();

    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = crate::outdir::temporary_in(dir)?;
    {
        let mut out = BufWriter::with_capacity(64 * 1024, temp.as_file_mut());
        writeln!(out, "{HEADER}")?;
        match File::open(path) {
            // A "no book" line of the old state hid a line the same merge dropped: it
            // has done its work.
            Ok(old) => for_each_line(&old, |_, line| match key_of(line) {
                Some(key)
                    if replaced.binary_search(&long_hash(key)).is_err() && !says_no_book(line) =>
                {
                    out.write_all(line)
                }
                _ => Ok(()),
            })?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        // In journal order: a story noted twice (given twice) is read by its last line.
        for_each_line(&journal, |_, line| out.write_all(line))?;
        out.flush()?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    std::fs::remove_file(journal_path)
}

/// Whether a line says its story has no book (and reads at all).
fn says_no_book(line: &[u8]) -> bool {
    line.split(|&b| b == b'\t')
        .nth(1)
        .is_some_and(|field| field.starts_with(b"-"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incremental::{FileState, Seen};

    fn entry(output: &str, crc: u32) -> Entry {
        Entry {
            options: 7,
            output: output.into(),
            files: vec![FileState {
                path: PathBuf::from("/s/a.txt"),
                seen: Some(Seen {
                    size: 4,
                    modified_ns: 5,
                    crc,
                }),
            }],
            absent: 9,
        }
    }

    #[test]
    fn a_run_finds_what_the_run_before_recorded() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("state");
        let mut state = State::open(&path);
        assert_eq!(state.get(Path::new("/s/a.txt")), None);
        state
            .record(Path::new("/s/a.txt"), &entry("a.epub", 1))
            .expect("noted");
        state
            .record(Path::new("/s/b.txt"), &entry("b.epub", 2))
            .expect("noted");
        state.finish().expect("merged");
        assert!(!journal_path(&path).exists());

        let mut state = State::open(&path);
        assert_eq!(state.get(Path::new("/s/a.txt")), Some(entry("a.epub", 1)));
        assert_eq!(state.get(Path::new("/s/b.txt")), Some(entry("b.epub", 2)));
        assert_eq!(state.get(Path::new("/s/c.txt")), None);
        // A newer line stands over the old; a story that failed has no book.
        state
            .record(Path::new("/s/a.txt"), &entry("a-2.epub", 3))
            .expect("noted");
        state.forget(Path::new("/s/b.txt")).expect("noted");
        state.finish().expect("merged");

        let state = State::open(&path);
        assert_eq!(state.get(Path::new("/s/a.txt")), Some(entry("a-2.epub", 3)));
        assert_eq!(state.get(Path::new("/s/b.txt")), None);
    }

    #[test]
    fn a_killed_run_leaves_what_it_saved_and_nothing_cut_short() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("state");
        let mut state = State::open(&path);
        state
            .record(Path::new("/s/a.txt"), &entry("a.epub", 1))
            .expect("noted");
        state.save().expect("saved");
        // Killed: never finished, and a line cut short at the journal's end.
        drop(state);
        let mut journal = std::fs::OpenOptions::new()
            .append(true)
            .open(journal_path(&path))
            .expect("the journal is there");
        journal
            .write_all(b"/s/b.txt\t0000000000000007\tb.ep")
            .expect("written");
        drop(journal);

        let state = State::open(&path);
        assert!(!journal_path(&path).exists());
        assert_eq!(state.get(Path::new("/s/a.txt")), Some(entry("a.epub", 1)));
        assert_eq!(state.get(Path::new("/s/b.txt")), None);
    }

    #[test]
    fn lines_of_earlier_versions_and_damaged_lines_are_read_as_they_can_be() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("state");
        std::fs::write(
            &path,
            "# header\n\
             /s/a.txt\t7\ta.epub\t/s/a.txt|4|5|00000001\t/s/a.toml|-\n\
             /s/b.txt\tnot hex\tb.epub\n",
        )
        .expect("written");
        let state = State::open(&path);
        let a = state.get(Path::new("/s/a.txt")).expect("read");
        assert_eq!((a.options, &*a.output, a.files.len()), (7, "a.epub", 1));
        assert_eq!(state.get(Path::new("/s/b.txt")), None);
    }
}
