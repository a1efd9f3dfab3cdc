//! `portrait`: the command line over the library crates (see operations.md).

mod allocator;
mod cli;
mod config;

use std::io::IsTerminal;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: allocator::PhotoAllocator = allocator::PhotoAllocator;

fn main() -> std::process::ExitCode {
    allocator::tune();
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
