//! Renditions must decode to the same pixels in every common JPEG decoder, not
//! only in the one the tests happen to use: jpeg-decoder, zune-jpeg (the `image` crate's)
//! and libjpeg-turbo's `djpeg` (the decoder of Chromium, Firefox and most of the rest) are
//! compared here; the page's browser tests add Chromium itself.
//!
//! zune-jpeg up to 0.5.15 mis-decodes sequential JPEGs with one scan per component
//! (etemesi254/zune-image#430, fixed in 0.5.16): jpeg-encoder 0.7 wrote those when asked for
//! optimised Huffman tables, and a flat yellow square came out (29,29,0). mozjpeg-rs writes
//! one interleaved scan.

use crate::common::fixture;
use portrait_imaging::{process, Options};

fn with_jpeg_decoder(jpeg: &[u8]) -> Vec<u8> {
    jpeg_decoder::Decoder::new(jpeg)
        .decode()
        .expect("jpeg-decoder")
}

/// libjpeg-turbo's `djpeg`, or `None` where it is not installed (it must be under
/// `PORTRAIT_REQUIRE_DJPEG=1`, as in CI).
fn with_djpeg(jpeg: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("djpeg")
        .arg("-ppm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(
            std::env::var("PORTRAIT_REQUIRE_DJPEG").as_deref() != Ok("1"),
            "PORTRAIT_REQUIRE_DJPEG=1 but djpeg (libjpeg-turbo-progs) is not on PATH"
        );
        return None;
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(jpeg)
        .expect("djpeg reads");
    let out = child.wait_with_output().expect("djpeg runs");
    assert!(out.status.success(), "djpeg refused a rendition");
    // A binary PPM: "P6", width, height and maxval 255, each followed by one whitespace.
    let mut header_end = 0;
    for _ in 0..4 {
        header_end += out.stdout[header_end..]
            .iter()
            .position(u8::is_ascii_whitespace)
            .expect("PPM header")
            + 1;
    }
    assert!(out.stdout.starts_with(b"P6"), "djpeg writes a PPM");
    Some(out.stdout[header_end..].to_vec())
}

fn with_zune(jpeg: &[u8]) -> Vec<u8> {
    zune_jpeg::JpegDecoder::new(std::io::Cursor::new(jpeg))
        .decode()
        .expect("zune-jpeg")
}

fn flat_png(rgb: [u8; 3], side: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(side, side, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode PNG");
    out.into_inner()
}

#[test]
fn every_rendition_decodes_the_same_in_three_decoders() {
    let mut inputs = vec![
        ("photo", fixture("photo-320x180.jpg")),
        ("quadrants", fixture("quadrants-400x300.png")),
    ];
    for (name, rgb) in [("yellow", [255, 255, 0]), ("grey", [128, 128, 128])] {
        inputs.push((name, flat_png(rgb, 100)));
    }
    for (name, bytes) in inputs {
        let processed = process(&bytes, &Options::default()).expect("process");
        for rendition in &processed.renditions {
            let reference = with_jpeg_decoder(&rendition.jpeg);
            let others = [("zune-jpeg", Some(with_zune(&rendition.jpeg)))]
                .into_iter()
                .chain([("djpeg", with_djpeg(&rendition.jpeg))]);
            for (decoder, pixels) in others {
                let Some(pixels) = pixels else { continue };
                assert_eq!(pixels.len(), reference.len(), "{name} {:?}", rendition.kind);
                // IDCT and upsampling differ slightly between decoders; colours must not.
                let worst = reference
                    .iter()
                    .zip(&pixels)
                    .map(|(x, y)| x.abs_diff(*y))
                    .max();
                assert!(
                    worst.unwrap_or(0) <= 16,
                    "{name} {:?}: {decoder} differs from jpeg-decoder by {worst:?}",
                    rendition.kind
                );
            }
        }
    }
}
