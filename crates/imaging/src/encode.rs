//! JPEG encoding of the renditions, with mozjpeg-rs (pure Rust, byte-exact with C mozjpeg).
//! The encoder is given pixels only, so the output carries no EXIF, XMP, IPTC, ICC or
//! comments: just the JFIF header.
//!
//! Every rendition gets optimised Huffman tables and 4:2:0 chroma. Trellis quantisation
//! (mozjpeg's rate-distortion search over the quantised coefficients) is used up to
//! [`TRELLIS_MAX_PIXELS`]: the avatar sizes pages show most (48 to 288 px), where it saves a
//! few per cent of the bytes at equal SSIMULACRA for a few milliseconds. On the 648 square it
//! added about a tenth to an upload's CPU, and on a 2048 px Full rendition it would cost more than the
//! rest of the upload (BENCHMARKS.md, "Smaller JPEGs").

use image::RgbImage;
use mozjpeg_rs::{Encoder, QuantTableIdx, Subsampling, TrellisConfig};

use crate::{ImageError, Options, Rendition, RenditionKind};

/// `pixels` encoded as `kind`: a JPEG, and for a square a WebP when `options` asks for one.
/// The Full rendition's WebP is not made here: it cost more than the whole JPEG pipeline, so
/// it is made after the upload has answered ([`crate::siblings`]).
pub(crate) fn rendition(
    kind: RenditionKind,
    pixels: &RgbImage,
    options: &Options,
) -> Result<Rendition, ImageError> {
    let (width, height) = pixels.dimensions();
    let webp_quality = webp_quality_for(options.jpeg_quality, width, height);
    Ok(Rendition {
        kind,
        width,
        height,
        jpeg: encode(pixels, options.jpeg_quality)?,
        webp: (options.webp && kind != RenditionKind::Full)
            .then(|| webp(pixels, webp_quality))
            .transpose()?,
    })
}

/// Largest rendition, in pixels, encoded with trellis quantisation: the 288 square and
/// everything smaller.
pub(crate) const TRELLIS_MAX_PIXELS: u64 = 300 * 300;

/// Quantisation tables by rendition size: (largest size in pixels, mozjpeg table, factor on
/// libjpeg's quality scaling as a fraction). With it each size scores about as it did with
/// Robidoux's tables at `jpeg_quality` (at 85, where the factors give 60, 65 and 75, a median
/// SSIMULACRA 0.89-1.04x of before per size) for 0.83-0.99x the bytes: at equal SSIMULACRA the
/// flat table needs 0.80-0.83x libjpeg-turbo's bytes on the trellised squares (Robidoux's
/// 0.89-0.97x; butteraugli agrees, 5-12 % fewer bytes), and Peterson, Ahumada and Watson's
/// 0.92-0.95x on the 648 and Full, where the flat table did less well (BENCHMARKS.md,
/// "Quantisation tables by size"). Scaling rather than an offset keeps quality 100 at 100.
const TABLES_BY_SIZE: [(u64, QuantTableIdx, (u32, u32)); 3] = [
    (150 * 150, QuantTableIdx::Flat, (8, 3)),
    (TRELLIS_MAX_PIXELS, QuantTableIdx::Flat, (7, 3)),
    (u64::MAX, QuantTableIdx::Peterson, (5, 3)),
];

/// The quality whose libjpeg scaling (100 − q doubled above 50, 5000 / q below) is `quality`'s
/// times `factor`.
fn scaled_quality(quality: u8, (num, den): (u32, u32)) -> u8 {
    let quality = u32::from(quality.clamp(1, 100));
    let scale = if quality < 50 {
        5000 / quality
    } else {
        200 - 2 * quality
    };
    let scaled = (scale * num + den / 2) / den;
    let scaled_quality = if scaled <= 100 {
        (200 - scaled).div_ceil(2)
    } else {
        (5000 + scaled / 2) / scaled
    };
    u8::try_from(scaled_quality.clamp(1, 100)).unwrap_or(1)
}

/// Encodes `image` as a baseline JPEG at `quality` (clamped to 1–100 and scaled by the
/// rendition's [`TABLES_BY_SIZE`] factor).
pub(crate) fn encode(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let (width, height) = image.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    let (_, tables, factor) = TABLES_BY_SIZE
        .into_iter()
        .find(|&(max_pixels, _, _)| pixels <= max_pixels)
        .unwrap_or(TABLES_BY_SIZE[2]);
    let trellis = if pixels <= TRELLIS_MAX_PIXELS {
        TrellisConfig::default()
    } else {
        TrellisConfig::disabled()
    };
    Encoder::baseline_optimized()
        .quality(scaled_quality(quality, factor))
        .quant_tables(tables)
        // 8-bit tables even at low qualities: a baseline JPEG every decoder reads.
        .force_baseline(true)
        // 4:4:4 needed 1.2-1.3x the bytes at equal ssimulacra, even at 96 px.
        .subsampling(Subsampling::S420)
        .trellis(trellis)
        .encode_rgb(image.as_raw(), width, height)
        .map_err(|_| ImageError::corrupt("JPEG encoding failed"))
}

/// The WebP quality that scores like `jpeg_quality` does on a `width` × `height` rendition.
/// Matched on the corpus at JPEG quality 85 (BENCHMARKS.md, "WebP renditions"): the offsets at
/// which WebP scored at least as well as the JPEG on SSIMULACRA on most photos of each size.
pub(crate) fn webp_quality_for(jpeg_quality: u8, width: u32, height: u32) -> u8 {
    let offset: i16 = match u64::from(width) * u64::from(height) {
        p if p <= 200 * 200 => -3,
        p if p <= TRELLIS_MAX_PIXELS => 0,
        p if p <= 700 * 700 => 3,
        _ => 5,
    };
    u8::try_from((i16::from(jpeg_quality) + offset).clamp(1, 100)).unwrap_or(100)
}

/// Encodes `image` as a lossy WebP at `quality` (clamped to 1–100). libwebp's effort (method
/// 0–6) is its default, 4, on the squares up to 288 px, where it costs a few milliseconds, and
/// 2 on larger renditions: on the 648 square method 4 took 20–30 ms more for 2–3 % fewer bytes,
/// and on a 2048 px Full rendition twice the CPU of the whole JPEG pipeline. Sharp RGB→YUV is
/// off: it cost half as much again.
pub(crate) fn webp(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let failed = || ImageError::corrupt("WebP encoding failed");
    let mut config = webp::WebPConfig::new().map_err(|()| failed())?;
    config.quality = f32::from(quality.clamp(1, 100));
    let (width, height) = image.dimensions();
    config.method = if u64::from(width) * u64::from(height) <= TRELLIS_MAX_PIXELS {
        4
    } else {
        2
    };
    let encoded = webp::Encoder::from_rgb(image.as_raw(), width, height)
        .encode_advanced(&config)
        .map_err(|_| failed())?;
    Ok(encoded.to_vec())
}

/// The AVIF quality (ravif's 1–100 scale) that scores like `jpeg_quality` does: at JPEG
/// quality 85, ravif's 80 gave the corpus renditions a median SSIMULACRA just better than the
/// JPEGs' (75 and 70 were worse), for the same ~0.59× of libjpeg-turbo's bytes at equal score
/// (BENCHMARKS.md, "AVIF renditions").
pub(crate) fn avif_quality_for(jpeg_quality: u8) -> u8 {
    jpeg_quality.saturating_sub(AVIF_QUALITY_BELOW_JPEG).max(1)
}

const AVIF_QUALITY_BELOW_JPEG: u8 = 5;

/// Largest rendition, in pixels, encoded as 10-bit AVIF at rav1e's speed 8. Above it (the Full
/// rendition) 8 bits and speed 9: rav1e's frame state is ~30 bytes a pixel in 10 bits against
/// ~24 in 8, and speed 9 halves the CPU of a 3 MP encode (from ~7 s) for ~3 % more bytes.
pub(crate) const AVIF_FINE_MAX_PIXELS: u64 = 700 * 700;

/// Encodes `image` as an AVIF (AV1 4:4:4, full range, BT.709 matrix, sRGB transfer, no
/// metadata) at `quality`, on the calling thread. Slow: hundreds of milliseconds for a 648
/// square, seconds for a 2048 px Full rendition, so never on an upload's critical path.
pub(crate) fn avif(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let (width, height) = image.dimensions();
    let fine = u64::from(width) * u64::from(height) <= AVIF_FINE_MAX_PIXELS;
    let (speed, depth) = if fine {
        (8, ravif::BitDepth::Ten)
    } else {
        (9, ravif::BitDepth::Eight)
    };
    let pixels: Vec<ravif::RGB8> = image
        .as_raw()
        .chunks_exact(3)
        .map(|p| ravif::RGB8::new(p[0], p[1], p[2]))
        .collect();
    let frame = ravif::Img::new(pixels.as_slice(), width as usize, height as usize);
    ravif::Encoder::new()
        .with_quality(f32::from(quality.clamp(1, 100)))
        .with_speed(speed)
        .with_bit_depth(depth)
        .with_num_threads(Some(1))
        .encode_rgb(frame)
        .map(|encoded| encoded.avif_file)
        .map_err(|_| ImageError::corrupt("AVIF encoding failed"))
}

#[cfg(test)]
mod tests {
    use super::{scaled_quality, TABLES_BY_SIZE};

    #[test]
    fn table_qualities_are_the_measured_ones_at_85_and_stay_100_at_100() {
        let at = |quality| TABLES_BY_SIZE.map(|(_, _, factor)| scaled_quality(quality, factor));
        assert_eq!(at(85), [60, 65, 75]);
        assert_eq!(at(100), [100; 3]);
        assert_eq!(at(1), [1; 3]);
    }

    #[test]
    fn scaled_qualities_never_fall_as_the_setting_rises() {
        for (_, _, factor) in TABLES_BY_SIZE {
            let qualities: Vec<u8> = (1..=100).map(|q| scaled_quality(q, factor)).collect();
            assert!(qualities.windows(2).all(|w| w[0] <= w[1]), "{qualities:?}");
            assert!(qualities.iter().zip(1..).all(|(&s, q)| s <= q));
        }
    }
}
