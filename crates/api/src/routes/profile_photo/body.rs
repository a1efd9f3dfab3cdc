//! Reading an upload: the body is streamed under a size limit and a time limit, then parsed as
//! multipart/form-data or JSON. Only what the request itself gets wrong is decided here; what
//! is wrong with the image is the pipeline's to say.

use std::time::Duration;

use axum::body::BodyDataStream;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use base64::Engine;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use portrait_imaging::CropBox;

use crate::config::Limits;
use crate::error::ApiError;
use crate::params::QueryPairs;

/// The multipart part, and the JSON key under `user`, that carry the file.
pub const FILE_PART: &str = "user[profile_photo_attachment_file]";
const FILE_KEY: &str = "profile_photo_attachment_file";
const CROP_FIELDS: [&str; 3] = ["crop_x", "crop_y", "crop_w"];
/// Form fields other than the file are small; anything bigger is not a crop value.
const MAX_TEXT_FIELD: u64 = 64;

#[derive(Debug)]
pub struct Upload {
    pub file: Bytes,
    pub crop: Option<CropBox>,
}

/// What an upload's headers say, read once before any of its body.
#[derive(Debug)]
pub struct UploadHead {
    content_type: String,
    /// Largest body accepted for this Content-Type.
    pub limit: u64,
    /// Content-Length, when the client sent a usable one.
    pub declared: Option<u64>,
}

impl UploadHead {
    /// 400 for a Content-Type that is not an upload.
    pub fn of(request: &Request, limits: &Limits) -> Result<Self, ApiError> {
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
        let content_type = header(CONTENT_TYPE).unwrap_or("").to_owned();
        let limit = BodyKind::of(&content_type)?.body_limit(limits.max_upload_bytes);
        let declared = header(CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
        Ok(Self {
            content_type,
            limit,
            declared,
        })
    }

    /// The 413 for a body whose Content-Length is over the limit, before it is read.
    pub fn declared_too_large(&self) -> Option<ApiError> {
        self.declared
            .is_some_and(|length| length > self.limit)
            .then_some(ApiError::PayloadTooLarge {
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
    limits: &Limits,
    query: &QueryPairs,
) -> Result<Upload, ApiError> {
    let body = read_body(request, &head, limits.body_read_timeout).await?;
    decode_upload(&head.content_type, body, limits.max_upload_bytes, query).await
}

/// Everything [`read_upload`] does once the body has been received, as a pure function of the
/// Content-Type header, the body, the upload limit and the query: the fuzz targets in `fuzz/`
/// drive it without a server. A body over the limit gets the same 413 that streaming it would.
pub async fn decode_upload(
    content_type: &str,
    body: Bytes,
    max_upload_bytes: u64,
    query: &QueryPairs,
) -> Result<Upload, ApiError> {
    let kind = BodyKind::of(content_type)?;
    let limit = kind.body_limit(max_upload_bytes);
    if body.len() as u64 > limit {
        return Err(ApiError::PayloadTooLarge { limit_bytes: limit });
    }
    parse_upload(kind, body, max_upload_bytes, query).await
}

/// How a body is encoded, decided from the Content-Type header before any of it is read.
enum BodyKind {
    Multipart { boundary: String },
    Json,
}

impl BodyKind {
    fn of(content_type: &str) -> Result<Self, ApiError> {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "multipart/form-data" => {
                let boundary = multer::parse_boundary(content_type).map_err(|e| {
                    ApiError::MalformedBody(format!("malformed multipart body: {e}"))
                })?;
                Ok(BodyKind::Multipart { boundary })
            }
            "application/json" => Ok(BodyKind::Json),
            _ => Err(ApiError::MalformedBody(
                "send the photo as multipart/form-data (part user[profile_photo_attachment_file]) \
                 or as application/json"
                    .to_owned(),
            )),
        }
    }

    /// Largest body accepted for a file of at most `max_upload_bytes`.
    fn body_limit(&self, max_upload_bytes: u64) -> u64 {
        match self {
            BodyKind::Multipart { .. } => max_upload_bytes,
            // Base64 takes four bytes for every three of the file.
            BodyKind::Json => max_upload_bytes / 3 * 4 + 4096,
        }
    }
}

async fn parse_upload(
    kind: BodyKind,
    body: Bytes,
    max_upload_bytes: u64,
    query: &QueryPairs,
) -> Result<Upload, ApiError> {
    let (file, fields) = match kind {
        BodyKind::Multipart { boundary } => {
            parse_multipart(body, boundary, max_upload_bytes).await?
        }
        BodyKind::Json => (parse_json(&body, max_upload_bytes)?, Vec::new()),
    };
    let file = file.ok_or_else(|| {
        ApiError::photo("profile_photo_attachment_file is missing: no file was uploaded")
    })?;
    if file.is_empty() {
        return Err(ApiError::photo("the uploaded file is empty"));
    }
    Ok(Upload {
        file,
        crop: crop_box(query, &fields)?,
    })
}

/// The whole body, refused with 413 as soon as it grows past the limit and with 408 when it
/// trickles in too slowly. A refused body is read to its end, within bounds, and dropped (see
/// [`linger`]).
async fn read_body(
    request: Request,
    head: &UploadHead,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    let limit = head.limit;
    let too_large = ApiError::PayloadTooLarge { limit_bytes: limit };
    let mut chunks = request.into_body().into_data_stream();
    let capacity = usize::try_from(head.declared.unwrap_or(0).min(limit)).unwrap_or(0);
    let mut body = BytesMut::with_capacity(capacity);
    let read = async {
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|error| {
                ApiError::MalformedBody(format!("the request body could not be read: {error}"))
            })?;
            if (body.len() + chunk.len()) as u64 > limit {
                return Ok(false);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(true)
    };
    match tokio::time::timeout(timeout, read).await {
        Err(_) => Err(ApiError::BodyTimeout(timeout.as_secs())),
        Ok(Err(error)) => Err(error),
        Ok(Ok(true)) => Ok(body.freeze()),
        Ok(Ok(false)) => {
            drop(body);
            linger(&mut chunks).await;
            Err(too_large)
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

async fn parse_multipart(
    body: Bytes,
    boundary: String,
    max_file: u64,
) -> Result<(Option<Bytes>, Vec<(String, String)>), ApiError> {
    let malformed =
        |e: multer::Error| ApiError::MalformedBody(format!("malformed multipart body: {e}"));
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(max_file.saturating_add(64 * 1024))
            .per_field(max_file)
            .for_field("crop_x", MAX_TEXT_FIELD)
            .for_field("crop_y", MAX_TEXT_FIELD)
            .for_field("crop_w", MAX_TEXT_FIELD),
    );
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut file = None;
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == FILE_PART {
            if file.is_some() {
                return Err(ApiError::photo(
                    "more than one file was uploaded; send exactly one profile photo",
                ));
            }
            file = Some(field.bytes().await.map_err(malformed)?);
        } else if CROP_FIELDS.contains(&name.as_str()) {
            let value = field.text().await.map_err(malformed)?;
            fields.push((name, value));
        } else {
            // Unknown parts are ignored, as Rails ignores unknown parameters; draining them keeps
            // the parser moving.
            field.bytes().await.map_err(malformed)?;
        }
    }
    Ok((file, fields))
}

fn parse_json(body: &[u8], max_file: u64) -> Result<Option<Bytes>, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::MalformedBody(format!("malformed JSON body: {e}")))?;
    let Some(encoded) = value.get("user").and_then(|user| user.get(FILE_KEY)) else {
        return Ok(None);
    };
    let encoded = encoded.as_str().ok_or_else(|| {
        ApiError::MalformedBody(format!("user.{FILE_KEY} must be a base64 string"))
    })?;
    let data = match encoded.strip_prefix("data:") {
        Some(url) => match url.split_once(',') {
            Some((meta, data)) if meta.ends_with(";base64") => data,
            _ => {
                return Err(ApiError::MalformedBody(
                    "a data: URL must be base64 encoded (data:image/...;base64,...)".to_owned(),
                ))
            }
        },
        None => encoded,
    };
    let compact: Vec<u8> = data.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let file = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| {
            ApiError::MalformedBody(format!("user.{FILE_KEY} is not valid base64: {e}"))
        })?;
    if file.len() as u64 > max_file {
        return Err(ApiError::PayloadTooLarge {
            limit_bytes: max_file,
        });
    }
    Ok(Some(Bytes::from(file)))
}

/// `crop_x`, `crop_y`, `crop_w` from the query or the form (the query wins), all or none.
fn crop_box(query: &QueryPairs, form: &[(String, String)]) -> Result<Option<CropBox>, ApiError> {
    let value = |name: &str| -> Result<Option<u32>, ApiError> {
        let raw = query.get(name).or_else(|| {
            form.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        });
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                ApiError::BadParameter(format!("{name} must be a non-negative integer"))
            }),
        }
    };
    match (value("crop_x")?, value("crop_y")?, value("crop_w")?) {
        (None, None, None) => Ok(None),
        (Some(x), Some(y), Some(size)) if size > 0 => Ok(Some(CropBox { x, y, size })),
        (Some(_), Some(_), Some(_)) => Err(ApiError::photo("crop_w must be at least 1")),
        _ => Err(ApiError::Validation {
            field: "base",
            message: "crop_x, crop_y and crop_w must be given together".to_owned(),
        }),
    }
}
