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
use portrait_imaging::testing::small_options;
use portrait_imaging::{process, ImageError, Options, Processed, RenditionKind};

/// Anything slower than this on one input is a finding (libFuzzer's -timeout is the hard stop).
fn slow_limit() -> Duration {
    let ms = std::env::var("PORTRAIT_FUZZ_SLOW_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    Duration::from_millis(ms)
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
