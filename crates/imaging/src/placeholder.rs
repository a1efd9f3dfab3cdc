//! The ThumbHash placeholder (<https://evanw.github.io/thumbhash/>) a list of people paints
//! while the avatars load: about 25 bytes describing a blurred copy of the square.

use image::RgbImage;

/// ThumbHash keeps at most 7 × 7 luminance coefficients of a square, so a 32 px copy holds
/// everything it can use (the reference encoder refuses more than 100 px a side).
pub(crate) const SIDE: u32 = 32;

/// The ThumbHash of a square rendition's pixels.
pub(crate) fn thumbhash(square: &RgbImage) -> Vec<u8> {
    let small;
    let pixels = if square.width() > SIDE || square.height() > SIDE {
        small = image::imageops::thumbnail(square, SIDE, SIDE);
        &small
    } else {
        square
    };
    let (w, h) = pixels.dimensions();
    let rgba: Vec<u8> = pixels
        .pixels()
        .flat_map(|p| [p[0], p[1], p[2], u8::MAX])
        .collect();
    thumbhash::rgba_to_thumb_hash(w as usize, h as usize, &rgba)
}
