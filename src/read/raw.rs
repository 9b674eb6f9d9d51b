//! Reading the raw story format (see `docs/story-format.md`) into a [`Story`]: description,
//! chapters, paragraphs, scene breaks and author's notes, with the text still as written.

use super::conventions::{is_scene_break, note_marker, take_edge_notes};
use super::emphasis::{find_emphasis, take_spans};
use super::ReadError;
use crate::book::NoteOrigin;
use crate::story::{Paragraph, RawBlock, RawChapter, RawNote, Story};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Read a short untitled last segment as the previous chapter's note.
    pub trailing_note: bool,
    /// Read `*text*`, `**text**` and `_text_` as emphasis and strong; otherwise they stay
    /// text, markers and all.
    pub emphasis: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            trailing_note: true,
            emphasis: true,
        }
    }
}

/// A title line longer than this is read as the chapter's first paragraph.
const MAX_TITLE_CHARS: usize = 120;
/// A trailing segment must hold fewer words than this to be read as a note.
const TRAILING_NOTE_MAX_WORDS: usize = 150;

pub fn parse(text: &str, options: ParseOptions) -> Result<Story, ReadError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let lines = split_lines(text);
    let Some(first) = lines.iter().position(|l| !is_blank(l)) else {
        return Err(ReadError::Blank);
    };
    let has_header = lines[first].trim().eq_ignore_ascii_case("description");
    let body_start = if has_header { first + 1 } else { first };
    let starts: Vec<usize> = (body_start..lines.len())
        .filter(|&i| is_segment_start(lines[i]))
        .collect();

    let mut story = if starts.is_empty() || (!has_header && is_indented_prose(&lines, &starts)) {
        if has_header {
            return Err(ReadError::DescriptionOnly);
        }
        parse_plain(&lines)
    } else {
        parse_segments(&lines, body_start, &starts)
    };
    if options.trailing_note {
        fold_trailing_note(&mut story.chapters);
    }
    if options.emphasis {
        read_emphasis(&mut story);
    }
    Ok(story.finish()?)
}

/// The text's lines, as `split('\n')` gives them, found with a vectorized search: the
/// standard library's looks at a byte at a time, which costs more than parsing the lines.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::with_capacity(text.len() / 64 + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(&text[start..end]);
        start = end + 1;
    }
    lines.push(&text[start..]);
    lines
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// One space, then a non-space character that is not only trailing whitespace.
fn is_segment_start(line: &str) -> bool {
    let mut chars = line.chars();
    chars.next() == Some(' ') && chars.next().is_some_and(|c| c != ' ') && !line.trim().is_empty()
}

/// A file without a header in which most lines start with one space is prose indented by
/// one space, not hundreds of one-paragraph chapters.
fn is_indented_prose(lines: &[&str], starts: &[usize]) -> bool {
    let non_blank = lines.iter().filter(|l| !is_blank(l)).count();
    starts.len() > 3 && starts.len() * 2 > non_blank
}

fn parse_segments(lines: &[&str], body_start: usize, starts: &[usize]) -> Story {
    let description = lines[body_start..starts[0]]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(Paragraph::plain)
        .collect();
    let mut chapters = Vec::with_capacity(starts.len());
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        chapters.push(parse_segment(&lines[start..end]));
    }
    let title_line = chapters.first().and_then(|c| c.title.clone());
    Story {
        title_line,
        description,
        chapters,
    }
}

fn parse_segment(lines: &[&str]) -> RawChapter {
    let first = lines[0].trim_matches([' ', '\t']);
    let rest = &lines[1..];
    let titled = first.chars().count() <= MAX_TITLE_CHARS
        && rest.first().is_some_and(|l| is_blank(l))
        && rest.iter().any(|l| !is_blank(l))
        && !is_scene_break(first)
        && note_marker(first).is_none();
    if titled {
        chapter_from_lines(Some(first.to_owned()), rest.iter().copied())
    } else {
        chapter_from_lines(None, lines.iter().copied())
    }
}

/// Builds a chapter from body lines: one paragraph per non-blank line.
fn chapter_from_lines<'a>(
    title: Option<String>,
    lines: impl Iterator<Item = &'a str>,
) -> RawChapter {
    // Room for a block a line, given back at the end (in place): growing a block at a
    // time would copy the chapter's blocks again at each doubling.
    let mut chapter = RawChapter {
        title,
        blocks: Vec::with_capacity(lines.size_hint().0),
        ..RawChapter::default()
    };
    let mut marker_note: Option<RawNote> = None;
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(note) = marker_note.as_mut() {
            // A break inside a note separates nothing worth keeping.
            if !is_scene_break(line) {
                note.paragraphs.push(Paragraph::plain(line));
            }
            continue;
        }
        match note_marker(line) {
            // With text after it at the very top, the marker is a one-paragraph note.
            Some(rest) if !rest.is_empty() && chapter.blocks.is_empty() => {
                chapter
                    .blocks
                    .push(RawBlock::Paragraph(Paragraph::plain(line)));
            }
            Some(rest) => {
                let mut note = RawNote {
                    origin: NoteOrigin::Marker,
                    paragraphs: Vec::new(),
                };
                if !rest.is_empty() {
                    note.paragraphs.push(Paragraph::plain(rest));
                }
                marker_note = Some(note);
            }
            None if is_scene_break(line) => chapter.blocks.push(RawBlock::SceneBreak),
            None => chapter
                .blocks
                .push(RawBlock::Paragraph(Paragraph::plain(line))),
        }
    }
    chapter.blocks.shrink_to_fit();
    take_edge_notes(&mut chapter);
    if let Some(note) = marker_note.filter(|n| !n.paragraphs.is_empty()) {
        chapter.notes.push(note);
    }
    chapter
}

fn chapter_words(chapter: &RawChapter) -> usize {
    chapter.blocks.iter().map(RawBlock::word_count).sum()
}

/// Finds the emphasis markers in every text of the story. Titles are plain text: their
/// markers are dropped, not shown.
fn read_emphasis(story: &mut Story) {
    fn title(title: &mut Option<String>) {
        if let Some(text) = title {
            if memchr::memchr2(b'*', b'_', text.as_bytes()).is_some() {
                *text = find_emphasis(text).plain_text();
            }
        }
    }
    fn paragraph(paragraph: &mut Paragraph) {
        if let Some(text) = paragraph.plain_text_mut() {
            if let Some(found) = take_spans(text) {
                *paragraph = found;
            }
        }
    }
    title(&mut story.title_line);
    story.description.iter_mut().for_each(paragraph);
    for chapter in &mut story.chapters {
        title(&mut chapter.title);
        for block in &mut chapter.blocks {
            match block {
                RawBlock::Paragraph(p) | RawBlock::Heading(p) | RawBlock::Aligned(_, p) => {
                    paragraph(p)
                }
                RawBlock::Table(rows) => rows
                    .iter_mut()
                    .flatten()
                    .for_each(|c| paragraph(&mut c.text)),
                RawBlock::SceneBreak
                | RawBlock::Quote(_)
                | RawBlock::List { .. }
                | RawBlock::Picture(_) => {}
            }
        }
        for note in &mut chapter.notes {
            note.paragraphs.iter_mut().for_each(paragraph);
        }
    }
}

/// A short untitled last segment is the author's note of the chapter before it.
fn fold_trailing_note(chapters: &mut Vec<RawChapter>) {
    let [.., _, last] = chapters.as_slice() else {
        return;
    };
    if last.title.is_some() || !last.notes.is_empty() {
        return;
    }
    let words = chapter_words(last);
    if words >= TRAILING_NOTE_MAX_WORDS {
        return;
    }
    let shortest_other = chapters[..chapters.len() - 1]
        .iter()
        .map(chapter_words)
        .min()
        .unwrap_or(0);
    if words * 4 >= shortest_other {
        return;
    }
    if let Some(last) = chapters.pop() {
        let paragraphs: Vec<Paragraph> = last
            .blocks
            .into_iter()
            .filter_map(RawBlock::into_paragraph)
            .collect();
        if let Some(previous) = chapters.last_mut() {
            previous.notes.push(RawNote {
                origin: NoteOrigin::TrailingSegment,
                paragraphs,
            });
        }
    }
}

fn parse_plain(lines: &[&str]) -> Story {
    let groups: Vec<Vec<&str>> = lines
        .split(|l| is_blank(l))
        .filter(|g| !g.is_empty())
        .map(|g| g.iter().map(|l| l.trim()).collect())
        .collect();
    let join_blocks = is_hard_wrapped(&groups);
    // A first line that stands alone and reads as a title names the book.
    let title_line = match groups.as_slice() {
        [first, _, _, ..] if first.len() == 1 && is_book_title(first[0]) => {
            Some(first[0].to_owned())
        }
        _ => None,
    };
    let body_groups = &groups[usize::from(title_line.is_some())..];

    let mut chapters: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for group in body_groups {
        if let [line] = group.as_slice() {
            if is_heading(line) {
                chapters.push((Some((*line).to_owned()), Vec::new()));
                continue;
            }
        }
        if chapters.is_empty() {
            chapters.push((None, Vec::new()));
        }
        let Some((_, body)) = chapters.last_mut() else {
            continue;
        };
        if join_blocks && !group.iter().any(|l| is_scene_break(l)) {
            body.push(group.join(" "));
        } else {
            body.extend(group.iter().map(|l| (*l).to_owned()));
        }
    }
    // A heading with nothing under it, such as a closing "The End"-style line, is text.
    let chapters = chapters
        .into_iter()
        .map(|(title, body)| match title {
            Some(t) if body.is_empty() => chapter_from_lines(None, std::iter::once(t.as_str())),
            title => chapter_from_lines(title, body.iter().map(String::as_str)),
        })
        .collect();
    Story {
        title_line,
        description: Vec::new(),
        chapters,
    }
}

/// Whether a plain file's first line is its title: short, not a chapter heading, not
/// speech, and not a sentence (titles end without a period, comma or colon).
fn is_book_title(line: &str) -> bool {
    let words = line.split_whitespace().count();
    (1..=12).contains(&words)
        && line.chars().count() <= 80
        && !is_heading(line)
        && !is_scene_break(line)
        && !line.starts_with(['"', '\'', '“', '‘', '-', '—', '–', '*', '(', '['])
        && !line.ends_with(['.', ',', ';', ':', '"', '\'', '”', '’', '-', '—'])
        && line.chars().any(char::is_alphabetic)
}

/// Blocks separated by blank lines whose lines were broken at a fixed width. The sign is
/// a stable right margin: the lines that do not end a block end near one width, and
/// hardly any line is longer. How many blocks span several lines does not decide it: in a
/// book of short dialogue, most paragraphs fit on one line.
fn is_hard_wrapped(groups: &[Vec<&str>]) -> bool {
    let multi_line = groups.iter().filter(|g| g.len() > 1).count();
    if groups.len() < 2 || multi_line < 2 {
        return false;
    }
    let mut lengths: Vec<usize> = groups.iter().flatten().map(|l| l.chars().count()).collect();
    lengths.sort_unstable();
    // The margin: what all but the longest few lines stay within.
    let margin = lengths[((lengths.len() - 1) * 19).div_ceil(20)];
    if !(30..=100).contains(&margin) {
        return false;
    }
    // A wrapped line ends where the next word would not have fitted: that, not a length
    // alone, tells wrapping from verse or a letter's short lines.
    let (mut inner, mut broken_at_margin) = (0usize, 0usize);
    for group in groups.iter().filter(|g| g.len() > 1) {
        for pair in group.windows(2) {
            inner += 1;
            let len = pair[0].chars().count();
            let next_word = pair[1]
                .split_whitespace()
                .next()
                .map_or(0, |w| w.chars().count());
            if len <= margin + 2 && len + 1 + next_word + 2 > margin {
                broken_at_margin += 1;
            }
        }
    }
    let longer = lengths.iter().filter(|&&len| len > margin + 2).count();
    // Nearly every break is at the margin, and only a stray line goes past it.
    broken_at_margin * 5 >= inner * 4 && longer * 20 <= lengths.len()
}

const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
];

/// `Chapter 12`, `Chapter One: The Storm`, `Part II`, `Prologue`, `Epilogue`.
fn is_heading(line: &str) -> bool {
    if line.chars().count() > MAX_TITLE_CHARS {
        return false;
    }
    let lower = line.to_lowercase();
    let mut words = lower.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let first = first.trim_end_matches([':', '.']);
    match first {
        "prologue" | "epilogue" | "interlude" | "afterword" | "foreword" => {
            // "Prologue" alone or followed by a subtitle after a separator.
            let after = lower[lower.find(first).unwrap_or(0) + first.len()..].trim_start();
            after.is_empty() || after.starts_with([':', '-', '—', '–', '.'])
        }
        "chapter" | "part" | "book" => words.next().is_some_and(|n| {
            let n = n.trim_end_matches([':', '.', ',']);
            is_heading_number(n)
        }),
        _ => false,
    }
}

fn is_heading_number(token: &str) -> bool {
    if token.is_empty() {
        return false;
    }
    token.chars().all(|c| c.is_ascii_digit())
        || token.chars().all(|c| "ivxlcdm".contains(c))
        || token.split('-').all(|part| NUMBER_WORDS.contains(&part))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every paragraph of every chapter, as plain text.
    fn paragraphs_of(story: &Story) -> Vec<String> {
        story
            .chapters
            .iter()
            .flat_map(|c| &c.blocks)
            .filter_map(|b| match b {
                RawBlock::Paragraph(p) => Some(p.plain_text()),
                _ => None,
            })
            .collect()
    }

    /// Paragraphs as text, emphasis written back as `*…*`.
    fn texts(paragraphs: &[Paragraph]) -> Vec<String> {
        fn walk(inlines: &[crate::story::Inline], out: &mut String) {
            for inline in inlines {
                match inline {
                    crate::story::Inline::Text(t) => out.push_str(t),
                    crate::story::Inline::Emphasis(inner) => {
                        out.push('*');
                        walk(inner, out);
                        out.push('*');
                    }
                    crate::story::Inline::Strong(inner) => {
                        out.push_str("**");
                        walk(inner, out);
                        out.push_str("**");
                    }
                    _ => {}
                }
            }
        }
        paragraphs
            .iter()
            .map(|p| {
                let mut out = String::new();
                walk(&p.inlines(), &mut out);
                out
            })
            .collect()
    }

    fn parse_default(text: &str) -> Story {
        parse(text, ParseOptions::default()).unwrap()
    }

    #[test]
    fn lines_split_like_the_standard_library() {
        for text in [
            "",
            "\n",
            "one",
            "one\n",
            "one\ntwo",
            "\n\none\n\n",
            "é\n東京\n",
        ] {
            assert_eq!(
                split_lines(text),
                text.split('\n').collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    fn paragraphs(chapter: &RawChapter) -> Vec<String> {
        chapter
            .blocks
            .iter()
            .map(|b| match b {
                RawBlock::Paragraph(p) => texts(std::slice::from_ref(p))[0].clone(),
                RawBlock::SceneBreak => "<break>".to_string(),
                _ => "<markdown block>".to_string(),
            })
            .collect()
    }

    #[test]
    fn segment_starts() {
        for (line, expected) in [
            (" Title", true),
            (" \t\tLet it go", true),
            ("  indented", false),
            (" ", false),
            ("Body", false),
            ("\tTabbed", false),
            (" \t ", false),
        ] {
            assert_eq!(is_segment_start(line), expected, "{line:?}");
        }
    }

    #[test]
    fn title_lines() {
        // (segment text, expected title)
        for (text, title) in [
            (" Title\n\nBody text here.\n", Some("Title")),
            (" \t\tTabbed Title\n\n\nBody.\n", Some("Tabbed Title")),
            // No blank line after: the first line is body text.
            (" First line\nSecond line\n", None),
            // Nothing after the blank line: not a title.
            (" Only line\n\n", None),
            // Too long to be a title.
            (&format!(" {}\n\nBody\n", "word ".repeat(30)), None),
        ] {
            let story = parse_default(&format!("\tDescription\n\nDesc.\n{text}"));
            assert_eq!(story.chapters[0].title.as_deref(), title, "{text:?}");
        }
    }

    #[test]
    fn untitled_segment_keeps_its_first_line_as_text() {
        let story = parse_default(" First line\nSecond line\n");
        assert_eq!(
            paragraphs(&story.chapters[0]),
            ["First line", "Second line"]
        );
    }

    #[test]
    fn description_and_chapters() {
        let story = parse_default(
            " \t\tDescription\n\nLine one.\nLine two.\n \tFirst\n\nA.\nB.\n Second start\nC.\n \n",
        );
        assert_eq!(texts(&story.description), ["Line one.", "Line two."]);
        assert_eq!(story.title_line.as_deref(), Some("First"));
        assert_eq!(story.chapters.len(), 2);
        assert_eq!(paragraphs(&story.chapters[0]), ["A.", "B."]);
        assert_eq!(story.chapters[1].title, None);
        assert_eq!(paragraphs(&story.chapters[1]), ["Second start", "C."]);
    }

    #[test]
    fn breaks_collapse_and_never_stand_at_the_edges() {
        let story = parse_default(" T\n\n***\nA\n***\n\n~~~\nB\n----\n");
        assert_eq!(paragraphs(&story.chapters[0]), ["A", "<break>", "B"]);
    }

    #[test]
    fn note_forms() {
        // (chapter body, expected paragraphs, expected notes)
        type ExpectedNotes<'a> = &'a [(NoteOrigin, &'a [&'a str])];
        let cases: &[(&str, &[&str], ExpectedNotes)] = &[
            (
                "A\nB\nAuthor's Notes:\nN1\nN2\n",
                &["A", "B"],
                &[(NoteOrigin::Marker, &["N1", "N2"])],
            ),
            (
                "A\nAuthor's Note: inline first\nN2\n",
                &["A"],
                &[(NoteOrigin::Marker, &["inline first", "N2"])],
            ),
            (
                "A/N: top note\nA\nB\n",
                &["A", "B"],
                &[(NoteOrigin::Top, &["A/N: top note"])],
            ),
            (
                "A\nB\nA/N bottom\n",
                &["A", "B"],
                &[(NoteOrigin::Bottom, &["A/N bottom"])],
            ),
            (
                "Author's Note: at the top\nA\n",
                &["A"],
                &[(NoteOrigin::Top, &["Author's Note: at the top"])],
            ),
            ("A/N in the middle?\n", &["A/N in the middle?"], &[]),
            ("A\nA/N: middle\nB\n", &["A", "A/N: middle", "B"], &[]),
        ];
        for (body, expected_paragraphs, expected_notes) in cases {
            let story = parse_default(&format!(" Title\n\n{body}"));
            let chapter = &story.chapters[0];
            assert_eq!(paragraphs(chapter), *expected_paragraphs, "{body:?}");
            let notes: Vec<(NoteOrigin, Vec<String>)> = chapter
                .notes
                .iter()
                .map(|n| (n.origin, texts(&n.paragraphs)))
                .collect();
            let expected: Vec<(NoteOrigin, Vec<String>)> = expected_notes
                .iter()
                .map(|(o, p)| (*o, p.iter().map(|s| s.to_string()).collect()))
                .collect();
            assert_eq!(notes, expected, "{body:?}");
        }
    }

    #[test]
    fn trailing_segment_becomes_a_note_only_when_short() {
        let long = "word ".repeat(100);
        let text = format!(" One\n\n{long}\n Two\n\n{long}\n Thanks for reading\nSee you.\n");
        let story = parse_default(&text);
        assert_eq!(story.chapters.len(), 2);
        assert_eq!(
            story.chapters[1].notes[0].origin,
            NoteOrigin::TrailingSegment
        );
        assert_eq!(
            texts(&story.chapters[1].notes[0].paragraphs),
            ["Thanks for reading", "See you."]
        );

        let off = parse(
            &text,
            ParseOptions {
                trailing_note: false,
                ..ParseOptions::default()
            },
        )
        .unwrap();
        assert_eq!(off.chapters.len(), 3);

        // A quarter or more of the shortest chapter: a chapter of its own.
        let short = format!(" One\n\n{long}\n Two\n\nfew words\n Three words here\nand more\n");
        assert_eq!(parse_default(&short).chapters.len(), 3);

        // A titled last segment is a chapter.
        let titled = format!(" One\n\n{long}\n Epilogue\n\nShort.\n");
        assert_eq!(parse_default(&titled).chapters.len(), 2);
    }

    #[test]
    fn plain_files() {
        let story = parse_default("Just a story.\nSecond paragraph.\n");
        assert_eq!(story.chapters.len(), 1);
        assert_eq!(story.chapters[0].title, None);
        assert_eq!(
            paragraphs(&story.chapters[0]),
            ["Just a story.", "Second paragraph."]
        );

        let story = parse_default(
            "Chapter 1\n\nIt began.\n\nChapter Two: The Storm\n\nRain.\n\nEpilogue\n\nEnd.\n",
        );
        let titles: Vec<_> = story.chapters.iter().map(|c| c.title.as_deref()).collect();
        assert_eq!(
            titles,
            [
                Some("Chapter 1"),
                Some("Chapter Two: The Storm"),
                Some("Epilogue")
            ]
        );

        let story = parse_default("Opening lines.\n\nPart II\n\nMore.\n");
        assert_eq!(story.chapters.len(), 2);
        assert_eq!(story.chapters[0].title, None);
        assert_eq!(story.chapters[1].title.as_deref(), Some("Part II"));
    }

    #[test]
    fn headings() {
        for (line, expected) in [
            ("Chapter 12", true),
            ("Chapter One: The Storm", true),
            ("chapter twenty-one", true),
            ("Part II", true),
            ("Prologue", true),
            ("Epilogue: After", true),
            ("Chapter and verse", false),
            ("Prologues are boring", false),
            ("The chapter 1", false),
        ] {
            assert_eq!(is_heading(line), expected, "{line:?}");
        }
    }

    #[test]
    fn wrapping_is_told_from_the_right_margin_not_the_share_of_long_blocks() {
        // A book of short dialogue: most paragraphs fit on one line of the 60-column wrap.
        let mut text = String::new();
        for n in 0..12 {
            text.push_str(&format!("\"Line {n} of talk,\" said he.\n\n"));
        }
        text.push_str(
            "The rain had not stopped for three days and the river was\n\
             rising fast, and the old mill by the ford had gone under\n\
             the brown water before anyone thought to move the sacks.\n\n\
             She looked out of the window and sighed, wondering when\n\
             it would end, and whether the bridge would hold tonight.\n",
        );
        let story = parse(&text, ParseOptions::default()).expect("it parses");
        let paragraphs = paragraphs_of(&story);
        assert_eq!(paragraphs.len(), 14, "{paragraphs:#?}");
        assert!(paragraphs[12].starts_with("The rain") && paragraphs[12].ends_with("sacks."));

        // Verse among long one-line paragraphs keeps its lines.
        let long = "This paragraph is a single long line, as most stories are typed, \
                    running on well past any margin a wrapping editor would use.";
        let verse = "Roses are red,\nviolets are blue,\nsugar is sweet\nand so are you.";
        let text = format!("{long}\n\n{verse}\n\n{long}\n\n{verse}\n\n{long}\n");
        let story = parse(&text, ParseOptions::default()).expect("it parses");
        assert!(paragraphs_of(&story).contains(&"Roses are red,".to_string()));
    }

    #[test]
    fn a_plain_files_first_line_names_the_book_when_it_reads_as_a_title() {
        let story = parse_default("The Lantern Keeper\n\nIt was late.\n\nShe lit the lamp.\n");
        assert_eq!(story.title_line.as_deref(), Some("The Lantern Keeper"));
        assert_eq!(paragraphs_of(&story), ["It was late.", "She lit the lamp."]);
        for first in [
            "Chapter 1",
            "It was late.",
            "\"Run!\" she said",
            "* * *",
            "Hi,",
            "A sentence that goes on and on far beyond what anyone would ever call a title line",
        ] {
            let story = parse_default(&format!("{first}\n\nIt was late.\n\nShe lit the lamp.\n"));
            assert_eq!(story.title_line, None, "{first}");
        }
        // A title and nothing but one paragraph is a one-paragraph story, not a title.
        assert_eq!(
            parse_default("Short Title\n\nOnly text.\n").title_line,
            None
        );
    }

    #[test]
    fn hard_wrapped_blocks_are_joined() {
        let text = "The rain had not stopped for three days and the river\nwas rising fast.\n\nShe looked out of the window and sighed, wondering\nwhen it would end.\n";
        let story = parse_default(text);
        assert_eq!(
            paragraphs(&story.chapters[0]),
            [
                "The rain had not stopped for three days and the river was rising fast.",
                "She looked out of the window and sighed, wondering when it would end."
            ]
        );
    }

    #[test]
    fn prose_indented_by_one_space_is_a_plain_file() {
        let story = parse_default(" One.\n Two.\n Three.\n Four.\n Five.\n");
        assert_eq!(story.chapters.len(), 1);
        assert_eq!(paragraphs(&story.chapters[0]).len(), 5);
    }

    #[test]
    fn refusals() {
        assert_eq!(
            parse("\n \n\t\n", ParseOptions::default()),
            Err(ReadError::Blank)
        );
        assert_eq!(
            parse(
                "\tDescription\n\nOnly a description.\n",
                ParseOptions::default()
            ),
            Err(ReadError::DescriptionOnly)
        );
    }

    #[test]
    fn sample_let_it_go() {
        let story = parse_default(include_str!("../../stories/let-it-go.txt"));
        assert_eq!(story.title_line.as_deref(), Some("Let it go"));
        assert_eq!(story.description.len(), 2);
        assert_eq!(story.chapters.len(), 3);
        assert_eq!(story.chapters[0].title.as_deref(), Some("Let it go"));
        assert_eq!(story.chapters[1].title, None);
        assert_eq!(story.chapters[2].title, None);
        let breaks: Vec<usize> = story
            .chapters
            .iter()
            .map(|c| {
                c.blocks
                    .iter()
                    .filter(|b| **b == RawBlock::SceneBreak)
                    .count()
            })
            .collect();
        assert_eq!(breaks, [0, 0, 1]);
        assert!(story.chapters[..2].iter().all(|c| c.notes.is_empty()));
        let notes = &story.chapters[2].notes;
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].origin, NoteOrigin::TrailingSegment);
        assert!(texts(&notes[0].paragraphs)[0].starts_with("Thanks for all of the views"));
    }

    #[test]
    fn sample_dont_leave() {
        let story = parse_default(include_str!("../../stories/dont-leave.txt"));
        assert_eq!(story.title_line.as_deref(), Some("Don't Leave!"));
        assert_eq!(story.description.len(), 3);
        assert_eq!(story.chapters.len(), 1);
        let chapter = &story.chapters[0];
        assert_eq!(chapter.title.as_deref(), Some("Don't Leave!"));
        assert_eq!(
            chapter
                .blocks
                .iter()
                .filter(|b| **b == RawBlock::SceneBreak)
                .count(),
            3
        );
        assert_eq!(chapter.notes.len(), 1);
        assert_eq!(chapter.notes[0].origin, NoteOrigin::Marker);
        assert!(texts(&chapter.notes[0].paragraphs)[0].starts_with("A sad fic I wrote"));
    }

    #[test]
    fn generated_stories_parse_into_several_chapters() {
        let parsed = parse_default(&ficbind_corpus::story(3, 60_000));
        assert!(parsed.chapters.len() >= 3, "{}", parsed.chapters.len());
        assert_eq!(parsed.description.len(), 2);
    }
}
