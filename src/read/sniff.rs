//! Files that are not stories, told by their first bytes so that each gets a message naming
//! what it is and what to do, instead of a guess at "binary data" or a book of markup.

/// A file of a kind ficbind does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this is {what}, not a story in a format ficbind reads (text, Markdown, HTML or EPUB); {advice}")]
pub struct NotAStory {
    /// What the file is, with its article: "a PDF document".
    pub what: &'static str,
    pub advice: &'static str,
}

const CONVERT_WITH_CALIBRE: &str =
    "save the story as text from its site, or convert it with calibre first \
     (ebook-convert FILE story.txt)";

/// One kind of file, told by a test of its first bytes.
struct Signature {
    what: &'static str,
    advice: &'static str,
    matches: fn(&[u8]) -> bool,
}

/// In order: the first that matches names the file. Zip-based formats come before the
/// plain zip archive.
const SIGNATURES: &[Signature] = &[
    Signature {
        what: "a Word document (DOCX)",
        advice: "save it as plain text (.txt) or Markdown from your word processor",
        matches: |b| is_zip(b) && has_zip_name_prefix(b, b"word/"),
    },
    Signature {
        what: "an OpenDocument file",
        advice: "save it as plain text (.txt) or Markdown from your word processor",
        matches: |b| {
            is_zip(b)
                && zip_member_name(b) == Some(b"mimetype")
                && b[38.min(b.len())..].starts_with(b"application/vnd.oasis.opendocument")
        },
    },
    Signature {
        what: "a zip archive",
        advice: "unpack it and convert the stories inside",
        matches: is_zip,
    },
    Signature {
        what: "a Kindle book (MOBI, AZW or AZW3)",
        advice: CONVERT_WITH_CALIBRE,
        matches: |b| b.get(60..68) == Some(b"BOOKMOBI"),
    },
    Signature {
        what: "a Kindle book (KFX)",
        advice: CONVERT_WITH_CALIBRE,
        matches: |b| b.starts_with(b"CONT\x02\x00") || b.starts_with(b"\xeaDRMION\xee"),
    },
    Signature {
        what: "a PDF document",
        advice: CONVERT_WITH_CALIBRE,
        matches: |b| b.starts_with(b"%PDF-"),
    },
    Signature {
        what: "an old Word document (DOC)",
        advice: "save it as plain text (.txt) or Markdown from your word processor",
        matches: |b| b.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    },
    Signature {
        what: "an RTF document",
        advice: "save it as plain text (.txt) or Markdown from your word processor",
        matches: |b| b.starts_with(b"{\\rtf"),
    },
    Signature {
        what: "an image",
        advice: "to use it as a cover, put it in covers/ named after the story, or name it \
                 in the story's sidecar (cover = \"image.jpg\")",
        matches: |b| {
            b.starts_with(b"\x89PNG\r\n\x1a\n")
                || b.starts_with(b"\xff\xd8\xff")
                || b.starts_with(b"GIF87a")
                || b.starts_with(b"GIF89a")
                || (b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP"))
        },
    },
    Signature {
        what: "a JSON file",
        advice: "ficbind reads the story's text, not a site's data export",
        matches: is_json,
    },
];

/// A zip whose first entry is a `mimetype` saying EPUB.
pub(super) fn is_epub(b: &[u8]) -> bool {
    is_zip(b)
        && zip_member_name(b) == Some(b"mimetype")
        && b[38.min(b.len())..].starts_with(b"application/epub+zip")
}

/// Refuses a file whose first bytes say it is not a story.
pub fn refuse_non_story(bytes: &[u8]) -> Result<(), NotAStory> {
    match SIGNATURES.iter().find(|s| (s.matches)(bytes)) {
        Some(signature) => Err(NotAStory {
            what: signature.what,
            advice: signature.advice,
        }),
        None => Ok(()),
    }
}

pub(super) fn is_zip(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04")
}

/// The name of a zip's first member, from its local header.
fn zip_member_name(b: &[u8]) -> Option<&[u8]> {
    let length = usize::from(u16::from_le_bytes([*b.get(26)?, *b.get(27)?]));
    b.get(30..30 + length)
}

/// Whether a member whose name starts with `prefix` appears near the start of a zip.
fn has_zip_name_prefix(b: &[u8], prefix: &[u8]) -> bool {
    let head = &b[..b.len().min(64 * 1024)];
    memchr::memmem::find(head, prefix).is_some()
}

/// The text after a byte-order mark and white space.
fn start_of_text(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    let skip = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[skip..]
}

fn starts_with_ignore_case(b: &[u8], prefix: &[u8]) -> bool {
    b.len() >= prefix.len() && b[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// A document that opens as HTML does: a doctype or an `<html>` element, perhaps after an
/// XML declaration or a comment.
pub(super) fn is_html(b: &[u8]) -> bool {
    let mut start = start_of_text(b);
    for _ in 0..4 {
        if starts_with_ignore_case(start, b"<!doctype html")
            || starts_with_ignore_case(start, b"<html")
        {
            return true;
        }
        let skippable =
            starts_with_ignore_case(start, b"<?xml") || starts_with_ignore_case(start, b"<!--");
        if !skippable {
            return false;
        }
        let close: &[u8] = if start.starts_with(b"<!--") {
            b"-->"
        } else {
            b"?>"
        };
        match memchr::memmem::find(start, close) {
            Some(at) => start = start_of_text(&start[at + close.len()..]),
            None => return false,
        }
    }
    false
}

/// An object whose first member is a quoted key: `{"`, perhaps with spaces between.
fn is_json(b: &[u8]) -> bool {
    let start = start_of_text(b);
    start.first() == Some(&b'{') && start_of_text(&start[1..]).first() == Some(&b'"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn what(bytes: &[u8]) -> Option<&'static str> {
        refuse_non_story(bytes).err().map(|e| e.what)
    }

    /// A zip whose first member is `name` holding `data`, stored.
    fn zip_with(name: &[u8], data: &[u8]) -> Vec<u8> {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&[0; 22]);
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&[0, 0]);
        zip.extend_from_slice(name);
        zip.extend_from_slice(data);
        zip
    }

    #[test]
    fn non_stories_are_named() {
        let mut mobi = vec![0u8; 60];
        mobi.extend_from_slice(b"BOOKMOBI");
        let cases: Vec<(Vec<u8>, Option<&str>)> = vec![
            (
                zip_with(b"word/document.xml", b""),
                Some("a Word document (DOCX)"),
            ),
            (zip_with(b"stories/a.txt", b"text"), Some("a zip archive")),
            (mobi, Some("a Kindle book (MOBI, AZW or AZW3)")),
            (b"%PDF-1.7\n".to_vec(), Some("a PDF document")),
            (b"\x89PNG\r\n\x1a\n....".to_vec(), Some("an image")),
            (b"\xff\xd8\xff\xe0".to_vec(), Some("an image")),
            (b"RIFF\0\0\0\0WEBPVP8 ".to_vec(), Some("an image")),
            (b"{\n  \"title\": \"x\"}".to_vec(), Some("a JSON file")),
            (b"{\\rtf1\\ansi".to_vec(), Some("an RTF document")),
            // Stories, however odd their first characters.
            (b"Description\n<p>not a page</p>".to_vec(), None),
            (b"{A/N: hello} Chapter one".to_vec(), None),
            (b"<3 this story".to_vec(), None),
            (b"PK is a name".to_vec(), None),
            (b"".to_vec(), None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                what(&bytes),
                expected,
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn books_and_pages_are_told_apart() {
        assert!(is_epub(&zip_with(b"mimetype", b"application/epub+zip")));
        assert!(!is_epub(&zip_with(b"mimetype", b"application/zip")));
        assert!(is_html(b"<!DOCTYPE html>\n<html>"));
        assert!(is_html(
            b"\xef\xbb\xbf  <?xml version=\"1.0\"?>\n<!-- saved -->\n<HTML lang=en>"
        ));
        assert!(!is_html(b"Description\n<p>not a page</p>"));
    }

    #[test]
    fn the_message_names_the_kind_and_what_to_do() {
        let message = refuse_non_story(b"%PDF-1.4").unwrap_err().to_string();
        assert!(
            message.starts_with("this is a PDF document, not a story"),
            "{message}"
        );
        assert!(message.contains("ebook-convert"), "{message}");
    }
}
