//! The book's stylesheet, cut down to the rules its pages use.
//!
//! One stylesheet serves every book, but a book without a series, scene breaks or notes
//! would carry rules that match nothing, which calibre's `ebook-polish` reports (and
//! removes) as unused. So the pages are scanned as they are packaged, and a selector is
//! written only if it matched an element of some page. The scan knows just what our own
//! stylesheet needs: element names, classes, and the descendant, child and next-sibling
//! combinators; pseudo-classes (`:first-of-type`) are taken as matching.

use super::xhtml::{self, Token};
use super::ParagraphStyle;
use rustc_hash::FxHashSet;
use std::sync::LazyLock;

const STYLESHEET: &str = include_str!("stylesheet.css");
/// Added to the stylesheet for `--paragraphs spaced`.
const SPACED_PARAGRAPHS: &str =
    "/* Spaced paragraphs. */\np {\n  text-indent: 0;\n  margin: 0 0 0.9em;\n}\n";

/// One rule of the stylesheet: its selectors, and the text of its declarations; or a group
/// (`@supports`) of such rules.
#[derive(Debug)]
enum Rule {
    Style {
        selectors: Vec<(&'static str, Selector)>,
        declarations: &'static str,
    },
    Group {
        prelude: &'static str,
        rules: Vec<Rule>,
    },
}

/// A selector, right to left: the compound that names the element itself, then each step
/// towards the root with the combinator that leads to it.
#[derive(Debug, Default, Clone)]
struct Selector {
    subject: Compound,
    steps: Vec<(Combinator, Compound)>,
}

#[derive(Debug, Default, Clone)]
struct Compound {
    element: Option<&'static str>,
    classes: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Combinator {
    Descendant,
    Child,
    NextSibling,
}

/// The rules of the stylesheet and of the spaced-paragraph addition, parsed once.
static RULES: LazyLock<(Vec<Rule>, Vec<Rule>)> =
    LazyLock::new(|| (parse_rules(STYLESHEET), parse_rules(SPACED_PARAGRAPHS)));

/// Which of the stylesheet's selectors matched an element so far, numbered in order.
pub struct Usage {
    matched: Vec<bool>,
    /// The selectors still waiting for a match: once every one has matched, or none that
    /// is left can, pages are no longer scanned.
    pending: Vec<(usize, &'static Selector)>,
    /// The places an element has stood, as `place_key` writes them, where every pending
    /// selector was already tried: a selector sees only the element, its ancestors and
    /// their previous siblings, so the same place matches the same selectors. A book's
    /// thousands of paragraphs stand in a handful of places.
    tried: FxHashSet<String>,
}

impl Usage {
    pub fn new(paragraphs: ParagraphStyle) -> Usage {
        let mut selectors = Vec::new();
        collect_selectors(&RULES.0, &mut selectors);
        if paragraphs == ParagraphStyle::Spaced {
            collect_selectors(&RULES.1, &mut selectors);
        }
        Usage {
            matched: vec![false; selectors.len()],
            pending: selectors.into_iter().enumerate().collect(),
            tried: FxHashSet::default(),
        }
    }

    /// Notes the selectors that match an element of this page.
    pub fn scan(&mut self, xhtml: &str) {
        if self.pending.is_empty() {
            return;
        }
        let mut open: Vec<Open> = vec![Open::default()];
        let mut key = String::new();
        // Paragraph after paragraph stands in the same place: compared, not hashed.
        let mut last_key = String::new();
        for token in xhtml::tokens(xhtml) {
            match token {
                Token::End(_) => {
                    if open.len() > 1 {
                        let closed = open.pop().and_then(|o| o.element);
                        if let Some(parent) = open.last_mut() {
                            parent.last_child = closed;
                        }
                    }
                }
                Token::Start {
                    name,
                    class,
                    closed,
                    ..
                } => {
                    let previous = open.last_mut().and_then(|parent| parent.last_child.take());
                    open.push(Open {
                        element: Some(Element { name, class }),
                        previous,
                        last_child: None,
                    });
                    place_key(&open, &mut key);
                    if key != last_key && !self.tried.contains(key.as_str()) {
                        self.tried.insert(key.clone());
                        let matched = &mut self.matched;
                        self.pending.retain(|&(number, selector)| {
                            let hit = selector.matches(&open);
                            matched[number] |= hit;
                            !hit
                        });
                    }
                    std::mem::swap(&mut key, &mut last_key);
                    if closed {
                        let element = open.pop().and_then(|o| o.element);
                        if let Some(parent) = open.last_mut() {
                            parent.last_child = element;
                        }
                    }
                }
                Token::Text(_) | Token::Other(_) => {}
            }
        }
    }

    /// Adds what another scan found: pages are scanned apart, each on the core that
    /// rendered it.
    pub fn merge(&mut self, other: &Usage) {
        for (matched, found) in self.matched.iter_mut().zip(&other.matched) {
            *matched |= found;
        }
        let matched = &self.matched;
        self.pending.retain(|&(number, _)| !matched[number]);
    }

    /// The stylesheet with only the selectors that matched, and the rules left with one.
    pub fn stylesheet(&self, paragraphs: ParagraphStyle) -> String {
        let mut css = String::with_capacity(STYLESHEET.len());
        if let Some(header) = STYLESHEET.lines().next().filter(|l| l.starts_with("/*")) {
            css.push_str(header);
            css.push('\n');
        }
        let mut number = 0;
        write_rules(&RULES.0, &self.matched, &mut number, &mut css);
        if paragraphs == ParagraphStyle::Spaced {
            write_rules(&RULES.1, &self.matched, &mut number, &mut css);
        }
        css
    }
}

/// An element on the path from the root to the element being matched.
#[derive(Default)]
struct Open<'a> {
    element: Option<Element<'a>>,
    /// The element just before it among its siblings.
    previous: Option<Element<'a>>,
    /// Its last child closed so far: the previous sibling of its next child.
    last_child: Option<Element<'a>>,
}

#[derive(Clone, Copy, Debug)]
struct Element<'a> {
    name: &'a str,
    class: &'a str,
}

/// Writes what selectors can see of the last element of `open` into `key`: the names and
/// classes of it, its ancestors and their previous siblings. NUL, which no XML attribute
/// holds, keeps them apart.
fn place_key(open: &[Open], key: &mut String) {
    key.clear();
    for place in open {
        for element in [&place.element, &place.previous] {
            match element {
                Some(Element { name, class }) => {
                    key.push_str(name);
                    key.push('\0');
                    key.push_str(class);
                    key.push('\0');
                }
                None => key.push('\0'),
            }
        }
    }
}

impl Compound {
    fn matches(&self, element: &Element) -> bool {
        self.element.is_none_or(|name| name == element.name)
            && self
                .classes
                .iter()
                .all(|class| element.class.split_ascii_whitespace().any(|c| c == *class))
    }
}

impl Selector {
    /// Whether the selector matches the last element of `open` (the others are its
    /// ancestors, each with its previous sibling).
    fn matches(&self, open: &[Open]) -> bool {
        let Some(Some(subject)) = open.last().map(|o| o.element.as_ref()) else {
            return false;
        };
        if !self.subject.matches(subject) {
            return false;
        }
        self.steps_match(&self.steps, open, open.len() - 1, false)
    }

    /// Matches `steps` from the element at `depth` of `open` (or, when `sibling`, from the
    /// previous sibling of that element), trying every ancestor a descendant step allows.
    fn steps_match(
        &self,
        steps: &[(Combinator, Compound)],
        open: &[Open],
        depth: usize,
        sibling: bool,
    ) -> bool {
        let Some(((combinator, compound), rest)) = steps.split_first() else {
            return true;
        };
        // Ancestors of a previous sibling are those of the element itself.
        let parent_depth = depth;
        match combinator {
            Combinator::NextSibling => {
                if sibling {
                    // A sibling's own previous sibling is not kept; our stylesheet never
                    // asks for one.
                    return false;
                }
                open[depth]
                    .previous
                    .as_ref()
                    .is_some_and(|previous| compound.matches(previous))
                    && self.steps_match(rest, open, depth, true)
            }
            Combinator::Child => parent_depth
                .checked_sub(1)
                .and_then(|d| open[d].element.as_ref().map(|e| (d, e)))
                .is_some_and(|(d, parent)| {
                    compound.matches(parent) && self.steps_match(rest, open, d, false)
                }),
            Combinator::Descendant => (1..parent_depth).rev().any(|d| {
                open[d]
                    .element
                    .as_ref()
                    .is_some_and(|ancestor| compound.matches(ancestor))
                    && self.steps_match(rest, open, d, false)
            }),
        }
    }
}

fn collect_selectors<'r>(rules: &'r [Rule], into: &mut Vec<&'r Selector>) {
    for rule in rules {
        match rule {
            Rule::Style { selectors, .. } => into.extend(selectors.iter().map(|(_, s)| s)),
            Rule::Group { rules, .. } => collect_selectors(rules, into),
        }
    }
}

/// Writes the rules with their matched selectors; returns whether it wrote any.
fn write_rules(rules: &[Rule], matched: &[bool], number: &mut usize, css: &mut String) -> bool {
    let mut wrote = false;
    for rule in rules {
        match rule {
            Rule::Style {
                selectors,
                declarations,
            } => {
                let kept: Vec<&str> = selectors
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| matched.get(*number + i).copied().unwrap_or(false))
                    .map(|(_, (text, _))| *text)
                    .collect();
                *number += selectors.len();
                if kept.is_empty() {
                    continue;
                }
                css.push('\n');
                css.push_str(&kept.join(",\n"));
                css.push_str(" {");
                css.push_str(declarations);
                css.push_str("}\n");
                wrote = true;
            }
            Rule::Group { prelude, rules } => {
                let mut inner = String::new();
                if write_rules(rules, matched, number, &mut inner) {
                    css.push('\n');
                    css.push_str(prelude);
                    css.push_str(" {");
                    // The rules inside keep their own indentation, but their selectors
                    // were trimmed.
                    for line in inner.lines().filter(|line| !line.is_empty()) {
                        css.push('\n');
                        if !line.starts_with(' ') {
                            css.push_str("  ");
                        }
                        css.push_str(line);
                    }
                    css.push_str("\n}\n");
                    wrote = true;
                }
            }
        }
    }
    wrote
}

/// Parses our own stylesheet: rules and `@` groups, with comments between them. It is
/// not a CSS parser for any input; a test holds it to the stylesheet it reads.
fn parse_rules(mut css: &'static str) -> Vec<Rule> {
    let mut rules = Vec::new();
    loop {
        css = skip_space_and_comments(css);
        let Some(open) = css.find('{') else {
            return rules;
        };
        let prelude = css[..open].trim();
        let body = &css[open + 1..];
        if prelude.starts_with('@') {
            let close = matching_brace(body);
            rules.push(Rule::Group {
                prelude,
                rules: parse_rules(&body[..close]),
            });
            css = &body[(close + 1).min(body.len())..];
        } else {
            let close = body.find('}').unwrap_or(body.len());
            rules.push(Rule::Style {
                selectors: prelude
                    .split(',')
                    .map(str::trim)
                    .map(|text| (text, parse_selector(text)))
                    .collect(),
                declarations: &body[..close],
            });
            css = &body[(close + 1).min(body.len())..];
        }
    }
}

fn skip_space_and_comments(mut css: &str) -> &str {
    loop {
        css = css.trim_start();
        match css.strip_prefix("/*") {
            Some(rest) => css = rest.split_once("*/").map_or("", |(_, after)| after),
            None => return css,
        }
    }
}

/// The index of the `}` that closes a block whose `{` came just before `body`.
fn matching_brace(body: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    body.len()
}

fn parse_selector(text: &'static str) -> Selector {
    let mut compounds = Vec::new();
    let mut combinators = Vec::new();
    let mut pending = Combinator::Descendant;
    for token in text.split_ascii_whitespace() {
        match token {
            "+" => pending = Combinator::NextSibling,
            ">" => pending = Combinator::Child,
            compound => {
                if !compounds.is_empty() {
                    combinators.push(pending);
                }
                compounds.push(parse_compound(compound));
                pending = Combinator::Descendant;
            }
        }
    }
    let subject = compounds.pop().unwrap_or_default();
    let steps = combinators
        .into_iter()
        .rev()
        .zip(compounds.into_iter().rev())
        .collect();
    Selector { subject, steps }
}

/// `ol.toc`, `.note`, `p:first-of-type`: the element name and the classes.
fn parse_compound(text: &'static str) -> Compound {
    // Pseudo-classes are taken as matching.
    let text = text.split(':').next().unwrap_or_default();
    let mut parts = text.split('.');
    let element = parts.next().filter(|name| !name.is_empty() && *name != "*");
    Compound {
        element,
        classes: parts.filter(|c| !c.is_empty()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used(pages: &[&str]) -> String {
        let mut usage = Usage::new(ParagraphStyle::Indented);
        for page in pages {
            usage.scan(page);
        }
        usage.stylesheet(ParagraphStyle::Indented)
    }

    /// The selectors of a written stylesheet, one string each.
    fn selectors(css: &str) -> Vec<String> {
        let mut out = Vec::new();
        collect(
            &parse_rules(Box::leak(css.to_string().into_boxed_str())),
            &mut out,
        );
        out
    }

    fn collect(rules: &[Rule], out: &mut Vec<String>) {
        for rule in rules {
            match rule {
                Rule::Style { selectors, .. } => {
                    out.extend(selectors.iter().map(|(t, _)| t.to_string()))
                }
                Rule::Group { rules, .. } => collect(rules, out),
            }
        }
    }

    #[test]
    fn the_stylesheet_parses_into_its_rules() {
        fn count(rules: &[Rule]) -> usize {
            rules
                .iter()
                .map(|rule| match rule {
                    Rule::Style { .. } => 1,
                    Rule::Group { rules, .. } => 1 + count(rules),
                })
                .sum()
        }
        // One rule or group for every block the file opens (its comments hold no braces).
        assert_eq!(count(&RULES.0), STYLESHEET.matches('{').count());
        let mut all = Vec::new();
        collect(&RULES.0, &mut all);
        for selector in &all {
            assert!(
                selector
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || " .-+>:".contains(c)),
                "{selector:?} uses syntax the scan does not know"
            );
        }
    }

    #[test]
    fn selectors_are_kept_only_when_they_match() {
        let cases: &[(&str, &str, bool)] = &[
            ("<body><p>x</p></body>", "p", true),
            ("<body><p>x</p></body>", "hr.scene-break", false),
            ("<body><hr class=\"scene-break\"/><p>x</p></body>", "hr.scene-break", true),
            ("<body><hr class=\"scene-break\"/><p>x</p></body>", "hr + p", true),
            ("<body><p>x</p><hr class=\"scene-break\"/></body>", "hr + p", false),
            ("<body><h1>T</h1>\n<p>x</p></body>", "h1 + p", true),
            ("<body><h1>T</h1><div><p>x</p></div></body>", "h1 + p", false),
            (
                "<body><section class=\"note\" id=\"n\"><h3>T</h3><p>x</p></section></body>",
                ".note p:first-of-type",
                true,
            ),
            ("<body><section class=\"notes\"><p>x</p></section></body>", ".note p:first-of-type", false),
            (
                "<body><ol class=\"toc\"><li><a href=\"c\">C</a> <span class=\"words\">9</span></li></ol></body>",
                "ol.toc .words",
                true,
            ),
            ("<body><ol><li><span class=\"words\">9</span></li></ol></body>", "ol.toc .words", false),
            (
                "<body><aside class=\"author-note\"><p class=\"note-title\">N</p><p>x</p></aside></body>",
                ".note-title + p",
                true,
            ),
            ("<body><!-- <hr class=\"scene-break\"/> --><p>x</p></body>", "hr.scene-break", false),
        ];
        for (page, selector, kept) in cases {
            let css = used(&[page]);
            assert_eq!(
                selectors(&css).iter().any(|s| s == selector),
                *kept,
                "{selector} on {page}:\n{css}"
            );
        }
    }

    #[test]
    fn a_rule_keeps_its_declarations_and_groups_their_rules() {
        let css = used(&["<body><h1>T</h1><p>x</p></body>"]);
        assert!(css.starts_with("/* "), "{css}");
        assert!(css.contains("\nh1 {\n  font-size: 1.6em;\n}\n"), "{css}");
        assert!(!css.contains(".titlepage"), "{css}");
        assert!(css.contains("@supports"), "{css}");
        // What is written reads back as the same selectors.
        assert!(selectors(&css).contains(&"h1 + p".to_string()), "{css}");
    }
}
