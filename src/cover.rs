//! Cover images: reading a supplied one and checking it is what it claims, or drawing one
//! from the title and author.

use crate::book::{Cover, ImageKind};
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
        source: std::io::Error,
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
    #[error("could not draw a cover: {0}")]
    Drawing(String),
}

/// Reads a supplied cover and checks that the file is the image its name says.
pub fn read_cover(path: &Path) -> Result<Cover, CoverError> {
    let bytes = std::fs::read(path).map_err(|source| CoverError::Read {
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
    Ok(Cover {
        bytes,
        kind,
        width,
        height,
        generated: false,
    })
}

/// `<dir>/<stem>.jpg|jpeg|png|gif|webp`, the first that exists.
pub fn find_cover(dir: &Path, stem: &str) -> Option<PathBuf> {
    ["jpg", "jpeg", "png", "gif", "webp"]
        .iter()
        .map(|extension| dir.join(format!("{stem}.{extension}")))
        .find(|path| path.is_file())
}

const WIDTH: u32 = 1600;
const HEIGHT: u32 = 2400;

/// Draws a cover: the title, wrapped, and the author, in DejaVu Serif on a plain ground.
pub fn generate_cover(title: &str, author: &str) -> Result<Cover, CoverError> {
    use resvg::{tiny_skia, usvg};
    use std::sync::{Arc, LazyLock};

    // Loading the fonts costs more than drawing; do it once per process.
    static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
        let mut fonts = usvg::fontdb::Database::new();
        fonts.load_font_data(dejavu::serif::bold().to_vec());
        fonts.load_font_data(dejavu::serif::italic().to_vec());
        Arc::new(fonts)
    });
    let svg = cover_svg(title, author);
    let options = usvg::Options {
        fontdb: FONTS.clone(),
        ..usvg::Options::default()
    };
    let tree =
        usvg::Tree::from_str(&svg, &options).map_err(|e| CoverError::Drawing(e.to_string()))?;
    // The canvas and the encoder's buffer are reused: fresh 15 MB buffers for every book
    // cost more in page faults than the drawing itself.
    thread_local! {
        static CANVAS: std::cell::RefCell<Option<(tiny_skia::Pixmap, Vec<u8>)>> =
            const { std::cell::RefCell::new(None) };
    }
    let bytes = CANVAS.with(|canvas| {
        let mut canvas = canvas.borrow_mut();
        if canvas.is_none() {
            let pixmap = tiny_skia::Pixmap::new(WIDTH, HEIGHT)
                .ok_or_else(|| CoverError::Drawing("no memory for the picture".to_string()))?;
            *canvas = Some((pixmap, Vec::new()));
        }
        let Some((pixmap, rgb)) = canvas.as_mut() else {
            return Err(CoverError::Drawing("no canvas".to_string()));
        };
        pixmap.fill(tiny_skia::Color::TRANSPARENT);
        resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
        encode_png(pixmap, rgb).map_err(|e| CoverError::Drawing(e.to_string()))
    })?;
    Ok(Cover {
        bytes,
        kind: ImageKind::Png,
        width: WIDTH,
        height: HEIGHT,
        generated: true,
    })
}

/// PNG with the fast compression preset: the cover is flat colour and text, so it still
/// compresses well, and the default preset takes three times as long as drawing it.
fn encode_png(
    pixmap: &resvg::tiny_skia::Pixmap,
    rgb: &mut Vec<u8>,
) -> Result<Vec<u8>, png::EncodingError> {
    // Every colour drawn is opaque, so the premultiplied pixels are the plain ones and the
    // alpha channel can go.
    rgb.clear();
    rgb.reserve(pixmap.data().len() / 4 * 3);
    for pixel in pixmap.data().chunks_exact(4) {
        rgb.extend_from_slice(&pixel[..3]);
    }
    let mut bytes = Vec::with_capacity(128 * 1024);
    let mut encoder = png::Encoder::new(&mut bytes, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
}

/// The cover as SVG. resvg does not wrap text, so lines are broken here by an estimate of
/// the width of each character.
fn cover_svg(title: &str, author: &str) -> String {
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
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#1f2a44\"/>\
         <rect x=\"80\" y=\"80\" width=\"1440\" height=\"2240\" fill=\"none\" stroke=\"#c9a96e\" stroke-width=\"6\"/>\
         <rect x=\"110\" y=\"110\" width=\"1380\" height=\"2180\" fill=\"none\" stroke=\"#c9a96e\" stroke-width=\"2\"/>\
         <text font-family=\"DejaVu Serif\" font-weight=\"bold\" font-size=\"{title_size}\" fill=\"#f4ecd8\" text-anchor=\"middle\">{title_lines}</text>\
         <line x1=\"600\" y1=\"1800\" x2=\"1000\" y2=\"1800\" stroke=\"#c9a96e\" stroke-width=\"4\"/>\
         <text font-family=\"DejaVu Serif\" font-style=\"italic\" font-size=\"72\" fill=\"#e0d3b8\" text-anchor=\"middle\">{author_text}</text>\
         </svg>"
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
            "A. Writer",
        )
        .unwrap();
        assert_eq!(sniff(&cover.bytes), Some(ImageKind::Png));
        assert_eq!((cover.width, cover.height), (WIDTH, HEIGHT));
        let size = imagesize::blob_size(&cover.bytes).unwrap();
        assert_eq!((size.width, size.height), (1600, 2400));
        let again = generate_cover(
            "Fire & <Ice>: a very long title that has to wrap",
            "A. Writer",
        )
        .unwrap();
        assert!(cover.bytes == again.bytes);
    }
}
