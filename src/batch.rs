//! Converting many stories at once: finding them, naming their books, converting them in
//! parallel and writing each book whole or not at all.

use crate::convert::{self, depends_on, load, normalize_loaded, title_for, Loaded};
use crate::error::Error;
use crate::export::{export, ExportOptions, Exported, NotePlacement};
use crate::files::Files;
use crate::incremental::{self, files_now, Entry, FileState};
use crate::outdir::{temporary_in, OutputFolder};
use crate::read::is_story_file;
use crate::unzip::Archive;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub output: PathBuf,
    /// Stories converted at once; 0 means two per core. More than [`max_jobs`] are not
    /// started.
    pub jobs: usize,
    /// Replace files in the output folder that ficbind did not write, instead of giving
    /// the book the next free name.
    pub overwrite: bool,
    /// Folders whose layout the output folder mirrors: a story at `ROOT/a/b/story.txt`
    /// gets its book in `OUTPUT/a/b/`. Empty, every book goes straight into the output.
    pub mirror: Vec<PathBuf>,
    /// Rebuild every book, even those whose story, sidecar, cover and options are as they
    /// were when it was made.
    pub force: bool,
    /// Convert only this machine's share of the stories.
    pub shard: Option<Shard>,
    pub convert: convert::Options,
    pub export: ExportOptions,
}

/// What happened to one story: the JSON report has one of these per story.
#[derive(Debug, Clone, Serialize)]
pub struct StoryReport {
    #[serde(serialize_with = "json_path")]
    pub input: PathBuf,
    #[serde(serialize_with = "json_optional_path")]
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

/// A path in the JSON report: a string when it is UTF-8, as nearly every path is;
/// otherwise `{"lossy": "caf\u{FFFD}.txt", "bytes": [99, 97, 102, 233, …]}`, which keeps
/// every byte and still reads as text.
fn json_path<S: serde::Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    if let Some(text) = path.to_str() {
        return serializer.serialize_str(text);
    }
    let mut object = serializer.serialize_struct("Path", 2)?;
    object.serialize_field("lossy", &path.to_string_lossy())?;
    object.serialize_field("bytes", path.as_os_str().as_encoded_bytes())?;
    object.end()
}

fn json_optional_path<S: serde::Serializer>(
    path: &Option<PathBuf>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(path) => json_path(path, serializer),
        None => serializer.serialize_none(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Written,
    /// The book is there and made from the same story, sidecar, cover and options.
    Unchanged,
    Failed,
}

impl StoryReport {
    fn unchanged(input: &Path, output: PathBuf) -> Self {
        StoryReport {
            input: input.to_owned(),
            output: Some(output),
            status: Status::Unchanged,
            warnings: Vec::new(),
            error: None,
            title: None,
            chapters: 0,
            words: 0,
            notes: 0,
            notes_dropped: 0,
        }
    }

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

/// The stories of a run, found as they are needed: a folder or an archive of a quarter
/// of a million stories is never listed whole in memory. Each folder is listed when the
/// walk reaches it, its stories sorted, then its subfolders in sorted order; an archive's
/// members come in the same order, so that a zip and the folder it unpacks to give the
/// same books.
#[derive(Debug, Default)]
pub struct Inputs {
    /// The paths as they were given.
    given: Vec<PathBuf>,
    sources: Vec<Source>,
    recursive: bool,
    /// The output folder, resolved: a walk never enters it.
    output: Option<PathBuf>,
    /// The stories, listed before the run, when the output folder is one of the folders
    /// walked or holds one: books written during the run must not be taken for stories.
    listed: Option<Vec<PathBuf>>,
    /// The file system and the archives among the paths, whose members are the stories
    /// at `ARCHIVE/member`.
    pub files: Files,
}

#[derive(Debug)]
enum Source {
    Folder(PathBuf),
    /// The archive's place in `files`.
    Archive(usize),
    File(PathBuf),
}

impl Inputs {
    /// The archives' paths: their books mirror the folders inside them.
    pub fn archive_roots(&self) -> Vec<PathBuf> {
        self.files
            .archives()
            .iter()
            .map(|a| a.path.clone())
            .collect()
    }

    /// The paths as they were given.
    pub fn given(&self) -> &[PathBuf] {
        &self.given
    }

    /// The stories, in order. A folder that cannot be listed is an error in its place.
    pub fn stories(&self) -> Box<dyn Iterator<Item = Result<PathBuf, Error>> + Send + '_> {
        if let Some(listed) = &self.listed {
            return Box::new(listed.iter().cloned().map(Ok));
        }
        Box::new(self.sources.iter().flat_map(
            move |source| -> Box<dyn Iterator<Item = _> + Send + '_> {
                match source {
                    Source::File(path) => Box::new(std::iter::once(Ok(path.clone()))),
                    Source::Archive(index) => {
                        let archive = &self.files.archives()[*index];
                        Box::new(
                            archive
                                .names_in_walk_order()
                                .map(move |name| archive.path.join(name))
                                .filter(|member| is_story_file(member))
                                .map(Ok),
                        )
                    }
                    Source::Folder(root) => Box::new(Walk {
                        files: Vec::new().into_iter(),
                        folders: vec![root.clone()],
                        recursive: self.recursive,
                        output: self.output.as_deref(),
                    }),
                }
            },
        ))
    }

    /// The paths among the stories that could be taken for a book's: the files given by
    /// name, and the stories listed before the run.
    fn named_files(&self) -> impl Iterator<Item = &Path> {
        let given = self.sources.iter().filter_map(|source| match source {
            Source::File(path) => Some(path.as_path()),
            _ => None,
        });
        given.chain(self.listed.iter().flatten().map(PathBuf::as_path))
    }

    /// How many stories there are, when that is known without walking a folder or an
    /// archive.
    fn known_count(&self) -> Option<usize> {
        if let Some(listed) = &self.listed {
            return Some(listed.len());
        }
        self.sources
            .iter()
            .all(|source| matches!(source, Source::File(_)))
            .then_some(self.sources.len())
    }

    /// Whether the stories' folders never come back once left: one folder walked, or
    /// one archive, whose stories come a folder at a time.
    fn folders_come_once(&self) -> bool {
        self.sources.len() == 1
    }
}

/// A folder walk: the stories of the folder being read, then the folders left to read.
struct Walk<'a> {
    files: std::vec::IntoIter<PathBuf>,
    /// Popped last first: they are pushed in reverse order.
    folders: Vec<PathBuf>,
    recursive: bool,
    output: Option<&'a Path>,
}

impl Iterator for Walk<'_> {
    type Item = Result<PathBuf, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(file) = self.files.next() {
                return Some(Ok(file));
            }
            let folder = self.folders.pop()?;
            let entries = match std::fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(source) => {
                    return Some(Err(Error::Read {
                        path: folder,
                        source,
                    }))
                }
            };
            let mut files = Vec::new();
            let mut subfolders = Vec::new();
            for entry in entries.filter_map(|entry| entry.ok()) {
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let entry_path = entry.path();
                if kind.is_dir() {
                    let hidden = entry.file_name().to_string_lossy().starts_with('.');
                    if self.recursive && !hidden {
                        let is_output = self.output.is_some()
                            && std::fs::canonicalize(&entry_path).ok().as_deref() == self.output;
                        if !is_output {
                            subfolders.push(entry_path);
                        }
                    }
                } else if is_story_file(&entry_path) && !(kind.is_symlink() && entry_path.is_dir())
                {
                    files.push(entry_path);
                }
            }
            files.sort();
            self.files = files.into_iter();
            subfolders.sort_by(|a, b| b.cmp(a));
            self.folders.extend(subfolders);
        }
    }
}

/// Expands folders into the stories they hold (sorted, not recursive); files are kept as
/// given. A path that does not exist at all is an error; a story that exists but cannot be
/// read fails later, on its own, like any other bad story.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    collect_inputs_in(paths, false, None)?.stories().collect()
}

/// As [`collect_inputs`], and with `recursive`, the stories of every subfolder too, in
/// sorted order. Hidden folders, links to folders and the output folder itself are not
/// entered, so that a run never reads its own books or loops. A zip archive that is not
/// an EPUB stands for the stories inside it, all of them, as a folder read recursively.
/// Folders are read as the stories are taken ([`Inputs::stories`]).
pub fn collect_inputs_in(
    paths: &[PathBuf],
    recursive: bool,
    output: Option<&Path>,
) -> Result<Inputs, Error> {
    let output = output.and_then(|o| std::fs::canonicalize(o).ok());
    let mut sources = Vec::new();
    let mut archives = Vec::new();
    let mut overlaps_output = false;
    for path in paths {
        std::fs::symlink_metadata(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        if path.is_dir() {
            if let (Some(output), Ok(folder)) = (&output, std::fs::canonicalize(path)) {
                overlaps_output |= folder.starts_with(output);
            }
            sources.push(Source::Folder(path.clone()));
        } else if is_story_archive(path) {
            let archive = Archive::open(path).map_err(|error| Error::Input {
                path: path.clone(),
                message: format!("{error}; give a zip archive of stories, or the stories"),
            })?;
            sources.push(Source::Archive(archives.len()));
            archives.push(archive);
        } else {
            sources.push(Source::File(path.clone()));
        }
    }
    let mut inputs = Inputs {
        given: paths.to_vec(),
        sources,
        recursive,
        output,
        listed: None,
        files: Files::with_archives(archives),
    };
    if overlaps_output {
        inputs.listed = Some(inputs.stories().collect::<Result<_, _>>()?);
    }
    Ok(inputs)
}

/// A zip archive given as an input holds stories, unless it is a story itself: an EPUB
/// (by its extension; an EPUB named otherwise is told by its `mimetype` member).
fn is_story_archive(path: &Path) -> bool {
    let mut head = [0u8; 58];
    let Ok(read) = std::fs::File::open(path).and_then(|mut file| {
        use std::io::Read;
        file.read(&mut head)
    }) else {
        return false;
    };
    let head = &head[..read];
    if !head.starts_with(b"PK\x03\x04") && !head.starts_with(b"PK\x05\x06") {
        return false;
    }
    let epub_extension = crate::read::Format::Epub
        .extensions()
        .iter()
        .any(|e| path.extension().is_some_and(|x| x.eq_ignore_ascii_case(e)));
    let epub_mimetype = head.len() >= 58 && &head[30..38] == b"mimetype";
    !epub_extension && !epub_mimetype
}

/// One machine's share of a run: `--shard 2/5` is the second of five.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 1 to `count`.
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let wrong = || format!("{text:?} is not a share: give K/N, such as 1/4, with 1 ≤ K ≤ N");
        let (index, count) = text.split_once('/').ok_or_else(wrong)?;
        let index: u32 = index.trim().parse().map_err(|_| wrong())?;
        let count: u32 = count.trim().parse().map_err(|_| wrong())?;
        if index == 0 || index > count {
            return Err(wrong());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether the book of a story goes to this share. Stories are shared out by the
    /// folder their book is written in, never one by one: the names in a folder (`-2`
    /// for a second story of one title) are chosen among all its stories, so all of them
    /// must be converted on one machine for the shares to add up to one run's books.
    /// The folder's name is hashed with CRC-32, which every machine computes alike.
    pub fn takes(&self, book_folder: &str) -> bool {
        crc32fast::hash(book_folder.as_bytes()) % self.count == self.index - 1
    }
}

impl Shard {
    /// Whether the book of the story at `input` goes to this share, with `mirror` as in
    /// [`BatchOptions::mirror`].
    pub fn takes_story(&self, input: &Path, mirror: &[PathBuf]) -> bool {
        self.takes(&book_folder(input, mirror))
    }
}

/// The folder, relative to the output folder and `/`-separated, that a story's book is
/// written in.
fn book_folder(input: &Path, mirror: &[PathBuf]) -> String {
    mirror
        .iter()
        .find_map(|root| input.strip_prefix(root).ok())
        .and_then(Path::parent)
        .map(|folder| {
            let parts: Vec<String> = folder
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            parts.join("/")
        })
        .unwrap_or_default()
}

/// The most stories converted at once: more threads than this only add memory and
/// contention, whatever the disk.
pub fn max_jobs() -> usize {
    4 * cores()
}

fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Converts every story of `inputs` (of the share `options.shard` names), calling
/// `on_wait` if another run holds the output folder and `on_done` as each story finishes.
/// Reports come back in input order.
pub fn build_all(
    inputs: &Inputs,
    options: &BatchOptions,
    on_wait: impl FnOnce(),
    on_done: impl Fn(&StoryReport) + Sync,
) -> Vec<StoryReport> {
    let reports = std::sync::Mutex::new(Vec::new());
    build_each(inputs, options, on_wait, |report| {
        on_done(&report);
        if let Ok(mut reports) = reports.lock() {
            reports.push(report);
        }
    });
    reports.into_inner().unwrap_or_default()
}

/// As [`build_all`], handing each report to `on_done`, in input order, and keeping none:
/// a run of 200,000 stories holds a few folders' stories at a time, not the whole run's.
pub fn build_each(
    inputs: &Inputs,
    options: &BatchOptions,
    on_wait: impl FnOnce(),
    on_done: impl Fn(StoryReport) + Sync,
) {
    let mut stories = inputs
        .stories()
        .filter(|story| match (story, options.shard) {
            (Ok(input), Some(shard)) => shard.takes_story(input, &options.mirror),
            _ => true,
        })
        .peekable();
    let folder = match OutputFolder::open(&options.output, inputs.given(), on_wait) {
        Ok(folder) => folder,
        Err(error) => return stories.for_each(|story| on_done(not_converted(story, &error))),
    };
    // Twice the cores by default: books wait for the disk to confirm they are written
    // (`Unfinished::finish`), and while one waits another story can use the core. With
    // fewer stories than that, one thread a core: more would only cut each book's work
    // into smaller pieces on the same cores.
    let jobs = match options.jobs {
        0 => {
            let twice = 2 * cores();
            inputs
                .known_count()
                .map_or(twice, |stories| twice.min(stories.max(cores())))
        }
        jobs => jobs.min(max_jobs()),
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool,
        Err(_) => match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
            Ok(pool) => pool,
            Err(error) => {
                let error = Error::Write {
                    path: options.output.clone(),
                    source: std::io::Error::other(format!(
                        "no thread could be started to convert the stories ({error})"
                    )),
                };
                return stories.for_each(|story| on_done(not_converted(story, &error)));
            }
        },
    };
    pool.install(|| {
        let extension = options.export.format.extension();
        let names = OutputNames::new(
            inputs.named_files(),
            &options.output,
            extension,
            options.overwrite,
        )
        .mirroring(&options.mirror);
        let mut run = Run {
            options,
            options_hash: options_hash(options),
            folder,
            names,
            last_save: std::time::Instant::now(),
            unsaved: false,
        };
        loop {
            // Whole folders at a time, and enough stories to keep every core busy: the
            // names of a folder's books are chosen among all its stories.
            let mut chunk: Vec<PathBuf> = Vec::new();
            let mut chunk_folder = None;
            while let Some(Ok(input)) = stories.peek() {
                let folder = book_folder(input, &options.mirror);
                if chunk.len() >= GROUP_STORIES && chunk_folder.as_ref() != Some(&folder) {
                    break;
                }
                chunk_folder = Some(folder);
                if let Some(Ok(input)) = stories.next() {
                    chunk.push(input);
                }
            }
            if !chunk.is_empty() {
                run.build_chunk(&chunk, &on_done);
                if inputs.folders_come_once() {
                    run.names.forget_taken();
                }
            }
            match stories.peek() {
                Some(Ok(_)) => {}
                // A folder that could not be listed.
                Some(Err(_)) => {
                    if let Some(Err(error)) = stories.next() {
                        on_done(unlisted(error));
                    }
                }
                None => break,
            }
        }
        // A state that cannot be written costs the next run time, not a book.
        let _ = run.folder.finish();
    })
}

/// The report of a story the run could not convert because of `error`; a folder that
/// could not be listed is reported with its own error.
fn not_converted(story: Result<PathBuf, Error>, error: &Error) -> StoryReport {
    match story {
        Ok(input) => StoryReport::failed(&input, error),
        Err(folder_error) => unlisted(folder_error),
    }
}

/// The report of a folder that could not be listed, under the folder's path.
fn unlisted(error: Error) -> StoryReport {
    let path = match &error {
        Error::Read { path, .. } => path.clone(),
        _ => PathBuf::new(),
    };
    StoryReport::failed(&path, &error)
}

/// A run under way: what stays from one chunk of stories to the next.
struct Run<'a> {
    options: &'a BatchOptions,
    options_hash: u64,
    folder: OutputFolder,
    names: OutputNames<'a>,
    last_save: std::time::Instant,
    unsaved: bool,
}

impl Run<'_> {
    /// Converts a chunk of stories, whole folders of them, and hands on their reports.
    fn build_chunk(&mut self, inputs: &[PathBuf], on_done: &(impl Fn(StoryReport) + Sync)) {
        let options = self.options;
        let options_hash = self.options_hash;
        // What each story's book would be made from now, and whether its book is already
        // that: such books keep their names, and their stories are not read again.
        let folder = &self.folder;
        let mut up_to_date: Vec<Option<Box<str>>> = inputs
            .par_iter()
            .map(|input| up_to_date_book(input, options, options_hash, folder))
            .collect();
        for name in up_to_date.iter().flatten() {
            self.names.reserve(name);
        }
        let mut up_to_date = up_to_date.iter_mut();
        // A few stories are loaded at a time, all in parallel, and named in input order
        // before any is built: which story gets the "-2" never depends on which finished
        // first, each story is read once, and memory holds one group, not the folder.
        for group in load_groups(inputs, &options.convert.files, GROUP_STORIES, GROUP_BYTES) {
            let folder = &self.folder;
            let unchanged: Vec<Option<Box<str>>> = up_to_date
                .by_ref()
                .take(group.len())
                .map(Option::take)
                .collect();
            let loaded: Vec<Option<Result<Loaded, Error>>> = group
                .par_iter()
                .zip(&unchanged)
                .map(|(input, unchanged)| {
                    unchanged.is_none().then(|| load(input, &options.convert))
                })
                .collect();
            let states: Vec<Current> = group
                .par_iter()
                .zip(unchanged)
                .zip(&loaded)
                .map(|((input, unchanged), loaded)| match (unchanged, loaded) {
                    (Some(unchanged), _) => Current::unchanged(unchanged),
                    (None, Some(Ok(loaded))) => current_state(input, options, folder, loaded),
                    (None, _) => Current::failed(input),
                })
                .collect();
            let names = &mut self.names;
            let named: Vec<Option<Result<Named, Error>>> = group
                .iter()
                .zip(loaded)
                .map(|(input, loaded)| {
                    loaded.map(|loaded| {
                        loaded.map(|loaded| {
                            let title = title_for(input, &loaded, &options.convert);
                            let (output, warning) = names.next_for(input, &title, folder);
                            Named {
                                loaded,
                                output,
                                warning,
                            }
                        })
                    })
                })
                .collect();
            let built: Vec<(StoryReport, Option<Unfinished>)> = group
                .par_iter()
                .zip(named.into_par_iter())
                .zip(&states)
                .map(|((input, named), state)| match named {
                    None => (
                        StoryReport::unchanged(
                            input,
                            options
                                .output
                                .join(state.unchanged.as_deref().unwrap_or_default()),
                        ),
                        None,
                    ),
                    Some(Err(error)) => (StoryReport::failed(input, &error), None),
                    Some(Ok(named)) => {
                        let (mut report, unfinished) =
                            build_one(input, named.loaded, &named.output, options);
                        if unfinished.is_some() {
                            report.warnings.extend(named.warning);
                        }
                        (report, unfinished)
                    }
                })
                .collect();
            // Recorded before they take their names, so that the record never misses one;
            // meanwhile the group's books reach the disk together: one flush of the file
            // system serves many books, where a flush per book left cores waiting.
            let folder = &mut self.folder;
            let (recorded, synced) = rayon::join(
                || {
                    folder.record(
                        built
                            .iter()
                            .filter(|(_, unfinished)| unfinished.is_some())
                            .filter_map(|(report, _)| report.output.as_deref())
                            .filter_map(|path| {
                                let name = path.strip_prefix(&options.output).ok()?;
                                name.to_str().map(str::to_owned)
                            }),
                    )
                },
                || {
                    built
                        .par_iter()
                        .map(|(_, unfinished)| unfinished.as_ref().map(Unfinished::sync))
                        .collect::<Vec<_>>()
                },
            );
            let finished: Vec<StoryReport> = built
                .into_par_iter()
                .zip(synced)
                .map(|((report, unfinished), synced)| {
                    let Some(unfinished) = unfinished else {
                        return report;
                    };
                    if let Err(error) = &recorded {
                        return StoryReport::failed(&report.input, error);
                    }
                    match synced.unwrap_or(Ok(())).and_then(|()| unfinished.persist()) {
                        Ok(()) => report,
                        Err(error) => StoryReport::failed(&report.input, &error),
                    }
                })
                .collect();
            for (report, state) in finished.iter().zip(states) {
                if state.key.as_os_str().is_empty() {
                    continue;
                }
                let output = report.output.as_deref().and_then(|output| {
                    output
                        .strip_prefix(&options.output)
                        .unwrap_or(output)
                        .to_str()
                });
                // A state that cannot be written costs the next run time, not a book.
                let _ = match (report.status, output) {
                    (Status::Written, Some(output)) => self.folder.state.record(
                        &state.key,
                        &Entry {
                            options: options_hash,
                            output: output.into(),
                            files: state.files,
                            absent: state.absent,
                        },
                    ),
                    _ => self.folder.state.forget(&state.key),
                };
                self.unsaved = true;
            }
            // Put on the disk every few seconds and at the end, not after every group. A
            // run killed in between rebuilds what it had not saved, and nothing else.
            if self.unsaved && self.last_save.elapsed() >= STATE_SAVE_INTERVAL {
                let _ = self.folder.save_state();
                self.unsaved = false;
                self.last_save = std::time::Instant::now();
            }
            for report in finished {
                on_done(report);
            }
        }
    }
}

/// How often a run saves what its books were made from.
const STATE_SAVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// A story as it is now, for the incremental build.
struct Current {
    /// The story's absolute path: the state's key (empty for
    /// an unchanged book, whose entry stays as it is).
    key: PathBuf,
    /// The files its book depends on that are there, as they are now.
    files: Vec<FileState>,
    /// The places its book depends on that hold nothing, hashed.
    absent: u64,
    /// The book, relative to the output folder, when it is up to date.
    unchanged: Option<Box<str>>,
}

impl Current {
    fn failed(input: &Path) -> Current {
        Current {
            key: crate::files::absolute(input),
            files: Vec::new(),
            absent: 0,
            unchanged: None,
        }
    }

    fn unchanged(book: Box<str>) -> Current {
        Current {
            key: PathBuf::new(),
            files: Vec::new(),
            absent: 0,
            unchanged: Some(book),
        }
    }
}

/// What a story's book is made from, the story as `loaded` read it: its bytes are not
/// read again for their CRC.
fn current_state(
    input: &Path,
    options: &BatchOptions,
    folder: &OutputFolder,
    loaded: &Loaded,
) -> Current {
    let key = crate::files::absolute(input);
    let dependencies = depends_on(input, &options.convert);
    let (others, absent) = files_now(
        &options.convert.files,
        dependencies.get(1..).unwrap_or_default(),
        folder.state.get(&key).as_ref(),
    );
    let story = FileState {
        path: input.to_owned(),
        seen: Some(loaded.seen),
    };
    Current {
        key,
        files: std::iter::once(story).chain(others).collect(),
        absent,
        unchanged: None,
    }
}

/// The book of a story, relative to the output folder, when it is there and made from
/// the story, sidecar, cover and options as they are now.
fn up_to_date_book(
    input: &Path,
    options: &BatchOptions,
    hash: u64,
    folder: &OutputFolder,
) -> Option<Box<str>> {
    if options.force {
        return None;
    }
    let key = crate::files::absolute(input);
    let known = folder.state.get(&key)?;
    if known.options != hash || !options.output.join(&*known.output).is_file() {
        return None;
    }
    let dependencies = depends_on(input, &options.convert);
    let (files, absent) = files_now(&options.convert.files, &dependencies, Some(&known));
    // Without a fixed date the story's own time is in the book too.
    let modified = |files: &[FileState]| files.first().and_then(|f| f.seen).map(|s| s.modified_ns);
    let same_time =
        options.convert.modified.is_some() || modified(&known.files) == modified(&files);
    (known.made_from(&files, absent) && same_time).then(|| known.output.clone())
}

/// Everything besides the files that shapes the books of a run, hashed.
fn options_hash(options: &BatchOptions) -> u64 {
    incremental::options_hash(&format!(
        "{:?}|{:?}|{:?}|{}",
        options.convert, options.export, options.mirror, options.overwrite
    ))
}

/// A loaded story and the name its book will take.
struct Named {
    loaded: Loaded,
    output: PathBuf,
    /// Why the book does not take the name its title gives.
    warning: Option<String>,
}

/// Stories loaded at once: enough to keep every core busy between two groups, few enough
/// that a folder of long stories does not fill memory.
const GROUP_STORIES: usize = 64;
const GROUP_BYTES: u64 = 64 * 1024 * 1024;

/// The inputs in order, cut into groups of at most `stories` stories and, unless a single
/// story is larger, `max_bytes` bytes.
fn load_groups<'a>(
    inputs: &'a [PathBuf],
    files: &Files,
    stories: usize,
    max_bytes: u64,
) -> Vec<&'a [PathBuf]> {
    let mut groups = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, input) in inputs.iter().enumerate() {
        // A file that cannot be read takes no room; loading it reports why.
        let size = files.stat(input).map_or(0, |stat| stat.size);
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
/// repeats, never one of the input files, and never a file ficbind did not write unless
/// `--overwrite` says so.
struct OutputNames<'a> {
    dir: &'a Path,
    canonical_dir: PathBuf,
    extension: &'a str,
    overwrite: bool,
    inputs: HashSet<PathBuf>,
    taken: HashSet<String>,
    /// For each slug, the number to try next: ten thousand stories of one title stay
    /// linear.
    next_number: HashMap<String, usize>,
    mirror: Vec<PathBuf>,
}

impl<'a> OutputNames<'a> {
    /// `inputs`: the stories that could lie in the output folder (those given by name, or
    /// all of them when the output folder is one of the folders walked).
    fn new<'i>(
        inputs: impl IntoIterator<Item = &'i Path>,
        dir: &'a Path,
        extension: &'a str,
        overwrite: bool,
    ) -> Self {
        let canonical_dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
        // Inputs usually share a folder or two: resolve each folder once, not each file.
        // Only the inputs inside the output folder could be taken for a book.
        let mut folders: HashMap<&Path, Option<PathBuf>> = HashMap::new();
        let inputs = inputs
            .into_iter()
            .filter_map(|p| {
                let parent = p.parent().unwrap_or(Path::new(""));
                let folder = folders.entry(parent).or_insert_with(|| {
                    let parent = if parent.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        parent
                    };
                    let folder =
                        std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_owned());
                    folder.starts_with(&canonical_dir).then_some(folder)
                });
                Some(folder.as_ref()?.join(p.file_name()?))
            })
            .collect();
        OutputNames {
            dir,
            canonical_dir,
            extension,
            overwrite,
            inputs,
            taken: HashSet::new(),
            next_number: HashMap::new(),
            mirror: Vec::new(),
        }
    }

    /// Forgets the names given out so far, once no story of their folders is left: a run
    /// of a quarter of a million stories holds the names of a few folders.
    fn forget_taken(&mut self) {
        self.taken.clear();
        self.next_number.clear();
    }

    /// Keeps a name for an unchanged book, given as its path in the output folder.
    fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    fn mirroring(mut self, roots: &[PathBuf]) -> Self {
        self.mirror = roots.to_vec();
        self
    }

    /// The book's path for a story at `input`: in the subfolder that mirrors the story's
    /// own under one of the mirrored roots, if any.
    fn next_for(
        &mut self,
        input: &Path,
        title: &str,
        folder: &OutputFolder,
    ) -> (PathBuf, Option<String>) {
        let subfolder = book_folder(input, &self.mirror);
        let slug = slugify(title);
        match subfolder.is_empty() {
            false => self.next_named(&format!("{subfolder}/{slug}"), folder),
            true => self.next_named(&slug, folder),
        }
    }

    /// The book's path, and a warning when a file ficbind did not write kept it from the
    /// name it would have had.
    #[cfg(test)]
    fn next(&mut self, title: &str, folder: &OutputFolder) -> (PathBuf, Option<String>) {
        self.next_named(&slugify(title), folder)
    }

    /// `slug` may lead with subfolders, `a/b/title`.
    fn next_named(&mut self, slug: &str, folder: &OutputFolder) -> (PathBuf, Option<String>) {
        let slug = slug.to_string();
        let extension = self.extension;
        let mut kept_clear_of = None;
        let mut n = self.next_number.get(&slug).copied().unwrap_or(1);
        loop {
            let name = if n == 1 {
                format!("{slug}.{extension}")
            } else {
                format!("{slug}-{n}.{extension}")
            };
            n += 1;
            if self.taken.contains(&name) || self.inputs.contains(&self.canonical_dir.join(&name)) {
                continue;
            }
            if !self.overwrite && !folder.may_write(&name) {
                kept_clear_of.get_or_insert(name);
                continue;
            }
            // Remembered only for a name that was taken before: a title seen once, as
            // most are, costs no entry.
            if n > 2 {
                self.next_number.insert(slug, n);
            }
            self.taken.insert(name.clone());
            let path = self.dir.join(&name);
            let warning = kept_clear_of.map(|other| {
                format!(
                    "{} was not written by ficbind and is kept; this book is {} \
                     (--overwrite replaces such files)",
                    self.dir.join(other).display(),
                    path.display()
                )
            });
            return (path, warning);
        }
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
        // The report's word count is the one the title page shows.
        let Exported { epub: bytes, words } =
            export(&converted.book, &options.export).map_err(|source| Error::Export {
                path: input.to_owned(),
                source,
            })?;
        let unfinished = write_unfinished(output, |file| file.write_all(&bytes))?;
        Ok((converted, words, unfinished))
    });
    let (converted, words, unfinished) = match result {
        Ok(done) => done,
        Err(error) => return (StoryReport::failed(input, &error), None),
    };
    let book = converted.book;
    let report = StoryReport {
        input: input.to_owned(),
        output: Some(output.to_owned()),
        status: Status::Written,
        warnings: converted.warnings,
        error: None,
        title: Some(book.metadata.title.clone()),
        chapters: book.chapters.len(),
        words,
        notes: book.notes().count(),
        notes_dropped: match options.export.notes {
            NotePlacement::Drop => book.notes().count(),
            _ => 0,
        },
    };
    // Freeing a long book's many small allocations takes a millisecond or so: done on a
    // free core of the pool while this one puts the book on the disk.
    rayon::spawn(move || drop(book));
    (report, Some(unfinished))
}

/// A book written in full to a temporary file, not yet under its name.
#[derive(Debug)]
struct Unfinished {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Unfinished {
    /// Waits until the book is on the disk.
    fn sync(&self) -> Result<(), Error> {
        self.temp
            .as_file()
            .sync_all()
            .map_err(|source| Error::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Gives the book, on the disk, its name.
    fn persist(self) -> Result<(), Error> {
        self.temp.persist(&self.path).map_err(|e| Error::Write {
            path: self.path,
            source: e.error,
        })?;
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
    // A mirrored subfolder is made as its first book is written.
    std::fs::create_dir_all(dir).map_err(write_error)?;
    let mut temp = temporary_in(dir).map_err(write_error)?;
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
        assert_eq!(
            sizes(load_groups(&inputs, &Files::default(), 3, 20)),
            [2, 1, 3, 2]
        );
        assert_eq!(
            sizes(load_groups(&inputs, &Files::default(), 2, 1000)),
            [2, 2, 2, 2]
        );
        assert_eq!(
            sizes(load_groups(&inputs, &Files::default(), 100, 1000)),
            [8]
        );
        assert!(load_groups(&[], &Files::default(), 3, 20).is_empty());
    }

    #[test]
    fn repeated_titles_get_suffixes_in_input_order() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = dir.path().join("out");
        let folder = OutputFolder::open(&out, &[], || {}).expect("it opens");
        let inputs = [
            PathBuf::from("a.txt"),
            PathBuf::from("b.txt"),
            PathBuf::from("c.txt"),
        ];
        let mut names = OutputNames::new(inputs.iter().map(PathBuf::as_path), &out, "epub", false);
        let outputs: Vec<_> = ["Same", "Same", "Other"]
            .iter()
            .map(|title| names.next(title, &folder))
            .collect();
        assert_eq!(
            outputs,
            [
                (out.join("same.epub"), None),
                (out.join("same-2.epub"), None),
                (out.join("other.epub"), None)
            ]
        );
    }

    #[test]
    fn ten_thousand_stories_of_one_title_all_get_a_name() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let folder = OutputFolder::open(dir.path(), &[], || {}).expect("it opens");
        let mut names = OutputNames::new([], dir.path(), "epub", false);
        let outputs: HashSet<PathBuf> =
            (0..10_005).map(|_| names.next("Same", &folder).0).collect();
        assert_eq!(outputs.len(), 10_005);
        assert!(outputs.contains(&dir.path().join("same-10005.epub")));
    }

    #[test]
    fn a_file_of_another_tool_keeps_its_name_unless_overwrite_is_given() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("dune.epub"), "another tool's book").expect("written");
        let folder = OutputFolder::open(dir.path(), &[], || {}).expect("it opens");
        let (path, warning) = OutputNames::new([], dir.path(), "epub", false).next("Dune", &folder);
        assert_eq!(path, dir.path().join("dune-2.epub"));
        let warning = warning.expect("a warning");
        assert!(
            warning.contains("dune.epub was not written by ficbind"),
            "{warning}"
        );
        let (path, warning) = OutputNames::new([], dir.path(), "epub", true).next("Dune", &folder);
        assert_eq!((path, warning), (dir.path().join("dune.epub"), None));
    }
}
