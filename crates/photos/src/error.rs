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
    /// The rendition is being made in the background; ask again shortly.
    #[error("rendition not made yet")]
    NotYet,
    /// The image task panicked or was cancelled.
    #[error("image task failed")]
    Task(#[source] tokio::task::JoinError),
}

impl PhotoError {
    /// A short name for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Busy => "busy",
            Self::TimedOut(_) => "timed_out",
            Self::Rejected(_) => "rejected",
            Self::Store(_) => "store_error",
            Self::Blobs(_) => "blob_error",
            Self::NotYet => "not_yet",
            Self::Task(_) => "task_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::*;

    #[test]
    fn failures_of_the_layers_below_keep_their_cause() {
        let store = PhotoError::from(StoreError::Unavailable("pool timed out".into()));
        let cause = store.source().map(ToString::to_string);
        assert_eq!(
            cause.as_deref(),
            Some("database unavailable: pool timed out")
        );

        let blobs = PhotoError::from(BlobError::Unavailable("connection refused".into()));
        let cause = blobs.source().map(ToString::to_string);
        assert_eq!(
            cause.as_deref(),
            Some("blob store unavailable: connection refused")
        );
    }

    #[test]
    fn a_rejected_image_says_what_is_wrong_in_the_users_words() {
        let rejected = PhotoError::from(ImageError::Empty);
        assert_eq!(rejected.to_string(), "file is empty");
        let slow = PhotoError::TimedOut(Duration::from_secs(20));
        assert_eq!(
            slow.to_string(),
            "image took longer than 20 seconds to process"
        );
    }
}
