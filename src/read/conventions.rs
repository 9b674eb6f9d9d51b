//! Conventions of story text that every reader shares: scene-break lines, `Author's Note`
//! markers and `A/N` paragraphs at a chapter's edges (SPEC §1).

use crate::book::NoteOrigin;
use crate::story::{Paragraph, RawBlock, RawChapter, RawNote};

/// Moves `A/N` paragraphs standing at the very top or bottom of a chapter into its notes,
/// unless that would leave the chapter without text.
pub(crate) fn take_edge_notes(chapter: &mut RawChapter) {
    let is_note = |b: &RawBlock| matches!(b, RawBlock::Paragraph(p) if paragraph_is_note(p));
    let is_text = |b: &RawBlock| !matches!(b, RawBlock::SceneBreak);
    let top = chapter.blocks.iter().take_while(|b| is_note(b)).count();
    let bottom = chapter.blocks[top..]
        .iter()
        .rev()
        .take_while(|b| is_note(b) || matches!(b, RawBlock::SceneBreak))
        .filter(|b| is_note(b))
        .count();
    let text_left = chapter.blocks.iter().filter(|b| is_text(b)).count() - top - bottom;
    if text_left == 0 {
        return;
    }
    let mut notes = Vec::new();
    if top > 0 {
        let paragraphs = chapter
            .blocks
            .drain(..top)
            .filter_map(RawBlock::into_paragraph)
            .collect();
        notes.push(RawNote {
            origin: NoteOrigin::Top,
            paragraphs,
        });
    }
    if bottom > 0 {
        let mut kept = chapter.blocks.len();
        let mut seen = 0;
        while seen < bottom {
            kept -= 1;
            if is_note(&chapter.blocks[kept]) {
                seen += 1;
            }
        }
        let paragraphs = chapter
            .blocks
            .drain(kept..)
            .filter_map(RawBlock::into_paragraph)
            .collect();
        notes.push(RawNote {
            origin: NoteOrigin::Bottom,
            paragraphs,
        });
    }
    chapter.notes.extend(notes);
}

/// `Author's Note:` in its forms (straight or curly apostrophe, singular or plural, any
/// case, colon optional), giving the text after it. `None` when the line is not a marker.
pub(crate) fn note_marker(line: &str) -> Option<&str> {
    let rest = strip_note_prefix(line)?;
    let rest = rest.trim_start();
    match rest.strip_prefix(':') {
        Some(after) => Some(after.trim()),
        None if rest.is_empty() => Some(""),
        None => None,
    }
}

/// A heading that says it is an author's note: "Author's Note" in any of the forms above,
/// "A/N", "Note" or "Notes", with or without a colon.
pub(crate) fn is_note_title(title: &str) -> bool {
    let title = title.trim();
    let bare = title.trim_end_matches(':').trim().to_lowercase();
    note_marker(title) == Some("") || matches!(bare.as_str(), "a/n" | "note" | "notes")
}

/// Strips a leading "author's note" / "authors notes" (any case) from `line`.
fn strip_note_prefix(line: &str) -> Option<&str> {
    // Most lines are not notes: look at the first letter before anything costs more.
    if !line.starts_with(['a', 'A']) {
        return None;
    }
    let lower_prefix: String = line.chars().take(16).collect::<String>().to_lowercase();
    for form in [
        "author's notes",
        "author’s notes",
        "authors notes",
        "author's note",
        "author’s note",
        "authors note",
    ] {
        if lower_prefix.starts_with(form) {
            // Every form is ASCII apart from the curly apostrophe, whose byte length the
            // lowercase copy keeps, so the prefix has the same length in `line`.
            return line.get(form.len()..);
        }
    }
    None
}

/// Whether a paragraph starts as an author's note does: its first text run decides.
fn paragraph_is_note(paragraph: &Paragraph) -> bool {
    is_note_paragraph(paragraph.leading_text())
}

/// A paragraph that reads as an author's note when it stands at a chapter's edge.
fn is_note_paragraph(text: &str) -> bool {
    let starts_an = text.len() >= 3
        && text.as_bytes()[..3].eq_ignore_ascii_case(b"a/n")
        && !text[3..].starts_with(|c: char| c.is_alphanumeric());
    starts_an || strip_note_prefix(text).is_some_and(|rest| rest.trim_start().starts_with(':'))
}

/// Whether a trimmed line is a scene break: a run of symbols, a word-like divider such as
/// `oOo`, or an explicit marker such as `Scene Break`.
pub fn is_scene_break(line: &str) -> bool {
    let line = line.trim();
    // Every form is short, or made only of symbols; prose fails one of these at once.
    if line.is_empty() || (line.len() > 60 && line.contains(char::is_alphanumeric)) {
        return false;
    }
    is_symbol_run(line) || is_word_divider(line) || is_break_marker(line)
}

fn is_break_symbol(c: char) -> bool {
    matches!(
        c,
        '*' | '_'
            | '.'
            | '~'
            | '-'
            | '='
            | '#'
            | '+'
            | '•'
            | '·'
            | '°'
            | '◦'
            | '○'
            | '●'
            | '◆'
            | '◇'
            | '■'
            | '□'
            | '★'
            | '☆'
            | '♦'
            | '♥'
            | '♡'
            | '❖'
            | '✦'
            | '✧'
            | '⁂'
            | '※'
            | '§'
            | '/'
            | '\\'
            | '|'
            | '^'
            | '<'
            | '>'
            | '—'
            | '–'
            | '…'
            | '⸻'
            | '⸺'
    )
}

fn is_symbol_run(line: &str) -> bool {
    if !line
        .chars()
        .all(|c| is_break_symbol(c) || c == ' ' || c == '\t')
    {
        return false;
    }
    // Two dots are an ellipsis someone typed alone, not a divider.
    let dots_only = line.chars().all(|c| matches!(c, '.' | '…' | ' ' | '\t'));
    let dots: usize = line
        .chars()
        .map(|c| match c {
            '.' => 1,
            '…' => 3,
            _ => 0,
        })
        .sum();
    !dots_only || dots >= 3
}

/// `xXx`, `oOo`, `~oOo~`, `-o-o-`, `o0o`: letters only from x, o and 0, read the same both
/// ways, with mixed case or a symbol so that "xxx" or "Ooo" as words stay text.
fn is_word_divider(line: &str) -> bool {
    let chars: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 3 || chars.len() > 40 {
        return false;
    }
    let letters_ok = chars
        .iter()
        .all(|&c| matches!(c, 'x' | 'X' | 'o' | 'O' | '0') || is_break_symbol(c));
    let has_letter = chars.iter().any(|c| matches!(c, 'x' | 'X' | 'o' | 'O'));
    // Case counts: "oOo" reads the same backwards, the word "Ooo" does not.
    let palindrome = chars.iter().eq(chars.iter().rev());
    let mixed_case =
        chars.iter().any(char::is_ascii_uppercase) && chars.iter().any(char::is_ascii_lowercase);
    let has_other = chars.iter().any(|&c| c == '0' || is_break_symbol(c));
    letters_ok && has_letter && palindrome && (mixed_case || has_other)
}

fn is_break_marker(line: &str) -> bool {
    if line.len() > 40 {
        return false;
    }
    if line.eq_ignore_ascii_case("[break]") {
        return true;
    }
    let words: String = line
        .chars()
        .filter(|c| !is_break_symbol(*c) && !matches!(c, '[' | ']' | '(' | ')' | ':'))
        .collect::<String>()
        .to_lowercase();
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    matches!(
        words.as_str(),
        "scene break" | "line break" | "scenebreak" | "linebreak" | "scene change"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scene_break_forms() {
        for line in [
            "***",
            "* * *",
            "____",
            ".........",
            "~~~~",
            "-----",
            "=====",
            "#",
            "+ + +",
            "•••",
            "xXx",
            "oOo",
            "~oOo~",
            "-o-o-",
            "o0o",
            "*~*~*",
            "Scene Break",
            "scene break",
            "~Scene Break~",
            "Line Break",
            "[break]",
            "[Break]",
            "...",
            "⁂",
        ] {
            assert!(is_scene_break(line), "{line:?} should be a break");
        }
        for line in [
            "\"....\"", "..", "Hello", "xoxo", "xxx", "Ooo", "ok.", "Break", "1. First",
            "...what?", "''...''",
        ] {
            assert!(!is_scene_break(line), "{line:?} should be text");
        }
    }

    #[test]
    fn note_markers() {
        for (line, expected) in [
            ("Author's Notes:", Some("")),
            ("Author's Note:", Some("")),
            ("author's note", Some("")),
            ("AUTHOR’S NOTES:", Some("")),
            ("Authors Note:", Some("")),
            ("Author's Note: thanks all", Some("thanks all")),
            ("Author's Notes are fun", None),
            ("The author's note", None),
        ] {
            assert_eq!(note_marker(line), expected, "{line:?}");
        }
        for (text, expected) in [
            ("A/N: thanks", true),
            ("a/n thanks", true),
            ("(A/N) no", false),
            ("A/Nothing", false),
            ("Author's Note: read this", true),
            ("Author's notes were long", false),
            ("And then", false),
        ] {
            assert_eq!(is_note_paragraph(text), expected, "{text:?}");
        }
    }
}
