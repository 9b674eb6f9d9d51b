//! Whole folders: parallel runs give the same books, and a killed run leaves only whole ones.

mod common;

use common::*;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

fn write_corpus(dir: &Path, count: usize, bytes: usize) {
    fs::create_dir_all(dir).unwrap();
    for i in 0..count {
        let text = ficbind_corpus::story(1000 + i as u64, bytes);
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
    // What the killed run saved of its state and what this one added add up: the books
    // it finished and saved were not rebuilt, and none is missing.
    let summary = stderr(&output);
    let count = |word: &str| -> usize {
        let before = summary.split(word).next().unwrap_or_default();
        before
            .rsplit(|c: char| !c.is_ascii_digit())
            .find(|n| !n.is_empty())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let (written, unchanged) = (count(" book"), count(" unchanged"));
    assert_eq!(written + unchanged, 400, "{summary}");

    // And the state is whole: a third run has nothing to do.
    let again = run(ficbind(dir.path()).args(["build", "in", "--no-generated-cover", "-o", "out"]));
    assert!(
        stderr(&again).contains("0 books written, 400 unchanged"),
        "{}",
        stderr(&again)
    );
}

/// Mounts a tmpfs of `size` at `dir`; `None` where mounting is not allowed.
fn mount_tmpfs(dir: &Path, size: &str) -> Option<()> {
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then_some(())
}

#[test]
fn a_full_disk_is_reported_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).expect("a mount point");
    if mount_tmpfs(&disk, "120k").is_none() {
        // The unit test of write_atomically covers the same path with an injected error.
        eprintln!("cannot mount a tmpfs here (it needs root); skipping the real full disk");
        return;
    }
    let output = run(ficbind(&project_dir())
        .args(["build", "stories", "--no-generated-cover", "-o"])
        .arg(&disk));
    let books = files_in(&disk);
    // Read before unmounting, which takes the books with it.
    let book_bytes = books
        .first()
        .map(|b| std::fs::read(b).expect("the book reads"))
        .unwrap_or_default();
    let unmounted = std::process::Command::new("umount").arg(&disk).status();
    assert!(unmounted.is_ok_and(|s| s.success()), "the tmpfs unmounts");

    // 120 KB holds the small sample book (about 20 KB) but not the one with a photo cover.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("cannot write the book: No space left on device"),
        "{message}"
    );
    assert_eq!(books.len(), 1, "{books:?}");
    assert!(
        books[0].extension().is_some_and(|e| e == "epub"),
        "{books:?}"
    );
    let kept = dir.path().join(books[0].file_name().expect("a name"));
    std::fs::write(&kept, &book_bytes).expect("the book is kept");
    assert_epubcheck_clean(std::slice::from_ref(&kept));
    assert_ace_clean(&[kept]);
}

#[test]
fn an_output_folder_that_cannot_be_made_is_reported_for_every_story() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "a file where the folder should go").expect("written");
    let output = run(ficbind(&project_dir())
        .args(["build", "stories", "-o"])
        .arg(blocker.join("books")));
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(
        message.matches("cannot write the book").count(),
        2,
        "{message}"
    );
    assert!(message.contains("check that the folder exists, is writable"));
    assert_eq!(files_in(dir.path()), [blocker]);
}
