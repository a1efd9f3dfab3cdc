//! `portrait`: the command line over the library crates (see operations.md).

mod cli;
mod config;

use std::io::IsTerminal;

use clap::Parser;

/// Allocations from this size up (decoded images, resize buffers, coefficient planes) get
/// their own mapping, returned to the kernel when freed.
const MMAP_THRESHOLD_BYTES: i32 = 4 * 1024 * 1024;

/// Image work runs on blocking-pool threads; glibc gives each thread its own malloc arena
/// and keeps freed photo buffers in it, so under steady uploads RSS settled near 400 MiB
/// (scripts/soak.py, 2 cores). Two arenas keep it near 150 MiB at the same throughput;
/// mimalloc, tried too, stayed near 280 MiB. glibc's mmap threshold also grows after the
/// first large free (up to 32 MiB), after which photo buffers stay in the arenas: 16
/// concurrent uploads of a 13 MP photo peaked at 270-325 MB. A fixed 4 MiB threshold keeps
/// that at 180-187 MB for about 10 % more CPU per upload (page faults on fresh mappings);
/// 128 KiB saved only 20 MB more. Figures and commands in BENCHMARKS.md.
#[allow(unsafe_code)] // mallopt is a C function; there is no safe binding
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tunables; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
    }
}

fn main() -> std::process::ExitCode {
    tune_malloc();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("portrait: cannot start the async runtime: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::process::ExitCode {
    // Parsed first, as it says how to log; clap prints its own usage errors.
    let command = cli::Cli::parse();
    let format = command.log_format;
    init_logging(format);
    match command.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            match format {
                cli::LogFormat::Json => tracing::error!(error = format!("{error:#}"), "failed"),
                cli::LogFormat::Text => eprintln!("portrait: {error:#}"),
            }
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(format: cli::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        // Colour codes only for a person at a terminal: in log files they are noise, and
        // formatting them was 2.5 % of a photo GET.
        cli::LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        cli::LogFormat::Json => logs.json().flatten_event(true).with_span_list(false).init(),
    }
}
