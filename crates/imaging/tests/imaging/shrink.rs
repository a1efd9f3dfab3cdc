//! JPEG shrink-on-load: large sources are decoded at 1/2, 1/4 or 1/8 scale in
//! the DCT domain when the outputs allow it.

use portrait_imaging::{decode_scale_for, process_with_stats, CropBox, Options, RenditionKind};

/// A smooth gradient JPEG of the given size, made with the crate's own encoder.
fn gradient_jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(usize::from(width) * usize::from(height) * 3);
    for y in 0..height {
        for x in 0..width {
            rgb.extend_from_slice(&[
                (u32::from(x) * 255 / u32::from(width)) as u8,
                (u32::from(y) * 255 / u32::from(height)) as u8,
                128,
            ]);
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80)
        .encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    out
}

#[test]
fn a_large_jpeg_is_decoded_at_reduced_scale() {
    let bytes = gradient_jpeg(4400, 3000);
    let (p, stats) = process_with_stats(&bytes, &Options::default()).expect("process");
    assert_eq!(stats.scale_denominator, 2);
    assert_eq!((stats.decoded_width, stats.decoded_height), (2200, 1500));
    let full = p.renditions.last().expect("full");
    assert_eq!(
        (full.kind, full.width, full.height),
        (RenditionKind::Full, 2048, 1396)
    );

    // Without the Full rendition's 2048 px, 1/4 is enough for the 648 square.
    let small_full = Options {
        full_max_side: 1024,
        ..Options::default()
    };
    let (p, stats) = process_with_stats(&bytes, &small_full).expect("process");
    assert_eq!(stats.scale_denominator, 4);
    assert_eq!((stats.decoded_width, stats.decoded_height), (1100, 750));
    let largest = p.renditions.iter().rev().nth(1).expect("the 648 square");
    assert_eq!(
        (largest.kind, largest.width),
        (RenditionKind::Square(648), 648)
    );

    // A small crop needs every source pixel.
    let cropped = Options {
        crop: Some(CropBox {
            x: 100,
            y: 100,
            size: 700,
        }),
        full_max_side: 1024,
        ..Options::default()
    };
    let (_, stats) = process_with_stats(&bytes, &cropped).expect("process");
    assert_eq!(stats.scale_denominator, 1);
}

#[test]
fn small_jpegs_and_other_formats_are_decoded_at_full_size() {
    let bytes = gradient_jpeg(1600, 900);
    let (_, stats) = process_with_stats(&bytes, &Options::default()).expect("process");
    assert_eq!(stats.scale_denominator, 1);
    assert_eq!(decode_scale_for(1600, 900, &Options::default()), 1);
    assert_eq!(decode_scale_for(16000, 12000, &Options::default()), 4);
}

#[test]
fn crop_box_keeps_its_place_after_shrinking() {
    // Gradient: red grows to the right, green grows downwards.
    let bytes = gradient_jpeg(4400, 3000);
    let options = Options {
        crop: Some(CropBox {
            x: 3300,
            y: 2000,
            size: 800,
        }),
        full_max_side: 512,
        square_sizes: vec![96],
        ..Options::default()
    };
    let (p, stats) = process_with_stats(&bytes, &options).expect("process");
    assert_eq!(stats.scale_denominator, 8);
    let mut d = jpeg_decoder::Decoder::new(&p.renditions[0].jpeg[..]);
    let px = d.decode().expect("decode");
    let centre = (48 * 96 + 48) * 3;
    // Centre of the box is (3700, 2400): red ≈ 3700/4400·255 ≈ 214, green ≈ 204.
    assert!(px[centre].abs_diff(214) <= 6, "red {}", px[centre]);
    assert!(
        px[centre + 1].abs_diff(204) <= 6,
        "green {}",
        px[centre + 1]
    );
}

/// Inserts an APP1 EXIF segment with the given orientation right after SOI.
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(app1.len() + 2).expect("short").to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn shrinking_and_orientation_combine() {
    // Stored 4400×3000, displayed 3000×4400 after turning 90° clockwise.
    let bytes = with_orientation(&gradient_jpeg(4400, 3000), 6);
    let options = Options {
        full_max_side: 512,
        ..Options::default()
    };
    let (p, stats) = process_with_stats(&bytes, &options).expect("process");
    assert_eq!(stats.exif_orientation, 6);
    assert_eq!(
        (stats.displayed_width, stats.displayed_height),
        (3000, 4400)
    );
    // 648 px squares from a 3000 px side allow 1/4, not 1/8.
    assert_eq!(stats.scale_denominator, 4);
    let full = p.renditions.last().expect("full");
    assert_eq!((full.width, full.height), (349, 512));
    let mut d = jpeg_decoder::Decoder::new(&full.jpeg[..]);
    let px = d.decode().expect("decode");
    let at = |x: usize, y: usize| {
        let i = (y * 349 + x) * 3;
        [px[i], px[i + 1]]
    };
    // Stored top-left (dark red and green) shows top-right; stored bottom-right
    // (bright red and green) shows bottom-left.
    let top_right = at(345, 3);
    let bottom_left = at(3, 508);
    assert!(top_right.iter().all(|&c| c < 20), "{top_right:?}");
    assert!(bottom_left.iter().all(|&c| c > 235), "{bottom_left:?}");
}
