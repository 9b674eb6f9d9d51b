//! The library's error type: every error names the file it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: cannot read the file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot read the file: {source}", path.display())]
    File {
        path: PathBuf,
        source: crate::files::FileError,
    },
    #[error("{}: {source}", path.display())]
    Story {
        path: PathBuf,
        source: crate::read::ReadError,
    },
    #[error("{}: {source}", path.display())]
    Export {
        path: PathBuf,
        source: crate::export::ExportError,
    },
    #[error("{}: cannot write the book: {source}; check that the folder exists, is writable and has free space", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Sidecar { path: PathBuf, message: String },
    #[error("{}: {source}", path.display())]
    Cover {
        path: PathBuf,
        source: crate::cover::CoverError,
    },
}

impl Error {
    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Error::Read { path, .. }
            | Error::File { path, .. }
            | Error::Story { path, .. }
            | Error::Export { path, .. }
            | Error::Write { path, .. }
            | Error::Input { path, .. }
            | Error::Sidecar { path, .. }
            | Error::Cover { path, .. } => path,
        }
    }
}
