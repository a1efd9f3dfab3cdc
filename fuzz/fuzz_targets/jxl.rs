//! The JPEG XL path: the codestream header parser (ours) and jxl-oxide behind it, through
//! `portrait_imaging::process`. Inputs that do not already start like JPEG XL get the bare
//! codestream signature put in front, so that every input reaches this path; inputs whose first
//! byte is odd are wrapped in a container (`JXL ` signature, `ftyp`, one `jxlc` box) instead.
//! Beyond "no panic outside the decoders": an accepted file is a complete rendition set within
//! the limits, and `probe` says the same as `process`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::{probe, process, Format, ImageError, Limits, Options};

const CONTAINER: &[u8] = b"\0\0\0\x0cJXL \r\n\x87\n\0\0\0\x14ftypjxl \0\0\0\0jxl ";

fn as_jxl(data: &[u8]) -> Vec<u8> {
    if data.starts_with(&[0xFF, 0x0A]) || data.starts_with(&CONTAINER[..12]) {
        return data.to_vec();
    }
    let Some((&first, rest)) = data.split_first() else {
        return vec![0xFF, 0x0A];
    };
    let mut out = Vec::with_capacity(data.len() + 40);
    if first & 1 == 1 {
        out.extend_from_slice(CONTAINER);
        let size = u32::try_from(rest.len() + 10).unwrap_or(0);
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(b"jxlc\xFF\x0A");
    } else {
        out.extend_from_slice(&[0xFF, 0x0A]);
    }
    out.extend_from_slice(rest);
    out
}

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let bytes = as_jxl(data);
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
            assert_eq!(p.source.format, Format::Jxl);
            assert_eq!(probed.as_ref().ok(), Some(&p.source), "probe disagrees with process");
            assert!(u64::from(p.source.width) * u64::from(p.source.height) <= 4_000_000);
            assert!(p.source.frames <= 8);
            assert_eq!(p.renditions.len(), 3);
            for r in &p.renditions {
                assert!(r.jpeg.starts_with(&[0xFF, 0xD8]) && r.jpeg.ends_with(&[0xFF, 0xD9]));
            }
            let full = &p.renditions[2];
            assert!(full.width.max(full.height) <= 96);
        }
        Err(ImageError::Unsupported { .. } | ImageError::Empty | ImageError::CropOutside { .. }) => {
            panic!("a JPEG XL input was not routed to JPEG XL: {probed:?}")
        }
        Err(_) => {}
    }
});
