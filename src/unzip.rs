//! Reading a zip archive of stories: its central directory as it is written, and one
//! member at a time, with the guards a hostile archive needs.
//!
//! The zip crate reads books for `check`; stories are read here instead because an
//! archive of a quarter of a million stories must cost little more than its names in
//! memory (a record of about a hundred bytes a member), be read from many threads at once
//! without reopening it, and keep what the zip crate smooths over: two members of one
//! name, members whose data overlap, names that leave the archive.

use chrono::{DateTime, NaiveDate, Utc};
use std::fs::File;
use std::path::{Path, PathBuf};

/// A member whose inflated size is more than this many times its compressed size, and
/// more than a megabyte, is refused as a bomb: stories compress tenfold at most, and
/// deflate cannot pass about a thousandfold, so a bomb is in the gap between.
const MAX_RATIO: u64 = 100;

/// Why an archive or a member could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UnzipError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is not a zip archive that can be read: {0}")]
    Damaged(String),
}

/// One member, as its central-directory record describes it.
#[derive(Debug, Clone)]
pub struct Member {
    /// The name, relative and `/`-separated; for a member whose own name is unsafe, a
    /// safe rendering of it, and `problem` says why it is not read.
    pub name: Box<str>,
    pub problem: Option<Box<str>>,
    pub size: u64,
    pub crc: u32,
    pub modified: Option<DateTime<Utc>>,
    pub record: Record,
}

/// Bytes that can be read at any offset from many threads at once: a file, or a book
/// held in memory.
pub trait Source {
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()>;
    fn length(&self) -> std::io::Result<u64>;
}

impl Source for File {
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
        read_at(self, buffer, offset)
    }

    fn length(&self) -> std::io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

impl Source for [u8] {
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| eof())?;
        let end = start.checked_add(buffer.len()).ok_or_else(eof)?;
        buffer.copy_from_slice(self.get(start..end).ok_or_else(eof)?);
        Ok(())
    }

    fn length(&self) -> std::io::Result<u64> {
        Ok(self.len() as u64)
    }
}

fn eof() -> std::io::Error {
    std::io::ErrorKind::UnexpectedEof.into()
}

/// One central-directory record, as it is written.
#[derive(Debug, Clone)]
pub struct Record {
    pub raw_name: Vec<u8>,
    pub flags: u16,
    pub method: u16,
    pub crc: u32,
    pub compressed: u64,
    pub size: u64,
    pub header_offset: u64,
    pub modified: Option<DateTime<Utc>>,
}

impl Record {
    /// The name as UTF-8, when it is.
    pub fn name(&self) -> Option<&str> {
        std::str::from_utf8(&self.raw_name).ok()
    }

    pub fn is_encrypted(&self) -> bool {
        self.flags & 1 == 1
    }

    /// Where the member's data start, and the length of its local header's extra field.
    pub fn data_start(&self, source: &(impl Source + ?Sized)) -> Result<(u64, u16), String> {
        let mut header = [0u8; 30];
        source
            .read_at(&mut header, self.header_offset)
            .map_err(damaged)?;
        if u32_at(&header, 0) != 0x0403_4b50 {
            return Err("its local header is missing; the archive is damaged".into());
        }
        let extra = u16_at(&header, 28);
        let start = self.header_offset + 30 + u64::from(u16_at(&header, 26)) + u64::from(extra);
        Ok((start, extra))
    }

    /// The member's bytes, inflated and checked against its size and CRC. More than
    /// `limit` bytes are never inflated, whatever the archive claims.
    pub fn read(&self, source: &(impl Source + ?Sized), limit: u64) -> Result<Vec<u8>, String> {
        if self.is_encrypted() {
            return Err("it is encrypted".into());
        }
        if self.size > limit {
            return Err(format!("it inflates to {} bytes", self.size));
        }
        let (data_start, _) = self.data_start(source)?;
        let compressed = usize::try_from(self.compressed).map_err(|_| "too large")?;
        let mut raw = Vec::new();
        raw.try_reserve_exact(compressed)
            .map_err(|_| "not enough memory to read it".to_string())?;
        raw.resize(compressed, 0);
        source.read_at(&mut raw, data_start).map_err(damaged)?;
        let bytes = match self.method {
            0 => raw,
            8 => match inflate(&raw, self.size as usize) {
                Ok(bytes) => bytes,
                // Caught below, as any other size that does not match.
                Err(InflateError::TooLong) => Vec::new(),
                Err(InflateError::Damaged) => {
                    return Err("its data cannot be inflated (its deflate data is damaged)".into())
                }
            },
            method => return Err(format!("it is compressed with method {method}")),
        };
        if bytes.len() as u64 != self.size || crc32fast::hash(&bytes) != self.crc {
            return Err("its data do not match its size and CRC; the archive is damaged".into());
        }
        Ok(bytes)
    }
}

/// Why deflated data could not be inflated into the size its archive gives.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InflateError {
    /// It inflates to more bytes than that.
    TooLong,
    /// It is not valid deflate data.
    Damaged,
}

/// Raw deflate data inflated, by libdeflate in one call, into at most `size` bytes (what
/// the archive's header says it holds): more is an error before anything past `size` is
/// written, fewer are returned for the caller's size and CRC check.
pub(crate) fn inflate(packed: &[u8], size: usize) -> Result<Vec<u8>, InflateError> {
    thread_local! {
        static DECOMPRESSOR: std::cell::RefCell<libdeflater::Decompressor> =
            std::cell::RefCell::new(libdeflater::Decompressor::new());
    }
    let mut bytes = vec![0; size];
    let inflated = DECOMPRESSOR.with(|d| d.borrow_mut().deflate_decompress(packed, &mut bytes));
    match inflated {
        Ok(length) => {
            bytes.truncate(length);
            Ok(bytes)
        }
        Err(libdeflater::DecompressionError::InsufficientSpace) => Err(InflateError::TooLong),
        Err(libdeflater::DecompressionError::BadData) => Err(InflateError::Damaged),
    }
}

/// An open archive of stories. Its central directory is read once, checked and indexed,
/// and not kept: a member's record is read again from the file when it is needed, so that
/// an archive of a quarter of a million stories costs twelve bytes a member in memory.
#[derive(Debug)]
pub struct Archive {
    pub path: PathBuf,
    file: File,
    /// Where the central directory starts in the file, and its length.
    directory: (u64, u64),
    /// The members (directories left out; one of two records of one name), by where
    /// their records start in the directory, in the order a folder walk takes files:
    /// a folder's files by name, then its subfolders by name.
    in_walk_order: Vec<u32>,
    /// For each member, the 32-bit hash of its name, then where its record starts, as one
    /// number, sorted: the members by name.
    by_name: Vec<u64>,
    /// The folders that hold members, hashed.
    folders: std::collections::HashSet<u64>,
    /// The members that are not read, and why, by where their records start.
    problems: std::collections::HashMap<u32, Box<str>>,
}

impl Archive {
    pub fn open(path: &Path) -> Result<Archive, UnzipError> {
        let file = File::open(path)?;
        let (directory_offset, size) = directory_span(&file)?;
        if size > u64::from(u32::MAX) {
            return Err(UnzipError::Damaged(
                "its central directory is larger than 4 GiB".into(),
            ));
        }
        let directory = read_directory(&file, directory_offset, size)?;
        let mut members: Vec<u32> = Vec::new();
        let mut spans: Vec<(u64, u64)> = Vec::new();
        let mut span_records: Vec<u32> = Vec::new();
        let mut problems = std::collections::HashMap::new();
        let mut at = 0;
        while let Some((record, raw_name, length)) = record_at(&directory, at)? {
            let here = at as u32;
            at += length;
            spans.push(record.span(raw_name.len()));
            span_records.push(here);
            let (name, problem) = member_name(raw_name);
            if name.ends_with('/') || name.is_empty() {
                continue;
            }
            if let Some(problem) = problem.or_else(|| record.problem()) {
                problems.insert(here, problem.into_boxed_str());
            }
            members.push(here);
        }
        for index in overlaps(&spans, directory_offset) {
            problems
                .entry(span_records[index])
                .or_insert_with(|| "its data overlaps another member's, as zip bombs' do".into());
        }
        drop(spans);
        drop(span_records);
        let name_at = |at: u32| display_name(raw_name_at(&directory, at as usize));
        let mut by_name: Vec<u64> = members
            .iter()
            .map(|&at| u64::from(short_hash(&name_at(at))) << 32 | u64::from(at))
            .collect();
        by_name.sort_unstable();
        // Two members of one name: which is meant cannot be told, so neither is read, and
        // the first record stands for both.
        let mut repeated = std::collections::HashSet::new();
        for (i, &slot) in by_name.iter().enumerate() {
            for &later in by_name[i + 1..]
                .iter()
                .take_while(|&&l| l >> 32 == slot >> 32)
            {
                let (first, second) = (slot as u32, later as u32);
                if repeated.contains(&first) || name_at(first) != name_at(second) {
                    continue;
                }
                repeated.insert(second);
                problems.insert(
                    first,
                    "the archive holds two members of this name; ficbind cannot tell which \
                     is meant"
                        .into(),
                );
            }
        }
        if !repeated.is_empty() {
            by_name.retain(|&slot| !repeated.contains(&(slot as u32)));
            members.retain(|at| !repeated.contains(at));
        }
        let mut folders = std::collections::HashSet::new();
        for &at in &members {
            let name = name_at(at);
            for (end, _) in name.match_indices('/') {
                folders.insert(crate::incremental::stable_hash(&name[..end]));
            }
        }
        members.sort_by(|&a, &b| walk_order(&name_at(a), &name_at(b)));
        members.shrink_to_fit();
        by_name.shrink_to_fit();
        Ok(Archive {
            path: path.to_owned(),
            file,
            directory: (directory_offset, size),
            in_walk_order: members,
            by_name,
            folders,
            problems,
        })
    }

    /// Every member's name, directories left out, in the order a folder walk would list
    /// them unpacked.
    pub fn names_in_walk_order(&self) -> impl Iterator<Item = String> + '_ {
        self.in_walk_order
            .iter()
            .filter_map(|&at| self.member_at(at).map(|member| member.name.into()))
    }

    /// Every member, directories left out, in walk order.
    pub fn members(&self) -> Vec<Member> {
        self.in_walk_order
            .iter()
            .filter_map(|&at| self.member_at(at))
            .collect()
    }

    /// Whether some member lies under the folder `name` (`a/covers`).
    pub fn holds_folder(&self, name: &str) -> bool {
        self.folders
            .contains(&crate::incremental::stable_hash(name.trim_end_matches('/')))
    }

    pub fn member(&self, name: &str) -> Option<Member> {
        let hash = u64::from(short_hash(name)) << 32;
        let first = self.by_name.partition_point(|&slot| slot < hash);
        self.by_name[first..]
            .iter()
            .take_while(|&&slot| slot & !0xFFFF_FFFF == hash)
            .filter_map(|&slot| self.member_at(slot as u32))
            .find(|member| &*member.name == name)
    }

    /// The member whose record starts at `at` in the directory, read again from the file.
    fn member_at(&self, at: u32) -> Option<Member> {
        let (offset, size) = self.directory;
        let start = offset + u64::from(at);
        let available = size - u64::from(at).min(size);
        let mut bytes = vec![0u8; available.min(46 + 1024) as usize];
        self.file.read_at(&mut bytes, start).ok()?;
        if bytes.len() >= 46 {
            let whole = 46
                + usize::from(u16_at(&bytes, 28))
                + usize::from(u16_at(&bytes, 30))
                + usize::from(u16_at(&bytes, 32));
            if whole > bytes.len() && whole as u64 <= available {
                bytes.resize(whole, 0);
                self.file.read_at(&mut bytes, start).ok()?;
            }
        }
        let (record, raw_name, _) = record_at(&bytes, 0).ok()??;
        Some(Member {
            name: display_name(raw_name).into(),
            problem: self.problems.get(&at).cloned(),
            size: record.size,
            crc: record.crc,
            modified: record.modified,
            record,
        })
    }

    /// The member's bytes, inflated and checked against its CRC. More than `limit` bytes
    /// are never inflated, whatever the archive claims.
    pub fn read(&self, member: &Member, limit: u64) -> Result<Vec<u8>, String> {
        if let Some(problem) = &member.problem {
            return Err(problem.to_string());
        }
        member.record.read(&self.file, limit)
    }
}

/// The order a folder walk gives files, by their `/`-separated paths: within a folder,
/// its files by name, then each subfolder's files, subfolders in order of name.
fn walk_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a_folder, a_file) = a.rsplit_once('/').unwrap_or(("", a));
    let (b_folder, b_file) = b.rsplit_once('/').unwrap_or(("", b));
    let mut a_parts = a_folder.split('/').filter(|part| !part.is_empty());
    let mut b_parts = b_folder.split('/').filter(|part| !part.is_empty());
    loop {
        match (a_parts.next(), b_parts.next()) {
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Equal => continue,
                unequal => return unequal,
            },
            (None, None) => return a_file.cmp(b_file),
            // A folder's own files come before its subfolders'.
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
        }
    }
}

fn short_hash(name: &str) -> u32 {
    let hash = crate::incremental::stable_hash(name);
    (hash >> 32) as u32 ^ hash as u32
}

fn damaged(error: std::io::Error) -> String {
    format!("it cannot be read from the archive ({error})")
}

#[cfg(unix)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buffer: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buffer.is_empty() {
        match file.seek_read(buffer, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buffer = &mut buffer[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Where the central directory is and how long it is, from the end-of-directory records.
fn directory_span(source: &(impl Source + ?Sized)) -> Result<(u64, u64), UnzipError> {
    let length = source.length()?;
    let not_zip = || UnzipError::Damaged("no end-of-directory record".into());
    // The end record is 22 bytes and a comment of up to 65,535 follows it.
    let tail_length = length.min(22 + 65_535);
    let tail_start = length - tail_length;
    let mut tail = vec![0u8; tail_length as usize];
    source.read_at(&mut tail, tail_start)?;
    let end = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(&tail, i) == 0x0605_4b50)
        .ok_or_else(not_zip)?;
    let mut size = u64::from(u32_at(&tail, end + 12));
    let mut offset = u64::from(u32_at(&tail, end + 16));
    // A ZIP64 locator sits just before the end record when the sizes did not fit.
    if end >= 20 && u32_at(&tail, end - 20) == 0x0706_4b50 {
        let record_offset = u64_at(&tail, end - 12);
        let mut record = [0u8; 56];
        source.read_at(&mut record, record_offset)?;
        if u32_at(&record, 0) != 0x0606_4b50 {
            return Err(UnzipError::Damaged(
                "the ZIP64 end record is missing".into(),
            ));
        }
        size = u64_at(&record, 40);
        offset = u64_at(&record, 48);
    }
    if offset.checked_add(size).is_none_or(|end| end > length) {
        return Err(UnzipError::Damaged(
            "its central directory lies outside the file".into(),
        ));
    }
    Ok((offset, size))
}

/// The central directory's records in the order they are written, duplicates and all,
/// and where the directory starts.
pub fn records(source: &(impl Source + ?Sized)) -> Result<(Vec<Record>, u64), UnzipError> {
    let (offset, size) = directory_span(source)?;
    let directory = read_directory(source, offset, size)?;
    let mut records = Vec::new();
    let mut at = 0;
    while let Some((mut record, raw_name, length)) = record_at(&directory, at)? {
        record.raw_name = raw_name.to_vec();
        records.push(record);
        at += length;
    }
    Ok((records, offset))
}

fn read_directory(
    source: &(impl Source + ?Sized),
    offset: u64,
    size: u64,
) -> Result<Vec<u8>, UnzipError> {
    let mut directory = Vec::new();
    directory
        .try_reserve_exact(size as usize)
        .map_err(|_| UnzipError::Damaged("its central directory is too large".into()))?;
    directory.resize(size as usize, 0);
    source.read_at(&mut directory, offset)?;
    Ok(directory)
}

/// A record read from a central directory: the record (its name left empty), its name as
/// written, and its length.
type RecordAt<'a> = (Record, &'a [u8], usize);

/// The record starting at `at` in a central directory (its name left empty), its name as
/// written and its length; `None` past the last record.
fn record_at(directory: &[u8], at: usize) -> Result<Option<RecordAt<'_>>, UnzipError> {
    let Some(record) = directory.get(at..).filter(|r| r.len() >= 46) else {
        return Ok(None);
    };
    if u32_at(record, 0) != 0x0201_4b50 {
        return Ok(None);
    }
    let (time, date) = (u16_at(record, 12), u16_at(record, 14));
    let mut compressed = u64::from(u32_at(record, 20));
    let mut size = u64::from(u32_at(record, 24));
    let name_length = usize::from(u16_at(record, 28));
    let extra_length = usize::from(u16_at(record, 30));
    let comment_length = usize::from(u16_at(record, 32));
    let mut header_offset = u64::from(u32_at(record, 42));
    let record_length = 46 + name_length + extra_length + comment_length;
    if record.len() < record_length {
        return Err(UnzipError::Damaged(
            "its central directory is cut short".into(),
        ));
    }
    let raw_name = &record[46..46 + name_length];
    let extra = &record[46 + name_length..46 + name_length + extra_length];
    let mut modified = dos_time(date, time);
    for (id, field) in extra_fields(extra) {
        match id {
            // ZIP64: the 8-byte values of the fields that were set to all ones.
            0x0001 => {
                let mut values = field.chunks_exact(8).map(|c| u64_at(c, 0));
                for slot in [&mut size, &mut compressed, &mut header_offset] {
                    if *slot == 0xFFFF_FFFF {
                        if let Some(value) = values.next() {
                            *slot = value;
                        }
                    }
                }
            }
            // Extended timestamp: the modification time in Unix seconds.
            0x5455 if field.len() >= 5 && field[0] & 1 == 1 => {
                let seconds = u32_at(field, 1);
                modified = DateTime::from_timestamp(i64::from(seconds), 0).or(modified);
            }
            _ => {}
        }
    }
    let record = Record {
        raw_name: Vec::new(),
        flags: u16_at(record, 8),
        method: u16_at(record, 10),
        crc: u32_at(record, 16),
        compressed,
        size,
        header_offset,
        modified,
    };
    Ok(Some((record, raw_name, record_length)))
}

/// The name of the record starting at `at`, as written, without reading the rest.
fn raw_name_at(directory: &[u8], at: usize) -> &[u8] {
    let Some(record) = directory.get(at..).filter(|r| r.len() >= 46) else {
        return &[];
    };
    let length = usize::from(u16_at(record, 28));
    record.get(46..46 + length).unwrap_or_default()
}

impl Record {
    /// The bytes of the file its member takes, local header included, as far as the
    /// central directory tells: from its local header to the end of its data.
    fn span(&self, name_length: usize) -> (u64, u64) {
        let end = self
            .header_offset
            .saturating_add(30 + name_length as u64)
            .saturating_add(self.compressed);
        (self.header_offset, end)
    }

    /// Why a member of a safe name is not read, from its record alone.
    fn problem(&self) -> Option<String> {
        let (method, size, compressed) = (self.method, self.size, self.compressed);
        if self.is_encrypted() {
            Some("it is encrypted; ficbind reads only unencrypted members".into())
        } else if method != 0 && method != 8 {
            Some(format!(
                "it is compressed with method {method}; ficbind reads stored and deflated \
                 members"
            ))
        } else if size > compressed.saturating_mul(MAX_RATIO) && size > 1 << 20 {
            Some(format!(
                "it claims to inflate {compressed} bytes to {size}, as zip bombs do"
            ))
        } else {
            None
        }
    }
}

fn extra_fields(mut extra: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if extra.len() < 4 {
            return None;
        }
        let id = u16_at(extra, 0);
        let length = usize::from(u16_at(extra, 2)).min(extra.len() - 4);
        let field = &extra[4..4 + length];
        extra = &extra[4 + length..];
        Some((id, field))
    })
}

/// The member's name as a relative path, and why it is not read when its own name is
/// not UTF-8 or would leave the archive (`../`, `/etc`, `C:`, `\`).
fn member_name(raw: &[u8]) -> (String, Option<String>) {
    let Ok(name) = std::str::from_utf8(raw) else {
        let lossy = String::from_utf8_lossy(raw);
        return (
            safe_rendering(&lossy),
            Some(format!(
                "its name {lossy:?} is not UTF-8; re-create the archive with UTF-8 names"
            )),
        );
    };
    if crate::check::is_safe_name(name) {
        return (name.to_string(), None);
    }
    (
        safe_rendering(name),
        Some(format!(
            "its name {name:?} leaves the archive's folder; ficbind reads only members \
             inside it"
        )),
    )
}

/// The name a member is known by: its own when it is UTF-8 and stays inside the
/// archive, a safe rendering of it otherwise.
fn display_name(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(name) if crate::check::is_safe_name(name) => name.into(),
        _ => member_name(raw).0.into(),
    }
}

/// A name that stays inside the archive, for reporting a member whose own name does not.
fn safe_rendering(name: &str) -> String {
    let parts: Vec<&str> = name
        .split(['/', '\\'])
        .filter(|part| !matches!(*part, "" | "." | ".."))
        .collect();
    let joined = parts.join("/").replace(['\0', ':'], "_");
    if name.ends_with('/') {
        format!("{joined}/")
    } else {
        joined
    }
}

/// The records whose data run into the next record's, by index: the trick of bombs that
/// share one compressed body among thousands of names. Both sides of an overlap count.
pub fn overlapping(records: &[Record], directory_offset: u64) -> Vec<usize> {
    let spans: Vec<(u64, u64)> = records.iter().map(|r| r.span(r.raw_name.len())).collect();
    overlaps(&spans, directory_offset)
}

/// As [`overlapping`], for the spans of the records (`Record::span`).
fn overlaps(spans: &[(u64, u64)], directory_offset: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| spans[i].0);
    let mut found = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let next = order.get(k + 1).copied();
        let next_offset = next.map_or(directory_offset, |j| spans[j].0);
        if spans[i].1 > next_offset {
            found.extend(std::iter::once(i).chain(next));
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

fn dos_time(date: u16, time: u16) -> Option<DateTime<Utc>> {
    let day = NaiveDate::from_ymd_opt(
        1980 + i32::from(date >> 9),
        u32::from((date >> 5) & 0xF),
        u32::from(date & 0x1F),
    )?;
    let moment = day.and_hms_opt(
        u32::from(time >> 11),
        u32::from((time >> 5) & 0x3F),
        2 * u32::from(time & 0x1F),
    )?;
    Some(moment.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn archive(
        entries: &[(&str, &[u8])],
        method: zip::CompressionMethod,
    ) -> tempfile::NamedTempFile {
        hostile_archive(entries, method, &[])
    }

    /// An archive written by the zip crate, then with some names rewritten in its bytes:
    /// the zip crate refuses to write the names hostile archives hold.
    fn hostile_archive(
        entries: &[(&str, &[u8])],
        method: zip::CompressionMethod,
        renames: &[(&str, &str)],
    ) -> tempfile::NamedTempFile {
        let mut bytes = Vec::new();
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, data) in entries {
            zip.start_file(*name, options).expect("a member");
            zip.write_all(data).expect("written");
        }
        zip.finish().expect("finished");
        for (from, to) in renames {
            assert_eq!(from.len(), to.len(), "a rename keeps the length");
            let mut at = 0;
            while let Some(found) = bytes[at..]
                .windows(from.len())
                .position(|w| w == from.as_bytes())
            {
                let start = at + found;
                bytes[start..start + to.len()].copy_from_slice(to.as_bytes());
                at = start + to.len();
            }
        }
        let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
        file.write_all(&bytes).expect("written");
        file
    }

    #[test]
    fn reads_stored_and_deflated_members_by_name() {
        for method in [
            zip::CompressionMethod::Stored,
            zip::CompressionMethod::Deflated,
        ] {
            let file = archive(
                &[("b/two.txt", b"second story"), ("a.txt", b"first story")],
                method,
            );
            let archive = Archive::open(file.path()).expect("opened");
            let names: Vec<String> = archive.names_in_walk_order().collect();
            assert_eq!(names, ["a.txt", "b/two.txt"]);
            assert!(archive.holds_folder("b"));
            assert!(!archive.holds_folder("a"));
            assert!(!archive.holds_folder("covers"));
            let member = archive.member("b/two.txt").expect("found");
            assert_eq!(archive.read(&member, 1000).expect("read"), b"second story");
            assert!(archive.member("c.txt").is_none());
        }
    }

    #[test]
    fn never_inflates_past_the_limit() {
        let file = archive(
            &[("a.txt", &[b'a'; 5000])],
            zip::CompressionMethod::Deflated,
        );
        let archive = Archive::open(file.path()).expect("opened");
        let member = archive.member("a.txt").expect("found");
        assert!(archive.read(&member, 4999).is_err());
        assert_eq!(archive.read(&member, 5000).expect("read").len(), 5000);
    }

    #[test]
    fn unsafe_and_repeated_names_are_kept_with_their_problem() {
        let file = hostile_archive(
            &[
                ("up/evil.txt", b"x"),
                ("xetc/x.txt", b"x"),
                ("twice.txt", b"one"),
                ("twicE.txt", b"two"),
                ("fine.txt", b"fine"),
            ],
            zip::CompressionMethod::Stored,
            &[
                ("up/evil", "../evil"),
                ("xetc/", "/etc/"),
                ("twicE", "twice"),
            ],
        );
        let archive = Archive::open(file.path()).expect("opened");
        let problem = |name: &str| {
            archive
                .member(name)
                .and_then(|m| m.problem)
                .map(String::from)
        };
        assert!(problem("evil.txt").expect("kept").contains("leaves"));
        assert!(problem("etc/x.txt").expect("kept").contains("leaves"));
        assert!(problem("twice.txt").expect("kept").contains("two members"));
        assert_eq!(problem("fine.txt"), None);
        assert_eq!(archive.members().len(), 4);
    }

    #[test]
    fn a_bomb_is_refused_before_it_is_inflated() {
        let zeros = vec![0u8; 4 << 20];
        let file = archive(&[("bomb.txt", &zeros)], zip::CompressionMethod::Deflated);
        let archive = Archive::open(file.path()).expect("opened");
        let member = archive.member("bomb.txt").expect("kept");
        assert!(member
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("zip bombs")));
        assert!(archive.read(&member, u64::MAX).is_err());
    }

    #[test]
    fn members_sharing_data_are_refused() {
        let file = archive(
            &[("a.txt", b"shared data"), ("b.txt", b"other data!")],
            zip::CompressionMethod::Stored,
        );
        let mut bytes = std::fs::read(file.path()).expect("read");
        // b's central record is made to point at a's local header.
        let records: Vec<usize> = (0..bytes.len() - 4)
            .filter(|&i| bytes[i..i + 4] == [0x50, 0x4b, 0x01, 0x02])
            .collect();
        let a_offset = bytes[records[0] + 42..records[0] + 46].to_vec();
        bytes[records[1] + 42..records[1] + 46].copy_from_slice(&a_offset);
        std::fs::write(file.path(), &bytes).expect("written");
        let archive = Archive::open(file.path()).expect("opened");
        let overlapping = archive
            .members()
            .iter()
            .filter(|m| m.problem.as_deref().is_some_and(|p| p.contains("overlaps")))
            .count();
        assert_eq!(overlapping, 2);
    }

    #[test]
    fn a_file_that_is_not_a_zip_is_refused() {
        let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
        file.write_all(b"just some text, not an archive")
            .expect("written");
        assert!(matches!(
            Archive::open(file.path()),
            Err(UnzipError::Damaged(_))
        ));
    }

    #[test]
    fn dos_times_read_as_dates() {
        // 2024-03-05 10:20:30
        let date = ((2024 - 1980) << 9) | (3 << 5) | 5;
        let time = (10 << 11) | (20 << 5) | 15;
        assert_eq!(
            dos_time(date, time).map(|d| d.to_rfc3339()),
            Some("2024-03-05T10:20:30+00:00".to_string())
        );
        assert_eq!(dos_time(0, 0), None);
    }
}
