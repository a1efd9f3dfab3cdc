//! In-memory backend, for tests of code that needs a [`BlobStore`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::{filter_and_sort, BlobError, BlobKey, BlobMeta, BlobStore};

type Blobs = BTreeMap<BlobKey, (Bytes, DateTime<Utc>)>;

/// A [`BlobStore`] kept in process memory. Cloning is not supported: share it
/// through an `Arc`. Everything is lost on drop.
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    blobs: Mutex<Blobs>,
}

impl MemoryBlobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Blobs>, BlobError> {
        self.blobs
            .lock()
            .map_err(|_| BlobError::Other("memory blob store lock poisoned".into()))
    }
}

#[async_trait::async_trait]
impl BlobStore for MemoryBlobStore {
    async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<(), BlobError> {
        self.lock()?.insert(key.clone(), (bytes, Utc::now()));
        Ok(())
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, BlobError> {
        Ok(self.lock()?.get(key).map(|(b, _)| b.clone()))
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        self.lock()?.remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError> {
        let metas = self
            .lock()?
            .iter()
            .map(|(key, (bytes, modified))| BlobMeta {
                key: key.clone(),
                size: bytes.len() as u64,
                last_modified: *modified,
            })
            .collect();
        Ok(filter_and_sort(metas, prefix))
    }

    async fn ping(&self) -> Result<(), BlobError> {
        Ok(())
    }
}
