//! Reading the user's files: only regular files, and never more than a limit, so that a
//! FIFO cannot hang a run and a link to `/dev/zero` cannot fill memory.

use std::io::Read;
use std::path::Path;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is {kind}, not a regular file; give ficbind the file itself")]
    NotRegular { kind: &'static str },
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
