//! The longest values `PUT /users/{id}` accepts, in characters (Unicode scalar values). Kantata
//! documents none; these are ours, and the README's API section lists them.

pub const FULL_NAME: usize = 255;
pub const HEADLINE: usize = 255;
/// RFC 5321's limit on a path is 256 octets including the angle brackets.
pub const EMAIL_ADDRESS: usize = 254;
/// `service_name`, `service_model`, `service_model_ref`, `external_message`, `external_status`.
pub const REFERENCE_TEXT: usize = 255;
pub const EXTERNAL_LINK: usize = 2048;
/// A body bigger than this is 413: the longest valid one is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
