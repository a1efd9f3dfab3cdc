//! What holds for every upload body the server's own decoder (`portrait_api::upload`) is given:
//! no panic (the fuzzer), errors are 400, 413 or 422 and never a 5xx, an accepted file is
//! non-empty and within the limit, an accepted crop box is not empty.

use axum::response::IntoResponse;
use bytes::Bytes;
use portrait_api::error::ApiError;
use portrait_api::params::QueryPairs;
use portrait_api::upload::{decode_upload, Upload, UploadError};

/// Decodes one body as the server would and checks the invariants above.
pub fn decode(
    content_type: &str,
    body: Vec<u8>,
    max_upload_bytes: u64,
    query: Option<&str>,
) -> Result<Upload, UploadError> {
    let query = QueryPairs::parse(query);
    let result = futures::executor::block_on(decode_upload(
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
        Err(error) => {
            let status = ApiError::from(error.clone()).into_response().status();
            assert!(
                matches!(status.as_u16(), 400 | 413 | 422),
                "unexpected status {status} for {error:?}"
            );
        }
    }
    result
}
