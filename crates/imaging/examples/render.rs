//! Runs the pipeline on files and reports timings; optionally writes the
//! renditions out for a look.
//!
//! `cargo run --release -p portrait-imaging --example render -- [--out DIR] [--runs N] FILE...`

use std::path::PathBuf;
use std::time::{Duration, Instant};

use portrait_imaging::{process_with_stats, Options, RenditionKind};

fn main() {
    let mut out: Option<PathBuf> = None;
    let mut runs = 5u32;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                continue;
            }
        };
        let mut best = Duration::MAX;
        let mut last = None;
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            let result = process_with_stats(&bytes, &Options::default());
            best = best.min(start.elapsed());
            last = Some(result);
        }
        match last {
            Some(Ok((p, stats))) => {
                println!(
                    "{}: {}x{} {} -> 1/{} decode, best of {runs}: {best:?} (last run: decode {:?}, render {:?})",
                    file.display(),
                    p.source.width,
                    p.source.height,
                    p.source.format.name(),
                    stats.scale_denominator,
                    stats.decode_time,
                    stats.render_time
                );
                if let Some(dir) = &out {
                    let stem = file
                        .file_stem()
                        .map_or("out".into(), |s| s.to_string_lossy());
                    for r in &p.renditions {
                        let kind = match r.kind {
                            RenditionKind::Square(s) => format!("sq{s}"),
                            RenditionKind::Full => "full".to_owned(),
                        };
                        let path = dir.join(format!("{stem}-{kind}.jpg"));
                        if let Err(e) = std::fs::write(&path, &r.jpeg) {
                            eprintln!("{}: {e}", path.display());
                        }
                    }
                }
            }
            Some(Err(e)) => println!("{}: refused: {e} ({best:?})", file.display()),
            None => {}
        }
    }
}
