//! Cross-cutting HTTP concerns, one per file.

pub mod json_suffix;
pub mod observe;
pub mod panic;
pub mod photo_hits;
pub mod rate_limit;
pub mod request_id;
pub mod security_headers;
