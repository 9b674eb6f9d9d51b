//! Parsing a page into scraper's tree, as `scraper::Html::parse_document` does, with less
//! memory: a large story's page tree is the most memory a conversion takes.
//!
//! Two things differ. The tree's node vector is given room up front: it otherwise doubles
//! as it fills, and at the last doubling the old and new vectors are both held. And white
//! space that only separates two blocks (the line end between `</p>` and `<p>`) gets no
//! node: a third of a story page's nodes are such text, which no reader of the tree shows.

use ego_tree::NodeId;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{Html, HtmlTreeSink, Node};
use std::borrow::Cow;
use std::cell::Ref;

// After these a browser starts a new line and the story readers a new block, so white
// space that follows one is not shown.
use super::dom::BLOCKS;

pub(super) fn parse_document(text: &str) -> Html {
    // A node for about every `<` and every text between tags: three for every two `<` in
    // story text. Room that is never used is never touched, so it costs no memory.
    let tags = memchr::memchr_iter(b'<', text.as_bytes()).count();
    let nodes = tags.saturating_add(tags / 2).saturating_add(16);
    let mut document = Html::new_document();
    document.tree = ego_tree::Tree::with_capacity(Node::Document, nodes);
    let sink = LeanSink(HtmlTreeSink::new(document));
    html5ever::parse_document(sink, Default::default()).one(text)
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
            .and_then(|last| {
                last.value()
                    .as_element()
                    .map(|e| BLOCKS.contains(&e.name()))
            })
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
}
