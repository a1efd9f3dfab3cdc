//! The colour path: any bytes as an embedded ICC profile (or PNG cICP) of a small real JPEG and
//! PNG, through `portrait_imaging::process`. It must return Ok (an unusable profile is ignored,
//! never a reason to refuse the image) quickly and in bounded memory.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::{process, Options};

const JPEG: &[u8] = include_bytes!("../../fixtures/images/colour-srgb-256x160.jpg");
const PNG: &[u8] = include_bytes!("../../fixtures/images/colour-srgb-160x100.png");
const GREY: &[u8] = include_bytes!("../../fixtures/images/gray-240x150.jpg");
const CMYK: &[u8] = include_bytes!("../../fixtures/images/cmyk-240x150.jpg");

fn jpeg_with(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    let chunks: Vec<&[u8]> = icc.chunks(65_519).collect();
    let mut out = jpeg[..2].to_vec();
    for (i, chunk) in chunks.iter().enumerate() {
        out.extend_from_slice(&[0xFF, 0xE2]);
        out.extend_from_slice(&((chunk.len() + 16) as u16).to_be_bytes());
        out.extend_from_slice(b"ICC_PROFILE\0");
        out.extend_from_slice(&[(i + 1) as u8, chunks.len() as u8]);
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn png_with(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let crc = crc(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    let ihdr_end = 8 + 8 + 13 + 4;
    [&png[..ihdr_end], &chunk[..], &png[ihdr_end..]].concat()
}

fn crc(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
        }
    }
    !c
}

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
    match selector % 5 {
        0 => must_accept(&jpeg_with(JPEG, icc), "RGB JPEG"),
        1 => must_accept(&jpeg_with(GREY, icc), "grey JPEG"),
        2 => must_accept(&jpeg_with(CMYK, icc), "CMYK JPEG"),
        3 => {
            let mut iccp = b"fuzz\0\0".to_vec();
            iccp.extend_from_slice(&fdeflate::compress_to_vec(icc));
            must_accept(&png_with(PNG, b"iCCP", &iccp), "PNG iCCP");
        }
        _ => {
            let cicp: [u8; 4] = [0, 1, 2, 3].map(|i| icc.get(i).copied().unwrap_or(0));
            must_accept(&png_with(PNG, b"cICP", &cicp), "PNG cICP");
        }
    }
});
