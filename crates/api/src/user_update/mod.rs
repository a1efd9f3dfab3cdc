//! The body of `PUT /users/{id}`: read under a size and a time limit, decoded as JSON or as a
//! Rails-style form (`user[full_name]=…`), and validated into the store's [`UserUpdate`]. The
//! store only writes what comes out of here.

mod form;
pub mod limits;
pub mod schema;
mod validate;

use std::time::Duration;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use portrait_store::UserUpdate;

use crate::error::ApiError;
use crate::upload;

pub use validate::validate;

/// How the body is encoded, from its Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Form,
}

impl Encoding {
    /// No Content-Type means JSON, the encoding Kantata's Swagger declares.
    pub fn of(content_type: Option<&str>) -> Result<Self, ApiError> {
        let mime = content_type
            .unwrap_or("application/json")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "application/json" => Ok(Encoding::Json),
            "application/x-www-form-urlencoded" => Ok(Encoding::Form),
            _ => Err(ApiError::MalformedBody(
                "send the user as application/json or application/x-www-form-urlencoded".to_owned(),
            )),
        }
    }
}

/// The body decoded and validated: 400 when it cannot be decoded, 422 naming the field at fault.
pub fn parse(encoding: Encoding, body: &[u8]) -> Result<UserUpdate, ApiError> {
    let tree = match encoding {
        Encoding::Json => serde_json::from_slice(body)
            .map_err(|e| ApiError::MalformedBody(format!("the body is not valid JSON: {e}")))?,
        Encoding::Form => form::tree(body),
    };
    validate(&tree, encoding)
}

/// The whole body, at most [`limits::MAX_BODY_BYTES`], within `timeout`.
pub async fn read(body: Body, timeout: Duration) -> Result<Bytes, ApiError> {
    let mut chunks = body.into_data_stream();
    let mut received = BytesMut::new();
    let read = async {
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|error| {
                ApiError::MalformedBody(format!("the request body could not be read: {error}"))
            })?;
            if received.len() + chunk.len() > limits::MAX_BODY_BYTES {
                return Ok(false);
            }
            received.extend_from_slice(&chunk);
        }
        Ok(true)
    };
    match tokio::time::timeout(timeout, read).await {
        Err(_) => Err(ApiError::BodyTimeout(timeout.as_secs())),
        Ok(Err(error)) => Err(error),
        Ok(Ok(true)) => Ok(received.freeze()),
        Ok(Ok(false)) => {
            upload::linger(&mut chunks).await;
            Err(ApiError::PayloadTooLarge {
                limit_bytes: limits::MAX_BODY_BYTES as u64,
            })
        }
    }
}
