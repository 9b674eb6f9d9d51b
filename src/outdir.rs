//! The output folder, shared with the user's own files and perhaps with another run: a lock
//! so that two runs take turns, a record of the books ficbind wrote there so that no other
//! file is ever replaced, and temporaries with names no user file has.

use crate::error::Error;
use crate::incremental::{stable_hash as name_hash, State};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Held for the whole run; another run on the same folder waits for it.
const LOCK_FILE: &str = ".ficbind.lock";
/// The books ficbind wrote into the folder, one file name per line.
const RECORD_FILE: &str = ".ficbind-books";
/// What each book was made from, for incremental builds (`incremental.rs`).
const STATE_FILE: &str = ".ficbind-state";

/// The state's journal, while a run adds to it (`incremental/store.rs`).
const JOURNAL_FILE: &str = ".ficbind-state-journal";

/// The files ficbind keeps in an output folder besides the books.
pub const BOOKKEEPING: [&str; 4] = [LOCK_FILE, RECORD_FILE, STATE_FILE, JOURNAL_FILE];
const RECORD_HEADER: &str = "# Books ficbind wrote into this folder; it replaces only these.";

/// Temporaries are `.ficbind-part-` and twelve random letters and digits, then `.part`.
pub(crate) const TEMP_PREFIX: &str = ".ficbind-part-";
pub(crate) const TEMP_SUFFIX: &str = ".part";
pub(crate) const TEMP_RANDOM: usize = 12;

/// An output folder, locked for this run.
#[derive(Debug)]
pub struct OutputFolder {
    dir: PathBuf,
    /// Dropping it releases the lock.
    _lock: std::fs::File,
    /// The names in the record, hashed and sorted: eight bytes a book. Two names of one
    /// 64-bit hash are not met in practice; if they were, the other file would be taken
    /// for one of ficbind's.
    ours: Vec<u64>,
    /// What each book was made from, by the story's absolute path.
    pub state: State,
}

impl OutputFolder {
    /// Creates the folder if need be and locks it, calling `waiting` once if another run
    /// holds it. Temporaries a killed run left behind are removed, except any file given
    /// as a story (`given`: the paths named on the command line).
    pub fn open(dir: &Path, given: &[PathBuf], waiting: impl FnOnce()) -> Result<Self, Error> {
        let write_error = |source| Error::Write {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(write_error)?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(write_error)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                waiting();
                lock.lock().map_err(write_error)?;
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(write_error(source)),
        }
        let ours = match read_record(&dir.join(RECORD_FILE)) {
            Ok(ours) => ours,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(write_error(source)),
        };
        let state = State::open(&dir.join(STATE_FILE));
        remove_stale_temporaries(dir, given);
        Ok(OutputFolder {
            dir: dir.to_owned(),
            _lock: lock,
            ours,
            state,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether a book may be written under `name`: nothing is there, or ficbind wrote it.
    pub fn may_write(&self, name: &str) -> bool {
        std::fs::symlink_metadata(self.dir.join(name)).is_err()
            || self.ours.binary_search(&name_hash(name)).is_ok()
    }

    /// Records books about to be given their names, before they are: a run killed in
    /// between leaves a record naming a book that is not there, which is harmless, and
    /// never a book of ficbind's that the record does not name. (The names are not kept
    /// in memory: within a run, the names it gave out are never given again.)
    pub fn record(&mut self, names: impl IntoIterator<Item = String>) -> Result<(), Error> {
        let mut text = String::new();
        for name in names {
            if self.ours.binary_search(&name_hash(&name)).is_err() {
                text.push_str(&name);
                text.push('\n');
            }
        }
        if text.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(RECORD_FILE);
        let write_error = |source| Error::Write {
            path: path.clone(),
            source,
        };
        // Added to, not rewritten: a run of a hundred thousand books records them a
        // group at a time.
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(write_error)?;
        if file.metadata().map_err(write_error)?.len() == 0 {
            text.insert_str(0, &format!("{RECORD_HEADER}\n"));
        }
        file.write_all(text.as_bytes()).map_err(write_error)?;
        file.sync_data().map_err(write_error)?;
        Ok(())
    }
}

impl OutputFolder {
    /// Puts on the disk what the state says of the books that took their names: a killed
    /// run at worst rebuilds the books it wrote since.
    pub fn save_state(&mut self) -> Result<(), Error> {
        let path = self.dir.join(JOURNAL_FILE);
        self.state
            .save()
            .map_err(|source| Error::Write { path, source })
    }

    /// Ends the run: the state file is written anew, whole, and replaces the old one.
    pub fn finish(self) -> Result<(), Error> {
        let path = self.dir.join(STATE_FILE);
        self.state
            .finish()
            .map_err(|source| Error::Write { path, source })
    }
}

/// The names in the record file, hashed and sorted. A run killed while adding to the
/// record may leave half a name at its end, which is not one.
fn read_record(path: &Path) -> std::io::Result<Vec<u64>> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut ours = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        if let Some(name) = line.strip_suffix('\n') {
            if !name.starts_with('#') && !name.is_empty() {
                ours.push(name_hash(name));
            }
        }
    }
    ours.sort_unstable();
    ours.dedup();
    Ok(ours)
}

/// A new temporary file in `dir`, named so that no user file is taken for one.
pub(crate) fn temporary_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .rand_bytes(TEMP_RANDOM)
        .tempfile_in(dir)
}

/// Whether a file name is one `temporary_in` makes.
fn is_temporary_name(name: &str) -> bool {
    name.strip_prefix(TEMP_PREFIX)
        .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
        .is_some_and(|random| {
            random.len() == TEMP_RANDOM && random.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// A run that was killed cannot remove its temporaries; the next run into the folder does,
/// while it holds the lock, so none of them is another run's book in the making.
fn remove_stale_temporaries(dir: &Path, given: &[PathBuf]) {
    let mut temporaries = Vec::new();
    // Books of `--recursive` runs sit in subfolders; links to folders are not followed.
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        find_temporaries_in(&folder, &mut temporaries, &mut folders);
    }
    if temporaries.is_empty() {
        return;
    }
    // Only now, and only for temporaries, are the inputs resolved: a story can have any
    // name, even a temporary's, and is never removed.
    let canonical = |path: &Path| std::fs::canonicalize(path).ok();
    let inputs: HashSet<PathBuf> = given.iter().filter_map(|p| canonical(p)).collect();
    for temporary in temporaries {
        if !canonical(&temporary).is_some_and(|p| inputs.contains(&p)) {
            let _ = std::fs::remove_file(temporary);
        }
    }
}

fn find_temporaries_in(dir: &Path, temporaries: &mut Vec<PathBuf>, folders: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            folders.push(entry.path());
        } else if kind.is_file() && entry.file_name().to_str().is_some_and(is_temporary_name) {
            temporaries.push(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_its_own_making_are_temporaries() {
        let cases = [
            (".ficbind-part-a1B2c3D4e5F6.part", true),
            (".ficbind-part-a1B2c3D4e5F.part", false),
            (".ficbind-mystory.part", false),
            (".ficbind-part-a1B2c3D4e5F6.part.txt", false),
            ("ficbind-part-a1B2c3D4e5F6.part", false),
            (".ficbind-part-a1B2c3D4e5-6.part", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_temporary_name(name), expected, "{name}");
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let temp = temporary_in(dir.path()).expect("a temporary");
        let name = temp
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a name");
        assert!(is_temporary_name(name), "{name}");
    }

    #[test]
    fn stale_temporaries_go_but_given_stories_and_other_files_stay() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let stale = dir.path().join(".ficbind-part-a1B2c3D4e5F6.part");
        let given = dir.path().join(".ficbind-part-zzzzzzzzzzzz.part");
        let user = dir.path().join(".ficbind-mystory.part");
        for path in [&stale, &given, &user] {
            std::fs::write(path, "text").expect("written");
        }
        let folder =
            OutputFolder::open(dir.path(), std::slice::from_ref(&given), || {}).expect("it opens");
        assert!(!stale.exists());
        assert!(given.exists());
        assert!(user.exists());
        drop(folder);
    }

    #[test]
    fn the_record_says_which_files_may_be_replaced() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("dune.epub"), "another tool's book").expect("written");
        let mut folder = OutputFolder::open(dir.path(), &[], || {}).expect("it opens");
        assert!(!folder.may_write("dune.epub"));
        assert!(folder.may_write("new.epub"));
        std::fs::write(dir.path().join("mine.epub"), "a book").expect("written");
        folder.record(["mine.epub".to_string()]).expect("recorded");
        drop(folder);
        let again = OutputFolder::open(dir.path(), &[], || {}).expect("it opens again");
        assert!(again.may_write("mine.epub"));
        assert!(!again.may_write("dune.epub"));
    }

    #[test]
    fn a_second_run_waits_for_the_first() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let first = OutputFolder::open(dir.path(), &[], || {}).expect("it opens");
        let waited = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            let second = scope.spawn(|| {
                OutputFolder::open(dir.path(), &[], || {
                    waited.store(true, std::sync::atomic::Ordering::SeqCst)
                })
                .expect("it opens once the first is done")
            });
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(first);
            drop(second.join().expect("the second run finishes"));
        });
        assert!(waited.load(std::sync::atomic::Ordering::SeqCst));
    }
}
