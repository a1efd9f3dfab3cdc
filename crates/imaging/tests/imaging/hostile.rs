//! Files that must be refused, each with the right error, and bombs refused from
//! the header alone.

use std::time::{Duration, Instant};

use crate::common::{fixture, XorShift};
use portrait_imaging::{probe, process, ImageError, Limits, Options};

fn refuse(bytes: &[u8]) -> ImageError {
    let e = process(bytes, &Options::default()).expect_err("must be refused");
    // Messages are for API users: never echo the file's bytes back.
    let shown = format!("{e} {e:?}");
    for needle in ["<", "script", "%PDF", "PK"] {
        assert!(!shown.contains(needle), "error {shown:?} echoes input");
    }
    e
}

fn unsupported(bytes: &[u8]) -> &'static str {
    match refuse(bytes) {
        ImageError::Unsupported { found, .. } => found,
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn empty_file() {
    assert_eq!(refuse(&fixture("empty.jpg")), ImageError::Empty);
    assert_eq!(probe(&[], &Limits::default()), Err(ImageError::Empty));
}

#[test]
fn documents_are_named() {
    assert_eq!(unsupported(&fixture("script.svg")), "SVG image");
    assert_eq!(unsupported(&fixture("page.html")), "HTML document");
    assert_eq!(unsupported(&fixture("document.pdf")), "PDF document");
    assert_eq!(unsupported(&fixture("archive-head.zip")), "ZIP archive");
    assert_eq!(unsupported(&fixture("text-named.jpg")), "plain text");
    let e = refuse(&fixture("script.svg"));
    assert_eq!(
        e.to_string(),
        "file is an SVG image; accepted formats are JPEG, PNG, GIF, BMP, WebP, JPEG XL, HEIC and AVIF"
    );
}

#[test]
fn random_bytes_are_unknown_binary_data() {
    let mut rng = XorShift(0x5EED_1234_5678_9ABC);
    for _ in 0..20 {
        let mut bytes: Vec<u8> = (0..65_536).map(|_| rng.next() as u8).collect();
        // Random data that happens to start like an image is a different test.
        bytes[0] = 0x00;
        assert_eq!(unsupported(&bytes), "unknown binary data");
    }
}

#[test]
fn truncated_jpeg_is_corrupt_not_grey() {
    let whole = fixture("photo-320x180.jpg");
    assert!(process(&whole, &Options::default()).is_ok());
    for percent in [40, 70, 95, 99] {
        let cut = &whole[..whole.len() * percent / 100];
        assert!(
            matches!(refuse(cut), ImageError::Corrupt { .. }),
            "{percent}% of the file"
        );
    }
    // Progressive JPEGs finish their last scan late: truncation must still show.
    let progressive = fixture("progressive-320x180.jpg");
    let cut = &progressive[..progressive.len() * 9 / 10];
    assert!(matches!(refuse(cut), ImageError::Corrupt { .. }));
    assert_eq!(refuse(cut).to_string(), "image is truncated or corrupt");
}

#[test]
fn truncated_png_and_gif_and_webp_are_corrupt() {
    for name in [
        "rgb-160x120.png",
        "static-120x80.gif",
        "lossy-320x180.webp",
        "bmp24-96x72.bmp",
    ] {
        let whole = fixture(name);
        let cut = &whole[..whole.len() * 6 / 10];
        assert!(
            matches!(refuse(cut), ImageError::Corrupt { .. }),
            "{name}: {:?}",
            process(cut, &Options::default())
        );
    }
}

/// Runs `probe` many times and returns the mean time per call.
fn mean_probe_time(bytes: &[u8]) -> Duration {
    let start = Instant::now();
    for _ in 0..100 {
        let _ = probe(bytes, &Limits::default());
    }
    start.elapsed() / 100
}

#[test]
fn png_bomb_is_refused_from_the_header() {
    let bytes = fixture("bomb-30000x30000.png");
    let e = probe(&bytes, &Limits::default()).expect_err("bomb");
    assert_eq!(
        e,
        ImageError::TooManyPixels {
            width: 30000,
            height: 30000,
            max_pixels: 50_000_000
        }
    );
    assert_eq!(
        e.to_string(),
        "image is 30000×30000 pixels (900 megapixels); the limit is 50 megapixels"
    );
    assert_eq!(refuse(&bytes), e);
    let t = mean_probe_time(&bytes);
    assert!(t < Duration::from_millis(1), "probe took {t:?}");
}

#[test]
fn jpeg_sof_bomb_is_refused_from_the_header() {
    let bytes = fixture("sof-65000x65000.jpg");
    let e = refuse(&bytes);
    assert!(
        matches!(
            e,
            ImageError::TooManyPixels {
                width: 65000,
                height: 65000,
                ..
            } | ImageError::SideTooLong {
                width: 65000,
                height: 65000,
                ..
            }
        ),
        "{e:?}"
    );
    let t = mean_probe_time(&bytes);
    assert!(t < Duration::from_millis(1), "probe took {t:?}");
}

#[test]
fn frame_bomb_is_refused_after_max_plus_one_frames() {
    let bytes = fixture("frames-2000x1x1.gif");
    let e = refuse(&bytes);
    assert_eq!(
        e,
        ImageError::TooManyFrames {
            frames_seen: 101,
            max_frames: 100
        }
    );
    assert_eq!(
        e.to_string(),
        "image has more than 100 frames; the limit is 100"
    );
    // A higher limit lets the same file through (1×1 is upscaled like any tiny image).
    let lenient = Options {
        limits: Limits {
            max_frames: 5000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let p = process(&bytes, &lenient).expect("2000 frames allowed");
    assert_eq!(p.source.frames, 2000);
    let t = mean_probe_time(&bytes);
    assert!(t < Duration::from_millis(1), "probe took {t:?}");
}

#[test]
fn animated_webp_and_apng_frames_are_counted() {
    let two = Options {
        limits: Limits {
            max_frames: 2,
            ..Limits::default()
        },
        ..Options::default()
    };
    for name in [
        "animated-3frames-80x60.webp",
        "animated-3frames-80x60.png",
        "animated-3frames-80x60.gif",
    ] {
        assert_eq!(
            process(&fixture(name), &two),
            Err(ImageError::TooManyFrames {
                frames_seen: 3,
                max_frames: 2
            }),
            "{name}"
        );
    }
}

#[test]
fn limits_are_configurable() {
    let photo = fixture("photo-320x180.jpg");
    let strict = |limits: Limits| {
        process(
            &photo,
            &Options {
                limits,
                ..Options::default()
            },
        )
    };
    assert!(matches!(
        strict(Limits {
            max_pixels: 50_000,
            ..Limits::default()
        }),
        Err(ImageError::TooManyPixels {
            width: 320,
            height: 180,
            max_pixels: 50_000
        })
    ));
    assert!(matches!(
        strict(Limits {
            max_side: 300,
            ..Limits::default()
        }),
        Err(ImageError::SideTooLong {
            width: 320,
            height: 180,
            max_side: 300
        })
    ));
    assert!(matches!(
        strict(Limits {
            max_aspect_ratio: 1,
            ..Limits::default()
        }),
        Err(ImageError::AspectRatio {
            width: 320,
            height: 180,
            max_ratio: 1
        })
    ));
    assert!(matches!(
        strict(Limits {
            min_side: 200,
            ..Limits::default()
        }),
        Err(ImageError::TooSmall {
            width: 320,
            height: 180
        })
    ));
}

#[test]
fn probe_reads_headers_of_every_format() {
    let cases = [
        ("photo-320x180.jpg", "JPEG", 320, 180, 1),
        ("orient6-160x90.jpg", "JPEG", 160, 90, 1),
        ("rgb-160x120.png", "PNG", 160, 120, 1),
        ("bmp24-96x72.bmp", "BMP", 96, 72, 1),
        ("lossy-320x180.webp", "WebP", 320, 180, 1),
        ("animated-3frames-80x60.gif", "GIF", 80, 60, 3),
    ];
    for (name, format, w, h, frames) in cases {
        let p = probe(&fixture(name), &Limits::default()).expect(name);
        assert_eq!(
            (p.format.name(), p.width, p.height, p.frames),
            (format, w, h, frames)
        );
    }
    assert_eq!(
        probe(&fixture("lossy-320x180.webp"), &Limits::default()).map(|p| p.format.media_type()),
        Ok("image/webp")
    );
}
