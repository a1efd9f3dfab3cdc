//! Format detection from magic bytes only. File names and declared content types
//! are attacker-controlled, so they are never consulted.

use crate::heif::{self, Brand};
use crate::{jxl, ImageError};

/// An accepted input format. In the configuration: `jpeg`, `png`, `gif`, `bmp`, `webp`, `jxl`,
/// `heic`, `avif`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    Bmp,
    WebP,
    /// JPEG XL, bare codestream or ISO BMFF container.
    Jxl,
    /// HEIF with HEVC-coded pictures (what iPhones and most Android phones take).
    Heic,
    /// HEIF with AV1-coded pictures (saved from the web).
    Avif,
}

impl Format {
    /// Every format the pipeline decodes, in the order messages list them.
    pub const ALL: [Format; 8] = [
        Format::Jpeg,
        Format::Png,
        Format::Gif,
        Format::Bmp,
        Format::WebP,
        Format::Jxl,
        Format::Heic,
        Format::Avif,
    ];

    /// What a file of this format is called in messages ("JPEG XL image").
    pub fn description(&self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG image",
            Format::Png => "PNG image",
            Format::Gif => "GIF image",
            Format::Bmp => "BMP image",
            Format::WebP => "WebP image",
            Format::Jxl => "JPEG XL image",
            Format::Heic => "HEIC image",
            Format::Avif => "AVIF image",
        }
    }

    fn bit(self) -> u8 {
        1 << Format::ALL.iter().position(|&f| f == self).unwrap_or(0)
    }

    /// Short human name ("JPEG", "PNG", …).
    pub fn name(&self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::Bmp => "BMP",
            Format::WebP => "WebP",
            Format::Jxl => "JPEG XL",
            Format::Heic => "HEIC",
            Format::Avif => "AVIF",
        }
    }

    /// IANA media type of the format.
    pub fn media_type(&self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Bmp => "image/bmp",
            Format::WebP => "image/webp",
            Format::Jxl => "image/jxl",
            Format::Heic => "image/heic",
            Format::Avif => "image/avif",
        }
    }
}

/// A set of formats: those a server accepts, named in the message refusing any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Accepted(u8);

impl Accepted {
    pub const ALL: Accepted = Accepted(0b1111_1111);

    pub fn of(formats: &[Format]) -> Self {
        Accepted(formats.iter().fold(0, |bits, f| bits | f.bit()))
    }

    pub fn contains(self, format: Format) -> bool {
        self.0 & format.bit() != 0
    }
}

impl std::fmt::Display for Accepted {
    /// "JPEG, PNG and WebP", "JPEG", "none".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = Format::ALL
            .iter()
            .filter(|&&x| self.contains(x))
            .map(|x| x.name())
            .collect();
        match names.as_slice() {
            [] => f.write_str("none"),
            [one] => f.write_str(one),
            [most @ .., last] => write!(f, "{} and {last}", most.join(", ")),
        }
    }
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Identifies the format of `bytes`, or names what they are instead.
pub fn detect(bytes: &[u8]) -> Result<Format, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(PNG_MAGIC) {
        return Ok(Format::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Ok(Format::Gif);
    }
    if is_bmp(bytes) {
        return Ok(Format::Bmp);
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Ok(Format::WebP);
    }
    if bytes.starts_with(jxl::CODESTREAM_MAGIC) || bytes.starts_with(jxl::CONTAINER_MAGIC) {
        return Ok(Format::Jxl);
    }
    // What the brands suggest; the probe reads the coding from the items and has the last word
    // (`mif1` alone names none).
    match heif::brand(bytes) {
        Some(Brand::Heic | Brand::Heif) => return Ok(Format::Heic),
        Some(Brand::Avif | Brand::AvifSequence) => return Ok(Format::Avif),
        None => {}
    }
    Err(ImageError::Unsupported {
        found: name_other(bytes),
        accepted: Accepted::ALL,
    })
}

/// "BM" alone is too weak (it is also the start of plenty of text), so the DIB
/// header size must be one of the sizes that BMP versions actually use.
fn is_bmp(bytes: &[u8]) -> bool {
    if !bytes.starts_with(b"BM") {
        return false;
    }
    match bytes.get(14..18) {
        Some(&[a, b, c, d]) => matches!(
            u32::from_le_bytes([a, b, c, d]),
            12 | 16 | 40 | 52 | 56 | 64 | 108 | 124
        ),
        _ => false,
    }
}

/// Names a rejected file as precisely as cheaply possible, for the error message.
fn name_other(bytes: &[u8]) -> &'static str {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    // First: an ISO BMFF file whose `ftyp` box is 256 bytes long starts with the ICO magic.
    if let Some(found) = iso_media(bytes) {
        return found;
    }
    if starts(b"%PDF") {
        return "PDF document";
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        return "ZIP archive";
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return "TIFF image";
    }
    if starts(&[0x1F, 0x8B]) {
        return "gzip archive";
    }
    if starts(b"BM") {
        return "malformed BMP image";
    }
    if starts(b"RIFF") {
        return "RIFF file that is not WebP";
    }
    if starts(b"\0\0\0\x0cjP  \r\n\x87\n") || starts(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return "JPEG 2000 image";
    }
    if starts(&[0, 0, 1, 0]) {
        return "ICO image";
    }
    if starts(b"8BPS") {
        return "Photoshop document";
    }
    if let Some(found) = markup(bytes) {
        return found;
    }
    if is_text(bytes) {
        return "plain text";
    }
    "unknown binary data"
}

/// ISO base media files (HEIF/AVIF/MP4) start with an `ftyp` box whose brands say
/// what they hold.
fn iso_media(bytes: &[u8]) -> Option<&'static str> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return None;
    }
    Some(match heif::brand(bytes) {
        Some(Brand::Avif | Brand::AvifSequence) => "AVIF image",
        Some(Brand::Heic) => "HEIC image",
        Some(Brand::Heif) => "HEIF image",
        None => "video or other ISO media file",
    })
}

/// SVG, XML and HTML, recognised after an optional BOM and leading whitespace.
fn markup(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = head.get(start..)?;
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if lower.starts_with(b"<svg") || (lower.starts_with(b"<!doctype svg")) {
        return Some("SVG image");
    }
    if lower.starts_with(b"<?xml") || lower.starts_with(b"<!--") || lower.starts_with(b"<!doctype")
    {
        if has(b"<svg") {
            return Some("SVG image");
        }
        if has(b"<html") || lower.starts_with(b"<!doctype html") {
            return Some("HTML document");
        }
        if lower.starts_with(b"<?xml") {
            return Some("XML document");
        }
    }
    if lower.starts_with(b"<html") || lower.starts_with(b"<head") || lower.starts_with(b"<body") {
        return Some("HTML document");
    }
    None
}

/// Printable ASCII or UTF-8 plus ordinary whitespace in the first 512 bytes.
fn is_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let text = match std::str::from_utf8(head) {
        Ok(s) => s,
        // A multi-byte character cut by the 512-byte window is still text.
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => {
            match std::str::from_utf8(&head[..e.valid_up_to()]) {
                Ok(s) => s,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(bytes: &[u8]) -> &'static str {
        match detect(bytes) {
            Err(ImageError::Unsupported { found, .. }) => found,
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    #[test]
    fn accepted_magics() {
        assert_eq!(detect(b"\xFF\xD8\xFF\xE0rest"), Ok(Format::Jpeg));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n...."), Ok(Format::Png));
        assert_eq!(detect(b"GIF89a......"), Ok(Format::Gif));
        assert_eq!(detect(b"GIF87a......"), Ok(Format::Gif));
        assert_eq!(detect(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Format::WebP));
        let mut bmp = b"BM".to_vec();
        bmp.extend_from_slice(&[0; 12]);
        bmp.extend_from_slice(&40u32.to_le_bytes());
        assert_eq!(detect(&bmp), Ok(Format::Bmp));
        assert_eq!(detect(b"\xFF\x0A\xFA\x7F"), Ok(Format::Jxl));
        assert_eq!(detect(b"\0\0\0\x0cJXL \r\n\x87\n...."), Ok(Format::Jxl));
        assert_eq!(detect(b""), Err(ImageError::Empty));
    }

    #[test]
    fn names_the_rest() {
        assert_eq!(
            found(b"\xEF\xBB\xBF  <?xml version='1.0'?>\n<svg xmlns=''>"),
            "SVG image"
        );
        assert_eq!(found(b"<SVG>"), "SVG image");
        assert_eq!(found(b"\n\n<!DOCTYPE html><html>"), "HTML document");
        assert_eq!(found(b"<html><body>"), "HTML document");
        assert_eq!(found(b"<?xml version='1.0'?><feed/>"), "XML document");
        assert_eq!(found(b"%PDF-1.4"), "PDF document");
        assert_eq!(found(b"PK\x03\x04...."), "ZIP archive");
        assert_eq!(found(b"II*\0...."), "TIFF image");
        assert_eq!(found(b"MM\0*...."), "TIFF image");
        assert_eq!(found(b"\x1f\x8b\x08\0"), "gzip archive");
        assert_eq!(
            detect(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
            Ok(Format::Avif)
        );
        // HEIF of any coding is sent to the HEIF probe, which tells the codings apart.
        for heif in [
            &b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"[..],
            b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic",
            b"\0\0\0\x14ftypmif1\0\0\0\0mif1",
        ] {
            assert_eq!(detect(heif), Ok(Format::Heic));
        }
        assert_eq!(
            found(b"\0\0\0\x14ftypisom\0\0\0\0isom"),
            "video or other ISO media file"
        );
        assert_eq!(found("hello, wörld\n".as_bytes()), "plain text");
        assert_eq!(found(b"BMnot a bitmap at all"), "malformed BMP image");
        assert_eq!(
            found(&[0x00, 0x01, 0x02, 0x03, 0xF0]),
            "unknown binary data"
        );
        assert_eq!(found(b"RIFF\0\0\0\0WAVEfmt "), "RIFF file that is not WebP");
        assert_eq!(found(b"\0\0\x01\0\x01\0\x10\x10\0\0"), "ICO image");
        // A 256-byte `ftyp` box starts with the ICO magic (fuzz/heif, 2026-12-03).
        let mut ftyp = b"\0\0\x01\0ftypavif\0\0\0\0".to_vec();
        ftyp.extend(b"mif1".repeat(60));
        assert_eq!(ftyp.len(), 256);
        assert_eq!(detect(&ftyp), Ok(Format::Avif));
        ftyp[8..12].copy_from_slice(b"isom");
        ftyp[16..].copy_from_slice(&b"isom".repeat(60));
        assert_eq!(found(&ftyp), "video or other ISO media file");
    }

    #[test]
    fn accepted_sets_read_as_lists() {
        assert_eq!(
            Accepted::ALL.to_string(),
            "JPEG, PNG, GIF, BMP, WebP, JPEG XL, HEIC and AVIF"
        );
        assert_eq!(
            Accepted::of(&[Format::WebP, Format::Jpeg]).to_string(),
            "JPEG and WebP"
        );
        assert_eq!(Accepted::of(&[Format::Png]).to_string(), "PNG");
        assert_eq!(Accepted::of(&[]).to_string(), "none");
        assert_eq!(Accepted::of(&Format::ALL), Accepted::ALL);
        assert!(!Accepted::of(&[Format::Png]).contains(Format::Jxl));
    }

    #[test]
    fn text_cut_mid_character_is_still_text() {
        let mut s = "a".repeat(511).into_bytes();
        s.extend_from_slice("é".as_bytes());
        assert_eq!(found(&s), "plain text");
    }
}
