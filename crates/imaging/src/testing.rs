//! Helpers for the tests and fuzz targets of this crate and of the crates above it (feature
//! `testing`); not part of the pipeline. They panic on what they check, as assertions do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::{probe, CropBox, Limits, Options};

/// Every marker in a JPEG, in order (entropy-coded data skipped). Panics if the
/// structure is broken.
pub fn jpeg_markers(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "starts with SOI");
    let mut out = vec![(0xD8, Vec::new())];
    let mut pos = 2;
    while pos < jpeg.len() {
        assert_eq!(jpeg[pos], 0xFF, "marker expected at {pos}");
        let marker = jpeg[pos + 1];
        pos += 2;
        if marker == 0xD9 {
            out.push((marker, Vec::new()));
            assert_eq!(pos, jpeg.len(), "nothing after EOI");
            break;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[pos], jpeg[pos + 1]]));
        out.push((marker, jpeg[pos + 2..pos + len].to_vec()));
        pos += len;
        if marker == 0xDA {
            // Skip entropy-coded data: stop at a marker that is not stuffing or RSTn.
            while !(jpeg[pos] == 0xFF
                && jpeg[pos + 1] != 0
                && !(0xD0..=0xD7).contains(&jpeg[pos + 1]))
            {
                pos += 1;
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The output carries nothing but image data and a JFIF header.
pub fn assert_no_metadata(jpeg: &[u8]) {
    for (marker, payload) in jpeg_markers(jpeg) {
        match marker {
            0xD8 | 0xD9 | 0xDB | 0xC4 | 0xDA | 0xDD | 0xC0..=0xC2 => {}
            0xE0 => assert!(payload.starts_with(b"JFIF\0"), "APP0 must be JFIF"),
            other => panic!("unexpected marker FF{other:02X} in a rendition"),
        }
    }
    for needle in [
        &b"Exif"[..],
        b"GPS",
        b"http://ns.adobe.com/xap",
        b"Photoshop 3.0",
        b"ICC_PROFILE",
        b"TESTSERIAL",
        b"private comment",
        b"Jane Private",
    ] {
        assert!(
            !contains(jpeg, needle),
            "output contains {:?}",
            String::from_utf8_lossy(needle)
        );
    }
}

/// FNV-1a: a stable hash of the input, for options derived from it.
pub fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Small limits, sizes and a crop box derived from the input: the second set of options the
/// `pipeline` fuzz target runs every input with, and its regression test after it.
pub fn small_options(data: &[u8]) -> Options {
    let h = fnv1a(data);
    let bits = |shift: u32, modulo: u64| ((h >> shift) % modulo) as u32;
    let limits = Limits {
        max_pixels: 1 << 20,
        max_side: 4096,
        max_frames: 3,
        max_aspect_ratio: 8,
        min_side: bits(0, 3),
    };
    let probe_limits = Limits {
        max_pixels: u64::MAX,
        max_side: u32::MAX,
        max_frames: u32::MAX,
        max_aspect_ratio: u32::MAX,
        min_side: 0,
    };
    let crop = match (bits(2, 4), probe(data, &probe_limits)) {
        (0, _) | (_, Err(_)) => None,
        (_, Ok(p)) => {
            let long = p.width.max(p.height).max(1);
            let short = p.width.min(p.height).max(1);
            let size = 1 + bits(4, u64::from(short) + 1);
            let x = bits(24, u64::from(long) + 1);
            let y = bits(44, u64::from(short) + 1);
            Some(CropBox {
                x: x.saturating_sub(size / 2),
                y: y.saturating_sub(size / 2),
                size,
            })
        }
    };
    Options {
        limits,
        square_sizes: vec![1 + bits(8, 40), 1 + bits(16, 130), 17],
        full_max_side: 1 + bits(32, 200),
        jpeg_quality: bits(40, 110) as u8,
        crop,
    }
}
