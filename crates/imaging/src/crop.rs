//! Choosing the square region the square renditions are cut from.

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

/// The region to cut squares from, in the decoded image of `decoded` size whose
/// full-resolution displayed size is `displayed`: the crop box scaled down, or
/// else the centred square.
pub(crate) fn region(crop: Option<&CropBox>, displayed: (u32, u32), decoded: (u32, u32)) -> Region {
    let (dw, dh) = (f64::from(decoded.0), f64::from(decoded.1));
    match crop {
        Some(c) => {
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
        None => {
            let side = decoded.0.min(decoded.1);
            Region {
                left: f64::from((decoded.0 - side) / 2),
                top: f64::from((decoded.1 - side) / 2),
                width: f64::from(side),
                height: f64::from(side),
            }
        }
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
    fn regions() {
        let centre = region(None, (1600, 900), (1600, 900));
        assert_eq!(
            centre,
            Region {
                left: 350.0,
                top: 0.0,
                width: 900.0,
                height: 900.0
            }
        );
        let c = CropBox {
            x: 800,
            y: 400,
            size: 400,
        };
        let halved = region(Some(&c), (1600, 900), (800, 450));
        assert_eq!(
            halved,
            Region {
                left: 400.0,
                top: 200.0,
                width: 200.0,
                height: 200.0
            }
        );
    }
}
