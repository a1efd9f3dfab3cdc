//! JPEGs go through zune-jpeg, at full size or shrunk in the DCT domain, and rarer frames
//! through jpeg-decoder: where zune-jpeg is used it must give jpeg-decoder's pixels at every
//! scale, it must never see the frames it mis-decodes, and a file cut short must still be
//! refused.

use std::path::PathBuf;

use crate::common::{corpus_dir, fixture, fixture_path};
use portrait_imaging::testing::jpeg_each_way;
use portrait_imaging::{process, process_with_stats, Decoder, ImageError, Limits, Options};

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
        let mut full_size = None;
        for scale in [1, 2, 4, 8] {
            let each = jpeg_each_way(&bytes, &limits, scale);
            let Some(zune) = each.zune else { continue };
            let what = format!("{name} 1/{scale}");
            let zune = zune.unwrap_or_else(|e| panic!("{what}: zune-jpeg refused it: {e}"));
            let reference = each
                .jpeg_decoder
                .unwrap_or_else(|e| panic!("{what}: jpeg-decoder refused it: {e}"));
            assert_eq!(zune.dimensions(), reference.dimensions(), "{what}");
            if scale == 1 {
                // Both upsample chroma with libjpeg's triangle filter; rounding differs by a
                // few levels.
                let (mean, max) = difference(zune.as_raw(), reference.as_raw());
                assert!(mean <= 0.5 && max <= 8, "{what}: mean {mean:.3}, max {max}");
                full_size = Some(reference);
            } else {
                // Shrunk, the two differ in chroma (zune-jpeg keeps it at the output size,
                // jpeg-decoder shrinks it further and upsamples it back), so each is held to
                // the full-size decode shrunk by averaging: zune-jpeg must come as close as
                // jpeg-decoder does.
                let full = full_size.as_ref().expect("decoded at full size first");
                let truth = box_shrink(full, scale);
                let (by_zune_error, _) = difference(zune.as_raw(), &truth);
                let (by_reference_error, _) = difference(reference.as_raw(), &truth);
                assert!(
                    by_zune_error <= by_reference_error + 0.05,
                    "{what}: mean error {by_zune_error:.3}, jpeg-decoder's {by_reference_error:.3}"
                );
            }
            by_zune.push(what);
        }
    }
    for name in [
        "photo-320x180.jpg 1/1",
        "progressive-320x180.jpg 1/1",
        "tiny-32x32.jpg 1/1",
        "photo-320x180.jpg 1/2",
        "progressive-320x180.jpg 1/4",
        "tiny-32x32.jpg 1/8",
    ] {
        assert!(
            by_zune.iter().any(|n| n == name),
            "{name} not decoded by zune-jpeg: {by_zune:?}"
        );
    }
}

/// `image` shrunk by `scale`, each output pixel the rounded mean of the (up to) `scale` ×
/// `scale` pixels it covers: the sizes a DCT-scaled decode gives.
fn box_shrink(image: &image::RgbImage, scale: u32) -> Vec<u8> {
    let (width, height) = image.dimensions();
    let (out_width, out_height) = (width.div_ceil(scale), height.div_ceil(scale));
    let mut out = Vec::with_capacity(out_width as usize * out_height as usize * 3);
    for y in 0..out_height {
        for x in 0..out_width {
            let (mut sum, mut count) = ([0u32; 3], 0u32);
            for sy in y * scale..((y + 1) * scale).min(height) {
                for sx in x * scale..((x + 1) * scale).min(width) {
                    let pixel = image.get_pixel(sx, sy).0;
                    for (total, value) in sum.iter_mut().zip(pixel) {
                        *total += u32::from(value);
                    }
                    count += 1;
                }
            }
            out.extend(sum.map(|total| ((total + count / 2) / count) as u8));
        }
    }
    out
}

#[test]
fn frames_zune_jpeg_cannot_decode_go_to_jpeg_decoder() {
    // Baseline with one scan per component (etemesi254/zune-image#430 in 0.5.15), CMYK, grey.
    for name in [
        "sequential-scans-320x240.jpg",
        "cmyk-240x150.jpg",
        "gray-240x150.jpg",
    ] {
        let each = jpeg_each_way(&fixture(name), &Limits::default(), 1);
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
fn jpegs_cut_short_are_refused_at_full_size_and_shrunk() {
    let whole = fixture("photo-320x180.jpg");
    let progressive = fixture("progressive-320x180.jpg");
    // A Full rendition of at most 128 px and 48 px squares: decoded at 1/2.
    let shrunk = Options {
        full_max_side: 128,
        square_sizes: vec![48],
        ..Options::default()
    };
    for (options, scale) in [(Options::default(), 1), (shrunk, 2)] {
        for (name, bytes) in [("baseline", &whole), ("progressive", &progressive)] {
            let (_, stats) = process_with_stats(bytes, &options).expect("whole");
            assert_eq!(
                (stats.scale_denominator, stats.decoder),
                (scale, Decoder::ZuneJpeg),
                "{name} whole"
            );
            // Without its end marker, or missing the last few bytes of coded data.
            for cut in [2, 20, bytes.len() / 3] {
                let short = &bytes[..bytes.len() - cut];
                match process(short, &options) {
                    Err(ImageError::Corrupt { .. }) => {}
                    other => panic!(
                        "{name} at 1/{scale} cut by {cut} bytes: {:?}",
                        other.map(|_| "accepted")
                    ),
                }
            }
        }
    }
}
