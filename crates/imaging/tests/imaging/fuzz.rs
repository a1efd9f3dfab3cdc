//! Mutation test: thousands of bit-flipped, overwritten, spliced and truncated
//! versions of small valid files must each come back as Ok or Err, never as a
//! panic escaping `process`, a hang, or a malformed rendition set.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::common::{fixture, XorShift};
use portrait_imaging::{process, ImageError, Options, RenditionKind};

static CAUGHT_PANICS: AtomicUsize = AtomicUsize::new(0);

fn mutate(seed: &[u8], rng: &mut XorShift) -> Vec<u8> {
    let mut b = seed.to_vec();
    match rng.below(6) {
        0 => {
            for _ in 0..=rng.below(8) {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
        }
        1 => {
            for _ in 0..=rng.below(4) {
                let i = rng.below(b.len());
                b[i] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE][rng.below(6)];
            }
        }
        2 => b.truncate(rng.below(b.len())),
        3 => {
            // Bias towards headers, where the lengths and sizes live.
            let i = rng.below(b.len().min(256));
            b[i] = rng.next() as u8;
        }
        4 => {
            let (from, to) = (rng.below(b.len()), rng.below(b.len()));
            let len = rng.below(64).min(b.len() - from.max(to));
            let chunk = b[from..from + len].to_vec();
            b.splice(to..to, chunk);
        }
        _ => {
            let i = rng.below(b.len());
            let extra = rng.below(32);
            b.splice(i..i, (0..extra).map(|_| rng.next() as u8));
        }
    }
    b
}

#[test]
fn mutated_inputs_never_escape_as_panics() {
    // Count (and silence) panics that `process` catches inside decoders.
    std::panic::set_hook(Box::new(|_| {
        CAUGHT_PANICS.fetch_add(1, Ordering::Relaxed);
    }));
    // Small outputs: the decoders are under test here, not the resizer.
    let options = Options {
        square_sizes: vec![16, 40],
        full_max_side: 64,
        ..Options::default()
    };
    let seeds = [
        "photo-320x180.jpg",
        "progressive-320x180.jpg",
        "orient6-160x90.jpg",
        "palette-160x100.png",
        "rgb16-64x43.png",
        "static-120x80.gif",
        "animated-3frames-80x60.gif",
        "lossy-320x180.webp",
        "bmp24-96x72.bmp",
    ];
    let start = Instant::now();
    let mut rng = XorShift(0x0DDB_A11C_AFE0_F00D);
    let (mut ok, mut corrupt, mut other) = (0, 0, 0);
    for name in seeds {
        let seed = fixture(name);
        for _ in 0..250 {
            let input = mutate(&seed, &mut rng);
            match process(&input, &options) {
                Ok(p) => {
                    ok += 1;
                    assert_eq!(p.renditions.len(), 3);
                    assert_eq!(p.renditions[1].kind, RenditionKind::Square(40));
                    assert!(p
                        .renditions
                        .iter()
                        .all(|r| r.jpeg.starts_with(&[0xFF, 0xD8])));
                }
                Err(ImageError::Corrupt { .. }) => corrupt += 1,
                Err(_) => other += 1,
            }
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "mutations: {ok} ok, {corrupt} corrupt, {other} refused otherwise, {} decoder panics caught, {:?}",
        CAUGHT_PANICS.load(Ordering::Relaxed),
        start.elapsed()
    );
    assert!(
        ok > 0 && corrupt > 0,
        "the mutations should produce both outcomes"
    );
}

#[test]
fn every_prefix_of_a_small_jpeg_is_handled() {
    let seed = fixture("tiny-32x32.jpg");
    let options = Options {
        square_sizes: vec![8],
        full_max_side: 16,
        ..Options::default()
    };
    for len in 0..seed.len() {
        let r = process(&seed[..len], &options);
        assert!(
            r.is_err(),
            "a {len}-byte prefix (of {}) has no EOI",
            seed.len()
        );
    }
    assert!(process(&seed, &options).is_ok());
}
