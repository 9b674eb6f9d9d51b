//! Typography: the rules of `docs/typography.md`, applied to every piece of text a reader
//! sees, and the step that turns a parsed [`Story`] into a [`Book`].
//!
//! Text is handled as a vector of [`Ch`]: a character plus flags that one rule leaves for a
//! later one (a URL to leave alone, an apostrophe that can close a quotation). Each rule is
//! one pass over that vector, so the whole stage stays linear in the length of the text.

use crate::book::{Block, Book, Chapter, Inline, Metadata, Note, Paragraph};
use crate::parse::{RawBlock, RawChapter, Story};
use serde::Serialize;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// One typography rule, in the order they are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Unicode NFC, control characters, runs of spaces, backtick apostrophes.
    Cleanup,
    /// `''` and `’’` as one double quote mark.
    DoubledQuotes,
    /// Apostrophes inside words, before decades, in elisions and at word ends.
    Apostrophes,
    /// Straight double and single quotes made curly.
    Quotes,
    /// Runs of periods as one ellipsis character.
    Ellipses,
    /// Em dashes, interrupted speech and en dashes in number ranges.
    Dashes,
    /// `*text*` and `_text_` as emphasis.
    Emphasis,
}

impl Rule {
    pub const ALL: [Rule; 7] = [
        Rule::Cleanup,
        Rule::DoubledQuotes,
        Rule::Apostrophes,
        Rule::Quotes,
        Rule::Ellipses,
        Rule::Dashes,
        Rule::Emphasis,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::Cleanup => "cleanup",
            Rule::DoubledQuotes => "doubled-quotes",
            Rule::Apostrophes => "apostrophes",
            Rule::Quotes => "quotes",
            Rule::Ellipses => "ellipses",
            Rule::Dashes => "dashes",
            Rule::Emphasis => "emphasis",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Which rules are on. All are on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    on: [bool; 7],
}

impl Default for Rules {
    fn default() -> Self {
        Rules { on: [true; 7] }
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

    pub fn is_on(&self, rule: Rule) -> bool {
        self.on[rule.index()]
    }
}

/// How many changes each rule made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts([usize; 7]);

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
        let mut map = s.serialize_map(Some(7))?;
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

/// Book-level facts that do not come from the story text.
#[derive(Debug, Clone, PartialEq)]
pub struct BookInfo {
    pub title: String,
    pub author: String,
    pub language: String,
    pub identifier: Option<String>,
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// Turns a parsed story into a book, normalizing every text a reader sees.
pub fn normalize_story(story: &Story, info: BookInfo, rules: &Rules) -> (Book, Report) {
    use rayon::prelude::*;

    let mut normalizer = Normalizer {
        rules,
        report: Report::default(),
    };
    let title = normalizer.plain(&info.title, Place::Title);
    let description = story
        .description
        .iter()
        .enumerate()
        .map(|(i, text)| normalizer.paragraph(text, Place::Description { paragraph: i + 1 }))
        .collect();
    // Chapters are independent, so they are normalized in parallel; reports are merged in
    // chapter order so that the result never depends on the schedule.
    let chapters: Vec<(Chapter, Report)> = story
        .chapters
        .par_iter()
        .enumerate()
        .map(|(index, raw)| {
            let mut normalizer = Normalizer {
                rules,
                report: Report::default(),
            };
            let chapter = normalizer.chapter(index + 1, raw);
            (chapter, normalizer.report)
        })
        .collect();
    let mut report = normalizer.report;
    let chapters = chapters
        .into_iter()
        .map(|(chapter, chapter_report)| {
            report.counts.merge(&chapter_report.counts);
            report.ambiguous.extend(chapter_report.ambiguous);
            chapter
        })
        .collect();
    let book = Book {
        metadata: Metadata {
            title,
            author: info.author,
            language: info.language,
            identifier: info.identifier,
            modified: info.modified,
        },
        description,
        chapters,
    };
    (book, report)
}

struct Normalizer<'a> {
    rules: &'a Rules,
    report: Report,
}

impl Normalizer<'_> {
    /// `chapter` counts from 1.
    fn chapter(&mut self, chapter: usize, raw: &RawChapter) -> Chapter {
        let (title, titled) = match &raw.title {
            Some(t) => (self.plain(t, Place::ChapterTitle { chapter }), true),
            None => (format!("Chapter {chapter}"), false),
        };
        let mut paragraph = 0;
        let blocks = raw
            .blocks
            .iter()
            .map(|block| match block {
                RawBlock::SceneBreak => Block::SceneBreak,
                RawBlock::Paragraph(text) => {
                    paragraph += 1;
                    Block::Paragraph(self.paragraph(text, Place::Chapter { chapter, paragraph }))
                }
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
        }
    }

    fn paragraph(&mut self, text: &str, place: Place) -> Paragraph {
        let outcome = normalize_paragraph(text, self.rules);
        self.record(outcome.counts, outcome.ambiguous, place);
        outcome.paragraph
    }

    /// Titles are plain text: emphasis markers in them are dropped, not shown.
    fn plain(&mut self, text: &str, place: Place) -> String {
        self.paragraph(text, place).plain_text()
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

/// Applies every rule that is on to one paragraph of raw text.
pub fn normalize_paragraph(text: &str, rules: &Rules) -> Outcome {
    let mut counts = Counts::default();
    let mut ambiguous = Vec::new();
    let mut chars = if rules.is_on(Rule::Cleanup) {
        cleanup(text, &mut counts)
    } else {
        to_chars(text)
    };
    mark_protected(text, &mut chars);
    // Passes that rewrite the text swap between `chars` and this buffer.
    let mut scratch = Vec::new();
    // No rule adds the characters another looks for, so one scan tells which can apply.
    let seen = Seen::scan(text);
    if rules.is_on(Rule::DoubledQuotes) && seen.quotes {
        counts.add(
            Rule::DoubledQuotes,
            doubled_quotes(&mut chars, &mut scratch),
        );
    }
    if rules.is_on(Rule::Apostrophes) && seen.quotes {
        counts.add(Rule::Apostrophes, apostrophes(&mut chars));
    }
    if rules.is_on(Rule::Quotes) && seen.quotes {
        counts.add(
            Rule::Quotes,
            quotes(&mut chars, &mut scratch, &mut ambiguous),
        );
    }
    if rules.is_on(Rule::Ellipses) && seen.dot_runs {
        counts.add(Rule::Ellipses, ellipses(&mut chars, &mut scratch));
    }
    if rules.is_on(Rule::Dashes) && seen.dashes {
        counts.add(Rule::Dashes, dashes(&mut chars, &mut scratch));
    }
    let paragraph = if rules.is_on(Rule::Emphasis) && seen.markers >= 2 {
        let (inlines, spans) = emphasis(&chars);
        counts.add(Rule::Emphasis, spans);
        Paragraph(inlines)
    } else {
        Paragraph(vec![Inline::Text(chars.iter().map(|c| c.c).collect())])
    };
    Outcome {
        paragraph,
        counts,
        ambiguous,
    }
}

/// Which rules a paragraph can need at all.
#[derive(Debug, Default)]
struct Seen {
    quotes: bool,
    /// Two periods in a row, `. .`, or an ellipsis character.
    dot_runs: bool,
    dashes: bool,
    /// Emphasis markers: a span needs at least two.
    markers: usize,
}

impl Seen {
    /// Looks at the raw text's bytes, which is much faster than looking at characters.
    /// It may say a rule applies when it does not (the rule then changes nothing), never
    /// the reverse: clean-up can only turn a backtick into an apostrophe and close up
    /// spaces, and both are allowed for.
    fn scan(text: &str) -> Seen {
        use memchr::{memchr, memchr2, memchr3};
        let bytes = text.as_bytes();
        let non_ascii = !text.is_ascii();
        let has = |c: char| non_ascii && text.contains(c);
        let quotes =
            memchr3(b'\'', b'"', b'`', bytes).is_some() || has('‘') || has('’') || has('´');
        let dashes = memchr(b'-', bytes).is_some() || has('—') || has('–');
        let dot_runs = has('…')
            || memchr::memchr_iter(b'.', bytes).any(|i| {
                // Another period after this one, perhaps past spaces: ". ." or "..".
                let rest = &bytes[i + 1..];
                let spaces = rest
                    .iter()
                    .take_while(|&&b| b == b' ' || b == b'\t')
                    .count();
                rest.get(spaces) == Some(&b'.')
            });
        let markers = if memchr2(b'*', b'_', bytes).is_some() {
            bytes.iter().filter(|&&b| b == b'*' || b == b'_').count()
        } else {
            0
        };
        Seen {
            quotes,
            dot_runs,
            dashes,
            markers,
        }
    }
}

/// A character and what earlier rules learned about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ch {
    c: char,
    /// Part of a URL or of markup-looking text: no rule touches it.
    protected: bool,
    /// A word-final apostrophe (rule 3), which can close a single quotation (rule 4).
    closer: bool,
}

impl Ch {
    fn new(c: char) -> Ch {
        Ch {
            c,
            protected: false,
            closer: false,
        }
    }
}

/// An empty buffer with room for `capacity` characters, reusing `scratch`'s memory.
fn take_buffer(scratch: &mut Vec<Ch>, capacity: usize) -> Vec<Ch> {
    let mut buffer = std::mem::take(scratch);
    buffer.clear();
    buffer.reserve(capacity);
    buffer
}

fn to_chars(text: &str) -> Vec<Ch> {
    if text.is_ascii() {
        text.bytes().map(|b| Ch::new(char::from(b))).collect()
    } else {
        text.chars().map(Ch::new).collect()
    }
}

fn at(chars: &[Ch], i: usize) -> Option<char> {
    chars.get(i).map(|c| c.c)
}

fn before(chars: &[Ch], i: usize) -> Option<char> {
    i.checked_sub(1).and_then(|j| at(chars, j))
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—')
}

fn is_opening_bracket(c: char) -> bool {
    matches!(c, '(' | '[' | '{')
}

/// After this, a quote mark opens: the start, a space, an opening bracket, a dash or an
/// opening quote.
fn opens_after(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => c.is_whitespace() || is_opening_bracket(c) || is_dash(c) || c == '‘' || c == '“',
    }
}

// ---- rule 1: clean-up ----

fn cleanup(text: &str, counts: &mut Counts) -> Vec<Ch> {
    let mut changes = 0;
    let nfc: String;
    let text = if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        nfc = text.nfc().collect();
        if nfc != text {
            changes += 1;
        }
        &nfc
    };
    if is_clean_ascii(text) {
        return to_chars(text);
    }
    let mut out: Vec<Ch> = Vec::with_capacity(text.len());
    for c in text.chars() {
        // Tabs and line ends inside a paragraph are just spaces.
        let c = match c {
            '\t' | '\n' => ' ',
            c if is_forbidden_in_xml(c) => {
                changes += 1;
                continue;
            }
            c => c,
        };
        if c == ' ' && (out.is_empty() || out.last().is_some_and(|p| p.c == ' ')) {
            changes += 1;
            continue;
        }
        out.push(Ch::new(c));
    }
    while out.last().is_some_and(|c| c.c == ' ') {
        out.pop();
        changes += 1;
    }
    // A backtick or acute accent touching a letter was typed for an apostrophe.
    if !text.contains(['`', '´']) {
        counts.add(Rule::Cleanup, changes);
        return out;
    }
    for i in 0..out.len() {
        if matches!(out[i].c, '`' | '´') {
            let letter_before = before(&out, i).is_some_and(char::is_alphabetic);
            let letter_after = at(&out, i + 1).is_some_and(char::is_alphabetic);
            if letter_before || letter_after {
                out[i].c = '\'';
                changes += 1;
            }
        }
    }
    counts.add(Rule::Cleanup, changes);
    out
}

/// Text the clean-up would leave as it is, found by one fast pass over the bytes: the
/// common case.
fn is_clean_ascii(text: &str) -> bool {
    let bytes = text.as_bytes();
    let edges_ok = bytes.first() != Some(&b' ') && bytes.last() != Some(&b' ');
    edges_ok
        && bytes
            .iter()
            .all(|&b| (b' '..=b'~').contains(&b) && b != b'`')
        && !bytes.windows(2).any(|w| w == b"  ")
}

/// Characters that XML 1.0 forbids or that are invisible controls.
fn is_forbidden_in_xml(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

// ---- text no rule may change ----

/// Marks web addresses and HTML comment markers, which no rule may change.
fn mark_protected(text: &str, chars: &mut [Ch]) {
    // Searching the bytes spares the character scans in nearly every paragraph.
    let bytes = text.as_bytes();
    let find = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
    let url = memchr::memchr(b':', bytes).is_some() && (find(b"://") || find(b"mailto:"))
        || find(b"www.")
        || find(b"WWW.");
    let comment = memchr::memchr2(b'<', b'>', bytes).is_some() && (find(b"<!--") || find(b"-->"));
    if url {
        mark_urls(chars);
    }
    if !comment {
        return;
    }
    for marker in ["<!--", "-->"] {
        let marker: Vec<char> = marker.chars().collect();
        for start in 0..chars.len().saturating_sub(marker.len() - 1) {
            let window = &chars[start..start + marker.len()];
            if window.iter().map(|c| c.c).eq(marker.iter().copied()) {
                for ch in &mut chars[start..start + marker.len()] {
                    ch.protected = true;
                }
            }
        }
    }
}

fn mark_urls(chars: &mut [Ch]) {
    let mut i = 0;
    while i < chars.len() {
        let word_start = i == 0 || !chars[i - 1].c.is_alphanumeric();
        if word_start && starts_url(&chars[i..]) {
            let mut end = i;
            while end < chars.len() && !chars[end].c.is_whitespace() {
                end += 1;
            }
            // Sentence punctuation right after an address is not part of it.
            while end > i
                && matches!(
                    chars[end - 1].c,
                    '.' | ',' | ';' | ':' | '!' | '?' | ')' | '"' | '\'' | '”' | '’'
                )
            {
                end -= 1;
            }
            for ch in &mut chars[i..end] {
                ch.protected = true;
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

fn starts_url(chars: &[Ch]) -> bool {
    const PREFIXES: [&str; 5] = ["http://", "https://", "ftp://", "www.", "mailto:"];
    PREFIXES.iter().any(|prefix| {
        prefix.len() < chars.len()
            && prefix
                .chars()
                .zip(chars)
                .all(|(p, c)| p == c.c.to_ascii_lowercase())
    })
}

// ---- rule 2: doubled quote marks ----

fn is_single_mark(c: char) -> bool {
    matches!(c, '\'' | '‘' | '’')
}

/// `''` is `"`; in a run of three, the odd mark goes inside: `'''Tis` is `"'Tis`, `no.'''`
/// is `no.'"`.
fn doubled_quotes(chars: &mut Vec<Ch>, scratch: &mut Vec<Ch>) -> usize {
    let mut changes = 0;
    let mut out = take_buffer(scratch, chars.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_single_mark(chars[i].c) || chars[i].protected {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_single_mark(chars[i].c) && !chars[i].protected {
            i += 1;
        }
        let run = i - start;
        if run == 1 {
            out.push(chars[start]);
            continue;
        }
        changes += 1;
        let opening =
            opens_after(before(chars, start)) && at(chars, i).is_some_and(|c| !c.is_whitespace());
        let doubles = run / 2;
        let odd = run % 2 == 1;
        if odd && !opening {
            out.push(Ch::new('\''));
        }
        out.extend(std::iter::repeat_n(Ch::new('"'), doubles));
        if odd && opening {
            out.push(Ch::new('\''));
        }
    }
    *scratch = std::mem::replace(chars, out);
    changes
}

// ---- rule 3: apostrophes ----

const ELISIONS: &[&str] = &[
    "em",
    "im",
    "er",
    "n",
    "cause",
    "cos",
    "bout",
    "til",
    "kay",
    "sup",
    "nother",
    "ello",
    "ere",
    "fore",
    "round",
    "twas",
    "tis",
    "twere",
    "tween",
    "gainst",
    "neath",
    "scuse",
    "course",
    "cept",
    "nuff",
    "specially",
    "member",
    "fraid",
];

fn apostrophes(chars: &mut [Ch]) -> usize {
    let mut changes = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].c != '\'' || chars[i].protected {
            i += 1;
            continue;
        }
        let prev = before(chars, i);
        let next = at(chars, i + 1);
        let prev_alnum = prev.is_some_and(char::is_alphanumeric);
        let next_letter = next.is_some_and(char::is_alphabetic);
        if prev_alnum && next_letter {
            // don't, y'know, rock'n'roll, the 90's
            chars[i].c = '’';
            changes += 1;
        } else if !prev_alnum && is_decade(chars, i + 1) {
            chars[i].c = '’';
            changes += 1;
        } else if let Some(len) = elision_after(chars, i) {
            chars[i].c = '’';
            changes += 1;
            // The closing mark of 'n' goes with it.
            if len == 1 && at(chars, i + 2) == Some('\'') {
                chars[i + 2].c = '’';
                chars[i + 2].closer = true;
                changes += 1;
                i += 2;
            }
        } else if prev.is_some_and(char::is_alphabetic)
            && next.is_none_or(|c| c.is_whitespace() || !c.is_alphanumeric())
        {
            // goin', the ponies' leader
            chars[i].c = '’';
            chars[i].closer = true;
            changes += 1;
        }
        i += 1;
    }
    changes
}

/// Two digits and no third: '80s, '07.
fn is_decade(chars: &[Ch], i: usize) -> bool {
    at(chars, i).is_some_and(|c| c.is_ascii_digit())
        && at(chars, i + 1).is_some_and(|c| c.is_ascii_digit())
        && !at(chars, i + 2).is_some_and(|c| c.is_ascii_digit())
}

/// The length of the elided word after an apostrophe at `i` in opening position.
fn elision_after(chars: &[Ch], i: usize) -> Option<usize> {
    if !opens_after(before(chars, i)) && before(chars, i) != Some('"') {
        return None;
    }
    let word_len = chars[i + 1..]
        .iter()
        .take_while(|c| c.c.is_alphabetic())
        .count();
    if word_len == 0 || word_len > 9 {
        return None;
    }
    let word = &chars[i + 1..i + 1 + word_len];
    let is_elision = |elision: &&str| {
        elision.len() == word_len
            && elision
                .chars()
                .zip(word)
                .all(|(e, w)| w.c.to_ascii_lowercase() == e)
    };
    let elision = ELISIONS.iter().find(|e| is_elision(e))?;
    // 'n' is only an elision with its closing mark: rock 'n' roll.
    if *elision == "n" && at(chars, i + 2) != Some('\'') {
        return None;
    }
    Some(word_len)
}

// ---- rule 4: quotes ----

fn quotes(chars: &mut Vec<Ch>, scratch: &mut Vec<Ch>, ambiguous: &mut Vec<String>) -> usize {
    let mut changes = 0;
    // Whether a mark that can close a single quotation follows each position.
    let mut closer_after = vec![false; chars.len()];
    let mut seen = false;
    for i in (0..chars.len()).rev() {
        closer_after[i] = seen;
        let c = chars[i];
        let closes = !c.protected
            && ((c.c == '\'' && !in_opening_position(chars, i))
                || (c.c == '’' && (c.closer || is_word_final(chars, i))));
        seen |= closes;
    }
    let mut out = take_buffer(scratch, chars.len() + 4);
    let mut double_open = false;
    for i in 0..chars.len() {
        let mut ch = chars[i];
        if ch.protected {
            out.push(ch);
            continue;
        }
        match ch.c {
            '"' => {
                let prev = out.last().map(|c| c.c);
                let next = at(chars, i + 1);
                let opening = if opens_after(prev) {
                    next.is_some_and(|c| !c.is_whitespace())
                } else {
                    // Glued between text on both sides ("window,"Well" or "Hi,"she): the
                    // quotation so far decides.
                    next.is_some_and(char::is_alphanumeric) && !double_open
                };
                ch.c = if opening { '“' } else { '”' };
                // A closing mark set off by a space ("around '' he said") belongs to the
                // word before it.
                if !opening && double_open && prev == Some(' ') {
                    out.pop();
                }
                double_open = opening;
                changes += 1;
                if opening && prev.is_some_and(|c| c.is_alphanumeric() || ",;:.!?".contains(c)) {
                    out.push(Ch::new(' '));
                }
                out.push(ch);
                if !opening && next.is_some_and(char::is_alphanumeric) {
                    out.push(Ch::new(' '));
                }
                continue;
            }
            '“' => double_open = true,
            '”' => double_open = false,
            '\'' => {
                let prev = out.last().map(|c| c.c);
                let next = at(chars, i + 1);
                let opening_position =
                    opens_after(prev) && next.is_some_and(|c| !c.is_whitespace());
                changes += 1;
                if opening_position && closer_after[i] {
                    ch.c = '‘';
                } else {
                    ch.c = '’';
                    if opening_position {
                        ambiguous.push(context_around(&out, chars, i));
                    }
                }
            }
            _ => {}
        }
        out.push(ch);
    }
    *scratch = std::mem::replace(chars, out);
    changes
}

fn in_opening_position(chars: &[Ch], i: usize) -> bool {
    opens_after(before(chars, i)) && at(chars, i + 1).is_some_and(|c| !c.is_whitespace())
}

fn is_word_final(chars: &[Ch], i: usize) -> bool {
    before(chars, i).is_some_and(char::is_alphabetic)
        && at(chars, i + 1).is_none_or(|c| !c.is_alphanumeric())
}

/// Up to 30 characters either side of position `i`, for the report.
fn context_around(done: &[Ch], rest: &[Ch], i: usize) -> String {
    let start = done.len().saturating_sub(30);
    let mut context: String = done[start..].iter().map(|c| c.c).collect();
    context.push('’');
    context.extend(rest.iter().skip(i + 1).take(30).map(|c| c.c));
    context
}

// ---- rule 5: ellipses ----

fn ellipses(chars: &mut Vec<Ch>, scratch: &mut Vec<Ch>) -> usize {
    let mut changes = 0;
    let mut out = take_buffer(scratch, chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.protected || !matches!(c.c, '.' | '…') {
            out.push(c);
            i += 1;
            continue;
        }
        let (end, dots, spaced) = dot_run(chars, i);
        let is_range = dots == 2
            && !spaced
            && end - i == 2
            && before(chars, i).is_some_and(|c| c.is_ascii_digit())
            && at(chars, end).is_some_and(|c| c.is_ascii_digit());
        if dots < 2 || is_range {
            out.extend_from_slice(&chars[i..end]);
            i = end;
            continue;
        }
        let original_len = out.len();
        // Commas, spaces and stray periods touching the run on the left go, unless the
        // run leads the sentence ("…and then", "“…what").
        let mut kept = out.len();
        while kept > 0
            && matches!(out[kept - 1].c, ',' | ' ' | '.' | '…')
            && !out[kept - 1].protected
        {
            kept -= 1;
        }
        let leading = kept == 0 || opens_after(Some(out[kept - 1].c));
        let removed_left: Vec<Ch> = if leading {
            Vec::new()
        } else {
            out.split_off(kept)
        };
        // On the right, commas and further dots touching the run go too, and spaces are
        // set anew.
        let mut j = end;
        let mut space_after = false;
        while let Some(c @ (',' | ' ' | '.' | '…')) = at(chars, j) {
            if chars[j].protected {
                break;
            }
            space_after |= c == ' ';
            j += 1;
        }
        out.push(Ch::new('…'));
        match at(chars, j) {
            None => {}
            Some(next) if leading && next.is_alphanumeric() => {}
            Some(next) if next.is_alphanumeric() || matches!(next, '“' | '‘') => {
                out.push(Ch::new(' '))
            }
            // A straight quote (with the quotes rule off) opens when text follows it.
            Some('"') if at(chars, j + 1).is_some_and(|c| !c.is_whitespace()) => {
                out.push(Ch::new(' '))
            }
            Some('”' | '’' | ')' | ']' | '}' | '?' | '!' | ',' | ';' | ':') => {}
            Some(_) if space_after => out.push(Ch::new(' ')),
            Some(_) => {}
        }
        let mut replaced = removed_left;
        replaced.extend_from_slice(&chars[i..j]);
        let written = &out[if leading { original_len } else { kept }..];
        if replaced.iter().map(|c| c.c).ne(written.iter().map(|c| c.c)) {
            changes += 1;
        }
        i = j;
    }
    *scratch = std::mem::replace(chars, out);
    changes
}

/// The end of a run of periods and ellipsis characters starting at `i`, with the number of
/// periods it is worth and whether spaces separate them (`. . .`).
fn dot_run(chars: &[Ch], i: usize) -> (usize, usize, bool) {
    let mut j = i;
    let mut dots = 0;
    let mut spaced = false;
    loop {
        match at(chars, j) {
            Some('.') if !chars[j].protected => {
                dots += 1;
                j += 1;
            }
            Some('…') if !chars[j].protected => {
                dots += 3;
                j += 1;
            }
            Some(' ') if dots > 0 && matches!(at(chars, j + 1), Some('.' | '…')) => {
                spaced = true;
                j += 1;
            }
            _ => break,
        }
    }
    // "end. . And" is a stray period, not a spaced ellipsis: spaced runs need three dots.
    if spaced && dots < 3 {
        let first_end = i + chars[i..].iter().take_while(|c| c.c == '.').count();
        let dots = first_end - i;
        return (first_end.max(i + 1), dots, false);
    }
    (j, dots, spaced)
}

// ---- rule 6: dashes ----

fn dashes(chars: &mut Vec<Ch>, scratch: &mut Vec<Ch>) -> usize {
    let mut changes = 0;
    let mut out = take_buffer(scratch, chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.protected || !is_dash(c.c) {
            out.push(c);
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && is_dash(chars[end].c) && !chars[end].protected {
            end += 1;
        }
        let prev = out.last().map(|c| c.c);
        let next = at(chars, end);
        // A single hyphen or en dash spaced between words is a dash of the sentence.
        let spaced = prev == Some(' ')
            && next == Some(' ')
            && out.len() >= 2
            && at(chars, end + 1).is_some();
        let em = if end - i >= 2 || c.c == '—' {
            true
        } else if c.c == '–' {
            spaced || closes_speech(next)
        } else {
            // A hyphen is also cut-off speech before a closing quote or at the very end.
            let cut_off =
                prev.is_some_and(char::is_alphabetic) && (closes_speech(next) || next.is_none());
            spaced || cut_off
        };
        if em {
            // Closed up: spaces on both sides go, and never two dashes in a row, so
            // dashes and spaces next to it merge into it.
            let mut popped = 0;
            while out
                .last()
                .is_some_and(|c| (c.c == ' ' || is_dash(c.c)) && !c.protected)
            {
                out.pop();
                popped += 1;
            }
            let mut j = end;
            while let Some(next) = at(chars, j) {
                let mergeable = next == ' ' || is_dash(next);
                if !mergeable || chars[j].protected || (next == ' ' && at(chars, j + 1).is_none()) {
                    break;
                }
                j += 1;
            }
            out.push(Ch::new('—'));
            let unchanged = end - i == 1 && c.c == '—' && popped == 0 && j == end;
            if !unchanged {
                changes += 1;
            }
            i = j;
        } else if c.c == '-' && is_number_range(chars, i) {
            out.push(Ch::new('–'));
            changes += 1;
            i = end;
        } else {
            out.push(c);
            i = end;
        }
    }
    *scratch = std::mem::replace(chars, out);
    changes
}

fn closes_speech(next: Option<char>) -> bool {
    matches!(next, Some('”' | '’'))
}

/// `1990-1995` or `10-12`, but not an ISO date, a phone number or part of a code such as
/// `A-12` or `v1.2-3`.
fn is_number_range(chars: &[Ch], i: usize) -> bool {
    let is_part = |c: &Ch| c.c.is_ascii_digit() || c.c == '-';
    let start = i - chars[..i].iter().rev().take_while(|c| is_part(c)).count();
    let end = i + 1 + chars[i + 1..].iter().take_while(|c| is_part(c)).count();
    let token = &chars[start..end];
    let hyphens = token.iter().filter(|c| c.c == '-').count();
    let (left, right) = (i - start, end - i - 1);
    let glued_before = before(chars, start)
        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '/' | '.' | ':' | '+' | '#' | ','));
    let glued_after = at(chars, end).is_some_and(|c| {
        c.is_alphanumeric()
            || matches!(c, '/' | ':' | '+' | '#')
            || (matches!(c, '.' | ',') && at(chars, end + 1).is_some_and(|n| n.is_ascii_digit()))
    });
    hyphens == 1
        && (1..=4).contains(&left)
        && (1..=4).contains(&right)
        && !(left == 3 && right == 4)
        && !glued_before
        && !glued_after
}

// ---- rule 7: emphasis ----

/// Reads `*text*` and `_text_` as emphasis with pulldown-cmark.
fn emphasis(chars: &[Ch]) -> (Vec<Inline>, usize) {
    let text_of = |part: &[Ch]| part.iter().map(|c| c.c).collect::<String>();
    let is_marker = |c: &Ch| matches!(c.c, '*' | '_') && !c.protected;
    let first = chars.iter().position(is_marker);
    let last = chars.iter().rposition(is_marker);
    let (Some(first), Some(last)) = (first, last) else {
        return (vec![Inline::Text(text_of(chars))], 0);
    };
    // Emphasis can only lie between the first and the last marker, and whether a marker
    // opens or closes depends only on the characters beside it: that stretch, with one
    // character either side, is all pulldown-cmark needs to read.
    let start = first.saturating_sub(1);
    let end = (last + 2).min(chars.len());
    let (middle, spans) = emphasis_in(&chars[start..end]);
    if spans == 0 {
        return (vec![Inline::Text(text_of(chars))], 0);
    }
    // pulldown-cmark trims the spaces at the edges of what it reads: put them back.
    let mut inlines = vec![Inline::Text(text_of(&chars[..start]))];
    if start < first && chars[start].c.is_whitespace() {
        push_text(&mut inlines, &chars[start].c.to_string());
    }
    for inline in middle {
        match inline {
            Inline::Text(text) => push_text(&mut inlines, &text),
            span => inlines.push(span),
        }
    }
    if end > last + 1 && chars[end - 1].c.is_whitespace() {
        push_text(&mut inlines, &chars[end - 1].c.to_string());
    }
    push_text(&mut inlines, &text_of(&chars[end..]));
    inlines.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
    (inlines, spans)
}

/// Emphasis in a stretch of text, after escaping every other Markdown character so that
/// nothing else of Markdown can happen.
fn emphasis_in(chars: &[Ch]) -> (Vec<Inline>, usize) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    let plain = || vec![Inline::Text(chars.iter().map(|c| c.c).collect())];
    // Only markers and spaces would make a thematic break; it is text.
    let only_markers = chars.iter().all(|c| matches!(c.c, '*' | '_' | ' '));
    let mut markdown = String::with_capacity(chars.len() + 16);
    for (i, ch) in chars.iter().enumerate() {
        let is_marker = matches!(ch.c, '*' | '_');
        // Spaces on both sides: it can neither open nor close, but could start a list.
        let isolated = before(chars, i).is_none_or(char::is_whitespace)
            && at(chars, i + 1).is_none_or(char::is_whitespace);
        if ch.c.is_ascii_punctuation() && (!is_marker || ch.protected || only_markers || isolated) {
            markdown.push('\\');
        }
        markdown.push(ch.c);
    }

    // A stack of open spans; the bottom one is the paragraph itself.
    struct Open {
        strong: Option<bool>,
        delimiter: char,
        inlines: Vec<Inline>,
    }
    let open = |strong, delimiter| Open {
        strong,
        delimiter,
        inlines: Vec::new(),
    };
    let mut stack: Vec<Open> = vec![open(None, '*')];
    let mut spans = 0;
    for (event, range) in Parser::new_ext(&markdown, Options::empty()).into_offset_iter() {
        let delimiter = markdown[range.start..].chars().next().unwrap_or('*');
        match event {
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            Event::Start(Tag::Emphasis) => stack.push(open(Some(false), delimiter)),
            Event::Start(Tag::Strong) => stack.push(open(Some(true), delimiter)),
            Event::End(TagEnd::Emphasis | TagEnd::Strong) => {
                let Some(Open {
                    strong: Some(strong),
                    delimiter,
                    inlines,
                }) = stack.pop()
                else {
                    return (plain(), 0);
                };
                let Some(parent) = stack.last_mut() else {
                    return (plain(), 0);
                };
                let inner_text = Paragraph(inlines.clone()).plain_text();
                if inner_text.chars().any(char::is_alphanumeric) {
                    spans += 1;
                    parent.inlines.push(if strong {
                        Inline::Strong(inlines)
                    } else {
                        Inline::Emphasis(inlines)
                    });
                } else {
                    // "*~*" is decoration, not emphasis: keep it as written.
                    let marker = delimiter.to_string().repeat(if strong { 2 } else { 1 });
                    push_text(
                        &mut parent.inlines,
                        &format!("{marker}{inner_text}{marker}"),
                    );
                }
            }
            Event::Text(text) => match stack.last_mut() {
                Some(top) => push_text(&mut top.inlines, &text),
                None => return (plain(), 0),
            },
            Event::SoftBreak | Event::HardBreak => match stack.last_mut() {
                Some(top) => push_text(&mut top.inlines, " "),
                None => return (plain(), 0),
            },
            // Anything else means the escaping missed a construct: show the text as is.
            _ => return (plain(), 0),
        }
    }
    match stack.pop() {
        Some(Open {
            strong: None,
            inlines,
            ..
        }) if stack.is_empty() => (inlines, spans),
        _ => (plain(), 0),
    }
}

fn push_text(inlines: &mut Vec<Inline>, text: &str) {
    if let Some(Inline::Text(last)) = inlines.last_mut() {
        last.push_str(text);
    } else {
        inlines.push(Inline::Text(text.to_owned()));
    }
}

#[cfg(test)]
mod tests;
