use std::net::SocketAddr;

use clap::Args;
use portrait_api::config::RateLimit;
use portrait_api::Application;

use super::{demo, StorageArgs};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, env = "PORTRAIT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    storage: StorageArgs,
    /// Base of the URLs portrait hands out. Default: http://<listen address>
    #[arg(long, env = "PORTRAIT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Load the demo account and print tokens and ready curl commands.
    #[arg(long, env = "PORTRAIT_DEMO")]
    demo: bool,
    /// Largest accepted upload, in bytes.
    #[arg(long, env = "PORTRAIT_MAX_UPLOAD_BYTES", default_value_t = 10 * 1024 * 1024)]
    max_upload_bytes: u64,
    /// JPEG quality of the renditions (1-100).
    #[arg(long, env = "PORTRAIT_JPEG_QUALITY", default_value_t = 85)]
    jpeg_quality: u8,
    /// Sides of the square renditions, comma-separated.
    #[arg(long, env = "PORTRAIT_SQUARE_SIZES", value_delimiter = ',', default_values_t = [48, 96, 192, 288, 648])]
    square_sizes: Vec<u32>,
    /// Requests per second allowed per bearer token (0 turns rate limiting off).
    #[arg(long, env = "PORTRAIT_RATE_LIMIT_PER_SECOND", default_value_t = 20)]
    rate_limit_per_second: u32,
    /// Requests a token may make at once before the per-second rate applies.
    #[arg(long, env = "PORTRAIT_RATE_LIMIT_BURST", default_value_t = 40)]
    rate_limit_burst: u32,
    /// Bytes of photo renditions kept in memory for GETs (0 turns the cache off).
    #[arg(long, env = "PORTRAIT_PHOTO_CACHE_BYTES", default_value_t = 64 * 1024 * 1024)]
    photo_cache_bytes: u64,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = args.storage.config(args.listen);
    config.public_url = args.public_url.clone();
    config.limits.max_upload_bytes = args.max_upload_bytes;
    config.imaging.jpeg_quality = args.jpeg_quality;
    config.imaging.square_sizes = args.square_sizes.clone();
    config.limits.rate_limit = (args.rate_limit_per_second > 0).then_some(RateLimit {
        per_second: args.rate_limit_per_second,
        burst: args.rate_limit_burst.max(1),
    });
    config.photo_cache.bytes = args.photo_cache_bytes;
    let application = Application::build(config).await?;
    if args.demo {
        demo::seed_and_print(&application, &args.storage.data_dir).await?;
    }
    println!("listening on http://{}", application.address());
    application.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, finish what is in flight.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
