//! One story from file to book: read, decode, parse, take its sidecar metadata, normalize,
//! and find or draw its cover. The batch stage calls this for each story and hands the book
//! to the export stage.

use crate::book::{Book, Cover, Metadata, Series, Status, Tag};
use crate::cover::{embedded_cover, find_cover, generate_cover, read_cover};
use crate::error::Error;
use crate::files::{Files, Limit};
use crate::normalize::{normalize_story, Report, Rules};
use crate::read::{self, ParseOptions};
use crate::sidecar::{
    check_language, check_year, clean_line, clean_text, parse_sidecar, published_date,
    sidecar_path, Sidecar, StatusValue,
};
use crate::story::{Paragraph, Story};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// Stories larger than this are refused rather than risking running out of memory.
pub const MAX_STORY_BYTES: u64 = 256 * 1024 * 1024;

/// Choices that apply to every story of a run. The command line's title, author and
/// language win over a sidecar's.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub title: Option<String>,
    /// Every author, in order; empty to take the sidecar's or the file's own.
    pub authors: Vec<String>,
    pub language: Option<String>,
    /// `dcterms:modified` for every book; the story file's modification time when `None`.
    pub modified: Option<DateTime<Utc>>,
    pub rules: Rules,
    pub parse: ParseOptions,
    /// Where covers are looked for; by default `covers/` in the current folder and in the
    /// story's folder.
    pub covers: Option<PathBuf>,
    /// Leave books without a cover instead of drawing one.
    pub no_generated_cover: bool,
    /// Where stories, sidecars and covers are read from: the file system and the
    /// archives given as inputs.
    pub files: Files,
}

/// A story read from disk, before normalization.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The reader that read it.
    pub format: read::Format,
    /// The site layout the reader recognized, if any.
    pub layout: Option<&'static str>,
    pub story: Story,
    pub sidecar: Sidecar,
    pub warnings: Vec<String>,
    pub modified: DateTime<Utc>,
    /// The story file as it was read, for incremental builds.
    pub seen: crate::incremental::Seen,
    /// The picture the story file carries as its cover (an EPUB's own), as stored.
    pub cover: Option<Vec<u8>>,
}

/// A normalized book and what it took to make it.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The reader that read the story, and the site layout it recognized.
    pub format: read::Format,
    pub layout: Option<&'static str>,
    pub book: Book,
    pub report: Report,
    pub warnings: Vec<String>,
}

/// What a story file may weigh.
const STORY_LIMIT: Limit = Limit {
    bytes: MAX_STORY_BYTES,
    what: "a story",
    advice: "split it into parts",
};

/// What a sidecar file may weigh: a few lines of metadata.
const SIDECAR_LIMIT: Limit = Limit {
    bytes: 1024 * 1024,
    what: "a sidecar",
    advice: "a sidecar holds a few lines of metadata; check that this is the right file",
};

pub fn load(path: &Path, options: &Options) -> Result<Loaded, Error> {
    let file_error = |source| Error::File {
        path: path.to_owned(),
        source,
    };
    let bytes = options.files.read(path, STORY_LIMIT).map_err(file_error)?;
    let stat = options.files.stat(path);
    let seen = crate::incremental::Seen {
        size: bytes.len() as u64,
        modified_ns: stat.map_or(0, |stat| stat.modified_ns()),
        crc: crc32fast::hash(&bytes),
    };
    let story_error = |source| Error::Story {
        path: path.to_owned(),
        source,
    };
    let format = read::detect(path, &bytes).map_err(story_error)?;
    ensure_memory_for(path, bytes.len(), format)?;
    // A sidecar can switch off the trailing-note guess of the raw format.
    let sidecar_file = match format {
        read::Format::Markdown => None,
        _ => Some(load_sidecar(path, &options.files)?),
    };
    let parse_options = ParseOptions {
        trailing_note: options.parse.trailing_note
            && sidecar_file.as_ref().and_then(|s| s.trailing_note) != Some(false),
        emphasis: options.parse.emphasis && options.rules.reads_markup(),
    };
    // Taken: UTF-8 text becomes the decoded text in place.
    let found = read::read(format, bytes, parse_options).map_err(story_error)?;
    // Front matter takes the place of a sidecar file.
    let sidecar = match (&found.front_matter, sidecar_file) {
        (Some(toml), _) => parse_sidecar(toml).map_err(|error| Error::Sidecar {
            path: path.to_owned(),
            message: format!("front matter: {}", error.message),
        })?,
        (None, Some(sidecar)) => sidecar,
        (None, None) => load_sidecar(path, &options.files)?,
    };
    // What the file says of itself comes after what its sidecar says.
    let sidecar = sidecar.or(found.metadata);
    let story = found.story;
    let modified = match options.modified {
        Some(date) => date,
        None => stat
            .and_then(|stat| stat.modified)
            .unwrap_or(DateTime::UNIX_EPOCH),
    };
    Ok(Loaded {
        format: found.format,
        layout: found.layout,
        story,
        sidecar,
        warnings: found.warnings,
        modified,
        seen,
        cover: found.cover,
    })
}

/// Converting a story takes a few times its size in memory (docs/performance.md): five
/// for text, eight for HTML and EPUB, whose page trees are held too, and 30 MB more.
fn memory_needed(bytes: usize, format: read::Format) -> usize {
    let times = match format {
        read::Format::Html | read::Format::Epub => 8,
        read::Format::Raw | read::Format::Markdown => 5,
    };
    bytes.saturating_mul(times).saturating_add(30 << 20)
}

/// Refuses a story that the memory this process may take cannot hold, instead of letting
/// the whole run abort halfway through it. The room is asked for and given back at once:
/// the system lends address space lazily, so this costs nothing when there is room. Long
/// stories are converted one at a time (`batch::load_groups`), so the answer holds.
fn ensure_memory_for(path: &Path, bytes: usize, format: read::Format) -> Result<(), Error> {
    let needed = memory_needed(bytes, format);
    // Short stories fit wherever a run can start.
    if needed < 256 << 20 {
        return Ok(());
    }
    let mut probe: Vec<u8> = Vec::new();
    match probe.try_reserve_exact(needed) {
        Ok(()) => Ok(()),
        Err(_) => Err(Error::Input {
            path: path.to_owned(),
            message: format!(
                "not enough memory to convert it: a story of {} MB needs about {} MB; \
                 convert it on its own, or raise the memory limit",
                bytes >> 20,
                needed >> 20
            ),
        }),
    }
}

/// The story's sidecar, or an empty one when it has none.
fn load_sidecar(story: &Path, files: &Files) -> Result<Sidecar, Error> {
    let path = sidecar_path(story);
    let bytes = match files.read(&path, SIDECAR_LIMIT) {
        Ok(bytes) => bytes,
        Err(error) if error.is_not_found() => return Ok(Sidecar::default()),
        Err(source) => return Err(Error::File { path, source }),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(Error::Sidecar {
            path,
            message: "the sidecar is not UTF-8 text; save it as UTF-8".to_string(),
        });
    };
    parse_sidecar(&text).map_err(|error| Error::Sidecar {
        path,
        message: error.message,
    })
}

/// The book's title, by precedence: the command line, the sidecar, the first chapter's
/// title line, the file name.
pub fn title_for(path: &Path, loaded: &Loaded, options: &Options) -> String {
    let file_stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned());
    let title = [
        options.title.as_deref(),
        loaded.sidecar.title.as_deref(),
        loaded.story.title_line.as_deref(),
        file_stem.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(clean_line)
    .find(|title| !title.is_empty());
    title.unwrap_or_else(|| "Untitled".to_string())
}

pub fn convert(path: &Path, options: &Options) -> Result<Converted, Error> {
    let loaded = load(path, options)?;
    normalize_loaded(path, loaded, options)
}

pub fn normalize_loaded(
    path: &Path,
    loaded: Loaded,
    options: &Options,
) -> Result<Converted, Error> {
    let metadata = metadata_for(path, &loaded, options)?;
    let mut story = loaded.story;
    if let Some(description) = &loaded.sidecar.description {
        // Read as a raw story's description is, emphasis markers and all.
        let emphasis = options.parse.emphasis && options.rules.reads_markup();
        story.description = clean_text(description)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| match emphasis {
                true => read::emphasis::find_emphasis(line),
                false => Paragraph::plain(line),
            })
            .collect();
    }
    let (mut book, report) = normalize_story(&story, metadata, &options.rules);
    // Gone before the cover is drawn: a long story and its book at once are the peak.
    drop(story);
    let mut warnings = loaded.warnings;
    book.metadata.cover = cover_for(
        path,
        &loaded.sidecar,
        loaded.cover,
        &book.metadata,
        options,
        &mut warnings,
    )?;
    Ok(Converted {
        format: loaded.format,
        layout: loaded.layout,
        book,
        report,
        warnings,
    })
}

/// The command line's authors, else the sidecar's (or the file's), each cleaned, empty and
/// repeated names left out.
fn authors_for(cli: &[String], sidecar: &[String]) -> Vec<String> {
    let given = if cli.is_empty() { sidecar } else { cli };
    let mut authors: Vec<String> = Vec::with_capacity(given.len());
    for name in given.iter().map(|name| clean_line(name)) {
        if !name.is_empty() && !authors.contains(&name) {
            authors.push(name);
        }
    }
    authors
}

/// The book's metadata, every text cleaned as a book can hold it (`clean_line`): the
/// sidecar and command line are checked as they are read, but a downloaded file's own
/// metadata can hold anything.
fn metadata_for(path: &Path, loaded: &Loaded, options: &Options) -> Result<Metadata, Error> {
    let sidecar = &loaded.sidecar;
    let line = |value: &Option<String>| {
        value
            .as_deref()
            .map(clean_line)
            .filter(|value| !value.is_empty())
    };
    let pick = |cli: &Option<String>, side: &Option<String>| line(cli).or_else(|| line(side));
    let language = pick(&options.language, &sidecar.language).unwrap_or_else(|| "en".to_string());
    check_language(&language).map_err(|message| Error::Input {
        path: path.to_owned(),
        message: format!("the story's language: {message}; give one with --language"),
    })?;
    // A file's date outside the years a book can have gives way to today's.
    let modified = Some(loaded.modified)
        .filter(|&moment| check_year(moment).is_ok())
        .unwrap_or_else(Utc::now);
    let mut metadata = Metadata::new(
        title_for(path, loaded, options),
        authors_for(
            &options.authors,
            sidecar.author.as_deref().unwrap_or_default(),
        ),
        language,
        modified,
    );
    metadata.identifier = line(&sidecar.identifier);
    for (kind, names) in sidecar.tag_lists() {
        for name in names.into_iter().flatten() {
            let name = clean_line(name);
            let tag = Tag { kind, name };
            if !tag.name.is_empty() && !metadata.tags.contains(&tag) {
                metadata.tags.push(tag);
            }
        }
    }
    metadata.status = sidecar.status.map(|status| match status {
        StatusValue::Complete => Status::Complete,
        StatusValue::InProgress => Status::InProgress {
            planned: sidecar.planned_chapters,
        },
    });
    metadata.series = line(&sidecar.series).map(|name| Series {
        name,
        index: sidecar.series_index.map(|n| n.value()),
    });
    metadata.publisher = line(&sidecar.publisher);
    metadata.rights = line(&sidecar.rights);
    metadata.source = line(&sidecar.source);
    if let Some(date) = &sidecar.published {
        metadata.published = Some(published_date(date).map_err(|error| Error::Sidecar {
            path: sidecar_path(path),
            message: error.message,
        })?);
    }
    Ok(metadata)
}

/// The sidecar's cover, else `covers/<stem>.*`, else the story file's own (an EPUB's),
/// else a drawn one.
fn cover_for(
    path: &Path,
    sidecar: &Sidecar,
    own: Option<Vec<u8>>,
    metadata: &Metadata,
    options: &Options,
    warnings: &mut Vec<String>,
) -> Result<Option<Cover>, Error> {
    let cover_error = |source| Error::Cover {
        path: path.to_owned(),
        source,
    };
    if let Some(named) = &sidecar.cover {
        // A relative path is relative to the sidecar, like a link in a document.
        let folder = path.parent().unwrap_or(Path::new(""));
        return read_cover(&folder.join(named), &options.files)
            .map(Some)
            .map_err(cover_error);
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let folders = cover_folders(path, options);
    let found = stem.as_ref().and_then(|stem| {
        folders
            .iter()
            .find_map(|folder| find_cover(folder, stem, &options.files))
    });
    if let Some(found) = found {
        return read_cover(&found, &options.files)
            .map(Some)
            .map_err(cover_error);
    }
    // The story file's own cover, unless it is damaged: then the book still gets one.
    if let Some(bytes) = own {
        match embedded_cover(bytes, path) {
            Ok(cover) => return Ok(Some(cover)),
            Err(error) => warnings.push(format!("{error}; it was not used")),
        }
    }
    if options.no_generated_cover {
        return Ok(None);
    }
    // A covers folder that is there but has nothing for this story is worth a word: the
    // picture may be misnamed.
    let existing: Vec<String> = folders
        .iter()
        .filter(|folder| folder.is_dir())
        .map(|folder| folder.display().to_string())
        .collect();
    if let (Some(stem), false) = (&stem, existing.is_empty()) {
        warnings.push(format!(
            "no cover named {stem}.jpg, .png, .gif or .webp in {}; a cover was drawn",
            existing.join(" or ")
        ));
    }
    generate_cover(&metadata.title, metadata.byline().as_deref())
        .map(Some)
        .map_err(cover_error)
}

/// Where covers named after a story are looked for, in order: `--covers`, or else
/// `covers/` in the current folder, in the story's folder and beside the story's folder.
pub fn cover_folders(path: &Path, options: &Options) -> Vec<PathBuf> {
    if let Some(folder) = &options.covers {
        return vec![folder.clone()];
    }
    let story_folder = path.parent().unwrap_or(Path::new(""));
    let beside = match story_folder.parent() {
        Some(parent) => parent.join("covers"),
        None => story_folder.join("../covers"),
    };
    let mut folders = vec![PathBuf::from("covers"), story_folder.join("covers"), beside];
    // The same folder reached two ways is looked in once.
    let mut seen = std::collections::HashSet::new();
    folders.retain(|folder| {
        let key = crate::files::absolute(folder);
        seen.insert(normalize_dots(&key))
    });
    folders
}

/// `a/b/../c` as `a/c`, without asking the file system.
fn normalize_dots(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every file a story's book is made from besides the options: the story, its sidecar,
/// the cover its sidecar names, and every place a cover is looked for, present or not.
pub fn depends_on(path: &Path, options: &Options) -> Vec<PathBuf> {
    let sidecar = sidecar_path(path);
    let mut files = vec![path.to_owned(), sidecar.clone()];
    let named_cover = options
        .files
        .read(&sidecar, SIDECAR_LIMIT)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| parse_sidecar(&text).ok())
        .and_then(|s| s.cover);
    if let Some(named) = named_cover {
        files.push(path.parent().unwrap_or(Path::new("")).join(named));
    }
    let folders = cover_folders(path, options);
    if let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) {
        for folder in folders {
            for extension in ["jpg", "jpeg", "png", "gif", "webp"] {
                files.push(folder.join(format!("{stem}.{extension}")));
            }
        }
    }
    files
}

/// The date `SOURCE_DATE_EPOCH` sets for reproducible builds, if it is set.
pub fn source_date_epoch() -> Result<Option<DateTime<Utc>>, String> {
    let Ok(text) = std::env::var("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let moment = text
        .trim()
        .parse()
        .ok()
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .ok_or_else(|| {
            format!("SOURCE_DATE_EPOCH={text:?} is not a number of seconds since 1970")
        })?;
    check_year(moment).map_err(|message| format!("SOURCE_DATE_EPOCH={text:?}: {message}"))?;
    Ok(Some(moment))
}

#[cfg(test)]
mod cover_search_tests {
    use super::*;

    #[test]
    fn covers_are_looked_for_here_beside_the_story_and_beside_its_folder() {
        let options = Options::default();
        let cases: &[(&str, &[&str])] = &[
            // Beside `stories/` is the current folder: looked in once.
            ("stories/a.txt", &["covers", "stories/covers"]),
            (
                "lib/stories/a.txt",
                &["covers", "lib/stories/covers", "lib/covers"],
            ),
            ("a.txt", &["covers", "../covers"]),
        ];
        for (story, expected) in cases {
            let folders = cover_folders(Path::new(story), &options);
            let expected: Vec<PathBuf> = expected.iter().map(PathBuf::from).collect();
            assert_eq!(folders, expected, "{story}");
        }
        let chosen = Options {
            covers: Some(PathBuf::from("art")),
            ..Options::default()
        };
        assert_eq!(
            cover_folders(Path::new("stories/a.txt"), &chosen),
            [PathBuf::from("art")]
        );
    }
}
