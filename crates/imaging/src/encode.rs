//! JPEG encoding of the renditions, with mozjpeg-rs (pure Rust, byte-exact with C mozjpeg).
//! The encoder is given pixels only, so the output carries no EXIF, XMP, IPTC, ICC or
//! comments: just the JFIF header.
//!
//! Every rendition gets optimised Huffman tables and 4:2:0 chroma. Trellis quantisation
//! (mozjpeg's rate-distortion search over the quantised coefficients) is used up to
//! [`TRELLIS_MAX_PIXELS`]: on the squares it saves ~9 % of the bytes at equal ssimulacra for
//! a few milliseconds, while on the Full rendition it would cost several times the rest of
//! the upload (BENCHMARKS.md, "Smaller JPEGs").

use image::RgbImage;
use mozjpeg_rs::{Encoder, QuantTableIdx, Subsampling, TrellisConfig};

use crate::ImageError;

/// Largest rendition, in pixels, encoded with trellis quantisation: the 648 square and
/// everything smaller, not a 2048 px Full rendition.
pub(crate) const TRELLIS_MAX_PIXELS: u64 = 1024 * 1024;

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
        // libjpeg's tables, so that a quality means what it meant with libjpeg encoders.
        .quant_tables(QuantTableIdx::JpegAnnexK)
        // 8-bit tables even at low qualities: a baseline JPEG every decoder reads.
        .force_baseline(true)
        // 4:4:4 needed 1.2-1.3x the bytes at equal ssimulacra, even at 96 px.
        .subsampling(Subsampling::S420)
        .trellis(trellis)
        .encode_rgb(image.as_raw(), width, height)
        .map_err(|_| ImageError::corrupt("JPEG encoding failed"))
}
