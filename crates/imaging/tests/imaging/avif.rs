//! AVIF (fixtures made by avifenc and libvips, see fixtures/images/make_heif_fixtures.sh): 8- and
//! 10-bit pictures, grids, alpha, `irot`/`imir` applied once, the first frame of a sequence,
//! colour from the sequence header or the `colr` property, and the limits checked from the boxes
//! before rav1d sees a byte.

use portrait_imaging::testing::mean_delta_e00;
use portrait_imaging::{probe, process, Format, ImageError, Limits, Options};

use crate::common::{assert_standard_set, decode_jpeg, fixture, Rgb};

fn full(name: &str) -> Rgb {
    let p = process(&fixture(name), &Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    decode_jpeg(&p.renditions.last().expect("full").jpeg)
}

#[test]
fn every_kind_avifenc_writes_is_accepted() {
    let cases = [
        ("avif-320x180.avif", (320, 180), (320, 180), 1),
        ("avif-10bit-320x180.avif", (320, 180), (320, 180), 1),
        ("avif-grid2x2-400x300.avif", (400, 300), (400, 300), 1),
        ("avif-alpha-120x120.avif", (120, 120), (120, 120), 1),
        ("avif-vips-320x180.avif", (320, 180), (320, 180), 1),
        ("avif-animated-3frames-80x60.avif", (80, 60), (80, 60), 3),
        // Stored 160×90, `irot` 1 (a quarter turn anticlockwise), then `imir` 0.
        ("avif-irot1-imir0-160x90.avif", (160, 90), (90, 160), 1),
    ];
    for (name, stored, displayed, frames) in cases {
        let p =
            process(&fixture(name), &Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.source.format, Format::Avif, "{name}");
        assert_eq!((p.source.width, p.source.height), stored, "{name}");
        assert_eq!(p.source.frames, frames, "{name}");
        assert_standard_set(&p, displayed);
        let probed = probe(&fixture(name), &Limits::default()).expect(name);
        assert_eq!(probed, p.source, "{name}");
    }
    assert_eq!(Format::Avif.media_type(), "image/avif");
}

#[test]
fn pixels_match_the_source_images() {
    // avifenc's default quality (and libvips' Q 50): the encoder's error is most of this.
    for (avif, source, most) in [
        ("avif-320x180.avif", "photo-320x180.jpg", 2.0),
        ("avif-10bit-320x180.avif", "photo-320x180.jpg", 2.0),
        ("avif-vips-320x180.avif", "photo-320x180.jpg", 2.5),
        ("avif-grid2x2-400x300.avif", "quadrants-400x300.png", 1.5),
        ("avif-alpha-120x120.avif", "alpha-120x120.png", 2.0),
    ] {
        let (a, b) = (full(avif), full(source));
        assert_eq!((a.width, a.height), (b.width, b.height), "{avif}");
        let de = mean_delta_e00(&a.data, &b.data);
        println!("{avif} vs {source}: mean ΔE00 {de:.3}");
        assert!(de <= most, "{avif} vs {source}: mean ΔE00 {de:.3}");
    }
    let corner = full("avif-alpha-120x120.avif").pixel(0, 0);
    assert!(
        corner.iter().all(|&c| c >= 245),
        "transparent corner is {corner:?}"
    );
}

/// Same picture as `orientation.rs`'s: grey, red block in the stored top-left corner. `irot` 1
/// takes it to the bottom-left, `imir` 0 (left and right swap) then to the bottom-right.
#[test]
fn irot_and_imir_are_applied_exactly_once() {
    let red = |p: [u8; 3]| p[0] > 190 && p[1] < 70 && p[2] < 70;
    let grey = |p: [u8; 3]| p.iter().all(|&c| (95..=160).contains(&c));
    let img = full("avif-irot1-imir0-160x90.avif");
    assert_eq!((img.width, img.height), (90, 160));
    assert!(
        red(img.pixel(80, 150)),
        "bottom-right {:?}",
        img.pixel(80, 150)
    );
    for (x, y) in [(10, 10), (80, 10), (10, 150)] {
        assert!(grey(img.pixel(x, y)), "({x}, {y}) is {:?}", img.pixel(x, y));
    }
}

#[test]
fn a_sequence_gives_its_first_frame() {
    let (avif, apng) = (
        full("avif-animated-3frames-80x60.avif").mean(),
        full("animated-3frames-80x60.png").mean(),
    );
    for c in 0..3 {
        assert!((avif[c] - apng[c]).abs() < 6.0, "{avif:?} vs {apng:?}");
    }
    let few = Limits {
        max_frames: 2,
        ..Limits::default()
    };
    assert_eq!(
        probe(&fixture("avif-animated-3frames-80x60.avif"), &few),
        Err(ImageError::TooManyFrames {
            frames_seen: 3,
            max_frames: 2
        })
    );
}
