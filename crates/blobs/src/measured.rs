//! Latency and errors of every blob-store call, through the `metrics` facade (the server
//! decides where they go). Wraps whichever backend [`crate::open`] built.

use std::time::Instant;

use async_trait::async_trait;
use bytes::Bytes;

use crate::{BlobError, BlobKey, BlobMeta, BlobStore};

pub const CALL_SECONDS: &str = "portrait_blob_call_duration_seconds";
pub const ERRORS: &str = "portrait_blob_errors_total";

#[derive(Debug)]
pub struct Measured<S> {
    inner: S,
}

impl<S> Measured<S> {
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

async fn measure<T>(
    operation: &'static str,
    call: impl std::future::Future<Output = Result<T, BlobError>>,
) -> Result<T, BlobError> {
    let started = Instant::now();
    let result = call.await;
    metrics::histogram!(CALL_SECONDS, "operation" => operation)
        .record(started.elapsed().as_secs_f64());
    if let Err(error) = &result {
        let kind = if error.is_unavailable() {
            "unavailable"
        } else {
            "other"
        };
        metrics::counter!(ERRORS, "operation" => operation, "kind" => kind).increment(1);
    }
    result
}

#[async_trait]
impl<S: BlobStore> BlobStore for Measured<S> {
    async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<(), BlobError> {
        measure("put", self.inner.put(key, bytes)).await
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, BlobError> {
        measure("get", self.inner.get(key)).await
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        measure("delete", self.inner.delete(key)).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError> {
        measure("list", self.inner.list(prefix)).await
    }

    async fn ping(&self) -> Result<(), BlobError> {
        measure("ping", self.inner.ping()).await
    }
}
