//! `portrait-bench face-crop [--runs N] LABELS.json|PHOTO...`: how often the default crop
//! keeps the whole face, and what it costs.
//!
//! For each photo of a labels file (written by `bench/face_set.py`: file, size, face boxes
//! known by construction) it runs `process()` without a crop box and checks every labelled
//! face box against the square portrait chose, the centre square and Kantata's rule (top of
//! a tall photo, centre of a wide one). Unlabelled photos only get the costs.
//!
//! Costs: CPU of `default_square` alone (on the pipeline's own upright pixels, this thread's
//! CPU) against CPU of a whole `process()` call (every thread), each over N runs after a
//! warm-up call. One JSON line per photo, then a summary line.

use std::path::Path;
use std::time::Duration;

use portrait_imaging::{default_square, process_with_stats, upright, CropBox, Options};

use crate::{json_str, ms, process_cpu, thread_cpu, Args};

struct Labelled {
    file: String,
    faces: Vec<[f64; 4]>,
}

fn labels(path: &Path) -> Result<Vec<Labelled>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let entries = value.as_array().ok_or("labels: not an array")?;
    entries
        .iter()
        .map(|e| {
            let file = e["file"].as_str().ok_or("labels: file missing")?;
            let faces = e["faces"]
                .as_array()
                .ok_or("labels: faces missing")?
                .iter()
                .map(|b| {
                    let v: Vec<f64> = b
                        .as_array()
                        .map(|a| a.iter().filter_map(|n| n.as_f64()).collect())
                        .unwrap_or_default();
                    match v[..] {
                        [x, y, w, h] => Ok([x, y, w, h]),
                        _ => Err(format!("labels: bad box in {file}")),
                    }
                })
                .collect::<Result<_, String>>()?;
            Ok(Labelled {
                file: dir.join(file).display().to_string(),
                faces,
            })
        })
        .collect()
}

fn holds(c: &CropBox, f: &[f64; 4]) -> bool {
    let end = |v: u32| f64::from(v) + f64::from(c.size);
    f[0] >= f64::from(c.x)
        && f[1] >= f64::from(c.y)
        && f[0] + f[2] <= end(c.x)
        && f[1] + f[3] <= end(c.y)
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub(crate) fn run(args: &Args) -> Result<(), String> {
    let runs = args.runs.unwrap_or(5).max(1);
    let options = Options::default();
    let mut photos: Vec<Labelled> = Vec::new();
    for f in &args.files {
        if f.extension().is_some_and(|e| e == "json") {
            photos.extend(labels(f)?);
        } else {
            photos.push(Labelled {
                file: f.display().to_string(),
                faces: Vec::new(),
            });
        }
    }
    let (mut faces, mut in_portrait, mut in_centre, mut in_rule) = (0usize, 0usize, 0usize, 0usize);
    let mut shares = Vec::new();
    let (mut crop_total, mut pipeline_total) = (Duration::ZERO, Duration::ZERO);
    let mut reasons = std::collections::BTreeMap::<String, usize>::new();
    for photo in &photos {
        let bytes = std::fs::read(&photo.file).map_err(|e| format!("{}: {e}", photo.file))?;
        let (_, stats) =
            process_with_stats(&bytes, &options).map_err(|e| format!("{}: {e}", photo.file))?;
        let (w, h) = (stats.displayed_width, stats.displayed_height);
        let side = w.min(h);
        let centre = CropBox {
            x: (w - side) / 2,
            y: (h - side) / 2,
            size: side,
        };
        let rule = CropBox {
            x: (w - side) / 2,
            y: 0,
            size: side,
        };
        let count = |c: &CropBox| photo.faces.iter().filter(|f| holds(c, f)).count();
        let (p, c, r) = (count(&stats.crop), count(&centre), count(&rule));
        faces += photo.faces.len();
        in_portrait += p;
        in_centre += c;
        in_rule += r;
        let reason = format!("{:?}", stats.crop_reason);
        *reasons.entry(reason.clone()).or_default() += 1;

        // Costs: the pipeline, then the chooser alone on the same upright pixels.
        let cpu0 = process_cpu();
        for _ in 0..runs {
            process_with_stats(&bytes, &options).map_err(|e| format!("{}: {e}", photo.file))?;
        }
        let pipeline = (process_cpu() - cpu0) / runs;
        let (uw, uh, pixels) =
            upright(&bytes, &options).map_err(|e| format!("{}: {e}", photo.file))?;
        let _ = default_square(&pixels, uw, uh);
        let cpu0 = thread_cpu();
        for _ in 0..runs {
            let _ = default_square(&pixels, uw, uh);
        }
        let crop = (thread_cpu() - cpu0) / runs;
        crop_total += crop;
        pipeline_total += pipeline;
        let share = crop.as_secs_f64() / pipeline.as_secs_f64().max(1e-9);
        shares.push(share);
        println!(
            "{{\"file\":{},\"size\":[{w},{h}],\"reason\":\"{reason}\",\"square\":[{},{},{}],\"faces\":{},\"inside\":{p},\"inside_centre\":{c},\"inside_rule\":{r},\"pipeline_cpu_ms\":{:.2},\"crop_cpu_ms\":{:.2},\"crop_share\":{:.3}}}",
            json_str(&photo.file),
            stats.crop.x,
            stats.crop.y,
            stats.crop.size,
            photo.faces.len(),
            ms(pipeline),
            ms(crop),
            share
        );
    }
    let pct = |n: usize| {
        if faces == 0 {
            0.0
        } else {
            100.0 * n as f64 / faces as f64
        }
    };
    let reasons: Vec<String> = reasons
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    println!(
        "{{\"summary\":true,\"photos\":{},\"faces\":{faces},\"inside_pct\":{:.1},\"inside_centre_pct\":{:.1},\"inside_rule_pct\":{:.1},\"reasons\":{{{}}},\"crop_share_median\":{:.3},\"crop_share_of_totals\":{:.3},\"runs\":{runs}}}",
        photos.len(),
        pct(in_portrait),
        pct(in_centre),
        pct(in_rule),
        reasons.join(","),
        median(shares),
        crop_total.as_secs_f64() / pipeline_total.as_secs_f64().max(1e-9)
    );
    Ok(())
}
