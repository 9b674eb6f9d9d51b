//! Sidecar metadata and covers: what reaches the package document, and the mistakes that
//! stop a book.

mod common;

use common::*;
use std::fs;
use std::path::Path;

fn entry(book: &Path, suffix: &str) -> Vec<u8> {
    epub_entries(book)
        .into_iter()
        .find(|(name, _)| name.ends_with(suffix))
        .unwrap_or_else(|| panic!("{} has no {suffix}", book.display()))
        .1
}

/// `content.opf` of the fixture with every sidecar key, against the committed snapshot.
/// Run with `UPDATE_SNAPSHOTS=1` to accept a deliberate change.
#[test]
fn package_document_of_a_full_sidecar_matches_the_snapshot() {
    let out = build_ok(&["tests/fixtures/full-sidecar.txt"]);
    let opf = String::from_utf8(entry(
        &out.path().join("fire-ice-winter.epub"),
        "content.opf",
    ))
    .unwrap();
    let snapshot = project_dir().join("tests/snapshots/full-sidecar.content.opf");
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        fs::write(&snapshot, &opf).unwrap();
    }
    let expected = fs::read_to_string(&snapshot).expect("the snapshot exists");
    assert!(opf == expected, "content.opf changed; got:\n{opf}");
}

#[test]
fn title_page_shows_series_tags_and_colophon() {
    let out = build_ok(&["tests/fixtures/full-sidecar.txt"]);
    let page = String::from_utf8(entry(
        &out.path().join("fire-ice-winter.epub"),
        "title.xhtml",
    ))
    .unwrap();
    for expected in [
        "Fire &amp; Ice: &lt;Winter&gt;",
        "Book 2.5 of Seasons &lt; Storms &amp; Sun",
        "Romance · Hurt/Comfort · &lt;Angst&gt; &amp; more",
        "Published by Small &amp; Sons &lt;Press&gt;",
        "Source: https://example.org/s/123?a=1&amp;b=2",
        "A story of “snow” &amp; storms…",
        "lang=\"fr\"",
    ] {
        assert!(page.contains(expected), "missing {expected:?} in:\n{page}");
    }
}

#[test]
fn samples_get_a_supplied_and_a_generated_cover() {
    let out = build_ok(&["stories"]);
    let supplied = entry(&out.path().join("let-it-go.epub"), "cover.jpg");
    assert_eq!(
        supplied,
        fs::read(project_dir().join("covers/let-it-go.jpg")).unwrap()
    );
    let generated = entry(&out.path().join("dont-leave.epub"), "cover.png");
    let size = imagesize::blob_size(&generated).unwrap();
    assert_eq!((size.width, size.height), (1400, 2100));
    let page =
        String::from_utf8(entry(&out.path().join("dont-leave.epub"), "cover.xhtml")).unwrap();
    // The sample names no author, and the book names none either.
    // An SVG that fits the picture to any screen, named for assistive technology.
    assert!(
        page.contains("viewBox=\"0 0 1400 2100\" preserveAspectRatio=\"xMidYMid meet\""),
        "{page}"
    );
    assert!(
        page.contains("aria-label=\"Cover: Don’t Leave!\""),
        "{page}"
    );
    assert!(
        page.contains("<title>Cover: Don’t Leave!</title>"),
        "{page}"
    );
    assert!(page.contains("xlink:href=\"cover.png\""), "{page}");
    let opf = String::from_utf8(entry(&out.path().join("dont-leave.epub"), "content.opf")).unwrap();
    assert!(
        opf.contains("<dc:subject>Romance</dc:subject>"),
        "the sample sidecar is read"
    );
    assert!(opf.contains("<meta name=\"cover\" content=\"cover-image\"/>"));
}

#[test]
fn no_generated_cover_leaves_the_book_without_one() {
    let out = build_ok(&["stories/dont-leave.txt", "--no-generated-cover"]);
    let names: Vec<String> = epub_entries(&out.path().join("dont-leave.epub"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(!names.iter().any(|n| n.contains("cover")), "{names:?}");
}

/// Each mistake: its own message naming the file, exit status 1, and no book.
#[test]
fn sidecar_and_cover_mistakes_stop_only_their_book() {
    let dir = tempfile::tempdir().unwrap();
    let story = " A Story\n\nSome text.\n";
    let cases = [
        ("unknown-key", "colour = \"red\"\n", "unknown key `colour`"),
        ("wrong-type", "title = 42\n", "key `title`"),
        (
            "bad-date",
            "published = \"next Tuesday\"\n",
            "key `published`: expected an ISO 8601 date",
        ),
        (
            "missing-cover",
            "cover = \"nowhere.png\"\n",
            "cannot read it",
        ),
        (
            "text-as-png",
            "cover = \"fake.png\"\n",
            "not a JPEG, PNG, GIF or WebP image",
        ),
        (
            "jpeg-as-png",
            "cover = \"photo.png\"\n",
            "the name says png but the file is a jpg image",
        ),
    ];
    fs::write(dir.path().join("fake.png"), "just text, not a picture").unwrap();
    fs::copy(
        project_dir().join("tests/fixtures/covers/cover-jpeg.jpg"),
        dir.path().join("photo.png"),
    )
    .unwrap();
    for (name, sidecar, _) in &cases {
        fs::write(dir.path().join(format!("{name}.txt")), story).unwrap();
        fs::write(dir.path().join(format!("{name}.toml")), sidecar).unwrap();
    }
    fs::write(dir.path().join("fine.txt"), " Fine\n\nAll good.\n").unwrap();

    let output = run(ficbind(dir.path()).args(["build", ".", "-o", "out"]));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    for (name, _, problem) in &cases {
        let line = message
            .lines()
            .find(|l| l.contains(&format!("{name}.t")))
            .unwrap_or_else(|| panic!("no error names {name}:\n{message}"));
        assert!(line.contains(problem), "{name}: {line}");
    }
    let books: Vec<_> = files_in(&dir.path().join("out"))
        .into_iter()
        .map(|p| p.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(books, ["fine.epub"]);
}

#[test]
fn notes_go_inline_or_are_dropped_on_request() {
    let out = tempfile::tempdir().unwrap();
    let build = |notes: &str| {
        let folder = out.path().join(notes);
        let output = run(ficbind(&project_dir())
            .args([
                "build",
                "stories/let-it-go.txt",
                "--no-generated-cover",
                "--notes",
                notes,
                "-o",
            ])
            .arg(&folder));
        assert!(output.status.success(), "{}", stderr(&output));
        (folder.join("let-it-go.epub"), stderr(&output))
    };
    let (inline, _) = build("inline");
    let chapter = String::from_utf8(entry(&inline, "chapter-003.xhtml")).unwrap();
    assert!(
        chapter.contains("<aside class=\"author-note\" role=\"note\">"),
        "{chapter}"
    );
    assert!(chapter.contains("Thanks for all of the views"));
    assert!(epub_entries(&inline)
        .iter()
        .all(|(n, _)| !n.ends_with("notes.xhtml")));

    let (dropped, message) = build("drop");
    assert!(
        message.contains("1 author's note left out (--notes drop)"),
        "{message}"
    );
    let chapter = String::from_utf8(entry(&dropped, "chapter-003.xhtml")).unwrap();
    assert!(!chapter.contains("Thanks for all of the views"));
    assert!(epub_entries(&dropped)
        .iter()
        .all(|(n, _)| !n.ends_with("notes.xhtml")));

    let (appendix, _) = build("appendix");
    let notes = String::from_utf8(entry(&appendix, "notes.xhtml")).unwrap();
    assert!(notes.contains("Thanks for all of the views"));
}

#[test]
fn spaced_paragraphs_change_the_stylesheet() {
    let out = build_ok(&[
        "stories/dont-leave.txt",
        "--no-generated-cover",
        "--paragraphs",
        "spaced",
    ]);
    let css =
        String::from_utf8(entry(&out.path().join("dont-leave.epub"), "stylesheet.css")).unwrap();
    assert!(
        css.contains("p {\n  text-indent: 0;\n  margin: 0 0 0.9em;\n}"),
        "{css}"
    );
}

#[test]
fn a_book_without_an_author_never_says_unknown() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::write(
        dir.path().join("nameless.txt"),
        " Nameless\n\nNo one signed it.\n",
    )
    .expect("written");
    let mut books = Vec::new();
    for format in ["epub3", "epub2", "kepub"] {
        let out = dir.path().join(format);
        let output = run(ficbind(dir.path())
            .arg("build")
            .arg("nameless.txt")
            .arg("-o")
            .arg(&out)
            .args(["--format", format]));
        assert!(output.status.success(), "{}", stderr(&output));
        let book = fs::read_dir(&out)
            .expect("listed")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(".epub"))
            .expect("a book");
        for (name, bytes) in epub_entries(&book) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("Unknown"), "{format} {name} says Unknown");
        }
        books.push(book);
    }
    // The pages lose a line each: they must still be valid and accessible.
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

#[test]
fn a_sidecar_files_tags_by_kind_and_says_a_story_is_unfinished() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::write(
        dir.path().join("ongoing.txt"),
        " One\n\nThe first chapter.\n Two\n\nThe second chapter.\n",
    )
    .expect("written");
    fs::write(
        dir.path().join("ongoing.toml"),
        "title = \"Ongoing\"\nauthor = \"A. Writer\"\nrating = \"Mature\"\n\
         warnings = [\"No Archive Warnings Apply\"]\nfandoms = [\"Original Work\"]\n\
         relationships = [\"A/B\"]\ncharacters = [\"A\", \"B\"]\ntags = [\"Slow Burn\"]\n\
         status = \"in-progress\"\nplanned_chapters = 5\n",
    )
    .expect("written");
    let out = build_ok(&[dir.path().join("ongoing.txt").to_str().unwrap()]);
    let book = out.path().join("ongoing.epub");
    let page = String::from_utf8(entry(&book, "title.xhtml")).unwrap();
    for line in [
        "Rating: Mature",
        "Warnings: No Archive Warnings Apply",
        "Fandom: Original Work",
        "Relationships: A/B",
        "Characters: A, B",
        "Tags: Slow Burn",
        "2 chapters · about a minute to read · unfinished, 2 of 5 chapters posted",
    ] {
        assert!(page.contains(line), "{line} in:\n{page}");
    }
    let opf = String::from_utf8(entry(&book, "content.opf")).unwrap();
    assert_eq!(opf.matches("<dc:subject>").count(), 7, "{opf}");
    let inspect = run(ficbind(&project_dir())
        .arg("inspect")
        .arg(dir.path().join("ongoing.txt")));
    let report = stdout(&inspect);
    assert!(report.contains("Relationships: A/B"), "{report}");

    // A wrong status is refused with the key named.
    fs::write(dir.path().join("ongoing.toml"), "status = \"maybe\"\n").expect("written");
    let output = run(ficbind(&project_dir())
        .arg("build")
        .arg(dir.path().join("ongoing.txt"))
        .arg("-o")
        .arg(dir.path().join("out")));
    assert!(!output.status.success());
    assert!(stderr(&output).contains("status"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("ongoing.toml"),
        "{}",
        stderr(&output)
    );
    assert!(
        !dir.path().join("out/ongoing.epub").exists(),
        "no partial book"
    );
    assert_epubcheck_clean(std::slice::from_ref(&book));
    assert_ace_clean(&[book]);
}

#[test]
fn co_authors_are_each_a_creator_in_every_format() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let story = dir.path().join("together.txt");
    fs::write(&story, " One\n\nWritten by two.\n").expect("written");
    fs::write(
        dir.path().join("together.toml"),
        "author = [\"Ann Lee\", \"Bo Chen\", \"Cy Dunn\"]\n",
    )
    .expect("written");
    let mut books = Vec::new();
    for format in ["epub3", "epub2"] {
        let out = build_ok(&[story.to_str().unwrap(), "--format", format]);
        let book = out.path().join("one.epub");
        let opf = String::from_utf8(entry(&book, "content.opf")).unwrap();
        assert_eq!(opf.matches("<dc:creator").count(), 3, "{opf}");
        for (name, file_as) in [
            ("Ann Lee", "Lee, Ann"),
            ("Bo Chen", "Chen, Bo"),
            ("Cy Dunn", "Dunn, Cy"),
        ] {
            assert!(opf.contains(&format!(">{name}</dc:creator>")), "{opf}");
            assert!(opf.contains(file_as), "{file_as} in {opf}");
        }
        let ncx = String::from_utf8(entry(&book, "toc.ncx")).unwrap();
        assert_eq!(ncx.matches("<docAuthor>").count(), 3, "{ncx}");
        let page = String::from_utf8(entry(&book, "title.xhtml")).unwrap();
        assert!(page.contains("Ann Lee, Bo Chen and Cy Dunn"), "{page}");
        let kept = dir.path().join(format!("{format}.epub"));
        fs::copy(&book, &kept).expect("copied");
        books.push(kept);
    }

    // `--author`, given once per author, wins over the sidecar's list.
    let out = build_ok(&[
        story.to_str().unwrap(),
        "--author",
        "Di Eve",
        "--author",
        "Ed Fox",
    ]);
    let opf = String::from_utf8(entry(&out.path().join("one.epub"), "content.opf")).unwrap();
    assert_eq!(opf.matches("<dc:creator").count(), 2, "{opf}");
    assert!(
        opf.contains(">Ed Fox</dc:creator>") && !opf.contains("Ann Lee"),
        "{opf}"
    );
    let from_cli = dir.path().join("from-cli.epub");
    fs::copy(out.path().join("one.epub"), &from_cli).expect("copied");
    books.push(from_cli);

    // An empty name in the list is refused by key, and no book is written.
    fs::write(
        dir.path().join("together.toml"),
        "author = [\"Ann Lee\", \" \"]\n",
    )
    .expect("written");
    let output = run(ficbind(&project_dir())
        .arg("build")
        .arg(&story)
        .arg("-o")
        .arg(dir.path().join("out")));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("key `author` is empty"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("together.toml"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("out/one.epub").exists(), "no partial book");
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}
