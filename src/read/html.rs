//! HTML stories: a download from the Archive of Our Own (the layout is recognized and
//! its metadata, notes and chapters kept), or any other one-file story, whose headings
//! start chapters.

use super::conventions;
use super::conventions::take_edge_notes;
use super::dom::{self, Item};
use super::ReadError;
use crate::book::NoteOrigin;
use crate::sidecar::{DateValue, Number, Sidecar, StatusValue};
use crate::story::{Paragraph, RawBlock, RawChapter, RawNote, Story};
use scraper::{ElementRef, Html, Selector};

/// What an HTML or EPUB reader found: the story, the metadata the file carries, and the
/// site layout it recognized.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub story: Story,
    pub metadata: Sidecar,
    pub layout: &'static str,
    pub warnings: Vec<String>,
    /// The picture the file names as its cover (an EPUB's own), as stored.
    pub cover: Option<Vec<u8>>,
}

/// The text is taken so that it can go once it is parsed: a page's tree takes several
/// times its size, and a large story should not be held twice beside it.
pub(super) fn read_html(text: String) -> Result<Found, ReadError> {
    let document = super::tree::parse_document(&text);
    drop(text);
    let mut found = ao3(&document)
        .or_else(|| ao3_work_page(&document))
        .or_else(|| fanficfare(&document))
        .or_else(|| fimfiction(&document))
        .unwrap_or_else(|| generic(&document));
    found.story = std::mem::take(&mut found.story).finish()?;
    Ok(found)
}

fn selector(css: &str) -> Selector {
    // Only the constant selectors below are parsed; none comes from input.
    Selector::parse(css).unwrap_or_else(|_| panic!("{css:?} is a valid selector"))
}

fn first<'a>(root: ElementRef<'a>, css: &str) -> Option<ElementRef<'a>> {
    root.select(&selector(css)).next()
}

/// The `div`s with each of these ids, in the order of the page, found in one walk of it:
/// the page is mostly story text, and a selector would walk all of it for each id.
fn divs_by_id<'a, const N: usize>(
    root: ElementRef<'a>,
    ids: [&str; N],
) -> [Vec<ElementRef<'a>>; N] {
    let mut found: [Vec<ElementRef<'a>>; N] = std::array::from_fn(|_| Vec::new());
    for element in root.descendants().filter_map(ElementRef::wrap) {
        let value = element.value();
        if value.name() != "div" {
            continue;
        }
        if let Some(k) = value
            .id()
            .and_then(|id| ids.iter().position(|&wanted| wanted == id))
        {
            found[k].push(element);
        }
    }
    found
}

/// The first `h2.heading` inside `element` and its first `h2` of any class.
fn first_headings(element: ElementRef<'_>) -> (Option<ElementRef<'_>>, Option<ElementRef<'_>>) {
    let mut any = None;
    for inner in element.descendants().skip(1).filter_map(ElementRef::wrap) {
        if inner.value().name() != "h2" {
            continue;
        }
        any = any.or(Some(inner));
        if inner.value().classes().any(|c| c == "heading") {
            return (Some(inner), any);
        }
    }
    (None, any)
}

fn warn_about_images(images: &[String], warnings: &mut Vec<String>) {
    for src in images {
        if src.contains("://") {
            warnings.push(format!(
                "the picture at {src} is on the web, not in the file: its description stands \
                 in its place"
            ));
        }
    }
}

/// Any HTML story: `<title>` or a lone top heading names it, and the headings of the
/// level that repeats start chapters.
fn generic(document: &Html) -> Found {
    let root = document.root_element();
    let body = first(root, "body").unwrap_or(root);
    let (items, images) = dom::items(body);
    let mut warnings = Vec::new();
    warn_about_images(&images, &mut warnings);
    let (heading_title, chapters) = chapters_from_items(items);
    let title = heading_title.or_else(|| {
        first(root, "title")
            .map(dom::text)
            .filter(|t| !t.is_empty())
    });
    let author = first(root, "meta[name=author]")
        .and_then(|m| m.attr("content"))
        .map(dom::collapse)
        .filter(|a| !a.is_empty())
        .map(|author| vec![author]);
    let language = root.attr("lang").map(str::to_string);
    Found {
        story: Story {
            title_line: title.clone(),
            description: Vec::new(),
            chapters,
        },
        metadata: Sidecar {
            title,
            author,
            language,
            ..Sidecar::default()
        },
        layout: "HTML page",
        warnings,
        cover: None,
    }
}

/// FanFicFare's HTML: the title and author in the `<h1>`, a table of `Label:` rows, a
/// table of contents, then one `<h2>` per chapter.
fn fanficfare(document: &Html) -> Option<Found> {
    let root = document.root_element();
    first(root, "a[name=TOCTOP]")?;
    let heading = first(root, "h1")?;
    let links: Vec<ElementRef> = heading.select(&selector("a")).collect();
    let title = links
        .first()
        .map(|a| dom::text(*a))
        .filter(|t| !t.is_empty());
    // Co-authors each have a link of their own.
    let mut authors: Vec<String> = heading
        .select(&selector("a.authorlink"))
        .map(dom::text)
        .filter(|a| !a.is_empty())
        .collect();
    if authors.is_empty() {
        authors.extend(
            links
                .get(1)
                .map(|a| dom::text(*a))
                .filter(|a| !a.is_empty()),
        );
    }
    let author = (!authors.is_empty()).then_some(authors);
    let source = links
        .first()
        .and_then(|a| a.attr("href"))
        .map(str::to_string);
    let mut metadata = Sidecar {
        title: title.clone(),
        author,
        source,
        ..Sidecar::default()
    };
    let mut description = Vec::new();
    for row in root.select(&selector("table.full tr")) {
        let cells: Vec<ElementRef> = row.select(&selector("td")).collect();
        let [label, value] = cells.as_slice() else {
            continue;
        };
        let value_text = dom::text(*value);
        let label = dom::text(*label);
        if let Some(list) = fanficfare_tag_list(&mut metadata, label.trim_end_matches(':')) {
            list.extend(split_list(&value_text));
            continue;
        }
        match label.trim_end_matches(':') {
            "Rating" => metadata.rating = Some(value_text).filter(|r| !r.is_empty()),
            "Status" => metadata.status = fanficfare_status(&value_text),
            "Language" => metadata.language = language_tag(&value_text),
            "Published" => {
                let day: String = value_text.chars().take(10).collect();
                metadata.published = Some(DateValue::Text(day));
            }
            "Summary" => description = dom::paragraphs(*value),
            _ => {}
        }
    }
    if let Some(date) = &metadata.published {
        if crate::sidecar::published_date(date).is_err() {
            metadata.published = None;
        }
    }
    let body = first(root, "body").unwrap_or(root);
    let (items, images) = dom::items(body);
    let mut warnings = Vec::new();
    warn_about_images(&images, &mut warnings);
    let (_, chapters) = chapters_from_items(items);
    // Before the first chapter: the title and the table of labels, now metadata.
    let chapters = chapters
        .into_iter()
        .filter(|c| c.title.is_some() && !is_contents_title(c.title.as_deref()))
        .collect();
    Some(Found {
        story: Story {
            title_line: title,
            description,
            chapters,
        },
        metadata,
        layout: "FanFicFare",
        warnings,
        cover: None,
    })
}

/// A page as a chapter: titled by the contents, else by its first heading.
pub(super) fn chapter_of(page: dom::Page, label: Option<String>) -> RawChapter {
    let mut chapter = RawChapter {
        title: label,
        ..RawChapter::default()
    };
    let mut items = page.items.into_iter().peekable();
    if let Some(Item::Heading { text, .. }) = items.peek() {
        if chapter.title.is_none() || chapter.title.as_deref() == Some(text.as_str()) {
            chapter.title = Some(text.clone());
            items.next();
        }
    }
    for item in items {
        chapter.blocks.push(item.into_block());
    }
    for (before, paragraphs) in page.notes {
        chapter.notes.push(RawNote {
            origin: if before {
                NoteOrigin::Top
            } else {
                NoteOrigin::Bottom
            },
            paragraphs,
        });
    }
    conventions::take_edge_notes(&mut chapter);
    chapter
}

/// Fimfiction's HTML download: the story's title and author in a `header`, then one
/// `article.chapter` per chapter, with `aside.authors-note` for the author's notes.
fn fimfiction(document: &Html) -> Option<Found> {
    let root = document.root_element();
    let articles: Vec<ElementRef> = root.select(&selector("article.chapter")).collect();
    if articles.is_empty() {
        return None;
    }
    let header = first(root, "body > header");
    let title = header
        .and_then(|h| first(h, "h1"))
        .map(dom::text)
        .or_else(|| first(root, "title").map(dom::text))
        .filter(|t| !t.is_empty());
    let author = header
        .and_then(|h| first(h, "a[href*='/user/']"))
        .map(dom::text)
        .filter(|a| !a.is_empty())
        .map(|author| vec![author]);
    let source = header
        .and_then(|h| first(h, "h1 a[href]"))
        .and_then(|a| a.attr("href"))
        .map(str::to_string);
    let mut warnings = Vec::new();
    let mut chapters = Vec::new();
    for article in articles {
        let page = dom::page(article);
        warn_about_images(&page.images, &mut warnings);
        chapters.push(chapter_of(page, None));
    }
    Some(Found {
        story: Story {
            title_line: title.clone(),
            description: Vec::new(),
            chapters,
        },
        metadata: Sidecar {
            title,
            author,
            source,
            publisher: Some("Fimfiction".to_string()),
            ..Sidecar::default()
        },
        layout: "Fimfiction",
        warnings,
        cover: None,
    })
}

fn is_contents_title(title: Option<&str>) -> bool {
    title.is_some_and(|t| {
        matches!(
            t.trim().to_lowercase().as_str(),
            "table of contents" | "contents"
        )
    })
}

/// Splits a page's items into chapters at the headings of the chapter level: the top
/// level that appears more than once, or the level below a single top heading, which then
/// titles the book.
pub(super) fn chapters_from_items(items: Vec<Item>) -> (Option<String>, Vec<RawChapter>) {
    let levels: Vec<u8> = items
        .iter()
        .filter_map(|item| match item {
            Item::Heading { level, .. } => Some(*level),
            Item::Block(_) => None,
        })
        .collect();
    let count = |l: u8| levels.iter().filter(|&&x| x == l).count();
    let top = levels.iter().copied().min();
    let (book_level, chapter_level) = match top {
        Some(top) if count(top) == 1 && levels.iter().any(|&l| l > top) => {
            let next = levels.iter().copied().filter(|&l| l > top).min();
            (Some(top), next)
        }
        other => (None, other),
    };
    let mut book_title = None;
    let mut chapters = Vec::new();
    let mut chapter = RawChapter::default();
    for item in items {
        match item {
            Item::Heading { level, text, .. } if Some(level) == book_level => {
                book_title = Some(text);
            }
            Item::Heading { level, text, id } if Some(level) == chapter_level => {
                if chapter.title.is_some() || !chapter.blocks.is_empty() {
                    chapters.push(std::mem::take(&mut chapter));
                }
                chapter.title = Some(text);
                chapter.anchors.extend(id.map(|id| format!("#{id}")));
            }
            Item::Heading { text, id, .. } => {
                chapter.anchors.extend(id.map(|id| format!("#{id}")));
                chapter
                    .blocks
                    .push(RawBlock::Heading(Paragraph::plain(text)))
            }
            Item::Block(block) => chapter.blocks.push(block),
        }
    }
    if chapter.title.is_some() || !chapter.blocks.is_empty() {
        chapters.push(chapter);
    }
    for chapter in &mut chapters {
        take_edge_notes(chapter);
    }
    (book_title, chapters)
}

/// AO3's HTML download, or the concatenated pages of its EPUB: a `#preface` with the
/// work's metadata, `#chapters`, and an `#afterword` with the end notes.
pub(super) fn ao3(document: &Html) -> Option<Found> {
    ao3_from_pages(vec![ao3_page(document)])
}

/// What one page of an AO3 download holds, as plain data. calibre splits the download
/// into pages to make AO3's EPUBs; each page is read on its own (on any core), and
/// `ao3_from_pages` puts the pages back together as the one download they came from.
#[derive(Debug, Default)]
pub(super) struct Ao3Page {
    has_preface: bool,
    has_chapters: bool,
    labels: Vec<Label>,
    /// The text of the first `h1` of the page's prefaces, and of the first `p b` of its
    /// first preface: the work's title.
    heading: Option<String>,
    bold: Option<String>,
    authors: Vec<String>,
    source: Option<String>,
    description: Option<Vec<Paragraph>>,
    work_notes: Option<Vec<Paragraph>>,
    /// The chapters area in the order of the page.
    parts: Vec<Ao3Part>,
    end_notes: Option<Vec<Paragraph>>,
    afterword_notes: Option<Vec<Paragraph>>,
    images: Vec<String>,
}

/// A piece of AO3's chapters area: a chapter's heading (with its summary and notes), text
/// of the chapter last begun, or the notes at a chapter's end.
#[derive(Debug)]
enum Ao3Part {
    Chapter(RawChapter),
    Text(Vec<RawBlock>),
    EndNotes(Vec<Paragraph>),
}

pub(super) fn ao3_page(document: &Html) -> Ao3Page {
    let root = document.root_element();
    // calibre, splitting the page for an EPUB, repeats the preface's `div` on each piece
    // and renames every class it does not need.
    let [prefaces, chapter_areas, endnotes, afterwords] =
        divs_by_id(root, ["preface", "chapters", "endnotes", "afterword"]);
    let (dt, link, quote) = (
        selector("dl > dt"),
        selector("a[href]"),
        selector("blockquote.userstuff"),
    );
    let mut page = Ao3Page {
        has_preface: !prefaces.is_empty(),
        has_chapters: !chapter_areas.is_empty(),
        labels: prefaces
            .iter()
            .flat_map(|p| p.select(&dt))
            .filter_map(Label::of)
            .collect(),
        heading: prefaces.iter().find_map(|p| first(*p, "h1")).map(dom::text),
        bold: prefaces
            .first()
            .and_then(|p| first(*p, "p b"))
            .map(dom::text),
        authors: ao3_author_names(&prefaces),
        source: prefaces
            .iter()
            .flat_map(|p| p.select(&link))
            .filter_map(|a| a.attr("href"))
            .find(|href| href.contains("archiveofourown.org/works/") && !href.contains("/comments"))
            .map(|href| href.replacen("http://", "https://", 1)),
        ..Ao3Page::default()
    };
    // The summary and the work's notes are labelled by the paragraph before them.
    for block in prefaces.iter().flat_map(|p| p.select(&quote)) {
        match previous_label(block).as_deref() {
            Some("Summary") => page.description = Some(dom::paragraphs(block)),
            Some("Notes") => page.work_notes = Some(dom::paragraphs(block)),
            _ => {}
        }
    }
    for &area in &chapter_areas {
        for child in area.child_elements() {
            if let Some(part) = ao3_part(child, &mut page.images) {
                page.parts.push(part);
            }
        }
    }
    fn end_notes(divs: &[ElementRef]) -> Option<Vec<Paragraph>> {
        divs.iter()
            .find_map(|div| first(*div, "blockquote.userstuff"))
            .map(dom::paragraphs)
    }
    page.end_notes = end_notes(&endnotes);
    page.afterword_notes = end_notes(&afterwords);
    page
}

/// `ao3_page` for a page of an AO3 EPUB that holds only chapter headings and chapter
/// text, which is most of a long work: read from the page's tags without building its
/// tree, which costs more than the rest of reading. `None` for any page with more in it
/// (the preface, notes, tables…), which `ao3_page` then reads; the test
/// `streamed_pages_read_as_their_trees` holds the two to the same result.
pub(super) fn ao3_text_page(events: &[dom::Streamed]) -> Option<Ao3Page> {
    let [html] = only_elements(events)?[..] else {
        return None;
    };
    let [body] = only_elements(html.content)?[..] else {
        return None;
    };
    let [area] = elements(body.content)[..] else {
        return None;
    };
    if body.name != "body" || area.name != "div" || area.start.attribute("id") != Some("chapters") {
        return None;
    }
    let mut page = Ao3Page {
        has_chapters: true,
        ..Ao3Page::default()
    };
    for child in elements(area.content) {
        let classes: Vec<&str> = child
            .start
            .attribute("class")
            .unwrap_or_default()
            .split_ascii_whitespace()
            .collect();
        // What `ao3_page` finds by id anywhere, and the chapter headings it knows by class,
        // are left to it.
        let marked = |event: &dom::Streamed| {
            event.attribute("id").is_some_and(|id| {
                matches!(id, "preface" | "chapters" | "afterword") || id.starts_with("endnotes")
            })
        };
        if child.name != "div"
            || marked(child.start)
            || child.content.iter().any(marked)
            || (classes.contains(&"meta") && classes.contains(&"group"))
        {
            return None;
        }
        let is_userstuff = classes.iter().any(|c| c.starts_with("userstuff"));
        let has = |names: &[&str]| {
            child.content.iter().any(|event| {
                matches!(event, dom::Streamed::Start(tag) if names.contains(&tag.name.as_ref()))
            })
        };
        if has(&["h1", "h2", "h3", "h4", "h5", "h6"]) {
            // A chapter's heading, alone in its `div`.
            let [heading] = only_elements(child.content)?[..] else {
                return None;
            };
            let heading_classes = heading.start.attribute("class").unwrap_or_default();
            let is_heading = heading_classes
                .split_ascii_whitespace()
                .any(|c| c == "heading");
            if heading.name != "h2"
                || (!is_heading && is_userstuff)
                || heading.content.iter().any(
                    |event| matches!(event, dom::Streamed::Start(tag) if dom::is_block(&tag.name)),
                )
            {
                return None;
            }
            let text: String = heading
                .content
                .iter()
                .filter_map(|event| match event {
                    dom::Streamed::Text(text) => Some(text.as_ref()),
                    _ => None,
                })
                .collect();
            page.parts.push(Ao3Part::Chapter(RawChapter {
                title: Some(dom::collapse(&text)).filter(|t| !t.is_empty()),
                ..RawChapter::default()
            }));
        } else if is_userstuff || has(&["p"]) {
            let (items, images) = dom::streamed_items(child.content)?;
            page.images.extend(images);
            page.parts.push(Ao3Part::Text(
                items.into_iter().map(Item::into_block).collect(),
            ));
        }
    }
    Some(page)
}

/// An element of a stream of tags: its start tag and what lies between it and its end.
#[derive(Clone, Copy)]
struct StreamedElement<'e, 'a> {
    name: &'e str,
    start: &'e dom::Streamed<'a>,
    content: &'e [dom::Streamed<'a>],
}

/// The elements at the top level of a balanced run of tags, text between them left out.
fn elements<'e, 'a>(events: &'e [dom::Streamed<'a>]) -> Vec<StreamedElement<'e, 'a>> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, event) in events.iter().enumerate() {
        match event {
            dom::Streamed::Start(tag) if tag.empty && depth == 0 => {
                found.push((index, index + 1));
            }
            dom::Streamed::Start(tag) if tag.empty => {}
            dom::Streamed::Start(_) => {
                if depth == 0 {
                    start = index;
                }
                depth += 1;
            }
            dom::Streamed::End => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    found.push((start, index));
                }
            }
            _ => {}
        }
    }
    found
        .into_iter()
        .filter_map(|(start, end)| {
            let event = &events[start];
            let dom::Streamed::Start(tag) = event else {
                return None;
            };
            Some(StreamedElement {
                name: &tag.name,
                start: event,
                content: events.get(start + 1..end).unwrap_or_default(),
            })
        })
        .collect()
}

/// The elements of a run of tags that holds nothing else but white space.
fn only_elements<'e, 'a>(events: &'e [dom::Streamed<'a>]) -> Option<Vec<StreamedElement<'e, 'a>>> {
    let mut depth = 0usize;
    for event in events {
        match event {
            dom::Streamed::Start(tag) if !tag.empty => depth += 1,
            dom::Streamed::End => depth = depth.saturating_sub(1),
            dom::Streamed::Text(text) if depth == 0 && !text.trim().is_empty() => return None,
            _ => {}
        }
    }
    Some(elements(events))
}

/// One child of the chapters area as what it is to the story, if anything.
fn ao3_part(child: ElementRef, images: &mut Vec<String>) -> Option<Ao3Part> {
    let classes: Vec<&str> = child.value().classes().collect();
    let name = child.value().name();
    // One walk finds both headings a chapter's `div` can have, where a selector would
    // walk the whole chapter's text for each.
    let (heading, any_heading) = if name == "div" {
        first_headings(child)
    } else {
        (None, None)
    };
    let is_end_notes = child
        .value()
        .id()
        .is_some_and(|id| id.starts_with("endnotes"));
    if name == "h2" && classes.contains(&"toc-heading") {
        Some(Ao3Part::Chapter(RawChapter {
            title: Some(dom::text(child)).filter(|t| !t.is_empty()),
            ..RawChapter::default()
        }))
    } else if name == "div"
        && ((classes.contains(&"meta") && classes.contains(&"group"))
            || heading.is_some()
            // With its classes renamed: a heading, and no text of the story.
            || (any_heading.is_some()
                && !classes.iter().any(|c| c.starts_with("userstuff"))
                && child
                    .child_elements()
                    .filter(|e| e.value().name() == "p")
                    .count()
                    <= 3))
    {
        let mut chapter = RawChapter {
            title: heading
                .or(any_heading)
                .map(dom::text)
                .filter(|t| !t.is_empty()),
            ..RawChapter::default()
        };
        for block in child.select(&selector("blockquote.userstuff")) {
            match previous_label(block).as_deref() {
                Some("Chapter Summary") => {
                    chapter.blocks.push(RawBlock::Quote(dom::blocks(block)));
                }
                Some("Chapter Notes") => chapter.notes.push(RawNote {
                    origin: NoteOrigin::Top,
                    paragraphs: dom::paragraphs(block),
                }),
                _ => {}
            }
        }
        Some(Ao3Part::Chapter(chapter))
    } else if name == "div"
        && !is_end_notes
        && (classes.iter().any(|c| c.starts_with("userstuff")) || first(child, "p").is_some())
    {
        // calibre, which makes AO3's EPUBs, numbers the class (`userstuff2`), or renames
        // it altogether when no style uses it.
        let (items, found_images) = dom::items(child);
        images.extend(found_images);
        Some(Ao3Part::Text(
            items.into_iter().map(Item::into_block).collect(),
        ))
    } else if is_end_notes {
        first(child, "blockquote.userstuff").map(|notes| Ao3Part::EndNotes(dom::paragraphs(notes)))
    } else {
        None
    }
}

/// The download the pages were split from, as one story; `None` when no page has AO3's
/// preface or chapters area.
pub(super) fn ao3_from_pages(pages: Vec<Ao3Page>) -> Option<Found> {
    if !pages.iter().any(|p| p.has_chapters) {
        return None;
    }
    let title_page = pages.iter().position(|p| p.has_preface)?;
    let mut metadata = Sidecar {
        publisher: Some("Archive of Our Own".to_string()),
        ..Sidecar::default()
    };
    apply_ao3_labels(pages.iter().flat_map(|p| &p.labels), &mut metadata);
    metadata.title = pages
        .iter()
        .find_map(|p| p.heading.clone())
        .or_else(|| pages[title_page].bold.clone())
        .filter(|t| !t.is_empty());
    metadata.author = each_once(pages.iter().flat_map(|p| p.authors.iter().cloned()));
    metadata.source = pages.iter().find_map(|p| p.source.clone());
    let end = pages
        .iter()
        .find_map(|p| p.end_notes.as_ref())
        .or_else(|| pages.iter().find_map(|p| p.afterword_notes.as_ref()))
        .cloned();
    let mut description = Vec::new();
    let mut work_notes = Vec::new();
    let mut chapters: Vec<RawChapter> = Vec::new();
    let mut images = Vec::new();
    for page in pages {
        description = page.description.unwrap_or(description);
        work_notes = page.work_notes.unwrap_or(work_notes);
        images.extend(page.images);
        for part in page.parts {
            match part {
                Ao3Part::Chapter(chapter) => chapters.push(chapter),
                Ao3Part::Text(blocks) => {
                    if chapters.is_empty() {
                        chapters.push(RawChapter::default());
                    }
                    if let Some(chapter) = chapters.last_mut() {
                        chapter.blocks.extend(blocks);
                    }
                }
                Ao3Part::EndNotes(paragraphs) => {
                    if let Some(chapter) = chapters.last_mut() {
                        chapter.notes.push(RawNote {
                            origin: NoteOrigin::Bottom,
                            paragraphs,
                        });
                    }
                }
            }
        }
    }
    if !work_notes.is_empty() {
        if let Some(chapter) = chapters.first_mut() {
            chapter.notes.insert(
                0,
                RawNote {
                    origin: NoteOrigin::WorkStart,
                    paragraphs: work_notes,
                },
            );
        }
    }
    if let (Some(end), Some(chapter)) = (end, chapters.last_mut()) {
        chapter.notes.push(RawNote {
            origin: NoteOrigin::WorkEnd,
            paragraphs: end,
        });
    }
    let mut warnings = Vec::new();
    warn_about_images(&images, &mut warnings);
    Some(Found {
        story: Story {
            title_line: metadata.title.clone(),
            description,
            chapters,
        },
        metadata,
        layout: "Archive of Our Own",
        warnings,
        cover: None,
    })
}

/// A work's page on AO3 as a browser saves it: the work inside `#workskin`, its metadata
/// in `dl.work.meta`, and around them the site's menus, kudos and comments, which are left
/// out. Links on the page are relative to the site.
fn ao3_work_page(document: &Html) -> Option<Found> {
    let root = document.root_element();
    let skin = first(root, "div#workskin")?;
    let chapters_area = first(skin, "div#chapters")?;
    let mut metadata = Sidecar {
        publisher: Some("Archive of Our Own".to_string()),
        ..Sidecar::default()
    };
    if let Some(list) = first(root, "dl.work.meta") {
        let labels = list.child_elements().filter(|e| e.value().name() == "dt");
        read_ao3_labels(labels.collect(), &mut metadata);
    }
    let preface = skin
        .child_elements()
        .find(|e| e.value().classes().any(|c| c == "preface"));
    metadata.title = preface
        .and_then(|p| first(p, ".title"))
        .map(dom::text)
        .filter(|t| !t.is_empty());
    metadata.author = ao3_authors(preface.as_slice());
    metadata.source = work_address(root);
    let module = |area: Option<ElementRef>, css: &str| {
        area.and_then(|a| first(a, css))
            .and_then(|m| first(m, "blockquote.userstuff"))
            .map(dom::paragraphs)
            .unwrap_or_default()
    };
    let description = module(preface, "div.summary");
    let work_notes = module(preface, "div.notes");
    let mut chapters = Vec::new();
    let mut images = Vec::new();
    let mut read_text = |text: ElementRef, chapter: &mut RawChapter| {
        let (items, found) = dom::items(text);
        images.extend(found);
        // "Chapter Text" and "Work Text:" label the text for screen readers.
        let items = items.into_iter().filter(|item| {
            !matches!(item, Item::Heading { text, .. }
                if matches!(text.as_str(), "Chapter Text" | "Work Text:" | "Work Text"))
        });
        chapter.blocks.extend(items.map(Item::into_block));
    };
    for child in chapters_area.child_elements() {
        let classes: Vec<&str> = child.value().classes().collect();
        if classes.contains(&"chapter") {
            let prefaces: Vec<ElementRef> = child
                .child_elements()
                .filter(|e| e.value().classes().any(|c| c == "preface"))
                .collect();
            let top = prefaces.first().copied();
            let mut chapter = RawChapter {
                title: top
                    .and_then(|p| first(p, ".title"))
                    .map(dom::text)
                    .filter(|t| !t.is_empty()),
                ..RawChapter::default()
            };
            let summary = module(top, "div.summary");
            if !summary.is_empty() {
                let summary = summary.into_iter().map(RawBlock::Paragraph).collect();
                chapter.blocks.push(RawBlock::Quote(summary));
            }
            let notes = module(top, "div.notes:not(.end)");
            if !notes.is_empty() {
                chapter.notes.push(RawNote {
                    origin: NoteOrigin::Top,
                    paragraphs: notes,
                });
            }
            for text in child
                .child_elements()
                .filter(|e| e.value().classes().any(|c| c == "userstuff"))
            {
                read_text(text, &mut chapter);
            }
            let end = module(prefaces.last().copied(), "div.end.notes");
            if !end.is_empty() {
                chapter.notes.push(RawNote {
                    origin: NoteOrigin::Bottom,
                    paragraphs: end,
                });
            }
            chapters.push(chapter);
        } else if classes.contains(&"userstuff") {
            // A work of one chapter has its text straight inside `#chapters`.
            if chapters.is_empty() {
                chapters.push(RawChapter::default());
            }
            if let Some(chapter) = chapters.last_mut() {
                read_text(child, chapter);
            }
        }
    }
    if let (false, Some(chapter)) = (work_notes.is_empty(), chapters.first_mut()) {
        chapter.notes.insert(
            0,
            RawNote {
                origin: NoteOrigin::WorkStart,
                paragraphs: work_notes,
            },
        );
    }
    let end_notes = first(skin, "div#work_endnotes blockquote.userstuff").map(dom::paragraphs);
    if let (Some(end), Some(chapter)) = (end_notes.filter(|n| !n.is_empty()), chapters.last_mut()) {
        chapter.notes.push(RawNote {
            origin: NoteOrigin::WorkEnd,
            paragraphs: end,
        });
    }
    let mut warnings = Vec::new();
    warn_about_images(&images, &mut warnings);
    Some(Found {
        story: Story {
            title_line: metadata.title.clone(),
            description,
            chapters,
        },
        metadata,
        layout: "Archive of Our Own work page",
        warnings,
        cover: None,
    })
}

/// Every author of the byline in AO3's prefaces, once each: co-authors and pseuds each
/// have a link of their own.
fn ao3_authors(prefaces: &[ElementRef]) -> Option<Vec<String>> {
    each_once(ao3_author_names(prefaces))
}

/// The names in their first order, each once; `None` when there are none.
fn each_once(names: impl IntoIterator<Item = String>) -> Option<Vec<String>> {
    let mut once: Vec<String> = Vec::new();
    for name in names {
        if !once.contains(&name) {
            once.push(name);
        }
    }
    (!once.is_empty()).then_some(once)
}

/// The names of the byline's links, in order, repeats and all. calibre renames the
/// byline's class when no style uses it, so without a byline the preface's author links
/// are the byline.
fn ao3_author_names(prefaces: &[ElementRef]) -> Vec<String> {
    let names = |css: &str| -> Vec<String> {
        let links = selector(css);
        prefaces
            .iter()
            .flat_map(|p| p.select(&links))
            .map(dom::text)
            .filter(|name| !name.is_empty())
            .collect()
    };
    let byline = names(".byline a[rel=author]");
    if byline.is_empty() {
        names("a[rel=author]")
    } else {
        byline
    }
}

/// The work's address, from any link or form on its page that names it: a saved page
/// keeps the site's links relative (`/works/123/kudos`), or made absolute by the browser.
fn work_address(root: ElementRef) -> Option<String> {
    let links = selector("a[href], form[action]");
    let mut targets = root
        .select(&links)
        .filter_map(|e| e.attr("href").or_else(|| e.attr("action")));
    targets.find_map(|target| {
        let (before, rest) = target.split_once("/works/")?;
        let site = before.is_empty() || before.ends_with("archiveofourown.org");
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (site && !id.is_empty()).then(|| format!("https://archiveofourown.org/works/{id}"))
    })
}

/// One entry of AO3's metadata list, `<dt>Label:</dt><dd>value</dd>`, as plain data.
#[derive(Debug)]
struct Label {
    /// In lower case, without its colon.
    name: String,
    text: String,
    /// The texts of the value's links (tags are links), and the first of them.
    links: Vec<String>,
    first_link: Option<String>,
    /// The value's pieces of text joined by spaces: the work page prints each figure of
    /// its stats in an element of its own.
    spaced_text: String,
}

impl Label {
    fn of(label: ElementRef) -> Option<Label> {
        let value = next_element(label).filter(|e| e.value().name() == "dd")?;
        let links: Vec<String> = value.select(&selector("a")).map(dom::text).collect();
        Some(Label {
            name: dom::text(label).trim_end_matches(':').to_lowercase(),
            text: dom::text(value),
            first_link: links.first().cloned(),
            links,
            spaced_text: value.text().collect::<Vec<_>>().join(" "),
        })
    }
}

/// AO3's metadata list, as the download and the work page both print it.
fn read_ao3_labels(labels: Vec<ElementRef>, metadata: &mut Sidecar) {
    let labels: Vec<Label> = labels.into_iter().filter_map(Label::of).collect();
    apply_ao3_labels(&labels, metadata);
}

fn apply_ao3_labels<'a>(labels: impl IntoIterator<Item = &'a Label>, metadata: &mut Sidecar) {
    for label in labels {
        if let Some(list) = ao3_tag_list(metadata, &label.name) {
            if label.links.is_empty() {
                list.extend(split_list(&label.text));
            } else {
                list.extend(label.links.iter().filter(|t| !t.is_empty()).cloned());
            }
            continue;
        }
        match label.name.as_str() {
            "rating" | "ratings" => {
                metadata.rating = Some(label.text.clone()).filter(|r| !r.is_empty());
            }
            "language" => metadata.language = language_tag(&label.text),
            "series" => {
                let index = label
                    .text
                    .strip_prefix("Part ")
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|n| n.parse::<i64>().ok());
                metadata.series = label.first_link.clone().filter(|n| !n.is_empty());
                metadata.series_index = index.map(Number::Integer);
            }
            "stats" => {
                let text = &label.spaced_text;
                if let Some(date) = stat(text, "Published:") {
                    metadata.published = Some(DateValue::Text(date));
                }
                // "Chapters: 3/?" is a story in progress; "3/3" a finished one.
                if let Some((posted, planned)) = stat(text, "Chapters:")
                    .as_deref()
                    .and_then(|c| c.split_once('/'))
                {
                    let planned = planned.parse::<u32>().ok();
                    let finished = planned.is_some() && planned == posted.parse().ok();
                    metadata.status = Some(if finished {
                        StatusValue::Complete
                    } else {
                        StatusValue::InProgress
                    });
                    metadata.planned_chapters = planned.filter(|_| !finished);
                }
            }
            _ => {}
        }
    }
}

fn next_element(element: ElementRef) -> Option<ElementRef> {
    element.next_siblings().find_map(ElementRef::wrap)
}

/// The text of the `<p>` just before an element: AO3's labels ("Summary", "Notes").
fn previous_label(element: ElementRef) -> Option<String> {
    element
        .prev_siblings()
        .find_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "p")
        .map(dom::text)
        .map(|t| t.trim_end_matches(':').to_string())
}

/// A list the source joined with commas. A piece that starts with "and" or "&" ends a
/// name with commas of its own, which the join cannot tell apart from its own: FanFicFare
/// writes the category "Books, Films, and Plays" as it writes three fandoms. Such a name
/// takes in the piece before it and the one-word pieces before that.
pub(super) fn split_list(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for piece in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let continues = piece.starts_with("and ") || piece.starts_with("& ");
        if !continues || names.is_empty() {
            names.push(piece.to_string());
            continue;
        }
        let mut start = names.len() - 1;
        while start > 0 && !names[start - 1].contains(' ') {
            start -= 1;
        }
        let mut name = names.split_off(start).join(", ");
        name.push_str(", ");
        name.push_str(piece);
        names.push(name);
    }
    names
}

/// The value after a label in AO3's stats line, such as the date after "Published:".
/// The sidecar's list for the tags under one of FanFicFare's labels. Its "Category" is
/// the fandom, the way most sites it reads file stories.
pub(super) fn fanficfare_tag_list<'s>(
    metadata: &'s mut Sidecar,
    label: &str,
) -> Option<&'s mut Vec<String>> {
    let list = match label {
        "Category" => &mut metadata.fandoms,
        "Characters" => &mut metadata.characters,
        "Relationships" | "Ships" => &mut metadata.relationships,
        "Warnings" => &mut metadata.warnings,
        "Genre" | "Genres" | "Tags" => &mut metadata.tags,
        _ => return None,
    };
    Some(list.get_or_insert_with(Vec::new))
}

/// FanFicFare's "Status": "Completed" or "In-Progress".
pub(super) fn fanficfare_status(value: &str) -> Option<StatusValue> {
    match value.trim().to_ascii_lowercase().as_str() {
        "completed" | "complete" => Some(StatusValue::Complete),
        "in-progress" | "in progress" | "incomplete" | "ongoing" => Some(StatusValue::InProgress),
        _ => None,
    }
}

/// The sidecar's list for the tags under one of AO3's labels ("Archive Warning:").
fn ao3_tag_list<'s>(metadata: &'s mut Sidecar, label: &str) -> Option<&'s mut Vec<String>> {
    let list = match label {
        "archive warning" | "archive warnings" | "warning" | "warnings" => &mut metadata.warnings,
        "category" | "categories" => &mut metadata.categories,
        "fandom" | "fandoms" => &mut metadata.fandoms,
        "relationship" | "relationships" => &mut metadata.relationships,
        "character" | "characters" => &mut metadata.characters,
        "additional tags" | "freeform" | "freeforms" => &mut metadata.tags,
        _ => return None,
    };
    Some(list.get_or_insert_with(Vec::new))
}

fn stat(text: &str, label: &str) -> Option<String> {
    let rest = text.split(label).nth(1)?;
    rest.split_whitespace().next().map(str::to_string)
}

/// A language as AO3 names it, as a BCP 47 tag.
pub(super) fn language_tag(name: &str) -> Option<String> {
    const LANGUAGES: &[(&str, &str)] = &[
        ("english", "en"),
        ("español", "es"),
        ("français", "fr"),
        ("deutsch", "de"),
        ("italiano", "it"),
        ("português brasileiro", "pt-BR"),
        ("português europeu", "pt-PT"),
        ("português", "pt"),
        ("русский", "ru"),
        ("polski", "pl"),
        ("nederlands", "nl"),
        ("中文-普通话 國語", "zh"),
        ("中文", "zh"),
        ("日本語", "ja"),
        ("한국어", "ko"),
        ("bahasa indonesia", "id"),
        ("tiếng việt", "vi"),
        ("suomi", "fi"),
        ("svenska", "sv"),
        ("norsk", "no"),
        ("dansk", "da"),
        ("türkçe", "tr"),
        ("čeština", "cs"),
        ("magyar", "hu"),
        ("українська", "uk"),
        ("العربية", "ar"),
        ("עברית", "he"),
        ("ελληνικά", "el"),
        ("català", "ca"),
        ("română", "ro"),
        ("filipino", "fil"),
        ("ไทย", "th"),
    ];
    let name = name.trim().to_lowercase();
    LANGUAGES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, tag)| tag.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::{Inline, Mark};

    #[test]
    fn lists_split_at_commas_but_keep_names_with_commas() {
        for (text, expected) in [
            (
                "Comedy, Fantasy,  Noir,",
                &["Comedy", "Fantasy", "Noir"][..],
            ),
            ("Books, Films, and Plays", &["Books, Films, and Plays"][..]),
            (
                "Harry Potter, Books, Films, and Plays, Once Upon a Time",
                &[
                    "Harry Potter",
                    "Books, Films, and Plays",
                    "Once Upon a Time",
                ][..],
            ),
            ("Law & Order, Bones", &["Law & Order", "Bones"][..]),
            ("Rock, Paper, & Scissors", &["Rock, Paper, & Scissors"][..]),
            (
                "and Then There Were None",
                &["and Then There Were None"][..],
            ),
        ] {
            assert_eq!(split_list(text), expected, "{text}");
        }
    }

    #[test]
    fn a_work_page_names_its_work_in_its_links() {
        for (links, expected) in [
            (
                "<a href='/works/42/kudos'>k</a>",
                Some("https://archiveofourown.org/works/42"),
            ),
            (
                "<a href='/tags/x'>t</a><form action='/works/7/comments'></form>",
                Some("https://archiveofourown.org/works/7"),
            ),
            (
                "<a href='http://archiveofourown.org/works/9/chapters/3'>c</a>",
                Some("https://archiveofourown.org/works/9"),
            ),
            ("<a href='https://example.org/works/5'>elsewhere</a>", None),
            ("<a href='/works/search'>search</a>", None),
        ] {
            let document = Html::parse_document(links);
            let found = work_address(document.root_element());
            assert_eq!(found.as_deref(), expected, "{links}");
        }
    }

    #[test]
    fn headings_that_repeat_start_chapters_under_a_lone_title() {
        let found = read_html(
            "<html lang=fr><head><title>Page</title><meta name=author content=' Ann '></head>\
             <body><h1>The Book</h1><h2>One</h2><p>First.</p><h2>Two</h2><p>Second.</p>\
             <h3>Inside</h3><p>More.</p></body></html>"
                .to_string(),
        )
        .expect("a story");
        assert_eq!(found.metadata.title.as_deref(), Some("The Book"));
        assert_eq!(found.metadata.author, Some(vec!["Ann".to_string()]));
        assert_eq!(found.metadata.language.as_deref(), Some("fr"));
        let titles: Vec<_> = found
            .story
            .chapters
            .iter()
            .map(|c| c.title.clone())
            .collect();
        assert_eq!(titles, [Some("One".to_string()), Some("Two".to_string())]);
        assert_eq!(found.story.chapters[1].blocks.len(), 3);
    }

    #[test]
    fn links_to_a_chapters_heading_lead_to_the_chapter_and_others_are_text() {
        let found = read_html(
            "<html><body><h1>The Book</h1>\
             <h2 id=\"one\">One</h2><p>Go <a href=\"#two\">on</a> or \
             <a href=\"#nowhere\">away</a>.</p>\
             <h2><a name=\"two\"></a>Two</h2><p>Back to <a href=\"#one\">one</a>, \
             or <a href=\"#inside\">inside</a>.</p><h3 id=\"inside\">Inside</h3><p>More.</p>\
             </body></html>"
                .to_string(),
        )
        .expect("a story");
        let paragraph =
            |chapter: usize, block: usize| match &found.story.chapters[chapter].blocks[block] {
                RawBlock::Paragraph(paragraph) => paragraph.clone(),
                other => panic!("not a paragraph: {other:?}"),
            };
        let text = |t: &str| Inline::Text(t.to_string());
        let to = |index: usize, t: &str| Inline::Marked(Mark::Chapter(index), vec![text(t)]);
        assert_eq!(
            paragraph(0, 0),
            Paragraph::new(vec![text("Go "), to(1, "on"), text(" or away.")])
        );
        assert_eq!(
            paragraph(1, 0),
            Paragraph::new(vec![
                text("Back to "),
                to(0, "one"),
                text(", or "),
                to(1, "inside"),
                text(".")
            ])
        );
    }

    /// An AO3 download cut into pages as calibre cuts it: the preface over two pages,
    /// a chapter's text cut from its heading, and its end notes on the next page.
    #[test]
    fn pages_read_apart_give_the_story_of_the_pages_read_together() {
        let pages = [
            "<div id=\"preface\"><dl><dt>Fandom:</dt><dd><a>F1</a></dd></dl></div>",
            "<div id=\"preface\"><h1>Work</h1><div class=\"byline\">by <a rel=\"author\">Ann</a></div>\
             <p>Notes:</p><blockquote class=\"userstuff\"><p>Work note.</p></blockquote></div>\
             <div id=\"chapters\"></div>",
            "<div id=\"chapters\"><div class=\"meta group\"><h2 class=\"heading\">One</h2></div>\
             <div class=\"userstuff\"><p>First half.</p></div></div>",
            "<div id=\"chapters\"><div class=\"userstuff\"><p>Second half.</p></div>\
             <div id=\"endnotes1\"><blockquote class=\"userstuff\"><p>End of one.</p></blockquote></div>\
             <div class=\"meta group\"><h2 class=\"heading\">Two</h2></div>\
             <div class=\"userstuff\"><p>Text of two.</p></div></div>\
             <div id=\"afterword\"><blockquote class=\"userstuff\"><p>Last words.</p></blockquote></div>",
        ];
        let document =
            |body: &str| Html::parse_document(&format!("<html><body>{body}</body></html>"));
        let apart = ao3_from_pages(pages.iter().map(|p| ao3_page(&document(p))).collect())
            .expect("an AO3 book");
        let together = ao3(&document(&pages.concat())).expect("an AO3 download");
        assert_eq!(
            format!("{:?}", apart.story),
            format!("{:?}", together.story)
        );
        assert_eq!(
            format!("{:?}", apart.metadata),
            format!("{:?}", together.metadata)
        );
        let chapters = &apart.story.chapters;
        let titles: Vec<_> = chapters.iter().map(|c| c.title.as_deref()).collect();
        assert_eq!(titles, [Some("One"), Some("Two")]);
        assert_eq!(
            chapters[0].blocks.len(),
            2,
            "the cut-off text joins its chapter"
        );
        let origins = |c: &RawChapter| c.notes.iter().map(|n| n.origin).collect::<Vec<_>>();
        assert_eq!(
            origins(&chapters[0]),
            [NoteOrigin::WorkStart, NoteOrigin::Bottom]
        );
        assert_eq!(origins(&chapters[1]), [NoteOrigin::WorkEnd]);
        assert_eq!(apart.metadata.fandoms, Some(vec!["F1".to_string()]));
        assert_eq!(apart.metadata.author, Some(vec!["Ann".to_string()]));
        assert_eq!(apart.metadata.title.as_deref(), Some("Work"));
    }

    #[test]
    fn authors_are_found_when_calibre_renamed_the_bylines_class() {
        let page = |byline_class: &str| {
            format!(
                "<html><body><div id=\"preface\"><h1>Work</h1><div class=\"{byline_class}\">by \
                 <a rel=\"author\">Ann</a> and <a rel=\"author\">Bo</a></div></div>\
                 <div id=\"chapters\"><div class=\"userstuff\"><p>Text.</p></div></div>\
                 </body></html>"
            )
        };
        for class in ["byline", "calibre1"] {
            let found = read_html(page(class)).expect("an AO3 download");
            assert_eq!(
                found.metadata.author,
                Some(vec!["Ann".to_string(), "Bo".to_string()]),
                "{class}"
            );
        }
    }

    #[test]
    fn languages_by_name() {
        assert_eq!(language_tag("English").as_deref(), Some("en"));
        assert_eq!(
            language_tag(" Português brasileiro ").as_deref(),
            Some("pt-BR")
        );
        assert_eq!(language_tag("Klingon"), None);
    }
}
