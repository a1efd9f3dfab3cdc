//! Everything an operator can tune. Each section's `Default` is the only home of its numbers;
//! the command line layers a config file, the environment and flags over them (see the
//! README's "Configuration").

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use portrait_blobs::Timeouts as BlobTimeouts;
use portrait_imaging::Options as ImagingOptions;
use portrait_photos::PhotoLimits;
use portrait_store::ConnectOptions;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where the default database and blob store live.
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…`; `None` means `sqlite://<data_dir>/portrait.db`.
    pub database_url: Option<String>,
    /// `file://DIR` or `s3://BUCKET/PREFIX?…`; `None` means `file://<data_dir>/blobs`.
    pub blob_store: Option<String>,
    /// Base of every URL portrait hands out; `None` means `http://<bound address>`.
    pub public_url: Option<String>,
    pub http: HttpLimits,
    pub photos: PhotoLimits,
    pub imaging: ImagingOptions,
    pub store: ConnectOptions,
    pub blobs: BlobTimeouts,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            blob_store: None,
            public_url: None,
            http: HttpLimits::default(),
            photos: PhotoLimits::default(),
            imaging: ImagingOptions::default(),
            store: ConnectOptions::default(),
            blobs: BlobTimeouts::default(),
        }
    }
}

impl Config {
    /// The defaults, with the data under `data_dir`.
    pub fn for_data_dir(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
            ..Self::default()
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("portrait.db").display()))
    }

    pub fn blob_store_url(&self) -> String {
        self.blob_store
            .clone()
            .unwrap_or_else(|| format!("file://{}", self.data_dir.join("blobs").display()))
    }
}

/// Limits of the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpLimits {
    /// How long a client may take to send an upload body.
    #[serde(with = "humantime_serde")]
    pub body_read_timeout: Duration,
    /// Largest `per_page` / `limit`.
    pub max_page_size: u64,
    /// How long readiness checks wait for a dependency.
    #[serde(with = "humantime_serde")]
    pub readiness_timeout: Duration,
    /// Requests per bearer token.
    pub rate_limit: RateLimit,
    /// Threads that accept and serve connections, each with its own single-threaded runtime
    /// (see `serving.rs`).
    pub connection_threads: usize,
    /// Serve `/metrics` on this address instead of the main listener (which then answers it
    /// 404), to keep it private; `None` serves it beside the API.
    pub metrics_listen: Option<SocketAddr>,
    /// Serve `photo_path` (`<id>.jpg`) as AVIF or WebP to clients whose `Accept` asks for them
    /// (with `Vary: Accept`). Off by default: a shared cache that ignores `Vary` would hand
    /// those bytes to clients that cannot read them.
    pub negotiate_photo_formats: bool,
}

impl Default for HttpLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            body_read_timeout: Duration::from_secs(30),
            max_page_size: 200,
            readiness_timeout: Duration::from_secs(1),
            rate_limit: RateLimit::default(),
            connection_threads: cores,
            metrics_listen: None,
            negotiate_photo_formats: false,
        }
    }
}

/// A token bucket per bearer token: `burst` requests at once, refilled at `per_second`;
/// `per_second = 0` turns rate limiting off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl RateLimit {
    pub const OFF: Self = Self {
        per_second: 0,
        burst: 0,
    };

    pub fn is_on(&self) -> bool {
        self.per_second > 0
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        // Generous for people and scripts, tight enough that one leaked token
        // cannot monopolise the image workers.
        Self {
            per_second: 20,
            burst: 40,
        }
    }
}
