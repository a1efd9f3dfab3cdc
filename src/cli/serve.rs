use std::net::SocketAddr;

use clap::Args;
use portrait_api::{Application, Config};

use super::{demo, StorageArgs};
use crate::config::Overlay;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub settings: ServeSettings,
    /// Load the demo account and print tokens and ready curl commands.
    #[arg(long, env = "PORTRAIT_DEMO")]
    pub demo: bool,
}

/// The settings with a flag of their own; every other one is set in the file or environment.
#[derive(Debug, Args)]
pub struct ServeSettings {
    /// Default: 127.0.0.1:8080
    #[arg(long)]
    listen: Option<SocketAddr>,
    #[command(flatten)]
    storage: StorageArgs,
    /// Base of the URLs portrait hands out. Default: http://<listen address>
    #[arg(long)]
    public_url: Option<String>,
    /// Largest accepted upload, in bytes.
    #[arg(long)]
    max_upload_bytes: Option<u64>,
    /// JPEG quality of the renditions (1-100).
    #[arg(long)]
    jpeg_quality: Option<u8>,
    /// Sides of the square renditions, comma-separated.
    #[arg(long, value_delimiter = ',')]
    square_sizes: Option<Vec<u32>>,
    /// Requests per second allowed per bearer token (0 turns rate limiting off).
    #[arg(long)]
    rate_limit_per_second: Option<u32>,
    /// Requests a token may make at once before the per-second rate applies.
    #[arg(long)]
    rate_limit_burst: Option<u32>,
    /// Bytes of photo renditions kept in memory for GETs (0 turns the cache off).
    #[arg(long)]
    photo_cache_bytes: Option<u64>,
    /// Serve /metrics on this address only, not on the main listener. Default: beside the API
    #[arg(long)]
    metrics_listen: Option<SocketAddr>,
}

impl ServeSettings {
    pub fn overlay(&self) -> Overlay {
        let mut flags = self.storage.overlay();
        flags.set_some("listen", self.listen.map(|address| address.to_string()));
        flags.set_some("public_url", self.public_url.clone());
        flags.set_some("photos.max_upload_bytes", self.max_upload_bytes);
        flags.set_some("imaging.jpeg_quality", self.jpeg_quality);
        flags.set_some("imaging.square_sizes", self.square_sizes.clone());
        flags.set_some("http.rate_limit.per_second", self.rate_limit_per_second);
        flags.set_some("http.rate_limit.burst", self.rate_limit_burst);
        flags.set_some("photos.cache.bytes", self.photo_cache_bytes);
        flags.set_some(
            "http.metrics_listen",
            self.metrics_listen.map(|address| address.to_string()),
        );
        flags
    }
}

pub async fn run(config: Config, seed_demo: bool) -> anyhow::Result<()> {
    let data_dir = config.data_dir.clone();
    let application = Application::build(config).await?;
    if seed_demo {
        demo::seed_and_print(&application, &data_dir).await?;
    }
    println!("listening on http://{}", application.address());
    tracing::info!(address = %application.address(), "listening");
    if let Some(metrics) = application.metrics_address() {
        tracing::info!(address = %metrics, "serving /metrics");
    }
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
