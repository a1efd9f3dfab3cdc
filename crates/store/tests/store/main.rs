//! The store's integration tests, one binary with one module per concern (as zero2prod's
//! `tests/api/main.rs`), so they link once. Backend-agnostic tests run on SQLite always and on
//! PostgreSQL when PORTRAIT_TEST_DATABASE_URL is set.

// A test that cannot go on should stop right there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contract;
mod deadlines;
mod helpers;
mod legacy_postgres;
mod legacy_sqlite;
mod update;
