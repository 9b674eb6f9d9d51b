//! The quotes rule.

use super::*;

/// Straight double and single quotes made curly.
pub(super) const RULE: Entry = Entry {
    name: "quotes",
    description: "Straight double and single quotes made curly",
    pass: Pass::Edit {
        applies: |seen| seen.quotes,
        run: quotes,
    },
    cases: &[
        ("\"Hi,\" she said.", "“Hi,” she said."),
        ("'Go,' he said.", "‘Go,’ he said."),
        ("“kept”", "“kept”"),
        ("He said, 'Stop it--'\"", "He said, ‘Stop it--’”"),
        ("'Wait--' she began", "‘Wait--’ she began"),
    ],
};

fn quotes(text: &mut String, protected: &Protected, ambiguous: &mut Vec<String>) -> usize {
    rewrite(text, 32, |src, out| {
        let bytes = src.as_bytes();
        // The last mark that can close a single quotation: a straight quote that does not
        // open, or an apostrophe at the end of a word.
        let mut last_closer = None;
        let mut i = 0;
        while let Some(offset) = memchr2(b'\'', 0xE2, &bytes[i..]) {
            let p = i + offset;
            let c = char_at(src, p).unwrap_or('\0');
            i = p + c.len_utf8().max(1);
            let closes = !protected.contains(p)
                && ((c == '\'' && !in_opening_position(src, p, 1))
                    || (c == '’' && is_word_final(src, p, c.len_utf8())));
            if closes {
                last_closer = Some(p);
            }
        }

        let (mut changes, mut copied, mut double_open) = (0, 0, false);
        let mut i = 0;
        while let Some(offset) = memchr3(b'"', b'\'', 0xE2, &bytes[i..]) {
            let p = i + offset;
            let c = char_at(src, p).unwrap_or('\0');
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
                    let next = char_at(src, p + 1);
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
                        if opening
                            && prev.is_some_and(|c| c.is_alphanumeric() || ",;:.!?".contains(c))
                        {
                            out.push(' ');
                        }
                        out.push(if opening { '“' } else { '”' });
                        if !opening && next.is_some_and(char::is_alphanumeric) {
                            out.push(' ');
                        }
                        double_open = opening;
                    } else {
                        let opening_position = single_opens(prev, next);
                        if opening_position && last_closer.is_some_and(|closer| closer > p) {
                            out.push('‘');
                        } else {
                            out.push('’');
                            if opening_position {
                                ambiguous.push(context_around(out, &src[p + 1..]));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        out.push_str(&src[copied..]);
        changes
    })
}
