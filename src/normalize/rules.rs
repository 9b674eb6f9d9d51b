//! The typography rules, one function each, in the order they run.
//!
//! Each rule works on the paragraph as a string: it jumps with `memchr` to the characters
//! it cares about, copies the text between them as it is, and decides each candidate from
//! the characters around it. A rule that finds nothing to do costs a byte scan.

use crate::book::Inline;
use memchr::{memchr, memchr2, memchr3, memmem};
use std::ops::Range;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

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

// ---- rule 1: clean-up ----

/// Characters that XML 1.0 forbids or that are invisible controls.
fn is_forbidden_in_xml(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Clean-up of a text the paragraph scan found something to clean in.
pub(super) fn cleanup(text: &str) -> (String, usize) {
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
    let mut out = String::with_capacity(text.len());
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
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            changes += 1;
            continue;
        }
        out.push(c);
    }
    while out.ends_with(' ') {
        out.pop();
        changes += 1;
    }
    // A backtick or acute accent touching a letter was typed for an apostrophe.
    if out.contains(['`', '´']) {
        let mut fixed = String::with_capacity(out.len());
        for (i, c) in out.char_indices() {
            let touches_letter = char_before(&out, i).is_some_and(char::is_alphabetic)
                || char_at(&out, i + c.len_utf8()).is_some_and(char::is_alphabetic);
            if matches!(c, '`' | '´') && touches_letter {
                fixed.push('\'');
                changes += 1;
            } else {
                fixed.push(c);
            }
        }
        out = fixed;
    }
    (out, changes)
}

// ---- rule 2: doubled quote marks ----

/// `''` is `"`; in a run of three, the odd mark goes inside: `'''Tis` is `"'Tis`, `no.'''`
/// is `no.'"`.
pub(super) fn doubled_quotes(text: &mut String, protected: &Protected) -> usize {
    let src = std::mem::take(text);
    let bytes = src.as_bytes();
    let mut out = spare_buffer(src.len());
    let (mut changes, mut copied, mut i) = (0, 0, 0);
    // A single mark at `k`, read from its bytes: ', ‘ or ’.
    let mark_at = |k: usize| match bytes.get(k) {
        Some(b'\'') => true,
        Some(0xE2) => matches!(bytes.get(k + 1..k + 3), Some([0x80, 0x98 | 0x99])),
        _ => false,
    };
    while let Some(offset) = memchr2(b'\'', 0xE2, &bytes[i..]) {
        let start = i + offset;
        // Nearly every mark stands alone: an apostrophe, or a curly quote or dash.
        let len = if bytes[start] == b'\'' { 1 } else { 3 };
        if !mark_at(start) || !mark_at(start + len) {
            i = start + 1;
            continue;
        }
        let mut end = start;
        while let Some(c) =
            char_at(&src, end).filter(|&c| is_single_mark(c) && !protected.contains(end))
        {
            end += c.len_utf8();
        }
        if end == start {
            i = start + 1;
            continue;
        }
        let run = src[start..end].chars().count();
        i = end;
        if run == 1 {
            continue;
        }
        out.push_str(&src[copied..start]);
        copied = end;
        changes += 1;
        let opening = opens_after(char_before(&src, start))
            && char_at(&src, end).is_some_and(|c| !c.is_whitespace());
        let odd = run % 2 == 1;
        if odd && !opening {
            out.push('\'');
        }
        out.extend(std::iter::repeat_n('"', run / 2));
        if odd && opening {
            out.push('\'');
        }
    }
    out.push_str(&src[copied..]);
    *text = out;
    recycle(src);
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

pub(super) fn apostrophes(text: &mut String, protected: &Protected) -> usize {
    let src = std::mem::take(text);
    let mut out = spare_buffer(src.len() + 16);
    let (mut changes, mut copied, mut i) = (0, 0, 0);
    while let Some(offset) = memchr(b'\'', &src.as_bytes()[i..]) {
        let p = i + offset;
        i = p + 1;
        if protected.contains(p) {
            continue;
        }
        let prev = char_before(&src, p);
        let next = char_at(&src, p + 1);
        let prev_alnum = prev.is_some_and(char::is_alphanumeric);
        let is_apostrophe = (prev_alnum && next.is_some_and(char::is_alphabetic))
            // don't, y'know, rock'n'roll, the 90's
            || (!prev_alnum && is_decade(&src, p + 1))
            // goin', the ponies' leader
            || (prev.is_some_and(char::is_alphabetic) && next.is_none_or(|c| !c.is_alphanumeric()));
        let elision = if is_apostrophe {
            None
        } else {
            elision_after(&src, p)
        };
        if !is_apostrophe && elision.is_none() {
            continue;
        }
        out.push_str(&src[copied..p]);
        out.push('’');
        copied = p + 1;
        changes += 1;
        // The closing mark of 'n' goes with it.
        if elision == Some(1) && src.as_bytes().get(p + 2) == Some(&b'\'') {
            out.push_str(&src[p + 1..p + 2]);
            out.push('’');
            copied = p + 3;
            i = p + 3;
            changes += 1;
        }
    }
    out.push_str(&src[copied..]);
    *text = out;
    recycle(src);
    changes
}

/// Two digits and no third: '80s, '07.
fn is_decade(s: &str, i: usize) -> bool {
    let digit = |j: usize| s.as_bytes().get(j).is_some_and(u8::is_ascii_digit);
    digit(i) && digit(i + 1) && !digit(i + 2)
}

/// The length of the elided word after an apostrophe at `i` in opening position.
fn elision_after(s: &str, i: usize) -> Option<usize> {
    let prev = char_before(s, i);
    if !opens_after(prev) && prev != Some('"') {
        return None;
    }
    let word: &str = s[i + 1..]
        .split(|c: char| !c.is_alphabetic())
        .next()
        .filter(|w| !w.is_empty() && w.len() <= 9)?;
    let elision = ELISIONS.iter().find(|e| e.eq_ignore_ascii_case(word))?;
    // 'n' is only an elision with its closing mark: rock 'n' roll.
    if *elision == "n" && s.as_bytes().get(i + 2) != Some(&b'\'') {
        return None;
    }
    Some(word.chars().count())
}

// ---- rule 4: quotes ----

pub(super) fn quotes(
    text: &mut String,
    protected: &Protected,
    ambiguous: &mut Vec<String>,
) -> usize {
    let src = std::mem::take(text);
    let bytes = src.as_bytes();
    // The last mark that can close a single quotation: a straight quote that does not
    // open, or an apostrophe at the end of a word.
    let mut last_closer = None;
    let mut i = 0;
    while let Some(offset) = memchr2(b'\'', 0xE2, &bytes[i..]) {
        let p = i + offset;
        let c = char_at(&src, p).unwrap_or('\0');
        i = p + c.len_utf8().max(1);
        let closes = !protected.contains(p)
            && ((c == '\'' && !in_opening_position(&src, p, 1))
                || (c == '’' && is_word_final(&src, p, c.len_utf8())));
        if closes {
            last_closer = Some(p);
        }
    }

    let mut out = spare_buffer(src.len() + 32);
    let (mut changes, mut copied, mut double_open) = (0, 0, false);
    let mut i = 0;
    while let Some(offset) = memchr3(b'"', b'\'', 0xE2, &bytes[i..]) {
        let p = i + offset;
        let c = char_at(&src, p).unwrap_or('\0');
        i = p + c.len_utf8().max(1);
        if protected.contains(p) {
            continue;
        }
        match c {
            '“' => double_open = true,
            '”' => double_open = false,
            '"' | '\'' => {
                out.push_str(&src[copied..p]);
                copied = p + 1;
                changes += 1;
                let prev = out.chars().next_back();
                let next = char_at(&src, p + 1);
                if c == '"' {
                    let opening = if opens_after(prev) {
                        next.is_some_and(|c| !c.is_whitespace())
                    } else {
                        // Glued between text on both sides ("window,"Well" or "Hi,"she):
                        // the quotation so far decides.
                        next.is_some_and(char::is_alphanumeric) && !double_open
                    };
                    // A closing mark set off by a space ("around '' he said") belongs to
                    // the word before it.
                    if !opening && double_open && prev == Some(' ') {
                        out.pop();
                    }
                    if opening && prev.is_some_and(|c| c.is_alphanumeric() || ",;:.!?".contains(c))
                    {
                        out.push(' ');
                    }
                    out.push(if opening { '“' } else { '”' });
                    if !opening && next.is_some_and(char::is_alphanumeric) {
                        out.push(' ');
                    }
                    double_open = opening;
                } else {
                    let opening_position =
                        opens_after(prev) && next.is_some_and(|c| !c.is_whitespace());
                    if opening_position && last_closer.is_some_and(|closer| closer > p) {
                        out.push('‘');
                    } else {
                        out.push('’');
                        if opening_position {
                            ambiguous.push(context_around(&out, &src[p + 1..]));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out.push_str(&src[copied..]);
    *text = out;
    recycle(src);
    changes
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

// ---- rule 5: ellipses ----

pub(super) fn ellipses(text: &mut String, protected: &Protected) -> usize {
    static ELLIPSIS: std::sync::LazyLock<memmem::Finder> =
        std::sync::LazyLock::new(|| memmem::Finder::new("…"));
    let src = std::mem::take(text);
    let bytes = src.as_bytes();
    // Searching for the ellipsis character's first byte would stop at every curly quote
    // and dash, so it is only searched for when the paragraph has one.
    let has_ellipsis_char = !src.is_ascii() && ELLIPSIS.find(bytes).is_some();
    let dot_at = |k: usize| match bytes.get(k) {
        Some(b'.') => true,
        Some(0xE2) => bytes.get(k + 1..k + 3) == Some(&[0x80, 0xA6][..]),
        _ => false,
    };
    // A run of two periods becomes three bytes and perhaps a space.
    let mut out = spare_buffer(src.len() + 16);
    let (mut changes, mut copied, mut i) = (0, 0, 0);
    loop {
        let found = if has_ellipsis_char {
            memchr2(b'.', 0xE2, &bytes[i..])
        } else {
            memchr(b'.', &bytes[i..])
        };
        let Some(offset) = found else { break };
        let p = i + offset;
        // Most stops are a sentence's one period: only a period next to another, perhaps
        // past one space, can start a run worth an ellipsis.
        let starts_run = match bytes[p] {
            b'.' => dot_at(p + 1) || (bytes.get(p + 1) == Some(&b' ') && dot_at(p + 2)),
            _ => dot_at(p),
        };
        if !starts_run || protected.contains(p) {
            i = p + 1;
            continue;
        }
        let (end, dots, spaced) = dot_run(&src, p, protected);
        let is_range = dots == 2
            && !spaced
            && end - p == 2
            && char_before(&src, p).is_some_and(|c| c.is_ascii_digit())
            && char_at(&src, end).is_some_and(|c| c.is_ascii_digit());
        i = end;
        if dots < 2 || is_range {
            continue;
        }
        out.push_str(&src[copied..p]);
        // Commas, spaces and stray periods touching the run on the left go, unless the
        // run leads the sentence ("…and then", "“…what").
        let kept = out.trim_end_matches([',', ' ', '.', '…']).len();
        let leading = kept == 0 || opens_after(out[..kept].chars().next_back());
        let from = if leading { out.len() } else { kept };
        // On the right, commas and further dots touching the run go too, and spaces are
        // set anew.
        let mut j = end;
        let mut space_after = false;
        while let Some(c @ (',' | ' ' | '.' | '…')) = char_at(&src, j) {
            if protected.contains(j) {
                break;
            }
            space_after |= c == ' ';
            j += c.len_utf8();
        }
        let spaced_after = match char_at(&src, j) {
            None => false,
            // Closing marks first: asking whether a curly quote is alphanumeric is slow.
            Some('”' | '’' | ')' | ']' | '}' | '?' | '!' | ',' | ';' | ':') => false,
            Some(next) if leading && next.is_alphanumeric() => false,
            Some(next) if next.is_alphanumeric() || matches!(next, '“' | '‘') => true,
            // A straight quote (with the quotes rule off) opens when text follows it.
            Some('"') if char_at(&src, j + 1).is_some_and(|c| !c.is_whitespace()) => true,
            Some(_) => space_after,
        };
        let replacement = if spaced_after { "… " } else { "…" };
        // Changed unless the new text is exactly what it replaces.
        let removed_left = &out[from..];
        let same = removed_left.len() + (j - p) == replacement.len()
            && replacement.starts_with(removed_left)
            && replacement[removed_left.len()..] == src[p..j];
        if !same {
            changes += 1;
        }
        out.truncate(from);
        out.push_str(replacement);
        copied = j;
        i = j;
    }
    out.push_str(&src[copied..]);
    *text = out;
    recycle(src);
    changes
}

/// The end of a run of periods and ellipsis characters starting at `i`, with the number of
/// periods it is worth and whether spaces separate them (`. . .`).
fn dot_run(s: &str, i: usize, protected: &Protected) -> (usize, usize, bool) {
    let (mut j, mut dots, mut spaced) = (i, 0, false);
    loop {
        match char_at(s, j) {
            Some('.') if !protected.contains(j) => {
                dots += 1;
                j += 1;
            }
            Some('…') if !protected.contains(j) => {
                dots += 3;
                j += '…'.len_utf8();
            }
            Some(' ') if dots > 0 && matches!(char_at(s, j + 1), Some('.' | '…')) => {
                spaced = true;
                j += 1;
            }
            _ => break,
        }
    }
    // "end. . And" is a stray period, not a spaced ellipsis: spaced runs need three dots.
    if spaced && dots < 3 {
        let first = s[i..].bytes().take_while(|&b| b == b'.').count();
        return ((i + first).max(i + 1), first, false);
    }
    (j, dots, spaced)
}

// ---- rule 6: dashes ----

pub(super) fn dashes(text: &mut String, protected: &Protected) -> usize {
    let src = std::mem::take(text);
    let bytes = src.as_bytes();
    let mut out = spare_buffer(src.len());
    let (mut changes, mut copied, mut i) = (0, 0, 0);
    // Output before this length holds protected text, which merging must not eat into.
    let mut floor = 0;
    while let Some(offset) = memchr2(b'-', 0xE2, &bytes[i..]) {
        let p = i + offset;
        let c = char_at(&src, p).unwrap_or('\0');
        if !is_dash(c) || protected.contains(p) {
            i = p + c.len_utf8().max(1);
            continue;
        }
        let mut end = p;
        while let Some(d) = char_at(&src, end).filter(|&d| is_dash(d) && !protected.contains(end)) {
            end += d.len_utf8();
        }
        let run = src[p..end].chars().count();
        let gap_start = copied;
        out.push_str(&src[gap_start..p]);
        if let Some(protected_end) = protected.last_end_before(p).filter(|&e| e > gap_start) {
            floor = out.len() - (p - protected_end);
        }
        let prev = out.chars().next_back();
        let next = char_at(&src, end);
        // A single hyphen or en dash spaced between words is a dash of the sentence.
        let spaced = prev == Some(' ')
            && next == Some(' ')
            && out.len() >= 2
            && char_at(&src, end + 1).is_some();
        let em = if run >= 2 || c == '—' {
            true
        } else if c == '–' {
            // An en dash stays, unless it is spaced between words or cuts off speech.
            spaced || closes_speech(next)
        } else {
            // A hyphen is also cut-off speech before a closing quote or at the very end.
            spaced
                || (prev.is_some_and(char::is_alphabetic)
                    && (closes_speech(next) || next.is_none()))
        };
        if em {
            // Closed up: spaces on both sides go, and never two dashes in a row, so
            // dashes and spaces next to it merge into it.
            let kept = out.trim_end_matches([' ', '-', '–', '—']).len().max(floor);
            let popped = out.len() - kept;
            out.truncate(kept);
            let mut j = end;
            while let Some(next) = char_at(&src, j) {
                let mergeable = next == ' ' || is_dash(next);
                if !mergeable
                    || protected.contains(j)
                    || (next == ' ' && char_at(&src, j + 1).is_none())
                {
                    break;
                }
                j += next.len_utf8();
            }
            out.push('—');
            if !(run == 1 && c == '—' && popped == 0 && j == end) {
                changes += 1;
            }
            copied = j;
            i = j;
        } else if c == '-' && is_number_range(bytes, p) {
            out.push('–');
            changes += 1;
            copied = end;
            i = end;
        } else {
            out.push_str(&src[p..end]);
            copied = end;
            i = end;
        }
    }
    out.push_str(&src[copied..]);
    *text = out;
    recycle(src);
    changes
}

fn closes_speech(next: Option<char>) -> bool {
    matches!(next, Some('”' | '’'))
}

/// `1990-1995` or `10-12`, but not an ISO date, a phone number or part of a code such as
/// `A-12` or `v1.2-3`.
fn is_number_range(bytes: &[u8], i: usize) -> bool {
    let is_part = |b: &u8| b.is_ascii_digit() || *b == b'-';
    let start = i - bytes[..i].iter().rev().take_while(|b| is_part(b)).count();
    let end = i + 1 + bytes[i + 1..].iter().take_while(|b| is_part(b)).count();
    let hyphens = bytes[start..end].iter().filter(|&&b| b == b'-').count();
    let (left, right) = (i - start, end - i - 1);
    let glued_before = start > 0
        && (bytes[start - 1].is_ascii_alphanumeric()
            || matches!(bytes[start - 1], b'/' | b'.' | b':' | b'+' | b'#' | b','));
    let glued_after = bytes.get(end).is_some_and(|&b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'/' | b':' | b'+' | b'#')
            || (matches!(b, b'.' | b',') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit))
    });
    // A dash beside the number makes it part of something else ("1-1—").
    let dash_before =
        bytes[..start].ends_with("—".as_bytes()) || bytes[..start].ends_with("–".as_bytes());
    let dash_after =
        bytes[end..].starts_with("—".as_bytes()) || bytes[end..].starts_with("–".as_bytes());
    hyphens == 1
        && !dash_before
        && !dash_after
        && (1..=4).contains(&left)
        && (1..=4).contains(&right)
        && !(left == 3 && right == 4)
        && !glued_before
        && !glued_after
}

// ---- rule 7: emphasis ----

/// Reads `*text*` and `_text_` as emphasis with pulldown-cmark.
pub(super) fn emphasis(text: &str, protected: &Protected) -> (Vec<Inline>, usize) {
    let whole = || vec![Inline::Text(text.to_owned())];
    let bytes = text.as_bytes();
    let is_marker = |i: &usize| !protected.contains(*i);
    let first = memchr::memchr2_iter(b'*', b'_', bytes).find(is_marker);
    let last = memchr::memchr2_iter(b'*', b'_', bytes)
        .rev()
        .find(is_marker);
    let (Some(first), Some(last)) = (first, last) else {
        return (whole(), 0);
    };
    if first == last {
        return (whole(), 0);
    }
    if let Some(inlines) = simple_emphasis(text, first, last) {
        return (inlines, 1);
    }
    // Emphasis can only lie between the first and the last marker, and whether a marker
    // opens or closes depends only on the characters beside it: that stretch, with one
    // character either side, is all pulldown-cmark needs to read.
    let start = char_before(text, first).map_or(first, |c| first - c.len_utf8());
    let end = char_at(text, last + 1).map_or(last + 1, |c| last + 1 + c.len_utf8());
    let (middle, spans) = emphasis_in(text, start..end, protected);
    if spans == 0 {
        return (whole(), 0);
    }
    // pulldown-cmark trims the spaces at the edges of what it reads: put them back.
    let mut inlines = vec![Inline::Text(text[..start].to_owned())];
    if start < first && text[start..first].trim().is_empty() {
        push_text(&mut inlines, &text[start..first]);
    }
    for inline in middle {
        match inline {
            Inline::Text(t) => push_text(&mut inlines, &t),
            span => inlines.push(span),
        }
    }
    if end > last + 1 && text[last + 1..end].trim().is_empty() {
        push_text(&mut inlines, &text[last + 1..end]);
    }
    push_text(&mut inlines, &text[end..]);
    inlines.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
    (inlines, spans)
}

/// The most common case, `*word*` or `_a few words_` between spaces, without asking
/// pulldown-cmark, which costs more than every other rule together. It gives what
/// pulldown-cmark gives, and `None` for anything less plain.
fn simple_emphasis(text: &str, first: usize, last: usize) -> Option<Vec<Inline>> {
    let marker = text.as_bytes()[first];
    let inner = &text[first + 1..last];
    let plain_inner = text.as_bytes()[last] == marker
        && inner.starts_with(char::is_alphanumeric)
        && inner.ends_with(char::is_alphanumeric)
        && !inner.contains(['*', '_', '\\']);
    let open_ok = char_before(text, first).is_none_or(char::is_whitespace);
    let close_ok = char_at(text, last + 1).is_none_or(|c| {
        c.is_whitespace() || matches!(c, '.' | ',' | '!' | '?' | ';' | ':' | '”' | '’' | '…' | '—')
    });
    if !(plain_inner && open_ok && close_ok) {
        return None;
    }
    let mut inlines = Vec::with_capacity(3);
    if first > 0 {
        inlines.push(Inline::Text(text[..first].to_owned()));
    }
    inlines.push(Inline::Emphasis(vec![Inline::Text(inner.to_owned())]));
    if last + 1 < text.len() {
        inlines.push(Inline::Text(text[last + 1..].to_owned()));
    }
    Some(inlines)
}

/// Emphasis in `text[range]`, after escaping every other Markdown character so that
/// nothing else of Markdown can happen.
fn emphasis_in(text: &str, range: Range<usize>, protected: &Protected) -> (Vec<Inline>, usize) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    let stretch = &text[range.clone()];
    let plain = || vec![Inline::Text(stretch.to_owned())];
    // Only markers and spaces would make a thematic break; it is text.
    let only_markers = stretch.chars().all(|c| matches!(c, '*' | '_' | ' '));
    let mut markdown = String::with_capacity(stretch.len() + 16);
    for (offset, c) in stretch.char_indices() {
        let i = range.start + offset;
        let is_marker = matches!(c, '*' | '_');
        // Spaces on both sides: it can neither open nor close, but could start a list.
        let isolated = is_marker
            && char_before(stretch, offset).is_none_or(char::is_whitespace)
            && char_at(stretch, offset + 1).is_none_or(char::is_whitespace);
        if c.is_ascii_punctuation()
            && (!is_marker || protected.contains(i) || only_markers || isolated)
        {
            markdown.push('\\');
        }
        markdown.push(c);
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
    let mut flattened = 0usize;
    for (event, range) in Parser::new_ext(&markdown, Options::empty()).into_offset_iter() {
        let delimiter = markdown[range.start..].chars().next().unwrap_or('*');
        match event {
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            // Spans nested deeper than this stay text, markers and all: nothing real nests
            // so deep, and the book model is walked recursively.
            Event::Start(Tag::Emphasis | Tag::Strong) if stack.len() > MAX_EMPHASIS_DEPTH => {
                let strong = matches!(event, Event::Start(Tag::Strong));
                flattened += 1;
                let marker = delimiter.to_string().repeat(if strong { 2 } else { 1 });
                match stack.last_mut() {
                    Some(top) => push_text(&mut top.inlines, &marker),
                    None => return (plain(), 0),
                }
            }
            Event::End(TagEnd::Emphasis | TagEnd::Strong) if flattened > 0 => {
                let strong = matches!(event, Event::End(TagEnd::Strong));
                flattened -= 1;
                let marker = delimiter.to_string().repeat(if strong { 2 } else { 1 });
                match stack.last_mut() {
                    Some(top) => push_text(&mut top.inlines, &marker),
                    None => return (plain(), 0),
                }
            }
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
                if has_alphanumeric(&inlines) {
                    spans += 1;
                    parent.inlines.push(if strong {
                        Inline::Strong(inlines)
                    } else {
                        Inline::Emphasis(inlines)
                    });
                } else {
                    // "*~*" is decoration, not emphasis: keep it as written.
                    let marker = delimiter.to_string().repeat(if strong { 2 } else { 1 });
                    let inner_text = crate::book::Paragraph(inlines).plain_text();
                    push_text(
                        &mut parent.inlines,
                        &format!("{marker}{inner_text}{marker}"),
                    );
                }
            }
            Event::Text(t) => match stack.last_mut() {
                Some(top) => push_text(&mut top.inlines, &t),
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

/// Emphasis inside strong inside emphasis… at most this deep.
const MAX_EMPHASIS_DEPTH: usize = 8;

fn has_alphanumeric(inlines: &[Inline]) -> bool {
    inlines.iter().any(|inline| match inline {
        Inline::Text(text) => text.chars().any(char::is_alphanumeric),
        Inline::Emphasis(inner) | Inline::Strong(inner) => has_alphanumeric(inner),
        Inline::LineBreak | Inline::FootnoteRef(_) => false,
    })
}

fn push_text(inlines: &mut Vec<Inline>, text: &str) {
    if let Some(Inline::Text(last)) = inlines.last_mut() {
        last.push_str(text);
    } else {
        inlines.push(Inline::Text(text.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What pulldown-cmark makes of the whole text, for comparison.
    fn by_pulldown(text: &str) -> Vec<Inline> {
        let (mut inlines, _) = emphasis_in(text, 0..text.len(), &Protected::default());
        // pulldown-cmark trims the paragraph's edges; the texts here have none to trim.
        inlines.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
        inlines
    }

    #[test]
    fn the_shortcut_takes_plain_cases_only() {
        for (text, taken) in [
            ("*KNOCK*", true),
            ("a *b* c", true),
            ("_two words_.", true),
            ("*KNOCK!*", false),
            ("a*b*c", false),
            ("*a* *b*", false),
            ("*a_", false),
        ] {
            let first = text.find(['*', '_']).unwrap();
            let last = text.rfind(['*', '_']).unwrap();
            assert_eq!(
                simple_emphasis(text, first, last).is_some(),
                taken,
                "{text:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        #[test]
        fn the_shortcut_agrees_with_pulldown_cmark(
            before in "(|[a-z]{1,5} |[a-z]{1,5}|“)",
            marker in "[*_]",
            inner in "[a-zA-Z0-9]{1,4}( [a-z0-9]{1,4}){0,2}[!.]?",
            after in "(| [a-z]{1,5}|[.,!?]|’s|[a-z]{1,3})",
        ) {
            let text = format!("{before}{marker}{inner}{marker}{after}");
            let first = before.len();
            let last = text.len() - after.len() - 1;
            if let Some(shortcut) = simple_emphasis(&text, first, last) {
                prop_assert_eq!(shortcut, by_pulldown(&text), "{}", text);
            }
        }
    }
}
