//! Any text, normalized, in every place a book shows text, rendered to XHTML in every
//! reading mode: every page must be well-formed XML.
#![no_main]

use ficbind::book::{Block, Book, Chapter, Metadata, Note, NoteOrigin, Series};
use ficbind::export::{render, ExportOptions, NotePlacement, ParagraphStyle};
use ficbind::normalize::{normalize_paragraph, Rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let paragraph = normalize_paragraph(&text, &Rules::default()).paragraph;
    let raw = normalize_paragraph(&text, &Rules::without(&ficbind::normalize::Rule::ALL));
    let mut metadata = Metadata::new(
        text.to_string(),
        text.to_string(),
        "en".into(),
        chrono::DateTime::UNIX_EPOCH,
    );
    metadata.tags = vec![text.to_string()];
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
        ],
        notes: vec![Note {
            origin: NoteOrigin::Marker,
            paragraphs: vec![paragraph.clone()],
        }],
    };
    let book = Book {
        metadata,
        description: vec![paragraph],
        chapters: vec![chapter.clone(), chapter],
    };
    for paragraphs in [ParagraphStyle::Indented, ParagraphStyle::Spaced] {
        for notes in [NotePlacement::Appendix, NotePlacement::Inline, NotePlacement::Drop] {
            let options = ExportOptions { paragraphs, notes };
            for page in render(&book, &options).expect("English is a valid language") {
                if let Err(message) = ficbind::check::well_formed(page.xhtml.as_bytes()) {
                    panic!("{} is not well-formed: {message}\n{}", page.file, page.xhtml);
                }
            }
        }
    }
});
