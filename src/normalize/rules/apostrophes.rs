//! The apostrophes rule.

use super::elisions::{self, Elision};
use super::*;

/// Apostrophes inside words, before decades, in elisions and at word ends.
pub(super) const RULE: Entry = Entry {
    name: "apostrophes",
    description: "Apostrophes inside words, before decades, in elisions and at word ends",
    pass: Pass::Edit {
        applies: |seen| seen.quotes,
        run: apostrophes,
    },
    cases: &[
        ("don't", "don’t"),
        ("the '90s", "the ’90s"),
        ("rock 'n' roll", "rock ’n’ roll"),
        ("'twas", "’twas"),
        (
            "he's a fine 'un, sho' 'nough",
            "he’s a fine ’un, sho’ ’nough",
        ),
        ("I'd 'a' gone", "I’d ’a’ gone"),
        ("it 'uz cold", "it ’uz cold"),
        ("'twould be 'tweren't so", "’twould be ’tweren’t so"),
        ("\"'Nough said.\"", "\"’Nough said.\""),
        ("goin' 'way off yonder", "goin’ ’way off yonder"),
        ("up to 's neck in th' pond", "up to ’s neck in th’ pond"),
        // Without dialect around it, or with a closing mark, a likely form is a quotation.
        ("the letter 'a' is first", "the letter 'a’ is first"),
        (
            "goin' on, she says: 'A woman",
            "goin’ on, she says: 'A woman",
        ),
        ("goin' 'way off,' she said", "goin’ 'way off,' she said"),
    ],
};

fn apostrophes(text: &mut String, protected: &Protected, ambiguous: &mut Vec<String>) -> usize {
    rewrite(text, 16, |src, out| {
        let (mut changes, mut copied, mut i) = (0, 0, 0);
        while let Some(offset) = memchr(b'\'', &src.as_bytes()[i..]) {
            let p = i + offset;
            i = p + 1;
            if protected.contains(p) {
                continue;
            }
            let prev = char_before(src, p);
            let next = char_at(src, p + 1);
            let prev_alnum = prev.is_some_and(char::is_alphanumeric);
            let is_apostrophe = (prev_alnum && next.is_some_and(char::is_alphabetic))
            // don't, y'know, rock'n'roll, the 90's
            || (!prev_alnum && is_decade(src, p + 1))
            // goin', the ponies' leader
            || (prev.is_some_and(char::is_alphabetic) && next.is_none_or(|c| !c.is_alphanumeric()));
            let elision = if is_apostrophe {
                None
            } else {
                let (elision, weighed) = elision_after(src, p);
                // A likely form was weighed, not known: the author should see the choice.
                if weighed {
                    let done = [out.as_str(), &src[copied..=p]].concat();
                    ambiguous.push(context_around(&done, &src[p + 1..]));
                }
                elision
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
        changes
    })
}

/// Two digits and no third: '80s, '07.
fn is_decade(s: &str, i: usize) -> bool {
    let digit = |j: usize| s.as_bytes().get(j).is_some_and(u8::is_ascii_digit);
    digit(i) && digit(i + 1) && !digit(i + 2)
}

/// The length of the elided word after an apostrophe at `i` in opening position.
/// Also says whether the answer was weighed from the paragraph (a likely form) rather than
/// known.
fn elision_after(s: &str, i: usize) -> (Option<usize>, bool) {
    let prev = char_before(s, i);
    if !opens_after(prev) && prev != Some('"') {
        return (None, false);
    }
    let Some(word) = s[i + 1..]
        .split(|c: char| !c.is_alphabetic())
        .next()
        .filter(|w| !w.is_empty() && w.len() <= 9)
    else {
        return (None, false);
    };
    let kind = elisions::elision(word);
    (
        likely_or_sure(s, i, word, kind),
        kind == Some(Elision::Likely),
    )
}

fn likely_or_sure(s: &str, i: usize, word: &str, kind: Option<Elision>) -> Option<usize> {
    let after = i + 1 + word.len();
    match kind? {
        // 'n' is only an elision with its closing mark: rock 'n' roll.
        Elision::Sure if word == "n" && s.as_bytes().get(after) != Some(&b'\'') => None,
        Elision::Sure => Some(word.chars().count()),
        Elision::Likely => {
            let quoted_letter = word.len() == 1 && s.as_bytes().get(after) == Some(&b'\'');
            if quoted_letter {
                // `'a'` before a past participle is "have": I'd 'a' gone.
                let next_word = s[after + 1..].trim_start();
                let next_word = next_word
                    .split(|c: char| !c.is_alphabetic())
                    .next()
                    .unwrap_or_default();
                let have = word.eq_ignore_ascii_case("a")
                    && s[after + 1..].starts_with(' ')
                    && elisions::is_participle(next_word);
                return have.then_some(1);
            }
            // A capital starts a quotation: she says: 'A woman…'
            let lower = word.starts_with(|c: char| c.is_lowercase());
            // Single quotations do not nest: inside one, the apostrophe cannot open another.
            let elided = lower
                && (single_quotation_open(s, i) || drops_letters(s, i) && !closed_after(s, after));
            elided.then(|| word.chars().count())
        }
    }
}

/// Whether the paragraph drops letters somewhere other than at `except`: a word ending in
/// a dialect apostrophe (`goin'`, `an'`) or a sure elision.
fn drops_letters(s: &str, except: usize) -> bool {
    let bytes = s.as_bytes();
    memchr::memchr_iter(b'\'', bytes)
        .chain(memmem::find_iter(bytes, "’".as_bytes()))
        .filter(|&q| q != except)
        .any(|q| {
            let len = if bytes[q] == b'\'' { 1 } else { 3 };
            let before = &s[..q];
            let word_start = before
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_alphabetic())
                .last()
                .map_or(q, |(at, _)| at);
            let ending = &s[word_start..q];
            let final_mark =
                !ending.is_empty() && char_at(s, q + len).is_none_or(|c| !c.is_alphanumeric());
            if final_mark && elisions::is_dropped_ending(ending) {
                return true;
            }
            let word: &str = s[q + len..]
                .split(|c: char| !c.is_alphabetic())
                .next()
                .unwrap_or_default();
            ending.is_empty()
                && !word.is_empty()
                && elisions::elision(word) == Some(Elision::Sure)
                && word != "n"
        })
}

/// Whether a single quotation opened before `at` is still open there.
fn single_quotation_open(s: &str, at: usize) -> bool {
    let mut open = false;
    for q in memchr::memchr_iter(b'\'', &s.as_bytes()[..at]) {
        let prev = char_before(s, q);
        if in_opening_position(s, q, 1) && elision_word(s, q).is_none() {
            open = true;
        } else if prev.is_some_and(|c| ",.;:!?…".contains(c) || is_dash(c)) {
            open = false;
        }
    }
    open
}

/// The letters after an apostrophe, if they are a known elision.
fn elision_word(s: &str, i: usize) -> Option<Elision> {
    let word = s[i + 1..].split(|c: char| !c.is_alphabetic()).next()?;
    elisions::elision(word)
}

/// Whether a straight quote after `from` closes a quotation: it follows punctuation or a
/// dash and no other quotation opens first. Apostrophes at the ends of words do not count:
/// in dialect they are as often dropped letters.
fn closed_after(s: &str, from: usize) -> bool {
    for q in memchr::memchr_iter(b'\'', &s.as_bytes()[from..]).map(|q| from + q) {
        if in_opening_position(s, q, 1) {
            return false;
        }
        let prev = char_before(s, q);
        if prev.is_some_and(|c| ",.;:!?…".contains(c) || is_dash(c)) {
            return true;
        }
    }
    false
}
