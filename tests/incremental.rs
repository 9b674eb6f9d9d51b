//! Incremental builds: a second run rebuilds exactly the stories whose story, sidecar,
//! cover or options changed, and a book deleted from the output is made again.

mod common;

use common::*;
use std::fs;
use std::path::Path;

fn build(dir: &Path, extra: &[&str]) -> String {
    let output = run(ficbind(dir).args(["build", "in", "-o", "out"]).args(extra));
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    // Warnings (a covers folder with nothing for a story) are not what is counted here.
    let summary = message.lines().last().unwrap_or_default();
    summary
        .split(", ")
        .filter(|part| !part.contains("warning"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn only_what_changed_is_rebuilt() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stories = dir.path().join("in");
    fs::create_dir(&stories).expect("created");
    for name in ["a", "b", "c"] {
        fs::write(
            stories.join(format!("{name}.txt")),
            format!(" Story {name}\n\nText.\n"),
        )
        .expect("written");
    }
    assert_eq!(build(dir.path(), &[]), "3 books written, 0 failed");
    let first = fs::read(dir.path().join("out/story-a.epub")).expect("a book");
    assert_eq!(
        build(dir.path(), &[]),
        "0 books written, 3 unchanged, 0 failed"
    );

    // The same bytes written again: unchanged. New bytes: rebuilt.
    fs::write(stories.join("a.txt"), " Story a\n\nText.\n").expect("written");
    assert_eq!(
        build(dir.path(), &[]),
        "0 books written, 3 unchanged, 0 failed"
    );
    fs::write(stories.join("a.txt"), " Story a\n\nMore text.\n").expect("written");
    assert_eq!(
        build(dir.path(), &[]),
        "1 book written, 2 unchanged, 0 failed"
    );
    assert_ne!(
        fs::read(dir.path().join("out/story-a.epub")).expect("a book"),
        first
    );

    // A sidecar, and a cover that appears.
    fs::write(stories.join("b.toml"), "author = \"Someone\"\n").expect("written");
    assert_eq!(
        build(dir.path(), &[]),
        "1 book written, 2 unchanged, 0 failed"
    );
    fs::create_dir(stories.join("covers")).expect("created");
    fs::copy(
        project_dir().join("covers/let-it-go.jpg"),
        stories.join("covers/c.jpg"),
    )
    .expect("copied");
    assert_eq!(
        build(dir.path(), &[]),
        "1 book written, 2 unchanged, 0 failed"
    );

    // A book deleted from the output is made again.
    fs::remove_file(dir.path().join("out/story-b.epub")).expect("removed");
    assert_eq!(
        build(dir.path(), &[]),
        "1 book written, 2 unchanged, 0 failed"
    );

    // Other options rebuild everything; so does --force.
    assert_eq!(
        build(dir.path(), &["--paragraphs", "spaced"]),
        "3 books written, 0 failed"
    );
    assert_eq!(
        build(dir.path(), &["--paragraphs", "spaced"]),
        "0 books written, 3 unchanged, 0 failed"
    );
    assert_eq!(
        build(dir.path(), &["--paragraphs", "spaced", "--force"]),
        "3 books written, 0 failed"
    );

    // A state cut short, as by a killed run, costs rebuilds, never a wrong skip.
    let state = dir.path().join("out/.ficbind-state");
    let text = fs::read_to_string(&state).expect("the state");
    let cut: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    fs::write(&state, cut).expect("written");
    assert_eq!(
        build(dir.path(), &["--paragraphs", "spaced"]),
        "2 books written, 1 unchanged, 0 failed"
    );

    let books = files_in(&dir.path().join("out"));
    assert_eq!(books.len(), 3, "{books:?}");
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

#[test]
fn the_json_report_says_which_books_were_unchanged() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stories = dir.path().join("in");
    fs::create_dir(&stories).expect("created");
    fs::write(stories.join("a.txt"), " Story\n\nText.\n").expect("written");
    build(dir.path(), &[]);
    let output = run(ficbind(dir.path()).args(["build", "in", "-o", "out", "--json"]));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["summary"]["unchanged"], 1);
    assert_eq!(report["stories"][0]["status"], "unchanged");
    assert_eq!(report["stories"][0]["output"], "out/story.epub");
}

#[test]
fn json_lines_gives_one_record_per_story_then_the_summary() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stories = dir.path().join("in");
    fs::create_dir(&stories).expect("created");
    for n in 0..5 {
        fs::write(
            stories.join(format!("{n}.txt")),
            format!(" Story {n}\n\nText.\n"),
        )
        .expect("written");
    }
    fs::write(stories.join("bad.txt"), "").expect("written");
    let output = run(ficbind(dir.path()).args(["build", "in", "-o", "out", "--json-lines"]));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 7, "six stories and the summary");
    let inputs: Vec<&str> = lines[..6]
        .iter()
        .map(|l| l["input"].as_str().expect("an input"))
        .collect();
    assert_eq!(
        inputs,
        [
            "in/0.txt",
            "in/1.txt",
            "in/2.txt",
            "in/3.txt",
            "in/4.txt",
            "in/bad.txt"
        ]
    );
    assert_eq!(lines[5]["status"], "failed");
    assert_eq!(lines[6]["summary"]["written"], 5);
    assert_eq!(lines[6]["summary"]["failed"], 1);
}
