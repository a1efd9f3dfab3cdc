//! JPEG XL: the size and orientation read from the codestream's first bytes by this module
//! (so limits are checked before the decoder sees the file), then frames counted and the first
//! one decoded by [jxl-rs](https://crates.io/crates/jxl) (the JPEG XL project's Rust decoder,
//! the one in Chromium and Firefox), on the calling thread.
//!
//! Colour: XYB-coded images (every lossy one) are rendered by jxl-rs straight to sRGB, or to
//! the enum colour space they name; others come out in their own space. Whatever is not sRGB
//! goes through [`colour`] like every other format: an ICC profile as it is, an enum encoding
//! as the profile jxl-rs writes for it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ::jxl::api::{
    Endianness, Event, ExtraChannel, JxlColorEncoding, JxlColorProfile, JxlColorType,
    JxlDataFormat, JxlDecoder, JxlDecoderOptions, JxlOutputBuffer, JxlPixelFormat,
};
use image::metadata::Orientation;
use image::{DynamicImage, ImageBuffer};

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
/// ImageMetadata) without the decoder.
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

/// Decoder options: orientation applied, no preview, and a cap on the samples of the image and
/// of each frame (pixels × channels; a frame may be larger than the image) beyond which the
/// decoder fails cleanly instead of allocating.
fn options(limits: &Limits) -> JxlDecoderOptions {
    let mut options = JxlDecoderOptions::default();
    options.sample_limit = usize::try_from(
        limits
            .max_pixels
            .saturating_mul(defaults::JXL_MAX_SAMPLES_PER_PIXEL),
    )
    .ok();
    options
}

/// Runs jxl-rs, turning its errors and panics into [`ImageError::Corrupt`].
fn guarded<T>(run: impl FnOnce() -> Result<T, ImageError>) -> Result<T, ImageError> {
    catch_unwind(AssertUnwindSafe(run))
        .unwrap_or_else(|_| Err(ImageError::corrupt("JPEG XL decoder panicked")))
}

fn malformed(_: ::jxl::error::Error) -> ImageError {
    ImageError::corrupt("JPEG XL data is malformed or truncated")
}

fn truncated() -> ImageError {
    ImageError::corrupt("JPEG XL data is truncated")
}

/// Number of displayed frames, at most `cap`, read from the frame headers and tables of
/// contents without decoding a pixel, after [`header`] has passed the size limits. A cut file
/// counts the frames before the cut.
pub(crate) fn frames(bytes: &[u8], limits: &Limits, cap: u32) -> Result<u32, ImageError> {
    guarded(|| {
        let mut options = options(limits);
        options.scan_frames_only = true;
        let mut decoder = JxlDecoder::new(options);
        let mut input = bytes;
        let complete = loop {
            match decoder.process(&mut input, None, None).map_err(malformed)? {
                Event::Complete => break true,
                Event::NeedMoreInput { .. } => break false,
                _ => {}
            }
        };
        let scanned = decoder.scanned_frames().len();
        // Cut short: the last frame recorded may lack sections, so it does not count (a cut
        // between two frames undercounts by one, which only the frame limit sees).
        let whole = if complete {
            scanned
        } else {
            scanned.saturating_sub(1)
        };
        if whole == 0 {
            return Err(if complete {
                ImageError::corrupt("JPEG XL contains no frame")
            } else {
                truncated()
            });
        }
        Ok(u32::try_from(whole).unwrap_or(u32::MAX).min(cap))
    })
}

/// Decodes the first frame to 8-bit (or, from deeper sources, 16-bit) grey or RGB with alpha
/// where there is some (composited later, with the other formats), **with its orientation
/// already applied** (jxl-rs orients what it renders), converted to sRGB.
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, ImageError> {
    let (image, embedded) = guarded(|| first_frame(bytes, limits))?;
    Ok(colour::timed(|| {
        match colour::conversion(embedded.as_ref(), colour::space_of(&image)) {
            Some(c) => c.apply(image),
            None => image,
        }
    }))
}

/// The first frame's pixels, and the colour space they are in when it is not sRGB.
fn first_frame(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(DynamicImage, Option<Embedded>), ImageError> {
    let mut decoder = JxlDecoder::new(options(limits));
    let mut input = bytes;
    loop {
        match decoder.process(&mut input, None, None).map_err(malformed)? {
            Event::BasicInfo => break,
            Event::NeedMoreInput { .. } => return Err(truncated()),
            _ => {}
        }
    }
    let info = decoder.basic_info().ok_or_else(truncated)?;
    let (width, height) = info.size;
    let sixteen = info.bit_depth.bits_per_sample() > 8;
    let alpha = info
        .extra_channels
        .iter()
        .any(|c| c.ec_type == ExtraChannel::Alpha);
    let extra = info.extra_channels.len();
    if decoder
        .embedded_color_profile()
        .is_some_and(|p| p.is_cmyk())
    {
        return Err(ImageError::corrupt("JPEG XL CMYK images are not supported"));
    }
    let grey = decoder
        .current_pixel_format()
        .is_some_and(|f| f.color_type.is_grayscale());
    let color_type = match (grey, alpha) {
        (true, false) => JxlColorType::Grayscale,
        (true, true) => JxlColorType::GrayscaleAlpha,
        (false, false) => JxlColorType::Rgb,
        (false, true) => JxlColorType::Rgba,
    };
    let data_format = if sixteen {
        JxlDataFormat::U16 {
            endianness: Endianness::native(),
            bit_depth: 16,
        }
    } else {
        JxlDataFormat::U8 { bit_depth: 8 }
    };
    decoder
        .set_pixel_format(JxlPixelFormat {
            color_type,
            color_data_format: Some(data_format),
            // Alpha goes into the interleaved pixels; other extra channels are not needed.
            extra_channel_format: vec![None; extra],
        })
        .map_err(malformed)?;
    // XYB (every lossy file) is rendered straight to sRGB, or to the enum space it names; other
    // files come out in their own space.
    let embedded = decoder
        .output_color_profile()
        .and_then(|profile| unless_srgb(profile, grey));

    let too_large = || ImageError::corrupt("JPEG XL frame is too large");
    let row_samples = width
        .checked_mul(color_type.samples_per_pixel())
        .ok_or_else(too_large)?;
    let len = row_samples.checked_mul(height).ok_or_else(too_large)?;
    // u16 storage keeps 16-bit rows aligned, as the decoder requires.
    let mut pixels16 = vec![0u16; if sixteen { len } else { 0 }];
    let mut pixels8 = vec![0u8; if sixteen { 0 } else { len }];
    let (buffer, row_bytes): (&mut [u8], usize) = if sixteen {
        (bytemuck::cast_slice_mut(&mut pixels16), row_samples * 2)
    } else {
        (&mut pixels8, row_samples)
    };
    let mut output = [JxlOutputBuffer::new(buffer, height, row_bytes)];
    loop {
        match decoder
            .process(&mut input, Some(&mut output), None)
            .map_err(malformed)?
        {
            Event::FrameComplete { .. } => break,
            Event::NeedMoreInput { .. } | Event::Complete => return Err(truncated()),
            _ => {}
        }
    }
    let w = u32::try_from(width).map_err(|_| too_large())?;
    let h = u32::try_from(height).map_err(|_| too_large())?;
    // The same four layouts at either depth.
    macro_rules! wrap {
        ($pixels:expr, $grey:ident, $grey_alpha:ident, $rgb:ident, $rgba:ident) => {
            match color_type {
                JxlColorType::Grayscale => {
                    ImageBuffer::from_raw(w, h, $pixels).map(DynamicImage::$grey)
                }
                JxlColorType::GrayscaleAlpha => {
                    ImageBuffer::from_raw(w, h, $pixels).map(DynamicImage::$grey_alpha)
                }
                JxlColorType::Rgb => ImageBuffer::from_raw(w, h, $pixels).map(DynamicImage::$rgb),
                _ => ImageBuffer::from_raw(w, h, $pixels).map(DynamicImage::$rgba),
            }
        };
    }
    let image = if sixteen {
        wrap!(pixels16, ImageLuma16, ImageLumaA16, ImageRgb16, ImageRgba16)
    } else {
        wrap!(pixels8, ImageLuma8, ImageLumaA8, ImageRgb8, ImageRgba8)
    }
    .ok_or_else(|| ImageError::corrupt("JPEG XL decoder returned an unexpected layout"))?;
    Ok((image, embedded))
}

/// The colour space of the decoded pixels for [`colour`], or `None` for sRGB. An enum
/// encoding becomes the ICC profile jxl-rs writes for it.
fn unless_srgb(profile: &JxlColorProfile, grey: bool) -> Option<Embedded> {
    match profile {
        JxlColorProfile::Icc(icc) => {
            (icc.len() <= defaults::MAX_PROFILE_BYTES).then(|| Embedded::Icc(icc.clone()))
        }
        JxlColorProfile::Simple(encoding) => {
            let srgb = JxlColorProfile::Simple(JxlColorEncoding::srgb(grey));
            if profile.same_color_encoding(&srgb) {
                return None;
            }
            encoding
                .maybe_create_profile()
                .ok()
                .flatten()
                .map(Embedded::Icc)
        }
    }
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
