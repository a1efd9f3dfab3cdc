//! Shared by the fuzz targets: which panics count as findings.
//!
//! libfuzzer-sys aborts on every panic, even one that the code under test catches. The image
//! pipeline deliberately catches panics of the third-party decoders and turns them into
//! `ImageError::Corrupt` (that is its contract), so those are allowed here; each distinct one is
//! reported once on stderr so the README can list them. A panic anywhere else (our own crates,
//! the resizer, the encoder, std/alloc) is a finding and aborts, whether or not it is caught.
//! `PORTRAIT_FUZZ_STRICT=1` makes every panic a finding, to hunt bugs in the decoders themselves.

use std::collections::HashSet;
use std::sync::Mutex;

/// Source paths of the decoders whose panics `portrait_imaging::process` is meant to absorb.
const DECODER_CRATES: [&str; 12] = [
    "/jpeg-decoder-",
    "/png-0.",
    "/gif-0.",
    "/image-webp-",
    "/image-0.25",
    "/fdeflate-",
    "/weezl-",
    "/miniz_oxide-",
    "/zune-",
    // jxl-rs (the `jxl` crate) and its parts (jxl_simd, jxl_transforms).
    "/jxl-",
    "/jxl_",
    "/heic-rs-",
];

static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);

pub fn install_panic_policy() {
    let strict = std::env::var_os("PORTRAIT_FUZZ_STRICT").is_some_and(|v| v == "1");
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let in_decoder = DECODER_CRATES.iter().any(|c| location.contains(c));
        if strict || !in_decoder {
            default_hook(info);
            std::process::abort();
        }
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if seen
            .get_or_insert_with(HashSet::new)
            .insert(location.clone())
        {
            eprintln!("caught decoder panic (allowed, mapped to Corrupt) at {location}");
        }
    }));
}

/// Counts how often an oracle applied, printed now and then when `PORTRAIT_FUZZ_STATS=1`, to
/// check that the structured inputs do reach the well-formed cases.
#[allow(dead_code)] // the pipeline target has no oracle to count
pub struct Tally {
    runs: std::sync::atomic::AtomicU64,
    hits: std::sync::atomic::AtomicU64,
}

#[allow(dead_code)]
impl Tally {
    pub const fn new() -> Self {
        Tally {
            runs: std::sync::atomic::AtomicU64::new(0),
            hits: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn record(&self, what: &str, hit: bool) {
        use std::sync::atomic::Ordering::Relaxed;
        let runs = self.runs.fetch_add(1, Relaxed) + 1;
        let hits = self.hits.fetch_add(u64::from(hit), Relaxed) + u64::from(hit);
        if runs.is_power_of_two() && std::env::var_os("PORTRAIT_FUZZ_STATS").is_some() {
            eprintln!("{what}: {hits} of {runs} inputs");
        }
    }
}
