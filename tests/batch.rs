//! Whole folders: parallel runs give the same books, and a killed run leaves only whole ones.

mod common;

use common::*;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

fn write_corpus(dir: &Path, count: usize, bytes: usize) {
    fs::create_dir_all(dir).unwrap();
    for i in 0..count {
        let text = ficbind::corpus::story(1000 + i as u64, bytes);
        fs::write(dir.join(format!("story-{:04}.txt", i + 1)), text).unwrap();
    }
}

#[test]
fn one_job_and_two_jobs_give_identical_books() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(&dir.path().join("in"), 200, 3_000);
    for jobs in ["1", "2"] {
        let output = run(ficbind(dir.path())
            .args(["build", "in", "--no-generated-cover", "--jobs", jobs, "-o"])
            .arg(format!("out-{jobs}")));
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            stderr(&output).contains("200 books written"),
            "{}",
            stderr(&output)
        );
    }
    let one = files_in(&dir.path().join("out-1"));
    let two = files_in(&dir.path().join("out-2"));
    assert_eq!(one.len(), 200);
    assert_eq!(one.len(), two.len());
    for (a, b) in one.iter().zip(&two) {
        assert_eq!(a.file_name(), b.file_name());
        assert!(
            fs::read(a).unwrap() == fs::read(b).unwrap(),
            "{} differs",
            a.display()
        );
    }
}

/// Every entry of the book decompresses: the file is whole.
fn is_whole_book(book: &Path) -> bool {
    let Ok(file) = fs::File::open(book) else {
        return false;
    };
    let Ok(mut archive) = zip::ZipArchive::new(file) else {
        return false;
    };
    (0..archive.len()).all(|i| {
        archive
            .by_index(i)
            .is_ok_and(|mut entry| std::io::copy(&mut entry, &mut std::io::sink()).is_ok())
    })
}

#[test]
fn a_killed_run_leaves_only_whole_books() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(&dir.path().join("in"), 400, 30_000);
    let out = dir.path().join("out");
    let mut child = ficbind(dir.path())
        .args([
            "build",
            "in",
            "--no-generated-cover",
            "--jobs",
            "2",
            "-o",
            "out",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has written some books but, most likely, not all.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        let written = files_in(&out)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "epub"))
            .count();
        if written >= 5 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let books: Vec<_> = files_in(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "epub"))
        .collect();
    assert!(
        !books.is_empty(),
        "the run was killed before writing anything"
    );
    for book in &books {
        assert!(
            is_whole_book(book),
            "{} is not a whole book",
            book.display()
        );
    }

    // The next run into the folder finishes the job and clears what the killed one left.
    let output =
        run(ficbind(dir.path()).args(["build", "in", "--no-generated-cover", "-o", "out"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let leftovers: Vec<_> = files_in(&out)
        .into_iter()
        .filter(|p| p.extension().is_none_or(|e| e != "epub"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    assert_eq!(files_in(&out).len(), 400);
}
