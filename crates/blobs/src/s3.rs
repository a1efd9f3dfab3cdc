//! S3-compatible backend (Garage, MinIO, AWS), on top of `object_store`.
//!
//! Requests are path-style (`http://endpoint/bucket/key`), plain `http://`
//! endpoints are allowed. Each HTTP request is bounded by
//! [`Timeouts::request`] (connecting by [`Timeouts::connect`]); failed
//! requests are retried at most [`MAX_RETRIES`] times within
//! [`RETRY_TIMEOUT`], so an unreachable server fails within a few seconds
//! with [`BlobError::Unavailable`]. A single `PUT` is atomic on S3, so `put`
//! needs nothing more.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::client::{HttpError, HttpErrorKind};
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, PutPayload, RetryConfig};

use crate::{filter_and_sort, BlobError, BlobKey, BlobMeta, BlobStore, Timeouts};

/// Retries of one failed request (so at most `1 + MAX_RETRIES` attempts).
pub const MAX_RETRIES: usize = 2;
/// No retry starts after this long since the first attempt.
pub const RETRY_TIMEOUT: Duration = Duration::from_secs(2);
/// Key probed by [`BlobStore::ping`] (as a listing prefix; need not exist).
const PING_PREFIX: &str = "portrait-ping-probe";

/// Where and how to reach an S3-compatible store.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// e.g. `http://127.0.0.1:3900`; `None` means AWS's regional endpoint.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Optional session token (`AWS_SESSION_TOKEN`).
    pub session_token: Option<String>,
    /// Optional key prefix (`s3://bucket/some/prefix`): every key lives under
    /// `some/prefix/`, so several deployments or tests can share a bucket.
    pub prefix: Option<BlobKey>,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl S3Config {
    /// Parses `s3://BUCKET[/PREFIX]?endpoint=http://127.0.0.1:3900&region=garage`.
    ///
    /// `endpoint` and `region` are optional; a missing region comes from
    /// `AWS_REGION`, then `AWS_DEFAULT_REGION`, else `us-east-1`. Credentials
    /// come from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (both
    /// required) and `AWS_SESSION_TOKEN` (optional).
    pub fn from_url(url: &str) -> Result<Self, BlobError> {
        let bad = |why: &str| BlobError::Other(format!("invalid S3 URL {url:?}: {why}"));
        let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        if parsed.scheme() != "s3" {
            return Err(bad("scheme must be s3"));
        }
        let bucket = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("missing bucket name"))?
            .to_owned();
        let prefix = match parsed.path().trim_matches('/') {
            "" => None,
            path => {
                Some(BlobKey::parse(path).map_err(|e| bad(&format!("prefix: {}", e.reason())))?)
            }
        };
        if parsed.username() != "" || parsed.password().is_some() || parsed.port().is_some() {
            return Err(bad("credentials or a port in the URL are not supported"));
        }
        let mut endpoint = None;
        let mut region = None;
        for (k, v) in parsed.query_pairs() {
            match k.as_ref() {
                "endpoint" => endpoint = Some(v.into_owned()),
                "region" => region = Some(v.into_owned()),
                other => return Err(bad(&format!("unknown parameter {other:?}"))),
            }
        }
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let region = region
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let access_key_id = env("AWS_ACCESS_KEY_ID").ok_or_else(|| {
            BlobError::Other("AWS_ACCESS_KEY_ID is not set (needed for s3:// blob stores)".into())
        })?;
        let secret_access_key = env("AWS_SECRET_ACCESS_KEY").ok_or_else(|| {
            BlobError::Other(
                "AWS_SECRET_ACCESS_KEY is not set (needed for s3:// blob stores)".into(),
            )
        })?;
        Ok(Self {
            bucket,
            endpoint,
            region,
            access_key_id,
            secret_access_key,
            session_token: env("AWS_SESSION_TOKEN"),
            prefix,
        })
    }
}

/// A [`BlobStore`] in an S3 bucket.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
    bucket: String,
}

impl S3BlobStore {
    /// Builds the client; does not contact the server (use
    /// [`BlobStore::ping`] for that).
    pub fn new(config: S3Config, timeouts: &Timeouts) -> Result<Self, BlobError> {
        let options = ClientOptions::new()
            .with_allow_http(true)
            .with_timeout(timeouts.request)
            .with_connect_timeout(timeouts.connect);
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_millis(500),
                base: 2.0,
            },
            max_retries: MAX_RETRIES,
            retry_timeout: RETRY_TIMEOUT,
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .with_client_options(options)
            .with_retry(retry);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(token) = &config.session_token {
            builder = builder.with_token(token);
        }
        let store = builder
            .build()
            .map_err(|e| BlobError::Other(format!("cannot configure S3 client: {e}")))?;
        let store: Arc<dyn ObjectStore> = match &config.prefix {
            Some(prefix) => Arc::new(PrefixStore::new(store, prefix.as_str())),
            None => Arc::new(store),
        };
        Ok(Self {
            store,
            bucket: config.bucket,
        })
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

fn object_path(key: &BlobKey) -> Result<ObjectPath, BlobError> {
    // Every valid BlobKey is a valid object_store path (no empty, "." or ".."
    // segments, no characters needing encoding).
    ObjectPath::parse(key.as_str())
        .map_err(|e| BlobError::Other(format!("key {key} is not a valid S3 path: {e}")))
}

#[async_trait::async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<(), BlobError> {
        let path = object_path(key)?;
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|e| map_error("put", key.as_str(), e))?;
        Ok(())
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, BlobError> {
        let path = object_path(key)?;
        let result = match self.store.get(&path).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(map_error("get", key.as_str(), e)),
        };
        match result.bytes().await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) => Err(map_error("get", key.as_str(), e)),
        }
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        let path = object_path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(map_error("delete", key.as_str(), e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError> {
        // object_store lists by whole path segments: list the deepest
        // directory the prefix names, then filter by the plain prefix. If that
        // directory part is not a valid key, no valid key can start with it.
        let dir = match prefix.rfind('/') {
            None => None,
            Some(i) => match BlobKey::parse(&prefix[..i]) {
                Ok(dir) => Some(object_path(&dir)?),
                Err(_) => return Ok(Vec::new()),
            },
        };
        let metas: Vec<object_store::ObjectMeta> = self
            .store
            .list(dir.as_ref())
            .try_collect()
            .await
            .map_err(|e| map_error("list", prefix, e))?;
        let metas = metas
            .into_iter()
            .filter_map(|m| {
                let key = BlobKey::parse(m.location.as_ref()).ok()?;
                Some(BlobMeta {
                    key,
                    size: m.size,
                    last_modified: m.last_modified,
                })
            })
            .collect();
        Ok(filter_and_sort(metas, prefix))
    }

    async fn ping(&self) -> Result<(), BlobError> {
        // A listing (unlike a HEAD) fails on a missing bucket or bad
        // credentials, and is cheap for a prefix holding nothing.
        let probe = ObjectPath::from(PING_PREFIX);
        match self.store.list_with_delimiter(Some(&probe)).await {
            Ok(_) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => Err(BlobError::Other(format!(
                "S3 bucket {:?} not found",
                self.bucket
            ))),
            Err(e) => Err(map_error("ping", "", e)),
        }
    }
}

/// Network failures, timeouts and 5xx answers are [`BlobError::Unavailable`];
/// everything else (403, 400, ...) is [`BlobError::Other`].
fn map_error(op: &str, key: &str, e: object_store::Error) -> BlobError {
    let msg = format!("S3 {op} {key:?}: {e}");
    if is_transient(&e) {
        BlobError::Unavailable(msg)
    } else {
        BlobError::Other(msg)
    }
}

fn is_transient(e: &(dyn StdError + 'static)) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(http) = err.downcast_ref::<HttpError>() {
            if matches!(
                http.kind(),
                HttpErrorKind::Connect
                    | HttpErrorKind::Request
                    | HttpErrorKind::Timeout
                    | HttpErrorKind::Interrupted
            ) {
                return true;
            }
        }
        // object_store's HttpError is usually skipped in the chain (its
        // wrapper is `#[error(transparent)]`): look at reqwest's error too.
        if let Some(r) = err.downcast_ref::<reqwest::Error>() {
            if r.is_timeout() || r.is_connect() || r.is_request() || r.is_body() {
                return true;
            }
        }
        if err.downcast_ref::<std::io::Error>().is_some() {
            return true;
        }
        // object_store's RequestError is not public: recognise 5xx answers
        // and S3's "retry later" error bodies by their message.
        let text = err.to_string();
        if text.contains("status code: 5")
            || text.contains("SlowDown")
            || text.contains("InternalError")
            || text.contains("ServiceUnavailable")
        {
            return true;
        }
        cur = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_garage_url() {
        // Only checks URL parsing: credentials may be absent from the env.
        let parsed =
            url::Url::parse("s3://portrait-test?endpoint=http://127.0.0.1:3900&region=garage")
                .expect("url");
        assert_eq!(parsed.host_str(), Some("portrait-test"));
        let pairs: Vec<_> = parsed.query_pairs().collect();
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].1, "http://127.0.0.1:3900");
    }

    #[test]
    fn rejects_bad_urls() {
        for url in [
            "s3://",
            "s3://bucket/Upper/case",
            "s3://bucket/a//b",
            "s3://bucket?endpont=http://x",
            "http://bucket",
        ] {
            assert!(S3Config::from_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn debug_redacts_secret() {
        let config = S3Config {
            bucket: "b".into(),
            endpoint: None,
            region: "r".into(),
            access_key_id: "GK123".into(),
            secret_access_key: "supersecret".into(),
            session_token: None,
            prefix: None,
        };
        let shown = format!("{config:?}");
        assert!(shown.contains("GK123"));
        assert!(!shown.contains("supersecret"));
    }
}
