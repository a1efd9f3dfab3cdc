//! JPEG XL: the size and orientation read from the codestream's first bytes by this module
//! (so limits are checked before jxl-oxide sees the file), then frames counted and the first
//! one decoded by [jxl-oxide](https://crates.io/crates/jxl-oxide) (pure Rust), single-threaded.
//!
//! Colour: XYB-coded images (every lossy one) are rendered straight to sRGB by jxl-oxide,
//! which needs no colour engine for that; others come out in their own space and go through
//! [`colour`] like every other format: an enum encoding as its CICP code points, an ICC
//! profile as it is.

use std::panic::{catch_unwind, AssertUnwindSafe};

use image::metadata::Orientation;
use image::{DynamicImage, ImageBuffer};
use jxl_oxide::{AllocTracker, EnumColourEncoding, JxlImage, PixelFormat, RenderingIntent};

use crate::byte_order::{be32, be64};
use crate::colour::{self, Embedded};
use crate::{defaults, ImageError, Limits};

/// The bare codestream's signature.
pub(crate) const CODESTREAM_MAGIC: &[u8] = &[0xFF, 0x0A];
/// The ISO BMFF container's first box (ISO/IEC 18181-2).
pub(crate) const CONTAINER_MAGIC: &[u8] = b"\0\0\0\x0cJXL \r\n\x87\n";

/// What the codestream header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JxlHeader {
    pub width: u32,
    pub height: u32,
    pub orientation: Orientation,
}

/// Enough codestream to hold the signature, the SizeHeader (at most 9 bytes) and the start of
/// the ImageMetadata.
const HEAD_BYTES: usize = 32;

/// Reads the stored size and orientation (ISO/IEC 18181-1 SizeHeader and the start of
/// ImageMetadata) without jxl-oxide.
pub(crate) fn header(bytes: &[u8]) -> Result<JxlHeader, ImageError> {
    let head = codestream_head(bytes)?;
    if !head.starts_with(CODESTREAM_MAGIC) {
        return Err(ImageError::corrupt("JPEG XL codestream has no signature"));
    }
    let mut r = Bits::new(head.get(2..).unwrap_or_default());
    let short = |r: &mut Bits| -> Option<u32> { Some((r.u(5)? + 1) * 8) };
    let long = |r: &mut Bits| -> Option<u32> {
        let bits = [9, 13, 18, 30][r.u(2)? as usize];
        Some(r.u(bits)? + 1)
    };
    let parse = |r: &mut Bits| -> Option<JxlHeader> {
        let small = r.u(1)? == 1;
        let height = if small { short(r)? } else { long(r)? };
        let ratio = r.u(3)?;
        let width = match ratio {
            0 if small => short(r)?,
            0 => long(r)?,
            _ => {
                let (num, den) =
                    [(1, 1), (12, 10), (4, 3), (3, 2), (16, 9), (5, 4), (2, 1)][ratio as usize - 1];
                u32::try_from(u64::from(height) * num / den).ok()?
            }
        };
        // ImageMetadata: all_default, then extra_fields, then orientation − 1 in 3 bits.
        let all_default = r.u(1)? == 1;
        let orientation = if !all_default && r.u(1)? == 1 {
            r.u(3)? + 1
        } else {
            1
        };
        Some(JxlHeader {
            width,
            height,
            orientation: Orientation::from_exif(orientation as u8)?,
        })
    };
    parse(&mut r).ok_or_else(|| ImageError::corrupt("JPEG XL header is truncated"))
}

/// The first [`HEAD_BYTES`] of the codestream: the file itself, or the payloads of its
/// `jxlc` box or first `jxlp` boxes in a container.
fn codestream_head(bytes: &[u8]) -> Result<Vec<u8>, ImageError> {
    if !bytes.starts_with(CONTAINER_MAGIC) {
        return Ok(bytes
            .get(..HEAD_BYTES.min(bytes.len()))
            .unwrap_or_default()
            .to_vec());
    }
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let mut pos = CONTAINER_MAGIC.len();
    let truncated = || ImageError::corrupt("JPEG XL container is truncated");
    while head.len() < HEAD_BYTES {
        let Some(size) = be32(bytes, pos) else {
            break;
        };
        let kind = bytes.get(pos + 4..pos + 8).ok_or_else(truncated)?;
        let (start, end) = match size {
            // To the end of the file.
            0 => (pos + 8, bytes.len()),
            1 => {
                let large = be64(bytes, pos + 8).ok_or_else(truncated)?;
                let end = usize::try_from(large)
                    .ok()
                    .and_then(|l| pos.checked_add(l))
                    .filter(|&e| e >= pos + 16)
                    .ok_or_else(|| ImageError::corrupt("JPEG XL box has a bad size"))?;
                (pos + 16, end)
            }
            2..=7 => return Err(ImageError::corrupt("JPEG XL box has a bad size")),
            n => (pos + 8, pos.saturating_add(n as usize)),
        };
        let payload = bytes.get(start..end.min(bytes.len())).unwrap_or_default();
        match kind {
            b"jxlc" => head.extend_from_slice(payload),
            // A partial codestream box starts with its 4-byte sequence number.
            b"jxlp" => head.extend_from_slice(payload.get(4..).unwrap_or_default()),
            _ => {}
        }
        if end >= bytes.len() {
            break;
        }
        pos = end;
    }
    if head.is_empty() {
        return Err(ImageError::corrupt("JPEG XL container holds no codestream"));
    }
    head.truncate(HEAD_BYTES);
    Ok(head)
}

/// JPEG XL's bit order: least significant bit of each byte first.
struct Bits<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Bits<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Bits { bytes, at: 0 }
    }

    fn u(&mut self, n: u32) -> Option<u32> {
        let mut v = 0u32;
        for i in 0..n {
            let byte = *self.bytes.get(self.at / 8)?;
            v |= u32::from((byte >> (self.at % 8)) & 1) << i;
            self.at += 1;
        }
        Some(v)
    }
}

/// Memory jxl-oxide may allocate for its own buffers: f32 planes for colour and alpha (up to
/// 16 bytes a pixel) plus room for its group scratch. Beyond it the decode fails cleanly.
fn tracker(limits: &Limits) -> AllocTracker {
    let bytes = limits
        .max_pixels
        .saturating_mul(defaults::JXL_BYTES_PER_PIXEL)
        .saturating_add(1 << 24);
    AllocTracker::with_limit(usize::try_from(bytes).unwrap_or(usize::MAX))
}

/// Parses the whole file with jxl-oxide (frame headers and tables of contents; no pixel is
/// decoded), after [`header`] has passed the size limits.
fn open(bytes: &[u8], limits: &Limits) -> Result<JxlImage, ImageError> {
    let run = || {
        JxlImage::builder()
            .alloc_tracker(tracker(limits))
            .read(bytes)
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(image)) => Ok(image),
        Ok(Err(_)) => Err(ImageError::corrupt(
            "JPEG XL data is malformed or truncated",
        )),
        Err(_) => Err(ImageError::corrupt("JPEG XL parser panicked")),
    }
}

/// Number of displayed frames (keyframes), at most `cap`.
pub(crate) fn frames(bytes: &[u8], limits: &Limits, cap: u32) -> Result<u32, ImageError> {
    let image = open(bytes, limits)?;
    let n = u32::try_from(image.num_loaded_keyframes()).unwrap_or(u32::MAX);
    if n == 0 {
        return Err(ImageError::corrupt("JPEG XL contains no complete frame"));
    }
    Ok(n.min(cap))
}

/// Decodes the first frame to 8-bit RGB (alpha composited later, with the other formats),
/// **with its orientation already applied** (jxl-oxide always orients what it renders).
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, ImageError> {
    let mut image = open(bytes, limits)?;
    let metadata = &image.image_header().metadata;
    let sixteen = metadata.bit_depth.bits_per_sample() > 8;
    let grey = metadata.grayscale();
    let encoding = &metadata.colour_encoding;
    let embedded = if metadata.xyb_encoded {
        // XYB to any enum encoding is jxl-oxide's own arithmetic: ask for sRGB directly.
        let srgb = if grey {
            EnumColourEncoding::gray_srgb(RenderingIntent::Relative)
        } else {
            EnumColourEncoding::srgb(RenderingIntent::Relative)
        };
        image.request_color_encoding(srgb);
        None
    } else if encoding.want_icc() {
        image
            .original_icc()
            .filter(|icc| icc.len() <= defaults::MAX_PROFILE_BYTES)
            .map(|icc| Embedded::Icc(icc.to_vec()))
    } else if encoding.is_srgb() {
        None
    } else {
        encoding.cicp().map(Embedded::Cicp)
    };
    let format = image.pixel_format();
    if format.has_black() {
        return Err(ImageError::corrupt("JPEG XL CMYK images are not supported"));
    }
    let render = catch_unwind(AssertUnwindSafe(|| image.render_frame(0)))
        .map_err(|_| ImageError::corrupt("JPEG XL decoder panicked"))?
        .map_err(|_| ImageError::corrupt("JPEG XL data is malformed or truncated"))?;
    let mut stream = render.stream();
    let (w, h) = (stream.width(), stream.height());
    let channels = stream.channels() as usize;
    let len = (w as usize)
        .checked_mul(h as usize)
        .and_then(|p| p.checked_mul(channels))
        .ok_or_else(|| ImageError::corrupt("JPEG XL frame is too large"))?;
    let wrong = || ImageError::corrupt("JPEG XL decoder returned an unexpected layout");
    let dynamic = if sixteen {
        let mut buf = vec![0u16; len];
        if stream.write_to_buffer(&mut buf) != len {
            return Err(wrong());
        }
        match (format, channels) {
            (PixelFormat::Gray, 1) => {
                ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageLuma16)
            }
            (PixelFormat::Graya, 2) => {
                ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageLumaA16)
            }
            (PixelFormat::Rgb, 3) => ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageRgb16),
            (PixelFormat::Rgba, 4) => {
                ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageRgba16)
            }
            _ => None,
        }
    } else {
        let mut buf = vec![0u8; len];
        if stream.write_to_buffer(&mut buf) != len {
            return Err(wrong());
        }
        match (format, channels) {
            (PixelFormat::Gray, 1) => {
                ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageLuma8)
            }
            (PixelFormat::Graya, 2) => {
                ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageLumaA8)
            }
            (PixelFormat::Rgb, 3) => ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageRgb8),
            (PixelFormat::Rgba, 4) => {
                ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageRgba8)
            }
            _ => None,
        }
    }
    .ok_or_else(wrong)?;
    Ok(colour::timed(|| {
        match colour::conversion(embedded.as_ref(), colour::space_of(&dynamic)) {
            Some(c) => c.apply(dynamic),
            None => dynamic,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_header_forms() {
        // small: height (0+1)*8 = 8, ratio 1 (1:1), then all_default metadata.
        // Bits, least significant first: small 1, height 00000, ratio 1 (3 bits), all_default 1.
        let b = [0xFF, 0x0A, 0b0100_0001, 0b0000_0010];
        let h = header(&b).expect("parses");
        assert_eq!(
            (h.width, h.height, h.orientation),
            (8, 8, Orientation::NoTransforms)
        );
        assert!(matches!(
            header(&[0xFF, 0x0A]),
            Err(ImageError::Corrupt { .. })
        ));
        assert!(matches!(
            header(b"\0\0\0\x0cJXL \r\n\x87\n\0\0\0\x14ftypjxl \0\0\0\0jxl "),
            Err(ImageError::Corrupt { .. })
        ));
    }
}
