//! Cover images: reading a supplied one and checking it is what it claims, or drawing one
//! from the title and author.

use crate::book::{Cover, Image, ImageKind};
use crate::files::{Files, Limit};
use std::path::{Path, PathBuf};

/// The format a file name claims.
fn kind_from_extension(extension: &str) -> Option<ImageKind> {
    match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => Some(ImageKind::Jpeg),
        "png" => Some(ImageKind::Png),
        "gif" => Some(ImageKind::Gif),
        "webp" => Some(ImageKind::Webp),
        _ => None,
    }
}

/// The format the bytes really are, from their signature.
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageKind::Gif)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageKind::Webp)
    } else {
        None
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoverError {
    #[error("cover {}: cannot read it: {source}", path.display())]
    Read {
        path: PathBuf,
        source: crate::files::FileError,
    },
    #[error("cover {}: the file is not a JPEG, PNG, GIF or WebP image; replace it or remove it", path.display())]
    NotAnImage { path: PathBuf },
    #[error("cover {}: the name says {} but the file is a {} image; rename it to .{}", path.display(), claimed.extension(), actual.extension(), actual.extension())]
    WrongExtension {
        path: PathBuf,
        claimed: ImageKind,
        actual: ImageKind,
    },
    #[error("cover {}: cannot read the image's size; the file may be damaged", path.display())]
    Damaged { path: PathBuf },
    #[error("cover {}: the image is {width} × {height} pixels, more than an e-reader can decode; save it at most {MAX_SIDE} pixels a side (1600 × 2400 is plenty)", path.display())]
    TooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
    },
    #[error("cover {}: the image is cut short or damaged ({problem}); save it again or replace it", path.display())]
    Incomplete {
        path: PathBuf,
        problem: &'static str,
    },
    #[error("could not draw a cover: {0}")]
    Drawing(String),
}

/// What a cover image may weigh.
const COVER_LIMIT: Limit = Limit {
    bytes: 32 * 1024 * 1024,
    what: "a cover",
    advice: "save it smaller (a cover of 1600 × 2400 pixels is plenty)",
};

/// Reads a supplied cover and checks that the file is the image its name says.
pub fn read_cover(path: &Path, files: &Files) -> Result<Cover, CoverError> {
    let bytes = files
        .read(path, COVER_LIMIT)
        .map_err(|source| CoverError::Read {
            path: path.to_owned(),
            source,
        })?;
    let kind = sniff(&bytes).ok_or_else(|| CoverError::NotAnImage {
        path: path.to_owned(),
    })?;
    let claimed = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(kind_from_extension);
    if let Some(claimed) = claimed.filter(|&c| c != kind) {
        return Err(CoverError::WrongExtension {
            path: path.to_owned(),
            claimed,
            actual: kind,
        });
    }
    picture_cover(bytes, kind, path)
}

/// The picture a story file carries as its cover, such as an EPUB's own; `path` names
/// it in errors.
pub fn embedded_cover(bytes: Vec<u8>, path: &Path) -> Result<Cover, CoverError> {
    let kind = sniff(&bytes).ok_or_else(|| CoverError::NotAnImage {
        path: path.to_owned(),
    })?;
    picture_cover(bytes, kind, path)
}

/// A cover of a picture whose kind is known: its size read, and the picture checked whole.
fn picture_cover(bytes: Vec<u8>, kind: ImageKind, path: &Path) -> Result<Cover, CoverError> {
    let size = imagesize::blob_size(&bytes).map_err(|_| CoverError::Damaged {
        path: path.to_owned(),
    })?;
    let (width, height) = (u32::try_from(size.width), u32::try_from(size.height));
    let (Ok(width), Ok(height)) = (width, height) else {
        return Err(CoverError::Damaged {
            path: path.to_owned(),
        });
    };
    if width == 0 || height == 0 {
        return Err(CoverError::Damaged {
            path: path.to_owned(),
        });
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(CoverError::TooLarge {
            path: path.to_owned(),
            width,
            height,
        });
    }
    whole(kind, &bytes).map_err(|problem| CoverError::Incomplete {
        path: path.to_owned(),
        problem,
    })?;
    Ok(Cover {
        bytes,
        kind,
        width,
        height,
        generated: false,
    })
}

/// Checks a picture found in a story: a JPEG, PNG or GIF image (the formats every EPUB
/// reader shows), whole, and of a size a reader can decode.
pub fn checked_picture(bytes: Vec<u8>) -> Result<Image, &'static str> {
    let kind = match sniff(&bytes) {
        Some(ImageKind::Webp) => {
            return Err("it is a WebP image, which EPUB 2 readers cannot show")
        }
        Some(kind) => kind,
        None => return Err("it is not a JPEG, PNG or GIF image"),
    };
    let size = imagesize::blob_size(&bytes).map_err(|_| "its size cannot be read")?;
    let (Ok(width), Ok(height)) = (u32::try_from(size.width), u32::try_from(size.height)) else {
        return Err("its size cannot be read");
    };
    if width == 0 || height == 0 {
        return Err("its size cannot be read");
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err("it is larger than an e-reader can decode");
    }
    whole(kind, &bytes)?;
    Ok(Image {
        bytes,
        kind,
        width,
        height,
    })
}

/// The largest cover side, and area, ficbind accepts: a reader decodes the whole picture
/// into memory, four bytes a pixel.
const MAX_SIDE: u32 = 10_000;
const MAX_PIXELS: u64 = 40_000_000;

/// Whether the image is all there: a truncated file still has its header, and its size,
/// but shows as a broken or half-grey picture. PNG is decoded in full, row by row (its
/// checksums catch damage too); the other formats must end as their structure says.
fn whole(kind: ImageKind, bytes: &[u8]) -> Result<(), &'static str> {
    match kind {
        ImageKind::Png => {
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
            let mut reader = decoder
                .read_info()
                .map_err(|_| "its header cannot be read")?;
            while reader
                .next_row()
                .map_err(|_| "its picture data cannot be decoded")?
                .is_some()
            {}
            reader
                .finish()
                .map_err(|_| "it ends before its last chunk")?;
            Ok(())
        }
        ImageKind::Jpeg => jpeg_is_whole(bytes),
        ImageKind::Gif => match bytes.last() {
            Some(0x3B) => Ok(()),
            _ => Err("it ends before the GIF trailer"),
        },
        ImageKind::Webp => {
            let declared = bytes
                .get(4..8)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
                .ok_or("its RIFF header is cut short")?;
            if u64::from(declared) + 8 <= bytes.len() as u64 {
                Ok(())
            } else {
                Err("it is shorter than its RIFF header says")
            }
        }
    }
}

/// A JPEG is whole when its segments lead to the picture data and an end-of-image marker
/// follows it.
fn jpeg_is_whole(bytes: &[u8]) -> Result<(), &'static str> {
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return Err("its segments are cut short");
        };
        let length = bytes
            .get(at + 2..at + 4)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or("its segments are cut short")?;
        if marker == 0xDA {
            // The picture data: it must be followed by the end-of-image marker.
            let data = bytes
                .get(at + 2 + length..)
                .ok_or("its picture data is missing")?;
            return match memchr::memmem::rfind(data, &[0xFF, 0xD9]) {
                Some(_) => Ok(()),
                None => Err("it ends before the end of its picture data"),
            };
        }
        at += 2 + length;
    }
}

/// `<dir>/<stem>.jpg|jpeg|png|gif|webp`, the first that exists.
pub fn find_cover(dir: &Path, stem: &str, files: &Files) -> Option<PathBuf> {
    // Most stories have no covers folder: one look at the folder, not one per name.
    if !files.may_hold(dir) {
        return None;
    }
    ["jpg", "jpeg", "png", "gif", "webp"]
        .iter()
        .map(|extension| dir.join(format!("{stem}.{extension}")))
        .find(|path| files.is_file(path))
}

/// The drawn cover's size in pixels: 2:3, and within calibre's largest cover (1650 × 2200),
/// because calibre rescales a larger palette picture into a noisy JPEG of over a megabyte
/// when it makes a MOBI, where this one stays near 60 KB.
const WIDTH: u32 = 1400;
const HEIGHT: u32 = 2100;
/// The text is laid out in units of a 1600 × 2400 page, scaled to `WIDTH` × `HEIGHT`.
const DESIGN: (u32, u32) = (1600, 2400);

/// A drawn cover's colours: a plain ground, a frame of metal, and the inks of the title and
/// the author.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scheme {
    ground: [u8; 3],
    frame: [u8; 3],
    title: [u8; 3],
    author: [u8; 3],
}

/// The designs a cover is drawn in, one chosen by its title: dark grounds of the colours
/// bookbinders use for cloth (navy, forest, oxblood, plum, slate, teal) under a gold,
/// brass or copper frame, with light inks that stay readable (a test holds each to
/// WCAG's contrast ratios).
const SCHEMES: [Scheme; 6] = [
    Scheme {
        ground: [0x1f, 0x2a, 0x44],
        frame: [0xc9, 0xa9, 0x6e],
        title: [0xf4, 0xec, 0xd8],
        author: [0xe0, 0xd3, 0xb8],
    },
    Scheme {
        ground: [0x1b, 0x36, 0x2b],
        frame: [0xc8, 0xb0, 0x6a],
        title: [0xf3, 0xee, 0xdc],
        author: [0xdc, 0xd6, 0xbe],
    },
    Scheme {
        ground: [0x4a, 0x16, 0x1c],
        frame: [0xd9, 0xb3, 0x82],
        title: [0xfa, 0xf0, 0xe0],
        author: [0xe8, 0xd6, 0xc0],
    },
    Scheme {
        ground: [0x33, 0x1d, 0x3c],
        frame: [0xc9, 0xb0, 0x8a],
        title: [0xf6, 0xee, 0xf4],
        author: [0xe2, 0xd5, 0xe0],
    },
    Scheme {
        ground: [0x2b, 0x31, 0x37],
        frame: [0xc4, 0x85, 0x55],
        title: [0xf2, 0xee, 0xe8],
        author: [0xdc, 0xd4, 0xca],
    },
    Scheme {
        ground: [0x12, 0x3a, 0x43],
        frame: [0xd4, 0xb8, 0x78],
        title: [0xf1, 0xf4, 0xf0],
        author: [0xd6, 0xe0, 0xdc],
    },
];

/// The design of a title's cover: the same title always gets the same one, and a shelf
/// of books gets a mix. FNV-1a, written out so that it stays the same from one build to
/// the next.
fn scheme_for(title: &str) -> &'static Scheme {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in title.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    &SCHEMES[(hash % SCHEMES.len() as u64) as usize]
}

/// Shades of each ink over the ground, for the edges of letters: with the ground and the
/// gold they fill a 256-colour palette.
const SHADES: u8 = 127;

/// Draws a cover: the title, wrapped, and the author, in DejaVu Serif inside a frame, in
/// one of a few designs chosen by the title.
///
/// The picture is a palette PNG, one byte a pixel. Only the text is drawn for each book:
/// the frame is the same on every cover, and the text goes onto it as shades of its ink,
/// so a cover costs a few milliseconds even in a folder of thousands.
pub fn generate_cover(title: &str, author: Option<&str>) -> Result<Cover, CoverError> {
    thread_local! {
        /// The frame, and the picture being made; fresh 3 MB buffers for every book cost
        /// more in page faults than the drawing.
        static CANVAS: std::cell::RefCell<Canvas> = std::cell::RefCell::new(Canvas::default());
    }
    let bytes = CANVAS.with(|canvas| {
        let mut canvas = canvas.borrow_mut();
        canvas.start();
        let (title_svg, author_svg) = text_svgs(title, author.unwrap_or_default());
        canvas.draw_text(&title_svg, Ink::Title)?;
        // A book without an author has no author line, not "Unknown".
        if author.is_some() {
            canvas.draw_text(&author_svg, Ink::Author)?;
        }
        canvas.encode(scheme_for(title))
    })?;
    Ok(Cover {
        bytes,
        kind: ImageKind::Png,
        width: WIDTH,
        height: HEIGHT,
        generated: true,
    })
}

#[derive(Clone, Copy)]
enum Ink {
    Title = 0,
    Author = 1,
}

/// Palette indices: the ground, the gold, then `SHADES` shades of each ink.
const GROUND_INDEX: u8 = 0;
const GOLD_INDEX: u8 = 1;

/// For each ink, the palette index of each coverage from 0 to 255, rounded to the nearest
/// shade; 0 where the coverage is too faint to show, which leaves the frame as it is.
const SHADE_INDICES: [[u8; 256]; 2] = {
    let mut table = [[0; 256]; 2];
    let mut ink = 0;
    while ink < 2 {
        let mut coverage = 0;
        while coverage < 256 {
            let shade = (coverage * SHADES as usize + 127) / 255;
            if shade > 0 {
                table[ink][coverage] = (2 + ink * SHADES as usize + shade - 1) as u8;
            }
            coverage += 1;
        }
        ink += 1;
    }
    table
};

/// The picture's colours: the frame is drawn in palette indices, so a cover's design is
/// its palette alone.
fn palette(scheme: &Scheme) -> Vec<u8> {
    let mut palette = Vec::with_capacity(256 * 3);
    palette.extend_from_slice(&scheme.ground);
    palette.extend_from_slice(&scheme.frame);
    for ink in [scheme.title, scheme.author] {
        for shade in 1..=u16::from(SHADES) {
            for (&ground, &ink) in scheme.ground.iter().zip(&ink) {
                let mixed = (u16::from(ground) * (u16::from(SHADES) - shade)
                    + u16::from(ink) * shade
                    + u16::from(SHADES) / 2)
                    / u16::from(SHADES);
                palette.push(u8::try_from(mixed).unwrap_or(u8::MAX));
            }
        }
    }
    palette
}

#[derive(Default)]
struct Canvas {
    /// The frame on the ground, as palette indices, drawn once.
    frame: Vec<u8>,
    /// The cover being made, as palette indices.
    picture: Vec<u8>,
    /// Premultiplied RGBA of the band of rows the text being drawn covers.
    band: Vec<u8>,
    /// Rows of `picture` the last cover's text was drawn on, as index ranges.
    dirty: Vec<std::ops::Range<usize>>,
    /// Filtered rows of the band being compressed.
    filtered: Vec<u8>,
    compressor: Option<flate2::Compress>,
}

impl Canvas {
    /// Makes the picture the bare frame again: the first time by copying it, then by
    /// putting back the rows the last cover's text was drawn on.
    fn start(&mut self) {
        if self.frame.is_empty() {
            self.frame = frame();
            self.picture = self.frame.clone();
        }
        for rows in self.dirty.drain(..) {
            self.picture[rows.clone()].copy_from_slice(&self.frame[rows]);
        }
    }

    /// Draws text (an SVG holding only text) in `ink`: resvg draws it on
    /// a transparent band just tall enough, and each pixel it covers becomes a shade.
    fn draw_text(&mut self, svg: &str, ink: Ink) -> Result<(), CoverError> {
        use resvg::{tiny_skia, usvg};
        use std::sync::{Arc, LazyLock};

        // Loading the fonts costs more than drawing; do it once per process.
        static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
            let mut fonts = usvg::fontdb::Database::new();
            fonts.load_font_data(dejavu::serif::bold().to_vec());
            fonts.load_font_data(dejavu::serif::italic().to_vec());
            Arc::new(fonts)
        });
        let options = usvg::Options {
            fontdb: FONTS.clone(),
            ..usvg::Options::default()
        };
        let tree =
            usvg::Tree::from_str(svg, &options).map_err(|e| CoverError::Drawing(e.to_string()))?;
        let bounds = tree.root().abs_stroke_bounding_box();
        // A row of margin for anti-aliasing; nothing outside the picture.
        let top = (bounds.top().floor() - 1.0).clamp(0.0, HEIGHT as f32) as u32;
        let bottom = (bounds.bottom().ceil() + 1.0).clamp(0.0, HEIGHT as f32) as u32;
        if bottom <= top || bounds.width() <= 0.0 {
            return Ok(());
        }
        let rows = bottom - top;
        let width = WIDTH as usize;
        self.band.clear();
        self.band.resize(width * rows as usize * 4, 0);
        let mut band = tiny_skia::PixmapMut::from_bytes(&mut self.band, WIDTH, rows)
            .ok_or_else(|| CoverError::Drawing("no room for the text".to_string()))?;
        resvg::render(
            &tree,
            tiny_skia::Transform::from_translate(0.0, -(top as f32)),
            &mut band,
        );
        let rows = top as usize * width..bottom as usize * width;
        let shades = &SHADE_INDICES[ink as usize];
        // Four pixels at a time: most of the band is bare.
        for (pixels, rgba) in self.picture[rows.clone()]
            .chunks_exact_mut(4)
            .zip(self.band.chunks_exact(16))
        {
            if rgba.iter().all(|&b| b == 0) {
                continue;
            }
            for (pixel, rgba) in pixels.iter_mut().zip(rgba.chunks_exact(4)) {
                let index = shades[usize::from(rgba[3])];
                if index != 0 {
                    *pixel = index;
                }
            }
        }
        self.dirty.push(rows);
        Ok(())
    }

    /// A palette PNG. Most of the picture is the bare frame, which is the same on every
    /// cover, so its compressed bands come from [`FrameBands`], made once per process at a
    /// high level; only the bands the text touched are filtered and compressed here, fast.
    /// Deflate blocks may follow one another in any number, so the pieces join into one
    /// stream, and their Adler-32 sums combine without reading the bare bands again.
    fn encode(&mut self, scheme: &Scheme) -> Result<Vec<u8>, CoverError> {
        let bands = FrameBands::get();
        let mut touched = vec![false; bands.pieces.len()];
        for rows in &self.dirty {
            let first = rows.start / WIDTH as usize / BAND_ROWS;
            let last = (rows.end / WIDTH as usize)
                .div_ceil(BAND_ROWS)
                .min(bands.pieces.len());
            touched[first..last].fill(true);
        }
        let mut stream = vec![0x78, 0x01];
        let mut adler = 1;
        let mut band = 0;
        while band < touched.len() {
            if !touched[band] {
                let piece = &bands.pieces[band];
                stream.extend_from_slice(&piece.deflate);
                adler = adler32_combine(adler, piece.adler, piece.filtered_len);
                band += 1;
                continue;
            }
            let end = touched[band..]
                .iter()
                .position(|t| !t)
                .map_or(touched.len(), |n| band + n);
            let rows = band * BAND_ROWS..(end * BAND_ROWS).min(HEIGHT as usize);
            filter_rows(&self.picture, rows, &mut self.filtered);
            let compressor = self.compressor.get_or_insert_with(|| {
                flate2::Compress::new(flate2::Compression::new(FAST_LEVEL), false)
            });
            let piece = deflate_piece(&self.filtered, compressor)?;
            stream.extend_from_slice(&piece.deflate);
            adler = adler32_combine(adler, piece.adler, piece.filtered_len);
            band = end;
        }
        // A final, empty stored block ends the stream.
        stream.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
        stream.extend_from_slice(&adler.to_be_bytes());

        let mut png = Vec::with_capacity(stream.len() + 1024);
        png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        let mut header = Vec::with_capacity(13);
        header.extend_from_slice(&WIDTH.to_be_bytes());
        header.extend_from_slice(&HEIGHT.to_be_bytes());
        // Eight bits a pixel, palette colour, deflate, adaptive filters, not interlaced.
        header.extend_from_slice(&[8, 3, 0, 0, 0]);
        png_chunk(&mut png, b"IHDR", &header);
        png_chunk(&mut png, b"PLTE", &palette(scheme));
        png_chunk(&mut png, b"IDAT", &stream);
        png_chunk(&mut png, b"IEND", &[]);
        Ok(png)
    }
}

/// Rows a compressed band of the picture holds: small enough that text touches few bands,
/// large enough that the blocks' own tables add little.
const BAND_ROWS: usize = 32;
/// Deflate levels of zlib-rs: 2 packs the zero rows of the Up filter as well as 6 does, at
/// a fifth of its time (level 1 uses fixed codes and makes the file 2.6 times larger).
const FAST_LEVEL: u32 = 2;
const FRAME_LEVEL: u32 = 9;

/// One band of rows, filtered and compressed into deflate blocks that end on a byte.
struct Piece {
    deflate: Vec<u8>,
    adler: u32,
    filtered_len: u64,
}

/// The bare frame's bands, compressed once.
struct FrameBands {
    pieces: Vec<Piece>,
}

impl FrameBands {
    fn get() -> &'static FrameBands {
        static BANDS: std::sync::OnceLock<FrameBands> = std::sync::OnceLock::new();
        BANDS.get_or_init(|| {
            let frame = frame();
            let mut filtered = Vec::new();
            let mut compressor =
                flate2::Compress::new(flate2::Compression::new(FRAME_LEVEL), false);
            let pieces = (0..(HEIGHT as usize).div_ceil(BAND_ROWS))
                .map(|band| {
                    let rows = band * BAND_ROWS..((band + 1) * BAND_ROWS).min(HEIGHT as usize);
                    filter_rows(&frame, rows, &mut filtered);
                    deflate_piece(&filtered, &mut compressor)
                })
                .collect::<Result<Vec<_>, _>>()
                // Compressing bytes in memory fails only when memory runs out.
                .unwrap_or_default();
            FrameBands { pieces }
        })
    }
}

/// PNG filtering of `rows` of a palette picture: the first row as it is, so that a band
/// never depends on the one above it, and each other row as its difference from the row
/// above (filter Up), which is zero wherever no text is.
fn filter_rows(picture: &[u8], rows: std::ops::Range<usize>, out: &mut Vec<u8>) {
    let width = WIDTH as usize;
    out.clear();
    out.reserve(rows.len() * (width + 1));
    for row in rows.clone() {
        let line = &picture[row * width..(row + 1) * width];
        if row == rows.start {
            out.push(0);
            out.extend_from_slice(line);
        } else {
            let above = &picture[(row - 1) * width..row * width];
            out.push(2);
            out.extend(
                line.iter()
                    .zip(above)
                    .map(|(pixel, up)| pixel.wrapping_sub(*up)),
            );
        }
    }
}

/// Compresses one band into raw deflate blocks closed by a sync flush, which ends them on
/// a byte boundary without marking the stream's end.
fn deflate_piece(filtered: &[u8], compressor: &mut flate2::Compress) -> Result<Piece, CoverError> {
    compressor.reset();
    let mut deflate = Vec::with_capacity(filtered.len() / 16 + 64);
    let mut rest = filtered;
    loop {
        if deflate.len() == deflate.capacity() {
            deflate.reserve(deflate.capacity().max(1024));
        }
        let before = compressor.total_in();
        compressor
            .compress_vec(rest, &mut deflate, flate2::FlushCompress::Sync)
            .map_err(|e| CoverError::Drawing(e.to_string()))?;
        rest = &rest[(compressor.total_in() - before) as usize..];
        // The flush is complete when the output did not fill up.
        if rest.is_empty() && deflate.len() < deflate.capacity() {
            break;
        }
    }
    let mut adler = simd_adler32::Adler32::new();
    adler.write(filtered);
    Ok(Piece {
        deflate,
        adler: adler.finish(),
        filtered_len: filtered.len() as u64,
    })
}

/// The Adler-32 of two byte strings one after the other, from the sums of each.
fn adler32_combine(first: u32, second: u32, second_len: u64) -> u32 {
    const BASE: u64 = 65521;
    let rem = second_len % BASE;
    let first_low = u64::from(first & 0xffff);
    let low = (first_low + u64::from(second & 0xffff) + BASE - 1) % BASE;
    let high =
        (rem * first_low + u64::from(first >> 16) + u64::from(second >> 16) + BASE - rem) % BASE;
    ((high << 16) | low) as u32
}

fn png_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
    png.extend_from_slice(&length.to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32fast::hash(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// The ground and the gold frame: a double rule around the page, and a short rule above
/// the author.
fn frame() -> Vec<u8> {
    let width = WIDTH as usize;
    let mut frame = vec![GROUND_INDEX; width * HEIGHT as usize];
    let mut fill = |left: usize, top: usize, right: usize, bottom: usize| {
        for row in frame.chunks_exact_mut(width).take(bottom).skip(top) {
            row[left..right].fill(GOLD_INDEX);
        }
    };
    // Outlines of (left, top, right, bottom), each `weight` pixels wide on its line.
    for (left, top, right, bottom, weight) in [(70, 70, 1330, 2030, 6), (96, 96, 1304, 2004, 2)] {
        let half = weight / 2;
        fill(left - half, top - half, right + half, top + half);
        fill(left - half, bottom - half, right + half, bottom + half);
        fill(left - half, top - half, left + half, bottom + half);
        fill(right - half, top - half, right + half, bottom + half);
    }
    fill(525, 1573, 875, 1577);
    frame
}

/// The title and the author, each as an SVG of text alone. resvg does not wrap text, so
/// lines are broken here by an estimate of the width of each character.
fn text_svgs(title: &str, author: &str) -> (String, String) {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    // Longer titles get a smaller size, down to a floor, and at most six lines.
    let length = title.chars().count();
    let title_size = match length {
        0..=20 => 150,
        21..=45 => 120,
        46..=90 => 96,
        _ => 80,
    };
    let per_line = (1300.0 / (f64::from(title_size) * 0.58)) as usize;
    let mut lines = wrap(title, per_line.max(6));
    if lines.len() > 6 {
        lines.truncate(6);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    let line_height = f64::from(title_size) * 1.2;
    let block = line_height * lines.len() as f64;
    let first_baseline = 1000.0 - block / 2.0 + f64::from(title_size);
    let mut title_lines = String::new();
    for (i, line) in lines.iter().enumerate() {
        title_lines.push_str(&format!(
            "<tspan x=\"800\" y=\"{:.0}\">{}</tspan>",
            first_baseline + line_height * i as f64,
            escape(line)
        ));
    }
    let author_lines = wrap(author, 30);
    let mut author_text = String::new();
    for (i, line) in author_lines.iter().take(2).enumerate() {
        author_text.push_str(&format!(
            "<tspan x=\"800\" y=\"{}\">{}</tspan>",
            1950 + i * 90,
            escape(line)
        ));
    }
    let svg = |text: String| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {} {}\">{text}</svg>",
            DESIGN.0, DESIGN.1
        )
    };
    (
        svg(format!(
            "<text font-family=\"DejaVu Serif\" font-weight=\"bold\" font-size=\"{title_size}\" fill=\"black\" text-anchor=\"middle\">{title_lines}</text>"
        )),
        svg(format!(
            "<text font-family=\"DejaVu Serif\" font-style=\"italic\" font-size=\"72\" fill=\"black\" text-anchor=\"middle\">{author_text}</text>"
        )),
    )
}

/// Greedy word wrap at `width` characters; a word longer than a line is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: String = word.to_string();
        while word.chars().count() > width {
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG's contrast ratio of two sRGB colours.
    fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
        let luminance = |c: [u8; 3]| {
            let channel = |v: u8| {
                let v = f64::from(v) / 255.0;
                if v <= 0.039_28 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])
        };
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn every_design_is_readable() {
        for scheme in &SCHEMES {
            assert!(contrast(scheme.title, scheme.ground) >= 7.0, "{scheme:?}");
            assert!(contrast(scheme.author, scheme.ground) >= 7.0, "{scheme:?}");
            assert!(contrast(scheme.frame, scheme.ground) >= 3.0, "{scheme:?}");
        }
    }

    #[test]
    fn a_title_always_gets_the_same_design_and_a_shelf_gets_several() {
        assert_eq!(scheme_for("The Storm"), scheme_for("The Storm"));
        let titles = [
            "Let It Go",
            "Don't Leave",
            "The Storm",
            "Rain",
            "Winter",
            "Ashes",
            "Home",
            "Dune",
        ];
        let designs: std::collections::HashSet<[u8; 3]> =
            titles.iter().map(|t| scheme_for(t).ground).collect();
        assert!(designs.len() >= 3, "{designs:?}");
    }

    /// Every supplied cover the tests use is whole; cut short, none of them is.
    #[test]
    fn whole_images_pass_and_cut_ones_do_not() {
        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/covers");
        for name in [
            "cover-jpeg.jpg",
            "cover-png.png",
            "cover-gif.gif",
            "cover-webp.webp",
        ] {
            let path = fixtures.join(name);
            let cover =
                read_cover(&path, &Files::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(whole(cover.kind, &cover.bytes).is_ok(), "{name}");
            let dir = tempfile::tempdir().expect("a temporary folder");
            let cut = dir.path().join(name);
            let bytes = &cover.bytes[..cover.bytes.len() * 2 / 3];
            std::fs::write(&cut, bytes).expect("written");
            let error = read_cover(&cut, &Files::default()).expect_err(name);
            assert!(
                error.to_string().contains("cut short or damaged"),
                "{name}: {error}"
            );
        }
    }

    #[test]
    fn an_image_too_large_to_decode_is_refused_by_its_header() {
        // A PNG header that claims 60,000 × 60,000 pixels, and nothing else.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(60_000u32.to_be_bytes());
        png.extend(60_000u32.to_be_bytes());
        png.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("huge.png");
        std::fs::write(&path, png).expect("written");
        let error = read_cover(&path, &Files::default()).expect_err("too large");
        assert!(
            error.to_string().contains("60000 × 60000 pixels"),
            "{error}"
        );
    }

    #[test]
    fn formats_are_read_from_their_bytes() {
        for (bytes, kind) in [
            (&b"\xFF\xD8\xFF\xE0rest"[..], Some(ImageKind::Jpeg)),
            (b"\x89PNG\r\n\x1a\nrest", Some(ImageKind::Png)),
            (b"GIF89a....", Some(ImageKind::Gif)),
            (b"RIFF\0\0\0\0WEBPVP8 ", Some(ImageKind::Webp)),
            (b"just some text", None),
        ] {
            assert_eq!(sniff(bytes), kind, "{bytes:?}");
        }
    }

    #[test]
    fn titles_wrap_at_word_boundaries() {
        assert_eq!(wrap("The Long Way Home", 9), ["The Long", "Way Home"]);
        assert_eq!(
            wrap("Supercalifragilistic", 8),
            ["Supercal", "ifragili", "stic"]
        );
        assert_eq!(wrap("", 8), Vec::<String>::new());
    }

    #[test]
    fn a_generated_cover_is_a_full_size_png_and_stable() {
        let cover = generate_cover(
            "Fire & <Ice>: a very long title that has to wrap",
            Some("A. Writer"),
        )
        .unwrap();
        assert_eq!(sniff(&cover.bytes), Some(ImageKind::Png));
        assert_eq!((cover.width, cover.height), (WIDTH, HEIGHT));
        let size = imagesize::blob_size(&cover.bytes).unwrap();
        assert_eq!((size.width, size.height), (1400, 2100));
        let again = generate_cover(
            "Fire & <Ice>: a very long title that has to wrap",
            Some("A. Writer"),
        )
        .unwrap();
        assert!(cover.bytes == again.bytes);
    }

    #[test]
    fn the_png_holds_exactly_the_picture_drawn() {
        // Titles of one to six lines, so that text touches one band, several, or runs
        // past the band boundaries.
        for title in [
            "X",
            "The Lantern Keeper",
            "A title long enough that it wraps over two or three lines on the cover",
            &"Word ".repeat(60),
        ] {
            let mut canvas = Canvas::default();
            canvas.start();
            let (title_svg, author_svg) = text_svgs(title, "A. Writer");
            canvas.draw_text(&title_svg, Ink::Title).unwrap();
            canvas.draw_text(&author_svg, Ink::Author).unwrap();
            let png = canvas.encode(scheme_for(title)).unwrap();
            let decoder = png::Decoder::new(std::io::Cursor::new(&png));
            let mut reader = decoder.read_info().unwrap();
            let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
            reader.next_frame(&mut pixels).unwrap();
            assert!(pixels == canvas.picture, "{title}");
            // The zlib stream's checksum is right too (png skips it).
            let mut stream = Vec::new();
            let mut at = 8;
            while at < png.len() {
                let length = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
                if &png[at + 4..at + 8] == b"IDAT" {
                    stream.extend_from_slice(&png[at + 8..at + 8 + length]);
                }
                at += 12 + length;
            }
            let mut inflated = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::ZlibDecoder::new(&stream[..]),
                &mut inflated,
            )
            .unwrap();
            assert_eq!(inflated.len(), HEIGHT as usize * (WIDTH as usize + 1));
        }
    }

    #[test]
    fn adler32_sums_combine() {
        let whole = b"the quick brown fox jumps over the lazy dog, again and again";
        let sum = |bytes: &[u8]| {
            let mut adler = simd_adler32::Adler32::new();
            adler.write(bytes);
            adler.finish()
        };
        for split in [0, 1, 17, whole.len()] {
            let (first, second) = whole.split_at(split);
            assert_eq!(
                adler32_combine(sum(first), sum(second), second.len() as u64),
                sum(whole)
            );
        }
        let long = vec![0xffu8; 200_000];
        assert_eq!(
            adler32_combine(sum(&long[..70_001]), sum(&long[70_001..]), 129_999),
            sum(&long)
        );
    }

    #[test]
    fn a_generated_cover_shows_the_frame_and_both_inks() {
        let cover = generate_cover("The Lantern Keeper", Some("A. Writer")).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&cover.bytes));
        let mut reader = decoder.read_info().unwrap();
        assert_eq!(reader.info().color_type, png::ColorType::Indexed);
        assert_eq!(
            reader.info().palette.as_ref().map(|p| p.len()),
            Some(256 * 3)
        );
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).unwrap();
        let count = |wanted: std::ops::RangeInclusive<u8>| {
            pixels.iter().filter(|p| wanted.contains(p)).count()
        };
        // The frame: two outlines (outer area less inner area) and the rule.
        let outer = 1266 * 1966 - 1254 * 1954;
        let inner = 1210 * 1910 - 1206 * 1906;
        assert_eq!(count(GOLD_INDEX..=GOLD_INDEX), outer + inner + 350 * 4);
        // Solid letters in each ink, and anti-aliased edges between them and the ground.
        let title_solid = SHADES + 1;
        let author_solid = 2 * SHADES + 1;
        assert!(count(title_solid..=title_solid) > 20_000);
        assert!(count(2..=SHADES) > 2_000);
        assert!(count(author_solid..=author_solid) > 2_000);
        assert!(count(SHADES + 2..=2 * SHADES) > 500);
        // Drawing the next cover starts from a clean frame.
        let other = generate_cover("X", Some("Y")).unwrap();
        assert_ne!(other.bytes, cover.bytes);
        assert_eq!(
            generate_cover("The Lantern Keeper", Some("A. Writer"))
                .unwrap()
                .bytes,
            cover.bytes
        );
    }
}
