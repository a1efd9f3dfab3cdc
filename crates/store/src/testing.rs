//! Fresh, isolated databases for tests: a SQLite file in a temporary directory always, and a
//! new PostgreSQL schema when `PORTRAIT_TEST_DATABASE_URL` is set.
//!
//! Test support only: a test without its database cannot go on, so failing loudly here is the
//! right answer.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use rand::Rng;
use sqlx::Connection;

pub const POSTGRES_URL_VAR: &str = "PORTRAIT_TEST_DATABASE_URL";

/// A database only this test uses; `url` is what `portrait --database-url` takes.
#[derive(Debug)]
pub struct ScratchDatabase {
    pub backend: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// The query naming the channel PostgreSQL instances announce removed photos on (and the
/// application_name of each instance's listening connection).
pub const PHOTO_CHANNEL_NAME_QUERY: &str = crate::sql::text::PHOTO_CHANNEL_NAME_POSTGRES;

impl ScratchDatabase {
    /// The same database for a second server; the original keeps it alive.
    pub fn alias(&self) -> Self {
        Self {
            backend: self.backend,
            url: self.url.clone(),
            _dir: None,
        }
    }
}

pub fn scratch_sqlite() -> ScratchDatabase {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("portrait.db").display());
    ScratchDatabase {
        backend: "sqlite",
        url,
        _dir: Some(dir),
    }
}

/// A new schema on the test server, reached through a URL whose `search_path` names it.
pub async fn scratch_postgres() -> Option<ScratchDatabase> {
    let base = std::env::var(POSTGRES_URL_VAR).ok()?;
    let schema = format!("portrait_t_{:016x}", rand::thread_rng().gen::<u64>());
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but unreachable: {e}"));
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .expect("create test schema");
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(ScratchDatabase {
        backend: "postgres",
        url: format!("{base}{separator}options[search_path]={schema}"),
        _dir: None,
    })
}

/// SQLite, plus PostgreSQL when configured: what every backend-agnostic test runs against.
pub async fn scratch_databases() -> Vec<ScratchDatabase> {
    let mut all = vec![scratch_sqlite()];
    all.extend(scratch_postgres().await);
    all
}
