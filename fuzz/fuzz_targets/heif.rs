//! The HEIF/AVIF container parser (`portrait_imaging::testing::heif_header`) and the probe
//! behind it. Inputs that do not start with an `ftyp` box get one naming `avif` put in front,
//! so that every input reaches the box walk. Beyond "no panic": the parser answers quickly,
//! whatever it answers must be self-consistent (a grid's tiles cover its size, within the tile
//! cap), and `probe` accepts nothing but HEIC and AVIF and calls anything else a HEIF file of
//! another coding, a limit or a corrupt file. (Decoding is the `heic` and `avif` targets'.)
#![no_main]

mod common;

use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::defaults::MAX_GRID_TILES;
use portrait_imaging::testing::heif_header;
use portrait_imaging::{probe, ImageError, Limits};

const FTYP: &[u8] = b"\0\0\0\x14ftypavif\0\0\0\0mif1";

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let bytes = if data.get(4..8) == Some(b"ftyp") {
        data.to_vec()
    } else {
        [FTYP, data].concat()
    };
    let started = Instant::now();
    if let Ok(h) = heif_header(&bytes, 101) {
        assert!(h.tiles >= 1 && h.tiles <= MAX_GRID_TILES, "{h:?}");
        assert!(h.frames >= 1 && h.frames <= 101, "{h:?}");
        let (tw, th) = (u64::from(h.tile_size.0), u64::from(h.tile_size.1));
        assert!(tw * th * u64::from(h.tiles) >= u64::from(h.width) * u64::from(h.height), "{h:?}");
        assert!(h.rotation < 4 && h.mirror.is_none_or(|m| m < 2), "{h:?}");
    }
    match probe(&bytes, &Limits::default()) {
        Ok(p) => assert!(
            matches!(p.format, portrait_imaging::Format::Heic | portrait_imaging::Format::Avif),
            "{p:?}"
        ),
        Err(ImageError::Unsupported { found, .. }) => assert!(
            matches!(
                found,
                "HEIF image in a coding other than HEVC and AV1" | "video or other ISO media file"
            ),
            "{found}"
        ),
        Err(ImageError::Empty | ImageError::CropOutside { .. }) => panic!("impossible error"),
        Err(_) => {}
    }
    let took = started.elapsed();
    assert!(took.as_millis() < 500, "took {took:?} on {} bytes", bytes.len());
});
