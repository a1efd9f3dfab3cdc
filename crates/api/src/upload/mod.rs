//! Reading an upload: the body is streamed under a size limit and a time limit ([`read_upload`]),
//! then decoded as multipart/form-data or JSON ([`decode_upload`], pure, which the fuzz targets
//! drive directly). Only what the request itself gets wrong is decided here, as an
//! [`UploadError`]; what is wrong with the image is the photo service's to say.

mod decode;
mod error;

use std::time::Duration;

use axum::body::BodyDataStream;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

pub use decode::{decode_upload, Upload, FILE_PART};
pub use error::UploadError;

use crate::params::QueryPairs;
use decode::BodyKind;

/// What an upload's headers say, read once before any of its body.
#[derive(Debug)]
pub struct UploadHead {
    content_type: String,
    max_upload_bytes: u64,
    /// Largest body accepted for this Content-Type.
    pub limit: u64,
    /// Content-Length, when the client sent a usable one.
    pub declared: Option<u64>,
}

impl UploadHead {
    /// Refuses a Content-Type that is not an upload.
    pub fn of(request: &Request, max_upload_bytes: u64) -> Result<Self, UploadError> {
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
        let content_type = header(CONTENT_TYPE).unwrap_or("").to_owned();
        let limit = BodyKind::of(&content_type)?.body_limit(max_upload_bytes);
        let declared = header(CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
        Ok(Self {
            content_type,
            max_upload_bytes,
            limit,
            declared,
        })
    }

    /// The refusal of a body whose Content-Length is over the limit, before it is read.
    pub fn declared_too_large(&self) -> Option<UploadError> {
        self.declared
            .is_some_and(|length| length > self.limit)
            .then_some(UploadError::TooLarge {
                limit_bytes: self.limit,
            })
    }

    /// Bytes the body will hold at most.
    pub fn expected_bytes(&self) -> u64 {
        self.declared
            .map_or(self.limit, |length| length.min(self.limit))
    }
}

/// Reads and decodes the body of a request whose head passed [`UploadHead::declared_too_large`].
pub async fn read_upload(
    request: Request,
    head: UploadHead,
    read_timeout: Duration,
    query: &QueryPairs,
) -> Result<Upload, UploadError> {
    let body = read_body(request, &head, read_timeout).await?;
    decode_upload(&head.content_type, body, head.max_upload_bytes, query).await
}

/// The whole body, refused as too large as soon as it grows past the limit and as timed out
/// when it trickles in too slowly. A refused body is read to its end, within bounds, and
/// dropped (see [`linger`]).
async fn read_body(
    request: Request,
    head: &UploadHead,
    timeout: Duration,
) -> Result<Bytes, UploadError> {
    let limit = head.limit;
    let mut chunks = request.into_body().into_data_stream();
    let capacity = usize::try_from(head.declared.unwrap_or(0).min(limit)).unwrap_or(0);
    let mut body = BytesMut::with_capacity(capacity);
    let read = async {
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|error| {
                UploadError::Malformed(format!("the request body could not be read: {error}"))
            })?;
            if (body.len() + chunk.len()) as u64 > limit {
                return Ok(false);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(true)
    };
    match tokio::time::timeout(timeout, read).await {
        Err(_) => Err(UploadError::TimedOut {
            seconds: timeout.as_secs(),
        }),
        Ok(Err(error)) => Err(error),
        Ok(Ok(true)) => Ok(body.freeze()),
        Ok(Ok(false)) => {
            drop(body);
            linger(&mut chunks).await;
            Err(UploadError::TooLarge { limit_bytes: limit })
        }
    }
}

/// Most bytes of an unwanted body read and dropped before answering, and for how long.
const LINGER_BYTES: u64 = 64 * 1024 * 1024;
const LINGER_TIME: Duration = Duration::from_secs(5);

/// Reads and drops what is left of a body that will not be used, so that a client still
/// sending gets to read the answer (413, 503) instead of a reset connection, as nginx's
/// lingering close does. Bounded in bytes and time; nothing is kept.
pub async fn linger(chunks: &mut BodyDataStream) {
    let drain = async {
        let mut seen = 0u64;
        while let Some(Ok(chunk)) = chunks.next().await {
            seen += chunk.len() as u64;
            if seen > LINGER_BYTES {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, drain).await;
}
