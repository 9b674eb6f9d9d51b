//! Reading an XML document once, in linear time, failing on anything that is not
//! well-formed, and handing each element to the checks with its line.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Why a document is not well-formed XML; the message starts with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(pub String);

/// Checks that `bytes` is a well-formed XML document.
pub fn well_formed(bytes: &[u8]) -> Result<(), XmlError> {
    walk(bytes, |_| {}).map(|_| ()).map_err(XmlError)
}

/// An element as the checks see it: its qualified name, its attributes decoded once.
#[derive(Debug)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    /// The root is 1.
    pub depth: usize,
    pub line: usize,
    /// `<a/>`: no end event follows.
    pub empty: bool,
}

impl Element {
    /// The name without its prefix.
    pub fn local(&self) -> &str {
        local(&self.name)
    }

    /// An attribute by its qualified name (`href`, `epub:type`, `xml:lang`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// An attribute by its local name, whatever its prefix (`xlink:href` or `href`).
    pub fn get_local(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| local(key) == name)
            .map(|(_, value)| value.as_str())
    }
}

pub fn local(name: &str) -> &str {
    match name.rfind(':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// What a walk meets, in document order.
#[derive(Debug)]
pub enum Node<'a> {
    Start(&'a Element),
    /// The end of the element at this depth.
    End(usize),
    Text(&'a str),
}

/// What the document's prolog says, for the checks that care.
#[derive(Debug, Default)]
pub struct Prolog {
    /// The DOCTYPE's text after `<!DOCTYPE`, if there is one.
    pub doctype: Option<String>,
    /// The DOCTYPE declares entities: a parser that expands them could be made to work
    /// for ever (a billion laughs), so EPUBCheck is not run on such a book.
    pub declares_entities: bool,
    /// `<?xml-stylesheet href="…"?>` targets.
    pub stylesheets: Vec<String>,
}

/// Reads a whole XML document, calling `visit` on every node, and fails on anything that
/// is not well-formed. The line of each element is counted as the reader goes, so the
/// walk stays linear in the document's size.
pub fn walk(bytes: &[u8], mut visit: impl FnMut(Node)) -> Result<Prolog, String> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        format!(
            "line {}: not valid UTF-8",
            line_of(bytes, error.valid_up_to())
        )
    })?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.check_comments = true;
    let mut lines = LineCounter::default();
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut prolog = Prolog::default();
    loop {
        let at = reader.buffer_position() as usize;
        let line = lines.line_at(bytes, at);
        let fail = |message: String| format!("line {line}: {message}");
        let event = reader
            .read_event()
            .map_err(|error| fail(error.to_string()))?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if open.is_empty() {
                    roots += 1;
                    if roots > 1 {
                        return Err(fail("more than one root element".to_string()));
                    }
                }
                let empty = matches!(event, Event::Empty(_));
                let element = element_of(start, open.len() + 1, line, empty).map_err(fail)?;
                visit(Node::Start(&element));
                if empty {
                    visit(Node::End(open.len() + 1));
                } else {
                    open.push(element.name);
                }
            }
            Event::End(_) => {
                visit(Node::End(open.len()));
                open.pop();
            }
            Event::Text(_) => {
                // The text is a slice of the document, which is UTF-8 already: taken as
                // it stands, not decoded a second time.
                let end = (reader.buffer_position() as usize).min(text.len());
                let content = text.get(at..end).unwrap_or("");
                if open.is_empty() && !content.trim().is_empty() {
                    return Err(fail("text outside the root element".to_string()));
                }
                check_characters(content).map_err(fail)?;
                visit(Node::Text(content));
            }
            Event::CData(ref content) => {
                let content = content.decode().map_err(|e| fail(e.to_string()))?;
                check_characters(&content).map_err(fail)?;
                visit(Node::Text(&content));
            }
            Event::GeneralRef(ref reference) => {
                if open.is_empty() {
                    return Err(fail("a reference outside the root element".to_string()));
                }
                let resolved = check_reference(reference).map_err(fail)?;
                visit(Node::Text(&resolved));
            }
            Event::DocType(ref doctype) => {
                let doctype = String::from_utf8_lossy(doctype.as_ref()).into_owned();
                prolog.declares_entities = doctype.contains("<!ENTITY");
                prolog.doctype = Some(doctype);
            }
            Event::PI(ref instruction) => {
                let content = String::from_utf8_lossy(instruction.as_ref()).into_owned();
                if let Some(rest) = content.strip_prefix("xml-stylesheet") {
                    if let Some(href) = pseudo_attribute(rest, "href") {
                        prolog.stylesheets.push(href);
                    }
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) => {}
        }
    }
    if let Some(element) = open.last() {
        return Err(format!("<{element}> is never closed"));
    }
    if roots == 0 {
        return Err("there is no root element".to_string());
    }
    Ok(prolog)
}

/// `href="x.css"` in a processing instruction's text.
fn pseudo_attribute(text: &str, name: &str) -> Option<String> {
    let start = text.find(&format!("{name}="))? + name.len() + 1;
    let rest = &text[start..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let end = rest[1..].find(quote)?;
    Some(rest[1..1 + end].to_string())
}

#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: usize,
}

impl LineCounter {
    /// The line of `offset`, counting only the bytes since the last call.
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        let offset = offset.min(bytes.len());
        if offset < self.offset {
            return line_of(bytes, offset);
        }
        self.line += memchr::memchr_iter(b'\n', &bytes[self.offset..offset]).count();
        self.offset = offset;
        self.line + 1
    }
}

fn element_of(
    start: &BytesStart,
    depth: usize,
    line: usize,
    empty: bool,
) -> Result<Element, String> {
    let name = std::str::from_utf8(start.name().as_ref())
        .map_err(|e| e.to_string())?
        .to_string();
    check_name(&name)?;
    let mut attributes: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // quick-xml's own duplicate check compares every pair: 100,000 attributes took 20 s.
    for attribute in start.attributes().with_checks(false) {
        let attribute = attribute.map_err(|error| error.to_string())?;
        let key = std::str::from_utf8(attribute.key.as_ref())
            .map_err(|e| e.to_string())?
            .to_string();
        check_name(&key)?;
        let raw = std::str::from_utf8(&attribute.value).map_err(|e| e.to_string())?;
        if raw.contains('<') {
            return Err("an attribute value contains '<'".to_string());
        }
        let value = attribute
            .unescape_value()
            .map_err(|error| format!("an attribute value: {error}"))?;
        check_characters(&value)?;
        if !seen.insert(key.clone()) {
            return Err(format!("the attribute {key} appears twice on <{name}>"));
        }
        attributes.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attributes,
        depth,
        line,
        empty,
    })
}

/// A qualified name: at most one colon, with a name on each side (`p::p` is not one).
fn check_name(name: &str) -> Result<(), String> {
    let parts: Vec<&str> = name.split(':').collect();
    let valid = parts.len() <= 2 && parts.iter().all(|part| is_ncname(part));
    if valid {
        Ok(())
    } else {
        Err(format!("{name:?} is not a valid XML name"))
    }
}

/// An XML name without a colon.
pub fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let starts = |c: char| {
        c.is_alphabetic()
            || c == '_'
            || matches!(c, '\u{C0}'..='\u{2FF}' | '\u{370}'..='\u{1FFF}' | '\u{2070}'..)
    };
    starts(first) && chars.all(|c| {
        starts(c)
            || c.is_ascii_digit()
            || matches!(c, '-' | '.' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
            || c.is_numeric()
    })
}

/// Only the five predefined entities exist in XHTML read as XML; `&nbsp;` is an error.
/// Returns the text the reference stands for.
fn check_reference(reference: &quick_xml::events::BytesRef) -> Result<String, String> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c.to_string()),
            _ => Err("a character reference to a character XML does not allow".to_string()),
        };
    }
    let name = reference.decode().map_err(|e| e.to_string())?;
    let text = match name.as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        other => return Err(format!("the entity &{other}; is not defined in XML")),
    };
    Ok(text.to_string())
}

fn check_characters(text: &str) -> Result<(), String> {
    // Nearly all text passes a byte scan: no control characters, and none of U+FFFE and
    // U+FFFF (EF BF BE, EF BF BF); UTF-8 rules out the surrogates already.
    let bytes = text.as_bytes();
    let plain = bytes
        .iter()
        .all(|&b| b >= 0x20 || b == b'\t' || b == b'\n' || b == b'\r');
    if plain && memchr::memmem::find(bytes, b"\xEF\xBF").is_none() {
        return Ok(());
    }
    match text.chars().find(|&c| !is_xml_char(c)) {
        Some(c) => Err(format!(
            "the character U+{:04X} is not allowed in XML",
            c as u32
        )),
        None => Ok(()),
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

pub fn line_of(bytes: &[u8], offset: usize) -> usize {
    let offset = offset.min(bytes.len());
    memchr::memchr_iter(b'\n', &bytes[..offset]).count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formedness() {
        for (xml, ok) in [
            ("<a/>", true),
            ("<?xml version=\"1.0\"?>\n<a>x &amp; &#x2014; y</a>", true),
            ("<a:b xmlns:a=\"x\"/>", true),
            ("<a><b></a>", false),
            ("<a>", false),
            ("<a></a><b/>", false),
            ("text", false),
            ("<a>&nbsp;</a>", false),
            ("<a>&#0;</a>", false),
            ("<a>\u{1}</a>", false),
            ("<a x=\"1\" x=\"2\"/>", false),
            ("<a x=\"<\"/>", false),
            ("<a>AT&T</a>", false),
            ("<p::p/>", false),
            ("<a b::c=\"1\"/>", false),
            ("", false),
        ] {
            assert_eq!(well_formed(xml.as_bytes()).is_ok(), ok, "{xml:?}");
        }
    }

    #[test]
    fn errors_name_the_line() {
        let message = well_formed(b"<a>\n<b>\n</c></a>").unwrap_err();
        assert!(message.0.starts_with("line 3"), "{message}");
    }

    #[test]
    fn elements_carry_their_lines() {
        let mut lines = Vec::new();
        walk(b"<a>\n<b/>\n\n<c/></a>", |node| {
            if let Node::Start(element) = node {
                lines.push((element.name.clone(), element.line));
            }
        })
        .expect("well-formed");
        assert_eq!(lines, [("a".into(), 1), ("b".into(), 2), ("c".into(), 4)]);
    }

    #[test]
    fn many_attributes_are_read_and_a_repeat_among_them_is_found() {
        let mut xml = String::from("<a");
        for i in 0..100_000 {
            xml.push_str(&format!(" a{i}=\"1\""));
        }
        well_formed(format!("{xml}/>").as_bytes()).expect("well-formed");
        let error = well_formed(format!("{xml} a5=\"2\"/>").as_bytes()).expect_err("a repeat");
        assert!(error.0.contains("a5 appears twice"), "{error}");
    }

    #[test]
    fn entity_declarations_are_told() {
        let prolog = walk(b"<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", |_| {}).expect("well-formed");
        assert!(prolog.declares_entities);
    }
}
