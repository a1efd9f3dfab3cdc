//! The siblings an upload leaves for later: every rendition's AVIF (hundreds of milliseconds for
//! a 648 square, seconds for a Full rendition) and the Full rendition's WebP (more CPU than the
//! whole JPEG pipeline). After the upload has answered, its photo is offered to a few threads
//! of their own, at a lower CPU priority than requests, that make what the photo lacks and
//! store it.
//!
//! They work from the pixels the upload encoded its JPEGs from while those are still held,
//! which the photo service only keeps when the shared decode memory budget has room for them
//! at once; otherwise (a busy server, a request for a photo uploaded elsewhere or before a
//! restart) from each rendition's stored JPEG. Either way the background takes room in the
//! budget only when it is free and half the budget stays free beside it for uploads, and never
//! queues for it ahead of them.
//! A photo waits for them at most once: offers of a photo already waiting are merged, and past
//! `background_queue` photos the offer is refused (the first request or `portrait backfill`
//! offers it again).

use std::collections::HashSet;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use image::RgbImage;
use portrait_blobs::BlobStore;
use portrait_imaging::{siblings, Options};
use portrait_store::PhotoId;
use tokio::runtime::Handle;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::admission::MemoryBudget;
use crate::error::PhotoError;
use crate::keys::{blob_key, Encoding, Variant, PREFIX};
use crate::limits::PhotoLimits;

/// Niceness of the background threads: uploads and GETs come first.
const NICENESS: i32 = 10;

/// What became of an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offer {
    /// The photo will get its siblings (now queued, or already waiting).
    Taken,
    /// The queue is full: nothing will happen until the photo is offered again.
    Refused,
    /// No background threads: siblings are made when asked for.
    Off,
}

/// The upload's pixels of each rendition, the decode memory they hold while they wait, and
/// their place among the jobs allowed to hold pixels.
pub(crate) struct Held {
    pub pixels: Vec<(Variant, RgbImage)>,
    _memory: OwnedSemaphorePermit,
    _place: OwnedSemaphorePermit,
}

struct Job {
    photo: PhotoId,
    held: Option<Held>,
}

#[derive(Debug)]
pub(crate) struct Background {
    sender: Option<SyncSender<Job>>,
    waiting: Arc<Mutex<HashSet<PhotoId>>>,
    memory: MemoryBudget,
    /// One place per thread: only a job a thread can take next holds pixels, so queued photos
    /// never pin decode memory that uploads are waiting for.
    holding: Arc<Semaphore>,
}

impl Background {
    /// Starts `limits.background_workers` threads when there is something for them to make and
    /// a Tokio runtime to store it with.
    pub fn start(
        blobs: Arc<dyn BlobStore>,
        options: &Options,
        limits: &PhotoLimits,
        memory: MemoryBudget,
    ) -> Self {
        let wanted = wanted(options);
        let waiting = Arc::new(Mutex::new(HashSet::new()));
        let runtime = Handle::try_current().ok();
        let sender = match runtime {
            Some(runtime) if limits.background_workers > 0 && !wanted.is_empty() => {
                let (sender, receiver) = sync_channel(limits.background_queue.max(1));
                let worker = Arc::new(Worker {
                    blobs,
                    options: options.clone(),
                    wanted,
                    memory: memory.clone(),
                    runtime,
                    waiting: Arc::clone(&waiting),
                    jobs: Mutex::new(receiver),
                });
                let started = (0..limits.background_workers).filter(|n| {
                    let worker = Arc::clone(&worker);
                    std::thread::Builder::new()
                        .name(format!("portrait-background-{n}"))
                        .spawn(move || worker.run())
                        .is_ok()
                });
                (started.count() > 0).then_some(sender)
            }
            _ => None,
        };
        Self {
            sender,
            waiting,
            memory,
            holding: Arc::new(Semaphore::new(limits.background_workers)),
        }
    }

    pub fn is_on(&self) -> bool {
        self.sender.is_some()
    }

    /// `pixels` (each rendition's, as encoded) kept for the background if a thread will take
    /// them next and the decode memory budget has room for them and their encoding now; `None`
    /// otherwise (the photo's siblings are then made from its stored JPEGs).
    pub fn hold(&self, pixels: Vec<(Variant, RgbImage)>) -> Option<Held> {
        let place = Arc::clone(&self.holding).try_acquire_owned().ok()?;
        let held: u64 = pixels.iter().map(|(_, p)| p.as_raw().len() as u64).sum();
        let encoding = pixels
            .iter()
            .map(|(_, p)| siblings::avif_working_set_bytes(p.width(), p.height()))
            .max()
            .unwrap_or(0);
        let memory = self.memory.try_take_spare(held + encoding)?;
        Some(Held {
            pixels,
            _memory: memory,
            _place: place,
        })
    }

    /// Asks for `photo`'s missing siblings to be made, from `held` pixels when given.
    pub fn offer(&self, photo: &PhotoId, held: Option<Held>) -> Offer {
        let Some(sender) = &self.sender else {
            return Offer::Off;
        };
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        if !waiting.insert(photo.clone()) {
            return Offer::Taken;
        }
        let job = Job {
            photo: photo.clone(),
            held,
        };
        match sender.try_send(job) {
            Ok(()) => Offer::Taken,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                waiting.remove(photo);
                Offer::Refused
            }
        }
    }

    /// Photos queued or being worked on now, for tests and metrics.
    pub fn waiting(&self) -> usize {
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The encodings made here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sibling {
    Avif,
    Webp,
}

impl Sibling {
    fn encoding(self) -> Encoding {
        match self {
            Sibling::Avif => Encoding::Avif,
            Sibling::Webp => Encoding::Webp,
        }
    }

    fn encode(self, pixels: &RgbImage, options: &Options) -> Result<Vec<u8>, PhotoError> {
        let made = match self {
            Sibling::Avif => siblings::avif(pixels, options)?,
            Sibling::Webp => siblings::webp(pixels, options)?,
        };
        Ok(made)
    }
}

/// Every rendition's AVIF and Full's WebP, as `options` asks, smallest rendition first.
fn wanted(options: &Options) -> Vec<(Variant, Sibling)> {
    let mut squares = options.square_sizes.clone();
    squares.sort_unstable();
    squares.dedup();
    let variants: Vec<Variant> = squares
        .into_iter()
        .map(Variant::Square)
        .chain([Variant::Full])
        .collect();
    let avifs = variants.iter().map(|&v| (v, Sibling::Avif));
    let avifs = avifs.filter(|_| options.avif);
    let full_webp = options.webp.then_some((Variant::Full, Sibling::Webp));
    avifs.chain(full_webp).collect()
}

/// How long a job made from stored JPEGs waits for spare decode memory before it gives up.
const SPARE_MEMORY_PATIENCE: Duration = Duration::from_secs(2);

struct Worker {
    blobs: Arc<dyn BlobStore>,
    options: Options,
    wanted: Vec<(Variant, Sibling)>,
    memory: MemoryBudget,
    runtime: Handle,
    waiting: Arc<Mutex<HashSet<PhotoId>>>,
    jobs: Mutex<Receiver<Job>>,
}

impl Worker {
    /// Takes jobs until the photo service is dropped.
    fn run(&self) {
        if let Err(error) = rustix::process::setpriority_process(None, NICENESS) {
            tracing::debug!(%error, "background thread keeps the normal priority");
        }
        loop {
            let job = self
                .jobs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .recv();
            let Ok(job) = job else {
                return;
            };
            let photo = job.photo.clone();
            match self.runtime.block_on(self.make(job)) {
                Ok(()) => {}
                Err(PhotoError::NotYet) => {
                    tracing::debug!(%photo, "no spare memory for a photo's background renditions yet");
                }
                Err(error) => {
                    tracing::warn!(%photo, %error, "could not make a photo's background renditions");
                }
            }
            self.waiting
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&photo);
        }
    }

    /// Makes and stores each wanted sibling `job`'s photo lacks.
    async fn make(&self, job: Job) -> Result<(), PhotoError> {
        let photo = &job.photo;
        let full_jpeg = blob_key(photo, Variant::Full, Encoding::Jpeg);
        let stored = self.stored(photo).await?;
        if !stored.contains(full_jpeg.as_str()) {
            return Ok(()); // removed, or never whole
        }
        for &(variant, sibling) in &self.wanted {
            let key = blob_key(photo, variant, sibling.encoding());
            if stored.contains(key.as_str()) {
                continue;
            }
            let held = job.held.as_ref().and_then(|held| {
                let mut pixels = held.pixels.iter();
                pixels.find(|(v, _)| *v == variant).map(|(_, p)| p)
            });
            let made = match held {
                Some(pixels) => sibling.encode(pixels, &self.options)?,
                None => match self.made_from_stored(photo, variant, sibling).await? {
                    Some(made) => made,
                    None => continue,
                },
            };
            self.blobs.put(&key, Bytes::from(made)).await?;
            // A photo removed while this was made must not get a blob back.
            if !self.stored(photo).await?.contains(full_jpeg.as_str()) {
                self.blobs.delete(&key).await?;
                return Ok(());
            }
            tracing::debug!(%photo, variant = variant.name(), encoding = key.as_str(), "made a background rendition");
        }
        Ok(())
    }

    /// `sibling` of `variant` made from its stored JPEG, within the decode memory budget;
    /// `None` when that JPEG is gone.
    async fn made_from_stored(
        &self,
        photo: &PhotoId,
        variant: Variant,
        sibling: Sibling,
    ) -> Result<Option<Vec<u8>>, PhotoError> {
        let jpeg_key = blob_key(photo, variant, Encoding::Jpeg);
        let Some(jpeg) = self.blobs.get(&jpeg_key).await? else {
            return Ok(None);
        };
        let needed = siblings::avif_of_rendition_working_set_bytes(&jpeg, &self.options);
        // Bounded: an upload's pixels held for the job queued behind this one pin part of the
        // budget, and an upload waiting for the rest may have been handed some of it already;
        // waiting on here would wait for ever (seen with 16 uploaders of 12-18 MP photos). The
        // photo is offered again by the next request for one of its missing renditions.
        let Some(_memory) = self.memory.take_spare_within(needed, SPARE_MEMORY_PATIENCE) else {
            return Err(PhotoError::NotYet);
        };
        let pixels = portrait_imaging::rendition_pixels(&jpeg, &self.options)?;
        sibling.encode(&pixels, &self.options).map(Some)
    }

    async fn stored(&self, photo: &PhotoId) -> Result<HashSet<String>, PhotoError> {
        let listed = self.blobs.list(&format!("{PREFIX}{photo}/")).await?;
        Ok(listed.into_iter().map(|b| b.key.into_string()).collect())
    }
}
