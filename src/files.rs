//! Reading the user's files: only regular files, and never more than a limit, so that a
//! FIFO cannot hang a run and a link to `/dev/zero` cannot fill memory. [`Files`] reads
//! the members of zip archives given as inputs as if each archive were a folder.

use crate::unzip::Archive;
use chrono::{DateTime, Utc};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is {kind}, not a regular file; give ficbind the file itself")]
    NotRegular { kind: &'static str },
    #[error("{0}")]
    Member(String),
    #[error(
        "it is larger than the {} MB ficbind reads for {what}; {advice}",
        limit / (1024 * 1024)
    )]
    TooLarge {
        limit: u64,
        what: &'static str,
        advice: &'static str,
    },
}

impl FileError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, FileError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// What kind of thing a path is, in words, when it is not a regular file.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// A limit on one kind of file, and what to tell the user who reaches it.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bytes: u64,
    pub what: &'static str,
    pub advice: &'static str,
}

/// `path` made absolute against the folder the process started in, which is read once:
/// `std::path::absolute` asks the system for the current folder at every call, and a
/// run asks this of every story several times.
pub fn absolute(path: &Path) -> std::path::PathBuf {
    static START: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    if path.is_absolute() {
        return path.to_owned();
    }
    match START.get_or_init(|| std::env::current_dir().ok()) {
        Some(start) => start.join(path),
        None => path.to_owned(),
    }
}

/// Where the user's files are read from: the file system, and the zip archives given as
/// inputs. A path under an archive's own path, `books.zip/a/story.epub`, names member
/// `a/story.epub`, so that sidecars, covers and output folders work inside an archive as
/// they do in a folder.
#[derive(Clone, Default)]
pub struct Files {
    archives: Arc<Vec<Archive>>,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.archives.iter().map(|a| &a.path))
            .finish()
    }
}

/// What is known of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub size: u64,
    pub modified: Option<DateTime<Utc>>,
    /// The CRC-32 of its bytes when it comes without reading them, as a zip member's does.
    pub crc: Option<u32>,
}

impl Stat {
    /// The modification time in nanoseconds since 1970; 0 when it is not known.
    pub fn modified_ns(&self) -> u128 {
        self.modified
            .and_then(|moment| moment.timestamp_nanos_opt())
            .and_then(|ns| u128::try_from(ns).ok())
            .unwrap_or(0)
    }
}

impl Files {
    pub fn with_archives(archives: Vec<Archive>) -> Files {
        Files {
            archives: Arc::new(archives),
        }
    }

    pub fn archives(&self) -> &[Archive] {
        &self.archives
    }

    /// The archive and member a path names, if it lies under an archive.
    fn member(&self, path: &Path) -> Option<(&Archive, String)> {
        self.archives.iter().find_map(|archive| {
            // A path made by joining a member's name to the archive's: its bytes are the
            // archive's, a separator, and the name as it was, on the systems where `/`
            // separates. Looked up tens of times a story, so without taking it apart.
            let whole = path.as_os_str().as_encoded_bytes();
            let root = archive.path.as_os_str().as_encoded_bytes();
            if cfg!(unix) {
                let rest = whole.strip_prefix(root)?;
                let rest = match rest.strip_prefix(b"/") {
                    Some(rest) => rest,
                    None if rest.is_empty() => rest,
                    None => return None,
                };
                let name = std::str::from_utf8(rest).ok()?;
                if !name.contains("//") && !name.split('/').any(|p| p == "." || p == "..") {
                    return Some((archive, name.trim_end_matches('/').to_string()));
                }
            }
            let inside = path.strip_prefix(&archive.path).ok()?;
            let parts: Option<Vec<&str>> = inside
                .components()
                .map(|c| c.as_os_str().to_str())
                .collect();
            Some((archive, parts?.join("/")))
        })
    }

    /// As [`read_limited`], for a file or an archive member.
    pub fn read(&self, path: &Path, limit: Limit) -> Result<Vec<u8>, FileError> {
        let Some((archive, name)) = self.member(path) else {
            return read_limited(path, limit);
        };
        let member = archive
            .member(&name)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        if member.size > limit.bytes {
            return Err(FileError::TooLarge {
                limit: limit.bytes,
                what: limit.what,
                advice: limit.advice,
            });
        }
        archive
            .read(&member, limit.bytes)
            .map_err(FileError::Member)
    }

    /// The size and time of a regular file or a member; `None` when there is none.
    pub fn stat(&self, path: &Path) -> Option<Stat> {
        match self.member(path) {
            Some((archive, name)) => archive.member(&name).map(|member| Stat {
                size: member.size,
                modified: member.modified,
                crc: Some(member.crc),
            }),
            None => {
                let metadata = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
                Some(Stat {
                    size: metadata.len(),
                    modified: metadata.modified().ok().map(DateTime::<Utc>::from),
                    crc: None,
                })
            }
        }
    }

    /// Whether a folder may hold files: it is on disk, or it lies inside an archive.
    pub fn may_hold(&self, folder: &Path) -> bool {
        match self.member(folder) {
            Some((archive, name)) => name.is_empty() || archive.holds_folder(&name),
            None => folder.as_os_str().is_empty() || folder.is_dir(),
        }
    }

    pub fn is_file(&self, path: &Path) -> bool {
        self.stat(path).is_some()
    }
}

/// Reads a regular file (links followed) of at most `limit.bytes` bytes.
pub fn read_limited(path: &Path, limit: Limit) -> Result<Vec<u8>, FileError> {
    // Looked at before opening: opening a FIFO waits for a writer, possibly forever.
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(FileError::NotRegular {
            kind: kind_of(metadata.file_type()),
        });
    }
    let file = std::fs::File::open(path)?;
    // The file may have been swapped between the look and the opening.
    let opened = file.metadata()?;
    if !opened.is_file() {
        return Err(FileError::NotRegular {
            kind: kind_of(opened.file_type()),
        });
    }
    let too_large = || FileError::TooLarge {
        limit: limit.bytes,
        what: limit.what,
        advice: limit.advice,
    };
    if opened.len() > limit.bytes {
        return Err(too_large());
    }
    // The size can still grow while the file is read; one byte past the limit tells.
    let mut bytes = Vec::new();
    // Asked for, not assumed: under a memory limit a long file must fail alone.
    bytes
        .try_reserve_exact(usize::try_from(opened.len()).unwrap_or(usize::MAX))
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))?;
    file.take(limit.bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit.bytes {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limit = Limit {
        bytes: 10,
        what: "tests",
        advice: "make it smaller",
    };

    #[test]
    fn reads_a_regular_file_within_the_limit() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"0123456789").expect("written");
        assert_eq!(read_limited(&path, SMALL).expect("read"), b"0123456789");
    }

    #[test]
    fn refuses_a_file_over_the_limit() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"0123456789x").expect("written");
        let error = read_limited(&path, SMALL).expect_err("too large");
        assert!(matches!(error, FileError::TooLarge { .. }), "{error}");
    }

    #[test]
    fn refuses_a_folder() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let error = read_limited(dir.path(), SMALL).expect_err("a folder");
        assert_eq!(
            error.to_string(),
            "it is a folder, not a regular file; give ficbind the file itself"
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_device_and_an_endless_file_without_reading_it() {
        let error = read_limited(Path::new("/dev/zero"), SMALL).expect_err("a device");
        assert!(error.to_string().contains("a device"), "{error}");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let link = dir.path().join("story.txt");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("a link");
        let error = read_limited(&link, SMALL).expect_err("a link to a device");
        assert!(error.to_string().contains("a device"), "{error}");
    }
}
