//! The JPEG path: portrait's frame checks (which keep zune-jpeg away from frames it
//! mis-decodes and from files without an end marker), zune-jpeg behind them at full size and
//! shrunk by 2, 4 and 8, and jpeg-decoder on the same bytes at the same scales. Inputs that do not start with SOI get one put in front.
//! Beyond "no panic outside the decoders": when both decoders accept a file they agree on its
//! size, and the file goes through `process` like the other format targets.
#![no_main]

mod common;
mod rendered;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::testing::jpeg_each_way;
use portrait_imaging::{Format, Limits};

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let bytes = if data.starts_with(&[0xFF, 0xD8]) {
        data.to_vec()
    } else {
        [&[0xFF, 0xD8][..], data].concat()
    };
    let limits = Limits {
        max_pixels: 4_000_000,
        max_side: 4096,
        ..Limits::default()
    };
    for scale in [1, 2, 4, 8] {
        let each = jpeg_each_way(&bytes, &limits, scale);
        if let (Some(Ok(zune)), Ok(reference)) = (&each.zune, &each.jpeg_decoder) {
            assert_eq!(zune.dimensions(), reference.dimensions(), "the decoders disagree on the size");
        }
    }
    let _ = rendered::check(&bytes, &[Format::Jpeg]);
});
