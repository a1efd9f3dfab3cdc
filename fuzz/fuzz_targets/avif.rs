//! The AVIF path: portrait's container check, heic-rs's item walk, rav1d (through `portrait-av1`)
//! and the colour stage, through `portrait_imaging::process`. Inputs that do not start with an
//! `ftyp` box get one naming `avif` put in front. Seeded with real files
//! (`fixtures/images/avif-*.avif`), whose AV1 data the fuzzer mutates. Beyond "no panic outside
//! the decoders" (a panic inside rav1d aborts the process: it cannot unwind out of its C-style
//! API, so it is always a finding): an accepted file is a complete rendition set within the
//! limits, and `probe` says the same as `process`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::{probe, process, Format, ImageError, Limits, Options};

const FTYP: &[u8] = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf";

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let bytes = if data.get(4..8) == Some(b"ftyp") {
        data.to_vec()
    } else {
        [FTYP, data].concat()
    };
    let options = Options {
        limits: Limits {
            max_pixels: 4_000_000,
            max_side: 4096,
            max_frames: 8,
            ..Limits::default()
        },
        square_sizes: vec![16, 48],
        full_max_side: 96,
        ..Options::default()
    };
    let probed = probe(&bytes, &options.limits);
    match process(&bytes, &options) {
        Ok(p) => {
            assert!(matches!(p.source.format, Format::Avif | Format::Heic));
            assert_eq!(probed.as_ref().ok(), Some(&p.source), "probe disagrees with process");
            assert!(u64::from(p.source.width) * u64::from(p.source.height) <= 4_000_000);
            assert_eq!(p.renditions.len(), 3);
            for r in &p.renditions {
                assert!(r.jpeg.starts_with(&[0xFF, 0xD8]) && r.jpeg.ends_with(&[0xFF, 0xD9]));
            }
            let full = &p.renditions[2];
            assert!(full.width.max(full.height) <= 96);
        }
        Err(ImageError::Empty | ImageError::CropOutside { .. }) => {
            panic!("impossible error: {probed:?}")
        }
        Err(_) => {}
    }
});
