//! The AVIF path: portrait's container check, heic-rs's item walk, rav1d (through `portrait-av1`)
//! and the colour stage, through `portrait_imaging::process`. Inputs that do not start with an
//! `ftyp` box get one naming `avif` put in front. Seeded with real files
//! (`fixtures/images/avif-*.avif`), whose AV1 data the fuzzer mutates. Beyond "no panic outside
//! the decoders" (a panic inside rav1d aborts the process: it cannot unwind out of its C-style
//! API, so it is always a finding): an accepted file is a complete rendition set within the
//! limits, and `probe` says the same as `process`.
#![no_main]

mod common;
mod rendered;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::Format;

const FTYP: &[u8] = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf";

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    rendered::check_heif(data, FTYP, &[Format::Avif, Format::Heic]);
});
