//! Headers every response carries unless a handler chose its own.

use axum::http::{header, HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

/// API answers are JSON for programs: nothing in them may run, frame or be sniffed.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

pub fn layers() -> [SetResponseHeaderLayer<HeaderValue>; 6] {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    [
        header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        header(header::X_FRAME_OPTIONS, "DENY"),
        header(header::REFERRER_POLICY, "no-referrer"),
        header(header::CONTENT_SECURITY_POLICY, API_CSP),
        header(header::CACHE_CONTROL, "no-store"),
        header(
            HeaderName::from_static("cross-origin-resource-policy"),
            "cross-origin",
        ),
    ]
}
