//! PostgreSQL through sqlx, for several stateless portrait instances sharing one database.
//! The SQL text comes from `text.rs` and `upserts.rs`, shared with the SQLite backend.

mod events;
mod reads;

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::Utc;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres};

use crate::fixture::{ExistingIds, Fixture, ImportReport};
use crate::model::*;
use crate::query::{Includes, UserFilter, UserPage};
use crate::sql::text;
use crate::sql::upserts::{upserts, Value};
use crate::sql::user_update;
use crate::update::UserUpdate;
use crate::{ConnectOptions, MetadataStore, PhotoEvent, StoreError, TokenHash};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug)]
pub struct PostgresStore {
    pool: sqlx::PgPool,
    /// For the connection that listens to other instances (see `events.rs`).
    connect: PgConnectOptions,
    queries: AtomicU64,
}

impl PostgresStore {
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))?;
        // The server gives up on a statement at the same deadline the client does.
        let statement_timeout = options.timeout.as_millis().to_string();
        let connect = connect.options([("statement_timeout", statement_timeout.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.timeout)
            .connect_with(connect.clone())
            .await?;
        Ok(Self {
            pool,
            connect,
            queries: AtomicU64::new(0),
        })
    }

    fn tick(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }

    async fn ids_of(&self, conn: &mut PgConnection, sql: &str) -> Result<HashSet<i64>, StoreError> {
        self.tick();
        let rows: Vec<(i64,)> = sqlx::query_as(sql).fetch_all(conn).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The photo ids a `SELECT photo_id …` over every user finds.
    async fn scan_photos(&self, sql: &'static str) -> Result<HashSet<PhotoId>, StoreError> {
        self.tick();
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().filter_map(|(id,)| PhotoId::parse(id)).collect())
    }
}

/// Binds one import value with the Rust type it has always been bound with.
fn bind<'q>(
    query: Query<'q, Postgres, PgArguments>,
    value: Value<'q>,
) -> Query<'q, Postgres, PgArguments> {
    match value {
        Value::Int(v) => query.bind(v),
        Value::SmallInt(v) => query.bind(v),
        Value::Text(v) => query.bind(v),
        Value::Bool(v) => query.bind(v),
        Value::MaybeBool(v) => query.bind(v),
        Value::Time(v) => query.bind(v),
    }
}

#[async_trait]
impl MetadataStore for PostgresStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        self.tick();
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.tick();
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn import(&self, fixture: &Fixture) -> Result<ImportReport, StoreError> {
        let mut tx = self.pool.begin().await?;
        let existing = ExistingIds {
            accounts: self.ids_of(&mut tx, text::EXISTING_ACCOUNT_IDS).await?,
            roles: self.ids_of(&mut tx, text::EXISTING_ROLE_IDS).await?,
            users: self.ids_of(&mut tx, text::EXISTING_USER_IDS).await?,
            skills: self.ids_of(&mut tx, text::EXISTING_SKILL_IDS).await?,
            custom_fields: self
                .ids_of(&mut tx, text::EXISTING_CUSTOM_FIELD_IDS)
                .await?,
        };
        fixture.validate(&existing)?;
        let mut report = ImportReport::default();
        for row in upserts(fixture, Utc::now()) {
            let query = row.values.into_iter().fold(sqlx::query(row.sql), bind);
            self.tick();
            query.execute(&mut *tx).await?;
            row.section.tally(&mut report);
        }
        self.tick();
        tx.commit().await?;
        Ok(report)
    }

    async fn authenticate(&self, token: &TokenHash) -> Result<Option<Principal>, StoreError> {
        self.tick();
        let row: Option<(String, UserId, i64, Option<String>)> = sqlx::query_as(text::AUTHENTICATE)
            .bind(token.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.filter(|(stored, ..)| token.matches(stored)).map(
            |(_, user_id, account_id, permission)| Principal {
                user_id,
                account_id,
                permission: permission.as_deref().and_then(Permission::parse),
            },
        ))
    }

    async fn create_token(&self, user: UserId, token: &TokenHash) -> Result<(), StoreError> {
        self.tick();
        let result = sqlx::query(text::CREATE_TOKEN)
            .bind(token.as_str())
            .bind(Utc::now())
            .bind(user)
            .execute(&self.pool)
            .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::UnknownUser(user.0));
        }
        Ok(())
    }

    async fn revoke_token(&self, token: &TokenHash) -> Result<bool, StoreError> {
        self.tick();
        let result = sqlx::query(text::REVOKE_TOKEN)
            .bind(Utc::now())
            .bind(token.as_str())
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn find_users(&self, filter: &UserFilter) -> Result<UserPage, StoreError> {
        self.find_users_page(filter).await
    }

    async fn load_associations(
        &self,
        viewer: &Principal,
        users: &[User],
        includes: &Includes,
    ) -> Result<Associations, StoreError> {
        self.associations_of(viewer, users, includes).await
    }

    async fn replace_photo(
        &self,
        user: UserId,
        photo: Option<&PhotoId>,
        thumbhash: Option<&[u8]>,
    ) -> Result<Option<PhotoId>, StoreError> {
        // Compare-and-swap instead of a locking transaction: one statement is atomic, and a
        // lost race simply reads the new value and tries again.
        loop {
            self.tick();
            let current: Option<(Option<String>,)> = sqlx::query_as(text::CURRENT_PHOTO)
                .bind(user)
                .fetch_optional(&self.pool)
                .await?;
            let Some((current,)) = current else {
                return Err(StoreError::UnknownUser(user.0));
            };
            self.tick();
            let (swapped, _announced): (i64, i64) = sqlx::query_as(text::SWAP_PHOTO_POSTGRES)
                .bind(photo.map(PhotoId::as_str))
                .bind(thumbhash)
                .bind(Utc::now())
                .bind(user)
                .bind(current.as_deref())
                .fetch_one(&self.pool)
                .await?;
            if swapped == 1 {
                return Ok(current.as_deref().and_then(PhotoId::parse));
            }
        }
    }

    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        self.tick();
        let locked: Option<(UserId,)> = sqlx::query_as(text::USER_FOR_UPDATE_POSTGRES)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
        if locked.is_none() {
            return Err(StoreError::UnknownUser(user.0));
        }
        if let Some(email) = &update.email_address {
            self.tick();
            sqlx::query(text::LOCK_EMAIL_POSTGRES)
                .bind(email)
                .execute(&mut *tx)
                .await?;
            self.tick();
            let taken: Option<(UserId,)> = sqlx::query_as(text::EMAIL_TAKEN)
                .bind(email)
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::EmailTaken);
            }
        }
        let now = Utc::now();
        if let Some(values) = user_update::user_row(user, update, now) {
            self.tick();
            let query = values
                .into_iter()
                .fold(sqlx::query(text::UPDATE_USER), bind);
            query.execute(&mut *tx).await?;
        }
        if let Some(reference) = &update.external_reference {
            let values = user_update::reference_update(user, reference, now);
            let query = values
                .into_iter()
                .fold(sqlx::query(text::UPDATE_EXTERNAL_REFERENCE), bind);
            self.tick();
            if query.execute(&mut *tx).await?.rows_affected() == 0 {
                self.tick();
                sqlx::query(text::LOCK_EXTERNAL_REFERENCES_POSTGRES)
                    .execute(&mut *tx)
                    .await?;
                let values = user_update::reference_insert(user, reference, now);
                let query = values
                    .into_iter()
                    .fold(sqlx::query(text::INSERT_EXTERNAL_REFERENCE), bind);
                self.tick();
                query.execute(&mut *tx).await?;
            }
        }
        self.tick();
        tx.commit().await?;
        Ok(())
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
        self.tick();
        sqlx::query(text::SET_PHOTO_THUMBHASH)
            .bind(thumbhash)
            .bind(photo.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    fn photo_events(&self) -> Option<tokio::sync::mpsc::Receiver<PhotoEvent>> {
        Some(events::listen(self.connect.clone()))
    }

    fn queries_executed(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }
}
