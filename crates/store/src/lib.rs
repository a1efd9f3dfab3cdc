//! portrait's metadata store: accounts, users and their associations, bearer tokens and the
//! pointer from each user to their current photo.
//!
//! One trait, [`MetadataStore`], with two implementations that share their SQL text:
//! SQLite (the embedded default, through rusqlite) and PostgreSQL (through sqlx).
//! [`open`] picks one from a database URL.

// Unit tests may fail loudly; the store itself answers every failure with a `StoreError`.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod error;
mod events;
pub mod fixture;
mod model;
mod query;
mod sql;
#[doc(hidden)]
pub mod testing;
mod timed;
mod token;
mod update;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;

pub use error::StoreError;
pub use events::PhotoEvent;
pub use fixture::{Fixture, FixtureError, ImportReport};
pub use model::*;
pub use query::{
    CustomValueMatch, Includes, Matching, Order, Page, ReferenceMatch, SkillMatch, UserFilter,
    UserPage, ValueTest,
};
pub use sql::{postgres::PostgresStore, sqlite::SqliteStore};
pub use token::{PlainToken, TokenHash};
pub use update::{ExternalReferenceUpdate, SyncStatus, UserUpdate};

/// Everything portrait keeps apart from photo bytes.
///
/// Every method is one round trip or one transaction, so the number of queries a request makes
/// does not grow with the number of users or associations it returns.
#[async_trait]
pub trait MetadataStore: Send + Sync + std::fmt::Debug {
    /// Creates or upgrades the schema.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// One cheap round trip, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Loads a fixture in one transaction: all of it or nothing. Running it twice changes nothing.
    async fn import(&self, fixture: &Fixture) -> Result<ImportReport, StoreError>;

    /// The user a live (not revoked) token belongs to, with what they may do.
    async fn authenticate(&self, token: &TokenHash) -> Result<Option<Principal>, StoreError>;
    async fn create_token(&self, user: UserId, token: &TokenHash) -> Result<(), StoreError>;
    /// Returns whether a live token was revoked.
    async fn revoke_token(&self, token: &TokenHash) -> Result<bool, StoreError>;

    /// Users visible to the filter's viewer: total count and one page.
    async fn find_users(&self, filter: &UserFilter) -> Result<UserPage, StoreError>;
    /// The associations asked for, for all the given users at once.
    async fn load_associations(
        &self,
        viewer: &Principal,
        users: &[User],
        includes: &Includes,
    ) -> Result<Associations, StoreError>;

    /// Points the user at a new photo (or none), with the photo's ThumbHash placeholder, and
    /// returns the photo it replaced.
    async fn replace_photo(
        &self,
        user: UserId,
        photo: Option<&PhotoId>,
        thumbhash: Option<&[u8]>,
    ) -> Result<Option<PhotoId>, StoreError>;
    /// Applies one `PUT /users/{id}` in one transaction: all of it or, on any error, none.
    /// [`StoreError::EmailTaken`] when another user already has the new address.
    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<(), StoreError>;
    /// Every photo some user points at, for the blob sweep.
    async fn referenced_photos(&self) -> Result<HashSet<PhotoId>, StoreError>;
    /// Current photos stored before placeholders existed, for the backfill.
    async fn photos_without_thumbhash(&self) -> Result<HashSet<PhotoId>, StoreError>;
    /// Gives a photo that has none its ThumbHash.
    async fn set_photo_thumbhash(
        &self,
        photo: &PhotoId,
        thumbhash: &[u8],
    ) -> Result<(), StoreError>;

    /// How many statements this store has sent since it was opened (for tests of batching).
    fn queries_executed(&self) -> u64;

    /// Photo changes made by other instances sharing this database, as they commit; `None`
    /// when no other instance can share it (SQLite). Starts listening when called; the
    /// listening ends when the receiver is dropped.
    fn photo_events(&self) -> Option<tokio::sync::mpsc::Receiver<PhotoEvent>> {
        None
    }
}

/// Options that apply to both databases.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectOptions {
    pub max_connections: u32,
    /// How long a request waits for a connection or a statement before the store answers
    /// [`StoreError::Unavailable`].
    #[serde(with = "humantime_serde")]
    pub timeout: std::time::Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            // Queries here are single-row lookups and small batches: a database that has not
            // answered within a second is in trouble, and the client gets a prompt 503.
            timeout: std::time::Duration::from_secs(1),
        }
    }
}

/// Opens the store a URL names: `sqlite://PATH` (created if missing) or `postgres://…`.
pub async fn open(
    url: &str,
    options: &ConnectOptions,
) -> Result<Arc<dyn MetadataStore>, StoreError> {
    let store: Arc<dyn MetadataStore> = if url.starts_with("sqlite:") {
        Arc::new(SqliteStore::connect(url, options).await?)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Arc::new(PostgresStore::connect(url, options).await?)
    } else {
        return Err(StoreError::Config(format!(
            "unsupported database URL scheme in {:?}; use sqlite:// or postgres://",
            redact_url(url)
        )));
    };
    Ok(Arc::new(timed::Timed::new(store, options.timeout)))
}

/// A URL with its password, if any, replaced, fit for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
