//! The zip container of a book: `mimetype` first and stored, every other file deflated.
//!
//! Compression is most of the cost of a book, so pages are compressed one by one as they
//! are rendered, on every core (`deflate`, called by the export stage), and only put in
//! order here. Entries have a fixed date, so books stay byte-identical.

use libdeflater::{CompressionLvl, Compressor};
use std::cell::RefCell;

/// 1980-01-01 00:00, the earliest date a zip can hold, in MS-DOS form.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// One file of the archive, ready to be written.
pub struct Entry {
    name: String,
    /// Deflated, or stored as is.
    deflated: bool,
    crc: u32,
    size: u32,
    /// The size of `data`, kept once the data has been written out.
    packed: u32,
    data: Vec<u8>,
}

/// libdeflate's level 1. Compression is the largest cost of a build: level 1 takes about
/// 40% less time than level 2 for books about 3.5% larger, which, since pages are
/// rendered and compressed on every core, takes a tenth off a long book's build
/// (docs/performance.md, "Rendering on every core").
const LEVEL: i32 = 1;

/// The files of a book in the order they were added.
#[derive(Default)]
pub struct Archive {
    entries: Vec<Entry>,
}

impl Archive {
    /// Adds a file kept as it is, such as an image that is compressed already.
    pub fn store(&mut self, name: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        self.entries.push(stored(name.to_string(), bytes)?);
        Ok(())
    }

    /// Adds a file, deflated here.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.entries.push(deflate(name.to_string(), bytes)?);
        Ok(())
    }

    /// Adds a file deflated elsewhere.
    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// The zip, with the files in the order they were added.
    pub fn finish(self) -> std::io::Result<Vec<u8>> {
        write_zip(self.entries)
    }
}

/// An entry kept as it is, such as an image that is compressed already.
fn stored(name: String, data: Vec<u8>) -> std::io::Result<Entry> {
    let size = u32::try_from(data.len())
        .map_err(|_| std::io::Error::other(format!("{name} is larger than 4 GB")))?;
    Ok(Entry {
        crc: crc32fast::hash(&data),
        size,
        packed: size,
        deflated: false,
        data,
        name,
    })
}

/// Files smaller than this are stored: deflating them saves a few bytes at best.
const STORE_BELOW: usize = 256;

/// A file deflated, or stored when it is too small for that to pay.
pub fn deflate(name: String, bytes: &[u8]) -> std::io::Result<Entry> {
    if bytes.len() < STORE_BELOW {
        return stored(name, bytes.to_vec());
    }
    let size = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::other(format!("{name} is larger than 4 GB")))?;
    // A compressor's tables are made once per thread, and its output goes to a buffer the
    // thread keeps: each entry then takes only the bytes it needs.
    thread_local! {
        static COMPRESSOR: RefCell<(Compressor, Vec<u8>)> = RefCell::new((
            Compressor::new(CompressionLvl::new(LEVEL).unwrap_or_default()),
            Vec::new(),
        ));
    }
    let data = COMPRESSOR.with(|cell| {
        let (compressor, out) = &mut *cell.borrow_mut();
        out.resize(compressor.deflate_compress_bound(bytes.len()), 0);
        let packed = compressor
            .deflate_compress(bytes, out)
            .map_err(|error| std::io::Error::other(format!("{name}: {error:?}")))?;
        Ok::<_, std::io::Error>(out[..packed].to_vec())
    })?;
    Ok(Entry {
        crc: crc32fast::hash(bytes),
        size,
        packed: u32::try_from(data.len())
            .map_err(|_| std::io::Error::other(format!("{name} is larger than 4 GB")))?,
        data,
        deflated: true,
        name,
    })
}

/// Writes local headers and data, then the central directory. Each entry's data is freed
/// as soon as it is copied, so the book is held about once. No entry or offset of a book
/// comes near the 4 GB that would need ZIP64.
fn write_zip(entries: Vec<Entry>) -> std::io::Result<Vec<u8>> {
    let too_big = || std::io::Error::other("the book is larger than 4 GB");
    let total: usize = entries
        .iter()
        .map(|e| e.data.len() + 2 * e.name.len() + 76)
        .sum::<usize>()
        + 22;
    let mut out = Vec::with_capacity(total);
    let mut directory = Vec::with_capacity(entries.len());
    for mut entry in entries {
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header_fields(&mut out, &entry)?;
        out.extend_from_slice(&0u16.to_le_bytes()); // no extra field
        out.extend_from_slice(entry.name.as_bytes());
        out.extend_from_slice(&entry.data);
        // The directory needs the sizes, not the data.
        entry.data = Vec::new();
        directory.push((entry, offset));
    }
    let directory_start = u32::try_from(out.len()).map_err(|_| too_big())?;
    for (entry, offset) in &directory {
        out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // made by: version 2.0
        header_fields(&mut out, entry)?;
        for _ in 0..4 {
            // extra field, comment, disk number, internal attributes
            out.extend_from_slice(&0u16.to_le_bytes());
        }
        out.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(entry.name.as_bytes());
    }
    let directory_size = u32::try_from(out.len()).map_err(|_| too_big())? - directory_start;
    let count = u16::try_from(directory.len()).map_err(|_| too_big())?;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // this disk
    out.extend_from_slice(&0u16.to_le_bytes()); // disk of the directory
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&directory_size.to_le_bytes());
    out.extend_from_slice(&directory_start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // no comment
    Ok(out)
}

/// The fields local and central headers share, from "version needed" to the name length.
fn header_fields(out: &mut Vec<u8>, entry: &Entry) -> std::io::Result<()> {
    let packed = entry.packed;
    let name_length = u16::try_from(entry.name.len())
        .map_err(|_| std::io::Error::other("a file name is too long"))?;
    // Names are ASCII, which needs no UTF-8 flag.
    let flags: u16 = if entry.name.is_ascii() { 0 } else { 1 << 11 };
    let method: u16 = if entry.deflated { 8 } else { 0 };
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&method.to_le_bytes());
    out.extend_from_slice(&DOS_TIME.to_le_bytes());
    out.extend_from_slice(&DOS_DATE.to_le_bytes());
    out.extend_from_slice(&entry.crc.to_le_bytes());
    out.extend_from_slice(&packed.to_le_bytes());
    out.extend_from_slice(&entry.size.to_le_bytes());
    out.extend_from_slice(&name_length.to_le_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_zip_crate_reads_it_back() {
        let mut archive = Archive::default();
        archive
            .store("mimetype", b"application/epub+zip".to_vec())
            .expect("stored");
        for n in 0..20 {
            let text = format!("<p>page {n}</p>").repeat(500 * n + 1);
            if n % 2 == 0 {
                archive
                    .add(&format!("OEBPS/page-{n}.xhtml"), text.as_bytes())
                    .expect("the file is added");
            } else {
                let name = format!("OEBPS/page-{n}.xhtml");
                archive.push(deflate(name, text.as_bytes()).expect("deflated"));
            }
        }
        let bytes = archive.finish().expect("the archive is written");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("a zip");
        assert_eq!(zip.len(), 21);
        let mut first = zip.by_index(0).expect("the first entry");
        assert_eq!(first.name().expect("a name"), "mimetype");
        assert_eq!(first.compression(), zip::CompressionMethod::Stored);
        let mut text = String::new();
        first.read_to_string(&mut text).expect("it reads");
        assert_eq!(text, "application/epub+zip");
        drop(first);
        for n in 0..20 {
            let mut page = zip.by_index(n + 1).expect("an entry");
            assert_eq!(
                page.name().expect("a name"),
                format!("OEBPS/page-{n}.xhtml")
            );
            let mut text = String::new();
            page.read_to_string(&mut text).expect("it decompresses");
            assert_eq!(text, format!("<p>page {n}</p>").repeat(500 * n + 1));
        }
    }
}
