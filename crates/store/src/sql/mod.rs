//! The two SQL backends. They differ only in how they connect and in a couple of dialect
//! constants; every query lives once, in `shared.rs`, which each backend module includes with
//! its own `Db` and `Store` types so that sqlx checks the code against both databases.
//! SQLite's request-path reads run through rusqlite instead (`sqlite_reads.rs`, which says
//! why); they take their SELECT text from `text.rs`, as `shared.rs` does.

pub mod postgres;
pub mod sqlite;
mod sqlite_reads;
mod sqlite_rows;
pub(crate) mod text;

/// Ids sorted and without repeats, for an `IN` list.
fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
