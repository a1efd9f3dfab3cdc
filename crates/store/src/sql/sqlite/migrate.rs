//! SQLite's schema migrations, run by `rusqlite_migration`, which records the schema version in
//! SQLite's own `PRAGMA user_version` rather than in a table.
//!
//! The SQL stays in `migrations/sqlite/NNNN_name.sql`, as when sqlx ran it. Databases made by
//! those earlier releases carry sqlx's `_sqlx_migrations` table and `user_version` 0; before
//! the first run here, the migrations sqlx applied are checked against these files and adopted
//! by setting `user_version`, so nothing is applied twice. sqlx's table is left in place.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};
use sha2::{Digest, Sha384};

use super::connection::store_error;
use crate::StoreError;

/// One file of `migrations/sqlite`: its number (sqlx's version) and its text.
struct Migration {
    version: i64,
    sql: &'static str,
}

/// In order, numbered 1, 2, … without gaps: `user_version` N means the first N are applied.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../../migrations/sqlite/0002_kantata_vocabulary.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../../migrations/sqlite/0003_photo_thumbhash.sql"),
    },
];

/// Applies whatever migrations the database lacks.
///
/// Migrations that rebuild a table (SQLite's only way to change a constraint) must not have
/// the old table's rows deleted under its children's foreign keys, so they run with foreign
/// keys off, as SQLite's documentation prescribes, and each is checked before it commits.
pub(super) fn to_latest(conn: &mut Connection) -> Result<(), StoreError> {
    adopt_sqlx_history(conn)?;
    let enforced: bool = conn
        .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
        .map_err(store_error)?;
    conn.pragma_update(None, "foreign_keys", false)
        .map_err(store_error)?;
    let migrated = Migrations::new(
        MIGRATIONS
            .iter()
            .map(|m| M::up(m.sql).foreign_key_check())
            .collect(),
    )
    .to_latest(conn)
    .map_err(|e| StoreError::Migration(e.to_string()));
    conn.pragma_update(None, "foreign_keys", enforced)
        .map_err(store_error)?;
    migrated
}

/// A database last migrated by sqlx: set `user_version` to the number of migrations sqlx
/// applied, once each is known to be one of ours, unchanged and complete.
fn adopt_sqlx_history(conn: &mut Connection) -> Result<(), StoreError> {
    // IMMEDIATE: two processes upgrading at once do not both read version 0.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(store_error)?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(store_error)?;
    let sqlx_table: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(store_error)?;
    if version != 0 || sqlx_table.is_none() {
        return Ok(());
    }
    let applied: Vec<(i64, bool, Vec<u8>)> = tx
        .prepare("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
        .and_then(|mut s| {
            s.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect()
        })
        .map_err(store_error)?;
    for (i, (version, success, checksum)) in applied.iter().enumerate() {
        let refuse = |why: &str| {
            Err(StoreError::Migration(format!(
                "sqlx applied migration {version} to this database, but {why}"
            )))
        };
        let Some(ours) = MIGRATIONS.get(i) else {
            return refuse("this release does not know it (is the database newer?)");
        };
        if ours.version != *version {
            return refuse(&format!("this release expected migration {}", ours.version));
        }
        if !success {
            return refuse("it did not complete: repair the database by hand first");
        }
        if Sha384::digest(ours.sql.as_bytes()).as_slice() != checksum.as_slice() {
            return refuse("its text differs from this release's");
        }
    }
    tx.pragma_update(None, "user_version", applied.len())
        .map_err(store_error)?;
    tx.commit().map_err(store_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file added to `migrations/sqlite` but not to [`MIGRATIONS`] would never run.
    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), MIGRATIONS.len());
        for (n, (file, listed)) in files.iter().zip(MIGRATIONS).enumerate() {
            let name = file.file_name().unwrap().to_str().unwrap();
            let number: i64 = name.split('_').next().unwrap().parse().unwrap();
            assert_eq!(number, listed.version, "{name}");
            assert_eq!(listed.version, i64::try_from(n).unwrap() + 1, "{name}");
            assert_eq!(std::fs::read_to_string(file).unwrap(), listed.sql, "{name}");
        }
    }

    #[test]
    fn a_second_run_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        to_latest(&mut conn).unwrap();
        to_latest(&mut conn).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, i64::try_from(MIGRATIONS.len()).unwrap());
    }
}
