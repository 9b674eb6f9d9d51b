//! The dashes rule.

use super::*;

/// Em dashes, interrupted speech and en dashes in number ranges.
pub(super) const RULE: Entry = Entry {
    name: "dashes",
    description: "Em dashes, interrupted speech and en dashes in number ranges",
    pass: Pass::Edit {
        applies: |seen| seen.dashes,
        run: |text, protected, _| dashes(text, protected),
    },
    cases: &[
        ("wait -- no", "wait—no"),
        ("pages 10-12", "pages 10–12"),
        ("“Stop-”", "“Stop—”"),
        ("well-known", "well-known"),
        ("— the management", "— the management"),
        ("-- the management", "— the management"),
        ("Signed,\n-- the management", "Signed,<br/>— the management"),
        ("—Hello.", "—Hello."),
    ],
};

fn dashes(text: &mut String, protected: &Protected) -> usize {
    rewrite(text, 0, |src, out| {
        let bytes = src.as_bytes();
        let (mut changes, mut copied, mut i) = (0, 0, 0);
        // Output before this length holds protected text, which merging must not eat into.
        let mut floor = 0;
        while let Some(offset) = memchr2(b'-', 0xE2, &bytes[i..]) {
            let p = i + offset;
            let c = char_at(src, p).unwrap_or('\0');
            if !is_dash(c) || protected.contains(p) {
                i = p + c.len_utf8().max(1);
                continue;
            }
            let mut end = p;
            while let Some(d) =
                char_at(src, end).filter(|&d| is_dash(d) && !protected.contains(end))
            {
                end += d.len_utf8();
            }
            let run = src[p..end].chars().count();
            let gap_start = copied;
            out.push_str(&src[gap_start..p]);
            if let Some(protected_end) = protected.last_end_before(p).filter(|&e| e > gap_start) {
                floor = out.len() - (p - protected_end);
            }
            let prev = out.chars().next_back();
            let next = char_at(src, end);
            // A single hyphen or en dash spaced between words is a dash of the sentence.
            let spaced = prev == Some(' ')
                && next == Some(' ')
                && out.len() >= 2
                && char_at(src, end + 1).is_some();
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
                while let Some(next) = char_at(src, j) {
                    let mergeable = next == ' ' || is_dash(next);
                    if !mergeable
                        || protected.contains(j)
                        || (next == ' ' && char_at(src, j + 1).is_none())
                    {
                        break;
                    }
                    j += next.len_utf8();
                }
                // A dash that opens a paragraph or a line introduces it (an attribution,
                // "— the management"): the space after it stays.
                let opens_line = out.is_empty() || out.ends_with('\n');
                let spaced_after = char_at(src, end) == Some(' ')
                    && char_at(src, j).is_some_and(|c| !c.is_whitespace() && !is_dash(c));
                let dash = if opens_line && spaced_after {
                    "— "
                } else {
                    "—"
                };
                out.push_str(dash);
                if popped != 0 || src[p..j] != *dash {
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
        changes
    })
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
