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

/// `pixels` encoded as `kind`: a JPEG, and a WebP when `options` asks for one.
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
        webp: options
            .webp
            .then(|| webp(pixels, webp_quality))
            .transpose()?,
    })
}

/// Largest rendition, in pixels, encoded with trellis quantisation: the 288 square and
/// everything smaller.
pub(crate) const TRELLIS_MAX_PIXELS: u64 = 300 * 300;

/// Encodes `image` as a baseline JPEG at `quality` (clamped to 1–100).
pub(crate) fn encode(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let (width, height) = image.dimensions();
    let trellis = if u64::from(width) * u64::from(height) <= TRELLIS_MAX_PIXELS {
        TrellisConfig::default()
    } else {
        TrellisConfig::disabled()
    };
    Encoder::baseline_optimized()
        .quality(quality.clamp(1, 100))
        // mozjpeg's default tables (Robidoux's, as in ImageMagick): at equal SSIMULACRA they need
        // ~5 % fewer bytes than libjpeg's, and at the same quality number score within 2 %.
        .quant_tables(QuantTableIdx::ImageMagick)
        // 8-bit tables even at low qualities: a baseline JPEG every decoder reads.
        .force_baseline(true)
        // 4:4:4 needed 1.2-1.3x the bytes at equal ssimulacra, even at 96 px.
        .subsampling(Subsampling::S420)
        .trellis(trellis)
        .encode_rgb(image.as_raw(), width, height)
        .map_err(|_| ImageError::corrupt("JPEG encoding failed"))
}

/// The WebP quality that scores like `jpeg_quality` does on a `width` × `height` rendition.
/// Measured on the corpus at JPEG quality 85 (BENCHMARKS.md, "WebP renditions"): WebP matched
/// the JPEG's SSIMULACRA at about 80 on the squares up to 288 px (where the JPEG has trellis
/// quantisation), 86 on the 648 square and 89 on the Full rendition.
pub(crate) fn webp_quality_for(jpeg_quality: u8, width: u32, height: u32) -> u8 {
    let pixels = u64::from(width) * u64::from(height);
    let offset: i16 = match pixels {
        p if p <= TRELLIS_MAX_PIXELS => -3,
        p if p <= 700 * 700 => 3,
        _ => 5,
    };
    u8::try_from((i16::from(jpeg_quality) + offset).clamp(1, 100)).unwrap_or(100)
}

/// Encodes `image` as a lossy WebP at `quality` (clamped to 1–100), with libwebp's sharp
/// RGB→YUV conversion, which keeps coloured edges (lips, eyes) from bleeding at 4:2:0.
pub(crate) fn webp(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let failed = |_| ImageError::corrupt("WebP encoding failed");
    let mut config = webp::WebPConfig::new().map_err(failed)?;
    config.quality = f32::from(quality.clamp(1, 100));
    config.method = WEBP_METHOD;
    config.use_sharp_yuv = 1;
    let (width, height) = image.dimensions();
    let encoded = webp::Encoder::from_rgb(image.as_raw(), width, height)
        .encode_advanced(&config)
        .map_err(|_| ImageError::corrupt("WebP encoding failed"))?;
    Ok(encoded.to_vec())
}

/// libwebp's effort, 0–6 (its default is 4).
const WEBP_METHOD: i32 = 4;
