//! JPEG encoding of the renditions. The encoder is given pixels only, so the
//! output carries no EXIF, XMP, IPTC, ICC or comments: just the JFIF header.

use image::RgbImage;
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder};

use crate::ImageError;

/// Encodes `image` as a baseline JPEG at `quality` (clamped to 1–100).
pub(crate) fn encode(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let failed = |_| ImageError::corrupt("JPEG encoding failed");
    let width = u16::try_from(image.width()).map_err(failed)?;
    let height = u16::try_from(image.height()).map_err(failed)?;
    let mut out = Vec::with_capacity(image.as_raw().len() / 8 + 1024);
    let mut encoder = Encoder::new(&mut out, quality.clamp(1, 100));
    // Standard Huffman tables, not optimised ones: jpeg-encoder 0.7's optimised
    // tables (5-7 % smaller) decode to wrong colours in zune-jpeg, the decoder of
    // the `image` crate, so clients built on it would show garbage. Averaging
    // chroma avoids the colour fringes of nearest-sample subsampling.
    encoder.set_optimized_huffman_tables(false);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder
        .encode(image.as_raw(), width, height, ColorType::Rgb)
        .map_err(|_| ImageError::corrupt("JPEG encoding failed"))?;
    Ok(out)
}
