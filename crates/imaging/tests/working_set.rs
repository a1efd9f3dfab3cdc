//! `working_set_bytes` is what the server budgets decode memory by: it must not fall below
//! what `process()` really allocates at its peak, or the budget would not bound memory.
//! Measured here with a counting allocator, one image at a time (a single test, so nothing
//! else allocates alongside).

// Tests say what they expect by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/counting.rs"]
mod counting;

use common::*;
use portrait_imaging::{process, working_set_bytes, Options};

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// Bytes `process` allocates at its peak beyond what was live before it.
fn measured_peak(bytes: &[u8], options: &Options) -> (usize, bool) {
    let before = counting::reset();
    let ok = process(bytes, options).is_ok();
    (counting::since(before).0, ok)
}

#[test]
fn the_estimate_covers_the_real_peak_and_refused_headers_cost_nothing() {
    let options = Options::default();
    let mut inputs: Vec<(String, Vec<u8>)> = [
        "photo-320x180.jpg",
        "progressive-320x180.jpg",
        "cmyk-240x150.jpg",
        "gray-240x150.jpg",
        "orient6-160x90.jpg",
        "quadrants-400x300.png",
        "rgb16-64x43.png",
        "alpha-120x120.png",
        "lossy-320x180.webp",
        "bmp24-96x72.bmp",
        "static-120x80.gif",
        "jxl-lossy-400x300.jxl",
        "jxl-alpha-120x120.jxl",
        "colour-p3-16bit-96x60.jxl",
        "jxl-animated-3frames-80x60.jxl",
    ]
    .iter()
    .chain(HEIF_PICTURES.iter())
    .map(|name| (name.to_string(), fixture(name)))
    .collect();
    if let Some(dir) = corpus_dir() {
        for entry in std::fs::read_dir(dir.join("photos")).expect("corpus photos") {
            let path = entry.expect("entry").path();
            let name = path.display().to_string();
            inputs.push((name, std::fs::read(&path).expect("read photo")));
        }
    }
    // Large files of the newer formats, when named (one path per line).
    if let Some(list) = std::env::var_os("PORTRAIT_WORKING_SET_FILES") {
        for path in std::fs::read_to_string(list).expect("list").lines() {
            inputs.push((path.to_owned(), std::fs::read(path).expect("read file")));
        }
    }
    // Phone HEIC (12 MP grids) from pillow-heif's test images, when present (heic.rs).
    if let Some(dir) = std::env::var_os("PORTRAIT_HEIF_SAMPLES") {
        for name in ["heif_other/pug.heic", "heif_other/arrow.heic"] {
            let path = std::path::Path::new(&dir).join(name);
            inputs.push((name.to_owned(), std::fs::read(&path).expect("read sample")));
        }
    }
    for (name, bytes) in &inputs {
        let estimate = working_set_bytes(bytes, &options);
        let (peak, ok) = measured_peak(bytes, &options);
        assert!(ok, "{name} processes");
        eprintln!("{name}: peak {peak} bytes, estimate {estimate}");
        assert!(
            peak as u64 <= estimate,
            "{name}: peak {peak} bytes above the estimate {estimate}"
        );
        // Generous, not absurd: within 4× plus the fixed rendition allowance.
        assert!(
            estimate <= 4 * peak as u64 + portrait_imaging::defaults::RENDITION_BYTES,
            "{name}: estimate {estimate} for a peak of {peak}"
        );
    }

    for refused in ["bomb-30000x30000.png", "sof-65000x65000.jpg", "script.svg"] {
        assert_eq!(
            working_set_bytes(&fixture(refused), &options),
            0,
            "{refused}"
        );
    }
    let progressive = working_set_bytes(&fixture("progressive-320x180.jpg"), &options);
    let baseline = working_set_bytes(&fixture("photo-320x180.jpg"), &options);
    assert!(
        progressive > baseline,
        "coefficients of a progressive frame count"
    );
}
