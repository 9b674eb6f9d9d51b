//! One story from file to book: read, decode, parse, normalize. The batch stage calls this
//! for each story and hands the book to the export stage.

use crate::book::Book;
use crate::decode::decode;
use crate::error::Error;
use crate::normalize::{normalize_story, BookInfo, Report, Rules};
use crate::parse::{parse, ParseOptions, Story};
use chrono::{DateTime, Utc};
use std::path::Path;

/// Stories larger than this are refused rather than risking running out of memory.
pub const MAX_STORY_BYTES: u64 = 256 * 1024 * 1024;

/// Choices that apply to every story of a run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub title: Option<String>,
    pub author: Option<String>,
    pub language: Option<String>,
    /// `dcterms:modified` for every book; the story file's modification time when `None`.
    pub modified: Option<DateTime<Utc>>,
    pub rules: Rules,
    pub parse: ParseOptions,
}

/// A story read from disk, before normalization.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub story: Story,
    pub encoding: &'static str,
    pub warnings: Vec<String>,
    pub modified: DateTime<Utc>,
}

/// A normalized book and what it took to make it.
#[derive(Debug, Clone)]
pub struct Converted {
    pub book: Book,
    pub report: Report,
    pub warnings: Vec<String>,
}

pub fn load(path: &Path, options: &Options) -> Result<Loaded, Error> {
    let read_error = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if metadata.len() > MAX_STORY_BYTES {
        return Err(Error::Input {
            path: path.to_owned(),
            message: format!(
                "the file is {} MB, larger than the {} MB ficbind accepts; split it into parts",
                metadata.len() / (1024 * 1024),
                MAX_STORY_BYTES / (1024 * 1024)
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    let decoded = decode(&bytes).map_err(|source| Error::Decode {
        path: path.to_owned(),
        source,
    })?;
    let story = parse(&decoded.text, options.parse).map_err(|source| Error::Parse {
        path: path.to_owned(),
        source,
    })?;
    let modified = match options.modified {
        Some(date) => date,
        None => metadata
            .modified()
            .map(DateTime::<Utc>::from)
            .unwrap_or(DateTime::UNIX_EPOCH),
    };
    Ok(Loaded {
        story,
        encoding: decoded.encoding,
        warnings: decoded.warnings,
        modified,
    })
}

/// The book's title, by precedence: the command line, the first chapter's title line, the
/// file name.
pub fn title_for(path: &Path, story: &Story, options: &Options) -> String {
    options
        .title
        .clone()
        .or_else(|| story.title_line.clone())
        .or_else(|| {
            path.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "Untitled".to_string())
}

pub fn convert(path: &Path, options: &Options) -> Result<Converted, Error> {
    let loaded = load(path, options)?;
    Ok(normalize_loaded(path, loaded, options))
}

pub fn normalize_loaded(path: &Path, loaded: Loaded, options: &Options) -> Converted {
    let info = BookInfo {
        title: title_for(path, &loaded.story, options),
        author: options
            .author
            .clone()
            .unwrap_or_else(|| "Unknown".to_string()),
        language: options.language.clone().unwrap_or_else(|| "en".to_string()),
        identifier: None,
        modified: loaded.modified,
    };
    let (book, report) = normalize_story(&loaded.story, info, &options.rules);
    Converted {
        book,
        report,
        warnings: loaded.warnings,
    }
}

/// `SOURCE_DATE_EPOCH` as a date, for reproducible builds. An unset or unreadable value
/// gives `None`.
pub fn source_date_epoch() -> Option<DateTime<Utc>> {
    let seconds: i64 = std::env::var("SOURCE_DATE_EPOCH")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    DateTime::from_timestamp(seconds, 0)
}
