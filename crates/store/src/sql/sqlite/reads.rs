//! The hot reads of the SQLite store (authentication, user pages, associations), run directly
//! on the calling thread with cached prepared statements.
//!
//! Why on the calling thread: a read of a small WAL-mode database served from the page cache
//! takes a few microseconds, less than one handover to another thread. (sqlx's SQLite driver,
//! used before, ran every statement on a worker thread and handed rows back over channels; a
//! `GET /users/{id}` with every include is 11 statements, and those switches were nearly all of
//! its cost.) A read can still never hold the thread past its deadline: see `connection.rs`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{Connection, Row};

use super::connection::{store_error, Access, Bounded, Cutoff};
use super::rows::{
    field_value, membership, reference, role, skill, skill_membership, user, work_sample,
};
use crate::model::*;
use crate::query::{Includes, Order, UserFilter, UserPage};
use crate::sql::distinct;
use crate::sql::text::{self, ByIds, USER_COLUMNS};
use crate::sql::upserts::Value;
use crate::sql::user_search::{user_search, Piece};
use crate::{StoreError, TokenHash};

/// Connections kept open between reads; more are opened when more threads read at once.
const IDLE_CONNECTIONS: usize = 8;

pub(super) struct DirectReads {
    path: PathBuf,
    /// Both how long a statement may wait for a lock and how long a whole read may take.
    timeout: Duration,
    idle: Mutex<Vec<Bounded>>,
    queries: Arc<AtomicU64>,
}

impl std::fmt::Debug for DirectReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectReads")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl DirectReads {
    pub(super) fn new(path: &Path, timeout: Duration, queries: Arc<AtomicU64>) -> Self {
        Self {
            path: path.to_owned(),
            timeout,
            idle: Mutex::new(Vec::new()),
            queries,
        }
    }

    /// Runs one read on a pooled connection, all of its statements within the deadline.
    fn with_connection<T>(
        &self,
        read: impl FnOnce(&Reader<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut conn = match pooled {
            Some(conn) => conn,
            None => Bounded::open(&self.path, Access::Read, self.timeout)?,
        };
        let result = conn.within(Some(self.timeout), |conn, cutoff| {
            read(&Reader {
                conn,
                cutoff,
                queries: &self.queries,
            })
        });
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < IDLE_CONNECTIONS {
                idle.push(conn);
            }
        }
        result
    }

    /// One cheap statement, for readiness checks.
    pub(super) fn ping(&self) -> Result<(), StoreError> {
        self.with_connection(|r| r.rows("SELECT 1", &[], |_| Ok(())).map(drop))
    }

    /// The photo ids a `SELECT photo_id …` text finds.
    pub(super) fn photo_ids(&self, sql: &str) -> Result<Vec<String>, StoreError> {
        self.with_connection(|r| r.rows(sql, &[], |row| row.get(0)))
    }

    pub(super) fn authenticate(&self, token: &TokenHash) -> Result<Option<Principal>, StoreError> {
        self.with_connection(|r| {
            let found = r.rows(text::AUTHENTICATE, &[&token.as_str()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    UserId(row.get(1)?),
                    row.get::<_, i64>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            })?;
            Ok(found
                .into_iter()
                .find(|(stored, ..)| token.matches(stored))
                .map(|(_, user_id, account_id, permission)| Principal {
                    user_id,
                    account_id,
                    permission: permission.as_deref().and_then(Permission::parse),
                }))
        })
    }

    pub(super) fn find_users(&self, filter: &UserFilter) -> Result<UserPage, StoreError> {
        let (clause, mut params) = user_filter(filter);
        self.with_connection(|r| {
            let counted = r.rows(
                &format!("SELECT COUNT(*){clause}"),
                &bound(&params),
                |row| row.get::<_, i64>(0),
            )?;
            let total = counted.first().copied().unwrap_or(0);
            if total == 0 {
                return Ok(UserPage {
                    total: 0,
                    users: Vec::new(),
                });
            }
            let order = match filter.order {
                Order::Id => "u.id",
                Order::AlphabeticalAsc => "lower(u.full_name) ASC, u.id ASC",
                Order::AlphabeticalDesc => "lower(u.full_name) DESC, u.id ASC",
            };
            // Beyond i64 a page is past every row, as on PostgreSQL (NULL would be refused).
            let beyond = |n: u64| Value::Int(Some(i64::try_from(n).unwrap_or(i64::MAX)));
            params.push(beyond(filter.page.limit));
            params.push(beyond(filter.page.offset));
            let sql = format!("SELECT {USER_COLUMNS}{clause} ORDER BY {order} LIMIT ? OFFSET ?");
            let users = r.rows(&sql, &bound(&params), user)?;
            Ok(UserPage {
                total: u64::try_from(total).unwrap_or(0),
                users,
            })
        })
    }

    pub(super) fn load_associations(
        &self,
        viewer: &Principal,
        users: &[User],
        includes: &Includes,
    ) -> Result<Associations, StoreError> {
        let user_ids = distinct(users.iter().map(|u| u.id.0));
        let account = Some(viewer.account_id);
        self.with_connection(|r| {
            let mut found = Associations::default();
            if includes.account_membership {
                found.account_memberships =
                    r.by_ids(text::ACCOUNT_MEMBERSHIPS, account, &user_ids, membership)?;
            }
            if includes.role {
                let role_ids = distinct(users.iter().filter_map(|u| u.role_id));
                found.roles = r.by_ids(text::ROLES, None, &role_ids, role)?;
            }
            if includes.skills {
                found.skills = r.by_ids(text::SKILLS, None, &user_ids, skill)?;
            }
            if includes.skill_memberships {
                found.skill_memberships =
                    r.by_ids(text::SKILL_MEMBERSHIPS, None, &user_ids, skill_membership)?;
            }
            if includes.work_samples {
                found.work_samples = r.by_ids(text::WORK_SAMPLES, None, &user_ids, work_sample)?;
            }
            if includes.custom_field_values {
                let values = r.by_ids(text::CUSTOM_FIELD_VALUES, None, &user_ids, field_value)?;
                found.custom_field_values = values
                    .into_iter()
                    .filter(|v| v.readable_by(viewer))
                    .collect();
            }
            if includes.external_references {
                found.external_references =
                    r.by_ids(text::EXTERNAL_REFERENCES, None, &user_ids, reference)?;
            }
            if includes.manager {
                let manager_ids = distinct(users.iter().filter_map(|u| u.manager_id));
                if !manager_ids.is_empty() {
                    let sql = format!(
                        "SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = ? AND u.id IN {} \
                         ORDER BY u.id",
                        placeholders(manager_ids.len())
                    );
                    let mut params = vec![viewer.account_id];
                    params.extend(&manager_ids);
                    found.managers = r.rows(&sql, &as_params(&params), user)?;
                }
            }
            Ok(found)
        })
    }
}

/// One connection, counting the statements it runs.
struct Reader<'a> {
    conn: &'a Connection,
    cutoff: &'a Cutoff<'a>,
    queries: &'a AtomicU64,
}

impl Reader<'_> {
    fn rows<T>(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        self.cutoff.check()?;
        self.queries.fetch_add(1, Ordering::Relaxed);
        let mut statement = self.conn.prepare_cached(sql).map_err(store_error)?;
        let rows = statement.query_map(params, map).map_err(store_error)?;
        rows.collect::<rusqlite::Result<Vec<T>>>()
            .map_err(store_error)
    }

    fn by_ids<T>(
        &self,
        sql: ByIds,
        account: Option<i64>,
        ids: &[i64],
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let account_clause = if account.is_some() {
            "account_id = ? AND "
        } else {
            ""
        };
        let text = format!(
            "{} WHERE {account_clause}{} IN {} ORDER BY {}",
            sql.select,
            sql.id_column,
            placeholders(ids.len()),
            sql.order
        );
        let params: Vec<i64> = account.into_iter().chain(ids.iter().copied()).collect();
        self.rows(&text, &as_params(&params), map)
    }
}

/// The search's text with `?` placeholders, and its values in order.
fn user_filter(filter: &UserFilter) -> (String, Vec<Value<'_>>) {
    let mut clause = String::new();
    let mut values = Vec::new();
    for piece in user_search(filter).pieces {
        match piece {
            Piece::Sql(text) => clause.push_str(text),
            Piece::Bind(value) => {
                clause.push('?');
                values.push(value);
            }
        }
    }
    (clause, values)
}

fn placeholders(n: usize) -> String {
    let mut list = String::with_capacity(2 + 3 * n);
    list.push('(');
    for i in 0..n {
        list.push_str(if i == 0 { "?" } else { ", ?" });
    }
    list.push(')');
    list
}

fn bound<'v>(values: &'v [Value<'_>]) -> Vec<&'v dyn ToSql> {
    values.iter().map(|v| v as &dyn ToSql).collect()
}

fn as_params(values: &[i64]) -> Vec<&dyn ToSql> {
    values.iter().map(|v| v as &dyn ToSql).collect()
}
