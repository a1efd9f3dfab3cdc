//! EXIF orientation: the pixels are turned so the output shows what a browser
//! shows, because the renditions carry no EXIF to tell viewers to do it.

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

/// True when the orientation swaps width and height (the 90°/270° cases).
pub(crate) fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Size as displayed after `orientation` is applied to a `width` × `height` image.
pub(crate) fn displayed_size(width: u32, height: u32, orientation: Orientation) -> (u32, u32) {
    if swaps_sides(orientation) {
        (height, width)
    } else {
        (width, height)
    }
}

/// Turns/flips the pixels as the EXIF orientation asks.
pub(crate) fn apply(image: RgbImage, orientation: Orientation) -> RgbImage {
    if orientation == Orientation::NoTransforms {
        return image;
    }
    let mut dynamic = DynamicImage::ImageRgb8(image);
    dynamic.apply_orientation(orientation);
    dynamic.into_rgb8()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where stored pixel (x, y) of a w × h image appears when displayed, straight
    /// from the EXIF definition of each orientation value.
    fn displayed_at(exif: u8, x: u32, y: u32, w: u32, h: u32) -> (u32, u32) {
        match exif {
            1 => (x, y),
            2 => (w - 1 - x, y),
            3 => (w - 1 - x, h - 1 - y),
            4 => (x, h - 1 - y),
            5 => (y, x),
            6 => (h - 1 - y, x),
            7 => (h - 1 - y, w - 1 - x),
            _ => (y, w - 1 - x),
        }
    }

    #[test]
    fn all_eight_orientations_match_the_exif_definition() {
        let (w, h) = (3u32, 2u32);
        let mut src = RgbImage::new(w, h);
        for y in 0..h {
            for x in 0..w {
                src.put_pixel(x, y, image::Rgb([x as u8, y as u8, 7]));
            }
        }
        for exif in 1..=8u8 {
            let o = Orientation::from_exif(exif).expect("valid value");
            let out = apply(src.clone(), o);
            assert_eq!(out.dimensions(), displayed_size(w, h, o), "exif {exif}");
            for y in 0..h {
                for x in 0..w {
                    let (dx, dy) = displayed_at(exif, x, y, w, h);
                    assert_eq!(
                        out.get_pixel(dx, dy).0,
                        [x as u8, y as u8, 7],
                        "exif {exif}, stored ({x},{y})"
                    );
                }
            }
        }
    }
}
