//! A paragraph's inline structure laid back on the text the rules made of it.
//!
//! The rules work on the paragraph's whole text, so that they decide each mark from its
//! real neighbours, whatever span it sits in. A paragraph holds its spans as edges at byte
//! offsets of that text; a line break is in it as `\n`, which the rules read as the white
//! space it is. After the rules, each edge is moved to the same place among the characters the
//! rules never change (letters, digits, most punctuation): the rules keep those, in order,
//! so the k-th of them before an edge is still the k-th after.

use crate::inline::{Edge, Edges, Paragraph};

/// `paragraph` over `text`, which is what the rules made of its text: each edge goes where
/// it belongs among the changed characters. Most rules change a few marks of a paragraph,
/// so edges in the unchanged text at either end only keep or shift their offsets; the ones
/// in between are laid back by a [`Lander`].
pub(super) fn relay(paragraph: &Paragraph, text: String) -> Paragraph {
    let edges = paragraph.edges();
    if edges.is_empty() {
        return paragraph.relaid(text, Edges::new());
    }
    let old = paragraph.text();
    let (before, after) = (old.as_bytes(), text.as_bytes());
    let mut prefix = common_prefix(before, after);
    while !old.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let most = before.len().min(after.len()) - prefix;
    let mut suffix = common_suffix(&before[prefix..], &after[prefix..]).min(most);
    while !old.is_char_boundary(before.len() - suffix) {
        suffix -= 1;
    }
    let suffix_start = before.len() - suffix;
    let mut lander = Lander::new(old, &text, prefix);
    let mut done = 0;
    let moved: Edges = edges
        .iter()
        .map(|edge| {
            let at = edge.at as usize;
            let at = if at <= prefix {
                at
            } else if at >= suffix_start {
                at + after.len() - before.len()
            } else {
                lander.land(at)
            };
            // Offsets never go back, whatever the rules did.
            done = at.clamp(done, after.len());
            Edge {
                at: u32::try_from(done).unwrap_or(u32::MAX),
                kind: edge.kind,
            }
        })
        .collect();
    paragraph.relaid(text, moved)
}

/// How many bytes two texts share at their start, compared 16 at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let chunks = a.chunks_exact(16).zip(b.chunks_exact(16));
    let same = chunks.take_while(|(x, y)| x == y).count() * 16;
    same + a[same..]
        .iter()
        .zip(&b[same..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes two texts share at their end, compared 16 at a time.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let chunks = a.rchunks_exact(16).zip(b.rchunks_exact(16));
    let same = chunks.take_while(|(x, y)| x == y).count() * 16;
    same + a[..a.len() - same]
        .iter()
        .rev()
        .zip(b[..b.len() - same].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Characters no rule changes, adds or removes: everything but white space (a line break
/// aside), control characters, combining marks (composition merges them), the quote marks,
/// periods and dashes the rules rewrite, and the comma the ellipsis rule drops before an
/// ellipsis.
fn is_stable(c: char) -> bool {
    if c.is_ascii() {
        return STABLE_ASCII[c as usize];
    }
    !(c.is_whitespace()
        || c.is_control()
        || unicode_normalization::char::is_combining_mark(c)
        || matches!(
            c,
            '´' | '‘' | '’' | '“' | '”' | '′' | '″' | '…' | '–' | '—' | '\u{FFFE}' | '\u{FFFF}'
        ))
}

/// `is_stable` for ASCII, looked up: most of any text is ASCII, and laying spans back
/// walks a paragraph character by character.
const STABLE_ASCII: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = c == b'\n'
            || (c.is_ascii_graphic() && !matches!(c, b'\'' | b'"' | b'`' | b'.' | b',' | b'-'));
        b += 1;
    }
    table
};

/// The length of the character at byte `i` and whether it is stable; `None` at the end.
/// Inlined into the walks that lay edges back, so that an ASCII byte costs a lookup.
#[inline(always)]
fn char_at(text: &str, i: usize) -> Option<(usize, bool)> {
    let &b = text.as_bytes().get(i)?;
    if b.is_ascii() {
        return Some((1, STABLE_ASCII[usize::from(b)]));
    }
    let c = text.get(i..)?.chars().next()?;
    Some((c.len_utf8(), is_stable(c)))
}

/// Lays offsets of `before` (asked for in ascending order) onto `after`. An offset between
/// two stable characters lands between the same two; inside a run of other characters, it
/// keeps to the run's start or end when it was there, and otherwise to the same share of
/// the run as before.
struct Lander<'a> {
    before: &'a str,
    /// In `before`: stable characters between the start of the walk and `scanned`, and
    /// other characters since the last of them.
    stable: usize,
    unstable: usize,
    scanned: usize,
    /// In `after`: a cursor at the end of its `found`-th stable character.
    cursor: After<'a>,
}

impl<'a> Lander<'a> {
    /// A lander for texts that are the same up to `same`. Both walks start at the end of
    /// the last stable character in that stretch (the same place in both texts, after as
    /// many stable characters), so the shared stretch is never walked.
    fn new(before: &'a str, after: &'a str, same: usize) -> Self {
        let mut start = same.min(before.len()).min(after.len());
        while !before.is_char_boundary(start) {
            start -= 1;
        }
        while let Some(c) = before[..start].chars().next_back() {
            if is_stable(c) {
                break;
            }
            start -= c.len_utf8();
        }
        Lander {
            before,
            stable: 0,
            unstable: 0,
            scanned: start,
            cursor: After {
                text: after,
                found: 0,
                at: start,
            },
        }
    }

    fn land(&mut self, offset: usize) -> usize {
        let before = self.before;
        let offset = offset.clamp(self.scanned, before.len());
        let mut i = self.scanned;
        while i < offset {
            let Some((len, is_stable)) = char_at(before, i) else {
                break;
            };
            if is_stable {
                self.stable += 1;
                self.unstable = 0;
            } else {
                self.unstable += 1;
            }
            i += len;
        }
        self.scanned = offset;
        let mut run = self.unstable;
        let mut i = offset;
        while let Some((len, false)) = char_at(before, i) {
            run += 1;
            i += len;
        }
        let run_start = self.cursor.end_of(self.stable);
        let run_end = self.cursor.start_of_next();
        if self.unstable == 0 {
            run_start
        } else if self.unstable >= run {
            run_end
        } else {
            // As far into the new run as it was into the old one: the rules shorten runs
            // ("... -- " becomes "…—"), and an edge after the "..." belongs after the "…".
            let run_after = self.cursor.text[run_start..run_end].chars().count();
            let into = (self.unstable * run_after + run / 2) / run;
            self.cursor.text[run_start..run_end]
                .char_indices()
                .nth(into)
                .map_or(run_end, |(i, _)| run_start + i)
        }
    }
}

/// A cursor over the stable characters of a text, moving forward only.
struct After<'a> {
    text: &'a str,
    /// Stable characters up to `at`.
    found: usize,
    at: usize,
}

impl After<'_> {
    /// Where the `k`-th stable character ends (0 for none), or the end of the text when it
    /// has fewer; the cursor stays there.
    fn end_of(&mut self, k: usize) -> usize {
        while self.found < k {
            let Some((len, is_stable)) = char_at(self.text, self.at) else {
                break;
            };
            self.at += len;
            self.found += usize::from(is_stable);
        }
        if self.found < k {
            self.at = self.text.len();
        }
        self.at
    }

    /// Where the next stable character starts, or the end of the text.
    fn start_of_next(&self) -> usize {
        let mut i = self.at;
        while let Some((len, false)) = char_at(self.text, i) {
            i += len;
        }
        i.min(self.text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inline::Inline;

    fn em(text: &str) -> Inline {
        Inline::Emphasis(vec![Inline::Text(text.into())])
    }

    fn text(text: &str) -> Inline {
        Inline::Text(text.into())
    }

    #[test]
    fn edges_keep_their_place_among_unchanged_characters() {
        // (paragraph, what the rules made of its text, the paragraph expected)
        let cases: Vec<(Vec<Inline>, &str, Vec<Inline>)> = vec![
            // A quote outside the span stays outside, one inside stays inside.
            (
                vec![text("\""), em("Hi"), text("\" she said")],
                "“Hi” she said",
                vec![text("“"), em("Hi"), text("” she said")],
            ),
            (
                vec![em("\"Hi\""), text(" she said")],
                "“Hi” she said",
                vec![em("“Hi”"), text(" she said")],
            ),
            // A run that shrinks: the span after it starts after it.
            (
                vec![text("wait -- "), em("now")],
                "wait—now",
                vec![text("wait—"), em("now")],
            ),
            (
                vec![em("wait"), text("... no")],
                "wait… no",
                vec![em("wait"), text("… no")],
            ),
            // A long unchanged start, then changes around the span.
            (
                vec![text("He said, \"I "), em("really"), text(" don't...\"")],
                "He said, “I really don’t…”",
                vec![text("He said, “I "), em("really"), text(" don’t…”")],
            ),
            (
                vec![text("Well -- "), em("no"), text(".")],
                "Well—no.",
                vec![text("Well—"), em("no"), text(".")],
            ),
            // Line breaks and footnotes.
            (
                vec![
                    text("He said"),
                    Inline::LineBreak,
                    text("\"Go.\""),
                    Inline::FootnoteRef(2),
                ],
                "He said\n“Go.”",
                vec![
                    text("He said"),
                    Inline::LineBreak,
                    text("“Go.”"),
                    Inline::FootnoteRef(2),
                ],
            ),
        ];
        for (inlines, changed, expected) in cases {
            let paragraph = Paragraph::new(inlines.clone());
            assert_eq!(
                relay(&paragraph, changed.to_string()).inlines(),
                expected,
                "{inlines:?} → {changed:?}"
            );
        }
    }

    #[test]
    fn common_ends_are_found_past_the_first_chunk() {
        let a = "a long shared beginning of a paragraph, then: one";
        let b = "a long shared beginning of a paragraph, then: two";
        assert_eq!(common_prefix(a.as_bytes(), b.as_bytes()), a.len() - 3);
        let (c, d) = (
            "xyz and a long shared ending of thirty bytes",
            "q and a long shared ending of thirty bytes",
        );
        assert_eq!(common_suffix(c.as_bytes(), d.as_bytes()), d.len() - 1);
        assert_eq!(common_prefix(b"", b"abc"), 0);
        assert_eq!(common_suffix(b"abc", b"abc"), 3);
    }

    #[test]
    fn unchanged_text_gives_the_same_paragraph() {
        let paragraph = Paragraph::new(vec![
            text("a "),
            Inline::Strong(vec![text("b "), em("c"), text(" d")]),
            text(" e"),
        ]);
        assert_eq!(paragraph.text(), "a b c d e");
        assert_eq!(relay(&paragraph, paragraph.text().to_string()), paragraph);
    }
}
