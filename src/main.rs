//! The `ficbind` command line: a thin layer over the library.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use ficbind::batch::{self, BatchOptions, Status, StoryReport};
use ficbind::book::Book;
use ficbind::check;
use ficbind::convert::{self, Options};
use ficbind::export::{ExportOptions, Format, NotePlacement, ParagraphStyle};
use ficbind::normalize::{Report, Rule, Rules};
use ficbind::read::ParseOptions;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ficbind",
    version,
    about = "Turn raw story text into polished, valid EPUB books"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert stories into EPUB books (with no paths: stories/ into books/)
    Build(BuildArgs),
    /// Show what the parser found in a story and what normalization changed
    Inspect(InspectArgs),
    /// Check built books (from any tool) for what a reading system needs
    Check(CheckArgs),
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one page per command into a folder
    Man {
        /// Folder for ficbind.1, ficbind-build.1 and the others
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Args)]
struct BuildArgs {
    #[arg(help = story_paths_help())]
    paths: Vec<PathBuf>,
    /// Folder the books are written to
    #[arg(short, long, default_value = "books")]
    output: PathBuf,
    /// Stories converted at once (default: two per core, so that one can wait for the disk while the other works; one per core when fewer stories are given)
    #[arg(short, long, default_value_t = 0)]
    jobs: usize,
    /// Book title (only when converting a single story)
    #[arg(long)]
    title: Option<String>,
    /// Author name; give it once for each author of a book written by several
    #[arg(long)]
    author: Vec<String>,
    /// Language as a BCP 47 tag, such as en or pt-BR
    #[arg(long)]
    language: Option<String>,
    /// Print a machine-readable JSON report on standard output
    #[arg(long, conflicts_with = "json_lines")]
    json: bool,
    /// Print one JSON record per story on standard output as each finishes, then a
    /// summary record: the report of a run of any size, never held in memory
    #[arg(long)]
    json_lines: bool,
    /// Rebuild every book, even those whose story, sidecar, cover and options have not
    /// changed since they were made
    #[arg(long)]
    force: bool,
    /// Take stories from subfolders too; each book goes into the same subfolder of the
    /// output folder
    #[arg(short, long)]
    recursive: bool,
    /// Convert only share K of N (such as 2/4), for running one archive on N machines:
    /// stories are shared out by the folder their books go to, and the N shares together
    /// write exactly the books of one run (docs/scale.md)
    #[arg(long, value_name = "K/N")]
    shard: Option<batch::Shard>,
    /// Replace files in the output folder that ficbind did not write (by default such a
    /// file is kept and the book takes the next free name)
    #[arg(long)]
    overwrite: bool,
    /// Folder of cover images named after the stories (default: covers/ here, in each
    /// story's folder and beside it)
    #[arg(long, value_name = "DIR")]
    covers: Option<PathBuf>,
    /// Leave books without a cover of their own coverless instead of drawing one
    #[arg(long)]
    no_generated_cover: bool,
    /// Kind of book to write
    #[arg(long, value_parser = choice(&Format::ALL, Format::name, Format::description), default_value = Format::default().name())]
    format: Format,
    /// How paragraphs are set apart
    #[arg(long, value_parser = choice(&ParagraphStyle::ALL, ParagraphStyle::name, ParagraphStyle::description), default_value = ParagraphStyle::default().name())]
    paragraphs: ParagraphStyle,
    /// Where author's notes go
    #[arg(long, value_parser = choice(&NotePlacement::ALL, NotePlacement::name, NotePlacement::description), default_value = NotePlacement::default().name())]
    notes: NotePlacement,
    #[command(flatten)]
    text: TextArgs,
}

#[derive(Args)]
struct InspectArgs {
    /// The story file
    file: PathBuf,
    /// Print the findings as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    text: TextArgs,
}

#[derive(Args)]
struct CheckArgs {
    /// Books, or folders whose .epub files are checked
    #[arg(required = true)]
    books: Vec<PathBuf>,
    /// Do not run EPUBCheck even when it is found
    #[arg(long)]
    no_epubcheck: bool,
    /// EPUBCheck's jar (default: $EPUBCHECK_JAR, else the jar of the Python `epubcheck`
    /// package, else an `epubcheck` command on the PATH)
    #[arg(long, value_name = "JAR")]
    epubcheck: Option<PathBuf>,
    /// Print the problems as JSON: for each book, each problem's code, severity, file,
    /// line and message
    #[arg(long)]
    json: bool,
}

/// Options for reading and normalizing story text.
#[derive(Args)]
struct TextArgs {
    /// Switch off a typography rule; repeat for several
    #[arg(long = "no-rule", value_name = "RULE", value_parser = choice(&Rule::ALL, Rule::name, Rule::description))]
    no_rule: Vec<Rule>,
    /// Keep a short untitled last segment as a chapter instead of reading it as a note
    #[arg(long)]
    no_trailing_note: bool,
}

impl TextArgs {
    /// The options, or what is wrong with the environment they come from.
    fn options(&self) -> Result<Options, String> {
        Ok(Options {
            rules: Rules::without(&self.no_rule),
            parse: ParseOptions {
                trailing_note: !self.no_trailing_note,
                ..ParseOptions::default()
            },
            modified: convert::source_date_epoch()?,
            ..Options::default()
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => build(args),
        Command::Inspect(args) => inspect(args),
        Command::Check(args) => check(args),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "ficbind", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir } => man(dir),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // Library errors already name their cause; the alternate form would repeat it.
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}

/// What is wrong with the metadata given on the command line, if anything: such values
/// go into every book, so they are checked before any story is read.
fn check_metadata_args(args: &BuildArgs) -> Result<(), String> {
    let authors = args.author.iter().map(|author| ("--author", Some(author)));
    let others = [("--title", &args.title), ("--language", &args.language)];
    for (flag, value) in authors.chain(others.into_iter().map(|(f, v)| (f, v.as_ref()))) {
        if value.is_some_and(|v| ficbind::sidecar::clean_line(v).is_empty()) {
            return Err(format!(
                "{flag} is empty; give a value or leave the option out"
            ));
        }
    }
    if let Some(language) = &args.language {
        ficbind::sidecar::check_language(language.trim())
            .map_err(|message| format!("--language: {message}"))?;
    }
    Ok(())
}

fn build(args: BuildArgs) -> Result<ExitCode> {
    let text_options = match check_metadata_args(&args).and_then(|()| args.text.options()) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("stories")]
    } else {
        args.paths.clone()
    };
    let found = match batch::collect_inputs_in(&paths, args.recursive, Some(&args.output)) {
        Ok(found) => found,
        Err(error) => return Ok(input_error(error)),
    };
    let mirror: Vec<PathBuf> = if args.recursive {
        paths.iter().filter(|p| p.is_dir()).cloned().collect()
    } else {
        Vec::new()
    }
    .into_iter()
    .chain(found.archive_roots())
    .collect();
    // Counted in a first pass, which lists folders and keeps nothing: the stories are
    // found again, folder by folder, as they are converted.
    let (mut all, mut taken) = (0, 0);
    for story in found.stories() {
        match story {
            Ok(story) => {
                all += 1;
                taken += usize::from(args.shard.is_none_or(|s| s.takes_story(&story, &mirror)));
            }
            Err(error) => return Ok(input_error(error)),
        }
    }
    if all == 0 {
        let extensions: Vec<String> = ficbind::read::story_extensions()
            .map(|e| format!(".{e}"))
            .collect();
        eprintln!(
            "error: no stories found in {}; stories are {} files",
            display_list(&paths),
            extensions.join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    if args.title.is_some() && all > 1 {
        eprintln!("error: --title names one book, but {all} stories were given");
        return Ok(ExitCode::from(2));
    }
    if let (Some(shard), true) = (args.shard, taken < all) {
        eprintln!(
            "note: share {}/{} takes {taken} of the {all} stories",
            shard.index, shard.count,
        );
    }
    let options = BatchOptions {
        output: args.output.clone(),
        jobs: args.jobs,
        overwrite: args.overwrite,
        force: args.force,
        shard: args.shard,
        mirror,
        convert: Options {
            title: args.title.clone(),
            authors: args.author.clone(),
            language: args.language.clone(),
            covers: args.covers.clone(),
            no_generated_cover: args.no_generated_cover,
            files: found.files.clone(),
            ..text_options
        },
        export: ExportOptions {
            format: args.format,
            paragraphs: args.paragraphs,
            notes: args.notes,
        },
    };
    let machine_readable = args.json || args.json_lines;
    let progress = Progress::new(taken, machine_readable);
    if args.jobs > batch::max_jobs() {
        eprintln!(
            "note: --jobs {} is more than this machine can use; converting {} stories at once",
            args.jobs,
            batch::max_jobs()
        );
    }
    let summary = std::sync::Mutex::new(Summary::default());
    let kept = std::sync::Mutex::new(Vec::new());
    let write_error = std::sync::Mutex::new(None);
    batch::build_each(
        &found,
        &options,
        || {
            eprintln!(
                "waiting for another ficbind run writing into {} to finish",
                options.output.display()
            )
        },
        |report| {
            progress.story_done(&report);
            if let Ok(mut summary) = summary.lock() {
                summary.add(&report);
            }
            if args.json_lines {
                let mut out = std::io::stdout().lock();
                let written = serde_json::to_writer(&mut out, &report)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(out));
                if let (Err(error), Ok(mut slot)) = (written, write_error.lock()) {
                    slot.get_or_insert(error);
                }
            } else if args.json {
                if let Ok(mut kept) = kept.lock() {
                    kept.push(report);
                }
            }
        },
    );
    progress.finish();
    if let Some(error) = write_error.into_inner().ok().flatten() {
        return Err(error.into());
    }
    let summary = summary.into_inner().unwrap_or_default();
    if args.json_lines {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &serde_json::json!({ "summary": &summary }))?;
        writeln!(out)?;
    } else if args.json {
        let reports = kept.into_inner().unwrap_or_default();
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        serde_json::to_writer_pretty(
            &mut out,
            &JsonReport {
                summary: &summary,
                stories: &reports,
            },
        )?;
        writeln!(out)?;
    } else {
        if summary.notes_dropped > 0 {
            eprintln!(
                "{} left out (--notes drop)",
                plural(summary.notes_dropped, "author's note")
            );
        }
        let unchanged = match summary.unchanged {
            0 => String::new(),
            n => format!(", {n} unchanged"),
        };
        eprintln!(
            "{} written{unchanged}, {}, {} failed",
            plural(summary.written, "book"),
            plural(summary.warnings, "warning"),
            summary.failed
        );
    }
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The message for paths that cannot be read as stories, and the exit code for it.
fn input_error(error: ficbind::error::Error) -> ExitCode {
    match error {
        ficbind::error::Error::Read { .. } => {
            eprintln!("error: {error}; give story files or folders that exist")
        }
        error => eprintln!("error: {error}"),
    }
    ExitCode::from(2)
}

/// A line per story on standard error, with a progress bar below them on a terminal.
struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(stories: usize, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(stories as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40} {pos}/{len} stories  {per_sec}  {elapsed} so far, about {eta} left",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, quiet }
    }

    fn story_done(&self, report: &StoryReport) {
        if self.quiet {
            return;
        }
        let mut lines = Vec::new();
        match report.status {
            Status::Written => {
                let output = report.output.as_deref().unwrap_or(report.input.as_path());
                lines.push(format!(
                    "wrote {} ({}, {})",
                    output.display(),
                    plural(report.chapters, "chapter"),
                    plural(report.words, "word")
                ));
                for warning in &report.warnings {
                    lines.push(format!("warning: {}: {warning}", report.input.display()));
                }
            }
            // Unchanged books are counted in the summary, not listed.
            Status::Unchanged => {}
            Status::Failed => {
                let error = report.error.as_deref().unwrap_or("unknown failure");
                lines.push(format!("error: {error}"));
            }
        }
        for line in lines {
            match &self.bar {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[derive(Serialize, Default)]
struct Summary {
    written: usize,
    unchanged: usize,
    failed: usize,
    warnings: usize,
    notes_dropped: usize,
}

impl Summary {
    fn add(&mut self, report: &StoryReport) {
        match report.status {
            Status::Written => self.written += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::Failed => self.failed += 1,
        }
        self.warnings += report.warnings.len();
        self.notes_dropped += report.notes_dropped;
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    summary: &'a Summary,
    stories: &'a [StoryReport],
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let mut books = Vec::new();
    for path in &args.books {
        if std::fs::symlink_metadata(path).is_err() {
            eprintln!(
                "error: {} does not exist; give books or folders that exist",
                path.display()
            );
            return Ok(ExitCode::from(2));
        }
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("{}: cannot list the folder", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| {
                    !p.is_dir()
                        && p.extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case("epub"))
                })
                .collect();
            found.sort();
            books.extend(found);
        } else {
            books.push(path.clone());
        }
    }
    if books.is_empty() {
        eprintln!(
            "error: no books found in {}; books are .epub files",
            display_list(&args.books)
        );
        return Ok(ExitCode::from(2));
    }
    let epubcheck = if args.no_epubcheck {
        None
    } else {
        let found = check::find_epubcheck(args.epubcheck.as_deref());
        if found.is_none() {
            eprintln!(
                "note: EPUBCheck was not found, so only ficbind's own checks ran; set \
                 EPUBCHECK_JAR or pass --epubcheck JAR to run it too"
            );
        }
        found
    };
    let mut stdout = std::io::stdout().lock();
    let mut with_problems = 0;
    let mut report = Vec::new();
    for book in &books {
        let mut lines = Vec::new();
        let mut problems = Vec::new();
        let mut epubcheck_findings = Vec::new();
        match check::check_file(book) {
            Err(error) => lines.push(format!("cannot read the book: {error}")),
            Ok(found) => {
                let refused = found.iter().any(|p| p.refused());
                lines.extend(found.iter().map(ToString::to_string));
                // EPUBCheck would unpack what was refused as unsafe, and expand the
                // entities a hostile book declares.
                let safe = !refused
                    && std::fs::read(book).is_ok_and(|bytes| check::safe_for_epubcheck(&bytes));
                if let Some(epubcheck) = &epubcheck {
                    if safe {
                        match check::run_epubcheck(epubcheck, book) {
                            Ok(findings) => epubcheck_findings = findings,
                            Err(error) => epubcheck_findings.push(error.to_string()),
                        }
                    } else {
                        lines.push(
                            "note: EPUBCheck was not run on this book, which ficbind's checks \
                             found unsafe to unpack or to expand"
                                .to_string(),
                        );
                    }
                }
                lines.extend(epubcheck_findings.iter().cloned());
                problems = found;
            }
        }
        if !lines.is_empty() {
            with_problems += 1;
        }
        if args.json {
            report.push(CheckedBook {
                book: book.display().to_string(),
                problems,
                epubcheck: epubcheck_findings,
                error: lines
                    .first()
                    .filter(|l| l.starts_with("cannot read"))
                    .cloned(),
            });
        } else {
            for line in lines {
                writeln!(stdout, "{}: {line}", book.display())?;
            }
        }
    }
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &report)?;
        writeln!(stdout)?;
    }
    let clean = books.len() - with_problems;
    eprintln!(
        "{} checked: {clean} clean, {with_problems} with problems",
        plural(books.len(), "book")
    );
    Ok(if with_problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One book in `ficbind check --json`.
#[derive(Serialize)]
struct CheckedBook {
    book: String,
    problems: Vec<check::Problem>,
    epubcheck: Vec<String>,
    error: Option<String>,
}

fn man(dir: Option<PathBuf>) -> Result<ExitCode> {
    let command = <Cli as clap::CommandFactory>::command();
    let Some(dir) = dir else {
        clap_mangen::Man::new(command).render(&mut std::io::stdout().lock())?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let mut pages = vec![command.clone()];
    pages.extend(
        command
            .get_subcommands()
            .filter(|sub| sub.get_name() != "help")
            .map(|sub| sub.clone().name(format!("ficbind-{}", sub.get_name()))),
    );
    for page in pages {
        let path = dir.join(format!("{}.1", page.get_name()));
        let mut bytes = Vec::new();
        clap_mangen::Man::new(page).render(&mut bytes)?;
        std::fs::write(&path, bytes)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn inspect(args: InspectArgs) -> Result<ExitCode> {
    let options = match args.text.options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let converted = convert::convert(&args.file, &options)?;
    if args.json {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        serde_json::to_writer_pretty(
            &mut out,
            &Inspection {
                file: &args.file,
                reader: converted.format.name(),
                layout: converted.layout,
                warnings: &converted.warnings,
                book: &converted.book,
                typography: &converted.report,
            },
        )?;
        writeln!(out)?;
    } else {
        let read_as = match converted.layout {
            Some(layout) => format!("{} ({layout})", converted.format.name()),
            None => converted.format.name().to_string(),
        };
        let text = inspection_text(
            &args.file,
            &read_as,
            &converted.book,
            &converted.report,
            &converted.warnings,
        );
        std::io::stdout()
            .write_all(text.as_bytes())
            .context("cannot write to standard output")?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Inspection<'a> {
    file: &'a std::path::Path,
    reader: &'static str,
    layout: Option<&'static str>,
    warnings: &'a [String],
    book: &'a Book,
    typography: &'a Report,
}

fn inspection_text(
    file: &std::path::Path,
    read_as: &str,
    book: &Book,
    report: &Report,
    warnings: &[String],
) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "File:        {}", file.display());
    let _ = writeln!(out, "Read as:     {read_as}");
    for warning in warnings {
        let _ = writeln!(out, "Warning:     {warning}");
    }
    let _ = writeln!(out, "Title:       {}", book.metadata.title);
    let _ = writeln!(
        out,
        "Author:      {}",
        book.metadata.byline().as_deref().unwrap_or("(none)")
    );
    if let Some(series) = &book.metadata.series {
        let index = series.index.map(|i| format!(" #{i}")).unwrap_or_default();
        let _ = writeln!(out, "Series:      {}{index}", series.name);
    }
    for kind in ficbind::book::TagKind::ALL {
        let names: Vec<&str> = book
            .metadata
            .tags
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.name.as_str())
            .collect();
        if !names.is_empty() {
            let label = format!("{}:", kind.label());
            let _ = writeln!(out, "{label:<12} {}", names.join(", "));
        }
    }
    if let Some(cover) = &book.metadata.cover {
        let origin = if cover.generated {
            "generated"
        } else {
            "supplied"
        };
        let _ = writeln!(
            out,
            "Cover:       {origin}, {} {}×{}",
            cover.kind.extension().to_uppercase(),
            cover.width,
            cover.height
        );
    }
    let _ = writeln!(out, "Words:       {}", book.word_count());
    let _ = writeln!(
        out,
        "Description: {}",
        plural(book.description.len(), "paragraph")
    );
    for paragraph in &book.description {
        let _ = writeln!(out, "  {}", excerpt(&paragraph.plain_text(), 100));
    }
    let _ = writeln!(out, "Chapters:    {}", book.chapters.len());
    for (i, chapter) in book.chapters.iter().enumerate() {
        let untitled = if chapter.titled { "" } else { " (untitled)" };
        let _ = writeln!(
            out,
            "  {:>3}. {}{untitled}: {}, {}",
            i + 1,
            chapter.title,
            plural(chapter.word_count(), "word"),
            plural(chapter.scene_breaks(), "scene break")
        );
    }
    let breaks: usize = book.chapters.iter().map(|c| c.scene_breaks()).sum();
    let _ = writeln!(out, "Scene breaks: {breaks}");
    let _ = writeln!(out, "Notes:       {}", book.notes().count());
    for (chapter, note) in book.notes() {
        let first = note
            .paragraphs
            .first()
            .map(|p| p.plain_text())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  chapter {} ({}), from the {}: {}: {}",
            chapter + 1,
            book.chapters[chapter].title,
            note.origin.describe(),
            plural(note.word_count(), "word"),
            excerpt(&first, 60)
        );
    }
    let _ = writeln!(out, "Typography changes: {}", report.counts.total());
    for rule in Rule::ALL {
        let _ = writeln!(out, "  {:<15} {}", rule.name(), report.counts.get(rule));
    }
    let _ = writeln!(out, "Ambiguous quotes: {}", report.ambiguous.len());
    for ambiguous in &report.ambiguous {
        let _ = writeln!(out, "  {}: {}", ambiguous.place, ambiguous.context);
    }
    out
}

/// The help for `build`'s paths, with the extensions the readers take.
fn story_paths_help() -> String {
    let extensions: Vec<String> = ficbind::read::story_extensions()
        .map(|e| format!(".{e}"))
        .collect();
    format!(
        "Story files, or folders whose story files ({}) are converted",
        extensions.join(", ")
    )
}

/// A command-line value chosen from one of the library's tables (formats, rules…), with
/// the names and help the library gives, so that a new entry there needs no change here.
fn choice<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
    help: fn(T) -> &'static str,
) -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        all.iter()
            .map(|&t| PossibleValue::new(name(t)).help(help(t))),
    )
    .map(move |chosen: String| {
        // clap has already refused any name not in the table.
        all.iter()
            .copied()
            .find(|&t| name(t) == chosen)
            .unwrap_or(all[0])
    })
}

fn excerpt(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max_chars).collect();
        format!("{}…", cut.trim_end())
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn display_list(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}
