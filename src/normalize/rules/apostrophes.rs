//! The apostrophes rule.

use super::*;

/// Apostrophes inside words, before decades, in elisions and at word ends.
pub(super) const RULE: Entry = Entry {
    name: "apostrophes",
    description: "Apostrophes inside words, before decades, in elisions and at word ends",
    pass: Pass::Edit {
        applies: |seen| seen.quotes,
        run: |text, protected, _| apostrophes(text, protected),
    },
    cases: &[
        ("don't", "don’t"),
        ("the '90s", "the ’90s"),
        ("rock 'n' roll", "rock ’n’ roll"),
        ("'twas", "’twas"),
    ],
};

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

fn apostrophes(text: &mut String, protected: &Protected) -> usize {
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
                elision_after(src, p)
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
