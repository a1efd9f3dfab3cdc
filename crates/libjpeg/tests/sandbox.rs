//! The sandboxed decoder through its real child process (this crate's `portrait-libjpeg`
//! binary): the pixels it gives, what it declines or refuses, and that whatever the child does
//! the parent comes back with pixels or `None`, never a hang or a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use portrait_imaging::ForeignJpegDecoder;
use portrait_libjpeg::Sandboxed;

const CHILD: &str = env!("CARGO_BIN_EXE_portrait-libjpeg");

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/images")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn size(jpeg: &[u8]) -> (u32, u32) {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    decoder.read_info().unwrap();
    let info = decoder.info().unwrap();
    (u32::from(info.width), u32::from(info.height))
}

fn with_jpeg_decoder(jpeg: &[u8], scale: u32) -> Vec<u8> {
    let (w, h) = size(jpeg);
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    if scale > 1 {
        decoder
            .scale(w.div_ceil(scale) as u16, h.div_ceil(scale) as u16)
            .unwrap();
    }
    decoder.decode().unwrap()
}

fn sandboxed() -> Sandboxed {
    Sandboxed::program(CHILD, &[])
}

fn decode(decoder: &Sandboxed, jpeg: &[u8], scale: u32) -> Option<image::RgbImage> {
    let (w, h) = size(jpeg);
    decoder.decode(jpeg, scale, w, h)
}

/// `rgb` (`w` × `h`) shrunk by `scale` with a box filter: what a DCT-domain reduction
/// approximates.
fn box_shrink(rgb: &[u8], w: u32, h: u32, scale: u32) -> Vec<u8> {
    let (ow, oh) = (w.div_ceil(scale), h.div_ceil(scale));
    let mut out = Vec::with_capacity((ow * oh * 3) as usize);
    for oy in 0..oh {
        for ox in 0..ow {
            for c in 0..3 {
                let (mut sum, mut n) = (0u32, 0u32);
                for y in oy * scale..((oy + 1) * scale).min(h) {
                    for x in ox * scale..((ox + 1) * scale).min(w) {
                        sum += u32::from(rgb[((y * w + x) * 3 + c) as usize]);
                        n += 1;
                    }
                }
                out.push(((sum + n / 2) / n) as u8);
            }
        }
    }
    out
}

fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn decodes_like_jpeg_decoder_at_every_scale() {
    let decoder = sandboxed();
    for name in [
        "photo-320x180.jpg",
        "progressive-320x180.jpg",
        "sequential-scans-320x240.jpg",
        "gps-exif-320x240.jpg",
        "colour-p3-256x160.jpg",
    ] {
        let jpeg = fixture(name);
        let (w, h) = size(&jpeg);
        let full = with_jpeg_decoder(&jpeg, 1);
        for scale in [1, 2, 4, 8] {
            let image = decode(&decoder, &jpeg, scale)
                .unwrap_or_else(|| panic!("{name} at 1/{scale}: not decoded"));
            assert_eq!(image.dimensions(), (w.div_ceil(scale), h.div_ceil(scale)));
            let reference = with_jpeg_decoder(&jpeg, scale);
            if scale == 1 {
                let max = image
                    .as_raw()
                    .iter()
                    .zip(&full)
                    .map(|(a, b)| a.abs_diff(*b))
                    .max();
                let mean = mean_difference(image.as_raw(), &full);
                assert!(
                    mean <= 0.5 && max <= Some(8),
                    "{name}: mean {mean:.2}, max {max:?}"
                );
                continue;
            }
            // The two reduce chroma differently; both must be about as close to the full-size
            // pixels shrunk with a box filter.
            let truth = box_shrink(&full, w, h, scale);
            let ours = mean_difference(image.as_raw(), &truth);
            let theirs = mean_difference(&reference, &truth);
            assert!(
                ours <= theirs * 1.25 + 0.5,
                "{name} at 1/{scale}: {ours:.2} from the box-shrunk pixels, jpeg-decoder {theirs:.2}"
            );
        }
    }
}

#[test]
fn frames_it_does_not_take_are_declined() {
    let decoder = sandboxed();
    for name in ["cmyk-240x150.jpg", "gray-240x150.jpg"] {
        assert!(decode(&decoder, &fixture(name), 1).is_none(), "{name}");
    }
}

#[test]
fn truncated_and_corrupt_files_are_not_decoded() {
    let decoder = sandboxed();
    let jpeg = fixture("photo-320x180.jpg");
    let (w, h) = size(&jpeg);
    for cut in [2, 20, jpeg.len() / 2] {
        assert!(
            decoder.decode(&jpeg[..jpeg.len() - cut], 1, w, h).is_none(),
            "cut by {cut}"
        );
    }
    // Entropy-coded data overwritten with a run of invalid codes: libjpeg would paper over it.
    let mut corrupt = jpeg.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle..middle + 64].fill(0xFF);
    assert!(
        decoder.decode(&corrupt, 1, w, h).is_none(),
        "corrupt data decoded"
    );
    // A size that is not the frame's.
    assert!(
        decoder.decode(&jpeg, 1, w + 1, h).is_none(),
        "wrong size decoded"
    );
}

#[test]
fn children_that_crash_hang_up_or_misbehave_give_nothing() {
    let jpeg = fixture("photo-320x180.jpg");
    let children = [
        Sandboxed::program("/nonexistent/portrait-libjpeg", &[]),
        Sandboxed::program("/bin/sh", &["-c", "kill -SEGV $$"]),
        // Stops reading at once, so the parent's write fails.
        Sandboxed::program("/bin/true", &[]),
        // Too little output, and far too much.
        Sandboxed::program("/bin/sh", &["-c", "cat >/dev/null; printf abc"]),
        Sandboxed::program("/bin/sh", &["-c", "cat >/dev/null; exec yes"]),
    ];
    for child in children {
        assert!(decode(&child, &jpeg, 1).is_none(), "{child:?}");
    }
    // And the real one still works afterwards.
    assert!(decode(&sandboxed(), &jpeg, 1).is_some());
}

#[test]
fn the_child_is_shut_in_before_it_reads_anything() {
    let status = Command::new(CHILD)
        .args(["open-after-shut-in", "/etc/passwd"])
        .status()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(libc_sigsys()),
        "opening a file was not fatal: {status}"
    );
}

/// SIGSYS, which seccomp's kill action delivers as the cause of death.
fn libc_sigsys() -> i32 {
    31
}
