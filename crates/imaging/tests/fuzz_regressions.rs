//! Inputs found by the cargo-fuzz target `fuzz/fuzz_targets/pipeline.rs`, kept as regression
//! tests: each file in `fixtures/images/fuzz/` is processed with the default options and with the
//! small, input-derived options of the fuzz target, and must come back as a clean Ok or Err,
//! quickly, without a panic escaping and without a huge allocation.
//!
//! A counting global allocator measures the largest single allocation and the peak heap use
//! while each file is processed (this file holds a single test, so nothing else allocates).

// Tests say what they expect by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/counting.rs"]
mod counting;

use std::time::{Duration, Instant};

use portrait_imaging::{process, CropBox, Limits, Options, RenditionKind};

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// FNV-1a, as in the fuzz target.
fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The second set of options of `fuzz/fuzz_targets/pipeline.rs` (keep the two in step).
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

/// Generous for a debug build of the tests (the crate itself is built at opt-level 2).
const TIME_LIMIT: Duration = Duration::from_secs(5);
/// No single allocation, and no peak, may come near what a bomb would need.
const MEMORY_LIMIT: usize = 1 << 30;

#[test]
fn fuzz_findings_are_handled_cleanly() {
    let dir = common::fixture_path("fuzz");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fuzz regression inputs found");
    for path in &files {
        let data = std::fs::read(path).expect("readable input");
        for (label, options) in [
            ("default", Options::default()),
            ("small", small_options(&data)),
        ] {
            let baseline = counting::reset();
            let started = Instant::now();
            let result = std::panic::catch_unwind(|| process(&data, &options));
            let elapsed = started.elapsed();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let result = result.unwrap_or_else(|_| panic!("{name} ({label}): panic escaped"));
            let (peak, largest) = counting::since(baseline);
            eprintln!(
                "{name} ({label}): {:?} in {elapsed:?}, peak {} KiB, largest allocation {} KiB",
                result.as_ref().map(|p| p.source),
                peak / 1024,
                largest / 1024
            );
            assert!(elapsed < TIME_LIMIT, "{name} ({label}) took {elapsed:?}");
            assert!(
                peak < MEMORY_LIMIT,
                "{name} ({label}) peaked at {peak} bytes"
            );
            if let Ok(p) = result {
                assert_eq!(p.renditions.len(), options.square_sizes.len() + 1);
                assert_eq!(
                    p.renditions.last().map(|r| r.kind),
                    Some(RenditionKind::Full)
                );
            }
        }
    }
}
