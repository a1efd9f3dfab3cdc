//! EXIF orientation is applied to the pixels: the output looks as a browser shows
//! the file. The fixtures are upright 160×90 pictures, grey with a red 40×30 block
//! in the stored top-left corner, tagged 6 (turn 90° clockwise) or 3 (turn 180°).

use crate::common::{decode_jpeg, fixture, Rgb};
use portrait_imaging::{process, process_with_stats, CropBox, Options};

fn is_red(p: [u8; 3]) -> bool {
    p[0] > 200 && p[1] < 60 && p[2] < 60
}

fn is_grey(p: [u8; 3]) -> bool {
    p.iter().all(|&c| (100..=156).contains(&c))
}

fn full(name: &str) -> Rgb {
    let p = process(&fixture(name), &Options::default()).expect(name);
    decode_jpeg(&p.renditions.last().expect("full").jpeg)
}

#[test]
fn orientation_6_turns_the_picture_clockwise() {
    let img = full("orient6-160x90.jpg");
    assert_eq!((img.width, img.height), (90, 160), "portrait once turned");
    // Stored top-left shows at the top-right.
    assert!(
        is_red(img.pixel(80, 10)),
        "top-right {:?}",
        img.pixel(80, 10)
    );
    assert!(
        is_grey(img.pixel(10, 10)),
        "top-left {:?}",
        img.pixel(10, 10)
    );
    assert!(
        is_grey(img.pixel(80, 150)),
        "bottom-right {:?}",
        img.pixel(80, 150)
    );
}

#[test]
fn orientation_3_turns_the_picture_upside_down() {
    let img = full("orient3-160x90.jpg");
    assert_eq!((img.width, img.height), (160, 90));
    assert!(
        is_red(img.pixel(150, 80)),
        "bottom-right {:?}",
        img.pixel(150, 80)
    );
    assert!(
        is_grey(img.pixel(10, 10)),
        "top-left {:?}",
        img.pixel(10, 10)
    );
}

#[test]
fn stats_report_the_orientation() {
    let (_, stats) =
        process_with_stats(&fixture("orient6-160x90.jpg"), &Options::default()).expect("ok");
    assert_eq!(stats.exif_orientation, 6);
    assert_eq!((stats.displayed_width, stats.displayed_height), (90, 160));
    assert_eq!((stats.decoded_width, stats.decoded_height), (160, 90));
}

#[test]
fn crop_coordinates_are_in_the_displayed_image() {
    // Displayed 90×160: the red block now covers x 60..90, y 0..40.
    let options = Options {
        crop: Some(CropBox {
            x: 62,
            y: 2,
            size: 26,
        }),
        ..Options::default()
    };
    let p = process(&fixture("orient6-160x90.jpg"), &options).expect("crop");
    let square = decode_jpeg(&p.renditions[0].jpeg);
    assert!(is_red(square.pixel(24, 24)), "{:?}", square.pixel(24, 24));
    // A box that fits the stored 160×90 but not the displayed 90×160 is refused.
    let outside = Options {
        crop: Some(CropBox {
            x: 100,
            y: 0,
            size: 50,
        }),
        ..Options::default()
    };
    assert!(matches!(
        process(&fixture("orient6-160x90.jpg"), &outside),
        Err(portrait_imaging::ImageError::CropOutside {
            width: 90,
            height: 160,
            ..
        })
    ));
}
