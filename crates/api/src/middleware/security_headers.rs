//! Headers every response carries unless a handler chose its own.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

/// API answers are JSON for programs: nothing in them may run, frame or be sniffed.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

const HEADERS: [(HeaderName, &str); 6] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CONTENT_SECURITY_POLICY, API_CSP),
    (header::CACHE_CONTROL, "no-store"),
    (
        HeaderName::from_static("cross-origin-resource-policy"),
        "cross-origin",
    ),
];

pub fn layers() -> [SetResponseHeaderLayer<HeaderValue>; 6] {
    HEADERS.map(|(name, value)| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    })
}

/// The same headers for a response made outside the layers (see `photo_hits`).
pub fn add_missing(headers: &mut HeaderMap) {
    for (name, value) in HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}
