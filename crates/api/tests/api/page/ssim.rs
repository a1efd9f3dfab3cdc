//! Comparing a served rendition with the same crop made independently: decode the original
//! (jpeg-decoder or `image`), cut the box, resize with `image`'s Lanczos3, and take the SSIM.

use image::imageops::{self, FilterType};
use image::RgbImage;

/// Decodes a JPEG with jpeg-decoder (`image` here has no JPEG decoder).
pub fn decode_jpeg(bytes: &[u8]) -> RgbImage {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let rgb = decoder.decode().expect("JPEG decodes");
    let info = decoder.info().expect("JPEG info");
    assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
    RgbImage::from_raw(u32::from(info.width), u32::from(info.height), rgb).expect("RGB image")
}

/// The square `(x, y, side)` of `original`, resized to `size` × `size`.
pub fn reference_square(original: &RgbImage, crop: (u32, u32, u32), size: u32) -> RgbImage {
    let (x, y, side) = crop;
    let square = imageops::crop_imm(original, x, y, side, side).to_image();
    imageops::resize(&square, size, size, FilterType::Lanczos3)
}

/// Mean structural similarity of the two images' luma (BT.601) over 8×8 windows every
/// 4 pixels, with the usual constants for 8-bit data (Wang et al. 2004).
pub fn ssim(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(
        a.dimensions(),
        b.dimensions(),
        "compared images differ in size"
    );
    let (width, height) = a.dimensions();
    let luma = |image: &RgbImage| -> Vec<f64> {
        image
            .pixels()
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect()
    };
    let (la, lb) = (luma(a), luma(b));
    let (c1, c2) = ((0.01 * 255.0_f64).powi(2), (0.03 * 255.0_f64).powi(2));
    const WINDOW: u32 = 8;
    let (mut total, mut windows) = (0.0, 0u32);
    for top in (0..=height.saturating_sub(WINDOW)).step_by(4) {
        for left in (0..=width.saturating_sub(WINDOW)).step_by(4) {
            let index = |x: u32, y: u32| ((top + y) * width + left + x) as usize;
            let n = f64::from(WINDOW * WINDOW);
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for y in 0..WINDOW {
                for x in 0..WINDOW {
                    let (va, vb) = (la[index(x, y)], lb[index(x, y)]);
                    sa += va;
                    sb += vb;
                    saa += va * va;
                    sbb += vb * vb;
                    sab += va * vb;
                }
            }
            let (ma, mb) = (sa / n, sb / n);
            let (vara, varb) = (saa / n - ma * ma, sbb / n - mb * mb);
            let cov = sab / n - ma * mb;
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (vara + varb + c2));
            windows += 1;
        }
    }
    total / f64::from(windows.max(1))
}

#[test]
fn ssim_tells_a_shifted_crop_from_the_right_one() {
    let original = decode_jpeg(&crate::helpers::fixture("photo-320x180.jpg"));
    let right = reference_square(&original, (10, 0, 140), 96);
    assert!(ssim(&right, &right) > 0.999);
    let shifted = reference_square(&original, (60, 20, 140), 96);
    assert!(ssim(&right, &shifted) < 0.8, "{}", ssim(&right, &shifted));
}
