//! The HEIC path: portrait's container check, then heic-rs (items, grid, HEVC pictures, colour
//! conversion, transforms) and the colour stage, through `portrait_imaging::process`. Inputs that
//! do not start with an `ftyp` box get one naming `heic` put in front. Seeded with real files
//! (`fixtures/images/heic-*.heic`), whose coded pictures the fuzzer mutates. Beyond "no panic
//! outside the decoders": an accepted file is a complete rendition set within the limits, and
//! `probe` says the same as `process`.
#![no_main]

mod common;
mod rendered;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::Format;

const FTYP: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    rendered::check_heif(data, FTYP, &[Format::Heic]);
});
