use crate::fixture::FixtureError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database did not answer in time or the connection failed: worth retrying later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("invalid fixture: {0}")]
    Fixture(#[from] FixtureError),
    #[error("no such user: {0}")]
    UnknownUser(i64),
    /// Another user already has this email address (compared case-insensitively).
    #[error("email address already taken")]
    EmailTaken,
    #[error("configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(error.to_string())
            }
            sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => {
                StoreError::Unavailable(error.to_string())
            }
            sqlx::Error::Database(db) if is_unavailable_code(db.code().as_deref()) => {
                StoreError::Unavailable(db.to_string())
            }
            other => StoreError::Database(other.to_string()),
        }
    }
}

/// PostgreSQL's "admin shutdown", "cannot connect now", "too many connections" and connection
/// failures all mean "try again later", not "your request is wrong". (sqlx speaks only to
/// PostgreSQL now; SQLite's codes are mapped in `sql/sqlite/connection.rs`.)
fn is_unavailable_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("57P01" | "57P02" | "57P03" | "53300" | "08000" | "08003" | "08006")
    )
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migration(error.to_string())
    }
}
