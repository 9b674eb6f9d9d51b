//! Nothing lost, nothing hung: the binary against files and folders that are not what a
//! story usually is, and against another run writing the same folder.

mod common;

use common::*;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

const STORY: &str = " A Good Story\n\nIt was fine.\n";

/// Runs a command, failing the test instead of waiting forever if it hangs.
fn run_with_timeout(command: &mut std::process::Command, limit: Duration) -> std::process::Output {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ficbind starts");
    let start = Instant::now();
    while child
        .try_wait()
        .expect("the child can be waited for")
        .is_none()
    {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("ficbind did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("its output")
}

fn write_story(dir: &Path, name: &str, title: &str) {
    fs::write(dir.join(name), format!(" {title}\n\nIt was fine.\n")).expect("written");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_link_to_an_endless_device_is_refused_and_the_rest_converts() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stories = dir.path().join("in");
    fs::create_dir(&stories).expect("created");
    write_story(&stories, "good.txt", "A Good Story");
    let made = std::process::Command::new("mkfifo")
        .arg(stories.join("pipe.txt"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", stories.join("zero.txt")).expect("a link");
    // A sidecar that is a pipe must not hang the story either.
    write_story(&stories, "sided.txt", "Sided");
    let made = std::process::Command::new("mkfifo")
        .arg(stories.join("sided.toml"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());

    let output = run_with_timeout(
        ficbind(dir.path()).args(["build", "in", "-o", "out"]),
        Duration::from_secs(60),
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert_errors_name(
        &message,
        &[
            ("pipe.txt", "named pipe"),
            ("zero.txt", "a device"),
            ("sided.toml", "named pipe"),
        ],
    );
    assert!(
        dir.path().join("out/a-good-story.epub").is_file(),
        "{message}"
    );
}

#[test]
fn a_file_another_tool_wrote_is_kept_and_the_book_takes_the_next_name() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stories = dir.path().join("in");
    fs::create_dir(&stories).expect("created");
    write_story(&stories, "dune.txt", "Dune");
    let out = dir.path().join("out");
    fs::create_dir(&out).expect("created");
    fs::write(out.join("dune.epub"), "a book from another tool").expect("written");

    // `--force` rebuilds the book the second time, so that its name is chosen again.
    for _ in 0..2 {
        let output = run(ficbind(dir.path()).args(["build", "in", "-o", "out", "--force"]));
        let message = stderr(&output);
        assert!(output.status.success(), "{message}");
        assert!(
            message.contains("was not written by ficbind and is kept"),
            "{message}"
        );
        assert_eq!(
            fs::read(out.join("dune.epub")).expect("still there"),
            b"a book from another tool"
        );
        // The second run replaces its own book rather than writing a third.
        assert_eq!(
            files_in(&out),
            [out.join("dune-2.epub"), out.join("dune.epub")]
        );
    }
    let output = run(ficbind(dir.path()).args(["build", "in", "-o", "out", "--overwrite"]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(fs::read(out.join("dune.epub"))
        .expect("a book")
        .starts_with(b"PK"));
}

#[test]
fn a_story_named_like_a_temporary_is_read_not_deleted() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    fs::create_dir(&out).expect("created");
    for name in [".ficbind-mystory.part", ".ficbind-part-abcdefghijkl.part"] {
        fs::write(out.join(name), STORY).expect("written");
        let output = run(ficbind(dir.path()).args(["build", &format!("out/{name}"), "-o", "out"]));
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        assert_eq!(
            fs::read_to_string(out.join(name)).expect("still there"),
            STORY
        );
    }
}

#[test]
fn two_runs_into_one_folder_at_once_lose_no_book() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for run in ["a", "b"] {
        let stories = dir.path().join(run);
        fs::create_dir(&stories).expect("created");
        for n in 0..30 {
            write_story(&stories, &format!("{n}.txt"), &format!("Story {run} {n}"));
        }
    }
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|run| {
            ficbind(dir.path())
                .args(["build", run, "-o", "out"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("ficbind starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("it finishes");
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let books = files_in(&dir.path().join("out"));
    assert_eq!(books.len(), 60, "{books:?}");
    assert!(books
        .iter()
        .all(|b| b.extension().is_some_and(|e| e == "epub")));
}

#[test]
fn too_many_jobs_are_capped_with_a_note() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stories = dir.path().join("in");
    fs::create_dir(&stories).expect("created");
    // More stories than the cores of any machine the tests run on, few enough to check.
    for n in 0..6 {
        write_story(&stories, &format!("{n}.txt"), &format!("Story {n}"));
    }
    let output = run_with_timeout(
        ficbind(dir.path()).args(["build", "in", "-o", "out", "--jobs", "100000"]),
        Duration::from_secs(60),
    );
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(
        message.contains("more than this machine can use"),
        "{message}"
    );
    let books = files_in(&dir.path().join("out"));
    assert_eq!(books.len(), 6);
    assert_epubcheck_clean(&books);
    assert_ace_clean(&books);
}

#[cfg(unix)]
#[test]
fn the_json_report_stays_json_with_a_file_name_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stories = dir.path().join("in");
    fs::create_dir(&stories).expect("created");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    fs::write(stories.join(name), STORY).expect("written");
    write_story(&stories, "plain.txt", "Plain");
    let output = run(ficbind(dir.path()).args(["build", "in", "-o", "out", "--json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the report is JSON");
    let inputs: Vec<&serde_json::Value> = report["stories"]
        .as_array()
        .expect("stories")
        .iter()
        .map(|story| &story["input"])
        .collect();
    assert!(
        inputs.contains(&&serde_json::json!("in/plain.txt")),
        "{inputs:?}"
    );
    let odd = inputs
        .iter()
        .find(|input| input.is_object())
        .expect("the odd name as an object");
    let bytes: Vec<u8> = odd["bytes"]
        .as_array()
        .expect("bytes")
        .iter()
        .map(|b| b.as_u64().expect("a byte") as u8)
        .collect();
    assert_eq!(bytes, b"in/caf\xe9.txt");
    assert_eq!(odd["lossy"], "in/caf\u{FFFD}.txt");
}

/// Under a memory limit, a story too long for it fails alone, with a message, instead of
/// the whole run aborting on a failed allocation.
#[cfg(target_os = "linux")]
#[test]
fn a_story_too_long_for_the_memory_limit_fails_alone() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stories = dir.path().join("in");
    fs::create_dir(&stories).expect("created");
    write_story(&stories, "small.txt", "Small");
    // 100 MB of paragraphs: converting it takes about 530 MB, over the 400 MB limit.
    let paragraph = "He said, \"It was a long day...\" and left.\n\n".repeat(2_000);
    let mut big = String::from(" A Long Story\n\n");
    while big.len() < 100_000_000 {
        big.push_str(&paragraph);
    }
    fs::write(stories.join("big.txt"), big).expect("written");
    let script = format!(
        "ulimit -v 400000 && exec '{}' build in -o out --no-generated-cover",
        env!("CARGO_BIN_EXE_ficbind")
    );
    let output = run_with_timeout(
        std::process::Command::new("sh")
            .args(["-c", &script])
            .current_dir(dir.path()),
        Duration::from_secs(120),
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("big.txt: not enough memory to convert it"),
        "{message}"
    );
    assert!(dir.path().join("out/small.epub").is_file(), "{message}");
}

#[test]
fn empty_or_impossible_values_on_the_command_line_stop_the_run_before_it_starts() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::write(dir.path().join("s.txt"), STORY).expect("written");
    for (args, epoch, expected) in [
        (vec!["--author", ""], "1700000000", "--author is empty"),
        (vec!["--title", " \u{7} "], "1700000000", "--title is empty"),
        (
            vec!["--language", "en-US-US"],
            "1700000000",
            "not a well-formed BCP 47",
        ),
        (vec![], "999999999999", "outside the years 1 to 9999"),
        (vec![], "soon", "not a number of seconds"),
    ] {
        let output = run(ficbind(dir.path())
            .args(["build", "s.txt", "-o", "out"])
            .args(&args)
            .env("SOURCE_DATE_EPOCH", epoch));
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(
            !dir.path().join("out").exists(),
            "{args:?}: nothing written"
        );
    }
}
