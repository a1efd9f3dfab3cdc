//! The JPEG XL path: the codestream header parser (ours) and jxl-rs behind it, through
//! `portrait_imaging::process`. Inputs that do not already start like JPEG XL get the bare
//! codestream signature put in front, so that every input reaches this path; inputs whose first
//! byte is odd are wrapped in a container (`JXL ` signature, `ftyp`, one `jxlc` box) instead.
//! Beyond "no panic outside the decoders": an accepted file is a complete rendition set within
//! the limits, and `probe` says the same as `process`.
#![no_main]

mod common;
mod rendered;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::{Format, ImageError};

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
    if let Err(ImageError::Unsupported { .. } | ImageError::Empty | ImageError::CropOutside { .. }) =
        rendered::check(&bytes, &[Format::Jxl])
    {
        panic!("a JPEG XL input was not routed to JPEG XL");
    }
});
