//! Store factories shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use portrait_blobs::{BlobStore, FsBlobStore, MemoryBlobStore, S3BlobStore, S3Config, Timeouts};

/// A store plus whatever must outlive it (a temp dir).
pub struct Fixture {
    pub store: Arc<dyn BlobStore>,
    pub _dir: Option<tempfile::TempDir>,
}

pub fn fs() -> Option<Fixture> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsBlobStore::new(dir.path().join("blobs")).expect("open fs store");
    Some(Fixture {
        store: Arc::new(store),
        _dir: Some(dir),
    })
}

pub fn memory() -> Option<Fixture> {
    Some(Fixture {
        store: Arc::new(MemoryBlobStore::new()),
        _dir: None,
    })
}

/// The S3 test configuration from the environment, or `None` (test skipped)
/// when `PORTRAIT_TEST_S3_ENDPOINT` is unset.
pub fn s3_config() -> Option<S3Config> {
    let endpoint = std::env::var("PORTRAIT_TEST_S3_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty());
    let Some(endpoint) = endpoint else {
        eprintln!("PORTRAIT_TEST_S3_ENDPOINT not set: skipping S3 test");
        return None;
    };
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set for the S3 tests"))
    };
    Some(S3Config {
        bucket: std::env::var("PORTRAIT_TEST_S3_BUCKET").unwrap_or_else(|_| "portrait-test".into()),
        endpoint: Some(endpoint),
        region: "garage".into(),
        access_key_id: var("AWS_ACCESS_KEY_ID"),
        secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
        session_token: None,
        prefix: None,
    })
}

/// A prefix no other test uses, so tests sharing the bucket never see each other's keys.
pub fn unique_prefix() -> portrait_blobs::BlobKey {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    portrait_blobs::BlobKey::parse(&format!("test-{}-{nanos}-{n}", std::process::id()))
        .expect("prefix")
}

pub fn s3() -> Option<Fixture> {
    let config = S3Config {
        prefix: Some(unique_prefix()),
        ..s3_config()?
    };
    let timeouts = Timeouts {
        request: Duration::from_secs(10),
        ..Timeouts::default()
    };
    let store = S3BlobStore::new(config, &timeouts).expect("configure S3 store");
    Some(Fixture {
        store: Arc::new(store),
        _dir: None,
    })
}
