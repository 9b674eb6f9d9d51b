//! The doubled quote marks rule.

use super::*;

/// `''` and `’’` as one double quote mark.
pub(super) const RULE: Entry = Entry {
    name: "doubled-quotes",
    description: "`''` and `’’` as one double quote mark",
    pass: Pass::Edit {
        applies: |seen| seen.quotes,
        run: doubled_quotes,
    },
    cases: &[
        ("''Hi,'' she said.", "\"Hi,\" she said."),
        ("no.'''", "no.'\""),
        ("'''Tis", "\"'Tis"),
        ("it's", "it's"),
    ],
};

/// `''` is `"`; in a run of three, the odd mark goes inside: `'''Tis` is `"'Tis`, `no.'''`
/// is `no.'"`.
/// A closing run of three after a letter (`call it 'unsound'''`) may as well be a double
/// quote closing before an apostrophe, so it is reported as ambiguous.
fn doubled_quotes(text: &mut String, protected: &Protected, ambiguous: &mut Vec<String>) -> usize {
    rewrite(text, 0, |src, out| {
        let bytes = src.as_bytes();
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
                char_at(src, end).filter(|&c| is_single_mark(c) && !protected.contains(end))
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
            let opening = opens_after(char_before(src, start))
                && char_at(src, end).is_some_and(|c| !c.is_whitespace());
            let odd = run % 2 == 1;
            if odd && !opening {
                if run == 3 && char_before(src, start).is_some_and(char::is_alphabetic) {
                    ambiguous.push(context_around(out, &src[start..]));
                }
                out.push('\'');
            }
            out.extend(std::iter::repeat_n('"', run / 2));
            if odd && opening {
                out.push('\'');
            }
        }
        out.push_str(&src[copied..]);
        changes
    })
}
