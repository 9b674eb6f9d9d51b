//! Converting many stories at once: finding them, naming their books, converting them in
//! parallel and writing each book whole or not at all.

use crate::convert::{self, load, normalize_loaded, title_for, Loaded};
use crate::error::Error;
use crate::export::{export_epub, ExportOptions, NotePlacement};
use crate::read::is_story_file;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub output: PathBuf,
    /// Stories converted at once; 0 means two per core.
    pub jobs: usize,
    pub convert: convert::Options,
    pub export: ExportOptions,
}

/// What happened to one story: the JSON report has one of these per story.
#[derive(Debug, Clone, Serialize)]
pub struct StoryReport {
    pub input: PathBuf,
    pub output: Option<PathBuf>,
    pub status: Status,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub title: Option<String>,
    pub chapters: usize,
    pub words: usize,
    pub notes: usize,
    /// Notes left out of the book by `--notes drop`.
    pub notes_dropped: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Written,
    Failed,
}

impl StoryReport {
    fn failed(input: &Path, error: &Error) -> Self {
        StoryReport {
            input: input.to_owned(),
            output: None,
            status: Status::Failed,
            warnings: Vec::new(),
            error: Some(error.to_string()),
            title: None,
            chapters: 0,
            words: 0,
            notes: 0,
            notes_dropped: 0,
        }
    }
}

/// Expands folders into the stories they hold (sorted, not recursive); files are kept as
/// given. A path that does not exist at all is an error; a story that exists but cannot be
/// read fails later, on its own, like any other bad story.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut inputs = Vec::new();
    for path in paths {
        let read_error = |source| Error::Read {
            path: path.clone(),
            source,
        };
        std::fs::symlink_metadata(path).map_err(read_error)?;
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(read_error)?
                .filter_map(|entry| entry.ok())
                .filter(|entry| entry.file_type().is_ok_and(|t| !t.is_dir()))
                .map(|entry| entry.path())
                .filter(|p| !p.is_dir() && is_story_file(p))
                .collect();
            found.sort();
            inputs.extend(found);
        } else {
            inputs.push(path.clone());
        }
    }
    Ok(inputs)
}

/// Converts every input, calling `on_done` as each story finishes. Reports come back in
/// input order.
pub fn build_all(
    inputs: &[PathBuf],
    options: &BatchOptions,
    on_done: impl Fn(&StoryReport) + Sync,
) -> Vec<StoryReport> {
    if let Err(source) = std::fs::create_dir_all(&options.output) {
        let error = Error::Write {
            path: options.output.clone(),
            source,
        };
        return inputs
            .iter()
            .map(|input| {
                let report = StoryReport::failed(input, &error);
                on_done(&report);
                report
            })
            .collect();
    }
    remove_stale_temporaries(&options.output);
    // Twice the cores by default: books wait for the disk to confirm they are written
    // (`Unfinished::finish`), and while one waits another story can use the core.
    let jobs = match options.jobs {
        0 => std::thread::available_parallelism().map_or(2, |n| 2 * n.get()),
        jobs => jobs,
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool,
        Err(_) => rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool can always be built"),
    };
    pool.install(|| {
        let extension = options.export.format.extension();
        let mut names = OutputNames::new(inputs, &options.output, extension);
        let mut reports = Vec::with_capacity(inputs.len());
        // A few stories are loaded at a time, all in parallel, and named in input order
        // before any is built: which story gets the "-2" never depends on which finished
        // first, each story is read once, and memory holds one group, not the folder.
        for group in load_groups(inputs, GROUP_STORIES, GROUP_BYTES) {
            let loaded: Vec<Result<Loaded, Error>> = group
                .par_iter()
                .map(|input| load(input, &options.convert))
                .collect();
            let outputs: Vec<Option<PathBuf>> = group
                .iter()
                .zip(&loaded)
                .map(|(input, loaded)| {
                    let loaded = loaded.as_ref().ok()?;
                    names.next(&title_for(input, loaded, &options.convert))
                })
                .collect();
            let built: Vec<(StoryReport, Option<Unfinished>)> = group
                .par_iter()
                .zip(loaded.into_par_iter())
                .zip(outputs.into_par_iter())
                .map(|((input, loaded), output)| match (loaded, output) {
                    (Err(error), _) => (StoryReport::failed(input, &error), None),
                    (Ok(loaded), Some(output)) => build_one(input, loaded, &output, options),
                    (Ok(_), None) => (
                        StoryReport::failed(
                            input,
                            &Error::Input {
                                path: input.clone(),
                                message: "no free output name was found".to_string(),
                            },
                        ),
                        None,
                    ),
                })
                .collect();
            // The group's books reach the disk together: one flush of the file system
            // serves many books, where a flush per book left cores waiting.
            let finished: Vec<StoryReport> = built
                .into_par_iter()
                .map(
                    |(report, unfinished)| match unfinished.map(Unfinished::finish) {
                        Some(Err(error)) => StoryReport::failed(&report.input, &error),
                        _ => report,
                    },
                )
                .collect();
            for report in finished {
                on_done(&report);
                reports.push(report);
            }
        }
        reports
    })
}

/// Stories loaded at once: enough to keep every core busy between two groups, few enough
/// that a folder of long stories does not fill memory.
const GROUP_STORIES: usize = 64;
const GROUP_BYTES: u64 = 64 * 1024 * 1024;

/// The inputs in order, cut into groups of at most `stories` stories and, unless a single
/// story is larger, `max_bytes` bytes.
fn load_groups(inputs: &[PathBuf], stories: usize, max_bytes: u64) -> Vec<&[PathBuf]> {
    let mut groups = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, input) in inputs.iter().enumerate() {
        // A file that cannot be read takes no room; loading it reports why.
        let size = std::fs::metadata(input).map_or(0, |m| m.len());
        if i > start && (i - start == stories || bytes + size > max_bytes) {
            groups.push(&inputs[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < inputs.len() {
        groups.push(&inputs[start..]);
    }
    groups
}

/// Output paths, given out in input order: a slug of the title, with `-2`, `-3`… for
/// repeats, never one of the input files.
struct OutputNames<'a> {
    dir: &'a Path,
    canonical_dir: PathBuf,
    extension: &'a str,
    inputs: HashSet<PathBuf>,
    taken: HashSet<String>,
}

impl<'a> OutputNames<'a> {
    fn new(inputs: &[PathBuf], dir: &'a Path, extension: &'a str) -> Self {
        // Inputs usually share a folder or two: resolve each folder once, not each file.
        let mut folders: std::collections::HashMap<&Path, PathBuf> =
            std::collections::HashMap::new();
        let inputs = inputs
            .iter()
            .map(|p| {
                let parent = p.parent().unwrap_or(Path::new(""));
                let folder = folders.entry(parent).or_insert_with(|| {
                    let parent = if parent.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        parent
                    };
                    std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_owned())
                });
                p.file_name()
                    .map_or_else(|| p.clone(), |name| folder.join(name))
            })
            .collect();
        OutputNames {
            dir,
            canonical_dir: std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned()),
            extension,
            inputs,
            taken: HashSet::new(),
        }
    }

    fn next(&mut self, title: &str) -> Option<PathBuf> {
        let slug = slugify(title);
        let extension = self.extension;
        (1..10_000).find_map(|n| {
            let name = if n == 1 {
                format!("{slug}.{extension}")
            } else {
                format!("{slug}-{n}.{extension}")
            };
            let clashes_with_input = self.inputs.contains(&self.canonical_dir.join(&name));
            if clashes_with_input || !self.taken.insert(name.clone()) {
                return None;
            }
            Some(self.dir.join(name))
        })
    }
}

/// Converts one story and writes its book to a temporary file; the caller gives the book
/// its name once it is on the disk.
fn build_one(
    input: &Path,
    loaded: Loaded,
    output: &Path,
    options: &BatchOptions,
) -> (StoryReport, Option<Unfinished>) {
    let result = normalize_loaded(input, loaded, &options.convert).and_then(|converted| {
        let bytes =
            export_epub(&converted.book, &options.export).map_err(|source| Error::Export {
                path: input.to_owned(),
                source,
            })?;
        let unfinished = write_unfinished(output, |file| file.write_all(&bytes))?;
        Ok((converted, unfinished))
    });
    let (converted, unfinished) = match result {
        Ok(done) => done,
        Err(error) => return (StoryReport::failed(input, &error), None),
    };
    let book = &converted.book;
    let report = StoryReport {
        input: input.to_owned(),
        output: Some(output.to_owned()),
        status: Status::Written,
        warnings: converted.warnings,
        error: None,
        title: Some(book.metadata.title.clone()),
        chapters: book.chapters.len(),
        words: book.word_count(),
        notes: book.notes().count(),
        notes_dropped: match options.export.notes {
            NotePlacement::Drop => book.notes().count(),
            _ => 0,
        },
    };
    (report, Some(unfinished))
}

const TEMP_PREFIX: &str = ".ficbind-";
const TEMP_SUFFIX: &str = ".part";

/// A run that was killed cannot remove its temporary files; the next run into the same
/// folder does. (Two runs writing into one folder at once are not supported.)
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A book written in full to a temporary file, not yet under its name.
#[derive(Debug)]
struct Unfinished {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Unfinished {
    /// Waits until the book is on the disk, then gives it its name.
    fn finish(self) -> Result<(), Error> {
        let write_error = |source| Error::Write {
            path: self.path.clone(),
            source,
        };
        self.temp.as_file().sync_all().map_err(write_error)?;
        self.temp
            .persist(&self.path)
            .map_err(|e| write_error(e.error))?;
        Ok(())
    }
}

/// Writes a book to a temporary file in the same folder, to be renamed into place by
/// [`Unfinished::finish`], so that a crash or a full disk never leaves half a book under
/// the final name. The writing itself is given, so that tests can make it fail; if it
/// fails, the temporary file is gone.
fn write_unfinished(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<Unfinished, Error> {
    let write_error = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(write_error)?;
    // On failure the temporary file is dropped, which deletes it.
    write(temp.as_file_mut()).map_err(write_error)?;
    // Temporary files are private; a finished book is as readable as any other file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let readable = std::fs::Permissions::from_mode(0o644);
        temp.as_file()
            .set_permissions(readable)
            .map_err(write_error)?;
    }
    Ok(Unfinished {
        temp,
        path: path.to_owned(),
    })
}

/// A file name from a title: lower-case ASCII words joined by hyphens, accents folded.
pub fn slugify(title: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut slug = String::new();
    let mut pending_hyphen = false;
    for c in title.nfkd() {
        let folded: &str = match c {
            'ß' => "ss",
            'æ' | 'Æ' => "ae",
            'œ' | 'Œ' => "oe",
            'ø' | 'Ø' => "o",
            'đ' | 'Đ' | 'ð' | 'Ð' => "d",
            'ł' | 'Ł' => "l",
            'þ' | 'Þ' => "th",
            _ => "",
        };
        let pieces: Vec<char> = if folded.is_empty() && c.is_ascii_alphanumeric() {
            vec![c.to_ascii_lowercase()]
        } else {
            folded.chars().collect()
        };
        if pieces.is_empty() {
            // Apostrophes join ("don't" → "dont"); combining marks vanish; the rest split.
            let joins =
                matches!(c, '’' | '\'') || unicode_normalization::char::is_combining_mark(c);
            if !joins {
                pending_hyphen = !slug.is_empty();
            }
            continue;
        }
        if pending_hyphen {
            slug.push('-');
            pending_hyphen = false;
        }
        slug.extend(pieces);
        if slug.len() >= 80 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "untitled".to_string()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_is_reported_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let book = dir.path().join("book.epub");
        let full = || Err(std::io::Error::from_raw_os_error(28));
        let error = write_unfinished(&book, |file| {
            file.write_all(b"half a bo")?;
            full()
        })
        .expect_err("the write fails");
        let message = error.to_string();
        assert!(
            message.contains("book.epub: cannot write the book"),
            "{message}"
        );
        assert!(message.contains("has free space"), "{message}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("listed").collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn slugs() {
        for (title, slug) in [
            ("Let it go", "let-it-go"),
            ("Don't Leave!", "dont-leave"),
            ("Don’t Leave!", "dont-leave"),
            ("Café au lait", "cafe-au-lait"),
            ("Straße", "strasse"),
            ("../../../tmp/evil", "tmp-evil"),
            ("  ", "untitled"),
            ("日本語", "untitled"),
            ("A  --  B", "a-b"),
            ("Ærø", "aero"),
            ("Chapter 1: The Storm", "chapter-1-the-storm"),
        ] {
            assert_eq!(slugify(title), slug, "{title:?}");
        }
        assert!(slugify(&"long ".repeat(100)).len() <= 84);
    }

    #[test]
    fn stories_are_loaded_in_groups_bounded_by_count_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let inputs: Vec<PathBuf> = [10, 10, 30, 5, 5, 5, 5, 0]
            .iter()
            .enumerate()
            .map(|(i, &size)| {
                let path = dir.path().join(format!("{i}.txt"));
                if size > 0 {
                    std::fs::write(&path, vec![b'a'; size]).unwrap();
                }
                path
            })
            .collect();
        let sizes =
            |groups: Vec<&[PathBuf]>| -> Vec<usize> { groups.iter().map(|g| g.len()).collect() };
        // 20 bytes at most: the 30-byte story is a group of its own; a missing file is 0.
        assert_eq!(sizes(load_groups(&inputs, 3, 20)), [2, 1, 3, 2]);
        assert_eq!(sizes(load_groups(&inputs, 2, 1000)), [2, 2, 2, 2]);
        assert_eq!(sizes(load_groups(&inputs, 100, 1000)), [8]);
        assert!(load_groups(&[], 3, 20).is_empty());
    }

    #[test]
    fn repeated_titles_get_suffixes_in_input_order() {
        let inputs = vec![
            PathBuf::from("a.txt"),
            PathBuf::from("b.txt"),
            PathBuf::from("c.txt"),
        ];
        let mut names = OutputNames::new(&inputs, Path::new("out"), "epub");
        let outputs: Vec<_> = ["Same", "Same", "Other"]
            .iter()
            .map(|title| names.next(title))
            .collect();
        assert_eq!(
            outputs,
            [
                Some(PathBuf::from("out/same.epub")),
                Some(PathBuf::from("out/same-2.epub")),
                Some(PathBuf::from("out/other.epub"))
            ]
        );
    }
}
