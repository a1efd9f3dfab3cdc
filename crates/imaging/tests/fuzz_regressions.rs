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

use portrait_imaging::testing::small_options;
use portrait_imaging::{process, Options, RenditionKind};

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

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
