use std::str::FromStr;
use std::sync::atomic::AtomicU64;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{ConnectOptions, StoreError};

type Db = sqlx::Sqlite;
type Store = SqliteStore;

/// `IS` compares NULLs as equal in SQLite.
const NULL_SAFE_EQ: &str = "IS";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The embedded default: one SQLite file in WAL mode, so readers never wait for the writer.
#[derive(Debug)]
pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    queries: AtomicU64,
}

impl SqliteStore {
    /// `sqlite://PATH`; the file and its parent directory are created when missing.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(options.timeout);
        if let Some(parent) = connect.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Config(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.timeout)
            .connect_with(connect)
            .await?;
        Ok(Self {
            pool,
            queries: AtomicU64::new(0),
        })
    }
}

include!("shared.rs");
