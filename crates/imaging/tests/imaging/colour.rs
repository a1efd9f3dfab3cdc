//! Colour management: tagged versions of one sRGB photo (made with libvips/lcms2, see
//! fixtures/images/make_colour_fixtures.sh) must come out as the sRGB original does, and
//! profiles that cannot be used must leave the image as if untagged.

use portrait_imaging::testing::{jpeg_markers, mean_chroma, mean_delta_e00};
use portrait_imaging::{process, Options, Processed};

use crate::common::{decode_jpeg, fixture};

fn full(p: &Processed) -> Vec<u8> {
    decode_jpeg(&p.renditions.last().expect("full").jpeg).data
}

fn ours(name: &str) -> Processed {
    process(&fixture(name), &Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The samples of a file as its decoder gives them, no colour management.
fn raw_rgb(name: &str) -> Vec<u8> {
    image::load_from_memory(&fixture(name))
        .expect("decodes")
        .to_rgb8()
        .into_raw()
}

/// Mean ΔE00 and relative chroma difference of `tagged`'s Full rendition against `original`'s.
fn compare(tagged: &str, original: &str) -> (f64, f64) {
    let (a, b) = (full(&ours(tagged)), full(&ours(original)));
    let (ca, cb) = (mean_chroma(&a), mean_chroma(&b));
    (mean_delta_e00(&a, &b), (ca - cb).abs() / cb)
}

#[test]
fn tagged_photos_come_out_as_their_srgb_original() {
    for tagged in [
        "colour-p3-256x160.jpg",
        "colour-adobergb-256x160.jpg",
        "colour-cmyk-256x160.jpg",
        "colour-cmyk-untagged-256x160.jpg",
    ] {
        let (de, chroma) = compare(tagged, "colour-srgb-256x160.jpg");
        println!("{tagged}: mean ΔE00 {de:.3}, chroma off by {:.2} %", chroma * 100.0);
        assert!(de <= 0.5, "{tagged}: mean ΔE00 {de:.3}");
        assert!(chroma <= 0.02, "{tagged}: chroma off by {:.2} %", chroma * 100.0);
    }
    // 16 bits a channel, converted before the reduction to 8.
    let (de, chroma) = compare("colour-p3-16bit-160x100.png", "colour-srgb-160x100.png");
    println!("16-bit P3 PNG: mean ΔE00 {de:.3}, chroma off by {:.2} %", chroma * 100.0);
    assert!(de <= 0.5 && chroma <= 0.02, "16-bit P3: ΔE00 {de:.3}, chroma {chroma:.4}");
}

#[test]
fn without_conversion_the_same_files_would_be_off() {
    // The yardstick above can fail: the tagged samples taken as sRGB are well off.
    let original = full(&ours("colour-srgb-256x160.jpg"));
    for tagged in ["colour-p3-256x160.jpg", "colour-adobergb-256x160.jpg"] {
        let naive = raw_rgb(tagged);
        let de = mean_delta_e00(&naive, &original);
        let chroma = 1.0 - mean_chroma(&naive) / mean_chroma(&original);
        assert!(de > 1.5 && chroma > 0.05, "{tagged}: {de:.3}, {chroma:.4}");
    }
}

#[test]
fn greyscale_goes_through_its_gray_profile() {
    // L* tone curve: taken as sRGB grey, mid-tones would come out visibly lighter.
    let (de, _) = compare("colour-gray-lstar-256x160.jpg", "colour-gray-256x160.jpg");
    assert!(de <= 0.5, "mean ΔE00 {de:.3}");
    let naive = raw_rgb("colour-gray-lstar-256x160.jpg");
    let original = full(&ours("colour-gray-256x160.jpg"));
    assert!(mean_delta_e00(&naive, &original) > 1.5);
    // Still grey.
    let out = full(&ours("colour-gray-lstar-256x160.jpg"));
    assert!(out
        .chunks_exact(3)
        .all(|p| p[0].abs_diff(p[1]) <= 2 && p[1].abs_diff(p[2]) <= 2));
}

#[test]
fn srgb_tagged_and_untagged_give_identical_renditions() {
    // The fast path: an sRGB profile changes nothing, to the byte.
    let srgb = moxcms::ColorProfile::new_srgb().encode().expect("sRGB profile");
    let plain = fixture("colour-srgb-256x160.jpg");
    let tagged = jpeg_with_icc(&plain, &srgb);
    assert_eq!(renditions(&tagged), renditions(&plain));
}

/// The ICC profile embedded in a fixture JPEG (one APP2 chunk).
fn profile_of(name: &str) -> Vec<u8> {
    let mut icc = Vec::new();
    for (marker, payload) in jpeg_markers(&fixture(name)) {
        if marker == 0xE2 && payload.starts_with(b"ICC_PROFILE\0") {
            icc.extend_from_slice(&payload[14..]);
        }
    }
    assert!(!icc.is_empty(), "{name} has a profile");
    icc
}

fn renditions(bytes: &[u8]) -> Vec<Vec<u8>> {
    process(bytes, &Options::default())
        .expect("accepted")
        .renditions
        .into_iter()
        .map(|r| r.jpeg)
        .collect()
}

/// `jpeg` with `icc` in APP2 chunks right after SOI (any APP2 ICC it had is kept after them, so
/// pass an untagged file).
pub fn jpeg_with_icc(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    let chunks: Vec<&[u8]> = icc.chunks(65_519).collect();
    let mut out = jpeg[..2].to_vec();
    for (i, chunk) in chunks.iter().enumerate() {
        out.extend_from_slice(&[0xFF, 0xE2]);
        out.extend_from_slice(&((chunk.len() + 16) as u16).to_be_bytes());
        out.extend_from_slice(b"ICC_PROFILE\0");
        out.extend_from_slice(&[(i + 1) as u8, chunks.len() as u8]);
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `png` with an `iCCP` chunk holding `icc` right after IHDR.
pub fn png_with_icc(png: &[u8], icc: &[u8]) -> Vec<u8> {
    let mut data = b"test\0\0".to_vec();
    data.extend_from_slice(&fdeflate::compress_to_vec(icc));
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"iCCP");
    chunk.extend_from_slice(&data);
    chunk.extend_from_slice(&crc32(&chunk[4..]).to_be_bytes());
    let ihdr_end = 8 + 8 + 13 + 4;
    [&png[..ihdr_end], &chunk[..], &png[ihdr_end..]].concat()
}

/// A display P3 profile whose red tone curve tag is renamed: it parses, but no transform can be
/// built from it (no rTRC, no tables).
pub fn profile_without_red_curve() -> Vec<u8> {
    let mut icc = profile_of("colour-p3-256x160.jpg");
    let count = u32::from_be_bytes([icc[128], icc[129], icc[130], icc[131]]) as usize;
    for i in 0..count {
        let at = 132 + 12 * i;
        if &icc[at..at + 4] == b"rTRC" {
            icc[at..at + 4].copy_from_slice(b"zTRC");
        }
    }
    icc
}

#[test]
fn unusable_profiles_leave_the_image_as_if_untagged() {
    let jpeg = fixture("colour-srgb-256x160.jpg");
    let png = fixture("colour-srgb-160x100.png");
    let (plain_jpeg, plain_png) = (renditions(&jpeg), renditions(&png));
    let p3 = profile_of("colour-p3-256x160.jpg");
    let mut truncated_header = p3.clone();
    truncated_header.truncate(100);
    let mut wrong_size = p3.clone();
    wrong_size[..4].copy_from_slice(&u32::MAX.to_be_bytes());
    let mut garbage = vec![0u8; 4000];
    let mut rng = crate::common::XorShift(7);
    garbage.iter_mut().for_each(|b| *b = rng.next() as u8);
    let gray = profile_of("colour-gray-lstar-256x160.jpg");
    // Over the 1 MiB cap: a real profile padded to 2 MB (a JPEG holds at most ~16 MB).
    let mut huge = p3.clone();
    huge.resize(2_000_000, 0);
    let cases: [(&str, Vec<u8>); 6] = [
        ("truncated header", truncated_header),
        ("declared size 4 GB", wrong_size),
        ("random bytes", garbage),
        ("transform cannot be built", profile_without_red_curve()),
        ("gray profile on RGB pixels", gray),
        ("2 MB profile", huge),
    ];
    for (what, icc) in &cases {
        assert_eq!(renditions(&jpeg_with_icc(&jpeg, icc)), plain_jpeg, "JPEG: {what}");
        assert_eq!(renditions(&png_with_icc(&png, icc)), plain_png, "PNG: {what}");
    }
    // 20 MB of profile inflated from a few KB of iCCP: never inflated past the cap.
    let mut bomb = p3;
    bomb.resize(20 << 20, 0);
    assert_eq!(renditions(&png_with_icc(&png, &bomb)), plain_png, "PNG: 20 MB profile");
    // Sanity of the helpers: the real profile, embedded the same way, does change the output.
    let p3 = profile_of("colour-p3-256x160.jpg");
    assert_ne!(renditions(&jpeg_with_icc(&jpeg, &p3)), plain_jpeg);
    assert_ne!(renditions(&png_with_icc(&png, &p3)), plain_png);
}

#[test]
#[ignore]
fn debug_numbers() {
    let d = "/tmp/colour-fx/";
    let run = |p: &str| {
        let bytes = std::fs::read(p).unwrap_or_else(|_| fixture(p));
        process(&bytes, &Options::default()).unwrap()
    };
    for (a, b) in [
        ("colour-p3-256x160.jpg", "colour-srgb-256x160.jpg"),
        ("colour-adobergb-256x160.jpg", "colour-srgb-256x160.jpg"),
        ("colour-p3-16bit-160x100.png", "colour-srgb-160x100.png"),
        ("colour-cmyk-256x160.jpg", "/tmp/colour-fx/ref-cmyk-256x160.png"),
        ("colour-cmyk-untagged-256x160.jpg", "/tmp/colour-fx/ref-cmyk-256x160.png"),
        ("colour-gray-lstar-256x160.jpg", "/tmp/colour-fx/ref-gray-lstar-256x160.png"),
        ("colour-p3-256x160.jpg", "/tmp/colour-fx/ref-p3-256x160.png"),
    ] {
        let (pa, pb) = (run(a), run(b));
        let mut line = format!("{a} vs {b}:");
        for (ra, rb) in pa.renditions.iter().zip(&pb.renditions) {
            let (x, y) = (decode_jpeg(&ra.jpeg).data, decode_jpeg(&rb.jpeg).data);
            line += &format!(" {:?} {:.3}/{:.2}%", ra.kind, mean_delta_e00(&x, &y), 100.0 * (mean_chroma(&x) / mean_chroma(&y) - 1.0));
        }
        println!("{line}");
    }
    let _ = d;
}
