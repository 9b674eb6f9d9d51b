use super::*;
use crate::story::Inline;

/// A readable outline of a story: one line per block, nested blocks indented.
fn outline(story: &Story) -> Vec<String> {
    fn blocks(blocks: &[RawBlock], depth: usize, out: &mut Vec<String>) {
        let pad = "  ".repeat(depth);
        for block in blocks {
            match block {
                RawBlock::Paragraph(text) => out.push(format!("{pad}p {}", shown(text))),
                RawBlock::Heading(text) => out.push(format!("{pad}h {}", shown(text))),
                RawBlock::Aligned(alignment, text) => {
                    out.push(format!("{pad}p {alignment:?} {}", shown(text)))
                }
                RawBlock::SceneBreak => out.push(format!("{pad}break")),
                RawBlock::Quote(inner) => {
                    out.push(format!("{pad}quote"));
                    blocks_of(inner, depth + 1, out);
                }
                RawBlock::List { start, items } => {
                    out.push(format!("{pad}list {start:?}"));
                    for item in items {
                        out.push(format!("{pad}- item"));
                        blocks_of(item, depth + 1, out);
                    }
                }
                RawBlock::Table(rows) => {
                    for row in rows {
                        let cells: Vec<String> = row
                            .iter()
                            .map(|c| {
                                format!("{}{}", if c.header { "th " } else { "" }, shown(&c.text))
                            })
                            .collect();
                        out.push(format!("{pad}row {}", cells.join(" | ")));
                    }
                }
                RawBlock::Picture(picture) => out.push(format!("{pad}picture {}", picture.src)),
            }
        }
    }
    fn blocks_of(inner: &[RawBlock], depth: usize, out: &mut Vec<String>) {
        blocks(inner, depth, out)
    }
    let mut out = Vec::new();
    for chapter in &story.chapters {
        out.push(format!(
            "# {}",
            chapter.title.as_deref().unwrap_or("(untitled)")
        ));
        blocks(&chapter.blocks, 0, &mut out);
        for note in &chapter.notes {
            let paragraphs: Vec<String> = note.paragraphs.iter().map(shown).collect();
            out.push(format!("note {paragraphs:?}"));
        }
        for (number, footnote) in &chapter.footnotes {
            out.push(format!("footnote {number}"));
            blocks(footnote, 1, &mut out);
        }
    }
    out
}

/// A paragraph in the raw dialect, with what it cannot say made visible: `\*` for a
/// literal star, ⏎ for a line break, `[^n]` for a footnote reference.
fn shown(paragraph: &Paragraph) -> String {
    fn walk(inlines: &[Inline], out: &mut String) {
        for inline in inlines {
            match inline {
                Inline::Text(text) => {
                    for c in text.chars() {
                        match c {
                            '*' => out.push_str("\\*"),
                            '_' => out.push_str("\\_"),
                            c => out.push(c),
                        }
                    }
                }
                Inline::Emphasis(inner) => {
                    out.push('*');
                    walk(inner, out);
                    out.push('*');
                }
                Inline::Strong(inner) => {
                    out.push_str("**");
                    walk(inner, out);
                    out.push_str("**");
                }
                Inline::Marked(mark, inner) => {
                    out.push_str(&format!("<{mark:?}>"));
                    walk(inner, out);
                    out.push_str(&format!("</{mark:?}>"));
                }
                Inline::LineBreak => out.push('⏎'),
                Inline::FootnoteRef(n) => out.push_str(&format!("[^{n}]")),
            }
        }
    }
    let mut out = String::new();
    walk(&paragraph.inlines(), &mut out);
    out
}

fn read(markdown: &str) -> Story {
    parse_markdown(markdown).expect("the story parses").story
}

#[test]
fn structure() {
    let cases: &[(&str, &[&str])] = &[
        ("Just text.", &["# (untitled)", "p Just text."]),
        (
            "# One\n\nText *em* and **strong**.\n\n# Two\n\nMore.",
            &["# One", "p Text *em* and **strong**.", "# Two", "p More."],
        ),
        // A single `#` heading above `##` chapters is the book's title.
        (
            "# The Book\n\n## One\n\nA.\n\n## Two\n\nB.",
            &["# One", "p A.", "# Two", "p B."],
        ),
        (
            "# One\n\nA.\n\n## Scene\n\nB.",
            &["# One", "p A.", "h Scene", "p B."],
        ),
        (
            "# One\n\nA.\n\n***\n\n---\n\nB.\n\no0o\n\nC.\n\n* * *",
            &["# One", "p A.", "break", "p B.", "break", "p C."],
        ),
        (
            "> quoted\n> > deeper\n\n1. a\n2. b\n   - c\n\n3) x",
            &[
                "# (untitled)",
                "quote",
                "  p quoted",
                "  quote",
                "    p deeper",
                "list Some(1)",
                "- item",
                "  p a",
                "- item",
                "  p b",
                "  list None",
                "  - item",
                "    p c",
                "list Some(3)",
                "- item",
                "  p x",
            ],
        ),
        (
            "Raw <b>bold</b> and\n\n<div>\nblock\n</div>",
            &[
                "# (untitled)",
                "p Raw <b>bold</b> and",
                "p <div>⏎block⏎</div>",
            ],
        ),
        (
            "A \\*star\\* and snake_case and a\\\nbreak.",
            &[
                "# (untitled)",
                "p A \\*star\\* and snake\\_case and a⏎break.",
            ],
        ),
        (
            "[link](http://x.org) ![alt](i.png)",
            &[
                "# (untitled)",
                "p <Link(\"http://x.org\")>link</Link(\"http://x.org\")> alt",
            ],
        ),
        // A link into the source's own pages keeps only its text; strike-through is kept.
        (
            "[back](chapter1.md) ~~gone~~ [x](javascript:alert)",
            &["# (untitled)", "p back <Strike>gone</Strike> x"],
        ),
        // A table: its head row's cells are heading cells.
        (
            "| Who | Said |\n|---|---|\n| A | *hi* |\n| B |  |",
            &[
                "# (untitled)",
                "row th Who | th Said",
                "row A | *hi*",
                "row B | ",
            ],
        ),
    ];
    for (markdown, expected) in cases {
        assert_eq!(outline(&read(markdown)), *expected, "{markdown:?}");
    }
}

#[test]
fn author_notes() {
    let cases: &[(&str, &[&str])] = &[
        (
            "# One\n\nText.\n\n## Author's Note\n\nThanks!\n\n# Two\n\nMore.",
            &["# One", "p Text.", "note [\"Thanks!\"]", "# Two", "p More."],
        ),
        (
            "# One\n\nText.\n\n# Author’s Notes\n\nA.\n\n- b\n\n# Two\n\nMore.",
            &[
                "# One",
                "p Text.",
                "note [\"A.\", \"b\"]",
                "# Two",
                "p More.",
            ],
        ),
        (
            "# One\n\nA/N: thanks for reading\n\nText.",
            &["# One", "p Text.", "note [\"A/N: thanks for reading\"]"],
        ),
    ];
    for (markdown, expected) in cases {
        assert_eq!(outline(&read(markdown)), *expected, "{markdown:?}");
    }
}

#[test]
fn footnotes_are_numbered_across_the_book_and_go_where_first_used() {
    let story = read(
        "# One\n\nA[^x] and b[^y].\n\n# Two\n\nC[^y][^z] and [^missing].\n\n\
         [^y]: Why.\n[^x]: Ex.\n[^z]: Zed.",
    );
    assert_eq!(
        outline(&story),
        [
            "# One",
            "p A[^1] and b[^2].",
            "footnote 1",
            "  p Ex.",
            "footnote 2",
            "  p Why.",
            "# Two",
            "p C[^2][^3] and [^missing].",
            "footnote 3",
            "  p Zed.",
        ]
    );
}

#[test]
fn front_matter() {
    let story = parse_markdown("+++\ntitle = \"T\"\n+++\n# One\n\nText.").expect("parses");
    assert_eq!(story.front_matter.as_deref(), Some("\ntitle = \"T\"\n"));
    assert_eq!(outline(&story.story), ["# One", "p Text."]);
    assert_eq!(
        parse_markdown("+++\ntitle = \"T\"\n\n# One"),
        Err(ReadError::UnclosedFrontMatter)
    );
    assert_eq!(parse_markdown("+++\n+++\n  \n"), Err(ReadError::Blank));
}

#[test]
fn the_story_s_own_characters_stay_text() {
    // Structure travels as data, so no character of the story can pass for it.
    let story = read("a\u{FDD0}b \u{F0001} \\* ⏎ [^1]");
    assert_eq!(
        outline(&story),
        ["# (untitled)", "p a\u{FDD0}b \u{F0001} \\* ⏎ [^1]"]
    );
}

#[test]
fn titles() {
    assert_eq!(read("# Only\n\nText.").title_line.as_deref(), Some("Only"));
    assert_eq!(read("# A\n\nx\n\n# B\n\ny").title_line, None);
    assert_eq!(
        read("# Book\n\n## A\n\nx").title_line.as_deref(),
        Some("Book")
    );
}

#[test]
fn quotes_after_a_line_break_open() {
    let story = read("He said\\\n\"Go.\"\n\nAnd `--` in *\"quotes\"*.");
    let (book, _) = crate::normalize::normalize_story(
        &story,
        crate::book::Metadata::new(
            "T".into(),
            vec!["A".into()],
            "en".into(),
            chrono::DateTime::UNIX_EPOCH,
        ),
        &crate::normalize::Rules::default(),
    );
    let crate::book::Block::Paragraph(first) = &book.chapters[0].blocks[0] else {
        panic!("a paragraph");
    };
    assert_eq!(
        first.inlines().as_slice(),
        [
            crate::book::Inline::Text("He said".into()),
            crate::book::Inline::LineBreak,
            crate::book::Inline::Text("“Go.”".into()),
        ]
    );
    let crate::book::Block::Paragraph(second) = &book.chapters[0].blocks[1] else {
        panic!("a paragraph");
    };
    assert_eq!(second.plain_text(), "And—in “quotes”.");
}

#[test]
fn deep_nesting_is_flattened_not_a_stack_overflow() {
    let quotes = format!("{} deep\n", ">".repeat(5000));
    let story = read(&quotes);
    let depth = |blocks: &[RawBlock]| {
        let mut depth = 0;
        let mut level = blocks;
        while let Some(RawBlock::Quote(inner)) = level.first() {
            depth += 1;
            level = inner;
        }
        depth
    };
    assert_eq!(depth(&story.chapters[0].blocks), MAX_NESTING);
    let lists: String = (0..500)
        .map(|i| format!("{}- x{i}\n", "  ".repeat(i)))
        .collect();
    let story = read(&lists);
    assert_eq!(
        outline(&story).iter().filter(|l| l.contains("p x")).count(),
        500
    );
}
