//! The embedded default: one SQLite file in WAL mode, through rusqlite, so readers never wait
//! for the writer.
//!
//! Reads run on the calling thread on pooled read-only connections (`reads.rs`); writes,
//! imports and migrations on the one writer connection, on a blocking thread (`writer.rs`).
//! Every statement is bounded by the store's timeout (`connection.rs`).

mod connection;
mod migrate;
mod reads;
mod rows;
mod writer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;

use self::reads::DirectReads;
use self::writer::Writer;
use crate::fixture::{Fixture, ImportReport};
use crate::model::*;
use crate::query::{Includes, UserFilter, UserPage};
use crate::sql::text;
use crate::update::UserUpdate;
use crate::{ConnectOptions, MetadataStore, StoreError, TokenHash};

#[derive(Debug)]
pub struct SqliteStore {
    reads: Arc<DirectReads>,
    writer: Writer,
    queries: Arc<AtomicU64>,
}

impl SqliteStore {
    /// `sqlite://PATH` (or `sqlite:PATH`); the file and its parent directory are created when
    /// missing.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self, StoreError> {
        let path = database_path(url)?;
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Config(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        let queries = Arc::new(AtomicU64::new(0));
        // The writer first: it creates the file and puts it in WAL mode before any reader.
        let writer = Writer::open(&path, options.timeout, Arc::clone(&queries))?;
        Ok(Self {
            reads: Arc::new(DirectReads::new(
                &path,
                options.timeout,
                Arc::clone(&queries),
            )),
            writer,
            queries,
        })
    }

    /// The photo ids a `SELECT photo_id …` over every user finds: a scan, not a request's
    /// lookup, so off the runtime thread.
    async fn scan_photos(&self, sql: &'static str) -> Result<HashSet<PhotoId>, StoreError> {
        let reads = Arc::clone(&self.reads);
        let ids = tokio::task::spawn_blocking(move || reads.photo_ids(sql))
            .await
            .map_err(|e| StoreError::Database(format!("SQLite read did not complete: {e}")))??;
        Ok(ids.iter().filter_map(|id| PhotoId::parse(id)).collect())
    }
}

/// The file a `sqlite:` URL names. Query parameters (sqlx accepted `mode`, `cache`, …) are
/// refused rather than silently ignored.
fn database_path(url: &str) -> Result<PathBuf, StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| StoreError::Config(format!("not a SQLite URL: {url:?}")))?;
    if rest.contains('?') {
        return Err(StoreError::Config(format!(
            "SQLite URLs take no query parameters: {url:?}"
        )));
    }
    if rest.is_empty() || rest == ":memory:" {
        // Readers and the writer are separate connections: a private in-memory database
        // cannot be shared between them.
        return Err(StoreError::Config(
            "SQLite needs a file path: sqlite://PATH".to_owned(),
        ));
    }
    Ok(Path::new(rest).to_owned())
}

#[async_trait]
impl MetadataStore for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        self.writer.migrate().await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.reads.ping()
    }
    async fn import(&self, fixture: &Fixture) -> Result<ImportReport, StoreError> {
        // The writer thread needs its own copy; imports are rare operator commands.
        self.writer.import(fixture.clone()).await
    }
    async fn authenticate(&self, token: &TokenHash) -> Result<Option<Principal>, StoreError> {
        self.reads.authenticate(token)
    }
    async fn create_token(&self, user: UserId, token: &TokenHash) -> Result<(), StoreError> {
        self.writer.create_token(user, token.clone()).await
    }
    async fn revoke_token(&self, token: &TokenHash) -> Result<bool, StoreError> {
        self.writer.revoke_token(token.clone()).await
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
        thumbhash: Option<&[u8]>,
    ) -> Result<Option<PhotoId>, StoreError> {
        let thumbhash = thumbhash.map(<[u8]>::to_vec);
        self.writer
            .replace_photo(user, photo.cloned(), thumbhash)
            .await
    }
    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<(), StoreError> {
        self.writer.update_user(user, update.clone()).await
    }
    async fn referenced_photos(&self) -> Result<HashSet<PhotoId>, StoreError> {
        self.scan_photos(text::REFERENCED_PHOTOS).await
    }
    async fn photos_without_thumbhash(&self) -> Result<HashSet<PhotoId>, StoreError> {
        self.scan_photos(text::PHOTOS_WITHOUT_THUMBHASH).await
    }
    async fn set_photo_thumbhash(
        &self,
        photo: &PhotoId,
        thumbhash: &[u8],
    ) -> Result<(), StoreError> {
        let thumbhash = thumbhash.to_vec();
        self.writer
            .set_photo_thumbhash(photo.clone(), thumbhash)
            .await
    }
    fn queries_executed(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_file() {
        assert_eq!(
            database_path("sqlite://data/portrait.db").unwrap(),
            Path::new("data/portrait.db")
        );
        assert_eq!(
            database_path("sqlite:///tmp/p.db").unwrap(),
            Path::new("/tmp/p.db")
        );
        assert_eq!(database_path("sqlite:p.db").unwrap(), Path::new("p.db"));
        for bad in [
            "sqlite::memory:",
            "sqlite://",
            "sqlite://p.db?mode=ro",
            "postgres://x",
        ] {
            assert!(
                matches!(database_path(bad), Err(StoreError::Config(_))),
                "{bad}"
            );
        }
    }
}
