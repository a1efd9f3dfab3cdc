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

use crate::ImageError;

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
