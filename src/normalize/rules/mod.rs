//! The typography rules: one file each, listed in [`REGISTRY`] in the order they run.
//!
//! Each rule works on the paragraph as a string: it jumps with `memchr` to the characters
//! it cares about, copies the text between them as it is, and decides each candidate from
//! the characters around it. A rule that finds nothing to do costs a byte scan.
//!
//! A new rule is a new file here, with its `RULE` entry (name, description, pass and a
//! table of cases), and one line in [`REGISTRY`].

use super::Seen;
pub(crate) use crate::protected::Protected;
use memchr::{memchr, memchr2, memchr3, memmem};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

mod apostrophes;
mod cleanup;
mod dashes;
mod doubled_quotes;
mod elisions;
mod ellipses;
mod emphasis;
mod primes;
mod quotes;

/// Every rule, in the order they run: clean-up passes first, then the passes that edit the
/// text; markup rules are applied by the readers, before all of them.
pub(super) const REGISTRY: &[Entry] = &[
    cleanup::RULE,
    doubled_quotes::RULE,
    primes::RULE,
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
    /// Inline structure written as markers in the text, such as `*emphasis*`, which
    /// readers find, since it is structure rather than typography. Switching the rule off
    /// asks them to leave the markers as text.
    Markup,
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
    single_opens(char_before(s, i), char_at(s, i + len))
}

/// Whether a single quote between these two characters opens. After a dash it opens only
/// before a word or another opening mark: between a dash and a closing double quote or
/// punctuation it closes interrupted speech (`'Stop it--'"`).
fn single_opens(prev: Option<char>, next: Option<char>) -> bool {
    let Some(next) = next.filter(|c| !c.is_whitespace()) else {
        return false;
    };
    match prev {
        Some(c) if is_dash(c) => next.is_alphanumeric() || matches!(next, '‘' | '“' | '\''),
        _ => opens_after(prev),
    }
}

fn is_word_final(s: &str, i: usize, len: usize) -> bool {
    char_before(s, i).is_some_and(char::is_alphabetic)
        && char_at(s, i + len).is_none_or(|c| !c.is_alphanumeric())
}

/// Up to 30 characters either side of the quote just written, for the report.
fn context_around(done: &str, rest: &str) -> String {
    let start = done
        .char_indices()
        .rev()
        .nth(30)
        .map_or(0, |(i, c)| i + c.len_utf8());
    let mut context = done[start..].to_string();
    context.extend(rest.chars().take(30));
    context
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
