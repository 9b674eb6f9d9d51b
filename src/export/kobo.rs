//! Kobo's additions to a page, made on the finished XHTML as kepubify makes them: every
//! visible piece of text in a `koboSpan` (sentence by sentence), every picture in one, the
//! body inside Kobo's two layout `div`s, and Kobo's style fixes.
//!
//! Kobo readers place highlights, bookmarks and reading statistics by these spans; text
//! outside them cannot be highlighted and is not counted. Doing it on the page, not in the
//! renderer, means no page (title page, contents, note links) can be left out.
//!
//! Ids are `kobo.P.S`: P counts the block elements of the page in order, S the sentences
//! in that block, so each is unique in its file.

use super::xhtml::{self, Token};
use std::fmt::Write as _;

/// Elements that start a new paragraph number.
const BLOCKS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "div",
    "section",
    "aside",
    "blockquote",
    "nav",
    "dt",
    "dd",
    "td",
    "th",
    "figcaption",
];

/// kepubify's fix: Kobo's reader gives `#book-inner` margins of its own at the top and
/// bottom of every screen, on top of the book's.
const STYLE_FIXES: &str = "<style type=\"text/css\" class=\"kobostylehacks\">div#book-inner { margin-top: 0; margin-bottom: 0; }</style>\n";

/// The page with Kobo's spans, layout `div`s and style fixes. Pages are our own
/// well-formed XHTML: every void element is self-closed, and no text holds a raw `<`.
pub(super) fn kobo_page(xhtml: &str) -> String {
    let Some(body_start) = xhtml.find("<body>").map(|i| i + "<body>".len()) else {
        return xhtml.to_string();
    };
    let body_end = xhtml
        .rfind("</body>")
        .unwrap_or(xhtml.len())
        .max(body_start);
    let mut out = String::with_capacity(xhtml.len() + xhtml.len() / 2 + 256);
    let head = &xhtml[..body_start];
    match head.rfind("</head>") {
        Some(at) => {
            out.push_str(&head[..at]);
            out.push_str(STYLE_FIXES);
            out.push_str(&head[at..]);
        }
        None => out.push_str(head),
    }
    out.push_str("\n<div id=\"book-columns\"><div id=\"book-inner\">");
    span_body(&xhtml[body_start..body_end], &mut out);
    out.push_str("</div></div>\n");
    out.push_str(&xhtml[body_end..]);
    out
}

fn span_body(body: &str, out: &mut String) {
    let mut spans = Spans::default();
    // Depth of the open element whose content is left alone (an SVG picture, which is
    // spanned whole), if any.
    let mut opaque: Option<usize> = None;
    let mut depth = 0usize;
    for token in xhtml::tokens(body) {
        match token {
            Token::Text(text) if opaque.is_none() && !text.trim().is_empty() => {
                spans.text(text, out)
            }
            Token::Text(text) | Token::Other(text) => out.push_str(text),
            Token::End(tag) => {
                depth = depth.saturating_sub(1);
                out.push_str(tag);
                if opaque == Some(depth) {
                    opaque = None;
                    out.push_str("</span>");
                }
            }
            Token::Start {
                raw, name, closed, ..
            } => {
                if opaque.is_some() {
                    out.push_str(raw);
                } else if BLOCKS.contains(&name) {
                    spans.new_block();
                    out.push_str(raw);
                } else if name == "img" || name == "svg" {
                    spans.picture(out);
                    out.push_str(raw);
                    if closed {
                        out.push_str("</span>");
                    } else {
                        opaque = Some(depth);
                    }
                } else {
                    out.push_str(raw);
                }
                if !closed {
                    depth += 1;
                }
            }
        }
    }
}

#[derive(Default)]
struct Spans {
    paragraph: usize,
    sentence: usize,
}

impl Spans {
    fn new_block(&mut self) {
        self.paragraph += 1;
        self.sentence = 0;
    }

    /// Text outside any block still gets a paragraph number of its own.
    fn number(&mut self) -> (usize, usize) {
        if self.paragraph == 0 {
            self.paragraph = 1;
        }
        self.sentence += 1;
        (self.paragraph, self.sentence)
    }

    /// Text as it stands in the page (escaped), one span a sentence.
    fn text(&mut self, text: &str, out: &mut String) {
        for piece in sentences(text) {
            let (paragraph, sentence) = self.number();
            let _ = write!(
                out,
                "<span class=\"koboSpan\" id=\"kobo.{paragraph}.{sentence}\">{piece}</span>"
            );
        }
    }

    fn picture(&mut self, out: &mut String) {
        self.new_block();
        let (paragraph, sentence) = self.number();
        let _ = write!(
            out,
            "<span class=\"koboSpan\" id=\"kobo.{paragraph}.{sentence}\">"
        );
    }
}

/// Splits text after each sentence end (`.`, `!`, `?` or `…`, with any closing quotes or
/// brackets, then a space), keeping every character: Kobo readers count and highlight
/// these pieces. An ellipsis inside a sentence ("so… maybe") ends it only when a space
/// follows, like any other end, so "…?" and "…”" stay with their sentence.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut chars = rest.char_indices().peekable();
        let mut end = rest.len();
        while let Some((_, c)) = chars.next() {
            if !matches!(c, '.' | '!' | '?' | '…') {
                continue;
            }
            while let Some(&(_, next)) = chars.peek() {
                if matches!(
                    next,
                    '.' | '!' | '?' | '…' | '”' | '’' | '"' | '\'' | ')' | ']'
                ) {
                    chars.next();
                } else {
                    break;
                }
            }
            let mut after_space = None;
            while let Some(&(i, next)) = chars.peek() {
                if next.is_whitespace() {
                    chars.next();
                    after_space = Some(i + next.len_utf8());
                } else {
                    break;
                }
            }
            if let Some(after) = after_space {
                end = after;
                break;
            }
        }
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spanned(body: &str) -> String {
        let mut out = String::new();
        span_body(body, &mut out);
        out
    }

    #[test]
    fn text_is_spanned_sentence_by_sentence_in_each_block() {
        let cases: &[(&str, &str)] = &[
            (
                "<p>One. Two!</p>",
                "<p><span class=\"koboSpan\" id=\"kobo.1.1\">One. </span><span class=\"koboSpan\" id=\"kobo.1.2\">Two!</span></p>",
            ),
            (
                "<h1>T</h1>\n<p>A <em>b</em> c.</p>",
                "<h1><span class=\"koboSpan\" id=\"kobo.1.1\">T</span></h1>\n<p><span class=\"koboSpan\" id=\"kobo.2.1\">A </span><em><span class=\"koboSpan\" id=\"kobo.2.2\">b</span></em><span class=\"koboSpan\" id=\"kobo.2.3\"> c.</span></p>",
            ),
            (
                "<p class=\"note-link\"><a id=\"r\" href=\"n.xhtml#n\">Author’s note</a></p>",
                "<p class=\"note-link\"><a id=\"r\" href=\"n.xhtml#n\"><span class=\"koboSpan\" id=\"kobo.1.1\">Author’s note</span></a></p>",
            ),
            (
                "<p>“So… maybe?” she said… Then.</p>",
                "<p><span class=\"koboSpan\" id=\"kobo.1.1\">“So… </span><span class=\"koboSpan\" id=\"kobo.1.2\">maybe?” </span><span class=\"koboSpan\" id=\"kobo.1.3\">she said… </span><span class=\"koboSpan\" id=\"kobo.1.4\">Then.</span></p>",
            ),
            (
                "<p>Tom &amp; Jerry. Again</p>",
                "<p><span class=\"koboSpan\" id=\"kobo.1.1\">Tom &amp; Jerry. </span><span class=\"koboSpan\" id=\"kobo.1.2\">Again</span></p>",
            ),
            // Whitespace between tags is not text anyone sees.
            ("<div>\n<hr class=\"scene-break\"/>\n</div>", "<div>\n<hr class=\"scene-break\"/>\n</div>"),
            (
                "<section>\n<img src=\"c.png\" alt=\"C\"/>\n</section>",
                "<section>\n<span class=\"koboSpan\" id=\"kobo.2.1\"><img src=\"c.png\" alt=\"C\"/></span>\n</section>",
            ),
            (
                "<section><svg viewBox=\"0 0 1 1\">\n<title>Cover</title>\n<image/>\n</svg></section>",
                "<section><span class=\"koboSpan\" id=\"kobo.2.1\"><svg viewBox=\"0 0 1 1\">\n<title>Cover</title>\n<image/>\n</svg></span></section>",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(spanned(body), *expected, "{body}");
        }
    }

    #[test]
    fn a_page_gets_the_layout_divs_and_the_style_fixes() {
        let page = "<?xml version=\"1.0\"?>\n<html><head>\n<title>T</title>\n</head>\n<body>\n<p>Hi.</p>\n</body>\n</html>\n";
        let kobo = kobo_page(page);
        assert_eq!(
            kobo,
            "<?xml version=\"1.0\"?>\n<html><head>\n<title>T</title>\n<style type=\"text/css\" class=\"kobostylehacks\">div#book-inner { margin-top: 0; margin-bottom: 0; }</style>\n</head>\n<body>\n<div id=\"book-columns\"><div id=\"book-inner\">\n<p><span class=\"koboSpan\" id=\"kobo.1.1\">Hi.</span></p>\n</div></div>\n</body>\n</html>\n"
        );
    }
}
