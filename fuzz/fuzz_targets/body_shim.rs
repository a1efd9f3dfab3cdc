//! Compiles the server's own body decoder, `crates/api/src/routes/profile_photo/body.rs`, into a
//! fuzz target. `routes` is private to portrait-api, so the file is included by path and the
//! `crate::…` items it names are re-exported from the real crate by `api_root.rs`, which each
//! body target `include!`s at its root.

#![allow(dead_code)]

#[path = "../../crates/api/src/routes/profile_photo/body.rs"]
pub mod body;

use axum::response::IntoResponse;
use bytes::Bytes;
use portrait_api::error::ApiError;
use portrait_api::params::QueryPairs;

/// Decodes one body as the server would, checking what holds for every input: no panic (the
/// fuzzer), errors are 400, 413 or 422 and never a 5xx, an accepted file is non-empty and within
/// the limit.
pub fn decode(
    content_type: &str,
    body: Vec<u8>,
    max_upload_bytes: u64,
    query: Option<&str>,
) -> Result<body::Upload, ApiError> {
    let query = QueryPairs::parse(query);
    let result = futures::executor::block_on(body::decode_upload(
        content_type,
        Bytes::from(body),
        max_upload_bytes,
        &query,
    ));
    match &result {
        Ok(upload) => {
            assert!(!upload.file.is_empty(), "accepted an empty file");
            assert!(
                upload.file.len() as u64 <= max_upload_bytes,
                "file over the limit"
            );
            if let Some(c) = upload.crop {
                assert!(c.size > 0, "accepted crop_w = 0");
            }
        }
        Err(e) => {
            let status = format!("{e:?}");
            let code = portrait_error_status(e);
            assert!(
                matches!(code, 400 | 413 | 422),
                "unexpected status {code} for {status}"
            );
        }
    }
    result
}

fn portrait_error_status(e: &ApiError) -> u16 {
    // ApiError is not Clone; rebuild an equivalent value to render it.
    let copy = match e {
        ApiError::BadParameter(m) => ApiError::BadParameter(m.clone()),
        ApiError::MalformedBody(m) => ApiError::MalformedBody(m.clone()),
        ApiError::Validation { field, message } => ApiError::Validation {
            field,
            message: message.clone(),
        },
        ApiError::PayloadTooLarge { limit_bytes } => ApiError::PayloadTooLarge {
            limit_bytes: *limit_bytes,
        },
        other => panic!("body decoding returned {other:?}"),
    };
    copy.into_response().status().as_u16()
}
