//! The default-crop chooser, `portrait_imaging::default_square`, on arbitrary pixels: raw
//! fuzz bytes tiled over a fuzzed size, or the astronaut portrait (a face the detector finds)
//! with fuzz bytes written over part of it, so the detector's later stages see real
//! proposals. The square must lie inside the image, be as large as the short side, hold at
//! most 16 faces, and come out the same twice; a panic anywhere (the detector's included,
//! though the chooser catches it) is a finding.
#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use portrait_imaging::{default_square, upright, Options};

const ASTRONAUT: &[u8] = include_bytes!("../../fixtures/images/astronaut-192x192.jpg");

fn astronaut() -> &'static (u32, u32, Vec<u8>) {
    static PIXELS: OnceLock<(u32, u32, Vec<u8>)> = OnceLock::new();
    PIXELS.get_or_init(|| upright(ASTRONAUT, &Options::default()).expect("fixture decodes"))
}

fn check(rgb: &[u8], w: u32, h: u32) {
    let a = default_square(rgb, w, h);
    assert_eq!(a.size, w.min(h), "square as large as the short side");
    assert!(u64::from(a.x) + u64::from(a.size) <= u64::from(w), "{a:?} in {w}x{h}");
    assert!(u64::from(a.y) + u64::from(a.size) <= u64::from(h), "{a:?} in {w}x{h}");
    assert!(a.faces.len() <= 16, "{} faces", a.faces.len());
    let b = default_square(rgb, w, h);
    assert_eq!(a, b, "deterministic");
}

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        // Raw pixels: the size from two bytes each, up to 700 × 700, the bytes tiled.
        let [a, b, c, d, pixels @ ..] = rest else {
            return;
        };
        let w = u32::from(u16::from_le_bytes([*a, *b]) % 700) + 1;
        let h = u32::from(u16::from_le_bytes([*c, *d]) % 700) + 1;
        let len = (w * h * 3) as usize;
        let rgb: Vec<u8> = if pixels.is_empty() {
            vec![0; len]
        } else {
            pixels.iter().copied().cycle().take(len).collect()
        };
        check(&rgb, w, h);
    } else {
        // The portrait on a wider canvas, fuzz bytes written over it from an offset.
        let (pw, ph, portrait) = astronaut();
        let [a, b, pixels @ ..] = rest else {
            return;
        };
        let extra = u32::from(*a) * 2 + 1;
        let (w, h) = if *b % 2 == 0 { (pw + extra, *ph) } else { (*pw, ph + extra) };
        let mut rgb = vec![128u8; (w * h * 3) as usize];
        for y in 0..*ph {
            let src = (y * pw * 3) as usize;
            let dst = (y * w * 3) as usize;
            rgb[dst..dst + (*pw * 3) as usize].copy_from_slice(&portrait[src..src + (*pw * 3) as usize]);
        }
        let start = (usize::from(*b) * 997) % rgb.len();
        for (dst, src) in rgb[start..].iter_mut().zip(pixels) {
            *dst = *src;
        }
        check(&rgb, w, h);
    }
});
