//! Turning a story file's bytes into text: encodings, byte-order marks and line ends.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

/// Why a file's bytes cannot be read as a story.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("the file holds NUL bytes, so it is binary data, not a story; convert it to plain text first")]
    NulBytes,
    #[error("the file is mostly non-text bytes ({percent}% control characters); it does not look like a story")]
    NotText { percent: usize },
}

/// Decoded text with LF line ends, and what had to be guessed on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding that was used, by its WHATWG name.
    pub encoding: &'static str,
    pub warnings: Vec<String>,
}

pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    decode_bytes(Cow::Borrowed(bytes))
}

/// As [`decode`], taking the bytes: UTF-8, the usual case, becomes the text in place,
/// so that a large story is not held twice.
pub fn decode_owned(bytes: Vec<u8>) -> Result<Decoded, DecodeError> {
    decode_bytes(Cow::Owned(bytes))
}

/// The bytes as a UTF-8 string, without a copy when they are owned; else the bytes back.
fn into_utf8(bytes: Cow<'_, [u8]>) -> Result<String, Cow<'_, [u8]>> {
    match bytes {
        Cow::Owned(bytes) => String::from_utf8(bytes).map_err(|e| Cow::Owned(e.into_bytes())),
        Cow::Borrowed(bytes) => std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| Cow::Borrowed(bytes)),
    }
}

fn decode_bytes(bytes: Cow<'_, [u8]>) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut warnings = Vec::new();
    let (text, encoding): (String, &'static Encoding) =
        if let Some((encoding, bom_len)) = Encoding::for_bom(&bytes) {
            // A BOM is an explicit statement; malformed sequences after it become U+FFFD.
            let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
            if had_errors {
                warnings.push(format!(
                    "some bytes are not valid {}; they were replaced with \u{FFFD}",
                    encoding.name()
                ));
            }
            (text.into_owned(), encoding)
        } else {
            if bytes.contains(&0) {
                return Err(DecodeError::NulBytes);
            }
            match into_utf8(bytes) {
                Ok(text) => (text, UTF_8),
                Err(bytes) => {
                    let encoding = guess_legacy_encoding(&bytes);
                    let (text, _) = encoding.decode_without_bom_handling(&bytes);
                    warnings.push(format!(
                        "the file is not valid UTF-8; it was read as {}",
                        encoding.name()
                    ));
                    (text.into_owned(), encoding)
                }
            }
        };
    if (encoding == UTF_16LE || encoding == UTF_16BE) && text.contains('\0') {
        return Err(DecodeError::NulBytes);
    }
    check_mostly_text(&text)?;
    Ok(Decoded {
        text: normalize_line_ends(text),
        encoding: encoding.name(),
        warnings,
    })
}

/// Old exports are nearly always Windows-1252, but Cyrillic, Greek or Japanese ones come in
/// their own code pages, which chardetng tells apart from the bytes.
fn guess_legacy_encoding(bytes: &[u8]) -> &'static Encoding {
    use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    match detector.guess(None, Utf8Detection::Deny) {
        guess if guess == UTF_8 => WINDOWS_1252,
        guess => guess,
    }
}

/// Refuses text in which control characters are common: that is a binary file that happened
/// to decode, such as an image renamed to `.txt` read as Windows-1252.
fn check_mostly_text(text: &str) -> Result<(), DecodeError> {
    const SAMPLE: usize = 64 * 1024;
    let is_bad =
        |c: char| (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')) || c == '\u{FFFD}';
    let head = &text.as_bytes()[..text.len().min(SAMPLE)];
    let (total, control) = if head.is_ascii() {
        // The usual case, one byte per character, counted in a loop without branches.
        let control = head
            .iter()
            .map(|&b| usize::from(is_bad(char::from(b))))
            .sum::<usize>();
        (head.len(), control)
    } else {
        text.chars()
            .take(SAMPLE)
            .fold((0, 0), |(total, control), c| {
                (total + 1, control + usize::from(is_bad(c)))
            })
    };
    // Real stories have next to no control characters; 10% leaves room for a damaged file.
    if total > 0 && control * 10 > total {
        return Err(DecodeError::NotText {
            percent: control * 100 / total,
        });
    }
    Ok(())
}

/// CRLF and lone CR become LF.
pub fn normalize_line_ends(text: String) -> String {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_and_line_ends() {
        let cases: &[(&[u8], &str, &str)] = &[
            (b"plain\n", "plain\n", "UTF-8"),
            (b"\xEF\xBB\xBFbom\r\nline", "bom\nline", "UTF-8"),
            (b"mac\rline\rend", "mac\nline\nend", "UTF-8"),
            (b"caf\xE9 \x93hi\x94", "café “hi”", "windows-1252"),
            (b"\xFF\xFEh\x00i\x00", "hi", "UTF-16LE"),
            (b"\xFE\xFF\x00h\x00i", "hi", "UTF-16BE"),
            ("don’t".as_bytes(), "don’t", "UTF-8"),
        ];
        for (bytes, text, encoding) in cases {
            let decoded = decode(bytes).unwrap();
            assert_eq!(decoded.text, *text, "{bytes:?}");
            assert_eq!(decoded.encoding, *encoding, "{bytes:?}");
        }
    }

    #[test]
    fn other_code_pages_are_recognized() {
        // "Привет, как дела? Это старый файл." in windows-1251.
        let cyrillic: &[u8] = b"\xcf\xf0\xe8\xe2\xe5\xf2, \xea\xe0\xea \xe4\xe5\xeb\xe0? \xdd\xf2\xee \xf1\xf2\xe0\xf0\xfb\xe9 \xf4\xe0\xe9\xeb.";
        let decoded = decode(cyrillic).unwrap();
        assert_eq!(decoded.text, "Привет, как дела? Это старый файл.");
        assert_eq!(decoded.encoding, "windows-1251");
        assert!(decoded.warnings[0].contains("windows-1251"));
    }

    #[test]
    fn windows_1252_gives_a_warning() {
        let decoded = decode(b"caf\xE9").unwrap();
        assert_eq!(decoded.warnings.len(), 1);
        assert!(decoded.warnings[0].contains("windows-1252"));
        assert!(decode(b"cafe").unwrap().warnings.is_empty());
    }

    #[test]
    fn refusals() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b"ab\0cd"), Err(DecodeError::NulBytes));
        let binary: Vec<u8> = (0u8..32).filter(|b| *b != 0).cycle().take(400).collect();
        assert!(matches!(decode(&binary), Err(DecodeError::NotText { .. })));
    }
}
