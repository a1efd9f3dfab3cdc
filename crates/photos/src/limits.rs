//! Every bound of the photo service, with its default: the only place these numbers live.

use std::time::Duration;

use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;

/// What the photo service admits, how much work it runs at once, and how long it keeps things.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhotoLimits {
    /// Largest accepted file (Kantata caps uploads at 10 MB).
    pub max_upload_bytes: u64,
    /// Photos processed at once; more would only slow each one down.
    pub workers: usize,
    /// Uploads admitted beyond the workers (receiving their body or waiting for a worker)
    /// before new ones are refused as busy.
    pub queue: usize,
    /// Body bytes the admitted uploads may hold together (by declared length, or
    /// `max_upload_bytes` when a body does not say); past it new uploads are refused as busy.
    pub queued_body_bytes: u64,
    /// Estimated memory of the decodes running at once: two 13 MP phone photos fit side by
    /// side, a 50 MP one runs alone. With `queued_body_bytes` it keeps the whole server near
    /// 200 MB under any upload load (BENCHMARKS.md).
    pub decode_memory_bytes: u64,
    /// Threads that make the siblings an upload leaves for later (every AVIF, and the Full
    /// rendition's WebP), at a lower CPU priority than requests; 0 makes them on first request
    /// instead, on an upload worker (AVIF takes seconds there).
    pub background_workers: usize,
    /// Photos waiting for those threads; past it a photo's AVIFs wait for their first request
    /// or for `portrait backfill`.
    pub background_queue: usize,
    /// Wall-clock budget for decoding and encoding one photo.
    #[serde(with = "humantime_serde")]
    pub processing_timeout: Duration,
    pub cache: CacheLimits,
    pub sweep: SweepSchedule,
}

impl Default for PhotoLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            max_upload_bytes: 10 * MIB,
            workers: cores,
            queue: cores * 4,
            queued_body_bytes: 48 * MIB,
            decode_memory_bytes: 224 * MIB,
            background_workers: 1,
            background_queue: 64,
            processing_timeout: Duration::from_secs(20),
            cache: CacheLimits::default(),
            sweep: SweepSchedule::default(),
        }
    }
}

/// Size bound and staleness bound of the in-memory rendition cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheLimits {
    /// Bytes of rendition data kept; 0 turns the cache off.
    pub bytes: u64,
    /// Renditions larger than this are always read from the blob store.
    pub max_item_bytes: u64,
    /// Longest time an entry is served without asking the blob store again: how long another
    /// instance's removal can go unnoticed here when nothing announces it (PostgreSQL does,
    /// see `MetadataStore::photo_events`).
    #[serde(with = "humantime_serde")]
    pub ttl: Duration,
}

impl Default for CacheLimits {
    fn default() -> Self {
        Self {
            // Thousands of avatars (a 96 px square is ~4 KB) or ~200 full renditions.
            bytes: 64 * MIB,
            max_item_bytes: MIB,
            ttl: Duration::from_secs(60),
        }
    }
}

/// The blob sweep: unreferenced photo blobs older than `grace` are deleted every `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepSchedule {
    /// Protects uploads still in flight: their blobs exist before any user points at them.
    #[serde(with = "humantime_serde")]
    pub grace: Duration,
    /// Zero runs no periodic sweep (`portrait gc` still sweeps).
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
}

impl Default for SweepSchedule {
    fn default() -> Self {
        Self {
            grace: Duration::from_secs(60 * 60),
            interval: Duration::from_secs(15 * 60),
        }
    }
}
