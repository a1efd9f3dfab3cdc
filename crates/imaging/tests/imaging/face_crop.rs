//! The default crop (no crop box): faces, else saliency, else Kantata's rule, on composites
//! whose face positions are known by construction. The face is the public-domain NASA
//! portrait of Eileen Collins (scikit-image's `astronaut`), downscaled to
//! `astronaut-192x192.jpg`; its face box there was labelled by hand.

use std::io::Cursor;
use std::time::{Duration, Instant};

use crate::common::{decode_jpeg, fixture, XorShift};
use image::{ImageFormat, Rgb, RgbImage};
use portrait_imaging::{
    default_square, process, process_with_stats, CropBox, CropReason, Options, Stats,
};

/// The face box in `astronaut-192x192.jpg`: x, y, width, height (hairline to chin).
const FACE: [f64; 4] = [54.0, 56.0, 78.0, 86.0];

/// A textured, low-saturation background (noise on a grey-green gradient), so that
/// saliency has no clear winner of its own.
fn background(w: u32, h: u32, seed: u64) -> RgbImage {
    let mut rng = XorShift(seed);
    RgbImage::from_fn(w, h, |x, y| {
        let n = (rng.next() % 9) as u8;
        let g = 100 + (x * 30 / w) as u8 + (y * 20 / h) as u8;
        Rgb([g - 10 + n, g + n, g - 14 + n])
    })
}

/// The portrait scaled to `side` and pasted with its top-left at (x, y); returns the image
/// and the pasted face box.
fn with_face(mut bg: RgbImage, x: u32, y: u32, side: u32) -> (RgbImage, [f64; 4]) {
    let portrait = decode_jpeg(&fixture("astronaut-192x192.jpg"));
    let src = RgbImage::from_raw(portrait.width, portrait.height, portrait.data).unwrap();
    let scaled = image::imageops::resize(&src, side, side, image::imageops::FilterType::Lanczos3);
    image::imageops::replace(&mut bg, &scaled, i64::from(x), i64::from(y));
    let s = f64::from(side) / 192.0;
    let face = [
        f64::from(x) + FACE[0] * s,
        f64::from(y) + FACE[1] * s,
        FACE[2] * s,
        FACE[3] * s,
    ];
    (bg, face)
}

fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn stats_of(bytes: &[u8]) -> Stats {
    process_with_stats(bytes, &Options::default()).unwrap().1
}

fn holds(c: &CropBox, face: [f64; 4]) -> bool {
    let (x0, y0) = (f64::from(c.x), f64::from(c.y));
    let end = |v: u32| f64::from(v) + f64::from(c.size);
    face[0] >= x0 && face[1] >= y0 && face[0] + face[2] <= end(c.x) && face[1] + face[3] <= end(c.y)
}

#[test]
fn a_face_at_the_side_of_a_landscape_is_in_the_square() {
    for x in [10, 860] {
        let (img, face) = with_face(background(1200, 675, 1), x, 200, 320);
        let stats = stats_of(&png(&img));
        assert_eq!(stats.crop_reason, CropReason::Faces, "x {x}");
        assert_eq!(stats.crop.size, 675);
        assert!(
            holds(&stats.crop, face),
            "x {x}: {:?} vs {face:?}",
            stats.crop
        );
        // The centre square would have cut it.
        let centre = CropBox {
            x: 262,
            y: 0,
            size: 675,
        };
        assert!(
            !holds(&centre, face),
            "the fixture must defeat the centre crop"
        );
    }
}

#[test]
fn a_face_in_a_tall_photo_gets_head_room() {
    for y in [40, 500, 760] {
        let (img, face) = with_face(background(600, 1067, 2), 140, y, 300);
        let stats = stats_of(&png(&img));
        assert_eq!(stats.crop_reason, CropReason::Faces, "y {y}");
        let c = stats.crop;
        assert!(holds(&c, face), "y {y}: {c:?} vs {face:?}");
        if y == 760 {
            // At the very bottom the square cannot go lower: it stays inside the image.
            assert_eq!(c.y, 1067 - 600, "y {y}");
            continue;
        }
        // Eyes (about 40 % down the face box) in the upper half of the square, and not
        // the top of the photo (Kantata's rule) when the face is lower.
        let eyes = face[1] + 0.4 * face[3];
        assert!(
            eyes < f64::from(c.y) + f64::from(c.size) / 2.0,
            "y {y}: {c:?}"
        );
        assert!(y < 100 || c.y > 0, "y {y}: {c:?}");
    }
}

#[test]
fn a_small_face_is_found_on_the_larger_copy() {
    // A 1600×1200 photo with a face box 120 px wide (10 % of the short side) at the right:
    // 24 px in the 320×240 first copy, under the detector's 40 px window, so only the
    // second pass (on a copy of up to 0.3 MP) can find it. The centre square cuts it.
    let (img, face) = with_face(background(1600, 1200, 3), 1290, 500, 295);
    let stats = stats_of(&png(&img));
    assert_eq!(stats.crop_reason, CropReason::Faces);
    assert!(holds(&stats.crop, face), "{:?} vs {face:?}", stats.crop);
    let centre = CropBox {
        x: 200,
        y: 0,
        size: 1200,
    };
    assert!(
        !holds(&centre, face),
        "the fixture must defeat the centre crop"
    );
}

#[test]
fn the_renditions_show_the_face_not_the_centre() {
    // A flat-grey wide photo with the face at the far right: the 96 px square's right
    // half must hold the portrait's colours, not flat grey everywhere.
    let bg = RgbImage::from_pixel(1200, 600, Rgb([128, 128, 128]));
    let (img, _) = with_face(bg, 860, 150, 320);
    let p = process(&png(&img), &Options::default()).unwrap();
    let sq = decode_jpeg(&p.renditions[1].jpeg);
    let grey = |px: [u8; 3]| px.iter().all(|&c| c.abs_diff(128) <= 6);
    let not_grey = (0..sq.height)
        .flat_map(|y| (0..sq.width).map(move |x| (x, y)))
        .filter(|&(x, y)| !grey(sq.pixel(x, y)))
        .count();
    assert!(not_grey > (sq.width * sq.height / 8) as usize, "{not_grey}");
}

#[test]
fn without_a_face_the_salient_region_wins() {
    // A saturated red disc on the left of a flat grey landscape, and at the bottom of a
    // tall photo: the square moves to it.
    let disc = |w: u32, h: u32, cx: u32, cy: u32| {
        RgbImage::from_fn(w, h, |x, y| {
            let d2 = (i64::from(x) - i64::from(cx)).pow(2) + (i64::from(y) - i64::from(cy)).pow(2);
            if d2 < 80 * 80 {
                Rgb([220, 30, 40])
            } else {
                Rgb([128, 128, 128])
            }
        })
    };
    let stats = stats_of(&png(&disc(1200, 600, 120, 300)));
    assert_eq!(stats.crop_reason, CropReason::Saliency);
    assert!(stats.crop.x <= 40, "{:?}", stats.crop);
    let stats = stats_of(&png(&disc(600, 1200, 300, 1080)));
    assert_eq!(stats.crop_reason, CropReason::Saliency);
    assert!(stats.crop.y + 600 >= 1160, "{:?}", stats.crop);
}

#[test]
fn a_flat_image_follows_kantatas_rule() {
    let flat = |w, h| png(&RgbImage::from_pixel(w, h, Rgb([90, 120, 160])));
    let tall = stats_of(&flat(600, 1000));
    assert_eq!(tall.crop_reason, CropReason::KantataRule);
    assert_eq!(
        tall.crop,
        CropBox {
            x: 0,
            y: 0,
            size: 600
        },
        "top of a tall photo"
    );
    let wide = stats_of(&flat(1000, 600));
    assert_eq!(wide.crop_reason, CropReason::KantataRule);
    assert_eq!(
        wide.crop,
        CropBox {
            x: 200,
            y: 0,
            size: 600
        },
        "centre of a wide one"
    );
    let square = stats_of(&flat(500, 500));
    assert_eq!(square.crop_reason, CropReason::Whole);
    // Evenly textured (noise everywhere): nothing stands out either.
    let noisy = stats_of(&png(&background(1000, 600, 3)));
    assert_eq!(noisy.crop_reason, CropReason::KantataRule);
}

#[test]
fn a_client_crop_box_wins_over_the_face() {
    let (img, _) = with_face(background(1200, 675, 4), 860, 200, 320);
    let crop = CropBox {
        x: 0,
        y: 0,
        size: 400,
    };
    let options = Options {
        crop: Some(crop),
        ..Options::default()
    };
    let (_, stats) = process_with_stats(&png(&img), &options).unwrap();
    assert_eq!(stats.crop_reason, CropReason::Requested);
    assert_eq!(stats.crop, crop);
    assert_eq!(
        stats.crop_time,
        Duration::ZERO,
        "no detection when the client chose"
    );
}

#[test]
fn the_choice_is_deterministic() {
    let (img, _) = with_face(background(1200, 675, 5), 700, 100, 360);
    let bytes = png(&img);
    let a = process(&bytes, &Options::default()).unwrap();
    let b = process(&bytes, &Options::default()).unwrap();
    assert_eq!(a, b);
    let (w, h) = img.dimensions();
    assert_eq!(
        default_square(img.as_raw(), w, h),
        default_square(img.as_raw(), w, h)
    );
}

/// Hostile inputs for the detector stay within bounds: no panic, few faces, little time.
#[test]
fn hostile_pixels_are_bounded() {
    let bounded = |name: &str, img: &RgbImage| {
        let (w, h) = img.dimensions();
        let started = Instant::now();
        let sq = default_square(img.as_raw(), w, h);
        let took = started.elapsed();
        assert!(sq.faces.len() <= 16, "{name}: {} faces", sq.faces.len());
        assert!(
            u64::from(sq.x) + u64::from(sq.size) <= u64::from(w),
            "{name}"
        );
        assert!(
            u64::from(sq.y) + u64::from(sq.size) <= u64::from(h),
            "{name}"
        );
        assert_eq!(sq.size, w.min(h), "{name}");
        assert!(took < Duration::from_secs(2), "{name}: {took:?}");
        took
    };
    // All skin: every pixel the skin tone saliency looks for.
    bounded(
        "all skin",
        &RgbImage::from_pixel(3000, 2000, Rgb([224, 172, 140])),
    );
    // Thousands of tiny faces: the portrait tiled at 24 px, and at the detector's own scale.
    let portrait = decode_jpeg(&fixture("astronaut-192x192.jpg"));
    let src = RgbImage::from_raw(portrait.width, portrait.height, portrait.data).unwrap();
    for tile in [24, 48] {
        let t = image::imageops::resize(&src, tile, tile, image::imageops::FilterType::Triangle);
        let img = RgbImage::from_fn(tile * 60, tile * 40, |x, y| {
            *t.get_pixel(x % tile, y % tile)
        });
        bounded(&format!("tiled {tile}"), &img);
    }
    // Strips and tiny images, which the detector's pyramid cannot hold.
    for (w, h) in [
        (1, 5000),
        (5000, 1),
        (2, 2),
        (1, 2),
        (47, 3000),
        (3000, 48),
        (49, 49),
    ] {
        bounded(&format!("{w}x{h}"), &background(w, h, 6));
    }
    // Pixels that do not match the size are never read.
    let sq = default_square(&[1, 2, 3], 100, 50);
    assert_eq!(
        (sq.x, sq.size, sq.reason),
        (25, 50, CropReason::KantataRule)
    );
    // Through the whole pipeline too (the widest strip the default limits accept).
    let stats = stats_of(&png(&background(40, 800, 7)));
    assert_eq!((stats.crop.size, stats.crop.y), (40, 0));
}
