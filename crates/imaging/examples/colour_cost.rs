//! What colour management adds to `process`: runs a tagged file and the same file without its
//! profile alternately (so drift and other load hit both alike) and compares median times.
//!
//! `cargo run --release -p portrait-imaging --example colour_cost -- TAGGED UNTAGGED [PAIRS]`

use std::time::{Duration, Instant};

use portrait_imaging::{process, Options};

fn time(bytes: &[u8], options: &Options) -> Duration {
    let start = Instant::now();
    let ok = process(bytes, options).is_ok();
    let took = start.elapsed();
    assert!(ok, "the file must be accepted");
    took
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tagged, untagged, rest @ ..] = args.as_slice() else {
        eprintln!("usage: colour_cost TAGGED UNTAGGED [PAIRS]");
        std::process::exit(2);
    };
    let pairs: usize = rest.first().and_then(|n| n.parse().ok()).unwrap_or(30);
    let read = |p: &str| std::fs::read(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let (a, b) = (read(tagged), read(untagged));
    let options = Options::default();
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    time(&a, &options);
    time(&b, &options);
    for _ in 0..pairs {
        ta.push(time(&a, &options));
        tb.push(time(&b, &options));
    }
    let (ma, mb) = (median(ta), median(tb));
    let added = ma.as_secs_f64() / mb.as_secs_f64() - 1.0;
    println!(
        "{tagged}: median {ma:.1?}, without its profile {mb:.1?}: {:+.1} % ({pairs} pairs)",
        added * 100.0
    );
}
