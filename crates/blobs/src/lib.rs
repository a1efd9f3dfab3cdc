//! Blob storage for portrait's photo renditions.
//!
//! A [`BlobStore`] holds opaque byte blobs under validated [`BlobKey`]s. Three
//! backends exist:
//!
//! * [`FsBlobStore`]: a directory on the local filesystem (`file://` URLs);
//! * [`S3BlobStore`]: an S3-compatible object store such as Garage (`s3://` URLs);
//! * [`MemoryBlobStore`]: in-process, for tests (`mem://` URLs).
//!
//! Use [`open`] to build a store from a URL.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

mod fs;
mod measured;
mod memory;
mod s3;
#[cfg(feature = "testsuite")]
pub mod testsuite;

pub use fs::{FsBlobStore, STALE_TEMP_AGE};
pub use measured::Measured;
pub use memory::MemoryBlobStore;
pub use s3::{S3BlobStore, S3Config};

/// Maximum length of a [`BlobKey`], in bytes (all allowed characters are ASCII).
pub const MAX_KEY_LEN: usize = 256;

/// A validated object key.
///
/// Rules (checked by [`BlobKey::parse`], the only way to build one):
///
/// * 1..=256 characters, each one of `[a-z0-9._/-]` (lowercase ASCII only);
/// * `/` separates segments; no leading or trailing `/` and no empty segment
///   (so no `//`);
/// * no segment starts with `.`: this rules out `.` and `..` (path traversal,
///   and ambiguous on S3 where they are not normalised) as well as hidden
///   names such as `.tmp`, which the filesystem backend reserves for itself.
///
/// Keys are therefore safe to use verbatim as relative filesystem paths and as
/// S3 object names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobKey(String);

/// Why a string is not a valid [`BlobKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid blob key {key:?}: {reason}")]
pub struct InvalidKey {
    /// The rejected input, truncated to at most 64 characters.
    key: String,
    reason: &'static str,
}

impl InvalidKey {
    fn new(input: &str, reason: &'static str) -> Self {
        let key = input.chars().take(64).collect();
        Self { key, reason }
    }

    /// Human-readable reason for the rejection.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl BlobKey {
    /// Validates `s` (see the type-level docs for the rules).
    pub fn parse(s: &str) -> Result<Self, InvalidKey> {
        if s.is_empty() {
            return Err(InvalidKey::new(s, "empty"));
        }
        if s.len() > MAX_KEY_LEN {
            return Err(InvalidKey::new(s, "longer than 256 characters"));
        }
        if !s
            .bytes()
            .all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'/' | b'-'))
        {
            return Err(InvalidKey::new(
                s,
                "contains a character outside [a-z0-9._/-]",
            ));
        }
        if s.starts_with('/') {
            return Err(InvalidKey::new(s, "starts with '/'"));
        }
        for segment in s.split('/') {
            if segment.is_empty() {
                return Err(InvalidKey::new(s, "contains an empty segment"));
            }
            if segment.starts_with('.') {
                return Err(InvalidKey::new(s, "a segment starts with '.'"));
            }
        }
        Ok(Self(s.to_owned()))
    }

    /// The key as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the key, returning the underlying string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for BlobKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for BlobKey {
    type Err = InvalidKey;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for BlobKey {
    type Error = InvalidKey;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for BlobKey {
    type Error = InvalidKey;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

/// Metadata of a stored blob, as returned by [`BlobStore::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    pub key: BlobKey,
    /// Size in bytes.
    pub size: u64,
    pub last_modified: chrono::DateTime<chrono::Utc>,
}

/// Errors from a [`BlobStore`].
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The store could not be reached or did not answer in time (network, IO,
    /// timeouts, 5xx answers). Transient: the API maps this to 503.
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
    /// Anything else: bad configuration, refused credentials, unexpected
    /// answers.
    #[error("blob store error: {0}")]
    Other(String),
}

impl BlobError {
    /// True for [`BlobError::Unavailable`].
    pub fn is_unavailable(&self) -> bool {
        matches!(self, BlobError::Unavailable(_))
    }
}

/// A store of immutable-per-write byte blobs.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Writes atomically: readers see either nothing (or the previous object)
    /// or the whole new object, never a partial one. Overwrites silently.
    async fn put(&self, key: &BlobKey, bytes: bytes::Bytes) -> Result<(), BlobError>;
    /// The blob's bytes, or `None` when absent.
    async fn get(&self, key: &BlobKey) -> Result<Option<bytes::Bytes>, BlobError>;
    /// Removes the blob. Deleting an absent key is `Ok`.
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError>;
    /// Every blob whose key starts with `prefix` (a plain string prefix, may be
    /// `""` or e.g. `"photos/"` or `"photos/12"`), sorted by key.
    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError>;
    /// Cheap round trip proving the store answers (for `/readyz`).
    async fn ping(&self) -> Result<(), BlobError>;
}

/// Time limits for blob-store operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    /// Limit for one request (S3: per HTTP request; filesystem: per operation).
    /// Default 5 s.
    #[serde(rename = "request_timeout", with = "humantime_serde")]
    pub request: Duration,
    /// Limit for establishing a connection (S3 only). Default 1 s.
    #[serde(rename = "connect_timeout", with = "humantime_serde")]
    pub connect: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            request: Duration::from_secs(5),
            connect: Duration::from_secs(1),
        }
    }
}

/// Parses a blob-store URL and builds the store.
///
/// * `file:///abs/path` or `file://relative/path`: a [`FsBlobStore`] rooted
///   there (created if missing; stale temp files are swept on open).
/// * `s3://BUCKET?endpoint=http://127.0.0.1:3900&region=garage`: a
///   [`S3BlobStore`] using path-style requests; `http://` endpoints are
///   allowed. `endpoint` and `region` are optional (the region then comes from
///   `AWS_REGION` / `AWS_DEFAULT_REGION`, else `us-east-1`). Credentials come
///   from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and optionally
///   `AWS_SESSION_TOKEN`); they are required (no instance-metadata lookup).
/// * `mem://`: a fresh, empty [`MemoryBlobStore`] (tests and demos only).
pub fn open(url: &str, timeouts: &Timeouts) -> Result<Arc<dyn BlobStore>, BlobError> {
    if let Some(path) = url.strip_prefix("file://") {
        if path.is_empty() {
            return Err(BlobError::Other(format!(
                "blob store URL {url:?} has an empty path"
            )));
        }
        let store = FsBlobStore::with_timeouts(path, timeouts)?;
        return Ok(Arc::new(Measured::new(store)));
    }
    if url.starts_with("s3://") {
        let config = S3Config::from_url(url)?;
        return Ok(Arc::new(Measured::new(S3BlobStore::new(config, timeouts)?)));
    }
    if url == "mem://" || url == "memory://" {
        return Ok(Arc::new(Measured::new(MemoryBlobStore::new())));
    }
    Err(BlobError::Other(format!(
        "unsupported blob store URL {url:?} (expected file://, s3:// or mem://)"
    )))
}

/// Keeps only the entries whose key starts with `prefix` and sorts them by key.
pub(crate) fn filter_and_sort(mut metas: Vec<BlobMeta>, prefix: &str) -> Vec<BlobMeta> {
    metas.retain(|m| m.key.as_str().starts_with(prefix));
    metas.sort_by(|a, b| a.key.cmp(&b.key));
    metas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_good_keys() {
        for k in [
            "a",
            "photos/123/original.jpg",
            "a-b_c.d/e",
            "0",
            "x.",
            "a..b",
            &"a".repeat(256),
        ] {
            let key = BlobKey::parse(k).expect("valid key");
            assert_eq!(key.as_str(), k);
        }
    }

    #[test]
    fn rejects_bad_keys() {
        for k in [
            "",
            "../x",
            "x/..",
            "x/../y",
            "/x",
            "a//b",
            "a/",
            "A",
            "photos/Big.jpg",
            "a b",
            "a\\b",
            "a/./b",
            ".",
            "..",
            ".tmp/x",
            ".hidden",
            "é",
            "a\0b",
            &"a".repeat(257),
            &"a".repeat(300),
        ] {
            assert!(BlobKey::parse(k).is_err(), "{k:?} should be rejected");
        }
    }

    #[test]
    fn invalid_key_message_is_bounded() {
        let err = BlobKey::parse(&"A".repeat(1000)).expect_err("too long");
        assert!(err.to_string().len() < 200);
    }

    #[test]
    fn open_rejects_unknown_schemes() {
        let t = Timeouts::default();
        assert!(open("ftp://x", &t).is_err());
        assert!(open("file://", &t).is_err());
        assert!(open("", &t).is_err());
    }
}
