//! The primes rule.

use super::*;

/// Feet and inches, minutes and seconds: `5' 10"` and `62° 17' 20"` take primes, not
/// quotes or apostrophes.
pub(super) const RULE: Entry = Entry {
    name: "primes",
    description: "Primes for feet and inches, minutes and seconds: 5′ 10″, 62° 17′ 20″",
    pass: Pass::Edit {
        applies: |seen| seen.quotes,
        run: |text, protected, _| primes(text, protected),
    },
    cases: &[
        ("He is 5' 10\" tall.", "He is 5′ 10″ tall."),
        ("at 62° 17' 20\" north", "at 62° 17′ 20″ north"),
        ("a 6'2\" man", "a 6′2″ man"),
        ("62°17'", "62°17′"),
        // A number alone before a quote is not a measure: the quote is the text's.
        ("'I was 5' she said", "'I was 5' she said"),
        ("the '90s and 1990's", "the '90s and 1990's"),
        ("\"Route 66\" he said", "\"Route 66\" he said"),
    ],
};

/// A measure: digits, a `'`, then (after an optional space) digits and a `"`; or digits
/// after a degree sign, then a `'`, with seconds after it if they follow.
fn primes(text: &mut String, protected: &Protected) -> usize {
    rewrite(text, 8, |src, out| {
        let bytes = src.as_bytes();
        let (mut changes, mut copied, mut i) = (0, 0, 0);
        while let Some(offset) = memchr(b'\'', &bytes[i..]) {
            let p = i + offset;
            i = p + 1;
            if protected.contains(p) || !bytes[..p].last().is_some_and(u8::is_ascii_digit) {
                continue;
            }
            let digits_start = bytes[..p]
                .iter()
                .rposition(|b| !b.is_ascii_digit())
                .map_or(0, |at| at + 1);
            let after_degrees = src[..digits_start].trim_end_matches(' ').ends_with('°');
            // Seconds or inches: `10"` after the mark, a space allowed between.
            let rest = &bytes[p + 1..];
            let gap = usize::from(rest.first() == Some(&b' '));
            let digits = rest[gap..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let seconds = (1..=2).contains(&digits)
                && rest.get(gap + digits) == Some(&b'"')
                && !protected.contains(p + 1 + gap + digits);
            let glued_word = rest.first().is_some_and(u8::is_ascii_alphabetic);
            if glued_word || !(seconds || after_degrees) {
                continue;
            }
            out.push_str(&src[copied..p]);
            out.push('′');
            changes += 1;
            copied = p + 1;
            if seconds {
                let q = p + 1 + gap + digits;
                out.push_str(&src[copied..q]);
                out.push('″');
                changes += 1;
                copied = q + 1;
                i = q + 1;
            }
        }
        out.push_str(&src[copied..]);
        changes
    })
}
