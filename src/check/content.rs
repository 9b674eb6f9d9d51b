//! Reading one XHTML, SVG, NCX or media-overlay document: its ids, every reference it
//! makes and what it is used for, the features the manifest must declare, and the
//! problems that lie inside the document alone.

use super::xml::{self, Element, Node};
use super::Code;
use std::collections::HashSet;

/// What a reference is for: this decides whether it may be remote, must be in the
/// spine, needs a fallback, or must have a fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use {
    /// `a href`, `area href`.
    Hyperlink,
    /// An entry of a navigation document's `nav` of this `epub:type`.
    Nav(String),
    /// An NCX `content src`.
    NcxContent,
    /// A media overlay's `text src`.
    OverlayText,
    Image,
    /// `img` inside `picture`; `source` inside `picture`, with whether it has a `type`.
    PictureImage,
    PictureSource {
        typed: bool,
    },
    Audio,
    Video,
    Track,
    Embed,
    Object,
    Iframe,
    Script,
    Stylesheet,
    /// A font of a stylesheet's `@font-face`.
    Font,
    /// Another stylesheet, by `@import`.
    Import,
    /// A `url()` of a stylesheet that is not a font.
    CssResource,
    Cite,
    /// An SVG `use`.
    SvgReuse,
}

#[derive(Debug, Clone)]
pub struct Reference {
    pub url: String,
    pub line: usize,
    pub usage: Use,
    /// The `audio`, `video` or `picture` element it belongs to, numbered in the
    /// document: one of its resources can be the fallback of the others.
    pub group: Option<usize>,
}

/// Features the manifest must declare as properties.
#[derive(Debug, Default, Clone, Copy)]
pub struct Features {
    pub scripted: bool,
    pub svg: bool,
    pub mathml: bool,
    pub switch: bool,
}

#[derive(Debug, Default)]
pub struct Document {
    pub ids: HashSet<String>,
    /// Ids of elements a link cannot show (an SVG `symbol`, things inside `defs`).
    pub unlinkable: HashSet<String>,
    pub references: Vec<Reference>,
    pub features: Features,
    pub problems: Vec<(Code, Option<usize>, String)>,
    /// `<meta name="viewport">` contents, with their lines.
    pub viewports: Vec<(String, usize)>,
    /// The root is an `svg` element: whether it has a `viewBox`.
    pub svg_root_viewbox: Option<bool>,
    /// Inline CSS (`<style>`, `style=""`), with the line it starts on.
    pub styles: Vec<(String, usize)>,
    /// It has CSS of its own or links a stylesheet.
    pub styled: bool,
    /// `<base href>` or `xml:base` on the root.
    pub base: Option<String>,
    pub doctype: Option<String>,
    pub declares_entities: bool,
    /// For an NCX: `dtb:uid`, and how many `navPoint`s it has.
    pub ncx_uid: Option<String>,
    pub nav_points: usize,
    /// For a navigation document: the `epub:type`s of its `nav` elements, with how many
    /// links each holds.
    pub navs: Vec<(String, usize)>,
    /// Lines of elements other than `nav` that claim `epub:type="region-based"`.
    pub region_based_elsewhere: Vec<usize>,
}

/// Which attribute of which element holds a reference, and what for.
fn reference_of(element: &Element, parents: &[String]) -> Vec<(String, Use)> {
    let parent = parents.last().map(String::as_str).unwrap_or("");
    let get = |name: &str| element.get(name).map(str::to_owned);
    let mut found = Vec::new();
    let mut add = |value: Option<String>, usage: Use| {
        if let Some(value) = value {
            found.push((value, usage));
        }
    };
    match element.local() {
        "a" | "area" => add(element.get_local("href").map(str::to_owned), Use::Hyperlink),
        "link" => {
            let rel = element.get("rel").unwrap_or("").to_ascii_lowercase();
            if rel.split_whitespace().any(|r| r == "stylesheet") {
                add(get("href"), Use::Stylesheet);
            }
        }
        "img" => {
            let usage = if parent == "picture" {
                Use::PictureImage
            } else {
                Use::Image
            };
            add(get("src"), usage.clone());
            for candidate in srcset(element.get("srcset")) {
                add(Some(candidate), usage.clone());
            }
        }
        "source" => {
            let usage = match parent {
                "audio" => Use::Audio,
                "video" => Use::Video,
                "picture" => Use::PictureSource {
                    typed: element.get("type").is_some(),
                },
                _ => Use::Image,
            };
            add(get("src"), usage.clone());
            for candidate in srcset(element.get("srcset")) {
                add(Some(candidate), usage.clone());
            }
        }
        "audio" => add(get("src"), Use::Audio),
        "video" => {
            add(get("src"), Use::Video);
            add(get("poster"), Use::Image);
        }
        "track" => add(get("src"), Use::Track),
        "embed" => add(get("src"), Use::Embed),
        "object" => add(get("data"), Use::Object),
        "iframe" => add(get("src"), Use::Iframe),
        "script" => add(get("src"), Use::Script),
        "input"
            if element
                .get("type")
                .is_some_and(|t| t.eq_ignore_ascii_case("image")) =>
        {
            add(get("src"), Use::Image)
        }
        "math" => add(get("altimg"), Use::Image),
        "blockquote" | "q" | "ins" | "del" => add(get("cite"), Use::Cite),
        "image" | "feImage" => add(element.get_local("href").map(str::to_owned), Use::Image),
        "use" => add(element.get_local("href").map(str::to_owned), Use::SvgReuse),
        "font-face-uri" => add(element.get_local("href").map(str::to_owned), Use::Font),
        "content" => add(get("src"), Use::NcxContent),
        "text" if element.get("src").is_some() => add(get("src"), Use::OverlayText),
        _ => {}
    }
    if let Some(textref) = element.get("epub:textref") {
        found.push((textref.to_string(), Use::OverlayText));
    }
    found
}

/// The URLs of a `srcset`: each is a run without spaces (a data URL's commas are part
/// of it), then descriptors up to the next comma.
fn srcset(value: Option<&str>) -> Vec<String> {
    let Some(set) = value else {
        return Vec::new();
    };
    let mut urls = Vec::new();
    let mut rest = set;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let mut end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        // A data URL's payload may follow its comma after a line break.
        if rest.starts_with("data:") && rest[..end].ends_with(',') {
            let payload = rest[end..].trim_start();
            let skipped = rest.len() - payload.len();
            end = skipped + payload.find(char::is_whitespace).unwrap_or(payload.len());
        }
        let url = rest[..end].trim_end_matches(',');
        let ended_by_comma = rest[..end].ends_with(',');
        urls.push(url.to_string());
        rest = &rest[end..];
        if !ended_by_comma {
            rest = rest.find(',').map_or("", |comma| &rest[comma + 1..]);
        }
    }
    urls
}

/// The elements of HTML (the living standard, with the obsolete ones reading systems
/// still render), for telling a misspelled or invented element in an XHTML document.
const HTML_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "legend",
    "li",
    "link",
    "main",
    "map",
    "mark",
    "menu",
    "meta",
    "meter",
    "nav",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "param",
    "picture",
    "pre",
    "progress",
    "q",
    "rb",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "script",
    "search",
    "section",
    "select",
    "slot",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// Elements that may not hold another of their own kind, at any depth.
const NOT_NESTED: &[&str] = &["a", "dfn", "form", "label", "button"];

/// Reads a document. `Err` is the reason it is not well-formed.
pub fn scan(bytes: &[u8]) -> Result<Document, String> {
    let mut document = Document::default();
    let mut parents: Vec<String> = Vec::new();
    // The `nav` being read, by depth, and the links in it so far.
    let mut nav: Option<(usize, String, usize)> = None;
    let mut unlinkable_depth: Option<usize> = None;
    let mut style_depth: Option<(usize, usize)> = None;
    let mut style_text = String::new();
    let mut groups = 0;
    // Inside `svg` or `math` in an XHTML document, the names are theirs, not HTML's.
    let mut foreign_depth: Option<usize> = None;
    let mut html = false;
    let mut group: Option<(usize, usize)> = None;
    let prolog = xml::walk(bytes, |node| match node {
        Node::Start(element) => {
            let local = element.local();
            if element.depth == 1 {
                html = local == "html";
            }
            if foreign_depth.is_none() && matches!(local, "svg" | "math") {
                foreign_depth = Some(element.depth);
            }
            let in_html = html && foreign_depth.is_none() && !element.name.contains(':');
            if in_html && !HTML_ELEMENTS.contains(&local) {
                document.problems.push((
                    Code::UnknownElement,
                    Some(element.line),
                    format!("<{local}> is not an HTML element"),
                ));
            }
            if in_html && NOT_NESTED.contains(&local) && parents.iter().any(|p| p == local) {
                document.problems.push((
                    Code::BadNesting,
                    Some(element.line),
                    format!("<{local}> is inside another <{local}>"),
                ));
            }
            if element.depth == 1 {
                document.base = element.get("xml:base").map(str::to_owned);
                if local == "svg" {
                    document.svg_root_viewbox = Some(element.get("viewBox").is_some());
                }
            }
            let id = element.get("id").or(element.get("xml:id"));
            if let Some(id) = id {
                let id = id.trim().to_string();
                if unlinkable_depth.is_some() || local == "symbol" {
                    document.unlinkable.insert(id.clone());
                }
                if !document.ids.insert(id.clone()) {
                    document.problems.push((
                        Code::DuplicateId,
                        Some(element.line),
                        format!("the id {id:?} is used twice"),
                    ));
                }
            }
            if matches!(
                local,
                "symbol" | "defs" | "clipPath" | "mask" | "pattern" | "marker"
            ) && unlinkable_depth.is_none()
            {
                unlinkable_depth = Some(element.depth);
            }
            if let (Some(lang), Some(xml_lang)) = (element.get("lang"), element.get("xml:lang")) {
                if !lang.trim().eq_ignore_ascii_case(xml_lang.trim()) {
                    document.problems.push((
                        Code::LangMismatch,
                        Some(element.line),
                        format!("lang={lang:?} and xml:lang={xml_lang:?} differ"),
                    ));
                }
            }
            match local {
                "script" => {
                    let kind = element
                        .get("type")
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    let data_block = !kind.is_empty()
                        && !kind.contains("javascript")
                        && !kind.contains("ecmascript")
                        && kind != "module";
                    document.features.scripted |= !data_block;
                }
                "form" => document.features.scripted = true,
                "svg" if element.depth > 1 || element.name.contains(':') => {
                    document.features.svg |= !parents.is_empty();
                }
                "math" => document.features.mathml = true,
                "switch" if element.name.starts_with("epub:") => document.features.switch = true,
                "base" => document.base = element.get("href").map(str::to_owned),
                "meta"
                    if element
                        .get("name")
                        .is_some_and(|n| n.eq_ignore_ascii_case("viewport")) =>
                {
                    document.viewports.push((
                        element.get("content").unwrap_or("").to_string(),
                        element.line,
                    ));
                }
                "meta" if element.get("name") == Some("dtb:uid") => {
                    document.ncx_uid = element.get("content").map(str::to_owned);
                }
                "navPoint" => document.nav_points += 1,
                "pageTarget" => {
                    let kind = element.get("type").unwrap_or("");
                    if !matches!(kind, "front" | "normal" | "special") {
                        document.problems.push((
                            Code::NcxInvalid,
                            Some(element.line),
                            format!("pageTarget type {kind:?} is not front, normal or special"),
                        ));
                    }
                }
                "nav" => {
                    let kind = element.get("epub:type").unwrap_or("").to_string();
                    nav = Some((element.depth, kind, 0));
                }
                "style" => style_depth = Some((element.depth, element.line)),
                "audio" | "video" | "picture" if group.is_none() && !element.empty => {
                    groups += 1;
                    group = Some((element.depth, groups));
                }
                _ => {}
            }
            if local != "nav"
                && element
                    .get("epub:type")
                    .is_some_and(|t| t.split_whitespace().any(|t| t == "region-based"))
            {
                document.region_based_elsewhere.push(element.line);
            }
            if element
                .attributes
                .iter()
                .any(|(key, _)| key.len() > 2 && key.starts_with("on") && !key.contains(':'))
            {
                document.features.scripted = true;
            }
            if let Some(style) = element.get("style") {
                document.styles.push((style.to_string(), element.line));
            }
            for (url, usage) in reference_of(element, &parents) {
                let usage = match (&nav, usage) {
                    (Some((_, kind, _)), Use::Hyperlink) => Use::Nav(kind.clone()),
                    (_, usage) => usage,
                };
                if let (Some((_, _, links)), Use::Nav(_)) = (&mut nav, &usage) {
                    *links += 1;
                }
                document.references.push(Reference {
                    url,
                    line: element.line,
                    usage,
                    group: group.map(|(_, number)| number),
                });
            }
            if !element.empty {
                parents.push(local.to_string());
            }
        }
        Node::End(depth) => {
            if nav.as_ref().is_some_and(|(d, _, _)| *d == depth) {
                if let Some((_, kind, links)) = nav.take() {
                    document.navs.push((kind, links));
                }
            }
            if foreign_depth == Some(depth) {
                foreign_depth = None;
            }
            if group.is_some_and(|(d, _)| d == depth) {
                group = None;
            }
            if unlinkable_depth == Some(depth) {
                unlinkable_depth = None;
            }
            if let Some((d, line)) = style_depth {
                if d == depth {
                    document
                        .styles
                        .push((std::mem::take(&mut style_text), line));
                    style_depth = None;
                }
            }
            if parents.len() >= depth && depth > 0 {
                parents.truncate(depth - 1);
            }
        }
        Node::Text(text) => {
            if style_depth.is_some() {
                style_text.push_str(text);
            }
        }
    })?;
    document.styled = !document.styles.is_empty()
        || document
            .references
            .iter()
            .any(|r| r.usage == Use::Stylesheet)
        || !prolog.stylesheets.is_empty();
    document.doctype = prolog.doctype;
    document.declares_entities = prolog.declares_entities;
    for href in prolog.stylesheets {
        document.references.push(Reference {
            url: href,
            line: 1,
            usage: Use::Stylesheet,
            group: None,
        });
    }
    Ok(document)
}

/// The problems of a fixed-layout XHTML document's viewport (`width=1200, height=800`).
pub fn viewport_problems(viewports: &[(String, usize)]) -> Vec<(Code, Option<usize>, String)> {
    let Some((content, line)) = viewports.first() else {
        return vec![(
            Code::ViewportMissing,
            None,
            "a fixed-layout document needs <meta name=\"viewport\" content=\"width=…, height=…\">"
                .to_string(),
        )];
    };
    let line = Some(*line);
    let mut problems = Vec::new();
    let mut width = 0;
    let mut height = 0;
    for part in content
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((key, value)) = part.split_once('=') else {
            problems.push((
                Code::ViewportSyntax,
                line,
                format!("the viewport's {part:?} is not key=value"),
            ));
            continue;
        };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        if key.is_empty() || key.contains(char::is_whitespace) {
            problems.push((
                Code::ViewportSyntax,
                line,
                format!("the viewport's {part:?} cannot be read"),
            ));
            continue;
        }
        let count = match key.as_str() {
            "width" => &mut width,
            "height" => &mut height,
            _ => continue,
        };
        *count += 1;
        if *count == 2 {
            problems.push((
                Code::ViewportRepeated,
                line,
                format!("the viewport gives its {key} twice"),
            ));
        }
        let pixels = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let device = matches!(value, "device-width" | "device-height");
        if !pixels && !device {
            problems.push((
                Code::ViewportValue,
                line,
                format!("the viewport's {key} {value:?} is not a number of pixels"),
            ));
        }
    }
    if problems
        .iter()
        .all(|(code, _, _)| *code != Code::ViewportSyntax)
    {
        for (key, count) in [("width", width), ("height", height)] {
            if count == 0 {
                problems.push((
                    Code::ViewportDimension,
                    line,
                    format!("the viewport gives no {key}"),
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_what_they_are_for() {
        let page = br#"<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head>
<link rel="stylesheet" href="s.css"/></head><body>
<p id="a"><a href="b.xhtml#c">x</a><img src="i.png" srcset="j.png 2x, k.png 3x"/></p>
<picture><source srcset="p.jxl" type="image/jxl"/><img src="p.png"/></picture>
<video src="v.mp4" poster="poster.png"><track src="t.vtt"/></video>
<nav epub:type="toc"><ol><li><a href="c.xhtml">C</a></li></ol></nav>
<form/><math/></body></html>"#;
        let document = scan(page).expect("well-formed");
        let found: Vec<(&str, &Use)> = document
            .references
            .iter()
            .map(|r| (r.url.as_str(), &r.usage))
            .collect();
        assert_eq!(
            found,
            [
                ("s.css", &Use::Stylesheet),
                ("b.xhtml#c", &Use::Hyperlink),
                ("i.png", &Use::Image),
                ("j.png", &Use::Image),
                ("k.png", &Use::Image),
                ("p.jxl", &Use::PictureSource { typed: true }),
                ("p.png", &Use::PictureImage),
                ("v.mp4", &Use::Video),
                ("poster.png", &Use::Image),
                ("t.vtt", &Use::Track),
                ("c.xhtml", &Use::Nav("toc".into())),
            ]
        );
        assert!(document.features.scripted && document.features.mathml);
        assert!(!document.features.svg);
        assert_eq!(document.navs, [("toc".to_string(), 1)]);
        assert!(document.ids.contains("a"));
    }

    #[test]
    fn srcsets() {
        for (set, urls) in [
            ("a.png", vec!["a.png"]),
            ("a.png 1x, b.png 2x", vec!["a.png", "b.png"]),
            ("a.png, b.png", vec!["a.png", "b.png"]),
            // A comma inside a URL is part of it, as HTML reads srcset.
            ("a.png,b.png", vec!["a.png,b.png"]),
            (
                "data:image/png;base64,iVBOR= 1x, c.png 2x",
                vec!["data:image/png;base64,iVBOR=", "c.png"],
            ),
        ] {
            assert_eq!(srcset(Some(set)), urls, "{set}");
        }
    }

    #[test]
    fn problems_inside_one_document() {
        let page = br#"<html><body><p id="x" lang="en" xml:lang="fr"/><p id="x"/></body></html>"#;
        let codes: Vec<Code> = scan(page)
            .expect("well-formed")
            .problems
            .into_iter()
            .map(|(code, _, _)| code)
            .collect();
        assert_eq!(codes, [Code::LangMismatch, Code::DuplicateId]);
        let page = br#"<html><body><invented/><p><dfn>a <dfn>b</dfn></dfn></p><svg><g/></svg></body></html>"#;
        let codes: Vec<Code> = scan(page)
            .expect("well-formed")
            .problems
            .into_iter()
            .map(|(code, _, _)| code)
            .collect();
        assert_eq!(codes, [Code::UnknownElement, Code::BadNesting]);
    }

    #[test]
    fn viewports() {
        let codes = |content: &str| -> Vec<Code> {
            viewport_problems(&[(content.to_string(), 1)])
                .into_iter()
                .map(|(code, _, _)| code)
                .collect()
        };
        assert_eq!(codes("width=1200, height=800"), []);
        assert_eq!(codes("width=1200"), [Code::ViewportDimension]);
        assert_eq!(codes("width=1200, height="), [Code::ViewportValue]);
        assert_eq!(codes("width=1200px, height=800"), [Code::ViewportValue]);
        assert_eq!(
            codes("width=1200, height=800, width=100"),
            [Code::ViewportRepeated]
        );
        assert_eq!(codes("width 1200 height 800"), [Code::ViewportSyntax]);
        assert_eq!(viewport_problems(&[])[0].0, Code::ViewportMissing);
    }
}
