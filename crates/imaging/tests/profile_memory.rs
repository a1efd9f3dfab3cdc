//! Embedded profiles over the cap cost no memory in proportion to their size: neither a 2 MB
//! profile carried by a JPEG nor a 20 MB one inflated from a few KB of PNG `iCCP` (which the
//! PNG decoder would inflate in full if it were handed the chunk). Measured with a counting
//! allocator, one test, so nothing else allocates alongside.

// Tests say what they expect by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/counting.rs"]
mod counting;

use common::*;
use portrait_imaging::testing::jpeg_with_icc;
use portrait_imaging::{process, working_set_bytes, Options};

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

fn peak(bytes: &[u8]) -> usize {
    let options = Options::default();
    let before = counting::reset();
    let processed = process(bytes, &options).expect("accepted");
    let (peak, _) = counting::since(before);
    drop(processed);
    assert!(
        peak as u64 <= working_set_bytes(bytes, &options),
        "peak {peak} over the estimate"
    );
    peak
}

#[test]
fn oversized_profiles_are_neither_assembled_nor_inflated() {
    let p3 = {
        let mut icc = Vec::new();
        for (marker, payload) in
            portrait_imaging::testing::jpeg_markers(&fixture("colour-p3-256x160.jpg"))
        {
            if marker == 0xE2 && payload.starts_with(b"ICC_PROFILE\0") {
                icc.extend_from_slice(&payload[14..]);
            }
        }
        icc
    };
    let padded = |n: usize| {
        let mut icc = p3.clone();
        icc.resize(n, 0);
        icc
    };
    let (jpeg, png) = (
        fixture("colour-srgb-256x160.jpg"),
        fixture("colour-srgb-160x100.png"),
    );
    let (jpeg_plain, png_plain) = (peak(&jpeg), peak(&png));
    // 2 MB of APP2 chunks: the file itself holds them, but nothing copies them.
    let big_jpeg = jpeg_with_icc(&jpeg, &padded(2_000_000));
    let jpeg_big = peak(&big_jpeg);
    // 20 MB inflated from about 20 KB: inflating stops at the 1 MiB cap, and the PNG decoder
    // gets a copy of the file without the chunk.
    let bomb = png_with_icc(&png, &padded(20 << 20));
    assert!(bomb.len() < 200_000, "the bomb is small: {}", bomb.len());
    let png_bomb = peak(&bomb);
    println!("peaks: JPEG {jpeg_plain} → {jpeg_big}, PNG {png_plain} → {png_bomb}");
    let allowance = (1 << 20) + bomb.len() + 256 * 1024;
    assert!(
        jpeg_big <= jpeg_plain + 256 * 1024,
        "JPEG {jpeg_plain} → {jpeg_big}"
    );
    assert!(
        png_bomb <= png_plain + allowance,
        "PNG {png_plain} → {png_bomb}"
    );
}
