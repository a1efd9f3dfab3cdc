//! Every accepted format, from committed fixtures, through the default options.

use crate::common::{assert_standard_set, decode_jpeg, fixture};
use portrait_imaging::{process, process_with_stats, Format, Options, RenditionKind};

fn check(name: &str, format: Format, displayed: (u32, u32)) {
    let bytes = fixture(name);
    let p = process(&bytes, &Options::default()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_eq!(p.source.format, format, "{name}");
    assert_standard_set(&p, displayed);
}

#[test]
fn baseline_jpeg() {
    check("photo-320x180.jpg", Format::Jpeg, (320, 180));
}

#[test]
fn progressive_jpeg() {
    check("progressive-320x180.jpg", Format::Jpeg, (320, 180));
}

#[test]
fn grayscale_jpeg() {
    check("gray-240x150.jpg", Format::Jpeg, (240, 150));
    let p = process(&fixture("gray-240x150.jpg"), &Options::default()).expect("gray");
    let full = decode_jpeg(&p.renditions.last().expect("full").jpeg);
    // Grey in, grey out: channels stay within JPEG rounding of each other.
    for px in full.data.chunks_exact(3).step_by(97) {
        let (lo, hi) = (px.iter().min().unwrap(), px.iter().max().unwrap());
        assert!(hi - lo <= 6, "grey pixel {px:?}");
    }
}

#[test]
fn rgb_png() {
    check("rgb-160x120.png", Format::Png, (160, 120));
}

#[test]
fn rgb16_png() {
    check("rgb16-64x43.png", Format::Png, (64, 43));
}

#[test]
fn palette_png() {
    check("palette-160x100.png", Format::Png, (160, 100));
}

#[test]
fn alpha_png_is_flattened_onto_white() {
    check("alpha-120x120.png", Format::Png, (120, 120));
    let p = process(&fixture("alpha-120x120.png"), &Options::default()).expect("alpha");
    let full = decode_jpeg(&p.renditions.last().expect("full").jpeg);
    // The corners of the fixture are fully transparent.
    for (x, y) in [(0, 0), (119, 0), (0, 119), (119, 119)] {
        let px = full.pixel(x, y);
        assert!(
            px.iter().all(|&c| c >= 245),
            "corner ({x},{y}) is {px:?}, not white"
        );
    }
}

#[test]
fn bmp() {
    check("bmp24-96x72.bmp", Format::Bmp, (96, 72));
}

#[test]
fn lossy_webp() {
    check("lossy-320x180.webp", Format::WebP, (320, 180));
}

#[test]
fn static_gif() {
    check("static-120x80.gif", Format::Gif, (120, 80));
}

#[test]
fn animated_gif_uses_the_first_frame() {
    let bytes = fixture("animated-3frames-80x60.gif");
    let p = process(&bytes, &Options::default()).expect("animated gif");
    assert_eq!(p.source.frames, 3);
    assert_standard_set(&p, (80, 60));
}

#[test]
fn tiny_jpeg_is_upscaled_to_every_square() {
    check("tiny-32x32.jpg", Format::Jpeg, (32, 32));
}

#[test]
fn tall_jpeg() {
    check("tall-90x240.jpg", Format::Jpeg, (90, 240));
}

#[test]
fn output_is_deterministic() {
    for name in [
        "photo-320x180.jpg",
        "alpha-120x120.png",
        "lossy-320x180.webp",
    ] {
        let bytes = fixture(name);
        let a = process(&bytes, &Options::default()).expect("first run");
        let b = process(&bytes, &Options::default()).expect("second run");
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn custom_sizes_and_quality_are_honoured() {
    let options = Options {
        square_sizes: vec![10, 300, 20],
        full_max_side: 100,
        jpeg_quality: 40,
        ..Options::default()
    };
    let (p, stats) = process_with_stats(&fixture("photo-320x180.jpg"), &options).expect("ok");
    let kinds: Vec<_> = p
        .renditions
        .iter()
        .map(|r| (r.kind, r.width, r.height))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (RenditionKind::Square(10), 10, 10),
            (RenditionKind::Square(300), 300, 300),
            (RenditionKind::Square(20), 20, 20),
            (RenditionKind::Full, 100, 56),
        ]
    );
    assert_eq!(
        stats.scale_denominator, 1,
        "the 300 square needs the full 180 rows"
    );
    let low = p.renditions[1].jpeg.len();
    let high = process(
        &fixture("photo-320x180.jpg"),
        &Options {
            jpeg_quality: 95,
            ..options
        },
    )
    .expect("ok")
    .renditions[1]
        .jpeg
        .len();
    assert!(
        low < high,
        "quality 40 ({low} B) should be smaller than 95 ({high} B)"
    );
}

#[test]
fn cmyk_jpeg_has_plausible_colours() {
    let p = process(&fixture("cmyk-240x150.jpg"), &Options::default()).expect("cmyk");
    assert_standard_set(&p, (240, 150));
    let ours = decode_jpeg(&p.renditions.last().expect("full").jpeg).mean();
    let reference = image::open(crate::common::fixture_path("cmyk-reference-60x38.png"))
        .expect("reference")
        .to_rgb8();
    let reference = crate::common::Rgb {
        width: reference.width(),
        height: reference.height(),
        data: reference.into_raw(),
    }
    .mean();
    // Pillow wrote this file with its naive RGB → CMYK formula and no profile; it is now read
    // as FOGRA39 (see colour.rs for the exact checks against lcms2), which lands within a few
    // levels of the photo it came from, not exactly on it.
    for c in 0..3 {
        assert!(
            (ours[c] - reference[c]).abs() < 25.0,
            "channel {c}: ours {ours:?} vs reference {reference:?}"
        );
    }
}

#[test]
fn animated_webp_and_apng_use_the_first_frame() {
    for (name, format) in [
        ("animated-3frames-80x60.webp", Format::WebP),
        ("animated-3frames-80x60.png", Format::Png),
    ] {
        let p = process(&fixture(name), &Options::default()).expect(name);
        assert_eq!((p.source.format, p.source.frames), (format, 3), "{name}");
        assert_standard_set(&p, (80, 60));
    }
    // Same first frame as the GIF: the unflipped picture (compare mean colours).
    let mean = |name: &str| {
        let p = process(&fixture(name), &Options::default()).expect(name);
        decode_jpeg(&p.renditions.last().expect("full").jpeg).mean()
    };
    let (gif, webp) = (
        mean("animated-3frames-80x60.gif"),
        mean("animated-3frames-80x60.webp"),
    );
    for c in 0..3 {
        assert!((gif[c] - webp[c]).abs() < 12.0, "{gif:?} vs {webp:?}");
    }
}

#[test]
fn lossless_webp_with_and_without_alpha() {
    check("lossless-48x72.webp", Format::WebP, (48, 72));
    check("lossless-alpha-48x72.webp", Format::WebP, (48, 72));
    let p = process(&fixture("lossless-alpha-48x72.webp"), &Options::default()).expect("ok");
    let full = decode_jpeg(&p.renditions.last().expect("full").jpeg);
    // The transparent left half becomes white.
    for y in [5, 36, 66] {
        let px = full.pixel(8, y);
        assert!(px.iter().all(|&c| c >= 245), "({y}) {px:?}");
    }
}
