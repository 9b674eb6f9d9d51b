//! Text that no typography rule and no markup finder may change: web addresses, HTML-like
//! tags and comment markers. Found once per paragraph, as byte ranges.

use memchr::{memchr, memchr2, memmem};
use std::ops::Range;

fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..)?.chars().next()
}

fn char_before(s: &str, i: usize) -> Option<char> {
    s.get(..i)?.chars().next_back()
}

/// Byte ranges of web addresses and HTML comment markers in a text.
#[derive(Debug, Default)]
pub(crate) struct Protected(Vec<Range<usize>>);

impl Protected {
    pub(crate) fn find(text: &str) -> Protected {
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
    pub(crate) fn contains(&self, i: usize) -> bool {
        let after = self.0.partition_point(|r| r.start <= i);
        after > 0 && self.0[after - 1].contains(&i)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The end of the last protected range that ends at or before `i`.
    pub(crate) fn last_end_before(&self, i: usize) -> Option<usize> {
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
