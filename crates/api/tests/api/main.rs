//! The API's integration tests: one binary (one link), one module per concern, each test against
//! a real server on 127.0.0.1:0 over fresh databases and blob stores (`helpers`).

// Tests say what they expect by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth_matrix;
mod contract;
mod faults;
mod filters;
mod fleet;
mod helpers;
mod hostile_requests;
mod kantata_vocabulary;
mod metrics;
mod page;
mod profile_photo;
mod reads;
mod resilience;
mod snapshots;
mod update_user;
