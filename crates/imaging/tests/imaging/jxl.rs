//! JPEG XL (fixtures made by cjxl 0.7, see fixtures/images/make_jxl_fixtures.sh): every kind
//! cjxl writes decodes to the standard rendition set, orientation is applied once, colour is
//! converted, and limits are checked from the codestream header before jxl-rs runs.

use portrait_imaging::testing::mean_delta_e00;
use portrait_imaging::{probe, process, Format, ImageError, Limits, Options};

use crate::colour::check_against;
use crate::common::{assert_standard_set, decode_jpeg, fixture, Rgb};

/// The Full rendition at quality 100, so that the encoder's rounding does not amplify the
/// decoders' small differences.
fn full(name: &str) -> Rgb {
    let options = Options {
        jpeg_quality: 100,
        ..Options::default()
    };
    let p = process(&fixture(name), &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    decode_jpeg(&p.renditions.last().expect("full").jpeg)
}

#[test]
fn every_kind_cjxl_writes_is_accepted() {
    let cases = [
        // Bare codestream, lossy (XYB).
        ("jxl-lossy-400x300.jxl", (400, 300), 1),
        // Container, recompressed JPEG (YCbCr DCT, not XYB).
        ("jxl-recompressed-320x180.jxl", (320, 180), 1),
        ("jxl-alpha-120x120.jxl", (120, 120), 1),
        ("jxl-animated-3frames-80x60.jxl", (80, 60), 3),
        ("colour-p3-256x160.jxl", (256, 160), 1),
        ("colour-p3-16bit-96x60.jxl", (96, 60), 1),
        // Stored 160×90, orientation 6.
        ("jxl-orient6-160x90.jxl", (90, 160), 1),
        ("jxl-recompressed-orient6-160x90.jxl", (90, 160), 1),
        ("jxl-grey-240x150.jxl", (240, 150), 1),
        ("jxl-gray16-linear-160x100.jxl", (160, 100), 1),
    ];
    for (name, displayed, frames) in cases {
        let p =
            process(&fixture(name), &Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.source.format, Format::Jxl, "{name}");
        assert_eq!(p.source.frames, frames, "{name}");
        assert_standard_set(&p, displayed);
        let probed = probe(&fixture(name), &Limits::default()).expect(name);
        assert_eq!(probed, p.source, "{name}");
    }
    let p = probe(&fixture("jxl-orient6-160x90.jxl"), &Limits::default()).expect("probe");
    assert_eq!(
        (p.width, p.height),
        (160, 90),
        "probe reports the stored size"
    );
    assert_eq!(p.format.media_type(), "image/jxl");
}

/// Same picture as `orientation.rs`'s: grey, red block in the stored top-left corner.
#[test]
fn codestream_orientation_is_applied_exactly_once() {
    let red = |p: [u8; 3]| p[0] > 190 && p[1] < 70 && p[2] < 70;
    let grey = |p: [u8; 3]| p.iter().all(|&c| (95..=160).contains(&c));
    for name in [
        "jxl-orient6-160x90.jxl",
        "jxl-recompressed-orient6-160x90.jxl",
    ] {
        let img = full(name);
        assert_eq!((img.width, img.height), (90, 160), "{name}");
        assert!(
            red(img.pixel(80, 10)),
            "{name}: top-right {:?}",
            img.pixel(80, 10)
        );
        assert!(
            grey(img.pixel(10, 10)),
            "{name}: top-left {:?}",
            img.pixel(10, 10)
        );
        assert!(
            grey(img.pixel(80, 150)),
            "{name}: bottom-right {:?}",
            img.pixel(80, 150)
        );
    }
}

#[test]
fn pixels_match_the_source_images() {
    // Lossless (alpha onto white, as PNG's) and recompressed-JPEG files give what their
    // sources give, but for the renditions' own JPEG encoding (trellis quantisation rounds
    // the two decoders' slightly different pixels differently); the lossy one within the
    // encoder's error.
    for (jxl, source, most) in [
        ("jxl-alpha-120x120.jxl", "alpha-120x120.png", 0.3),
        ("jxl-recompressed-320x180.jxl", "photo-320x180.jpg", 0.6),
        ("jxl-lossy-400x300.jxl", "quadrants-400x300.png", 1.5),
    ] {
        let (a, b) = (full(jxl), full(source));
        assert_eq!((a.width, a.height), (b.width, b.height));
        let de = mean_delta_e00(&a.data, &b.data);
        println!("{jxl} vs {source}: mean ΔE00 {de:.3}");
        assert!(de <= most, "{jxl} vs {source}: mean ΔE00 {de:.3}");
    }
    let corner = full("jxl-alpha-120x120.jxl").pixel(0, 0);
    assert!(
        corner.iter().all(|&c| c >= 245),
        "transparent corner is {corner:?}"
    );
}

#[test]
fn animated_uses_the_first_frame() {
    let (jxl, apng) = (
        full("jxl-animated-3frames-80x60.jxl").mean(),
        full("animated-3frames-80x60.png").mean(),
    );
    for c in 0..3 {
        assert!((jxl[c] - apng[c]).abs() < 6.0, "{jxl:?} vs {apng:?}");
    }
}

#[test]
fn colour_encodings_are_converted_to_srgb() {
    // P3 as enum primaries (XYB, rendered to P3 by jxl-rs, then converted by moxcms) and a 16-bit lossless P3 with
    // its ICC profile (converted by moxcms at 16 bits).
    let direct = check_against("colour-p3-256x160.jxl", "colour-srgb-256x160.jpg");
    // Lossy (distance 0.5): the encoder's own error is most of this.
    assert!(direct <= 1.5, "P3 enum: {direct:.3}");
    let direct = check_against("colour-p3-16bit-96x60.jxl", "colour-srgb-96x60.png");
    assert!(direct <= 0.05, "16-bit P3 ICC: {direct:.3}");
}

#[test]
fn grey_stays_grey_and_is_converted() {
    // Lossy grey (XYB, enum sRGB): like the JPEG it was made from, within the encoder's error.
    // Lossless 16-bit grey with a linear ICC profile: like lcms2's conversion of its PNG source
    // (colour.rs explains the 0.8: moxcms and lcms2 part ways in the deep shadows of that curve).
    for (jxl, truth, most) in [
        ("jxl-grey-240x150.jxl", "gray-240x150.jpg", 1.5),
        (
            "jxl-gray16-linear-160x100.jxl",
            "colour-gray16-linear-reference-160x100.png",
            0.8,
        ),
    ] {
        let (a, b) = (full(jxl), full(truth));
        assert_eq!((a.width, a.height), (b.width, b.height), "{jxl}");
        let de = mean_delta_e00(&a.data, &b.data);
        println!("{jxl} vs {truth}: mean ΔE00 {de:.3}");
        assert!(de <= most, "{jxl} vs {truth}: mean ΔE00 {de:.3}");
        assert!(
            a.data
                .chunks_exact(3)
                .all(|p| p[0].abs_diff(p[1]) <= 2 && p[1].abs_diff(p[2]) <= 2),
            "{jxl} is no longer grey"
        );
    }
}

/// A bare codestream declaring `width` × `height` (the 30-bit size forms), default metadata,
/// then `tail` bytes of nothing.
fn codestream(width: u32, height: u32, tail: usize) -> Vec<u8> {
    let mut bits: Vec<bool> = Vec::new();
    let mut put = |v: u32, n: u32| (0..n).for_each(|i| bits.push(v >> i & 1 == 1));
    put(0, 1); // not small
    put(3, 2);
    put(height - 1, 30);
    put(0, 3); // no ratio: width follows
    put(3, 2);
    put(width - 1, 30);
    put(1, 1); // all_default metadata
    let mut out = vec![0xFF, 0x0A];
    out.extend(
        bits.chunks(8)
            .map(|c| c.iter().rev().fold(0u8, |b, &x| b << 1 | u8::from(x))),
    );
    out.resize(out.len() + tail, 0);
    out
}

#[test]
fn limits_are_checked_from_the_header() {
    let l = Limits::default();
    assert!(matches!(
        probe(&codestream(30000, 30000, 0), &l),
        Err(ImageError::TooManyPixels {
            width: 30000,
            height: 30000,
            ..
        })
    ));
    assert!(matches!(
        probe(&codestream(30_000, 4, 0), &l),
        Err(ImageError::SideTooLong { .. })
    ));
    assert!(matches!(
        process(&codestream(7000, 7000, 100), &Options::default()),
        Err(ImageError::TooCompressed {
            width: 7000,
            height: 7000,
            ..
        })
    ));
    // Under every limit: jxl-rs then finds no frame.
    assert!(matches!(
        process(&codestream(64, 64, 100), &Options::default()),
        Err(ImageError::Corrupt { .. })
    ));
    let few = Limits { max_frames: 2, ..l };
    assert_eq!(
        probe(&fixture("jxl-animated-3frames-80x60.jxl"), &few),
        Err(ImageError::TooManyFrames {
            frames_seen: 3,
            max_frames: 2
        })
    );
}

#[test]
fn truncated_files_are_corrupt() {
    for name in [
        "jxl-lossy-400x300.jxl",
        "jxl-recompressed-320x180.jxl",
        "colour-p3-16bit-96x60.jxl",
        "jxl-animated-3frames-80x60.jxl",
    ] {
        let whole = fixture(name);
        // From 14 bytes on: a shorter container head is not recognised as JPEG XL at all.
        let mut cuts = vec![14, 40, whole.len() / 3];
        if !name.contains("animated") {
            // An animation cut after its first frame is used like a cut GIF: by that frame.
            cuts.extend([whole.len() * 6 / 10, whole.len() - 1]);
        }
        for cut in cuts {
            let e = process(&whole[..cut], &Options::default()).map(|p| p.source);
            assert!(
                matches!(e, Err(ImageError::Corrupt { .. })),
                "{name} cut at {cut}: {e:?}"
            );
        }
    }
    let anim = fixture("jxl-animated-3frames-80x60.jxl");
    let p = process(&anim[..anim.len() - 1], &Options::default()).expect("first frames whole");
    assert_eq!(p.source.frames, 2, "the cut third frame is not counted");
}
