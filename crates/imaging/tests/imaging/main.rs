//! The pipeline's integration tests, one binary: real image files in, renditions checked.
//! (The two memory-measuring tests, `working_set` and `fuzz_regressions`, install a counting
//! allocator and are binaries of their own.)

// Tests say what they expect by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod avif;
mod colour;
mod corpus;
mod crop;
mod face_crop;
mod formats;
mod fuzz;
mod heic;
mod heif;
mod hostile;
mod interop;
mod jpeg_decoders;
mod jxl;
mod orientation;
mod pipeline;
mod shrink;
mod vendored;
