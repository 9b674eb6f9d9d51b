//! What each output format decides, worked out once per book.
//!
//! The page renderer and the package writer never ask which [`Format`] they are writing;
//! they read these switches. A new output profile is a new `Format` variant and one arm
//! here.

use super::Format;

/// The choices one format makes about pages and the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Pages are XHTML 1.1 (no `epub:type`, `section`, `aside`, `lang` or `meta charset`)
    /// and the package is OPF 2.0 with an NCX only. Otherwise pages are XHTML5 and the
    /// package is EPUB 3 with a navigation document, plus an NCX for EPUB 2 readers.
    pub xhtml11: bool,
    /// Every sentence and picture is wrapped in a Kobo `koboSpan`, and the body in Kobo's
    /// two layout `div`s, which Kobo readers use for highlights and reading statistics
    /// (see `kobo.rs`).
    pub kobo_spans: bool,
    /// The file name extension, without the leading dot.
    pub extension: &'static str,
    /// The name on the command line (`--format NAME`) and in reports.
    pub name: &'static str,
    /// One line for `--help`.
    pub description: &'static str,
}

impl Profile {
    pub fn of(format: Format) -> Profile {
        match format {
            Format::Epub3 => Profile {
                xhtml11: false,
                kobo_spans: false,
                extension: "epub",
                name: "epub3",
                description: "EPUB 3.3, which EPUB 2 reading systems can also open",
            },
            Format::Epub2 => Profile {
                xhtml11: true,
                kobo_spans: false,
                extension: "epub",
                name: "epub2",
                description: "EPUB 2.0.1, for old reading systems",
            },
            Format::Kepub => Profile {
                xhtml11: false,
                kobo_spans: true,
                extension: "kepub.epub",
                name: "kepub",
                description: "EPUB 3 for Kobo readers, with Kobo's sentence spans (.kepub.epub)",
            },
        }
    }
}
