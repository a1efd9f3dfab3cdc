//! Why a photo operation failed. Each variant keeps the error that caused it as its source, so
//! the HTTP layer can decide the status and the log still sees the whole chain.

use std::time::Duration;

use portrait_blobs::BlobError;
use portrait_imaging::ImageError;
use portrait_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// Every admission place, or the body-byte budget, is taken; try again shortly.
    #[error("photo processing is busy")]
    Busy,
    /// Decoding and encoding took longer than `PhotoLimits::processing_timeout`.
    #[error("image took longer than {} seconds to process", .0.as_secs())]
    TimedOut(Duration),
    /// The upload is not an image portrait accepts; the message is for the user.
    #[error(transparent)]
    Rejected(#[from] ImageError),
    #[error("metadata store failed")]
    Store(#[from] StoreError),
    #[error("blob store failed")]
    Blobs(#[from] BlobError),
    /// The image task panicked or was cancelled.
    #[error("image task failed")]
    Task(#[source] tokio::task::JoinError),
}
