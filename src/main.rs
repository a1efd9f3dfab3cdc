//! `portrait`: the command line over the library crates (see operations.md).

mod cli;

use clap::Parser;

/// Image work runs on blocking-pool threads; glibc gives each thread its own malloc arena
/// and keeps freed photo buffers in it, so under steady uploads RSS settled near 400 MiB
/// (scripts/soak.py, 2 cores). Two arenas keep it near 150 MiB at the same throughput;
/// mimalloc, tried too, stayed near 280 MiB.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tunables; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let command = cli::Cli::parse();
    match command.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("portrait: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
