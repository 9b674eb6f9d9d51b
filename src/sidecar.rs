//! The metadata sidecar: `<story>.toml` next to a story file.

use crate::book::TagKind;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The keys a sidecar may hold; any other key is an error.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    pub title: Option<String>,
    /// One name (`author = "Ann"`) or several (`author = ["Ann", "Bo"]`).
    #[serde(default, deserialize_with = "one_or_many")]
    pub author: Option<Vec<String>>,
    pub language: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub fandoms: Option<Vec<String>>,
    pub relationships: Option<Vec<String>>,
    pub characters: Option<Vec<String>>,
    pub rating: Option<String>,
    pub warnings: Option<Vec<String>>,
    pub categories: Option<Vec<String>>,
    /// `complete` or `in-progress`.
    pub status: Option<StatusValue>,
    /// The chapters the author announced, for a story in progress.
    pub planned_chapters: Option<u32>,
    pub series: Option<String>,
    pub series_index: Option<Number>,
    pub published: Option<DateValue>,
    pub identifier: Option<String>,
    pub publisher: Option<String>,
    pub rights: Option<String>,
    pub source: Option<String>,
    pub cover: Option<PathBuf>,
    pub trailing_note: Option<bool>,
}

impl Sidecar {
    /// These keys, with `fallback`'s where these have none.
    pub fn or(self, fallback: Sidecar) -> Sidecar {
        Sidecar {
            title: self.title.or(fallback.title),
            author: self.author.or(fallback.author),
            language: self.language.or(fallback.language),
            description: self.description.or(fallback.description),
            tags: self.tags.or(fallback.tags),
            fandoms: self.fandoms.or(fallback.fandoms),
            relationships: self.relationships.or(fallback.relationships),
            characters: self.characters.or(fallback.characters),
            rating: self.rating.or(fallback.rating),
            warnings: self.warnings.or(fallback.warnings),
            categories: self.categories.or(fallback.categories),
            status: self.status.or(fallback.status),
            planned_chapters: self.planned_chapters.or(fallback.planned_chapters),
            series: self.series.or(fallback.series),
            series_index: self.series_index.or(fallback.series_index),
            published: self.published.or(fallback.published),
            identifier: self.identifier.or(fallback.identifier),
            publisher: self.publisher.or(fallback.publisher),
            rights: self.rights.or(fallback.rights),
            source: self.source.or(fallback.source),
            cover: self.cover.or(fallback.cover),
            trailing_note: self.trailing_note.or(fallback.trailing_note),
        }
    }
}

/// A story's status as a sidecar writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatusValue {
    Complete,
    InProgress,
}

impl Sidecar {
    /// The tag lists, each with the kind its key names, in the title page's order.
    pub fn tag_lists(&self) -> [(TagKind, Option<&[String]>); 7] {
        [
            (
                TagKind::Rating,
                self.rating.as_ref().map(std::slice::from_ref),
            ),
            (TagKind::Warning, self.warnings.as_deref()),
            (TagKind::Category, self.categories.as_deref()),
            (TagKind::Fandom, self.fandoms.as_deref()),
            (TagKind::Relationship, self.relationships.as_deref()),
            (TagKind::Character, self.characters.as_deref()),
            (TagKind::Freeform, self.tags.as_deref()),
        ]
    }
}

/// A series index, written `3` or `2.5`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Number {
    Integer(i64),
    Float(f64),
}

impl Number {
    pub fn value(self) -> f64 {
        match self {
            Number::Integer(n) => n as f64,
            Number::Float(n) => n,
        }
    }
}

/// A date, as a TOML date (`published = 2024-05-01`) or a string.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DateValue {
    Toml(toml::value::Datetime),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SidecarError {
    pub message: String,
}

/// The sidecar that belongs to a story, if there is one.
pub fn sidecar_path(story: &Path) -> PathBuf {
    story.with_extension("toml")
}

/// Reads and checks a sidecar.
pub fn parse_sidecar(text: &str) -> Result<Sidecar, SidecarError> {
    let sidecar: Sidecar = toml::from_str(text).map_err(|e| SidecarError {
        message: describe_toml_error(text, &e),
    })?;
    check_texts(&sidecar)?;
    if let Some(language) = &sidecar.language {
        check_language(language).map_err(|message| SidecarError {
            message: format!("key `language`: {message}"),
        })?;
    }
    if let Some(date) = &sidecar.published {
        published_date(date)?;
    }
    if let Some(index) = sidecar.series_index {
        if !index.value().is_finite() || index.value() < 0.0 {
            return Err(SidecarError {
                message: "key `series_index`: expected a number of 0 or more, such as 2 or 2.5"
                    .to_string(),
            });
        }
    }
    Ok(sidecar)
}

/// A key that takes one string or a list of them.
fn one_or_many<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(name) => Some(vec![name]),
        OneOrMany::Many(names) => Some(names),
    })
}

/// Every text key holds something once the characters XML forbids are left out: an empty
/// title or author would make an invalid book.
fn check_texts(sidecar: &Sidecar) -> Result<(), SidecarError> {
    let texts = [
        ("title", &sidecar.title),
        ("language", &sidecar.language),
        ("description", &sidecar.description),
        ("series", &sidecar.series),
        ("identifier", &sidecar.identifier),
        ("publisher", &sidecar.publisher),
        ("rights", &sidecar.rights),
        ("source", &sidecar.source),
    ];
    for (key, value) in texts {
        if value.as_deref().is_some_and(|v| clean_text(v).is_empty()) {
            return Err(SidecarError {
                message: format!("key `{key}` is empty; give it a value or remove it"),
            });
        }
    }
    let authors = sidecar.author.iter().flatten();
    if sidecar.author.as_ref().is_some_and(Vec::is_empty)
        || authors.clone().any(|name| clean_line(name).is_empty())
    {
        return Err(SidecarError {
            message: "key `author` is empty; give it a name, or a list of names, or remove it"
                .to_string(),
        });
    }
    let lists = [
        ("tags", &sidecar.tags),
        ("fandoms", &sidecar.fandoms),
        ("relationships", &sidecar.relationships),
        ("characters", &sidecar.characters),
        ("warnings", &sidecar.warnings),
        ("categories", &sidecar.categories),
    ];
    for (key, tags) in lists {
        if tags.iter().flatten().any(|tag| clean_line(tag).is_empty()) {
            return Err(SidecarError {
                message: format!("key `{key}` holds an empty tag; remove it"),
            });
        }
    }
    if sidecar
        .rating
        .as_deref()
        .is_some_and(|r| clean_line(r).is_empty())
    {
        return Err(SidecarError {
            message: "key `rating` is empty; give it a value or remove it".to_string(),
        });
    }
    Ok(())
}

/// A one-line metadata value as a book can hold it: characters XML forbids and other
/// control characters left out, runs of white space (line breaks too) made one space,
/// and the ends trimmed.
pub fn clean_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        let kept = word.chars().filter(|&c| is_xml_char(c) && !c.is_control());
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.extend(kept);
    }
    out.truncate(out.trim_end().len());
    out
}

/// A text of several lines (a description): each line cleaned as [`clean_line`] cleans
/// it, blank lines left out.
pub fn clean_text(text: &str) -> String {
    text.lines()
        .map(clean_line)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A language tag is well-formed BCP 47 (RFC 5646), as EPUBCheck requires.
pub fn check_language(tag: &str) -> Result<(), String> {
    oxilangtag::LanguageTag::parse(tag)
        .map(|_| ())
        .map_err(|error| {
            format!(
                "{tag:?} is not a well-formed BCP 47 language tag ({error}); write one such \
                 as en, en-GB or pt-BR"
            )
        })
}

/// toml's message, with the key it is about named first.
fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let mut message = error.message().trim().trim_end_matches('.').to_string();
    // serde's words for a value of the wrong type, said as what was expected.
    if message.contains("untagged enum DateValue") {
        message = "expected a date such as 2024-05-01 or 2024-05-01T12:00:00Z".to_string();
    } else if message.contains("untagged enum OneOrMany") {
        message = "expected a name such as \"Ann\" or a list such as [\"Ann\", \"Bo\"]".to_string();
    } else if message.contains("untagged enum Number") {
        message = "expected a number such as 2 or 2.5".to_string();
    }
    if message.starts_with("unknown field") {
        let key = message.split('`').nth(1).unwrap_or("?");
        return format!(
            "unknown key `{key}`; the keys are title, author, language, description, tags, \
             fandoms, relationships, characters, rating, warnings, categories, status, \
             planned_chapters, series, series_index, published, identifier, publisher, \
             rights, source, cover, trailing_note"
        );
    }
    // The key is on the line the error points at.
    let key = error.span().and_then(|span| {
        let line_start = text[..span.start.min(text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line = text[line_start..].lines().next()?;
        let key = line.split('=').next()?.trim();
        (!key.is_empty() && line.contains('=')).then(|| key.to_string())
    });
    let line = text[..error.span().map_or(0, |s| s.start.min(text.len()))]
        .lines()
        .count()
        .max(1);
    match key {
        Some(key) => format!("key `{key}` (line {line}): {message}"),
        None => format!("line {line}: {message}"),
    }
}

/// The publication date as a moment: a date alone is midnight UTC.
pub fn published_date(value: &DateValue) -> Result<DateTime<Utc>, SidecarError> {
    let text = match value {
        DateValue::Toml(date) => date.to_string(),
        DateValue::Text(text) => text.trim().to_string(),
    };
    let moment = parse_moment(&text).ok_or_else(|| SidecarError {
        message: format!(
            "key `published`: expected an ISO 8601 date such as 2024-05-01 or \
             2024-05-01T12:00:00Z, found {text:?}"
        ),
    })?;
    check_year(moment).map_err(|message| SidecarError {
        message: format!("key `published`: {message}"),
    })?;
    Ok(moment)
}

/// EPUB dates are years 0001 to 9999: a book with another year is invalid.
pub fn check_year(moment: DateTime<Utc>) -> Result<(), String> {
    use chrono::Datelike;
    if (1..=9999).contains(&moment.year()) {
        Ok(())
    } else {
        Err(format!(
            "the year {} is outside the years 1 to 9999 a book's date can have",
            moment.year()
        ))
    }
}

fn parse_moment(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|moment| moment.and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|moment| moment.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_sidecar_reads() {
        let sidecar = parse_sidecar(
            r#"
            title = "Fire & Ice"
            author = "A. Writer"
            language = "fr"
            description = "A story."
            tags = ["Romance", "Drama"]
            series = "Seasons < Storms"
            series_index = 2
            published = 2024-05-01
            identifier = "urn:isbn:9780000000000"
            publisher = "Self"
            rights = "CC BY 4.0"
            source = "https://example.org/s/1"
            cover = "art.png"
            trailing_note = false
            "#,
        )
        .unwrap();
        assert_eq!(sidecar.title.as_deref(), Some("Fire & Ice"));
        assert_eq!(sidecar.author.unwrap(), ["A. Writer"]);
        assert_eq!(sidecar.tags.unwrap(), ["Romance", "Drama"]);
        assert_eq!(sidecar.series_index.unwrap().value(), 2.0);
        assert_eq!(sidecar.trailing_note, Some(false));
        let published = published_date(&sidecar.published.unwrap()).unwrap();
        assert_eq!(published.to_rfc3339(), "2024-05-01T00:00:00+00:00");
    }

    #[test]
    fn an_author_key_takes_one_name_or_a_list() {
        for (text, expected) in [
            ("author = 'Ann'", &["Ann"][..]),
            ("author = ['Ann', 'Bo']", &["Ann", "Bo"][..]),
        ] {
            assert_eq!(parse_sidecar(text).unwrap().author.unwrap(), expected);
        }
    }

    #[test]
    fn mistakes_name_the_key_and_what_was_expected() {
        for (text, expected) in [
            ("colour = \"red\"", "unknown key `colour`"),
            ("title = 3", "title"),
            ("tags = \"one\"", "tags"),
            ("trailing_note = \"no\"", "trailing_note"),
            (
                "published = \"last May\"",
                "key `published`: expected an ISO 8601 date",
            ),
            ("published = \"2024-13-45\"", "key `published`"),
            ("series_index = -1", "key `series_index`"),
            (
                "published = 12",
                "key `published` (line 1): expected a date such as 2024-05-01",
            ),
            (
                "series_index = \"two\"",
                "expected a number such as 2 or 2.5",
            ),
            (
                "published = 0000-01-01",
                "key `published`: the year 0 is outside",
            ),
            ("published = \"-0042-01-01T00:00:00Z\"", "key `published`"),
            ("author = ''", "key `author` is empty"),
            ("author = []", "key `author` is empty"),
            ("author = ['Ann', '']", "key `author` is empty"),
            ("author = 3", "expected a name such as \"Ann\" or a list"),
            ("title = \" \\u0007 \"", "key `title` is empty"),
            ("tags = ['a', '  ']", "key `tags` holds an empty tag"),
            (
                "language = 'en-US-US'",
                "not a well-formed BCP 47 language tag",
            ),
            ("language = 'en-a'", "not a well-formed BCP 47 language tag"),
        ] {
            let error = parse_sidecar(text).unwrap_err().message;
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn metadata_text_is_cleaned_for_xml() {
        for (text, expected) in [
            ("plain", "plain"),
            ("  two  spaces\tand a tab ", "two spaces and a tab"),
            ("Jo\u{7}e", "Joe"),
            ("line\nbreak", "line break"),
            ("\u{FFFE}odd\u{FFFF}", "odd"),
            ("café “quotes”", "café “quotes”"),
        ] {
            assert_eq!(clean_line(text), expected, "{text:?}");
        }
        assert_eq!(clean_text("One.\n\n  Two\u{0}.  \n"), "One.\nTwo.");
    }

    #[test]
    fn language_tags_are_checked_by_the_grammar() {
        for tag in [
            "en",
            "en-GB",
            "pt-BR",
            "zh-Hant-TW",
            "sr-Latn",
            "x-private",
            "de-CH-1996",
        ] {
            assert!(check_language(tag).is_ok(), "{tag}");
        }
        for tag in ["", "en-US-US", "en-a", "english!", "en_GB", "-en"] {
            assert!(check_language(tag).is_err(), "{tag}");
        }
    }

    #[test]
    fn dates_in_every_accepted_form() {
        for text in [
            "2024-05-01",
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00+02:00",
        ] {
            assert!(
                published_date(&DateValue::Text(text.into())).is_ok(),
                "{text}"
            );
        }
    }
}
