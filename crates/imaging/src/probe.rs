//! Header-only inspection: dimensions, frame count and limits, read straight from
//! the container structure. Nothing here allocates in proportion to the pixel
//! count or decompresses anything, so bombs are refused in microseconds.

use image::metadata::Orientation;

use crate::byte_order::{be16, be32, le16, le24, le32};
use crate::detect::{detect, Accepted, Format};
use crate::{defaults, heif, jxl, ImageError, Limits, Probe};

/// What the header tells us beyond the public [`Probe`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub probe: Probe,
    /// Orientation found in the header (JPEG's EXIF, JPEG XL's codestream; other formats
    /// report it from their decoder).
    pub orientation: Option<Orientation>,
    /// How a JPEG's frame is coded, for memory estimates.
    pub jpeg: Option<JpegFrame>,
    /// For HEIC and AVIF, whether their pictures decode to 16-bit or RGBA samples (more memory).
    pub heif_wide: Option<bool>,
}

/// The parts of a JPEG frame header that decide how it is decoded and how much memory that
/// takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JpegFrame {
    /// The SOFn marker's second byte: 0xC0/0xC1 sequential, 0xC2 progressive (Huffman).
    pub marker: u8,
    /// Bits per sample.
    pub precision: u8,
    pub components: u8,
    /// The first scan, when its header was found.
    pub first_scan: Option<FirstScan>,
    /// Sum over components of h × v sampling factors, and the largest h × largest v: a
    /// component covers (its h × v) / (max h × max v) of the pixels.
    pub sampling_sum: u32,
    pub sampling_max: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FirstScan {
    /// Offset of its entropy-coded data in the file.
    pub data_at: usize,
    /// How many of the frame's components it interleaves.
    pub components: u8,
}

impl JpegFrame {
    /// Progressive frames keep every coefficient until the last scan.
    pub fn progressive(&self) -> bool {
        matches!(self.marker, 0xC2 | 0xC6 | 0xCA | 0xCE)
    }

    /// Component samples per pixel, ×1000 (3000 for 4:4:4, 2000 for 4:2:2, 1500 for 4:2:0).
    pub fn samples_per_pixel_milli(&self) -> u64 {
        u64::from(self.sampling_sum) * 1000 / u64::from(self.sampling_max.max(1))
    }

    /// Whether zune-jpeg may decode it: Huffman-coded, 8-bit, three components (whether YCbCr
    /// or RGB it reads from the markers), and progressive or with all three in its first scan
    /// (zune-jpeg 0.5.15 mis-decodes sequential frames with a scan per component:
    /// etemesi254/zune-image#430, fixed in 0.5.16).
    pub fn zune_decodes(&self) -> bool {
        let interleaved = self.first_scan.map(|s| s.components) == Some(self.components);
        matches!(self.marker, 0xC0..=0xC2)
            && self.precision == 8
            && self.components == 3
            && (self.progressive() || interleaved)
    }
}

/// Detects the format, reads the dimensions and frame count from the header and
/// checks them against `limits`. Never decodes pixels.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe, ImageError> {
    read_header(bytes, limits, Accepted::ALL).map(|h| h.probe)
}

/// [`probe`] for a server that accepts only the formats in `accepted`: others are refused
/// before their header is parsed, with a message listing `accepted`.
pub(crate) fn read_header(
    bytes: &[u8],
    limits: &Limits,
    accepted: Accepted,
) -> Result<Header, ImageError> {
    let frame_cap = limits.max_frames.saturating_add(1);
    let mut format = match detect(bytes) {
        Err(ImageError::Unsupported { found, .. }) => {
            return Err(ImageError::Unsupported { found, accepted })
        }
        // Which of the two a HEIF file is, its items say: checked below, after the limits, so
        // that a bomb is named as one and the container parser sees every such upload.
        Ok(format @ (Format::Heic | Format::Avif)) => format,
        Ok(format) if !accepted.contains(format) => {
            return Err(ImageError::Unsupported {
                found: format.description(),
                accepted,
            })
        }
        other => other?,
    };
    let mut jpeg = None;
    let mut heif_wide = None;
    let (width, height, frames, orientation) = match format {
        Format::Jpeg => {
            let (w, h, o, frame) = jpeg_header(bytes)?;
            jpeg = Some(frame);
            (w, h, 1, o)
        }
        Format::Png => {
            let (w, h, f) = png_header(bytes)?;
            (w, h, f.min(frame_cap), None)
        }
        Format::Gif => {
            let gif = gif_header(bytes, frame_cap)?;
            // A frame may be larger than the logical screen; it is what gets allocated.
            check_area(gif.largest_frame.0, gif.largest_frame.1, limits)?;
            (gif.width, gif.height, gif.frames, None)
        }
        Format::Bmp => {
            let (w, h) = bmp_header(bytes)?;
            (w, h, 1, None)
        }
        Format::WebP => {
            let (w, h, f) = webp_header(bytes, frame_cap)?;
            (w, h, f, None)
        }
        Format::Jxl => {
            let h = jxl::header(bytes)?;
            // The size is checked before jxl-rs parses the frames, whose tables grow with it.
            check_size(h.width, h.height, limits)?;
            check_density(h.width, h.height, bytes.len())?;
            let frames = jxl::frames(bytes, limits, frame_cap)?;
            (h.width, h.height, frames, Some(h.orientation))
        }
        Format::Heic | Format::Avif => {
            let h = check_heif(bytes, limits, frame_cap)?;
            format = match h.coding {
                heif::Coding::Hevc => Format::Heic,
                heif::Coding::Av1 => Format::Avif,
                heif::Coding::Other(_) => {
                    let found = "HEIF image in a coding other than HEVC and AV1";
                    return Err(ImageError::Unsupported { found, accepted });
                }
            };
            if !accepted.contains(format) {
                let found = format.description();
                return Err(ImageError::Unsupported { found, accepted });
            }
            heif_wide = Some(h.alpha || h.bit_depth.is_some_and(|bits| bits > 8));
            // Only the primary image is decoded, whatever a sequence holds.
            let orientation = heif_orientation(h.rotation, h.mirror);
            (h.width, h.height, h.frames, Some(orientation))
        }
    };
    check_size(width, height, limits)?;
    check_density(width, height, bytes.len())?;
    if frames > limits.max_frames {
        return Err(ImageError::TooManyFrames {
            frames_seen: frames.min(frame_cap),
            max_frames: limits.max_frames,
        });
    }
    Ok(Header {
        probe: Probe {
            format,
            width,
            height,
            frames,
        },
        orientation,
        jpeg,
        heif_wide,
    })
}

/// `irot` (anticlockwise quarter turns) then `imir` (0: left and right swap, 1: top and bottom)
/// as the EXIF orientation that turns the stored image the same way.
fn heif_orientation(rotation: u8, mirror: Option<u8>) -> Orientation {
    use Orientation as O;
    match (rotation % 4, mirror) {
        (0, None) => O::NoTransforms,
        (0, Some(0)) | (2, Some(1)) => O::FlipHorizontal,
        (0, Some(_)) | (2, Some(_)) => O::FlipVertical,
        (1, None) => O::Rotate270,
        (1, Some(0)) | (3, Some(1)) => O::Rotate270FlipH,
        (1, Some(_)) | (3, Some(_)) => O::Rotate90FlipH,
        (2, None) => O::Rotate180,
        _ => O::Rotate90,
    }
}

/// The limits on a HEIF/AVIF file's primary image, from its boxes: size (after `irot`),
/// each grid tile's size, density, frames.
fn check_heif(
    bytes: &[u8],
    limits: &Limits,
    frame_cap: u32,
) -> Result<heif::HeifHeader, ImageError> {
    let h = heif::header(bytes, frame_cap)?;
    let (width, height) = if h.rotation % 2 == 1 {
        (h.height, h.width)
    } else {
        (h.width, h.height)
    };
    check_size(width, height, limits)?;
    check_area(h.tile_size.0, h.tile_size.1, limits)?;
    check_density(width, height, bytes.len())?;
    if h.frames > limits.max_frames {
        return Err(ImageError::TooManyFrames {
            frames_seen: h.frames,
            max_frames: limits.max_frames,
        });
    }
    Ok(h)
}

/// Applies the size limits of `limits` to a width × height.
pub fn check_size(width: u32, height: u32, limits: &Limits) -> Result<(), ImageError> {
    let min_side = limits.min_side.max(1);
    if width < min_side || height < min_side {
        return Err(ImageError::TooSmall { width, height });
    }
    check_area(width, height, limits)?;
    let (long, short) = (width.max(height), width.min(height));
    if u64::from(long) > u64::from(short) * u64::from(limits.max_aspect_ratio) {
        return Err(ImageError::AspectRatio {
            width,
            height,
            max_ratio: limits.max_aspect_ratio,
        });
    }
    Ok(())
}

/// Refuses files that declare many more pixels than their size can hold (decompression bombs
/// under the pixel limit): see [`defaults::MAX_PIXELS_PER_BYTE`].
fn check_density(width: u32, height: u32, file_bytes: usize) -> Result<(), ImageError> {
    let pixels = u64::from(width) * u64::from(height);
    let bytes = file_bytes as u64;
    if pixels > defaults::DENSITY_CHECK_ABOVE_PIXELS
        && pixels > bytes.saturating_mul(defaults::MAX_PIXELS_PER_BYTE)
    {
        return Err(ImageError::TooCompressed {
            width,
            height,
            bytes,
        });
    }
    Ok(())
}

/// The allocation-size part of the limits: total pixels, then longest side.
fn check_area(width: u32, height: u32, limits: &Limits) -> Result<(), ImageError> {
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    if width > limits.max_side || height > limits.max_side {
        return Err(ImageError::SideTooLong {
            width,
            height,
            max_side: limits.max_side,
        });
    }
    Ok(())
}

fn truncated(what: &str) -> ImageError {
    ImageError::corrupt(format!("{what} header is truncated"))
}

/// Walks the JPEG marker segments up to the frame header (SOFn), picking up the
/// EXIF orientation on the way.
type JpegHeader = (u32, u32, Option<Orientation>, JpegFrame);

fn jpeg_header(b: &[u8]) -> Result<JpegHeader, ImageError> {
    let mut pos = 2;
    let mut orientation = None;
    loop {
        let (marker, seg, next) = jpeg_segment(b, pos)?;
        pos = next;
        match marker {
            0xD9 | 0xDA => return Err(ImageError::corrupt("JPEG has no frame header")),
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = be16(seg, 1).ok_or_else(|| truncated("JPEG frame"))?;
                let width = be16(seg, 3).ok_or_else(|| truncated("JPEG frame"))?;
                if height == 0 {
                    // Height deferred to a DNL marker: legal but unsupported by the decoder.
                    return Err(ImageError::corrupt("JPEG frame header declares no height"));
                }
                let mut frame = jpeg_frame(marker, seg);
                frame.first_scan = first_scan(b, pos);
                return Ok((u32::from(width), u32::from(height), orientation, frame));
            }
            0xE1 if orientation.is_none() => {
                if let Some(tiff) = seg.strip_prefix(b"Exif\0\0") {
                    orientation = Orientation::from_exif_chunk(tiff);
                }
            }
            _ => {}
        }
    }
}

/// The marker segment at or after `pos`: its marker, its payload (empty for standalone
/// markers) and where the next one starts.
fn jpeg_segment(b: &[u8], mut pos: usize) -> Result<(u8, &[u8], usize), ImageError> {
    // Like libjpeg, tolerate junk between segments: scan for the next 0xFF.
    while *b.get(pos).ok_or_else(|| truncated("JPEG"))? != 0xFF {
        pos += 1;
    }
    while b.get(pos) == Some(&0xFF) {
        pos += 1;
    }
    let marker = *b.get(pos).ok_or_else(|| truncated("JPEG"))?;
    pos += 1;
    if matches!(marker, 0x01 | 0xD0..=0xD9) {
        return Ok((marker, &[], pos));
    }
    let len = usize::from(be16(b, pos).ok_or_else(|| truncated("JPEG"))?);
    if len < 2 {
        return Err(ImageError::corrupt("JPEG segment length is invalid"));
    }
    let seg = b.get(pos + 2..pos + len).ok_or_else(|| truncated("JPEG"))?;
    Ok((marker, seg, pos + len))
}

/// The first scan after `pos`: where its coded data starts and how many components it holds.
fn first_scan(b: &[u8], mut pos: usize) -> Option<FirstScan> {
    loop {
        let (marker, seg, next) = jpeg_segment(b, pos).ok()?;
        match marker {
            0xDA => {
                return Some(FirstScan {
                    data_at: next,
                    components: *seg.first()?,
                })
            }
            0xD9 => return None,
            _ => pos = next,
        }
    }
}

/// Sampling factors from a SOF segment (after its length): precision, height, width,
/// component count, then 3 bytes per component (id, h << 4 | v, table). A segment too short
/// for what it declares counts as 4:4:4, the most memory; the decoder rejects it anyway.
fn jpeg_frame(marker: u8, seg: &[u8]) -> JpegFrame {
    let components = seg.get(5).copied().unwrap_or(3);
    let factors: Vec<(u32, u32)> = (0..usize::from(components))
        .filter_map(|i| seg.get(6 + 3 * i + 1))
        .map(|&hv| (u32::from(hv >> 4).max(1), u32::from(hv & 0x0F).max(1)))
        .collect();
    let mut frame = JpegFrame {
        marker,
        precision: seg.first().copied().unwrap_or(0),
        components,
        first_scan: None,
        sampling_sum: 3,
        sampling_max: 1,
    };
    if factors.len() != usize::from(components) || factors.is_empty() {
        return frame;
    }
    let max_h = factors.iter().map(|f| f.0).max().unwrap_or(1);
    let max_v = factors.iter().map(|f| f.1).max().unwrap_or(1);
    frame.sampling_sum = factors.iter().map(|(h, v)| h * v).sum();
    frame.sampling_max = max_h * max_v;
    frame
}

/// Reads IHDR and, for APNG, the frame count from acTL (which must precede IDAT).
fn png_header(b: &[u8]) -> Result<(u32, u32, u32), ImageError> {
    if b.get(12..16) != Some(b"IHDR") {
        return Err(ImageError::corrupt("PNG does not start with IHDR"));
    }
    let width = be32(b, 16).ok_or_else(|| truncated("PNG"))?;
    let height = be32(b, 20).ok_or_else(|| truncated("PNG"))?;
    let mut frames = 1;
    let mut pos = 8usize;
    while let (Some(len), Some(kind)) = (be32(b, pos), b.get(pos + 4..pos + 8)) {
        match kind {
            b"acTL" => {
                frames = be32(b, pos + 8).ok_or_else(|| truncated("PNG"))?;
                break;
            }
            b"IDAT" | b"IEND" => break,
            _ => {}
        }
        pos = match pos.checked_add(12 + len as usize) {
            Some(p) => p,
            None => break,
        };
    }
    if frames == 0 {
        return Err(ImageError::corrupt("APNG declares zero frames"));
    }
    Ok((width, height, frames))
}

struct GifHeader {
    width: u32,
    height: u32,
    frames: u32,
    largest_frame: (u32, u32),
}

/// Walks the GIF block structure without decompressing: skips colour tables and
/// data sub-blocks, counting image descriptors until `frame_cap`.
fn gif_header(b: &[u8], frame_cap: u32) -> Result<GifHeader, ImageError> {
    let width = u32::from(le16(b, 6).ok_or_else(|| truncated("GIF"))?);
    let height = u32::from(le16(b, 8).ok_or_else(|| truncated("GIF"))?);
    let flags = *b.get(10).ok_or_else(|| truncated("GIF"))?;
    let mut pos = 13usize;
    if flags & 0x80 != 0 {
        pos += 3 << ((flags & 7) + 1);
    }
    let mut frames = 0u32;
    let mut largest = (0u32, 0u32);
    // A truncated tail just ends the count; the decoder judges the first frame.
    while let Some(&block) = b.get(pos) {
        match block {
            0x21 => {
                pos = match skip_sub_blocks(b, pos + 2) {
                    Some(p) => p,
                    None => break,
                };
            }
            0x2C => {
                let (Some(fw), Some(fh), Some(&fflags)) =
                    (le16(b, pos + 5), le16(b, pos + 7), b.get(pos + 9))
                else {
                    break;
                };
                frames += 1;
                let (fw, fh) = (u32::from(fw), u32::from(fh));
                if u64::from(fw) * u64::from(fh) > u64::from(largest.0) * u64::from(largest.1) {
                    largest = (fw, fh);
                }
                if frames >= frame_cap {
                    break;
                }
                pos += 10;
                if fflags & 0x80 != 0 {
                    pos += 3 << ((fflags & 7) + 1);
                }
                // LZW minimum code size, then the image data sub-blocks.
                pos = match skip_sub_blocks(b, pos + 1) {
                    Some(p) => p,
                    None => break,
                };
            }
            _ => break, // 0x3B trailer, or garbage after the last frame.
        }
    }
    if frames == 0 {
        return Err(ImageError::corrupt("GIF contains no image"));
    }
    Ok(GifHeader {
        width,
        height,
        frames,
        largest_frame: largest,
    })
}

/// Returns the position after a chain of GIF data sub-blocks starting at `pos`.
fn skip_sub_blocks(b: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = usize::from(*b.get(pos)?);
        pos += 1;
        if len == 0 {
            return Some(pos);
        }
        pos += len;
    }
}

fn bmp_header(b: &[u8]) -> Result<(u32, u32), ImageError> {
    let dib = le32(b, 14).ok_or_else(|| truncated("BMP"))?;
    if dib == 12 {
        let w = le16(b, 18).ok_or_else(|| truncated("BMP"))?;
        let h = le16(b, 20).ok_or_else(|| truncated("BMP"))?;
        return Ok((u32::from(w), u32::from(h)));
    }
    let w = le32(b, 18).ok_or_else(|| truncated("BMP"))? as i32;
    let h = le32(b, 22).ok_or_else(|| truncated("BMP"))? as i32;
    if w < 0 {
        return Err(ImageError::corrupt("BMP declares a negative width"));
    }
    // A negative height means rows are stored top-down.
    Ok((w.unsigned_abs(), h.unsigned_abs()))
}

/// Reads the first chunk (VP8, VP8L or VP8X) and counts ANMF chunks of animations.
fn webp_header(b: &[u8], frame_cap: u32) -> Result<(u32, u32, u32), ImageError> {
    let kind = b.get(12..16).ok_or_else(|| truncated("WebP"))?;
    let p = 20; // payload of the first chunk
    match kind {
        b"VP8 " => {
            if b.get(p + 3..p + 6) != Some(&[0x9D, 0x01, 0x2A]) {
                return Err(ImageError::corrupt("WebP VP8 frame has a bad start code"));
            }
            let w = le16(b, p + 6).ok_or_else(|| truncated("WebP"))? & 0x3FFF;
            let h = le16(b, p + 8).ok_or_else(|| truncated("WebP"))? & 0x3FFF;
            Ok((u32::from(w), u32::from(h), 1))
        }
        b"VP8L" => {
            if b.get(p) != Some(&0x2F) {
                return Err(ImageError::corrupt("WebP lossless signature is missing"));
            }
            let bits = le32(b, p + 1).ok_or_else(|| truncated("WebP"))?;
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 1))
        }
        b"VP8X" => {
            let flags = *b.get(p).ok_or_else(|| truncated("WebP"))?;
            let w = le24(b, p + 4).ok_or_else(|| truncated("WebP"))? + 1;
            let h = le24(b, p + 7).ok_or_else(|| truncated("WebP"))? + 1;
            if flags & 0x02 == 0 {
                return Ok((w, h, 1));
            }
            let mut frames = 0u32;
            let mut pos = 12usize;
            while let (Some(tag), Some(len)) = (b.get(pos..pos + 4), le32(b, pos + 4)) {
                if tag == b"ANMF" {
                    frames += 1;
                    if frames >= frame_cap {
                        break;
                    }
                }
                // Chunks are padded to an even length.
                let step = (len as usize).saturating_add(8 + (len as usize & 1));
                pos = match pos.checked_add(step) {
                    Some(p) => p,
                    None => break,
                };
            }
            if frames == 0 {
                return Err(ImageError::corrupt("animated WebP contains no frame"));
            }
            Ok((w, h, frames))
        }
        _ => Err(ImageError::corrupt("WebP has an unknown first chunk")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn limits_are_checked_in_a_useful_order() {
        let l = limits();
        assert!(check_size(4000, 3000, &l).is_ok());
        assert_eq!(
            check_size(0, 10, &l),
            Err(ImageError::TooSmall {
                width: 0,
                height: 10
            })
        );
        assert!(matches!(
            check_size(30000, 30000, &l),
            Err(ImageError::TooManyPixels { .. })
        ));
        assert!(matches!(
            check_size(20001, 100, &l),
            Err(ImageError::SideTooLong { .. })
        ));
        assert!(check_size(2000, 100, &l).is_ok(), "20:1 exactly is allowed");
        assert!(matches!(
            check_size(2001, 100, &l),
            Err(ImageError::AspectRatio { .. })
        ));
    }

    fn gif_with_frames(n: u32) -> Vec<u8> {
        let mut g = b"GIF89a".to_vec();
        g.extend_from_slice(&[1, 0, 1, 0, 0x80, 0, 0]); // 1x1, 2-colour global table
        g.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        for _ in 0..n {
            g.extend_from_slice(&[0x21, 0xF9, 4, 0, 10, 0, 0, 0]); // graphic control
            g.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
            g.extend_from_slice(&[2, 2, 0x4C, 0x01, 0]); // LZW data
        }
        g.push(0x3B);
        g
    }

    #[test]
    fn gif_frames_are_counted_and_capped() {
        let l = limits();
        let p = probe(&gif_with_frames(3), &l).expect("valid gif");
        assert_eq!((p.width, p.height, p.frames), (1, 1, 3));
        assert_eq!(
            probe(&gif_with_frames(5000), &l),
            Err(ImageError::TooManyFrames {
                frames_seen: 101,
                max_frames: 100
            })
        );
    }

    #[test]
    fn jpeg_sof_is_found_after_app_segments() {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0];
        j.extend_from_slice(&[0xFF, 0xC2, 0, 11, 8, 0x01, 0x00, 0x02, 0x00, 1, 1, 0x11, 0]);
        let p = probe(&j, &limits()).expect("valid header");
        assert_eq!((p.format, p.width, p.height), (Format::Jpeg, 512, 256));
        assert!(matches!(
            probe(&j[..10], &limits()),
            Err(ImageError::Corrupt { .. })
        ));
    }

    #[test]
    fn implausibly_compressed_files_are_refused() {
        // 7000×7000 (49 MP, under the pixel limit) declared by a 6 KB file.
        assert_eq!(
            check_density(7000, 7000, 6034),
            Err(ImageError::TooCompressed {
                width: 7000,
                height: 7000,
                bytes: 6034
            })
        );
        assert!(check_density(7000, 7000, 48_000).is_ok());
        // Small images may be as compressed as they like.
        assert!(check_density(2000, 2000, 100).is_ok());
    }

    #[test]
    fn bomb_headers_are_refused() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&30000u32.to_be_bytes());
        png.extend_from_slice(&30000u32.to_be_bytes());
        png.extend_from_slice(&[1, 0, 0, 0, 0]);
        assert!(matches!(
            probe(&png, &limits()),
            Err(ImageError::TooManyPixels {
                width: 30000,
                height: 30000,
                ..
            })
        ));
    }

    /// `heif_orientation` names what heic-rs does: the same pixels, the same place, for every
    /// `irot` and `imir` (which heic-rs applies; the orientation only feeds `Stats`).
    #[test]
    fn heif_transforms_read_as_exif_orientations() {
        use heic_rs::{Mirror, PixelLayout, Rotation, Transform};
        let turns = [
            Rotation::None,
            Rotation::Ccw90,
            Rotation::Ccw180,
            Rotation::Ccw270,
        ];
        for (rotation, turn) in (0u8..).zip(turns) {
            for mirror in [None, Some(0u8), Some(1)] {
                let mut grey = heic_rs::Image::zeroed(3, 2, PixelLayout::Gray8, 6).expect("image");
                grey.data = vec![1, 2, 3, 4, 5, 6];
                let mut transforms = vec![Transform::Rotate(turn)];
                transforms.extend(mirror.map(|axis| {
                    Transform::Mirror(if axis == 0 {
                        Mirror::LeftRight
                    } else {
                        Mirror::TopBottom
                    })
                }));
                let theirs = heic_rs::transform::apply_all(grey, &transforms).expect("turned");
                let rgb =
                    image::RgbImage::from_fn(3, 2, |x, y| image::Rgb([(y * 3 + x + 1) as u8; 3]));
                let ours = crate::orient::apply(rgb, heif_orientation(rotation, mirror));
                let what = format!("irot {rotation}, imir {mirror:?}");
                assert_eq!(
                    (ours.width(), ours.height()),
                    (theirs.width, theirs.height),
                    "{what}"
                );
                let ours: Vec<u8> = ours.pixels().map(|p| p[0]).collect();
                assert_eq!(ours, theirs.data, "{what}");
            }
        }
    }
}
