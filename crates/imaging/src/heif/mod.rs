//! HEIF (HEIC) and AVIF: the ISO BMFF image container and the two codecs found in it.
//!
//! [`container`] is portrait's own reading of the boxes, for the limits: it runs on every such
//! upload before anything else looks at the file. [`pixels`] then decodes the primary image
//! (heic-rs walks the items; HEVC pictures are decoded by heic-rs, AV1 ones by rav1d).

mod container;
mod pixels;

pub use container::*;
pub(crate) use pixels::decode;
