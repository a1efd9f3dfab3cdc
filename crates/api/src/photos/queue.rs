//! Image work runs on the blocking pool, a bounded number at a time, with a bounded queue in
//! front: past it, uploads are shed with 503 instead of piling up memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use portrait_imaging::{CropBox, Options, Processed};
use tokio::sync::Semaphore;

use crate::error::ApiError;

#[derive(Debug)]
pub struct ProcessingQueue {
    workers: Arc<Semaphore>,
    /// Uploads admitted (waiting or running); at most `capacity`.
    admitted: AtomicUsize,
    capacity: usize,
    timeout: Duration,
    options: Options,
}

impl ProcessingQueue {
    pub fn new(workers: usize, queue: usize, timeout: Duration, options: Options) -> Self {
        let workers = workers.max(1);
        Self {
            workers: Arc::new(Semaphore::new(workers)),
            admitted: AtomicUsize::new(0),
            capacity: workers + queue,
            timeout,
            options,
        }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Decodes and renders one upload admitted by [`Self::admit`], or says why not.
    pub async fn process(
        &self,
        admission: Admission<'_>,
        bytes: Bytes,
        crop: Option<CropBox>,
    ) -> Result<Processed, ApiError> {
        let _admission = admission;
        let permit = Arc::clone(&self.workers)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::busy("Photo processing"))?;
        let options = Options {
            crop,
            ..self.options.clone()
        };
        // The permit moves into the task so that a timed-out decode still counts against the
        // worker limit until it really stops.
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            portrait_imaging::process(&bytes, &options)
        });
        match tokio::time::timeout(self.timeout, task).await {
            Err(_) => Err(ApiError::photo(format!(
                "image took longer than {} seconds to process",
                self.timeout.as_secs()
            ))),
            Ok(Err(join)) => Err(ApiError::Internal(format!("image task failed: {join}"))),
            Ok(Ok(result)) => result.map_err(ApiError::from),
        }
    }

    /// A place in the queue, taken before the upload body is read so that a full queue
    /// sheds uploads before they cost memory; held until processing ends.
    pub fn admit(&self) -> Result<Admission<'_>, ApiError> {
        let before = self.admitted.fetch_add(1, Ordering::AcqRel);
        let admission = Admission(&self.admitted);
        if before >= self.capacity {
            return Err(ApiError::busy("Photo processing"));
        }
        Ok(admission)
    }
}

/// One admitted upload; dropping it frees the place.
#[derive(Debug)]
pub struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
