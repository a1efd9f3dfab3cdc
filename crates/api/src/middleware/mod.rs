//! Cross-cutting HTTP concerns, one per file.

pub mod json_suffix;
pub mod panic;
pub mod rate_limit;
pub mod security_headers;
