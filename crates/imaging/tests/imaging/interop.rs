//! Renditions must decode to the same pixels in every common JPEG decoder, not
//! only in the one the tests happen to use: jpeg-decoder and zune-jpeg (the
//! `image` crate's) are compared here. jpeg-encoder's optimised Huffman tables
//! once broke zune-jpeg (a flat yellow square came out (29,29,0)).

use crate::common::fixture;
use portrait_imaging::{process, Options};

fn with_jpeg_decoder(jpeg: &[u8]) -> Vec<u8> {
    jpeg_decoder::Decoder::new(jpeg)
        .decode()
        .expect("jpeg-decoder")
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
fn every_rendition_decodes_the_same_in_two_decoders() {
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
            let a = with_jpeg_decoder(&rendition.jpeg);
            let b = with_zune(&rendition.jpeg);
            assert_eq!(a.len(), b.len(), "{name} {:?}", rendition.kind);
            // IDCT and upsampling differ slightly between decoders; colours must not.
            let worst = a.iter().zip(&b).map(|(x, y)| x.abs_diff(*y)).max();
            assert!(
                worst.unwrap_or(0) <= 16,
                "{name} {:?}: decoders differ by {worst:?}",
                rendition.kind
            );
        }
    }
}
