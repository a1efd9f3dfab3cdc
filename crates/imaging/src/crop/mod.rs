//! Choosing the square region the square renditions are cut from.
//!
//! A client's crop box always wins. Without one, and when the upright image is not already
//! square, the square is as large as the short side and slides along the long side, placed by
//! the first of these that has something to say:
//! 1. faces ([`faces`], on a small copy, [`small`], and when none is found there but
//!    something face-like was, small faces on a larger one), framed by [`frame`];
//! 2. a saliency map ([`saliency`]: edges, skin tones, saturation, as smartcrop does);
//! 3. Kantata's own rule: larger photos are cropped from the bottom, so a tall photo keeps its
//!    top, and a wide one its centre.
//!
//! Everything happens in the coordinates of the upright (oriented) image, after colour
//! conversion, and is deterministic: the same pixels give the same square.

mod faces;
mod frame;
mod saliency;
mod small;

use crate::{CropBox, ImageError};

/// A square-ish region in the coordinates of the decoded (possibly shrunk) image.
/// Fractional, so a crop box keeps its exact position after shrink-on-load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Region {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// Why the squares were cut where they were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CropReason {
    /// The client's crop box.
    Requested,
    /// The upright image is square already: the squares are all of it.
    Whole,
    /// Framed on the faces found.
    Faces,
    /// No face: the most salient square.
    Saliency,
    /// Nothing stood out: Kantata's rule (top of a tall photo, centre of a wide one).
    KantataRule,
}

/// A face found in the image, in the pixel coordinates of the image given to
/// [`default_square`]. The box is square (the detector's), roughly eyebrows to chin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    pub x: f64,
    pub y: f64,
    pub size: f64,
    /// The detector's confidence (higher is surer).
    pub score: f64,
}

/// The square chosen when the client sends no crop box.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultSquare {
    pub x: u32,
    pub y: u32,
    pub size: u32,
    pub reason: CropReason,
    /// The faces the choice considered (surest first, at most 16), in the given image's pixels.
    pub faces: Vec<FaceBox>,
}

/// Checks that `crop` lies inside the displayed `width` × `height` image.
pub(crate) fn validate(crop: &CropBox, width: u32, height: u32) -> Result<(), ImageError> {
    let inside = |start: u32, len: u32| u64::from(start) + u64::from(crop.size) <= u64::from(len);
    if crop.size == 0 || !inside(crop.x, width) || !inside(crop.y, height) {
        return Err(ImageError::CropOutside {
            crop: (crop.x, crop.y, crop.size),
            width,
            height,
        });
    }
    Ok(())
}

/// The client's crop box, given in the displayed full-resolution image of size `displayed`,
/// scaled into the decoded image of size `decoded`.
pub(crate) fn requested(c: &CropBox, displayed: (u32, u32), decoded: (u32, u32)) -> Region {
    let (dw, dh) = (f64::from(decoded.0), f64::from(decoded.1));
    let sx = dw / f64::from(displayed.0.max(1));
    let sy = dh / f64::from(displayed.1.max(1));
    let left = (f64::from(c.x) * sx).min(dw - 1.0).max(0.0);
    let top = (f64::from(c.y) * sy).min(dh - 1.0).max(0.0);
    Region {
        left,
        top,
        width: (f64::from(c.size) * sx).min(dw - left).max(1.0),
        height: (f64::from(c.size) * sy).min(dh - top).max(1.0),
    }
}

impl DefaultSquare {
    pub(crate) fn region(&self) -> Region {
        Region {
            left: f64::from(self.x),
            top: f64::from(self.y),
            width: f64::from(self.size),
            height: f64::from(self.size),
        }
    }
}

/// The square to cut from an upright `width` × `height` RGB image (`rgb` holds 3 bytes a
/// pixel, row by row) when the client sent no crop box: faces, else saliency, else
/// Kantata's rule. Pixels that do not match the size are not looked at (Kantata's rule).
pub fn default_square(rgb: &[u8], width: u32, height: u32) -> DefaultSquare {
    let side = width.min(height);
    let rule = |reason, faces| DefaultSquare {
        x: (width - side) / 2,
        y: 0,
        size: side,
        reason,
        faces,
    };
    if width == height {
        return rule(CropReason::Whole, Vec::new());
    }
    let expected = u64::from(width) * u64::from(height) * 3;
    if u64::try_from(rgb.len()).ok() != Some(expected) {
        return rule(CropReason::KantataRule, Vec::new());
    }
    let wide = width > height;
    let long = width.max(height);
    let at = |offset: u32, reason, faces| {
        let offset = offset.min(long - side);
        let (x, y) = if wide { (offset, 0) } else { (0, offset) };
        DefaultSquare {
            x,
            y,
            size: side,
            reason,
            faces,
        }
    };

    let Some(copy) = small::Small::new(rgb, width, height, small::MAX_PIXELS) else {
        return rule(CropReason::KantataRule, Vec::new());
    };
    let (strong, weak): (Vec<FaceBox>, Vec<FaceBox>) = faces::detect(&copy, faces::COARSE)
        .into_iter()
        .partition(|f| f.score >= faces::SCORE_THRESHOLD);
    let mut found: Vec<FaceBox> = strong.iter().map(|f| copy.to_source(f)).collect();
    if found.is_empty() {
        // Only when the copy is larger than the first: the same pixels again would find
        // little the first pass did not.
        if let Some(fine) = small::Small::new(rgb, width, height, small::FINE_MAX_PIXELS)
            .filter(|fine| fine.width > copy.width)
        {
            // The dense pass only on evidence of a face, and only around it (see `faces`).
            let evidence: Vec<FaceBox> = if weak.is_empty() {
                faces::detect(&fine, faces::PROBE)
            } else {
                weak.iter()
                    .map(|f| fine.source_to_copy(&copy.to_source(f)))
                    .collect()
            };
            if !evidence.is_empty() {
                found = faces::detect_around(&fine, faces::FINE, &evidence)
                    .iter()
                    .map(|f| fine.to_source(f))
                    .collect();
            }
        }
    }
    if !found.is_empty() {
        let faces = found;
        let offset = frame::offset(&faces, width, height);
        return at(offset, CropReason::Faces, faces);
    }
    match saliency::offset(&copy) {
        Some(small_offset) => {
            let offset = copy.offset_to_source(small_offset, wide);
            at(offset, CropReason::Saliency, Vec::new())
        }
        None => rule(CropReason::KantataRule, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_must_fit() {
        let c = |x, y, size| CropBox { x, y, size };
        assert!(validate(&c(0, 0, 900), 1600, 900).is_ok());
        assert!(validate(&c(700, 0, 900), 1600, 900).is_ok());
        assert_eq!(
            validate(&c(10, 10, 5000), 1600, 900),
            Err(ImageError::CropOutside {
                crop: (10, 10, 5000),
                width: 1600,
                height: 900
            })
        );
        assert!(validate(&c(701, 0, 900), 1600, 900).is_err());
        assert!(validate(&c(0, 0, 0), 1600, 900).is_err());
        assert!(validate(&c(u32::MAX, 0, 1), 1600, 900).is_err());
    }

    #[test]
    fn a_requested_box_scales_with_shrink_on_load() {
        let c = CropBox {
            x: 800,
            y: 400,
            size: 400,
        };
        assert_eq!(
            requested(&c, (1600, 900), (800, 450)),
            Region {
                left: 400.0,
                top: 200.0,
                width: 200.0,
                height: 200.0
            }
        );
    }

    #[test]
    fn flat_pixels_follow_kantatas_rule() {
        let grey = |w: u32, h: u32| vec![128u8; (w * h * 3) as usize];
        let wide = default_square(&grey(1600, 900), 1600, 900);
        assert_eq!(
            (wide.x, wide.y, wide.size, wide.reason),
            (350, 0, 900, CropReason::KantataRule)
        );
        let tall = default_square(&grey(900, 1600), 900, 1600);
        assert_eq!(
            (tall.x, tall.y, tall.size, tall.reason),
            (0, 0, 900, CropReason::KantataRule)
        );
        let square = default_square(&grey(300, 300), 300, 300);
        assert_eq!(
            (square.x, square.y, square.size, square.reason),
            (0, 0, 300, CropReason::Whole)
        );
        // Pixels that do not match the size are never read.
        let short = default_square(&[0; 5], 1600, 900);
        assert_eq!(
            (short.x, short.size, short.reason),
            (350, 900, CropReason::KantataRule)
        );
    }
}
