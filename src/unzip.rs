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
use std::io::Read;
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
            8 => {
                let mut bytes = Vec::with_capacity(self.size as usize);
                flate2::read::DeflateDecoder::new(raw.as_slice())
                    .take(self.size + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("its data cannot be inflated ({e})"))?;
                bytes
            }
            method => return Err(format!("it is compressed with method {method}")),
        };
        if bytes.len() as u64 != self.size || crc32fast::hash(&bytes) != self.crc {
            return Err("its data do not match its size and CRC; the archive is damaged".into());
        }
        Ok(bytes)
    }
}

/// An open archive: its path, its file and its members sorted by name.
#[derive(Debug)]
pub struct Archive {
    pub path: PathBuf,
    file: File,
    members: Vec<Member>,
}

impl Archive {
    pub fn open(path: &Path) -> Result<Archive, UnzipError> {
        let file = File::open(path)?;
        let members = members_of(records(&file)?);
        Ok(Archive {
            path: path.to_owned(),
            file,
            members,
        })
    }

    /// Every member, directories left out, sorted by name.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Whether some member lies under the folder `name` (`a/covers`).
    pub fn holds_folder(&self, name: &str) -> bool {
        let prefix = format!("{name}/");
        let first = self.members.partition_point(|m| *m.name < *prefix.as_str());
        self.members
            .get(first)
            .is_some_and(|m| m.name.starts_with(&prefix))
    }

    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members
            .binary_search_by(|m| (*m.name).cmp(name))
            .ok()
            .map(|i| &self.members[i])
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
    let mut directory = Vec::new();
    directory
        .try_reserve_exact(size as usize)
        .map_err(|_| UnzipError::Damaged("its central directory is too large".into()))?;
    directory.resize(size as usize, 0);
    source.read_at(&mut directory, offset)?;
    let truncated = || UnzipError::Damaged("its central directory is cut short".into());
    let mut records = Vec::new();
    let mut at = 0;
    while at + 46 <= directory.len() && u32_at(&directory, at) == 0x0201_4b50 {
        let record = &directory[at..];
        let (time, date) = (u16_at(record, 12), u16_at(record, 14));
        let mut compressed = u64::from(u32_at(record, 20));
        let mut size = u64::from(u32_at(record, 24));
        let name_length = usize::from(u16_at(record, 28));
        let extra_length = usize::from(u16_at(record, 30));
        let comment_length = usize::from(u16_at(record, 32));
        let mut header_offset = u64::from(u32_at(record, 42));
        let record_length = 46 + name_length + extra_length + comment_length;
        if record.len() < record_length {
            return Err(truncated());
        }
        let raw_name = record[46..46 + name_length].to_vec();
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
        records.push(Record {
            raw_name,
            flags: u16_at(record, 8),
            method: u16_at(record, 10),
            crc: u32_at(record, 16),
            compressed,
            size,
            header_offset,
            modified,
        });
        at += record_length;
    }
    Ok((records, offset))
}

/// The members a folder of stories would hold: directories left out, each with the
/// problem that keeps it from being read, sorted by name.
fn members_of((records, directory_offset): (Vec<Record>, u64)) -> Vec<Member> {
    let overlaps = overlapping(&records, directory_offset);
    let mut members = Vec::with_capacity(records.len());
    for (index, mut record) in records.into_iter().enumerate() {
        let (name, mut problem) = member_name(&record.raw_name);
        if name.ends_with('/') || name.is_empty() {
            continue;
        }
        let (method, size, compressed) = (record.method, record.size, record.compressed);
        if problem.is_none() {
            problem = if record.is_encrypted() {
                Some("it is encrypted; ficbind reads only unencrypted members".into())
            } else if method != 0 && method != 8 {
                Some(format!(
                    "it is compressed with method {method}; ficbind reads stored and \
                     deflated members"
                ))
            } else if size > compressed.saturating_mul(MAX_RATIO) && size > 1 << 20 {
                Some(format!(
                    "it claims to inflate {compressed} bytes to {size}, as zip bombs do"
                ))
            } else if overlaps.binary_search(&index).is_ok() {
                Some("its data overlaps another member's, as zip bombs' do".into())
            } else {
                None
            };
        }
        // The name is kept once, as the member's.
        record.raw_name = Vec::new();
        members.push(Member {
            name: name.into(),
            problem: problem.map(String::into_boxed_str),
            size,
            crc: record.crc,
            modified: record.modified,
            record,
        });
    }
    members.sort_by(|a, b| a.name.cmp(&b.name));
    mark_duplicates(&mut members);
    members
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
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by_key(|&i| records[i].header_offset);
    let mut found = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let next = order.get(k + 1).copied();
        let next_offset = next.map_or(directory_offset, |j| records[j].header_offset);
        let record = &records[i];
        let end = record
            .header_offset
            .saturating_add(30 + record.raw_name.len() as u64)
            .saturating_add(record.compressed);
        if end > next_offset {
            found.extend(std::iter::once(i).chain(next));
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// Two members of one name: which is meant cannot be told, so neither is read, and one
/// record stands for both.
fn mark_duplicates(members: &mut Vec<Member>) {
    let mut k = 0;
    while k + 1 < members.len() {
        if members[k].name == members[k + 1].name {
            members[k].problem = Some(
                "the archive holds two members of this name; ficbind cannot tell which \
                 is meant"
                    .into(),
            );
            members.remove(k + 1);
        } else {
            k += 1;
        }
    }
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
            let names: Vec<&str> = archive.members().iter().map(|m| &*m.name).collect();
            assert_eq!(names, ["a.txt", "b/two.txt"]);
            assert!(archive.holds_folder("b"));
            assert!(!archive.holds_folder("a"));
            assert!(!archive.holds_folder("covers"));
            let member = archive.member("b/two.txt").expect("found");
            assert_eq!(archive.read(member, 1000).expect("read"), b"second story");
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
        assert!(archive.read(member, 4999).is_err());
        assert_eq!(archive.read(member, 5000).expect("read").len(), 5000);
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
                .and_then(|m| m.problem.as_deref())
                .map(str::to_owned)
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
        assert!(archive.read(member, u64::MAX).is_err());
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
