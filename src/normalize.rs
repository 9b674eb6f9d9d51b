//! Typography: the rules of `docs/typography.md`, applied to every piece of text a reader
//! sees, and the step that turns a parsed [`Story`] into a [`Book`].
//!
//! Each rule is one pass over a paragraph's text (driven by memchr where it can be), so the
//! whole stage stays linear in the length of the text. URLs and comments are found once and
//! left alone by every rule.

use crate::book::{Block, Book, Cell, Chapter, Footnote, Metadata, Note, Paragraph};
use crate::story::{RawBlock, RawChapter, Story};
use rules::{Pass, Protected};
use serde::Serialize;

/// How many typography rules there are: one per entry of the registry in
/// `normalize/rules/mod.rs`.
pub const RULE_COUNT: usize = rules::REGISTRY.len();

/// One typography rule, by its place in the order the rules run.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rule(usize);

impl Rule {
    /// Every rule, in the order they run.
    pub const ALL: [Rule; RULE_COUNT] = {
        let mut all = [Rule(0); RULE_COUNT];
        let mut i = 0;
        while i < RULE_COUNT {
            all[i] = Rule(i);
            i += 1;
        }
        all
    };

    /// The rule of this name (`--no-rule NAME`), if there is one.
    pub fn named(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|rule| rule.name() == name)
    }

    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// One line for `--help`.
    pub fn description(self) -> &'static str {
        self.entry().description
    }

    /// Paragraphs and what they become with only this rule on, emphasis written as
    /// `<em>`/`<strong>`: the rule's own test table, and examples for the docs.
    pub fn examples(self) -> &'static [(&'static str, &'static str)] {
        self.entry().cases
    }

    fn entry(self) -> &'static rules::Entry {
        &rules::REGISTRY[self.0]
    }

    fn index(self) -> usize {
        self.0
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Which rules are on. All are on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    on: [bool; RULE_COUNT],
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            on: [true; RULE_COUNT],
        }
    }
}

impl Rules {
    pub fn without(disabled: &[Rule]) -> Rules {
        let mut rules = Rules::default();
        for rule in disabled {
            rules.on[rule.index()] = false;
        }
        rules
    }

    /// Only the given rule on.
    pub fn only(rule: Rule) -> Rules {
        let mut rules = Rules {
            on: [false; RULE_COUNT],
        };
        rules.on[rule.index()] = true;
        rules
    }

    pub fn is_on(&self, rule: Rule) -> bool {
        self.on[rule.index()]
    }

    /// Whether readers should find inline structure written as markers in the text
    /// (`*emphasis*`): every markup rule is on.
    pub fn reads_markup(&self) -> bool {
        Rule::ALL
            .into_iter()
            .filter(|rule| matches!(rule.entry().pass, Pass::Markup))
            .all(|rule| self.is_on(rule))
    }
}

/// How many changes each rule made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts([usize; RULE_COUNT]);

impl Counts {
    pub fn get(&self, rule: Rule) -> usize {
        self.0[rule.index()]
    }

    fn add(&mut self, rule: Rule, n: usize) {
        self.0[rule.index()] += n;
    }

    fn merge(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(RULE_COUNT))?;
        for rule in Rule::ALL {
            map.serialize_entry(rule.name(), &self.get(rule))?;
        }
        map.end()
    }
}

/// Where a text came from, so that a leftover ambiguous quote can be found again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Place {
    Title,
    Description { paragraph: usize },
    ChapterTitle { chapter: usize },
    Chapter { chapter: usize, paragraph: usize },
    Note { chapter: usize, paragraph: usize },
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Title => write!(f, "book title"),
            Place::Description { paragraph } => write!(f, "description, paragraph {paragraph}"),
            Place::ChapterTitle { chapter } => write!(f, "chapter {chapter}, title"),
            Place::Chapter { chapter, paragraph } => {
                write!(f, "chapter {chapter}, paragraph {paragraph}")
            }
            Place::Note { chapter, paragraph } => {
                write!(f, "chapter {chapter}, note paragraph {paragraph}")
            }
        }
    }
}

/// A single quote in opening position with nothing after it to close it: it was written as
/// an apostrophe, but a person should look at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ambiguous {
    pub place: Place,
    /// The text around the quote, as normalized.
    pub context: String,
}

/// What normalization changed in a whole book.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Report {
    pub counts: Counts,
    pub ambiguous: Vec<Ambiguous>,
}

/// Turns a parsed story into a book, normalizing every text a reader sees. The book gets
/// `metadata` with its title normalized too.
pub fn normalize_story(story: &Story, metadata: Metadata, rules: &Rules) -> (Book, Report) {
    let mut normalizer = Normalizer {
        rules,
        report: Report::default(),
        tight: false,
    };
    let title = normalizer.plain(&metadata.title, Place::Title);
    let description = story
        .description
        .iter()
        .enumerate()
        .map(|(i, text)| normalizer.paragraph(text, Place::Description { paragraph: i + 1 }))
        .collect();
    // Counted only as far as the threshold: a pass over a long story's every paragraph
    // costs more than the sums, in memory reads. Past it, the rest is reckoned from the
    // blocks' average.
    let (mut seen, mut blocks_seen) = (0, 0);
    let long = story.chapters.iter().flat_map(|c| &c.blocks).any(|block| {
        seen += raw_bytes(std::slice::from_ref(block));
        blocks_seen += 1;
        seen >= PARALLEL_BYTES
    });
    let tight = long && {
        let blocks: usize = story.chapters.iter().map(|c| c.blocks.len()).sum();
        seen / blocks_seen.max(1) * blocks >= TIGHT_BYTES
    };
    let chapter = |index: usize, raw: &RawChapter| {
        let mut normalizer = Normalizer {
            rules,
            report: Report::default(),
            tight,
        };
        let chapter = normalizer.chapter(index + 1, raw);
        (chapter, normalizer.report)
    };
    // Chapters are independent; a long story's are normalized on every core, each with a
    // report of its own, and the reports are merged in reading order.
    let normalized: Vec<(Chapter, Report)> = if long {
        use rayon::prelude::*;
        story
            .chapters
            .par_iter()
            .enumerate()
            .map(|(index, raw)| chapter(index, raw))
            .collect()
    } else {
        story
            .chapters
            .iter()
            .enumerate()
            .map(|(index, raw)| chapter(index, raw))
            .collect()
    };
    let mut chapters = Vec::with_capacity(normalized.len());
    for (chapter, report) in normalized {
        normalizer.report.counts.merge(&report.counts);
        normalizer.report.ambiguous.extend(report.ambiguous);
        chapters.push(chapter);
    }
    let book = Book {
        metadata: Metadata { title, ..metadata },
        description,
        chapters,
    };
    (book, normalizer.report)
}

/// Below this much chapter text a story is normalized on one thread: handing chapters to
/// other threads costs more than it saves, and a folder keeps every core busy anyway.
const PARALLEL_BYTES: usize = 256 * 1024;

/// From this much chapter text on, each paragraph of the book gives back the room the rules
/// kept for growing (a quarter of its length and 32 bytes): the story and its book are both held
/// at the peak of a conversion, and for a story this long the slack is megabytes. Below it,
/// the 30 MB every conversion may take covers the slack, and shrinking would cost a
/// reallocation a paragraph for nothing.
const TIGHT_BYTES: usize = 4 * 1024 * 1024;

fn raw_bytes(blocks: &[RawBlock]) -> usize {
    blocks
        .iter()
        .map(|block| match block {
            RawBlock::Paragraph(paragraph)
            | RawBlock::Heading(paragraph)
            | RawBlock::Aligned(_, paragraph) => paragraph.text_bytes(),
            RawBlock::SceneBreak => 0,
            RawBlock::Quote(inner) => raw_bytes(inner),
            RawBlock::List { items, .. } => items.iter().map(|item| raw_bytes(item)).sum(),
            RawBlock::Table(rows) => rows.iter().flatten().map(|c| c.text.text_bytes()).sum(),
            RawBlock::Picture(picture) => picture.alt.len(),
        })
        .sum()
}

struct Normalizer<'a> {
    rules: &'a Rules,
    report: Report,
    /// Give paragraphs' spare room back ([`TIGHT_BYTES`]).
    tight: bool,
}

impl Normalizer<'_> {
    /// `chapter` counts from 1.
    fn chapter(&mut self, chapter: usize, raw: &RawChapter) -> Chapter {
        let (title, titled) = match &raw.title {
            Some(t) => (self.plain(t, Place::ChapterTitle { chapter }), true),
            None => (format!("Chapter {chapter}"), false),
        };
        let mut paragraph = 0;
        let blocks = self.blocks(&raw.blocks, chapter, &mut paragraph);
        let footnotes = raw
            .footnotes
            .iter()
            .map(|(number, blocks)| Footnote {
                number: *number,
                blocks: self.blocks(blocks, chapter, &mut paragraph),
            })
            .collect();
        let mut note_paragraph = 0;
        let notes = raw
            .notes
            .iter()
            .map(|note| Note {
                origin: note.origin,
                paragraphs: note
                    .paragraphs
                    .iter()
                    .map(|text| {
                        note_paragraph += 1;
                        let place = Place::Note {
                            chapter,
                            paragraph: note_paragraph,
                        };
                        self.paragraph(text, place)
                    })
                    .collect(),
            })
            .collect();
        Chapter {
            title,
            titled,
            blocks,
            notes,
            footnotes,
        }
    }

    /// `paragraph` counts the chapter's paragraphs so far, for reports.
    fn blocks(&mut self, raw: &[RawBlock], chapter: usize, paragraph: &mut usize) -> Vec<Block> {
        let mut blocks = Vec::with_capacity(raw.len());
        for block in raw {
            // A picture keeps its text alternative as written: it is a description, not
            // the story's prose. One without an image was set as text by the story.
            if let RawBlock::Picture(picture) = block {
                if let Some(image) = &picture.image {
                    blocks.push(Block::Picture(crate::book::Picture {
                        image: std::sync::Arc::clone(image),
                        alt: picture.alt.clone(),
                    }));
                }
                continue;
            }
            let mut text = |this: &mut Self, text: &Paragraph| {
                *paragraph += 1;
                let place = Place::Chapter {
                    chapter,
                    paragraph: *paragraph,
                };
                this.paragraph(text, place)
            };
            blocks.push(match block {
                RawBlock::SceneBreak => Block::SceneBreak,
                RawBlock::Paragraph(raw) => Block::Paragraph(text(self, raw)),
                RawBlock::Heading(raw) => Block::Heading(text(self, raw)),
                RawBlock::Aligned(alignment, raw) => Block::Aligned(*alignment, text(self, raw)),
                RawBlock::Quote(inner) => Block::Quote(self.blocks(inner, chapter, paragraph)),
                RawBlock::List { start, items } => Block::List {
                    start: *start,
                    items: items
                        .iter()
                        .map(|item| self.blocks(item, chapter, paragraph))
                        .collect(),
                },
                RawBlock::Picture(_) => continue,
                // Each cell is a paragraph to the typography rules.
                RawBlock::Table(rows) => Block::Table(
                    rows.iter()
                        .map(|row| {
                            row.iter()
                                .map(|cell| Cell {
                                    text: text(self, &cell.text),
                                    ..*cell
                                })
                                .collect()
                        })
                        .collect(),
                ),
            });
        }
        blocks
    }

    fn paragraph(&mut self, paragraph: &Paragraph, place: Place) -> Paragraph {
        let mut outcome = normalize_paragraph(paragraph, self.rules);
        self.record(outcome.counts, outcome.ambiguous, place);
        if self.tight {
            // The text is the rules' own buffer, with room to spare.
            outcome.paragraph.shrink_to_fit();
        }
        outcome.paragraph
    }

    /// Titles are plain text.
    fn plain(&mut self, text: &str, place: Place) -> String {
        let (text, counts, ambiguous) = normalize_text(text, self.rules);
        self.record(counts, ambiguous, place);
        text
    }

    fn record(&mut self, counts: Counts, ambiguous: Vec<String>, place: Place) {
        self.report.counts.merge(&counts);
        self.report
            .ambiguous
            .extend(ambiguous.into_iter().map(|context| Ambiguous {
                place: place.clone(),
                context,
            }));
    }
}

/// The result of normalizing one paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub paragraph: Paragraph,
    pub counts: Counts,
    /// Context of each ambiguous single quote.
    pub ambiguous: Vec<String>,
}

/// Applies every rule that is on to one paragraph, in the registry's order. The rules see
/// the paragraph's whole text, across its emphasis and other spans (so that a quote mark
/// just inside `<em>` pairs with one outside it), and the spans are laid back over the
/// text they changed.
pub fn normalize_paragraph(paragraph: &Paragraph, rules: &Rules) -> Outcome {
    let (text, mut counts, ambiguous) = normalize_text(paragraph.text(), rules);
    if paragraph.edges().is_empty() {
        return Outcome {
            paragraph: Paragraph::plain(text),
            counts,
            ambiguous,
        };
    }
    // The spans a reader found in markers are what the markup rules did.
    let spans = paragraph.spans();
    for rule in Rule::ALL {
        if matches!(rule.entry().pass, Pass::Markup) && rules.is_on(rule) {
            counts.add(rule, spans);
        }
    }
    Outcome {
        paragraph: inline::relay(paragraph, text),
        counts,
        ambiguous,
    }
}

/// Applies every rule that is on to a text.
fn normalize_text(text: &str, rules: &Rules) -> (String, Counts, Vec<String>) {
    let mut counts = Counts::default();
    let mut ambiguous = Vec::new();
    let mut seen = Seen::scan(text);
    let mut cleaned: Option<String> = None;
    for rule in Rule::ALL {
        if let Pass::Clean(clean) = rule.entry().pass {
            if rules.is_on(rule) && !seen.clean {
                let (clean, changes) = clean(cleaned.as_deref().unwrap_or(text));
                counts.add(rule, changes);
                // No rule adds the characters another looks for, so one scan tells which
                // can apply.
                seen = Seen::scan(&clean);
                cleaned = Some(clean);
            }
        }
    }
    let mut text = cleaned.unwrap_or_else(|| {
        // Room to grow: rules turn one-byte marks into three-byte curly quotes.
        let mut copy = String::with_capacity(rules::roomy(text.len()));
        copy.push_str(text);
        copy
    });
    let mut protected = if seen.protectable {
        Protected::find(&text)
    } else {
        Protected::default()
    };
    for rule in Rule::ALL {
        if let Pass::Edit { applies, run } = rule.entry().pass {
            if rules.is_on(rule) && applies(&seen) {
                counts.add(rule, run(&mut text, &protected, &mut ambiguous));
                // Rules never change protected text, but they move it.
                if !protected.is_empty() {
                    protected = Protected::find(&text);
                }
            }
        }
    }
    (text, counts, ambiguous)
}

/// Which rules a paragraph can need at all.
#[derive(Debug, Default)]
struct Seen {
    quotes: bool,
    /// Two periods in a row, `. .`, or an ellipsis character.
    dot_runs: bool,
    dashes: bool,
    /// Text no rule may change, such as a web address, can be there.
    protectable: bool,
    /// Printable ASCII with single spaces inside and none at the ends, no backticks:
    /// nothing for clean-up to do.
    clean: bool,
}

impl Seen {
    /// Looks at the text's bytes, all at once, which is much faster than looking at
    /// characters. It may say a rule applies when it does not (the rule then changes
    /// nothing), never the reverse.
    fn scan(text: &str) -> Seen {
        const QUOTES: u8 = 1;
        const DASHES: u8 = 2;
        const DOT_RUNS: u8 = 4;
        // What a web address, comment or tag needs: `:`, `<`, `>` or `www.`.
        const PROTECTABLE: u8 = 16;
        const UNCLEAN: u8 = 32;
        let bytes = text.as_bytes();
        // ‘ ’ – — … are E2 80 xx in UTF-8, and ´ is C2 B4.
        // Bitwise operators rather than `&&` and `||`, so that there is nothing to branch on.
        let classes = rules::byte_classes(bytes, |a, b, c| {
            let wide = (a == 0xE2) & (b == 0x80);
            let quotes = (a == b'\'')
                | (a == b'"')
                | (a == b'`')
                | (wide & ((c == 0x98) | (c == 0x99)))
                | ((a == 0xC2) & (b == 0xB4));
            let dashes = (a == b'-') | (wide & ((c == 0x93) | (c == 0x94)));
            let dot = a == b'.';
            let dot_runs =
                (dot & ((b == b'.') | ((b == b' ') & (c == b'.')))) | (wide & (c == 0xA6));
            let www = ((a | 0x20) == b'w') & ((b | 0x20) == b'w') & (c == b'.');
            let protectable = (a == b':') | (a == b'<') | (a == b'>') | www;
            let unclean = !(b' '..=b'~').contains(&a) | (a == b'`') | ((a == b' ') & (b == b' '));
            let bit = |on: bool, flag: u8| u8::from(on) * flag;
            bit(quotes, QUOTES)
                | bit(dashes, DASHES)
                | bit(dot_runs, DOT_RUNS)
                | bit(protectable, PROTECTABLE)
                | bit(unclean, UNCLEAN)
        });
        let dot_runs = classes & DOT_RUNS != 0
            // Periods apart by a tab or by several spaces are also a run, and only text that
            // clean-up would change has those: look closer only then.
            || (classes & UNCLEAN != 0
                && memchr::memchr_iter(b'.', bytes).any(|i| {
                    // Another period after this one, past spaces.
                    let rest = &bytes[i + 1..];
                    let spaces = rest
                        .iter()
                        .take_while(|&&b| b == b' ' || b == b'\t')
                        .count();
                    rest.get(spaces) == Some(&b'.')
                }));
        Seen {
            quotes: classes & QUOTES != 0,
            dot_runs,
            dashes: classes & DASHES != 0,
            protectable: classes & PROTECTABLE != 0,
            clean: classes & UNCLEAN == 0
                && bytes.first() != Some(&b' ')
                && bytes.last() != Some(&b' '),
        }
    }
}

mod inline;
mod rules;
#[cfg(test)]
mod tests;
