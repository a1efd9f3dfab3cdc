//! What is wrong with an upload request itself (not with the image it carries).

/// Why an upload body could not be read or decoded. `crate::error` turns each into Kantata's
/// error response: 400, 408, 413 or 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Not multipart/form-data or JSON, or not well-formed as what it claims to be.
    #[error("{0}")]
    Malformed(String),
    #[error("request body is larger than the {limit_bytes}-byte limit")]
    TooLarge { limit_bytes: u64 },
    #[error("request body was not received within {seconds} seconds")]
    TimedOut { seconds: u64 },
    #[error("profile_photo_attachment_file is missing: no file was uploaded")]
    NoFile,
    #[error("the uploaded file is empty")]
    EmptyFile,
    #[error("more than one file was uploaded; send exactly one profile photo")]
    SeveralFiles,
    /// A crop value that is not a non-negative integer; names the parameter.
    #[error("{0} must be a non-negative integer")]
    CropNotANumber(&'static str),
    #[error("crop_w must be at least 1")]
    CropEmpty,
    #[error("crop_x, crop_y and crop_w must be given together")]
    CropIncomplete,
}
