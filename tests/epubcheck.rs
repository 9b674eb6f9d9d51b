//! Every book the project can build from its own inputs passes EPUBCheck 5.3.0 with no
//! warnings, errors or fatals.

mod common;

use common::*;

#[test]
fn every_story_and_fixture_passes_epubcheck() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let project = project_dir();
    let output = run(ficbind(&project)
        .args(["build", "stories", "tests/fixtures", "-o"])
        .arg(out.path()));
    assert!(
        output.status.success(),
        "build failed:\n{}",
        stderr(&output)
    );

    let is_story = |p: &&std::path::PathBuf| ficbind::read::is_story_file(p);
    let inputs = files_in(&project.join("stories"))
        .iter()
        .chain(&files_in(&project.join("tests/fixtures")))
        .filter(|p| is_story(p))
        .count();
    let books = files_in(out.path());
    assert_eq!(books.len(), inputs, "one book per story: {books:?}");
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

#[test]
fn books_built_with_every_rule_off_pass_epubcheck() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let mut command = ficbind(&project_dir());
    command.args([
        "build",
        "stories",
        "tests/fixtures/markup-and-notes.txt",
        "-o",
    ]);
    command.arg(out.path());
    for rule in [
        "cleanup",
        "doubled-quotes",
        "apostrophes",
        "quotes",
        "ellipses",
        "dashes",
        "emphasis",
    ] {
        command.args(["--no-rule", rule]);
    }
    let output = run(&mut command);
    assert!(
        output.status.success(),
        "build failed:\n{}",
        stderr(&output)
    );
    let books = files_in(out.path());
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

/// The checker itself must see problems, or every other test here proves nothing.
#[test]
fn the_checker_reports_a_book_with_a_warning() {
    let Some(jar) = require_epubcheck() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let output = run(ficbind(&project_dir())
        .args(["build", "stories/dont-leave.txt", "-o"])
        .arg(dir.path()));
    assert!(output.status.success(), "{}", stderr(&output));
    let good = dir.path().join("dont-leave.epub");
    let bad = dir.path().join("bad-date.epub");
    rewrite_epub(&good, &bad, |name, bytes| {
        if name.ends_with("content.opf") {
            let opf = String::from_utf8(bytes).unwrap();
            opf.replacen(
                "<dc:language>",
                "<dc:date>20231-13-45</dc:date><dc:language>",
                1,
            )
            .into_bytes()
        } else {
            bytes
        }
    });
    let problems = epubcheck_problems(&jar, &[good.clone(), bad.clone()]);
    assert!(
        problems.iter().all(|p| p.contains("bad-date.epub")),
        "the good book is clean: {problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("1 warnings")),
        "the warning is seen: {problems:?}"
    );
}

/// Copies an EPUB, passing each file through `change`.
fn rewrite_epub(
    from: &std::path::Path,
    to: &std::path::Path,
    change: impl Fn(&str, Vec<u8>) -> Vec<u8>,
) {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for (name, bytes) in epub_entries(from) {
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        writer
            .start_file(
                name.as_str(),
                SimpleFileOptions::default().compression_method(method),
            )
            .unwrap();
        writer.write_all(&change(&name, bytes)).unwrap();
    }
    writer.finish().unwrap();
}

#[test]
fn every_format_paragraph_style_and_note_placement_passes_epubcheck() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let mut books = Vec::new();
    for format in ["epub3", "epub2", "kepub"] {
        for paragraphs in ["indented", "spaced"] {
            for notes in ["appendix", "inline", "drop"] {
                let folder = out.path().join(format!("{format}-{paragraphs}-{notes}"));
                let mut command = ficbind(&project_dir());
                command
                    .args(["build", "stories", "tests/fixtures/markup-and-notes.txt"])
                    .arg("tests/fixtures/markdown/lantern-keeper.md")
                    .args(["--format", format, "--paragraphs", paragraphs])
                    .args(["--notes", notes, "-o"])
                    .arg(&folder);
                // Drawn covers once per format; they cost time and change nothing else.
                if (paragraphs, notes) != ("indented", "appendix") {
                    command.arg("--no-generated-cover");
                }
                let output = run(&mut command);
                assert!(
                    output.status.success(),
                    "{format} {paragraphs} {notes}: {}",
                    stderr(&output)
                );
                let built = files_in(&folder);
                let extension = if format == "kepub" {
                    ".kepub.epub"
                } else {
                    ".epub"
                };
                assert_eq!(built.len(), 4, "{built:?}");
                assert!(built
                    .iter()
                    .all(|b| b.to_string_lossy().ends_with(extension)));
                books.extend(built);
            }
        }
    }
    assert_eq!(books.len(), 72);
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}
