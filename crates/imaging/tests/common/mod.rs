//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

pub use portrait_imaging::testing::assert_no_metadata;
use portrait_imaging::{Processed, RenditionKind};

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/images")
        .join(name)
}

/// One of each kind of HEIC and AVIF fixture: single pictures, 10 bits, 4:2:2, alpha, grids.
pub const HEIF_PICTURES: [&str; 9] = [
    "heic-320x180.heic",
    "heic-10bit-320x180.heic",
    "heic-422-320x180.heic",
    "heic-alpha-120x120.heic",
    "heic-grid-irot1-p3-256x160.heic",
    "avif-320x180.avif",
    "avif-10bit-320x180.avif",
    "avif-grid2x2-400x300.avif",
    "avif-alpha-120x120.avif",
];

pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `<workspace root>/../shared/corpus`, or `$PORTRAIT_CORPUS`, when it exists.
pub fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PORTRAIT_CORPUS") {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// A decoded RGB rendition.
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Rgb {
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    pub fn mean(&self) -> [f64; 3] {
        let mut sum = [0f64; 3];
        for p in self.data.chunks_exact(3) {
            for c in 0..3 {
                sum[c] += f64::from(p[c]);
            }
        }
        let n = (self.data.len() / 3) as f64;
        sum.map(|s| s / n)
    }
}

/// Decodes a rendition with an independent decoder and checks it is 3-channel.
pub fn decode_jpeg(jpeg: &[u8]) -> Rgb {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    let data = d.decode().expect("rendition decodes");
    let info = d.info().expect("info");
    assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
    Rgb {
        width: u32::from(info.width),
        height: u32::from(info.height),
        data,
    }
}

/// Default-options checks every accepted input must pass: the squares of the
/// default ladder, then a Full rendition of `displayed` size capped at 2048, all
/// decodable and metadata-free.
pub fn assert_standard_set(p: &Processed, displayed: (u32, u32)) {
    let kinds: Vec<RenditionKind> = p.renditions.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![
            RenditionKind::Square(48),
            RenditionKind::Square(96),
            RenditionKind::Square(144),
            RenditionKind::Square(192),
            RenditionKind::Square(288),
            RenditionKind::Square(648),
            RenditionKind::Full,
        ]
    );
    for r in &p.renditions {
        let img = decode_jpeg(&r.jpeg);
        assert_eq!((img.width, img.height), (r.width, r.height), "{:?}", r.kind);
        if let RenditionKind::Square(s) = r.kind {
            assert_eq!((r.width, r.height), (s, s));
        }
        assert_no_metadata(&r.jpeg);
    }
    let full = p.renditions.last().expect("full rendition");
    let (dw, dh) = displayed;
    assert!(full.width.max(full.height) <= 2048);
    if dw.max(dh) <= 2048 {
        assert_eq!(
            (full.width, full.height),
            displayed,
            "never upscaled or cropped"
        );
    } else {
        assert_eq!(full.width.max(full.height), 2048);
    }
    // Same aspect ratio within rounding of one pixel.
    let expect_h = f64::from(full.width) * f64::from(dh) / f64::from(dw);
    assert!(
        (expect_h - f64::from(full.height)).abs() <= 1.0,
        "aspect kept"
    );
}

/// Tiny deterministic RNG for the mutation tests.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// `png` with an `iCCP` chunk holding `icc` right after IHDR.
pub fn png_with_icc(png: &[u8], icc: &[u8]) -> Vec<u8> {
    let mut data = b"test\0\0".to_vec();
    data.extend_from_slice(&fdeflate::compress_to_vec(icc));
    portrait_imaging::testing::png_with_chunk(png, b"iCCP", &data)
}
