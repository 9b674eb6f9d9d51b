//! The command line: the main job, inspect, exit codes, bad input and output safety.

mod common;

use common::*;
use std::fs;
use std::path::Path;

fn copy_samples(to: &Path) {
    fs::create_dir_all(to.join("stories")).expect("a stories folder");
    for story in files_in(&project_dir().join("stories")) {
        let name = story.file_name().expect("a file name");
        fs::copy(&story, to.join("stories").join(name)).expect("the story copies");
    }
}

#[test]
fn main_command_converts_the_sample_stories_into_books() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    copy_samples(dir.path());
    let output = run(ficbind(dir.path()).arg("build"));
    assert!(output.status.success(), "{}", stderr(&output));
    let books: Vec<String> = files_in(&dir.path().join("books"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(books, ["dont-leave.epub", "let-it-go.epub"]);
    let message = stderr(&output);
    assert!(
        message.contains("2 books written, 0 warnings, 0 failed"),
        "{message}"
    );
}

#[test]
fn inspect_shows_chapters_notes_and_typography() {
    let output = run(ficbind(&project_dir()).args(["inspect", "stories/let-it-go.txt"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "Title:       Let it go",
        "Chapters:    3",
        "1. Let it go:",
        "2. Chapter 2 (untitled):",
        "3. Chapter 3 (untitled):",
        "Scene breaks: 1",
        "Notes:       1",
        "chapter 3 (Chapter 3), from the short trailing segment",
        "Thanks for all of the views",
        "doubled-quotes",
        "ellipses",
        "Ambiguous quotes: 0",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let counts: Vec<usize> = text
        .lines()
        .skip_while(|l| !l.starts_with("Typography changes"))
        .skip(1)
        .take(7)
        .map(|l| l.split_whitespace().last().unwrap().parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 7);
    assert!(counts[1] > 100, "doubled quotes counted: {counts:?}");
}

#[test]
fn inspect_json_is_machine_readable() {
    let output = run(ficbind(&project_dir()).args(["inspect", "--json", "stories/dont-leave.txt"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(json["book"]["chapters"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["book"]["chapters"][0]["notes"][0]["origin"], "Marker");
    assert!(json["typography"]["counts"]["quotes"].as_u64().unwrap() > 0);
}

#[test]
fn rebuilding_gives_byte_identical_books() {
    let project = project_dir();
    let first = tempfile::tempdir().expect("a temporary folder");
    let second = tempfile::tempdir().expect("a temporary folder");
    for out in [&first, &second] {
        let output = run(ficbind(&project)
            .args(["build", "stories", "tests/fixtures", "-o"])
            .arg(out.path()));
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let a = files_in(first.path());
    let b = files_in(second.path());
    assert_eq!(a.len(), b.len());
    assert!(!a.is_empty());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.file_name(), y.file_name());
        assert!(
            fs::read(x).unwrap() == fs::read(y).unwrap(),
            "{} differs",
            x.display()
        );
    }
}

#[test]
fn modified_date_comes_from_source_date_epoch() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let output = run(ficbind(&project_dir())
        .args(["build", "stories/dont-leave.txt", "-o"])
        .arg(out.path()));
    assert!(output.status.success(), "{}", stderr(&output));
    let entries = epub_entries(&out.path().join("dont-leave.epub"));
    let opf = entries
        .iter()
        .find(|(name, _)| name.ends_with("content.opf"))
        .unwrap();
    let opf = String::from_utf8_lossy(&opf.1);
    assert!(
        opf.contains("<meta property=\"dcterms:modified\">2023-11-14T22:13:20Z</meta>"),
        "{opf}"
    );
    assert!(opf.contains("<dc:title>Don’t Leave!</dc:title>"), "{opf}");
    assert!(!opf.contains("dc:creator"), "no author is named: {opf}");
}

#[test]
fn bad_stories_fail_alone_with_clear_errors() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stories = dir.path().join("in");
    fs::create_dir(&stories).unwrap();
    fs::write(stories.join("good.txt"), " A Good Story\n\nIt was fine.\n").unwrap();
    fs::write(stories.join("empty.txt"), "").unwrap();
    fs::write(stories.join("blank.txt"), "\n   \n\t\n").unwrap();
    fs::write(
        stories.join("header-only.txt"),
        " \t\tDescription\n\nJust a blurb.\n",
    )
    .unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0u8..=255).cycle().take(2000));
    fs::write(stories.join("image.txt"), png).unwrap();
    fs::write(
        stories.join("nul.txt"),
        " Title\n\nText with a \0 NUL byte.\n",
    )
    .unwrap();
    // A story that cannot be read: a link that points at itself.
    std::os::unix::fs::symlink("loop.txt", stories.join("loop.txt")).unwrap();
    let out = dir.path().join("out");

    let output = run(ficbind(dir.path()).args(["build", "in", "-o", "out"]));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert_errors_name(
        &message,
        &[
            ("empty.txt", "the file is empty"),
            ("blank.txt", "only blank lines"),
            ("header-only.txt", "no chapter"),
            ("image.txt", "this is an image, not a story"),
            ("nul.txt", "NUL bytes"),
            ("loop.txt", "cannot read the file"),
        ],
    );
    assert!(
        message.contains("1 book written, 0 warnings, 6 failed"),
        "{message}"
    );
    let written: Vec<_> = files_in(&out)
        .iter()
        .map(|p| p.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(
        written,
        ["a-good-story.epub"],
        "only the good book, no temporary files"
    );
}

#[test]
fn stories_with_the_same_title_both_survive() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::write(dir.path().join("a.txt"), " Same Title\n\nFirst story.\n").unwrap();
    fs::write(dir.path().join("b.txt"), " Same Title\n\nSecond story.\n").unwrap();
    let output = run(ficbind(dir.path()).args(["build", "a.txt", "b.txt", "-o", "out"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let names: Vec<_> = files_in(&dir.path().join("out"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["same-title-2.epub", "same-title.epub"]);
    let second = epub_entries(&dir.path().join("out/same-title-2.epub"));
    let chapter = second
        .iter()
        .find(|(n, _)| n.ends_with("chapter-001.xhtml"))
        .unwrap();
    assert!(String::from_utf8_lossy(&chapter.1).contains("Second story."));
}

#[test]
fn a_path_like_title_stays_inside_the_output_folder() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::write(dir.path().join("s.txt"), "A plain story.\n").unwrap();
    let output = run(ficbind(dir.path()).args([
        "build",
        "s.txt",
        "-o",
        "out",
        "--title",
        "../../../tmp/evil",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("out/tmp-evil.epub").is_file());
    assert_eq!(
        files_in(dir.path()).len(),
        2,
        "nothing written beside the output folder"
    );
}

#[test]
fn output_folder_may_be_the_input_folder() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let story = " Shared Folder\n\nBooks and stories together.\n";
    fs::write(dir.path().join("shared-folder.txt"), story).unwrap();
    let output = run(ficbind(dir.path()).args(["build", ".", "-o", "."]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        fs::read_to_string(dir.path().join("shared-folder.txt")).unwrap(),
        story
    );
    assert!(dir.path().join("shared-folder.epub").is_file());
}

#[test]
fn an_input_named_like_its_book_is_never_overwritten() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // An EPUB given as a story has the very name its new book would get.
    fs::write(
        dir.path().join("clash.txt"),
        " Clash\n\nThis book must survive.\n",
    )
    .unwrap();
    let first = run(ficbind(dir.path()).args(["build", "clash.txt", "-o", "first"]));
    assert!(first.status.success(), "{}", stderr(&first));
    fs::rename(
        dir.path().join("first/clash.epub"),
        dir.path().join("clash.epub"),
    )
    .unwrap();
    let original = fs::read(dir.path().join("clash.epub")).unwrap();
    let output = run(ficbind(dir.path()).args(["build", "clash.epub", "-o", "."]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fs::read(dir.path().join("clash.epub")).unwrap(), original);
    assert!(dir.path().join("clash-2.epub").is_file());
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for args in [
        vec!["frobnicate"],
        vec!["build", "--jobs", "many"],
        vec!["build", "--no-rule", "kerning"],
        vec!["build", "missing-folder"],
    ] {
        let output = run(ficbind(dir.path()).args(&args));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let output = run(ficbind(dir.path()).args(["build", "missing-folder"]));
    assert!(
        stderr(&output).contains("missing-folder"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn json_report_has_one_record_per_story() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::write(dir.path().join("good.txt"), " Good\n\nFine text.\n").unwrap();
    fs::write(dir.path().join("bad.txt"), "").unwrap();
    let output =
        run(ficbind(dir.path()).args(["build", "good.txt", "bad.txt", "--json", "-o", "out"]));
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(json["summary"]["written"], 1);
    assert_eq!(json["summary"]["failed"], 1);
    let stories = json["stories"].as_array().unwrap();
    assert_eq!(stories[0]["status"], "written");
    assert_eq!(stories[0]["chapters"], 1);
    assert_eq!(stories[0]["words"], 2);
    assert_eq!(stories[1]["status"], "failed");
    assert!(stories[1]["error"].as_str().unwrap().contains("bad.txt"));
}

#[test]
fn encodings_and_line_ends_decode_to_the_right_characters() {
    let project = project_dir();
    for (fixture, expected) in [
        (
            "windows-1252.txt",
            "The café served crème brûlée. “Smart quotes,” she said—in Windows-1252.",
        ),
        (
            "utf16.txt",
            "This story is stored as UTF-16 with a byte-order mark: naïve café.",
        ),
        ("cr-only.txt", "“Like a Mac from 1999,” she said."),
        (
            "windows-1251.txt",
            "Привет, как дела? Это старый файл из архива.",
        ),
        ("crlf.txt", "“Carriage returns,” he said, “everywhere.”"),
    ] {
        let output = run(ficbind(&project)
            .args(["inspect", "--json"])
            .arg(Path::new("tests/fixtures").join(fixture)));
        assert!(output.status.success(), "{fixture}: {}", stderr(&output));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let text = json["book"]["chapters"][0]["blocks"].to_string();
        assert!(text.contains(expected), "{fixture}: {text}");
    }
}
