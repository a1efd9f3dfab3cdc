//! The two SQL backends, one driver each: PostgreSQL through sqlx, SQLite through rusqlite.
//! They share their SQL text (`text.rs`) and what an import writes (`upserts.rs`); each
//! binds and maps rows in its own driver's way.

pub mod postgres;
pub mod sqlite;
pub(crate) mod text;
mod upserts;
mod user_search;
mod user_update;

/// Ids sorted and without repeats, for an `IN` list.
fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
