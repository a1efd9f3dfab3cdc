use std::str::FromStr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::sqlite_reads::DirectReads;
use crate::{ConnectOptions, StoreError};

type Db = sqlx::Sqlite;
type Store = SqlxSqlite;

/// `IS` compares NULLs as equal in SQLite.
const NULL_SAFE_EQ: &str = "IS";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The embedded default: one SQLite file in WAL mode, so readers never wait for the writer.
/// Writes, imports and migrations go through sqlx; the reads every request makes go through
/// [`DirectReads`] on the calling thread.
#[derive(Debug)]
pub struct SqliteStore {
    sqlx: SqlxSqlite,
    reads: DirectReads,
}

/// Everything through sqlx, as the PostgreSQL backend does (the SQL is shared).
#[derive(Debug)]
struct SqlxSqlite {
    pool: sqlx::SqlitePool,
    queries: Arc<AtomicU64>,
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
        let path = connect.get_filename().to_owned();
        if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
            // A private in-memory database cannot be shared with a second set of connections.
            return Err(StoreError::Config(
                "SQLite needs a file path: sqlite://PATH".to_owned(),
            ));
        }
        if let Some(parent) = path.parent() {
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
        let queries = Arc::new(AtomicU64::new(0));
        Ok(Self {
            reads: DirectReads::new(&path, options.timeout, Arc::clone(&queries)),
            sqlx: SqlxSqlite { pool, queries },
        })
    }
}

#[async_trait]
impl MetadataStore for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        self.sqlx.migrate().await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.sqlx.ping().await
    }
    async fn import(&self, fixture: &Fixture) -> Result<ImportReport, StoreError> {
        self.sqlx.import(fixture).await
    }
    async fn authenticate(&self, token: &TokenHash) -> Result<Option<Principal>, StoreError> {
        self.reads.authenticate(token)
    }
    async fn create_token(&self, user: UserId, token: &TokenHash) -> Result<(), StoreError> {
        self.sqlx.create_token(user, token).await
    }
    async fn revoke_token(&self, token: &TokenHash) -> Result<bool, StoreError> {
        self.sqlx.revoke_token(token).await
    }
    async fn find_users(&self, filter: &UserFilter) -> Result<UserPage, StoreError> {
        self.reads.find_users(filter)
    }
    async fn load_associations(
        &self,
        viewer: &Principal,
        users: &[User],
        includes: &Includes,
    ) -> Result<Associations, StoreError> {
        self.reads.load_associations(viewer, users, includes)
    }
    async fn replace_photo(
        &self,
        user: UserId,
        photo: Option<&PhotoId>,
    ) -> Result<Option<PhotoId>, StoreError> {
        self.sqlx.replace_photo(user, photo).await
    }
    async fn referenced_photos(&self) -> Result<HashSet<PhotoId>, StoreError> {
        self.sqlx.referenced_photos().await
    }
    fn queries_executed(&self) -> u64 {
        self.sqlx.queries_executed()
    }
}

include!("shared.rs");
