//! HEIC (fixtures made with libheif through libvips, the grids assembled around its pictures
//! by fixtures/images/make_heic_fixtures.py): pictures, grids, 10-bit, alpha, `irot` and `imir`
//! applied once, Display P3 converted, and the limits checked from the boxes before decoding.
//! Real camera files (iPhone, Samsung, Sony, Nokia) are tried too when `PORTRAIT_HEIF_SAMPLES`
//! names pillow-heif's `tests/images` folder (see ../shared/corpus/README.md).

use portrait_imaging::testing::{mean_delta_e00, HeifSpec};
use portrait_imaging::{probe, process, Format, ImageError, Limits, Options};

use crate::colour::check_against;
use crate::common::{assert_standard_set, decode_jpeg, fixture, Rgb};

fn full(bytes: &[u8]) -> Rgb {
    let p = process(bytes, &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    decode_jpeg(&p.renditions.last().expect("full").jpeg)
}

fn full_of(name: &str) -> Rgb {
    full(&fixture(name))
}

#[test]
fn pictures_and_grids_are_accepted() {
    let cases = [
        ("heic-320x180.heic", (320, 180), (320, 180)),
        ("heic-srgb-256x160.heic", (256, 160), (256, 160)),
        ("heic-p3-256x160.heic", (256, 160), (256, 160)),
        ("heic-10bit-320x180.heic", (320, 180), (320, 180)),
        ("heic-422-320x180.heic", (320, 180), (320, 180)),
        ("heic-alpha-120x120.heic", (120, 120), (120, 120)),
        // Stored 160×256 in 3×2 tiles, `irot` 1.
        ("heic-grid-irot1-p3-256x160.heic", (160, 256), (256, 160)),
        ("heic-grid-imir1-320x180.heic", (320, 180), (320, 180)),
    ];
    for (name, stored, displayed) in cases {
        let p =
            process(&fixture(name), &Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.source.format, Format::Heic, "{name}");
        assert_eq!((p.source.width, p.source.height), stored, "{name}");
        assert_standard_set(&p, displayed);
        let probed = probe(&fixture(name), &Limits::default()).expect(name);
        assert_eq!(probed, p.source, "{name}");
    }
    assert_eq!(Format::Heic.media_type(), "image/heic");
}

#[test]
fn pixels_match_the_source_images_and_turn_once() {
    // The sources were encoded at libheif's default quality (Q 50) or Q 90–92; tiles are
    // separate pictures, so the grid adds seams of its own.
    let photo = full_of("photo-320x180.jpg");
    let cups = full_of("colour-srgb-256x160.jpg");
    for (heic, source, most) in [
        ("heic-320x180.heic", &photo, 2.0),
        ("heic-10bit-320x180.heic", &photo, 2.0),
        // 4:2:2 (heic-rs 0.1.4 as published mapped its chroma modes wrong and lost the slice).
        ("heic-422-320x180.heic", &photo, 2.0),
        ("heic-grid-imir1-320x180.heic", &photo, 1.5),
        ("heic-srgb-256x160.heic", &cups, 1.0),
        ("heic-grid-irot1-p3-256x160.heic", &cups, 1.5),
    ] {
        let ours = full_of(heic);
        assert_eq!((ours.width, ours.height), (source.width, source.height));
        let de = mean_delta_e00(&ours.data, &source.data);
        println!("{heic}: mean ΔE00 {de:.3} against its source");
        assert!(de <= most, "{heic}: mean ΔE00 {de:.3}");
        // Turned the other way, or not at all, the same pixels are far off: the transforms
        // are applied, once, in the right sense.
        let flipped = Rgb {
            width: ours.width,
            height: ours.height,
            data: ours
                .data
                .chunks_exact(3 * ours.width as usize)
                .rev()
                .flatten()
                .copied()
                .collect(),
        };
        let wrong = mean_delta_e00(&flipped.data, &source.data);
        assert!(wrong > 4.0 * de.max(1.0), "{heic}: flipped {wrong:.3}");
    }
    let corner = full_of("heic-alpha-120x120.heic").pixel(0, 0);
    assert!(
        corner.iter().all(|&c| c >= 245),
        "transparent corner is {corner:?}"
    );
}

#[test]
fn display_p3_is_converted_to_srgb() {
    // A Display P3 profile on one picture (libheif's `rICC`) and on a grid (`prof`, as
    // iPhones write it): against the same photo encoded in sRGB.
    for tagged in ["heic-p3-256x160.heic", "heic-grid-irot1-p3-256x160.heic"] {
        check_against(tagged, "heic-srgb-256x160.heic");
    }
}

#[test]
fn limits_are_checked_from_the_boxes() {
    let heic = |spec: HeifSpec| {
        HeifSpec {
            brands: vec![*b"heic", *b"mif1", *b"heic"],
            ..spec
        }
        .build()
    };
    let l = Limits::default();
    assert!(matches!(
        probe(
            &heic(HeifSpec {
                size: (30_000, 30_000),
                tile: (30_000, 30_000),
                ..HeifSpec::default()
            }),
            &l
        ),
        Err(ImageError::TooManyPixels { .. })
    ));
    assert_eq!(
        probe(
            &heic(HeifSpec {
                grid: Some((40, 40)),
                size: (640, 640),
                tile: (16, 16),
                ..HeifSpec::default()
            }),
            &l
        ),
        Err(ImageError::TooManyTiles {
            tiles: 1600,
            max_tiles: 1024
        })
    );
    // 7000×7000 declared in a few hundred bytes.
    assert!(matches!(
        probe(
            &heic(HeifSpec {
                size: (7000, 7000),
                tile: (7000, 7000),
                ..HeifSpec::default()
            }),
            &l
        ),
        Err(ImageError::TooCompressed { .. })
    ));
}

/// Real camera files, when present: what a user's phone hands over.
#[test]
fn camera_files_when_present() {
    let Ok(dir) = std::env::var("PORTRAIT_HEIF_SAMPLES") else {
        println!("skipped: PORTRAIT_HEIF_SAMPLES is not set");
        return;
    };
    let dir = std::path::Path::new(&dir);
    // (file, displayed size). iPhone 13 Pro (grid, P3 profile), iPhone 12 (portrait, `irot`),
    // Xiaomi, Nokia's burst, and Sony's 10-bit 4:2:2 `.hif` (one stored turned a quarter).
    for (name, displayed) in [
        ("heif_other/pug.heic", (4032, 3024)),
        ("heif_other/arrow.heic", (3024, 4032)),
        ("heif_special/xiaomi.heic", (2592, 1944)),
        ("heif_other/nokia/bird_burst.heic", (1280, 720)),
        ("heif_other/cat.hif", (4240, 2832)),
        ("heif_special/guitar_cw90.hif", (4672, 7008)),
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let p = process(&bytes, &Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_standard_set(&p, displayed);
    }
    // The Samsung 200-megapixel file is over the 50-megapixel limit, refused from its boxes.
    let bytes = std::fs::read(dir.join("heif_special/200MP.heic")).expect("200MP");
    assert!(matches!(
        probe(&bytes, &Limits::default()),
        Err(ImageError::TooManyPixels { .. })
    ));
}
