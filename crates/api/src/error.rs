//! Every error a client can see, rendered in Kantata's format in one place.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portrait_blobs::BlobError;
use portrait_photos::PhotoError;
use portrait_store::StoreError;

use crate::upload::UploadError;
use crate::views::Errors;

/// Field name Kantata uses for the uploaded file in validation errors.
pub const PHOTO_FIELD: &str = "profile_photo_attachment_file";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Invalid OAuth 2 Request")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("Record not found")]
    NotFound,
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    BadParameter(String),
    #[error("{0}")]
    MalformedBody(String),
    #[error("{message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    #[error("request body is larger than the {limit_bytes}-byte limit")]
    PayloadTooLarge { limit_bytes: u64 },
    #[error("request body was not received within {0} seconds")]
    BodyTimeout(u64),
    #[error("{message}")]
    Unavailable { message: String, retry_after: u32 },
    #[error("Too many requests; slow down")]
    TooManyRequests { retry_after: u32 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn photo(message: impl Into<String>) -> Self {
        ApiError::Validation {
            field: PHOTO_FIELD,
            message: message.into(),
        }
    }

    pub fn busy(what: &str) -> Self {
        ApiError::Unavailable {
            message: format!("{what} is busy; try again shortly"),
            retry_after: 1,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadParameter(_) | ApiError::MalformedBody(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "oauth",
            ApiError::Validation { .. } => "validation",
            ApiError::MalformedBody(_) => "syntax",
            _ => "system",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            // Internals go to the log, never to the client.
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                "Internal server error; the X-Request-Id header identifies this failure in the server log"
                    .to_owned()
            }
            other => other.to_string(),
        };
        let field = match &self {
            ApiError::Validation { field, .. } => Some(*field),
            _ => None,
        };
        let body = Errors::one(self.kind(), &message, field);
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::Unavailable { retry_after, .. }
        | ApiError::TooManyRequests { retry_after } = &self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                ApiError::Unavailable {
                    message: "The database is unavailable; try again shortly".to_owned(),
                    retry_after: 2,
                }
            }
            StoreError::UnknownUser(_) => ApiError::NotFound,
            StoreError::EmailTaken => ApiError::Validation {
                field: "email_address",
                message: "email_address has already been taken".to_owned(),
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(error: BlobError) -> Self {
        match error {
            BlobError::Unavailable(detail) => {
                tracing::warn!(%detail, "blob store unavailable");
                ApiError::Unavailable {
                    message: "Photo storage is unavailable; try again shortly".to_owned(),
                    retry_after: 2,
                }
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<PhotoError> for ApiError {
    fn from(error: PhotoError) -> Self {
        match error {
            // `NotYet` only comes from serving an AVIF, which redirects instead.
            PhotoError::Busy | PhotoError::NotYet => ApiError::busy("Photo processing"),
            PhotoError::TimedOut(_) | PhotoError::Rejected(_) => ApiError::photo(error.to_string()),
            PhotoError::Store(error) => error.into(),
            PhotoError::Blobs(error) => error.into(),
            PhotoError::Task(ref join) => ApiError::Internal(format!("{error}: {join}")),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::Malformed(message) => ApiError::MalformedBody(message),
            UploadError::TooLarge { limit_bytes } => ApiError::PayloadTooLarge { limit_bytes },
            UploadError::TimedOut { seconds } => ApiError::BodyTimeout(seconds),
            UploadError::CropNotANumber(_) => ApiError::BadParameter(error.to_string()),
            UploadError::CropIncomplete => ApiError::Validation {
                field: "base",
                message: error.to_string(),
            },
            UploadError::NoFile
            | UploadError::EmptyFile
            | UploadError::SeveralFiles
            | UploadError::CropEmpty => ApiError::photo(error.to_string()),
        }
    }
}
