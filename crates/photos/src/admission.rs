//! Image work runs on the blocking pool, a bounded number at a time, with a bounded queue in
//! front: past it, uploads are refused as busy instead of piling up memory.
//!
//! Three bounds, all in [`PhotoLimits`]: places (uploads admitted at once), the bytes
//! of their bodies, and the memory of the decodes running at once. The first two are taken
//! before a body is read and shed when exhausted; the third is waited for, so two huge photos
//! are processed one after the other rather than side by side.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use image::RgbImage;
use portrait_imaging::{siblings, CropBox, ImageError, Options, Processed, Rendition};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::PhotoError;
use crate::limits::PhotoLimits;
use crate::telemetry::{self, Stage};

const MIB: u64 = 1024 * 1024;

#[derive(Debug)]
pub struct ProcessingQueue {
    workers: Arc<Semaphore>,
    places: Arc<Semaphore>,
    /// In MiB, as semaphores count in `u32`.
    body_mib: Arc<Semaphore>,
    body_mib_total: u32,
    decode_memory: MemoryBudget,
    workers_total: usize,
    queue_total: usize,
    timeout: Duration,
    options: Options,
}

impl ProcessingQueue {
    pub fn new(limits: &PhotoLimits, options: Options) -> Self {
        let workers = limits.workers.max(1);
        // One upload of the largest accepted size must always fit.
        let body_bytes = limits.queued_body_bytes.max(limits.max_upload_bytes);
        let body_mib_total = mib(body_bytes).max(1);
        Self {
            workers: Arc::new(Semaphore::new(workers)),
            places: Arc::new(Semaphore::new(workers + limits.queue)),
            body_mib: Arc::new(Semaphore::new(body_mib_total as usize)),
            body_mib_total,
            decode_memory: MemoryBudget::new(limits.decode_memory_bytes),
            workers_total: workers,
            queue_total: limits.queue,
            timeout: limits.processing_timeout,
            options,
        }
    }

    /// A place in the queue for a body of up to `body_bytes`, taken before the body is read so
    /// that a full queue sheds uploads before they cost memory; held until processing ends.
    pub fn admit(&self, body_bytes: u64) -> Result<Admission, PhotoError> {
        let busy = |_| PhotoError::Busy;
        let place = Arc::clone(&self.places).try_acquire_owned().map_err(busy)?;
        // One upload as large as the whole budget is still let in when nothing else is.
        let wanted = mib(body_bytes).clamp(1, self.body_mib_total);
        let body = Arc::clone(&self.body_mib)
            .try_acquire_many_owned(wanted)
            .map_err(busy)?;
        Ok(Admission {
            _place: place,
            _body: body,
        })
    }

    /// Decodes and renders one upload admitted by [`Self::admit`], or says why not; with
    /// `keep_pixels`, also the pixels each rendition was encoded from, in the same order.
    pub async fn process(
        &self,
        admission: Admission,
        bytes: Bytes,
        crop: Option<CropBox>,
        keep_pixels: bool,
    ) -> Result<(Processed, Vec<RgbImage>), PhotoError> {
        let _admission = admission;
        let options = Options {
            crop,
            ..self.options.clone()
        };
        self.on_worker(bytes, options, 0, move |bytes, options| {
            let (processed, stats, pixels) = if keep_pixels {
                portrait_imaging::process_keeping_pixels(bytes, options)?
            } else {
                let (processed, stats) = portrait_imaging::process_with_stats(bytes, options)?;
                (processed, stats, Vec::new())
            };
            telemetry::record_image_stages(&stats);
            Ok((processed, pixels))
        })
        .await
    }

    /// The decode memory budget, which the background encoders share with uploads.
    pub fn memory(&self) -> MemoryBudget {
        self.decode_memory.clone()
    }

    /// A `side` square made from a stored larger `square` of a photo that predates `side` in
    /// the ladder ([`portrait_imaging::smaller_square`]). It runs on a worker like an upload,
    /// so that such work never adds CPU or memory beyond the configured bounds.
    pub async fn smaller_square(&self, square: Bytes, side: u32) -> Result<Rendition, PhotoError> {
        self.on_worker(square, self.options.clone(), 0, move |bytes, options| {
            portrait_imaging::smaller_square(bytes, side, options)
        })
        .await
    }

    /// A WebP of a stored JPEG rendition of a photo that predates WebP, or whose Full WebP the
    /// background has not made yet ([`portrait_imaging::webp_of_rendition`]), on a worker like
    /// an upload.
    pub async fn webp_of_rendition(&self, jpeg: Bytes) -> Result<Vec<u8>, PhotoError> {
        self.on_worker(jpeg, self.options.clone(), 0, |bytes, options| {
            portrait_imaging::webp_of_rendition(bytes, options)
        })
        .await
    }

    /// An AVIF of a stored JPEG rendition, on a worker like an upload, for servers without
    /// background workers and for `portrait backfill`.
    pub async fn avif_of_rendition(&self, jpeg: Bytes) -> Result<Vec<u8>, PhotoError> {
        let decoding = portrait_imaging::working_set_bytes(&jpeg, &self.options);
        let encoder = siblings::avif_of_rendition_working_set_bytes(&jpeg, &self.options);
        let extra = encoder.saturating_sub(decoding);
        self.on_worker(jpeg, self.options.clone(), extra, |bytes, options| {
            siblings::avif(
                &portrait_imaging::rendition_pixels(bytes, options)?,
                options,
            )
        })
        .await
    }

    /// The ThumbHash of a stored `square` of a photo that predates placeholders
    /// ([`portrait_imaging::thumbhash_of_square`]), on a worker like an upload.
    pub async fn thumbhash_of_square(&self, square: Bytes) -> Result<Vec<u8>, PhotoError> {
        self.on_worker(square, self.options.clone(), 0, |bytes, options| {
            portrait_imaging::thumbhash_of_square(bytes, options)
        })
        .await
    }

    /// Runs `work` on the blocking pool once its decode memory (the estimate for decoding
    /// `bytes`, plus `extra_bytes`) and a worker are free, within the processing timeout.
    async fn on_worker<T: Send + 'static>(
        &self,
        bytes: Bytes,
        options: Options,
        extra_bytes: u64,
        work: impl FnOnce(&[u8], &Options) -> Result<T, ImageError> + Send + 'static,
    ) -> Result<T, PhotoError> {
        let estimate = portrait_imaging::working_set_bytes(&bytes, &options);
        // The semaphores are never closed, so acquiring cannot fail in practice.
        let busy = |_| PhotoError::Busy;
        let waiting = Instant::now();
        let memory = self
            .decode_memory
            .take(estimate.saturating_add(extra_bytes))
            .await
            .map_err(busy)?;
        let worker = Arc::clone(&self.workers)
            .acquire_owned()
            .await
            .map_err(busy)?;
        telemetry::record_stage(Stage::AdmissionWait, waiting.elapsed());
        // The permits move into the task so that a timed-out decode still counts against the
        // limits until it really stops.
        let task = tokio::task::spawn_blocking(move || -> Result<T, ImageError> {
            let _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit) = (memory, worker);
            work(&bytes, &options)
        });
        match tokio::time::timeout(self.timeout, task).await {
            Err(_) => Err(PhotoError::TimedOut(self.timeout)),
            Ok(Err(join)) => Err(PhotoError::Task(join)),
            Ok(Ok(result)) => result.map_err(PhotoError::from),
        }
    }
}

impl ProcessingQueue {
    /// Uploads admitted now (processing or waiting) and decode memory reserved, for metrics.
    pub fn load(&self) -> QueueLoad {
        let places = self.workers_total + self.queue_total;
        let budget = &self.decode_memory;
        let reserved_mib = budget.total_mib as usize - budget.mib.available_permits();
        QueueLoad {
            places,
            admitted: places - self.places.available_permits(),
            processing: self.workers_total - self.workers.available_permits(),
            decode_memory_budget_bytes: u64::from(budget.total_mib) * MIB,
            decode_memory_reserved_bytes: reserved_mib as u64 * MIB,
        }
    }
}

/// How full the queue is at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLoad {
    pub places: usize,
    /// Waiting or processing; those waiting are `admitted - processing`.
    pub admitted: usize,
    pub processing: usize,
    pub decode_memory_budget_bytes: u64,
    pub decode_memory_reserved_bytes: u64,
}

/// Estimated memory of the image work running at once, in MiB (semaphores count in `u32`).
#[derive(Debug, Clone)]
pub(crate) struct MemoryBudget {
    mib: Arc<Semaphore>,
    total_mib: u32,
}

impl MemoryBudget {
    fn new(bytes: u64) -> Self {
        let total_mib = mib(bytes).max(1);
        Self {
            mib: Arc::new(Semaphore::new(total_mib as usize)),
            total_mib,
        }
    }

    /// A run estimated larger than the whole budget still runs, alone.
    fn share(&self, bytes: u64) -> u32 {
        mib(bytes).clamp(1, self.total_mib)
    }

    /// `bytes` of the budget, waiting in line for them.
    async fn take(&self, bytes: u64) -> Result<OwnedSemaphorePermit, tokio::sync::AcquireError> {
        Arc::clone(&self.mib)
            .acquire_many_owned(self.share(bytes))
            .await
    }

    /// `bytes` of the budget (at most half of it) for work that can wait, such as the
    /// background's: only when they are free now and half the budget stays free beside them
    /// for uploads, so that such work never makes an upload wait long.
    pub fn try_take_spare(&self, bytes: u64) -> Option<OwnedSemaphorePermit> {
        let half = (self.total_mib / 2).max(1);
        let share = mib(bytes).clamp(1, half);
        if self.mib.available_permits() < (share + half) as usize {
            return None;
        }
        Arc::clone(&self.mib).try_acquire_many_owned(share).ok()
    }

    /// [`Self::try_take_spare`], blocking the calling (non-runtime) thread until it succeeds or
    /// `patience` has passed: it looks again every 50 ms rather than queueing, so it never holds
    /// a place in the line that [`Self::take`] waits in.
    pub fn take_spare_within(
        &self,
        bytes: u64,
        patience: Duration,
    ) -> Option<OwnedSemaphorePermit> {
        let deadline = Instant::now() + patience;
        loop {
            if let Some(permit) = self.try_take_spare(bytes) {
                return Some(permit);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn mib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(MIB)).unwrap_or(u32::MAX)
}

/// One admitted upload; dropping it frees its place and its body bytes.
#[derive(Debug)]
pub struct Admission {
    _place: OwnedSemaphorePermit,
    _body: OwnedSemaphorePermit,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(body_bytes: u64, decode_bytes: u64) -> ProcessingQueue {
        let limits = PhotoLimits {
            max_upload_bytes: MIB,
            workers: 2,
            queue: 8,
            queued_body_bytes: body_bytes,
            decode_memory_bytes: decode_bytes,
            ..PhotoLimits::default()
        };
        ProcessingQueue::new(&limits, Options::default())
    }

    fn png(side: u32) -> Bytes {
        let image = image::RgbImage::from_pixel(side, side, image::Rgb([200, 10, 10]));
        let mut out = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("encode PNG");
        Bytes::from(out.into_inner())
    }

    #[test]
    fn bodies_are_admitted_while_their_bytes_fit() {
        let queue = queue(10 * MIB, 256 * MIB);
        let first = queue.admit(6 * MIB).expect("fits");
        assert!(queue.admit(6 * MIB).is_err(), "12 MiB > 10 MiB");
        let small = queue.admit(4 * MIB).expect("6 + 4 fits");
        drop(first);
        let again = queue.admit(6 * MIB).expect("room again");
        drop((small, again));
        // A body as large as the whole budget still gets in alone.
        let whole = queue.admit(64 * MIB).expect("alone");
        assert!(queue.admit(1).is_err());
        drop(whole);
    }

    #[test]
    fn the_load_counts_admitted_uploads_and_reserved_memory() {
        let queue = queue(10 * MIB, 256 * MIB);
        let idle = queue.load();
        assert_eq!((idle.places, idle.admitted, idle.processing), (10, 0, 0));
        assert_eq!(idle.decode_memory_budget_bytes, 256 * MIB);
        assert_eq!(idle.decode_memory_reserved_bytes, 0);
        let admitted = [
            queue.admit(MIB).expect("fits"),
            queue.admit(MIB).expect("fits"),
        ];
        let reserved = Arc::clone(&queue.decode_memory.mib)
            .try_acquire_many_owned(3)
            .expect("free");
        let worker = Arc::clone(&queue.workers)
            .try_acquire_owned()
            .expect("free");
        let busy = queue.load();
        assert_eq!((busy.admitted, busy.processing), (2, 1));
        assert_eq!(busy.decode_memory_reserved_bytes, 3 * MIB);
        drop((admitted, reserved, worker));
        assert_eq!(queue.load(), idle);
    }

    #[test]
    fn spare_memory_leaves_half_the_budget_to_uploads() {
        let budget = MemoryBudget::new(10 * MIB);
        let spare = budget
            .try_take_spare(3 * MIB)
            .expect("idle: 3 of 10 leaves 7");
        assert!(budget.try_take_spare(3 * MIB).is_none(), "4 free < 3 + 5");
        drop(spare);
        let upload = budget.try_take_spare(MIB).expect("1 + 5 of 10");
        let uploads = Arc::clone(&budget.mib)
            .try_acquire_many_owned(4)
            .expect("free");
        assert!(budget.try_take_spare(MIB).is_none(), "5 free < 1 + 5");
        drop((upload, uploads));
        // At most half, however much is asked for.
        let large = budget.try_take_spare(100 * MIB).expect("clamped to 5");
        assert_eq!(budget.mib.available_permits(), 5);
        drop(large);
    }

    #[test]
    fn waiting_for_spare_memory_gives_up_while_it_is_pinned() {
        let budget = MemoryBudget::new(10 * MIB);
        // Held pixels and an upload waiting for the rest: nothing spare, now or later.
        let pinned = Arc::clone(&budget.mib)
            .try_acquire_many_owned(6)
            .expect("free");
        let started = Instant::now();
        assert!(budget
            .take_spare_within(MIB, Duration::from_millis(120))
            .is_none());
        assert!(started.elapsed() >= Duration::from_millis(120));
        drop(pinned);
        assert!(budget
            .take_spare_within(MIB, Duration::from_millis(120))
            .is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_larger_than_the_memory_budget_still_complete_and_return_it() {
        let queue = Arc::new(queue(64 * MIB, MIB));
        let runs = (0..3).map(|_| {
            let queue = Arc::clone(&queue);
            tokio::spawn(async move {
                let admission = queue.admit(MIB).expect("admitted");
                queue.process(admission, png(300), None, false).await
            })
        });
        for run in futures::future::join_all(runs).await {
            let (processed, _) = run.expect("task").expect("processed");
            let ladder = portrait_imaging::defaults::SQUARE_SIZES.len();
            assert_eq!(processed.renditions.len(), ladder + 1);
        }
        assert_eq!(queue.decode_memory.mib.available_permits(), 1);
        assert_eq!(queue.body_mib.available_permits(), 64);
        assert_eq!(queue.workers.available_permits(), 2);
    }
}
