//! The typography rules: one file each, listed in [`REGISTRY`] in the order they run.
//!
//! Each rule works on the paragraph as a string: it jumps with `memchr` to the characters
//! it cares about, copies the text between them as it is, and decides each candidate from
//! the characters around it. A rule that finds nothing to do costs a byte scan.
//!
//! A new rule is a new file here, with its `RULE` entry (name, description, pass and a
//! table of cases), and one line in [`REGISTRY`].

use super::Seen;
use crate::book::Inline;
use memchr::{memchr, memchr2, memchr3, memmem};
use std::ops::Range;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

mod apostrophes;
mod cleanup;
mod dashes;
mod doubled_quotes;
mod ellipses;
mod emphasis;
mod quotes;

/// Every rule, in the order they run: clean-up passes first, then the passes that edit the
/// text, then the one that finds spans.
pub(super) const REGISTRY: &[Entry] = &[
    cleanup::RULE,
    doubled_quotes::RULE,
    apostrophes::RULE,
    quotes::RULE,
    ellipses::RULE,
    dashes::RULE,
    emphasis::RULE,
];

/// One rule as the registry knows it.
pub(super) struct Entry {
    /// The name on the command line (`--no-rule NAME`) and in reports.
    pub name: &'static str,
    /// One line for `--help` and the docs.
    pub description: &'static str,
    pub pass: Pass,
    /// Paragraphs and what they become with only this rule on, emphasis written as
    /// `<em>`/`<strong>`.
    pub cases: &'static [(&'static str, &'static str)],
}

/// What kind of pass a rule is, which says when it runs.
#[derive(Clone, Copy)]
pub(super) enum Pass {
    /// Runs first, on a paragraph that has anything to clean; the paragraph is scanned
    /// again after it.
    Clean(fn(&str) -> (String, usize)),
    /// Rewrites the text in place when `applies` says the paragraph can need it; gives the
    /// number of changes, and may note ambiguous quotes with their context.
    Edit {
        applies: fn(&Seen) -> bool,
        run: fn(&mut String, &Protected, &mut Vec<String>) -> usize,
    },
    /// Runs last and turns the text into inline spans.
    Spans {
        applies: fn(&Seen) -> bool,
        run: fn(&str, &Protected) -> (Vec<Inline>, usize),
    },
}

// ---- characters around a position ----

fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..)?.chars().next()
}

fn char_before(s: &str, i: usize) -> Option<char> {
    s.get(..i)?.chars().next_back()
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

fn is_single_mark(c: char) -> bool {
    matches!(c, '\'' | '‘' | '’')
}

fn in_opening_position(s: &str, i: usize, len: usize) -> bool {
    opens_after(char_before(s, i)) && char_at(s, i + len).is_some_and(|c| !c.is_whitespace())
}

fn is_word_final(s: &str, i: usize, len: usize) -> bool {
    char_before(s, i).is_some_and(char::is_alphabetic)
        && char_at(s, i + len).is_none_or(|c| !c.is_alphanumeric())
}

// ---- looking at bytes ----

/// ORs together `class(a, b, c)` for every byte `a` of `bytes` and the two bytes after it
/// (0 past the end). Sixteen positions are done at a time with no early exit, which the
/// compiler turns into vector instructions: paragraphs are short, and starting a search
/// for each character of interest would cost more than the searching.
pub(super) fn byte_classes(bytes: &[u8], class: impl Fn(u8, u8, u8) -> u8) -> u8 {
    const LANES: usize = 16;
    const WINDOW: usize = LANES + 2;
    let mut lanes = [0u8; LANES];
    let mut i = 0;
    while let Some(window) = bytes.get(i..).and_then(<[u8]>::first_chunk::<WINDOW>) {
        for (k, lane) in lanes.iter_mut().enumerate() {
            *lane |= class(window[k], window[k + 1], window[k + 2]);
        }
        i += LANES;
    }
    // The last bytes go through the same code, padded with zeros, and the lanes that
    // fall on padding are masked off: byte by byte, they would cost more than all the
    // rest of a short paragraph.
    let rest = bytes.get(i..).unwrap_or_default();
    let mut padded = [0u8; LANES + WINDOW];
    padded[..rest.len()].copy_from_slice(rest);
    let mut live = [0u8; LANES + WINDOW];
    live[..rest.len()].fill(0xFF);
    for start in [0, LANES] {
        let window = &padded[start..start + WINDOW];
        let keep = &live[start..start + LANES];
        for (k, lane) in lanes.iter_mut().enumerate() {
            *lane |= class(window[k], window[k + 1], window[k + 2]) & keep[k];
        }
    }
    lanes.iter().fold(0, |all, lane| all | lane)
}

// ---- buffers ----

thread_local! {
    /// The buffer a rule replaced, kept for the next rule to write into: rules run many
    /// times per paragraph, and allocating for each costs more than the rule itself.
    static SPARE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// A buffer for at least `capacity` bytes, with room to grow: rules turn one-byte marks
/// into three-byte curly quotes and ellipses, and growing a buffer costs a copy.
fn spare_buffer(capacity: usize) -> String {
    let mut buffer = SPARE.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
    if buffer.capacity() < capacity {
        // Growing the old buffer would copy bytes nobody needs.
        return String::with_capacity(roomy(capacity));
    }
    buffer.clear();
    buffer
}

pub(super) fn roomy(capacity: usize) -> usize {
    capacity + capacity / 4 + 32
}

fn recycle(buffer: String) {
    SPARE.with(|spare| *spare.borrow_mut() = buffer);
}

/// The one way a rule rewrites a paragraph: `pass` reads the old text and writes the new
/// one into a spare buffer with `extra` bytes of room to grow, and gives its number of
/// changes; the old buffer becomes the next rule's spare.
fn rewrite(
    text: &mut String,
    extra: usize,
    pass: impl FnOnce(&str, &mut String) -> usize,
) -> usize {
    let src = std::mem::take(text);
    let mut out = spare_buffer(src.len() + extra);
    let changes = pass(&src, &mut out);
    *text = out;
    recycle(src);
    changes
}

// ---- text no rule may change ----

/// Byte ranges of web addresses and HTML comment markers in a text.
#[derive(Debug, Default)]
pub(super) struct Protected(Vec<Range<usize>>);

impl Protected {
    pub(super) fn find(text: &str) -> Protected {
        use std::sync::LazyLock;
        // Searchers are built once: building one costs more than searching a paragraph.
        static SCHEME: LazyLock<memmem::Finder> = LazyLock::new(|| memmem::Finder::new("://"));
        static MAILTO: LazyLock<memmem::Finder> = LazyLock::new(|| memmem::Finder::new("mailto:"));
        static WWW: LazyLock<memmem::Finder> = LazyLock::new(|| memmem::Finder::new("ww."));
        static UPPER_WWW: LazyLock<memmem::Finder> = LazyLock::new(|| memmem::Finder::new("WWW."));
        static OPEN: LazyLock<memmem::Finder> = LazyLock::new(|| memmem::Finder::new("<!--"));
        static CLOSE: LazyLock<memmem::Finder> = LazyLock::new(|| memmem::Finder::new("-->"));
        let bytes = text.as_bytes();
        let has = |finder: &memmem::Finder| finder.find(bytes).is_some();
        let maybe_url = (memchr(b':', bytes).is_some() && (has(&SCHEME) || has(&MAILTO)))
            || has(&WWW)
            || has(&UPPER_WWW);
        let has_angle = memchr(b'<', bytes).is_some();
        let maybe_comment = has_angle && (has(&OPEN) || has(&CLOSE))
            || memchr(b'>', bytes).is_some() && has(&CLOSE);
        let mut ranges = Vec::new();
        if maybe_url {
            find_urls(text, &mut ranges);
        }
        if maybe_comment {
            for marker in ["<!--", "-->"] {
                ranges.extend(
                    memmem::find_iter(bytes, marker.as_bytes()).map(|i| i..i + marker.len()),
                );
            }
        }
        if has_angle {
            find_tags(bytes, &mut ranges);
        }
        Protected(merge(ranges))
    }

    /// Ranges are sorted and apart, so a lookup is a binary search: a paragraph full of
    /// URLs or tags stays linear.
    pub(super) fn contains(&self, i: usize) -> bool {
        let after = self.0.partition_point(|r| r.start <= i);
        after > 0 && self.0[after - 1].contains(&i)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The end of the last protected range that ends at or before `i`.
    fn last_end_before(&self, i: usize) -> Option<usize> {
        let ending = self.0.partition_point(|r| r.end <= i);
        ending.checked_sub(1).map(|last| self.0[last].end)
    }
}

/// Sorts ranges and joins those that overlap or touch.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// Longer than this, a `<…>` is not a tag but text between two comparisons.
const MAX_TAG_BYTES: usize = 300;

/// HTML-looking tags, such as `<b>` or `<span class="x">`: markup shown as text, which the
/// rules leave as written.
fn find_tags(bytes: &[u8], ranges: &mut Vec<Range<usize>>) {
    let mut i = 0;
    while let Some(offset) = memchr(b'<', &bytes[i..]) {
        let start = i + offset;
        let name_at = start + 1 + usize::from(bytes.get(start + 1) == Some(&b'/'));
        if !bytes.get(name_at).is_some_and(u8::is_ascii_alphabetic) {
            i = start + 1;
            continue;
        }
        let window = &bytes[name_at..bytes.len().min(name_at + MAX_TAG_BYTES)];
        match memchr2(b'>', b'<', window) {
            Some(end) if window[end] == b'>' => {
                ranges.push(start..name_at + end + 1);
                i = name_at + end + 1;
            }
            _ => i = start + 1,
        }
    }
}

fn find_urls(text: &str, ranges: &mut Vec<Range<usize>>) {
    const PREFIXES: [&str; 5] = ["http://", "https://", "ftp://", "www.", "mailto:"];
    let mut i = 0;
    while i < text.len() {
        let word_start = char_before(text, i).is_none_or(|c| !c.is_alphanumeric());
        let rest = &text.as_bytes()[i..];
        let starts = word_start
            && PREFIXES.iter().any(|p| {
                p.len() < rest.len() && rest[..p.len()].eq_ignore_ascii_case(p.as_bytes())
            });
        if !starts {
            i += char_at(text, i).map_or(1, char::len_utf8);
            continue;
        }
        let mut end = text[i..]
            .find(char::is_whitespace)
            .map_or(text.len(), |n| i + n);
        // Sentence punctuation right after an address is not part of it.
        while let Some(c) = char_before(text, end) {
            if end <= i
                || !matches!(
                    c,
                    '.' | ',' | ';' | ':' | '!' | '?' | ')' | '"' | '\'' | '”' | '’' | '-'
                )
            {
                break;
            }
            end -= c.len_utf8();
        }
        if end > i {
            ranges.push(i..end);
        }
        i = end.max(i + 1);
    }
}
