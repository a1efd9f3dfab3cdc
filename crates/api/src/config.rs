//! Everything an operator can tune, with its default, in one place.

use std::net::SocketAddr;
use std::time::Duration;

use portrait_imaging::Options as ImagingOptions;
use portrait_store::ConnectOptions;

pub use crate::photos::cache::CacheLimits;

/// Limits of the HTTP layer and of photo processing.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted upload body (Kantata caps files at 10 MB).
    pub max_upload_bytes: u64,
    /// How long a client may take to send an upload body.
    pub body_read_timeout: Duration,
    /// Wall-clock budget for decoding and encoding one photo.
    pub processing_timeout: Duration,
    /// Photos processed at once; more would only slow each one down.
    pub processing_workers: usize,
    /// Uploads allowed in beyond the workers (receiving their body or waiting for a worker)
    /// before new ones get 503.
    pub processing_queue: usize,
    /// Body bytes the admitted uploads may hold together (by Content-Length, or
    /// `max_upload_bytes` when a body does not say); past it new uploads get 503.
    pub queued_body_bytes: u64,
    /// Estimated memory of the decodes running at once: two 13 MP phone photos fit side by
    /// side, a 50 MP one runs alone. With `queued_body_bytes` it keeps the whole server near
    /// 200 MB under any upload load (BENCHMARKS.md).
    pub processing_memory_bytes: u64,
    /// Largest `per_page` / `limit`.
    pub max_page_size: u64,
    /// How long readiness checks wait for a dependency.
    pub readiness_timeout: Duration,
    /// Requests per bearer token; `None` turns rate limiting off.
    pub rate_limit: Option<RateLimit>,
    /// Threads that accept and serve connections, each with its own listener and
    /// single-threaded runtime (see `serving.rs`).
    pub connection_threads: usize,
}

/// A token bucket per bearer token: `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
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

impl Default for Limits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            max_upload_bytes: 10 * 1024 * 1024,
            body_read_timeout: Duration::from_secs(30),
            processing_timeout: Duration::from_secs(20),
            processing_workers: cores,
            processing_queue: cores * 4,
            queued_body_bytes: 48 * 1024 * 1024,
            processing_memory_bytes: 224 * 1024 * 1024,
            max_page_size: 200,
            readiness_timeout: Duration::from_secs(1),
            rate_limit: Some(RateLimit::default()),
            connection_threads: cores,
        }
    }
}

/// The blob sweep: unreferenced photo blobs older than `grace` are deleted every `interval`.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub grace: Duration,
    pub interval: Option<Duration>,
}

impl Default for Sweep {
    fn default() -> Self {
        Self {
            grace: Duration::from_secs(60 * 60),
            interval: Some(Duration::from_secs(15 * 60)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub blob_store_url: String,
    /// Base of every URL portrait hands out; `None` means `http://<bound address>`.
    pub public_url: Option<String>,
    pub limits: Limits,
    pub imaging: ImagingOptions,
    pub store: ConnectOptions,
    pub blobs: portrait_blobs::Timeouts,
    pub sweep: Sweep,
    pub photo_cache: CacheLimits,
}

impl Config {
    /// Defaults of operations.md for a data directory.
    pub fn for_data_dir(data_dir: &std::path::Path) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: format!("sqlite://{}", data_dir.join("portrait.db").display()),
            blob_store_url: format!("file://{}", data_dir.join("blobs").display()),
            public_url: None,
            limits: Limits::default(),
            imaging: ImagingOptions::default(),
            store: ConnectOptions::default(),
            blobs: portrait_blobs::Timeouts::default(),
            sweep: Sweep::default(),
            photo_cache: CacheLimits::default(),
        }
    }
}
