//! The image pipeline: `portrait_imaging::process` must return Ok or Err for any bytes, quickly
//! and in bounded memory, and every Ok must be a well-formed rendition set.
//!
//! Each input is processed twice: with the server's default options, and with small limits,
//! small renditions and a crop box derived from the input (inside or outside the image), so the
//! limit checks and the crop/shrink-on-load arithmetic are exercised too.
#![no_main]

mod common;

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use portrait_imaging::{process, CropBox, ImageError, Limits, Options, Processed, RenditionKind};

/// Anything slower than this on one input is a finding (libFuzzer's -timeout is the hard stop).
fn slow_limit() -> Duration {
    let ms = std::env::var("PORTRAIT_FUZZ_SLOW_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    Duration::from_millis(ms)
}

/// FNV-1a over the input: a stable source of option values that mutations keep changing.
fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn small_options(data: &[u8]) -> Options {
    let h = hash(data);
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
    // The crop box lives in displayed coordinates: derive it from the stored size, so it is
    // sometimes inside, sometimes at the edge and sometimes outside (also when rotated by EXIF).
    let crop = match (bits(2, 4), portrait_imaging::probe(data, &probe_limits)) {
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

fn check(data: &[u8], options: &Options, result: &Result<Processed, ImageError>) {
    let Ok(processed) = result else { return };
    let p = &processed.source;
    assert!(p.width >= 1 && p.height >= 1, "accepted an empty image");
    assert!(
        u64::from(p.width) * u64::from(p.height) <= options.limits.max_pixels,
        "accepted {}x{} over the pixel limit",
        p.width,
        p.height
    );
    assert!(p.frames <= options.limits.max_frames);
    assert_eq!(processed.renditions.len(), options.square_sizes.len() + 1);
    for (r, &size) in processed.renditions.iter().zip(&options.square_sizes) {
        assert_eq!(r.kind, RenditionKind::Square(size));
        assert_eq!((r.width, r.height), (size, size));
    }
    let full = processed.renditions.last().expect("Full rendition");
    assert_eq!(full.kind, RenditionKind::Full);
    assert!(full.width.max(full.height) <= options.full_max_side.max(1));
    for r in &processed.renditions {
        assert!(r.jpeg.starts_with(&[0xFF, 0xD8]) && r.jpeg.ends_with(&[0xFF, 0xD9]));
        // The output never carries the input's bytes (metadata) along.
        assert!(r.jpeg.len() < 64 || !data.starts_with(&r.jpeg[..64]));
    }
}

fn run(data: &[u8], options: &Options) {
    let started = Instant::now();
    let result = process(data, options);
    let elapsed = started.elapsed();
    check(data, options, &result);
    if elapsed > slow_limit() {
        panic!(
            "process took {elapsed:?} on {} bytes ({:?})",
            data.len(),
            result.map(|p| p.source)
        );
    }
}

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    run(data, &Options::default());
    run(data, &small_options(data));
});
