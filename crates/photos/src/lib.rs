//! portrait's photo service: everything about profile photos that is not HTTP.
//!
//! [`Photos`] admits uploads within bounded memory and places ([`admission`]), turns bytes into
//! renditions with `portrait_imaging`, stores them and swaps them in without losing the previous
//! photo ([`swap`]), leaves the slow encodings to background threads ([`background`]), serves renditions through an in-memory cache ([`cache`]) and sweeps blobs
//! nobody points at ([`sweep`]). Every bound is in [`PhotoLimits`]; every failure is a
//! [`PhotoError`].

mod admission;
mod background;
mod cache;
mod error;
pub mod keys;
mod limits;
mod renditions;
mod swap;
mod sweep;
pub mod telemetry;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use portrait_blobs::{BlobError, BlobStore};
use portrait_imaging::{CropBox, Options};
use portrait_store::{MetadataStore, PhotoEvent, PhotoId, UserId};

pub use admission::{Admission, QueueLoad};
pub use error::PhotoError;
pub use keys::{Encoding, Variant};
pub use limits::{CacheLimits, PhotoLimits, SweepSchedule};
pub use renditions::BackfillReport;
pub use sweep::{sweep, SweepReport};

use admission::ProcessingQueue;
use background::Background;
use cache::RenditionCache;
use keys::blob_key;

/// The photo service. One per server; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Photos {
    store: Arc<dyn MetadataStore>,
    blobs: Arc<dyn BlobStore>,
    queue: ProcessingQueue,
    background: Background,
    cache: RenditionCache,
    imaging: Options,
    limits: PhotoLimits,
}

impl Photos {
    pub fn new(
        store: Arc<dyn MetadataStore>,
        blobs: Arc<dyn BlobStore>,
        limits: PhotoLimits,
        imaging: Options,
    ) -> Self {
        let queue = ProcessingQueue::new(&limits, imaging.clone());
        let background = Background::start(Arc::clone(&blobs), &imaging, &limits, queue.memory());
        Self {
            queue,
            background,
            cache: RenditionCache::new(limits.cache),
            store,
            blobs,
            imaging,
            limits,
        }
    }

    pub fn limits(&self) -> &PhotoLimits {
        &self.limits
    }

    /// Whether photos are served in `encoding` (JPEG always; WebP and AVIF unless switched off).
    pub fn serves(&self, encoding: Encoding) -> bool {
        match encoding {
            Encoding::Jpeg => true,
            Encoding::Webp => self.imaging.webp,
            Encoding::Avif => self.imaging.avif,
        }
    }

    /// Sides of the square renditions every photo has.
    pub fn square_sizes(&self) -> &[u32] {
        &self.imaging.square_sizes
    }

    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    /// A place for an upload whose body holds up to `body_bytes`, taken before the body is read
    /// so that a busy server refuses uploads before they cost memory. Held until
    /// [`Self::upload`] ends.
    pub fn admit(&self, body_bytes: u64) -> Result<Admission, PhotoError> {
        self.queue.admit(body_bytes)
    }

    /// Makes `file` the user's photo: decode and render it within the limits, store every
    /// rendition, swap it in and delete the previous photo. On any error the previous photo
    /// stays the user's, whole.
    pub async fn upload(
        &self,
        admission: Admission,
        user: UserId,
        file: Bytes,
        crop: Option<CropBox>,
    ) -> Result<PhotoId, PhotoError> {
        let started = Instant::now();
        let keep_pixels = self.background.is_on();
        let result = match self.queue.process(admission, file, crop, keep_pixels).await {
            Ok((processed, pixels)) => {
                let variants: Vec<Variant> = processed
                    .renditions
                    .iter()
                    .map(|r| Variant::of(r.kind))
                    .collect();
                let replaced = self.replace(user, processed).await;
                if let Ok(photo) = &replaced {
                    let pixels = variants.into_iter().zip(pixels).collect();
                    let held = keep_pixels.then(|| self.background.hold(pixels)).flatten();
                    self.background.offer(photo, held);
                }
                replaced
            }
            Err(error) => Err(error),
        };
        telemetry::record_upload(started.elapsed(), &result);
        result
    }

    /// Photos waiting for their background renditions (queued or being made).
    pub fn background_waiting(&self) -> usize {
        self.background.waiting()
    }

    /// Back to the default image.
    pub async fn reset(&self, user: UserId) -> Result<(), PhotoError> {
        if let Some(previous) = self.store.replace_photo(user, None, None).await? {
            self.remove(&previous).await;
        }
        Ok(())
    }

    /// A rendition from memory only: what can be answered without waiting.
    pub fn cached_rendition(
        &self,
        photo: &PhotoId,
        variant: Variant,
        encoding: Encoding,
    ) -> Option<Bytes> {
        if self.cache.is_removed(photo) {
            return None;
        }
        // Misses are counted by `rendition`, which every miss here goes on to.
        let bytes = self.cache.get(&blob_key(photo, variant, encoding))?;
        telemetry::record_cache(true);
        Some(bytes)
    }

    /// Rendition bytes held in memory now.
    pub fn cached_bytes(&self) -> u64 {
        self.cache.weight()
    }

    /// How busy the upload queue is now.
    pub fn queue_load(&self) -> QueueLoad {
        self.queue.load()
    }

    /// A rendition's bytes, from memory or the blob store (one the photo predates is made from
    /// what it has: [`renditions`]); `None` when there is no such photo.
    pub async fn rendition(
        &self,
        photo: &PhotoId,
        variant: Variant,
        encoding: Encoding,
    ) -> Result<Option<Bytes>, PhotoError> {
        if self.cache.is_removed(photo) {
            return Ok(None);
        }
        let key = blob_key(photo, variant, encoding);
        let cached = self.cache.get(&key);
        telemetry::record_cache(cached.is_some());
        if let Some(bytes) = cached {
            return Ok(Some(bytes));
        }
        let stored = match self.blobs.get(&key).await? {
            Some(bytes) => Some(bytes),
            None => self.make_missing(photo, variant, encoding, false).await?,
        };
        let Some(bytes) = stored else {
            return Ok(None);
        };
        self.cache.insert(&key, bytes.clone());
        Ok(Some(bytes))
    }

    /// Deletes the blobs no user points at that are older than the configured grace period.
    pub async fn sweep(&self) -> Result<SweepReport, PhotoError> {
        sweep(
            self.store.as_ref(),
            self.blobs.as_ref(),
            self.limits.sweep.grace,
        )
        .await
    }

    /// Runs [`Self::sweep`] every `limits.sweep.interval` until the returned task is aborted;
    /// `None` when the interval is zero.
    pub fn spawn_sweeper(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        let every = self.limits.sweep.interval;
        if every.is_zero() {
            return None;
        }
        let photos = Arc::clone(self);
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                match photos.sweep().await {
                    Ok(report) => tracing::info!(?report, "blob sweep"),
                    Err(error) => tracing::warn!(%error, "blob sweep failed; will retry"),
                }
            }
        }))
    }

    /// Follows the photos other instances remove (see [`MetadataStore::photo_events`]) until
    /// the returned task is aborted; `None` when the store has no other instances to hear.
    pub fn spawn_follower(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        let mut events = self.store.photo_events()?;
        let photos = Arc::clone(self);
        Some(tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                match event {
                    PhotoEvent::Removed(photo) => photos.forget(&photo),
                    PhotoEvent::Resync => photos.cache.clear(),
                }
            }
        }))
    }

    /// Whether the blob store answers, for readiness checks.
    pub async fn ping_blobs(&self) -> Result<(), BlobError> {
        self.blobs.ping().await
    }
}
