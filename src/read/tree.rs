//! Parsing a page into scraper's tree, as `scraper::Html::parse_document` does, with less
//! memory: a large story's page tree is the most memory a conversion takes.
//!
//! EPUB pages are XHTML, which reading systems parse as XML: `parse_xhtml` builds the
//! same tree from an XML parser, several times faster than html5ever's tokenizer, and
//! gives `None` for a page that is not well-formed XML, which then goes to html5ever.
//!
//! Two things differ from scraper's own parsing. The tree's node vector is given room up front: it otherwise doubles
//! as it fills, and at the last doubling the old and new vectors are both held. And white
//! space that only separates two blocks (the line end between `</p>` and `<p>`) gets no
//! node: a third of a story page's nodes are such text, which no reader of the tree shows.

use ego_tree::NodeId;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{ns, Attribute, LocalName, Namespace, QualName};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;
use scraper::{Html, HtmlTreeSink, Node};
use std::borrow::Cow;
use std::cell::Ref;

// After these a browser starts a new line and the story readers a new block, so white
// space that follows one is not shown.
use super::dom::{is_block, StartTag, Streamed};

pub(super) fn parse_document(text: &str) -> Html {
    html5ever::parse_document(sink_for(text), Default::default()).one(text)
}

/// A sink whose tree has room for the page's nodes: a node for about every `<` and every
/// text between tags, three for every two `<` in story text. Room that is never used is
/// never touched, so it costs no memory.
fn sink_for(text: &str) -> LeanSink {
    let tags = memchr::memchr_iter(b'<', text.as_bytes()).count();
    let nodes = tags.saturating_add(tags / 2).saturating_add(16);
    let mut document = Html::new_document();
    document.tree = ego_tree::Tree::with_capacity(Node::Document, nodes);
    LeanSink(HtmlTreeSink::new(document))
}

/// A page of an EPUB: as XML when it says it is XHTML and is well-formed, as HTML
/// otherwise, as reading systems tolerate.
pub(super) fn parse_page(text: &str, xhtml: bool) -> Html {
    xhtml
        .then(|| parse_xhtml(text))
        .flatten()
        .unwrap_or_else(|| parse_document(text))
}

/// A well-formed XHTML page as the tree `parse_document` would give for it, or `None`
/// when the page is not well-formed XML or uses an entity XML does not define (`&nbsp;`
/// without a DTD), which only an HTML parser reads.
pub(super) fn parse_xhtml(text: &str) -> Option<Html> {
    let sink = sink_for(text);
    // Namespaces are followed here, not by quick-xml's `NsReader`: a prefixed element
    // sends the page to the HTML parser anyway, so only the default namespace matters,
    // and resolving every name cost a tenth of the parse.
    let mut reader = Reader::from_str(text);
    let mut open = vec![sink.get_document()];
    // The default namespace of each open element, which its children without a prefix
    // are in.
    let mut namespaces = vec![ns!(html)];
    // Text, with the references inside it resolved, is appended as one node at the next
    // tag, as an HTML parser appends it.
    let mut pending = String::new();
    loop {
        let event = reader.read_event().ok()?;
        match event {
            Event::Text(text) => pending.push_str(&text.decode().ok()?),
            Event::CData(text) => pending.push_str(std::str::from_utf8(&text).ok()?),
            Event::GeneralRef(reference) => pending.push(resolve_reference(&reference)?),
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let parent = *open.last()?;
                flush_text(&sink, parent, &mut pending, open.len());
                // An HTML parser does not know prefixes: it reads `<m:math>` as an unknown
                // element and keeps its text, where XML would make it MathML. Such pages
                // go to the HTML parser, as they always did.
                if tag.name().prefix().is_some() {
                    return None;
                }
                let (attributes, declared) = attributes(tag)?;
                let namespace = match declared {
                    Some(namespace) => namespace,
                    None => namespaces.last()?.clone(),
                };
                let element = sink.create_element(
                    element_name(&namespace, tag.local_name().as_ref())?,
                    attributes,
                    ElementFlags::default(),
                );
                sink.append(&parent, NodeOrText::AppendNode(element));
                if matches!(event, Event::Start(_)) {
                    open.push(element);
                    namespaces.push(namespace);
                }
            }
            Event::End(_) => {
                flush_text(&sink, *open.last()?, &mut pending, open.len());
                open.pop();
                namespaces.pop();
                if open.is_empty() {
                    return None;
                }
            }
            Event::Comment(comment) => {
                let parent = *open.last()?;
                flush_text(&sink, parent, &mut pending, open.len());
                let comment = sink.create_comment(StrTendril::from(&*comment.decode().ok()?));
                sink.append(&parent, NodeOrText::AppendNode(comment));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    (open.len() == 1).then(|| sink.finish())
}

/// The tags and texts of a well-formed XHTML page, in the order of the page, for readers
/// that need no tree: the text pieces are those `parse_xhtml` would make text nodes of.
/// `None` for a page `parse_xhtml` would not read, and for one that declares a namespace
/// (an SVG drawing, say), which only the tree tells apart.
pub(super) fn xhtml_events(text: &str) -> Option<Vec<Streamed<'_>>> {
    let mut reader = Reader::from_str(text);
    let mut events = Vec::new();
    let mut depth = 0usize;
    let mut pending: Cow<str> = Cow::Borrowed("");
    loop {
        let event = reader.read_event().ok()?;
        match event {
            Event::Text(piece) => match piece.decode().ok()? {
                Cow::Borrowed(piece) if pending.is_empty() => pending = Cow::Borrowed(piece),
                piece => pending.to_mut().push_str(&piece),
            },
            Event::CData(piece) => pending.to_mut().push_str(std::str::from_utf8(&piece).ok()?),
            Event::GeneralRef(reference) => pending.to_mut().push(resolve_reference(&reference)?),
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                if tag.name().prefix().is_some() {
                    return None;
                }
                flush_streamed(&mut pending, &mut events, depth);
                // The tag as a slice of the page, so that its name and attributes are
                // read from the page itself, with nothing copied.
                let bytes: &[u8] = tag;
                let offset = (bytes.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
                let raw = text
                    .get(offset..offset + bytes.len())
                    .filter(|raw| raw.as_ptr() == bytes.as_ptr())?;
                let name_len = tag.name().as_ref().len();
                let name = raw.get(..name_len)?;
                let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                    Cow::Owned(name.to_ascii_lowercase())
                } else {
                    Cow::Borrowed(name)
                };
                let mut attributes = Vec::new();
                for attribute in quick_xml::events::attributes::Attributes::new(raw, name_len) {
                    let attribute = attribute.ok()?;
                    let key = std::str::from_utf8(attribute.key.into_inner()).ok()?;
                    if key == "xmlns" || key.starts_with("xmlns:") {
                        return None;
                    }
                    attributes.push((key, attribute.unescape_value().ok()?));
                }
                let empty = matches!(event, Event::Empty(_));
                events.push(Streamed::Start(StartTag {
                    name,
                    attributes,
                    empty,
                }));
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                flush_streamed(&mut pending, &mut events, depth);
                events.push(Streamed::End);
                depth = depth.checked_sub(1)?;
            }
            // A comment ends a text node, as in the tree.
            Event::Comment(_) => flush_streamed(&mut pending, &mut events, depth),
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    (depth == 0).then_some(events)
}

/// Ends the text gathered since the last tag. Text outside the root element is only the
/// white space around it, as in `flush_text`.
fn flush_streamed<'a>(pending: &mut Cow<'a, str>, events: &mut Vec<Streamed<'a>>, depth: usize) {
    let text = std::mem::replace(pending, Cow::Borrowed(""));
    if text.is_empty() || depth == 0 {
        return;
    }
    let text = if text.contains('\r') {
        Cow::Owned(xml_line_ends(&text))
    } else {
        text
    };
    events.push(Streamed::Text(text));
}

/// The text with every line end as `\n`, as XML reads it (and HTML too).
fn xml_line_ends(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Appends the text gathered since the last tag to `parent`; text outside the root
/// element is only the white space around it.
fn flush_text(sink: &LeanSink, parent: NodeId, pending: &mut String, depth: usize) {
    if pending.is_empty() {
        return;
    }
    if depth > 1 {
        let text = if pending.contains('\r') {
            StrTendril::from(xml_line_ends(pending))
        } else {
            StrTendril::from(pending.as_str())
        };
        sink.append(&parent, NodeOrText::AppendText(text));
    }
    pending.clear();
}

/// A character or predefined entity reference as the character it stands for; `None`
/// for an entity only a DTD could define.
pub(super) fn resolve_reference(reference: &BytesRef) -> Option<char> {
    if let Some(c) = reference.resolve_char_ref().ok()? {
        return Some(c);
    }
    let name: &[u8] = reference.as_ref();
    match name {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        _ => None,
    }
}

/// The element's name as html5ever names it: HTML names in lower case.
fn element_name(namespace: &Namespace, local: &[u8]) -> Option<QualName> {
    let local = std::str::from_utf8(local).ok()?;
    let local = if *namespace == ns!(html) && local.bytes().any(|b| b.is_ascii_uppercase()) {
        LocalName::from(local.to_ascii_lowercase())
    } else {
        LocalName::from(local)
    };
    Some(QualName::new(None, namespace.clone(), local))
}

/// A namespace as html5ever names it: XHTML, SVG and MathML by their own names; no
/// namespace (`xmlns=""`) is taken for XHTML.
fn namespace_named(name: &str) -> Namespace {
    match name {
        "" | "http://www.w3.org/1999/xhtml" => ns!(html),
        "http://www.w3.org/2000/svg" => ns!(svg),
        "http://www.w3.org/1998/Math/MathML" => ns!(mathml),
        other => Namespace::from(other),
    }
}

/// The attributes as an HTML parser gives them: under their full written names
/// (`epub:type`, `xml:lang`), in no namespace; and the default namespace the element
/// declares, if it does.
fn attributes(tag: &BytesStart) -> Option<(Vec<Attribute>, Option<Namespace>)> {
    let mut attributes = Vec::new();
    let mut declared = None;
    for attribute in tag.attributes() {
        let attribute = attribute.ok()?;
        let name = std::str::from_utf8(attribute.key.as_ref()).ok()?;
        let value = attribute.unescape_value().ok()?;
        if name == "xmlns" {
            declared = Some(namespace_named(&value));
        }
        attributes.push(Attribute {
            name: QualName::new(None, ns!(), LocalName::from(name)),
            value: StrTendril::from(&*value),
        });
    }
    Some((attributes, declared))
}

struct LeanSink(HtmlTreeSink);

impl LeanSink {
    /// White space appended right after a block element, outside preformatted text.
    fn separates_blocks(&self, parent: &NodeId, text: &StrTendril) -> bool {
        if !text.bytes().all(|b| b.is_ascii_whitespace()) {
            return false;
        }
        let html = self.0 .0.borrow();
        let Some(parent) = html.tree.get(*parent) else {
            return false;
        };
        let preformatted = parent
            .value()
            .as_element()
            .is_some_and(|e| matches!(e.name(), "pre" | "textarea" | "listing" | "plaintext"));
        let after_block = parent
            .last_child()
            .and_then(|last| last.value().as_element().map(|e| is_block(e.name())))
            .unwrap_or(false);
        after_block && !preformatted
    }
}

impl TreeSink for LeanSink {
    type Output = Html;
    type Handle = NodeId;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Html {
        self.0.finish()
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.0.parse_error(msg)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.0.set_quirks_mode(mode)
    }

    fn get_document(&self) -> NodeId {
        self.0.get_document()
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.0.same_node(x, y)
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        self.0.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        self.0.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.0.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.0.create_pi(target, data)
    }

    fn append_doctype_to_document(&self, name: StrTendril, public: StrTendril, system: StrTendril) {
        self.0.append_doctype_to_document(name, public, system)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        if let NodeOrText::AppendText(text) = &child {
            if self.separates_blocks(parent, text) {
                return;
            }
        }
        self.0.append(parent, child)
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        self.0
            .append_based_on_parent_node(element, prev_element, child)
    }

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.0.append_before_sibling(sibling, new_node)
    }

    fn remove_from_parent(&self, target: &NodeId) {
        self.0.remove_from_parent(target)
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        self.0.reparent_children(node, new_parent)
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.0.add_attrs_if_missing(target, attrs)
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.0.get_template_contents(target)
    }

    fn mark_script_already_started(&self, node: &NodeId) {
        self.0.mark_script_already_started(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's text as the readers see it, element by element.
    fn outline(html: &str) -> (Vec<String>, usize) {
        let document = parse_document(html);
        let texts = document
            .tree
            .nodes()
            .filter_map(|n| n.value().as_text().map(|t| format!("{:?}", &**t)))
            .collect();
        (texts, document.tree.nodes().count())
    }

    #[test]
    fn white_space_between_blocks_gets_no_node_and_other_text_stays() {
        let (lean, lean_nodes) = outline(
            "<body><p>a</p>\n<p><em>b</em> <em>c</em></p>\n  <pre>x\n</pre>\n<div>d</div> e</body>",
        );
        assert_eq!(
            lean,
            ["\"a\"", "\"b\"", "\" \"", "\"c\"", "\"x\\n\"", "\"d\"", "\" e\""]
        );
        let full = Html::parse_document(
            "<body><p>a</p>\n<p><em>b</em> <em>c</em></p>\n  <pre>x\n</pre>\n<div>d</div> e</body>",
        );
        assert_eq!(full.tree.nodes().count(), lean_nodes + 3);
        // Inside preformatted text, white space is text.
        let (pre, _) = outline("<pre><b>x</b>\n<b>y</b></pre>");
        assert_eq!(pre, ["\"x\"", "\"\\n\"", "\"y\""]);
    }

    /// The body's subtree, node by node: what the readers can see of a page.
    fn body_outline(document: &Html) -> Vec<String> {
        let body = document
            .tree
            .nodes()
            .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"))
            .expect("a body");
        let depth = |node: ego_tree::NodeRef<Node>| node.ancestors().count();
        body.descendants()
            .map(|node| match node.value() {
                Node::Element(e) => {
                    let mut attributes: Vec<String> = e
                        .attrs()
                        .map(|(name, value)| format!("{name}={value:?}"))
                        .collect();
                    attributes.sort();
                    let (ns, name) = (&e.name.ns, e.name());
                    format!("{} {ns:?}:{name} {}", depth(node), attributes.join(" "))
                }
                Node::Text(t) => format!("{} {:?}", depth(node), &**t),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn well_formed_xhtml_gives_the_tree_an_html_parser_gives() {
        let pages = [
            "<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE html>\n\
             <html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\">\
             <head><title>T</title></head>\n<body class=\"calibre\">\n<div id=\"chapters\">\n\
             <h2 class=\"heading\">One &amp; two</h2>\n<p class=\"c7\">\u{201c}Hi,\u{201d} she said &#8212; <em>twice</em>.</p>\n\
             <p>a<br/>b</p>\n<hr/>\n<section epub:type=\"chapter\" xml:lang=\"fr\"><p>&lt;x&gt; &#x41;&quot;&apos;</p></section>\n\
             </div>\n</body></html>",
            "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>line\r\nend</p>\
             <pre>x\n  y</pre><p>c</p>\
             <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"><rect width=\"1\"/></svg>\
             <table><tbody><tr><td>1</td><td>2</td></tr></tbody></table><!-- gone --></body></html>",
            "<html><body><blockquote class=\"userstuff\"><p>Note <b>bold <i>both</i></b></p></blockquote> tail</body></html>",
        ];
        for page in pages {
            let xml = parse_xhtml(page).expect("well-formed");
            assert_eq!(
                body_outline(&xml),
                body_outline(&parse_document(page)),
                "{page}"
            );
        }
    }

    #[test]
    fn character_data_sections_are_text_as_in_xml() {
        let page = "<html><body><p><![CDATA[a < b]]> c</p></body></html>";
        let xml = parse_xhtml(page).expect("well-formed");
        assert_eq!(body_outline(&xml)[2], "4 \"a < b c\"");
    }

    #[test]
    fn pages_xml_cannot_read_go_to_the_html_parser() {
        for page in [
            "<html><body><p>a&nbsp;b</p></body></html>",
            "<html><body><p>unclosed</body></html>",
            "<html><body><p>a</b></p></body></html>",
            "<html><body><p>a</p></body>",
            "<html><body><x:p>prefix never declared</x:p></body></html>",
            "<html xmlns:m=\"http://www.w3.org/1998/Math/MathML\"><body><m:math><m:mn>1</m:mn></m:math></body></html>",
            "<html><body><p class=\"a\" class=\"b\">twice</p></body></html>",
        ] {
            assert!(parse_xhtml(page).is_none(), "{page}");
            let html = parse_page(page, true);
            assert!(!body_outline(&html).is_empty(), "{page}");
        }
    }
}
