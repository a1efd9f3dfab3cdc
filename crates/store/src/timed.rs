//! A client-side deadline on every request-path call: a database that stops answering
//! (a dropped network, a hung server) costs a request at most the limit, never a TCP
//! timeout. Server-side timeouts (`statement_timeout`, the pool's acquire timeout) cannot
//! catch a connection whose packets simply vanish.
//!
//! A timeout here can only fire while the call is waiting (`.await`ing): it cannot stop a
//! synchronous SQLite read that is running on this thread. Those bound themselves with the
//! same limit (see `sql/sqlite/connection.rs`), so this wrapper matters for PostgreSQL.
//!
//! Being the one place every request-path call passes, it also measures them.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::{
    Associations, Fixture, ImportReport, Includes, MetadataStore, PhotoEvent, PhotoId, Principal,
    StoreError, TokenHash, User, UserFilter, UserId, UserPage, UserUpdate,
};

/// Every request-path call's latency, by call, and its failures (answers such as an unknown
/// user or a taken email address are not failures), through the `metrics` facade.
pub const CALL_SECONDS: &str = "portrait_store_call_duration_seconds";
pub const ERRORS: &str = "portrait_store_errors_total";

fn failure_kind(error: &StoreError) -> Option<&'static str> {
    match error {
        StoreError::Unavailable(_) => Some("unavailable"),
        StoreError::Database(_) => Some("database"),
        StoreError::UnknownUser(_) | StoreError::EmailTaken => None,
        StoreError::Fixture(_) | StoreError::Config(_) | StoreError::Migration(_) => Some("other"),
    }
}

#[derive(Debug)]
pub struct Timed {
    inner: Arc<dyn MetadataStore>,
    limit: Duration,
}

impl Timed {
    pub fn new(inner: Arc<dyn MetadataStore>, limit: Duration) -> Self {
        Self { inner, limit }
    }

    async fn within<T>(
        &self,
        what: &'static str,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let started = Instant::now();
        let result = tokio::time::timeout(self.limit, call)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::Unavailable(format!(
                    "{what} did not answer within {} ms",
                    self.limit.as_millis()
                )))
            });
        metrics::histogram!(CALL_SECONDS, "call" => what).record(started.elapsed().as_secs_f64());
        if let Some(kind) = result.as_ref().err().and_then(failure_kind) {
            metrics::counter!(ERRORS, "call" => what, "kind" => kind).increment(1);
        }
        result
    }
}

#[async_trait]
impl MetadataStore for Timed {
    // Schema changes and imports are operator commands that may legitimately take long.
    async fn migrate(&self) -> Result<(), StoreError> {
        self.inner.migrate().await
    }

    async fn import(&self, fixture: &Fixture) -> Result<ImportReport, StoreError> {
        self.inner.import(fixture).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.within("ping", self.inner.ping()).await
    }

    async fn authenticate(&self, token: &TokenHash) -> Result<Option<Principal>, StoreError> {
        self.within("authenticate", self.inner.authenticate(token))
            .await
    }

    async fn create_token(&self, user: UserId, token: &TokenHash) -> Result<(), StoreError> {
        self.within("create_token", self.inner.create_token(user, token))
            .await
    }

    async fn revoke_token(&self, token: &TokenHash) -> Result<bool, StoreError> {
        self.within("revoke_token", self.inner.revoke_token(token))
            .await
    }

    async fn find_users(&self, filter: &UserFilter) -> Result<UserPage, StoreError> {
        self.within("find_users", self.inner.find_users(filter))
            .await
    }

    async fn load_associations(
        &self,
        viewer: &Principal,
        users: &[User],
        includes: &Includes,
    ) -> Result<Associations, StoreError> {
        self.within(
            "load_associations",
            self.inner.load_associations(viewer, users, includes),
        )
        .await
    }

    async fn replace_photo(
        &self,
        user: UserId,
        photo: Option<&PhotoId>,
        thumbhash: Option<&[u8]>,
    ) -> Result<Option<PhotoId>, StoreError> {
        // If the deadline passes after the commit, the caller sees Unavailable although the
        // swap happened: the new photo is in place and the old one is left for the sweep.
        let swap = self.inner.replace_photo(user, photo, thumbhash);
        self.within("replace_photo", swap).await
    }

    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<(), StoreError> {
        // As with a photo swap, a deadline passing after the commit reports Unavailable for a
        // write that happened; a retry of the same PUT is harmless.
        self.within("update_user", self.inner.update_user(user, update))
            .await
    }

    async fn referenced_photos(&self) -> Result<HashSet<PhotoId>, StoreError> {
        self.within("referenced_photos", self.inner.referenced_photos())
            .await
    }

    async fn photos_without_thumbhash(&self) -> Result<HashSet<PhotoId>, StoreError> {
        let query = self.inner.photos_without_thumbhash();
        self.within("photos_without_thumbhash", query).await
    }

    async fn set_photo_thumbhash(
        &self,
        photo: &PhotoId,
        thumbhash: &[u8],
    ) -> Result<(), StoreError> {
        let query = self.inner.set_photo_thumbhash(photo, thumbhash);
        self.within("set_photo_thumbhash", query).await
    }

    fn queries_executed(&self) -> u64 {
        self.inner.queries_executed()
    }

    fn photo_events(&self) -> Option<tokio::sync::mpsc::Receiver<PhotoEvent>> {
        self.inner.photo_events()
    }
}
