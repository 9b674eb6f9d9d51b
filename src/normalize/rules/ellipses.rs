//! The ellipses rule.

use super::*;

/// Runs of periods as one ellipsis character.
pub(super) const RULE: Entry = Entry {
    name: "ellipses",
    description: "Runs of periods as one ellipsis character",
    pass: Pass::Edit {
        applies: |seen| seen.dot_runs,
        run: |text, protected, _| ellipses(text, protected),
    },
    cases: &[
        ("where,...?", "where…?"),
        ("wait. . . no", "wait… no"),
        ("end.", "end."),
    ],
};

fn ellipses(text: &mut String, protected: &Protected) -> usize {
    static ELLIPSIS: std::sync::LazyLock<memmem::Finder> =
        std::sync::LazyLock::new(|| memmem::Finder::new("…"));
    rewrite(text, 16, |src, out| {
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
            let (end, dots, spaced) = dot_run(src, p, protected);
            let is_range = dots == 2
                && !spaced
                && end - p == 2
                && char_before(src, p).is_some_and(|c| c.is_ascii_digit())
                && char_at(src, end).is_some_and(|c| c.is_ascii_digit());
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
            while let Some(c @ (',' | ' ' | '.' | '…')) = char_at(src, j) {
                if protected.contains(j) {
                    break;
                }
                space_after |= c == ' ';
                j += c.len_utf8();
            }
            let spaced_after = match char_at(src, j) {
                None => false,
                // Closing marks first: asking whether a curly quote is alphanumeric is slow.
                Some('”' | '’' | ')' | ']' | '}' | '?' | '!' | ',' | ';' | ':') => false,
                Some(next) if leading && next.is_alphanumeric() => false,
                Some(next) if next.is_alphanumeric() || matches!(next, '“' | '‘') => true,
                // A straight quote (with the quotes rule off) opens when text follows it.
                Some('"') if char_at(src, j + 1).is_some_and(|c| !c.is_whitespace()) => true,
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
        changes
    })
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
