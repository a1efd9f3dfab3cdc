//! Decodes the AVIF fixtures' AV1 items with `portrait_av1::decode_still`.
//!
//! The AV1 bytes are pulled out of the HEIF container with heic-rs's container parser
//! (`heic_rs::meta`): `heic_rs::context::Context::open` itself refuses AVIF at the `ftyp` box
//! (it decodes HEVC only), so the tests build the `Context` from the parsed `meta` box.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use heic_rs::context::Context;
use heic_rs::ftyp::{Brand, FileType};
use portrait_av1::{decode_still, Error, Layout, Picture};

const NO_LIMIT: u64 = 1 << 32;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/images")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The container of an AVIF file, read with heic-rs's HEIF box parser.
fn avif_context(file: &[u8]) -> Context<'_> {
    let meta = heic_rs::meta::parse(file).expect("AVIF meta box");
    Context {
        file,
        ftyp: FileType {
            major: Brand::Avif,
            effective: Brand::Avif,
            minor_version: 0,
            compatible_count: 0,
        },
        meta,
    }
}

/// The coded bytes (AV1 OBUs) of an item.
fn item_obus(ctx: &Context<'_>, id: u32) -> Vec<u8> {
    let info = ctx.meta.item(id).expect("item");
    assert_eq!(&info.item_type, b"av01", "item {id} is not an AV1 item");
    ctx.item_data(id).expect("item data").into_owned()
}

/// The AV1 bytes of a file's primary item (which must be a coded picture, not a grid).
fn primary_obus(name: &str) -> Vec<u8> {
    let file = fixture(name);
    let ctx = avif_context(&file);
    assert!(ctx.grid(ctx.meta.primary).unwrap().is_none());
    item_obus(&ctx, ctx.meta.primary)
}

fn check_planes(p: &Picture) {
    let (cw, ch) = p.chroma_size();
    assert_eq!(p.y_stride, p.width as usize);
    assert_eq!(p.y.len(), p.y_stride * p.height as usize);
    assert_eq!(p.c_stride, cw as usize);
    assert_eq!(p.u.len(), p.c_stride * ch as usize);
    assert_eq!(p.v.len(), p.u.len());
    let max = (1u16 << p.bit_depth) - 1;
    for plane in [&p.y, &p.u, &p.v] {
        assert!(plane.iter().all(|&s| s <= max), "sample above {max}");
    }
}

fn mean(plane: &[u16]) -> f64 {
    plane.iter().map(|&s| f64::from(s)).sum::<f64>() / plane.len() as f64
}

#[test]
fn decodes_8bit_420() {
    let p = decode_still(&primary_obus("avif-320x180.avif"), NO_LIMIT).unwrap();
    assert_eq!((p.width, p.height), (320, 180));
    assert_eq!(p.bit_depth, 8);
    assert_eq!(p.layout, Layout::Yuv420);
    assert_eq!(p.chroma_size(), (160, 90));
    check_planes(&p);
    // avifenc writes the colour description into the sequence header as well as `colr`:
    // BT.709 primaries, sRGB transfer, BT.601 matrix, full range (as `avifdec --info` says).
    assert_eq!((p.primaries, p.transfer, p.matrix), (1, 13, 6));
    assert!(p.full_range);
    // A photo: neither black nor flat.
    assert!((40.0..220.0).contains(&mean(&p.y)));
    assert!(p.y.iter().max() > p.y.iter().min());
}

#[test]
fn decodes_10bit_444() {
    let p = decode_still(&primary_obus("avif-10bit-320x180.avif"), NO_LIMIT).unwrap();
    assert_eq!((p.width, p.height), (320, 180));
    assert_eq!(p.bit_depth, 10);
    // avifenc kept the 4:4:4 of its 10-bit source (`avifdec --info`: YUV444).
    assert_eq!(p.layout, Layout::Yuv444);
    check_planes(&p);
    assert!(p.y.iter().any(|&s| s > 255), "10-bit samples look 8-bit");
    assert!(p.full_range);
}

/// The same picture at 8 and 10 bits: the 10-bit luma is the 8-bit one × 4, near enough.
#[test]
fn ten_bit_matches_eight_bit() {
    let p8 = decode_still(&primary_obus("avif-320x180.avif"), NO_LIMIT).unwrap();
    let p10 = decode_still(&primary_obus("avif-10bit-320x180.avif"), NO_LIMIT).unwrap();
    let mad =
        p8.y.iter()
            .zip(&p10.y)
            .map(|(&a, &b)| (f64::from(a) - f64::from(b) / 4.0).abs())
            .sum::<f64>()
            / p8.y.len() as f64;
    assert!(
        mad < 4.0,
        "8-bit vs 10-bit luma differ by {mad:.2} levels on average"
    );
}

#[test]
fn decodes_vips_file() {
    let p = decode_still(&primary_obus("avif-vips-320x180.avif"), NO_LIMIT).unwrap();
    assert_eq!((p.width, p.height, p.bit_depth), (320, 180, 8));
    assert_eq!(p.layout, Layout::Yuv420);
    check_planes(&p);
}

#[test]
fn decodes_grid_tiles() {
    let file = fixture("avif-grid2x2-400x300.avif");
    let ctx = avif_context(&file);
    let (grid, tiles) = ctx.grid(ctx.meta.primary).unwrap().expect("a grid");
    assert_eq!((grid.rows, grid.columns), (2, 2));
    assert_eq!((grid.output_width, grid.output_height), (400, 300));
    assert_eq!(tiles.len(), 4);
    for id in tiles {
        let p = decode_still(&item_obus(&ctx, id), NO_LIMIT).unwrap();
        assert_eq!((p.width, p.height), (200, 150), "tile {id}");
        assert_eq!(p.bit_depth, 8);
        assert_eq!(p.layout, Layout::Yuv444);
        check_planes(&p);
    }
}

/// The alpha plane is an auxiliary AV1 item of its own, coded monochrome.
#[test]
fn decodes_alpha_item() {
    let file = fixture("avif-alpha-120x120.avif");
    let ctx = avif_context(&file);
    let colour = decode_still(&item_obus(&ctx, ctx.meta.primary), NO_LIMIT).unwrap();
    assert_eq!((colour.width, colour.height), (120, 120));
    check_planes(&colour);
    let alpha_id = ctx
        .alpha_item(ctx.meta.primary)
        .unwrap()
        .expect("an alpha item");
    let alpha = decode_still(&item_obus(&ctx, alpha_id), NO_LIMIT).unwrap();
    assert_eq!((alpha.width, alpha.height), (120, 120));
    assert_eq!(alpha.layout, Layout::Monochrome);
    assert!(alpha.u.is_empty() && alpha.v.is_empty());
    assert_eq!(alpha.c_stride, 0);
    check_planes(&alpha);
}

/// The first frame of an image sequence's track is not an item; the still-image items of an
/// animated file still decode (its primary item is the first frame).
#[test]
fn decodes_animated_files_primary_item() {
    let p = decode_still(&primary_obus("avif-animated-3frames-80x60.avif"), NO_LIMIT).unwrap();
    assert_eq!((p.width, p.height), (80, 60));
}

/// The AVIF's luma against BT.601 luma of the JPEG it was encoded from.
#[test]
fn luma_matches_source_jpeg() {
    let p = decode_still(&primary_obus("avif-320x180.avif"), NO_LIMIT).unwrap();
    assert_eq!(p.matrix, 6, "expected a BT.601 matrix");

    let jpeg = fixture("photo-320x180.jpg");
    let mut decoder = jpeg_decoder::Decoder::new(jpeg.as_slice());
    let rgb = decoder.decode().unwrap();
    let info = decoder.info().unwrap();
    assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
    assert_eq!(
        (u32::from(info.width), u32::from(info.height)),
        (p.width, p.height)
    );

    // Decoded Y' to full-range 8-bit levels.
    let scale = f64::from(1u32 << (p.bit_depth - 8));
    let to_full = |y: u16| {
        let y = f64::from(y) / scale;
        if p.full_range {
            y
        } else {
            (y - 16.0) * 255.0 / 219.0
        }
    };
    let mut sum = 0.0;
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        let (r, g, b) = (f64::from(px[0]), f64::from(px[1]), f64::from(px[2]));
        let luma = 0.299 * r + 0.587 * g + 0.114 * b;
        let (x, y) = (i % p.width as usize, i / p.width as usize);
        sum += (to_full(p.y[y * p.y_stride + x]) - luma).abs();
    }
    let mad = sum / (p.width * p.height) as f64;
    println!("mean absolute luma difference: {mad:.2} levels");
    assert!(
        mad < 4.0,
        "AVIF luma is {mad:.2} levels from the JPEG's on average"
    );
}

#[test]
fn max_pixels_is_enforced() {
    let obus = primary_obus("avif-320x180.avif");
    let exact = 320 * 180;
    assert!(decode_still(&obus, exact).is_ok());
    for max in [0, 1, 1000, exact - 1] {
        match decode_still(&obus, max) {
            Err(Error::TooLarge { max_pixels }) => assert_eq!(max_pixels, max),
            other => panic!("max_pixels {max}: {other:?}"),
        }
    }
}

#[test]
fn truncated_input_is_an_error() {
    for name in ["avif-320x180.avif", "avif-10bit-320x180.avif"] {
        let obus = primary_obus(name);
        let n = obus.len();
        let mut cuts = vec![
            0,
            1,
            2,
            5,
            10,
            20,
            n / 4,
            n / 2,
            3 * n / 4,
            n - 10,
            n - 2,
            n - 1,
        ];
        // Every byte of the headers.
        cuts.extend(0..64.min(n));
        for cut in cuts {
            let r = decode_still(&obus[..cut], NO_LIMIT);
            assert!(r.is_err(), "{name} cut at {cut}/{n} decoded: {r:?}");
        }
    }
}

/// xorshift64*: deterministic bytes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn garbage_is_an_error() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..500 {
        let len = 1 + rng.below(if round % 10 == 0 { 20_000 } else { 300 });
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let r = decode_still(&bytes, NO_LIMIT);
        assert!(r.is_err(), "{len} random bytes decoded: {r:?}");
    }
    for bytes in [&[0u8; 64][..], &[0xff; 64], b"\x12\x00", b"\x0a\x00"] {
        assert!(decode_still(bytes, NO_LIMIT).is_err());
    }
}

/// Valid streams with bits flipped: any result is fine, a panic or abort is not. (rav1d 1.1.0
/// aborted the process on about a quarter of these, with one frame context: an `unwrap` in
/// `on_error`, memorysafety/rav1d#1497, fixed in vendor/rav1d.)
#[test]
fn corrupted_input_never_panics() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let sources = [
        primary_obus("avif-320x180.avif"),
        primary_obus("avif-10bit-320x180.avif"),
    ];
    let (mut ok, mut err) = (0, 0);
    for round in 0..2000 {
        let mut obus = sources[round % sources.len()].clone();
        for _ in 0..1 + rng.below(8) {
            let i = rng.below(obus.len());
            obus[i] ^= 1 << rng.below(8);
        }
        match decode_still(&obus, NO_LIMIT) {
            Ok(p) => {
                check_planes(&p);
                ok += 1;
            }
            Err(_) => err += 1,
        }
    }
    println!("corrupted inputs: {ok} decoded, {err} rejected");
}
