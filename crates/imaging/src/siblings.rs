//! Sibling encodings made after an upload has answered: the AVIF of every rendition, and the
//! Full rendition's WebP (the squares' WebPs are made with their JPEGs). They are made from the
//! pixels a JPEG rendition was encoded from while the upload still holds them
//! ([`crate::process_keeping_pixels`]), else from the stored JPEG
//! ([`crate::rendition_pixels`]). Either way at the rendition's own size, and with the same
//! crash guard as [`crate::process`].

use image::RgbImage;

use crate::{defaults, encode, guarded, probe, working_set_bytes, ImageError, Options};

/// `pixels` as a lossy WebP at the quality that matches `options.jpeg_quality` for its size.
pub fn webp(pixels: &RgbImage, options: &Options) -> Result<Vec<u8>, ImageError> {
    let (width, height) = pixels.dimensions();
    let quality = encode::webp_quality_for(options.jpeg_quality, width, height);
    guarded(|| encode::webp(pixels, quality))
}

/// `pixels` as an AVIF at the quality that matches `options.jpeg_quality`: seconds of CPU for a
/// large rendition, so call it off the request path.
pub fn avif(pixels: &RgbImage, options: &Options) -> Result<Vec<u8>, ImageError> {
    let quality = encode::avif_quality_for(options.jpeg_quality);
    guarded(|| encode::avif(pixels, quality))
}

/// Peak memory of [`avif`] on a `width` × `height` rendition, beside the pixels themselves.
pub fn avif_working_set_bytes(width: u32, height: u32) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    let per_pixel = if pixels <= encode::AVIF_FINE_MAX_PIXELS {
        defaults::AVIF_FINE_BYTES_PER_PIXEL
    } else {
        defaults::AVIF_BYTES_PER_PIXEL
    };
    pixels.saturating_mul(per_pixel)
}

/// Peak memory of decoding the stored rendition `jpeg` and encoding it as an AVIF: a generous
/// estimate from its header, for callers that keep such work within a memory budget.
pub fn avif_of_rendition_working_set_bytes(jpeg: &[u8], options: &Options) -> u64 {
    let encoding =
        probe(jpeg, &options.limits).map_or(0, |p| avif_working_set_bytes(p.width, p.height));
    working_set_bytes(jpeg, options).saturating_add(encoding)
}
