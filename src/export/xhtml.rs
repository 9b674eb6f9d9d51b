//! The tokens of a finished page, for the passes that read one after it is rendered (Kobo's
//! spans, the stylesheet's usage scan). Pages are XHTML that ficbind wrote: every void
//! element is self-closed, attribute values are in double quotes, and neither text nor a
//! value holds a raw `<`, so a page splits into tokens without a parser.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token<'a> {
    Text(&'a str),
    /// A start tag as written (`raw`), with its element name, its `class` value (empty
    /// when it has none) and whether it closes itself (`<br/>`).
    Start {
        raw: &'a str,
        name: &'a str,
        class: &'a str,
        closed: bool,
    },
    End(&'a str),
    /// A comment, the XML declaration or the doctype.
    Other(&'a str),
}

/// The tokens of a page, in order; together they are the whole page.
pub(super) fn tokens(xhtml: &str) -> impl Iterator<Item = Token<'_>> {
    let mut rest = xhtml;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let lt = memchr::memchr(b'<', rest.as_bytes()).unwrap_or(rest.len());
        let end = if lt > 0 {
            lt
        } else if rest.starts_with("<!--") {
            rest.find("-->").map_or(rest.len(), |i| i + 3)
        } else {
            memchr::memchr(b'>', rest.as_bytes()).map_or(rest.len(), |i| i + 1)
        };
        let (token, tail) = rest.split_at(end);
        rest = tail;
        Some(if lt > 0 {
            Token::Text(token)
        } else if token.starts_with("</") {
            Token::End(token)
        } else if token.starts_with("<!") || token.starts_with("<?") {
            Token::Other(token)
        } else {
            start_tag(token)
        })
    })
}

fn start_tag(raw: &str) -> Token<'_> {
    let inside = raw
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    let name_end = inside
        .bytes()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(inside.len());
    Token::Start {
        raw,
        name: &inside[..name_end],
        class: class_value(&inside[name_end..]),
        closed: raw.ends_with("/>"),
    }
}

/// The value of ` class="…"` among a tag's attributes, or "". Every rendered element passes
/// through here, twice for a Kobo book: a byte search, not a substring searcher, which costs
/// more to set up than a tag is long.
fn class_value(attributes: &str) -> &str {
    const ATTRIBUTE: &[u8] = b" class=\"";
    let bytes = attributes.as_bytes();
    let start = memchr::memchr_iter(b' ', bytes)
        .find(|&at| bytes[at..].starts_with(ATTRIBUTE))
        .map(|at| at + ATTRIBUTE.len());
    let Some(start) = start else {
        return "";
    };
    let value = &attributes[start..];
    memchr::memchr(b'"', value.as_bytes()).map_or("", |end| &value[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_is_found_among_other_attributes() {
        let cases = [
            ("", ""),
            (" id=\"x\"", ""),
            (" class=\"a b\"", "a b"),
            (" id=\"x\" class=\"note\" lang=\"en\"", "note"),
            (" data-class=\"no\" class=\"yes\"", "yes"),
            (" class=\"unclosed", ""),
        ];
        for (attributes, class) in cases {
            assert_eq!(class_value(attributes), class, "{attributes}");
        }
    }

    #[test]
    fn a_page_splits_into_its_tokens_and_nothing_is_lost() {
        let page = "<?xml version=\"1.0\"?>\n<!-- a <p> -->\
                    <p class=\"note-link back\" id=\"x\">A &amp; B<br/></p>";
        let tokens: Vec<Token> = tokens(page).collect();
        assert_eq!(
            tokens,
            [
                Token::Other("<?xml version=\"1.0\"?>"),
                Token::Text("\n"),
                Token::Other("<!-- a <p> -->"),
                Token::Start {
                    raw: "<p class=\"note-link back\" id=\"x\">",
                    name: "p",
                    class: "note-link back",
                    closed: false
                },
                Token::Text("A &amp; B"),
                Token::Start {
                    raw: "<br/>",
                    name: "br",
                    class: "",
                    closed: true
                },
                Token::End("</p>"),
            ]
        );
        let joined: String = tokens
            .iter()
            .map(|t| match t {
                Token::Text(s) | Token::End(s) | Token::Other(s) => *s,
                Token::Start { raw, .. } => raw,
            })
            .collect();
        assert_eq!(joined, page);
    }
}
