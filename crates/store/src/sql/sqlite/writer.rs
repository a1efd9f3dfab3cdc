//! The SQLite store's one writing connection: writes, imports and migrations.
//!
//! SQLite admits one writer at a time anyway, so one connection behind a mutex loses nothing
//! and makes the wait for it a plain async lock. The statements then run on a blocking thread
//! (`spawn_blocking`): a write may wait up to `busy_timeout` for another process's write lock,
//! and must not stall the runtime meanwhile. (`block_in_place` would be cheaper but panics on
//! the current-thread runtimes the server runs, one per connection thread.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, TransactionBehavior};

use super::connection::{store_error, Access, Bounded, Cutoff};
use super::migrate;
use super::rows::sql_time;
use crate::fixture::{ExistingIds, Fixture, ImportReport};
use crate::model::{PhotoId, UserId};
use crate::sql::text;
use crate::sql::upserts::{upserts, Value};
use crate::sql::user_update;
use crate::update::UserUpdate;
use crate::{StoreError, TokenHash};

/// How long a write may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// A request's write: the wait for the connection, for SQLite's write lock and the
    /// statements together get the store's timeout.
    Deadline,
    /// Operator commands (migrations, imports) may legitimately take long.
    Unbounded,
}

#[derive(Debug)]
pub(super) struct Writer {
    conn: Arc<tokio::sync::Mutex<Bounded>>,
    timeout: Duration,
    queries: Arc<AtomicU64>,
}

impl Writer {
    pub(super) fn open(
        path: &std::path::Path,
        timeout: Duration,
        queries: Arc<AtomicU64>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            conn: Arc::new(tokio::sync::Mutex::new(Bounded::open(
                path,
                Access::Write,
                timeout,
            )?)),
            timeout,
            queries,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        limit: Limit,
        work: impl FnOnce(&mut Connection, &Cutoff<'_>, &AtomicU64) -> Result<T, StoreError>
            + Send
            + 'static,
    ) -> Result<T, StoreError> {
        let started = Instant::now();
        let lock = Arc::clone(&self.conn).lock_owned();
        let (mut conn, remaining) = match limit {
            Limit::Unbounded => (lock.await, None),
            Limit::Deadline => {
                let conn = tokio::time::timeout(self.timeout, lock)
                    .await
                    .map_err(|_| {
                        StoreError::Unavailable(format!(
                            "the SQLite writer stayed busy for {} ms",
                            self.timeout.as_millis()
                        ))
                    })?;
                (conn, Some(self.timeout.saturating_sub(started.elapsed())))
            }
        };
        let queries = Arc::clone(&self.queries);
        tokio::task::spawn_blocking(move || {
            if let Some(remaining) = remaining {
                conn.wait_for_locks_at_most(remaining)?;
            }
            let result = conn.within(remaining, |c, cutoff| {
                cutoff.check()?;
                work(c, cutoff, &queries)
            });
            if remaining.is_some() {
                conn.restore_lock_wait()?;
            }
            result
        })
        .await
        .map_err(|e| StoreError::Database(format!("SQLite write did not complete: {e}")))?
    }

    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        self.run(Limit::Unbounded, |conn, _, queries| {
            tick(queries);
            migrate::to_latest(conn)
        })
        .await
    }

    pub(super) async fn import(&self, fixture: Fixture) -> Result<ImportReport, StoreError> {
        self.run(Limit::Unbounded, move |conn, _, queries| {
            import(conn, &fixture, queries)
        })
        .await
    }

    pub(super) async fn create_token(
        &self,
        user: UserId,
        token: TokenHash,
    ) -> Result<(), StoreError> {
        self.run(Limit::Deadline, move |conn, _, queries| {
            tick(queries);
            let now = sql_time(&Utc::now());
            let inserted = conn
                .prepare_cached(text::CREATE_TOKEN)
                .and_then(|mut s| s.execute(params![token.as_str(), now, user.0]))
                .map_err(store_error)?;
            if inserted == 0 {
                return Err(StoreError::UnknownUser(user.0));
            }
            Ok(())
        })
        .await
    }

    pub(super) async fn revoke_token(&self, token: TokenHash) -> Result<bool, StoreError> {
        self.run(Limit::Deadline, move |conn, _, queries| {
            tick(queries);
            let now = sql_time(&Utc::now());
            let revoked = conn
                .prepare_cached(text::REVOKE_TOKEN)
                .and_then(|mut s| s.execute(params![now, token.as_str()]))
                .map_err(store_error)?;
            Ok(revoked > 0)
        })
        .await
    }

    pub(super) async fn replace_photo(
        &self,
        user: UserId,
        photo: Option<PhotoId>,
        thumbhash: Option<Vec<u8>>,
    ) -> Result<Option<PhotoId>, StoreError> {
        self.run(Limit::Deadline, move |conn, cutoff, queries| {
            // Compare-and-swap, as on PostgreSQL: this connection is the process's only
            // writer, but another process may share the file.
            loop {
                cutoff.check()?;
                tick(queries);
                let current: Option<Option<String>> = conn
                    .prepare_cached(text::CURRENT_PHOTO)
                    .and_then(|mut s| s.query_row([user.0], |row| row.get(0)).optional())
                    .map_err(store_error)?;
                let Some(current) = current else {
                    return Err(StoreError::UnknownUser(user.0));
                };
                tick(queries);
                let now = sql_time(&Utc::now());
                let new = photo.as_ref().map(PhotoId::as_str);
                let swapped = conn
                    .prepare_cached(text::SWAP_PHOTO_SQLITE)
                    .and_then(|mut s| s.execute(params![new, thumbhash, now, user.0, current]))
                    .map_err(store_error)?;
                if swapped == 1 {
                    return Ok(current.as_deref().and_then(PhotoId::parse));
                }
            }
        })
        .await
    }

    pub(super) async fn set_photo_thumbhash(
        &self,
        photo: PhotoId,
        thumbhash: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.run(Limit::Deadline, move |conn, _, queries| {
            tick(queries);
            conn.prepare_cached(text::SET_PHOTO_THUMBHASH)
                .and_then(|mut s| s.execute(params![thumbhash, photo.as_str()]))
                .map_err(store_error)?;
            Ok(())
        })
        .await
    }

    pub(super) async fn update_user(
        &self,
        user: UserId,
        update: UserUpdate,
    ) -> Result<(), StoreError> {
        self.run(Limit::Deadline, move |conn, _, queries| {
            update_user(conn, user, &update, queries)
        })
        .await
    }
}

/// One `IMMEDIATE` transaction: the write lock is held from the email check to the commit, so no
/// other writer (this process's or another's) can take the address in between.
fn update_user(
    conn: &mut Connection,
    user: UserId,
    update: &UserUpdate,
    queries: &AtomicU64,
) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(store_error)?;
    let run = |sql: &str, values: &[Value<'_>]| {
        tick(queries);
        tx.prepare_cached(sql)
            .and_then(|mut s| s.execute(params_from_iter(values)))
            .map_err(store_error)
    };
    let exists = {
        tick(queries);
        tx.prepare_cached(text::USER_FOR_UPDATE_SQLITE)
            .and_then(|mut s| s.exists([user.0]))
            .map_err(store_error)?
    };
    if !exists {
        return Err(StoreError::UnknownUser(user.0));
    }
    if let Some(email) = &update.email_address {
        tick(queries);
        let taken = tx
            .prepare_cached(text::EMAIL_TAKEN)
            .and_then(|mut s| s.exists(params![email, user.0]))
            .map_err(store_error)?;
        if taken {
            return Err(StoreError::EmailTaken);
        }
    }
    let now = Utc::now();
    if let Some(values) = user_update::user_row(user, update, now) {
        run(text::UPDATE_USER, &values)?;
    }
    if let Some(reference) = &update.external_reference {
        let values = user_update::reference_update(user, reference, now);
        if run(text::UPDATE_EXTERNAL_REFERENCE, &values)? == 0 {
            let values = user_update::reference_insert(user, reference, now);
            run(text::INSERT_EXTERNAL_REFERENCE, &values)?;
        }
    }
    tick(queries);
    tx.commit().map_err(store_error)
}

fn tick(queries: &AtomicU64) {
    queries.fetch_add(1, Ordering::Relaxed);
}

/// All of the fixture or none of it, in one `IMMEDIATE` transaction: the write lock is taken
/// up front, so the ids validated against cannot change before the rows are written.
fn import(
    conn: &mut Connection,
    fixture: &Fixture,
    queries: &AtomicU64,
) -> Result<ImportReport, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(store_error)?;
    let ids_of = |sql: &str| {
        tick(queries);
        let mut statement = tx.prepare_cached(sql)?;
        let ids = statement.query_map([], |row| row.get::<_, i64>(0))?;
        ids.collect::<rusqlite::Result<_>>()
    };
    let existing = ExistingIds {
        accounts: ids_of(text::EXISTING_ACCOUNT_IDS).map_err(store_error)?,
        roles: ids_of(text::EXISTING_ROLE_IDS).map_err(store_error)?,
        users: ids_of(text::EXISTING_USER_IDS).map_err(store_error)?,
        skills: ids_of(text::EXISTING_SKILL_IDS).map_err(store_error)?,
        custom_fields: ids_of(text::EXISTING_CUSTOM_FIELD_IDS).map_err(store_error)?,
    };
    fixture.validate(&existing)?;
    let mut report = ImportReport::default();
    for row in upserts(fixture, Utc::now()) {
        tick(queries);
        tx.prepare_cached(row.sql)
            .and_then(|mut s| s.execute(params_from_iter(&row.values)))
            .map_err(store_error)?;
        row.section.tally(&mut report);
    }
    tick(queries);
    tx.commit().map_err(store_error)?;
    Ok(report)
}

/// Values bind positionally: the texts number their `$N` in order (see `text.rs`).
impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Int(Some(v)) => ToSqlOutput::from(*v),
            Value::SmallInt(Some(v)) => ToSqlOutput::from(*v),
            Value::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bool(v) | Value::MaybeBool(Some(v)) => ToSqlOutput::from(*v),
            Value::Time(Some(v)) => ToSqlOutput::from(sql_time(v)),
            Value::Int(None)
            | Value::SmallInt(None)
            | Value::Text(None)
            | Value::MaybeBool(None)
            | Value::Time(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite numbers a `$N` parameter by where its name first appears, and the writer binds
    /// by that number: so in every shared text, parameter `i` must be the one named `$i`.
    #[test]
    fn shared_texts_number_their_parameters_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate::to_latest(&mut conn).unwrap();
        for sql in text::NUMBERED {
            let statement = conn.prepare(sql).unwrap();
            let count = statement.parameter_count();
            assert!(count > 0, "{sql}");
            for i in 1..=count {
                assert_eq!(
                    statement.parameter_name(i),
                    Some(format!("${i}").as_str()),
                    "{sql}"
                );
            }
        }
    }

    #[test]
    fn values_bind_as_sqlx_bound_them() {
        let conn = Connection::open_in_memory().unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-02T00:39:20.953807577Z")
            .unwrap()
            .with_timezone(&Utc);
        let row: (String, Option<String>, i64, Option<i64>) = conn
            .query_row(
                "SELECT $1, $2, $3, $4",
                params_from_iter([
                    Value::Time(Some(at)),
                    Value::Text(None),
                    Value::Bool(true),
                    Value::Int(None),
                ]),
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            row,
            (
                "2026-12-02T00:39:20.953807577+00:00".to_owned(),
                None,
                1,
                None
            )
        );
    }
}
