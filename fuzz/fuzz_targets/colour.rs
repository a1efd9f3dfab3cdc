//! The colour path: any bytes as an embedded ICC profile (or PNG cICP, or PNG gAMA and cHRM) of a
//! small real JPEG and PNG, through `portrait_imaging::process`. It must return Ok (an unusable profile is ignored,
//! never a reason to refuse the image) quickly and in bounded memory.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::testing::{jpeg_with_icc, png_with_chunk};
use portrait_imaging::{process, Options};

const JPEG: &[u8] = include_bytes!("../../fixtures/images/colour-srgb-256x160.jpg");
const PNG: &[u8] = include_bytes!("../../fixtures/images/colour-srgb-160x100.png");
const GREY: &[u8] = include_bytes!("../../fixtures/images/gray-240x150.jpg");
const CMYK: &[u8] = include_bytes!("../../fixtures/images/cmyk-240x150.jpg");

fn must_accept(bytes: &[u8], what: &str) {
    let small = Options {
        square_sizes: vec![16],
        full_max_side: 64,
        ..Options::default()
    };
    if let Err(e) = process(bytes, &small) {
        panic!("{what} refused because of its profile: {e:?}");
    }
}

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let Some((&selector, icc)) = data.split_first() else {
        return;
    };
    match selector % 6 {
        0 => must_accept(&jpeg_with_icc(JPEG, icc), "RGB JPEG"),
        1 => must_accept(&jpeg_with_icc(GREY, icc), "grey JPEG"),
        2 => must_accept(&jpeg_with_icc(CMYK, icc), "CMYK JPEG"),
        3 => {
            let mut iccp = b"fuzz\0\0".to_vec();
            iccp.extend_from_slice(&fdeflate::compress_to_vec(icc));
            must_accept(&png_with_chunk(PNG, b"iCCP", &iccp), "PNG iCCP");
        }
        4 => {
            let cicp: [u8; 4] = [0, 1, 2, 3].map(|i| icc.get(i).copied().unwrap_or(0));
            must_accept(&png_with_chunk(PNG, b"cICP", &cicp), "PNG cICP");
        }
        _ => {
            // gAMA from the first 4 bytes, cHRM from the next 32 (when there are that many).
            let mut png = PNG.to_vec();
            if let Some(chrm) = icc.get(4..36) {
                png = png_with_chunk(&png, b"cHRM", chrm);
            }
            if let Some(gama) = icc.get(..4) {
                png = png_with_chunk(&png, b"gAMA", gama);
            }
            must_accept(&png, "PNG gAMA/cHRM");
        }
    }
});
