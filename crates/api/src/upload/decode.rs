//! Decoding a received upload body: pure, so the fuzz targets in `fuzz/` drive it without a
//! server.

use base64::Engine;
use bytes::Bytes;
use portrait_imaging::CropBox;

use super::UploadError;
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

/// Everything [`super::read_upload`] does once the body has been received, as a pure function of
/// the Content-Type header, the body, the upload limit and the query. A body over the limit gets
/// the same refusal that streaming it would.
pub async fn decode_upload(
    content_type: &str,
    body: Bytes,
    max_upload_bytes: u64,
    query: &QueryPairs,
) -> Result<Upload, UploadError> {
    let kind = BodyKind::of(content_type)?;
    let limit = kind.body_limit(max_upload_bytes);
    if body.len() as u64 > limit {
        return Err(UploadError::TooLarge { limit_bytes: limit });
    }
    parse_upload(kind, body, max_upload_bytes, query).await
}

/// How a body is encoded, decided from the Content-Type header before any of it is read.
pub(super) enum BodyKind {
    Multipart { boundary: String },
    Json,
}

impl BodyKind {
    pub(super) fn of(content_type: &str) -> Result<Self, UploadError> {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "multipart/form-data" => {
                let boundary = multer::parse_boundary(content_type).map_err(|e| {
                    UploadError::Malformed(format!("malformed multipart body: {e}"))
                })?;
                Ok(BodyKind::Multipart { boundary })
            }
            "application/json" => Ok(BodyKind::Json),
            _ => Err(UploadError::Malformed(
                "send the photo as multipart/form-data (part user[profile_photo_attachment_file]) \
                 or as application/json"
                    .to_owned(),
            )),
        }
    }

    /// Largest body accepted for a file of at most `max_upload_bytes`.
    pub(super) fn body_limit(&self, max_upload_bytes: u64) -> u64 {
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
) -> Result<Upload, UploadError> {
    let (file, fields) = match kind {
        BodyKind::Multipart { boundary } => {
            parse_multipart(body, boundary, max_upload_bytes).await?
        }
        BodyKind::Json => (parse_json(&body, max_upload_bytes)?, Vec::new()),
    };
    let file = file.ok_or(UploadError::NoFile)?;
    if file.is_empty() {
        return Err(UploadError::EmptyFile);
    }
    Ok(Upload {
        file,
        crop: crop_box(query, &fields)?,
    })
}

async fn parse_multipart(
    body: Bytes,
    boundary: String,
    max_file: u64,
) -> Result<(Option<Bytes>, Vec<(String, String)>), UploadError> {
    let malformed =
        |e: multer::Error| UploadError::Malformed(format!("malformed multipart body: {e}"));
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
                return Err(UploadError::SeveralFiles);
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

fn parse_json(body: &[u8], max_file: u64) -> Result<Option<Bytes>, UploadError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| UploadError::Malformed(format!("malformed JSON body: {e}")))?;
    let Some(encoded) = value.get("user").and_then(|user| user.get(FILE_KEY)) else {
        return Ok(None);
    };
    let encoded = encoded.as_str().ok_or_else(|| {
        UploadError::Malformed(format!("user.{FILE_KEY} must be a base64 string"))
    })?;
    let data = match encoded.strip_prefix("data:") {
        Some(url) => match url.split_once(',') {
            Some((meta, data)) if meta.ends_with(";base64") => data,
            _ => {
                return Err(UploadError::Malformed(
                    "a data: URL must be base64 encoded (data:image/...;base64,...)".to_owned(),
                ))
            }
        },
        None => encoded,
    };
    let compact: Vec<u8> = data.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let file = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| UploadError::Malformed(format!("user.{FILE_KEY} is not valid base64: {e}")))?;
    if file.len() as u64 > max_file {
        return Err(UploadError::TooLarge {
            limit_bytes: max_file,
        });
    }
    Ok(Some(Bytes::from(file)))
}

/// `crop_x`, `crop_y`, `crop_w` from the query or the form (the query wins), all or none.
fn crop_box(query: &QueryPairs, form: &[(String, String)]) -> Result<Option<CropBox>, UploadError> {
    let value = |name: &'static str| -> Result<Option<u32>, UploadError> {
        let raw = query.get(name).or_else(|| {
            form.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        });
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| UploadError::CropNotANumber(name)),
        }
    };
    match (value("crop_x")?, value("crop_y")?, value("crop_w")?) {
        (None, None, None) => Ok(None),
        (Some(x), Some(y), Some(size)) if size > 0 => Ok(Some(CropBox { x, y, size })),
        (Some(_), Some(_), Some(_)) => Err(UploadError::CropEmpty),
        _ => Err(UploadError::CropIncomplete),
    }
}
