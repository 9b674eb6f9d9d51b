//! The clean-up rule.

use super::*;

/// Unicode NFC, control characters, runs of spaces, backtick apostrophes.
pub(super) const RULE: Entry = Entry {
    name: "cleanup",
    description: "Unicode NFC, control characters, runs of spaces, backtick apostrophes",
    pass: Pass::Clean(cleanup),
    cases: &[
        ("a  b", "a b"),
        (" padded ", "padded"),
        ("bell\u{7}here", "bellhere"),
        ("`tis", "'tis"),
    ],
};

/// Characters that XML 1.0 forbids or that are invisible controls.
fn is_forbidden_in_xml(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Clean-up of a text the paragraph scan found something to clean in.
fn cleanup(text: &str) -> (String, usize) {
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
        // Tabs inside a paragraph are just spaces; a line end is a line break the
        // paragraph holds on purpose.
        let c = match c {
            '\t' => ' ',
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
