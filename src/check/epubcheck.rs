//! Finding and running EPUBCheck, the reference checker, beside ficbind's own checks.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// EPUBCheck is stopped after this long on one book.
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// Why EPUBCheck could not check a book.
#[derive(Debug, thiserror::Error)]
pub enum EpubCheckError {
    #[error("EPUBCheck jar {} does not exist", .0.display())]
    NoJar(PathBuf),
    #[error("cannot run java for EPUBCheck: {0}; install Java 11 or later")]
    NoJava(std::io::Error),
    #[error("cannot run {}: {source}", program.display())]
    Launch {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("EPUBCheck took more than {} s on this book and was stopped", TIMEOUT.as_secs())]
    TimedOut,
    #[error("EPUBCheck failed without a finding: {0}")]
    Failed(String),
}

/// How to run EPUBCheck: as a jar with `java -jar`, or as a command that answers like it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EpubCheck {
    Jar(PathBuf),
    Command(PathBuf),
}

/// Finds EPUBCheck: `jar` when given, else `EPUBCHECK_JAR`, else the jar of the Python
/// `epubcheck` package (whose `epubcheck` command is a wrapper that takes other options),
/// else an `epubcheck` command on the `PATH` that says it is EPUBCheck.
pub fn find_epubcheck(jar: Option<&Path>) -> Option<EpubCheck> {
    if let Some(jar) = jar {
        return Some(EpubCheck::Jar(jar.to_owned()));
    }
    if let Some(jar) = std::env::var_os("EPUBCHECK_JAR").filter(|j| !j.is_empty()) {
        return Some(EpubCheck::Jar(PathBuf::from(jar)));
    }
    let path = std::env::var_os("PATH")?;
    let commands: Vec<PathBuf> = std::env::split_paths(&path)
        .map(|dir| dir.join("epubcheck"))
        .filter(|candidate| candidate.is_file())
        .collect();
    // The Python package installs `bin/epubcheck` beside its `epubcheck/` folder (with
    // `--target`) or under `lib/python3.X/site-packages/`.
    for command in &commands {
        if let Some(jar) = python_package_jar(command) {
            return Some(EpubCheck::Jar(jar));
        }
    }
    commands
        .into_iter()
        .find(|command| answers_like_epubcheck(command))
        .map(EpubCheck::Command)
}

fn python_package_jar(command: &Path) -> Option<PathBuf> {
    let prefix = command.parent()?.parent()?;
    let beside = prefix.join("epubcheck").join("epubcheck.jar");
    if beside.is_file() {
        return Some(beside);
    }
    let lib = std::fs::read_dir(prefix.join("lib")).ok()?;
    lib.flatten()
        .map(|python| python.path().join("site-packages/epubcheck/epubcheck.jar"))
        .find(|jar| jar.is_file())
}

fn answers_like_epubcheck(command: &Path) -> bool {
    Command::new(command)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|output| {
            String::from_utf8_lossy(&output.stdout).contains("EPUBCheck")
                || String::from_utf8_lossy(&output.stderr).contains("EPUBCheck")
        })
}

/// Runs EPUBCheck on one book and returns its errors and warnings, one line each. `Err`
/// means EPUBCheck itself could not run, or ran out of time.
pub fn run_epubcheck(epubcheck: &EpubCheck, book: &Path) -> Result<Vec<String>, EpubCheckError> {
    let mut command = match epubcheck {
        EpubCheck::Jar(jar) => {
            if !jar.is_file() {
                return Err(EpubCheckError::NoJar(jar.clone()));
            }
            let mut command = Command::new("java");
            command.arg("-jar").arg(jar).arg("--quiet");
            command
        }
        EpubCheck::Command(program) => Command::new(program),
    };
    let mut child = command
        .arg(book)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| match epubcheck {
            EpubCheck::Jar(_) => EpubCheckError::NoJava(source),
            EpubCheck::Command(program) => EpubCheckError::Launch {
                program: program.clone(),
                source,
            },
        })?;
    // The pipes are drained on their own threads, so a chatty EPUBCheck never blocks.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(EpubCheckError::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = format!(
        "{}\n{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    );
    let findings: Vec<String> = text
        .lines()
        .filter(|line| {
            ["FATAL", "ERROR", "WARNING"]
                .iter()
                .any(|level| line.starts_with(level))
        })
        .map(str::to_owned)
        .collect();
    if findings.is_empty() && !status.success() {
        return Err(EpubCheckError::Failed(text.trim().to_string()));
    }
    Ok(findings)
}
