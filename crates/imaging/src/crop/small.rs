//! The small copy that faces and saliency are looked for in: the detector's cost grows with
//! pixels, and a face that matters in a 648 px avatar is still tens of pixels tall here.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::FaceBox;

/// Most pixels in the copy every photo gets (well under the 0.3 MP the issue allows: the
/// detector's time is what the crop costs; BENCHMARKS.md).
pub(crate) const MAX_PIXELS: u64 = 76_800;
/// Most pixels in the copy of the second, small-face pass (the 0.3 MP): twice the
/// small copy's sides, so a face half the size reaches the detector's 40 px window.
pub(crate) const FINE_MAX_PIXELS: u64 = 300_000;

/// A downscaled RGB copy and its luma, with the scale back to the source.
pub(crate) struct Small {
    pub rgb: Vec<u8>,
    pub grey: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// Source pixels per copy pixel, horizontally and vertically.
    scale_x: f64,
    scale_y: f64,
}

/// The copy's size for a `width` × `height` source: at most `max_pixels`, aspect kept,
/// never upscaled, each side at least 1.
pub(crate) fn size_for(width: u32, height: u32, max_pixels: u64) -> (u32, u32) {
    let pixels = u64::from(width) * u64::from(height);
    if pixels <= max_pixels {
        return (width, height);
    }
    // f64 is exact enough here: sides are at most 65535.
    let factor = (max_pixels as f64 / pixels as f64).sqrt();
    let side = |s: u32| {
        let v = (f64::from(s) * factor).floor();
        if v < 1.0 {
            1
        } else {
            v as u32
        }
    };
    (side(width), side(height))
}

impl Small {
    /// A copy of at most `max_pixels`; `None` when the pixels cannot be resampled (they do
    /// not match the size).
    pub(crate) fn new(rgb: &[u8], width: u32, height: u32, max_pixels: u64) -> Option<Small> {
        let (w, h) = size_for(width, height, max_pixels);
        let rgb_small = if (w, h) == (width, height) {
            rgb.to_vec()
        } else {
            let source = ImageRef::new(width, height, rgb, PixelType::U8x3).ok()?;
            let mut dest = Image::new(w, h, PixelType::U8x3);
            // Box (area average) is the cheapest filter that does not alias at these ratios.
            let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box));
            Resizer::new().resize(&source, &mut dest, &options).ok()?;
            dest.into_vec()
        };
        let grey = rgb_small
            .chunks_exact(3)
            .map(|p| {
                // BT.601 luma in fixed point, what the detector was trained on.
                let y = 77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]);
                (y >> 8) as u8
            })
            .collect();
        Some(Small {
            rgb: rgb_small,
            grey,
            width: w,
            height: h,
            scale_x: f64::from(width) / f64::from(w),
            scale_y: f64::from(height) / f64::from(h),
        })
    }

    /// A face found in the copy, in source pixels.
    pub(crate) fn to_source(&self, face: &FaceBox) -> FaceBox {
        FaceBox {
            x: face.x * self.scale_x,
            y: face.y * self.scale_y,
            size: face.size * self.scale_x.max(self.scale_y),
            score: face.score,
        }
    }

    /// A box in source pixels, in the copy's.
    pub(crate) fn source_to_copy(&self, face: &FaceBox) -> FaceBox {
        FaceBox {
            x: face.x / self.scale_x,
            y: face.y / self.scale_y,
            size: face.size / self.scale_x.min(self.scale_y),
            score: face.score,
        }
    }

    /// An offset along the long side of the copy, in source pixels.
    pub(crate) fn offset_to_source(&self, offset: u32, wide: bool) -> u32 {
        let scale = if wide { self.scale_x } else { self.scale_y };
        let v = (f64::from(offset) * scale).round();
        if v <= 0.0 {
            0
        } else if v >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            v as u32
        }
    }
}
