//! JPEGs decoded at full size go through zune-jpeg, shrunk ones and rarer frames through
//! jpeg-decoder: where zune-jpeg is used it must give jpeg-decoder's pixels, it must never see
//! the frames it mis-decodes, and a file cut short must still be refused.

use std::path::PathBuf;

use crate::common::{corpus_dir, fixture, fixture_path};
use portrait_imaging::testing::jpeg_each_way;
use portrait_imaging::{process, ImageError, Limits, Options};

fn fixture_jpegs() -> Vec<PathBuf> {
    let mut dirs = vec![fixture_path("")];
    if let Some(corpus) = corpus_dir() {
        dirs.extend([corpus.join("photos"), corpus.join("variants")]);
    }
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).expect("fixture dir").flatten())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "jpg"))
        .collect();
    files.sort();
    files
}

/// Mean and largest absolute difference between two equally long sample buffers.
fn difference(a: &[u8], b: &[u8]) -> (f64, u8) {
    assert_eq!(a.len(), b.len());
    let total: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    let max = a
        .iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0);
    (total as f64 / a.len().max(1) as f64, max)
}

#[test]
fn zune_jpeg_decodes_like_jpeg_decoder() {
    let limits = Limits {
        max_pixels: 40_000_000,
        ..Limits::default()
    };
    let mut by_zune = Vec::new();
    for path in fixture_jpegs() {
        let bytes = std::fs::read(&path).expect("read");
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let each = jpeg_each_way(&bytes, &limits);
        let Some(zune) = each.zune else { continue };
        let zune = zune.unwrap_or_else(|e| panic!("{name}: zune-jpeg refused it: {e}"));
        let reference = each
            .jpeg_decoder
            .unwrap_or_else(|e| panic!("{name}: jpeg-decoder refused it: {e}"));
        assert_eq!(zune.dimensions(), reference.dimensions(), "{name}");
        // Both upsample chroma with libjpeg's triangle filter; rounding differs by a few levels.
        let (mean, max) = difference(zune.as_raw(), reference.as_raw());
        assert!(mean <= 0.5 && max <= 8, "{name}: mean {mean:.3}, max {max}");
        by_zune.push(name);
    }
    for name in [
        "photo-320x180.jpg",
        "progressive-320x180.jpg",
        "tiny-32x32.jpg",
    ] {
        assert!(
            by_zune.iter().any(|n| n == name),
            "{name} not decoded by zune-jpeg: {by_zune:?}"
        );
    }
}

#[test]
fn frames_zune_jpeg_cannot_decode_go_to_jpeg_decoder() {
    // Baseline with one scan per component (etemesi254/zune-image#430 in 0.5.15), CMYK, grey.
    for name in [
        "sequential-scans-320x240.jpg",
        "cmyk-240x150.jpg",
        "gray-240x150.jpg",
    ] {
        let each = jpeg_each_way(&fixture(name), &Limits::default());
        assert!(each.zune.is_none(), "{name} was given to zune-jpeg");
        assert!(each.jpeg_decoder.is_ok(), "{name}");
    }
    // The same pixels as the interleaved original, through the whole pipeline.
    let options = Options::default();
    let one_scan = process(&fixture("gps-exif-320x240.jpg"), &options).expect("interleaved");
    let per_component =
        process(&fixture("sequential-scans-320x240.jpg"), &options).expect("one scan each");
    for (a, b) in one_scan.renditions.iter().zip(&per_component.renditions) {
        let (a, b) = (
            crate::common::decode_jpeg(&a.jpeg),
            crate::common::decode_jpeg(&b.jpeg),
        );
        let (mean, _) = difference(&a.data, &b.data);
        assert!(
            mean <= 1.0,
            "{}x{}: mean difference {mean:.2}",
            a.width,
            a.height
        );
    }
}

#[test]
fn full_size_jpegs_cut_short_are_refused() {
    let whole = fixture("photo-320x180.jpg");
    let progressive = fixture("progressive-320x180.jpg");
    for (name, bytes) in [("baseline", &whole), ("progressive", &progressive)] {
        assert!(process(bytes, &Options::default()).is_ok(), "{name} whole");
        // Without its end marker, or missing the last few bytes of coded data.
        for cut in [2, 20, bytes.len() / 3] {
            let short = &bytes[..bytes.len() - cut];
            match process(short, &Options::default()) {
                Err(ImageError::Corrupt { .. }) => {}
                other => panic!("{name} cut by {cut} bytes: {:?}", other.map(|_| "accepted")),
            }
        }
    }
}
