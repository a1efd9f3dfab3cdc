//! Crop boxes, on a 400×300 fixture with flat quadrants:
//! red (top-left), green (top-right), blue (bottom-left), yellow (bottom-right).

use crate::common::{decode_jpeg, fixture};
use portrait_imaging::{process, CropBox, ImageError, Options};

fn close(p: [u8; 3], want: [u8; 3]) -> bool {
    p.iter().zip(want).all(|(&a, b)| a.abs_diff(b) <= 12)
}

fn squares_with(crop: Option<CropBox>) -> Vec<crate::common::Rgb> {
    let options = Options {
        crop,
        ..Options::default()
    };
    let p = process(&fixture("quadrants-400x300.png"), &options).expect("process");
    let full = p.renditions.last().expect("full");
    assert_eq!(
        (full.width, full.height),
        (400, 300),
        "Full is never cropped"
    );
    p.renditions[..p.renditions.len() - 1]
        .iter()
        .map(|r| decode_jpeg(&r.jpeg))
        .collect()
}

#[test]
fn a_box_inside_one_quadrant_is_all_that_quadrant() {
    let cases = [
        (
            CropBox {
                x: 10,
                y: 10,
                size: 120,
            },
            [255, 0, 0],
        ),
        (
            CropBox {
                x: 250,
                y: 20,
                size: 100,
            },
            [0, 255, 0],
        ),
        (
            CropBox {
                x: 0,
                y: 160,
                size: 140,
            },
            [0, 0, 255],
        ),
        (
            CropBox {
                x: 220,
                y: 160,
                size: 140,
            },
            [255, 255, 0],
        ),
    ];
    for (crop, colour) in cases {
        for sq in squares_with(Some(crop)) {
            for (x, y) in [
                (2, 2),
                (sq.width / 2, sq.height / 2),
                (sq.width - 3, sq.height - 3),
            ] {
                assert!(
                    close(sq.pixel(x, y), colour),
                    "{crop:?} {}px at ({x},{y}) is {:?}",
                    sq.width,
                    sq.pixel(x, y)
                );
            }
        }
    }
}

#[test]
fn a_box_across_the_centre_keeps_the_layout() {
    // 200×200 box centred on the quadrant corner.
    let crop = CropBox {
        x: 100,
        y: 50,
        size: 200,
    };
    for sq in squares_with(Some(crop)) {
        let (w, h) = (sq.width, sq.height);
        let q = |fx: u32, fy: u32| sq.pixel(w * fx / 4, h * fy / 4);
        assert!(close(q(1, 1), [255, 0, 0]), "{w}: {:?}", q(1, 1));
        assert!(close(q(3, 1), [0, 255, 0]), "{w}: {:?}", q(3, 1));
        assert!(close(q(1, 3), [0, 0, 255]), "{w}: {:?}", q(1, 3));
        assert!(close(q(3, 3), [255, 255, 0]), "{w}: {:?}", q(3, 3));
    }
}

#[test]
fn no_box_means_the_centre_square() {
    // Centre square is x 50..350: left half red/blue, right half green/yellow.
    for sq in squares_with(None) {
        let (w, h) = (sq.width, sq.height);
        assert!(close(sq.pixel(w / 8, h / 8), [255, 0, 0]));
        assert!(close(sq.pixel(w * 7 / 8, h * 7 / 8), [255, 255, 0]));
    }
}

#[test]
fn a_box_outside_is_refused() {
    for crop in [
        CropBox {
            x: 10,
            y: 10,
            size: 5000,
        },
        CropBox {
            x: 300,
            y: 0,
            size: 101,
        },
        CropBox {
            x: 0,
            y: 201,
            size: 100,
        },
        CropBox {
            x: 0,
            y: 0,
            size: 0,
        },
        CropBox {
            x: u32::MAX,
            y: u32::MAX,
            size: u32::MAX,
        },
    ] {
        let options = Options {
            crop: Some(crop),
            ..Options::default()
        };
        assert_eq!(
            process(&fixture("quadrants-400x300.png"), &options),
            Err(ImageError::CropOutside {
                crop: (crop.x, crop.y, crop.size),
                width: 400,
                height: 300
            })
        );
    }
    let e = ImageError::CropOutside {
        crop: (10, 10, 5000),
        width: 1600,
        height: 900,
    };
    assert_eq!(
        e.to_string(),
        "crop box 10,10 size 5000 lies outside the 1600×900 image"
    );
}
