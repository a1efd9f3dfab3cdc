//! Benchmark helpers for portrait; see `BENCHMARKS.md` at the workspace root.
//!
//! ```text
//! portrait-bench pipeline-cpu [--runs N] [--no-webp] FILE...
//!     CPU time (user+sys, getrusage) and wall time per process() call, measured
//!     inside one process around N calls after one warm-up call: no process
//!     start-up, no file reading in the numbers. One JSON line per file, with
//!     the pipeline's own stage timings (`Stats`: probe, decode, colour, orient,
//!     crop, resize, encode, render wall, wall, CPU), the minimum and the median
//!     of each over the N runs.
//! portrait-bench throughput [--threads T] [--seconds S] FILE...
//!     T threads each calling process() on the files round-robin for S seconds:
//!     photos/s the pipeline alone allows on these cores. One JSON line.
//! portrait-bench reject [--runs N] FILE...
//!     Time per process() call on files that must be refused (decompression
//!     bombs), and the peak RSS (VmHWM) before and after. One JSON line per file.
//! portrait-bench upload --addr HOST:PORT --target USER_ID:TOKEN [--target ...]
//!                       [--concurrency C] [--seconds S] [--uploads N] [--field NAME] FILE...
//!     C connections (keep-alive HTTP/1.1), each uploading the files round-robin
//!     as multipart to /api/v1/users/USER_ID/profile_photo for S seconds, or
//!     until N uploads have been sent if --uploads is given (whichever is first).
//!     Prints one JSON line: uploads/s, latency percentiles, statuses. A
//!     connection answered 503 or 429 waits Retry-After (at most 1 s) first.
//! portrait-bench face-crop [--runs N] LABELS.json|PHOTO...
//!     The default crop: share of labelled face boxes wholly inside the square
//!     (portrait, centre square, Kantata's rule) and the chooser's CPU as a share
//!     of process(). One JSON line per photo and a summary (face_crop.rs).
//! portrait-bench renditions --out DIR FILE...
//!     Every rendition as encoded, beside the pixels it was encoded from, for
//!     bench/jpeg_bytes.py (renditions.rs).
//! ```

mod face_crop;
mod renditions;

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use portrait_imaging::{probe, process, process_with_stats, upright, Options, Stats};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!(
            "usage: portrait-bench pipeline-cpu|throughput|reject|upload|face-crop|renditions ... (see the source)"
        );
        return ExitCode::from(2);
    }
    let command = args.remove(0);
    let parsed = match Args::parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("portrait-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match command.as_str() {
        "pipeline-cpu" => pipeline_cpu(&parsed),
        "throughput" => throughput(&parsed),
        "reject" => reject(&parsed),
        "upload" => upload(&parsed),
        "face-crop" => face_crop::run(&parsed),
        "renditions" => renditions::run(&parsed),
        other => Err(format!("unknown command {other}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portrait-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, Default)]
struct Args {
    runs: Option<u32>,
    threads: Option<usize>,
    seconds: Option<f64>,
    concurrency: Option<usize>,
    uploads: Option<u64>,
    addr: Option<String>,
    targets: Vec<(u64, String)>,
    field: Option<String>,
    out: Option<PathBuf>,
    /// `pipeline-cpu` without the WebP siblings, to tell their cost.
    no_webp: bool,
    files: Vec<PathBuf>,
}

impl Args {
    fn parse(args: Vec<String>) -> Result<Self, String> {
        let mut out = Args::default();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
            let number = |name: &str, v: String| -> Result<f64, String> {
                v.parse::<f64>()
                    .map_err(|_| format!("{name}: not a number: {v}"))
            };
            match arg.as_str() {
                "--runs" => out.runs = Some(number("--runs", value("--runs")?)? as u32),
                "--threads" => {
                    out.threads = Some(number("--threads", value("--threads")?)? as usize)
                }
                "--seconds" => out.seconds = Some(number("--seconds", value("--seconds")?)?),
                "--concurrency" => {
                    out.concurrency =
                        Some(number("--concurrency", value("--concurrency")?)? as usize)
                }
                "--uploads" => out.uploads = Some(number("--uploads", value("--uploads")?)? as u64),
                "--addr" => out.addr = Some(value("--addr")?),
                "--field" => out.field = Some(value("--field")?),
                "--out" => out.out = Some(PathBuf::from(value("--out")?)),
                "--no-webp" => out.no_webp = true,
                "--target" => {
                    let v = value("--target")?;
                    let (id, token) = v
                        .split_once(':')
                        .ok_or_else(|| format!("--target wants USER_ID:TOKEN, got {v}"))?;
                    let id = id
                        .parse()
                        .map_err(|_| format!("--target: bad user id {id}"))?;
                    out.targets.push((id, token.to_owned()));
                }
                s if s.starts_with("--") => return Err(format!("unknown option {s}")),
                _ => out.files.push(PathBuf::from(arg)),
            }
        }
        if out.files.is_empty() {
            return Err("no FILE given".into());
        }
        Ok(out)
    }

    fn read_files(&self) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.files
            .iter()
            .map(|p| {
                let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
                Ok((p.display().to_string(), bytes))
            })
            .collect()
    }
}

/// user + system CPU time of this whole process (every thread, finished ones too).
#[allow(unsafe_code)] // getrusage is a C function; there is no safe binding in std
fn process_cpu() -> Duration {
    // SAFETY: getrusage only writes into the struct we hand it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// user + system CPU time of the calling thread only.
#[allow(unsafe_code)] // getrusage is a C function; there is no safe binding in std
fn thread_cpu() -> Duration {
    // SAFETY: getrusage only writes into the struct we hand it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// A field of /proc/self/status in kB (VmHWM = peak RSS, VmRSS = current).
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The stages of one `process()` call, from its [`Stats`] (wall times, milliseconds), and the
/// probe and the orientation timed on their own.
const PHASES: [&str; 10] = [
    "probe",
    "decode",
    "colour",
    "orient",
    "crop",
    "resize",
    "encode",
    "render_wall",
    "wall",
    "cpu",
];

/// One run's stages in the order of [`PHASES`]. `decode` is Stats' decode time without its
/// colour part (it includes the probe, which the pipeline does first); in the place of
/// `orient`, which Stats does not time on its own, goes the wall time of an [`upright`] call
/// (decode and orient; the decode time when there is nothing to turn), from which
/// [`phases_json`] estimates it; `resize` and `encode` are summed over
/// the two threads that render; `render_wall` is the wall time after decoding (orientation,
/// the crop choice, resizing and encoding, on two threads).
fn phases(
    probe: Duration,
    upright: Duration,
    stats: &Stats,
    wall: Duration,
    cpu: Duration,
) -> [f64; 10] {
    [
        ms(probe),
        ms(stats.decode_time.saturating_sub(stats.colour_time)),
        ms(stats.colour_time),
        ms(upright),
        ms(stats.crop_time),
        ms(stats.resize_time),
        ms(stats.encode_time),
        ms(stats.render_time),
        ms(wall),
        ms(cpu),
    ]
}

/// `{"probe":1.234,...}` of the per-run stages, each reduced over the runs by `pick`; `orient`
/// is the reduced `upright()` wall time less the reduced decode and colour times (at least 0).
fn phases_json(runs: &[[f64; 10]], pick: impl Fn(&mut [f64]) -> f64) -> String {
    let picked: Vec<f64> = (0..PHASES.len())
        .map(|i| pick(&mut runs.iter().map(|r| r[i]).collect::<Vec<f64>>()))
        .collect();
    let fields: Vec<String> = PHASES
        .iter()
        .zip(&picked)
        .map(|(&name, &value)| {
            let value = if name == "orient" {
                (value - picked[1] - picked[2]).max(0.0)
            } else {
                value
            };
            format!("\"{name}\":{value:.3}")
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}

fn min_of(values: &mut [f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn median_of(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn pipeline_cpu(args: &Args) -> Result<(), String> {
    let runs = args.runs.unwrap_or(10).max(1);
    let options = Options {
        webp: !args.no_webp,
        ..Options::default()
    };
    for (name, bytes) in args.read_files()? {
        // One warm-up call: page faults of first-touch allocations, lazy statics.
        // Its peak RSS is that of one call (VmHWM reset just before it).
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let rss_before = status_kb("VmRSS:");
        let warm = process(&bytes, &options);
        let peak_rss = status_kb("VmHWM:");
        if let Err(e) = warm {
            println!(
                "{{\"file\":{},\"ok\":false,\"error\":{}}}",
                json_str(&name),
                json_str(&e.to_string())
            );
            continue;
        }
        let mut out_bytes = 0usize;
        // The cheapest run too: the one least disturbed by other work on the machine.
        let mut min_cpu = Duration::MAX;
        let (mut total_cpu, mut total_wall) = (Duration::ZERO, Duration::ZERO);
        let mut stages = Vec::with_capacity(runs as usize);
        let mut last = None;
        for _ in 0..runs {
            // The probe on its own, outside the measured call (process() probes again).
            let probe_started = Instant::now();
            let _ = probe(&bytes, &options.limits);
            let probe_time = probe_started.elapsed();
            let before = process_cpu();
            let wall0 = Instant::now();
            let (p, stats) =
                process_with_stats(&bytes, &options).map_err(|e| format!("{name}: {e}"))?;
            let wall = wall0.elapsed();
            let cpu = process_cpu() - before;
            min_cpu = min_cpu.min(cpu);
            total_cpu += cpu;
            total_wall += wall;
            out_bytes = p.renditions.iter().map(|r| r.jpeg.len()).sum();
            // The pipeline times orientation only as part of render_time: an `upright()` call
            // (decode and orient), outside the measured call, tells it from the decode.
            let upright_time = if stats.exif_orientation > 1 {
                let started = Instant::now();
                let _ = upright(&bytes, &options);
                started.elapsed()
            } else {
                stats.decode_time
            };
            stages.push(phases(probe_time, upright_time, &stats, wall, cpu));
            last = Some(stats);
        }
        let Some(stats) = last else { continue };
        println!(
            "{{\"file\":{},\"ok\":true,\"runs\":{runs},\"cpu_ms\":{:.3},\"min_cpu_ms\":{:.3},\"wall_ms\":{:.3},\"output_bytes\":{out_bytes},\"rss_before_kb\":{rss_before},\"peak_rss_kb\":{peak_rss},\"scale_denominator\":{},\"decoded\":[{},{}],\"exif_orientation\":{},\"displayed\":[{},{}],\"crop_reason\":\"{:?}\",\"phases_min_ms\":{},\"phases_median_ms\":{}}}",
            json_str(&name),
            ms(total_cpu / runs),
            ms(min_cpu),
            ms(total_wall / runs),
            stats.scale_denominator,
            stats.decoded_width,
            stats.decoded_height,
            stats.exif_orientation,
            stats.displayed_width,
            stats.displayed_height,
            stats.crop_reason,
            phases_json(&stages, min_of),
            phases_json(&stages, median_of),
        );
    }
    Ok(())
}

fn throughput(args: &Args) -> Result<(), String> {
    let threads = args.threads.unwrap_or(2).max(1);
    let seconds = args.seconds.unwrap_or(20.0);
    let files = Arc::new(args.read_files()?);
    let options = Arc::new(Options::default());
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let cpu0 = process_cpu();
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (files, options, done, stop) = (
                Arc::clone(&files),
                Arc::clone(&options),
                Arc::clone(&done),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    let (_, bytes) = &files[i % files.len()];
                    if process(bytes, &options).is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    i += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        let _ = h.join();
    }
    // Photos finished after the deadline count; so does the time they took.
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = (process_cpu() - cpu0).as_secs_f64();
    let photos = done.load(Ordering::Relaxed);
    println!(
        "{{\"threads\":{threads},\"seconds\":{elapsed:.3},\"photos\":{photos},\"photos_per_s\":{:.3},\"cpu_s_per_photo\":{:.4},\"peak_rss_kb\":{}}}",
        photos as f64 / elapsed,
        cpu / photos.max(1) as f64,
        status_kb("VmHWM:")
    );
    Ok(())
}

fn reject(args: &Args) -> Result<(), String> {
    let runs = args.runs.unwrap_or(1000).max(1);
    let options = Options::default();
    for (name, bytes) in args.read_files()? {
        let hwm_before = status_kb("VmHWM:");
        let mut times = Vec::with_capacity(runs as usize);
        let mut error = String::new();
        for _ in 0..runs {
            let t = Instant::now();
            let result = process(&bytes, &options);
            times.push(t.elapsed());
            match result {
                Ok(_) => return Err(format!("{name}: accepted, expected a refusal")),
                Err(e) => error = e.to_string(),
            }
        }
        times.sort_unstable();
        let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "{{\"file\":{},\"runs\":{runs},\"error\":{},\"median_us\":{:.2},\"p99_us\":{:.2},\"max_us\":{:.2},\"bytes\":{},\"vmhwm_before_kb\":{hwm_before},\"vmhwm_after_kb\":{}}}",
            json_str(&name),
            json_str(&error),
            pick(0.5).as_secs_f64() * 1e6,
            pick(0.99).as_secs_f64() * 1e6,
            times[times.len() - 1].as_secs_f64() * 1e6,
            bytes.len(),
            status_kb("VmHWM:")
        );
    }
    Ok(())
}

/// What one upload connection saw.
#[derive(Default)]
struct Tally {
    latencies_ok: Vec<Duration>,
    latencies_all: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
    io_errors: u64,
}

fn upload(args: &Args) -> Result<(), String> {
    let addr = args.addr.clone().ok_or("--addr is required")?;
    if args.targets.is_empty() {
        return Err("at least one --target USER_ID:TOKEN is required".into());
    }
    let concurrency = args.concurrency.unwrap_or(1).max(1);
    let seconds = args.seconds.unwrap_or(20.0);
    let field = args
        .field
        .clone()
        .unwrap_or_else(|| "user[profile_photo_attachment_file]".into());
    let boundary = "portrait-bench-7d1c0a5e9b";
    // Bodies are built once: the client should cost the machine as little as possible.
    let bodies: Vec<Arc<Vec<u8>>> = args
        .read_files()?
        .into_iter()
        .map(|(name, bytes)| {
            let filename = name.rsplit('/').next().unwrap_or("photo.jpg").to_owned();
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .into_bytes();
            body.extend_from_slice(&bytes);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            Arc::new(body)
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let targets = args.targets.clone();
    // Uploads sent so far, for --uploads.
    let sent = Arc::new(AtomicU64::new(0));
    let limit = args.uploads.unwrap_or(u64::MAX);
    let run_started = Instant::now();
    let tallies: Vec<Tally> = runtime.block_on(async move {
        let deadline = Instant::now() + Duration::from_secs_f64(seconds);
        let tasks: Vec<_> = (0..concurrency)
            .map(|c| {
                let (user, token) = targets[c % targets.len()].clone();
                let bodies = bodies.clone();
                let addr = addr.clone();
                let sent = Arc::clone(&sent);
                tokio::spawn(async move {
                    let mut tally = Tally::default();
                    let mut conn: Option<Connection> = None;
                    let mut i = c;
                    while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < limit {
                        let body = &bodies[i % bodies.len()];
                        i += 1;
                        let head = format!(
                            "POST /api/v1/users/{user}/profile_photo HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nAccept: application/json\r\n\r\n",
                            body.len()
                        );
                        let started = Instant::now();
                        let result = async {
                            let c = match &mut conn {
                                Some(c) => c,
                                None => conn.insert(Connection::open(&addr).await?),
                            };
                            c.send(head.as_bytes(), body).await
                        }
                        .await;
                        match result {
                            Ok((status, keep_alive, retry_after)) => {
                                let took = started.elapsed();
                                if (200..300).contains(&status) {
                                    tally.latencies_ok.push(took);
                                }
                                tally.latencies_all.push(took);
                                *tally.statuses.entry(status).or_default() += 1;
                                if !keep_alive {
                                    conn = None;
                                }
                                // Behave like a polite client: a shed upload (503/429)
                                // waits as told (at most 1 s) instead of hammering.
                                if status == 503 || status == 429 {
                                    let wait = retry_after.unwrap_or(1).min(1);
                                    tokio::time::sleep(Duration::from_secs(wait)).await;
                                }
                            }
                            Err(_) => {
                                tally.io_errors += 1;
                                conn = None;
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            if let Ok(tally) = t.await {
                out.push(tally);
            }
        }
        out
    });
    // Every task stops at the deadline, plus its last request; with --uploads, maybe earlier.
    let elapsed = if args.uploads.is_some() {
        run_started.elapsed().as_secs_f64()
    } else {
        seconds
    };
    let mut latencies: Vec<Duration> = tallies
        .iter()
        .flat_map(|t| t.latencies_ok.iter().copied())
        .collect();
    latencies.sort_unstable();
    let mut all: Vec<Duration> = tallies
        .iter()
        .flat_map(|t| t.latencies_all.iter().copied())
        .collect();
    all.sort_unstable();
    let p50_all = all.get((all.len().max(1) - 1) / 2).map_or(0.0, |d| ms(*d));
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    for t in &tallies {
        for (s, n) in &t.statuses {
            *statuses.entry(*s).or_default() += n;
        }
    }
    let io_errors: u64 = tallies.iter().map(|t| t.io_errors).sum();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len().max(1) - 1) as f64 * q).round() as usize)
            .map_or(0.0, |d| ms(*d))
    };
    let mean = if latencies.is_empty() {
        0.0
    } else {
        latencies.iter().map(|d| ms(*d)).sum::<f64>() / latencies.len() as f64
    };
    let statuses_json: Vec<String> = statuses
        .iter()
        .map(|(s, n)| format!("\"{s}\":{n}"))
        .collect();
    println!(
        "{{\"concurrency\":{concurrency},\"seconds\":{elapsed:.3},\"ok\":{},\"uploads_per_s\":{:.3},\"p50_ms\":{:.1},\"p90_ms\":{:.1},\"p99_ms\":{:.1},\"mean_ms\":{mean:.1},\"p50_all_ms\":{p50_all:.2},\"statuses\":{{{}}},\"io_errors\":{io_errors}}}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        pick(0.5),
        pick(0.9),
        pick(0.99),
        statuses_json.join(",")
    );
    Ok(())
}

/// A keep-alive HTTP/1.1 connection that sends a prepared request and reads the
/// response (Content-Length or chunked) just far enough to know it has ended.
struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Connection {
    async fn open(addr: &str) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Returns the status, whether the connection may be reused, and Retry-After (seconds).
    async fn send(&mut self, head: &[u8], body: &[u8]) -> io::Result<(u16, bool, Option<u64>)> {
        self.buf.clear();
        let written = async {
            self.stream.write_all(head).await?;
            self.stream.write_all(body).await
        }
        .await;
        // A server may answer (413) and close before reading the whole body: the write
        // fails, but its answer can still be read.
        let mut keep_alive = written.is_ok();
        let header_end = loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                break end + 4;
            }
            if let Err(e) = self.fill().await {
                written?;
                return Err(e);
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..header_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad status line"))?;
        let mut length: Option<usize> = None;
        let mut chunked = false;
        let mut retry_after = None;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().to_ascii_lowercase();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().ok(),
                "transfer-encoding" => chunked = value.contains("chunked"),
                "connection" => keep_alive &= !value.contains("close"),
                "retry-after" => retry_after = value.parse().ok(),
                _ => {}
            }
        }
        self.buf.drain(..header_end);
        if chunked {
            loop {
                let line_end = loop {
                    if let Some(e) = find(&self.buf, b"\r\n") {
                        break e;
                    }
                    self.fill().await?;
                };
                let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
                let size =
                    usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                        .map_err(|_| {
                            io::Error::new(io::ErrorKind::InvalidData, "bad chunk size")
                        })?;
                let need = line_end + 2 + size + 2;
                while self.buf.len() < need {
                    self.fill().await?;
                }
                self.buf.drain(..need);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            while self.buf.len() < n {
                self.fill().await?;
            }
        } else {
            // No length: the body runs to the end of the connection.
            while self.fill().await.is_ok() {}
            keep_alive = false;
        }
        Ok((status, keep_alive, retry_after))
    }

    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
