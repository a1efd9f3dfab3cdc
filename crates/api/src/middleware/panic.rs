//! A panic in a handler becomes a Kantata-format 500, logged, never a dropped connection.

use std::any::Any;

use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::Internal(format!("handler panicked: {detail}")).into_response()
}
