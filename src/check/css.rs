//! Stylesheets, read with cssparser (the tokenizer of Servo and Firefox): syntax errors
//! with their lines, the properties EPUB forbids, `@charset`, and every `url()` and
//! `@import`, for the reference checks.

use super::Code;
use cssparser::{Parser, Token};

/// A reference a stylesheet makes.
#[derive(Debug, Clone)]
pub struct CssUrl {
    pub url: String,
    pub line: usize,
    /// Inside `@font-face`: a font, which may be remote.
    pub font: bool,
    /// `@import`: another stylesheet.
    pub import: bool,
}

#[derive(Debug, Default)]
pub struct CssScan {
    pub urls: Vec<CssUrl>,
    pub problems: Vec<(Code, usize, String)>,
}

/// Reads a stylesheet's bytes: UTF-8 (or UTF-16 with its byte-order mark), as EPUB asks.
pub fn scan_bytes(bytes: &[u8], first_line: usize) -> CssScan {
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8(rest.to_vec())
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (decoded, _, _) = if bytes.starts_with(b"\xFF\xFE") {
            encoding_rs::UTF_16LE.decode(bytes)
        } else {
            encoding_rs::UTF_16BE.decode(bytes)
        };
        Ok(decoded.into_owned())
    } else {
        String::from_utf8(bytes.to_vec())
    };
    match text {
        Ok(text) => scan(&text, first_line),
        Err(_) => CssScan {
            urls: Vec::new(),
            problems: vec![(
                Code::CssEncoding,
                first_line,
                "the stylesheet is not UTF-8 text; save it as UTF-8".to_string(),
            )],
        },
    }
}

/// Reads a stylesheet; lines count from `first_line` (a `<style>` element's line).
pub fn scan(text: &str, first_line: usize) -> CssScan {
    let mut scan = CssScan::default();
    let mut parser = Parser::new(text);
    walk(&mut parser, &mut scan, first_line, Context::TopLevel);
    if let Some(line) = unclosed_block(text) {
        scan.problems.push((
            Code::CssSyntax,
            first_line + line - 1,
            "a block opened here is never closed".to_string(),
        ));
    }
    scan
}

/// The line of a `{` that no `}` closes: cssparser closes such blocks at the end without a
/// word, as browsers do, but the rules after it are lost.
fn unclosed_block(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open: Vec<usize> = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |e| i + 2 + e + 2);
                line += memchr::memchr_iter(b'\n', &bytes[i..end]).count();
                i = end;
                continue;
            }
            quote @ (b'"' | b'\'') => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != quote && bytes[j] != b'\n' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                i = j + 1;
                continue;
            }
            b'{' => open.push(line),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open.first().copied()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    TopLevel,
    /// Inside a `{}` block of declarations; `font` inside `@font-face`.
    Declarations {
        font: bool,
    },
    /// Inside a function or `()`/`[]`.
    Nested {
        font: bool,
    },
}

fn walk(parser: &mut Parser, scan: &mut CssScan, first_line: usize, context: Context) {
    let font = matches!(
        context,
        Context::Declarations { font: true } | Context::Nested { font: true }
    );
    // What came last at this level: an identifier (perhaps a property), an at-rule.
    let mut last_ident: Option<String> = None;
    let mut at_rule: Option<String> = None;
    let mut at_start_of_declaration = true;
    // In a declaration block: the tokens before the colon, and where a name that is not
    // one identifier was seen, unless the statement turns out to be a nested rule.
    let mut name_tokens = 0;
    let mut seen_colon = false;
    let mut bad_name: Option<usize> = None;
    loop {
        let line = first_line + parser.current_source_location().line as usize;
        let token = match parser.next_including_whitespace_and_comments() {
            Ok(token) => token.clone(),
            Err(_) => break,
        };
        if matches!(context, Context::Declarations { .. }) && !seen_colon {
            match token {
                Token::WhiteSpace(_) | Token::Comment(_) | Token::Semicolon => {}
                Token::Colon => {
                    seen_colon = true;
                    if name_tokens != 1 {
                        bad_name = Some(line);
                    }
                }
                Token::CurlyBracketBlock => {
                    name_tokens = 0;
                    bad_name = None;
                }
                _ => name_tokens += 1,
            }
        }
        if matches!(token, Token::Semicolon) {
            if let Some(line) = bad_name.take() {
                scan.problems.push((
                    Code::CssSyntax,
                    line,
                    "a declaration whose name is not a property name".to_string(),
                ));
            }
            (name_tokens, seen_colon) = (0, false);
        }
        match token {
            Token::WhiteSpace(_) | Token::Comment(_) => continue,
            Token::Ident(ref name) => {
                if at_start_of_declaration && matches!(context, Context::Declarations { .. }) {
                    last_ident = Some(name.to_ascii_lowercase());
                }
                at_start_of_declaration = false;
            }
            Token::Colon => {
                if let (Some(property), Context::Declarations { .. }) = (&last_ident, context) {
                    if property == "direction" || property == "unicode-bidi" {
                        scan.problems.push((
                            Code::CssForbidden,
                            line,
                            format!("the `{property}` property is not allowed in EPUB stylesheets"),
                        ));
                    }
                }
                last_ident = None;
                at_start_of_declaration = false;
            }
            Token::Semicolon => {
                at_start_of_declaration = true;
                last_ident = None;
                at_rule = None;
            }
            Token::AtKeyword(ref name) => {
                at_rule = Some(name.to_ascii_lowercase());
                at_start_of_declaration = false;
            }
            Token::QuotedString(ref value) => {
                match at_rule.as_deref() {
                    Some("charset") => {
                        let charset = value.to_ascii_lowercase();
                        if !matches!(
                            charset.as_str(),
                            "utf-8" | "utf-16" | "utf-16le" | "utf-16be"
                        ) {
                            scan.problems.push((
                                Code::CssEncoding,
                                line,
                                format!(
                                    "@charset \"{value}\": EPUB stylesheets are UTF-8 or UTF-16"
                                ),
                            ));
                        }
                    }
                    Some("import") => scan.urls.push(CssUrl {
                        url: value.to_string(),
                        line,
                        font: false,
                        import: true,
                    }),
                    _ => {}
                }
                at_rule = None;
            }
            Token::UnquotedUrl(ref url) => push_url(scan, url, line, font, &mut at_rule),
            Token::Function(ref name) => {
                let is_url = name.eq_ignore_ascii_case("url");
                let mut inner_url = None;
                let _ =
                    parser.parse_nested_block(|nested| -> Result<(), cssparser::ParseError<()>> {
                        if is_url {
                            while let Ok(token) = nested.next() {
                                if let Token::QuotedString(value) = token {
                                    inner_url = Some(value.to_string());
                                }
                            }
                        } else {
                            walk(nested, scan, first_line, Context::Nested { font });
                        }
                        Ok(())
                    });
                if let Some(url) = inner_url {
                    push_url(scan, &url, line, font, &mut at_rule);
                }
                at_start_of_declaration = false;
            }
            Token::CurlyBracketBlock => {
                let block_is_font = at_rule.as_deref() == Some("font-face");
                let inner = match (context, at_rule.as_deref()) {
                    // @media and the like hold rules, not declarations.
                    (_, Some("media" | "supports" | "document" | "layer" | "container")) => {
                        Context::TopLevel
                    }
                    _ => Context::Declarations {
                        font: block_is_font,
                    },
                };
                let _ =
                    parser.parse_nested_block(|nested| -> Result<(), cssparser::ParseError<()>> {
                        walk(nested, scan, first_line, inner);
                        Ok(())
                    });
                at_rule = None;
                last_ident = None;
                at_start_of_declaration = true;
                (name_tokens, seen_colon, bad_name) = (0, false, None);
            }
            Token::ParenthesisBlock | Token::SquareBracketBlock => {
                let _ =
                    parser.parse_nested_block(|nested| -> Result<(), cssparser::ParseError<()>> {
                        walk(nested, scan, first_line, Context::Nested { font });
                        Ok(())
                    });
            }
            Token::BadUrl(_) => scan.problems.push((
                Code::CssSyntax,
                line,
                "a url() that cannot be read".to_string(),
            )),
            Token::BadString(_) => scan.problems.push((
                Code::CssSyntax,
                line,
                "a string that is never closed".to_string(),
            )),
            Token::CloseCurlyBracket | Token::CloseParenthesis | Token::CloseSquareBracket => {
                scan.problems.push((
                    Code::CssSyntax,
                    line,
                    "a closing bracket with no opening one".to_string(),
                ))
            }
            _ => at_start_of_declaration = false,
        }
    }
    if let Some(line) = bad_name {
        scan.problems.push((
            Code::CssSyntax,
            line,
            "a declaration whose name is not a property name".to_string(),
        ));
    }
}

fn push_url(scan: &mut CssScan, url: &str, line: usize, font: bool, at_rule: &mut Option<String>) {
    // `@namespace svg url(http://www.w3.org/2000/svg)` names a namespace, not a file.
    if at_rule.as_deref() == Some("namespace") {
        return;
    }
    let import = at_rule.as_deref() == Some("import");
    if font && url.trim().is_empty() {
        scan.problems.push((
            Code::CssEmptyUrl,
            line,
            "@font-face has an empty url()".to_string(),
        ));
        return;
    }
    scan.urls.push(CssUrl {
        url: url.to_string(),
        line,
        font,
        import,
    });
    if import {
        *at_rule = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(css: &str) -> Vec<Code> {
        scan(css, 1)
            .problems
            .into_iter()
            .map(|(code, _, _)| code)
            .collect()
    }

    #[test]
    fn problems_of_stylesheets() {
        for (css, expected) in [
            ("p { margin: 0 }", vec![]),
            ("p { direction: rtl }", vec![Code::CssForbidden]),
            ("p { unicode-bidi: embed; }", vec![Code::CssForbidden]),
            ("@charset \"iso-8859-1\"; p {}", vec![Code::CssEncoding]),
            ("@charset \"UTF-8\"; p {}", vec![]),
            ("p { color: red } }", vec![Code::CssSyntax]),
            ("p { content: \"open\n }", vec![Code::CssSyntax]),
            ("@font-face { src: url(\"\") }", vec![Code::CssEmptyUrl]),
            (
                "@media screen { p { direction: ltr } }",
                vec![Code::CssForbidden],
            ),
            (
                "body { margin: 0;\n/* never closed */\np { color: red }",
                vec![Code::CssSyntax],
            ),
            ("p { content: \"{\" }", vec![]),
            ("body { span.bold: bold; }", vec![Code::CssSyntax]),
            ("a { &:hover { color: red } }", vec![]),
            ("a { color: red; --x: 1 }", vec![]),
        ] {
            assert_eq!(codes(css), expected, "{css}");
        }
    }

    #[test]
    fn references_of_stylesheets() {
        let found = scan(
            "@import \"a.css\";\n@import url(b.css);\n@font-face { src: url(f.otf) }\np { background: url('i.png') }",
            1,
        );
        let urls: Vec<(String, usize, bool, bool)> = found
            .urls
            .into_iter()
            .map(|u| (u.url, u.line, u.font, u.import))
            .collect();
        assert_eq!(
            urls,
            [
                ("a.css".into(), 1, false, true),
                ("b.css".into(), 2, false, true),
                ("f.otf".into(), 3, true, false),
                ("i.png".into(), 4, false, false),
            ]
        );
    }

    #[test]
    fn a_stylesheet_not_in_utf8_is_refused() {
        let found = scan_bytes(b"p { content: \"caf\xe9\" }", 1);
        assert_eq!(found.problems[0].0, Code::CssEncoding);
    }
}
