//! Plain-text downloads that tools write in a layout of their own, recognized before the
//! raw format is tried: FanFicFare's TXT (a title page of `Label: value` lines, a table of
//! contents, chapters under indented titles, text as html2text writes it) and Fimfiction's
//! two TXT shapes (chapters in `//----//` boxes, or under `> ` lines). Read as raw stories,
//! their label lines and contents entries would each become chapters.

use super::conventions::is_scene_break;
use super::emphasis::spans_in;
use super::ParseOptions;
use crate::sidecar::{DateValue, Number, Sidecar};
use crate::story::{Paragraph, RawBlock, RawChapter, Story};

/// A story read from a known text layout.
pub(super) struct Found {
    pub story: Story,
    pub metadata: Sidecar,
    pub layout: &'static str,
}

impl Found {
    /// A story of these chapters; the layouts' titles and descriptions are metadata.
    fn new(chapters: Vec<RawChapter>, metadata: Sidecar, layout: &'static str) -> Self {
        Found {
            story: Story {
                title_line: None,
                description: Vec::new(),
                chapters,
            },
            metadata,
            layout,
        }
    }
}

/// The story, when the text is in a layout this module knows.
pub(super) fn read_text_layout(text: &str, options: ParseOptions) -> Option<Found> {
    let lines: Vec<&str> = text
        .trim_start_matches('\u{FEFF}')
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    fanficfare(&lines, options).or_else(|| fimfiction(&lines, options))
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// FanFicFare's TXT: the title, `by Author`, label lines, `TABLE OF CONTENTS`, then each
/// chapter under its title indented by several spaces.
fn fanficfare(lines: &[&str], options: ParseOptions) -> Option<Found> {
    let mut nonblank = lines.iter().enumerate().filter(|(_, l)| !is_blank(l));
    let (_, title) = nonblank.next()?;
    let (by_at, by) = nonblank.next()?;
    let author = by.trim().strip_prefix("by ")?.trim();
    let contents = lines
        .iter()
        .take(400)
        .position(|l| l.trim() == "TABLE OF CONTENTS")?;
    let header = &lines[by_at + 1..contents];
    // A label FanFicFare writes on every title page.
    if !header
        .iter()
        .any(|l| l.starts_with("Packaged:") || l.starts_with("Story URL:"))
    {
        return None;
    }
    let mut metadata = Sidecar {
        title: Some(title.trim().to_string()),
        author: Some(vec![author.to_string()]),
        ..Sidecar::default()
    };
    read_labels(header, &mut metadata);

    // Chapters: a title indented by several spaces (wrapped onto the lines under it), after
    // the contents.
    let is_chapter_title = |l: &str| l.starts_with("    ") && !is_blank(l);
    let first = (contents + 1..lines.len()).find(|&i| is_chapter_title(lines[i]))?;
    let mut starts = Vec::new();
    let mut i = first;
    while i < lines.len() {
        if is_chapter_title(lines[i]) && (i == 0 || is_blank(lines[i - 1])) {
            starts.push(i);
        }
        i += 1;
    }
    let mut chapters = Vec::new();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        let title_end = (start..end).find(|&j| is_blank(lines[j])).unwrap_or(end);
        let title = lines[start..title_end]
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        chapters.push(RawChapter {
            title: Some(title),
            blocks: blocks(&lines[title_end..end], options),
            ..RawChapter::default()
        });
    }
    Some(Found::new(chapters, metadata, "fanficfare"))
}

/// FanFicFare's label lines, each value possibly wrapped onto the lines under it; the
/// summary runs to the end of the title page.
fn read_labels(header: &[&str], metadata: &mut Sidecar) {
    let mut labels: Vec<(String, String)> = Vec::new();
    let mut summary: Option<Vec<String>> = None;
    for line in header {
        if let Some(summary) = summary.as_mut() {
            summary.push(line.trim().to_string());
            continue;
        }
        match label_of(line) {
            Some(("Summary", value)) => summary = Some(vec![value.to_string()]),
            Some((label, value)) => labels.push((label.to_string(), value.to_string())),
            None if !is_blank(line) => {
                if let Some((_, value)) = labels.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
            }
            None => {}
        }
    }
    for (label, value) in labels {
        if let Some(list) = super::html::fanficfare_tag_list(metadata, &label) {
            list.extend(super::html::split_list(&value));
            continue;
        }
        match label.as_str() {
            "Rating" => metadata.rating = Some(value).filter(|r| !r.is_empty()),
            "Status" => metadata.status = super::html::fanficfare_status(&value),
            "Series" => {
                // `The Great Test [2]`
                let (name, index) = match value.rsplit_once(" [") {
                    Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<i64>().ok()),
                    None => (value.as_str(), None),
                };
                metadata.series = Some(name.trim().to_string()).filter(|n| !n.is_empty());
                metadata.series_index = index.map(Number::Integer);
            }
            "Published" => metadata.published = Some(DateValue::Text(value)),
            "Publisher" => metadata.publisher = Some(value),
            "Story URL" => metadata.source = Some(value),
            _ => {}
        }
    }
    metadata.description = summary
        .map(|lines| paragraphs_of_lines(&lines).join("\n"))
        .filter(|d| !d.is_empty());
}

/// `Label: value`, for a label of one to three capitalized words.
fn label_of(line: &str) -> Option<(&str, &str)> {
    let (label, value) = line
        .split_once(": ")
        .or_else(|| line.strip_suffix(':').map(|label| (label, "")))?;
    let words = label.split(' ').count();
    let capitalized = label.starts_with(|c: char| c.is_ascii_uppercase())
        && label.chars().all(|c| c.is_ascii_alphabetic() || c == ' ');
    (capitalized && words <= 3).then_some((label, value.trim()))
}

/// Lines in blocks between blank lines, each block joined into one line.
fn paragraphs_of_lines(lines: &[String]) -> Vec<String> {
    lines
        .split(|l| l.is_empty())
        .filter(|block| !block.is_empty())
        .map(|block| block.join(" "))
        .collect()
}

/// html2text's text as blocks: paragraphs between blank lines with their wrapped lines
/// joined, a line ending in two spaces kept as a line break, `#` lines as headings and
/// `* * *` as a scene break.
fn blocks(lines: &[&str], options: ParseOptions) -> Vec<RawBlock> {
    let mut blocks = Vec::new();
    for block in lines.split(|l| is_blank(l)).filter(|b| !b.is_empty()) {
        if let [line] = block {
            let line = line.trim();
            if is_scene_break(line) {
                blocks.push(RawBlock::SceneBreak);
                continue;
            }
            if let Some(heading) = line.strip_prefix('#').map(|h| h.trim_start_matches('#')) {
                blocks.push(RawBlock::Heading(paragraph(heading.trim(), options)));
                continue;
            }
        }
        let mut inlines = Paragraph::default();
        let mut text = String::new();
        for (n, line) in block.iter().enumerate() {
            let breaks = line.ends_with("  ") && n + 1 < block.len();
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
            text.push_str(line.trim());
            if breaks {
                inlines.append(paragraph(&text, options));
                inlines.line_break();
                text.clear();
            }
        }
        if !text.is_empty() {
            inlines.append(paragraph(&text, options));
        }
        blocks.push(RawBlock::Paragraph(inlines));
    }
    blocks
}

fn paragraph(text: &str, options: ParseOptions) -> Paragraph {
    let spans = options.emphasis.then(|| spans_in(text)).flatten();
    spans.unwrap_or_else(|| Paragraph::plain(text))
}

/// Fimfiction's TXT download in either shape: `//------//` boxes around the title line
/// (`// Title// by Author`) and each chapter title, or `> Title`, `>  by Author` and each
/// chapter as `> Title` over a `> -----` rule.
fn fimfiction(lines: &[&str], options: ParseOptions) -> Option<Found> {
    let first = lines.iter().position(|l| !is_blank(l))?;
    let rule = |l: &str| l.starts_with("//---") && l.trim_end().ends_with("//");
    let (title, author, chapter_titles): (String, String, Vec<(usize, usize)>) =
        if rule(lines[first]) {
            let (title, author) = lines
                .get(first + 1)?
                .strip_prefix("// ")?
                .split_once("// by ")?;
            // A box: rule, `// Title`, rule; the body follows.
            let boxes = (first + 2..lines.len().saturating_sub(2))
                .filter(|&i| {
                    rule(lines[i]) && lines[i + 1].starts_with("// ") && rule(lines[i + 2])
                })
                .map(|i| (i, i + 3))
                .collect();
            (title.trim().to_string(), author.trim().to_string(), boxes)
        } else {
            let title = lines[first].strip_prefix("> ")?;
            let author = lines
                .get(first + 1)?
                .strip_prefix(">")?
                .trim()
                .strip_prefix("by ")?;
            let chapters = (first + 2..lines.len().saturating_sub(1))
                .filter(|&i| {
                    lines[i].starts_with("> ")
                        && lines[i + 1].trim_start_matches("> ").starts_with("---")
                })
                .map(|i| (i, i + 2))
                .collect();
            (
                title.trim().to_string(),
                author.trim().to_string(),
                chapters,
            )
        };
    if chapter_titles.is_empty() {
        return None;
    }
    let mut chapters = Vec::new();
    for (n, &(at, body)) in chapter_titles.iter().enumerate() {
        let end = chapter_titles
            .get(n + 1)
            .map_or(lines.len(), |&(next, _)| next);
        let title_line = if rule(lines[at]) {
            lines[at + 1]
        } else {
            lines[at]
        };
        let title = title_line
            .trim_start_matches("//")
            .trim_start_matches('>')
            .trim();
        chapters.push(RawChapter {
            title: Some(title.to_string()).filter(|t| !t.is_empty()),
            blocks: blocks(&lines[body..end], options),
            ..RawChapter::default()
        });
    }
    let metadata = Sidecar {
        title: Some(title).filter(|t| !t.is_empty()),
        author: Some(vec![author]).filter(|a| !a[0].is_empty()),
        publisher: Some("Fimfiction".to_string()),
        ..Sidecar::default()
    };
    Some(Found::new(chapters, metadata, "fimfiction"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FANFICFARE: &str = "\r\n\r\nA Test Story\r\n\r\nby Some Writer\r\n\r\n\r\n\
        Series: The Long Road [3]\r\nCategory: Books, Films,\r\nand Plays\r\n\
        Genre: Drama, Humor\r\nStatus: In-Progress\r\nPublished: 2021-03-15\r\n\
        Packaged: 2026-12-01 08:47:31\r\nPublisher: example.org\r\n\
        Story URL: https://example.org/s/1\r\nSummary: A short summary that\r\n\
        wraps.\r\n\r\nA second paragraph.\r\n\r\n\r\nTABLE OF CONTENTS\r\n\r\n\
        Prologue\r\n\r\nChapter 1, The Start\r\n\r\n\r\n\r\n        Prologue\r\n\r\n\
        It was _late_ and the rain\r\nhad not stopped.\r\n\r\nA line  \r\nand the next\r\n\r\n\
        * * *\r\n\r\nAfter.\r\n\r\n\r\n        Chapter 1, The\r\nStart\r\n\r\n\
        ### A Heading\r\n\r\nMore **text** here.\r\n";

    #[test]
    fn fanficfare_txt_gives_its_chapters_and_title_page() {
        let found =
            read_text_layout(FANFICFARE, ParseOptions::default()).expect("a FanFicFare file");
        assert_eq!(found.layout, "fanficfare");
        let meta = &found.metadata;
        assert_eq!(meta.title.as_deref(), Some("A Test Story"));
        assert_eq!(meta.author, Some(vec!["Some Writer".to_string()]));
        assert_eq!(meta.series.as_deref(), Some("The Long Road"));
        assert_eq!(meta.series_index, Some(Number::Integer(3)));
        // FanFicFare's "Category" is the fandom; "Genre" the other tags.
        assert_eq!(
            meta.fandoms.as_deref(),
            Some(&["Books, Films, and Plays"].map(String::from)[..])
        );
        assert_eq!(
            meta.tags.as_deref(),
            Some(&["Drama", "Humor"].map(String::from)[..])
        );
        assert_eq!(meta.source.as_deref(), Some("https://example.org/s/1"));
        assert_eq!(
            meta.description.as_deref(),
            Some("A short summary that wraps.\nA second paragraph.")
        );
        let chapters = &found.story.chapters;
        let titles: Vec<_> = chapters.iter().map(|c| c.title.as_deref()).collect();
        assert_eq!(titles, [Some("Prologue"), Some("Chapter 1, The Start")]);
        let blocks = &chapters[0].blocks;
        assert_eq!(blocks.len(), 4, "{blocks:#?}");
        let RawBlock::Paragraph(first) = &blocks[0] else {
            panic!("a paragraph");
        };
        assert_eq!(
            first.plain_text(),
            "It was late and the rain had not stopped."
        );
        assert!(matches!(
            first.inlines()[1],
            crate::inline::Inline::Emphasis(_)
        ));
        let RawBlock::Paragraph(second) = &blocks[1] else {
            panic!("a paragraph");
        };
        assert!(second.inlines().contains(&crate::inline::Inline::LineBreak));
        assert_eq!(blocks[2], RawBlock::SceneBreak);
        assert!(matches!(chapters[1].blocks[0], RawBlock::Heading(_)));
    }

    #[test]
    fn fimfiction_txt_in_both_shapes() {
        let slash = "//------------------------------//\n// A Pony Tale// by Writer\n\
            //------------------------------//\n\n//------------------------------//\n\
            // First Chapter\n//------------------------------//\n\nOne.\n\nTwo.\n\n\
            //------------------------------//\n// Second Chapter\n\
            //------------------------------//\n\nThree.\n";
        let arrow = "> A Pony Tale\n>  by Writer\n\n> First Chapter\n> ------------\n\nOne.\n\n\
            Two.\n\n> Second Chapter\n> ------------\n\nThree.\n";
        for text in [slash, arrow] {
            let found = read_text_layout(text, ParseOptions::default()).expect("Fimfiction");
            assert_eq!(found.layout, "fimfiction");
            assert_eq!(found.metadata.title.as_deref(), Some("A Pony Tale"));
            assert_eq!(found.metadata.author, Some(vec!["Writer".to_string()]));
            let titles: Vec<_> = found
                .story
                .chapters
                .iter()
                .map(|c| c.title.as_deref())
                .collect();
            assert_eq!(
                titles,
                [Some("First Chapter"), Some("Second Chapter")],
                "{text}"
            );
            assert_eq!(found.story.chapters[0].blocks.len(), 2);
        }
    }

    #[test]
    fn ordinary_stories_are_left_to_the_raw_reader() {
        for text in [
            " Title\n\nText by me.\n",
            "A Title\n\nby Someone\n\nText.\n",
            "> quoted line\n> more\n",
            "// a comment\n",
        ] {
            assert!(
                read_text_layout(text, ParseOptions::default()).is_none(),
                "{text}"
            );
        }
    }
}
