//! Decode CPU of portrait against libvips' own loader on the same files, alternately (so drift
//! and other load hit both alike). portrait's side is `process`'s probe + decode stage
//! (`Stats::decode_time`, on this one thread, measured as this thread's CPU time); libvips' is
//! `vips avg FILE` in a child with `VIPS_CONCURRENCY=1` (load and sum every pixel: the decode
//! plus a trivial pass), measured as the child's CPU time, minus the CPU of `vips avg` on a
//! 1×1 PNG (process start-up and library loading).
//!
//! `cargo run --release -p portrait-imaging --example decode_cost -- ROUNDS FILE...`

use std::process::Command;
use std::time::Duration;

use portrait_imaging::{process_with_stats, Options};

/// CPU time of this thread so far (utime + stime of /proc/thread-self/stat).
fn thread_cpu() -> Duration {
    ticks("/proc/thread-self/stat", 13, 14)
}

/// CPU time of the waited-for children so far (cutime + cstime of /proc/self/stat).
fn children_cpu() -> Duration {
    ticks("/proc/self/stat", 15, 16)
}

fn ticks(path: &str, a: usize, b: usize) -> Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the parenthesised command name, which may contain spaces.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // /proc counts in USER_HZ, 100 on Linux; fields are numbered from 1 and start at 3 here.
    let at = |i: usize| fields.get(i - 2).copied().unwrap_or(0);
    Duration::from_millis((at(a) + at(b)) * 10)
}

fn vips(path: &str) -> Duration {
    let before = children_cpu();
    let status = Command::new("vips")
        .args(["avg", path])
        .env("VIPS_CONCURRENCY", "1")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(status, "vips avg {path} failed");
    children_cpu().saturating_sub(before)
}

fn ours(bytes: &[u8], options: &Options) -> (Duration, Duration) {
    let before = thread_cpu();
    let (_, stats) = process_with_stats(bytes, options).unwrap_or_else(|e| panic!("{e}"));
    (stats.decode_time, thread_cpu().saturating_sub(before))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rounds, files @ ..] = args.as_slice() else {
        eprintln!("usage: decode_cost ROUNDS FILE...");
        std::process::exit(2);
    };
    let rounds: u32 = rounds.parse().unwrap_or(5);
    // A squares-only run keeps the render stage small, so thread CPU is mostly the decode.
    let options = Options {
        square_sizes: vec![48],
        full_max_side: 48,
        ..Options::default()
    };
    let tiny = std::env::temp_dir().join("decode_cost_1x1.png");
    let png = image::RgbImage::new(1, 1);
    png.save(&tiny).unwrap_or_else(|e| panic!("{e}"));
    let tiny = tiny.to_string_lossy().into_owned();
    let startup = (0..rounds).map(|_| vips(&tiny)).sum::<Duration>() / rounds;
    println!("vips start-up CPU (1×1 PNG): {startup:.0?}");
    for file in files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        ours(&bytes, &options);
        let (mut wall, mut cpu, mut theirs) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        for _ in 0..rounds {
            let (w, c) = ours(&bytes, &options);
            wall += w;
            cpu += c;
            theirs += vips(file).saturating_sub(startup);
        }
        let (wall, cpu, theirs) = (wall / rounds, cpu / rounds, theirs / rounds);
        println!(
            "{file}: portrait decode {wall:.2?} wall, whole process() {cpu:.2?} CPU; \
             vips avg {theirs:.2?} CPU; CPU ratio (process / vips) {:.2}",
            cpu.as_secs_f64() / theirs.as_secs_f64().max(1e-3)
        );
    }
}
