//! Readers: every format a story can come in, behind one enum.
//!
//! [`detect`] decides a file's format from its content first (a PDF, a Kindle book or an
//! image is refused by name, whatever its extension) and its extension second; [`read`]
//! runs that format's reader and hands over a [`Story`] that has passed
//! [`Story::finish`]. The folder scan, `--help` and the errors all take the formats from
//! [`Format::ALL`], so a new reader is one module here and one arm in each `match` below.

mod conventions;
mod dom;
pub mod emphasis;
mod epub;
mod html;
pub mod markdown;
pub mod raw;
mod sniff;
mod spans;
mod text_layouts;
mod tree;

use crate::decode::{decode_owned, DecodeError};
use crate::sidecar::Sidecar;
use crate::story::{Story, StoryError};
use std::path::Path;

pub use conventions::is_scene_break;
pub use raw::ParseOptions;
pub use sniff::NotAStory;

/// A format ficbind reads stories from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Story text as copied from a story page (`docs/story-format.md`).
    Raw,
    /// CommonMark with optional `+++` TOML front matter.
    Markdown,
    /// A story saved as one HTML page: AO3's download, or any page whose headings start
    /// chapters.
    Html,
    /// An EPUB 2 or 3 book, from AO3, FanFicFare, FicHub, Fimfiction or any tool.
    Epub,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Raw, Format::Markdown, Format::Html, Format::Epub];

    pub fn name(self) -> &'static str {
        match self {
            Format::Raw => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Epub => "epub",
        }
    }

    /// The extensions a folder scan reads as this format, lower case, without the dot.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Raw => &["txt"],
            Format::Markdown => &["md", "markdown"],
            Format::Html => &["html", "htm", "xhtml"],
            Format::Epub => &["epub"],
        }
    }
}

/// Every extension a folder scan picks up, for every format.
pub fn story_extensions() -> impl Iterator<Item = &'static str> {
    Format::ALL
        .into_iter()
        .flat_map(|f| f.extensions().iter().copied())
}

/// Whether a folder scan takes this file as a story, by its extension.
pub fn is_story_file(path: &Path) -> bool {
    extension_format(path).is_some()
}

fn extension_format(path: &Path) -> Option<Format> {
    let extension = path.extension()?.to_str()?;
    Format::ALL.into_iter().find(|format| {
        format
            .extensions()
            .iter()
            .any(|e| e.eq_ignore_ascii_case(extension))
    })
}

/// Why a file could not be read as a story.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    NotAStory(#[from] NotAStory),
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("the file holds no story text, only blank lines")]
    Blank,
    #[error(
        "the file has a description but no chapter: a chapter starts with a line that begins \
         with exactly one space"
    )]
    DescriptionOnly,
    #[error(
        "the front matter that opens with `+++` on line 1 is never closed by another `+++` line"
    )]
    UnclosedFrontMatter,
    #[error(
        "the EPUB cannot be read: {0}; check that the download finished, or download it again"
    )]
    BrokenEpub(String),
    #[error(
        "the book is locked with DRM, which ficbind does not remove; download a copy without \
         DRM from the site the story came from"
    )]
    Drm,
    #[error(transparent)]
    Story(#[from] StoryError),
}

/// What a reader found in a file.
#[derive(Debug, Clone)]
pub struct Read {
    pub format: Format,
    pub story: Story,
    /// Metadata the file carries itself, as sidecar TOML (Markdown front matter), in place
    /// of a sidecar file.
    pub front_matter: Option<String>,
    /// Metadata the file carries (an HTML page's or an EPUB's title, authors, tags…), as
    /// sidecar keys: a sidecar file beside the story wins over it, key by key.
    pub metadata: Sidecar,
    /// The site layout the reader recognized, such as "Archive of Our Own".
    pub layout: Option<&'static str>,
    /// Things the reader had to guess, such as the text's encoding.
    pub warnings: Vec<String>,
    /// The picture the file carries as its cover (an EPUB's own), as stored.
    pub cover: Option<Vec<u8>>,
}

/// The format of a file: what its bytes say it is, then what its extension says.
pub fn detect(path: &Path, bytes: &[u8]) -> Result<Format, ReadError> {
    let named = extension_format(path);
    // A zip named .epub whose `mimetype` is missing or damaged is still read as a book,
    // so that what is wrong with it can be said.
    if sniff::is_epub(bytes) || (named == Some(Format::Epub) && sniff::is_zip(bytes)) {
        return Ok(Format::Epub);
    }
    if sniff::is_html(bytes) {
        return Ok(Format::Html);
    }
    sniff::refuse_non_story(bytes)?;
    match named {
        // A file named .epub that is no EPUB is broken, not a text story.
        Some(Format::Epub) => Err(ReadError::BrokenEpub(
            "it is not a zip archive with an EPUB `mimetype`".to_string(),
        )),
        Some(format) => Ok(format),
        None => Ok(Format::Raw),
    }
}

/// Reads a story in the given format.
/// The bytes are taken so that a large text file is not held twice: decoded UTF-8 is
/// the same buffer.
pub fn read(format: Format, bytes: Vec<u8>, options: ParseOptions) -> Result<Read, ReadError> {
    if format == Format::Epub {
        let found = epub::read_epub(&bytes)?;
        return Ok(Read {
            format,
            story: found.story,
            front_matter: None,
            metadata: found.metadata,
            layout: Some(found.layout),
            warnings: found.warnings,
            cover: found.cover,
        });
    }
    let decoded = decode_owned(bytes)?;
    let mut read = Read {
        format,
        story: Story::default(),
        front_matter: None,
        metadata: Sidecar::default(),
        layout: None,
        warnings: decoded.warnings,
        cover: None,
    };
    match format {
        Format::Raw => match text_layouts::read_text_layout(&decoded.text, options) {
            Some(found) => {
                read.story = found.story.finish()?;
                read.metadata = found.metadata;
                read.layout = Some(found.layout);
            }
            None => read.story = raw::parse(&decoded.text, options)?,
        },
        Format::Markdown => {
            let markdown = markdown::parse_markdown(&decoded.text)?;
            read.story = markdown.story;
            read.front_matter = markdown.front_matter;
        }
        Format::Html => {
            let found = html::read_html(decoded.text)?;
            read.story = found.story;
            read.metadata = found.metadata;
            read.layout = Some(found.layout);
            read.warnings.extend(found.warnings);
        }
        Format::Epub => {}
    }
    Ok(read)
}
