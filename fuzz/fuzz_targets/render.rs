//! Any text, normalized, in every place a book shows text, rendered to XHTML in every
//! reading mode: every page must be well-formed XML.
#![no_main]

use ficbind::book::{Block, Book, Chapter, Footnote, Inline, Metadata, Note, NoteOrigin, Series};
use ficbind::export::{render, ExportOptions, Format, NotePlacement, ParagraphStyle};
use ficbind::normalize::{normalize_paragraph, Rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let found = ficbind::read::emphasis::find_emphasis(&text);
    let mut paragraph = normalize_paragraph(&found, &Rules::default()).paragraph;
    paragraph.0.push(Inline::LineBreak);
    paragraph.0.push(Inline::FootnoteRef(1));
    let plain = ficbind::book::Paragraph::plain(text.to_string());
    let raw = normalize_paragraph(&plain, &Rules::without(&ficbind::normalize::Rule::ALL));
    let mut metadata = Metadata::new(
        text.to_string(),
        vec![text.to_string()],
        "en".into(),
        chrono::DateTime::UNIX_EPOCH,
    );
    metadata.tags = vec![ficbind::book::Tag {
        kind: ficbind::book::TagKind::Freeform,
        name: text.to_string(),
    }];
    metadata.series = Some(Series {
        name: text.to_string(),
        index: Some(1.5),
    });
    metadata.publisher = Some(text.to_string());
    metadata.source = Some(text.to_string());
    metadata.rights = Some(text.to_string());
    let chapter = Chapter {
        title: text.to_string(),
        titled: true,
        blocks: vec![
            Block::Paragraph(paragraph.clone()),
            Block::SceneBreak,
            Block::Paragraph(raw.paragraph.clone()),
            Block::Heading(paragraph.clone()),
            Block::Quote(vec![Block::Paragraph(paragraph.clone())]),
            Block::List {
                start: Some(3),
                items: vec![vec![Block::Paragraph(raw.paragraph.clone())]],
            },
        ],
        notes: vec![Note {
            origin: NoteOrigin::Marker,
            paragraphs: vec![paragraph.clone()],
        }],
        footnotes: vec![Footnote {
            number: 1,
            blocks: vec![Block::Paragraph(paragraph.clone())],
        }],
    };
    let book = Book {
        metadata,
        description: vec![paragraph],
        chapters: vec![chapter.clone(), chapter],
    };
    let format = match data.len() % 3 {
        0 => Format::Epub3,
        1 => Format::Epub2,
        _ => Format::Kepub,
    };
    for paragraphs in [ParagraphStyle::Indented, ParagraphStyle::Spaced] {
        for notes in [
            NotePlacement::Appendix,
            NotePlacement::Inline,
            NotePlacement::Drop,
        ] {
            let options = ExportOptions {
                format,
                paragraphs,
                notes,
            };
            for page in render(&book, &options).expect("English is a valid language") {
                if let Err(ficbind::check::XmlError(message)) = ficbind::check::well_formed(page.xhtml.as_bytes()) {
                    panic!(
                        "{} is not well-formed: {message}\n{}",
                        page.file, page.xhtml
                    );
                }
            }
        }
    }
});
