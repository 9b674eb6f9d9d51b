//! Readers: every format a story can come in, behind one enum.
//!
//! [`detect`] decides a file's format from its content first (a PDF, a Kindle book or an
//! image is refused by name, whatever its extension) and its extension second; [`read`]
//! runs that format's reader and hands over a [`Story`] that has passed
//! [`Story::finish`]. The folder scan, `--help` and the errors all take the formats from
//! [`Format::ALL`], so a new reader is one module here and one arm in each `match` below.

mod conventions;
pub mod emphasis;
pub mod markdown;
pub mod raw;
mod sniff;

use crate::decode::{decode, DecodeError};
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
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Raw, Format::Markdown];

    pub fn name(self) -> &'static str {
        match self {
            Format::Raw => "text",
            Format::Markdown => "markdown",
        }
    }

    /// The extensions a folder scan reads as this format, lower case, without the dot.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Raw => &["txt"],
            Format::Markdown => &["md", "markdown"],
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
    /// Things the reader had to guess, such as the text's encoding.
    pub warnings: Vec<String>,
}

/// The format of a file: what its bytes say it is, then what its extension says.
pub fn detect(path: &Path, bytes: &[u8]) -> Result<Format, ReadError> {
    sniff::refuse_non_story(bytes)?;
    Ok(extension_format(path).unwrap_or(Format::Raw))
}

/// Reads a story in the given format.
pub fn read(format: Format, bytes: &[u8], options: ParseOptions) -> Result<Read, ReadError> {
    let decoded = decode(bytes)?;
    let (story, front_matter) = match format {
        Format::Raw => (raw::parse(&decoded.text, options)?, None),
        Format::Markdown => {
            let markdown = markdown::parse_markdown(&decoded.text)?;
            (markdown.story, markdown.front_matter)
        }
    };
    Ok(Read {
        format,
        story,
        front_matter,
        warnings: decoded.warnings,
    })
}
