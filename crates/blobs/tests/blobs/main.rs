//! The blob stores' integration tests, one binary: the shared contract on every backend, then
//! each backend's specifics. S3 runs against a real server when PORTRAIT_TEST_S3_* is set.

// Tests say what they expect by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod contract;
mod fs;
mod s3;
